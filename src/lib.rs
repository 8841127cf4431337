//! Vitals keeps customer-health scores inside a Salesforce org.
//!
//! It reads Account, Contract, Case, Opportunity, Event and Task records, scores every
//! customer account locally with an explainable, data-driven model, and writes the results
//! back. The crate is organised as a functional core and an imperative shell:
//!
//! - [`domain`]: typed records, Ids and picklist values. No I/O.
//! - [`salesforce`]: the Salesforce side: API names and value formats ([`salesforce::wire`]).
//! - [`emulator`]: the Salesforce API emulator on loopback that tests, the demo and
//!   `vitals emulator` run against; [`emulator::soql`] is its SOQL engine and
//!   [`emulator::generate`] streams the records of a generated org.
//!
//! `ARCHITECTURE.md` at the repository root describes the invariants between them.

pub mod domain;
pub mod emulator;
pub mod salesforce;
