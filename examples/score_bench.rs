//! Scoring benchmark: generates a portfolio of 100,000 accounts with about 5,000,000 related
//! records in memory and scores every account with the `csm-nine` preset.
//!
//! ```sh
//! cargo run --release --example score_bench            # 100,000 accounts
//! cargo run --release --example score_bench -- 20000   # another portfolio size
//! ```
//!
//! Generation is deterministic (each account's records come from a generator seeded with
//! the account's number), and both generation and scoring are spread over the available
//! cores with `std::thread::scope`. Prints accounts/s, records/s, elapsed time and the peak
//! resident memory (`VmHWM` from `/proc/self/status`).

use std::collections::BTreeMap;
use std::error::Error;
use std::thread;
use std::time::Instant;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use vitals::domain::{
    Account, AccountSnapshot, ActivityType, Case, CasePriority, Contract, ContractStatus,
    CurrentHealth, Event, HealthStatus, Opportunity, SfId, Task,
};
use vitals::scoring::{Model, Periods, Previous, score_account};

const DEFAULT_ACCOUNTS: u64 = 100_000;
const SEED: u64 = 0x5EED_CAFE;

fn main() -> Result<(), Box<dyn Error>> {
    let accounts = match std::env::args().nth(1) {
        Some(text) => text.parse::<u64>()?,
        None => DEFAULT_ACCOUNTS,
    };
    let cores = thread::available_parallelism().map_or(1, |n| n.get());
    let model = Model::load_preset("csm-nine")?;
    let as_of = Utc
        .with_ymd_and_hms(2026, 6, 30, 12, 0, 0)
        .single()
        .ok_or("bad benchmark instant")?;

    let started = Instant::now();
    let portfolio = generate(accounts, cores, as_of);
    let generated_in = started.elapsed();
    let records: usize = portfolio.iter().map(AccountSnapshot::related_count).sum();

    let started = Instant::now();
    let statuses = score_all(&portfolio, &model, as_of, cores);
    let elapsed = started.elapsed();

    let secs = elapsed.as_secs_f64();
    let account_count = portfolio.len();
    println!(
        "portfolio: {account_count} accounts, {records} related records (generated in {:.2} s)",
        generated_in.as_secs_f64()
    );
    println!("scored with csm-nine on {cores} threads in {secs:.3} s");
    println!("  {:.0} accounts/s", count_f64(account_count) / secs);
    println!("  {:.0} records/s", count_f64(records) / secs);
    println!("  statuses: {statuses:?}");
    match peak_memory() {
        Some(peak) => println!("peak memory (VmHWM): {peak}"),
        None => println!("peak memory: /proc/self/status not available"),
    }
    Ok(())
}

fn count_f64(n: usize) -> f64 {
    // Portfolio sizes are far below 2^32, so the conversion is exact.
    f64::from(u32::try_from(n).unwrap_or(u32::MAX))
}

/// Generates `accounts` snapshots on `cores` threads.
fn generate(accounts: u64, cores: usize, as_of: DateTime<Utc>) -> Vec<AccountSnapshot> {
    let cores_u64 = u64::try_from(cores).unwrap_or(1).max(1);
    let per_thread = accounts.div_ceil(cores_u64);
    thread::scope(|scope| {
        let handles: Vec<_> = (0..cores_u64)
            .map(|t| {
                let first = t * per_thread;
                let last = ((t + 1) * per_thread).min(accounts);
                scope.spawn(move || {
                    (first..last)
                        .map(|n| account_snapshot(n + 1, as_of))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    })
}

/// Scores every snapshot, a contiguous slice per thread; returns the status counts.
fn score_all(
    portfolio: &[AccountSnapshot],
    model: &Model,
    as_of: DateTime<Utc>,
    cores: usize,
) -> BTreeMap<String, usize> {
    let chunk = portfolio.len().div_ceil(cores.max(1)).max(1);
    let periods = Periods {
        current: NaiveDate::from_ymd_opt(2026, 6, 1).unwrap_or_default(),
        previous: NaiveDate::from_ymd_opt(2026, 5, 1).unwrap_or_default(),
    };
    thread::scope(|scope| {
        let handles: Vec<_> = portfolio
            .chunks(chunk)
            .map(|slice| {
                scope.spawn(move || {
                    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
                    for snapshot in slice {
                        let previous =
                            Previous::from_snapshot(snapshot, &model.name, periods, as_of);
                        let score = score_account(snapshot, model, as_of, &previous);
                        *counts.entry(score.status.as_api().to_owned()).or_default() += 1;
                    }
                    counts
                })
            })
            .collect();
        let mut total = BTreeMap::new();
        for handle in handles {
            for (status, n) in handle.join().unwrap_or_default() {
                *total.entry(status).or_default() += n;
            }
        }
        total
    })
}

/// One account with about 50 related records: 1-2 contracts, ~12 cases, ~2 opportunities,
/// ~20 events and ~14 tasks spread over the past 18 months.
fn account_snapshot(n: u64, as_of: DateTime<Utc>) -> AccountSnapshot {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let id = SfId::from_parts("001", n);
    let seats: f64 = f64::from(rng.random_range(5u32..2000));
    let account = Account {
        id,
        name: format!("Account {n}"),
        owner_id: Some(SfId::from_parts("005", n % 50 + 1)),
        owner_name: None,
        account_type: Some("Customer".to_owned()),
        created_date: None,
        arr: Some(f64::from(rng.random_range(5_000u32..900_000))),
        license_seats: rng.random_bool(0.9).then_some(seats),
        active_users: Some((seats * rng.random_range(0.0..1.1)).round()),
        core_feature_adoption: rng
            .random_bool(0.7)
            .then(|| f64::from(rng.random_range(0u32..=100))),
        last_product_activity: Some(day(as_of, rng.random_range(0..60))),
        kickoff_survey_score: rng
            .random_bool(0.6)
            .then(|| f64::from(rng.random_range(1u32..=5))),
        uat_survey_score: rng
            .random_bool(0.5)
            .then(|| f64::from(rng.random_range(1u32..=5))),
        csm_sentiment: None,
        csm_sentiment_comment: None,
        invoice_overdue_days: None,
        health: CurrentHealth {
            score: Some(f64::from(rng.random_range(0u32..=1000)) / 10.0),
            status: Some(HealthStatus::Monitor),
            scored_at: Some(as_of - Duration::days(1)),
            status_since: Some(day(as_of, 40)),
            model: Some("csm-nine".to_owned()),
            ..CurrentHealth::default()
        },
    };
    let mut snapshot = AccountSnapshot::new(account);
    let serial = |k: u64| n * 100 + k;

    for k in 0..rng.random_range(1u64..=2) {
        let start = rng.random_range(30..700);
        snapshot.contracts.push(Contract {
            id: SfId::from_parts("800", serial(k)),
            account_id: id,
            status: Some(if k == 0 {
                ContractStatus::Activated
            } else {
                ContractStatus::Expired
            }),
            start_date: Some(day(as_of, start)),
            end_date: Some(day(as_of, start - 365)),
            term_months: Some(12),
            owner_id: None,
            contract_number: None,
        });
    }
    for k in 0..rng.random_range(6u64..=18) {
        let created = rng.random_range(0..540);
        let closed = rng.random_bool(0.8);
        let priorities = [
            CasePriority::Low,
            CasePriority::Medium,
            CasePriority::High,
            CasePriority::Critical,
        ];
        snapshot.cases.push(Case {
            id: SfId::from_parts("500", serial(k)),
            account_id: Some(id),
            case_number: None,
            priority: priorities.get(rng.random_range(0..4)).cloned(),
            status: None,
            is_escalated: rng.random_bool(0.05),
            is_closed: closed,
            created_date: instant(as_of, created),
            closed_date: closed
                .then(|| instant(as_of, created - rng.random_range(0..created.max(1)))),
            csat_score: (closed && rng.random_bool(0.5))
                .then(|| f64::from(rng.random_range(1u32..=5))),
            sla_breached: rng.random_bool(0.08),
        });
    }
    for k in 0..rng.random_range(1u64..=3) {
        snapshot.opportunities.push(Opportunity {
            id: SfId::from_parts("006", serial(k)),
            account_id: Some(id),
            name: String::new(),
            stage_name: [
                "Early Review",
                "Stakeholder Confirmed",
                "Terms Agreed",
                "At Risk",
            ]
            .get(rng.random_range(0..4))
            .copied()
            .unwrap_or("Early Review")
            .to_owned(),
            close_date: day(as_of, -rng.random_range(0..200)),
            amount: None,
            opportunity_type: Some("Renewal".to_owned()),
            is_closed: false,
            is_won: false,
            record_type: Some("Renewal".to_owned()),
            contract_id: Some(SfId::from_parts("800", serial(0))),
            owner_id: None,
            created_date: None,
            vitals_key: None,
            churn_reason: None,
            renewal_risk: false,
            health_at_creation: None,
        });
    }
    for k in 0..rng.random_range(12u64..=28) {
        let offset = rng.random_range(-30..540);
        let kind = match rng.random_range(0..10) {
            0 => ActivityType::Qbr,
            1 | 2 => ActivityType::Milestone,
            _ => ActivityType::Meeting,
        };
        let timed = kind != ActivityType::Milestone;
        snapshot.events.push(Event {
            id: SfId::from_parts("00U", serial(k)),
            account_id: Some(id),
            what_id: None,
            owner_id: None,
            subject: None,
            milestone_completed_on: (kind == ActivityType::Milestone && rng.random_bool(0.7))
                .then(|| day(as_of, offset - rng.random_range(-10..10))),
            event_type: Some(kind),
            start: timed.then(|| instant(as_of, offset)),
            end: None,
            duration_minutes: timed.then(|| rng.random_range(10..120)),
            activity_date: Some(day(as_of, offset)),
            is_all_day: !timed,
            vitals_key: None,
            playbook: None,
            with_economic_buyer: false,
        });
    }
    for k in 0..rng.random_range(8u64..=20) {
        let offset = rng.random_range(-10..540);
        snapshot.tasks.push(Task {
            id: SfId::from_parts("00T", serial(k)),
            account_id: Some(id),
            what_id: None,
            owner_id: None,
            subject: None,
            task_type: Some(ActivityType::Call),
            status: None,
            priority: None,
            is_closed: rng.random_bool(0.7),
            activity_date: Some(day(as_of, offset)),
            created_date: Some(instant(as_of, offset.max(0))),
            completed_at: None,
            milestone_completed_on: None,
            vitals_key: None,
            playbook: None,
            with_economic_buyer: false,
        });
    }
    snapshot
}

fn day(as_of: DateTime<Utc>, days_before: i64) -> NaiveDate {
    as_of.date_naive() - Duration::days(days_before)
}

fn instant(as_of: DateTime<Utc>, days_before: i64) -> DateTime<Utc> {
    as_of - Duration::days(days_before) - Duration::hours(2)
}

/// Peak resident set size, as the kernel reports it.
fn peak_memory() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .map(|value| value.trim().to_owned())
}
