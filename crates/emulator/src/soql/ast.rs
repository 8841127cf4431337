//! The syntax tree of a parsed query: what the text says, before any name is resolved.
//!
//! It owns the shape of the supported SOQL subset and a canonical rendering (`Display`) that
//! tests compare against and that re-parses to the same tree. It must never hold schema
//! knowledge: names stay as the user wrote them, and every node keeps the byte offset the
//! binder needs to point its errors at.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};

use super::lexer::{Piece, escape};

/// A parsed query: the tree plus the text it came from (errors found later quote it).
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub(crate) source: Arc<str>,
    /// The top-level SELECT.
    pub body: QueryBody,
}

impl Query {
    /// The query text as received.
    pub fn source(&self) -> &str {
        &self.source
    }
}

/// One SELECT statement: the top level or a parent-to-child subquery.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryBody {
    /// The SELECT list.
    pub select: SelectList,
    /// The object (top level) or child relationship (subquery) after FROM.
    pub from: Name,
    /// The WHERE condition.
    pub filter: Option<Condition>,
    /// ORDER BY items, in order.
    pub order_by: Vec<OrderItem>,
    /// LIMIT.
    pub limit: Option<Counted>,
    /// OFFSET.
    pub offset: Option<Counted>,
}

/// What the SELECT list asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum SelectList {
    /// `COUNT()`: only the number of matching rows.
    Count,
    /// Fields and subqueries, in order.
    Items(Vec<SelectItem>),
}

/// One entry of a SELECT list.
#[derive(Debug, Clone, PartialEq)]
pub enum SelectItem {
    /// A field or a parent relationship path such as `Account.Name`.
    Field(Path),
    /// `(SELECT ... FROM Contacts)`.
    Subquery(Box<QueryBody>),
}

/// A name as written, with its byte offset.
#[derive(Debug, Clone, PartialEq)]
pub struct Name {
    /// The text as written.
    pub text: String,
    /// Byte offset in the query text.
    pub offset: usize,
}

/// A dotted field path as written (`Name`, `Account.Name`).
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    /// The segments as written.
    pub segments: Vec<String>,
    /// Byte offset of the first segment.
    pub offset: usize,
}

/// A LIMIT or OFFSET count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counted {
    /// The count.
    pub value: u64,
    /// Byte offset of the number.
    pub offset: usize,
}

/// A WHERE condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// Every part holds.
    And(Vec<Condition>),
    /// Some part holds.
    Or(Vec<Condition>),
    /// The part does not hold.
    Not(Box<Condition>),
    /// `field op value`.
    Compare(Comparison),
}

/// One field expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The field.
    pub field: Path,
    /// The operator.
    pub op: Operator,
    /// The value; a [`LiteralKind::List`] for IN and NOT IN.
    pub value: Literal,
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    /// `=`
    Eq,
    /// `!=` or `<>`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `LIKE`
    Like,
    /// `IN`
    In,
    /// `NOT IN`
    NotIn,
}

/// A literal value with its byte offset.
#[derive(Debug, Clone, PartialEq)]
pub struct Literal {
    /// The value.
    pub kind: LiteralKind,
    /// Byte offset in the query text.
    pub offset: usize,
}

/// The kinds of literal SOQL accepts here.
#[derive(Debug, Clone, PartialEq)]
pub enum LiteralKind {
    /// `null`
    Null,
    /// `TRUE` / `FALSE`
    Boolean(bool),
    /// A number.
    Number(f64),
    /// A quoted string.
    String(StringLiteral),
    /// `2024-01-31`
    Date(NaiveDate),
    /// `2024-01-31T10:00:00Z` and offset forms, in UTC.
    DateTime(DateTime<Utc>),
    /// `TODAY`, `LAST_N_DAYS:30`, ...
    Relative(RelativeDate),
    /// The parenthesised list of IN / NOT IN.
    List(Vec<Literal>),
}

/// A string literal: its raw text (escapes intact) and its decoded pieces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StringLiteral {
    /// The text between the quotes, as written.
    pub raw: String,
    pub(crate) pieces: Vec<Piece>,
}

impl StringLiteral {
    /// The decoded value, with `\%` and `\_` read as plain `%` and `_`.
    pub fn value(&self) -> String {
        self.pieces
            .iter()
            .map(|p| match p {
                Piece::Char(c) | Piece::EscapedWildcard(c) => *c,
            })
            .collect()
    }

    /// Whether it contains the LIKE-only escapes `\%` or `\_`.
    pub fn has_wildcard_escape(&self) -> bool {
        self.pieces
            .iter()
            .any(|p| matches!(p, Piece::EscapedWildcard(_)))
    }
}

/// A relative date literal, resolved against the bind-time clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelativeDate {
    /// `TODAY`
    Today,
    /// `YESTERDAY`
    Yesterday,
    /// `TOMORROW`
    Tomorrow,
    /// `THIS_MONTH`
    ThisMonth,
    /// `LAST_MONTH`
    LastMonth,
    /// `NEXT_MONTH`
    NextMonth,
    /// `THIS_QUARTER`
    ThisQuarter,
    /// `LAST_QUARTER`
    LastQuarter,
    /// `NEXT_QUARTER`
    NextQuarter,
    /// `THIS_YEAR`
    ThisYear,
    /// `LAST_YEAR`
    LastYear,
    /// `NEXT_YEAR`
    NextYear,
    /// `LAST_90_DAYS`
    Last90Days,
    /// `NEXT_90_DAYS`
    Next90Days,
    /// `LAST_N_DAYS:n`
    LastNDays(u32),
    /// `NEXT_N_DAYS:n`
    NextNDays(u32),
    /// `LAST_N_MONTHS:n`
    LastNMonths(u32),
    /// `NEXT_N_MONTHS:n`
    NextNMonths(u32),
}

impl RelativeDate {
    /// The literal for a keyword without `:n`, if it is one this engine implements.
    pub(crate) fn fixed(keyword: &str) -> Option<Self> {
        const FIXED: [(&str, RelativeDate); 14] = [
            ("TODAY", RelativeDate::Today),
            ("YESTERDAY", RelativeDate::Yesterday),
            ("TOMORROW", RelativeDate::Tomorrow),
            ("THIS_MONTH", RelativeDate::ThisMonth),
            ("LAST_MONTH", RelativeDate::LastMonth),
            ("NEXT_MONTH", RelativeDate::NextMonth),
            ("THIS_QUARTER", RelativeDate::ThisQuarter),
            ("LAST_QUARTER", RelativeDate::LastQuarter),
            ("NEXT_QUARTER", RelativeDate::NextQuarter),
            ("THIS_YEAR", RelativeDate::ThisYear),
            ("LAST_YEAR", RelativeDate::LastYear),
            ("NEXT_YEAR", RelativeDate::NextYear),
            ("LAST_90_DAYS", RelativeDate::Last90Days),
            ("NEXT_90_DAYS", RelativeDate::Next90Days),
        ];
        FIXED
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(keyword))
            .map(|(_, literal)| *literal)
    }

    /// The literal for a keyword that takes `:n`, if this engine implements it.
    pub(crate) fn with_count(keyword: &str, n: u32) -> Option<Self> {
        let upper = keyword.to_ascii_uppercase();
        match upper.as_str() {
            "LAST_N_DAYS" => Some(Self::LastNDays(n)),
            "NEXT_N_DAYS" => Some(Self::NextNDays(n)),
            "LAST_N_MONTHS" => Some(Self::LastNMonths(n)),
            "NEXT_N_MONTHS" => Some(Self::NextNMonths(n)),
            _ => None,
        }
    }

    /// Whether `keyword` needs `:n`.
    pub(crate) fn takes_count(keyword: &str) -> bool {
        Self::with_count(keyword, 0).is_some()
    }
}

/// Real SOQL date literals this engine does not implement (week and fiscal periods depend on
/// locale and org settings). Listed so that they fail as "not supported", not as a syntax
/// error Salesforce would never give.
pub(crate) const UNSUPPORTED_DATE_LITERALS: [&str; 26] = [
    "LAST_WEEK",
    "THIS_WEEK",
    "NEXT_WEEK",
    "LAST_N_WEEKS",
    "NEXT_N_WEEKS",
    "N_DAYS_AGO",
    "N_WEEKS_AGO",
    "N_MONTHS_AGO",
    "N_QUARTERS_AGO",
    "N_YEARS_AGO",
    "LAST_N_QUARTERS",
    "NEXT_N_QUARTERS",
    "LAST_N_YEARS",
    "NEXT_N_YEARS",
    "THIS_FISCAL_QUARTER",
    "LAST_FISCAL_QUARTER",
    "NEXT_FISCAL_QUARTER",
    "THIS_FISCAL_YEAR",
    "LAST_FISCAL_YEAR",
    "NEXT_FISCAL_YEAR",
    "LAST_N_FISCAL_QUARTERS",
    "NEXT_N_FISCAL_QUARTERS",
    "LAST_N_FISCAL_YEARS",
    "NEXT_N_FISCAL_YEARS",
    "N_FISCAL_QUARTERS_AGO",
    "N_FISCAL_YEARS_AGO",
];

/// One ORDER BY item.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderItem {
    /// The field.
    pub field: Path,
    /// `DESC` (otherwise ascending).
    pub descending: bool,
    /// `NULLS FIRST` / `NULLS LAST`, if written.
    pub nulls: Option<Nulls>,
}

/// Where nulls sort.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nulls {
    /// `NULLS FIRST`
    First,
    /// `NULLS LAST`
    Last,
}

impl fmt::Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.body.fmt(f)
    }
}

impl fmt::Display for QueryBody {
    /// Canonical SOQL: upper-case keywords, single spaces, every AND/OR group in parentheses.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SELECT ")?;
        match &self.select {
            SelectList::Count => f.write_str("COUNT()")?,
            SelectList::Items(items) => {
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    match item {
                        SelectItem::Field(path) => path.fmt(f)?,
                        SelectItem::Subquery(body) => write!(f, "({body})")?,
                    }
                }
            }
        }
        write!(f, " FROM {}", self.from.text)?;
        if let Some(filter) = &self.filter {
            write!(f, " WHERE {filter}")?;
        }
        for (i, item) in self.order_by.iter().enumerate() {
            f.write_str(if i == 0 { " ORDER BY " } else { ", " })?;
            item.field.fmt(f)?;
            if item.descending {
                f.write_str(" DESC")?;
            }
            match item.nulls {
                Some(Nulls::First) => f.write_str(" NULLS FIRST")?,
                Some(Nulls::Last) => f.write_str(" NULLS LAST")?,
                None => {}
            }
        }
        if let Some(limit) = self.limit {
            write!(f, " LIMIT {}", limit.value)?;
        }
        if let Some(offset) = self.offset {
            write!(f, " OFFSET {}", offset.value)?;
        }
        Ok(())
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.segments.join("."))
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let join = |f: &mut fmt::Formatter<'_>, parts: &[Condition], word: &str| {
            f.write_str("(")?;
            for (i, part) in parts.iter().enumerate() {
                if i > 0 {
                    write!(f, " {word} ")?;
                }
                part.fmt(f)?;
            }
            f.write_str(")")
        };
        match self {
            Condition::And(parts) => join(f, parts, "AND"),
            Condition::Or(parts) => join(f, parts, "OR"),
            Condition::Not(inner) => write!(f, "(NOT {inner})"),
            Condition::Compare(c) => write!(f, "{} {} {}", c.field, c.op, c.value),
        }
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Operator::Eq => "=",
            Operator::Ne => "!=",
            Operator::Lt => "<",
            Operator::Le => "<=",
            Operator::Gt => ">",
            Operator::Ge => ">=",
            Operator::Like => "LIKE",
            Operator::In => "IN",
            Operator::NotIn => "NOT IN",
        })
    }
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            LiteralKind::Null => f.write_str("null"),
            LiteralKind::Boolean(true) => f.write_str("TRUE"),
            LiteralKind::Boolean(false) => f.write_str("FALSE"),
            LiteralKind::Number(n) => write!(f, "{n}"),
            LiteralKind::String(s) => {
                // Re-escape from the pieces so that a LIKE escape stays an escape.
                f.write_str("'")?;
                for piece in &s.pieces {
                    match piece {
                        Piece::Char(c) => f.write_str(&escape(c.encode_utf8(&mut [0; 4])))?,
                        Piece::EscapedWildcard(c) => write!(f, "\\{c}")?,
                    }
                }
                f.write_str("'")
            }
            LiteralKind::Date(d) => write!(f, "{}", d.format("%Y-%m-%d")),
            LiteralKind::DateTime(dt) => {
                f.write_str(&dt.to_rfc3339_opts(SecondsFormat::AutoSi, true))
            }
            LiteralKind::Relative(r) => r.fmt(f),
            LiteralKind::List(items) => {
                f.write_str("(")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    item.fmt(f)?;
                }
                f.write_str(")")
            }
        }
    }
}

impl fmt::Display for RelativeDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RelativeDate::Today => f.write_str("TODAY"),
            RelativeDate::Yesterday => f.write_str("YESTERDAY"),
            RelativeDate::Tomorrow => f.write_str("TOMORROW"),
            RelativeDate::ThisMonth => f.write_str("THIS_MONTH"),
            RelativeDate::LastMonth => f.write_str("LAST_MONTH"),
            RelativeDate::NextMonth => f.write_str("NEXT_MONTH"),
            RelativeDate::ThisQuarter => f.write_str("THIS_QUARTER"),
            RelativeDate::LastQuarter => f.write_str("LAST_QUARTER"),
            RelativeDate::NextQuarter => f.write_str("NEXT_QUARTER"),
            RelativeDate::ThisYear => f.write_str("THIS_YEAR"),
            RelativeDate::LastYear => f.write_str("LAST_YEAR"),
            RelativeDate::NextYear => f.write_str("NEXT_YEAR"),
            RelativeDate::Last90Days => f.write_str("LAST_90_DAYS"),
            RelativeDate::Next90Days => f.write_str("NEXT_90_DAYS"),
            RelativeDate::LastNDays(n) => write!(f, "LAST_N_DAYS:{n}"),
            RelativeDate::NextNDays(n) => write!(f, "NEXT_N_DAYS:{n}"),
            RelativeDate::LastNMonths(n) => write!(f, "LAST_N_MONTHS:{n}"),
            RelativeDate::NextNMonths(n) => write!(f, "NEXT_N_MONTHS:{n}"),
        }
    }
}
