//! The `vitals` command line: parses arguments, installs tracing, runs one command and maps
//! its outcome to the documented exit codes.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use vitals::config::{self, Config};

/// Exit codes of product-spec section 2.
#[expect(
    dead_code,
    reason = "the other codes are returned by commands that land with later issues"
)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Exit {
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
struct Failure {
    exit: Exit,
    message: String,
}

impl Failure {
    fn bad_input(message: impl Into<String>) -> Self {
        Self {
            exit: Exit::BadInput,
            message: message.into(),
        }
    }

    /// A command whose machinery is not built yet. It refuses plainly rather than pretend.
    fn not_available(command: &str, arrives_with: &str) -> Self {
        Self::bad_input(format!(
            "`vitals {command}` is not available in this build yet: it arrives with {arrives_with}"
        ))
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "vitals",
    version,
    about = "Customer-health scores inside your Salesforce org"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Args)]
struct ConfigArg {
    /// Path to the vitals.toml configuration file.
    #[arg(long, short = 'c', value_name = "FILE")]
    config: PathBuf,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start the built-in Salesforce emulator with a generated org and run one full sync against it.
    Demo {
        /// Number of accounts in the generated org.
        #[arg(long, default_value_t = 200)]
        accounts: u32,
        /// Seed of the generated org.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Keep the emulator running after the sync.
        #[arg(long)]
        keep_running: bool,
    },
    /// Run the daemon: scheduled incremental syncs and a nightly full sync.
    Run(ConfigArg),
    /// Run one sync cycle now.
    Sync {
        #[command(flatten)]
        config: ConfigArg,
        /// Run once and exit (the default for this command).
        #[arg(long)]
        once: bool,
        /// Read everything rather than changes since the last sync.
        #[arg(long)]
        full: bool,
        /// Print the planned writes and write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Preflight: authentication, API version, objects, fields, permissions and limits.
    Check(ConfigArg),
    /// Compute history records for past period ends from dated records.
    Backfill {
        #[command(flatten)]
        config: ConfigArg,
        /// How many past period ends to compute.
        #[arg(long)]
        months: u32,
        /// Print the planned writes and write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Show the score breakdown of one account (Id or exact Name).
    Explain {
        /// Path to the vitals.toml configuration file.
        #[arg(long, short = 'c', value_name = "FILE")]
        config: Option<PathBuf>,
        /// Read records from a JSON org file instead of an org.
        #[arg(long, value_name = "FILE")]
        input: Option<PathBuf>,
        /// Account Id (15 or 18 characters) or exact Name.
        account: String,
    },
    /// Serve the Salesforce API emulator alone.
    Emulator {
        /// Port on 127.0.0.1.
        #[arg(long)]
        port: Option<u16>,
        /// Number of accounts in the generated org.
        #[arg(long)]
        accounts: Option<u32>,
        /// Seed of the generated org.
        #[arg(long)]
        seed: Option<u64>,
        /// Load records from a JSON org file instead of generating them.
        #[arg(long, value_name = "FILE")]
        fixtures: Option<PathBuf>,
        /// Fault injection, e.g. `latency=50ms,503=0.1`.
        #[arg(long)]
        faults: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();
    match run(cli.command) {
        Ok(exit) => ExitCode::from(exit as u8),
        Err(failure) => {
            eprintln!("error: {}", failure.message);
            ExitCode::from(failure.exit as u8)
        }
    }
}

/// Installs the tracing subscriber: human-readable lines on stderr, filtered by `RUST_LOG`
/// (default `info`).
fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

fn run(command: Command) -> Result<Exit, Failure> {
    match command {
        Command::Demo { .. } => Err(Failure::not_available("demo", "the demo issue")),
        Command::Run(args) => run_daemon(&args),
        Command::Sync { config, .. } => sync(&config),
        Command::Check(args) => check(&args),
        Command::Backfill { config, .. } => backfill(&config),
        Command::Explain { config, .. } => explain(config.as_deref()),
        Command::Emulator { .. } => Err(Failure::not_available("emulator", "the emulator issue")),
    }
}

/// Loads and validates the configuration file with the process environment's
/// `VITALS__SECTION__KEY` overrides. On failure the message lists every problem, one per
/// line, each with its key and where its value came from.
fn load_config(path: &Path) -> Result<Config, Failure> {
    Config::load(path, config::process_env(std::env::vars_os())).map_err(|errors| {
        Failure::bad_input(format!(
            "invalid configuration in {}:\n{}",
            path.display(),
            errors.report(path)
        ))
    })
}

fn run_daemon(args: &ConfigArg) -> Result<Exit, Failure> {
    let _config = load_config(&args.config)?;
    Err(Failure::not_available("run", "the daemon issue"))
}

fn sync(args: &ConfigArg) -> Result<Exit, Failure> {
    let _config = load_config(&args.config)?;
    Err(Failure::not_available("sync", "the sync pipeline issue"))
}

fn check(args: &ConfigArg) -> Result<Exit, Failure> {
    let _config = load_config(&args.config)?;
    Err(Failure::not_available(
        "check",
        "the Salesforce client issue",
    ))
}

fn backfill(args: &ConfigArg) -> Result<Exit, Failure> {
    let _config = load_config(&args.config)?;
    Err(Failure::not_available(
        "backfill",
        "the sync pipeline issue",
    ))
}

fn explain(config: Option<&Path>) -> Result<Exit, Failure> {
    let _config = config.map(load_config).transpose()?;
    Err(Failure::not_available("explain", "the scoring engine"))
}
