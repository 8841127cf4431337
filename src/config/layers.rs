//! Layering: built-in defaults, then the TOML file, then `VITALS__SECTION__KEY` environment
//! variables, merged by the `config` crate; then one walk over the merged tree that reports
//! every unknown key at once and records which layer set each known key.
//!
//! This module reads nothing itself: the caller hands it the file's text and the
//! environment, so tests never touch the process environment. It never validates values;
//! that is `validate`'s job.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::Path;

use ::config::{Environment, Map, Source, Value, ValueKind};

use super::error::{ConfigError, Origin};
use super::raw::{FIELDS_SECTION, LoadContext, RawConfig, SECTIONS};

/// The prefix of every environment variable Vitals reads: `VITALS__SECTION__KEY`.
pub(crate) const ENV_PREFIX: &str = "VITALS";

/// Separates the prefix, the section and the key in an environment variable's name.
pub(crate) const ENV_SEPARATOR: &str = "__";

/// What `config::Environment` records as the origin of the values it reads.
const ENV_ORIGIN: &str = "the environment";

/// The built-in defaults, the lowest layer. `config/vitals.example.toml` documents the same
/// values, and a test checks that the two agree.
pub(crate) const DEFAULTS: &str = r#"
[salesforce]
api_version = "66.0"
max_api_share = 0.25
request_timeout = "120s"
connect_timeout = "10s"
max_attempts = 5
retry_base_delay = "500ms"
retry_max_delay = "30s"
bulk_read_threshold = 10000
bulk_write_threshold = 2000
bulk_poll_interval = "2s"
bulk_timeout = "30m"

[state]
path = "/var/lib/vitals/state.db"

[schedule]
incremental = "0 */15 * * * *"
full = "0 0 2 * * *"
timezone = "UTC"

[daemon]
listen = "127.0.0.1:9184"
shutdown_timeout = "30s"

[scoring]
model = "csm-nine"
period = "monthly"

[renewals]
create_days_before_end = 120

[playbooks]
enabled = [
    "health-review", "escalation", "renewal-preparation", "low-engagement",
    "expansion", "onboarding", "qbr-cadence", "re-engagement",
]

[fields]
"#;

/// The environment variable that sets `key` (`salesforce.client_id` ->
/// `VITALS__SALESFORCE__CLIENT_ID`).
pub(crate) fn env_var_name(key: &str) -> String {
    format!(
        "{ENV_PREFIX}{ENV_SEPARATOR}{}",
        key.replace('.', ENV_SEPARATOR).to_ascii_uppercase()
    )
}

/// A parsed TOML document as a `config` source. Values carry `origin` (the file's path, or
/// none for the built-in defaults) so that errors can say which layer set them.
#[derive(Clone)]
struct TomlLayer {
    origin: Option<String>,
    table: toml::Table,
}

// The table may hold secrets, so Debug names the layer only.
impl fmt::Debug for TomlLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TomlLayer")
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

impl Source for TomlLayer {
    fn clone_into_box(&self) -> Box<dyn Source + Send + Sync> {
        Box::new(self.clone())
    }

    fn collect(&self) -> Result<Map<String, Value>, ::config::ConfigError> {
        Ok(self
            .table
            .iter()
            .map(|(key, value)| (key.clone(), to_config_value(value, self.origin.as_ref())))
            .collect())
    }
}

fn to_config_value(value: &toml::Value, origin: Option<&String>) -> Value {
    let kind = match value {
        toml::Value::String(s) => ValueKind::String(s.clone()),
        toml::Value::Integer(i) => ValueKind::I64(*i),
        toml::Value::Float(x) => ValueKind::Float(*x),
        toml::Value::Boolean(b) => ValueKind::Boolean(*b),
        toml::Value::Datetime(d) => ValueKind::String(d.to_string()),
        toml::Value::Array(items) => {
            ValueKind::Array(items.iter().map(|v| to_config_value(v, origin)).collect())
        }
        toml::Value::Table(table) => ValueKind::Table(
            table
                .iter()
                .map(|(k, v)| (k.clone(), to_config_value(v, origin)))
                .collect(),
        ),
    };
    Value::new(origin, kind)
}

/// Parses TOML text, describing a syntax error by line and column only: the toml crate's
/// own rendering quotes the offending line, which may hold a secret.
fn parse_toml(text: &str, origin: &Origin) -> Result<toml::Table, ConfigError> {
    toml::from_str::<toml::Table>(text).map_err(|error| {
        let position = error
            .span()
            .map(|span| {
                let before = text.get(..span.start).unwrap_or(text);
                let line = before.matches('\n').count() + 1;
                let column = before
                    .rsplit('\n')
                    .next()
                    .map_or(1, |l| l.chars().count() + 1);
                format!(" at line {line}, column {column}")
            })
            .unwrap_or_default();
        ConfigError::new(
            "",
            origin.clone(),
            format!("not valid TOML{position}: {}", error.message().trim_end()),
        )
    })
}

/// The environment variables under our prefix, keyed as the `config` crate keys them
/// (`salesforce.client_id`), with the variable's real name for error messages.
struct EnvLayer {
    vars: Map<String, String>,
    names: BTreeMap<String, String>,
}

fn env_layer(
    env: impl IntoIterator<Item = (String, String)>,
    errors: &mut Vec<ConfigError>,
) -> EnvLayer {
    let prefix = format!("{ENV_PREFIX}{ENV_SEPARATOR}").to_ascii_lowercase();
    let mut vars = Map::new();
    let mut names = BTreeMap::new();
    let mut sorted: Vec<(String, String)> = env
        .into_iter()
        .filter(|(name, _)| name.to_ascii_lowercase().starts_with(&prefix))
        .collect();
    sorted.sort();
    for (name, value) in sorted {
        let key = name.to_ascii_lowercase()[prefix.len()..].replace(ENV_SEPARATOR, ".");
        // An empty variable counts as unset: deployment templates often render an absent
        // value as an empty string, and `config` is told the same (`ignore_empty`).
        if key.is_empty() || value.is_empty() {
            continue;
        }
        if let Some(first) = names.get(&key) {
            errors.push(ConfigError::new(
                key.clone(),
                Origin::Env(name.clone()),
                format!("is also set by {first}; set it once"),
            ));
            continue;
        }
        names.insert(key, name.clone());
        vars.insert(name, value);
    }
    EnvLayer { vars, names }
}

/// Merges the layers and reads them into a [`RawConfig`].
///
/// # Errors
/// A problem that stops loading (the file is not TOML) comes back as `Err`. Problems that
/// do not (unknown keys, an environment variable set twice) are returned next to the
/// [`RawConfig`], so that validation can add its own and all are reported together.
pub(crate) fn merge(
    text: &str,
    file: &Path,
    env: impl IntoIterator<Item = (String, String)>,
) -> Result<(RawConfig, Vec<ConfigError>), Vec<ConfigError>> {
    let file_origin = Origin::File(file.to_path_buf());
    let mut errors = Vec::new();
    let defaults = parse_toml(DEFAULTS, &Origin::Default).map_err(|e| vec![e])?;
    let table = parse_toml(text, &file_origin).map_err(|e| vec![e])?;
    let env = env_layer(env, &mut errors);
    let merged = ::config::Config::builder()
        .add_source(TomlLayer {
            origin: None,
            table: defaults,
        })
        .add_source(TomlLayer {
            origin: Some(file.display().to_string()),
            table,
        })
        .add_source(
            Environment::with_prefix(ENV_PREFIX)
                .separator(ENV_SEPARATOR)
                .ignore_empty(true)
                .source(Some(env.vars)),
        )
        .build()
        .and_then(|config| config.collect())
        .map_err(|e| {
            vec![ConfigError::new(
                "",
                file_origin.clone(),
                format!("cannot merge the configuration layers: {e}"),
            )]
        })?;

    let mut walk = Walk {
        file_origin,
        env_names: &env.names,
        origins: BTreeMap::new(),
        errors,
    };
    let known = walk.sections(merged);
    let raw = Value::new(None, ValueKind::Table(known))
        .try_deserialize::<RawConfig>()
        .map_err(|e| {
            vec![ConfigError::new(
                "",
                walk.file_origin.clone(),
                format!("cannot read the configuration: {e}"),
            )]
        })?;
    let raw = RawConfig {
        context: LoadContext {
            file: file.to_path_buf(),
            base_dir: file.parent().map(Path::to_path_buf).unwrap_or_default(),
            origins: walk.origins,
        },
        ..raw
    };
    Ok((raw, walk.errors))
}

/// The walk over the merged tree: keeps known keys, reports unknown ones, records origins.
struct Walk<'a> {
    file_origin: Origin,
    env_names: &'a BTreeMap<String, String>,
    origins: BTreeMap<String, Origin>,
    errors: Vec<ConfigError>,
}

impl Walk<'_> {
    /// Keeps the known sections and keys of the merged tree and reports every other one.
    fn sections(&mut self, tree: Map<String, Value>) -> Map<String, Value> {
        let mut known = Map::new();
        for (name, value) in sorted(tree) {
            let Some((section, keys)) = SECTIONS.iter().find(|(s, _)| *s == name) else {
                let names: Vec<&str> = SECTIONS.iter().map(|(s, _)| *s).collect();
                let message = format!(
                    "unknown section{}; the sections are {}",
                    suggestion(&name, &names, ""),
                    names.join(", ")
                );
                self.error(&name, &value, message);
                continue;
            };
            let table = match value.kind {
                ValueKind::Table(table) => table,
                ValueKind::Nil => Map::new(),
                _ => {
                    let message = format!("must be a table ([{section}]), found a single value");
                    self.error(&name, &value, message);
                    continue;
                }
            };
            let table = if *section == FIELDS_SECTION {
                self.record_leaves(section, &table);
                table
            } else {
                self.keys(section, keys, table)
            };
            known.insert(name, Value::new(None, ValueKind::Table(table)));
        }
        known
    }

    fn keys(
        &mut self,
        section: &str,
        keys: &[&str],
        table: Map<String, Value>,
    ) -> Map<String, Value> {
        let mut known = Map::new();
        for (key, value) in sorted(table) {
            let path = format!("{section}.{key}");
            if keys.contains(&key.as_str()) {
                let origin = self.origin_of(&path, &value);
                self.origins.insert(path, origin);
                known.insert(key, value);
            } else {
                let message = format!(
                    "unknown key{}; [{section}] takes {}",
                    suggestion(&key, keys, &format!("{section}.")),
                    keys.join(", ")
                );
                self.error(&path, &value, message);
            }
        }
        known
    }

    /// Records the origin of every leaf under `prefix` (the free-form `[fields]` table).
    fn record_leaves(&mut self, prefix: &str, table: &Map<String, Value>) {
        for (key, value) in table {
            let path = format!("{prefix}.{key}");
            match &value.kind {
                ValueKind::Table(inner) => self.record_leaves(&path, inner),
                _ => {
                    let origin = self.origin_of(&path, value);
                    self.origins.insert(path, origin);
                }
            }
        }
    }

    fn error(&mut self, path: &str, value: &Value, message: String) {
        let origin = self.origin_of(path, value);
        self.errors.push(ConfigError::new(path, origin, message));
    }

    /// The layer that set `value` at `path`. A table has no origin of its own (the merge
    /// rebuilds tables), so it takes the origin of its first leaf.
    fn origin_of(&self, path: &str, value: &Value) -> Origin {
        match &value.kind {
            ValueKind::Table(table) => match sorted_refs(table).into_iter().next() {
                Some((key, child)) => self.origin_of(&format!("{path}.{key}"), child),
                None => Origin::Default,
            },
            _ => match value.origin() {
                Some(ENV_ORIGIN) => Origin::Env(
                    self.env_names
                        .get(path)
                        .cloned()
                        .unwrap_or_else(|| env_var_name(path)),
                ),
                Some(_) => self.file_origin.clone(),
                None => Origin::Default,
            },
        }
    }
}

fn sorted(map: Map<String, Value>) -> Vec<(String, Value)> {
    let mut entries: Vec<(String, Value)> = map.into_iter().collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    entries
}

fn sorted_refs(map: &Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut entries: Vec<(&String, &Value)> = map.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    entries
}

/// ` (did you mean <prefix><name>?)` when a known name is close to `given`.
fn suggestion(given: &str, known: &[&str], prefix: &str) -> String {
    let given_lower = given.to_ascii_lowercase();
    known
        .iter()
        .map(|name| (edit_distance(&given_lower, name), name))
        .filter(|(distance, name)| *distance <= 2.max(name.len() / 4))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, name)| format!(" (did you mean {prefix}{name}?)"))
        .unwrap_or_default()
}

/// Levenshtein distance, for suggestions.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            let insertion = current[j] + 1;
            let deletion = previous[j + 1] + 1;
            current.push(substitution.min(insertion).min(deletion));
        }
        previous = current;
    }
    previous[b.len()]
}

/// The prefixed environment variables of `vars`, for callers that hold an `OsString`
/// environment: names and values that are not UTF-8 are converted lossily, so a broken
/// variable is reported by validation rather than silently skipped.
pub(crate) fn process_env(
    vars: impl IntoIterator<Item = (std::ffi::OsString, std::ffi::OsString)>,
) -> HashMap<String, String> {
    vars.into_iter()
        .map(|(name, value)| {
            (
                name.to_string_lossy().into_owned(),
                value.to_string_lossy().into_owned(),
            )
        })
        .filter(|(name, _)| {
            name.to_ascii_lowercase()
                .starts_with(&format!("{ENV_PREFIX}{ENV_SEPARATOR}").to_ascii_lowercase())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variable_names_follow_the_key_path() {
        assert_eq!(
            env_var_name("salesforce.client_secret"),
            "VITALS__SALESFORCE__CLIENT_SECRET"
        );
        assert_eq!(
            env_var_name("fields.account.arr"),
            "VITALS__FIELDS__ACCOUNT__ARR"
        );
    }

    #[test]
    fn suggestions_catch_small_typos_only() {
        let keys = ["client_secret", "client_secret_file", "client_id"];
        assert_eq!(
            suggestion("client_secrte", &keys, "salesforce."),
            " (did you mean salesforce.client_secret?)"
        );
        assert_eq!(
            suggestion("Client_ID", &keys, ""),
            " (did you mean client_id?)"
        );
        assert_eq!(suggestion("password", &keys, ""), "");
    }

    #[test]
    fn syntax_errors_give_the_position_but_not_the_line() {
        let error = parse_toml(
            "[salesforce]\nclient_secret = \"hunter2\nauth = \"jwt\"\n",
            &Origin::File("v.toml".into()),
        )
        .unwrap_err();
        assert!(
            error.message.starts_with("not valid TOML at line 2"),
            "{error}"
        );
        assert!(!error.to_string().contains("hunter2"), "{error}");
    }
}
