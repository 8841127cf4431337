//! `vitals backfill`: history records for past period ends, computed from dated records.
//!
//! Not built yet. It checks the configuration, model and field map like every command that
//! takes `--config`, then says it is not available and exits 2.

use clap::Args;

use super::common::{ConfigArg, Exit, Failure, Setup};

/// The arguments of `vitals backfill`.
#[derive(Debug, Args)]
pub struct BackfillArgs {
    #[command(flatten)]
    pub config: ConfigArg,
    /// How many past period ends to compute.
    #[arg(long)]
    pub months: u32,
    /// Print the planned writes and write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// Checks the setup, then refuses: backfill arrives with the sync pipeline.
pub fn execute(args: &BackfillArgs) -> Result<Exit, Failure> {
    Setup::load(&args.config)?;
    Err(Failure::not_available(
        "backfill",
        "the sync pipeline issue",
    ))
}
