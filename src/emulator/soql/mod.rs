//! PLACEHOLDER for the SOQL engine built on branch `soql`: only the agreed interface, so the
//! emulator compiles until `git merge soql` replaces this file. It parses nothing: every
//! query is refused with MALFORMED_QUERY.

use std::cmp::Ordering;

use chrono::{DateTime, NaiveDate, Utc};

/// A SOQL field type, as the catalog reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SoqlType {
    /// Id.
    Id,
    /// Reference.
    Reference,
    /// Text of any kind.
    String,
    /// Boolean.
    Boolean,
    /// Integer.
    Integer,
    /// Double, currency, percent.
    Double,
    /// Date.
    Date,
    /// DateTime.
    DateTime,
}

/// A value a row gives the engine.
#[derive(Debug, Clone, PartialEq)]
pub enum SoqlValue {
    /// Null.
    Null,
    /// Text.
    String(String),
    /// Boolean.
    Boolean(bool),
    /// Number.
    Number(f64),
    /// Date.
    Date(NaiveDate),
    /// DateTime.
    DateTime(DateTime<Utc>),
}

/// An error with Salesforce's code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SoqlError {
    /// errorCode.
    pub code: &'static str,
    /// message.
    pub message: String,
}

/// A parsed query.
#[derive(Debug, Clone)]
pub struct Query;

/// The schema as the engine sees it.
pub trait Catalog {
    /// Canonical object name.
    fn object(&self, name: &str) -> Option<String>;
    /// Canonical field name and type.
    fn field(&self, object: &str, field: &str) -> Option<(String, SoqlType)>;
    /// Canonical relationship name and target object.
    fn parent_relationship(&self, object: &str, rel: &str) -> Option<(String, String)>;
    /// Canonical relationship name, child object, child's lookup field.
    fn child_relationship(&self, object: &str, rel: &str) -> Option<(String, String, String)>;
}

/// A record as the engine reads it.
pub trait Row {
    /// The value at a path of canonical names.
    fn value(&self, path: &[&str]) -> SoqlValue;
}

/// One SELECT item.
#[derive(Debug, Clone)]
pub enum Selected {
    /// A field path.
    Field(Vec<String>),
    /// A child subquery.
    Subquery(Box<BoundQuery>),
}

/// A query bound to the catalog.
#[derive(Debug, Clone)]
pub struct BoundQuery {
    object: String,
    select: Vec<Selected>,
}

impl BoundQuery {
    /// FROM object (for a subquery: the child relationship name).
    pub fn object(&self) -> &str {
        &self.object
    }
    /// SELECT items in order.
    pub fn select(&self) -> &[Selected] {
        &self.select
    }
    /// `SELECT COUNT()`.
    pub fn is_count(&self) -> bool {
        false
    }
    /// WHERE.
    pub fn matches(&self, _row: &impl Row) -> bool {
        false
    }
    /// ORDER BY.
    pub fn compare(&self, _a: &impl Row, _b: &impl Row) -> Ordering {
        Ordering::Equal
    }
    /// LIMIT.
    pub fn limit(&self) -> Option<usize> {
        None
    }
    /// OFFSET.
    pub fn offset(&self) -> Option<usize> {
        None
    }
    /// An indexable `field = v` / `IN` condition.
    pub fn lookup_hint(&self) -> Option<(&str, Vec<SoqlValue>)> {
        None
    }
}

/// Parses SOQL.
///
/// # Errors
/// Always, in this placeholder.
pub fn parse(_text: &str) -> Result<Query, SoqlError> {
    Err(SoqlError {
        code: "MALFORMED_QUERY",
        message: "the SOQL engine is not merged yet".into(),
    })
}

/// Binds a query.
///
/// # Errors
/// Always, in this placeholder.
pub fn bind(
    _query: &Query,
    _catalog: &impl Catalog,
    _now: DateTime<Utc>,
) -> Result<BoundQuery, SoqlError> {
    Err(SoqlError {
        code: "MALFORMED_QUERY",
        message: "the SOQL engine is not merged yet".into(),
    })
}
