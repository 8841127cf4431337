//! Vitals keeps customer-health scores inside a Salesforce org.
//!
//! It reads Account, Contract, Case, Opportunity, Event and Task records, scores every
//! customer account locally with an explainable, data-driven model, and writes the results
//! back. The crate is organised as a functional core and an imperative shell:
//!
//! - [`config`]: `vitals.toml` plus `VITALS__*` overrides, validated into one section per
//!   module. It never imports the client: the `[fields]` overrides are checked by the
//!   client's field table, which the caller passes in.
//! - [`secret`]: [`secret::Secret`], the one type secrets travel in; it never prints.
//! - [`demo`]: `vitals demo`: the built-in emulator with a generated org, one full sync
//!   against it, and the summary a CS leader reads; the console over its store.
//! - [`domain`]: typed records, Ids, picklist values and the shared words [`domain::Period`]
//!   and [`domain::Playbook`]. No I/O.
//! - [`salesforce`]: the client, and the Salesforce side of the vocabulary: API names, value
//!   formats and the field map built from `[fields]` ([`salesforce::wire`]).
//! - [`scoring`]: the pure scoring engine: models as data, one account's score with its
//!   explanation. No I/O, no clock.
//! - [`playbooks`]: the pure planner: an account's snapshot and score to the writes of
//!   product-spec section 6 (health fields, history, renewals, the eight playbooks' tasks)
//!   as a plain plan. No I/O, no clock.
//! - [`console`]: the read-only web console (axum, maud, plotters' SVG): the accounts as
//!   the org holds them, an account's breakdown and history chart, runs and failures.
//!   It reads the store and scores with the sync's functions; it never writes.
//! - [`daemon`]: `vitals run`: the schedules, the run guard, the lease across replicas,
//!   the operations endpoints (`/healthz`, `/readyz`, `/metrics`, the console) and the
//!   bounded graceful stop. The only module that spawns long-lived tasks or handles signals.
//! - [`logs`]: the JSON form of log lines (`--log-format json`), spans keyed by name. It
//!   only formats; `main` installs the subscriber.
//! - [`progress`]: progress of long operations: indicatif bars on a terminal, log lines
//!   otherwise, and the log writer that keeps the two apart. It never installs tracing.
//! - [`store`]: the state store (embedded SQLite): replica, sync state, outbox, key
//!   ledger, budget and runs, behind the [`store::StateStore`] trait. The only SQL.
//! - [`sync`]: the orchestration that joins them: [`sync::run_once`] extracts the org into
//!   the replica, scores and plans every account, persists the plan in the outbox and
//!   applies it, exactly once.
//!
//! The `vitals` binary's commands live in `src/cli/`, one module per command, outside this
//! library. The Salesforce API emulator that tests, the demo and `vitals emulator` run
//! against is its own crate, `emulator` (`crates/emulator`), which knows nothing of this one.
//! `ARCHITECTURE.md` at the repository root describes the invariants between them.

pub mod config;
pub mod console;
pub mod daemon;
pub mod demo;
pub mod domain;
pub mod logs;
pub mod playbooks;
pub mod progress;
pub mod salesforce;
pub mod scoring;
pub mod secret;
pub mod store;
pub mod sync;
