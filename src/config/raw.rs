//! [`RawConfig`]: the merged configuration as serde reads it, before validation.
//!
//! Every leaf is a [`RawValue`] that accepts any TOML value, so deserialization itself never
//! fails on a wrong type: type and range checks happen in `validate`, which reports all of
//! them at once instead of stopping at the first as serde would. [`SECTIONS`] is the key
//! set that unknown keys are checked against; a test keeps it equal to these structs.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use serde::Deserialize;
use serde::de::{self, MapAccess, SeqAccess, Visitor};

use super::error::Origin;

/// Every section and its keys, in the order of the example file. `fields` takes any
/// `object.field` key, so its list is empty.
pub(crate) const SECTIONS: &[(&str, &[&str])] = &[
    (
        "salesforce",
        &[
            "login_url",
            "auth",
            "client_id",
            "username",
            "private_key_file",
            "client_secret",
            "client_secret_file",
            "refresh_token",
            "refresh_token_file",
            "api_version",
            "max_api_share",
            "request_timeout",
            "connect_timeout",
            "max_attempts",
            "retry_base_delay",
            "retry_max_delay",
            "bulk_read_threshold",
            "bulk_write_threshold",
            "bulk_poll_interval",
            "bulk_timeout",
        ],
    ),
    ("state", &["path", "url", "url_file"]),
    ("schedule", &["incremental", "full", "timezone"]),
    ("daemon", &["listen", "shutdown_timeout", "ready_max_age"]),
    ("scoring", &["model", "period"]),
    ("renewals", &["create_days_before_end"]),
    ("playbooks", &["enabled"]),
    ("fields", &[]),
];

/// The section whose keys are free-form `object.field` paths.
pub(crate) const FIELDS_SECTION: &str = "fields";

/// Keys whose values are secrets: their values are never described in messages.
pub(crate) const SECRET_KEYS: &[&str] = &[
    "salesforce.client_secret",
    "salesforce.refresh_token",
    "state.url",
];

/// A configuration value of any type, as the layers gave it.
#[derive(Clone, PartialEq)]
pub enum RawValue {
    /// A string. Environment variables are always strings.
    Text(String),
    /// A whole number.
    Integer(i128),
    /// A number with a fraction.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// A list.
    List(Vec<RawValue>),
    /// A table.
    Table(BTreeMap<String, RawValue>),
}

impl RawValue {
    /// Describes the value for an error message: the value itself for scalars, the kind for
    /// lists and tables, and only the kind when `secret` is set.
    pub(crate) fn describe(&self, secret: bool) -> String {
        match (self, secret) {
            (RawValue::Text(_), true) => "a string".into(),
            (RawValue::Integer(_) | RawValue::Float(_), true) => "a number".into(),
            (RawValue::Bool(_), true) => "a boolean".into(),
            (RawValue::Text(text), false) => format!("the string {text:?}"),
            (RawValue::Integer(n), false) => format!("the number {n}"),
            (RawValue::Float(x), false) => format!("the number {x}"),
            (RawValue::Bool(b), false) => format!("{b}"),
            (RawValue::List(_), _) => "a list".into(),
            (RawValue::Table(_), _) => "a table".into(),
        }
    }
}

// Debug prints the kind only: a `RawValue` may hold a secret that has not been recognised
// as one yet (a secret under a misspelt key, say), and `RawConfig` derives `Debug`.
impl fmt::Debug for RawValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RawValue::Text(_) => f.write_str("Text(..)"),
            RawValue::Integer(_) => f.write_str("Integer(..)"),
            RawValue::Float(_) => f.write_str("Float(..)"),
            RawValue::Bool(_) => f.write_str("Bool(..)"),
            RawValue::List(items) => write!(f, "List(len {})", items.len()),
            RawValue::Table(table) => f.debug_list().entries(table.keys()).finish(),
        }
    }
}

impl<'de> Deserialize<'de> for RawValue {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RawValueVisitor)
    }
}

struct RawValueVisitor;

impl<'de> Visitor<'de> for RawValueVisitor {
    type Value = RawValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any configuration value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<RawValue, E> {
        Ok(RawValue::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawValue, E> {
        Ok(RawValue::Integer(v.into()))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<RawValue, E> {
        Ok(RawValue::Integer(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawValue, E> {
        Ok(RawValue::Integer(v.into()))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<RawValue, E> {
        i128::try_from(v)
            .map(RawValue::Integer)
            .map_err(|_| E::custom("integer too large"))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawValue, E> {
        Ok(RawValue::Float(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<RawValue, E> {
        Ok(RawValue::Text(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<RawValue, E> {
        Ok(RawValue::Text(v))
    }

    // The `config` crate gives `Nil` for a table slot that only ever held children; it reads
    // as an empty table.
    fn visit_unit<E: de::Error>(self) -> Result<RawValue, E> {
        Ok(RawValue::Table(BTreeMap::new()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawValue, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(RawValue::List(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawValue, A::Error> {
        let mut table = BTreeMap::new();
        while let Some((key, value)) = map.next_entry::<String, RawValue>()? {
            table.insert(key, value);
        }
        Ok(RawValue::Table(table))
    }
}

/// What validation needs to know besides the values: where each came from, and the
/// directory that relative paths are resolved against.
#[derive(Debug, Clone, Default)]
pub(crate) struct LoadContext {
    /// The configuration file.
    pub file: PathBuf,
    /// The directory of the configuration file.
    pub base_dir: PathBuf,
    /// The origin of every known leaf, keyed by its path (`salesforce.auth`,
    /// `fields.account.arr`).
    pub origins: BTreeMap<String, Origin>,
}

/// The merged configuration before validation: the shape is checked, the values are not.
///
/// `Config::load` builds one from the layers and validates it, naming for each problem the
/// layer its value came from, which the loader records in its `LoadContext`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    /// `[salesforce]`.
    #[serde(default)]
    pub salesforce: RawSalesforce,
    /// `[state]`.
    #[serde(default)]
    pub state: RawState,
    /// `[schedule]`.
    #[serde(default)]
    pub schedule: RawSchedule,
    /// `[daemon]`.
    #[serde(default)]
    pub daemon: RawDaemon,
    /// `[scoring]`.
    #[serde(default)]
    pub scoring: RawScoring,
    /// `[renewals]`.
    #[serde(default)]
    pub renewals: RawRenewals,
    /// `[playbooks]`.
    #[serde(default)]
    pub playbooks: RawPlaybooks,
    /// `[fields]`, still nested (`account` -> `arr` -> `X__c`).
    #[serde(default)]
    pub fields: BTreeMap<String, RawValue>,
    /// Origins and the base directory; filled by the loader, not by serde.
    #[serde(skip)]
    pub(crate) context: LoadContext,
}

/// `[salesforce]` before validation. Each field is the key of the same name, documented in
/// `config/vitals.example.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSalesforce {
    pub login_url: Option<RawValue>,
    pub auth: Option<RawValue>,
    pub client_id: Option<RawValue>,
    pub username: Option<RawValue>,
    pub private_key_file: Option<RawValue>,
    pub client_secret: Option<RawValue>,
    pub client_secret_file: Option<RawValue>,
    pub refresh_token: Option<RawValue>,
    pub refresh_token_file: Option<RawValue>,
    pub api_version: Option<RawValue>,
    pub max_api_share: Option<RawValue>,
    pub request_timeout: Option<RawValue>,
    pub connect_timeout: Option<RawValue>,
    pub max_attempts: Option<RawValue>,
    pub retry_base_delay: Option<RawValue>,
    pub retry_max_delay: Option<RawValue>,
    pub bulk_read_threshold: Option<RawValue>,
    pub bulk_write_threshold: Option<RawValue>,
    pub bulk_poll_interval: Option<RawValue>,
    pub bulk_timeout: Option<RawValue>,
}

/// `[state]` before validation. Each field is the key of the same name, documented in
/// `config/vitals.example.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawState {
    pub path: Option<RawValue>,
    pub url: Option<RawValue>,
    pub url_file: Option<RawValue>,
}

/// `[schedule]` before validation. Each field is the key of the same name, documented in
/// `config/vitals.example.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSchedule {
    pub incremental: Option<RawValue>,
    pub full: Option<RawValue>,
    pub timezone: Option<RawValue>,
}

/// `[daemon]` before validation. Each field is the key of the same name, documented in
/// `config/vitals.example.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDaemon {
    pub listen: Option<RawValue>,
    pub shutdown_timeout: Option<RawValue>,
    pub ready_max_age: Option<RawValue>,
}

/// `[scoring]` before validation. Each field is the key of the same name, documented in
/// `config/vitals.example.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScoring {
    pub model: Option<RawValue>,
    pub period: Option<RawValue>,
}

/// `[renewals]` before validation. Each field is the key of the same name, documented in
/// `config/vitals.example.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRenewals {
    pub create_days_before_end: Option<RawValue>,
}

/// `[playbooks]` before validation. Each field is the key of the same name, documented in
/// `config/vitals.example.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPlaybooks {
    pub enabled: Option<RawValue>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deserializer that only records the field names a struct asks for, so the test below
    /// can compare the structs with [`SECTIONS`] without a third hand-written list.
    struct FieldNames<'a>(&'a mut Vec<&'static str>);

    impl<'de> de::Deserializer<'de> for FieldNames<'_> {
        type Error = de::value::Error;

        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(de::Error::custom("only structs are described"))
        }

        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            fields: &'static [&'static str],
            _visitor: V,
        ) -> Result<V::Value, Self::Error> {
            self.0.extend_from_slice(fields);
            Err(de::Error::custom("recorded"))
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
            identifier ignored_any
        }
    }

    fn fields_of<T: for<'de> Deserialize<'de>>() -> Vec<&'static str> {
        let mut names = Vec::new();
        // `FieldNames` always fails; "recorded" says that serde asked for a struct's fields.
        match T::deserialize(FieldNames(&mut names)) {
            Err(error) if error.to_string() == "recorded" => names,
            Err(error) => panic!("not described as a plain struct: {error}"),
            Ok(_) => unreachable!("FieldNames never produces a value"),
        }
    }

    #[test]
    fn the_known_key_set_matches_the_raw_structs() {
        let sections: Vec<&str> = SECTIONS.iter().map(|(name, _)| *name).collect();
        let mut struct_sections = fields_of::<RawConfig>();
        struct_sections.retain(|name| *name != "context");
        assert_eq!(sections, struct_sections);
        let keys = |name: &str| {
            SECTIONS
                .iter()
                .find(|(section, _)| *section == name)
                .map(|(_, keys)| keys.to_vec())
                .unwrap()
        };
        assert_eq!(keys("salesforce"), fields_of::<RawSalesforce>());
        assert_eq!(keys("state"), fields_of::<RawState>());
        assert_eq!(keys("schedule"), fields_of::<RawSchedule>());
        assert_eq!(keys("daemon"), fields_of::<RawDaemon>());
        assert_eq!(keys("scoring"), fields_of::<RawScoring>());
        assert_eq!(keys("renewals"), fields_of::<RawRenewals>());
        assert_eq!(keys("playbooks"), fields_of::<RawPlaybooks>());
    }

    #[test]
    fn raw_values_never_print_their_contents() {
        let value = RawValue::Table(BTreeMap::from([(
            "client_secret".to_owned(),
            RawValue::Text("hunter2".into()),
        )]));
        assert!(!format!("{value:?}").contains("hunter2"));
        assert_eq!(RawValue::Text("hunter2".into()).describe(true), "a string");
        assert_eq!(
            RawValue::Text("x".into()).describe(false),
            "the string \"x\""
        );
    }
}
