//! The `vitals` command line: parses the arguments, installs tracing, runs one command and
//! maps its outcome to the documented exit codes.
//!
//! Each command lives in its own module under `cli/`; this file holds no command's logic,
//! and it is the only place that installs the tracing subscriber, reads `VITALS_LOG_FORMAT`
//! or chooses the exit code.

mod cli;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use tracing_subscriber::fmt::format::JsonFields;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use vitals::logs::JsonLines;
use vitals::progress::{LINE_INTERVAL, Progress};

use cli::common::{ConfigArg, Exit, Failure};

/// The environment variable that chooses the log format when `--log-format` is not given.
const LOG_FORMAT_VAR: &str = "VITALS_LOG_FORMAT";

#[derive(Debug, Parser)]
#[command(
    name = "vitals",
    version,
    about = "Customer-health scores inside your Salesforce org"
)]
struct Cli {
    /// Log lines on stderr: `human` (the default) or `json`, one object per line with the
    /// current spans. Overrides VITALS_LOG_FORMAT; RUST_LOG filters them either way.
    #[arg(long, global = true, value_enum, value_name = "FORMAT")]
    log_format: Option<LogFormat>,
    #[command(subcommand)]
    command: Command,
}

/// How log lines look on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum LogFormat {
    /// Readable lines, coloured on a terminal.
    Human,
    /// One JSON object per line, for a log collector.
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start the built-in Salesforce emulator with a generated org and run one full sync against it.
    Demo(cli::demo::DemoArgs),
    /// Run the daemon: scheduled incremental syncs and a nightly full sync.
    Run(cli::run::RunArgs),
    /// Run one sync cycle now.
    Sync(cli::sync::SyncArgs),
    /// Preflight: authentication, API version, objects, fields, permissions and limits.
    Check(ConfigArg),
    /// Compute history records for the past N period ends from dated records, marked as backfilled.
    Backfill(cli::backfill::BackfillArgs),
    /// Show the score breakdown of one account (Id or exact Name).
    Explain(cli::explain::ExplainArgs),
    /// Serve the Salesforce API emulator alone.
    Emulator(cli::emulator::EmulatorArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let format = match log_format(cli.log_format, std::env::var_os(LOG_FORMAT_VAR)) {
        Ok(format) => format,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(Exit::BadInput as u8);
        }
    };
    init_tracing(format);
    match dispatch(cli.command) {
        Ok(exit) => ExitCode::from(exit as u8),
        Err(failure) => {
            report_failure(format, &failure);
            ExitCode::from(failure.exit as u8)
        }
    }
}

/// The log format: the flag, else the environment variable, else human. The flag wins, so
/// a bad variable does not matter when the flag is given.
fn log_format(
    flag: Option<LogFormat>,
    var: Option<std::ffi::OsString>,
) -> Result<LogFormat, String> {
    if let Some(format) = flag {
        return Ok(format);
    }
    let Some(value) = var else {
        return Ok(LogFormat::Human);
    };
    let text = value.to_string_lossy();
    LogFormat::from_str(text.trim(), true).map_err(|_| {
        format!("{LOG_FORMAT_VAR}={text:?} is not a log format: use human or json (or pass --log-format)")
    })
}

/// Installs the tracing subscriber, filtered by `RUST_LOG` (default `info`), writing to
/// stderr: human lines (coloured only on a terminal) or JSON objects with every span's
/// fields (`sync_run` > `phase` > `sf_request`, see `vitals::logs`). The progress hub travels with
/// it: bars when a person watches stderr in the human form, log lines otherwise.
fn init_tracing(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        // The scheduler crate narrates its own start at info; its warnings are enough.
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tokio_cron_scheduler=warn"));
    let terminal = std::io::stderr().is_terminal();
    let progress = if terminal && format == LogFormat::Human {
        Progress::bars()
    } else {
        Progress::lines(LINE_INTERVAL)
    };
    let writer = progress.log_writer(std::io::stderr);
    let registry = tracing_subscriber::registry().with(filter).with(progress);
    match format {
        LogFormat::Human => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .with_ansi(terminal)
                    .with_writer(writer),
            )
            .init(),
        LogFormat::Json => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .fmt_fields(JsonFields::new())
                    .event_format(JsonLines)
                    .with_writer(writer),
            )
            .init(),
    }
}

/// Tells the operator why the command failed, on stderr: a plain `error:` line, or in the
/// JSON form an object like the log lines', so that every line a collector reads parses.
/// It is written directly rather than logged, so that no `RUST_LOG` filter can hide it.
fn report_failure(format: LogFormat, failure: &Failure) {
    match format {
        LogFormat::Human => eprintln!("error: {}", failure.message),
        LogFormat::Json => {
            let line = serde_json::json!({
                "timestamp": vitals::logs::timestamp(),
                "level": "ERROR",
                "target": "vitals",
                "message": failure.message,
                "exit": failure.exit as u8,
            });
            eprintln!("{line}");
        }
    }
}

/// Runs the command.
fn dispatch(command: Command) -> Result<Exit, Failure> {
    match command {
        Command::Demo(args) => cli::demo::execute(&args),
        Command::Run(args) => cli::run::execute(&args),
        Command::Sync(args) => cli::sync::execute(&args),
        Command::Check(args) => cli::check::execute(&args),
        Command::Backfill(args) => cli::backfill::execute(&args),
        Command::Explain(args) => cli::explain::execute(&args),
        Command::Emulator(args) => cli::emulator::execute(args),
    }
}
