//! Reads `where` lists: conditions on the fields of the object a measure reads.

use toml::Value;

use crate::domain::{ObjectKind, ValueKind};
use crate::scoring::model::{Condition, FieldRef, Literal};

use super::field::{DATES, resolve_field};
use super::reader::{Issues, Obj, as_number, positive_days};

/// Reads a `where` list: conditions on records of `object`, all of which must hold.
pub(super) fn read_where(
    m: &mut Obj<'_>,
    key: &'static str,
    object: Option<ObjectKind>,
    issues: &mut Issues,
) -> Option<Vec<Condition>> {
    let Some(items) = m.array(key, issues) else {
        return (!m.has(key)).then(Vec::new);
    };
    let path = m.at(key);
    let conditions: Vec<Option<Condition>> = items
        .iter()
        .enumerate()
        .map(|(i, item)| read_condition(item, format!("{path}[{i}]"), object, issues))
        .collect();
    conditions.into_iter().collect()
}

pub(super) const OPERATORS: [&str; 8] = [
    "equals",
    "not_equals",
    "in",
    "not_in",
    "is",
    "is_null",
    "within_days",
    "any",
];

pub(super) fn read_condition(
    value: &Value,
    path: String,
    object: Option<ObjectKind>,
    issues: &mut Issues,
) -> Option<Condition> {
    let mut c = Obj::of(value, path, issues)?;
    let present: Vec<&str> = OPERATORS.into_iter().filter(|op| c.has(op)).collect();
    let condition = match present.as_slice() {
        ["any"] => {
            let items = c.array("any", issues);
            let path = c.at("any");
            items.and_then(|items| {
                if items.is_empty() {
                    issues.add(path.clone(), "must hold at least one condition");
                }
                let parts: Vec<Option<Condition>> = items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| read_condition(item, format!("{path}[{i}]"), object, issues))
                    .collect();
                parts
                    .into_iter()
                    .collect::<Option<Vec<_>>>()
                    .map(Condition::Any)
            })
        }
        [op] => {
            let op = *op;
            let field_text = c.req_string("field", issues);
            let field_path = c.at("field");
            let all_kinds = [
                ValueKind::Id,
                ValueKind::Text,
                ValueKind::Picklist,
                ValueKind::Number,
                ValueKind::Date,
                ValueKind::DateTime,
                ValueKind::Bool,
            ];
            let kinds: &[ValueKind] = match op {
                "is" => &[ValueKind::Bool],
                "within_days" => DATES,
                "equals" | "not_equals" | "in" | "not_in" => &[
                    ValueKind::Id,
                    ValueKind::Text,
                    ValueKind::Picklist,
                    ValueKind::Number,
                ],
                _ => &all_kinds,
            };
            let field = match (field_text, object) {
                (Some(text), Some(object)) => {
                    resolve_field(text, Some(object), kinds, &field_path, issues)
                }
                _ => None,
            };
            read_operator(&mut c, op, field, issues)
        }
        [] => {
            issues.add(
                c.path.clone(),
                format!("needs one of: {}", OPERATORS.join(", ")),
            );
            c.raw("field");
            None
        }
        _ => {
            issues.add(
                c.path.clone(),
                format!("must have only one of: {}", present.join(", ")),
            );
            c.raw("field");
            for op in present {
                if let Some(op) = OPERATORS.iter().find(|o| **o == op) {
                    c.raw(op);
                }
            }
            None
        }
    };
    c.finish(issues);
    condition
}

pub(super) fn read_operator(
    c: &mut Obj<'_>,
    op: &str,
    field: Option<FieldRef>,
    issues: &mut Issues,
) -> Option<Condition> {
    match op {
        "equals" | "not_equals" => {
            let key = if op == "equals" {
                "equals"
            } else {
                "not_equals"
            };
            let value = c
                .raw(key)
                .and_then(|v| read_literal(v, c.at(key), field, issues));
            Some(Condition::Equals {
                field: field?,
                value: value?,
                negate: op == "not_equals",
            })
        }
        "in" | "not_in" => {
            let key = if op == "in" { "in" } else { "not_in" };
            let items = c.array(key, issues)?;
            let path = c.at(key);
            if items.is_empty() {
                issues.add(path.clone(), "must list at least one value");
            }
            let values: Vec<Option<Literal>> = items
                .iter()
                .enumerate()
                .map(|(i, item)| read_literal(item, format!("{path}[{i}]"), field, issues))
                .collect();
            let values: Option<Vec<Literal>> = values.into_iter().collect();
            Some(Condition::In {
                field: field?,
                values: values?,
                negate: op == "not_in",
            })
        }
        "is" => {
            let value = c.boolean("is", issues);
            Some(Condition::Is {
                field: field?,
                value: value?,
            })
        }
        "is_null" => {
            let null = c.boolean("is_null", issues);
            Some(Condition::IsNull {
                field: field?,
                null: null?,
            })
        }
        _ => {
            let days = c.integer("within_days", issues);
            let days = positive_days(days, issues, c.at("within_days"));
            Some(Condition::Within {
                field: field?,
                days: days?,
            })
        }
    }
}

pub(super) fn read_literal(
    value: &Value,
    path: String,
    field: Option<FieldRef>,
    issues: &mut Issues,
) -> Option<Literal> {
    let wants_number = field.is_some_and(|f| f.kind == ValueKind::Number);
    match value {
        Value::String(s) if !wants_number => Some(Literal::Text(s.clone())),
        Value::Integer(_) | Value::Float(_) if wants_number || field.is_none() => {
            as_number(value, path, issues).map(Literal::Number)
        }
        Value::Boolean(b) if field.is_none() => Some(Literal::Bool(*b)),
        _ => {
            let wanted = if wants_number { "a number" } else { "a string" };
            issues.add(path, format!("must be {wanted} to compare with this field"));
            None
        }
    }
}
