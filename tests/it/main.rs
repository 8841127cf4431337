//! The one integration-test binary: every file here is a module of it, so the crate is
//! linked once (style guide 2.9). The emulator and client tests talk HTTP to a real server
//! on 127.0.0.1.

// clippy.toml allows these inside `#[test]` functions only; the helpers here are test code
// too, and a failed unwrap is how a test reports a broken fixture.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "integration-test helpers"
)]

mod cli_config;
mod client_auth;
mod client_bulk;
mod client_check;
mod client_limits;
mod client_logs;
mod client_reads;
mod client_retries;
mod client_writes;
mod common;
mod emulator_auth;
mod emulator_bulk_ingest;
mod emulator_bulk_query;
mod emulator_collections;
mod emulator_composite;
mod emulator_faults;
mod emulator_fidelity;
mod emulator_generated;
mod emulator_query;
mod emulator_rest;
mod emulator_robustness;
mod emulator_writes;
mod explain;
mod explain_snapshots;
mod metadata_drift;
mod scoring_fixtures;
mod scoring_properties;
