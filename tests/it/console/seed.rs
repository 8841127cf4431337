//! The console's test data, put into a temporary SQLite store through the store API only:
//! six accounts with the health values an earlier sync wrote, one of them with related
//! records and four monthly history records, and three runs (one with failed writes).
//!
//! [`console_data`] is the data source of the page tests and of the first browser test: it
//! holds what a generated org does not (failed writes, evidence links to an org). The
//! second browser test reads the store of a demo sync instead.

use chrono::{DateTime, NaiveDate, TimeDelta, TimeZone, Utc};
use tempfile::TempDir;
use vitals::console::ConsoleState;
use vitals::domain::{
    Account, ActivityType, Case, CasePriority, Contract, ContractStatus, CurrentHealth,
    DomainRecord, Event, HealthStatus, HealthTrend, HistoryRecord, Opportunity, Outcome, Period,
    PlannedWrite, RecordError, Sentiment, SfId, SyncedObject, Target, Task, Value, WriteKind,
};
use vitals::scoring::Model;
use vitals::store::{
    NewRun, ReplicaRow, RunEnd, RunOutcome, RunStamp, RunSummary, RunTrigger, Store,
};

/// The org's address for record links in the page tests.
pub const ORG: &str = "https://acme.my.salesforce.com";

/// When the sync that scored started: the instant the console scores as of.
pub fn run_at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 16, 9, 0, 0).unwrap()
}

pub fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
}

pub fn account_id(n: u64) -> SfId {
    SfId::from_parts("001", n)
}

pub fn owner(n: u64) -> SfId {
    SfId::from_parts("005", n)
}

/// The name the org gives an owner: the first two sort in Id order, as their Ids do.
pub fn owner_name(id: SfId) -> String {
    match id {
        id if id == owner(1) => "Alex Morgan".to_owned(),
        id if id == owner(2) => "Blake Chen".to_owned(),
        other => format!("User {other}"),
    }
}

/// What the seeded store holds, for the tests to compare the pages with.
pub struct Expected {
    /// Every account: Id and name, in the list's default order (by name).
    pub accounts: Vec<(SfId, String)>,
    /// The account with related records and history.
    pub main: SfId,
    /// Its history records with a score (one chart point each).
    pub history_points: usize,
    /// The run with failed writes.
    pub failing_run: i64,
}

impl Expected {
    /// The account Ids as the accounts table lists them by default.
    pub fn listed(&self) -> Vec<String> {
        self.accounts.iter().map(|(id, _)| id.to_string()).collect()
    }
}

/// A store with the console's test data, the console over it, and what it holds.
pub struct Seeded {
    pub state: ConsoleState,
    pub expected: Expected,
    pub dir: TempDir,
}

/// The data source of the console's page tests: a seeded store. `org` links records to
/// the org when given.
pub fn console_data(org: Option<&str>) -> Seeded {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(&dir.path().join("state.db")).unwrap();
    let accounts = accounts();
    let mut by_name: Vec<(SfId, String)> =
        accounts.iter().map(|a| (a.id, a.name.clone())).collect();
    by_name.sort_by_key(|(id, name)| (name.to_lowercase(), *id));
    let expected = Expected {
        accounts: by_name,
        main: account_id(1),
        history_points: history().len(),
        failing_run: 2,
    };
    put(
        &store,
        accounts.into_iter().map(DomainRecord::Account).collect(),
    );
    put(&store, related());
    let failing_run = seed_runs(&store);
    assert_eq!(failing_run, expected.failing_run);
    let mut state = ConsoleState::new(
        store.clone(),
        Model::load_preset("csm-nine").unwrap(),
        Period::Monthly,
    );
    if let Some(org) = org {
        state = state.with_org_base(&url::Url::parse(org).unwrap());
    }
    Seeded {
        state,
        expected,
        dir,
    }
}

/// A store with `n` accounts of scores 0, 1, ... 99, 0, ... and no related records.
pub fn many_accounts(n: u64) -> (TempDir, ConsoleState) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(&dir.path().join("state.db")).unwrap();
    let accounts: Vec<DomainRecord> = (1..=n)
        .map(|i| {
            let status = if i % 3 == 0 {
                HealthStatus::AtRisk
            } else {
                HealthStatus::Healthy
            };
            let mut a = account(
                i,
                &format!("Customer {i:05}"),
                Some(owner(i % 7)),
                Some(1000.0 * i as f64),
            );
            a.health = health(
                Some((i % 100) as f64),
                status,
                HealthTrend::Stable,
                Some(0.0),
                Some(100.0),
            );
            DomainRecord::Account(a)
        })
        .collect();
    for chunk in accounts.chunks(1000) {
        put(&store, chunk.to_vec());
    }
    let state = ConsoleState::new(
        store,
        Model::load_preset("csm-nine").unwrap(),
        Period::Monthly,
    );
    (dir, state)
}

/// Puts records, one page per object.
pub fn put(store: &Store, records: Vec<DomainRecord>) {
    for object in SyncedObject::ALL {
        let rows: Vec<ReplicaRow> = records
            .iter()
            .filter(|r| r.object() == object)
            .map(|r| ReplicaRow {
                modstamp: run_at() - TimeDelta::hours(1),
                record: r.clone(),
            })
            .collect();
        if !rows.is_empty() {
            store.put_page(object, None, &rows, &[], None).unwrap();
        }
    }
}

fn account(n: u64, name: &str, owner: Option<SfId>, arr: Option<f64>) -> Account {
    Account {
        id: account_id(n),
        name: name.into(),
        owner_id: owner,
        owner_name: owner.map(owner_name),
        account_type: Some("Customer".into()),
        created_date: Some(at(2024, 1, 5, 9)),
        arr,
        license_seats: Some(100.0),
        active_users: Some(40.0),
        core_feature_adoption: Some(50.0),
        last_product_activity: Some(day(2026, 11, 14)),
        kickoff_survey_score: Some(4.0),
        uat_survey_score: Some(2.0),
        csm_sentiment: Some(Sentiment::Yellow),
        csm_sentiment_comment: Some("Sponsor left".into()),
        invoice_overdue_days: Some(0.0),
        health: CurrentHealth::default(),
    }
}

fn health(
    score: Option<f64>,
    status: HealthStatus,
    trend: HealthTrend,
    change: Option<f64>,
    coverage: Option<f64>,
) -> CurrentHealth {
    CurrentHealth {
        score,
        status: Some(status),
        trend: Some(trend),
        score_change: change,
        previous_score: score.zip(change).map(|(s, c)| s - c),
        coverage,
        drivers: None,
        scored_at: Some(run_at() - TimeDelta::days(1)),
        status_since: Some(day(2026, 10, 1)),
        model: Some("csm-nine".into()),
        categories: Default::default(),
    }
}

/// The six accounts, with the health values the org holds.
fn accounts() -> Vec<Account> {
    use HealthStatus as S;
    use HealthTrend as T;
    let rows = [
        (
            1,
            "Acme Corporation",
            Some(1),
            Some(120_000.0),
            Some(38.5),
            S::AtRisk,
            T::Declining,
            Some(-12.0),
            Some(100.0),
        ),
        (
            2,
            "Globex",
            Some(1),
            Some(80_000.0),
            Some(72.0),
            S::Healthy,
            T::Stable,
            Some(1.0),
            Some(90.0),
        ),
        (
            3,
            "Initech",
            Some(2),
            Some(45_000.0),
            Some(55.5),
            S::Monitor,
            T::Improving,
            Some(6.5),
            Some(85.0),
        ),
        (
            4,
            "Umbrella & Sons",
            Some(2),
            Some(200_000.0),
            Some(31.0),
            S::AtRisk,
            T::Declining,
            Some(-8.0),
            Some(75.0),
        ),
        (
            5,
            "Hooli",
            None,
            Some(10_000.0),
            None,
            S::InsufficientData,
            T::Stable,
            None,
            Some(30.0),
        ),
    ];
    let mut accounts: Vec<Account> = rows
        .into_iter()
        .map(
            |(n, name, who, arr, score, status, trend, change, coverage)| Account {
                health: health(score, status, trend, change, coverage),
                ..account(n, name, who.map(owner), arr)
            },
        )
        .collect();
    // Never scored: no health values at all.
    accounts.push(account(6, "Vandelay Industries", Some(owner(1)), None));
    accounts
}

/// The main account's four monthly history records, oldest first.
pub fn history() -> Vec<HistoryRecord> {
    [(7, 78.0), (8, 70.5), (9, 62.0), (10, 50.5)]
        .into_iter()
        .map(|(month, score)| HistoryRecord {
            id: Some(SfId::from_parts("a01", u64::from(month))),
            account_id: account_id(1),
            period: day(2026, month, 1),
            score: Some(score),
            status: Some(if score >= 70.0 {
                HealthStatus::Healthy
            } else {
                HealthStatus::Monitor
            }),
            previous_score: None,
            score_change: None,
            calculated_at: Some(at(2026, month, 28, 9)),
            coverage: Some(100.0),
            model: Some("csm-nine".into()),
            drivers: None,
            backfilled: month == 7,
            key: Some(format!("{}-2026-{month:02}-01-csm-nine", account_id(1))),
            categories: Default::default(),
        })
        .collect()
}

pub fn open_case_id() -> SfId {
    SfId::from_parts("500", 1)
}

pub fn qbr_id() -> SfId {
    SfId::from_parts("00U", 1)
}

pub fn open_task_id() -> SfId {
    SfId::from_parts("00T", 2)
}

/// The main account's related records: a contract ending in 14 days with a renewal behind
/// schedule, an open high-severity case, a QBR, a late milestone, a call, and two
/// playbook tasks (one open and overdue, one closed).
fn related() -> Vec<DomainRecord> {
    let acme = Some(account_id(1));
    let mut records = vec![
        DomainRecord::Contract(Contract {
            id: SfId::from_parts("800", 1),
            account_id: account_id(1),
            status: Some(ContractStatus::Activated),
            start_date: Some(day(2025, 12, 1)),
            end_date: Some(day(2026, 11, 30)),
            term_months: Some(12),
            owner_id: Some(owner(1)),
            contract_number: Some("00000100".into()),
        }),
        DomainRecord::Opportunity(Opportunity {
            id: SfId::from_parts("006", 1),
            account_id: acme,
            name: "Acme Corporation Renewal 2026-11-30".into(),
            stage_name: "Early Review".into(),
            close_date: day(2026, 11, 30),
            amount: Some(120_000.0),
            opportunity_type: Some("Renewal".into()),
            is_closed: false,
            is_won: false,
            record_type: Some("Renewal".into()),
            contract_id: Some(SfId::from_parts("800", 1)),
            owner_id: Some(owner(1)),
            created_date: Some(at(2026, 8, 2, 2)),
            vitals_key: Some(format!("{}-2026-11-30", SfId::from_parts("800", 1))),
            churn_reason: None,
            renewal_risk: true,
            health_at_creation: Some(70.5),
        }),
        case(open_case_id(), at(2026, 11, 1, 12), None, None),
        case(
            SfId::from_parts("500", 2),
            at(2026, 9, 20, 12),
            Some(at(2026, 10, 10, 12)),
            Some(4.0),
        ),
        event(qbr_id(), ActivityType::Qbr, day(2026, 9, 10), Some(60)),
        event(
            SfId::from_parts("00U", 2),
            ActivityType::Meeting,
            day(2026, 11, 5),
            Some(30),
        ),
    ];
    let mut milestone = event(
        SfId::from_parts("00U", 3),
        ActivityType::Milestone,
        day(2026, 10, 15),
        None,
    );
    if let DomainRecord::Event(e) = &mut milestone {
        e.milestone_completed_on = Some(day(2026, 10, 20));
    }
    records.push(milestone);
    records.push(task(
        SfId::from_parts("00T", 1),
        "Call with sponsor",
        None,
        true,
        day(2026, 11, 10),
    ));
    records.push(task(
        open_task_id(),
        "Escalation: notify leadership",
        Some("escalation"),
        false,
        day(2026, 11, 14),
    ));
    records.push(task(
        SfId::from_parts("00T", 3),
        "Health review",
        Some("health-review"),
        true,
        day(2026, 10, 2),
    ));
    records.extend(history().into_iter().map(DomainRecord::History));
    records
}

fn case(
    id: SfId,
    opened: DateTime<Utc>,
    closed: Option<DateTime<Utc>>,
    csat: Option<f64>,
) -> DomainRecord {
    DomainRecord::Case(Case {
        id,
        account_id: Some(account_id(1)),
        case_number: Some(format!("0000{}", id.as_str().get(12..15).unwrap_or("1"))),
        priority: Some(CasePriority::High),
        status: Some(if closed.is_some() { "Closed" } else { "New" }.into()),
        is_escalated: closed.is_none(),
        is_closed: closed.is_some(),
        created_date: opened,
        closed_date: closed,
        csat_score: csat,
        sla_breached: false,
    })
}

fn event(id: SfId, kind: ActivityType, on: NaiveDate, minutes: Option<i64>) -> DomainRecord {
    let start = on.and_hms_opt(15, 0, 0).unwrap().and_utc();
    DomainRecord::Event(Event {
        id,
        account_id: Some(account_id(1)),
        what_id: Some(account_id(1)),
        owner_id: Some(owner(1)),
        subject: Some(format!("{kind}")),
        event_type: Some(kind),
        start: minutes.map(|_| start),
        end: minutes.map(|m| start + TimeDelta::minutes(m)),
        duration_minutes: minutes,
        activity_date: Some(on),
        is_all_day: minutes.is_none(),
        milestone_completed_on: None,
        vitals_key: None,
        playbook: None,
        with_economic_buyer: false,
    })
}

fn task(
    id: SfId,
    subject: &str,
    playbook: Option<&str>,
    closed: bool,
    due: NaiveDate,
) -> DomainRecord {
    DomainRecord::Task(Task {
        id,
        account_id: Some(account_id(1)),
        what_id: Some(account_id(1)),
        owner_id: Some(owner(1)),
        subject: Some(subject.into()),
        task_type: Some(ActivityType::Call),
        status: Some(if closed { "Completed" } else { "Not Started" }.into()),
        priority: Some("High".into()),
        is_closed: closed,
        activity_date: Some(due),
        created_date: Some(at(2026, 10, 1, 8)),
        completed_at: closed.then(|| due.and_hms_opt(10, 0, 0).unwrap().and_utc()),
        milestone_completed_on: None,
        vitals_key: playbook.map(|p| format!("{p}:{}:{due}", account_id(1))),
        playbook: playbook.map(Into::into),
        with_economic_buyer: false,
    })
}

/// The Salesforce error of the rejected write, quoting a value as Salesforce does.
pub const REJECTION: &str = "Health score 38.5 needs a review note";

/// Three runs: a clean one the day before, one with two failed writes (the last to score),
/// and a backfill after it (which must not be the console's "as of"). Returns the Id of
/// the one with failures.
fn seed_runs(store: &Store) -> i64 {
    let earlier = run_at() - TimeDelta::days(1);
    finish(
        store,
        RunTrigger::Startup,
        earlier,
        RunOutcome::Succeeded,
        summary(6, 0),
    );
    let failing = begin(store, RunTrigger::Schedule, run_at());
    let lease = store
        .acquire_lease("test-host:42", run_at())
        .unwrap()
        .unwrap();
    let stamp = RunStamp {
        run: failing,
        epoch: lease.epoch,
        at: run_at(),
    };
    let writes = [
        write(WriteKind::AccountHealth, Target::Id(account_id(1)), 1),
        write(
            WriteKind::PlaybookTask,
            Target::Key(format!("escalation:{}:2026-11-16", account_id(4))),
            4,
        ),
    ];
    store.enqueue(&stamp, &writes).unwrap();
    let claimed = store.claim(&stamp, &WriteKind::ALL, 10).unwrap();
    let outcomes: Vec<_> = claimed
        .iter()
        .map(|entry| {
            let outcome = match entry.write.kind {
                WriteKind::AccountHealth => Outcome::Rejected {
                    errors: vec![RecordError {
                        code: "FIELD_CUSTOM_VALIDATION_EXCEPTION".into(),
                        message: REJECTION.into(),
                        fields: vec!["health_score".into()],
                    }],
                },
                _ => Outcome::Errored {
                    code: "UNABLE_TO_LOCK_ROW".into(),
                    message: "unable to obtain exclusive access to this record".into(),
                },
            };
            (entry.id, outcome)
        })
        .collect();
    store.record_outcomes(&stamp, &outcomes).unwrap();
    let end = RunEnd {
        finished_at: run_at() + TimeDelta::milliseconds(42_300),
        outcome: RunOutcome::FailedRecords,
        summary: summary(6, 2),
    };
    store.finish_run(failing, &end).unwrap();
    finish(
        store,
        RunTrigger::Backfill,
        run_at() + TimeDelta::hours(1),
        RunOutcome::Succeeded,
        summary(6, 0),
    );
    failing.0
}

fn begin(store: &Store, trigger: RunTrigger, started_at: DateTime<Utc>) -> vitals::store::RunId {
    store
        .begin_run(&NewRun {
            trigger,
            holder: "test-host:42".into(),
            started_at,
        })
        .unwrap()
}

fn finish(
    store: &Store,
    trigger: RunTrigger,
    started_at: DateTime<Utc>,
    outcome: RunOutcome,
    summary: RunSummary,
) {
    let id = begin(store, trigger, started_at);
    let end = RunEnd {
        finished_at: started_at + TimeDelta::seconds(95),
        outcome,
        summary,
    };
    store.finish_run(id, &end).unwrap();
}

fn summary(accounts: u64, failures: u64) -> RunSummary {
    RunSummary {
        records_read: [(SyncedObject::Account, accounts), (SyncedObject::Case, 2)]
            .into_iter()
            .collect(),
        accounts_scored: accounts,
        status_changes: 1,
        written: [(WriteKind::AccountHealth, 4), (WriteKind::History, 6)]
            .into_iter()
            .collect(),
        failures,
        skipped_records: 0,
        api_calls_used: 23,
        api_calls_left: Some(14_977),
        note: None,
    }
}

fn write(kind: WriteKind, target: Target, account: u64) -> PlannedWrite {
    PlannedWrite {
        kind,
        target,
        account_id: account_id(account),
        fields: vec![("health_score".into(), Value::Number(38.5))],
        reason: "test".into(),
    }
}
