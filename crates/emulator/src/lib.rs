//! A Salesforce org on loopback: the REST API, sObject Collections, Composite, Bulk API 2.0
//! and OAuth, served on 127.0.0.1 for tests that must not reach a real org. Vitals' tests,
//! `vitals emulator` and `vitals demo` run against it, and nothing here knows Vitals' client,
//! so it can stand in for an org for any Salesforce integration.
//!
//! # Using it as a test double
//!
//! ```no_run
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! use emulator::{DataSource, EmulatorConfig, faults::FaultSpec};
//!
//! let org = emulator::start(
//!     EmulatorConfig {
//!         // The clock stands still until a test moves it: no test ever sleeps.
//!         fixed_clock: Some(chrono::Utc::now()),
//!         data: DataSource::Generated { accounts: 50, seed: 7 },
//!         ..EmulatorConfig::default()
//!     },
//!     0, // any free port
//! )
//! .await?;
//! // Point the client under test at `org.base_url`; log in with the client-credentials
//! // grant (`state::DEFAULT_CLIENT_ID` / `DEFAULT_CLIENT_SECRET`) or a JWT signed with
//! // `state::TEST_PRIVATE_KEY`. Then arrange and inspect the org in-process:
//! org.state.set_faults(FaultSpec::parse("next=1:503")?);
//! org.state.advance_clock(3600)?;
//! let calls = org.state.requests().counts;
//! assert!(calls.is_empty());
//! org.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! [`start`] serves an org on a port of 127.0.0.1 and returns its URL and its
//! [`EmulatorState`]; [`app`] is the router alone. The same operations are an HTTP admin API
//! under `/_emulator/` ([`admin`]) for clients in other languages, and `vitals emulator`
//! serves an org from the command line.
//!
//! # What is emulated
//!
//! - **OAuth**: JWT bearer (RS256 against a configured certificate), client credentials,
//!   refresh tokens; sessions that time out after inactivity on the emulator clock.
//! - **REST** v31.0 to v67.0: versions, `/limits`, describe (global, basic, object; field-level
//!   security applied; `If-Modified-Since`), `query`/`queryAll` with cursors and
//!   `nextRecordsUrl`, single-record create/read/update/delete and upsert by external Id,
//!   sObject Collections (`allOrNone` with real rollback), Composite (references between
//!   subrequests, `allOrNone`), getUpdated/getDeleted.
//! - **Bulk API 2.0**: ingest jobs (every operation, the CSV dialects, result files) and query
//!   jobs (locators, `maxRecords`, `resultPages`), moving only as they are polled or as the
//!   clock advances.
//! - **The org's rules**: its status codes and error bodies, required fields, restricted
//!   picklists, lengths, references, unique fields, deleted records, the fields an org
//!   derives (`IsClosed`, `EndDate`, `LastActivityDate`, ...), cascade deletes, the daily API
//!   allocation and `Sforce-Limit-Info`, the cap on long-running calls.
//! - **A schema**: the standard objects a customer-success org uses, plus any SFDX metadata
//!   (custom fields, objects, record types, sales processes, standard value sets); Vitals'
//!   own package is embedded at build time.
//! - **Faults** ([`faults`]): 503/500/420 answers, expired sessions, exhausted limits, row
//!   locks, validation rules, connections reset after a commit, latency.
//! - **A generated org** ([`generate`]): a deterministic customer-success book of accounts
//!   with contacts, contracts, opportunities, cases, events and tasks.
//!
//! # What is not
//!
//! SOSL, Apex, triggers, flows, sharing, formula and roll-up values, the Tree, Batch, Graph
//! and UI APIs, Bulk API 1.0, the Streaming and Metadata APIs, multi-currency, and every
//! object outside the schema above. Field-level security is simulated for one integration
//! user. The `emulator` crate's README lists the differences from an org in detail.
//!
//! # Invariants
//!
//! - It binds 127.0.0.1 only.
//! - It depends on no client of Salesforce's API: it writes its own JSON and keeps its own
//!   schema and record Id type ([`id`]), so a misunderstanding of the wire cannot hide on
//!   both sides of a test.
//! - Every timestamp comes from [`clock::Clock`], so tests advance time instead of sleeping.
//! - Every record write goes through [`mod@write`], whatever the door (REST, Collections,
//!   Composite, seeding, Bulk API 2.0 ingest), so validation is the same everywhere.
//! - Bulk jobs move only when polled or when the emulator clock advances
//!   ([`bulk::lifecycle`]), so tests drive them deterministically; jobs that ended are
//!   purged 7 days later.
//! - No request can crash, hang or exhaust it: SOQL nesting and size are capped before the
//!   recursive passes run ([`soql::MAX_NESTING`]), Composite cannot call itself, the request
//!   log is a bounded ring ([`state::RequestLog`]), Bulk uploads are dropped once parsed,
//!   admin values are range-checked, and a call's in-flight entry is a drop guard
//!   ([`server::InFlight`]) so an abandoned call never counts as long-running.
//! - The `drop` fault resets the TCP connection itself ([`server::ConnectionCutter`]), so
//!   the client sees no response at all, whatever the status.
//!
//! # Map
//!
//! Imports run one way, from the router down:
//!
//! - [`server`]: the router, the per-call API layer (version, log, faults, session,
//!   allocation, long-call cap, `Sforce-Limit-Info`) and serving.
//! - Handlers: [`auth`] (OAuth), [`rest`] (REST resources, Composite), [`bulk`] (Bulk API 2.0
//!   over HTTP), [`admin`] (`/_emulator/`). They never import the router or each other.
//! - What handlers share: [`call`] (the call context, parameters, bodies, fallbacks),
//!   [`respond`] (records as JSON), [`execution`] (running a query once, for REST and Bulk
//!   alike), [`control`] (the admin operations).
//! - The org: [`state`] (configuration, shared state, building an org), [`jobs`] (Bulk jobs
//!   as data), [`usage`] (daily allocations), [`mod@write`] + [`checks`] + [`mod@derive`] (the
//!   write path), [`formula`] (evaluating validation rules) over [`store`] + [`value`]
//!   (records) over [`schema`] + [`rule`] + [`standard`] + [`metadata`] (objects, fields and
//!   validation rules as data), [`faults`], [`fls`], [`clock`], [`id`], [`errors`],
//!   [`fastmap`]. Within the org, imports run down that chain, never back up.
//! - Engines: [`soql`] (the SOQL engine), [`generate`] (generated orgs).

pub mod admin;
pub mod auth;
pub mod bulk;
pub mod call;
pub mod checks;
pub mod clock;
pub mod control;
pub mod derive;
pub mod errors;
pub mod execution;
pub mod fastmap;
pub mod faults;
pub mod fls;
pub mod formula;
pub mod generate;
pub mod id;
pub mod jobs;
pub mod metadata;
pub mod respond;
pub mod rest;
pub mod rule;
pub mod schema;
pub mod server;
pub mod soql;
pub mod standard;
pub mod state;
pub mod store;
pub mod usage;
pub mod value;
pub mod write;

pub use server::{RunningEmulator, StartError, app, start, start_with_state};
pub use state::{DataSource, EmulatorConfig, EmulatorState, MetadataSource};
