//! The configuration layer's error type: one problem per [`ConfigError`], all of them in
//! [`ConfigErrors`].
//!
//! Every problem names its key path (`salesforce.max_api_share`) and the layer the value came
//! from, so an operator knows whether to fix the file or an environment variable. Messages
//! never contain a secret value: the validators only describe secrets by their kind.

use std::fmt;
use std::path::{Path, PathBuf};

/// Where a configuration value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Vitals' built-in default.
    Default,
    /// The configuration file at this path.
    File(PathBuf),
    /// The environment variable with this name (`VITALS__SALESFORCE__CLIENT_ID`).
    Env(String),
    /// No layer set the key.
    Unset,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Default => f.write_str("the built-in default"),
            Origin::File(path) => write!(f, "{}", path.display()),
            Origin::Env(name) => write!(f, "environment variable {name}"),
            Origin::Unset => f.write_str("not set"),
        }
    }
}

/// One configuration problem: the key, where its value came from, and what is wrong.
///
/// `key` is empty for problems with the file as a whole (unreadable, not TOML).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigError {
    /// The key path, `section.key` (`salesforce.max_api_share`, `fields.account.arr`).
    pub key: String,
    /// The layer that set the value.
    pub origin: Origin,
    /// What is wrong and what is allowed. Never contains a secret.
    pub message: String,
}

impl ConfigError {
    /// A problem with `key`, whose value came from `origin`.
    ///
    /// Other layers (the scoring model's validation, for one) use this to report their
    /// problems in the same list.
    pub fn new(key: impl Into<String>, origin: Origin, message: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            origin,
            message: message.into(),
        }
    }
}

impl ConfigError {
    /// Like `Display`, but without the origin when it is `file`: a report that is headed by
    /// the file's name need not repeat it on every line.
    pub fn display_in(&self, file: &Path) -> String {
        match &self.origin {
            Origin::File(path) if path == file && !self.key.is_empty() => {
                format!("{}: {}", self.key, self.message)
            }
            _ => self.to_string(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.origin, self.key.is_empty()) {
            (Origin::Unset, false) => write!(f, "{}: {}", self.key, self.message),
            (Origin::Unset, true) => f.write_str(&self.message),
            (origin, true) => write!(f, "{origin}: {}", self.message),
            (origin, false) => write!(f, "{}: {} (from {origin})", self.key, self.message),
        }
    }
}

/// Every problem found in a configuration, in a stable order.
///
/// Its `Display` prints one problem per line so that the command line can show them all.
#[derive(Debug, Clone, Default, PartialEq, Eq, thiserror::Error)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl ConfigErrors {
    /// Whether there is no problem at all.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many problems there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The problems, in order.
    pub fn iter(&self) -> std::slice::Iter<'_, ConfigError> {
        self.0.iter()
    }

    /// One problem per line, each indented by two spaces, for a report headed by the name
    /// of `file` (see [`ConfigError::display_in`]).
    pub fn report(&self, file: &Path) -> String {
        let lines: Vec<String> = self
            .0
            .iter()
            .map(|e| format!("  {}", e.display_in(file)))
            .collect();
        lines.join("\n")
    }

    /// Whether some problem is about exactly this key.
    pub fn names(&self, key: &str) -> bool {
        self.0.iter().any(|e| e.key == key)
    }
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, error) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl From<Vec<ConfigError>> for ConfigErrors {
    fn from(errors: Vec<ConfigError>) -> Self {
        Self(errors)
    }
}

impl Extend<ConfigError> for ConfigErrors {
    fn extend<I: IntoIterator<Item = ConfigError>>(&mut self, iter: I) {
        self.0.extend(iter);
    }
}

impl IntoIterator for ConfigErrors {
    type Item = ConfigError;
    type IntoIter = std::vec::IntoIter<ConfigError>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a ConfigErrors {
    type Item = &'a ConfigError;
    type IntoIter = std::slice::Iter<'a, ConfigError>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_problem_prints_its_key_and_origin_on_its_own_line() {
        let errors = ConfigErrors(vec![
            ConfigError::new(
                "salesforce.max_api_share",
                Origin::Env("VITALS__SALESFORCE__MAX_API_SHARE".into()),
                "must be at most 1, found 1.5",
            ),
            ConfigError::new(
                "schedule.full",
                Origin::File("/etc/vitals/vitals.toml".into()),
                "bad cron",
            ),
            ConfigError::new("salesforce.client_id", Origin::Unset, "is required"),
            ConfigError::new("", Origin::File("vitals.toml".into()), "not TOML"),
        ]);
        assert_eq!(
            errors.to_string(),
            "salesforce.max_api_share: must be at most 1, found 1.5 (from environment variable VITALS__SALESFORCE__MAX_API_SHARE)\n\
             schedule.full: bad cron (from /etc/vitals/vitals.toml)\n\
             salesforce.client_id: is required\n\
             vitals.toml: not TOML"
        );
        assert!(errors.names("schedule.full"));
        assert_eq!(
            errors
                .report(Path::new("/etc/vitals/vitals.toml"))
                .lines()
                .nth(1),
            Some("  schedule.full: bad cron")
        );
        assert!(!errors.names("schedule"));
    }
}
