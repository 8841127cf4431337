//! Behaviour an org has that the emulator once lacked: connection drops on 204s, cascade
//! deletes and cleared lookups, v67.0, locks on chosen rows, stricter write checks,
//! Collections type rules, and the lesser items of the review.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::{Org, V, error_of};

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
    let error = result.expect_err("the client sees no response at all");
    assert!(!error.is_status(), "{error:?}");
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
    assert!(result.is_err(), "{result:?}");
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
    assert!(result.is_err(), "{result:?}");
    assert_eq!(org.counts().await["Account"], 1);
    // The next call, on a new connection, is served normally.
    let r = org.get("/limits").await;
    assert_eq!(r.status, StatusCode::OK);
    let _ = error_of;
}
