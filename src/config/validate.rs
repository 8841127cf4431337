//! `RawConfig` -> `Config`: every type, range and cross-key check, all problems at once.
//!
//! Each check names its key and the layer the value came from, and says what is allowed.
//! The credentials of `[salesforce]` are checked in `credentials`; this module looks at the
//! file system only to see whether a model file exists or the state path is a directory.
//! It never prints a secret: secret values are only ever described by their kind.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{TimeZone, Utc};
use chrono_tz::Tz;
use croner::parser::{CronParser, Seconds};

use super::Config;
use super::error::{ConfigError, ConfigErrors, Origin};
use super::layers::env_var_name;
use super::raw::{LoadContext, RawConfig, RawPlaybooks, RawSalesforce, RawValue, SECRET_KEYS};
use super::sections::{
    ApiVersion, BulkConfig, CronSchedule, DaemonConfig, FieldsConfig, MODEL_PRESETS, ModelRef,
    PlaybooksConfig, RenewalsConfig, RetryConfig, SalesforceConfig, ScheduleConfig, ScoringConfig,
};
use crate::domain::{Period, Playbook};

/// What a duration may look like, for messages.
const DURATION_RULE: &str = "a positive duration: a whole number with the unit ms, s, m or h, such as \"500ms\", \"30s\", \"5m\" or \"2h\"";

/// Validates every key and converts it to its real type; `check_fields` adds the problems
/// of the `[fields]` overrides that only the field table can find.
///
/// # Errors
/// Every problem found, each naming its key and origin.
pub(super) fn validate(
    raw: RawConfig,
    check_fields: &dyn Fn(&FieldsConfig) -> Vec<ConfigError>,
) -> Result<Config, ConfigErrors> {
    let mut c = Checker {
        context: &raw.context,
        errors: Vec::new(),
    };
    let salesforce = c.salesforce(&raw.salesforce);
    let state = c.state(&raw.state);
    let schedule = c.schedule(&raw);
    let daemon = c.daemon(&raw, schedule.as_ref());
    let scoring = c.scoring(&raw);
    let renewals = c
        .integer(
            "renewals.create_days_before_end",
            raw.renewals.create_days_before_end.as_ref(),
            1..=730,
            "a whole number of days from 1 to 730",
        )
        .and_then(|days| u32::try_from(days).ok())
        .map(|create_days_before_end| RenewalsConfig {
            create_days_before_end,
        });
    let playbooks = c.playbooks(&raw.playbooks);
    let fields = c.fields(&raw.fields, check_fields);
    let errors = c.errors;
    match (
        salesforce, state, schedule, daemon, scoring, renewals, playbooks, fields,
    ) {
        (
            Some(salesforce),
            Some(state),
            Some(schedule),
            Some(daemon),
            Some(scoring),
            Some(renewals),
            Some(playbooks),
            Some(fields),
        ) if errors.is_empty() => Ok(Config {
            salesforce,
            state,
            schedule,
            daemon,
            scoring,
            renewals,
            playbooks,
            fields,
            file: raw.context.file.clone(),
            origins: raw.context.origins.clone(),
        }),
        _ => Err(ConfigErrors(errors)),
    }
}

/// Collects problems while converting values; every method returns `None` after
/// recording a problem, so a caller can go on checking the other keys.
pub(super) struct Checker<'a> {
    context: &'a LoadContext,
    errors: Vec<ConfigError>,
}

impl Checker<'_> {
    pub(super) fn origin(&self, key: &str) -> Origin {
        self.context
            .origins
            .get(key)
            .cloned()
            .unwrap_or(Origin::Unset)
    }

    pub(super) fn fail<T>(&mut self, key: &str, message: impl Into<String>) -> Option<T> {
        let origin = self.origin(key);
        self.errors.push(ConfigError::new(key, origin, message));
        None
    }

    pub(super) fn found(key: &str, raw: &RawValue) -> String {
        raw.describe(SECRET_KEYS.contains(&key))
    }

    /// Environment variables are always strings, so numbers from there arrive as text.
    pub(super) fn set_by_env(&self, key: &str) -> bool {
        matches!(self.origin(key), Origin::Env(_))
    }

    pub(super) fn required<'r>(
        &mut self,
        key: &str,
        raw: Option<&'r RawValue>,
        what: &str,
    ) -> Option<&'r RawValue> {
        if raw.is_none() {
            return self.fail(
                key,
                format!(
                    "is required: {what}; set it in the file or as {}",
                    env_var_name(key)
                ),
            );
        }
        raw
    }

    pub(super) fn text(&mut self, key: &str, raw: &RawValue, allowed: &str) -> Option<String> {
        match raw {
            RawValue::Text(text) if !text.trim().is_empty() => Some(text.clone()),
            RawValue::Text(_) => {
                self.fail(key, format!("must be {allowed}, found an empty string"))
            }
            other => {
                let found = Self::found(key, other);
                self.fail(key, format!("must be {allowed}, found {found}"))
            }
        }
    }

    pub(super) fn required_text(
        &mut self,
        key: &str,
        raw: Option<&RawValue>,
        allowed: &str,
    ) -> Option<String> {
        let raw = self.required(key, raw, allowed)?;
        self.text(key, raw, allowed)
    }

    fn integer(
        &mut self,
        key: &str,
        raw: Option<&RawValue>,
        range: RangeInclusive<i128>,
        allowed: &str,
    ) -> Option<i128> {
        let raw = self.required(key, raw, allowed)?;
        let value = match raw {
            RawValue::Integer(n) => Some(*n),
            RawValue::Text(text) if self.set_by_env(key) => text.trim().parse().ok(),
            _ => None,
        };
        match value {
            Some(n) if range.contains(&n) => Some(n),
            _ => {
                let found = Self::found(key, raw);
                self.fail(key, format!("must be {allowed}, found {found}"))
            }
        }
    }

    fn number(
        &mut self,
        key: &str,
        raw: Option<&RawValue>,
        allowed: &str,
        accept: impl Fn(f64) -> bool,
    ) -> Option<f64> {
        let raw = self.required(key, raw, allowed)?;
        let value = match raw {
            RawValue::Float(x) => Some(*x),
            // Larger integers are out of every range this is used for.
            RawValue::Integer(n) => i32::try_from(*n).ok().map(f64::from),
            RawValue::Text(text) if self.set_by_env(key) => text.trim().parse().ok(),
            _ => None,
        };
        match value {
            Some(x) if x.is_finite() && accept(x) => Some(x),
            _ => {
                let found = Self::found(key, raw);
                self.fail(key, format!("must be {allowed}, found {found}"))
            }
        }
    }

    fn duration(&mut self, key: &str, raw: Option<&RawValue>) -> Option<Duration> {
        let text = self.required_text(key, raw, DURATION_RULE)?;
        match parse_duration(&text) {
            Some(duration) if duration > duration_cap(key) => self.fail(
                key,
                format!(
                    "must be at most {}, found {text:?}",
                    show_duration(duration_cap(key))
                ),
            ),
            Some(duration) => Some(duration),
            None => self.fail(key, format!("must be {DURATION_RULE}, found {text:?}")),
        }
    }

    /// A path; a relative one is resolved against the configuration file's directory.
    pub(super) fn path(
        &mut self,
        key: &str,
        raw: Option<&RawValue>,
        what: &str,
    ) -> Option<PathBuf> {
        let text = self.required_text(key, raw, what)?;
        Some(self.resolve(&text))
    }

    /// Resolves a relative path against the configuration file's directory, so that a
    /// deployment can keep its files beside `vitals.toml` whatever the working directory.
    pub(super) fn resolve(&self, text: &str) -> PathBuf {
        let path = Path::new(text);
        if path.is_relative() {
            self.context.base_dir.join(path)
        } else {
            path.to_path_buf()
        }
    }

    /// Reports `lower > upper` (or `>=` when `strict`) on the key the operator set, so the
    /// message points at their value rather than at a default.
    fn ordered(
        &mut self,
        lower_key: &str,
        lower: Option<Duration>,
        upper_key: &str,
        upper: Option<Duration>,
        strict: bool,
    ) -> bool {
        let (Some(lower), Some(upper)) = (lower, upper) else {
            return true;
        };
        if lower < upper || (!strict && lower == upper) {
            return true;
        }
        let relation = if strict { "less than" } else { "at most" };
        let inverse = if strict { "more than" } else { "at least" };
        if self.origin(lower_key) == Origin::Default && self.origin(upper_key) != Origin::Default {
            self.fail::<()>(
                upper_key,
                format!(
                    "must be {inverse} {lower_key} ({}), found {}",
                    show_duration(lower),
                    show_duration(upper)
                ),
            );
        } else {
            self.fail::<()>(
                lower_key,
                format!(
                    "must be {relation} {upper_key} ({}), found {}",
                    show_duration(upper),
                    show_duration(lower)
                ),
            );
        }
        false
    }

    fn salesforce(&mut self, raw: &RawSalesforce) -> Option<SalesforceConfig> {
        let kind = self.auth_kind(raw.auth.as_ref());
        let login_url = self.login_url(raw.login_url.as_ref(), kind);
        let client_id = self.required_text(
            "salesforce.client_id",
            raw.client_id.as_ref(),
            "the connected app's consumer key",
        );
        let auth = self.auth(raw, kind);
        let api_version = self.api_version(raw.api_version.as_ref());
        let max_api_share = self.number(
            "salesforce.max_api_share",
            raw.max_api_share.as_ref(),
            "a number greater than 0 and at most 1 (the share of the org's daily API allocation Vitals may use)",
            |x| x > 0.0 && x <= 1.0,
        );
        let request_timeout =
            self.duration("salesforce.request_timeout", raw.request_timeout.as_ref());
        let connect_timeout =
            self.duration("salesforce.connect_timeout", raw.connect_timeout.as_ref());
        let retry = self.retry(raw);
        let bulk = self.bulk(raw);
        // Every value is read (and its problem reported) before the pairs are compared.
        let in_order = [
            self.ordered(
                "salesforce.connect_timeout",
                connect_timeout,
                "salesforce.request_timeout",
                request_timeout,
                false,
            ),
            self.ordered(
                "salesforce.retry_base_delay",
                retry.base_delay,
                "salesforce.retry_max_delay",
                retry.max_delay,
                false,
            ),
            self.ordered(
                "salesforce.bulk_poll_interval",
                bulk.poll_interval,
                "salesforce.bulk_timeout",
                bulk.timeout,
                true,
            ),
        ];
        if in_order.contains(&false) {
            return None;
        }
        Some(SalesforceConfig {
            login_url: login_url?,
            client_id: client_id?,
            auth: auth?,
            api_version: api_version?,
            max_api_share: max_api_share?,
            request_timeout: request_timeout?,
            connect_timeout: connect_timeout?,
            retry: retry.valid()?,
            bulk: bulk.valid()?,
        })
    }

    fn retry(&mut self, raw: &RawSalesforce) -> ReadRetry {
        let max_attempts = self
            .integer(
                "salesforce.max_attempts",
                raw.max_attempts.as_ref(),
                1..=10,
                "a whole number from 1 to 10 (attempts per request, the first included)",
            )
            .and_then(|n| u32::try_from(n).ok());
        let base_delay =
            self.duration("salesforce.retry_base_delay", raw.retry_base_delay.as_ref());
        let max_delay = self.duration("salesforce.retry_max_delay", raw.retry_max_delay.as_ref());
        ReadRetry {
            max_attempts,
            base_delay,
            max_delay,
        }
    }

    fn bulk(&mut self, raw: &RawSalesforce) -> ReadBulk {
        let read_threshold = self
            .integer(
                "salesforce.bulk_read_threshold",
                raw.bulk_read_threshold.as_ref(),
                0..=i128::from(u64::MAX),
                "a whole number of rows, 0 or more",
            )
            .and_then(|n| u64::try_from(n).ok());
        let write_threshold = self
            .integer(
                "salesforce.bulk_write_threshold",
                raw.bulk_write_threshold.as_ref(),
                200..=i128::from(u64::MAX),
                "a whole number of records, at least 200 (one sObject Collections call carries 200)",
            )
            .and_then(|n| u64::try_from(n).ok());
        let poll_interval = self.duration(
            "salesforce.bulk_poll_interval",
            raw.bulk_poll_interval.as_ref(),
        );
        let timeout = self.duration("salesforce.bulk_timeout", raw.bulk_timeout.as_ref());
        ReadBulk {
            read_threshold,
            write_threshold,
            poll_interval,
            timeout,
        }
    }

    fn api_version(&mut self, raw: Option<&RawValue>) -> Option<ApiVersion> {
        const KEY: &str = "salesforce.api_version";
        let allowed = "a quoted version NN.N, 31.0 or later, such as \"66.0\"";
        let text = self.required_text(KEY, raw, allowed)?;
        let parsed = text.split_once('.').and_then(|(major, minor)| {
            let digits = |s: &str, len: RangeInclusive<usize>| {
                len.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
            };
            if digits(major, 2..=3) && digits(minor, 1..=1) {
                Some(ApiVersion {
                    major: major.parse().ok()?,
                    minor: minor.parse().ok()?,
                })
            } else {
                None
            }
        });
        match parsed {
            Some(version) if version >= ApiVersion::OLDEST => Some(version),
            Some(_) => self.fail(
                KEY,
                format!(
                    "must be 31.0 or later (Salesforce has retired older versions), found {text:?}"
                ),
            ),
            None if text.starts_with(['v', 'V']) => self.fail(
                KEY,
                format!(
                    "must be written without the leading v ({:?}), found {text:?}",
                    text.get(1..).unwrap_or_default()
                ),
            ),
            None => self.fail(KEY, format!("must be {allowed}, found {text:?}")),
        }
    }

    fn schedule(&mut self, raw: &RawConfig) -> Option<ScheduleConfig> {
        let incremental = self.cron("schedule.incremental", raw.schedule.incremental.as_ref());
        let full = self.cron("schedule.full", raw.schedule.full.as_ref());
        let timezone = self.timezone(raw.schedule.timezone.as_ref());
        Some(ScheduleConfig {
            incremental: incremental?,
            full: full?,
            timezone: timezone?,
        })
    }

    /// Parses a cron expression exactly as tokio-cron-scheduler 0.15 does, and checks that it
    /// fires at all (`0 0 0 30 2 *` parses but never runs).
    fn cron(&mut self, key: &str, raw: Option<&RawValue>) -> Option<CronSchedule> {
        let allowed = "a six-field cron expression, seconds first (second minute hour day-of-month month day-of-week), such as \"0 */15 * * * *\"";
        let text = self.required_text(key, raw, allowed)?;
        let parsed = CronParser::builder()
            .seconds(Seconds::Required)
            .build()
            .parse(&text);
        let cron = match parsed {
            Ok(cron) => cron,
            Err(error) => {
                let reason = lowercase_first(error.to_string().trim_end_matches('.'));
                return self.fail(key, format!("must be {allowed}, found {text:?} ({reason})"));
            }
        };
        // A fixed instant keeps validation independent of the clock; four years from it
        // cover every date that exists.
        let reference = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).single();
        let fires = reference
            .map(|start| cron.find_next_occurrence(&start, false).is_ok())
            .unwrap_or(true);
        if !fires {
            return self.fail(key, format!("never fires: no date matches {text:?}"));
        }
        // Each sync costs API calls and a scan of the org; more often than once a minute is
        // a mistake (a `*` in the seconds field), not a schedule.
        if let Some(start) = reference {
            let mut previous = start;
            let mut shortest: Option<i64> = None;
            for _ in 0..200 {
                let Ok(next) = cron.find_next_occurrence(&previous, false) else {
                    break;
                };
                let gap = (next - previous).num_seconds();
                if previous != start {
                    shortest = Some(shortest.map_or(gap, |s| s.min(gap)));
                }
                previous = next;
            }
            if let Some(gap) = shortest.filter(|gap| *gap < MIN_SCHEDULE_GAP_SECONDS) {
                return self.fail(
                    key,
                    format!(
                        "fires every {gap} seconds; syncs must be at least {MIN_SCHEDULE_GAP_SECONDS} seconds apart, found {text:?}"
                    ),
                );
            }
        }
        Some(CronSchedule::new(text, cron))
    }

    fn timezone(&mut self, raw: Option<&RawValue>) -> Option<Tz> {
        const KEY: &str = "schedule.timezone";
        let allowed =
            "an IANA time zone name such as \"UTC\", \"Europe/Berlin\" or \"America/New_York\"";
        let text = self.required_text(KEY, raw, allowed)?;
        match text.parse::<Tz>() {
            Ok(tz) => Some(tz),
            Err(_) => self.fail(KEY, format!("must be {allowed}, found {text:?}")),
        }
    }

    fn daemon(
        &mut self,
        raw: &RawConfig,
        schedule: Option<&ScheduleConfig>,
    ) -> Option<DaemonConfig> {
        const KEY: &str = "daemon.listen";
        let allowed = "an IP address and port such as \"127.0.0.1:9184\" or \"0.0.0.0:9184\"";
        let listen = self
            .required_text(KEY, raw.daemon.listen.as_ref(), allowed)
            .and_then(|text| match text.parse::<SocketAddr>() {
                Ok(address) => Some(address),
                Err(_) => self.fail(KEY, format!("must be {allowed}, found {text:?}")),
            });
        let shutdown_timeout = self.duration(
            "daemon.shutdown_timeout",
            raw.daemon.shutdown_timeout.as_ref(),
        );
        // Without a value it follows the schedule: a quiet weekend between business-hours
        // syncs must not make the process unready.
        let ready_max_age = match raw.daemon.ready_max_age.as_ref() {
            None => Some(schedule.map_or(MIN_READY_AGE, default_ready_age)),
            Some(raw_age) => self
                .duration("daemon.ready_max_age", Some(raw_age))
                .and_then(|age| self.ready_age(age, schedule)),
        };
        Some(DaemonConfig {
            listen: listen?,
            shutdown_timeout: shutdown_timeout?,
            ready_max_age: ready_max_age?,
        })
    }

    /// `/readyz` must not turn unready between two healthy incremental syncs: the age
    /// must exceed the longest gap between them (from a fixed instant, as `cron` checks).
    fn ready_age(&mut self, age: Duration, schedule: Option<&ScheduleConfig>) -> Option<Duration> {
        const KEY: &str = "daemon.ready_max_age";
        let Some(schedule) = schedule else {
            return Some(age);
        };
        let gap = longest_gap(schedule.incremental.cron());
        if age.as_secs() <= gap {
            return self.fail(
                KEY,
                format!(
                    "must be longer than the longest gap between two incremental syncs ({}) of schedule.incremental = {:?}, found {:?}",
                    show_duration(Duration::from_secs(gap)),
                    schedule.incremental.expression(),
                    show_duration(age)
                ),
            );
        }
        Some(age)
    }

    fn scoring(&mut self, raw: &RawConfig) -> Option<ScoringConfig> {
        let presets = MODEL_PRESETS.join(", ");
        let model = self
            .required_text(
                "scoring.model",
                raw.scoring.model.as_ref(),
                &format!("a preset ({presets}) or the path of a model TOML file"),
            )
            .and_then(|text| {
                if MODEL_PRESETS.contains(&text.as_str()) {
                    return Some(ModelRef::Preset(text));
                }
                let path = self.resolve(&text);
                if path.is_file() {
                    Some(ModelRef::File(path))
                } else {
                    self.fail(
                        "scoring.model",
                        format!(
                            "must be a preset ({presets}) or the path of a model TOML file, found {text:?}, and there is no file at {}",
                            path.display()
                        ),
                    )
                }
            });
        let allowed = "one of \"daily\", \"weekly\" or \"monthly\"";
        let period = self
            .required_text("scoring.period", raw.scoring.period.as_ref(), allowed)
            .and_then(|text| match Period::from_name(&text) {
                Some(period) => Some(period),
                None => self.fail(
                    "scoring.period",
                    format!("must be {allowed}, found {text:?}"),
                ),
            });
        Some(ScoringConfig {
            model: model?,
            period: period?,
        })
    }

    fn playbooks(&mut self, raw: &RawPlaybooks) -> Option<PlaybooksConfig> {
        const KEY: &str = "playbooks.enabled";
        let names = Playbook::ALL.map(Playbook::name).join(", ");
        let allowed = format!("a list of playbook names from: {names}");
        let raw = self.required(KEY, raw.enabled.as_ref(), &allowed)?;
        let items: Vec<String> = match raw {
            RawValue::List(items) => {
                let mut texts = Vec::new();
                for item in items {
                    match item {
                        RawValue::Text(text) => texts.push(text.clone()),
                        other => {
                            let found = other.describe(false);
                            self.fail::<()>(
                                KEY,
                                format!("must be {allowed}, found {found} in the list"),
                            );
                        }
                    }
                }
                texts
            }
            // An environment variable gives the list comma-separated.
            RawValue::Text(text) if self.set_by_env(KEY) => text
                .split(',')
                .map(str::trim)
                .filter(|name| !name.is_empty())
                .map(str::to_owned)
                .collect(),
            other => {
                let found = other.describe(false);
                return self.fail(KEY, format!("must be {allowed}, found {found}"));
            }
        };
        let before = self.errors.len();
        let mut enabled = Vec::new();
        for name in items {
            match Playbook::from_name(&name) {
                Some(playbook) if enabled.contains(&playbook) => {
                    self.fail::<()>(KEY, format!("lists {name:?} twice"));
                }
                Some(playbook) => enabled.push(playbook),
                None => {
                    self.fail::<()>(
                        KEY,
                        format!("has unknown playbook {name:?}; the playbooks are {names}"),
                    );
                }
            }
        }
        (self.errors.len() == before).then_some(PlaybooksConfig { enabled })
    }

    /// Flattens `[fields]`, checks that each override is text given once, and adds the
    /// problems `check_fields` finds against the field table.
    fn fields(
        &mut self,
        raw: &BTreeMap<String, RawValue>,
        check_fields: &dyn Fn(&FieldsConfig) -> Vec<ConfigError>,
    ) -> Option<FieldsConfig> {
        let before = self.errors.len();
        let mut flat = Vec::new();
        for (key, value) in raw {
            flatten(key, value, &mut flat);
        }
        let mut fields = FieldsConfig::default();
        for (key, value) in flat {
            let path = format!("fields.{key}");
            fields.origins.insert(key.clone(), self.origin(&path));
            match value {
                RawValue::Text(_) if fields.overrides.contains_key(&key) => {
                    self.fail::<()>(&path, "is given twice (as a dotted key and as a table)");
                }
                RawValue::Text(api) => {
                    fields.overrides.insert(key, api.clone());
                }
                other => {
                    let found = other.describe(false);
                    self.fail::<()>(
                        &path,
                        format!("must be a Salesforce field API name in quotes, found {found}"),
                    );
                }
            }
        }
        self.errors.extend(check_fields(&fields));
        (self.errors.len() == before).then_some(fields)
    }
}

/// The `salesforce.retry_*` settings as read, each `None` when invalid.
struct ReadRetry {
    max_attempts: Option<u32>,
    base_delay: Option<Duration>,
    max_delay: Option<Duration>,
}

impl ReadRetry {
    fn valid(self) -> Option<RetryConfig> {
        Some(RetryConfig {
            max_attempts: self.max_attempts?,
            base_delay: self.base_delay?,
            max_delay: self.max_delay?,
        })
    }
}

/// The `salesforce.bulk_*` settings as read, each `None` when invalid.
struct ReadBulk {
    read_threshold: Option<u64>,
    write_threshold: Option<u64>,
    poll_interval: Option<Duration>,
    timeout: Option<Duration>,
}

impl ReadBulk {
    fn valid(self) -> Option<BulkConfig> {
        Some(BulkConfig {
            read_threshold: self.read_threshold?,
            write_threshold: self.write_threshold?,
            poll_interval: self.poll_interval?,
            timeout: self.timeout?,
        })
    }
}

/// Flattens nested tables to dotted keys: `{account: {arr: "X"}}` -> `account.arr`.
fn flatten<'r>(prefix: &str, value: &'r RawValue, out: &mut Vec<(String, &'r RawValue)>) {
    match value {
        RawValue::Table(table) => {
            for (key, inner) in table {
                flatten(&format!("{prefix}.{key}"), inner, out);
            }
        }
        leaf => out.push((prefix.to_owned(), leaf)),
    }
}

/// Parses `500ms`, `30s`, `5m` or `2h`; `None` for anything else, zero included.
pub(crate) fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (digits, unit) = text.split_at(split);
    let amount: u64 = digits.parse().ok()?;
    let duration = match unit {
        "ms" => Duration::from_millis(amount),
        "s" => Duration::from_secs(amount),
        "m" => Duration::from_secs(amount.checked_mul(60)?),
        "h" => Duration::from_secs(amount.checked_mul(3600)?),
        _ => return None,
    };
    (!duration.is_zero()).then_some(duration)
}

/// Quotes another library's message in ours: lowercase first letter, as our messages have.
fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Shows a duration the way the configuration writes it.
pub(crate) fn show_duration(duration: Duration) -> String {
    let millis = duration.as_millis();
    if !millis.is_multiple_of(1000) {
        format!("{millis}ms")
    } else if millis.is_multiple_of(3_600_000) {
        format!("{}h", millis / 3_600_000)
    } else if millis.is_multiple_of(60_000) {
        format!("{}m", millis / 60_000)
    } else {
        format!("{}s", millis / 1000)
    }
}

/// The ready age when `[daemon] ready_max_age` is not set.
const MIN_READY_AGE: Duration = Duration::from_secs(3600);

/// The default ready age: the longest gap between two incremental syncs plus 45 minutes
/// for the run itself, and at least an hour (an hour for the default schedule, every 15
/// minutes).
pub(crate) fn default_ready_age(schedule: &ScheduleConfig) -> Duration {
    let gap = longest_gap(schedule.incremental.cron());
    MIN_READY_AGE.max(Duration::from_secs(gap + 45 * 60))
}

/// The longest gap between two fires of `cron` among its first 200 after a fixed instant,
/// in seconds (a schedule that stops firing counts as a year).
fn longest_gap(cron: &croner::Cron) -> u64 {
    let Some(mut previous) = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).single() else {
        return 0;
    };
    let mut longest = 0;
    for _ in 0..200 {
        let Ok(next) = cron.find_next_occurrence(&previous, false) else {
            return 365 * 24 * 3600;
        };
        longest = longest.max(u64::try_from((next - previous).num_seconds()).unwrap_or(0));
        previous = next;
    }
    longest
}

/// The shortest gap allowed between two scheduled syncs.
const MIN_SCHEDULE_GAP_SECONDS: i64 = 60;

/// The longest value a duration key may take. Anything longer is a typo (`"5124095576h"`),
/// and a huge timeout would make a stuck request hang the daemon for good.
fn duration_cap(key: &str) -> Duration {
    const MINUTE: u64 = 60;
    const HOUR: u64 = 60 * MINUTE;
    Duration::from_secs(match key {
        // Salesforce ends a REST call after 10 minutes; an hour leaves room for a proxy.
        "salesforce.request_timeout" => HOUR,
        "salesforce.connect_timeout" => 5 * MINUTE,
        "salesforce.retry_base_delay" => 5 * MINUTE,
        "salesforce.retry_max_delay" => HOUR,
        "salesforce.bulk_poll_interval" => 10 * MINUTE,
        // Bulk results are kept for 7 days, but a sync waiting a day has lost its schedule.
        "salesforce.bulk_timeout" => 24 * HOUR,
        "daemon.shutdown_timeout" => HOUR,
        // A week without a successful sync is an outage, not a threshold.
        "daemon.ready_max_age" => 7 * 24 * HOUR,
        _ => 24 * HOUR,
    })
}
