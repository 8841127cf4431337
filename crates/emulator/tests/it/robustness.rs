//! Requests that must never crash, hang or exhaust the emulator: deep or huge SOQL, dropped
//! clients, nested Composite, unbounded logs and job data, absurd admin values. Each test
//! reproduces a reviewer's report against a running emulator.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::{Org, V, error_of};

fn encoded(soql: &str) -> String {
    url::form_urlencoded::byte_serialize(soql.as_bytes()).collect()
}

fn nested(depth: usize) -> String {
    format!(
        "SELECT Id FROM Account WHERE {}Name = 'x'{}",
        "(".repeat(depth),
        ")".repeat(depth)
    )
}

#[tokio::test]
async fn deeply_nested_soql_is_refused_not_a_stack_overflow() {
    let org = Org::start().await;
    // 2,600 parentheses fit in the 16,384-byte URI and used to abort the process.
    let soql = nested(2_600);
    let r = org.get(&format!("/query?q={}", encoded(&soql))).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert_eq!(error_of(&r).0, "QUERY_TOO_COMPLICATED");
    let nots = format!(
        "SELECT Id FROM Account WHERE {}Name = 'x'{}",
        "NOT (".repeat(1_000),
        ")".repeat(1_000)
    );
    let r = org.get(&format!("/query?q={}", encoded(&nots))).await;
    assert_eq!(error_of(&r).0, "QUERY_TOO_COMPLICATED");
    // Moderate nesting still works, and the emulator is still serving.
    let r = org.get(&format!("/query?q={}", encoded(&nested(50)))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // A Bulk query job takes its SOQL in a POST body: the same limits hold there.
    let r = org
        .post(
            "/jobs/query",
            json!({"operation": "query", "query": nested(40_000)}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert_eq!(error_of(&r).0, "QUERY_TOO_COMPLICATED");
}

#[tokio::test]
async fn statement_and_where_string_limits_hold_for_rest_and_bulk() {
    let org = Org::start().await;
    // 4,000 characters in a WHERE string are fine, 4,001 are not (salesforce-api.md 3.4).
    let ok = format!(
        "SELECT Id FROM Account WHERE Name = '{}'",
        "a".repeat(4_000)
    );
    let r = org.get(&format!("/query?q={}", encoded(&ok))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let long = format!(
        "SELECT Id FROM Account WHERE Name = '{}'",
        "a".repeat(4_001)
    );
    let r = org.get(&format!("/query?q={}", encoded(&long))).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert_eq!(error_of(&r).0, "MALFORMED_QUERY");
    let r = org
        .post("/jobs/query", json!({"operation": "query", "query": long}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert_eq!(error_of(&r).0, "MALFORMED_QUERY");
    // Over 100,000 characters (only a POST body can carry it) is refused whole.
    let filler = vec!["Name = 'x'"; 8_000].join(" OR ");
    let huge = format!("SELECT Id FROM Account WHERE {filler}");
    assert!(huge.len() > 100_000);
    let r = org
        .post("/jobs/query", json!({"operation": "query", "query": huge}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    let (code, message) = error_of(&r);
    assert_eq!(code, "MALFORMED_QUERY");
    assert!(message.contains("100000"), "{message}");
    // Just under the limit is a valid job.
    let filler = vec!["Name = 'x'"; 7_000].join(" OR ");
    let r = org
        .post(
            "/jobs/query",
            json!({"operation": "query", "query": format!("SELECT Id FROM Account WHERE {filler}")}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

/// Starts a call that the `latency=` fault holds in flight, in a task the test can abort.
fn held_call(org: &Org) -> tokio::task::JoinHandle<reqwest::Result<reqwest::Response>> {
    let request = org
        .http
        .get(format!("{}/services/data/{V}/limits", org.base))
        .bearer_auth(&org.token);
    tokio::spawn(request.send())
}

#[tokio::test]
async fn a_client_that_gives_up_leaves_nothing_in_flight() {
    let org = Org::start().await;
    org.settings(json!({"longRequestCap": 1, "longRequestThresholdMs": 20000}))
        .await;
    org.faults("latency=10m").await;
    let call = held_call(&org);
    org.await_in_flight(1).await;
    // The client gives up (as on a timeout): its connection closes mid-call. The call was
    // still waiting when it did, so the server never answered it: nothing in the log.
    call.abort();
    let gave_up = call.await.unwrap_err();
    assert!(gave_up.is_cancelled(), "{gave_up:?}");
    org.await_in_flight(0).await;
    let limits = format!("GET /services/data/{V}/limits");
    assert_eq!(org.emu.state.requests().counts.get(&limits), None);
    // Long after, the abandoned call does not count against the long-request cap.
    org.admin(Method::DELETE, "/faults", None).await;
    org.advance(60).await;
    let r = org.get("/limits").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

#[tokio::test]
async fn reset_forgets_calls_in_flight() {
    let org = Org::start().await;
    // Any call in flight is long-running at once, and one is the cap: a call still counted
    // would refuse the next with ConcurrentPerOrgLongTxn.
    org.settings(json!({"longRequestCap": 1, "longRequestThresholdMs": 0}))
        .await;
    org.faults("latency=10m").await;
    let call = held_call(&org);
    org.await_in_flight(1).await;
    org.admin(Method::POST, "/reset", None).await;
    org.await_in_flight(0).await;
    // The reset also forgot the faults and the token: a fresh login's call goes through.
    let token = org.login().await;
    let r = org
        .call_with(
            Method::GET,
            &format!("/services/data/{V}/limits"),
            None,
            &token,
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // The held call was never answered: the reset did not complete it, the abort ended it.
    call.abort();
    let ended = call.await.unwrap_err();
    assert!(ended.is_cancelled(), "{ended:?}");
}

#[tokio::test]
async fn absurd_admin_values_get_a_400_not_a_panic_or_gigabytes() {
    let org = Org::start().await;
    // chrono's Duration::seconds panicked here.
    let r = org
        .admin_raw(
            Method::POST,
            "/clock/advance",
            Some(json!({"seconds": i64::MAX})),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    // A queue of four billion faults took about 4 GB.
    let r = org
        .admin_raw(
            Method::POST,
            "/faults",
            Some(json!({"spec": "next=4000000000:503"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert!(
        r.json["error"].as_str().unwrap().contains("1000000"),
        "{}",
        r.text
    );
    let r = org
        .admin_raw(
            Method::POST,
            "/settings",
            Some(json!({"apiUsage": 4_000_000_000u64})),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    // The largest N is a counter: accepted at once, and it serves its calls.
    org.faults("next=1000000:503").await;
    assert_eq!(
        org.get("/limits").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    // The emulator is still serving, with its clock where it was.
    org.admin(Method::DELETE, "/faults", None).await;
    let r = org.get("/limits").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let clock = org.admin(Method::GET, "/clock", None).await;
    assert_eq!(clock.json["now"], "2026-03-02T12:00:00.000+0000");
}

#[tokio::test]
async fn composite_inside_composite_is_refused_not_a_hang() {
    let org = Org::start().await;
    let inner = json!({"compositeRequest": [
        {"method": "GET", "url": format!("/services/data/{V}/sobjects/Account/describe"), "referenceId": "d"}
    ]});
    // This used to wait forever on the Composite lock its own outer call held.
    let call = org.post(
        "/composite",
        json!({"compositeRequest": [
            {"method": "POST", "url": format!("/services/data/{V}/composite"), "referenceId": "nested", "body": inner}
        ]}),
    );
    let r = tokio::time::timeout(std::time::Duration::from_secs(30), call)
        .await
        .expect("a nested Composite call answers");
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert_eq!(error_of(&r).0, "INVALID_API_INPUT");
    // Resources Composite does not support are refused whole, before anything runs.
    for url in ["limits", "jobs/ingest", "sobjects/../composite"] {
        let r = org
            .post(
                "/composite",
                json!({"compositeRequest": [
                    {"method": "POST", "url": format!("/services/data/{V}/sobjects/Account"), "referenceId": "a", "body": {"Name": "Never"}},
                    {"method": "GET", "url": format!("/services/data/{V}/{url}"), "referenceId": "x"}
                ]}),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{url}: {}", r.text);
    }
    assert_eq!(org.counts().await["Account"], 0);
}

#[tokio::test]
async fn composite_takes_at_most_five_collections_or_queries() {
    let org = Org::start().await;
    let query = |i: usize| json!({"method": "GET", "url": format!("/services/data/{V}/query?q=SELECT+Id+FROM+Account"), "referenceId": format!("q{i}")});
    let collection = json!({"method": "POST", "url": format!("/services/data/{V}/composite/sobjects"), "referenceId": "c",
        "body": {"records": [{"attributes": {"type": "Account"}, "Name": "Acme"}]}});
    let mut five: Vec<_> = (0..4).map(query).collect();
    five.push(collection.clone());
    let r = org
        .post("/composite", json!({"compositeRequest": five}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["compositeResponse"][4]["httpStatusCode"], 200);
    let mut six: Vec<_> = (0..5).map(query).collect();
    six.push(collection);
    let r = org
        .post("/composite", json!({"compositeRequest": six}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert_eq!(error_of(&r).0, "LIMIT_EXCEEDED");
    assert_eq!(org.counts().await["Account"], 1);
}

#[tokio::test]
async fn the_request_log_is_a_bounded_ring_and_logs_uploads_by_size() {
    let org = Org::start().await;
    org.settings(json!({"requestLogEntries": 3})).await;
    for _ in 0..5 {
        org.get("/limits").await;
    }
    let log = org.admin(Method::GET, "/requests", None).await.json;
    assert_eq!(log["log"].as_array().unwrap().len(), 3);
    // The login and two of the five calls were let go.
    assert_eq!(log["dropped"], 3);
    assert_eq!(log["counts"][format!("GET /services/data/{V}/limits")], 3);
    // Bulk job data is logged by its size, never its content.
    org.settings(json!({"requestLogEntries": 100})).await;
    let job = org
        .ingest_job(json!({"object": "Account", "operation": "insert"}))
        .await;
    let csv = "Name\nSecret Corp\n";
    org.upload(&job, csv).await;
    let log = org.admin(Method::GET, "/requests", None).await;
    assert!(!log.text.contains("Secret"), "{}", log.text);
    let upload = log.json["log"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["method"] == "PUT")
        .unwrap()
        .clone();
    assert_eq!(upload["body"], json!({"bytes": csv.len()}));
    // Out-of-range sizes are refused.
    let r = org
        .admin_raw(
            Method::POST,
            "/settings",
            Some(json!({"requestLogEntries": 0})),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn jobs_that_ended_are_purged_after_seven_days() {
    let org = Org::start().await;
    org.settings(json!({"tokenLifetimeSeconds": 30 * 24 * 3600}))
        .await;
    let (ingest, info) = org
        .run_ingest(
            json!({"object": "Account", "operation": "insert"}),
            "Name\nAcme\n",
        )
        .await;
    assert_eq!(info["state"], "JobComplete");
    let r = org
        .post(
            "/jobs/query",
            json!({"operation": "query", "query": "SELECT Id FROM Account"}),
        )
        .await;
    let query = r.json["id"].as_str().unwrap().to_owned();
    let (info, _) = org.poll("query", &query, 10).await;
    assert_eq!(info["state"], "JobComplete");
    // An open job is not terminal and stays.
    let open = org
        .ingest_job(json!({"object": "Account", "operation": "insert"}))
        .await;
    org.advance(7 * 24 * 3600 - 1).await;
    assert_eq!(
        org.get(&format!("/jobs/ingest/{ingest}")).await.status,
        StatusCode::OK
    );
    org.advance(1).await;
    for path in [
        format!("/jobs/ingest/{ingest}"),
        format!("/jobs/ingest/{ingest}/successfulResults/"),
        format!("/jobs/query/{query}"),
        format!("/jobs/query/{query}/results"),
    ] {
        assert_eq!(org.get(&path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    assert_eq!(
        org.get(&format!("/jobs/ingest/{open}")).await.status,
        StatusCode::OK
    );
}
