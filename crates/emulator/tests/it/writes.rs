//! Single-record writes, their errors, derived fields, upsert and getUpdated/getDeleted.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{Org, V, error_of};

/// Asserts a whole-request error: status, errorCode, message and fields.
fn assert_error(
    r: &crate::common::Resp,
    status: StatusCode,
    code: &str,
    message: &str,
    fields: Value,
) {
    assert_eq!(r.status, status, "{}", r.text);
    assert_eq!(
        r.json,
        json!([{"message": message, "errorCode": code, "fields": fields}]),
        "{}",
        r.text
    );
}

#[tokio::test]
async fn create_retrieve_update_delete() {
    let org = Org::start().await;
    let r = org
        .post(
            "/sobjects/Account",
            json!({"Name": "Acme", "NumberOfEmployees": 12}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let id = r.json["id"].as_str().unwrap().to_owned();
    assert_eq!(
        r.text,
        format!(r#"{{"id":"{id}","success":true,"errors":[]}}"#)
    );
    assert_eq!(
        r.header("Location"),
        Some(format!("/services/data/{V}/sobjects/Account/{id}").as_str())
    );
    assert_eq!(id.len(), 18);
    assert!(id.starts_with("001"));

    let got = org
        .get(&format!(
            "/sobjects/Account/{id}?fields=Name,NumberOfEmployees,SystemModstamp"
        ))
        .await;
    assert_eq!(
        got.text,
        format!(
            r#"{{"attributes":{{"type":"Account","url":"/services/data/{V}/sobjects/Account/{id}"}},"Name":"Acme","NumberOfEmployees":12,"SystemModstamp":"2026-03-02T12:00:00.000+0000"}}"#
        )
    );
    // A 15-character Id finds the same record.
    let short = org
        .get(&format!("/sobjects/Account/{}?fields=Name", &id[..15]))
        .await;
    assert_eq!(short.json["Name"], "Acme");

    org.advance(90).await;
    let u = org
        .patch(
            &format!("/sobjects/Account/{id}"),
            json!({"Name": "Acme 2"}),
        )
        .await;
    assert_eq!(u.status, StatusCode::NO_CONTENT);
    assert!(u.text.is_empty());
    assert_eq!(
        org.field("Account", &id, "SystemModstamp").await,
        "2026-03-02T12:01:30.000+0000"
    );
    assert_eq!(
        org.field("Account", &id, "CreatedDate").await,
        "2026-03-02T12:00:00.000+0000"
    );

    // `_HttpMethod=PATCH` on POST is an update.
    let o = org
        .post(
            &format!("/sobjects/Account/{id}?_HttpMethod=PATCH"),
            json!({"Name": "Acme 3"}),
        )
        .await;
    assert_eq!(o.status, StatusCode::NO_CONTENT);
    assert_eq!(org.field("Account", &id, "Name").await, "Acme 3");

    let d = org.delete(&format!("/sobjects/Account/{id}")).await;
    assert_eq!(d.status, StatusCode::NO_CONTENT);
    let gone = org.get(&format!("/sobjects/Account/{id}")).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert_eq!(error_of(&gone).0, "ENTITY_IS_DELETED");
    let again = org.delete(&format!("/sobjects/Account/{id}")).await;
    assert_eq!(error_of(&again).0, "ENTITY_IS_DELETED");
    let unknown = org.get("/sobjects/Account/001000000000999AAA").await;
    assert_eq!(
        unknown.text,
        r#"[{"message":"The requested resource does not exist","errorCode":"NOT_FOUND"}]"#
    );
    let bad_field = org
        .get(&format!(
            "/sobjects/Contact/{}?fields=Nope",
            "003000000000001AAA"
        ))
        .await;
    assert_eq!(error_of(&bad_field).0, "INVALID_FIELD");
}

#[tokio::test]
async fn every_validation_error_is_the_orgs() {
    let org = Org::start().await;
    let account = org.create("Account", json!({"Name": "Acme"})).await;
    let unknown_object = org.post("/sobjects/Nope__c", json!({"Name": "x"})).await;
    assert_eq!(unknown_object.status, StatusCode::NOT_FOUND);
    assert_eq!(error_of(&unknown_object).0, "NOT_FOUND");
    assert_error(
        &org.post("/sobjects/Account", json!({"Name": "A", "Foo__c": 1}))
            .await,
        StatusCode::BAD_REQUEST,
        "INVALID_FIELD",
        "No such column 'Foo__c' on sobject of type Account",
        json!(["Foo__c"]),
    );
    assert_error(
        &org.post(
            "/sobjects/Case",
            json!({"IsClosed": true, "CreatedDate": "2024-01-01T00:00:00Z"}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "INVALID_FIELD_FOR_INSERT_UPDATE",
        "Unable to create/update fields: IsClosed, CreatedDate. Please check the security settings of this field and verify that it is read/write for your profile or permission set.",
        json!(["IsClosed", "CreatedDate"]),
    );
    assert_error(
        &org.post(
            "/sobjects/Task",
            json!({"Subject": "Call", "Status": "Bogus"}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        "bad value for restricted picklist field: Bogus",
        json!(["Status"]),
    );
    assert_error(
        &org.post("/sobjects/Opportunity", json!({"Name": "O"}))
            .await,
        StatusCode::BAD_REQUEST,
        "REQUIRED_FIELD_MISSING",
        "Required fields are missing: [StageName, CloseDate]",
        json!(["StageName", "CloseDate"]),
    );
    let long = "x".repeat(256);
    assert_error(
        &org.post("/sobjects/Account", json!({"Name": long})).await,
        StatusCode::BAD_REQUEST,
        "STRING_TOO_LONG",
        &format!("Account Name: data value too large: {long} (max length=255)"),
        json!(["Name"]),
    );
    let bad_type = org
        .post(
            "/sobjects/Account",
            json!({"Name": "A", "NumberOfEmployees": "many"}),
        )
        .await;
    assert_eq!(bad_type.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        bad_type.json,
        json!([{"message": "Cannot deserialize instance of int from VALUE_STRING value many or request may be missing a required field", "errorCode": "JSON_PARSER_ERROR"}])
    );
    let not_json = org
        .call_with(
            Method::POST,
            &format!("/services/data/{V}/sobjects/Account"),
            None,
            &org.token,
            &[],
        )
        .await;
    assert_eq!(error_of(&not_json).0, "JSON_PARSER_ERROR");
    assert_error(
        &org.post(
            "/sobjects/Contact",
            json!({"LastName": "L", "AccountId": "garbage"}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "MALFORMED_ID",
        "Account ID: id value of incorrect type: garbage",
        json!(["AccountId"]),
    );
    assert_error(
        &org.post(
            "/sobjects/Contact",
            json!({"LastName": "L", "AccountId": "001000000000999AAA"}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "INVALID_CROSS_REFERENCE_KEY",
        "invalid cross reference id",
        json!([]),
    );
    assert_error(
        &org.post(
            "/sobjects/Account",
            json!({"Name": "A", "Health_Score__c": 12345.6}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "NUMBER_OUTSIDE_VALID_RANGE",
        "Health Score: value outside of valid range on numeric field: 12345.6",
        json!(["Health_Score__c"]),
    );
    let renewal = org.get("/sobjects/Opportunity/describe").await.json["recordTypeInfos"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["developerName"] == "Renewal")
        .unwrap()["recordTypeId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_error(
        &org.post("/sobjects/Opportunity", json!({"Name": "R", "CloseDate": "2026-06-30", "StageName": "Prospecting", "RecordTypeId": renewal, "AccountId": account})).await,
        StatusCode::BAD_REQUEST, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", "bad value for restricted picklist field: Prospecting", json!(["StageName"]),
    );
    let ok = org.post("/sobjects/Opportunity", json!({"Name": "R", "CloseDate": "2026-06-30", "StageName": "Early Review", "RecordTypeId": renewal, "AccountId": account, "Vitals_Key__c": "K-1"})).await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.text);
    let dup = org.post("/sobjects/Opportunity", json!({"Name": "R2", "CloseDate": "2026-06-30", "StageName": "Prospecting", "Vitals_Key__c": "k-1"})).await;
    assert_error(
        &dup,
        StatusCode::BAD_REQUEST,
        "DUPLICATE_VALUE",
        &format!(
            "duplicate value found: Vitals_Key__c duplicates value on record with id: {}",
            ok.json["id"].as_str().unwrap()
        ),
        json!([]),
    );
    let with_id = org
        .post("/sobjects/Account", json!({"Name": "A", "Id": account}))
        .await;
    assert_eq!(error_of(&with_id).0, "INVALID_FIELD");
    let deleted = org.create("Account", json!({"Name": "Gone"})).await;
    org.delete(&format!("/sobjects/Account/{deleted}")).await;
    let r = org
        .post(
            "/sobjects/Contact",
            json!({"LastName": "L", "AccountId": deleted}),
        )
        .await;
    assert_eq!(error_of(&r).0, "ENTITY_IS_DELETED");
}

#[tokio::test]
async fn derived_fields_follow_the_org() {
    let org = Org::start().await;
    let account = org.create("Account", json!({"Name": "Acme"})).await;
    let contact = org
        .create(
            "Contact",
            json!({"LastName": "Lee", "FirstName": "Ann", "AccountId": account}),
        )
        .await;
    assert_eq!(org.field("Contact", &contact, "Name").await, "Ann Lee");

    let task = org
        .create(
            "Task",
            json!({"Subject": "Call", "WhoId": contact, "ActivityDate": "2026-02-27"}),
        )
        .await;
    let t = org
        .get(&format!(
            "/sobjects/Task/{task}?fields=IsClosed,Status,Priority,AccountId,OwnerId"
        ))
        .await;
    assert_eq!(
        (
            t.json["IsClosed"].clone(),
            t.json["Status"].clone(),
            t.json["Priority"].clone()
        ),
        (json!(false), json!("Not Started"), json!("Normal"))
    );
    assert_eq!(t.json["AccountId"], json!(account));
    assert_eq!(t.json["OwnerId"], "005000000000001AAA");
    assert_eq!(
        org.field("Account", &account, "LastActivityDate").await,
        Value::Null
    );

    org.advance(60).await;
    org.patch(
        &format!("/sobjects/Task/{task}"),
        json!({"Status": "Completed"}),
    )
    .await;
    assert_eq!(org.field("Task", &task, "IsClosed").await, true);
    let a = org
        .get(&format!(
            "/sobjects/Account/{account}?fields=LastActivityDate,SystemModstamp"
        ))
        .await;
    assert_eq!(a.json["LastActivityDate"], "2026-02-27");
    // A system-side change bumps SystemModstamp.
    assert_eq!(a.json["SystemModstamp"], "2026-03-02T12:01:00.000+0000");

    let case = org
        .create("Case", json!({"AccountId": account, "Subject": "Broken"}))
        .await;
    let c = org
        .get(&format!(
            "/sobjects/Case/{case}?fields=Status,IsClosed,ClosedDate"
        ))
        .await;
    assert_eq!(
        c.json,
        json!({"attributes": c.json["attributes"], "Status": "New", "IsClosed": false, "ClosedDate": null})
    );
    org.advance(60).await;
    org.patch(
        &format!("/sobjects/Case/{case}"),
        json!({"Status": "Closed"}),
    )
    .await;
    let c = org
        .get(&format!("/sobjects/Case/{case}?fields=IsClosed,ClosedDate"))
        .await;
    assert_eq!(
        (c.json["IsClosed"].clone(), c.json["ClosedDate"].clone()),
        (json!(true), json!("2026-03-02T12:02:00.000+0000"))
    );

    let opp = org.create("Opportunity", json!({"Name": "O", "StageName": "Prospecting", "CloseDate": "2026-06-30", "AccountId": account})).await;
    let o = org
        .get(&format!(
            "/sobjects/Opportunity/{opp}?fields=IsClosed,IsWon,Probability,ForecastCategoryName"
        ))
        .await;
    assert_eq!(
        (
            o.json["IsClosed"].clone(),
            o.json["IsWon"].clone(),
            o.json["Probability"].clone(),
            o.json["ForecastCategoryName"].clone()
        ),
        (json!(false), json!(false), json!(10.0), json!("Pipeline"))
    );
    org.patch(
        &format!("/sobjects/Opportunity/{opp}"),
        json!({"StageName": "Closed Won"}),
    )
    .await;
    let o = org
        .get(&format!(
            "/sobjects/Opportunity/{opp}?fields=IsClosed,IsWon,Probability,ForecastCategoryName"
        ))
        .await;
    assert_eq!(
        (
            o.json["IsClosed"].clone(),
            o.json["IsWon"].clone(),
            o.json["Probability"].clone(),
            o.json["ForecastCategoryName"].clone()
        ),
        (json!(true), json!(true), json!(100.0), json!("Closed"))
    );

    let event = org.create("Event", json!({"Subject": "QBR", "Type": "QBR", "WhatId": opp, "ActivityDateTime": "2026-02-20T15:00:00.000+0000", "DurationInMinutes": 45})).await;
    let e = org
        .get(&format!(
            "/sobjects/Event/{event}?fields=AccountId,ActivityDate,EndDateTime"
        ))
        .await;
    assert_eq!(
        (
            e.json["AccountId"].clone(),
            e.json["ActivityDate"].clone(),
            e.json["EndDateTime"].clone()
        ),
        (
            json!(account),
            json!("2026-02-20"),
            json!("2026-02-20T15:45:00.000+0000")
        )
    );
    let missing = org
        .post(
            "/sobjects/Event",
            json!({"Subject": "x", "ActivityDateTime": "2026-02-20T15:00:00Z"}),
        )
        .await;
    assert_eq!(
        missing.json[0]["message"],
        "Required fields are missing: [DurationInMinutes]"
    );

    let contract = org
        .create(
            "Contract",
            json!({"AccountId": account, "StartDate": "2026-01-15", "ContractTerm": 12}),
        )
        .await;
    let k = org
        .get(&format!(
            "/sobjects/Contract/{contract}?fields=EndDate,Status,StatusCode"
        ))
        .await;
    assert_eq!(
        (
            k.json["EndDate"].clone(),
            k.json["Status"].clone(),
            k.json["StatusCode"].clone()
        ),
        (json!("2027-01-14"), json!("Draft"), json!("Draft"))
    );
}

#[tokio::test]
async fn upsert_by_external_id() {
    let org = Org::start().await;
    let created = org
        .patch(
            "/sobjects/Account/Legacy_Id__c/L-1",
            json!({"Name": "Acme"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let id = created.json["id"].as_str().unwrap().to_owned();
    assert_eq!(
        created.text,
        format!(r#"{{"id":"{id}","success":true,"errors":[],"created":true}}"#)
    );
    assert_eq!(org.field("Account", &id, "Legacy_Id__c").await, "L-1");
    let updated = org
        .patch(
            "/sobjects/Account/Legacy_Id__c/L-1",
            json!({"Name": "Acme 2"}),
        )
        .await;
    assert_eq!(updated.status, StatusCode::OK);
    assert_eq!(
        updated.text,
        format!(r#"{{"id":"{id}","success":true,"errors":[],"created":false}}"#)
    );
    // Legacy_Id__c is an external ID but not unique: two matches answer 300.
    org.create("Account", json!({"Name": "Twin", "Legacy_Id__c": "L-1"}))
        .await;
    let many = org
        .patch("/sobjects/Account/Legacy_Id__c/L-1", json!({"Name": "x"}))
        .await;
    assert_eq!(many.status, StatusCode::MULTIPLE_CHOICES);
    assert_eq!(many.json.as_array().unwrap().len(), 2);
    assert!(
        many.json[0]
            .as_str()
            .unwrap()
            .starts_with(&format!("/services/data/{V}/sobjects/Account/001"))
    );
    let not_external = org
        .patch("/sobjects/Account/Name/Acme", json!({"Name": "x"}))
        .await;
    assert_eq!(not_external.status, StatusCode::NOT_FOUND);
    assert_eq!(error_of(&not_external).0, "NOT_FOUND");
    let update_only = org
        .patch(
            "/sobjects/Account/Legacy_Id__c/L-404?updateOnly=true",
            json!({"Name": "x"}),
        )
        .await;
    assert_eq!(update_only.status, StatusCode::NOT_FOUND);
    let via_post = org
        .post(
            "/sobjects/Task/Vitals_Key__c/T-1?_HttpMethod=PATCH",
            json!({"Subject": "Call"}),
        )
        .await;
    assert_eq!(via_post.status, StatusCode::CREATED);
}

#[tokio::test]
async fn get_updated_and_get_deleted_windows() {
    let org = Org::start().await;
    let a = org.create("Account", json!({"Name": "A"})).await;
    org.advance(120).await;
    let b = org.create("Account", json!({"Name": "B"})).await;
    org.advance(300).await;
    org.delete(&format!("/sobjects/Account/{a}")).await;
    org.advance(300).await;
    let updated = org
        .get(
            "/sobjects/Account/updated/?start=2026-03-02T12:01:30Z&end=2026-03-02T13:00:00%2B00:00",
        )
        .await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.text);
    // Seconds are ignored: the window starts at 12:01, so B (12:02) is in and A is deleted.
    assert_eq!(
        updated.json,
        json!({"ids": [b], "latestDateCovered": "2026-03-02T12:12:00.000+0000"})
    );
    let deleted = org
        .get("/sobjects/Account/deleted/?start=2026-03-02T12:00:00Z&end=2026-03-02T12:10:00Z")
        .await;
    assert_eq!(
        deleted.json["deletedRecords"],
        json!([{"id": a, "deletedDate": "2026-03-02T12:07:00.000+0000"}])
    );
    assert_eq!(
        deleted.json["latestDateCovered"],
        "2026-03-02T12:10:00.000+0000"
    );
    let reversed = org
        .get("/sobjects/Account/updated/?start=2026-03-02T12:10:00Z&end=2026-03-02T12:00:00Z")
        .await;
    assert_eq!(error_of(&reversed).0, "INVALID_REPLICATION_DATE");
    let too_old = org
        .get("/sobjects/Account/updated/?start=2026-01-01T00:00:00Z&end=2026-03-02T12:00:00Z")
        .await;
    assert_eq!(too_old.status, StatusCode::BAD_REQUEST);
    let ok_30 = org
        .get("/sobjects/Account/updated/?start=2026-02-01T12:00:00Z&end=2026-03-02T12:00:00Z")
        .await;
    assert_eq!(ok_30.status, StatusCode::OK);
    let too_old_deleted = org
        .get("/sobjects/Account/deleted/?start=2026-02-01T12:00:00Z&end=2026-03-02T12:00:00Z")
        .await;
    assert_eq!(error_of(&too_old_deleted).0, "INVALID_REPLICATION_DATE");
}

#[tokio::test]
async fn fixtures_load_through_the_same_validation() {
    let org = Org::start().await;
    let loaded = org
        .admin(Method::POST, "/records", Some(json!({
            "Contact": [{"LastName": "Lee", "AccountId": "001000000000077AAA"}],
            "Account": [{"Id": "001000000000077AAA", "Name": "Seeded", "CreatedDate": "2025-01-01T00:00:00.000Z"}],
            "Task": [{"Subject": "x", "Status": "Nope"}]
        })))
        .await;
    assert_eq!(loaded.json["created"].as_array().unwrap().len(), 2);
    assert_eq!(loaded.json["errors"].as_array().unwrap().len(), 1);
    assert_eq!(
        org.field("Account", "001000000000077AAA", "CreatedDate")
            .await,
        "2025-01-01T00:00:00.000+0000"
    );
    assert_eq!(org.counts().await["Contact"], 1);
}

#[tokio::test]
async fn upsert_on_id_updates_or_answers_not_found() {
    let org = Org::start().await;
    let id = org.create("Account", json!({"Name": "A"})).await;
    let r = org
        .patch(&format!("/sobjects/Account/Id/{id}"), json!({"Name": "B"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["created"], false);
    let r = org
        .patch(
            "/sobjects/Account/Id/001000000000999AAA",
            json!({"Name": "C"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(org.counts().await["Account"], 1);
}

#[tokio::test]
async fn auto_numbers_fill_case_contract_and_custom_names() {
    let org = Org::start().await;
    let account = org.create("Account", json!({"Name": "Acme"})).await;
    let first = org.create("Case", json!({"AccountId": account})).await;
    let second = org.create("Case", json!({"AccountId": account})).await;
    assert_eq!(org.field("Case", &first, "CaseNumber").await, "00001001");
    assert_eq!(org.field("Case", &second, "CaseNumber").await, "00001002");
    let contract = org.create("Contract", json!({"AccountId": account})).await;
    assert_eq!(
        org.field("Contract", &contract, "ContractNumber").await,
        "00000100"
    );
    let history = org
        .create(
            "Health_Score_History__c",
            json!({"Account__c": account, "Key__c": "K1", "Score__c": 71.5}),
        )
        .await;
    assert_eq!(
        org.field("Health_Score_History__c", &history, "Name").await,
        "HSH-00000001"
    );
    let r = org.post("/sobjects/Case", json!({"CaseNumber": "1"})).await;
    assert_eq!(r.json[0]["errorCode"], "INVALID_FIELD_FOR_INSERT_UPDATE");
}
