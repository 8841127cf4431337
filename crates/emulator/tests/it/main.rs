//! The emulator's one integration-test binary: every file here is a module of it, so the
//! crate is linked once (style guide 2.9). Every test talks HTTP to a real emulator on
//! 127.0.0.1.

// clippy.toml allows these inside `#[test]` functions only; the helpers here are test code
// too, and a failed unwrap is how a test reports a broken fixture.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "integration-test helpers"
)]

mod auth;
mod bulk_ingest;
mod bulk_query;
mod client_findings;
mod collections;
mod common;
mod composite;
mod control;
mod faults;
mod fidelity;
mod generated;
mod org_rules;
mod query;
mod rest;
mod robustness;
mod trailing_slash;
mod writes;
