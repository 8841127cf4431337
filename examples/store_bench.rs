//! State store benchmark: puts about 1,000,000 replica rows into a fresh SQLite state file
//! as a full load, then streams them back as account snapshots.
//!
//! ```sh
//! cargo run --release --example store_bench            # 50,000 accounts, 1,000,000 rows
//! cargo run --release --example store_bench -- 5000    # another number of accounts
//! VITALS_BENCH_POSTGRES_URL=postgres://... cargo run --release --example store_bench
//! ```
//!
//! With `VITALS_BENCH_POSTGRES_URL` set, the rows go into that PostgreSQL database (an
//! empty one: the full loads replace whatever the replica held) instead of a file.
//!
//! Every account has 19 related records (1 contract, 4 cases, 2 opportunities, 4 events,
//! 6 tasks, 2 history records), so a run writes 20 rows per account. Rows go in as the sync
//! would put them: per object, in pages of 2,000, each page one transaction. Prints rows/s
//! for both phases, the state file's size and the peak resident memory (`VmHWM` from
//! `/proc/self/status`) after each phase: streaming holds one account at a time, so the
//! second figure should not grow with the number of rows.

use std::error::Error;
use std::time::Instant;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use vitals::config::StateConfig;
use vitals::domain::{
    Account, ActivityType, Case, CasePriority, Contract, ContractStatus, CurrentHealth,
    DomainRecord, Event, HistoryRecord, Opportunity, SfId, SyncedObject, Task,
};
use vitals::secret::Secret;
use vitals::store::{ReplicaRow, Store};

const DEFAULT_ACCOUNTS: u64 = 50_000;
const PAGE: u64 = 2_000;

/// Related records per account, per object, in `SyncedObject::ALL` order after Account.
const PER_ACCOUNT: [(SyncedObject, u64); 6] = [
    (SyncedObject::Contract, 1),
    (SyncedObject::Case, 4),
    (SyncedObject::Opportunity, 2),
    (SyncedObject::Event, 4),
    (SyncedObject::Task, 6),
    (SyncedObject::History, 2),
];

fn main() -> Result<(), Box<dyn Error>> {
    let accounts = match std::env::args().nth(1) {
        Some(text) => text.parse::<u64>()?,
        None => DEFAULT_ACCOUNTS,
    };
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("state.db");
    let store = match std::env::var("VITALS_BENCH_POSTGRES_URL") {
        Ok(url) => Store::open(&StateConfig::Postgres {
            url: Secret::new(url),
        })?,
        Err(_) => Store::open_sqlite(&path)?,
    };

    let started = Instant::now();
    let rows = load(&store, accounts)?;
    let put_secs = started.elapsed().as_secs_f64();
    println!(
        "put:    {rows} rows in {put_secs:.1} s = {:.0} rows/s",
        rows as f64 / put_secs
    );
    let size = match std::fs::metadata(&path) {
        Ok(file) => format!("state file {:.0} MB", file.len() as f64 / 1e6),
        Err(_) => "in PostgreSQL".to_owned(),
    };
    println!("        {size}; peak memory (VmHWM) {}", peak_memory());

    let started = Instant::now();
    let (snapshots, streamed) = stream(&store)?;
    let stream_secs = started.elapsed().as_secs_f64();
    println!(
        "stream: {snapshots} snapshots, {streamed} rows in {stream_secs:.1} s = {:.0} rows/s",
        streamed as f64 / stream_secs
    );
    println!("        peak memory (VmHWM) {}", peak_memory());
    Ok(())
}

/// Puts every object as one full load, page by page.
fn load(store: &Store, accounts: u64) -> Result<u64, Box<dyn Error>> {
    let as_of = Utc
        .with_ymd_and_hms(2026, 6, 30, 12, 0, 0)
        .single()
        .ok_or("date")?;
    let mut total = 0;
    let objects = [(SyncedObject::Account, 1)].into_iter().chain(PER_ACCOUNT);
    for (object, per_account) in objects {
        let load = store.begin_full_load(object, "bench")?;
        let count = accounts * per_account;
        for first in (0..count).step_by(usize::try_from(PAGE)?) {
            let page: Vec<ReplicaRow> = (first..count.min(first + PAGE))
                .map(|serial| ReplicaRow {
                    modstamp: as_of,
                    record: record(object, serial, serial / per_account, as_of),
                })
                .collect();
            store.put_page(object, Some(load), &page, &[], None)?;
            total += u64::try_from(page.len())?;
        }
        store.finish_full_load(load, as_of, as_of)?;
    }
    Ok(total)
}

/// Streams every snapshot, counting accounts and rows.
fn stream(store: &Store) -> Result<(u64, u64), Box<dyn Error>> {
    let (mut snapshots, mut rows) = (0u64, 0u64);
    let report = store.each_snapshot(&mut |snapshot| {
        snapshots += 1;
        rows += 1 + u64::try_from(snapshot.related_count()).unwrap_or(0);
        Ok(())
    })?;
    if report.accounts != snapshots || !report.strays.is_empty() {
        return Err("the stream lost or strayed records".into());
    }
    Ok((snapshots, rows))
}

fn record(object: SyncedObject, serial: u64, account: u64, as_of: DateTime<Utc>) -> DomainRecord {
    let account_id = SfId::from_parts("001", account + 1);
    let id = |prefix| SfId::from_parts(prefix, serial + 1);
    let spread = i64::try_from((serial * 7) % 400).unwrap_or(0);
    let day = |back: i64| as_of.date_naive() - Duration::days(spread + back);
    match object {
        SyncedObject::Account => DomainRecord::Account(account_record(account_id, as_of)),
        SyncedObject::Contract => DomainRecord::Contract(contract(id("800"), account_id, day(0))),
        SyncedObject::Case => DomainRecord::Case(case(id("500"), account_id, as_of)),
        SyncedObject::Opportunity => {
            DomainRecord::Opportunity(opportunity(id("006"), account_id, day(3)))
        }
        SyncedObject::Event => DomainRecord::Event(event(id("00U"), account_id, day(5))),
        SyncedObject::Task => DomainRecord::Task(task(id("00T"), account_id, day(9))),
        SyncedObject::History => DomainRecord::History(history(id("a00"), account_id, day(30))),
    }
}

fn account_record(id: SfId, as_of: DateTime<Utc>) -> Account {
    Account {
        id,
        name: format!("Account {id}"),
        owner_id: Some(SfId::from_parts("005", 1)),
        owner_name: None,
        account_type: Some("Customer".into()),
        created_date: Some(as_of - Duration::days(700)),
        arr: Some(120_000.0),
        license_seats: Some(100.0),
        active_users: Some(81.0),
        core_feature_adoption: Some(62.5),
        last_product_activity: Some(as_of.date_naive()),
        kickoff_survey_score: Some(4.0),
        uat_survey_score: Some(5.0),
        csm_sentiment: None,
        csm_sentiment_comment: Some("Strong sponsor, renewal expected".into()),
        invoice_overdue_days: Some(0.0),
        health: CurrentHealth::default(),
    }
}

fn contract(id: SfId, account_id: SfId, start: NaiveDate) -> Contract {
    Contract {
        id,
        account_id,
        status: Some(ContractStatus::Activated),
        start_date: Some(start),
        end_date: Some(start + Duration::days(365)),
        term_months: Some(12),
        owner_id: Some(SfId::from_parts("005", 1)),
        contract_number: Some("00000100".into()),
    }
}

fn case(id: SfId, account_id: SfId, as_of: DateTime<Utc>) -> Case {
    Case {
        id,
        account_id: Some(account_id),
        case_number: Some("00001001".into()),
        priority: Some(CasePriority::High),
        status: Some("Closed".into()),
        is_escalated: false,
        is_closed: true,
        created_date: as_of - Duration::days(40),
        closed_date: Some(as_of - Duration::days(38)),
        csat_score: Some(4.0),
        sla_breached: false,
    }
}

fn opportunity(id: SfId, account_id: SfId, close: NaiveDate) -> Opportunity {
    Opportunity {
        id,
        account_id: Some(account_id),
        name: "Expansion".into(),
        stage_name: "Closed Won".into(),
        close_date: close,
        amount: Some(24_000.0),
        opportunity_type: Some("Existing Business".into()),
        is_closed: true,
        is_won: true,
        record_type: None,
        contract_id: None,
        owner_id: Some(SfId::from_parts("005", 1)),
        created_date: None,
        vitals_key: None,
        churn_reason: None,
        renewal_risk: false,
        health_at_creation: None,
    }
}

fn event(id: SfId, account_id: SfId, date: NaiveDate) -> Event {
    Event {
        id,
        account_id: Some(account_id),
        what_id: Some(account_id),
        owner_id: Some(SfId::from_parts("005", 1)),
        subject: Some("Business review".into()),
        event_type: Some(ActivityType::Qbr),
        start: None,
        end: None,
        duration_minutes: Some(60),
        activity_date: Some(date),
        is_all_day: false,
        milestone_completed_on: None,
        with_economic_buyer: false,
        vitals_key: None,
        playbook: None,
    }
}

fn task(id: SfId, account_id: SfId, date: NaiveDate) -> Task {
    Task {
        id,
        account_id: Some(account_id),
        what_id: Some(account_id),
        owner_id: Some(SfId::from_parts("005", 1)),
        subject: Some("Call with sponsor".into()),
        task_type: Some(ActivityType::Call),
        status: Some("Completed".into()),
        priority: Some("Normal".into()),
        is_closed: true,
        activity_date: Some(date),
        created_date: None,
        completed_at: None,
        milestone_completed_on: None,
        with_economic_buyer: false,
        vitals_key: None,
        playbook: None,
    }
}

fn history(id: SfId, account_id: SfId, period: NaiveDate) -> HistoryRecord {
    HistoryRecord {
        id: Some(id),
        account_id,
        period,
        score: Some(71.5),
        status: None,
        previous_score: Some(69.0),
        score_change: Some(2.5),
        calculated_at: None,
        coverage: Some(100.0),
        model: Some("balanced".into()),
        drivers: Some("Adoption up".into()),
        backfilled: false,
        key: Some(format!("{account_id}-{period}-balanced")),
        categories: Default::default(),
    }
}

/// Peak resident set size, as the kernel reports it.
fn peak_memory() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("VmHWM:"))
                .map(|value| value.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".into())
}
