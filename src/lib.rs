//! Vitals keeps customer-health scores inside a Salesforce org.
//!
//! It reads Account, Contract, Case, Opportunity, Event and Task records, scores every
//! customer account locally with an explainable, data-driven model, and writes the results
//! back. The crate is organised as a functional core and an imperative shell:
//!
//! - [`config`]: `vitals.toml` plus `VITALS__*` overrides, validated into one section per
//!   module. Secrets only as [`config::Secret`].
//! - [`domain`]: typed records, Ids and picklist values. No I/O.
//! - [`salesforce`]: the Salesforce side: API names and value formats ([`salesforce::wire`]).
//! - [`scoring`]: the pure scoring engine: models as data, one account's score with its
//!   explanation. No I/O, no clock.
//!
//! The Salesforce API emulator that tests, the demo and `vitals emulator` run against is
//! its own crate, `emulator` (`crates/emulator`), which knows nothing of this one.
//! `ARCHITECTURE.md` at the repository root describes the invariants between them.

pub mod config;
pub mod domain;
pub mod salesforce;
pub mod scoring;
