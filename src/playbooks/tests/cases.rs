//! Table-driven cases: one `check` helper, one line per write in the expectation.
//!
//! Each case starts from the settled sample account (the org already holds what Vitals
//! wrote, so nothing is due), changes what it is about, scores with csm-nine and plans as
//! of 2026-11-26. The expectation is the plan in short lines; `Scope::Actions` leaves the
//! Account health and history writes out (a changed record changes the score, which the
//! cases about playbooks are not about), `Scope::Everything` shows them too.

use crate::domain::{
    CasePriority, ContractStatus, HealthStatus, PlannedWrite, Playbook, SfId, Value, WriteKind,
};
use crate::playbooks::{AccountPlan, KeyState, renewal_key, task_key};

use super::fixture::{
    Given, account_id, ago, at_ago, call, open_case, opportunity, playbook_task, qbr,
};

/// Which writes a case's expectation shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Scope {
    /// Renewals, renewal risk, tasks and skipped tasks.
    Actions,
    /// Every write.
    Everything,
}

struct Case {
    name: &'static str,
    scope: Scope,
    given: fn(&mut Given),
    expect: &'static [&'static str],
}

fn check(case: &Case) {
    let mut given = Given::settled();
    (case.given)(&mut given);
    let (_, plan) = given.plan();
    let got = summary(&plan, case.scope);
    let expect: Vec<String> = case.expect.iter().map(|l| (*l).to_owned()).collect();
    assert_eq!(got, expect, "case {:?}", case.name);
}

/// The plan in short lines.
pub(super) fn summary(plan: &AccountPlan, scope: Scope) -> Vec<String> {
    let mut lines = Vec::new();
    for write in &plan.writes {
        let line = match write.kind {
            WriteKind::AccountHealth | WriteKind::History if scope == Scope::Actions => continue,
            WriteKind::AccountHealth => format!("health: {}", fields(write)),
            WriteKind::History => format!("history {}: {}", write.target.as_text(), fields(write)),
            WriteKind::Renewal => format!("renewal {}: {}", write.target.as_text(), fields(write)),
            WriteKind::RenewalRisk => format!("risk {}: {}", write.target.as_text(), fields(write)),
            WriteKind::PlaybookTask => task_line(write),
        };
        lines.push(line);
    }
    for skipped in &plan.skipped {
        lines.push(format!(
            "skip {}: {}",
            skipped.playbook.unwrap_or("-"),
            skipped.reason
        ));
    }
    lines
}

fn task_line(write: &PlannedWrite) -> String {
    let key = write.target.as_text();
    let mut parts = key.splitn(3, ':');
    let playbook = parts.next().unwrap_or_default();
    let record = parts.next().unwrap_or_default();
    let day = parts.next().unwrap_or_default();
    let show = |name: &str| write.field(name).map(show).unwrap_or_default();
    format!(
        "task {playbook} {}:{day} due {} {}",
        &record[..3],
        show("activity_date"),
        show("priority")
    )
}

/// `name=value` pairs; long texts and Ids shortened.
fn fields(write: &PlannedWrite) -> String {
    write
        .fields
        .iter()
        .map(|(name, value)| match name.as_str() {
            "drivers" | "health_drivers" | "description" => format!("{name}=…"),
            _ => format!("{name}={}", show(value)),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn show(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Text(t) => t.clone(),
        Value::Number(n) => format!("{n}"),
        Value::Bool(b) => format!("{b}"),
        Value::Date(d) => d.to_string(),
        Value::DateTime(t) => t.to_rfc3339(),
    }
}

fn check_all(cases: &[Case]) {
    let mut names = std::collections::BTreeSet::new();
    for case in cases {
        assert!(names.insert(case.name), "duplicate case {:?}", case.name);
        check(case);
    }
}

fn contract_key(given: &Given) -> String {
    let c = given.contract();
    renewal_key(c.id, c.end_date.unwrap())
}

#[test]
fn a_settled_account_writes_nothing() {
    check_all(&[
        Case {
            name: "nothing changed",
            scope: Scope::Everything,
            given: |_| {},
            expect: &[],
        },
        Case {
            name: "a score equal at one decimal is the same",
            scope: Scope::Everything,
            given: |g| g.snapshot.account.health.score = Some(88.64),
            expect: &[],
        },
    ]);
}

#[test]
fn health_review_on_a_band_change_or_a_drop_of_ten_points() {
    check_all(&[
        Case {
            name: "the org shows Monitor, the score is Healthy",
            scope: Scope::Actions,
            given: |g| g.snapshot.account.health.status = Some(HealthStatus::Monitor),
            expect: &["task health-review 001:2026-11-26 due 2026-12-03 Normal"],
        },
        Case {
            name: "a first score is not a band change",
            scope: Scope::Actions,
            given: |g| g.snapshot.account.health.status = None,
            expect: &[],
        },
        Case {
            name: "from Insufficient Data is not a band change",
            scope: Scope::Actions,
            given: |g| g.snapshot.account.health.status = Some(HealthStatus::InsufficientData),
            expect: &[],
        },
        Case {
            name: "a drop of 10.0 points against the previous period's record",
            scope: Scope::Actions,
            given: |g| g.previous_period_above(10.0),
            expect: &["task health-review 001:2026-11-26 due 2026-12-03 Normal"],
        },
        Case {
            name: "a drop of 9.9 points is not enough",
            scope: Scope::Actions,
            given: |g| g.previous_period_above(9.9),
            expect: &[],
        },
        Case {
            name: "a record of an older period is not the previous period's",
            scope: Scope::Actions,
            given: |g| {
                g.previous_period_above(20.0);
                g.snapshot.history.last_mut().unwrap().period = ago(86);
            },
            expect: &[],
        },
        Case {
            name: "the stored result's score alone is not the previous period's score",
            scope: Scope::Actions,
            given: |g| {
                g.previous_flags(&[]);
                g.previous.as_mut().unwrap().score = Some(98.6);
            },
            expect: &[],
        },
    ]);
}

#[test]
fn escalation_when_at_risk_escalated_or_a_survey_is_poor() {
    check_all(&[
        Case {
            name: "became At Risk from Monitor",
            scope: Scope::Actions,
            given: |g| {
                g.only(&[Playbook::Escalation]);
                g.snapshot.account.health.status = Some(HealthStatus::Monitor);
                g.trouble();
            },
            expect: &["task escalation 001:2026-11-26 due 2026-11-27 High"],
        },
        Case {
            name: "already At Risk is not becoming it",
            scope: Scope::Actions,
            given: |g| {
                g.only(&[Playbook::Escalation]);
                g.snapshot.account.health.status = Some(HealthStatus::AtRisk);
                g.trouble();
            },
            expect: &[],
        },
        Case {
            name: "a first score At Risk is not becoming it",
            scope: Scope::Actions,
            given: |g| {
                g.only(&[Playbook::Escalation]);
                g.snapshot.account.health = Default::default();
                g.trouble();
            },
            expect: &[],
        },
        Case {
            name: "an open escalated case",
            scope: Scope::Actions,
            given: |g| {
                let mut case = open_case(7, CasePriority::Low, false);
                case.is_escalated = true;
                g.snapshot.cases.push(case);
            },
            expect: &["task escalation 001:2026-11-26 due 2026-11-27 High"],
        },
        Case {
            name: "a closed escalated case",
            scope: Scope::Actions,
            given: |g| {
                let mut case = open_case(7, CasePriority::Low, false);
                case.is_escalated = true;
                case.is_closed = true;
                case.closed_date = Some(at_ago(2));
                g.snapshot.cases.push(case);
            },
            expect: &[],
        },
        Case {
            name: "a kickoff survey of 2, new this period",
            scope: Scope::Actions,
            given: |g| g.snapshot.account.kickoff_survey_score = Some(2.0),
            expect: &["task escalation 001:2026-11-26 due 2026-11-27 High"],
        },
        Case {
            name: "a survey of 3 is not poor",
            scope: Scope::Actions,
            given: |g| g.snapshot.account.uat_survey_score = Some(3.0),
            expect: &[],
        },
        Case {
            name: "a poor survey flagged last period already",
            scope: Scope::Actions,
            given: |g| {
                g.snapshot.account.kickoff_survey_score = Some(2.0);
                g.previous_flags(&["survey_detractor"]);
            },
            expect: &[],
        },
    ]);
}

#[test]
fn renewal_preparation_ninety_days_before_the_end_once_per_term() {
    check_all(&[
        Case {
            name: "the contract ends in 90 days",
            scope: Scope::Actions,
            given: |g| {
                g.only(&[Playbook::RenewalPreparation]);
                g.contract_ends_in(90);
                with_renewal(g);
            },
            expect: &["task renewal-preparation 800:2027-02-24 due 2026-12-10 Normal"],
        },
        Case {
            name: "the contract ends in 91 days",
            scope: Scope::Actions,
            given: |g| {
                g.only(&[Playbook::RenewalPreparation]);
                g.contract_ends_in(91);
                with_renewal(g);
            },
            expect: &[],
        },
        Case {
            name: "the contract ends in 5 days: due on the end, not after",
            scope: Scope::Actions,
            given: |g| {
                g.only(&[Playbook::RenewalPreparation]);
                g.contract_ends_in(5);
                with_renewal(g);
            },
            expect: &["task renewal-preparation 800:2026-12-01 due 2026-12-01 Normal"],
        },
        Case {
            name: "the contract ended yesterday",
            scope: Scope::Actions,
            given: |g| {
                g.only(&[Playbook::RenewalPreparation]);
                g.contract_ends_in(-1);
            },
            expect: &[],
        },
        Case {
            name: "a draft contract",
            scope: Scope::Actions,
            given: |g| {
                g.only(&[Playbook::RenewalPreparation]);
                g.contract_ends_in(60);
                g.snapshot.contracts[0].status = Some(ContractStatus::Draft);
            },
            expect: &[],
        },
        Case {
            name: "prepared for this term already, months ago",
            scope: Scope::Actions,
            given: |g| {
                g.only(&[Playbook::RenewalPreparation]);
                g.contract_ends_in(60);
                with_renewal(g);
                let c = g.contract();
                let key = task_key(Playbook::RenewalPreparation, c.id, c.end_date.unwrap());
                g.ledger_entry(
                    key,
                    WriteKind::PlaybookTask,
                    Some(Playbook::RenewalPreparation),
                    200,
                    KeyState::Delivered,
                );
            },
            expect: &["skip renewal-preparation: this task was already planned on 2026-05-10"],
        },
    ]);
}

/// Adds a renewal for the account's contract, as a CSM would have created it.
fn with_renewal(g: &mut Given) {
    let end = g.contract().end_date.unwrap();
    let mut renewal = opportunity(50, "Renewal", end, None);
    renewal.contract_id = Some(g.contract().id);
    g.snapshot.opportunities.push(renewal);
}

#[test]
fn renewals_are_created_once_inside_the_window() {
    check_all(&[
        Case {
            name: "the contract ends in 100 days",
            scope: Scope::Actions,
            given: |g| g.contract_ends_in(100),
            expect: &[
                "renewal 800000000000001AAA-2027-03-06: name=Acme Renewal 2027-03-06, stage_name=Early Review, close_date=2027-03-06, amount=120000, owner_id=005000000000001AAA, record_type=Renewal, opportunity_type=Renewal, contract_id=800000000000001AAA, account_id=001000000000001AAA, health_at_creation=83.1, renewal_risk=false",
            ],
        },
        Case {
            name: "the contract ends in 120 days",
            scope: Scope::Actions,
            given: |g| g.contract_ends_in(120),
            expect: &[
                "renewal 800000000000001AAA-2027-03-26: name=Acme Renewal 2027-03-26, stage_name=Early Review, close_date=2027-03-26, amount=120000, owner_id=005000000000001AAA, record_type=Renewal, opportunity_type=Renewal, contract_id=800000000000001AAA, account_id=001000000000001AAA, health_at_creation=83.1, renewal_risk=false",
            ],
        },
        Case {
            name: "the contract ends in 121 days",
            scope: Scope::Actions,
            given: |g| g.contract_ends_in(121),
            expect: &[],
        },
        Case {
            name: "a CSM deleted the renewal Vitals created",
            scope: Scope::Actions,
            given: |g| {
                g.contract_ends_in(100);
                let key = contract_key(g);
                g.ledger_entry(key, WriteKind::Renewal, None, 10, KeyState::Delivered);
            },
            expect: &[],
        },
        Case {
            name: "the org refused the renewal last time: planned again",
            scope: Scope::Actions,
            given: |g| {
                g.contract_ends_in(100);
                g.snapshot.account.arr = None;
                g.snapshot.account.owner_id = None;
                let key = contract_key(g);
                g.ledger_entry(key, WriteKind::Renewal, None, 1, KeyState::Rejected);
            },
            expect: &[
                "renewal 800000000000001AAA-2027-03-06: name=Acme Renewal 2027-03-06, stage_name=Early Review, close_date=2027-03-06, record_type=Renewal, opportunity_type=Renewal, contract_id=800000000000001AAA, account_id=001000000000001AAA, health_at_creation=83.1, renewal_risk=false",
            ],
        },
        Case {
            name: "a CSM's renewal linked to the contract",
            scope: Scope::Actions,
            given: |g| {
                g.contract_ends_in(100);
                with_renewal(g);
                g.snapshot.opportunities[0].close_date = ago(-80);
            },
            expect: &[],
        },
        Case {
            name: "a CSM's open renewal not linked to a contract, closing near the end",
            scope: Scope::Actions,
            given: |g| {
                g.contract_ends_in(100);
                g.snapshot
                    .opportunities
                    .push(opportunity(51, "Renewal", ago(-90), None));
            },
            expect: &[],
        },
        Case {
            // Scoring's renewal readiness, like the planner, leaves the previous term's won
            // renewal out: no renewal for this term at 100 days is one stage behind, 83.1.
            name: "the renewal of the previous term closed before this term started",
            scope: Scope::Actions,
            given: |g| {
                g.contract_ends_in(100);
                g.snapshot.contracts[0].start_date = Some(ago(265));
                let mut old = opportunity(52, "Renewal", ago(270), Some(true));
                old.contract_id = Some(g.contract().id);
                g.snapshot.opportunities.push(old);
            },
            expect: &[
                "renewal 800000000000001AAA-2027-03-06: name=Acme Renewal 2027-03-06, stage_name=Early Review, close_date=2027-03-06, amount=120000, owner_id=005000000000001AAA, record_type=Renewal, opportunity_type=Renewal, contract_id=800000000000001AAA, account_id=001000000000001AAA, health_at_creation=83.1, renewal_risk=false",
            ],
        },
    ]);
}

#[test]
fn renewal_risk_follows_the_status_on_vitals_open_renewals_only() {
    check_all(&[
        Case {
            name: "the account is At Risk",
            scope: Scope::Actions,
            given: |g| {
                g.only(&[]);
                g.trouble();
                vitals_renewal(g, false, false);
            },
            expect: &["risk 006000000000006AAA: renewal_risk=true"],
        },
        Case {
            name: "the account is no longer At Risk",
            scope: Scope::Actions,
            given: |g| vitals_renewal(g, true, false),
            expect: &["risk 006000000000006AAA: renewal_risk=false"],
        },
        Case {
            name: "already set",
            scope: Scope::Actions,
            given: |g| {
                g.only(&[]);
                g.trouble();
                vitals_renewal(g, true, false);
            },
            expect: &[],
        },
        Case {
            name: "a closed renewal is left alone",
            scope: Scope::Actions,
            given: |g| vitals_renewal(g, true, true),
            expect: &[],
        },
        Case {
            name: "a CSM's renewal is left alone",
            scope: Scope::Actions,
            given: |g| {
                vitals_renewal(g, true, false);
                g.snapshot.opportunities[0].vitals_key = None;
            },
            expect: &[],
        },
    ]);
}

/// Adds a renewal Vitals created for a contract ending in 200 days.
fn vitals_renewal(g: &mut Given, risk: bool, closed: bool) {
    let mut renewal = opportunity(6, "Renewal", ago(-200), closed.then_some(false));
    renewal.contract_id = Some(SfId::from_parts("800", 6));
    renewal.vitals_key = Some(renewal_key(SfId::from_parts("800", 6), ago(-200)));
    renewal.renewal_risk = risk;
    g.snapshot.opportunities.push(renewal);
}

#[test]
fn low_engagement_when_underutilised_two_periods_running() {
    check_all(&[
        Case {
            name: "underutilised now and last period",
            scope: Scope::Actions,
            given: |g| {
                g.snapshot.account.active_users = Some(20.0);
                g.previous_flags(&["underutilisation"]);
            },
            expect: &["task low-engagement 001:2026-11-26 due 2026-12-10 Normal"],
        },
        Case {
            name: "underutilised now only",
            scope: Scope::Actions,
            given: |g| {
                g.snapshot.account.active_users = Some(20.0);
                g.previous_flags(&[]);
            },
            expect: &[],
        },
        Case {
            name: "underutilised now, the previous period unknown",
            scope: Scope::Actions,
            given: |g| g.snapshot.account.active_users = Some(20.0),
            expect: &[],
        },
        Case {
            name: "underutilised last period, 25 % now is not below 25 %",
            scope: Scope::Actions,
            given: |g| {
                g.snapshot.account.active_users = Some(25.0);
                g.previous_flags(&["underutilisation"]);
            },
            expect: &[],
        },
    ]);
}

#[test]
fn expansion_above_ninety_percent_or_more_users_than_seats() {
    check_all(&[
        Case {
            name: "91 of 100 seats",
            scope: Scope::Actions,
            given: |g| g.snapshot.account.active_users = Some(91.0),
            expect: &["task expansion 001:2026-11-26 due 2026-12-10 Normal"],
        },
        Case {
            name: "90 of 100 seats",
            scope: Scope::Actions,
            given: |g| g.snapshot.account.active_users = Some(90.0),
            expect: &[],
        },
        Case {
            name: "120 users on 100 seats",
            scope: Scope::Actions,
            given: |g| g.snapshot.account.active_users = Some(120.0),
            expect: &["task expansion 001:2026-11-26 due 2026-12-10 Normal"],
        },
        Case {
            name: "seats unknown",
            scope: Scope::Actions,
            given: |g| g.snapshot.account.license_seats = None,
            expect: &[],
        },
    ]);
}

#[test]
fn onboarding_after_a_new_business_deal_once_per_deal() {
    check_all(&[
        Case {
            name: "won 30 days ago",
            scope: Scope::Actions,
            given: |g| {
                let deal = opportunity(70, "New Business", ago(30), Some(true));
                g.snapshot.opportunities.push(deal);
            },
            expect: &["task onboarding 006:2026-10-27 due 2026-12-03 Normal"],
        },
        Case {
            name: "won 31 days ago",
            scope: Scope::Actions,
            given: |g| {
                let deal = opportunity(70, "New Business", ago(31), Some(true));
                g.snapshot.opportunities.push(deal);
            },
            expect: &[],
        },
        Case {
            name: "lost",
            scope: Scope::Actions,
            given: |g| {
                let deal = opportunity(70, "New Business", ago(3), Some(false));
                g.snapshot.opportunities.push(deal);
            },
            expect: &[],
        },
        Case {
            name: "an expansion deal is not new business",
            scope: Scope::Actions,
            given: |g| {
                let deal = opportunity(70, "Existing Business", ago(3), Some(true));
                g.snapshot.opportunities.push(deal);
            },
            expect: &[],
        },
        Case {
            name: "onboarding planned for this deal already, the task since deleted",
            scope: Scope::Actions,
            given: |g| {
                let deal = opportunity(70, "New Business", ago(3), Some(true));
                let key = task_key(Playbook::Onboarding, deal.id, deal.close_date);
                g.snapshot.opportunities.push(deal);
                g.ledger_entry(
                    key,
                    WriteKind::PlaybookTask,
                    Some(Playbook::Onboarding),
                    2,
                    KeyState::Delivered,
                );
            },
            expect: &["skip onboarding: this task was already planned on 2026-11-24"],
        },
    ]);
}

#[test]
fn qbr_cadence_for_top_tier_accounts_without_a_qbr_in_ninety_days() {
    check_all(&[
        Case {
            name: "the last QBR 90 days ago",
            scope: Scope::Actions,
            given: |g| g.snapshot.events = vec![qbr(80, 90)],
            expect: &[],
        },
        Case {
            name: "the last QBR 91 days ago",
            scope: Scope::Actions,
            given: |g| g.snapshot.events = vec![qbr(80, 91)],
            expect: &["task qbr-cadence 001:2026-11-26 due 2026-12-10 Normal"],
        },
        Case {
            name: "no QBR ever, ARR exactly at the threshold",
            scope: Scope::Actions,
            given: |g| {
                g.snapshot.events.clear();
                g.snapshot.account.arr = Some(100_000.0);
            },
            expect: &["task qbr-cadence 001:2026-11-26 due 2026-12-10 Normal"],
        },
        Case {
            name: "no QBR ever, ARR below the top two tiers",
            scope: Scope::Actions,
            given: |g| {
                g.snapshot.events.clear();
                g.snapshot.account.arr = Some(99_999.0);
            },
            expect: &[],
        },
        Case {
            name: "a QBR Vitals created does not count",
            scope: Scope::Actions,
            given: |g| {
                g.only(&[Playbook::QbrCadence]);
                let mut own = qbr(80, 10);
                own.playbook = Some("qbr-cadence".into());
                g.snapshot.events = vec![own];
            },
            expect: &["task qbr-cadence 001:2026-11-26 due 2026-12-10 Normal"],
        },
        Case {
            name: "a QBR planned for next week is not held yet",
            scope: Scope::Actions,
            given: |g| {
                g.only(&[Playbook::QbrCadence]);
                g.snapshot.events = vec![qbr(80, 100), qbr(81, -7)];
            },
            expect: &["task qbr-cadence 001:2026-11-26 due 2026-12-10 Normal"],
        },
    ]);
}

#[test]
fn re_engagement_after_forty_five_days_without_customer_contact() {
    check_all(&[
        Case {
            name: "the last contact 44 days ago",
            scope: Scope::Actions,
            given: |g| silent_since(g, 44),
            expect: &[],
        },
        Case {
            name: "the last contact 45 days ago",
            scope: Scope::Actions,
            given: |g| silent_since(g, 45),
            expect: &[],
        },
        Case {
            name: "the last contact 46 days ago",
            scope: Scope::Actions,
            given: |g| silent_since(g, 46),
            expect: &["task re-engagement 001:2026-11-26 due 2026-12-03 Normal"],
        },
        Case {
            name: "a Vitals task completed yesterday is not contact",
            scope: Scope::Actions,
            given: |g| {
                silent_since(g, 60);
                g.snapshot
                    .tasks
                    .push(playbook_task(90, Playbook::HealthReview, 1, true));
            },
            expect: &["task re-engagement 001:2026-11-26 due 2026-12-03 Normal"],
        },
    ]);
}

/// The account's only contact is a call `days` days ago; only re-engagement is enabled.
fn silent_since(g: &mut Given, days: i64) {
    g.only(&[Playbook::ReEngagement]);
    g.snapshot.events.clear();
    g.snapshot.tasks = vec![call(85, days)];
}

#[test]
fn a_cool_down_holds_back_a_playbook_closed_or_deleted() {
    check_all(&[
        Case {
            name: "planned 29 days ago, deleted since",
            scope: Scope::Actions,
            given: |g| {
                silent_since(g, 60);
                let key = task_key(Playbook::ReEngagement, account_id(), ago(29));
                g.ledger_entry(
                    key,
                    WriteKind::PlaybookTask,
                    Some(Playbook::ReEngagement),
                    29,
                    KeyState::Delivered,
                );
            },
            expect: &[
                "skip re-engagement: the playbook planned a task on 2026-10-28, within its 30-day cool-down",
            ],
        },
        Case {
            name: "planned 30 days ago",
            scope: Scope::Actions,
            given: |g| {
                silent_since(g, 60);
                let key = task_key(Playbook::ReEngagement, account_id(), ago(30));
                g.ledger_entry(
                    key,
                    WriteKind::PlaybookTask,
                    Some(Playbook::ReEngagement),
                    30,
                    KeyState::Delivered,
                );
            },
            expect: &["task re-engagement 001:2026-11-26 due 2026-12-03 Normal"],
        },
        Case {
            name: "refused by the org 5 days ago",
            scope: Scope::Actions,
            given: |g| {
                silent_since(g, 60);
                let key = task_key(Playbook::ReEngagement, account_id(), ago(5));
                g.ledger_entry(
                    key,
                    WriteKind::PlaybookTask,
                    Some(Playbook::ReEngagement),
                    5,
                    KeyState::Rejected,
                );
            },
            expect: &["task re-engagement 001:2026-11-26 due 2026-12-03 Normal"],
        },
        Case {
            name: "closed by the CSM, created 10 days ago",
            scope: Scope::Actions,
            given: |g| {
                silent_since(g, 60);
                g.snapshot
                    .tasks
                    .push(playbook_task(9, Playbook::ReEngagement, 10, true));
            },
            expect: &[
                "skip re-engagement: the playbook's task 00T000000000009EAA was created on 2026-11-16, within its 30-day cool-down",
            ],
        },
        Case {
            name: "open in the org, created 100 days ago",
            scope: Scope::Actions,
            given: |g| {
                silent_since(g, 60);
                g.snapshot
                    .tasks
                    .push(playbook_task(9, Playbook::ReEngagement, 100, false));
            },
            expect: &[
                "skip re-engagement: the playbook's task 00T000000000009EAA is open in the org",
            ],
        },
        Case {
            name: "escalation's cool-down is 14 days: planned 13 days ago",
            scope: Scope::Actions,
            given: |g| {
                g.snapshot.account.kickoff_survey_score = Some(1.0);
                let key = task_key(Playbook::Escalation, account_id(), ago(13));
                g.ledger_entry(
                    key,
                    WriteKind::PlaybookTask,
                    Some(Playbook::Escalation),
                    13,
                    KeyState::Planned,
                );
            },
            expect: &[
                "skip escalation: the playbook planned a task on 2026-11-13, within its 14-day cool-down",
            ],
        },
        Case {
            name: "escalation's cool-down is 14 days: planned 14 days ago",
            scope: Scope::Actions,
            given: |g| {
                g.snapshot.account.kickoff_survey_score = Some(1.0);
                let key = task_key(Playbook::Escalation, account_id(), ago(14));
                g.ledger_entry(
                    key,
                    WriteKind::PlaybookTask,
                    Some(Playbook::Escalation),
                    14,
                    KeyState::Planned,
                );
            },
            expect: &["task escalation 001:2026-11-26 due 2026-11-27 High"],
        },
    ]);
}

#[test]
fn a_troubled_account_gets_its_playbooks_unless_disabled_or_unowned() {
    check_all(&[
        Case {
            name: "every playbook enabled",
            scope: Scope::Actions,
            given: |g| {
                g.snapshot.account.health.status = Some(HealthStatus::Monitor);
                g.trouble();
            },
            expect: &[
                "task escalation 001:2026-11-26 due 2026-11-27 High",
                "task health-review 001:2026-11-26 due 2026-12-03 Normal",
                "task qbr-cadence 001:2026-11-26 due 2026-12-10 Normal",
                "task re-engagement 001:2026-11-26 due 2026-12-03 Normal",
            ],
        },
        Case {
            name: "every playbook disabled",
            scope: Scope::Actions,
            given: |g| {
                g.only(&[]);
                g.snapshot.account.health.status = Some(HealthStatus::Monitor);
                g.trouble();
            },
            expect: &[],
        },
        Case {
            name: "the account has no owner",
            scope: Scope::Actions,
            given: |g| {
                g.only(&[Playbook::Escalation, Playbook::ReEngagement]);
                g.snapshot.account.health.status = Some(HealthStatus::Monitor);
                g.snapshot.account.owner_id = None;
                g.trouble();
            },
            expect: &[
                "skip escalation: the account has no owner to assign the task to",
                "skip re-engagement: the account has no owner to assign the task to",
            ],
        },
    ]);
}

#[test]
fn health_fields_are_put_right_and_insufficient_data_has_no_score() {
    check_all(&[
        Case {
            name: "a hand edit of the score",
            scope: Scope::Everything,
            given: |g| g.snapshot.account.health.score = Some(50.0),
            expect: &["health: health_score=88.6, health_scored_at=2026-11-26T12:00:00+00:00"],
        },
        Case {
            name: "a category cleared by hand",
            scope: Scope::Everything,
            given: |g| {
                g.snapshot.account.health.categories.remove("case_health");
            },
            expect: &["health: health_case_health=100, health_scored_at=2026-11-26T12:00:00+00:00"],
        },
        Case {
            name: "a history record deleted by hand",
            scope: Scope::Everything,
            given: |g| g.snapshot.history.clear(),
            expect: &[
                "history 001000000000001AAA-2026-11-01-csm-nine: account=001000000000001AAA, period=2026-11-01, score=88.6, status=Healthy, previous_score=null, score_change=null, coverage=90, model=csm-nine, drivers=…, backfilled=false, adoption=80, case_health=100, engagement_recency=75, support_satisfaction=75, business_reviews=100, milestones=null, renewal_readiness=100, project_surveys=100, meeting_depth=100, calculated_at=2026-11-26T12:00:00+00:00",
            ],
        },
        Case {
            name: "a history record's score edited by hand",
            scope: Scope::Everything,
            given: |g| g.snapshot.history[0].score = Some(12.0),
            expect: &[
                "history 001000000000001AAA-2026-11-01-csm-nine: account=001000000000001AAA, period=2026-11-01, score=88.6, status=Healthy, previous_score=null, score_change=null, coverage=90, model=csm-nine, drivers=…, backfilled=false, adoption=80, case_health=100, engagement_recency=75, support_satisfaction=75, business_reviews=100, milestones=null, renewal_readiness=100, project_surveys=100, meeting_depth=100, calculated_at=2026-11-26T12:00:00+00:00",
            ],
        },
        Case {
            // Only case health (15), engagement (15) and business reviews (10) have data:
            // 40 % of the weight, below the 50 % minimum.
            name: "too little data: Insufficient Data",
            scope: Scope::Everything,
            given: |g| {
                let account = &mut g.snapshot.account;
                account.license_seats = None;
                account.active_users = None;
                account.core_feature_adoption = None;
                account.kickoff_survey_score = None;
                account.uat_survey_score = None;
                g.snapshot.cases.clear();
                g.snapshot.contracts.clear();
                g.snapshot.events.clear();
                g.only(&[]);
            },
            expect: &[
                "health: health_score=null, health_status=Insufficient Data, health_coverage=40, health_drivers=…, health_adoption=null, health_support_satisfaction=null, health_business_reviews=0, health_renewal_readiness=null, health_project_surveys=null, health_meeting_depth=null, health_scored_at=2026-11-26T12:00:00+00:00",
                "history 001000000000001AAA-2026-11-01-csm-nine: account=001000000000001AAA, period=2026-11-01, score=null, status=Insufficient Data, previous_score=null, score_change=null, coverage=40, model=csm-nine, drivers=…, backfilled=false, adoption=null, case_health=100, engagement_recency=75, support_satisfaction=null, business_reviews=0, milestones=null, renewal_readiness=null, project_surveys=null, meeting_depth=null, calculated_at=2026-11-26T12:00:00+00:00",
            ],
        },
    ]);
}
