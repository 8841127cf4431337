//! The one integration-test binary: every file here is a module of it, so the crate is
//! linked once.

// clippy.toml allows these inside `#[test]` functions only; the helpers here are test code
// too, and a failed unwrap is how a test reports a broken fixture.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "integration-test helpers"
)]

mod explain;
mod scoring_fixtures;
mod scoring_properties;
