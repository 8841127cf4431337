//! The in-process control API on `RunningEmulator::state`: what it reports matches what the
//! REST API serves, and a delete made through it is the org's own delete.

use reqwest::StatusCode;
use serde_json::json;

use crate::common::{Org, error_of};

#[tokio::test]
async fn record_shows_what_rest_serves() {
    let org = Org::start().await;
    let id = org
        .create("Account", json!({"Name": "Acme", "Health_Score__c": 71}))
        .await;
    let rest = org.get(&format!("/sobjects/Account/{id}")).await.json;
    let mut held = org.emu.state.record(&id).unwrap();
    held.as_object_mut()
        .unwrap()
        .insert("attributes".into(), rest["attributes"].clone());
    assert_eq!(held, rest);
    assert_eq!(org.emu.state.record("001000000000000"), None);
    assert_eq!(org.emu.state.record("not an id"), None);
}

#[tokio::test]
async fn delete_record_goes_to_the_recycle_bin_like_an_api_delete() {
    let org = Org::start().await;
    let id = org.create("Account", json!({"Name": "Gone"})).await;
    org.emu.state.delete_record(&id).unwrap();
    let r = org.get(&format!("/sobjects/Account/{id}")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(error_of(&r).0, "ENTITY_IS_DELETED");
    assert_eq!(org.emu.state.record(&id).unwrap()["IsDeleted"], true);
    let again = org.emu.state.delete_record(&id).unwrap_err();
    assert_eq!(again.status_code, "ENTITY_IS_DELETED");
    let malformed = org.emu.state.delete_record("nonsense").unwrap_err();
    assert_eq!(malformed.status_code, "MALFORMED_ID");
}

#[tokio::test]
async fn requests_and_counts_match_the_admin_api() {
    let org = Org::start().await;
    org.create("Account", json!({"Name": "One"})).await;
    let admin = org
        .admin(reqwest::Method::GET, "/requests", None)
        .await
        .json;
    let requests = org.emu.state.requests();
    assert_eq!(json!(requests.counts), admin["counts"]);
    assert_eq!(json!(requests.log), admin["log"]);
    assert_eq!(json!(org.emu.state.counts()), org.counts().await);
    org.emu.state.clear_requests();
    assert!(org.emu.state.requests().log.is_empty());
}
