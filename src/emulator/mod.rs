//! The Salesforce API emulator that every test, the demo and every benchmark talk to.

pub mod soql;
