//! What a test or the demo may do to a running org besides calling its API: read and clear
//! the request log, set faults, change field-level security and run-time limits, load
//! records, and read what the org holds. The admin API ([`crate::admin`]) serves these same
//! operations over HTTP; a Rust caller reaches them on [`RunningEmulator::state`]
//! (`emulator.state.set_faults(...)`) without a round trip.
//!
//! None of it is part of Salesforce's API: nothing here counts against the allocation or
//! needs a session. Every value from outside is range-checked, so a typo is refused, not
//! obeyed.
//!
//! [`RunningEmulator::state`]: crate::RunningEmulator::state

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::time::Duration;

use serde_json::{Value as Json, json};

use crate::derive::refresh_all_last_activity;
use crate::errors::{RecordError, err};
use crate::faults::{FaultSpec, Faults};
use crate::fls::Fls;
use crate::id::SfId;
use crate::state::{EmulatorState, LoggedRequest, PerAppLimit, load_fixtures};
use crate::write::{self, WriteContext};

/// The most entries the request log may be set to keep.
pub const MAX_REQUEST_LOG_ENTRIES: u64 = 1_000_000;

/// The most calls `apiUsage` may pretend were made: far above any daily allocation a test
/// needs.
pub const MAX_API_USAGE: u64 = 10_000_000;

/// The request log as the admin API shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Requests {
    /// Kept requests by `METHOD /path`.
    pub counts: BTreeMap<String, u64>,
    /// The kept requests, oldest first.
    pub log: Vec<LoggedRequest>,
    /// How many older requests the log let go.
    pub dropped: u64,
}

/// Records loaded through the seeding write path.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    /// (object, Id) of each record created, in load order.
    pub created: Vec<(String, SfId)>,
    /// What the org refused, one line per record.
    pub errors: Vec<String>,
}

impl EmulatorState {
    /// The requests the log keeps, with their counts.
    pub fn requests(&self) -> Requests {
        let log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        let entries: Vec<LoggedRequest> = log.entries().cloned().collect();
        let mut counts: BTreeMap<String, u64> = BTreeMap::new();
        for entry in &entries {
            *counts
                .entry(format!("{} {}", entry.method, entry.path))
                .or_insert(0) += 1;
        }
        Requests {
            counts,
            log: entries,
            dropped: log.dropped(),
        }
    }

    /// Forgets the logged requests.
    pub fn clear_requests(&self) {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    /// Injects the faults of `spec` from the next call on, with fresh counts.
    pub fn set_faults(&self, spec: FaultSpec) {
        *self.faults.lock().unwrap_or_else(|e| e.into_inner()) = Faults::new(spec);
    }

    /// The faults now injected: their SPEC text and how many of each kind were injected.
    pub fn faults(&self) -> Json {
        let faults = self.faults.lock().unwrap_or_else(|e| e.into_inner());
        json!({"spec": faults.spec().text, "injected": faults.injected()})
    }

    /// Advances the emulator clock by `seconds`.
    ///
    /// # Errors
    /// A message when `seconds` is beyond what a date can hold (about 292 million years).
    pub fn advance_clock(&self, seconds: i64) -> Result<(), String> {
        // `Duration::seconds` panics out of range; refuse instead.
        let by = chrono::Duration::try_seconds(seconds).ok_or_else(|| {
            format!(
                "seconds: {seconds} is out of range (at most {} either way)",
                chrono::Duration::MAX.num_seconds()
            )
        })?;
        self.clock.advance(by);
        Ok(())
    }

    /// Sets the integration user's field-level security (`Object.Field` names); describe
    /// counts it as a change.
    pub fn set_fls(&self, hidden: &[String], read_only: &[String]) {
        *self.fls.write().unwrap_or_else(|e| e.into_inner()) = Fls::new(hidden, read_only);
        self.schema_changed_ms
            .store(self.clock.now_ms(), Ordering::Relaxed);
    }

    /// Loads an org file `{"Account":[{...}], ...}` through the seeding write path, as
    /// `--fixtures` does.
    ///
    /// # Errors
    /// A message when the value is not an object of arrays of records.
    pub fn load_records(&self, org: &Json) -> Result<Loaded, String> {
        let fls = Fls::default();
        let ctx = WriteContext {
            now_ms: self.clock.now_ms(),
            user: self.integration_user(),
            fls: &fls,
            seed: true,
            rules: &[],
            locked: &[],
        };
        let mut errors = Vec::new();
        let mut store = self.store.write().unwrap_or_else(|e| e.into_inner());
        let created = load_fixtures(&mut store, &ctx, org, &mut errors);
        // Records loaded before a malformed entry stay, so their accounts' activity dates
        // must be right either way.
        refresh_all_last_activity(&mut store, ctx.now_ms);
        Ok(Loaded {
            created: created?,
            errors,
        })
    }

    /// Changes run-time limits from `{"apiLimit", "tokenLifetimeSeconds",
    /// "longRequestThresholdMs", "longRequestCap", "requestLogEntries", "apiUsage",
    /// "bulkResultPageBytes", "bulkPollSteps", "perAppApiUsage"}`; keys left out keep their
    /// value.
    ///
    /// # Errors
    /// A message naming a value out of range (`requestLogEntries` outside
    /// 1..=[`MAX_REQUEST_LOG_ENTRIES`], `apiUsage` above [`MAX_API_USAGE`]); the limits
    /// before it are applied.
    pub fn apply_settings(&self, settings: &Json) -> Result<(), String> {
        let number = |key: &str| settings.get(key).and_then(Json::as_u64);
        {
            let mut limits = self.settings.write().unwrap_or_else(|e| e.into_inner());
            if let Some(limit) = number("apiLimit") {
                limits.api_limit = limit;
            }
            if let Some(secs) = number("tokenLifetimeSeconds") {
                limits.token_lifetime = Duration::from_secs(secs);
            }
            if let Some(ms) = number("longRequestThresholdMs") {
                limits.long_request_threshold = Duration::from_millis(ms);
            }
            if let Some(cap) = number("longRequestCap") {
                limits.long_request_cap = usize::try_from(cap).unwrap_or(usize::MAX);
            }
            if let Some(bytes) = number("bulkResultPageBytes") {
                if bytes == 0 {
                    return Err("bulkResultPageBytes: 0 is not a page size".to_owned());
                }
                limits.bulk_result_page_bytes = usize::try_from(bytes).unwrap_or(usize::MAX);
            }
            match settings.get("bulkPollSteps") {
                None => {}
                Some(Json::Bool(steps)) => limits.bulk_poll_steps = *steps,
                Some(_) => return Err("bulkPollSteps: true or false".to_owned()),
            }
        }
        if let Some(per_app) = settings.get("perAppApiUsage") {
            self.set_per_app(per_app)?;
        }
        if let Some(entries) = number("requestLogEntries") {
            self.set_request_log_entries(entries)?;
        }
        if let Some(used) = number("apiUsage") {
            self.set_api_usage(used)?;
        }
        Ok(())
    }

    /// `{"appName": "vitals", "limit": 250}` sets the app's own allocation; `null` removes it.
    fn set_per_app(&self, value: &Json) -> Result<(), String> {
        let per_app = match value {
            Json::Null => None,
            Json::Object(map) => {
                let app_name = map
                    .get("appName")
                    .and_then(Json::as_str)
                    .filter(|n| !n.is_empty() && !n.contains([')', ';', ',']))
                    .ok_or("perAppApiUsage.appName: a non-empty name without ) ; or ,")?;
                let limit = map
                    .get("limit")
                    .and_then(Json::as_u64)
                    .ok_or("perAppApiUsage.limit: a whole number")?;
                Some(PerAppLimit {
                    app_name: app_name.to_owned(),
                    limit,
                })
            }
            _ => return Err("perAppApiUsage: an object or null".to_owned()),
        };
        self.settings
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .per_app = per_app;
        Ok(())
    }

    fn set_request_log_entries(&self, entries: u64) -> Result<(), String> {
        if entries == 0 || entries > MAX_REQUEST_LOG_ENTRIES {
            return Err(format!(
                "requestLogEntries: {entries} is outside 1..={MAX_REQUEST_LOG_ENTRIES}"
            ));
        }
        self.log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .set_capacity(usize::try_from(entries).unwrap_or(1));
        Ok(())
    }

    /// Pretends `used` calls were made just now (tests of a nearly spent allocation).
    fn set_api_usage(&self, used: u64) -> Result<(), String> {
        if used > MAX_API_USAGE {
            return Err(format!(
                "apiUsage: {used} is above the emulator's limit of {MAX_API_USAGE}"
            ));
        }
        let now = self.clock.now_ms();
        let mut usage = self.usage.lock().unwrap_or_else(|e| e.into_inner());
        usage.api_calls.clear();
        usage.api_calls.add(now, used);
        Ok(())
    }

    /// A record as the org holds it: every field by API name, as REST JSON values (null
    /// when empty), or `None` when `id` names no record (a record in the recycle bin is
    /// still found, with `IsDeleted` true).
    pub fn record(&self, id: &str) -> Option<Json> {
        let id = SfId::parse(id).ok()?;
        let store = self.store.read().unwrap_or_else(|e| e.into_inner());
        let (index, record) = store.get_any(&id)?;
        let object = store.schema().object_at(index)?;
        let fields = object.fields.iter().enumerate().map(|(at, field)| {
            let value = record
                .value(at)
                .map_or(Json::Null, |v| v.to_json(field.field_type));
            (field.name.clone(), value)
        });
        Some(Json::Object(fields.collect()))
    }

    /// Deletes a record (to the recycle bin, with what an org deletes along with it) through
    /// the write path, as the integration user: a change made behind a client's back.
    ///
    /// # Errors
    /// The org's refusal, as an API delete would get it.
    pub fn delete_record(&self, id: &str) -> Result<(), RecordError> {
        let id =
            SfId::parse(id).map_err(|_| err("MALFORMED_ID", format!("malformed id {id}"), &[]))?;
        self.write_with(self.integration_user(), |store, ctx| {
            write::delete(store, ctx, id)
        })
    }

    /// Live records per object.
    pub fn counts(&self) -> BTreeMap<String, usize> {
        self.store
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .counts()
            .into_iter()
            .collect()
    }

    /// Empties the recycle bin for good (Salesforce's REST API has no call for it; SOAP's
    /// `emptyRecycleBin()` and Apex's `Database.emptyRecycleBin` do it in an org). getDeleted
    /// then reports `earliestDateAvailable` as now for the objects that lost records, so a
    /// client whose watermark is older knows it must resync. Open query cursors are
    /// forgotten, as they point at row positions. Waits for a Composite call in progress.
    ///
    /// # Errors
    /// When a transaction is still open.
    pub async fn purge_recycle_bin(&self) -> Result<usize, String> {
        let _serial = self.composite.lock().await;
        let now = self.clock.now_ms();
        let purged = self
            .store
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .purge_recycle_bin(now)
            .ok_or_else(|| "a transaction is open; purge after it ends".to_owned())?;
        if purged > 0 {
            self.cursors
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clear();
        }
        Ok(purged)
    }

    /// API calls being served now.
    pub fn in_flight(&self) -> usize {
        self.in_flight
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .len()
    }

    /// The generated records the org refused when it was built.
    pub fn load_report(&self) -> Vec<String> {
        self.load_rejections
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}
