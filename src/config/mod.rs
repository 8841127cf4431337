//! The configuration: `vitals.toml`, overridden by `VITALS__SECTION__KEY` environment
//! variables, validated into typed sections.
//!
//! Loading goes through three steps, each in its own submodule:
//! 1. `layers` merges the built-in defaults, the TOML file and the environment with the
//!    `config` crate, reports every unknown key at once and records which layer set each
//!    key, giving a [`RawConfig`];
//! 2. `validate` turns the [`RawConfig`] into a [`Config`] of real types (`Url`,
//!    `Duration`, cron schedules, [`Secret`](crate::secret::Secret)s), collecting every problem rather than the
//!    first; `credentials` is the part of it that checks the OAuth flow and reads secrets.
//!
//! The `[fields]` overrides are kept as the operator wrote them ([`FieldsConfig`]): which
//! fields exist is the Salesforce client's knowledge, and this module never imports the
//! client. The caller of [`Config::load`] passes the client's check of them in, so their
//! problems join the one list with every other; the client builds its field map from the
//! section once the scoring model's categories are known.
//!
//! There is no global configuration: the command line loads a [`Config`] and hands each
//! module its own section (`config.salesforce`, `config.schedule`, ...). This module must
//! never log, and never put a secret into an error message or a `Debug` output; secrets
//! live only in [`Secret`](crate::secret::Secret). The example file `config/vitals.example.toml` documents every
//! key, and a test loads it.

mod credentials;
mod error;
mod layers;
mod raw;
mod sections;
mod state;
mod validate;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap};
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};

/// `scoring.period`'s type, named here too because scoring's tests and the scoring
/// fixtures import it from `config`; new code imports [`crate::domain::Period`].
pub use crate::domain::Period;
pub use error::{ConfigError, ConfigErrors, Origin};
pub use raw::{
    RawConfig, RawDaemon, RawPlaybooks, RawRenewals, RawSalesforce, RawSchedule, RawScoring,
    RawState, RawValue,
};
pub use sections::{
    ApiVersion, Auth, BulkConfig, CronSchedule, DaemonConfig, FieldsConfig, MODEL_PRESETS,
    ModelRef, PlaybooksConfig, RenewalsConfig, RetryConfig, SalesforceConfig, ScheduleConfig,
    ScoringConfig, StateConfig,
};

/// The validated configuration. Hand each module its own section, never the whole.
#[derive(Debug, Clone)]
pub struct Config {
    /// `[salesforce]`, for the Salesforce client.
    pub salesforce: SalesforceConfig,
    /// `[state]`, for the store.
    pub state: StateConfig,
    /// `[schedule]`, for the daemon's scheduler.
    pub schedule: ScheduleConfig,
    /// `[daemon]`, for the daemon.
    pub daemon: DaemonConfig,
    /// `[scoring]`, for loading the scoring model.
    pub scoring: ScoringConfig,
    /// `[renewals]`, for renewal planning.
    pub renewals: RenewalsConfig,
    /// `[playbooks]`, for the playbooks.
    pub playbooks: PlaybooksConfig,
    /// `[fields]`, from which the Salesforce client builds its field map.
    pub fields: FieldsConfig,
    /// The file this was loaded from.
    pub file: PathBuf,
    /// Where each key's value came from (the built-in default, the file, or an environment
    /// variable), keyed by its path (`salesforce.client_id`). No values: `vitals check`
    /// lists these for transparency, and some values are secrets.
    pub origins: BTreeMap<String, Origin>,
}

impl Config {
    /// Loads `path`, applies the `VITALS__SECTION__KEY` variables of `env`, and validates.
    ///
    /// `env` is the environment to read; the binary passes the process environment (see
    /// [`process_env`]), tests pass their own. Relative paths in the file are resolved
    /// against the file's directory. `check_fields` checks the `[fields]` overrides against
    /// the field table this module does not know (the binary passes
    /// `salesforce::wire::FieldMap::check_config`); its problems are reported with all the
    /// others, each keyed `fields.<object>.<field>` by [`FieldsConfig::error`].
    ///
    /// # Errors
    /// Every problem found, each naming its key and the layer that set it.
    pub fn load(
        path: &Path,
        env: impl IntoIterator<Item = (String, String)>,
        check_fields: impl Fn(&FieldsConfig) -> Vec<ConfigError>,
    ) -> Result<Self, ConfigErrors> {
        let text = fs::read_to_string(path).map_err(|error| {
            ConfigErrors(vec![ConfigError::new(
                "",
                Origin::File(path.to_path_buf()),
                format!("cannot read the configuration file: {error}"),
            )])
        })?;
        Self::from_toml(&text, path, env, check_fields)
    }

    /// Like [`Config::load`], with the file's text given; `path` names it in messages and
    /// is the base of relative paths, but is not read.
    ///
    /// # Errors
    /// Every problem found, each naming its key and the layer that set it.
    pub fn from_toml(
        text: &str,
        path: &Path,
        env: impl IntoIterator<Item = (String, String)>,
        check_fields: impl Fn(&FieldsConfig) -> Vec<ConfigError>,
    ) -> Result<Self, ConfigErrors> {
        let (raw, mut errors) = layers::merge(text, path, env).map_err(ConfigErrors)?;
        match validate::validate(raw, &check_fields) {
            Ok(config) if errors.is_empty() => Ok(config),
            Ok(_) => Err(ConfigErrors(errors)),
            Err(more) => {
                errors.extend(more);
                Err(ConfigErrors(errors))
            }
        }
    }
}

/// The `VITALS__*` variables of an OS environment (`std::env::vars_os()`), converted to
/// strings. Unlike `std::env::vars()` this never panics: a name or value that is not UTF-8
/// is converted lossily and then reported by validation like any other bad value.
pub fn process_env(
    vars: impl IntoIterator<Item = (OsString, OsString)>,
) -> HashMap<String, String> {
    layers::process_env(vars)
}
