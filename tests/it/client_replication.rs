//! The delete log: getDeleted for one object (bounds cut to the minute and URL-encoded),
//! and every replicated object's log in one Composite call, one object's refusal being
//! that object's result.

use chrono::Duration;
use emulator::DataSource;
use serde_json::json;
use vitals::domain::{SfId, SyncedObject};

use crate::common::sf::{client, client_credentials, org_config, settings};
use crate::common::{Org, start_time};

const COMPOSITE: &str = "POST /services/data/v66.0/composite";

/// An org with three accounts and a case on the first, whose Ids are returned.
async fn org_with_records() -> (Org, Vec<SfId>, SfId) {
    let org = Org::with(org_config(DataSource::FixtureJson(json!({
        "Account": [{"Name": "A"}, {"Name": "B"}, {"Name": "C"}],
    }))))
    .await;
    let (client, _) = client(settings(&org, client_credentials()));
    let accounts = crate::client_writes::account_ids(&client).await;
    let loaded = org
        .emu
        .state
        .load_records(&json!({"Case": [{"AccountId": accounts[2].to_string(), "Origin": "Web"}]}))
        .unwrap();
    let case = SfId::parse(loaded.created[0].1.as_str()).unwrap();
    (org, accounts, case)
}

#[tokio::test]
async fn get_deleted_lists_the_window_cut_to_the_minute() {
    let (org, accounts, _) = org_with_records().await;
    let (client, _) = client(settings(&org, client_credentials()));
    org.advance(90).await; // 12:01:30
    org.emu.state.delete_record(accounts[0].as_str()).unwrap();
    org.advance(60).await; // 12:02:30
    org.emu.state.delete_record(accounts[1].as_str()).unwrap();
    org.advance(600).await;

    org.clear_requests().await;
    let start = start_time() + Duration::seconds(20); // 12:00:20 is sent as 12:00
    let end = start_time() + Duration::seconds(150); // 12:02:30 is sent as 12:02
    let log = client
        .deleted(SyncedObject::Account, start, end)
        .await
        .unwrap();
    // Only the first deletion lies before 12:02; the second is for the next window, which
    // starts where this one is covered to.
    assert_eq!(log.deleted.len(), 1);
    assert_eq!(log.deleted[0].id, accounts[0]);
    assert_eq!(
        log.deleted[0].deleted_at,
        start_time() + Duration::seconds(90)
    );
    assert_eq!(
        log.latest_date_covered,
        Some(start_time() + Duration::seconds(120))
    );
    assert!(log.earliest_date_available.is_some());
    let entry = org.emu.state.requests().log.pop().unwrap();
    assert_eq!(entry.path, "/services/data/v66.0/sobjects/Account/deleted/");
    assert_eq!(
        entry.query,
        "start=2026-03-02T12%3A00%3A00%2B00%3A00&end=2026-03-02T12%3A02%3A00%2B00%3A00"
    );
    let next = client
        .deleted(
            SyncedObject::Account,
            log.latest_date_covered.unwrap(),
            start_time() + Duration::seconds(700),
        )
        .await
        .unwrap();
    assert_eq!(
        next.deleted.iter().map(|d| d.id).collect::<Vec<_>>(),
        vec![accounts[1]]
    );
}

#[tokio::test]
async fn the_delete_log_of_every_object_is_one_composite_call() {
    let (org, accounts, case) = org_with_records().await;
    let (client, _) = client(settings(&org, client_credentials()));
    org.advance(16 * 24 * 3600).await;
    // An account with cases cannot be deleted (DELETE_FAILED): the case goes first.
    org.emu.state.delete_record(case.as_str()).unwrap();
    org.emu.state.delete_record(accounts[2].as_str()).unwrap();
    org.advance(120).await;
    let now = start_time() + Duration::days(16) + Duration::seconds(120);

    org.clear_requests().await;
    let usage_before = client.usage();
    let recent = now - Duration::hours(1);
    let mut starts: Vec<_> = SyncedObject::ALL.iter().map(|o| (*o, recent)).collect();
    // The contracts' watermark is older than the log reaches.
    starts[1] = (SyncedObject::Contract, now - Duration::days(16));
    let logs = client.delete_log(&starts, now).await.unwrap();

    assert_eq!(org.request_count(COMPOSITE).await, 1);
    // Nothing else went to the API (sixteen days on, the token endpoint may be asked for
    // a new session first; it is not an API call).
    let api_calls: Vec<String> = org
        .emu
        .state
        .requests()
        .log
        .into_iter()
        .filter(|e| e.path.starts_with("/services/data/"))
        .map(|e| e.path)
        .collect();
    assert_eq!(api_calls, vec!["/services/data/v66.0/composite"]);
    assert_eq!(client.usage().calls - usage_before.calls, 1);
    assert_eq!(logs.len(), 7);
    let ids = |object: SyncedObject| -> Vec<SfId> {
        logs[&object]
            .as_ref()
            .unwrap()
            .deleted
            .iter()
            .map(|d| d.id)
            .collect()
    };
    assert_eq!(ids(SyncedObject::Account), vec![accounts[2]]);
    assert_eq!(ids(SyncedObject::Case), vec![case]);
    assert!(ids(SyncedObject::Task).is_empty());
    let refused = logs[&SyncedObject::Contract].as_ref().unwrap_err();
    assert_eq!(refused.status, 400);
    assert!(refused.is_replication_date(), "{refused}");
    // Every other subrequest asked for the same, URL-encoded window.
    let body = org
        .emu
        .state
        .requests()
        .log
        .into_iter()
        .find(|e| e.path.ends_with("/composite"))
        .and_then(|e| e.body)
        .unwrap();
    assert_eq!(body["allOrNone"], false);
    let urls: Vec<&str> = body["compositeRequest"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["url"].as_str().unwrap())
        .collect();
    assert!(urls.contains(
        &"/services/data/v66.0/sobjects/Health_Score_History__c/deleted/?start=2026-03-18T11%3A02%3A00%2B00%3A00&end=2026-03-18T12%3A02%3A00%2B00%3A00"
    ), "{urls:?}");
}
