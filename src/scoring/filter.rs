//! Evaluates a model's conditions (`where` lists) on one record as of the scoring instant.
//!
//! Semantics, relied on by model authors: text compares exactly (Salesforce API values);
//! an empty field fails `equals`, `in` and `within_days` and passes `not_equals` and
//! `not_in`; `within_days = N` holds for a date from `as_of − N days` up to and including
//! `as_of` (for a dateTime: on or after that date and not after the instant). This module
//! never decides which records exist; `view` does.

use chrono::Days;

use crate::domain::fields::FieldValue;

use super::model::{Condition, Literal};
use super::view::{AsOf, Rec};

/// Whether every condition holds for the record.
pub(crate) fn matches(rec: &Rec<'_>, conditions: &[Condition], at: &AsOf) -> bool {
    conditions.iter().all(|c| holds(rec, c, at))
}

fn holds(rec: &Rec<'_>, condition: &Condition, at: &AsOf) -> bool {
    match condition {
        Condition::Equals {
            field,
            value,
            negate,
        } => equals(&rec.read(field.name, at), value) != *negate,
        Condition::In {
            field,
            values,
            negate,
        } => {
            let actual = rec.read(field.name, at);
            values.iter().any(|v| equals(&actual, v)) != *negate
        }
        Condition::Is { field, value } => rec.read(field.name, at) == FieldValue::Bool(*value),
        Condition::IsNull { field, null } => rec.read(field.name, at).is_null() == *null,
        Condition::Within { field, days } => within(&rec.read(field.name, at), *days, at),
        Condition::Any(conditions) => conditions.iter().any(|c| holds(rec, c, at)),
    }
}

fn equals(actual: &FieldValue<'_>, expected: &Literal) -> bool {
    match (actual, expected) {
        (FieldValue::Text(a), Literal::Text(b)) => *a == b,
        (FieldValue::Number(a), Literal::Number(b)) => a == b,
        (FieldValue::Bool(a), Literal::Bool(b)) => a == b,
        _ => false,
    }
}

/// The first day of a window of `days` days ending on the scoring date.
pub(crate) fn window_start(days: i64, at: &AsOf) -> chrono::NaiveDate {
    u64::try_from(days)
        .ok()
        .and_then(|d| at.date.checked_sub_days(Days::new(d)))
        .unwrap_or(chrono::NaiveDate::MIN)
}

fn within(value: &FieldValue<'_>, days: i64, at: &AsOf) -> bool {
    let start = window_start(days, at);
    match value {
        FieldValue::Date(d) => *d >= start && *d <= at.date,
        FieldValue::DateTime(t) => t.date_naive() >= start && *t <= at.instant,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::domain::fields::field_def;
    use crate::domain::{ObjectKind, test_records};
    use crate::scoring::model::FieldRef;

    fn field(name: &str) -> FieldRef {
        let def = field_def(ObjectKind::Case, name).unwrap();
        FieldRef {
            object: def.object,
            name: def.name,
            kind: def.kind,
        }
    }

    /// `(condition, as_of day in October 2026, expected)` for the sample case: High,
    /// created 2026-10-01 12:00, closed 2026-10-03 12:00, not escalated.
    fn check(cases: &[(Condition, u32, bool)]) {
        let case = test_records::case();
        for (condition, day, expected) in cases {
            let at = AsOf::new(Utc.with_ymd_and_hms(2026, 10, *day, 12, 0, 0).unwrap());
            assert_eq!(
                matches(&Rec::Case(&case), std::slice::from_ref(condition), &at),
                *expected,
                "{condition:?} on day {day}"
            );
        }
    }

    #[test]
    fn conditions_follow_the_documented_semantics() {
        let text = |s: &str| Literal::Text(s.into());
        check(&[
            (
                Condition::In {
                    field: field("priority"),
                    values: vec![text("High"), text("Critical")],
                    negate: false,
                },
                5,
                true,
            ),
            (
                Condition::Equals {
                    field: field("priority"),
                    value: text("high"),
                    negate: false,
                },
                5,
                false,
            ),
            (
                Condition::Is {
                    field: field("is_closed"),
                    value: false,
                },
                2,
                true,
            ),
            (
                Condition::Is {
                    field: field("is_closed"),
                    value: false,
                },
                3,
                false,
            ),
            (
                Condition::Within {
                    field: field("created_date"),
                    days: 90,
                },
                30,
                true,
            ),
            // 2026-10-01 is exactly 3 days before 2026-10-04: inside a 3-day window...
            (
                Condition::Within {
                    field: field("created_date"),
                    days: 3,
                },
                4,
                true,
            ),
            // ...and outside a 2-day one.
            (
                Condition::Within {
                    field: field("created_date"),
                    days: 2,
                },
                4,
                false,
            ),
            (
                Condition::IsNull {
                    field: field("closed_date"),
                    null: true,
                },
                2,
                true,
            ),
            (
                Condition::Any(vec![
                    Condition::Is {
                        field: field("is_escalated"),
                        value: true,
                    },
                    Condition::Is {
                        field: field("sla_breached"),
                        value: true,
                    },
                ]),
                5,
                false,
            ),
        ]);
    }
}
