//! Properties of scoring that must hold for any input, checked with generated accounts.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use proptest::prelude::*;
use vitals::domain::{
    Account, AccountSnapshot, ActivityType, Case, CasePriority, Contract, ContractStatus,
    CurrentHealth, Event, Opportunity, Sentiment, SfId, Task,
};
use vitals::scoring::{AccountScore, Model, PRESET_NAMES, Previous, score_account};

fn as_of() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 30, 12, 0, 0).unwrap()
}

/// A day `offset` days before the scoring date (negative: after it).
fn day(offset: i64) -> NaiveDate {
    as_of().date_naive() - Duration::days(offset)
}

fn instant(offset: i64) -> DateTime<Utc> {
    as_of() - Duration::days(offset) - Duration::hours(1)
}

fn account_id() -> SfId {
    SfId::from_parts("001", 1)
}

fn pick<T: Clone>(items: &[T], i: usize) -> T {
    items[i % items.len()].clone()
}

prop_compose! {
    fn account()(
        seats in proptest::option::of(-10.0..500.0f64),
        users in proptest::option::of(0.0..600.0f64),
        core in proptest::option::of(-5.0..120.0f64),
        kickoff in proptest::option::of(0.0..6.0f64),
        uat in proptest::option::of(0.0..6.0f64),
        sentiment in proptest::option::of(0usize..4),
        invoice in proptest::option::of(-5.0..200.0f64),
        product in proptest::option::of(-30i64..400),
        arr in proptest::option::of(0.0..300_000.0f64),
    ) -> Account {
        Account {
            id: account_id(),
            name: "Generated".into(),
            owner_id: None,
            account_type: Some("Customer".into()),
            created_date: None,
            arr,
            license_seats: seats,
            active_users: users,
            core_feature_adoption: core,
            last_product_activity: product.map(day),
            kickoff_survey_score: kickoff,
            uat_survey_score: uat,
            csm_sentiment: sentiment.map(|i| pick(&[
                Sentiment::Green, Sentiment::Yellow, Sentiment::Red, Sentiment::Other("Purple".into()),
            ], i)),
            csm_sentiment_comment: None,
            invoice_overdue_days: invoice,
            health: CurrentHealth::default(),
        }
    }
}

prop_compose! {
    fn case(serial: u64)(
        created in -10i64..400,
        priority in 0usize..5,
        closed in proptest::option::of(-10i64..400),
        csat in proptest::option::of(0.0..7.0f64),
        sla in any::<bool>(),
        escalated in any::<bool>(),
    ) -> Case {
        Case {
            id: SfId::from_parts("500", serial),
            account_id: Some(account_id()),
            case_number: None,
            priority: Some(pick(&[
                CasePriority::Low, CasePriority::Medium, CasePriority::High, CasePriority::Critical,
                CasePriority::Other("P0".into()),
            ], priority)),
            status: None,
            is_escalated: escalated,
            is_closed: closed.is_some(),
            created_date: instant(created),
            closed_date: closed.map(instant),
            csat_score: csat,
            sla_breached: sla,
        }
    }
}

fn activity_type(i: usize) -> ActivityType {
    pick(
        &[
            ActivityType::Meeting,
            ActivityType::Qbr,
            ActivityType::Milestone,
            ActivityType::Call,
            ActivityType::Other("Demo".into()),
        ],
        i,
    )
}

prop_compose! {
    fn event(serial: u64)(
        offset in -20i64..400,
        kind in 0usize..5,
        minutes in proptest::option::of(0i64..300),
        completed in proptest::option::of(-20i64..400),
    ) -> Event {
        Event {
            id: SfId::from_parts("00U", serial),
            account_id: Some(account_id()),
            what_id: None,
            owner_id: None,
            subject: None,
            event_type: Some(activity_type(kind)),
            start: minutes.map(|_| instant(offset)),
            end: None,
            duration_minutes: minutes,
            activity_date: Some(day(offset)),
            is_all_day: minutes.is_none(),
            milestone_completed_on: completed.map(day),
            vitals_key: None,
            playbook: None,
        }
    }
}

prop_compose! {
    fn task(serial: u64)(offset in -20i64..400, closed in any::<bool>(), created in proptest::option::of(-20i64..400)) -> Task {
        Task {
            id: SfId::from_parts("00T", serial),
            account_id: Some(account_id()),
            what_id: None,
            owner_id: None,
            subject: None,
            task_type: Some(ActivityType::Call),
            status: None,
            priority: None,
            is_closed: closed,
            activity_date: Some(day(offset)),
            created_date: created.map(instant),
            completed_at: None,
            milestone_completed_on: None,
            vitals_key: None,
            playbook: None,
        }
    }
}

prop_compose! {
    fn contract(serial: u64)(start in -30i64..800, length in 0i64..800, status in 0usize..4) -> Contract {
        Contract {
            id: SfId::from_parts("800", serial),
            account_id: account_id(),
            status: Some(pick(&[
                ContractStatus::Activated, ContractStatus::Expired, ContractStatus::Draft,
                ContractStatus::Other("Odd".into()),
            ], status)),
            start_date: Some(day(start)),
            end_date: Some(day(start - length)),
            term_months: None,
            owner_id: None,
            contract_number: None,
        }
    }
}

prop_compose! {
    fn opportunity(serial: u64)(stage in 0usize..7, close in -300i64..300, renewal in any::<bool>(), linked in any::<bool>(), open in any::<bool>()) -> Opportunity {
        Opportunity {
            id: SfId::from_parts("006", serial),
            account_id: Some(account_id()),
            name: "Generated".into(),
            stage_name: pick(&["Early Review", "Stakeholder Confirmed", "At Risk", "Terms Agreed",
                               "Closed Won", "Closed Lost", "Prospecting"], stage).to_owned(),
            close_date: day(close),
            amount: None,
            opportunity_type: Some(if renewal { "Renewal" } else { "Existing Business" }.into()),
            is_closed: !open,
            is_won: false,
            record_type: renewal.then(|| "Renewal".to_owned()),
            contract_id: linked.then(|| SfId::from_parts("800", 1)),
            owner_id: None,
            created_date: None,
            vitals_key: None,
            churn_reason: None,
            renewal_risk: false,
            health_at_creation: None,
        }
    }
}

fn numbered<T: std::fmt::Debug>(
    max: usize,
    make: impl Fn(u64) -> BoxedStrategy<T>,
) -> impl Strategy<Value = Vec<T>> {
    proptest::collection::vec(0..1u8, 0..=max).prop_flat_map(move |slots| {
        slots
            .iter()
            .enumerate()
            .map(|(i, _)| make(u64::try_from(i).unwrap() + 1))
            .collect::<Vec<_>>()
    })
}

fn snapshot() -> impl Strategy<Value = AccountSnapshot> {
    (
        account(),
        numbered(3, |n| contract(n).boxed()),
        numbered(8, |n| case(n).boxed()),
        numbered(3, |n| opportunity(n).boxed()),
        numbered(8, |n| event(n).boxed()),
        numbered(6, |n| task(n).boxed()),
    )
        .prop_map(
            |(account, contracts, cases, opportunities, events, tasks)| AccountSnapshot {
                account,
                contracts,
                cases,
                opportunities,
                events,
                tasks,
                history: Vec::new(),
            },
        )
}

fn score(snapshot: &AccountSnapshot, model: &Model) -> AccountScore {
    score_account(snapshot, model, as_of(), &Previous::default())
}

fn presets() -> Vec<Model> {
    PRESET_NAMES
        .iter()
        .map(|name| Model::load_preset(name).unwrap())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn scores_stay_within_0_to_100_and_the_overall_is_the_weighted_mean(snapshot in snapshot()) {
        for model in presets() {
            let result = score(&snapshot, &model);
            prop_assert!((0.0..=100.0).contains(&result.coverage));
            let mut weighted = 0.0;
            let mut weight = 0.0;
            for c in &result.categories {
                if let Some(s) = c.score {
                    prop_assert!((0.0..=100.0).contains(&s), "{}: {s}", c.key);
                    weighted += s * c.weight;
                    weight += c.weight;
                }
            }
            match result.overall {
                Some(overall) => {
                    prop_assert!((0.0..=100.0).contains(&overall));
                    let mean = (weighted / weight * 10.0).round() / 10.0;
                    prop_assert!((overall - mean).abs() < 1e-9, "{overall} vs {mean}");
                }
                None => prop_assert_eq!(weight, 0.0),
            }
        }
    }

    #[test]
    fn an_open_high_severity_case_never_raises_case_health(
        snapshot in snapshot(),
        created in 0i64..400,
        critical in any::<bool>(),
    ) {
        let model = Model::load_preset("csm-nine").unwrap();
        let before = score(&snapshot, &model).category("case_health").and_then(|c| c.score);
        let mut worse = snapshot.clone();
        worse.cases.push(Case {
            id: SfId::from_parts("500", 999),
            account_id: Some(account_id()),
            case_number: None,
            priority: Some(if critical { CasePriority::Critical } else { CasePriority::High }),
            status: None,
            is_escalated: false,
            is_closed: false,
            created_date: instant(created),
            closed_date: None,
            csat_score: None,
            sla_breached: false,
        });
        let after = score(&worse, &model).category("case_health").and_then(|c| c.score);
        prop_assert!(after <= before, "{after:?} > {before:?}");
    }

    #[test]
    fn a_later_activity_never_lowers_engagement_recency(
        snapshot in snapshot(),
        offset in 0i64..200,
        as_event in any::<bool>(),
    ) {
        let model = Model::load_preset("csm-nine").unwrap();
        let before = score(&snapshot, &model).category("engagement_recency").and_then(|c| c.score);
        let mut more = snapshot.clone();
        if as_event {
            more.events.push(Event {
                id: SfId::from_parts("00U", 999),
                account_id: Some(account_id()),
                what_id: None,
                owner_id: None,
                subject: None,
                event_type: Some(ActivityType::Meeting),
                start: Some(instant(offset)),
                end: None,
                duration_minutes: Some(30),
                activity_date: Some(day(offset)),
                is_all_day: false,
                milestone_completed_on: None,
                vitals_key: None,
                playbook: None,
            });
        } else {
            more.tasks.push(Task {
                id: SfId::from_parts("00T", 999),
                account_id: Some(account_id()),
                what_id: None,
                owner_id: None,
                subject: None,
                task_type: Some(ActivityType::Call),
                status: None,
                priority: None,
                is_closed: true,
                activity_date: Some(day(offset)),
                created_date: Some(instant(offset)),
                completed_at: None,
                milestone_completed_on: None,
                vitals_key: None,
                playbook: None,
            });
        }
        let after = score(&more, &model).category("engagement_recency").and_then(|c| c.score);
        prop_assert!(after >= before, "{after:?} < {before:?}");
    }
}
