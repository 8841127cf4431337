//! Simulated field-level security for the integration user.
//!
//! A real org filters describe by the running user's FLS: a field the user cannot read is
//! simply absent (and INVALID_FIELD in SOQL and writes), a read-only one shows
//! `createable/updateable: false` (salesforce-api.md 7). The admin API sets these per field;
//! they never change the schema itself.

use std::collections::HashSet;

/// Hidden and read-only fields, as `Object.Field` in lower case.
#[derive(Debug, Clone, Default)]
pub struct Fls {
    hidden: HashSet<String>,
    read_only: HashSet<String>,
}

fn key(object: &str, field: &str) -> String {
    format!(
        "{}.{}",
        object.to_ascii_lowercase(),
        field.to_ascii_lowercase()
    )
}

impl Fls {
    /// FLS from `Object.Field` lists.
    pub fn new(hidden: &[String], read_only: &[String]) -> Self {
        Self {
            hidden: hidden.iter().map(|s| s.to_ascii_lowercase()).collect(),
            read_only: read_only.iter().map(|s| s.to_ascii_lowercase()).collect(),
        }
    }

    /// Whether the user cannot see the field.
    pub fn is_hidden(&self, object: &str, field: &str) -> bool {
        !self.hidden.is_empty() && self.hidden.contains(&key(object, field))
    }

    /// Whether the user may read but not write the field.
    pub fn is_read_only(&self, object: &str, field: &str) -> bool {
        !self.read_only.is_empty() && self.read_only.contains(&key(object, field))
    }
}
