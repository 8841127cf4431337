//! Stored field values and their conversions to and from the REST API's JSON.
//!
//! Values are typed and compact (24 bytes): text is an `Arc<str>` so picklist values and
//! other repeated strings are shared through the store's interner; timestamps are
//! milliseconds. Absent fields are null (rows are sparse). Formats follow salesforce-api.md
//! 2.5: dateTime out as `yyyy-MM-ddTHH:mm:ss.SSS+0000`, in as `...SSSZ` / `...SSS+HH:mm`
//! with optional millis; date `yyyy-MM-dd`.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use serde_json::Value as Json;

use crate::id::SfId;

use super::clock::format_datetime;
use super::schema::{FieldDef, FieldType};

/// One stored value. Null is represented by the field's absence from the row.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Text of any text-like type (string, picklist, email, ...).
    Text(Arc<str>),
    /// A checkbox.
    Bool(bool),
    /// A number of any numeric type.
    Number(f64),
    /// A date.
    Date(NaiveDate),
    /// A dateTime in milliseconds since the epoch (UTC).
    DateTime(i64),
    /// An Id or reference.
    Id(SfId),
}

impl Value {
    /// The value as REST JSON for a field of type `field_type`.
    pub fn to_json(&self, field_type: FieldType) -> Json {
        match self {
            Value::Text(text) => Json::String(text.to_string()),
            Value::Bool(b) => Json::Bool(*b),
            Value::Number(n) => {
                if let (FieldType::Int, Some(n)) = (field_type, whole(*n)) {
                    Json::from(n)
                } else {
                    serde_json::Number::from_f64(*n).map_or(Json::Null, Json::Number)
                }
            }
            Value::Date(date) => Json::String(date.format("%Y-%m-%d").to_string()),
            Value::DateTime(ms) => Json::String(format_datetime(*ms)),
            Value::Id(id) => Json::String(id.as_str().to_owned()),
        }
    }

    /// The text of a text value or Id.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(text) => Some(text),
            Value::Id(id) => Some(id.as_str()),
            _ => None,
        }
    }

    /// The Id of an Id value.
    pub fn as_id(&self) -> Option<SfId> {
        match self {
            Value::Id(id) => Some(*id),
            _ => None,
        }
    }

    /// The number of a numeric value.
    pub fn as_number(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }

    /// The date of a date value.
    pub fn as_date(&self) -> Option<NaiveDate> {
        match self {
            Value::Date(d) => Some(*d),
            _ => None,
        }
    }
}

/// A whole number as an integer, without a lossy cast: `None` for fractions, NaN and values
/// beyond ±1e15 (where doubles stop being exact).
pub fn whole(n: f64) -> Option<i64> {
    if n.fract() != 0.0 || !n.is_finite() || n.abs() >= 1e15 {
        return None;
    }
    format!("{n:.0}").parse().ok()
}

/// Why a JSON value does not fit a field: Salesforce answers `JSON_PARSER_ERROR` with
/// "Cannot deserialize instance of <type> from <token> value <v> or request may be missing a
/// required field" (observed on orgs; see
/// https://salesforce.stackexchange.com/questions/283220 for the date case).
#[derive(Debug, Clone, PartialEq)]
pub struct JsonTypeError {
    /// The message Salesforce gives.
    pub message: String,
}

fn token(json: &Json) -> &'static str {
    match json {
        Json::Null => "VALUE_NULL",
        Json::Bool(true) => "VALUE_TRUE",
        Json::Bool(false) => "VALUE_FALSE",
        Json::Number(n) if n.is_f64() => "VALUE_NUMBER_FLOAT",
        Json::Number(_) => "VALUE_NUMBER_INT",
        Json::String(_) => "VALUE_STRING",
        Json::Array(_) => "START_ARRAY",
        Json::Object(_) => "START_OBJECT",
    }
}

fn mismatch(field: &FieldDef, json: &Json) -> JsonTypeError {
    let shown = match json {
        Json::String(s) => s.clone(),
        Json::Array(_) => "[".to_owned(),
        Json::Object(_) => "{".to_owned(),
        other => other.to_string(),
    };
    JsonTypeError {
        message: format!(
            "Cannot deserialize instance of {} from {} value {} or request may be missing a required field",
            field.field_type.api_name(),
            token(json),
            shown
        ),
    }
}

/// Parses a request dateTime: `yyyy-MM-ddTHH:mm:ss[.SSS](Z|+HH:mm|+HHmm)`; a value without
/// an offset is taken as UTC, as the API does.
pub fn parse_datetime(text: &str) -> Option<i64> {
    if let Some(ms) = parse_datetime_fast(text) {
        return Some(ms);
    }
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(at.timestamp_millis());
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%dT%H:%M:%S%z"] {
        if let Ok(at) = DateTime::parse_from_str(text, format) {
            return Some(at.timestamp_millis());
        }
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(at) = NaiveDateTime::parse_from_str(text, format) {
            return Some(at.and_utc().timestamp_millis());
        }
    }
    None
}

/// The common spellings `yyyy-MM-ddTHH:mm:ss[.SSS](Z|+0000|+00:00)` without chrono's
/// format machinery (loading a large org parses millions of them).
fn parse_datetime_fast(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() < 20
        || b.get(4) != Some(&b'-')
        || b.get(7) != Some(&b'-')
        || b.get(10) != Some(&b'T')
    {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<u32> {
        let digits = text.get(from..to)?;
        if digits.bytes().all(|c| c.is_ascii_digit()) {
            digits.parse().ok()
        } else {
            None
        }
    };
    let year = i32::try_from(num(0, 4)?).ok()?;
    let date = NaiveDate::from_ymd_opt(year, num(5, 7)?, num(8, 10)?)?;
    if b.get(13) != Some(&b':') || b.get(16) != Some(&b':') {
        return None;
    }
    let time = chrono::NaiveTime::from_hms_opt(num(11, 13)?, num(14, 16)?, num(17, 19)?)?;
    let (millis, rest) = match text.get(19..)? {
        r if r.starts_with('.') && r.len() >= 4 => (num(20, 23)?, r.get(4..)?),
        r => (0, r),
    };
    if !matches!(rest, "Z" | "+0000" | "+00:00") {
        return None;
    }
    let base = date.and_time(time).and_utc().timestamp_millis();
    base.checked_add(i64::from(millis))
}

/// Parses a request date `yyyy-MM-dd`.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

/// What a JSON value becomes for a field, before reference and picklist checks.
#[derive(Debug, Clone, PartialEq)]
pub enum Incoming {
    /// Set the field to null.
    Null,
    /// Set the field to this value.
    Value(Value),
    /// A reference given as text; the caller checks it is a well-formed, existing Id.
    Reference(String),
    /// A reference given as an Id (seeding); the caller checks it exists.
    Id(SfId),
}

/// Converts a request JSON value for `field`.
///
/// # Errors
/// [`JsonTypeError`] when the JSON token cannot become the field's type.
pub fn from_json(field: &FieldDef, json: &Json) -> Result<Incoming, JsonTypeError> {
    if json.is_null() {
        return Ok(Incoming::Null);
    }
    let kind = field.field_type;
    match kind {
        FieldType::Id | FieldType::Reference => match json {
            Json::String(s) if s.is_empty() => Ok(Incoming::Null),
            Json::String(s) => Ok(Incoming::Reference(s.clone())),
            _ => Err(mismatch(field, json)),
        },
        FieldType::Boolean => match json {
            Json::Bool(b) => Ok(Incoming::Value(Value::Bool(*b))),
            Json::String(s) if s.eq_ignore_ascii_case("true") => {
                Ok(Incoming::Value(Value::Bool(true)))
            }
            Json::String(s) if s.eq_ignore_ascii_case("false") => {
                Ok(Incoming::Value(Value::Bool(false)))
            }
            _ => Err(mismatch(field, json)),
        },
        FieldType::Int | FieldType::Double | FieldType::Currency | FieldType::Percent => {
            let number = match json {
                Json::Number(n) => n.as_f64(),
                Json::String(s) if s.trim().is_empty() => return Ok(Incoming::Null),
                Json::String(s) => s.trim().parse::<f64>().ok().filter(|n| n.is_finite()),
                _ => None,
            };
            let number = number.ok_or_else(|| mismatch(field, json))?;
            if kind == FieldType::Int && number.fract() != 0.0 {
                return Err(mismatch(field, json));
            }
            Ok(Incoming::Value(Value::Number(number)))
        }
        FieldType::Date => match json {
            Json::String(s) if s.is_empty() => Ok(Incoming::Null),
            Json::String(s) => parse_date(s)
                .map(|d| Incoming::Value(Value::Date(d)))
                .ok_or_else(|| mismatch(field, json)),
            _ => Err(mismatch(field, json)),
        },
        FieldType::DateTime => match json {
            Json::String(s) if s.is_empty() => Ok(Incoming::Null),
            Json::String(s) => parse_datetime(s)
                .map(|ms| Incoming::Value(Value::DateTime(ms)))
                .ok_or_else(|| mismatch(field, json)),
            _ => Err(mismatch(field, json)),
        },
        _ => match json {
            // Salesforce stores an empty string in a text field as null.
            Json::String(s) if s.is_empty() => Ok(Incoming::Null),
            Json::String(s) => Ok(Incoming::Value(Value::Text(Arc::from(s.as_str())))),
            Json::Number(n) => Ok(Incoming::Value(Value::Text(Arc::from(n.to_string())))),
            Json::Bool(b) => Ok(Incoming::Value(Value::Text(Arc::from(b.to_string())))),
            _ => Err(mismatch(field, json)),
        },
    }
}

/// A number as an org quotes it in an error message: whole numbers without a fraction.
pub fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{n:.0}")
    } else {
        n.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_documented_datetime_spellings() {
        let expected = parse_datetime("2024-05-06T10:00:00Z").unwrap();
        for text in [
            "2024-05-06T10:00:00.000Z",
            "2024-05-06T12:00:00.000+02:00",
            "2024-05-06T12:00:00+0200",
            "2024-05-06T10:00:00.000+0000",
        ] {
            assert_eq!(parse_datetime(text), Some(expected), "{text}");
        }
        assert_eq!(parse_datetime("yesterday"), None);
    }

    #[test]
    fn mismatched_json_names_type_and_token() {
        let field = FieldDef::new("NumberOfEmployees", "Employees", FieldType::Int);
        let error = from_json(&field, &Json::String("many".into())).unwrap_err();
        assert_eq!(
            error.message,
            "Cannot deserialize instance of int from VALUE_STRING value many or request may be missing a required field"
        );
        assert_eq!(
            from_json(&field, &serde_json::json!(12)).unwrap(),
            Incoming::Value(Value::Number(12.0))
        );
        assert_eq!(
            Value::Number(12.0).to_json(FieldType::Int),
            serde_json::json!(12)
        );
    }
}
