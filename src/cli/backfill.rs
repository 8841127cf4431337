//! `vitals backfill`: history records for the past N period ends, computed from the
//! replica's dated records and marked backfilled.
//!
//! Loads the setup (exit 2 on any configuration problem or a bad `--months`), opens the
//! state store, runs `sync::run_backfill` (the sync's run, lease, budget, extraction,
//! outbox and apply, with the backfill plan phase) and prints what it did: the periods, the
//! records planned, written, unchanged and failed (with the record's key and Salesforce's
//! reason). `--dry-run` prints the planned records instead (a table, or `--json`) and
//! writes nothing. Exit codes as `vitals sync` (product-spec 2): 0 success; 1 records
//! failed or the run stopped early (the API budget); 2 bad configuration or arguments; 3
//! Salesforce unreachable or refusing the login.
//!
//! `--now INSTANT` (hidden) is the same test seam as `vitals sync`'s: the run's "now".

use chrono::{DateTime, Utc};
use clap::Args;
use vitals::sync::{self, MAX_BACKFILL_PERIODS, Writes};

use super::common::{
    ConfigArg, Exit, Failure, Setup, open_store, parse_instant, runtime, sync_context,
};
use super::sync::{failure, print_report};

/// The arguments of `vitals backfill`.
#[derive(Debug, Args)]
pub struct BackfillArgs {
    #[command(flatten)]
    pub config: ConfigArg,
    /// How many past period ends to compute, 1 to 120: months with the default
    /// `[scoring] period = "monthly"`, weeks or days when the period is weekly or daily
    /// (product-spec 2: "the past N period ends"). The current period has not ended and is
    /// left to the sync.
    #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = parse_months)]
    pub months: u32,
    /// Print the planned history records and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// With --dry-run: print the plan as JSON instead of a table.
    #[arg(long, requires = "dry_run")]
    pub json: bool,
    /// Test seam: run as of this instant instead of now.
    #[arg(long, hide = true, value_name = "INSTANT", value_parser = parse_instant)]
    pub now: Option<DateTime<Utc>>,
}

/// Reads `--months`: a whole number from 1 to [`MAX_BACKFILL_PERIODS`]. Clap names the
/// argument and its value in front of the message and exits 2.
fn parse_months(text: &str) -> Result<u32, String> {
    let range = format!("a whole number of past periods from 1 to {MAX_BACKFILL_PERIODS}");
    let n: i64 = text
        .trim()
        .parse()
        .map_err(|_| format!("expected {range}"))?;
    if n < 1 {
        return Err(format!(
            "expected {range}; there is no history to compute for {n}"
        ));
    }
    u32::try_from(n)
        .ok()
        .filter(|n| *n <= MAX_BACKFILL_PERIODS)
        .ok_or_else(|| format!("expected {range} (ten years of months)"))
}

/// Runs one backfill and prints its summary (or the plan).
pub fn execute(args: &BackfillArgs) -> Result<Exit, Failure> {
    let setup = Setup::load(&args.config)?;
    let store = open_store(&setup.config.state)?;
    let runtime = runtime()?;
    let ctx = sync_context(setup, store, args.now)?;
    let writes = if args.dry_run {
        Writes::DryRun
    } else {
        Writes::Apply
    };
    match runtime.block_on(sync::run_backfill(&ctx, args.months, writes)) {
        Ok(report) => Ok(print_report(&report, args.json)),
        Err(error) => Err(failure(&error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_is_a_whole_number_of_periods_within_bounds() {
        assert_eq!(parse_months("12"), Ok(12));
        assert_eq!(parse_months("120"), Ok(120));
        for bad in ["0", "-3", "121", "99999999999", "twelve", "1.5"] {
            let message = parse_months(bad).unwrap_err();
            assert!(message.contains("from 1 to 120"), "{bad}: {message}");
        }
    }
}
