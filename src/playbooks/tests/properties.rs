//! Properties over generated accounts: a run after a delivered run writes nothing, planning
//! is deterministic and blind to record order, and every key is unique and fits its field.
//!
//! The accounts vary everything the planner reads: owner, ARR, seats, surveys, cases,
//! contracts ending on either side of every window, renewals (Vitals', a CSM's, linked or
//! not, open or closed), won deals, QBRs and calls, Vitals' tasks open and closed, what the
//! org holds in the health fields and history, the previous period's stored result, the
//! key ledger, the enabled playbooks and the period.

use std::collections::BTreeSet;

use chrono::Duration;
use proptest::prelude::*;

use crate::domain::{
    ActivityType, CasePriority, Contract, ContractStatus, CurrentHealth, HealthStatus, HealthTrend,
    Opportunity, Period, Playbook, SfId, Target, Value, WriteKind, test_records,
};
use crate::playbooks::{
    AccountInput, AccountPlan, HISTORY_KEY_MAX, KeyState, PLAYBOOKS, VITALS_KEY_MAX, plan_account,
    renewal_key, task_key,
};
use crate::scoring::{AccountScore, HEALTH_DRIVERS_MAX};

use super::fixture::{
    Given, account_id, ago, at_ago, call, open_case, opportunity, playbook_task, qbr,
};
use super::org;

fn pick<T: Clone>(items: &[T], i: usize) -> T {
    items[i % items.len()].clone()
}

prop_compose! {
    fn contract(serial: u64)(
        status in 0usize..3,
        ends_in in -40i64..400,
        term in 6i64..36,
    ) -> Contract {
        let mut contract = test_records::contract();
        contract.id = SfId::from_parts("800", serial);
        contract.status = Some(pick(
            &[ContractStatus::Activated, ContractStatus::Draft, ContractStatus::Expired],
            status,
        ));
        contract.end_date = Some(ago(-ends_in));
        contract.start_date = Some(ago(-ends_in + term * 30));
        contract
    }
}

prop_compose! {
    /// A renewal or a new business deal; some linked to contract 1 or 2, some Vitals'.
    fn deal(serial: u64)(
        kind in 0usize..3,
        close_in in -60i64..300,
        state in 0usize..4,
        contract in 0u64..3,
        vitals in any::<bool>(),
        risk in any::<bool>(),
    ) -> Opportunity {
        let kind = pick(&["Renewal", "New Business", "Existing Business"], kind);
        let won = pick(&[None, None, Some(true), Some(false)], state);
        let mut deal = opportunity(serial, kind, ago(-close_in), won);
        if contract > 0 {
            deal.contract_id = Some(SfId::from_parts("800", contract));
        }
        if vitals && kind == "Renewal" {
            let contract = deal.contract_id.unwrap_or(SfId::from_parts("800", 9));
            deal.vitals_key = Some(renewal_key(contract, deal.close_date));
        }
        deal.renewal_risk = risk;
        deal
    }
}

prop_compose! {
    fn health()(
        score in proptest::option::of(0.0f64..100.0),
        status in proptest::option::of(0usize..4),
        trend in proptest::option::of(0usize..3),
        coverage in proptest::option::of(0.0f64..100.0),
        scored_days_ago in proptest::option::of(0i64..90),
        since_days_ago in proptest::option::of(0i64..200),
        model in proptest::option::of(0usize..2),
        categories in proptest::collection::btree_map(
            prop::sample::select(vec!["adoption", "case_health", "engagement_recency", "meeting_depth"]),
            0.0f64..100.0,
            0..4,
        ),
    ) -> CurrentHealth {
        CurrentHealth {
            score,
            status: status.map(|i| pick(&[
                HealthStatus::Healthy, HealthStatus::Monitor, HealthStatus::AtRisk,
                HealthStatus::InsufficientData,
            ], i)),
            trend: trend.map(|i| pick(&[HealthTrend::Improving, HealthTrend::Stable, HealthTrend::Declining], i)),
            score_change: None,
            previous_score: None,
            coverage,
            drivers: Some("written by an earlier run".into()),
            scored_at: scored_days_ago.map(at_ago),
            status_since: since_days_ago.map(ago),
            model: model.map(|i| pick(&["csm-nine", "four-signal"], i).to_owned()),
            categories: categories.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        }
    }
}

/// One ledger entry: a key of some playbook or a renewal, some days ago.
fn ledger_entry() -> impl Strategy<Value = (usize, i64, usize)> {
    (0usize..9, 0i64..120, 0usize..3)
}

prop_compose! {
    fn given()(
        owner in any::<bool>(),
        arr in proptest::option::of(50_000.0f64..300_000.0),
        seats in proptest::option::of(0.0f64..200.0),
        share in proptest::option::of(0.0f64..1.3),
        surveys in (proptest::option::of(1.0f64..5.0), proptest::option::of(1.0f64..5.0)),
        cases in proptest::collection::vec((0usize..4, any::<bool>(), any::<bool>(), any::<bool>()), 0..4),
        contracts in (contract(1), contract(2), 0usize..3),
        deals in (deal(1), deal(2), deal(3), 0usize..4),
        qbr_days in proptest::option::of(0i64..200),
        call_days in proptest::option::of(0i64..80),
        vitals_tasks in proptest::collection::vec((0usize..8, 0i64..120, any::<bool>()), 0..3),
        health in prop_oneof![Just(CurrentHealth::default()), health()],
        previous in proptest::option::of((prop::sample::subsequence(vec!["underutilisation", "survey_detractor"], 0..=2), any::<bool>())),
        ledger in proptest::collection::vec(ledger_entry(), 0..4),
        enabled in prop::sample::subsequence(Playbook::ALL.to_vec(), 0..=8),
        period in 0usize..3,
    ) -> Given {
        let mut g = Given::base();
        let account = &mut g.snapshot.account;
        account.owner_id = owner.then(|| SfId::from_parts("005", 1));
        account.arr = arr;
        account.license_seats = seats;
        account.active_users = seats.zip(share).map(|(s, u)| (s * u).round());
        account.kickoff_survey_score = surveys.0.map(f64::round);
        account.uat_survey_score = surveys.1.map(f64::round);
        account.health = health;
        for (i, (priority, open, escalated, sla)) in cases.into_iter().enumerate() {
            let priority = pick(&[CasePriority::Low, CasePriority::Medium, CasePriority::High, CasePriority::Critical], priority);
            let mut case = open_case(10 + i as u64, priority, sla);
            case.is_escalated = escalated;
            if !open {
                case.is_closed = true;
                case.closed_date = Some(at_ago(3));
                case.csat_score = Some(4.0);
            }
            g.snapshot.cases.push(case);
        }
        let (first, second, count) = contracts;
        g.snapshot.contracts = [first, second].into_iter().take(count).collect();
        let (a, b, c, count) = deals;
        g.snapshot.opportunities = [a, b, c].into_iter().take(count).collect();
        g.snapshot.events = qbr_days.map(|d| qbr(1, d)).into_iter().collect();
        g.snapshot.tasks = call_days.map(|d| call(1, d)).into_iter().collect();
        for (i, (playbook, days, closed)) in vitals_tasks.into_iter().enumerate() {
            let task = playbook_task(20 + i as u64, pick(&Playbook::ALL, playbook), days, closed);
            g.snapshot.tasks.push(task);
        }
        g.settings.period = pick(&Period::ALL, period);
        g.settings.enabled = enabled;
        if let Some((flags, of_previous_period)) = previous {
            g.previous_flags(&flags);
            if !of_previous_period {
                g.previous.as_mut().unwrap().period = ago(400);
            }
        }
        for (what, days, state) in ledger {
            let state = pick(&[KeyState::Planned, KeyState::Delivered, KeyState::Rejected], state);
            let (key, kind, playbook) = match Playbook::ALL.get(what) {
                Some(p) => (task_key(*p, account_id(), ago(days)), WriteKind::PlaybookTask, Some(*p)),
                None => (renewal_key(SfId::from_parts("800", 1), ago(-days)), WriteKind::Renewal, None),
            };
            g.ledger_entry(key, kind, playbook, days, state);
        }
        g
    }
}

/// Plans with a given score (not rescored).
fn plan_with(given: &Given, score: &AccountScore) -> AccountPlan {
    let input = AccountInput {
        snapshot: &given.snapshot,
        score,
        previous: given.previous.as_ref(),
        ledger: &given.ledger,
    };
    plan_account(&input, &given.settings, given.as_of)
}

/// The same account with every list of records and the ledger in reverse order.
fn reversed(given: &Given) -> Given {
    let mut g = given.clone();
    let s = &mut g.snapshot;
    s.contracts.reverse();
    s.cases.reverse();
    s.opportunities.reverse();
    s.events.reverse();
    s.tasks.reverse();
    g.ledger.reverse();
    g
}

fn utf16(value: Option<&Value>) -> usize {
    match value {
        Some(Value::Text(t)) => t.encode_utf16().count(),
        _ => 0,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Once the org and the ledger hold what a plan wrote, planning again from the same
    /// score writes nothing.
    #[test]
    fn a_run_after_a_delivered_run_writes_nothing(given in given()) {
        let mut given = given;
        let score = given.score();
        let first = plan_with(&given, &score);
        org::apply(&mut given, &first.writes);
        let again = plan_with(&given, &score);
        prop_assert!(again.writes.is_empty(), "{:#?}\nafter\n{:#?}", again.writes, first.writes);
    }

    /// Rescoring after each delivered run, as the sync does, settles by the third run: the
    /// second may still write what the first run's own records changed. A new renewal moves
    /// renewal readiness (and so the score, status and renewal risk); and when the previous
    /// period's score came from the account's own fields (no history record of that
    /// period), the first run overwrites them, so the second has no previous score left
    /// and clears the change and trend (scoring's `Previous::from_snapshot`).
    #[test]
    fn rescored_runs_settle_by_the_third(given in given()) {
        let mut given = given;
        for _ in 0..2 {
            let (_, plan) = given.plan();
            org::apply(&mut given, &plan.writes);
        }
        let (_, third) = given.plan();
        prop_assert!(third.writes.is_empty(), "{:#?}", third.writes);
    }

    /// The same input gives the same plan, whatever order the records and the ledger come
    /// in.
    #[test]
    fn planning_is_deterministic_and_blind_to_record_order(given in given()) {
        let score = given.score();
        let plan = plan_with(&given, &score);
        prop_assert_eq!(&plan, &plan_with(&given, &score));
        prop_assert_eq!(&plan, &plan_with(&reversed(&given), &score));
    }

    /// Every write addresses its record the way its kind says, every key is unique in the
    /// plan and fits its field, texts fit theirs, and `health_scored_at` never goes alone.
    #[test]
    fn keys_are_unique_and_everything_fits_its_field(given in given()) {
        let (_, plan) = given.plan();
        let mut keys = BTreeSet::new();
        for write in &plan.writes {
            prop_assert_eq!(write.account_id, account_id());
            match (&write.target, write.kind.creates()) {
                (Target::Key(key), true) => {
                    prop_assert!(keys.insert(key.clone()), "duplicate key {}", key);
                    let max = if write.kind == WriteKind::History { HISTORY_KEY_MAX } else { VITALS_KEY_MAX };
                    prop_assert!(key.chars().count() <= max, "{} is too long", key);
                }
                (Target::Id(_), false) => {}
                (target, _) => prop_assert!(false, "{:?} addressed by {:?}", write.kind, target),
            }
            prop_assert!(utf16(write.field("description")) <= crate::playbooks::DESCRIPTION_MAX);
            prop_assert!(utf16(write.field("health_drivers")) <= HEALTH_DRIVERS_MAX);
            prop_assert!(utf16(write.field("name")) <= 120);
            prop_assert!(utf16(write.field("subject")) <= 255);
            if write.kind == WriteKind::AccountHealth {
                prop_assert!(write.fields.len() >= 2, "{:?}", write.fields);
            }
        }
        for write in plan.writes.iter().filter(|w| w.kind == WriteKind::PlaybookTask) {
            let playbook = write.playbook().and_then(Playbook::from_name);
            let spec = PLAYBOOKS.iter().find(|s| Some(s.playbook) == playbook);
            prop_assert!(spec.is_some_and(|s| given.settings.is_enabled(s.playbook)), "{:?}", write);
            // The key names the record its playbook's scheme says: {playbook}:{record}:{date}.
            let key = write.target.as_text();
            let record = key.split(':').nth(1).unwrap_or_default();
            prop_assert!(spec.is_some_and(|s| record.starts_with(s.key.record_prefix())), "{}", key);
        }
    }
}

#[test]
fn generated_accounts_reach_every_kind_of_write() {
    // The properties above say nothing if the generator never produces the writes they
    // are about: check that a fixed run of it reaches every kind and every playbook.
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config, TestRunner};
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        proptest::test_runner::TestRng::deterministic_rng(
            proptest::test_runner::RngAlgorithm::ChaCha,
        ),
    );
    let mut kinds = BTreeSet::new();
    let mut playbooks = BTreeSet::new();
    for _ in 0..1000 {
        let given = given().new_tree(&mut runner).unwrap().current();
        let (_, plan) = given.plan();
        for write in &plan.writes {
            kinds.insert(write.kind);
            if let Some(p) = write.playbook() {
                playbooks.insert(p.to_owned());
            }
        }
    }
    assert_eq!(kinds.len(), WriteKind::ALL.len(), "{kinds:?}");
    assert_eq!(playbooks.len(), Playbook::ALL.len(), "{playbooks:?}");
}

#[test]
fn the_generator_dates_activities_on_both_sides_of_the_windows() {
    // A sanity check of the helpers the generator uses: `ago` and `at_ago` agree.
    assert_eq!(at_ago(3).date_naive(), ago(3));
    assert_eq!(ago(-2) - ago(0), Duration::days(2));
    assert_eq!(qbr(1, 5).event_type, Some(ActivityType::Qbr));
}
