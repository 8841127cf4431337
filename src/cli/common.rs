//! What every command shares: how a command ends ([`Exit`], [`Failure`]) and how it loads
//! its configuration, scoring model and field map.
//!
//! Loading is the same for every command that takes `--config`, so that each one checks the
//! whole configuration, `[fields]` against the client's field table included, before it does
//! anything, and reports every problem at once with its key and origin. This module does no
//! command's work and never reads the environment except the `VITALS__*` overrides.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use clap::Args;
use vitals::config::{self, Config, ModelRef, StateConfig};
use vitals::salesforce::retrier::TokioSleeper;
use vitals::salesforce::wire::FieldMap;
use vitals::salesforce::{Client, ClientSettings};
use vitals::scoring::Model;
use vitals::store::{Store, StoreError};
use vitals::sync::{Clock, FixedClock, PausePoint, SyncConfig, SyncContext, SystemClock};

/// Exit codes of product-spec section 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// The run finished and every record succeeded.
    Success = 0,
    /// The run finished, but some records failed (and were reported).
    FailedRecords = 1,
    /// Bad configuration or bad arguments.
    BadInput = 2,
    /// Salesforce could not be reached or refused to authenticate us.
    Unreachable = 3,
}

/// Why a command did not succeed: the exit code and a message for the operator.
#[derive(Debug)]
pub struct Failure {
    /// The exit code.
    pub exit: Exit,
    /// What went wrong, for stderr.
    pub message: String,
}

impl Failure {
    /// Bad configuration or arguments (exit 2).
    pub fn bad_input(message: impl Into<String>) -> Self {
        Self {
            exit: Exit::BadInput,
            message: message.into(),
        }
    }
}

/// The `--config` argument of the commands that need a configuration file.
#[derive(Debug, Args)]
pub struct ConfigArg {
    /// Path to the vitals.toml configuration file.
    #[arg(long, short = 'c', value_name = "FILE")]
    pub config: PathBuf,
}

/// What a command that takes `--config` works with: the configuration, its scoring model
/// and the field map for that model's categories, all checked.
#[derive(Debug)]
pub struct Setup {
    /// The validated configuration.
    pub config: Config,
    /// The scoring model `[scoring] model` names.
    pub model: Model,
    /// The field map of `[fields]` for the model's categories.
    pub fields: FieldMap,
}

impl Setup {
    /// Loads the configuration file, its model and its field map.
    ///
    /// # Errors
    /// Exit 2 with every problem of the first step that has any.
    pub fn load(args: &ConfigArg) -> Result<Self, Failure> {
        let config = load_config(&args.config)?;
        let model = load_model(Some(&config), None)?;
        let fields = field_map(Some(&config), &model)?;
        Ok(Self {
            config,
            model,
            fields,
        })
    }
}

/// Loads and validates the configuration file with the process environment's
/// `VITALS__SECTION__KEY` overrides, `[fields]` checked against the client's field table.
/// On failure the message lists every problem, one per line, each with its key and where
/// its value came from.
pub fn load_config(path: &Path) -> Result<Config, Failure> {
    Config::load(
        path,
        config::process_env(std::env::vars_os()),
        FieldMap::check_config,
    )
    .map_err(|errors| {
        Failure::bad_input(format!(
            "invalid configuration in {}:\n{}",
            path.display(),
            errors.report(path)
        ))
    })
}

/// The scoring model: `explicit` (`--model`) if given, else `[scoring] model` of the
/// configuration, else the default preset. A model with mistakes names every one of them.
pub fn load_model(config: Option<&Config>, explicit: Option<&str>) -> Result<Model, Failure> {
    let loaded = match (explicit, config.map(|c| &c.scoring.model)) {
        (Some(name_or_path), _) => Model::load(name_or_path),
        (None, Some(ModelRef::Preset(name))) => Model::load_preset(name),
        (None, Some(ModelRef::File(path))) => Model::from_file(path),
        (None, None) => Model::load_preset("csm-nine"),
    };
    loaded.map_err(|error| Failure::bad_input(error.to_string()))
}

/// The field map of the configuration for this model's categories; every bad `[fields]`
/// key is named, as configuration problems are.
pub fn field_map(config: Option<&Config>, model: &Model) -> Result<FieldMap, Failure> {
    let Some(config) = config else {
        return Ok(FieldMap::default());
    };
    FieldMap::from_config(&config.fields, &model.category_keys()).map_err(|errors| {
        let errors = config::ConfigErrors(errors);
        Failure::bad_input(format!(
            "invalid configuration in {}:\n{}",
            config.file.display(),
            errors.report(&config.file)
        ))
    })
}

/// A tokio runtime for the commands that talk to Salesforce.
pub fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|error| Failure::bad_input(format!("cannot start the async runtime: {error}")))
}

/// The hidden test seams of the commands that sync (`sync`, `run`), documented in
/// ARCHITECTURE.md: `--pause-at POINT` pauses a run at that point (`vitals: paused at
/// POINT` on stderr), `--now INSTANT` scores as of a fixed instant (the tests' emulator
/// clock stands still).
#[derive(Debug, Args)]
pub struct Seams {
    /// Test seam: pause at this point of the run.
    #[arg(long, hide = true, value_name = "POINT", value_parser = parse_pause)]
    pub pause_at: Option<PausePoint>,
    /// Test seam: score as of this instant instead of now.
    #[arg(long, hide = true, value_name = "INSTANT", value_parser = parse_instant)]
    pub now: Option<DateTime<Utc>>,
}

fn parse_pause(text: &str) -> Result<PausePoint, String> {
    PausePoint::parse(text)
        .ok_or_else(|| format!("{text:?} is not after-enqueue or before-record:<kind>"))
}

pub fn parse_instant(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| format!("{text:?} is not an instant like 2026-03-02T12:00:00Z"))
}

/// Opens the state store `[state]` names; a store that cannot be used is the admin's to
/// fix (exit 2).
pub fn open_store(state: &StateConfig) -> Result<Store, Failure> {
    Store::open(state).map_err(|error| {
        let exit = match error {
            StoreError::Open { .. }
            | StoreError::Corrupt { .. }
            | StoreError::NewerSchema { .. } => Exit::BadInput,
            _ => Exit::FailedRecords,
        };
        Failure {
            exit,
            message: error.to_string(),
        }
    })
}

/// What a sync works with, from a loaded setup and an open store: the client of
/// `[salesforce]`, the system clock (or the `--now` seam's fixed one) and this process
/// as the holder. `vitals sync`, `vitals run` and `vitals backfill` build theirs here.
pub fn sync_context(
    setup: Setup,
    store: Store,
    now: Option<DateTime<Utc>>,
) -> Result<SyncContext, Failure> {
    let Setup {
        config,
        model,
        fields,
    } = setup;
    let client = Client::new(
        ClientSettings::from_config(&config.salesforce),
        Arc::new(TokioSleeper),
    )
    .map_err(|e| Failure::bad_input(e.to_string()))?;
    let clock: Arc<dyn Clock> = match now {
        Some(now) => Arc::new(FixedClock(now)),
        None => Arc::new(SystemClock),
    };
    Ok(SyncContext::new(
        SyncConfig::from_config(&config),
        store,
        client,
        model,
        fields,
        clock,
    )
    .with_holder(holder()))
}

/// Host and process, for the lease and the run records.
fn holder() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "localhost".to_owned());
    format!("{host} pid {}", std::process::id())
}
