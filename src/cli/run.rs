//! `vitals run`: the daemon, with scheduled incremental syncs and a nightly full sync.
//!
//! Not built yet. It checks the configuration, model and field map like every command that
//! takes `--config`, so an operator can validate a deployment today, then says it is not
//! available and exits 2.

use super::common::{ConfigArg, Exit, Failure, Setup};

/// Checks the setup, then refuses: the daemon arrives with its own issue.
pub fn execute(args: &ConfigArg) -> Result<Exit, Failure> {
    Setup::load(args)?;
    Err(Failure::not_available("run", "the daemon issue"))
}
