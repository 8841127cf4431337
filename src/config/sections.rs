//! The validated sections of the configuration, one per module that consumes one.
//!
//! Each type holds real types (`Url`, `Duration`, a parsed cron schedule, `Tz`), so a
//! module that receives its section never re-checks it. Secrets are [`Secret`]s. These
//! types are built only by validation; nothing here reads files or the environment.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use chrono::{Datelike, NaiveDate};
use chrono_tz::Tz;
use url::Url;

use super::error::{ConfigError, Origin};
use super::secret::Secret;
use crate::salesforce::wire::{FieldMap, FieldMapError};

/// `[salesforce]`: how to reach and authenticate to the org, and how hard to push it.
#[derive(Debug, Clone)]
pub struct SalesforceConfig {
    /// The OAuth host: login.salesforce.com, test.salesforce.com, the My Domain URL, or the
    /// emulator on loopback. No path or query.
    pub login_url: Url,
    /// The connected app's consumer key.
    pub client_id: String,
    /// The OAuth flow and its credentials.
    pub auth: Auth,
    /// The REST API version, e.g. 66.0.
    pub api_version: ApiVersion,
    /// The share of the org's daily API allocation Vitals may use per 24 h, in (0, 1].
    pub max_api_share: f64,
    /// Timeout of one whole HTTP request.
    pub request_timeout: Duration,
    /// Timeout of establishing a connection; at most `request_timeout`.
    pub connect_timeout: Duration,
    /// Retry policy of `salesforce::retry` (keys `max_attempts`, `retry_*`).
    pub retry: RetryConfig,
    /// When and how to use Bulk API 2.0 (keys `bulk_*`).
    pub bulk: BulkConfig,
}

/// The OAuth flow (`salesforce.auth`) with the credentials it needs, read at load time.
#[derive(Debug, Clone)]
pub enum Auth {
    /// JWT bearer flow: a certificate on the connected app, the key here.
    Jwt {
        /// The integration user's Salesforce username (`sub`).
        username: String,
        /// The PEM private key, read from `private_key_file`.
        private_key: Secret,
        /// Where the key was read from, for messages.
        private_key_file: PathBuf,
    },
    /// Client credentials flow, against the org's My Domain host.
    ClientCredentials {
        /// The consumer secret.
        client_secret: Secret,
    },
    /// Refresh-token flow, with a token from an earlier interactive grant.
    RefreshToken {
        /// The consumer secret.
        client_secret: Secret,
        /// The refresh token.
        refresh_token: Secret,
    },
}

impl Auth {
    /// The value of `salesforce.auth` that selects this flow.
    pub fn name(&self) -> &'static str {
        match self {
            Auth::Jwt { .. } => "jwt",
            Auth::ClientCredentials { .. } => "client_credentials",
            Auth::RefreshToken { .. } => "refresh_token",
        }
    }
}

/// A Salesforce REST API version, `NN.N` (31.0 or later).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ApiVersion {
    /// The release number, e.g. 66.
    pub major: u16,
    /// Always 0 so far.
    pub minor: u8,
}

impl ApiVersion {
    /// The oldest version Salesforce still serves.
    pub const OLDEST: ApiVersion = ApiVersion {
        major: 31,
        minor: 0,
    };

    /// The path segment of the REST base URL, `v66.0`.
    pub fn path_segment(&self) -> String {
        format!("v{self}")
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// The retry policy for Salesforce calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryConfig {
    /// Attempts per request, the first included (1..=10).
    pub max_attempts: u32,
    /// Base of the exponential backoff.
    pub base_delay: Duration,
    /// Cap of one backoff delay, and of an honoured `Retry-After`; at least `base_delay`.
    pub max_delay: Duration,
}

/// When to switch to Bulk API 2.0, and how to wait for its jobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BulkConfig {
    /// Reads expected to return more rows than this use a Bulk query job.
    pub read_threshold: u64,
    /// Writes of more records than this use a Bulk ingest job (at least 200, the
    /// sObject Collections limit).
    pub write_threshold: u64,
    /// How often to poll a job's state.
    pub poll_interval: Duration,
    /// How long to wait for one job before aborting it; longer than `poll_interval`.
    pub timeout: Duration,
}

/// `[state]`: the local store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateConfig {
    /// The SQLite database file; a relative path is resolved against the config file's
    /// directory.
    pub path: PathBuf,
}

/// `[schedule]`: when the daemon syncs.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleConfig {
    /// Incremental syncs.
    pub incremental: CronSchedule,
    /// The full sync.
    pub full: CronSchedule,
    /// The zone the expressions are read in.
    pub timezone: Tz,
}

/// A six-field, seconds-first cron expression that tokio-cron-scheduler accepts.
#[derive(Debug, Clone, PartialEq)]
pub struct CronSchedule {
    expression: String,
    cron: croner::Cron,
}

impl CronSchedule {
    pub(crate) fn new(expression: String, cron: croner::Cron) -> Self {
        Self { expression, cron }
    }

    /// The expression as written, for the scheduler.
    pub fn expression(&self) -> &str {
        &self.expression
    }

    /// The parsed schedule, e.g. to compute the next run for `/healthz`.
    pub fn cron(&self) -> &croner::Cron {
        &self.cron
    }
}

/// `[daemon]`: the long-running process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DaemonConfig {
    /// Where `/healthz` and `/metrics` are served.
    pub listen: SocketAddr,
    /// How long a shutdown waits for the current batch before forcing.
    pub shutdown_timeout: Duration,
}

/// `[scoring]`: which model, and the history granularity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScoringConfig {
    /// The scoring model.
    pub model: ModelRef,
    /// One history record per account per this period.
    pub period: Period,
}

/// The preset model names `scoring.model` accepts besides a file path.
pub const MODEL_PRESETS: [&str; 3] = [
    "csm-nine",
    "four-signal",
    "usage-support-engagement-expansion",
];

/// A scoring model: a built-in preset or a model file. The scoring module reads and
/// validates the model itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelRef {
    /// One of [`MODEL_PRESETS`].
    Preset(String),
    /// A model TOML file that existed at load time.
    File(PathBuf),
}

/// The history granularity (`scoring.period`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Period {
    /// One record per day.
    Daily,
    /// One record per ISO week.
    Weekly,
    /// One record per calendar month.
    Monthly,
}

impl Period {
    /// Every period, in the order the docs list them.
    pub const ALL: [Period; 3] = [Period::Daily, Period::Weekly, Period::Monthly];

    /// The configuration value.
    pub fn name(self) -> &'static str {
        match self {
            Period::Daily => "daily",
            Period::Weekly => "weekly",
            Period::Monthly => "monthly",
        }
    }

    /// Reads a configuration value.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }

    /// The first day of the period that contains `day`: the day itself, the Monday of its
    /// ISO week, or the first of its month.
    pub fn start_of(self, day: NaiveDate) -> NaiveDate {
        match self {
            Period::Daily => day,
            Period::Weekly => {
                day - chrono::Days::new(u64::from(day.weekday().num_days_from_monday()))
            }
            Period::Monthly => day.with_day(1).unwrap_or(day),
        }
    }
}

/// `[renewals]`: renewal opportunities.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RenewalsConfig {
    /// Create the renewal this many days before the contract ends (1..=730).
    pub create_days_before_end: u32,
}

/// The playbooks of product-spec section 6.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Playbook {
    /// `health-review`.
    HealthReview,
    /// `escalation`.
    Escalation,
    /// `renewal-preparation`.
    RenewalPreparation,
    /// `low-engagement`.
    LowEngagement,
    /// `expansion`.
    Expansion,
    /// `onboarding`.
    Onboarding,
    /// `qbr-cadence`.
    QbrCadence,
    /// `re-engagement`.
    ReEngagement,
}

impl Playbook {
    /// Every playbook, in the spec's order.
    pub const ALL: [Playbook; 8] = [
        Playbook::HealthReview,
        Playbook::Escalation,
        Playbook::RenewalPreparation,
        Playbook::LowEngagement,
        Playbook::Expansion,
        Playbook::Onboarding,
        Playbook::QbrCadence,
        Playbook::ReEngagement,
    ];

    /// The name used in `playbooks.enabled`.
    pub fn name(self) -> &'static str {
        match self {
            Playbook::HealthReview => "health-review",
            Playbook::Escalation => "escalation",
            Playbook::RenewalPreparation => "renewal-preparation",
            Playbook::LowEngagement => "low-engagement",
            Playbook::Expansion => "expansion",
            Playbook::Onboarding => "onboarding",
            Playbook::QbrCadence => "qbr-cadence",
            Playbook::ReEngagement => "re-engagement",
        }
    }

    /// Reads a name from `playbooks.enabled`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }
}

/// `[playbooks]`: which playbooks create tasks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaybooksConfig {
    /// The enabled playbooks, without duplicates, in the order given.
    pub enabled: Vec<Playbook>,
}

impl PlaybooksConfig {
    /// Whether `playbook` is enabled.
    pub fn is_enabled(&self, playbook: Playbook) -> bool {
        self.enabled.contains(&playbook)
    }
}

/// `[fields]`: API-name overrides, flattened to `object.field` keys.
///
/// Overrides of category score fields (`account.health_<category>`, `history.<category>`)
/// can only be checked against a scoring model, so [`FieldsConfig::field_map`] checks them
/// when the model is known.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldsConfig {
    /// `account.arr` -> `Annual_Contract_Value__c`.
    pub overrides: BTreeMap<String, String>,
    /// Which layer set each override, keyed like `overrides`.
    pub(crate) origins: BTreeMap<String, Origin>,
}

impl FieldsConfig {
    /// The field map for a scoring model with these category keys.
    ///
    /// # Errors
    /// Every bad override, including those of category score fields, each keyed
    /// `fields.<object>.<field>`.
    pub fn field_map(&self, categories: &[&str]) -> Result<FieldMap, Vec<ConfigError>> {
        FieldMap::with_overrides(
            self.overrides.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            categories,
        )
        .map_err(|errors| {
            errors
                .into_iter()
                .map(|e| self.to_config_error(e, categories))
                .collect()
        })
    }

    pub(crate) fn to_config_error(&self, error: FieldMapError, categories: &[&str]) -> ConfigError {
        let (key, message) = match error {
            FieldMapError::UnknownField { key } => {
                let categories = if categories.is_empty() {
                    String::new()
                } else {
                    format!(
                        ", or account.health_<category> / history.<category> for the model's categories ({})",
                        categories.join(", ")
                    )
                };
                let message = format!(
                    "Vitals has no field {key:?}; keys are <object>.<field> as listed in config/vitals.example.toml{categories}"
                );
                (key, message)
            }
            FieldMapError::BadApiName { key, value } => (
                key,
                format!("{value:?} is not a Salesforce field API name: {API_NAME_RULE}"),
            ),
            FieldMapError::Clash {
                key,
                api,
                object,
                other,
            } => (key, format!("{api:?} is already used for {object}.{other}")),
        };
        let origin = self.origins.get(&key).cloned().unwrap_or(Origin::Unset);
        ConfigError::new(format!("fields.{key}"), origin, message)
    }
}

/// What a field API name may look like, for messages.
pub(crate) const API_NAME_RULE: &str = "letters, digits and single underscores, starting with a letter, at most 80 characters (e.g. Annual_Contract_Value__c)";

#[cfg(test)]
mod period_tests {
    use super::*;

    #[test]
    fn periods_start_on_the_first_day_of_the_day_week_or_month() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap(); // a Thursday
        assert_eq!(Period::Daily.start_of(day), day);
        assert_eq!(
            Period::Weekly.start_of(day),
            NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
        );
        assert_eq!(
            Period::Monthly.start_of(day),
            NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()
        );
    }
}
