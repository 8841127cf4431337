//! Behaviour an org has that the emulator once lacked: connection drops on 204s, cascade
//! deletes and cleared lookups, v67.0, locks on chosen rows, stricter write checks,
//! Collections type rules, and the lesser items of the review.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::{Org, V, assert_reset, error_of};

/// Sends a request outside the helpers, so a transport error reaches the test.
async fn raw(
    org: &Org,
    method: Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> reqwest::Result<reqwest::Response> {
    let mut request = org
        .http
        .request(method, format!("{}/services/data/{V}{path}", org.base))
        .bearer_auth(&org.token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await
}

#[tokio::test]
async fn drop_resets_the_connection_on_204_writes_after_they_commit() {
    let org = Org::start().await;
    let account = org.create("Account", json!({"Name": "Before"})).await;
    // PATCH answers 204 with no body, so a broken body stream was never noticed.
    org.faults("next=1:drop").await;
    let result = raw(
        &org,
        Method::PATCH,
        &format!("/sobjects/Account/{account}"),
        Some(json!({"Name": "After"})),
    )
    .await;
    assert_reset(&result.expect_err("the client sees no response at all"));
    assert_eq!(org.field("Account", &account, "Name").await, json!("After"));
    // DELETE too.
    org.faults("next=1:drop").await;
    let result = raw(
        &org,
        Method::DELETE,
        &format!("/sobjects/Account/{account}"),
        None,
    )
    .await;
    assert_reset(&result.unwrap_err());
    assert_eq!(org.counts().await["Account"], 0);
    assert_eq!(org.injected().await["drop"], 1);
    // A create (201) is cut before its headers as well: the client never learns the Id.
    org.faults("next=1:drop").await;
    let result = raw(
        &org,
        Method::POST,
        "/sobjects/Account",
        Some(json!({"Name": "New"})),
    )
    .await;
    assert_reset(&result.unwrap_err());
    assert_eq!(org.counts().await["Account"], 1);
    // The next call, on a new connection, is served normally.
    let r = org.get("/limits").await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn reset_after_an_fls_change_is_a_describe_change() {
    let org = Org::start().await;
    org.admin(
        Method::POST,
        "/fls",
        Some(json!({"hidden": ["Account.Health_Score__c"]})),
    )
    .await;
    org.advance(3600).await;
    // A client that cached describe after the FLS change...
    let r = org
        .call_with(
            Method::GET,
            &format!("/services/data/{V}/sobjects/Account/describe"),
            None,
            &org.token,
            &[("If-Modified-Since", "Mon, 02 Mar 2026 12:30:00 GMT")],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_MODIFIED);
    // ...must see the reset (which restores the hidden field) as a change.
    org.admin(Method::POST, "/reset", None).await;
    let token = org.login().await;
    let r = org
        .call_with(
            Method::GET,
            &format!("/services/data/{V}/sobjects/Account/describe"),
            None,
            &token,
            &[("If-Modified-Since", "Mon, 02 Mar 2026 12:30:00 GMT")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("Health_Score__c"));
}

#[tokio::test]
async fn deleting_an_account_takes_what_an_org_takes_and_clears_lookups() {
    let org = Org::start().await;
    let account = org.create("Account", json!({"Name": "Gone"})).await;
    let child = org
        .create(
            "Account",
            json!({"Name": "Subsidiary", "ParentId": account}),
        )
        .await;
    let contact = org
        .create("Contact", json!({"LastName": "Lee", "AccountId": account}))
        .await;
    let opportunity = org
        .create(
            "Opportunity",
            json!({"Name": "Deal", "StageName": "Prospecting", "CloseDate": "2026-06-30", "AccountId": account}),
        )
        .await;
    let contract = org
        .create(
            "Contract",
            json!({"AccountId": account, "StartDate": "2026-01-01", "ContractTerm": 12}),
        )
        .await;
    let task = org
        .create("Task", json!({"Subject": "Call", "WhatId": opportunity}))
        .await;
    let contact_task = org
        .create("Task", json!({"Subject": "Mail", "WhoId": contact}))
        .await;
    org.advance(60).await;
    let r = org.delete(&format!("/sobjects/Account/{account}")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    // Contacts, opportunities, contracts not activated and activities go with it.
    for (object, id) in [
        ("Contact", &contact),
        ("Opportunity", &opportunity),
        ("Contract", &contract),
        ("Task", &task),
        ("Task", &contact_task),
    ] {
        let r = org.get(&format!("/sobjects/{object}/{id}")).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{object} {id}: {}", r.text);
    }
    // The child account stays, its ParentId cleared by the system (SystemModstamp only).
    let r = org
        .get(&format!(
            "/sobjects/Account/{child}?fields=ParentId,SystemModstamp,LastModifiedDate"
        ))
        .await;
    assert_eq!(r.json["ParentId"], serde_json::Value::Null);
    assert_eq!(r.json["SystemModstamp"], "2026-03-02T12:01:00.000+0000");
    assert_eq!(r.json["LastModifiedDate"], "2026-03-02T12:00:00.000+0000");
    let q = org
        .get("/query?q=SELECT+Name,Parent.Name+FROM+Account")
        .await;
    assert_eq!(q.json["totalSize"], 1);
    assert_eq!(q.json["records"][0]["Parent"], serde_json::Value::Null);
    // queryAll still shows the deleted rows.
    let all = org
        .get("/queryAll?q=SELECT+Id+FROM+Contact+WHERE+IsDeleted=true")
        .await;
    assert_eq!(all.json["totalSize"], 1);
}

#[tokio::test]
async fn an_account_with_cases_or_activated_contracts_cannot_be_deleted() {
    let org = Org::start().await;
    let account = org.create("Account", json!({"Name": "Busy"})).await;
    let case = org
        .create("Case", json!({"AccountId": account, "Subject": "Help"}))
        .await;
    let r = org.delete(&format!("/sobjects/Account/{account}")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    let (code, message) = error_of(&r);
    assert_eq!(code, "DELETE_FAILED");
    assert!(message.contains("cases"), "{message}");
    assert_eq!(org.counts().await["Account"], 1);
    org.delete(&format!("/sobjects/Case/{case}")).await;
    let r = org.delete(&format!("/sobjects/Account/{account}")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
}

#[tokio::test]
async fn deleted_parents_are_null_in_query() {
    let org = Org::start().await;
    let contact = org.create("Contact", json!({"LastName": "Solo"})).await;
    let case = org
        .create("Case", json!({"Subject": "S", "ContactId": contact}))
        .await;
    // Deleting the contact clears the case's ContactId; the case stays.
    org.delete(&format!("/sobjects/Contact/{contact}")).await;
    let q = org
        .get("/query?q=SELECT+Id,Contact.LastName,ContactId+FROM+Case")
        .await;
    assert_eq!(q.json["records"][0]["Id"], json!(case));
    assert_eq!(q.json["records"][0]["Contact"], serde_json::Value::Null);
    assert_eq!(q.json["records"][0]["ContactId"], serde_json::Value::Null);
}

#[tokio::test]
async fn lock_ids_lock_chosen_rows_by_id_or_external_id() {
    let org = Org::start().await;
    let locked = org.create("Account", json!({"Name": "Locked"})).await;
    let free = org.create("Account", json!({"Name": "Free"})).await;
    org.faults(&format!("lock-ids={locked};Legacy_Id__c:L-1"))
        .await;
    // Single-record writes to a locked row fail whole.
    let r = org
        .patch(&format!("/sobjects/Account/{locked}"), json!({"Name": "X"}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_of(&r).0, "UNABLE_TO_LOCK_ROW");
    let r = org.delete(&format!("/sobjects/Account/{locked}")).await;
    assert_eq!(error_of(&r).0, "UNABLE_TO_LOCK_ROW");
    let r = org
        .patch("/sobjects/Account/Legacy_Id__c/L-1", json!({"Name": "New"}))
        .await;
    assert_eq!(error_of(&r).0, "UNABLE_TO_LOCK_ROW");
    // In Collections only the chosen rows fail.
    let r = org
        .call(
            Method::PATCH,
            "/composite/sobjects",
            Some(json!({"records": [
                {"attributes": {"type": "Account"}, "id": locked, "Name": "A"},
                {"attributes": {"type": "Account"}, "id": free, "Name": "B"}
            ]})),
        )
        .await;
    assert_eq!(r.json[0]["errors"][0]["statusCode"], "UNABLE_TO_LOCK_ROW");
    assert_eq!(r.json[1]["success"], true);
    // Clearing the faults releases them; bad items are refused.
    org.admin(Method::DELETE, "/faults", None).await;
    let r = org
        .patch(&format!("/sobjects/Account/{locked}"), json!({"Name": "X"}))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = org
        .admin_raw(
            Method::POST,
            "/faults",
            Some(json!({"spec": "lock-ids=nonsense"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn event_end_and_duration_must_agree_and_timed_events_need_both_parts() {
    let org = Org::start().await;
    let start = "2026-03-03T10:00:00.000+0000";
    let r = org
        .post(
            "/sobjects/Event",
            json!({"Subject": "Call", "StartDateTime": start, "DurationInMinutes": 30, "EndDateTime": "2026-03-03T11:00:00.000+0000"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert_eq!(error_of(&r).0, "FIELD_INTEGRITY_EXCEPTION");
    let id = org
        .create(
            "Event",
            json!({"Subject": "Call", "StartDateTime": start, "DurationInMinutes": 60, "EndDateTime": "2026-03-03T11:00:00.000+0000"}),
        )
        .await;
    // Changing both on update must agree too.
    let r = org
        .patch(
            &format!("/sobjects/Event/{id}"),
            json!({"DurationInMinutes": 15, "EndDateTime": "2026-03-03T12:00:00.000+0000"}),
        )
        .await;
    assert_eq!(error_of(&r).0, "FIELD_INTEGRITY_EXCEPTION");
    // A timed event needs a start and a duration (or end); at most 14 days.
    let r = org
        .post(
            "/sobjects/Event",
            json!({"Subject": "No start", "DurationInMinutes": 30}),
        )
        .await;
    assert_eq!(
        error_of(&r),
        (
            "REQUIRED_FIELD_MISSING".to_owned(),
            "Required fields are missing: [ActivityDateTime]".to_owned()
        )
    );
    let r = org
        .post(
            "/sobjects/Event",
            json!({"Subject": "No length", "StartDateTime": start}),
        )
        .await;
    assert_eq!(
        error_of(&r),
        (
            "REQUIRED_FIELD_MISSING".to_owned(),
            "Required fields are missing: [DurationInMinutes]".to_owned()
        )
    );
    let r = org
        .post(
            "/sobjects/Event",
            json!({"Subject": "Long", "StartDateTime": start, "DurationInMinutes": 20_161}),
        )
        .await;
    assert_eq!(error_of(&r).0, "FIELD_INTEGRITY_EXCEPTION");
}

#[tokio::test]
async fn owners_must_be_active_and_accounts_cannot_parent_themselves() {
    let org = Org::start().await;
    let users = org
        .get("/query?q=SELECT+Id+FROM+User+WHERE+Username='inactive@vitals.example'")
        .await;
    let inactive = users.json["records"][0]["Id"].as_str().unwrap().to_owned();
    let r = org
        .post(
            "/sobjects/Account",
            json!({"Name": "Orphan", "OwnerId": inactive}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    let (code, message) = error_of(&r);
    assert_eq!(code, "INACTIVE_OWNER_OR_USER");
    assert!(message.contains(&inactive), "{message}");
    let a = org.create("Account", json!({"Name": "A"})).await;
    let r = org
        .patch(&format!("/sobjects/Account/{a}"), json!({"ParentId": a}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert_eq!(error_of(&r).0, "FIELD_INTEGRITY_EXCEPTION");
    // A loop through a child is refused as well.
    let b = org
        .create("Account", json!({"Name": "B", "ParentId": a}))
        .await;
    let r = org
        .patch(&format!("/sobjects/Account/{a}"), json!({"ParentId": b}))
        .await;
    assert_eq!(error_of(&r).0, "FIELD_INTEGRITY_EXCEPTION");
}

#[tokio::test]
async fn collections_upsert_takes_only_the_url_type_and_create_at_most_ten_chunks() {
    let org = Org::start().await;
    let r = org
        .call(
            Method::PATCH,
            "/composite/sobjects/Account/Legacy_Id__c",
            Some(json!({"records": [
                {"attributes": {"type": "Account"}, "Legacy_Id__c": "A-1", "Name": "A"},
                {"attributes": {"type": "Contact"}, "Legacy_Id__c": "A-2", "LastName": "B"}
            ]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert_eq!(error_of(&r).0, "INVALID_TYPE");
    assert_eq!(org.counts().await["Account"], 0);
    let record = |i: usize| {
        if i.is_multiple_of(2) {
            json!({"attributes": {"type": "Account"}, "Name": format!("A{i}")})
        } else {
            json!({"attributes": {"type": "Contact"}, "LastName": format!("C{i}")})
        }
    };
    let ten: Vec<_> = (0..10).map(record).collect();
    let r = org
        .post("/composite/sobjects", json!({"records": ten}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let eleven: Vec<_> = (0..11).map(record).collect();
    let r = org
        .post("/composite/sobjects", json!({"records": eleven}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert!(error_of(&r).1.contains("10 chunks"));
    assert_eq!(org.counts().await["Account"], 5);
}

#[tokio::test]
async fn value_and_object_checks_use_the_orgs_codes() {
    let org = Org::start().await;
    let r = org
        .post(
            "/sobjects/Contact",
            json!({"LastName": "Lee", "Email": "not-an-address"}),
        )
        .await;
    assert_eq!(error_of(&r).0, "INVALID_EMAIL_ADDRESS");
    let r = org
        .post(
            "/sobjects/Opportunity",
            json!({"Name": "Old", "StageName": "Prospecting", "CloseDate": "1500-01-01"}),
        )
        .await;
    assert_eq!(error_of(&r).0, "INVALID_DATE");
    // RecordType cannot be created through the API; a User cannot be deleted.
    let r = org.post("/sobjects/RecordType", json!({"Name": "X"})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert_eq!(
        error_of(&r),
        (
            "INVALID_TYPE_FOR_OPERATION".to_owned(),
            "entity type cannot be inserted: Record Type".to_owned()
        )
    );
    let users = org.get("/query?q=SELECT+Id+FROM+User+LIMIT+1").await;
    let user = users.json["records"][0]["Id"].as_str().unwrap().to_owned();
    let r = org.delete(&format!("/sobjects/User/{user}")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert_eq!(error_of(&r).0, "INSUFFICIENT_ACCESS_OR_READONLY");
}

#[tokio::test]
async fn the_eleventh_cursor_evicts_the_oldest() {
    let org = Org::start().await;
    let accounts: Vec<_> = (0..201)
        .map(|i| json!({"Name": format!("A{i:03}")}))
        .collect();
    org.admin(Method::POST, "/records", Some(json!({"Account": accounts})))
        .await;
    let mut next = Vec::new();
    for _ in 0..11 {
        let r = org
            .call_with(
                Method::GET,
                &format!("/services/data/{V}/query?q=SELECT+Id+FROM+Account"),
                None,
                &org.token,
                &[("Sforce-Query-Options", "batchSize=200")],
            )
            .await;
        assert_eq!(r.json["done"], false);
        next.push(r.json["nextRecordsUrl"].as_str().unwrap().to_owned());
    }
    // Ten cursors stay open: the first one opened was evicted.
    let first = org
        .call_with(Method::GET, &next[0], None, &org.token, &[])
        .await;
    assert_eq!(first.status, StatusCode::BAD_REQUEST, "{}", first.text);
    assert_eq!(error_of(&first).0, "INVALID_QUERY_LOCATOR");
    let second = org
        .call_with(Method::GET, &next[1], None, &org.token, &[])
        .await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.text);
    assert_eq!(second.json["done"], true);
}

#[tokio::test]
async fn bulk_hard_delete_removes_rows() {
    let org = Org::start().await;
    let a = org.create("Account", json!({"Name": "A"})).await;
    let b = org.create("Account", json!({"Name": "B"})).await;
    let (_, info) = org
        .run_ingest(
            json!({"object": "Account", "operation": "hardDelete"}),
            &format!("Id\n{a}\n{b}\n"),
        )
        .await;
    assert_eq!(info["state"], "JobComplete", "{info}");
    assert_eq!(info["operation"], "hardDelete");
    assert_eq!(info["numberRecordsFailed"], 0);
    assert_eq!(org.counts().await["Account"], 0);
}

#[tokio::test]
async fn uploads_above_fifty_megabytes_are_accepted() {
    let org = Org::start().await;
    let job = org
        .ingest_job(json!({"object": "Account", "operation": "insert"}))
        .await;
    // 51 MB of CSV: above the 50 MB REST body limit, under Bulk's 150 MB after base64.
    let mut csv = String::with_capacity(51 * 1024 * 1024 + 16);
    csv.push_str("Name\n");
    let row = "Acme Corporation Worldwide Holdings\n";
    while csv.len() < 51 * 1024 * 1024 {
        csv.push_str(row);
    }
    org.upload(&job, &csv).await;
    let r = org.get(&format!("/jobs/ingest/{job}")).await;
    assert_eq!(r.json["state"], "Open");
    let r = org
        .patch(&format!("/jobs/ingest/{job}"), json!({"state": "Aborted"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}
