//! PLACEHOLDER for the org generator built on branch `generator`: only the agreed interface,
//! so the emulator compiles until `git merge generator` replaces this file. It generates
//! nothing.

use chrono::{DateTime, Utc};

/// What to generate.
#[derive(Debug, Clone)]
pub struct GenerateSpec {
    /// Number of accounts.
    pub accounts: u32,
    /// Seed.
    pub seed: u64,
    /// The org's now.
    pub now: DateTime<Utc>,
}

/// The n-th record of an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordRef {
    /// Object API name.
    pub object: &'static str,
    /// 0-based ordinal among that object's records.
    pub ordinal: u64,
}

/// A generated value.
#[derive(Debug, Clone, PartialEq)]
pub enum GenValue {
    /// Null.
    Null,
    /// Text.
    Text(String),
    /// Number.
    Number(f64),
    /// Boolean.
    Bool(bool),
    /// Date.
    Date(chrono::NaiveDate),
    /// DateTime.
    DateTime(DateTime<Utc>),
    /// A reference to an earlier record.
    Ref(RecordRef),
    /// A record type by developer name.
    RecordType(&'static str),
}

/// A generated record.
#[derive(Debug, Clone)]
pub struct GenRecord {
    /// Object API name.
    pub object: &'static str,
    /// (API name, value) pairs.
    pub fields: Vec<(&'static str, GenValue)>,
}

/// Streams the org's records, parents first.
pub fn generate(_spec: &GenerateSpec, _sink: impl FnMut(GenRecord)) {}
