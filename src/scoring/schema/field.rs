//! Resolves field names in model files against `domain::fields::FIELDS`, checking the
//! object and the kind of value each place needs.

use crate::domain::fields::{FIELDS, field_def};
use crate::domain::{ObjectKind, ValueKind};
use crate::scoring::model::FieldRef;

use super::reader::{Issues, Obj};

/// Resolves a field name: `object.field`, or a bare `field` of `object` when the context
/// names the object. The field must be in the catalogue and of one of `kinds`.
pub(super) fn resolve_field(
    text: &str,
    object: Option<ObjectKind>,
    kinds: &[ValueKind],
    path: &str,
    issues: &mut Issues,
) -> Option<FieldRef> {
    let (object, name) = match text.split_once('.') {
        Some((object_key, name)) => {
            let Some(named) = ObjectKind::from_key(object_key) else {
                issues.add(
                    path,
                    format!(
                        "unknown object {object_key:?} in {text:?}; objects are: account, contract, case, opportunity, event, task"
                    ),
                );
                return None;
            };
            if let Some(expected) = object
                && expected != named
            {
                issues.add(
                    path,
                    format!(
                        "{text:?} is not a field of {}, the object this measure reads",
                        expected.key()
                    ),
                );
                return None;
            }
            (named, name)
        }
        None => match object {
            Some(object) => (object, text),
            None => {
                issues.add(
                    path,
                    format!("{text:?} must name its object, e.g. \"account.{text}\""),
                );
                return None;
            }
        },
    };
    let Some(def) = field_def(object, name) else {
        let known: Vec<&str> = FIELDS
            .iter()
            .filter(|def| def.object == object)
            .map(|def| def.name)
            .collect();
        issues.add(
            path,
            format!(
                "unknown field \"{}.{name}\"; fields of {} are: {}",
                object.key(),
                object.key(),
                known.join(", ")
            ),
        );
        return None;
    };
    if !kinds.contains(&def.kind) {
        let wanted: Vec<&str> = kinds.iter().map(|k| kind_words(*k)).collect();
        issues.add(
            path,
            format!(
                "\"{}.{}\" is {}; this needs {}",
                object.key(),
                def.name,
                kind_words(def.kind),
                wanted.join(" or ")
            ),
        );
        return None;
    }
    Some(FieldRef {
        object,
        name: def.name,
        kind: def.kind,
    })
}

pub(super) fn kind_words(kind: ValueKind) -> &'static str {
    match kind {
        ValueKind::Id => "an Id",
        ValueKind::Text => "text",
        ValueKind::Picklist => "a picklist",
        ValueKind::Number => "a number",
        ValueKind::Date => "a date",
        ValueKind::DateTime => "a dateTime",
        ValueKind::Bool => "a checkbox",
    }
}

pub(super) const NUMBER: &[ValueKind] = &[ValueKind::Number];
pub(super) const DATES: &[ValueKind] = &[ValueKind::Date, ValueKind::DateTime];

pub(super) fn field_key(
    m: &mut Obj<'_>,
    key: &'static str,
    object: Option<ObjectKind>,
    kinds: &[ValueKind],
    issues: &mut Issues,
) -> Option<FieldRef> {
    let text = m.req_string(key, issues)?;
    resolve_field(text, object, kinds, &m.at(key), issues)
}

pub(super) fn account_field(
    m: &mut Obj<'_>,
    key: &'static str,
    kinds: &[ValueKind],
    issues: &mut Issues,
) -> Option<FieldRef> {
    let text = m.req_string(key, issues)?;
    let path = m.at(key);
    let field = resolve_field(text, None, kinds, &path, issues)?;
    if field.object != ObjectKind::Account {
        issues.add(
            path,
            format!("{text:?} is not an account field; this measure reads the account itself"),
        );
        return None;
    }
    Some(field)
}

pub(super) fn object_key(
    m: &mut Obj<'_>,
    issues: &mut Issues,
    allow_account: bool,
) -> Option<ObjectKind> {
    let text = m.req_string("object", issues)?;
    match ObjectKind::from_key(text) {
        Some(ObjectKind::Account) if !allow_account => {
            issues.add(
                m.at("object"),
                "must be a related object (contract, case, opportunity, event, task); use a value, ratio or picklist measure for account fields",
            );
            None
        }
        Some(object) => Some(object),
        None => {
            issues.add(
                m.at("object"),
                format!(
                    "unknown object {text:?}; objects are: account, contract, case, opportunity, event, task"
                ),
            );
            None
        }
    }
}
