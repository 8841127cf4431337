//! `/runs` and `/runs/{id}`: what each run did, and the run report an admin reads: every
//! write that failed, with the record, Salesforce's error code and its message.
//!
//! Salesforce's messages may quote field values; they are shown here, on the admin's own
//! console, and never logged.

use chrono::TimeDelta;
use maud::{Markup, html};

use super::layout::{self, Section};
use super::{ConsoleState, OrgLinks, PageError};
use crate::domain::{Outcome, Target, WriteKind};
use crate::store::{Failure, RunId, RunOutcome, RunRecord, RunTrigger};

/// Runs listed on `/runs`.
pub(super) const RUNS_LISTED: usize = 100;
/// Failures listed on a run's page.
pub(super) const FAILURES_LISTED: usize = 1_000;

/// Builds the runs page.
pub(super) fn list_page(state: &ConsoleState) -> Result<Markup, PageError> {
    let runs = state.store.runs(RUNS_LISTED)?;
    let content = html! {
        h1 { "Runs" }
        @if runs.is_empty() {
            p.muted { "No run yet." }
        } @else {
            p.muted { "The latest " (runs.len()) " runs, newest first." }
            table id="runs" {
                thead { tr {
                    th { "Run" } th { "Started" } th { "Trigger" } th { "Outcome" } th.n { "Duration" }
                    th.n { "Accounts scored" } th { "Writes" } th.n { "Failures" } th.n { "API calls used / left" }
                } }
                tbody { @for run in &runs { (row(run)) } }
            }
        }
    };
    Ok(layout::page("Runs", Section::Runs, content))
}

fn row(run: &RunRecord) -> Markup {
    let summary = run.end.as_ref().map(|end| &end.summary);
    html! {
        tr data-run=(run.id.0) {
            td { a href={ "/runs/" (run.id.0) } { "Run " (run.id.0) } }
            td { (layout::instant(run.started_at)) }
            td { (trigger(run.trigger)) }
            td { (outcome(run)) }
            td.n { (duration(run)) }
            td.n { @if let Some(s) = summary { (s.accounts_scored) } }
            td { @if let Some(s) = summary { (writes(&s.written)) } }
            td.n { @if let Some(s) = summary { (s.failures) } }
            td.n { @if let Some(s) = summary { (api_calls(s.api_calls_used, s.api_calls_left)) } }
        }
    }
}

/// Builds one run's page.
pub(super) fn run_page(state: &ConsoleState, id_text: &str) -> Result<Markup, PageError> {
    let missing = || PageError::NotFound(format!("There is no run {id_text}."));
    let id = RunId(id_text.parse::<i64>().map_err(|_| missing())?);
    let run = state.store.run(id)?.ok_or_else(missing)?;
    let failures = state.store.failures(id, FAILURES_LISTED)?;
    let title = format!("Run {}", id.0);
    let content = html! {
        p.muted { a href="/runs" { "Runs" } " / " (title) }
        h1 { (title) }
        (summary(&run))
        h2 { "Failed writes" }
        (failure_table(&state.org, &failures))
    };
    Ok(layout::page(&title, Section::Runs, content))
}

fn summary(run: &RunRecord) -> Markup {
    html! {
        dl.facts id="run-summary" {
            dt { "Trigger" } dd { (trigger(run.trigger)) }
            dt { "Held by" } dd { (run.holder) }
            dt { "Started" } dd { (layout::instant(run.started_at)) }
            dt { "Outcome" } dd { (outcome(run)) }
            dt { "Duration" } dd { (duration(run)) }
            @if let Some(end) = &run.end {
                @let s = &end.summary;
                dt { "Records read" }
                dd {
                    @if s.records_read.is_empty() { "none" }
                    @for (i, (object, count)) in s.records_read.iter().enumerate() {
                        @if i > 0 { ", " } (object.key()) " " (count)
                    }
                }
                dt { "Accounts scored" } dd { (s.accounts_scored) }
                dt { "Status changes" } dd { (s.status_changes) }
                dt { "Writes" } dd { (writes(&s.written)) }
                dt { "Failed writes" } dd { (s.failures) }
                dt { "Records skipped" } dd { (s.skipped_records) " (could not be decoded or attached)" }
                dt { "API calls used / left" } dd { (api_calls(s.api_calls_used, s.api_calls_left)) }
                @if let Some(note) = &s.note { dt { "Note" } dd { (note) } }
            }
        }
    }
}

fn failure_table(org: &OrgLinks, failures: &[Failure]) -> Markup {
    if failures.is_empty() {
        return html! { p.muted id="failures" { "No write failed in this run." } };
    }
    html! {
        @if failures.len() == FAILURES_LISTED {
            p.note { "The first " (FAILURES_LISTED) " failures are listed." }
        }
        table id="failures" {
            thead { tr {
                th { "Record" } th { "Write" } th { "Account" } th { "State" } th.n { "Attempts" }
                th { "Error code" } th { "Message" }
            } }
            tbody {
                @for failure in failures {
                    @for (code, message) in errors(&failure.outcome) {
                        tr data-entry=(failure.entry.0) {
                            td { (target(org, failure)) }
                            td { (kind(failure.kind)) }
                            td { a href={ "/accounts/" (failure.account_id) } { code { (failure.account_id) } } }
                            td { @if failure.rejected { "rejected (final)" } @else { "errored, will retry" } }
                            td.n { (failure.attempts) }
                            td { code { (code) } }
                            td { (message) }
                        }
                    }
                }
            }
        }
    }
}

/// The record a failed write addresses: its Id, linked to the org when known, or the
/// external key of a create.
fn target(org: &OrgLinks, failure: &Failure) -> Markup {
    match &failure.target {
        Target::Id(id) => {
            html! { code { (layout::record(org, failure.kind.object(), *id, id.as_str())) } }
        }
        Target::Key(key) => html! { code { (key) } " " span.muted { "(key)" } },
    }
}

/// The `(code, message)` pairs of a failed outcome: one per error Salesforce gave.
fn errors(outcome: &Outcome) -> Vec<(String, String)> {
    match outcome {
        Outcome::Rejected { errors } if !errors.is_empty() => errors
            .iter()
            .map(|e| {
                let fields = if e.fields.is_empty() {
                    String::new()
                } else {
                    format!(" (fields: {})", e.fields.join(", "))
                };
                (e.code.clone(), format!("{}{fields}", e.message))
            })
            .collect(),
        Outcome::Rejected { .. } => vec![("–".into(), "rejected without an error".into())],
        Outcome::Errored { code, message } => vec![(code.clone(), message.clone())],
        Outcome::Delivered { .. } => vec![("–".into(), "delivered".into())],
    }
}

fn trigger(trigger: RunTrigger) -> &'static str {
    match trigger {
        RunTrigger::Manual => "manual",
        RunTrigger::Startup => "daemon start",
        RunTrigger::Schedule => "schedule",
        RunTrigger::FullSchedule => "full-sync schedule",
        RunTrigger::Backfill => "backfill",
    }
}

fn outcome(run: &RunRecord) -> &'static str {
    match run.end.as_ref().map(|end| end.outcome) {
        Some(RunOutcome::Succeeded) => "succeeded",
        Some(RunOutcome::FailedRecords) => "finished with failed records",
        Some(RunOutcome::Failed) => "failed",
        Some(RunOutcome::Stopped) => "stopped early",
        None => "running, or ended without a record",
    }
}

fn kind(kind: WriteKind) -> &'static str {
    match kind {
        WriteKind::AccountHealth => "account health",
        WriteKind::History => "history",
        WriteKind::Renewal => "renewal",
        WriteKind::RenewalRisk => "renewal risk",
        WriteKind::PlaybookTask => "playbook task",
    }
}

/// Writes per kind, e.g. `account health 12, history 40`.
fn writes(written: &std::collections::BTreeMap<WriteKind, u64>) -> String {
    if written.values().all(|&n| n == 0) {
        return "none".to_owned();
    }
    written
        .iter()
        .filter(|&(_, &n)| n > 0)
        .map(|(k, n)| format!("{} {n}", kind(*k)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn api_calls(used: u64, left: Option<u64>) -> String {
    match left {
        Some(left) => format!("{used} / {left}"),
        None => format!("{used} / unknown"),
    }
}

fn duration(run: &RunRecord) -> String {
    match &run.end {
        Some(end) => span(end.finished_at - run.started_at),
        None => "–".to_owned(),
    }
}

/// A duration for people: `850 ms`, `12.4 s`, `3 min 05 s`.
fn span(delta: TimeDelta) -> String {
    let millis = delta.num_milliseconds().max(0);
    if millis < 1_000 {
        format!("{millis} ms")
    } else if millis < 60_000 {
        format!("{}.{} s", millis / 1_000, (millis % 1_000) / 100)
    } else {
        let seconds = millis / 1_000;
        format!("{} min {:02} s", seconds / 60, seconds % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_say_them() {
        let cases = [
            (850, "850 ms"),
            (12_400, "12.4 s"),
            (185_000, "3 min 05 s"),
            (-5, "0 ms"),
        ];
        for (millis, text) in cases {
            assert_eq!(span(TimeDelta::milliseconds(millis)), text);
        }
    }
}
