//! `vitals sync`: one sync cycle now, with its summary; `--dry-run` prints the plan instead
//! of writing it.
//!
//! Loads the setup (exit 2 on any configuration problem), opens the state file (exit 2 when
//! it is damaged or written by a newer Vitals), runs `sync::run_once` and prints what the
//! run did. Exit codes (product-spec 2): 0 success; 1 when records failed (after
//! everything else was written) or the run stopped early; 2 bad configuration, a refused
//! state file, or a field the org no longer has; 3 Salesforce unreachable or refusing the
//! login.
//!
//! Two hidden flags are test seams, documented in ARCHITECTURE.md: `--pause-at POINT`
//! prints `vitals: paused at POINT` on stderr at that point of the run and waits to be
//! killed (the crash tests SIGKILL it there), and `--now INSTANT` scores as of a fixed
//! instant instead of the system clock (the tests' emulator runs on a stopped clock).

use std::sync::Arc;

use clap::Args;
use vitals::domain::{Plan, PlannedWrite, Value, WriteKind};
use vitals::store::{RunOutcome, RunTrigger};
use vitals::sync::{self, ErrorClass, Mode, PausePoint, RunReport, SyncError};

pub use super::common::open_store;
use super::common::{ConfigArg, Exit, Failure, Seams, Setup, runtime, sync_context};

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
    /// With --dry-run: print the plan as JSON instead of a table.
    #[arg(long, requires = "dry_run")]
    pub json: bool,
    #[command(flatten)]
    pub seams: Seams,
}

/// Runs one sync cycle and prints its summary (or the plan).
pub fn execute(args: &SyncArgs) -> Result<Exit, Failure> {
    let setup = Setup::load(&args.config)?;
    let store = open_store(&setup.config.state)?;
    let runtime = runtime()?;
    let mut ctx = sync_context(setup, store, args.seams.now)?;
    if let Some(point) = args.seams.pause_at {
        ctx = ctx.with_pause(point, Arc::new(pause_here));
    }
    let mut mode = if args.full {
        Mode::FULL
    } else {
        Mode::INCREMENTAL
    };
    if args.dry_run {
        mode = mode.dry_run();
    }
    let result = runtime.block_on(sync::run_once(&ctx, RunTrigger::Manual, mode));
    match result {
        Ok(report) => Ok(print_report(&report, args.json)),
        Err(error) => Err(failure(&error)),
    }
}

/// The test seam's pause: a marker line on stderr, then wait until killed.
pub fn pause_here(point: PausePoint) {
    eprintln!("vitals: paused at {point}");
    loop {
        std::thread::park();
    }
}

/// The exit of a failed run, with the message an admin reads.
pub fn failure(error: &SyncError) -> Failure {
    Failure {
        exit: match error.class() {
            ErrorClass::BadInput => Exit::BadInput,
            ErrorClass::Unreachable => Exit::Unreachable,
            ErrorClass::Failed => Exit::FailedRecords,
        },
        message: error.for_report(),
    }
}

/// Prints the run's summary, and the plan of a dry run (a table, or JSON on stdout with
/// the summary on stderr); returns the exit.
pub fn print_report(report: &RunReport, json: bool) -> Exit {
    match (&report.plan, json) {
        (Some(plan), true) => {
            // The JSON is the whole of stdout; the summary goes to stderr.
            let text = serde_json::to_string_pretty(&serde_json::json!({
                "run": report.run_id.0,
                "writes": plan.writes,
            }))
            .unwrap_or_else(|_| "{}".to_owned());
            println!("{text}");
            eprint!("{}", report.render());
        }
        (Some(plan), false) => {
            print!("{}", plan_table(plan));
            print!("{}", report.render());
        }
        (None, _) => print!("{}", report.render()),
    }
    match report.outcome {
        RunOutcome::Succeeded => Exit::Success,
        RunOutcome::FailedRecords | RunOutcome::Stopped | RunOutcome::Failed => Exit::FailedRecords,
    }
}

/// The plan as a table per write kind: the account, the record, the fields and why.
pub fn plan_table(plan: &Plan) -> String {
    let mut out = String::new();
    for kind in WriteKind::ALL {
        let writes: Vec<&PlannedWrite> = plan.writes.iter().filter(|w| w.kind == kind).collect();
        if writes.is_empty() {
            continue;
        }
        out.push_str(&format!("{} ({} writes)\n", heading(kind), writes.len()));
        out.push_str(&format!("  {:<18}  {:<40}  FIELDS\n", "ACCOUNT", "RECORD"));
        for write in writes {
            let fields: Vec<String> = write
                .fields
                .iter()
                .map(|(name, value)| format!("{name}={}", shown(value)))
                .collect();
            out.push_str(&format!(
                "  {:<18}  {:<40}  {}\n      why: {}\n",
                write.account_id.as_str(),
                write.target.as_text(),
                fields.join(", "),
                write.reason
            ));
        }
        out.push('\n');
    }
    if plan.writes.is_empty() {
        out.push_str("Nothing to write.\n");
    }
    out
}

fn heading(kind: WriteKind) -> &'static str {
    match kind {
        WriteKind::AccountHealth => "Account health fields (update by Id)",
        WriteKind::History => "Health history (upsert on Key__c)",
        WriteKind::Renewal => "Renewal opportunities (upsert on Vitals_Key__c)",
        WriteKind::RenewalRisk => "Renewal risk flags (update by Id)",
        WriteKind::PlaybookTask => "Playbook tasks (upsert on Vitals_Key__c)",
    }
}

/// A value as the table shows it: long text cut to one readable line.
fn shown(value: &Value) -> String {
    let text = match value {
        Value::Null => "(empty)".to_owned(),
        Value::Text(text) => text.replace('\n', " / "),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Date(d) => d.to_string(),
        Value::DateTime(t) => t.to_rfc3339(),
    };
    const MAX: usize = 60;
    if text.chars().count() > MAX {
        let cut: String = text.chars().take(MAX - 1).collect();
        format!("{cut}…")
    } else {
        text
    }
}
