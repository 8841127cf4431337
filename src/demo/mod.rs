//! `vitals demo`: Vitals end to end with no org and no setup. The built-in Salesforce
//! emulator serves a generated org on a free loopback port, one full sync scores it and
//! writes back, and a summary tells a CS leader what came of it.
//!
//! [`Demo::start`] builds the org (`emulator::start` with the generator:
//! [`DemoOptions::accounts`] accounts dealt from [`DemoOptions::seed`]), a state store in a
//! temporary directory, and a configuration made in code and validated like a file
//! (`Config::from_toml`: the documented defaults, so the demo runs what `vitals sync` runs),
//! and the [`SyncContext`] over them. [`Demo::sync`] runs the full sync
//! (`sync::run_once`, [`Mode::FULL`]), then one incremental cycle that reads back what it
//! wrote (as the daemon's next cycle would; it plans nothing new on the same day), so the
//! replica, and with it the console and the summary, holds what the org holds. The summary
//! ([`DemoSummary`], `summary.rs`) is read from that replica and the two run reports.
//!
//! **Keeping it running.** `vitals demo --keep-running` hands the daemon
//! (`daemon::serve_on`) [`Demo::context`], [`Demo::console_state`], the `[schedule]` and
//! `[daemon]` sections of [`Demo::config`] and the listener of [`Demo::bind_console`], so the
//! daemon's scheduled cycles, endpoints and console run against the emulator too.
//!
//! The emulator and the sync run on the same clock: the emulator's (it follows the system
//! clock unless [`DemoOptions::clock`] pins it, as the tests do), read through [`OrgClock`].
//! This module handles no signals and installs no tracing; the command does.

mod minimum;
mod summary;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Utc};
use emulator::{DataSource, EmulatorConfig, EmulatorState, MetadataSource, RunningEmulator};
use tokio::net::TcpListener;

use crate::config::{self, Config, ModelRef};
use crate::console::ConsoleState;
use crate::salesforce::retrier::TokioSleeper;
use crate::salesforce::wire::FieldMap;
use crate::salesforce::{Client, ClientSettings, SalesforceError};
use crate::scoring::{Model, ModelError};
use crate::store::{RunTrigger, Store, StoreError};
use crate::sync::{self, Clock, Mode, SyncConfig, SyncContext, SyncError};

pub use minimum::minimum_calls;
pub use summary::{AtRiskAccount, DemoSummary, Portfolio, StatusCount};

/// The demo's org when no `--accounts` is given.
pub const DEFAULT_ACCOUNTS: u32 = 500;
/// The demo's seed when no `--seed` is given.
pub const DEFAULT_SEED: u64 = 1;

/// What org the demo builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoOptions {
    /// Customer accounts in the generated org (about 50 related records each).
    pub accounts: u32,
    /// Seed of the generated org: the same seed gives the same org.
    pub seed: u64,
    /// Pin the emulator's clock (and so the sync's) at this instant; `None` follows the
    /// system clock.
    pub clock: Option<DateTime<Utc>>,
}

impl Default for DemoOptions {
    fn default() -> Self {
        Self {
            accounts: DEFAULT_ACCOUNTS,
            seed: DEFAULT_SEED,
            clock: None,
        }
    }
}

/// Why the demo could not run.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// The emulator could not build the org or bind a port.
    #[error("cannot start the Salesforce emulator: {0}")]
    Emulator(#[from] emulator::StartError),
    /// The temporary directory for the state store could not be made.
    #[error("cannot create a temporary directory for the demo's state store: {0}")]
    TempDir(#[source] std::io::Error),
    /// The configuration the demo builds did not validate (a defect of this build).
    #[error("the demo's built-in configuration is invalid:\n{0}")]
    Config(String),
    /// The scoring model could not be loaded.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// The state store could not be opened or read.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The Salesforce client could not be built.
    #[error(transparent)]
    Client(Box<SalesforceError>),
    /// A sync run failed.
    #[error("the demo's sync failed: {0}")]
    Sync(Box<SyncError>),
    /// The console's port could not be bound or served.
    #[error("cannot serve the console on 127.0.0.1: {0}")]
    Console(#[source] std::io::Error),
    /// A blocking task of the demo stopped unexpectedly.
    #[error("a task of the demo stopped unexpectedly: {0}")]
    Task(String),
}

// Boxed: both are large, and every `Result` of the demo would carry their size.
impl From<SalesforceError> for DemoError {
    fn from(error: SalesforceError) -> Self {
        DemoError::Client(Box::new(error))
    }
}

impl From<SyncError> for DemoError {
    fn from(error: SyncError) -> Self {
        DemoError::Sync(Box::new(error))
    }
}

/// The emulator's clock as the sync's clock, so the sync scores as of the org's "now".
#[derive(Debug, Clone)]
pub struct OrgClock(pub EmulatorState);

impl Clock for OrgClock {
    fn now(&self) -> DateTime<Utc> {
        self.0.clock.now()
    }
}

/// A running demo: the emulator, the state store in its temporary directory, and the sync
/// context over them. Dropping it stops the emulator and removes the directory.
pub struct Demo {
    emulator: RunningEmulator,
    context: SyncContext,
    console: ConsoleState,
    config: Config,
    options: DemoOptions,
    started: Instant,
    // Last, so the store's files are removed after everything that holds them is dropped.
    _dir: tempfile::TempDir,
}

impl std::fmt::Debug for Demo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Demo")
            .field("emulator", &self.emulator.base_url)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Demo {
    /// Builds the generated org, serves it on a free loopback port, and prepares a sync
    /// against it with a fresh state store.
    ///
    /// # Errors
    /// [`DemoError`] when the emulator, the store, the model or the client cannot start.
    pub async fn start(options: DemoOptions) -> Result<Demo, DemoError> {
        let started = Instant::now();
        let emulator = emulator::start(emulator_config(&options), 0).await?;
        let dir = tempfile::Builder::new()
            .prefix("vitals-demo-")
            .tempdir()
            .map_err(DemoError::TempDir)?;
        let config = demo_config(&emulator.base_url, dir.path())?;
        let model = match &config.scoring.model {
            ModelRef::Preset(name) => Model::load_preset(name)?,
            ModelRef::File(path) => Model::from_file(path)?,
        };
        let fields =
            FieldMap::from_config(&config.fields, &model.category_keys()).map_err(|errors| {
                DemoError::Config(config::ConfigErrors(errors).report(&config.file))
            })?;
        let store = Store::open(&config.state)?;
        let client = Client::new(
            ClientSettings::from_config(&config.salesforce),
            Arc::new(TokioSleeper),
        )?;
        let console = ConsoleState::new(store.clone(), model.clone(), config.scoring.period);
        let context = SyncContext::new(
            SyncConfig::from_config(&config),
            store,
            client,
            model,
            fields,
            Arc::new(OrgClock(emulator.state.clone())),
        )
        .with_holder(format!("vitals demo pid {}", std::process::id()));
        Ok(Demo {
            emulator,
            context,
            console,
            config,
            options,
            started,
            _dir: dir,
        })
    }

    /// Runs the full sync and the cycle that reads its writes back, and sums up what the
    /// org now holds.
    ///
    /// # Errors
    /// [`DemoError::Sync`] when a run fails, [`DemoError::Store`] when the replica cannot
    /// be read afterwards. Rows the org refused are not errors: the summary counts them.
    pub async fn sync(&self) -> Result<DemoSummary, DemoError> {
        let full = sync::run_once(&self.context, RunTrigger::Manual, Mode::FULL).await?;
        let read_back =
            sync::run_once(&self.context, RunTrigger::Manual, Mode::INCREMENTAL).await?;
        let store = self.context.store.clone();
        let portfolio = tokio::task::spawn_blocking(move || Portfolio::read(&store))
            .await
            .map_err(|e| DemoError::Task(e.to_string()))??;
        let minimum = minimum_calls(
            &full,
            self.context.client.settings(),
            &self.context.settings,
        );
        Ok(DemoSummary {
            accounts_generated: self.options.accounts,
            seed: self.options.seed,
            portfolio,
            full,
            read_back,
            minimum_calls: minimum,
            wall_seconds: self.started.elapsed().as_secs_f64(),
        })
    }

    /// The emulator's address, `http://127.0.0.1:PORT`.
    pub fn emulator_url(&self) -> &str {
        &self.emulator.base_url
    }

    /// The emulated org, for tests and tools that move its clock or inspect it in-process.
    pub fn emulator(&self) -> &EmulatorState {
        &self.emulator.state
    }

    /// The sync context the demo runs with (its store, client, model and clock), for more
    /// cycles or for the daemon.
    pub fn context(&self) -> &SyncContext {
        &self.context
    }

    /// The configuration the demo made (its `[schedule]` and `[daemon]` sections are the
    /// defaults a daemon started on the demo would use).
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The console over the demo's store, scoring with the demo's model and period.
    pub fn console_state(&self) -> ConsoleState {
        self.console.clone()
    }

    /// Binds a free loopback port for the daemon's endpoints and console.
    ///
    /// # Errors
    /// [`DemoError::Console`] when no port can be bound.
    pub async fn bind_console(&self) -> Result<(TcpListener, SocketAddr), DemoError> {
        let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .map_err(DemoError::Console)?;
        let address = listener.local_addr().map_err(DemoError::Console)?;
        Ok((listener, address))
    }

    /// Stops the emulator and removes the state store.
    pub async fn shutdown(self) {
        let Demo { emulator, _dir, .. } = self;
        emulator.shutdown().await;
    }
}

/// The emulator's configuration: Vitals' metadata (the embedded package), a generated org
/// and the default users, on the given or the system clock.
fn emulator_config(options: &DemoOptions) -> EmulatorConfig {
    EmulatorConfig {
        metadata: MetadataSource::Embedded,
        data: DataSource::Generated {
            accounts: options.accounts,
            seed: options.seed,
        },
        fixed_clock: options.clock,
        ..EmulatorConfig::default()
    }
}

/// The demo's configuration: the emulator's login and a state file in `dir`, every other
/// key at its documented default. It goes through the same validation as a file.
fn demo_config(base_url: &str, dir: &Path) -> Result<Config, DemoError> {
    let mut salesforce = toml::Table::new();
    salesforce.insert("login_url".into(), base_url.into());
    salesforce.insert("auth".into(), "client_credentials".into());
    salesforce.insert(
        "client_id".into(),
        emulator::state::DEFAULT_CLIENT_ID.into(),
    );
    salesforce.insert(
        "client_secret".into(),
        emulator::state::DEFAULT_CLIENT_SECRET.into(),
    );
    let mut state = toml::Table::new();
    state.insert(
        "path".into(),
        dir.join("state.db").to_string_lossy().into_owned().into(),
    );
    let mut table = toml::Table::new();
    table.insert("salesforce".into(), salesforce.into());
    table.insert("state".into(), state.into());
    let text = toml::to_string(&table).map_err(|e| DemoError::Config(e.to_string()))?;
    let file = dir.join("vitals-demo.toml");
    Config::from_toml(&text, &file, std::iter::empty(), FieldMap::check_config)
        .map_err(|errors| DemoError::Config(errors.report(&file)))
}
