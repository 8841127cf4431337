//! Bad input and faults during a sync: a validation rule, locked rows, a 503 storm, an
//! expired token, a field deleted or made read-only mid-run, a record that cannot be
//! decoded, a full disk. Each gets a clear report or error naming the object, record or
//! path, and none loses or duplicates a write: after the fault passes, the org holds what
//! an undisturbed sync of an identical org writes.

use std::sync::Arc;

use emulator::DataSource;
use emulator::faults::FaultSpec;
use serde_json::{Value, json};
use vitals::domain::{SyncedObject, WriteKind};
use vitals::salesforce::wire::FieldMap;
use vitals::store::RunOutcome;
use vitals::sync::{ErrorClass, PausePoint, SyncError};

use crate::common::Org;
use crate::common::rest::Rest;
use crate::common::store::FullOnEnqueue;
use crate::common::sync::{context, context_with, csm_org_config, run, state_file};
use crate::sync_book::{Book, seed, vitals_records};
use crate::sync_pipeline::{api_calls, id18, seeded, written_records};

/// What an undisturbed first sync writes into a freshly seeded org.
async fn reference() -> Value {
    let (org, rest, _book) = seeded().await;
    let (_dir, path) = state_file();
    let report = run(&context(&org, &path)).await.unwrap();
    assert_eq!(report.outcome, RunOutcome::Succeeded);
    vitals_records(&rest).await
}

#[tokio::test]
async fn a_validation_rule_rejection_is_reported_and_retried_while_everything_else_is_written() {
    let (org, rest, book) = seeded().await;
    org.faults(
        "validation=Account:Name:Troubled Inc:Health fields are frozen during the account review",
    )
    .await;
    let (_dir, path) = state_file();
    let ctx = context(&org, &path);
    let report = run(&ctx).await.unwrap();
    assert_eq!(
        report.outcome,
        RunOutcome::FailedRecords,
        "{}",
        report.render()
    );
    assert_eq!(report.failures.total, 1);
    let failure = &report.failures.items[0];
    assert_eq!(failure.kind, WriteKind::AccountHealth);
    assert_eq!(failure.target.as_text(), id18(&book.troubled));
    assert!(failure.rejected);
    assert_eq!(failure.errors[0].code, "FIELD_CUSTOM_VALIDATION_EXCEPTION");
    assert_eq!(
        failure.errors[0].message,
        "Health fields are frozen during the account review"
    );
    let rendered = report.render();
    assert!(
        rendered.contains(&format!(
            "account_health record {} (account {}): rejected: FIELD_CUSTOM_VALIDATION_EXCEPTION: Health fields are frozen during the account review",
            id18(&book.troubled),
            id18(&book.troubled)
        )),
        "{rendered}"
    );
    // Everything else went out: five accounts' health, six history records, the renewal
    // and the three tasks (the troubled account's task and history are other objects).
    assert_eq!(report.written[&WriteKind::AccountHealth], 5);
    assert_eq!(report.written[&WriteKind::History], 6);
    assert_eq!(report.written[&WriteKind::PlaybookTask], 3);
    let troubled = rest.get("Account", &book.troubled).await;
    assert_eq!(troubled["Health_Status__c"], Value::Null);

    // Next cycle the write is planned and sent again (the org still refuses it)...
    org.advance(600).await;
    let again = run(&ctx).await.unwrap();
    assert_eq!(again.outcome, RunOutcome::FailedRecords);
    assert_eq!(again.planned.get(&WriteKind::AccountHealth), Some(&1));
    assert_eq!(again.failures.total, 1);
    // ...and once the rule is gone, it goes through; the org then holds what an
    // undisturbed sync writes.
    org.faults("").await;
    org.advance(600).await;
    let fixed = run(&ctx).await.unwrap();
    assert_eq!(fixed.outcome, RunOutcome::Succeeded, "{}", fixed.render());
    assert_eq!(fixed.written[&WriteKind::AccountHealth], 1);
    assert_eq!(vitals_records(&rest).await, reference().await);
}

#[tokio::test]
async fn locked_rows_are_retried_next_cycle_without_duplicates() {
    let (org, rest, book) = seeded().await;
    let key = format!("{}-2026-03-01-csm-nine", id18(&book.troubled));
    org.faults(&format!("lock-ids={};Key__c:{key}", book.troubled))
        .await;
    let (_dir, path) = state_file();
    let ctx = context(&org, &path);
    let report = run(&ctx).await.unwrap();
    assert_eq!(
        report.outcome,
        RunOutcome::FailedRecords,
        "{}",
        report.render()
    );
    let failed: Vec<(WriteKind, bool, &str)> = report
        .failures
        .items
        .iter()
        .map(|f| (f.kind, f.rejected, f.errors[0].code.as_str()))
        .collect();
    assert_eq!(
        failed,
        vec![
            (WriteKind::AccountHealth, false, "UNABLE_TO_LOCK_ROW"),
            (WriteKind::History, false, "UNABLE_TO_LOCK_ROW"),
        ]
    );
    assert!(
        report
            .render()
            .contains("not written, retried next cycle: UNABLE_TO_LOCK_ROW")
    );
    // The locked writes wait in the outbox.
    assert_eq!(ctx.store.outbox_depth().unwrap().pending, 2);

    org.faults("").await;
    org.advance(600).await;
    let retried = run(&ctx).await.unwrap();
    assert_eq!(
        retried.outcome,
        RunOutcome::Succeeded,
        "{}",
        retried.render()
    );
    assert_eq!(retried.written[&WriteKind::AccountHealth], 1);
    assert_eq!(retried.written[&WriteKind::History], 1);
    assert_eq!(ctx.store.outbox_depth().unwrap().pending, 0);
    assert_eq!(vitals_records(&rest).await, reference().await);
}

#[tokio::test]
async fn a_503_storm_while_writing_loses_and_duplicates_nothing() {
    let (org, rest, _book) = seeded().await;
    let (_dir, path) = state_file();
    // The storm starts once the plan is in the outbox and outlasts the four attempts of
    // the first write call (the health fields); the calls after it go through.
    let state = org.emu.state.clone();
    let storm = Arc::new(move |_: PausePoint| {
        state.set_faults(FaultSpec::parse("next=4:503").unwrap());
    });
    let ctx = context(&org, &path).with_pause(PausePoint::AfterEnqueue, storm);
    let report = run(&ctx).await.unwrap();
    assert_eq!(
        report.outcome,
        RunOutcome::FailedRecords,
        "{}",
        report.render()
    );
    assert!(
        report
            .failures
            .items
            .iter()
            .all(|f| !f.rejected && f.errors[0].code == "SERVER_UNAVAILABLE")
    );
    assert_eq!(report.failures.total, 6, "{}", report.render());
    assert_eq!(report.written.get(&WriteKind::AccountHealth), Some(&0));
    assert_eq!(report.written[&WriteKind::History], 6);
    assert_eq!(
        ctx.store.outbox_depth().unwrap().pending,
        report.failures.total
    );

    // The storm passes: the next run sends what waited, and the org ends as an undisturbed
    // sync leaves it, with no duplicate.
    org.faults("").await;
    org.advance(600).await;
    let calm = context(&org, &path);
    let settled = run(&calm).await.unwrap();
    assert_eq!(
        settled.outcome,
        RunOutcome::Succeeded,
        "{}",
        settled.render()
    );
    let last = run(&calm).await.unwrap();
    assert_eq!(last.planned.values().sum::<u64>(), 0, "{}", last.render());
    assert_eq!(vitals_records(&rest).await, reference().await);
}

#[tokio::test]
async fn a_503_storm_while_reading_stops_the_run_as_unreachable_and_writes_nothing() {
    let (org, _rest, _book) = seeded().await;
    org.faults("next=20:503").await;
    let (_dir, path) = state_file();
    let ctx = context(&org, &path);
    let error = run(&ctx).await.unwrap_err();
    assert_eq!(error.class(), ErrorClass::Unreachable, "{error}");
    assert!(
        error.to_string().contains("HTTP 503: SERVER_UNAVAILABLE"),
        "{error}"
    );
    assert_eq!(ctx.store.outbox_depth().unwrap().pending, 0);
}

#[tokio::test]
async fn an_expired_token_is_renewed_mid_run() {
    let (org, rest, _book) = seeded().await;
    org.faults("expire-after=6").await;
    let (_dir, path) = state_file();
    let ctx = context(&org, &path);
    let report = run(&ctx).await.unwrap();
    assert_eq!(report.outcome, RunOutcome::Succeeded, "{}", report.render());
    assert!(
        ctx.client.token_grants() >= 2,
        "{}",
        ctx.client.token_grants()
    );
    org.faults("").await;
    assert_eq!(vitals_records(&rest).await, reference().await);
}

#[tokio::test]
async fn a_field_hidden_mid_run_stops_the_read_naming_the_object_and_field() {
    let (org, _rest, _book) = seeded().await;
    let (_dir, path) = state_file();
    let ctx = context(&org, &path);
    run(&ctx).await.unwrap();
    // An admin deletes the field (or hides it from the integration user).
    org.emu
        .state
        .set_fls(&["Case.CSAT_Score__c".to_owned()], &[]);
    org.advance(600).await;
    org.clear_requests().await;
    let error = run(&ctx).await.unwrap_err();
    assert_eq!(error.class(), ErrorClass::BadInput);
    assert!(
        matches!(&error, SyncError::FieldGone { object: "Case", field } if field == "CSAT_Score__c"),
        "{error:?}"
    );
    assert!(error.to_string().contains("run `vitals check`"), "{error}");
    assert!(written_records(&org).is_empty(), "nothing is written");
    // The run is on record as failed, with why.
    let runs = ctx.store.runs(1).unwrap();
    let end = runs[0].end.as_ref().unwrap();
    assert_eq!(end.outcome, RunOutcome::Failed);
    assert!(
        end.summary
            .note
            .as_deref()
            .unwrap()
            .contains("Case.CSAT_Score__c")
    );
}

#[tokio::test]
async fn a_field_made_read_only_rejects_its_writes_and_nothing_else() {
    let (org, _rest, book) = seeded().await;
    org.emu
        .state
        .set_fls(&[], &["Account.Health_Drivers__c".to_owned()]);
    let (_dir, path) = state_file();
    let ctx = context(&org, &path);
    let report = run(&ctx).await.unwrap();
    assert_eq!(
        report.outcome,
        RunOutcome::FailedRecords,
        "{}",
        report.render()
    );
    assert_eq!(report.failures.total, 6, "every account's health write");
    for failure in &report.failures.items {
        assert_eq!(failure.kind, WriteKind::AccountHealth);
        assert!(failure.rejected);
        assert_eq!(
            failure.errors[0].code, "INVALID_FIELD_FOR_INSERT_UPDATE",
            "{failure:?}"
        );
    }
    assert!(
        report
            .failures
            .items
            .iter()
            .any(|f| f.target.as_text() == id18(&book.healthy))
    );
    assert_eq!(report.written[&WriteKind::History], 6);
}

#[tokio::test]
async fn a_record_that_cannot_be_decoded_is_skipped_and_named() {
    let (org, _rest, book) = seeded().await;
    // A mapping mistake: the cases' opening date read from a text field. Every case's
    // CreatedDate is then text, which cannot be decoded: each case is left out and named.
    let fields = FieldMap::with_overrides([("case.created_date", "Subject")], &[]).unwrap();
    let (_dir, path) = state_file();
    let ctx = context_with(
        &org,
        vitals::store::Store::open_sqlite(&path).unwrap(),
        fields,
    );
    let report = run(&ctx).await.unwrap();
    assert_eq!(report.outcome, RunOutcome::Succeeded, "{}", report.render());
    let skipped: Vec<(&str, &str, &str)> = report
        .skipped_records
        .items
        .iter()
        .map(|s| (s.object.as_str(), s.record.as_str(), s.field.as_str()))
        .collect();
    assert_eq!(skipped.len(), 4, "{skipped:?}");
    assert!(skipped.contains(&("Case", id18(&book.troubled_cases[0]).as_str(), "Subject")));
    let cases = report
        .reads
        .iter()
        .find(|r| r.object == SyncedObject::Case)
        .unwrap();
    assert_eq!((cases.records, cases.upserted, cases.skipped), (4, 0, 4));
    assert!(report.render().contains(&format!(
        "skipped Case {}: field Subject: expected a dateTime",
        id18(&book.troubled_cases[0])
    )));
    assert_eq!(report.accounts_scored, 6);
}

#[tokio::test]
async fn a_full_disk_stops_the_run_before_any_write_and_the_next_run_writes_once() {
    let (org, rest, _book) = seeded().await;
    let (_dir, path) = state_file();
    let disk = FullOnEnqueue::open(&path);
    let ctx = context_with(&org, disk.store(), FieldMap::default());
    org.clear_requests().await;
    let error = run(&ctx).await.unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "sync plan: the disk holding the state file {} is full during enqueue",
            path.display()
        )
    );
    assert!(written_records(&org).is_empty());
    assert!(
        api_calls(&org)
            .iter()
            .all(|c| c.method == "GET" || c.path.ends_with("/composite"))
    );
    disk.full.store(false, std::sync::atomic::Ordering::SeqCst);
    org.advance(600).await;
    let report = run(&ctx).await.unwrap();
    assert_eq!(report.outcome, RunOutcome::Succeeded, "{}", report.render());
    let records = vitals_records(&rest).await;
    assert_eq!(records["history"].as_array().unwrap().len(), 6);
    assert_eq!(records["tasks"].as_array().unwrap().len(), 3);
}

/// An account scored by Vitals in February, whose history record the org lacks (a fresh
/// install of the history object, say).
async fn scored_last_month(rest: &Rest) -> String {
    let book: Book = seed(rest).await;
    rest.update(
        "Account",
        &book.healthy,
        json!({
            "Health_Score__c": 80.0, "Health_Status__c": "Healthy",
            "Health_Scored_At__c": "2026-02-20T02:00:00.000Z", "Health_Model__c": "csm-nine",
        }),
    )
    .await;
    book.healthy
}

#[tokio::test]
async fn three_syncs_in_one_period_keep_the_change_and_the_trend() {
    let org = Org::with(csm_org_config(DataSource::Empty)).await;
    let rest = Rest::login(&org).await;
    let healthy = scored_last_month(&rest).await;
    let (_dir, path) = state_file();
    let ctx = context(&org, &path);
    let fields = "SELECT Health_Score__c, Health_Score_Change__c, Health_Previous_Score__c, Health_Trend__c FROM Account";
    let mut seen = Vec::new();
    let mut planned = Vec::new();
    for _ in 0..3 {
        let report = run(&ctx).await.unwrap();
        assert_eq!(report.outcome, RunOutcome::Succeeded, "{}", report.render());
        planned.push(report.planned.values().sum::<u64>());
        let account = rest
            .query(&format!("{fields} WHERE Id = '{healthy}'"))
            .await
            .remove(0);
        seen.push(account);
        org.advance(900).await;
    }
    assert_eq!(seen[0]["Health_Previous_Score__c"], 80.0);
    assert!(seen[0]["Health_Score_Change__c"].is_number());
    assert!(seen[0]["Health_Trend__c"].is_string());
    assert_eq!(
        seen[1], seen[0],
        "the second run keeps the change and trend"
    );
    assert_eq!(seen[2], seen[0]);
    assert_eq!(planned[2], 0, "the third run writes nothing");
    // The org never got a history record for February: Vitals' memory of it is its own.
    assert!(
        rest.query("SELECT Id FROM Health_Score_History__c WHERE Period__c = 2026-02-01")
            .await
            .is_empty()
    );
}
