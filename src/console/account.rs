//! `/accounts/{id}`: one account as a CSM opens it: the health values the org holds, the
//! category breakdown as `vitals explain` computes it, the score-over-time chart from its
//! history records, its open renewal and its open playbook tasks.
//!
//! The breakdown scores the replica's snapshot with the same call as `vitals explain`
//! (`sync::previous::score_as_the_sync_does`), as of the start of the last
//! run that scored, and shows the [`displayed`] numbers, so shares add up to 100 % and
//! points to the overall score shown. Evidence Ids link to their records in the org. It
//! never reads the clock (the instant comes from the run records) and never writes the
//! score it computes anywhere.

use chrono::{DateTime, NaiveDate, Utc};
use maud::{Markup, PreEscaped, html};

use super::layout::{self, Section};
use super::{ConsoleState, OrgLinks, PageError, chart};
use crate::domain::{AccountSnapshot, Opportunity, SfId, SyncedObject, Task};
use crate::scoring::{
    self, AccountScore, CategoryScore, Displayed, from_tenths, num, signed, tenths,
};
use crate::store::{AccountRef, RunRecord, SnapshotLookup};
use crate::sync::previous;

/// The value of `Type` and of the record type's developer name that marks a renewal, as
/// the presets' `renewal_where` reads it.
const RENEWAL: &str = "Renewal";

/// Builds the account page.
pub(super) fn page(state: &ConsoleState, id_text: &str) -> Result<Markup, PageError> {
    let missing = || PageError::NotFound(format!("There is no account {id_text} in the replica."));
    let id = SfId::parse(id_text).map_err(|_| missing())?;
    let SnapshotLookup::Found(snapshot) = state.store.snapshot(&AccountRef::Id(id))? else {
        return Err(missing());
    };
    let run = super::last_scoring_run(&state.store)?;
    let scored = match run {
        Some(run) => {
            let score = score_as_of(state, &snapshot, run.started_at)?;
            Some((run, score))
        }
        None => None,
    };
    let index = RecordIndex::of(&snapshot);
    let links = Links {
        org: &state.org,
        index: &index,
    };
    let as_of = scored.as_ref().map(|(run, _)| run.started_at);
    let content = html! {
        (heading(&snapshot, links))
        (org_values(&snapshot))
        h2 { "Score over time" }
        (chart(state, &snapshot))
        h2 { "Breakdown" }
        @match &scored {
            Some((run, score)) => (breakdown(&snapshot, run, score, links)),
            None => p.note { "No sync has scored accounts yet, so there is no breakdown to show." },
        }
        h2 { "Renewal" }
        (renewals(&snapshot, links))
        h2 { "Open playbook tasks" }
        (tasks(&snapshot, links, as_of))
        h2 { "History records" }
        (history(&snapshot, links))
    };
    Ok(layout::page(
        &snapshot.account.name,
        Section::Accounts,
        content,
    ))
}

/// Scores the snapshot as the sync did at `as_of`, the previous period's stored result
/// standing in for a history record the org lacks, as in the sync.
fn score_as_of(
    state: &ConsoleState,
    snapshot: &AccountSnapshot,
    as_of: DateTime<Utc>,
) -> Result<AccountScore, PageError> {
    let period = state.period;
    let stored = state.store.period_result(
        snapshot.account.id,
        previous::previous_period(period, as_of),
    )?;
    Ok(previous::score_as_the_sync_does(
        snapshot,
        stored,
        &state.model,
        period,
        as_of,
        as_of,
    ))
}

/// Which object each record of the snapshot belongs to, for links to the org.
struct RecordIndex(Vec<(SfId, SyncedObject)>);

impl RecordIndex {
    fn of(snapshot: &AccountSnapshot) -> Self {
        let mut ids = vec![(snapshot.account.id, SyncedObject::Account)];
        ids.extend(
            snapshot
                .contracts
                .iter()
                .map(|r| (r.id, SyncedObject::Contract)),
        );
        ids.extend(snapshot.cases.iter().map(|r| (r.id, SyncedObject::Case)));
        ids.extend(
            snapshot
                .opportunities
                .iter()
                .map(|r| (r.id, SyncedObject::Opportunity)),
        );
        ids.extend(snapshot.events.iter().map(|r| (r.id, SyncedObject::Event)));
        ids.extend(snapshot.tasks.iter().map(|r| (r.id, SyncedObject::Task)));
        ids.extend(
            snapshot
                .history
                .iter()
                .filter_map(|r| Some((r.id?, SyncedObject::History))),
        );
        ids.sort();
        Self(ids)
    }

    fn object(&self, id: SfId) -> Option<SyncedObject> {
        let at = self.0.binary_search_by_key(&id, |(i, _)| *i).ok()?;
        self.0.get(at).map(|(_, object)| *object)
    }
}

/// What a record link needs: the org's address and the snapshot's records.
#[derive(Clone, Copy)]
struct Links<'a> {
    org: &'a OrgLinks,
    index: &'a RecordIndex,
}

impl Links<'_> {
    /// A record of the snapshot, shown as `text`, linked when the org's address is known.
    fn record(self, id: SfId, text: &str) -> Markup {
        match self.index.object(id) {
            Some(object) => layout::record(self.org, object, id, text),
            None => html! { (text) },
        }
    }

    /// A record shown by its Id.
    fn id(self, id: SfId) -> Markup {
        self.record(id, id.as_str())
    }
}

fn heading(snapshot: &AccountSnapshot, links: Links<'_>) -> Markup {
    let account = &snapshot.account;
    html! {
        p.muted { a href="/" { "Accounts" } " / " (account.name) }
        h1 { (account.name) " " (layout::status_badge(account.health.status.as_ref())) }
        p.muted {
            "Account " (links.id(account.id))
            " · owner " @match account.owner_id { Some(owner) => code { (owner) }, None => "none" }
            " · ARR " (layout::money(account.arr))
        }
    }
}

/// The health fields as the org holds them: what a CSM sees on the record.
fn org_values(snapshot: &AccountSnapshot) -> Markup {
    let health = &snapshot.account.health;
    html! {
        dl.facts id="org-values" {
            dt { "Score" } dd { (layout::number(health.score)) }
            dt { "Status" } dd { (layout::status_badge(health.status.as_ref())) " since " (layout::day(health.status_since)) }
            dt { "Trend" } dd { (layout::trend(health.trend.as_ref())) }
            dt { "Change" } dd { (layout::change(health.score_change)) " (previous score " (layout::number(health.previous_score)) ")" }
            dt { "Coverage" } dd { (layout::percent(health.coverage)) }
            dt { "Scored at" } dd { @match health.scored_at { Some(at) => (layout::instant(at)), None => "never" } }
            dt { "Model" } dd { (health.model.as_deref().unwrap_or("–")) }
        }
    }
}

/// The breakdown of the last run's score.
fn breakdown(
    snapshot: &AccountSnapshot,
    run: &RunRecord,
    score: &AccountScore,
    links: Links<'_>,
) -> Markup {
    let shown = scoring::displayed(score);
    html! {
        p {
            "As the last sync computed it: model " code { (score.model) } ", profile "
            code { (score.profile) } " (" (score.profile_reason) "), as of "
            (layout::instant(run.started_at)) " (" a href={ "/runs/" (run.id.0) } { "run " (run.id.0) } ")."
        }
        (disagreement(snapshot, &shown))
        @for flag in score.flags.iter().filter(|f| f.category.is_none()) {
            p.flag { "Flag " code { (flag.code) } " (the account): " (flag.message) }
        }
        (categories(score, &shown, links))
        (verdict(score, &shown))
        (change(score))
        h3 { "Drivers (" code { "Health_Drivers__c" } ")" }
        p style="white-space:pre-line" { (score.drivers) }
        @for diagnostic in &score.diagnostics { p.muted { "Note: " (diagnostic) } }
    }
}

/// A note when the score the org holds is not the one computed: its last write failed,
/// is still waiting, or someone edited the field since.
fn disagreement(snapshot: &AccountSnapshot, shown: &Displayed) -> Markup {
    let held = snapshot.account.health.score;
    if held.map(tenths) == shown.overall.map(tenths) {
        return html! {};
    }
    html! {
        p.note {
            "The org holds a score of " (layout::number(held)) "; the last sync computed "
            (layout::number(shown.overall)) ". They differ until its write reaches the org: see "
            a href="/runs" { "the runs" } " for failed writes."
        }
    }
}

/// One row per category of the model: weight, share, score, points, the reason, its
/// flags and its evidence; then the total.
fn categories(score: &AccountScore, shown: &Displayed, links: Links<'_>) -> Markup {
    html! {
        table id="breakdown" {
            thead { tr {
                th { "Category" } th.n { "Weight" } th.n { "Share" } th.n { "Score" } th.n { "Points" } th { "Why" }
            } }
            tbody {
                @for (category, numbers) in score.categories.iter().zip(&shown.categories) {
                    tr data-category=(category.key) {
                        td { (category.label) }
                        td.n { @if category.in_profile { (num(category.weight)) } @else { "off" } }
                        td.n { @match numbers { Some(n) => { (num(n.share)) "%" }, None => "–" } }
                        td.n { (layout::number(category.score)) }
                        td.n { @match numbers { Some(n) => (num(n.points)), None => "–" } }
                        td {
                            p.reason { (category.reason) }
                            @for flag in &category.flags {
                                p.flag { "Flag " code { (flag.code) } ": " (flag.message) }
                            }
                            @if category.in_profile { (evidence(score, category, links)) }
                        }
                    }
                }
                @if let Some(overall) = shown.overall {
                    tr id="total" {
                        th { "Total" } td {} td.n { (num(shown.total_share())) "%" } td {}
                        td.n { (format!("{overall:.1}")) } td {}
                    }
                }
            }
        }
    }
}

/// The records behind a category, each linked, and the account fields it read.
fn evidence(score: &AccountScore, category: &CategoryScore, links: Links<'_>) -> Markup {
    let fields: Vec<&str> = category
        .fields
        .iter()
        .map(|f| f.strip_prefix("account.").unwrap_or(f))
        .collect();
    html! {
        p.evidence {
            "Evidence: "
            @if category.evidence.is_empty() && fields.is_empty() { "no records on file" }
            @for (i, id) in category.evidence.iter().enumerate() {
                @if i > 0 { ", " }
                span.record { (links.id(*id)) }
            }
            @if !fields.is_empty() {
                @if !category.evidence.is_empty() { "; " }
                "account " (links.id(score.account_id)) ", fields " (fields.join(", "))
            }
        }
    }
}

/// The overall score (or what is missing), status and coverage.
fn verdict(score: &AccountScore, shown: &Displayed) -> Markup {
    html! {
        dl.facts id="verdict" {
            dt { "Overall" }
            dd {
                @match shown.overall {
                    Some(overall) => (format!("{overall:.1}")),
                    None => {
                        "not scored (Insufficient Data); missing:"
                        ul {
                            @for c in score.categories.iter().filter(|c| c.in_profile && c.score.is_none()) {
                                li { (c.label) ": " (c.reason) }
                            }
                        }
                    }
                }
            }
            dt { "Status" }
            dd {
                (layout::status_badge(Some(&score.status)))
                " since " (score.status_since.format("%Y-%m-%d").to_string()) ": " (score.status_reason)
            }
            dt { "Coverage" } dd { (num(score.coverage)) "%" }
        }
    }
}

/// The trend and the change since the previous period, its drivers adding up to it.
fn change(score: &AccountScore) -> Markup {
    let period = score.previous_period.map_or_else(
        || "the previous period".to_owned(),
        |start| format!("the previous period (from {start})"),
    );
    let trend = match (score.change, score.previous_score) {
        (Some(change), Some(previous)) => {
            format!(
                "{}: {} against {} in {period}",
                score.trend,
                signed(change),
                num(previous)
            )
        }
        (None, Some(previous)) => format!(
            "{}: not compared with {} in {period}, too little data this period",
            score.trend,
            num(previous)
        ),
        _ => format!("{}: no score of {period} to compare with", score.trend),
    };
    let rest = score.change.map(|change| {
        let explained: i64 = score.change_drivers.iter().map(|d| tenths(d.impact)).sum();
        tenths(change) - explained
    });
    html! {
        p id="trend" { "Trend: " (trend) }
        @if score.change.is_some() {
            ul id="change" {
                @for driver in &score.change_drivers { li { (driver.text) } }
                @match rest {
                    Some(rest) if rest != 0 => li { "Other categories, weights and rounding: " (signed(from_tenths(rest))) " points" },
                    _ if score.change_drivers.is_empty() => li { "No category moved." },
                    _ => {}
                }
            }
        }
    }
}

/// The score-over-time chart of the history records.
fn chart(state: &ConsoleState, snapshot: &AccountSnapshot) -> Markup {
    let unscored = snapshot
        .history
        .iter()
        .filter(|h| h.score.is_none())
        .count();
    let chart = match chart::score_chart(&snapshot.history, &state.model.bands) {
        Ok(Some(svg)) => html! { div.chart id="score-chart" { (PreEscaped(svg)) } },
        Ok(None) => html! { p.muted { "No history record with a score yet." } },
        Err(error) => {
            tracing::error!(kind = "chart", %error, "The console could not draw a score chart.");
            html! { p.note { "The chart could not be drawn; the records are listed below." } }
        }
    };
    html! {
        (chart)
        @if unscored > 0 {
            p.muted { (unscored) " history record(s) without a score (Insufficient Data) are listed below but not drawn." }
        }
    }
}

/// The history records, oldest first.
fn history(snapshot: &AccountSnapshot, links: Links<'_>) -> Markup {
    html! {
        table id="history" {
            thead { tr {
                th { "Period" } th.n { "Score" } th { "Status" } th.n { "Change" } th.n { "Coverage" } th { "Model" } th { "Record" }
            } }
            tbody {
                @for record in &snapshot.history {
                    tr {
                        td { (layout::day(Some(record.period))) @if record.backfilled { " " span.muted { "(backfilled)" } } }
                        td.n { (layout::number(record.score)) }
                        td { @if record.status.is_some() { (layout::status_badge(record.status.as_ref())) } }
                        td.n { (layout::change(record.score_change)) }
                        td.n { (layout::percent(record.coverage)) }
                        td { (record.model.as_deref().unwrap_or("–")) }
                        td { @if let Some(id) = record.id { (links.id(id)) } }
                    }
                }
            }
        }
    }
}

/// Whether an opportunity is a renewal, as the presets' renewal measure reads it.
fn is_renewal(opportunity: &Opportunity) -> bool {
    opportunity.record_type.as_deref() == Some(RENEWAL)
        || opportunity.opportunity_type.as_deref() == Some(RENEWAL)
}

/// The account's open renewal opportunities, soonest first.
fn renewals(snapshot: &AccountSnapshot, links: Links<'_>) -> Markup {
    let mut open: Vec<&Opportunity> = snapshot
        .opportunities
        .iter()
        .filter(|o| is_renewal(o) && !o.is_closed)
        .collect();
    open.sort_by_key(|o| (o.close_date, o.id));
    if open.is_empty() {
        return html! { p.muted id="renewals" { "No open renewal opportunity." } };
    }
    html! {
        table id="renewals" {
            thead { tr {
                th { "Opportunity" } th { "Stage" } th { "Close date" } th.n { "Amount" } th { "Renewal risk" } th { "Created by" }
            } }
            tbody {
                @for o in open {
                    tr {
                        td { (links.record(o.id, &o.name)) }
                        td { (o.stage_name) }
                        td { (layout::day(Some(o.close_date))) }
                        td.n { (layout::money(o.amount)) }
                        td { @if o.renewal_risk { span.flag { "At risk" } } @else { "No" } }
                        td { @if o.vitals_key.is_some() { "Vitals" } @else { "someone else" } }
                    }
                }
            }
        }
    }
}

/// Whether a task is one of Vitals' playbook tasks.
fn is_playbook_task(task: &Task) -> bool {
    task.playbook.is_some() || task.vitals_key.is_some()
}

/// The account's open playbook tasks, by due date; overdue ones (due before the last
/// run's day) are marked.
fn tasks(snapshot: &AccountSnapshot, links: Links<'_>, as_of: Option<DateTime<Utc>>) -> Markup {
    let mut open: Vec<&Task> = snapshot
        .tasks
        .iter()
        .filter(|t| is_playbook_task(t) && !t.is_closed)
        .collect();
    open.sort_by_key(|t| (t.activity_date.is_none(), t.activity_date, t.id));
    if open.is_empty() {
        return html! { p.muted id="tasks" { "No open playbook task." } };
    }
    let today: Option<NaiveDate> = as_of.map(|at| at.date_naive());
    html! {
        table id="tasks" {
            thead { tr { th { "Task" } th { "Playbook" } th { "Due" } th { "Status" } th { "Priority" } } }
            tbody {
                @for t in open {
                    tr {
                        td { (links.record(t.id, t.subject.as_deref().unwrap_or(t.id.as_str()))) }
                        td { (t.playbook.as_deref().unwrap_or("–")) }
                        td {
                            (layout::day(t.activity_date))
                            @if t.activity_date.zip(today).is_some_and(|(due, day)| due < day) { " " span.flag { "overdue" } }
                        }
                        td { (t.status.as_deref().unwrap_or("–")) }
                        td { (t.priority.as_deref().unwrap_or("–")) }
                    }
                }
            }
        }
    }
}
