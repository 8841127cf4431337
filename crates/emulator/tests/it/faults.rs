//! Fault injection, asserted through the admin API's counts and request log.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::{Org, V, error_of};

#[tokio::test]
async fn next_calls_fail_then_service_resumes() {
    let org = Org::start().await;
    org.faults("next=2:503,next=1:500,next=1:420,next=1:503html,next=1:401,next=1:403concurrent,next=1:403limit").await;
    let statuses: Vec<u16> = {
        let mut out = Vec::new();
        for _ in 0..9 {
            out.push(org.get("/limits").await.status.as_u16());
        }
        out
    };
    assert_eq!(statuses, [503, 503, 500, 420, 503, 401, 403, 403, 200]);
    assert_eq!(
        org.injected().await,
        json!({"401": 1, "403concurrent": 1, "403limit": 1, "420": 1, "500": 1, "503": 2, "503html": 1})
    );
}

#[tokio::test]
async fn fault_bodies_look_like_salesforce_and_its_edge() {
    let org = Org::start().await;
    org.faults("next=1:503,next=1:503html,next=1:420,next=1:403concurrent,next=1:500")
        .await;
    let r = org.get("/limits").await;
    assert_eq!(
        r.text,
        r#"[{"message":"Server Unavailable","errorCode":"SERVER_UNAVAILABLE"}]"#
    );
    let r = org.get("/limits").await;
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    assert!(r.text.starts_with("<html>"));
    let r = org.get("/limits").await;
    assert_eq!(r.status.as_u16(), 420);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    let r = org.get("/limits").await;
    assert_eq!(
        r.text,
        r#"[{"message":"ConcurrentPerOrgLongTxn Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]"#
    );
    let r = org.get("/limits").await;
    assert_eq!(error_of(&r).0, "UNKNOWN_EXCEPTION");
    assert!(r.header("Sforce-Limit-Info").is_some());
}

#[tokio::test]
async fn shares_are_deterministic_for_a_seed() {
    let run = || async {
        let org = Org::start().await;
        org.faults("seed=42,503=0.3").await;
        let mut out = Vec::new();
        for _ in 0..20 {
            out.push(org.get("/limits").await.status.as_u16());
        }
        let failures = out.iter().filter(|s| **s == 503).count();
        assert_eq!(org.injected().await["503"], json!(failures));
        out
    };
    let first = run().await;
    assert_eq!(first, run().await);
    assert!(first.contains(&503) && first.contains(&200));
}

#[tokio::test]
async fn lock_failures_per_record_and_per_call() {
    let org = Org::start().await;
    let id = org.create("Account", json!({"Name": "A"})).await;
    org.faults("next=1:lock").await;
    let r = org
        .patch(&format!("/sobjects/Account/{id}"), json!({"Name": "B"}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.text,
        r#"[{"message":"unable to obtain exclusive access to this record","errorCode":"UNABLE_TO_LOCK_ROW","fields":[]}]"#
    );
    assert_eq!(org.field("Account", &id, "Name").await, "A");

    org.faults("seed=7,lock=0.5").await;
    let records: Vec<_> = (0..20)
        .map(|i| json!({"attributes": {"type": "Account"}, "Name": format!("L{i}")}))
        .collect();
    let r = org
        .post("/composite/sobjects", json!({"records": records}))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let locked = r
        .json
        .as_array()
        .unwrap()
        .iter()
        .filter(|row| row["errors"][0]["statusCode"] == "UNABLE_TO_LOCK_ROW")
        .count();
    assert!(locked > 0 && locked < 20, "{locked}");
    assert_eq!(org.injected().await["lock"], json!(locked));
    assert_eq!(org.counts().await["Account"], json!(1 + 20 - locked));
}

#[tokio::test]
async fn validation_rule_rejects_matching_records() {
    let org = Org::start().await;
    org.faults("validation=Account:Name:Blocked:Accounts named Blocked: not allowed")
        .await;
    let r = org
        .post("/sobjects/Account", json!({"Name": "Blocked"}))
        .await;
    assert_eq!(
        r.text,
        r#"[{"message":"Accounts named Blocked: not allowed","errorCode":"FIELD_CUSTOM_VALIDATION_EXCEPTION","fields":[]}]"#
    );
    assert_eq!(
        org.post("/sobjects/Account", json!({"Name": "Fine"}))
            .await
            .status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn dropped_connection_after_commit() {
    let org = Org::start().await;
    org.faults("next=1:drop").await;
    let result = org
        .http
        .post(format!("{}/services/data/{V}/sobjects/Account", org.base))
        .bearer_auth(&org.token)
        .json(&json!({"Name": "Committed"}))
        .send()
        .await;
    // The connection is reset before any byte of the response: no status, no body.
    crate::common::assert_reset(&result.expect_err("the response must be cut"));
    assert_eq!(org.counts().await["Account"], 1);
    assert_eq!(org.injected().await["drop"], 1);
}

#[tokio::test]
async fn token_expires_after_n_calls() {
    let org = Org::start().await;
    org.faults("expire-after=2").await;
    let token = org.login().await;
    let call = |t: String| {
        let org = &org;
        async move {
            org.call_with(
                Method::GET,
                &format!("/services/data/{V}/limits"),
                None,
                &t,
                &[],
            )
            .await
            .status
            .as_u16()
        }
    };
    assert_eq!(
        [
            call(token.clone()).await,
            call(token.clone()).await,
            call(token.clone()).await
        ],
        [200, 200, 401]
    );
    let fresh = org.login().await;
    assert_eq!(call(fresh).await, 200);
    assert_eq!(org.injected().await, json!({"expire-after": 1}));
}

/// Starts `GET /limits` in a task, so a test can look at the org while the call is held.
fn limits_call(org: &Org) -> tokio::task::JoinHandle<reqwest::Result<u16>> {
    let request = org
        .http
        .get(format!("{}/services/data/{V}/limits", org.base))
        .bearer_auth(&org.token);
    tokio::spawn(async move { request.send().await.map(|r| r.status().as_u16()) })
}

#[tokio::test]
async fn latency_holds_calls_until_the_emulator_clock_has_moved_by_it() {
    let org = Org::start().await;
    org.faults("latency=2s").await;
    let held = limits_call(&org);
    org.await_in_flight(1).await;
    // The clock stands still: however long the test took so far, the call is still held.
    org.emu
        .state
        .clock
        .advance(chrono::Duration::milliseconds(1_999));
    org.await_in_flight(1).await;
    assert!(!held.is_finished());
    org.emu
        .state
        .clock
        .advance(chrono::Duration::milliseconds(1));
    assert_eq!(held.await.unwrap().unwrap(), 200);
    assert_eq!(org.injected().await, json!({"latency": 1}));
    org.await_in_flight(0).await;
}

#[tokio::test]
async fn long_running_requests_are_capped() {
    let org = Org::start().await;
    org.settings(json!({"longRequestThresholdMs": 20000, "longRequestCap": 1}))
        .await;
    org.faults("latency=30s").await;
    let slow = limits_call(&org);
    org.await_in_flight(1).await;
    // 20 s into its 30 s delay on the emulator clock, the first call is long-running.
    org.advance(20).await;
    org.admin(Method::DELETE, "/faults", None).await;
    let second = org.get("/limits").await;
    assert_eq!(second.status, StatusCode::FORBIDDEN);
    assert_eq!(
        error_of(&second),
        (
            "REQUEST_LIMIT_EXCEEDED".into(),
            "ConcurrentPerOrgLongTxn Limit exceeded.".into()
        )
    );
    assert!(!slow.is_finished());
    // The faults changed, but the held call keeps the delay it started with.
    org.advance(10).await;
    assert_eq!(slow.await.unwrap().unwrap(), 200);
    let third = org.get("/limits").await;
    assert_eq!(third.status, StatusCode::OK, "{}", third.text);
}

#[tokio::test]
async fn request_log_counts_calls_and_never_holds_tokens() {
    let org = Org::start().await;
    org.admin(Method::DELETE, "/requests", None).await;
    org.get("/limits").await;
    org.get("/limits").await;
    org.post("/sobjects/Account", json!({"Name": "A"})).await;
    let log = org.admin(Method::GET, "/requests", None).await;
    assert_eq!(
        log.json["counts"][format!("GET /services/data/{V}/limits")],
        2
    );
    assert_eq!(
        log.json["counts"][format!("POST /services/data/{V}/sobjects/Account")],
        1
    );
    assert_eq!(
        log.json["log"][2],
        json!({"method": "POST", "path": format!("/services/data/{V}/sobjects/Account"), "query": "", "body": {"Name": "A"}, "status": 201})
    );
    assert_eq!(log.json["log"][0]["body"], serde_json::Value::Null);
    assert!(!log.text.contains(&org.token));
    assert!(!log.text.contains("Bearer"));
    // The token endpoint is logged without its body (secrets).
    org.login().await;
    let log = org.admin(Method::GET, "/requests", None).await;
    let token_call = log.json["log"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["path"] == "/services/oauth2/token")
        .unwrap()
        .clone();
    assert_eq!(token_call["body"], serde_json::Value::Null);
    assert!(!log.text.contains("vitals-emulator-secret"));
}

#[tokio::test]
async fn admin_reset_restores_the_org() {
    let org = Org::start().await;
    org.create("Account", json!({"Name": "A"})).await;
    org.faults("next=5:503").await;
    org.admin(Method::POST, "/reset", None).await;
    assert_eq!(org.counts().await["Account"], 0);
    assert_eq!(org.injected().await, json!({}));
    // Tokens are forgotten too.
    assert_eq!(org.get("/limits").await.status, StatusCode::UNAUTHORIZED);
}
