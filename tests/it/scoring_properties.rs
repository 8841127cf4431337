//! Properties of scoring that must hold for any input, checked with generated accounts.
//!
//! Each property is stated exactly enough to fail when the rule it checks breaks: a
//! mutated csm-nine whose high-severity penalty never applies, or whose engagement measure
//! ignores events, must fail here, not only the hand-computed fixtures.

use std::ops::Range;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use proptest::prelude::*;
use vitals::domain::HealthStatus;
use vitals::domain::{
    Account, AccountSnapshot, ActivityType, Case, CasePriority, Contract, ContractStatus,
    CurrentHealth, Event, Opportunity, Sentiment, SfId, Task,
};
use vitals::scoring::{
    AccountScore, HEALTH_DRIVERS_MAX, Model, PRESET_NAMES, Previous, displayed, health_drivers,
    render, score_account,
};

fn as_of() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 30, 12, 0, 0).unwrap()
}

/// A day `offset` days before the scoring date (negative: after it).
fn day(offset: i64) -> NaiveDate {
    as_of().date_naive() - Duration::days(offset)
}

/// An instant on the day `offset` days before the scoring date, an hour earlier in the day
/// than the scoring instant (so offset 0 is before it and offset -1 after it).
fn instant(offset: i64) -> DateTime<Utc> {
    as_of() - Duration::days(offset) - Duration::hours(1)
}

fn account_id() -> SfId {
    SfId::from_parts("001", 1)
}

fn pick<T: Clone>(items: &[T], i: usize) -> T {
    items[i % items.len()].clone()
}

/// Mostly a plain value from `usual`, sometimes zero or a value far outside any sensible
/// range: the wire boundary only guarantees a finite number.
fn number(usual: Range<f64>) -> BoxedStrategy<f64> {
    prop_oneof![
        6 => usual,
        1 => Just(0.0),
        1 => prop::sample::select(vec![
            -1e300, -1e12, -1.0, 1e-300, 1e12, 1e300, f64::MAX, f64::MIN,
        ]),
    ]
    .boxed()
}

prop_compose! {
    fn account()(
        seats in proptest::option::of(number(-10.0..500.0)),
        users in proptest::option::of(number(0.0..600.0)),
        core in proptest::option::of(number(-5.0..120.0)),
        kickoff in proptest::option::of(number(0.0..6.0)),
        uat in proptest::option::of(number(0.0..6.0)),
        sentiment in proptest::option::of(0usize..4),
        invoice in proptest::option::of(number(-5.0..200.0)),
        product in proptest::option::of(-30i64..400),
        arr in proptest::option::of(number(0.0..300_000.0)),
    ) -> Account {
        Account {
            id: account_id(),
            name: "Generated".into(),
            owner_id: None,
            owner_name: None,
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

fn priority(i: usize) -> CasePriority {
    pick(
        &[
            CasePriority::Low,
            CasePriority::Medium,
            CasePriority::High,
            CasePriority::Critical,
            CasePriority::Other("P0".into()),
        ],
        i,
    )
}

prop_compose! {
    /// A case created `created` days before the scoring date, closed `closed_after` days
    /// after that (possibly after the scoring date) or still open.
    fn case(serial: u64, created: Range<i64>)(
        created in created,
        priority in 0usize..5,
        closed_after in proptest::option::of(0i64..200),
        csat in proptest::option::of(number(0.0..7.0)),
        sla in any::<bool>(),
        escalated in any::<bool>(),
    ) -> Case {
        Case {
            id: SfId::from_parts("500", serial),
            account_id: Some(account_id()),
            case_number: None,
            priority: Some(self::priority(priority)),
            status: None,
            is_escalated: escalated,
            is_closed: closed_after.is_some(),
            created_date: instant(created),
            closed_date: closed_after.map(|after| instant(created - after)),
            csat_score: csat,
            sla_breached: sla,
        }
    }
}

fn activity_type(i: usize) -> Option<ActivityType> {
    pick(
        &[
            Some(ActivityType::Meeting),
            Some(ActivityType::Qbr),
            Some(ActivityType::Milestone),
            Some(ActivityType::Call),
            Some(ActivityType::Other("Demo".into())),
            None,
        ],
        i,
    )
}

prop_compose! {
    /// An event on the day `offset` days before the scoring date; timed events start then.
    fn event(serial: u64, offset: Range<i64>)(
        offset in offset,
        kind in 0usize..6,
        minutes in proptest::option::of(prop_oneof![
            8 => 0i64..300,
            1 => -300i64..0,
            1 => Just(i64::MAX),
        ]),
        completed in proptest::option::of(-20i64..400),
    ) -> Event {
        Event {
            id: SfId::from_parts("00U", serial),
            account_id: Some(account_id()),
            what_id: None,
            owner_id: None,
            subject: None,
            event_type: activity_type(kind),
            start: minutes.map(|_| instant(offset)),
            end: None,
            duration_minutes: minutes,
            activity_date: Some(day(offset)),
            is_all_day: minutes.is_none(),
            milestone_completed_on: completed.map(day),
            vitals_key: None,
            playbook: None,
            with_economic_buyer: false,
        }
    }
}

prop_compose! {
    /// A task created `created` days before the scoring date (or of unknown creation when
    /// `created` may be absent), due any day or never, open or completed some days later.
    fn task(serial: u64, created: Range<i64>, creation_known: bool)(
        created in created,
        creation_known in if creation_known { Just(true).boxed() } else { any::<bool>().boxed() },
        due in proptest::option::of(-20i64..400),
        completed_after in proptest::option::of(0i64..120),
        closed_without_completion in any::<bool>(),
    ) -> Task {
        let completed_at = completed_after.map(|after| instant(created - after));
        Task {
            id: SfId::from_parts("00T", serial),
            account_id: Some(account_id()),
            what_id: None,
            owner_id: None,
            subject: None,
            task_type: Some(ActivityType::Call),
            status: None,
            priority: None,
            // Salesforce sets CompletedDateTime when a task closes; an org migrated from
            // elsewhere can hold closed tasks without it.
            is_closed: completed_at.is_some() || closed_without_completion,
            activity_date: due.map(day),
            created_date: creation_known.then(|| instant(created)),
            completed_at,
            milestone_completed_on: None,
            vitals_key: None,
            playbook: None,
            with_economic_buyer: false,
        }
    }
}

prop_compose! {
    fn contract(serial: u64, start: Range<i64>)(
        start in start,
        length in 0i64..800,
        status in 0usize..4,
    ) -> Contract {
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
    /// An opportunity; `created` is how many days before the scoring date it was created,
    /// absent (unknown, so it always existed) when the range allows it.
    fn opportunity(serial: u64, created: Range<i64>, creation_known: bool)(
        created in created,
        creation_known in if creation_known { Just(true).boxed() } else { any::<bool>().boxed() },
        stage in 0usize..7,
        close in -300i64..300,
        renewal in any::<bool>(),
        linked in any::<bool>(),
        closed in any::<bool>(),
        won in any::<bool>(),
    ) -> Opportunity {
        Opportunity {
            id: SfId::from_parts("006", serial),
            account_id: Some(account_id()),
            name: "Generated".into(),
            stage_name: pick(&["Early Review", "Stakeholder Confirmed", "At Risk", "Terms Agreed",
                               "Closed Won", "Closed Lost", "Prospecting"], stage).to_owned(),
            close_date: day(close),
            amount: None,
            opportunity_type: Some(if renewal { "Renewal" } else { "Existing Business" }.into()),
            is_closed: closed,
            is_won: closed && won,
            record_type: renewal.then(|| "Renewal".to_owned()),
            contract_id: linked.then(|| SfId::from_parts("800", 1)),
            owner_id: None,
            created_date: creation_known.then(|| instant(created)),
            vitals_key: None,
            churn_reason: None,
            renewal_risk: false,
            health_at_creation: None,
        }
    }
}

fn numbered<T: std::fmt::Debug>(
    first: u64,
    max: usize,
    make: impl Fn(u64) -> BoxedStrategy<T>,
) -> impl Strategy<Value = Vec<T>> {
    proptest::collection::vec(0..1u8, 0..=max).prop_flat_map(move |slots| {
        slots
            .iter()
            .enumerate()
            .map(|(i, _)| make(first + u64::try_from(i).unwrap()))
            .collect::<Vec<_>>()
    })
}

/// Related records of one account: past ones and some dated a little after the scoring
/// date, as an org holds them.
fn snapshot() -> impl Strategy<Value = AccountSnapshot> {
    (
        account(),
        numbered(1, 3, |n| contract(n, -30..800).boxed()),
        numbered(1, 8, |n| case(n, -10..400).boxed()),
        numbered(1, 3, |n| opportunity(n, -10..400, false).boxed()),
        numbered(1, 8, |n| event(n, -20..400).boxed()),
        numbered(1, 6, |n| task(n, -20..400, false).boxed()),
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
                read_at: None,
            },
        )
}

/// Records that begin after the scoring instant (created, started), so whatever else
/// happened to them (closed, completed, won) happened after it too. Serial numbers start
/// at 500 so they never collide with [`snapshot`]'s.
fn future_records() -> impl Strategy<Value = AccountSnapshot> {
    const LATER: Range<i64> = -400..-1;
    (
        numbered(500, 2, |n| contract(n, LATER).boxed()),
        numbered(500, 4, |n| case(n, LATER).boxed()),
        numbered(500, 3, |n| opportunity(n, LATER, true).boxed()),
        numbered(500, 4, |n| event(n, LATER).boxed()),
        numbered(500, 4, |n| task(n, LATER, true).boxed()),
    )
        .prop_map(|(contracts, cases, opportunities, events, tasks)| {
            let mut later = AccountSnapshot::new(Account {
                id: account_id(),
                name: "Later".into(),
                owner_id: None,
                owner_name: None,
                account_type: None,
                created_date: None,
                arr: None,
                license_seats: None,
                active_users: None,
                core_feature_adoption: None,
                last_product_activity: None,
                kickoff_survey_score: None,
                uat_survey_score: None,
                csm_sentiment: None,
                csm_sentiment_comment: None,
                invoice_overdue_days: None,
                health: CurrentHealth::default(),
            });
            later.contracts = contracts;
            later.cases = cases;
            later.opportunities = opportunities;
            later.events = events;
            later.tasks = tasks;
            later
        })
}

/// Marks an activity as Vitals' own: `which` 0 sets the key, 1 the playbook, 2 both.
fn mark_as_vitals(key: &mut Option<String>, playbook: &mut Option<String>, which: usize) {
    if which != 1 {
        *key = Some("re-engagement:001:2026-06".into());
    }
    if which != 0 {
        *playbook = Some("re-engagement".into());
    }
}

prop_compose! {
    /// What a score is compared with: a previous score and category scores for any of the
    /// presets' keys, or nothing.
    fn previous()(
        score in proptest::option::of(0.0..=100.0f64),
        categories in proptest::collection::btree_map(
            prop::sample::select(vec![
                "adoption", "case_health", "engagement_recency", "business_reviews",
                "product_engagement", "stakeholder_engagement", "usage", "support",
            ]),
            0.0..=100.0f64,
            0..6,
        ),
    ) -> Previous {
        Previous {
            score: score.map(|s| (s * 10.0).round() / 10.0),
            categories: categories.into_iter().map(|(k, v)| (k.to_owned(), (v * 10.0).round() / 10.0)).collect(),
            period: Some(NaiveDate::from_ymd_opt(2026, 5, 1).unwrap()),
            status: None,
            status_since: None,
        }
    }
}

/// Fails unless two results of `model` have the same category and overall scores.
fn same_scores(
    before: &AccountScore,
    after: &AccountScore,
    model: &Model,
) -> Result<(), TestCaseError> {
    for (b, a) in before.categories.iter().zip(&after.categories) {
        prop_assert_eq!(
            b.score,
            a.score,
            "{}: {} ({} | {})",
            model.name,
            b.key,
            b.reason,
            a.reason
        );
    }
    prop_assert_eq!(before.overall, after.overall, "{}", model.name);
    Ok(())
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

fn category(result: &AccountScore, key: &str) -> Option<f64> {
    result.category(key).and_then(|c| c.score)
}

/// The Engagement recency score of an activity `days` old, by product-spec section 5:
/// within 14 days 100, within 30 75, within 45 50, older 0.
fn spec_engagement_score(days: i64) -> f64 {
    match days {
        ..=14 => 100.0,
        15..=30 => 75.0,
        31..=45 => 50.0,
        _ => 0.0,
    }
}

/// One way an activity of a given age shows up in the org.
#[derive(Debug, Clone, Copy)]
enum Activity {
    /// An event of this type (index into [`activity_type`], milestones skipped).
    Event(usize),
    /// A completed task due that day, completion time not recorded.
    TaskDue,
    /// A task due `n` days earlier and completed that day.
    TaskCompletedLate(i64),
    /// A task without a due date, completed that day.
    TaskCompletedUndated,
    /// A task due that day and completed `n` days earlier.
    TaskCompletedEarly(i64),
}

fn activity() -> impl Strategy<Value = Activity> {
    prop_oneof![
        (0usize..6)
            .prop_filter("milestones are not contact", |k| activity_type(*k)
                != Some(ActivityType::Milestone))
            .prop_map(Activity::Event),
        Just(Activity::TaskDue),
        (1i64..120).prop_map(Activity::TaskCompletedLate),
        Just(Activity::TaskCompletedUndated),
        (1i64..30).prop_map(Activity::TaskCompletedEarly),
    ]
}

/// Appends an activity `days` old in the given form.
fn add_activity(snapshot: &mut AccountSnapshot, days: i64, form: Activity) {
    let task = |due: Option<i64>, completed: Option<i64>| Task {
        id: SfId::from_parts("00T", 999),
        account_id: Some(account_id()),
        what_id: None,
        owner_id: None,
        subject: None,
        task_type: Some(ActivityType::Call),
        status: Some("Completed".into()),
        priority: None,
        is_closed: true,
        activity_date: due.map(day),
        created_date: Some(instant(days + 150)),
        completed_at: completed.map(instant),
        milestone_completed_on: None,
        vitals_key: None,
        playbook: None,
        with_economic_buyer: false,
    };
    match form {
        Activity::Event(kind) => snapshot.events.push(Event {
            id: SfId::from_parts("00U", 999),
            account_id: Some(account_id()),
            what_id: None,
            owner_id: None,
            subject: None,
            event_type: activity_type(kind),
            start: Some(instant(days)),
            end: None,
            duration_minutes: Some(30),
            activity_date: Some(day(days)),
            is_all_day: false,
            milestone_completed_on: None,
            vitals_key: None,
            playbook: None,
            with_economic_buyer: false,
        }),
        Activity::TaskDue => snapshot.tasks.push(task(Some(days), None)),
        Activity::TaskCompletedLate(n) => snapshot.tasks.push(task(Some(days + n), Some(days))),
        Activity::TaskCompletedUndated => snapshot.tasks.push(task(None, Some(days))),
        Activity::TaskCompletedEarly(n) => snapshot.tasks.push(task(Some(days), Some(days + n))),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn scores_stay_finite_within_0_to_100_and_the_overall_is_the_weighted_mean(snapshot in snapshot()) {
        for model in presets() {
            let result = score(&snapshot, &model);
            prop_assert!((0.0..=100.0).contains(&result.coverage), "{}: coverage {}", model.name, result.coverage);
            let mut weighted = 0.0;
            let mut weight = 0.0;
            for c in &result.categories {
                prop_assert!(c.points.is_finite() && c.effective_weight.is_finite(), "{}: {c:?}", c.key);
                if let Some(s) = c.score {
                    prop_assert!((0.0..=100.0).contains(&s), "{}: {s}", c.key);
                    weighted += s * c.weight;
                    weight += c.weight;
                }
            }
            match result.overall {
                Some(overall) => {
                    prop_assert!((0.0..=100.0).contains(&overall), "{}: overall {overall}", model.name);
                    let mean = (weighted / weight * 10.0).round() / 10.0;
                    prop_assert!((overall - mean).abs() < 1e-9, "{overall} vs {mean}");
                }
                None => prop_assert_eq!(weight, 0.0),
            }
            prop_assert!(serde_json::to_string(&result).is_ok());
        }
    }

    #[test]
    fn an_open_high_severity_case_costs_exactly_25_points_down_to_0(
        snapshot in snapshot(),
        created in 0i64..400,
        critical in any::<bool>(),
    ) {
        let model = Model::load_preset("csm-nine").unwrap();
        let before = category(&score(&snapshot, &model), "case_health");
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
        let after = category(&score(&worse, &model), "case_health");
        // Case health always has data: no cases means nothing counts against.
        let (Some(before), Some(after)) = (before, after) else {
            return Err(TestCaseError::fail(format!("no case health: {before:?} {after:?}")));
        };
        // Penalties only lower the score from its start of 100, so a score above 0 is
        // unclamped and the new case takes exactly 25 points, stopping at the floor.
        let expected = (before - 25.0).max(0.0);
        prop_assert!((after - expected).abs() < 1e-9, "before {before}, after {after}, expected {expected}");
    }

    #[test]
    fn an_activity_d_days_old_gives_engagement_at_least_the_score_for_d_days(
        snapshot in snapshot(),
        days in 0i64..120,
        form in activity(),
    ) {
        let model = Model::load_preset("csm-nine").unwrap();
        let mut more = snapshot.clone();
        add_activity(&mut more, days, form);
        let result = score(&more, &model);
        let after = category(&result, "engagement_recency");
        let floor = spec_engagement_score(days);
        prop_assert!(
            after.is_some_and(|a| a >= floor),
            "{form:?} {days} days old: engagement {after:?}, expected at least {floor}: {}",
            result.category("engagement_recency").map_or("", |c| c.reason.as_str())
        );
    }

    #[test]
    fn vitals_own_activities_change_no_score(
        snapshot in snapshot(),
        days in -20i64..200,
        form in activity(),
        keyed in 0usize..3,
    ) {
        // An activity Vitals created carries Vitals_Key__c, Playbook__c or both; whatever
        // its form and age, it is not customer contact and moves no score of any preset.
        // Milestones are due dates, not contact (Vitals creates none), so they stay out.
        let mut own = snapshot.clone();
        own.events.retain(|e| e.event_type != Some(ActivityType::Milestone));
        add_activity(&mut own, days, form);
        for task in &mut own.tasks {
            mark_as_vitals(&mut task.vitals_key, &mut task.playbook, keyed);
        }
        for event in &mut own.events {
            mark_as_vitals(&mut event.vitals_key, &mut event.playbook, keyed);
        }
        let mut base = snapshot.clone();
        base.tasks.clear();
        base.events.clear();
        for model in presets() {
            same_scores(&score(&base, &model), &score(&own, &model), &model)?;
        }
    }

    #[test]
    fn a_closed_renewal_is_won_or_lost_whatever_its_close_date(
        snapshot in snapshot(),
        days_left in 0i64..=120,
        close in -200i64..200,
        won in any::<bool>(),
    ) {
        // One active contract ending `days_left` days after the scoring date and one linked
        // renewal, closed; nothing else that could be the contract or its renewal.
        let model = Model::load_preset("csm-nine").unwrap();
        let mut closed = snapshot.clone();
        closed.contracts = vec![Contract {
            id: SfId::from_parts("800", 900),
            account_id: account_id(),
            status: Some(ContractStatus::Activated),
            start_date: Some(day(400)),
            end_date: Some(day(-days_left)),
            term_months: None,
            owner_id: None,
            contract_number: None,
        }];
        closed.opportunities = vec![Opportunity {
            id: SfId::from_parts("006", 900),
            account_id: Some(account_id()),
            name: "Renewal".into(),
            stage_name: if won { "Closed Won" } else { "Closed Lost" }.into(),
            close_date: day(close),
            amount: None,
            opportunity_type: Some("Renewal".into()),
            is_closed: true,
            is_won: won,
            record_type: Some("Renewal".into()),
            contract_id: Some(SfId::from_parts("800", 900)),
            owner_id: None,
            created_date: Some(instant(300)),
            vitals_key: None,
            churn_reason: None,
            renewal_risk: false,
            health_at_creation: None,
        }];
        let result = score(&closed, &model);
        let renewal = result.category("renewal_readiness");
        let expected = if won { 100.0 } else { 0.0 };
        prop_assert_eq!(renewal.and_then(|c| c.score), Some(expected), "{:?}", renewal.map(|c| &c.reason));
        let words = if won { "the renewal was won" } else { "the renewal was lost" };
        prop_assert!(renewal.is_some_and(|c| c.reason.contains(words)), "{:?}", renewal.map(|c| &c.reason));
    }

    #[test]
    fn evidence_names_each_record_once(snapshot in snapshot()) {
        for model in presets() {
            for c in &score(&snapshot, &model).categories {
                let mut ids = c.evidence.clone();
                ids.sort_unstable_by(|a, b| a.as_str().cmp(b.as_str()));
                ids.dedup();
                prop_assert_eq!(ids.len(), c.evidence.len(), "{}: {} {:?}", model.name, c.key, c.evidence);
                let mut fields = c.fields.clone();
                fields.sort_unstable();
                fields.dedup();
                prop_assert_eq!(fields.len(), c.fields.len(), "{}: {} {:?}", model.name, c.key, c.fields);
            }
        }
    }

    #[test]
    fn shown_points_add_up_to_the_shown_overall_and_shares_to_100(
        snapshot in snapshot(),
        previous in previous(),
    ) {
        for model in presets() {
            let result = score_account(&snapshot, &model, as_of(), &previous);
            let shown = displayed(&result);
            let tenths = |x: f64| (x * 10.0).round() as i64;
            match shown.overall {
                Some(overall) => {
                    prop_assert_ne!(&result.status, &HealthStatus::InsufficientData);
                    prop_assert_eq!(Some(overall), result.overall);
                    let points: i64 = shown.categories.iter().flatten().map(|n| tenths(n.points)).sum();
                    let shares: i64 = shown.categories.iter().flatten().map(|n| tenths(n.share)).sum();
                    prop_assert_eq!(points, tenths(overall), "{}: {:?}", model.name, shown);
                    prop_assert_eq!(shares, 1000, "{}: {:?}", model.name, shown);
                    for (c, n) in result.categories.iter().zip(&shown.categories) {
                        prop_assert_eq!(c.score.is_some(), n.is_some(), "{}: {}", model.name, c.key);
                    }
                }
                None => {
                    prop_assert!(result.status == HealthStatus::InsufficientData || result.overall.is_none());
                    prop_assert!(shown.categories.iter().all(Option::is_none));
                }
            }
            // The drivers shown never say more than the change, and the text fits its field.
            let impacts: i64 = result.change_drivers.iter().map(|d| tenths(d.impact)).sum();
            prop_assert!(result.change.is_some() || impacts == 0);
            prop_assert!(result.drivers.encode_utf16().count() <= HEALTH_DRIVERS_MAX);
            prop_assert_eq!(&result.drivers, &health_drivers(&result));
            if result.status == HealthStatus::InsufficientData {
                prop_assert!(result.drivers.starts_with("Insufficient data, not scored"), "{}", result.drivers);
                let text = render(&result);
                prop_assert!(text.contains("overall: not scored (Insufficient Data)"), "{text}");
                prop_assert!(!text.contains("\ntotal "), "{text}");
            }
        }
    }

    #[test]
    fn records_that_begin_after_as_of_change_nothing(
        snapshot in snapshot(),
        later in future_records(),
    ) {
        let mut appended = snapshot.clone();
        appended.contracts.extend(later.contracts);
        appended.cases.extend(later.cases);
        appended.opportunities.extend(later.opportunities);
        appended.events.extend(later.events);
        appended.tasks.extend(later.tasks);
        for model in presets() {
            let before = score(&snapshot, &model);
            let after = score(&appended, &model);
            same_scores(&before, &after, &model)?;
            prop_assert_eq!(before.coverage, after.coverage, "{}", model.name);
            prop_assert_eq!(&before.status, &after.status, "{}", model.name);
            prop_assert_eq!(&before.profile, &after.profile, "{}", model.name);
        }
    }
}
