//! Two accounts computed by hand, end to end: the score, then every write of the plan.

use chrono::NaiveDate;

use crate::domain::{CasePriority, HealthStatus, WriteKind};

use super::cases::{Scope, summary};
use super::fixture::{Given, open_case};

/// Acme's first run (the computation of its score is on [`Given::base`]): 88.6, Healthy,
/// coverage 90 %. The org holds no health values yet, so every field is written (the
/// change and the previous score are empty and stay so: there is no previous period) with
/// `health_scored_at`; the November history record is absent, so it is written whole. No
/// playbook fires: a first score is no band change, there is no drop, no escalation, the
/// contract ends in 308 days, utilisation is 80 %, the QBR was 42 days ago and the last
/// contact 24 days ago.
#[test]
fn acme_first_run_writes_its_health_and_history_and_nothing_else() {
    let given = Given::base();
    let (score, plan) = given.plan();
    assert_eq!(score.overall, Some(88.6));
    assert_eq!(score.status, HealthStatus::Healthy);
    assert_eq!(score.coverage, 90.0);
    assert_eq!(
        summary(&plan, Scope::Everything),
        [
            "health: health_score=88.6, health_status=Healthy, health_trend=Stable, \
             health_coverage=90, health_drivers=…, health_status_since=2026-11-26, \
             health_model=csm-nine, health_adoption=80, health_case_health=100, \
             health_engagement_recency=75, health_support_satisfaction=75, \
             health_business_reviews=100, health_renewal_readiness=100, \
             health_project_surveys=100, health_meeting_depth=100, \
             health_scored_at=2026-11-26T12:00:00+00:00",
            "history 001000000000001AAA-2026-11-01-csm-nine: account=001000000000001AAA, \
             period=2026-11-01, score=88.6, status=Healthy, previous_score=null, \
             score_change=null, coverage=90, model=csm-nine, drivers=…, backfilled=false, \
             adoption=80, case_health=100, engagement_recency=75, support_satisfaction=75, \
             business_reviews=100, milestones=null, renewal_readiness=100, \
             project_surveys=100, meeting_depth=100, calculated_at=2026-11-26T12:00:00+00:00",
        ]
    );
    assert_eq!(plan.writes[0].reason, "first score for this account");
}

/// Acme a day after that run, shown Monitor since 1 September, with two open High cases,
/// a kickoff survey of 2, 95 of 100 seats in use and its contract ending in 80 days
/// (2027-02-14) with no renewal.
///
/// Score: adoption mean(utilisation 95 % -> 100, core 60) = 80; case health 100 − 2×25 =
/// 50; engagement 75 (the call 24 days ago); support satisfaction 75; business reviews 100;
/// milestones no data; renewal readiness 0 (80 days left expects Stakeholder Confirmed; no
/// renewal is two stages behind); surveys mean(kickoff 2 -> 0, UAT 5 -> 100) = 50; meeting
/// depth 100. (80×20 + 50×15 + 75×15 + 75×10 + 100×10 + 0×10 + 50×5 + 100×5) / 90 =
/// 5975 / 90 = 66.4. Shown Monitor, 66.4 is neither 73 nor below 37: Monitor, since
/// 2026-09-01 still. The org's score was written this period, so there is no previous
/// period's score: no change, trend Stable.
///
/// Writes: the health fields that moved (score 88.6 -> 66.4, drivers, case health 100 ->
/// 50, renewal readiness 100 -> 0, surveys 100 -> 50) and `health_scored_at`; November's
/// history record again, whole; a renewal for the contract (80 days is inside 120), at
/// 66.4 and not at risk; and three tasks: escalation (the survey flag is new: no previous
/// result), renewal-preparation (80 days is inside 90; due in 14 days, before the end) and
/// expansion (95 % is above 90 %). Not health-review: Monitor is still Monitor and there
/// is nothing to have dropped from.
#[test]
fn acme_in_trouble_gets_a_renewal_and_three_tasks() {
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
    let (score, plan) = given.plan();
    assert_eq!(score.overall, Some(66.4));
    assert_eq!(score.status, HealthStatus::Monitor);
    assert_eq!(
        summary(&plan, Scope::Everything),
        [
            "health: health_score=66.4, health_drivers=…, health_case_health=50, \
             health_renewal_readiness=0, health_project_surveys=50, \
             health_scored_at=2026-11-26T12:00:00+00:00",
            "history 001000000000001AAA-2026-11-01-csm-nine: account=001000000000001AAA, \
             period=2026-11-01, score=66.4, status=Monitor, previous_score=null, \
             score_change=null, coverage=90, model=csm-nine, drivers=…, backfilled=false, \
             adoption=80, case_health=50, engagement_recency=75, support_satisfaction=75, \
             business_reviews=100, milestones=null, renewal_readiness=0, project_surveys=50, \
             meeting_depth=100, calculated_at=2026-11-26T12:00:00+00:00",
            "renewal 800000000000001AAA-2027-02-14: name=Acme Renewal 2027-02-14, \
             stage_name=Early Review, close_date=2027-02-14, amount=120000, \
             owner_id=005000000000001AAA, record_type=Renewal, opportunity_type=Renewal, \
             contract_id=800000000000001AAA, account_id=001000000000001AAA, \
             health_at_creation=66.4, renewal_risk=false",
            "task escalation 001:2026-11-26 due 2026-11-27 High",
            "task expansion 001:2026-11-26 due 2026-12-10 Normal",
            "task renewal-preparation 800:2027-02-14 due 2026-12-10 Normal",
        ]
    );
    let reasons: Vec<&str> = plan
        .writes
        .iter()
        .filter(|w| w.kind == WriteKind::PlaybookTask)
        .map(|w| w.reason.as_str())
        .collect();
    assert_eq!(
        reasons,
        [
            "escalation: poor project survey (below 3 of 5): kickoff survey 2",
            "expansion: seat utilisation 95% (95 active users on 100 seats), above 90%",
            "renewal-preparation: contract 00000100 ends on 2027-02-14, in 80 days",
        ]
    );
}

/// Backfill of October for Acme, scored as of the period's last second. As of then the
/// call of 2 November did not exist yet, so the last contact is the QBR of 15 October, 16
/// days before: engagement 75 all the same, and every other category as in November
/// (see [`Given::base`]): 88.6, Healthy. The record is October's, marked backfilled and
/// calculated at the period's end; once the org holds it, backfill plans nothing for it.
#[test]
fn backfill_writes_the_past_periods_record_once() {
    use chrono::{TimeZone, Utc};

    use crate::domain::{Target, Value};
    use crate::playbooks::{HistoryMode, plan_history};

    let mut given = Given::base();
    given.as_of = Utc.with_ymd_and_hms(2026, 10, 31, 23, 59, 59).unwrap();
    let score = given.score();
    assert_eq!(score.overall, Some(88.6));
    let write = plan_history(
        &given.snapshot,
        &score,
        &given.settings,
        given.as_of,
        HistoryMode::Backfill,
    )
    .unwrap();
    assert_eq!(
        write.target,
        Target::Key("001000000000001AAA-2026-10-01-csm-nine".into())
    );
    assert_eq!(
        write.field("period"),
        Some(&Value::Date(NaiveDate::from_ymd_opt(2026, 10, 1).unwrap()))
    );
    assert_eq!(write.field("score"), Some(&Value::Number(88.6)));
    assert_eq!(write.field("backfilled"), Some(&Value::Bool(true)));
    assert_eq!(
        write.field("calculated_at"),
        Some(&Value::DateTime(given.as_of))
    );
    super::org::apply(&mut given, std::slice::from_ref(&write));
    let again = plan_history(
        &given.snapshot,
        &score,
        &given.settings,
        given.as_of,
        HistoryMode::Backfill,
    );
    assert_eq!(again, None);
    // A live run of the same instant would mark the record as not backfilled.
    let live = plan_history(
        &given.snapshot,
        &score,
        &given.settings,
        given.as_of,
        HistoryMode::Live,
    )
    .unwrap();
    assert_eq!(live.field("backfilled"), Some(&Value::Bool(false)));
}

/// Backfill of Acme's September and October, read on 26 November. The account was created
/// on 2 October, so September has no record. October is scored as of its last second
/// without the account's values, which are today's: adoption (20) and project surveys (5)
/// have no data and say why. The rest as in [`backfill_writes_the_past_periods_record_once`]:
/// case health 100, engagement 75, CSAT 75, QBR 100, renewal 100, meeting depth 100, over
/// 65 of the weight: (1500 + 1125 + 750 + 1000 + 1000 + 500) / 65 = 5875 / 65 = 90.4,
/// coverage 65 %. Once the ledger holds October's key (say a CSM deleted the record),
/// backfill never plans it again.
#[test]
fn backfill_plans_each_period_without_todays_account_values_and_respects_the_ledger() {
    use chrono::{TimeZone, Utc};

    use crate::domain::{Period, Target, Value};
    use crate::playbooks::{KeyRecord, KeyState, plan_backfill};
    use crate::scoring::{Previous, score_account};

    let mut given = Given::base();
    given.snapshot.read_at = Some(given.as_of);
    given.snapshot.account.created_date = Some(Utc.with_ymd_and_hms(2026, 10, 2, 9, 0, 0).unwrap());
    let periods = Period::Monthly.ended_before(given.as_of.date_naive(), 2);
    let plan = plan_backfill(
        &given.snapshot,
        &given.model,
        &given.settings,
        &periods,
        &[],
    );
    assert_eq!((plan.before_account, plan.held, plan.in_ledger), (1, 0, 0));
    assert_eq!(plan.writes.len(), 1);
    let october = &plan.writes[0];
    let key = "001000000000001AAA-2026-10-01-csm-nine";
    assert_eq!(october.target, Target::Key(key.into()));
    let number = |name: &str| match october.field(name) {
        Some(Value::Number(n)) => Some((n * 10.0).round() / 10.0),
        _ => None,
    };
    assert_eq!(number("score"), Some(90.4));
    assert_eq!(number("coverage"), Some(65.0));
    assert_eq!(number("adoption"), None);
    assert_eq!(number("project_surveys"), None);
    assert_eq!(october.field("backfilled"), Some(&Value::Bool(true)));

    let score = score_account(
        &given.snapshot,
        &given.model,
        periods[1].end,
        &Previous::default(),
    );
    let adoption = score.category("adoption").unwrap();
    assert!(
        adoption.reason.contains("on 2026-10-31 is not known"),
        "{}",
        adoption.reason
    );
    // A live run (read at the scoring instant) uses the account's values as they stand.
    let mut live = given.snapshot.clone();
    live.read_at = None;
    let live = score_account(&live, &given.model, periods[1].end, &Previous::default());
    assert_eq!(live.category("adoption").and_then(|c| c.score), Some(80.0));

    let ledger = [KeyRecord {
        key: key.into(),
        kind: WriteKind::History,
        playbook: None,
        planned_at: given.as_of,
        state: KeyState::Delivered,
    }];
    let again = plan_backfill(
        &given.snapshot,
        &given.model,
        &given.settings,
        &periods,
        &ledger,
    );
    assert!(again.writes.is_empty());
    assert_eq!(again.in_ledger, 1);
}
