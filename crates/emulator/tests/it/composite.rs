//! Composite: references between subrequests, one API call, allOrNone rollback.

use reqwest::StatusCode;
use serde_json::json;

use crate::common::{Org, V, error_of};

#[tokio::test]
async fn subrequests_reference_earlier_results_and_count_once() {
    let org = Org::start().await;
    let r = org
        .post("/composite", json!({"allOrNone": true, "compositeRequest": [
            {"method": "POST", "url": format!("/services/data/{V}/sobjects/Account"), "referenceId": "acct", "body": {"Name": "Acme"}},
            {"method": "POST", "url": format!("/services/data/{V}/sobjects/Contact"), "referenceId": "c1", "body": {"LastName": "Lee", "AccountId": "@{acct.id}"}},
            {"method": "GET", "url": format!("/services/data/{V}/sobjects/Account/@{{acct.id}}?fields=Name"), "referenceId": "read"}
        ]}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.header("Sforce-Limit-Info"), Some("api-usage=1/100000"));
    let results = r.json["compositeResponse"].as_array().unwrap();
    assert_eq!(results[0]["httpStatusCode"], 201);
    assert_eq!(results[0]["referenceId"], "acct");
    let account = results[0]["body"]["id"].as_str().unwrap();
    assert_eq!(
        results[0]["httpHeaders"]["Location"],
        format!("/services/data/{V}/sobjects/Account/{account}")
    );
    assert_eq!(results[1]["httpStatusCode"], 201);
    assert_eq!(results[2]["body"]["Name"], "Acme");
    let contact = results[1]["body"]["id"].as_str().unwrap();
    assert_eq!(
        org.field("Contact", contact, "AccountId").await,
        json!(account)
    );
}

#[tokio::test]
async fn all_or_none_rolls_back_and_halts_the_rest() {
    let org = Org::start().await;
    let r = org
        .post("/composite", json!({"allOrNone": true, "compositeRequest": [
            {"method": "POST", "url": format!("/services/data/{V}/sobjects/Account"), "referenceId": "acct", "body": {"Name": "Acme"}},
            {"method": "POST", "url": format!("/services/data/{V}/sobjects/Contact"), "referenceId": "bad", "body": {"AccountId": "@{acct.id}"}},
            {"method": "POST", "url": format!("/services/data/{V}/sobjects/Account"), "referenceId": "later", "body": {"Name": "Later"}}
        ]}))
        .await;
    let results = r.json["compositeResponse"].as_array().unwrap();
    let halted = json!([{"errorCode": "PROCESSING_HALTED", "message": "The transaction was rolled back since another operation in the same transaction failed."}]);
    assert_eq!(results[0]["body"], halted);
    assert_eq!(results[0]["httpStatusCode"], 400);
    assert_eq!(results[1]["body"][0]["errorCode"], "REQUIRED_FIELD_MISSING");
    assert_eq!(results[2]["body"], halted);
    assert_eq!(org.counts().await["Account"], 0);

    // Without allOrNone, earlier work stays and a broken reference fails only its subrequest.
    let r = org
        .post("/composite", json!({"compositeRequest": [
            {"method": "POST", "url": format!("/services/data/{V}/sobjects/Account"), "referenceId": "a", "body": {"Name": "Kept"}},
            {"method": "GET", "url": format!("/services/data/{V}/sobjects/Account/@{{A.id}}"), "referenceId": "b"}
        ]}))
        .await;
    let results = r.json["compositeResponse"].as_array().unwrap();
    assert_eq!(results[0]["httpStatusCode"], 201);
    assert_eq!(results[1]["body"][0]["errorCode"], "PROCESSING_HALTED");
    assert_eq!(org.counts().await["Account"], 1);
}

#[tokio::test]
async fn more_than_25_subrequests_is_refused() {
    let org = Org::start().await;
    let subs: Vec<_> = (0..26).map(|i| json!({"method": "GET", "url": format!("/services/data/{V}/sobjects/Account/describe"), "referenceId": format!("r{i}")})).collect();
    let r = org
        .post("/composite", json!({"compositeRequest": subs}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_of(&r).0, "LIMIT_EXCEEDED");
    let r = org.post("/composite", json!({"compositeRequest": [{"method": "GET", "url": format!("/services/data/{V}/sobjects/Account/describe"), "referenceId": "x", "httpHeaders": {"Authorization": "Bearer y"}}]})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}
