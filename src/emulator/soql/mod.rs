//! PLACEHOLDER for the SOQL engine built on branch `soql`: only the agreed interface, so the
//! emulator compiles until `git merge soql` replaces this file. It parses nothing: every
//! query is refused with MALFORMED_QUERY.

use std::borrow::Cow;
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
pub enum SoqlValue<'a> {
    /// Null.
    Null,
    /// Text.
    String(Cow<'a, str>),
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
    fn value(&self, path: &[&str]) -> SoqlValue<'_>;
}

/// A resolved field path.
#[derive(Debug, Clone)]
pub struct FieldPath {
    segments: Vec<String>,
}

impl FieldPath {
    /// Canonical names.
    pub fn segments(&self) -> &[String] {
        &self.segments
    }
}

/// One SELECT item.
#[derive(Debug, Clone)]
pub enum Selected {
    /// A field path.
    Field(FieldPath),
    /// A child subquery.
    Subquery(Box<Subquery>),
}

/// A bound subquery.
#[derive(Debug, Clone)]
pub struct Subquery {
    /// Child relationship name.
    pub relationship: String,
    /// The child's lookup field.
    pub child_field: String,
    /// The query over the child object.
    pub query: BoundQuery,
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
    pub fn matches<R: Row + ?Sized>(&self, _row: &R) -> bool {
        false
    }
    /// ORDER BY.
    pub fn compare<A: Row + ?Sized, B: Row + ?Sized>(&self, _a: &A, _b: &B) -> Ordering {
        Ordering::Equal
    }
    /// LIMIT.
    pub fn limit(&self) -> Option<u64> {
        None
    }
    /// OFFSET.
    pub fn offset(&self) -> Option<u64> {
        None
    }
    /// An indexable `field = v` / `IN` condition.
    pub fn lookup_hint(&self) -> Option<(&str, Vec<SoqlValue<'_>>)> {
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
    _query: Query,
    _catalog: &impl Catalog,
    _now: DateTime<Utc>,
) -> Result<BoundQuery, SoqlError> {
    Err(SoqlError {
        code: "MALFORMED_QUERY",
        message: "the SOQL engine is not merged yet".into(),
    })
}
