//! A trailing slash on a resource, as simple-salesforce sends it (`POST .../sobjects/Account/`,
//! `GET .../query/?q=`): an org serves the resource as without the slash, and so must the
//! emulator, for every resource and every door (Composite subrequests too).

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::{Org, V};

#[tokio::test]
async fn sobject_create_read_update_and_delete_take_a_trailing_slash() {
    let org = Org::start().await;
    let r = org
        .post("/sobjects/Account/", json!({"Name": "Slash"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.json["id"].as_str().unwrap().to_owned();
    assert_eq!(
        r.header("Location"),
        Some(format!("/services/data/{V}/sobjects/Account/{id}").as_str())
    );

    let r = org.get(&format!("/sobjects/Account/{id}/")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["Name"], "Slash");

    let r = org
        .patch(
            &format!("/sobjects/Account/{id}/"),
            json!({"Name": "Slashed"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    assert_eq!(org.field("Account", &id, "Name").await, json!("Slashed"));

    let r = org.get("/sobjects/Account/describe/").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["name"], "Account");

    let r = org.delete(&format!("/sobjects/Account/{id}/")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    assert_eq!(org.counts().await["Account"], 0);

    // The request log keeps the path as the client sent it.
    let log = org.admin(Method::GET, "/requests", None).await.json;
    assert_eq!(
        log["counts"][format!("POST /services/data/{V}/sobjects/Account/")],
        1
    );
}

#[tokio::test]
async fn query_limits_versions_and_composite_take_a_trailing_slash() {
    let org = Org::start().await;
    org.create("Account", json!({"Name": "One"})).await;

    let r = org.get("/query/?q=SELECT+Name+FROM+Account").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["totalSize"], 1);
    assert_eq!(r.json["records"][0]["Name"], "One");

    let r = org.get("/limits/").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.json["DailyApiRequests"]["Max"].as_u64().unwrap() > 0);

    // The version's resource list, with and without the slash.
    for path in ["", "/"] {
        let r = org.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "{path:?}: {}", r.text);
        assert_eq!(r.json["sobjects"], format!("/services/data/{V}/sobjects"));
    }
    let r = org
        .call_with(Method::GET, "/services/data/", None, "", &[])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    let r = org
        .post(
            "/composite/",
            json!({"compositeRequest": [
                {"method": "POST", "url": format!("/services/data/{V}/sobjects/Account/"),
                 "referenceId": "created", "body": {"Name": "Two"}},
                {"method": "GET", "url": format!("/services/data/{V}/sobjects/Account/@{{created.id}}/"),
                 "referenceId": "read"}
            ]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let results = &r.json["compositeResponse"];
    assert_eq!(results[0]["httpStatusCode"], 201, "{}", r.text);
    assert_eq!(results[1]["httpStatusCode"], 200, "{}", r.text);
    assert_eq!(results[1]["body"]["Name"], "Two");

    // An unknown resource is still unknown with a slash.
    let r = org.get("/sobjects/Nope__c/").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
}

#[tokio::test]
async fn bulk_jobs_take_a_trailing_slash() {
    let org = Org::start().await;
    org.create("Account", json!({"Name": "Bulk"})).await;
    let r = org
        .post(
            "/jobs/query/",
            json!({"operation": "query", "query": "SELECT Name FROM Account"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let id = r.json["id"].as_str().unwrap().to_owned();
    let mut state = String::new();
    for _ in 0..5 {
        let r = org.get(&format!("/jobs/query/{id}/")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        state = r.json["state"].as_str().unwrap().to_owned();
        if state == "JobComplete" {
            break;
        }
    }
    assert_eq!(state, "JobComplete");
    let r = org.get(&format!("/jobs/query/{id}/results/")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.text, "\"Name\"\n\"Bulk\"\n");

    let r = org.get("/jobs/query/").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["records"].as_array().unwrap().len(), 1);
}
