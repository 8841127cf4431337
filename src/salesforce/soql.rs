//! SOQL built from parts, never by pasting text.
//!
//! Values enter a query only as [`Literal`]s, which format themselves by the rules of
//! salesforce-api.md 3.2: strings single-quoted with `\` escaped first and then `'`,
//! dates and dateTimes unquoted in UTC, Ids validated. Long Id lists are split into several
//! queries so no URI exceeds Salesforce's limit (3.4).

use std::fmt::Write as _;

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::SfId;

/// Ids per `IN (...)` list: about 26 URI bytes each once encoded, so 300 stay far below the
/// 16,384-byte URI limit together with the rest of the query (salesforce-api.md 3.4).
pub const IN_CHUNK: usize = 300;

/// A value in a WHERE clause.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// A string, escaped on output.
    Text(String),
    /// A record Id.
    Id(SfId),
    /// A date, unquoted.
    Date(NaiveDate),
    /// A dateTime, unquoted, in UTC.
    DateTime(DateTime<Utc>),
    /// A finite number.
    Number(Finite),
    /// A boolean.
    Bool(bool),
    /// `null`.
    Null,
}

/// A finite number: SOQL has no NaN or infinity, so the type keeps them out.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Finite(f64);

impl TryFrom<f64> for Finite {
    type Error = f64;

    /// # Errors
    /// The value itself when it is NaN or infinite.
    fn try_from(value: f64) -> Result<Self, f64> {
        if value.is_finite() {
            Ok(Self(value))
        } else {
            Err(value)
        }
    }
}

impl Finite {
    /// The number.
    pub fn get(self) -> f64 {
        self.0
    }
}

/// Escapes a string for a SOQL string literal (without the quotes).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            other => out.push(other),
        }
    }
    out
}

impl Literal {
    fn write(&self, out: &mut String) {
        match self {
            Literal::Text(text) => {
                out.push('\'');
                out.push_str(&escape(text));
                out.push('\'');
            }
            Literal::Id(id) => {
                // Ids are letters and digits by construction: nothing to escape.
                out.push('\'');
                out.push_str(id.as_str());
                out.push('\'');
            }
            Literal::Date(date) => out.push_str(&date.format("%Y-%m-%d").to_string()),
            // Milliseconds are kept: dropping them would move a `<`/`<=` bound.
            Literal::DateTime(t) => out.push_str(&t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()),
            Literal::Number(n) => {
                let _ = write!(out, "{}", n.get());
            }
            Literal::Null => out.push_str("null"),
            Literal::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        }
    }
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl Op {
    fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
        }
    }
}

/// A WHERE condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// `field op value`.
    Compare(String, Op, Literal),
    /// `field IN (values)` or `NOT IN`.
    In {
        /// The field.
        field: String,
        /// The values.
        values: Vec<Literal>,
        /// `NOT IN` when true.
        negated: bool,
    },
    /// All of them, parenthesised.
    All(Vec<Condition>),
    /// Any of them, parenthesised.
    Any(Vec<Condition>),
}

impl Condition {
    fn write(&self, out: &mut String) {
        match self {
            Condition::Compare(field, op, value) => {
                out.push_str(field);
                out.push(' ');
                out.push_str(op.as_str());
                out.push(' ');
                value.write(out);
            }
            Condition::In {
                field,
                values,
                negated,
            } => {
                out.push_str(field);
                out.push_str(if *negated { " NOT IN (" } else { " IN (" });
                for (i, value) in values.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    value.write(out);
                }
                out.push(')');
            }
            Condition::All(parts) | Condition::Any(parts) => {
                let joiner = if matches!(self, Condition::All(_)) {
                    " AND "
                } else {
                    " OR "
                };
                out.push('(');
                for (i, part) in parts.iter().enumerate() {
                    if i > 0 {
                        out.push_str(joiner);
                    }
                    part.write(out);
                }
                out.push(')');
            }
        }
    }
}

/// A SELECT statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Soql {
    /// The object.
    pub object: String,
    /// The fields, in order.
    pub fields: Vec<String>,
    /// WHERE conditions, joined by AND.
    pub conditions: Vec<Condition>,
    /// ORDER BY fields, ascending.
    pub order_by: Vec<String>,
    /// LIMIT.
    pub limit: Option<u64>,
}

impl Soql {
    /// `SELECT fields FROM object`.
    pub fn select(
        object: impl Into<String>,
        fields: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        Self {
            object: object.into(),
            fields: fields.into_iter().map(Into::into).collect(),
            conditions: Vec::new(),
            order_by: Vec::new(),
            limit: None,
        }
    }

    /// Adds a condition (ANDed with the others).
    pub fn filter(mut self, condition: Condition) -> Self {
        self.conditions.push(condition);
        self
    }

    /// Adds an ORDER BY field.
    pub fn order_by(mut self, field: impl Into<String>) -> Self {
        self.order_by.push(field.into());
        self
    }

    /// Sets LIMIT.
    pub fn limit(mut self, limit: u64) -> Self {
        self.limit = Some(limit);
        self
    }

    fn write_where(&self, out: &mut String) {
        for (i, condition) in self.conditions.iter().enumerate() {
            out.push_str(if i == 0 { " WHERE " } else { " AND " });
            condition.write(out);
        }
    }

    /// The statement text.
    pub fn to_text(&self) -> String {
        let mut out = String::from("SELECT ");
        out.push_str(&self.fields.join(", "));
        out.push_str(" FROM ");
        out.push_str(&self.object);
        self.write_where(&mut out);
        if !self.order_by.is_empty() {
            out.push_str(" ORDER BY ");
            out.push_str(&self.order_by.join(", "));
        }
        if let Some(limit) = self.limit {
            let _ = write!(out, " LIMIT {limit}");
        }
        out
    }

    /// The matching `SELECT COUNT() FROM ... WHERE ...`.
    pub fn to_count_text(&self) -> String {
        let mut out = String::from("SELECT COUNT() FROM ");
        out.push_str(&self.object);
        self.write_where(&mut out);
        out
    }

    /// One query per chunk of `ids`, each with `field IN (chunk)` added, so no query's URI
    /// grows past Salesforce's limit however many Ids there are.
    pub fn for_each_chunk(&self, field: &str, ids: &[SfId], chunk: usize) -> Vec<Soql> {
        ids.chunks(chunk.max(1))
            .map(|part| {
                self.clone().filter(Condition::In {
                    field: field.to_owned(),
                    values: part.iter().copied().map(Literal::Id).collect(),
                    negated: false,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn strings_are_escaped_backslash_first() {
        assert_eq!(escape(r"O'Brien \ Co"), r"O\'Brien \\ Co");
        assert_eq!(escape("a\nb\tc\"d"), "a\\nb\\tc\\\"d");
        // A trailing backslash must not escape the closing quote.
        let q = Soql::select("Account", ["Id"])
            .filter(Condition::Compare(
                "Name".into(),
                Op::Eq,
                Literal::Text("x\\".into()),
            ))
            .to_text();
        assert_eq!(q, r"SELECT Id FROM Account WHERE Name = 'x\\'");
    }

    #[test]
    fn literals_format_as_salesforce_expects() {
        let t = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let q = Soql::select("Case", ["Id", "Account.Name"])
            .filter(Condition::Compare(
                "SystemModstamp".into(),
                Op::Ge,
                Literal::DateTime(t),
            ))
            .filter(Condition::Compare(
                "ClosedDate".into(),
                Op::Lt,
                Literal::Date(NaiveDate::from_ymd_opt(2024, 2, 29).unwrap()),
            ))
            .filter(Condition::Any(vec![
                Condition::Compare("IsClosed".into(), Op::Eq, Literal::Bool(false)),
                Condition::Compare("CSAT_Score__c".into(), Op::Ne, Literal::Null),
            ]))
            .order_by("SystemModstamp")
            .order_by("Id")
            .limit(10);
        assert_eq!(
            q.to_text(),
            "SELECT Id, Account.Name FROM Case WHERE SystemModstamp >= 2024-01-01T00:00:00.000Z AND ClosedDate < 2024-02-29 AND (IsClosed = false OR CSAT_Score__c != null) ORDER BY SystemModstamp, Id LIMIT 10"
        );
        assert_eq!(
            q.to_count_text(),
            "SELECT COUNT() FROM Case WHERE SystemModstamp >= 2024-01-01T00:00:00.000Z AND ClosedDate < 2024-02-29 AND (IsClosed = false OR CSAT_Score__c != null)"
        );
    }

    #[test]
    fn long_id_lists_are_chunked() {
        let ids: Vec<SfId> = (0..701).map(|n| SfId::from_parts("001", n)).collect();
        let queries = Soql::select("Case", ["Id"]).for_each_chunk("AccountId", &ids, IN_CHUNK);
        assert_eq!(queries.len(), 3);
        let text = queries[2].to_text();
        assert!(text.starts_with("SELECT Id FROM Case WHERE AccountId IN ('001"));
        assert_eq!(text.matches(',').count(), 100);
        // Every chunk, encoded, stays far below the URI limit.
        for query in &queries {
            let encoded: String =
                url::form_urlencoded::byte_serialize(query.to_text().as_bytes()).collect();
            assert!(encoded.len() < 12_000, "{}", encoded.len());
        }
    }
}
