//! `/query`, `/queryAll` and `nextRecordsUrl` paging over the SOQL engine.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{Org, V, error_of};

fn q(soql: &str) -> String {
    format!(
        "/query?q={}",
        url::form_urlencoded::byte_serialize(soql.as_bytes()).collect::<String>()
    )
}

async fn seed_accounts(org: &Org, n: usize) {
    for chunk in (0..n).collect::<Vec<_>>().chunks(200) {
        let records: Vec<Value> = chunk
            .iter()
            .map(|i| json!({"attributes": {"type": "Account"}, "Name": format!("Acct {i:04}")}))
            .collect();
        let r = org
            .post("/composite/sobjects", json!({"records": records}))
            .await;
        assert!(
            r.json
                .as_array()
                .unwrap()
                .iter()
                .all(|row| row["success"] == true)
        );
    }
}

#[tokio::test]
async fn pages_follow_next_records_url_with_batch_size() {
    let org = Org::start().await;
    seed_accounts(&org, 450).await;
    let first = org
        .call_with(
            Method::GET,
            &format!(
                "/services/data/{V}{}",
                q("SELECT Id, Name FROM Account ORDER BY Name")
            ),
            None,
            &org.token,
            &[("Sforce-Query-Options", "batchSize=200")],
        )
        .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    assert_eq!(first.json["totalSize"], 450);
    assert_eq!(first.json["done"], false);
    assert_eq!(first.json["records"].as_array().unwrap().len(), 200);
    assert_eq!(first.json["records"][0]["Name"], "Acct 0000");
    let next = first.json["nextRecordsUrl"].as_str().unwrap().to_owned();
    assert!(
        next.starts_with(&format!("/services/data/{V}/query/01g")) && next.ends_with("-200"),
        "{next}"
    );
    let keys: Vec<&str> = first
        .json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["totalSize", "done", "nextRecordsUrl", "records"]);

    let second = org
        .call_with(Method::GET, &next, None, &org.token, &[])
        .await;
    assert_eq!(second.json["records"][0]["Name"], "Acct 0200");
    assert_eq!(second.json["totalSize"], 450);
    let third_url = second.json["nextRecordsUrl"].as_str().unwrap().to_owned();
    let third = org
        .call_with(Method::GET, &third_url, None, &org.token, &[])
        .await;
    assert_eq!(third.json["records"].as_array().unwrap().len(), 50);
    assert_eq!(third.json["done"], true);
    assert!(third.json.get("nextRecordsUrl").is_none());

    // Below the minimum batch size the org uses 200; without the header, 2000.
    let small = org
        .call_with(
            Method::GET,
            &format!("/services/data/{V}{}", q("SELECT Id FROM Account")),
            None,
            &org.token,
            &[("Sforce-Query-Options", "batchSize=50")],
        )
        .await;
    assert_eq!(small.json["records"].as_array().unwrap().len(), 200);
    let all = org.get(&q("SELECT Id FROM Account")).await;
    assert_eq!(all.json["records"].as_array().unwrap().len(), 450);
    assert_eq!(all.json["done"], true);

    let bogus = org.get("/query/01g000000000000AAA-200").await;
    assert_eq!(bogus.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_of(&bogus).0, "INVALID_QUERY_LOCATOR");
}

#[tokio::test]
async fn cursors_expire_on_the_clock() {
    let org = Org::start().await;
    seed_accounts(&org, 250).await;
    let first = org
        .call_with(
            Method::GET,
            &format!("/services/data/{V}{}", q("SELECT Id FROM Account")),
            None,
            &org.token,
            &[("Sforce-Query-Options", "batchSize=200")],
        )
        .await;
    let next = first.json["nextRecordsUrl"].as_str().unwrap().to_owned();
    org.advance(16 * 60).await;
    let token = org.login().await;
    let expired = org.call_with(Method::GET, &next, None, &token, &[]).await;
    assert_eq!(error_of(&expired).0, "INVALID_QUERY_LOCATOR");
}

#[tokio::test]
async fn records_carry_attributes_parents_and_children() {
    let org = Org::start().await;
    let account = org.create("Account", json!({"Name": "Acme"})).await;
    let lee = org
        .create("Contact", json!({"LastName": "Lee", "AccountId": account}))
        .await;
    let orphan = org.create("Contact", json!({"LastName": "Solo"})).await;
    let r = org
        .get(&q(
            "SELECT Id, LastName, Account.Name FROM Contact ORDER BY LastName",
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        r.text,
        format!(
            r#"{{"totalSize":2,"done":true,"records":[{{"attributes":{{"type":"Contact","url":"/services/data/{V}/sobjects/Contact/{lee}"}},"Id":"{lee}","LastName":"Lee","Account":{{"attributes":{{"type":"Account","url":"/services/data/{V}/sobjects/Account/{account}"}},"Name":"Acme"}}}},{{"attributes":{{"type":"Contact","url":"/services/data/{V}/sobjects/Contact/{orphan}"}},"Id":"{orphan}","LastName":"Solo","Account":null}}]}}"#
        )
    );
    org.create("Account", json!({"Name": "Empty"})).await;
    let r = org
        .get(&q(
            "SELECT Name, (SELECT LastName FROM Contacts) FROM Account ORDER BY Name",
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let contacts = &r.json["records"][0]["Contacts"];
    assert_eq!(contacts["totalSize"], 1);
    assert_eq!(contacts["done"], true);
    assert_eq!(contacts["records"][0]["LastName"], "Lee");
    assert_eq!(contacts["records"][0]["attributes"]["type"], "Contact");
    assert_eq!(r.json["records"][1]["Contacts"], Value::Null);
}

#[tokio::test]
async fn count_and_query_all() {
    let org = Org::start().await;
    seed_accounts(&org, 5).await;
    let gone = org.create("Account", json!({"Name": "Gone"})).await;
    org.delete(&format!("/sobjects/Account/{gone}")).await;
    let count = org.get(&q("SELECT COUNT() FROM Account")).await;
    assert_eq!(count.text, r#"{"totalSize":5,"done":true,"records":[]}"#);
    let live = org
        .get(&q("SELECT Id FROM Account WHERE IsDeleted = true"))
        .await;
    assert_eq!(live.json["totalSize"], 0);
    let all = org
        .get(&format!(
            "/queryAll?q={}",
            url::form_urlencoded::byte_serialize(
                b"SELECT Id, IsDeleted FROM Account WHERE IsDeleted = true"
            )
            .collect::<String>()
        ))
        .await;
    assert_eq!(all.json["totalSize"], 1);
    assert_eq!(all.json["records"][0]["Id"], json!(gone));
    assert_eq!(all.json["records"][0]["IsDeleted"], true);
}

#[tokio::test]
async fn bad_queries_answer_with_engine_codes() {
    let org = Org::start().await;
    let r = org.get(&q("SELECT Nope__c FROM Account")).await;
    assert_eq!(
        (r.status, error_of(&r).0),
        (StatusCode::BAD_REQUEST, "INVALID_FIELD".to_owned())
    );
    let r = org.get(&q("SELECT Id FROM Nope__c")).await;
    assert_eq!(error_of(&r).0, "INVALID_TYPE");
    let r = org.get(&q("SELEKT Id FROM Account")).await;
    assert_eq!(error_of(&r).0, "MALFORMED_QUERY");
    // An unencoded `+` in a dateTime literal arrives as a space.
    let r = org
        .get("/query?q=SELECT+Id+FROM+Account+WHERE+SystemModstamp+>+2024-01-01T00:00:00+00:00")
        .await;
    assert_eq!(error_of(&r).0, "MALFORMED_QUERY");
    org.admin(
        Method::POST,
        "/fls",
        Some(json!({"hidden": ["Account.Health_Score__c"]})),
    )
    .await;
    let r = org.get(&q("SELECT Health_Score__c FROM Account")).await;
    assert_eq!(error_of(&r).0, "INVALID_FIELD");
}

#[tokio::test]
async fn where_uses_indexes_and_literals() {
    let org = Org::start().await;
    let account = org.create("Account", json!({"Name": "Acme"})).await;
    for i in 0..3 {
        org.create("Case", json!({"AccountId": account, "Subject": format!("c{i}"), "Priority": if i == 0 { "High" } else { "Low" }})).await;
    }
    org.create("Case", json!({"Subject": "other"})).await;
    let r = org.get(&q(&format!("SELECT Subject FROM Case WHERE AccountId = '{account}' AND Priority IN ('High', 'Critical')"))).await;
    assert_eq!(r.json["totalSize"], 1, "{}", r.text);
    let r = org
        .get(&q(
            "SELECT Id FROM Case WHERE CreatedDate >= 2026-03-02T00:00:00Z AND IsClosed = false",
        ))
        .await;
    assert_eq!(r.json["totalSize"], 4, "{}", r.text);
}
