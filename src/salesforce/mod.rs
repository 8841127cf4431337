//! Everything Vitals says to Salesforce, and the vocabulary it says it in.
//!
//! - [`wire`]: the only place that knows Salesforce API names and value formats.
//! - [`http`]: the [`Client`] and the one request path (budget, session, retries, tracing).
//! - [`auth`]: OAuth grants and the shared, single-flight session.
//! - [`retry`] and [`retrier`]: the pure classifier and policy, and the loop that uses them.
//! - [`budget`]: `Sforce-Limit-Info` parsing and Vitals' share of the daily allocation.
//! - [`rest`]: versions, limits, describe, query paging, sObject Collections.
//! - [`bulk`]: Bulk API 2.0 query and ingest jobs.
//! - [`transfer`]: reads and writes that choose REST or Bulk by volume.
//! - [`records`]: records read and written, and the per-row write outcomes.
//! - [`preflight`]: the describe-based check behind `vitals check`.
//! - [`soql`]: SOQL built from escaped literals; long Id lists chunked.
//! - [`csv_stream`]: incremental CSV parsing for Bulk results.
//!
//! This module must never make scoring decisions; it moves records and reports what
//! happened to each one.

pub mod auth;
pub mod budget;
pub mod bulk;
pub mod csv_stream;
pub mod error;
pub mod extract;
pub mod http;
pub mod preflight;
pub mod records;
pub mod replication;
pub mod rest;
pub mod retrier;
pub mod retry;
pub mod soql;
pub mod transfer;
pub mod wire;

pub use auth::Credentials;
pub use error::{ApiError, SalesforceError};
pub use http::{Client, ClientSettings};
