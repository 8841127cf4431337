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

use chrono_tz::Tz;
use url::Url;

use super::error::{ConfigError, Origin};
use crate::domain::{Period, Playbook};
use crate::secret::Secret;

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
    /// The longest pause between two polls of a job's state (pauses grow up to it).
    pub poll_interval: Duration,
    /// How long to wait for one job before aborting it; longer than `poll_interval`.
    pub timeout: Duration,
}

/// `[state]`: where Vitals keeps its state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateConfig {
    /// The embedded SQLite database (`path`), for one process per file.
    Sqlite {
        /// The database file; a relative path is resolved against the config file's
        /// directory.
        path: PathBuf,
    },
    /// A PostgreSQL database (`url`, `url_file`, or `VITALS__STATE__URL`), shared by any
    /// number of `vitals run` processes, one of them active at a time.
    Postgres {
        /// The `postgres://` URL. It may hold the password, so it is a secret: messages
        /// name its host and database only.
        url: Secret,
    },
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
    /// `/readyz` answers ready while the last run succeeded and started less than this
    /// long ago; longer than the gap between two incremental syncs.
    pub ready_max_age: Duration,
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

/// `[renewals]`: renewal opportunities.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RenewalsConfig {
    /// Create the renewal this many days before the contract ends (1..=730).
    pub create_days_before_end: u32,
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

/// `[fields]`: API-name overrides, flattened to `object.field` keys, as the layers set them.
///
/// The configuration checks only their shape: each is text, given once. Which keys name a
/// field Vitals maps, and what an API name may look like, belongs to the Salesforce client,
/// whose `wire::FieldMap::from_config` builds the field map from this section and names
/// every bad override by its key and the layer that set it (see [`FieldsConfig::error`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldsConfig {
    /// `account.arr` -> `Annual_Contract_Value__c`.
    pub overrides: BTreeMap<String, String>,
    /// Which layer set each override, keyed like `overrides`.
    pub(super) origins: BTreeMap<String, Origin>,
}

impl FieldsConfig {
    /// Which layer set the override of `key` (`account.arr`).
    pub fn origin(&self, key: &str) -> Origin {
        self.origins.get(key).cloned().unwrap_or(Origin::Unset)
    }

    /// A problem with the override of `key` (`account.arr`), reported as
    /// `fields.account.arr` with the layer that set it, like every other configuration
    /// problem.
    pub fn error(&self, key: &str, message: impl Into<String>) -> ConfigError {
        ConfigError::new(format!("fields.{key}"), self.origin(key), message)
    }
}
