//! What every command shares: how a command ends ([`Exit`], [`Failure`]) and how it loads
//! its configuration, scoring model and field map.
//!
//! Loading is the same for every command that takes `--config`, so that each one checks the
//! whole configuration, `[fields]` against the client's field table included, before it does
//! anything, and reports every problem at once with its key and origin. This module does no
//! command's work and never reads the environment except the `VITALS__*` overrides.

use std::path::{Path, PathBuf};

use clap::Args;
use vitals::config::{self, Config, ModelRef};
use vitals::salesforce::wire::FieldMap;
use vitals::scoring::Model;

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

    /// A command whose machinery is not built yet. It refuses plainly rather than pretend.
    pub fn not_available(command: &str, arrives_with: &str) -> Self {
        Self::bad_input(format!(
            "`vitals {command}` is not available in this build yet: it arrives with {arrives_with}"
        ))
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
