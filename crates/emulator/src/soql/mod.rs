//! The emulator's SOQL engine: lexer, parser, binder and evaluator.
//!
//! It owns what a query means: which rows match, in what order, how many, and which error
//! Salesforce gives for a query it refuses. It never touches storage or HTTP: the emulator
//! hands it a [`Catalog`] (the org's schema) at bind time and [`Row`]s at evaluation time, and
//! renders results itself. It shares no types with any client of the API (the
//! crate depends on none), so a client's misunderstanding cannot be mirrored here.
//!
//! Flow: [`parse`] (syntax only) gives a [`Query`]; [`bind`] resolves names against a
//! [`Catalog`], type-checks literals and resolves relative dates against `now`, giving a
//! [`BoundQuery`]; the emulator then calls [`BoundQuery::matches`] per row,
//! [`BoundQuery::compare`] to sort, and applies [`BoundQuery::offset`] and
//! [`BoundQuery::limit`].
//!
//! Supported: SELECT of fields, one-level parent paths (`Account.Name`) and parent-to-child
//! subqueries, or `COUNT()` alone; FROM one object; WHERE with AND/OR/NOT and parentheses,
//! `= != <> < <= > >=`, `IN`/`NOT IN` lists, `LIKE`, null, booleans, numbers, strings, date,
//! dateTime and relative date literals; ORDER BY with ASC/DESC and NULLS FIRST/LAST; LIMIT;
//! OFFSET (at most 2,000). Limits as an org's: statements of at most 100,000 characters,
//! WHERE strings of at most 4,000, and conditions nested at most [`MAX_NESTING`] deep, so no
//! request can exhaust the stack of the recursive passes. Other real SOQL (GROUP BY, aggregates, functions, semi-joins,
//! TYPEOF, WITH, FOR, deeper paths, week and fiscal literals) is refused with a
//! `MALFORMED_QUERY` that says the emulator does not support it.

mod ast;
mod bind;
mod dates;
mod error;
mod eval;
mod lexer;
mod parser;

#[cfg(test)]
mod tests;

use std::borrow::Cow;

use chrono::{DateTime, NaiveDate, Utc};

pub use ast::{
    Comparison, Condition, Counted, Literal, LiteralKind, Name, Nulls, Operator, OrderItem, Path,
    Query, QueryBody, RelativeDate, SelectItem, SelectList, StringLiteral,
};
pub use bind::{BoundQuery, FieldPath, Selected, Subquery, bind};
pub use error::{
    INVALID_FIELD, INVALID_QUERY_FILTER_OPERATOR, INVALID_TYPE, MALFORMED_QUERY,
    NUMBER_OUTSIDE_VALID_RANGE, QUERY_TOO_COMPLICATED, SoqlError,
};
pub use lexer::escape;
pub use parser::{MAX_NESTING, MAX_STATEMENT_CHARS, MAX_WHERE_STRING_CHARS, check_length, parse};

/// The largest OFFSET Salesforce accepts (SOQL reference, "OFFSET").
pub const MAX_OFFSET: u64 = 2_000;

/// A field's type as SOQL sees it (the emulator maps its schema types to these).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SoqlType {
    /// The record's own Id.
    Id,
    /// A lookup or master-detail field (holds an Id).
    Reference,
    /// string, textarea, phone, url, email, picklist, combobox.
    String,
    /// checkbox.
    Boolean,
    /// int.
    Integer,
    /// double, currency, percent.
    Double,
    /// date.
    Date,
    /// datetime.
    DateTime,
}

/// A value read from a row.
///
/// Text is a `Cow` so that a [`Row`] can lend its stored strings without copying them:
/// evaluation reads one value per field per row.
#[derive(Debug, Clone, PartialEq)]
pub enum SoqlValue<'a> {
    /// No value (or no parent record, for a parent path).
    Null,
    /// Text, Ids (18 characters) and picklist values.
    String(Cow<'a, str>),
    /// A checkbox.
    Boolean(bool),
    /// Integer, double, currency and percent values.
    Number(f64),
    /// A date.
    Date(NaiveDate),
    /// A dateTime.
    DateTime(DateTime<Utc>),
}

/// What the binder needs to know about the org's schema. Names are matched
/// case-insensitively; the returned names are canonical.
pub trait Catalog {
    /// `FROM X` -> the canonical object name, or `None` (INVALID_TYPE).
    fn object(&self, name: &str) -> Option<String>;
    /// The canonical field name and its type, or `None` (INVALID_FIELD).
    fn field(&self, object: &str, field: &str) -> Option<(String, SoqlType)>;
    /// A parent relationship: `(Opportunity, "account")` -> `("Account", "Account")`,
    /// `(X, "owner")` -> `("Owner", "User")`: the canonical relationship name and the parent
    /// object.
    fn parent_relationship(&self, object: &str, relationship: &str) -> Option<(String, String)>;
    /// A child relationship: `(Account, "contacts")` -> `("Contacts", "Contact",
    /// "AccountId")`: the canonical relationship name, the child object and the child's field
    /// that points at the parent.
    fn child_relationship(
        &self,
        object: &str,
        relationship: &str,
    ) -> Option<(String, String, String)>;
}

/// A row the evaluator can read.
pub trait Row {
    /// The value at `path`, in canonical names: `["Name"]`, or `["Account", "Name"]` for a
    /// parent field (`Null` when there is no parent). Id and reference values must be the
    /// 18-character form.
    fn value(&self, path: &[&str]) -> SoqlValue<'_>;
}
