//! Whole plans of a handful of accounts, as insta YAML snapshots: every field of every
//! write, the reasons and the task descriptions a CSM reads, and the tasks left out.
//! The scoring instant is fixed and the plan holds no run Id, so nothing is redacted.

use chrono::NaiveDate;

use crate::domain::{CasePriority, HealthStatus, Playbook};

use super::fixture::{Given, ago, open_case, opportunity};

fn plan_of(given: &Given) -> crate::playbooks::AccountPlan {
    given.plan().1
}

#[test]
fn acme_first_run() {
    insta::assert_yaml_snapshot!(plan_of(&Given::base()));
}

/// The second hand-computed account (see `hand.rs`).
#[test]
fn acme_with_a_poor_survey_and_a_contract_ending() {
    let mut given = Given::settled();
    let health = &mut given.snapshot.account.health;
    health.status = Some(HealthStatus::Monitor);
    health.status_since = NaiveDate::from_ymd_opt(2026, 9, 1);
    given.snapshot.account.active_users = Some(95.0);
    given.snapshot.account.kickoff_survey_score = Some(2.0);
    given
        .snapshot
        .cases
        .push(open_case(2, CasePriority::High, false));
    given
        .snapshot
        .cases
        .push(open_case(3, CasePriority::High, false));
    given.contract_ends_in(80);
    insta::assert_yaml_snapshot!(plan_of(&given));
}

/// Shown Monitor last period, now At Risk, underutilised two periods running, with a
/// renewal Vitals created that is not flagged at risk yet.
#[test]
fn a_troubled_account_at_risk() {
    let mut given = Given::settled();
    given.snapshot.account.health.status = Some(HealthStatus::Monitor);
    given.trouble();
    given.previous_flags(&["underutilisation"]);
    let mut renewal = opportunity(6, "Renewal", ago(-150), None);
    renewal.contract_id = Some(crate::domain::SfId::from_parts("800", 6));
    renewal.vitals_key = Some("800000000000006AAA-2027-04-25".into());
    given.snapshot.opportunities.push(renewal);
    insta::assert_yaml_snapshot!(plan_of(&given));
}

/// A new customer: a New Business deal won last week, no QBR yet, no owner assigned.
#[test]
fn a_new_customer_without_an_owner() {
    let mut given = Given::settled();
    given.snapshot.account.owner_id = None;
    given.snapshot.events.clear();
    given
        .snapshot
        .opportunities
        .push(opportunity(7, "New Business", ago(7), Some(true)));
    given.only(&[Playbook::Onboarding, Playbook::QbrCadence]);
    insta::assert_yaml_snapshot!(plan_of(&given));
}

/// Too little data to score: the status is Insufficient Data and the score is cleared.
#[test]
fn an_account_with_too_little_data() {
    let mut given = Given::settled();
    let account = &mut given.snapshot.account;
    account.license_seats = None;
    account.active_users = None;
    account.core_feature_adoption = None;
    account.kickoff_survey_score = None;
    account.uat_survey_score = None;
    given.snapshot.cases.clear();
    given.snapshot.contracts.clear();
    given.snapshot.events.clear();
    insta::assert_yaml_snapshot!(plan_of(&given));
}
