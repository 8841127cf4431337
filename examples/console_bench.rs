//! Console benchmark: how long the web console takes to build its pages for a large org.
//!
//! ```sh
//! cargo run --release --example console_bench            # 10,000 accounts
//! cargo run --release --example console_bench -- 50000   # another number of accounts
//! ```
//!
//! Puts the accounts (with health values, 40 owners) into a fresh SQLite state file, each
//! with 12 monthly history records, 2 cases, 2 events and 2 tasks, plus one finished run;
//! then asks the router in-process for each page seven times and prints the fastest and
//! the median time per page and the page's size. Every request reads the store again:
//! the console keeps no cache.

use std::error::Error;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{DateTime, NaiveDate, TimeDelta, TimeZone, Utc};
use tower::ServiceExt;
use vitals::console::{self, ConsoleState};
use vitals::domain::{
    Account, Case, CasePriority, CurrentHealth, DomainRecord, Event, HealthStatus, HealthTrend,
    HistoryRecord, Period, SfId, SyncedObject, Task,
};
use vitals::scoring::Model;
use vitals::store::{NewRun, ReplicaRow, RunEnd, RunOutcome, RunSummary, RunTrigger, Store};

const DEFAULT_ACCOUNTS: u64 = 10_000;
const PAGE: u64 = 1_000;
const REPEATS: usize = 7;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 16, 9, 0, 0)
        .single()
        .unwrap_or_default()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn Error>> {
    let accounts = match std::env::args().nth(1) {
        Some(text) => text.parse::<u64>()?,
        None => DEFAULT_ACCOUNTS,
    };
    let dir = tempfile::tempdir()?;
    let store = Store::open_sqlite(&dir.path().join("state.db"))?;
    let started = Instant::now();
    load(&store, accounts)?;
    println!(
        "seeded {accounts} accounts ({} rows) in {:.1} s",
        accounts * 19,
        started.elapsed().as_secs_f64()
    );
    let state = ConsoleState::new(store, Model::load_preset("csm-nine")?, Period::Monthly);
    let owner = SfId::from_parts("005", 7);
    let pages = [
        "/".to_owned(),
        "/?sort=score".to_owned(),
        format!("/?sort=arr&dir=desc&page={}", accounts / 400 + 1),
        format!("/?status=at-risk&owner={owner}"),
        format!("/accounts/{}", SfId::from_parts("001", accounts / 2)),
        "/runs".to_owned(),
    ];
    for page in &pages {
        measure(&state, page).await?;
    }
    Ok(())
}

/// Asks for a page [`REPEATS`] times and prints the fastest and the median time.
async fn measure(state: &ConsoleState, uri: &str) -> Result<(), Box<dyn Error>> {
    let mut times = Vec::with_capacity(REPEATS);
    let mut size = 0;
    for _ in 0..REPEATS {
        let request = Request::get(uri).body(Body::empty())?;
        let started = Instant::now();
        let response = console::router(state.clone()).oneshot(request).await?;
        if response.status() != StatusCode::OK {
            return Err(format!("{uri}: {}", response.status()).into());
        }
        let body = axum::body::to_bytes(response.into_body(), usize::MAX).await?;
        times.push(started.elapsed());
        // An account page must hold the breakdown, or its time measures something else.
        let text = String::from_utf8_lossy(&body);
        if uri.starts_with("/accounts/") && !text.contains("id=\"breakdown\"") {
            return Err(format!("{uri}: no breakdown in the page").into());
        }
        size = body.len();
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "{uri:<45} fastest {:>7.1} ms  median {:>7.1} ms  {:>6} KB",
        ms(times[0]),
        ms(times[REPEATS / 2]),
        size / 1000
    );
    Ok(())
}

/// Puts the accounts and their related records, per object in pages, and one run.
fn load(store: &Store, accounts: u64) -> Result<(), Box<dyn Error>> {
    for object in SyncedObject::ALL {
        let mut first = 1;
        while first <= accounts {
            let last = (first + PAGE - 1).min(accounts);
            let rows: Vec<ReplicaRow> = (first..=last)
                .flat_map(|n| records(object, n))
                .map(|record| ReplicaRow {
                    modstamp: now(),
                    record,
                })
                .collect();
            store.put_page(object, None, &rows, &[], None)?;
            first = last + 1;
        }
    }
    let run = store.begin_run(&NewRun {
        trigger: RunTrigger::Schedule,
        holder: "bench".into(),
        started_at: now(),
    })?;
    let summary = RunSummary {
        accounts_scored: accounts,
        ..RunSummary::default()
    };
    let end = RunEnd {
        finished_at: now() + TimeDelta::seconds(60),
        outcome: RunOutcome::Succeeded,
        summary,
    };
    store.finish_run(run, &end)?;
    Ok(())
}

/// Account `n`'s records of one object.
fn records(object: SyncedObject, n: u64) -> Vec<DomainRecord> {
    let account = SfId::from_parts("001", n);
    let day = |months_back: u64| {
        NaiveDate::from_ymd_opt(2026, 11, 1)
            .and_then(|d| d.checked_sub_months(chrono::Months::new(months_back as u32)))
            .unwrap_or_default()
    };
    match object {
        SyncedObject::Account => vec![DomainRecord::Account(account_record(n))],
        SyncedObject::History => (1..=12)
            .map(|m| DomainRecord::History(history(n * 100 + m, account, day(m), n)))
            .collect(),
        SyncedObject::Case => (0..2)
            .map(|i| DomainRecord::Case(case(SfId::from_parts("500", n * 10 + i), account)))
            .collect(),
        SyncedObject::Event => (0..2)
            .map(|i| {
                DomainRecord::Event(event(SfId::from_parts("00U", n * 10 + i), account, day(i)))
            })
            .collect(),
        SyncedObject::Task => (0..2)
            .map(|i| DomainRecord::Task(task(SfId::from_parts("00T", n * 10 + i), account, day(i))))
            .collect(),
        SyncedObject::Contract | SyncedObject::Opportunity => Vec::new(),
    }
}

fn account_record(n: u64) -> Account {
    let score = (n * 37 % 1000) as f64 / 10.0;
    let status = match score {
        s if s >= 70.0 => HealthStatus::Healthy,
        s if s >= 40.0 => HealthStatus::Monitor,
        _ => HealthStatus::AtRisk,
    };
    Account {
        id: SfId::from_parts("001", n),
        name: format!("Customer {n:06}"),
        owner_id: Some(SfId::from_parts("005", n % 40)),
        owner_name: None,
        account_type: Some("Customer".into()),
        created_date: Some(now() - TimeDelta::days(700)),
        arr: Some((n % 97) as f64 * 1_500.0),
        license_seats: Some(100.0),
        active_users: Some((n % 100) as f64),
        core_feature_adoption: Some(60.0),
        last_product_activity: Some(now().date_naive()),
        kickoff_survey_score: Some(4.0),
        uat_survey_score: Some(4.0),
        csm_sentiment: None,
        csm_sentiment_comment: None,
        invoice_overdue_days: None,
        health: CurrentHealth {
            score: Some(score),
            status: Some(status),
            trend: Some(HealthTrend::Stable),
            score_change: Some(0.5),
            previous_score: Some(score - 0.5),
            coverage: Some(95.0),
            drivers: Some("seat utilisation below target; no QBR in 120 days".into()),
            scored_at: Some(now()),
            status_since: Some(now().date_naive()),
            model: Some("csm-nine".into()),
            categories: Default::default(),
        },
    }
}

fn history(serial: u64, account: SfId, period: NaiveDate, n: u64) -> HistoryRecord {
    HistoryRecord {
        id: Some(SfId::from_parts("a01", serial)),
        account_id: account,
        period,
        score: Some(((n + serial) * 13 % 1000) as f64 / 10.0),
        status: Some(HealthStatus::Monitor),
        previous_score: None,
        score_change: None,
        calculated_at: Some(now()),
        coverage: Some(100.0),
        model: Some("csm-nine".into()),
        drivers: None,
        backfilled: false,
        key: None,
        categories: Default::default(),
    }
}

fn case(id: SfId, account: SfId) -> Case {
    Case {
        id,
        account_id: Some(account),
        case_number: None,
        priority: Some(CasePriority::High),
        status: Some("New".into()),
        is_escalated: false,
        is_closed: false,
        created_date: now() - TimeDelta::days(10),
        closed_date: None,
        csat_score: None,
        sla_breached: false,
    }
}

fn event(id: SfId, account: SfId, on: NaiveDate) -> Event {
    Event {
        id,
        account_id: Some(account),
        what_id: Some(account),
        owner_id: None,
        subject: Some("Meeting".into()),
        event_type: None,
        start: None,
        end: None,
        duration_minutes: Some(30),
        activity_date: Some(on),
        is_all_day: false,
        milestone_completed_on: None,
        vitals_key: None,
        playbook: None,
        with_economic_buyer: false,
    }
}

fn task(id: SfId, account: SfId, due: NaiveDate) -> Task {
    Task {
        id,
        account_id: Some(account),
        what_id: Some(account),
        owner_id: None,
        subject: Some("Follow up".into()),
        task_type: None,
        status: Some("Not Started".into()),
        priority: Some("Normal".into()),
        is_closed: false,
        activity_date: Some(due),
        created_date: Some(now() - TimeDelta::days(20)),
        completed_at: None,
        milestone_completed_on: None,
        vitals_key: Some(format!("re-engagement:{account}:{due}")),
        playbook: Some("re-engagement".into()),
        with_economic_buyer: false,
    }
}
