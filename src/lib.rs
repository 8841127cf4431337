//! Vitals keeps customer-health scores inside a Salesforce org.
//!
//! It reads Account, Contract, Case, Opportunity, Event and Task records, scores every
//! customer account locally with an explainable, data-driven model, and writes the results
//! back. The crate is organised as a functional core and an imperative shell:
//!
//! - [`domain`]: typed records, Ids and picklist values. No I/O.
//! - [`salesforce`]: the Salesforce side: API names and value formats ([`salesforce::wire`]).
//! - [`emulator`]: a fake Salesforce org; [`emulator::generate`] streams its seeded records.
//!
//! `ARCHITECTURE.md` at the repository root describes the invariants between them.

pub mod domain;
pub mod emulator;
pub mod salesforce;
