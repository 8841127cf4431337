//! `vitals demo`: a generated org in the built-in emulator and one full sync against it.
//!
//! Not built yet: it needs the sync pipeline, and until then it says so and exits 2
//! rather than pretend to run.

use clap::Args;

use super::common::{Exit, Failure};

/// The arguments of `vitals demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Number of accounts in the generated org.
    #[arg(long, default_value_t = 200)]
    pub accounts: u32,
    /// Seed of the generated org.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Keep the emulator running after the sync.
    #[arg(long)]
    pub keep_running: bool,
}

/// Refuses: the demo arrives with its own issue.
pub fn execute(_args: &DemoArgs) -> Result<Exit, Failure> {
    Err(Failure::not_available("demo", "the demo issue"))
}
