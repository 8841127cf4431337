//! sObject Collections: order, caps, per-record errors, allOrNone both ways, upsert.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::{Org, V, error_of};

#[tokio::test]
async fn create_reports_each_record_in_input_order() {
    let org = Org::start().await;
    let r = org
        .post(
            "/composite/sobjects",
            json!({"allOrNone": false, "records": [
                {"attributes": {"type": "Account"}, "Name": "A"},
                {"attributes": {"type": "Task"}, "Subject": "s", "Status": "Bogus"},
                {"attributes": {"type": "Account"}, "Name": "C"}
            ]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let rows = r.json.as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["success"], true);
    assert_eq!(rows[0]["errors"], json!([]));
    assert!(rows[0].get("created").is_none());
    assert_eq!(
        rows[1],
        json!({"success": false, "errors": [{"statusCode": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", "message": "bad value for restricted picklist field: Bogus", "fields": ["Status"]}]})
    );
    assert_eq!(rows[2]["success"], true);
    assert_eq!(org.counts().await["Account"], 2);
}

#[tokio::test]
async fn all_or_none_rolls_back_for_real() {
    let org = Org::start().await;
    let before = org.counts().await;
    let r = org
        .post(
            "/composite/sobjects",
            json!({"allOrNone": true, "records": [
                {"attributes": {"type": "Account"}, "Name": "A"},
                {"attributes": {"type": "Account"}},
                {"attributes": {"type": "Contact"}, "LastName": "L"}
            ]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let rolled = json!({"success": false, "errors": [{"statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK", "message": "Record rolled back because not all records were valid and the request was using AllOrNone header", "fields": []}]});
    assert_eq!(r.json[0], rolled);
    assert_eq!(
        r.json[1]["errors"][0]["statusCode"],
        "REQUIRED_FIELD_MISSING"
    );
    assert_eq!(r.json[2], rolled);
    assert_eq!(org.counts().await, before);

    // An update rolled back leaves the old values.
    let id = org.create("Account", json!({"Name": "Keep"})).await;
    let r = org
        .patch(
            "/composite/sobjects",
            json!({"allOrNone": true, "records": [
                {"attributes": {"type": "Account"}, "id": id, "Name": "Changed"},
                {"attributes": {"type": "Account"}, "id": id, "Name": ""}
            ]}),
        )
        .await;
    assert_eq!(
        r.json[0]["errors"][0]["statusCode"],
        "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    );
    assert_eq!(r.json[0]["id"], json!(id));
    assert_eq!(org.field("Account", &id, "Name").await, "Keep");
}

#[tokio::test]
async fn caps_and_malformed_bodies_fail_the_whole_request() {
    let org = Org::start().await;
    let records: Vec<_> = (0..201)
        .map(|i| json!({"attributes": {"type": "Account"}, "Name": format!("A{i}")}))
        .collect();
    let r = org
        .post("/composite/sobjects", json!({"records": records}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_of(&r).0, "EXCEEDED_ID_LIMIT");
    let records: Vec<_> = (0..200)
        .map(|i| json!({"attributes": {"type": "Account"}, "Name": format!("A{i}")}))
        .collect();
    assert_eq!(
        org.post("/composite/sobjects", json!({"records": records}))
            .await
            .status,
        StatusCode::OK
    );
    let r = org
        .post(
            "/composite/sobjects",
            json!({"records": [{"attributes": {"type": "Nope"}, "Name": "x"}]}),
        )
        .await;
    assert_eq!(error_of(&r).0, "INVALID_TYPE");
    let r = org
        .post(
            "/composite/sobjects",
            json!({"records": [{"attributes": {"type": "Account"}, "Name": "x", "Bogus__c": 1}]}),
        )
        .await;
    assert_eq!(error_of(&r).0, "INVALID_FIELD");
    let r = org.post("/composite/sobjects", json!({"records": [{"attributes": {"type": "Account"}, "Name": "x", "AnnualRevenue": "lots"}]})).await;
    assert_eq!(error_of(&r).0, "JSON_PARSER_ERROR");
    // Every row failing is still a 200.
    let r = org.post("/composite/sobjects", json!({"records": [{"attributes": {"type": "Account"}}, {"attributes": {"type": "Account"}}]})).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.json
            .as_array()
            .unwrap()
            .iter()
            .all(|row| row["success"] == false)
    );
}

#[tokio::test]
async fn update_delete_and_retrieve() {
    let org = Org::start().await;
    let a = org.create("Account", json!({"Name": "A"})).await;
    let b = org.create("Account", json!({"Name": "B"})).await;
    let r = org
        .patch(
            "/composite/sobjects",
            json!({"records": [
                {"attributes": {"type": "Account"}, "id": a, "Name": "A2"},
                {"attributes": {"type": "Account"}, "Name": "no id"},
                {"attributes": {"type": "Account"}, "id": "bad", "Name": "x"}
            ]}),
        )
        .await;
    assert_eq!(r.json[0], json!({"id": a, "success": true, "errors": []}));
    assert_eq!(r.json[1]["errors"][0]["statusCode"], "MISSING_ARGUMENT");
    assert_eq!(r.json[2]["errors"][0]["statusCode"], "MALFORMED_ID");

    let got = org
        .get(&format!(
            "/composite/sobjects/Account?ids={a},{b},001000000000999AAA&fields=Id,Name"
        ))
        .await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.json[0]["Name"], "A2");
    assert_eq!(
        got.json[1]["attributes"]["url"],
        format!("/services/data/{V}/sobjects/Account/{b}")
    );
    assert_eq!(got.json[2], serde_json::Value::Null);

    let d = org
        .call(
            Method::DELETE,
            &format!("/composite/sobjects?ids={a},{b}&allOrNone=false"),
            None,
        )
        .await;
    assert_eq!(
        d.json,
        json!([{"id": a, "success": true, "errors": []}, {"id": b, "success": true, "errors": []}])
    );
    let d = org
        .call(
            Method::DELETE,
            &format!("/composite/sobjects?ids={a}"),
            None,
        )
        .await;
    assert_eq!(d.json[0]["errors"][0]["statusCode"], "ENTITY_IS_DELETED");
    let many: Vec<String> = (0..201).map(|_| a.clone()).collect();
    let d = org
        .call(
            Method::DELETE,
            &format!("/composite/sobjects?ids={}", many.join(",")),
            None,
        )
        .await;
    assert_eq!(d.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn upsert_reports_created_and_refuses_duplicate_keys() {
    let org = Org::start().await;
    let existing = org
        .create("Task", json!({"Subject": "old", "Vitals_Key__c": "K-1"}))
        .await;
    let r = org
        .patch(
            "/composite/sobjects/Task/Vitals_Key__c",
            json!({"allOrNone": false, "records": [
                {"attributes": {"type": "Task"}, "Vitals_Key__c": "K-1", "Subject": "updated"},
                {"attributes": {"type": "Task"}, "Vitals_Key__c": "K-2", "Subject": "new"},
                {"attributes": {"type": "Task"}, "Vitals_Key__c": "K-3", "Subject": "a"},
                {"attributes": {"type": "Task"}, "Vitals_Key__c": "k-3", "Subject": "b"}
            ]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        r.json[0],
        json!({"id": existing, "success": true, "errors": [], "created": false})
    );
    assert_eq!(r.json[1]["created"], true);
    assert_eq!(
        r.json[2]["errors"][0]["statusCode"],
        "DUPLICATE_EXTERNAL_ID"
    );
    assert_eq!(
        r.json[3]["errors"][0]["statusCode"],
        "DUPLICATE_EXTERNAL_ID"
    );
    assert_eq!(org.field("Task", &existing, "Subject").await, "updated");
    let r = org
        .patch("/composite/sobjects/Task/Subject", json!({"records": []}))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}
