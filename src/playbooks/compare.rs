//! Comparing what Vitals wants in a field with what the org holds, as the field stores it.
//!
//! The org keeps a Number(5,1) to one decimal and a Percent(5,2) to two, so a wanted
//! 71.04 and a held 71.0 are the same value there, and writing it would change nothing
//! but `SystemModstamp`. Comparing at the stored precision is what makes a run in which
//! nothing changed write nothing, and what lets a hand edit of a Vitals-owned field be put
//! right by the next run (the hand-edited value differs at that precision). Text,
//! picklist values (by API value), dates and checkboxes compare exactly.

use chrono::NaiveDate;

use crate::domain::Value;

/// How a field stores its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stored {
    /// A number with this many decimals (its scale).
    Decimals(u32),
    /// Anything compared as it is: text, picklist, date, checkbox.
    Exact,
}

/// One field Vitals owns: the value wanted and the value the org holds (`Null` when
/// empty or when there is no record yet).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Wanted {
    /// Vitals' name for the field.
    pub name: String,
    /// How the field stores its value.
    pub stored: Stored,
    /// The value Vitals wants.
    pub value: Value,
    /// The value the org holds.
    pub held: Value,
}

impl Wanted {
    /// A field with its wanted and held values.
    pub fn new(name: impl Into<String>, stored: Stored, value: Value, held: Value) -> Self {
        Self {
            name: name.into(),
            stored,
            value,
            held,
        }
    }

    /// Whether the org holds the wanted value, at the field's precision.
    pub fn is_held(&self) -> bool {
        same(self.stored, &self.value, &self.held)
    }
}

/// Whether two values are the same once stored. Salesforce stores empty text as empty
/// (null), so empty text and `Null` are the same.
pub(crate) fn same(stored: Stored, a: &Value, b: &Value) -> bool {
    match (stored, a, b) {
        (Stored::Decimals(scale), Value::Number(x), Value::Number(y)) => {
            scaled(*x, scale) == scaled(*y, scale)
        }
        (_, Value::Text(t), Value::Null) | (_, Value::Null, Value::Text(t)) => t.is_empty(),
        _ => a == b,
    }
}

/// A number in units of its last stored decimal, as the org rounds it (half away from
/// zero). Scores, changes and percentages lie far inside the range where this is exact.
fn scaled(x: f64, scale: u32) -> i64 {
    let factor = 10f64.powi(i32::try_from(scale).unwrap_or(0));
    // A tiny nudge keeps 70.05, stored as 70.04999..., rounding as the decimal it stands for.
    (x * factor + x.signum() * 1e-9).round() as i64
}

/// A number, or `Null` when there is none.
pub(crate) fn number(value: Option<f64>) -> Value {
    value.map_or(Value::Null, Value::Number)
}

/// Text, or `Null` when there is none.
pub(crate) fn text(value: Option<&str>) -> Value {
    value.map_or(Value::Null, |t| Value::Text(t.to_owned()))
}

/// A date, or `Null` when there is none.
pub(crate) fn date(value: Option<NaiveDate>) -> Value {
    value.map_or(Value::Null, Value::Date)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_compare_at_their_stored_precision_and_the_rest_exactly() {
        let one = Stored::Decimals(1);
        let cases = [
            (one, number(Some(71.04)), number(Some(71.0)), true),
            (one, number(Some(71.05)), number(Some(71.0)), false),
            (one, number(Some(70.05)), number(Some(70.1)), true),
            (one, number(Some(-9.95)), number(Some(-10.0)), true),
            (one, number(None), number(Some(0.0)), false),
            (one, number(None), number(None), true),
            (
                Stored::Decimals(2),
                number(Some(85.0)),
                number(Some(85.004)),
                true,
            ),
            (
                Stored::Decimals(2),
                number(Some(85.0)),
                number(Some(85.01)),
                false,
            ),
            (
                Stored::Exact,
                text(Some("At Risk")),
                text(Some("At Risk")),
                true,
            ),
            (
                Stored::Exact,
                text(Some("At Risk")),
                text(Some("at risk")),
                false,
            ),
            (Stored::Exact, text(Some("")), text(None), true),
        ];
        for (stored, a, b, expected) in cases {
            assert_eq!(same(stored, &a, &b), expected, "{a:?} vs {b:?}");
        }
    }
}
