//! `vitals sync`: one sync cycle now.
//!
//! Not built yet. It checks the configuration, model and field map like every command that
//! takes `--config`, then says it is not available and exits 2.

use clap::Args;

use super::common::{ConfigArg, Exit, Failure, Setup};

/// The arguments of `vitals sync`.
#[derive(Debug, Args)]
pub struct SyncArgs {
    #[command(flatten)]
    pub config: ConfigArg,
    /// Run once and exit (the default for this command).
    #[arg(long)]
    pub once: bool,
    /// Read everything rather than changes since the last sync.
    #[arg(long)]
    pub full: bool,
    /// Print the planned writes and write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// Checks the setup, then refuses: the sync pipeline arrives with its own issue.
pub fn execute(args: &SyncArgs) -> Result<Exit, Failure> {
    Setup::load(&args.config)?;
    Err(Failure::not_available("sync", "the sync pipeline issue"))
}
