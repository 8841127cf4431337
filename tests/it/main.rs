//! The one integration-test binary. Each module is one concern; the emulator tests talk
//! HTTP to a real server on 127.0.0.1.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod emulator_auth;
mod emulator_bulk_ingest;
mod emulator_bulk_query;
mod emulator_collections;
mod emulator_composite;
mod emulator_faults;
mod emulator_generated;
mod emulator_query;
mod emulator_rest;
mod emulator_writes;
mod metadata_drift;
