//! `vitals backfill`'s run (`sync::run_backfill`) over HTTP against the emulator: a year of
//! a small org seeded through REST as time passes (the emulator's clock is moved, never
//! waited on), twelve monthly records per account checked against a hand computation,
//! a second run that writes nothing, a dry run that writes nothing, a record the org
//! already holds left alone and used as the next period's previous, and a run stopped at
//! the API budget that the next run finishes without a duplicate.
//!
//! The year, as the org records it (the clock starts on 2024-12-01 and ends on 2026-01-05,
//! when the backfill runs; the twelve periods are January to December 2025):
//!
//! - **Steady Co**, created 2024-12-01: a 24-month contract from 2024-06-01 (ends
//!   2026-05-31); a 60-minute meeting on the 10th of every month of 2025 and a 60-minute
//!   QBR on 20 February, May, August and November; no cases. Seats 100, active users 90 and
//!   a kickoff survey of 5 on the account today, which backfill must not use.
//! - **Sliding Ltd**, created 2024-12-01: a 36-month contract from 2024-01-01 (ends
//!   2026-12-31); 30-minute meetings on the 5th of January to April 2025, then silence; no
//!   QBR ever; case 1 (High) opened 2025-03-12, closed 2025-04-15 with CSAT 2; case 2
//!   (Critical, escalated) opened 2025-06-03, still open; case 3 (Medium, SLA breached)
//!   opened 2025-09-08, closed 2025-09-20 with CSAT 3.
//! - **Late Arrival AG**, created 2025-07-15: history only from July.

use chrono::{DateTime, TimeZone, Utc};
use emulator::DataSource;
use serde_json::{Value, json};
use vitals::domain::{SfId, WriteKind};
use vitals::store::RunOutcome;
use vitals::sync::{self, RunReport, Writes};

use crate::common::Org;
use crate::common::rest::Rest;
use crate::common::sync::{context, csm_org_config, state_file};
use crate::sync_book::alex;

/// The seeded org and its accounts' Ids.
pub struct Year {
    pub org: Org,
    pub rest: Rest,
    pub steady: String,
    pub sliding: String,
    pub late: String,
}

/// The instant the backfill runs at: January 2026, so the twelve periods that ended are
/// January to December 2025.
pub fn backfill_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, 12, 0, 0).unwrap()
}

/// Moves the org's clock to `at` (always forward) and logs in again, as a user at that
/// time would.
async fn at(org: &Org, at: &str) -> Rest {
    let instant = DateTime::parse_from_rfc3339(at)
        .unwrap()
        .with_timezone(&Utc);
    assert!(
        instant >= org.emu.state.clock.now(),
        "the clock only moves on"
    );
    org.emu.state.clock.set(instant);
    Rest::login(org).await
}

async fn meeting(rest: &Rest, account: &str, kind: &str, start: &str, minutes: u32) {
    rest.create(
        "Event",
        json!({
            "WhatId": account, "Subject": format!("{kind} with the customer"),
            "Type": kind, "StartDateTime": start, "DurationInMinutes": minutes,
        }),
    )
    .await;
}

async fn contract(rest: &Rest, account: &str, start: &str, months: u32) {
    let id = rest
        .create(
            "Contract",
            json!({"AccountId": account, "StartDate": start, "ContractTerm": months}),
        )
        .await;
    rest.update("Contract", &id, json!({"Status": "Activated"}))
        .await;
}

async fn case(rest: &Rest, account: &str, fields: Value) -> String {
    let mut body = json!({"AccountId": account, "Origin": "Web", "Subject": "A support case"});
    if let (Some(body), Value::Object(fields)) = (body.as_object_mut(), fields) {
        body.extend(fields);
    }
    rest.create("Case", body).await
}

/// Seeds the year described in the module docs, moving the clock through it, and leaves
/// the clock at [`backfill_time`].
pub async fn seeded_year() -> Year {
    let mut config = csm_org_config(DataSource::Empty);
    config.fixed_clock = Some(Utc.with_ymd_and_hms(2024, 12, 1, 12, 0, 0).unwrap());
    let org = Org::with(config).await;
    let rest = Rest::login(&org).await;
    let steady = rest
        .create(
            "Account",
            json!({
                "Name": "Steady Co", "Type": "Customer - Direct", "OwnerId": alex(),
                "License_Seats__c": 100, "Active_Users__c": 90, "Kickoff_Survey_Score__c": 5,
            }),
        )
        .await;
    let sliding = rest
        .create(
            "Account",
            json!({"Name": "Sliding Ltd", "Type": "Customer - Direct", "OwnerId": alex()}),
        )
        .await;
    contract(&rest, &steady, "2024-06-01", 24).await;
    contract(&rest, &sliding, "2024-01-01", 36).await;
    // Meetings are in the calendar before they happen; a meeting exists for scoring from
    // its start.
    for month in 1..=12 {
        let start = format!("2025-{month:02}-10T15:00:00.000Z");
        meeting(&rest, &steady, "Meeting", &start, 60).await;
        if month % 3 == 2 {
            let start = format!("2025-{month:02}-20T15:00:00.000Z");
            meeting(&rest, &steady, "QBR", &start, 60).await;
        }
    }
    for month in 1..=4 {
        let start = format!("2025-{month:02}-05T15:00:00.000Z");
        meeting(&rest, &sliding, "Meeting", &start, 30).await;
    }

    let rest = at(&org, "2025-03-12T09:00:00Z").await;
    let first = case(&rest, &sliding, json!({"Priority": "High"})).await;
    let rest = at(&org, "2025-04-15T09:00:00Z").await;
    rest.update(
        "Case",
        &first,
        json!({"Status": "Closed", "CSAT_Score__c": 2}),
    )
    .await;
    let rest = at(&org, "2025-06-03T09:00:00Z").await;
    case(
        &rest,
        &sliding,
        json!({"Priority": "Critical", "IsEscalated": true}),
    )
    .await;
    let rest = at(&org, "2025-07-15T09:00:00Z").await;
    let late = rest
        .create(
            "Account",
            json!({"Name": "Late Arrival AG", "Type": "Customer - Direct", "OwnerId": alex()}),
        )
        .await;
    let rest = at(&org, "2025-09-08T09:00:00Z").await;
    let third = case(
        &rest,
        &sliding,
        json!({"Priority": "Medium", "SLA_Breached__c": true}),
    )
    .await;
    let rest = at(&org, "2025-09-20T09:00:00Z").await;
    rest.update(
        "Case",
        &third,
        json!({"Status": "Closed", "CSAT_Score__c": 3}),
    )
    .await;
    let rest = at(&org, &backfill_time().to_rfc3339()).await;
    Year {
        org,
        rest,
        steady,
        sliding,
        late,
    }
}

const HISTORY: &str = "SELECT Id, Account__c, Period__c, Score__c, Status__c, Previous_Score__c, \
     Score_Change__c, Coverage__c, Backfilled__c, Key__c, Model__c, Calculated_At__c, \
     Adoption__c, Case_Health__c, Engagement_Recency__c, Support_Satisfaction__c, \
     Business_Reviews__c, Milestones__c, Renewal_Readiness__c, Project_Surveys__c, \
     Meeting_Depth__c FROM Health_Score_History__c";

/// Every history record of the org.
pub async fn history(rest: &Rest) -> Vec<Value> {
    rest.query(HISTORY).await
}

/// A number as the expectations write it: one decimal at most, `-` for empty.
fn shown(value: &Value) -> String {
    match value.as_f64() {
        None => "-".to_owned(),
        Some(x) => {
            let rounded = (x * 10.0).round() / 10.0;
            if rounded == 0.0 {
                "0".to_owned()
            } else if rounded.fract() == 0.0 {
                format!("{rounded:.0}")
            } else {
                format!("{rounded:.1}")
            }
        }
    }
}

/// One account's records, oldest first, one line each: period, score, status, previous,
/// change, coverage, then the categories that vary (and the two that must stay empty).
fn lines(records: &[Value], account: &str) -> Vec<String> {
    let id = SfId::parse(account).unwrap().to_string();
    let mut mine: Vec<&Value> = records
        .iter()
        .filter(|r| r["Account__c"].as_str() == Some(&id))
        .collect();
    mine.sort_by_key(|r| r["Period__c"].as_str().unwrap_or_default().to_owned());
    mine.iter()
        .map(|r| {
            format!(
                "{} {} {} prev={} change={} cov={} | case={} eng={} csat={} qbr={} renewal={} meetings={} adoption={} surveys={}",
                r["Period__c"].as_str().unwrap_or("?"),
                shown(&r["Score__c"]),
                r["Status__c"].as_str().unwrap_or("?"),
                shown(&r["Previous_Score__c"]),
                shown(&r["Score_Change__c"]),
                shown(&r["Coverage__c"]),
                shown(&r["Case_Health__c"]),
                shown(&r["Engagement_Recency__c"]),
                shown(&r["Support_Satisfaction__c"]),
                shown(&r["Business_Reviews__c"]),
                shown(&r["Renewal_Readiness__c"]),
                shown(&r["Meeting_Depth__c"]),
                shown(&r["Adoption__c"]),
                shown(&r["Project_Surveys__c"]),
            )
        })
        .collect()
}

/// Steady Co, by hand (csm-nine, `config/models/csm-nine.toml`), as of each month's last
/// second. Adoption (20) and project surveys (5) read account fields, which have no
/// history: no data in the past. Milestones (10): none due; support satisfaction (10): no
/// case closed. So the weights with data are case health 15, engagement 15, business
/// reviews 10, renewal 10 and meeting depth 5: 55, coverage 55 %.
///
/// - case health 100 (no cases); renewal 100 (the contract ends 2026-05-31, more than 120
///   days after every period); meeting depth 100 (every meeting 60 min, ≥ 45).
/// - engagement: last contact the meeting of the 10th (20 or 21 days before the month's
///   end: ≤ 30 → 75), or in QBR months the QBR of the 20th (8 to 11 days: ≤ 14 → 100).
/// - business reviews: January has no QBR yet (none ever scores 0); from February the last
///   QBR is at most 72 days old (≤ 90 → 100).
///
/// January: (100×15 + 75×15 + 0×10 + 100×10 + 100×5) / 55 = 4125 / 55 = 75.0, Healthy,
/// no previous. QBR months: 5500 / 55 = 100.0. Other months: 5125 / 55 = 93.18 → 93.2.
/// Change against the previous record as the org holds it: 100 − 75 = +25; 93.18 − 100 =
/// −6.8; 93.18 − 93.2 = −0.02 → 0; 100 − 93.2 = +6.8. Healthy throughout (≥ 70).
const STEADY: [&str; 12] = [
    "2025-01-01 75 Healthy prev=- change=- cov=55 | case=100 eng=75 csat=- qbr=0 renewal=100 meetings=100 adoption=- surveys=-",
    "2025-02-01 100 Healthy prev=75 change=25 cov=55 | case=100 eng=100 csat=- qbr=100 renewal=100 meetings=100 adoption=- surveys=-",
    "2025-03-01 93.2 Healthy prev=100 change=-6.8 cov=55 | case=100 eng=75 csat=- qbr=100 renewal=100 meetings=100 adoption=- surveys=-",
    "2025-04-01 93.2 Healthy prev=93.2 change=0 cov=55 | case=100 eng=75 csat=- qbr=100 renewal=100 meetings=100 adoption=- surveys=-",
    "2025-05-01 100 Healthy prev=93.2 change=6.8 cov=55 | case=100 eng=100 csat=- qbr=100 renewal=100 meetings=100 adoption=- surveys=-",
    "2025-06-01 93.2 Healthy prev=100 change=-6.8 cov=55 | case=100 eng=75 csat=- qbr=100 renewal=100 meetings=100 adoption=- surveys=-",
    "2025-07-01 93.2 Healthy prev=93.2 change=0 cov=55 | case=100 eng=75 csat=- qbr=100 renewal=100 meetings=100 adoption=- surveys=-",
    "2025-08-01 100 Healthy prev=93.2 change=6.8 cov=55 | case=100 eng=100 csat=- qbr=100 renewal=100 meetings=100 adoption=- surveys=-",
    "2025-09-01 93.2 Healthy prev=100 change=-6.8 cov=55 | case=100 eng=75 csat=- qbr=100 renewal=100 meetings=100 adoption=- surveys=-",
    "2025-10-01 93.2 Healthy prev=93.2 change=0 cov=55 | case=100 eng=75 csat=- qbr=100 renewal=100 meetings=100 adoption=- surveys=-",
    "2025-11-01 100 Healthy prev=93.2 change=6.8 cov=55 | case=100 eng=100 csat=- qbr=100 renewal=100 meetings=100 adoption=- surveys=-",
    "2025-12-01 93.2 Healthy prev=100 change=-6.8 cov=55 | case=100 eng=75 csat=- qbr=100 renewal=100 meetings=100 adoption=- surveys=-",
];

/// Sliding Ltd, by hand, as of each month's last second. Always with data: case health
/// 15, engagement 15, business reviews 10 (no QBR ever: 0), renewal 10 (ends 2026-12-31:
/// 100). Support satisfaction 10 while a case closed within 180 days; meeting depth 5
/// while a meeting lies within 90 days (30 min: (30 − 15) / (45 − 15) = 50).
///
/// - case health: March: case 1 open (it closed only in April) and High: −25 → 75. April
///   and May: 100. June to August: case 2 open Critical −25 and escalated −15 → 60.
///   September to November: also case 3's SLA breach, closed 2025-09-20, within 90 days:
///   −20 → 40. December: case 3 is 102 days closed and 114 days old → 60.
/// - engagement: January to April the meeting of the 5th, 23 to 26 days before the end
///   (75); from May the last contact is 2025-04-05, 56+ days (> 45 → 0).
/// - CSAT (1 → 0, 5 → 100): April to August case 1's 2 → 25; September the mean of 2
///   and 3 = 2.5 → 37.5; October on only case 3's 3 → 50 (case 1 is over 180 days closed).
/// - meeting depth: January to June 50; from July no meeting within 90 days: no data.
///
/// | month | sum | weights | score | status (hysteresis 3) | change |
/// |---|---|---|---|---|---|
/// | Jan | 1500 + 1125 + 0 + 1000 + 250 = 3875 | 55 | 70.45 → 70.5 | Healthy | - |
/// | Feb | 3875 | 55 | 70.5 | Healthy | 70.45 − 70.5 → 0 |
/// | Mar | 1125 + 1125 + 0 + 1000 + 250 = 3500 | 55 | 63.6 | Monitor (below 67) | −6.9 |
/// | Apr | 1500 + 1125 + 250 + 0 + 1000 + 250 = 4125 | 65 | 63.46 → 63.5 | Monitor | −0.1 |
/// | May | 1500 + 0 + 250 + 0 + 1000 + 250 = 3000 | 65 | 46.15 → 46.2 | Monitor | −17.3 |
/// | Jun | 900 + 0 + 250 + 0 + 1000 + 250 = 2400 | 65 | 36.92 → 36.9 | At Risk (below 37) | −9.3 |
/// | Jul | 900 + 0 + 250 + 0 + 1000 = 2150 | 60 | 35.83 → 35.8 | At Risk | −1.1 |
/// | Aug | 2150 | 60 | 35.8 | At Risk | 0 |
/// | Sep | 600 + 0 + 375 + 0 + 1000 = 1975 | 60 | 32.92 → 32.9 | At Risk | −2.9 |
/// | Oct | 600 + 0 + 500 + 0 + 1000 = 2100 | 60 | 35.0 | At Risk | +2.1 |
/// | Nov | 2100 | 60 | 35.0 | At Risk | 0 |
/// | Dec | 900 + 0 + 500 + 0 + 1000 = 2400 | 60 | 40.0 | At Risk (Monitor needs 43) | +5 |
const SLIDING: [&str; 12] = [
    "2025-01-01 70.5 Healthy prev=- change=- cov=55 | case=100 eng=75 csat=- qbr=0 renewal=100 meetings=50 adoption=- surveys=-",
    "2025-02-01 70.5 Healthy prev=70.5 change=0 cov=55 | case=100 eng=75 csat=- qbr=0 renewal=100 meetings=50 adoption=- surveys=-",
    "2025-03-01 63.6 Monitor prev=70.5 change=-6.9 cov=55 | case=75 eng=75 csat=- qbr=0 renewal=100 meetings=50 adoption=- surveys=-",
    "2025-04-01 63.5 Monitor prev=63.6 change=-0.1 cov=65 | case=100 eng=75 csat=25 qbr=0 renewal=100 meetings=50 adoption=- surveys=-",
    "2025-05-01 46.2 Monitor prev=63.5 change=-17.3 cov=65 | case=100 eng=0 csat=25 qbr=0 renewal=100 meetings=50 adoption=- surveys=-",
    "2025-06-01 36.9 At Risk prev=46.2 change=-9.3 cov=65 | case=60 eng=0 csat=25 qbr=0 renewal=100 meetings=50 adoption=- surveys=-",
    "2025-07-01 35.8 At Risk prev=36.9 change=-1.1 cov=60 | case=60 eng=0 csat=25 qbr=0 renewal=100 meetings=- adoption=- surveys=-",
    "2025-08-01 35.8 At Risk prev=35.8 change=0 cov=60 | case=60 eng=0 csat=25 qbr=0 renewal=100 meetings=- adoption=- surveys=-",
    "2025-09-01 32.9 At Risk prev=35.8 change=-2.9 cov=60 | case=40 eng=0 csat=37.5 qbr=0 renewal=100 meetings=- adoption=- surveys=-",
    "2025-10-01 35 At Risk prev=32.9 change=2.1 cov=60 | case=40 eng=0 csat=50 qbr=0 renewal=100 meetings=- adoption=- surveys=-",
    "2025-11-01 35 At Risk prev=35 change=0 cov=60 | case=40 eng=0 csat=50 qbr=0 renewal=100 meetings=- adoption=- surveys=-",
    "2025-12-01 40 At Risk prev=35 change=5 cov=60 | case=60 eng=0 csat=50 qbr=0 renewal=100 meetings=- adoption=- surveys=-",
];

fn history_writes(report: &RunReport) -> (u64, u64) {
    (
        report
            .planned
            .get(&WriteKind::History)
            .copied()
            .unwrap_or(0),
        report
            .written
            .get(&WriteKind::History)
            .copied()
            .unwrap_or(0),
    )
}

#[tokio::test]
async fn a_year_of_history_matches_the_hand_computation_and_a_second_run_writes_nothing() {
    let year = seeded_year().await;
    let (_dir, path) = state_file();
    let ctx = context(&year.org, &path);
    let report = sync::run_backfill(&ctx, 12, Writes::Apply).await.unwrap();
    assert_eq!(report.outcome, RunOutcome::Succeeded, "{}", report.render());
    // 12 periods for two accounts, 6 (July to December) for the account created in July.
    assert_eq!(history_writes(&report), (30, 30), "{}", report.render());
    let summary = report.backfill.clone().unwrap();
    assert_eq!(summary.periods.len(), 12);
    assert_eq!((summary.unchanged, summary.before_account), (0, 6));
    assert_eq!(report.accounts_scored, 3);
    let text = report.render();
    for line in [
        "Backfill run 1 (applied): succeeded",
        "backfill: 12 periods (2025-01-01 to 2025-12-01, by first day), 3 accounts",
        "history records: 30 planned, 30 written, 0 unchanged (already in the org, left alone), 0 failed",
        "6 periods ended before their account was created",
    ] {
        assert!(text.contains(line), "{line:?} in:\n{text}");
    }
    // Backfill writes history only: no health fields, renewals or tasks of today.
    assert_eq!(report.planned.len(), 1, "{text}");

    let records = history(&year.rest).await;
    assert_eq!(records.len(), 30);
    assert_eq!(lines(&records, &year.steady), STEADY);
    assert_eq!(lines(&records, &year.sliding), SLIDING);
    let late = lines(&records, &year.late);
    assert_eq!(late.len(), 6);
    assert!(late[0].starts_with("2025-07-01 "), "{late:?}");
    for record in &records {
        assert_eq!(record["Backfilled__c"], true, "{record}");
        assert_eq!(record["Model__c"], "csm-nine");
        let period = record["Period__c"].as_str().unwrap();
        let account = record["Account__c"].as_str().unwrap();
        assert_eq!(record["Key__c"], format!("{account}-{period}-csm-nine"));
    }
    // Calculated as of the period's last second.
    let december = records
        .iter()
        .find(|r| r["Period__c"] == "2025-12-01")
        .unwrap();
    assert_eq!(december["Calculated_At__c"], "2025-12-31T23:59:59.000+0000");

    // A second run, later: the org holds every record, so nothing is planned or written.
    year.org.advance(3600).await;
    let again = sync::run_backfill(&ctx, 12, Writes::Apply).await.unwrap();
    assert_eq!(again.outcome, RunOutcome::Succeeded, "{}", again.render());
    assert_eq!(history_writes(&again), (0, 0), "{}", again.render());
    assert_eq!(again.backfill.as_ref().unwrap().unchanged, 30);
    let after = history(&year.rest).await;
    assert_eq!(after.len(), 30, "each record created once");
    assert_eq!(after, records, "nothing rewritten");
}

#[tokio::test]
async fn a_dry_run_writes_nothing_and_a_record_the_org_holds_is_left_alone() {
    let year = seeded_year().await;
    // A record a CSM keeps for Sliding Ltd's June (live, not backfilled, other values).
    let june = year
        .rest
        .create(
            "Health_Score_History__c",
            json!({
                "Account__c": year.sliding, "Period__c": "2025-06-01",
                "Key__c": format!("{}-2025-06-01-csm-nine", SfId::parse(&year.sliding).unwrap()),
                "Score__c": 50, "Status__c": "Monitor", "Model__c": "csm-nine",
                "Backfilled__c": false,
            }),
        )
        .await;
    let (_dir, path) = state_file();
    let ctx = context(&year.org, &path);
    year.org.clear_requests().await;
    let dry = sync::run_backfill(&ctx, 12, Writes::DryRun).await.unwrap();
    assert_eq!(dry.outcome, RunOutcome::Succeeded, "{}", dry.render());
    assert!(dry.dry_run);
    let plan = dry.plan.clone().unwrap();
    assert_eq!(plan.writes.len(), 29, "June of Sliding Ltd is held");
    assert_eq!(dry.backfill.as_ref().unwrap().unchanged, 1);
    // Nothing went to the org: no write call, and it holds only the CSM's record.
    let writes = year
        .org
        .emu
        .state
        .requests()
        .log
        .into_iter()
        .filter(|e| e.method != "GET" && e.path.starts_with("/services/data/"))
        .count();
    assert_eq!(writes, 0);
    assert_eq!(history(&year.rest).await.len(), 1);

    // July compares with the record the org holds for June: previous 50, Monitor, so July's
    // 35.83 is At Risk (below 37) with a change of 35.83 − 50 = −14.2.
    let sliding18 = SfId::parse(&year.sliding).unwrap();
    let july = plan
        .writes
        .iter()
        .find(|w| w.target.as_text() == format!("{sliding18}-2025-07-01-csm-nine"))
        .unwrap();
    let number = |name: &str| match july.field(name) {
        Some(vitals::domain::Value::Number(n)) => (n * 10.0).round() / 10.0,
        other => panic!("{name}: {other:?}"),
    };
    assert_eq!(number("previous_score"), 50.0);
    assert_eq!(number("score_change"), -14.2);
    assert_eq!(
        july.field("status"),
        Some(&vitals::domain::Value::Text("At Risk".into()))
    );

    // Applied, the CSM's record keeps its values.
    let report = sync::run_backfill(&ctx, 12, Writes::Apply).await.unwrap();
    assert_eq!(history_writes(&report), (29, 29), "{}", report.render());
    let held = year.rest.get("Health_Score_History__c", &june).await;
    assert_eq!(held["Score__c"], 50.0);
    assert_eq!(held["Backfilled__c"], false);
    assert_eq!(history(&year.rest).await.len(), 30);
}

#[tokio::test]
async fn a_backfill_stopped_at_the_api_budget_is_finished_by_the_next_run() {
    use std::sync::Arc;

    use vitals::salesforce::wire::FieldMap;
    use vitals::scoring::Model;
    use vitals::store::Store;
    use vitals::sync::SyncContext;

    use crate::common::sf::{client, client_credentials, settings};
    use crate::common::sync::{EmulatorClock, sync_config};

    let year = seeded_year().await;
    // How many calls reading the org takes: a dry run reads and writes nothing.
    let (_dry_dir, dry_path) = state_file();
    let dry = sync::run_backfill(&context(&year.org, &dry_path), 12, Writes::DryRun)
        .await
        .unwrap();
    let reads = dry.api.used;
    // A day later (the dry run's calls have left the rolling window), Vitals may use half
    // of an allocation of twice that: enough to read, not to write.
    year.org.advance(25 * 3600).await;
    year.org
        .settings(json!({ "apiLimit": 2 * reads, "apiUsage": 0 }))
        .await;
    let (_dir, path) = state_file();
    let mut limited = settings(&year.org, client_credentials());
    limited.max_api_share = 0.5;
    let ctx = SyncContext::new(
        sync_config(),
        Store::open_sqlite(&path).unwrap(),
        client(limited).0,
        Model::load_preset("csm-nine").unwrap(),
        FieldMap::default(),
        Arc::new(EmulatorClock(year.org.emu.state.clone())),
    )
    .with_holder("test");
    let stopped = sync::run_backfill(&ctx, 12, Writes::Apply).await.unwrap();
    assert_eq!(stopped.outcome, RunOutcome::Stopped, "{}", stopped.render());
    assert!(
        stopped
            .note
            .as_deref()
            .unwrap_or_default()
            .contains("API budget reached"),
        "{}",
        stopped.render()
    );
    assert_eq!(history_writes(&stopped), (30, 0), "{}", stopped.render());
    assert_eq!(stopped.api.used, reads, "{}", stopped.render());
    let rest = Rest::login(&year.org).await;
    assert!(history(&rest).await.is_empty());

    // The next day the budget has room: the outbox goes out first, and the run then finds
    // every record in the org.
    year.org.advance(25 * 3600).await;
    let next = sync::run_backfill(&ctx, 12, Writes::Apply).await.unwrap();
    assert_eq!(next.outcome, RunOutcome::Succeeded, "{}", next.render());
    assert_eq!(history_writes(&next), (0, 30), "{}", next.render());
    assert_eq!(next.backfill.as_ref().unwrap().unchanged, 30);
    let records = history(&Rest::login(&year.org).await).await;
    assert_eq!(records.len(), 30);
    assert_eq!(lines(&records, &year.sliding), SLIDING);
}
