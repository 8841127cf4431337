//! Everything Vitals says to Salesforce, and the vocabulary it says it in.
//!
//! [`wire`] is the only place that knows Salesforce API names and value formats. This module
//! must never make scoring decisions; it moves records and reports what happened to each.

pub mod wire;
