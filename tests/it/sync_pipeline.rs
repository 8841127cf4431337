//! The sync end to end over HTTP against the emulator: the first sync of a seeded book,
//! a no-change cycle within the call bound, a changed and a deleted case, a purged recycle
//! bin, a hand edit put right, records a CSM deleted left deleted.

use std::collections::BTreeMap;

use emulator::DataSource;
use emulator::state::LoggedRequest;
use serde_json::{Value, json};
use vitals::domain::{SfId, SyncedObject, WriteKind};
use vitals::store::{AccountRef, RunOutcome, SnapshotLookup};
use vitals::sync::{FullReason, ReadHow, RunReport, SyncContext};

use crate::common::Org;
use crate::common::rest::Rest;
use crate::common::sync::{context, csm_org_config, run, state_file};
use crate::sync_book::{Book, alex, blake, seed};

/// An org holding the seeded book, a REST session on it and the book's Ids.
pub async fn seeded() -> (Org, Rest, Book) {
    let org = Org::with(csm_org_config(DataSource::Empty)).await;
    let rest = Rest::login(&org).await;
    let book = seed(&rest).await;
    (org, rest, book)
}

/// The API calls the org served since its log was cleared (the token endpoint is not one).
pub fn api_calls(org: &Org) -> Vec<LoggedRequest> {
    org.emu
        .state
        .requests()
        .log
        .into_iter()
        .filter(|e| e.path.starts_with("/services/data/v"))
        .collect()
}

/// The records sent in write calls since the log was cleared.
pub fn written_records(org: &Org) -> Vec<Value> {
    api_calls(org)
        .into_iter()
        .filter(|e| e.method != "GET" && e.path.contains("/composite/sobjects"))
        .flat_map(|e| {
            e.body
                .and_then(|b| b.get("records").cloned())
                .and_then(|r| r.as_array().cloned())
                .unwrap_or_default()
        })
        .collect()
}

/// Every field of the records of `object` the org holds, by Id, for the fields asked.
pub async fn records(rest: &Rest, soql: &str) -> BTreeMap<String, Value> {
    rest.query(soql)
        .await
        .into_iter()
        .map(|r| (r["Id"].as_str().unwrap().to_owned(), r))
        .collect()
}

fn writes(report: &RunReport, kind: WriteKind) -> u64 {
    report.written.get(&kind).copied().unwrap_or(0)
}

fn planned(report: &RunReport) -> u64 {
    report.planned.values().sum()
}

/// The account Id as 18 characters (the org's answer form).
pub fn id18(id: &str) -> String {
    SfId::parse(id).unwrap().to_string()
}

/// An account's snapshot in the replica the sync keeps.
fn replica(ctx: &SyncContext, id: &str) -> vitals::domain::AccountSnapshot {
    match ctx
        .store
        .snapshot(&AccountRef::Id(SfId::parse(id).unwrap()))
        .unwrap()
    {
        SnapshotLookup::Found(snapshot) => *snapshot,
        other => panic!("{id} is not in the replica: {other:?}"),
    }
}

/// A seeded org synced once; the clock then moves ten minutes on.
async fn synced_once() -> (Org, Rest, Book, tempfile::TempDir, SyncContext) {
    let (org, rest, book) = seeded().await;
    let (dir, path) = state_file();
    let ctx = context(&org, &path);
    let report = run(&ctx).await.unwrap();
    assert_eq!(report.outcome, RunOutcome::Succeeded, "{}", report.render());
    org.advance(600).await;
    (org, rest, book, dir, ctx)
}

#[tokio::test]
async fn the_first_sync_writes_statuses_history_one_renewal_and_the_playbook_tasks() {
    let (org, rest, book) = seeded().await;
    let (_dir, path) = state_file();
    let ctx = context(&org, &path);
    let report = run(&ctx).await.unwrap();
    assert_eq!(report.outcome, RunOutcome::Succeeded, "{}", report.render());
    assert_eq!(report.accounts_scored, 6);
    assert_eq!(report.status_changes, 6, "no account had a status before");
    assert!(report.failures.items.is_empty());

    // Statuses: the healthy account Healthy, the troubled one At Risk, each with a score,
    // the model and the instant scored.
    let accounts = records(
        &rest,
        "SELECT Id, Name, Health_Score__c, Health_Status__c, Health_Model__c, Health_Scored_At__c, Health_Drivers__c FROM Account",
    )
    .await;
    assert_eq!(
        accounts[&id18(&book.healthy)]["Health_Status__c"],
        "Healthy"
    );
    assert_eq!(
        accounts[&id18(&book.troubled)]["Health_Status__c"],
        "At Risk"
    );
    for account in accounts.values() {
        assert!(account["Health_Score__c"].is_number(), "{account}");
        assert_eq!(account["Health_Model__c"], "csm-nine");
        assert_eq!(
            account["Health_Scored_At__c"],
            "2026-03-02T12:00:00.000+0000"
        );
        assert!(!account["Health_Drivers__c"].as_str().unwrap().is_empty());
    }
    let troubled_score = accounts[&id18(&book.troubled)]["Health_Score__c"]
        .as_f64()
        .unwrap();
    assert!(troubled_score < 40.0, "{troubled_score}");

    // One history record per account for March, keyed account-period-model, with the
    // account's score.
    let history = records(
        &rest,
        "SELECT Id, Account__c, Key__c, Period__c, Score__c, Status__c, Model__c FROM Health_Score_History__c",
    )
    .await;
    assert_eq!(history.len(), 6);
    for account in book.accounts() {
        let account = id18(account);
        let held: Vec<&Value> = history
            .values()
            .filter(|h| h["Account__c"] == account.as_str())
            .collect();
        assert_eq!(held.len(), 1, "one history record for {account}");
        assert_eq!(
            held[0]["Key__c"],
            format!("{account}-2026-03-01-csm-nine").as_str()
        );
        assert_eq!(held[0]["Period__c"], "2026-03-01");
        assert_eq!(held[0]["Score__c"], accounts[&account]["Health_Score__c"]);
        assert_eq!(held[0]["Status__c"], accounts[&account]["Health_Status__c"]);
    }

    // One renewal, for the contract ending in 100 days only, as product-spec 6 says.
    let renewals = rest
        .query("SELECT Id, Name, StageName, CloseDate, Amount, OwnerId, Type, ContractId, AccountId, RecordType.DeveloperName, Vitals_Key__c, Health_At_Creation__c, Renewal_Risk__c FROM Opportunity WHERE Type = 'Renewal'")
        .await;
    assert_eq!(renewals.len(), 1, "{renewals:?}");
    assert!(
        rest.query(&format!(
            "SELECT Id FROM Opportunity WHERE ContractId = '{}'",
            book.later_contract
        ))
        .await
        .is_empty(),
        "no renewal yet for the contract ending in 200 days"
    );
    let renewal = &renewals[0];
    assert_eq!(renewal["Name"], "Renewal Soon Ltd Renewal 2026-06-10");
    assert_eq!(renewal["StageName"], "Early Review");
    assert_eq!(renewal["CloseDate"], "2026-06-10");
    assert_eq!(renewal["Amount"], 50000.0);
    assert_eq!(renewal["OwnerId"], alex().as_str());
    assert_eq!(renewal["ContractId"], id18(&book.soon_contract).as_str());
    assert_eq!(renewal["RecordType"]["DeveloperName"], "Renewal");
    assert_eq!(renewal["Renewal_Risk__c"], false);
    // The renewal counts in the score written with it (renewal readiness reads it).
    assert_eq!(
        renewal["Health_At_Creation__c"],
        accounts[&id18(&book.renewal_soon)]["Health_Score__c"]
    );
    assert_eq!(
        renewal["Vitals_Key__c"],
        format!("{}-2026-06-10", id18(&book.soon_contract)).as_str()
    );

    // The tasks: escalation for the troubled account (escalated case, detractor surveys),
    // onboarding for the won deal, re-engagement for the silent account; each to the
    // account's owner, related to the account, not started.
    let tasks: BTreeMap<String, Value> = rest
        .query("SELECT Id, Vitals_Key__c, OwnerId, WhatId, Status, Playbook__c, ActivityDate, Priority FROM Task")
        .await
        .into_iter()
        .map(|t| (t["Vitals_Key__c"].as_str().unwrap().to_owned(), t))
        .collect();
    let expected = [
        (
            format!("escalation:{}:2026-03-02", id18(&book.troubled)),
            blake(),
            id18(&book.troubled),
            "escalation",
        ),
        (
            format!("onboarding:{}:2026-02-25", id18(&book.deal)),
            blake(),
            id18(&book.new_deal),
            "onboarding",
        ),
        (
            format!("re-engagement:{}:2026-03-02", id18(&book.quiet)),
            alex(),
            id18(&book.quiet),
            "re-engagement",
        ),
    ];
    assert_eq!(
        tasks.keys().cloned().collect::<Vec<_>>(),
        expected.iter().map(|e| e.0.clone()).collect::<Vec<_>>()
    );
    for (key, owner, what, playbook) in &expected {
        let task = &tasks[key];
        assert_eq!(task["OwnerId"], owner.as_str(), "{key}");
        assert_eq!(task["WhatId"], what.as_str(), "{key}");
        assert_eq!(task["Status"], "Not Started", "{key}");
        assert_eq!(task["Playbook__c"], *playbook, "{key}");
    }
    assert_eq!(tasks[&expected[0].0]["Priority"], "High");
    assert_eq!(tasks[&expected[0].0]["ActivityDate"], "2026-03-03");

    // The report counts what the org now holds.
    assert_eq!(writes(&report, WriteKind::AccountHealth), 6);
    assert_eq!(writes(&report, WriteKind::History), 6);
    assert_eq!(writes(&report, WriteKind::Renewal), 1);
    assert_eq!(writes(&report, WriteKind::PlaybookTask), 3);
    // The console shows the owner's name, read with the accounts.
    let SnapshotLookup::Found(snapshot) = ctx
        .store
        .snapshot(&AccountRef::Name("Quiet Corp".into()))
        .unwrap()
    else {
        panic!("Quiet Corp is in the replica");
    };
    assert_eq!(snapshot.account.owner_name.as_deref(), Some("Morgan"));
}

#[tokio::test]
async fn a_second_sync_with_no_change_writes_nothing_and_reads_each_object_once() {
    let (org, _rest, _book, _dir, ctx) = synced_once().await;
    org.clear_requests().await;
    let report = run(&ctx).await.unwrap();
    assert_eq!(report.outcome, RunOutcome::Succeeded, "{}", report.render());
    assert_eq!(planned(&report), 0, "{}", report.render());
    assert_eq!(report.accounts_scored, 6);
    assert_eq!(report.status_changes, 0);
    let calls = api_calls(&org);
    let summary: Vec<String> = calls
        .iter()
        .map(|e| format!("{} {}", e.method, e.path))
        .collect();
    // One queryAll per object read (seven) plus the one delete-log Composite call.
    assert!(calls.len() <= SyncedObject::ALL.len() + 1, "{summary:#?}");
    assert_eq!(
        calls
            .iter()
            .filter(|e| e.path == "/services/data/v66.0/queryAll")
            .count(),
        SyncedObject::ALL.len(),
        "{summary:#?}"
    );
    assert_eq!(
        calls
            .iter()
            .filter(|e| e.path == "/services/data/v66.0/composite")
            .count(),
        1
    );
    assert!(written_records(&org).is_empty());
    assert_eq!(report.api.used, u64::try_from(calls.len()).unwrap());
    assert!(
        report
            .reads
            .iter()
            .all(|r| r.how == ReadHow::Incremental && !r.bulk)
    );
}

#[tokio::test]
async fn changing_one_case_changes_what_is_written_for_its_account_only() {
    let (org, rest, book, _dir, ctx) = synced_once().await;
    // The critical case is solved: the troubled account's case health improves.
    rest.update(
        "Case",
        &book.troubled_cases[1],
        json!({"Status": "Closed", "CSAT_Score__c": 4}),
    )
    .await;
    org.advance(60).await;
    org.clear_requests().await;
    let report = run(&ctx).await.unwrap();
    assert_eq!(report.outcome, RunOutcome::Succeeded, "{}", report.render());
    let sent = written_records(&org);
    assert!(!sent.is_empty(), "{}", report.render());
    let troubled = id18(&book.troubled);
    for record in &sent {
        let about = record["Id"]
            .as_str()
            .or(record["Account__c"].as_str())
            .unwrap_or_default();
        assert_eq!(
            about, troubled,
            "only the troubled account's writes: {record}"
        );
    }
    assert_eq!(writes(&report, WriteKind::AccountHealth), 1);
    assert_eq!(writes(&report, WriteKind::History), 1);
}

#[tokio::test]
async fn a_deleted_case_leaves_the_replica_and_the_score() {
    let (org, rest, book, _dir, ctx) = synced_once().await;
    let case = book.troubled_cases[1].clone();
    rest.delete("Case", &case).await;
    org.advance(60).await;
    let report = run(&ctx).await.unwrap();
    let cases = report
        .reads
        .iter()
        .find(|r| r.object == SyncedObject::Case)
        .unwrap();
    assert_eq!((cases.how, cases.deleted), (ReadHow::Incremental, 1));
    let snapshot = replica(&ctx, &book.troubled);
    assert!(
        snapshot
            .cases
            .iter()
            .all(|c| c.id != SfId::parse(&case).unwrap())
    );
    assert_eq!(
        writes(&report, WriteKind::AccountHealth),
        1,
        "{}",
        report.render()
    );
}

#[tokio::test]
async fn a_recycle_bin_purged_after_the_watermark_reloads_that_object_whole() {
    let (org, rest, book, _dir, ctx) = synced_once().await;
    let case = book.troubled_cases[1].clone();
    rest.delete("Case", &case).await;
    // Emptied for good: queryAll no longer shows the deletion, and the delete log says
    // it may have lost some.
    assert_eq!(org.emu.state.purge_recycle_bin().await.unwrap(), 1);
    org.advance(60).await;
    let report = run(&ctx).await.unwrap();
    assert_eq!(report.outcome, RunOutcome::Succeeded, "{}", report.render());
    let how: BTreeMap<SyncedObject, ReadHow> =
        report.reads.iter().map(|r| (r.object, r.how)).collect();
    assert_eq!(
        how[&SyncedObject::Case],
        ReadHow::Full {
            reason: FullReason::DeleteLogPurged
        }
    );
    assert_eq!(how[&SyncedObject::Account], ReadHow::Incremental);
    let snapshot = replica(&ctx, &book.troubled);
    assert_eq!(snapshot.cases.len(), 2, "the purged case is gone");
    // The reload set a new watermark: the next cycle reads changes again.
    org.advance(60).await;
    let again = run(&ctx).await.unwrap();
    assert!(again.reads.iter().all(|r| r.how == ReadHow::Incremental));
}

#[tokio::test]
async fn a_hand_edit_of_a_health_field_is_put_right() {
    let (org, rest, book, _dir, ctx) = synced_once().await;
    let before = rest.get("Account", &book.healthy).await;
    rest.update("Account", &book.healthy, json!({"Health_Score__c": 12}))
        .await;
    org.advance(60).await;
    org.clear_requests().await;
    let report = run(&ctx).await.unwrap();
    assert_eq!(writes(&report, WriteKind::AccountHealth), 1);
    assert_eq!(planned(&report), 1, "{}", report.render());
    let after = rest.get("Account", &book.healthy).await;
    assert_eq!(after["Health_Score__c"], before["Health_Score__c"]);
    let sent = written_records(&org);
    assert_eq!(sent.len(), 1);
    // Only what differs goes out, with the scoring instant.
    assert_eq!(sent[0]["Health_Score__c"], before["Health_Score__c"]);
    assert!(sent[0].get("Health_Status__c").is_none(), "{}", sent[0]);
}

#[tokio::test]
async fn a_task_and_a_renewal_the_csm_deleted_are_not_created_again() {
    let (org, rest, book, _dir, ctx) = synced_once().await;
    let renewal = rest
        .query("SELECT Id FROM Opportunity WHERE Type = 'Renewal'")
        .await;
    let task = rest
        .query(&format!(
            "SELECT Id FROM Task WHERE Vitals_Key__c = 'escalation:{}:2026-03-02'",
            id18(&book.troubled)
        ))
        .await;
    rest.delete("Opportunity", renewal[0]["Id"].as_str().unwrap())
        .await;
    rest.delete("Task", task[0]["Id"].as_str().unwrap()).await;
    org.advance(60).await;
    let report = run(&ctx).await.unwrap();
    assert_eq!(report.outcome, RunOutcome::Succeeded, "{}", report.render());
    assert_eq!(report.planned.get(&WriteKind::Renewal), None);
    assert_eq!(report.planned.get(&WriteKind::PlaybookTask), None);
    assert!(
        rest.query("SELECT Id FROM Opportunity WHERE Type = 'Renewal'")
            .await
            .is_empty()
    );
    assert_eq!(rest.query("SELECT Id FROM Task").await.len(), 2);
}

#[tokio::test]
async fn a_cancelled_run_stops_between_batches_and_the_next_run_resumes() {
    let (org, rest, _book) = seeded().await;
    let (_dir, path) = state_file();
    // Shutdown is asked for once the plan is in the outbox: apply stops before its first
    // chunk, cleanly.
    let cancel = vitals::sync::CancelToken::new();
    let asked = cancel.clone();
    let ctx = context(&org, &path).with_cancel(cancel).with_pause(
        vitals::sync::PausePoint::AfterEnqueue,
        std::sync::Arc::new(move |_| asked.cancel()),
    );
    let report = run(&ctx).await.unwrap();
    assert_eq!(report.outcome, RunOutcome::Stopped, "{}", report.render());
    assert_eq!(report.note.as_deref(), Some("shutdown requested"));
    assert!(report.written.is_empty());
    assert_eq!(ctx.store.outbox_depth().unwrap().pending, 16);
    assert!(
        rest.query("SELECT Id FROM Health_Score_History__c")
            .await
            .is_empty()
    );
    // The next run (a new process, a fresh token) sends what waited, and nothing twice.
    let next = context(&org, &path);
    let resumed = run(&next).await.unwrap();
    assert_eq!(
        resumed.outcome,
        RunOutcome::Succeeded,
        "{}",
        resumed.render()
    );
    assert_eq!(resumed.written.values().sum::<u64>(), 16);
    assert_eq!(resumed.planned.values().sum::<u64>(), 0);
    assert_eq!(
        rest.query("SELECT Id FROM Health_Score_History__c")
            .await
            .len(),
        6
    );
}
