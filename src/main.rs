//! The `vitals` command line: parses the arguments, installs tracing, runs one command and
//! maps its outcome to the documented exit codes.
//!
//! Each command lives in its own module under `cli/`; this file holds no command's logic,
//! and it is the only place that installs the tracing subscriber or chooses the exit code.

mod cli;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use cli::common::{ConfigArg, Exit, Failure};

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

#[derive(Debug, Subcommand)]
enum Command {
    /// Start the built-in Salesforce emulator with a generated org and run one full sync against it.
    Demo(cli::demo::DemoArgs),
    /// Run the daemon: scheduled incremental syncs and a nightly full sync.
    Run(ConfigArg),
    /// Run one sync cycle now.
    Sync(cli::sync::SyncArgs),
    /// Preflight: authentication, API version, objects, fields, permissions and limits.
    Check(ConfigArg),
    /// Compute history records for past period ends from dated records.
    Backfill(cli::backfill::BackfillArgs),
    /// Show the score breakdown of one account (Id or exact Name).
    Explain(cli::explain::ExplainArgs),
    /// Serve the Salesforce API emulator alone.
    Emulator(cli::emulator::EmulatorArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();
    match dispatch(cli.command) {
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
