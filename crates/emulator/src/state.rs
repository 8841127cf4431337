//! The emulator's configuration and shared state, and how an org is built from them
//! (schema + metadata, users, record types, then generated or fixture records).
//!
//! Locks: every lock here is a std lock held only for short, synchronous work and never
//! across an `.await`. The store is a `RwLock` so queries run side by side.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value as Json};

use crate::id::SfId;

use super::clock::{Clock, whole_second};
use super::faults::{FaultSpec, Faults};
use super::fls::Fls;
use super::generate::{GenRecord, GenValue, GenerateSpec, generate};
use super::jobs::BulkState;
use super::metadata::{self, MetadataError};
use super::schema::Schema;
use super::standard::standard_schema;
use super::store::{Record, Store};
use super::usage::Usage;
use super::value::Incoming;
use super::value::Value;
use super::write::{Input, WriteContext, WriteFailure, WriteOp, write, write_entries};

/// The consumer key accepted by default.
pub const DEFAULT_CLIENT_ID: &str = "vitals-emulator-client";
/// The consumer secret accepted by default.
pub const DEFAULT_CLIENT_SECRET: &str = "vitals-emulator-secret";
/// The integration user's username (JWT `sub`, client-credentials run-as user).
pub const DEFAULT_USERNAME: &str = "integration@vitals.example";
/// The default port of `vitals emulator`.
pub const DEFAULT_PORT: u16 = 7420;
/// The test-only certificate accepted for JWT assertions by default (fixtures/keys).
pub const TEST_CERTIFICATE: &str = include_str!("../fixtures/keys/test-only.crt");
/// The private key of [`TEST_CERTIFICATE`], for tests that sign JWT assertions. It is
/// public (it is in the repository): never trust its certificate outside a test.
pub const TEST_PRIVATE_KEY: &str = include_str!("../fixtures/keys/test-only.key");

/// A user of the emulated org.
#[derive(Debug, Clone)]
pub struct OrgUser {
    /// Username.
    pub username: String,
    /// Last name.
    pub last_name: String,
    /// Whether the user is active (`inactive_user` otherwise).
    pub active: bool,
    /// Whether the user is pre-approved for the connected app.
    pub approved: bool,
}

/// Where the org's records come from.
#[derive(Debug, Clone)]
pub enum DataSource {
    /// Only users and record types.
    Empty,
    /// The generator (`--accounts N --seed S`).
    Generated {
        /// Number of accounts.
        accounts: u32,
        /// Seed.
        seed: u64,
    },
    /// A JSON org file (`--fixtures FILE`).
    Fixtures(PathBuf),
    /// A JSON org value (tests).
    FixtureJson(Json),
}

/// Where custom metadata comes from.
#[derive(Debug, Clone)]
pub enum MetadataSource {
    /// The files embedded at build time.
    Embedded,
    /// A directory (`--metadata DIR`).
    Dir(PathBuf),
    /// None: a plain org (`--without-metadata`).
    None,
}

/// Everything that shapes an emulated org.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// Accepted consumer key.
    pub client_id: String,
    /// Accepted consumer secret.
    pub client_secret: String,
    /// PEM certificate or public key that verifies JWT assertions.
    pub jwt_certificate: String,
    /// Users; the first is the integration (run-as) user.
    pub users: Vec<OrgUser>,
    /// Session timeout: a token expires after this long without a call (emulator clock).
    pub token_lifetime: Duration,
    /// Daily (rolling 24 h) API request allocation.
    pub api_limit: u64,
    /// A request running at least this long counts as long-running.
    pub long_request_threshold: Duration,
    /// At most this many long-running requests at once.
    pub long_request_cap: usize,
    /// Custom metadata.
    pub metadata: MetadataSource,
    /// Records.
    pub data: DataSource,
    /// Fault injection.
    pub faults: FaultSpec,
    /// Start the clock fixed at this instant (tests); `None` follows the system clock.
    pub fixed_clock: Option<DateTime<Utc>>,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            client_id: DEFAULT_CLIENT_ID.into(),
            client_secret: DEFAULT_CLIENT_SECRET.into(),
            jwt_certificate: TEST_CERTIFICATE.into(),
            users: vec![
                OrgUser {
                    username: DEFAULT_USERNAME.into(),
                    last_name: "Integration".into(),
                    active: true,
                    approved: true,
                },
                OrgUser {
                    username: "unapproved@vitals.example".into(),
                    last_name: "Unapproved".into(),
                    active: true,
                    approved: false,
                },
                OrgUser {
                    username: "inactive@vitals.example".into(),
                    last_name: "Inactive".into(),
                    active: false,
                    approved: true,
                },
            ],
            token_lifetime: Duration::from_secs(2 * 3600),
            api_limit: 100_000,
            long_request_threshold: Duration::from_secs(20),
            long_request_cap: 25,
            metadata: MetadataSource::Embedded,
            data: DataSource::Empty,
            faults: FaultSpec::default(),
            fixed_clock: None,
        }
    }
}

/// Why an org could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The metadata could not be read.
    #[error(transparent)]
    Metadata(#[from] MetadataError),
    /// The fixture file could not be read or is not an org file.
    #[error("fixtures {path}: {message}")]
    Fixtures {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// Records were rejected while loading.
    #[error("{count} records were rejected while loading; first: {first}")]
    Rejected {
        /// How many.
        count: usize,
        /// The first rejection.
        first: String,
    },
}

/// An issued access token.
#[derive(Debug, Clone)]
pub struct Session {
    /// The user.
    pub user: SfId,
    /// When it was issued (emulator clock, ms).
    pub issued_ms: i64,
    /// When it was last used: the session times out after the lifetime of inactivity.
    pub last_used_ms: i64,
    /// API calls made with it.
    pub calls: u64,
}

/// Tokens and refresh tokens.
#[derive(Debug, Default)]
pub struct AuthState {
    /// Access token -> session.
    pub sessions: HashMap<String, Session>,
    /// Refresh token -> user.
    pub refresh_tokens: HashMap<String, SfId>,
    /// Counter that makes tokens unique.
    pub counter: u64,
}

/// One logged request (never the token or Authorization header).
#[derive(Debug, Clone, serde::Serialize)]
pub struct LoggedRequest {
    /// HTTP method.
    pub method: String,
    /// Path.
    pub path: String,
    /// Query string (may be empty).
    pub query: String,
    /// The request body of a REST call (JSON when it parses), never the token endpoint's.
    pub body: Option<serde_json::Value>,
    /// Response status.
    pub status: u16,
}

/// How many requests the log keeps by default: the newest ones; older ones are dropped.
pub const REQUEST_LOG_ENTRIES: usize = 10_000;
/// How many bytes of logged bodies the log keeps at most (the newest entries first).
pub const REQUEST_LOG_BODY_BYTES: usize = 64 * 1024 * 1024;

/// The request log: a ring buffer of the newest requests, bounded both in entries and in
/// body bytes, so a long-running emulator (or a 100 MB Bulk upload) cannot exhaust memory.
#[derive(Debug)]
pub struct RequestLog {
    entries: VecDeque<(LoggedRequest, usize)>,
    capacity: usize,
    body_bytes: usize,
    dropped: u64,
}

impl Default for RequestLog {
    fn default() -> Self {
        Self::new(REQUEST_LOG_ENTRIES)
    }
}

impl RequestLog {
    /// An empty log keeping at most `capacity` entries (at least one).
    pub fn new(capacity: usize) -> Self {
        Self {
            entries: VecDeque::new(),
            capacity: capacity.max(1),
            body_bytes: 0,
            dropped: 0,
        }
    }

    /// Appends an entry whose body took `body_bytes` bytes on the wire, dropping the oldest
    /// entries beyond the limits.
    pub fn push(&mut self, entry: LoggedRequest, body_bytes: usize) {
        self.body_bytes = self.body_bytes.saturating_add(body_bytes);
        self.entries.push_back((entry, body_bytes));
        self.trim();
    }

    fn trim(&mut self) {
        while self.entries.len() > self.capacity
            || (self.body_bytes > REQUEST_LOG_BODY_BYTES && self.entries.len() > 1)
        {
            let Some((_, bytes)) = self.entries.pop_front() else {
                break;
            };
            self.body_bytes = self.body_bytes.saturating_sub(bytes);
            self.dropped = self.dropped.saturating_add(1);
        }
    }

    /// Changes how many entries are kept, trimming at once.
    pub fn set_capacity(&mut self, capacity: usize) {
        self.capacity = capacity.max(1);
        self.trim();
    }

    /// The entries kept, oldest first.
    pub fn entries(&self) -> impl Iterator<Item = &LoggedRequest> {
        self.entries.iter().map(|(entry, _)| entry)
    }

    /// How many entries were dropped to stay within the limits since the last clear.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Forgets every entry (the capacity stays).
    pub fn clear(&mut self) {
        self.entries.clear();
        self.body_bytes = 0;
        self.dropped = 0;
    }
}

/// The settings the admin API may change at run time.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Daily API allocation.
    pub api_limit: u64,
    /// Token lifetime.
    pub token_lifetime: Duration,
    /// Long-request threshold.
    pub long_request_threshold: Duration,
    /// Long-request cap.
    pub long_request_cap: usize,
    /// The connected app's own daily allocation, when set: `Sforce-Limit-Info` then adds
    /// `per-app-api-usage=N/M(appName=NAME)`.
    pub per_app: Option<PerAppLimit>,
    /// Most bytes of CSV in one Bulk API 2.0 query results page
    /// ([`crate::jobs::query::DEFAULT_PAGE_BYTES`] unless set).
    pub bulk_result_page_bytes: usize,
    /// Whether a job-info read moves a Bulk job one step (true unless set): tests drive
    /// jobs by polling a stopped clock. False leaves progress to the clock alone, as in a
    /// real org, where polling more often does not finish a job sooner (the benchmark).
    pub bulk_poll_steps: bool,
}

/// A connected app's own API allocation (salesforce-api.md 2.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PerAppLimit {
    /// The app's name as the header shows it.
    pub app_name: String,
    /// Calls the app may make in 24 hours.
    pub limit: u64,
}

/// An open query cursor: the rows still to serve.
#[derive(Debug, Clone)]
pub struct Cursor {
    /// Object index.
    pub object: usize,
    /// The SOQL text, re-bound for rendering.
    pub soql: String,
    /// Row positions in result order.
    pub rows: Arc<Vec<u32>>,
    /// Next position to serve.
    pub next: usize,
    /// Page size.
    pub batch: usize,
    /// Last use (emulator clock, ms), for expiry.
    pub touched_ms: i64,
    /// When it was last stored, as a sequence number: breaks ties between cursors touched
    /// in the same millisecond (always, on a stopped clock), so eviction takes the least
    /// recently used.
    pub touched_seq: u64,
    /// Whether deleted rows are included (queryAll).
    pub all: bool,
}

/// Everything the handlers share.
#[derive(Debug)]
pub struct Shared {
    /// Configuration the org was built from.
    pub config: EmulatorConfig,
    /// Schema (standard + metadata).
    pub schema: Arc<Schema>,
    /// Records.
    pub store: RwLock<Store>,
    /// The clock.
    pub clock: Clock,
    /// Tokens.
    pub auth: Mutex<AuthState>,
    /// What the org used of its daily allocations (API calls, Bulk batches and jobs).
    /// Lock order: after the Bulk jobs.
    pub usage: Mutex<Usage>,
    /// Faults.
    pub faults: Mutex<Faults>,
    /// Request log (a bounded ring buffer).
    pub log: Mutex<RequestLog>,
    /// Query cursors by locator.
    pub cursors: Mutex<HashMap<String, Cursor>>,
    /// FLS.
    pub fls: RwLock<Fls>,
    /// Requests in flight: id -> start (emulator clock, ms).
    pub in_flight: Mutex<HashMap<u64, i64>>,
    /// Request id counter.
    pub next_request: AtomicU64,
    /// The emulator's own base URL (`http://127.0.0.1:PORT`).
    pub base_url: RwLock<String>,
    /// Run-time settings.
    pub settings: RwLock<Settings>,
    /// When describe last changed (org build or an FLS change), for If-Modified-Since.
    pub schema_changed_ms: std::sync::atomic::AtomicI64,
    /// Serialises Composite calls, whose transactions span several subrequests.
    pub composite: tokio::sync::Mutex<()>,
    /// Generated records the org rejected while loading (object, code, message, fields).
    pub load_rejections: Mutex<Vec<String>>,
    /// Bulk API 2.0 jobs and usage. Lock order: this before the store.
    pub bulk: Mutex<BulkState>,
}

/// The state handed to every handler.
#[derive(Debug, Clone)]
pub struct EmulatorState(pub Arc<Shared>);

impl std::ops::Deref for EmulatorState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl EmulatorState {
    /// Builds an org from `config`: schema, users, record types and records.
    ///
    /// # Errors
    /// [`BuildError`] when metadata or fixtures cannot be read, or records are rejected.
    pub fn build(config: EmulatorConfig) -> Result<Self, BuildError> {
        let mut schema = standard_schema();
        match &config.metadata {
            MetadataSource::Embedded => metadata::apply(&mut schema, &metadata::embedded_files())?,
            MetadataSource::Dir(dir) => metadata::apply(&mut schema, &metadata::read_dir(dir)?)?,
            MetadataSource::None => {}
        }
        let schema = Arc::new(schema);
        let clock = match config.fixed_clock {
            Some(at) => Clock::fixed(at),
            None => Clock::system(),
        };
        let clock_now = clock.now_ms();
        let (store, rejected) = load_org(&config, &schema, clock.now())?;
        let settings = Settings {
            api_limit: config.api_limit,
            token_lifetime: config.token_lifetime,
            long_request_threshold: config.long_request_threshold,
            long_request_cap: config.long_request_cap,
            bulk_result_page_bytes: crate::jobs::query::DEFAULT_PAGE_BYTES,
            bulk_poll_steps: true,
            per_app: None,
        };
        Ok(Self(Arc::new(Shared {
            faults: Mutex::new(Faults::new(config.faults.clone())),
            config,
            schema,
            store: RwLock::new(store),
            clock,
            auth: Mutex::new(AuthState::default()),
            usage: Mutex::new(Usage::default()),
            log: Mutex::new(RequestLog::default()),
            cursors: Mutex::new(HashMap::new()),
            fls: RwLock::new(Fls::default()),
            in_flight: Mutex::new(HashMap::new()),
            next_request: AtomicU64::new(1),
            base_url: RwLock::new(String::new()),
            settings: RwLock::new(settings),
            schema_changed_ms: std::sync::atomic::AtomicI64::new(clock_now),
            composite: tokio::sync::Mutex::new(()),
            load_rejections: Mutex::new(rejected),
            bulk: Mutex::new(BulkState::default()),
        })))
    }

    /// When describe last changed (milliseconds on the emulator clock).
    pub fn schema_built_ms(&self) -> i64 {
        self.schema_changed_ms
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Runs `f` with the store locked for writing and a write context for `user`: the
    /// current FLS, the injected validation rules and the clock's now. Every API write
    /// (REST, Collections, and Bulk ingest) goes through here.
    pub fn write_with<T>(
        &self,
        user: SfId,
        f: impl FnOnce(&mut Store, &WriteContext<'_>) -> T,
    ) -> T {
        let fls = self.fls.read().unwrap_or_else(|e| e.into_inner()).clone();
        let (rules, locked) = {
            let faults = self.faults.lock().unwrap_or_else(|e| e.into_inner());
            (faults.spec().rules.clone(), faults.spec().locked.clone())
        };
        let ctx = WriteContext {
            now_ms: self.clock.now_ms(),
            user,
            fls: &fls,
            seed: false,
            rules: &rules,
            locked: &locked,
        };
        let mut store = self.store.write().unwrap_or_else(|e| e.into_inner());
        f(&mut store, &ctx)
    }

    /// Whether the next record of a call fails UNABLE_TO_LOCK_ROW (the `lock` fault).
    pub fn lock_fault(&self, lock_all: bool) -> bool {
        let mut faults = self.faults.lock().unwrap_or_else(|e| e.into_inner());
        if lock_all {
            faults.count_lock();
            true
        } else {
            faults.lock_record()
        }
    }

    /// The integration user's Id.
    pub fn integration_user(&self) -> SfId {
        user_id(0)
    }

    /// The user with this username, with its index in the configuration.
    pub fn user_by_name(&self, username: &str) -> Option<(SfId, &OrgUser)> {
        self.config
            .users
            .iter()
            .enumerate()
            .find(|(_, u)| u.username.eq_ignore_ascii_case(username))
            .map(|(i, u)| (user_id(i), u))
    }

    /// Rebuilds the org from its configuration and forgets tokens, usage, log, cursors, Bulk
    /// jobs and the in-flight table.
    ///
    /// # Errors
    /// [`BuildError`] as [`EmulatorState::build`].
    pub fn reset(&self) -> Result<(), BuildError> {
        let (store, rejected) = load_org(&self.config, &self.schema, self.clock.now())?;
        *self
            .load_rejections
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = rejected;
        *self.store.write().unwrap_or_else(|e| e.into_inner()) = store;
        *self.auth.lock().unwrap_or_else(|e| e.into_inner()) = AuthState::default();
        *self.usage.lock().unwrap_or_else(|e| e.into_inner()) = Usage::default();
        self.log.lock().unwrap_or_else(|e| e.into_inner()).clear();
        self.cursors
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        *self.faults.lock().unwrap_or_else(|e| e.into_inner()) =
            Faults::new(self.config.faults.clone());
        *self.fls.write().unwrap_or_else(|e| e.into_inner()) = Fls::default();
        // Describe may differ now (FLS is back to none), so If-Modified-Since must not
        // answer 304 for a time before the reset.
        self.schema_changed_ms
            .store(self.clock.now_ms(), std::sync::atomic::Ordering::Relaxed);
        *self.bulk.lock().unwrap_or_else(|e| e.into_inner()) = BulkState::default();
        // Calls still being served drop their own entries when they end; clearing here
        // makes a reset org start with no long-running calls whatever happened before.
        self.in_flight
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        Ok(())
    }
}

/// The Id of the n-th configured user.
pub fn user_id(n: usize) -> SfId {
    SfId::from_parts("005", u64::try_from(n).unwrap_or(0) + 1)
}

fn load_org(
    config: &EmulatorConfig,
    schema: &Arc<Schema>,
    now: DateTime<Utc>,
) -> Result<(Store, Vec<String>), BuildError> {
    let mut store = Store::new(Arc::clone(schema));
    let fls = Fls::default();
    let ctx = WriteContext {
        now_ms: now.timestamp_millis(),
        user: user_id(0),
        fls: &fls,
        seed: true,
        rules: &[],
        locked: &[],
    };
    let mut rejected: Vec<String> = Vec::new();
    seed_users(&config.users, &mut store, &ctx, &mut rejected);
    seed_record_types(schema, &mut store, &ctx);
    load_data(config, schema, now, &mut store, &ctx, &mut rejected)?;
    super::derive::refresh_all_last_activity(&mut store, ctx.now_ms);
    // Records the caller wrote (fixtures) must all load; a generated org keeps what the org
    // accepts and reports the rest, since the emulator is as strict as an org and the
    // generator is not the judge of what the metadata allows.
    let generated = matches!(config.data, DataSource::Generated { .. });
    if let (Some(first), false) = (rejected.first(), generated) {
        return Err(BuildError::Rejected {
            count: rejected.len(),
            first: first.clone(),
        });
    }
    if let Some(first) = rejected.first() {
        tracing::warn!(count = rejected.len(), first = %first, "generated records rejected by the emulated org");
    }
    store.shrink();
    Ok((store, rejected))
}

/// The configured users, the n-th with Id [`user_id`]`(n)`.
fn seed_users(
    users: &[OrgUser],
    store: &mut Store,
    ctx: &WriteContext<'_>,
    rejected: &mut Vec<String>,
) {
    for (n, user) in users.iter().enumerate() {
        let mut body = Map::new();
        body.insert("Id".into(), Json::String(user_id(n).as_str().to_owned()));
        body.insert("Username".into(), Json::String(user.username.clone()));
        body.insert("LastName".into(), Json::String(user.last_name.clone()));
        body.insert("Email".into(), Json::String(user.username.clone()));
        body.insert("IsActive".into(), Json::Bool(user.active));
        seed(store, ctx, "User", &body, rejected);
    }
}

/// RecordType rows mirror the schema's record types so queries and lookups see them.
fn seed_record_types(schema: &Schema, store: &mut Store, ctx: &WriteContext<'_>) {
    let Some(rt_index) = schema.object_index("RecordType") else {
        return;
    };
    let def = schema.object_at(rt_index);
    let set = |record: &mut Record, name: &str, value: Value| {
        if let Some(at) = def.and_then(|d| d.field_index(name)) {
            record.set(at, Some(value));
        }
    };
    for object in schema.objects() {
        for rt in &object.record_types {
            let mut record = Record::new(rt.id);
            for (name, value) in [
                ("Name", rt.label.as_str()),
                ("DeveloperName", rt.developer_name.as_str()),
                ("SobjectType", object.name.as_str()),
            ] {
                set(&mut record, name, Value::Text(Arc::from(value)));
            }
            for (name, value) in [
                ("IsActive", Value::Bool(true)),
                ("CreatedDate", Value::DateTime(whole_second(ctx.now_ms))),
                (
                    "LastModifiedDate",
                    Value::DateTime(whole_second(ctx.now_ms)),
                ),
                ("SystemModstamp", Value::DateTime(whole_second(ctx.now_ms))),
                ("CreatedById", Value::Id(ctx.user)),
                ("LastModifiedById", Value::Id(ctx.user)),
            ] {
                set(&mut record, name, value);
            }
            store.insert(rt_index, record);
        }
    }
}

/// The org's records: none, generated, or fixtures from a file or inline JSON.
fn load_data(
    config: &EmulatorConfig,
    schema: &Arc<Schema>,
    now: DateTime<Utc>,
    store: &mut Store,
    ctx: &WriteContext<'_>,
    rejected: &mut Vec<String>,
) -> Result<(), BuildError> {
    match &config.data {
        DataSource::Empty => {}
        DataSource::Generated { accounts, seed: s } => {
            load_generated(
                &config.users,
                store,
                ctx,
                schema,
                GenerateSpec {
                    accounts: *accounts,
                    seed: *s,
                    now,
                },
                rejected,
            );
        }
        DataSource::Fixtures(path) => load_fixture_file(path, store, ctx, rejected)?,
        DataSource::FixtureJson(json) => {
            load_fixtures(store, ctx, json, rejected).map_err(|message| BuildError::Fixtures {
                path: "(inline)".into(),
                message,
            })?;
        }
    }
    Ok(())
}

fn load_fixture_file(
    path: &Path,
    store: &mut Store,
    ctx: &WriteContext<'_>,
    rejected: &mut Vec<String>,
) -> Result<(), BuildError> {
    let fixtures = |message: String| BuildError::Fixtures {
        path: path.display().to_string(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| fixtures(e.to_string()))?;
    let json: Json = serde_json::from_str(&text).map_err(|e| fixtures(e.to_string()))?;
    load_fixtures(store, ctx, &json, rejected).map_err(fixtures)?;
    Ok(())
}

fn seed(
    store: &mut Store,
    ctx: &WriteContext<'_>,
    object: &str,
    body: &Map<String, Json>,
    rejected: &mut Vec<String>,
) -> Option<SfId> {
    match write(store, ctx, object, WriteOp::Create, body) {
        Ok(written) => Some(written.id),
        Err(WriteFailure::Record(error)) => {
            rejected.push(format!(
                "{object}: {} {} {:?}",
                error.status_code, error.message, error.fields
            ));
            None
        }
        Err(WriteFailure::MultipleMatches(_)) => None,
    }
}

/// Objects in parent-first order for fixture files.
const LOAD_ORDER: &[&str] = &[
    "User",
    "Account",
    "Contact",
    "Contract",
    "Opportunity",
    "Case",
    "Event",
    "Task",
];

/// Loads a JSON org file `{"Account":[{...}], ...}` through the seeding write path.
///
/// # Errors
/// A message when the value is not an object of arrays of objects.
pub fn load_fixtures(
    store: &mut Store,
    ctx: &WriteContext<'_>,
    json: &Json,
    rejected: &mut Vec<String>,
) -> Result<Vec<(String, SfId)>, String> {
    let org = json
        .as_object()
        .ok_or("an org file is a JSON object of arrays")?;
    let mut names: Vec<&String> = org.keys().collect();
    names.sort_by_key(|name| {
        LOAD_ORDER
            .iter()
            .position(|o| o.eq_ignore_ascii_case(name))
            .unwrap_or(LOAD_ORDER.len())
    });
    let mut created = Vec::new();
    for name in names {
        let records = org
            .get(name.as_str())
            .and_then(Json::as_array)
            .ok_or_else(|| format!("{name}: expected an array of records"))?;
        if store.schema().object(name).is_none() {
            return Err(format!("{name}: no such object"));
        }
        for record in records {
            let body = record
                .as_object()
                .ok_or_else(|| format!("{name}: records must be objects"))?;
            if let Some(id) = seed(store, ctx, name, body, rejected) {
                created.push((name.clone(), id));
            }
        }
    }
    Ok(created)
}

fn load_generated(
    config_users: &[OrgUser],
    store: &mut Store,
    ctx: &WriteContext<'_>,
    schema: &Schema,
    spec: GenerateSpec,
    rejected: &mut Vec<String>,
) {
    let mut ids: HashMap<&'static str, Vec<Option<SfId>>> = HashMap::new();
    generate(&spec, |record| {
        // The generator's integration user is the org's own: reuse it rather than clash on
        // its unique Username.
        if let Some(at) = configured_user(config_users, &record) {
            ids.entry(record.object)
                .or_default()
                .push(Some(user_id(at)));
            return;
        }
        // Values go in typed, skipping a JSON round trip, through the same checks.
        let entries: Vec<(&str, Input<'_>)> = record
            .fields
            .iter()
            .map(|(field, value)| {
                let incoming = typed(value, record.object, &ids, schema);
                // A record type arrives by developer name under the relationship's name;
                // the org stores it as RecordTypeId.
                let name = if matches!(value, GenValue::RecordType(_)) {
                    "RecordTypeId"
                } else {
                    field
                };
                (name, Input::Typed(incoming))
            })
            .collect();
        let id = match write_entries(store, ctx, record.object, WriteOp::Create, entries) {
            Ok(written) => Some(written.id),
            Err(WriteFailure::Record(error)) => {
                rejected.push(format!(
                    "{}: {} {} {:?}",
                    record.object, error.status_code, error.message, error.fields
                ));
                None
            }
            Err(WriteFailure::MultipleMatches(_)) => None,
        };
        ids.entry(record.object).or_default().push(id);
    });
}

/// The index of the configured user a generated User record is, by username.
fn configured_user(config_users: &[OrgUser], record: &GenRecord) -> Option<usize> {
    if record.object != "User" {
        return None;
    }
    let name = record.fields.iter().find_map(|(f, v)| match (f, v) {
        (&"Username", GenValue::Text(name)) => Some(name.as_str()),
        _ => None,
    })?;
    config_users
        .iter()
        .position(|u| u.username.eq_ignore_ascii_case(name))
}

/// A generated value as the write path takes it: references by the Ids their records got
/// (null when a record was rejected), record types by developer name.
fn typed(
    value: &GenValue,
    object: &str,
    ids: &HashMap<&'static str, Vec<Option<SfId>>>,
    schema: &Schema,
) -> Incoming {
    match value {
        GenValue::Null => Incoming::Null,
        GenValue::Text(t) => Incoming::Value(Value::Text(Arc::from(t.as_str()))),
        GenValue::Number(n) => Incoming::Value(Value::Number(*n)),
        GenValue::Bool(b) => Incoming::Value(Value::Bool(*b)),
        GenValue::Date(d) => Incoming::Value(Value::Date(*d)),
        GenValue::DateTime(t) => Incoming::Value(Value::DateTime(t.timestamp_millis())),
        GenValue::Ref(r) => ids
            .get(r.object)
            .and_then(|list| list.get(usize::try_from(r.ordinal).unwrap_or(usize::MAX)))
            .copied()
            .flatten()
            .map_or(Incoming::Null, Incoming::Id),
        GenValue::RecordType(developer) => schema
            .object(object)
            .and_then(|o| o.record_type(developer))
            .map_or(Incoming::Null, |rt| Incoming::Id(rt.id)),
    }
}
