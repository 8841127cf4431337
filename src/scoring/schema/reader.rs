//! The machinery for reading TOML with paths: [`Obj`] remembers which keys were read so the
//! rest can be reported as unknown, and [`Issues`] collects every problem. It knows nothing
//! of models.

use toml::{Table, Value};

use crate::scoring::model::ModelIssue;

/// Problems found so far.
#[derive(Default)]
pub(super) struct Issues(pub(super) Vec<ModelIssue>);

impl Issues {
    pub(super) fn add(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(ModelIssue {
            path: path.into(),
            message: message.into(),
        });
    }
}

/// A TOML table being read. It remembers which keys were asked for, so that
/// [`Obj::finish`] can report every other key as unknown.
pub(super) struct Obj<'a> {
    pub(super) path: String,
    pub(super) table: &'a Table,
    pub(super) read: Vec<&'static str>,
}

impl<'a> Obj<'a> {
    pub(super) fn of(value: &'a Value, path: String, issues: &mut Issues) -> Option<Self> {
        match value {
            Value::Table(table) => Some(Self {
                path,
                table,
                read: Vec::new(),
            }),
            _ => {
                issues.add(path, "must be a table");
                None
            }
        }
    }

    pub(super) fn at(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    pub(super) fn raw(&mut self, key: &'static str) -> Option<&'a Value> {
        self.read.push(key);
        self.table.get(key)
    }

    pub(super) fn has(&self, key: &str) -> bool {
        self.table.contains_key(key)
    }

    pub(super) fn required(&mut self, key: &'static str, issues: &mut Issues) -> Option<&'a Value> {
        let value = self.raw(key);
        if value.is_none() {
            issues.add(self.at(key), "is required");
        }
        value
    }

    pub(super) fn string(&mut self, key: &'static str, issues: &mut Issues) -> Option<&'a str> {
        let value = self.raw(key)?;
        as_str(value, self.at(key), issues)
    }

    pub(super) fn req_string(&mut self, key: &'static str, issues: &mut Issues) -> Option<&'a str> {
        let value = self.required(key, issues)?;
        as_str(value, self.at(key), issues)
    }

    pub(super) fn number(&mut self, key: &'static str, issues: &mut Issues) -> Option<f64> {
        let value = self.raw(key)?;
        as_number(value, self.at(key), issues)
    }

    pub(super) fn req_number(&mut self, key: &'static str, issues: &mut Issues) -> Option<f64> {
        let value = self.required(key, issues)?;
        as_number(value, self.at(key), issues)
    }

    pub(super) fn integer(&mut self, key: &'static str, issues: &mut Issues) -> Option<i64> {
        let value = self.raw(key)?;
        as_integer(value, self.at(key), issues)
    }

    pub(super) fn boolean(&mut self, key: &'static str, issues: &mut Issues) -> Option<bool> {
        match self.raw(key)? {
            Value::Boolean(b) => Some(*b),
            _ => {
                issues.add(self.at(key), "must be true or false");
                None
            }
        }
    }

    pub(super) fn array(&mut self, key: &'static str, issues: &mut Issues) -> Option<&'a [Value]> {
        match self.raw(key)? {
            Value::Array(items) => Some(items),
            _ => {
                issues.add(self.at(key), "must be an array");
                None
            }
        }
    }

    pub(super) fn strings(
        &mut self,
        key: &'static str,
        issues: &mut Issues,
    ) -> Option<Vec<String>> {
        let items = self.array(key, issues)?;
        let path = self.at(key);
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            if let Some(s) = as_str(item, format!("{path}[{i}]"), issues) {
                out.push(s.to_owned());
            }
        }
        Some(out)
    }

    pub(super) fn table(&mut self, key: &'static str, issues: &mut Issues) -> Option<Obj<'a>> {
        let value = self.raw(key)?;
        Obj::of(value, self.at(key), issues)
    }

    /// Reports every key that was never asked for.
    pub(super) fn finish(self, issues: &mut Issues) {
        for key in self.table.keys() {
            if !self.read.contains(&key.as_str()) {
                let mut known: Vec<&str> = self.read.clone();
                known.sort_unstable();
                known.dedup();
                issues.add(
                    self.at(key),
                    format!("unknown key; expected one of: {}", known.join(", ")),
                );
            }
        }
    }
}

pub(super) fn as_str<'a>(value: &'a Value, path: String, issues: &mut Issues) -> Option<&'a str> {
    match value {
        Value::String(s) => Some(s),
        _ => {
            issues.add(path, "must be a string");
            None
        }
    }
}

pub(super) fn as_number(value: &Value, path: String, issues: &mut Issues) -> Option<f64> {
    match value {
        Value::Integer(i) => match i32::try_from(*i) {
            Ok(i) => Some(f64::from(i)),
            Err(_) => {
                issues.add(path, "is too large");
                None
            }
        },
        Value::Float(f) if f.is_finite() => Some(*f),
        Value::Float(_) => {
            issues.add(path, "must be a finite number");
            None
        }
        _ => {
            issues.add(path, "must be a number");
            None
        }
    }
}

pub(super) fn as_integer(value: &Value, path: String, issues: &mut Issues) -> Option<i64> {
    match value {
        Value::Integer(i) => Some(*i),
        _ => {
            issues.add(path, "must be a whole number");
            None
        }
    }
}

pub(super) fn check(ok: bool, issues: &mut Issues, path: impl Into<String>, message: &str) {
    if !ok {
        issues.add(path, message);
    }
}

pub(super) fn is_key(text: &str) -> bool {
    let mut chars = text.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !text.contains("__")
        && !text.ends_with('_')
}

pub(super) fn score_in_range(value: Option<f64>, issues: &mut Issues, path: String) -> Option<f64> {
    let value = value?;
    if (0.0..=100.0).contains(&value) {
        Some(value)
    } else {
        issues.add(path, "must be between 0 and 100");
        None
    }
}

pub(super) fn positive_days(value: Option<i64>, issues: &mut Issues, path: String) -> Option<i64> {
    let value = value?;
    if value > 0 && value <= 36_500 {
        Some(value)
    } else if value <= 0 {
        issues.add(path, "must be positive");
        None
    } else {
        issues.add(path, "must be at most 36500 days");
        None
    }
}
