//! A validation rule as the schema holds it: its name, message and parsed condition, in the
//! small formula language of `errorConditionFormula` (functions, comparisons, literals and
//! the object's fields by position).
//!
//! These are plain data. Parsing a formula and evaluating a rule against a record live in
//! `formula`, which depends on this module, the store and the values; this module depends
//! on none of them, so the schema can hold rules without a circle of imports.

use std::sync::Arc;

/// One active validation rule of an object.
#[derive(Debug, Clone)]
pub struct ValidationRuleDef {
    /// The rule's `fullName`.
    pub name: String,
    /// Its `errorConditionFormula`: the record is refused when it is true.
    pub condition: Expr,
    /// Its `errorMessage`.
    pub message: String,
    /// Its `errorDisplayField` (`None`: the message shows at the top of the page).
    pub display_field: Option<String>,
}

/// A function a formula may call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    /// True when every argument is.
    And,
    /// True when any argument is.
    Or,
    /// The opposite of its argument.
    Not,
    /// True for null and empty text.
    IsBlank,
    /// True on insert.
    IsNew,
    /// True when an update changes the field (false on insert).
    IsChanged,
    /// True when a picklist holds the given value.
    IsPickval,
    /// A value as text.
    Text,
}

impl Function {
    pub(crate) fn named(name: &str) -> Option<Self> {
        Some(match name.to_ascii_uppercase().as_str() {
            "AND" => Self::And,
            "OR" => Self::Or,
            "NOT" => Self::Not,
            "ISBLANK" => Self::IsBlank,
            "ISNEW" => Self::IsNew,
            "ISCHANGED" => Self::IsChanged,
            "ISPICKVAL" => Self::IsPickval,
            "TEXT" => Self::Text,
            _ => return None,
        })
    }

    /// Whether `n` arguments suit the function.
    pub(crate) fn takes(self, n: usize) -> bool {
        match self {
            Self::And | Self::Or => n >= 1,
            Self::IsNew => n == 0,
            Self::IsPickval => n == 2,
            Self::Not | Self::IsBlank | Self::IsChanged | Self::Text => n == 1,
        }
    }
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    /// `=` or `==`.
    Equal,
    /// `!=` or `<>`.
    NotEqual,
    /// `<`.
    Less,
    /// `<=`.
    LessOrEqual,
    /// `>`.
    Greater,
    /// `>=`.
    GreaterOrEqual,
}

/// A parsed formula, its fields bound to their positions on the object.
#[derive(Debug, Clone)]
pub enum Expr {
    /// A field of the record, by position.
    Field(usize),
    /// A literal (`None` for `NULL`).
    Literal(Option<Literal>),
    /// A function call.
    Call(Function, Vec<Expr>),
    /// A comparison.
    Compare(Comparison, Box<Expr>, Box<Expr>),
}

/// A literal of a formula. It is its own type, not a stored [`Value`](crate::value::Value),
/// so that the schema, which holds parsed rules, does not depend on how records store values.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// A text literal, `"Red"` or `'Red'`.
    Text(Arc<str>),
    /// A number literal.
    Number(f64),
    /// `TRUE` or `FALSE`.
    Bool(bool),
}
