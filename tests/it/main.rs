//! The one integration-test binary: every file here is a module of it, so the crate is
//! linked once (style guide 2.9). The client tests talk HTTP to a real emulator (the
//! `emulator` crate) on 127.0.0.1.

// clippy.toml allows these inside `#[test]` functions only; the helpers here are test code
// too, and a failed unwrap is how a test reports a broken fixture.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "integration-test helpers"
)]

mod backfill;
mod backfill_cli;
mod cli_config;
mod cli_emulator;
mod cli_logs;
mod client_auth;
mod client_bulk;
mod client_bulk_pages;
mod client_check;
mod client_encode;
mod client_limits;
mod client_logs;
mod client_reads;
mod client_replica;
mod client_replication;
mod client_rerun;
mod client_retries;
mod client_writes;
mod common;
mod console;
#[cfg(feature = "postgres-tests")]
mod daemon_ha;
mod daemon_lease;
mod daemon_run;
mod demo;
mod explain;
mod explain_snapshots;
mod generated_org_mix;
mod metadata_drift;
mod scoring_fixtures;
mod scoring_properties;
mod sync_book;
mod sync_cli;
mod sync_crash;
mod sync_faults;
mod sync_pipeline;
