//! The Salesforce API emulator: an org on loopback that the demo, every integration test and
//! `vitals emulator` talk to instead of a real org.
//!
//! It follows `shared/docs/salesforce-api.md` to the byte where it can (URLs, status codes,
//! error bodies, headers, timestamp formats, paging, per-record results, limits) and rejects
//! what a real org rejects. Invariants:
//! - It binds 127.0.0.1 only.
//! - It writes its own JSON and keeps its own schema: nothing here imports
//!   `crate::salesforce`, so a misunderstanding cannot hide on both sides.
//! - Every timestamp comes from [`clock::Clock`], so tests advance time instead of sleeping.
//! - Every record write goes through [`write`], whatever the door (REST, Collections,
//!   seeding, Bulk API 2.0 ingest), so validation is the same everywhere.
//! - Bulk jobs move only when polled or when the emulator clock advances ([`jobs::job`]),
//!   so tests drive them deterministically; jobs that ended are purged 7 days later.
//! - No request can crash, hang or exhaust it: SOQL nesting and size are capped before the
//!   recursive passes run ([`soql::MAX_NESTING`]), Composite cannot call itself, the
//!   request log is a bounded ring ([`state::RequestLog`]), Bulk uploads are dropped once
//!   parsed, admin values are range-checked, and a call's in-flight entry is a drop guard
//!   ([`server::InFlight`]) so an abandoned call never counts as long-running.
//! - The `drop` fault resets the TCP connection itself ([`server::ConnectionCutter`]), so the
//!   client sees no response at all, whatever the status.
//!
//! Map: [`schema`] + [`standard`] + [`metadata`] (the org's objects and fields), [`store`] +
//! [`value`] (records), [`write`] + [`checks`] + [`derive`] (the write path: validation, derived fields), [`auth`] (OAuth),
//! [`rest`] (the REST resources), [`bulk`] (Bulk API 2.0 ingest and query jobs on top of
//! [`write`] and [`rest::query`]), [`faults`], [`fls`], [`admin`] (`/_emulator/...`),
//! [`state`] (configuration and shared state), [`server`] (router, API layer, serving),
//! [`soql`] (the SOQL engine), [`generate`] (generated orgs).
//!
//! Start one in-process with [`start`] (port 0 picks a free port) or build the router with
//! [`app`].

pub mod admin;
pub mod auth;
pub mod bulk;
pub mod call;
pub mod checks;
pub mod clock;
pub mod control;
pub mod derive;
pub mod errors;
pub mod execution;
pub mod fastmap;
pub mod faults;
pub mod fls;
pub mod generate;
pub mod id;
pub mod jobs;
pub mod metadata;
pub mod respond;
pub mod rest;
pub mod schema;
pub mod server;
pub mod soql;
pub mod standard;
pub mod state;
pub mod store;
pub mod usage;
pub mod value;
pub mod write;

pub use server::{RunningEmulator, StartError, app, start, start_with_state};
pub use state::{DataSource, EmulatorConfig, EmulatorState, MetadataSource};
