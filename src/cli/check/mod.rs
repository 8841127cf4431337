//! `vitals check`: the configuration, the state store and the describe-based preflight
//! against the configured org, one line per check with its status and, when it fails, its
//! fix.
//!
//! The sections run in order (`config`, then `state`, then `org`) and every check runs
//! whatever the others found, so one pass lists every problem. Exits 0 when no check
//! failed (warnings do not fail it), 1 when one did, 2 when the configuration cannot be
//! loaded, 3 when Salesforce cannot be reached or refuses the login. It reads from the
//! org and the store and changes neither (the state directory gets one probe file, removed
//! at once).

mod config;
mod org;
mod state;

use std::fmt;

use tracing::Instrument;

use super::common::{ConfigArg, Exit, Failure, Setup, runtime};

/// Loads the setup, then checks the configuration, the state store and the org.
pub fn execute(args: &ConfigArg) -> Result<Exit, Failure> {
    let setup = Setup::load(args)?;
    let mut report = Report::default();
    report.section("Configuration", config::lines(&setup));
    // The phases are spans, as in a sync, so a log line says which part of the check it
    // came from.
    let state =
        tracing::info_span!("phase", name = "state").in_scope(|| state::lines(&setup.config.state));
    report.section("State store", state);
    let org_phase = tracing::info_span!("phase", name = "salesforce");
    let org = runtime()?.block_on(org::lines(&setup).instrument(org_phase))?;
    report.section("Salesforce", org.lines);
    org::print_usage(&org.usage, setup.config.salesforce.max_api_share);
    Ok(report.finish())
}

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// It passed.
    Ok,
    /// Vitals runs, with a degradation the operator should know about; does not fail the
    /// check.
    Warning,
    /// Vitals cannot run correctly until it is fixed.
    Error,
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Status::Ok => "ok",
            Status::Warning => "warning",
            Status::Error => "error",
        })
    }
}

/// One check: what it is about, what it found, what else to know, and the fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// How it came out.
    pub status: Status,
    /// What it is about (`state directory /var/lib/vitals`, `Account.Health_Score__c`).
    pub subject: String,
    /// What it found.
    pub detail: String,
    /// Further lines (the configuration's sources, a backup reminder).
    pub notes: Vec<String>,
    /// How to fix it, for a warning or an error.
    pub fix: Option<String>,
}

impl Line {
    /// A passed check.
    pub fn ok(subject: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(Status::Ok, subject, detail, None)
    }

    /// A warning with its fix.
    pub fn warning(
        subject: impl Into<String>,
        detail: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self::new(Status::Warning, subject, detail, Some(fix.into()))
    }

    /// A failed check with its fix.
    pub fn error(
        subject: impl Into<String>,
        detail: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self::new(Status::Error, subject, detail, Some(fix.into()))
    }

    fn new(
        status: Status,
        subject: impl Into<String>,
        detail: impl Into<String>,
        fix: Option<String>,
    ) -> Self {
        Self {
            status,
            subject: subject.into(),
            detail: detail.into(),
            notes: Vec::new(),
            fix,
        }
    }

    /// The same line with a note under it.
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }
}

impl fmt::Display for Line {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.status, self.subject, self.detail)?;
        for note in &self.notes {
            write!(f, "\n  {note}")?;
        }
        if let Some(fix) = &self.fix {
            write!(f, "\n  fix: {fix}")?;
        }
        Ok(())
    }
}

/// The counts so far; lines are printed as each section finishes, so an operator sees the
/// store's verdict before the org's checks (which take a few seconds) come in.
#[derive(Debug, Default)]
struct Report {
    passed: usize,
    warnings: usize,
    errors: usize,
}

impl Report {
    fn section(&mut self, title: &str, lines: Vec<Line>) {
        println!("{title}");
        for line in lines {
            match line.status {
                Status::Ok => self.passed += 1,
                Status::Warning => self.warnings += 1,
                Status::Error => self.errors += 1,
            }
            println!("{line}");
        }
        println!();
    }

    /// Prints the verdict and chooses the exit code.
    fn finish(&self) -> Exit {
        let Self {
            passed,
            warnings,
            errors,
        } = self;
        let total = passed + warnings + errors;
        if *errors == 0 {
            println!(
                "OK: everything Vitals reads and writes is in place: {total} checks, {warnings} warnings (warnings do not fail the check)."
            );
            Exit::Success
        } else {
            println!(
                "{errors} of {total} checks failed, {warnings} warnings (warnings do not fail the check): fix the errors above and run `vitals check` again."
            );
            Exit::FailedRecords
        }
    }
}
