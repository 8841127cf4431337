//! Org behaviour that real clients rely on and the emulator once lacked: external-Id
//! matching by the field's case rule, audit timestamps in whole seconds, a recycle bin that
//! can be emptied (moving getDeleted's `earliestDateAvailable`), and a connected app's own
//! allocation in `Sforce-Limit-Info`.

use chrono::{TimeZone, Utc};
use emulator::EmulatorConfig;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::{Org, config};

/// A field's describe entry.
async fn described(org: &Org, object: &str, field: &str) -> serde_json::Value {
    let describe = org.get(&format!("/sobjects/{object}/describe")).await.json;
    describe["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == field)
        .unwrap()
        .clone()
}

#[tokio::test]
async fn a_case_sensitive_external_id_matches_exactly_and_describe_says_so() {
    let org = Org::with_package().await;
    let key = described(&org, "Opportunity", "Vitals_Key__c").await;
    assert_eq!(key["caseSensitive"], true);
    assert_eq!(key["unique"], true);

    let body = json!({"Name": "R", "StageName": "Prospecting", "CloseDate": "2026-06-30"});
    // Another case is another key: a second record, not an update and not a duplicate;
    // the first case again updates the first record.
    for (key, status) in [
        ("Renewal-A", StatusCode::CREATED),
        ("renewal-a", StatusCode::CREATED),
        ("Renewal-A", StatusCode::OK),
    ] {
        let r = org
            .patch(
                &format!("/sobjects/Opportunity/Vitals_Key__c/{key}"),
                body.clone(),
            )
            .await;
        assert_eq!(r.status, status, "{key}: {}", r.text);
    }
    assert_eq!(org.counts().await["Opportunity"], 2);
}

#[tokio::test]
async fn a_case_insensitive_unique_key_matches_any_case_and_a_non_unique_one_matches_exactly() {
    // The sample metadata: Task.Vitals_Key__c unique without caseSensitive,
    // Account.Legacy_Id__c an external Id that is not unique.
    let org = Org::start().await;
    let key = described(&org, "Task", "Vitals_Key__c").await;
    assert_eq!(key["caseSensitive"], false);
    let task = json!({"Subject": "Call", "Status": "Not Started", "Priority": "Normal"});
    let r = org
        .patch("/sobjects/Task/Vitals_Key__c/KEY-1", task.clone())
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = org.patch("/sobjects/Task/Vitals_Key__c/key-1", task).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["created"], false);
    // Inserting the other case of a case-insensitive unique value is a duplicate.
    let r = org
        .post(
            "/sobjects/Task",
            json!({"Subject": "Dup", "Status": "Not Started", "Priority": "Normal", "Vitals_Key__c": "Key-1"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert_eq!(r.json[0]["errorCode"], "DUPLICATE_VALUE");

    // "Custom field matching is case-insensitive only if the custom field has the Unique and
    // Treat ABC and abc as duplicate values attributes": Legacy_Id__c matches exactly.
    org.create("Account", json!({"Name": "Old", "Legacy_Id__c": "AB-1"}))
        .await;
    let r = org
        .patch(
            "/sobjects/Account/Legacy_Id__c/ab-1",
            json!({"Name": "New"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(org.counts().await["Account"], 2);
}

#[tokio::test]
async fn audit_timestamps_are_whole_seconds() {
    let org = Org::with(EmulatorConfig {
        fixed_clock: Some(Utc.with_ymd_and_hms(2026, 3, 2, 12, 0, 7).unwrap()),
        ..config()
    })
    .await;
    org.emu
        .state
        .clock
        .advance(chrono::Duration::milliseconds(678));
    let id = org.create("Account", json!({"Name": "Stamped"})).await;
    for field in ["CreatedDate", "LastModifiedDate", "SystemModstamp"] {
        assert_eq!(
            org.field("Account", &id, field).await,
            "2026-03-02T12:00:07.000+0000",
            "{field}"
        );
    }
    org.emu
        .state
        .clock
        .advance(chrono::Duration::milliseconds(999));
    let r = org
        .patch(&format!("/sobjects/Account/{id}"), json!({"Name": "Again"}))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    assert_eq!(
        org.field("Account", &id, "SystemModstamp").await,
        "2026-03-02T12:00:08.000+0000"
    );
    assert_eq!(
        org.field("Account", &id, "CreatedDate").await,
        "2026-03-02T12:00:07.000+0000"
    );
}

/// getDeleted of accounts from `start` to an hour after the test org's start.
async fn deleted_accounts(org: &Org, start: &str) -> serde_json::Value {
    let r = org
        .get(&format!(
            "/sobjects/Account/deleted/?start={start}&end=2026-03-02T13:00:00Z"
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json
}

#[tokio::test]
async fn emptying_the_recycle_bin_moves_earliest_date_available() {
    let org = Org::start().await;
    let gone = org.create("Account", json!({"Name": "Gone"})).await;
    let kept = org.create("Account", json!({"Name": "Kept"})).await;
    assert_eq!(
        org.delete(&format!("/sobjects/Account/{gone}"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    org.advance(600).await;
    let before = deleted_accounts(&org, "2026-03-02T11:00:00Z").await;
    assert_eq!(before["deletedRecords"][0]["id"], gone.as_str());
    // Nothing purged yet: the log reaches back the documented 15 days.
    assert_eq!(
        before["earliestDateAvailable"],
        "2026-02-15T12:10:00.000+0000"
    );

    let r = org
        .admin(Method::POST, "/recycle-bin/purge", Some(json!({})))
        .await;
    assert_eq!(r.json, json!({"purged": 1}));
    let after = deleted_accounts(&org, "2026-03-02T11:00:00Z").await;
    assert_eq!(after["deletedRecords"], json!([]));
    // A client whose watermark (11:00) is older than this must resync in full.
    assert_eq!(
        after["earliestDateAvailable"],
        "2026-03-02T12:10:00.000+0000"
    );
    // The purged record is gone for good, even from queryAll; the live one stays.
    let all = org.get("/queryAll?q=SELECT+Id+FROM+Account").await.json;
    assert_eq!(all["totalSize"], 1);
    assert_eq!(all["records"][0]["Id"], kept.as_str());
    let r = org.get(&format!("/sobjects/Account/{gone}")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    // Contacts lost nothing, so their log still reaches back 15 days.
    let r = org
        .get("/sobjects/Contact/deleted/?start=2026-03-02T11:00:00Z&end=2026-03-02T13:00:00Z")
        .await;
    assert_eq!(
        r.json["earliestDateAvailable"],
        "2026-02-15T12:10:00.000+0000"
    );
    // An empty bin purges nothing.
    let r = org
        .admin(Method::POST, "/recycle-bin/purge", Some(json!({})))
        .await;
    assert_eq!(r.json, json!({"purged": 0}));
}

#[tokio::test]
async fn a_connected_apps_own_allocation_shows_in_the_usage_header() {
    let org = Org::start().await;
    let r = org.get("/limits").await;
    let plain = r.header("Sforce-Limit-Info").unwrap().to_owned();
    assert!(!plain.contains("per-app"), "{plain}");
    // Calls pretended by apiUsage are other apps': the app's own count is its real calls.
    org.settings(
        json!({"apiUsage": 500, "perAppApiUsage": {"appName": "vitals-sync", "limit": 250}}),
    )
    .await;
    let r = org.get("/limits").await;
    assert_eq!(
        r.header("Sforce-Limit-Info"),
        Some("api-usage=501/100000; per-app-api-usage=2/250(appName=vitals-sync)")
    );
    org.settings(json!({"perAppApiUsage": null})).await;
    let r = org.get("/limits").await;
    assert_eq!(r.header("Sforce-Limit-Info"), Some("api-usage=502/100000"));
    let bad = org
        .admin_raw(
            Method::POST,
            "/settings",
            Some(json!({"perAppApiUsage": {"appName": "a)b", "limit": 1}})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.text);
}
