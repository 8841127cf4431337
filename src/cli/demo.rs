//! `vitals demo`: a generated org in the built-in emulator and one full sync against it,
//! with a summary a CS leader understands. No org, no configuration file.
//!
//! The work is `vitals::demo`; this module reads the flags, prints, and with
//! `--keep-running` serves the console until Ctrl-C or SIGTERM. Exit codes as for
//! `vitals sync`: 0 when every write succeeded, 1 when some records failed or anything
//! else stopped the demo.

use clap::Args;
use vitals::daemon::{self, DaemonContext};
use vitals::demo::{DEFAULT_ACCOUNTS, DEFAULT_SEED, Demo, DemoError, DemoOptions, DemoSummary};
use vitals::store::RunOutcome;
use vitals::sync::ErrorClass;

use super::common::{Exit, Failure, runtime};

/// The arguments of `vitals demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Number of accounts in the generated org (about 50 related records each).
    #[arg(long, default_value_t = DEFAULT_ACCOUNTS, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub accounts: u32,
    /// Seed of the generated org: the same seed gives the same org.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    pub seed: u64,
    /// After the sync, keep the emulator and the daemon (its schedules, endpoints and web
    /// console) running and print their addresses, until Ctrl-C.
    #[arg(long)]
    pub keep_running: bool,
}

/// Runs the demo and prints its summary; with `--keep-running`, serves until Ctrl-C.
pub fn execute(args: &DemoArgs) -> Result<Exit, Failure> {
    let options = DemoOptions {
        accounts: args.accounts,
        seed: args.seed,
        clock: None,
    };
    let runtime = runtime()?;
    runtime.block_on(async {
        let demo = Demo::start(options).await.map_err(|e| failure(&e))?;
        let summary = demo.sync().await.map_err(|e| failure(&e))?;
        print!("{}", summary.render());
        if args.keep_running {
            keep_running(&demo).await?;
        }
        demo.shutdown().await;
        Ok(exit(&summary))
    })
}

/// Runs the daemon over the demo's org (its schedules, `/healthz`, `/readyz`, `/metrics` and
/// the console on a free loopback port) beside the emulator, until Ctrl-C or SIGTERM.
async fn keep_running(demo: &Demo) -> Result<(), Failure> {
    let signal = daemon::shutdown_signal().map_err(|e| Failure::bad_input(e.to_string()))?;
    let (listener, address) = demo.bind_console().await.map_err(|e| failure(&e))?;
    println!();
    println!("Keeping the demo running (Ctrl-C stops it):");
    println!("  web console:              http://{address}/");
    println!("  daemon endpoints:         http://{address}/healthz, /readyz, /metrics");
    println!("  Salesforce API emulator:  {}", demo.emulator_url());
    println!(
        "  emulator login:           client credentials {} / {}",
        emulator::state::DEFAULT_CLIENT_ID,
        emulator::state::DEFAULT_CLIENT_SECRET
    );
    let config = demo.config();
    let ctx = DaemonContext::new(
        demo.context().clone(),
        demo.console_state(),
        config.schedule.clone(),
        config.daemon,
    );
    daemon::serve_on(ctx, listener, signal)
        .await
        .map(drop)
        .map_err(|e| Failure::bad_input(e.to_string()))
}

fn exit(summary: &DemoSummary) -> Exit {
    match summary.full.outcome {
        RunOutcome::Succeeded => Exit::Success,
        RunOutcome::FailedRecords | RunOutcome::Stopped | RunOutcome::Failed => Exit::FailedRecords,
    }
}

fn failure(error: &DemoError) -> Failure {
    let exit = match error {
        DemoError::Sync(sync) => match sync.class() {
            ErrorClass::BadInput => Exit::BadInput,
            ErrorClass::Unreachable => Exit::Unreachable,
            ErrorClass::Failed => Exit::FailedRecords,
        },
        _ => Exit::FailedRecords,
    };
    let message = match error {
        DemoError::Sync(sync) => format!("the demo's sync failed: {}", sync.for_report()),
        other => other.to_string(),
    };
    Failure { exit, message }
}
