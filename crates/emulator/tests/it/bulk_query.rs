//! Bulk API 2.0 query: job info and states, results paging with `maxRecords` and locators
//! (ending in the string `null`), columns in SELECT order, the refusals (before completion,
//! other API version, SOQL Bulk does not take), queryAll, abort/delete/list, usage.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::bulk::parse_csv;
use crate::common::{Org, V};

/// An org with seven contacts (one without an account), named C1..C7.
async fn org_with_contacts() -> Org {
    let org = Org::start().await;
    let acme = org
        .create("Account", json!({"Name": "Acme \"Big\", Inc."}))
        .await;
    for n in 1..=7 {
        let mut body = json!({"LastName": format!("C{n}"), "Email": format!("c{n}@example.com")});
        if n != 4 {
            body["AccountId"] = json!(acme);
        }
        org.create("Contact", body).await;
    }
    org
}

async fn query_job(org: &Org, body: serde_json::Value) -> String {
    let r = org.post("/jobs/query", body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn create_and_info_follow_the_documented_states() {
    let org = org_with_contacts().await;
    let r = org
        .post(
            "/jobs/query",
            json!({"operation": "query", "query": "SELECT Id FROM contact"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let id = r.json["id"].as_str().unwrap();
    let user = org.emu.state.integration_user();
    assert_eq!(
        r.text,
        json!({"id": id, "operation": "query", "object": "Contact", "createdById": user.as_str(),
               "createdDate": "2026-03-02T12:00:00.000+0000", "systemModstamp": "2026-03-02T12:00:00.000+0000",
               "state": "UploadComplete", "concurrencyMode": "Parallel", "contentType": "CSV",
               "apiVersion": 66.0, "lineEnding": "LF", "columnDelimiter": "COMMA"})
        .to_string()
    );
    let first = org.get(&format!("/jobs/query/{id}")).await.json;
    assert_eq!(first["state"], "InProgress");
    assert_eq!(first["jobType"], "V2Query");
    assert_eq!(first["numberRecordsProcessed"], 0);
    let second = org.get(&format!("/jobs/query/{id}")).await.json;
    assert_eq!(second["state"], "JobComplete");
    assert_eq!(second["numberRecordsProcessed"], 7);
    assert_eq!(second["retries"], 0);
    assert_eq!(second["isPkChunkingSupported"], true);
    let limits = org.get("/limits").await;
    assert_eq!(
        limits.json["DailyBulkV2QueryJobs"],
        json!({"Max": 10000, "Remaining": 9999})
    );
    // Query jobs use no batches.
    assert_eq!(limits.json["DailyBulkApiBatches"]["Remaining"], 15000);
}

#[tokio::test]
async fn results_page_with_max_records_and_end_with_the_null_locator() {
    let org = org_with_contacts().await;
    let id = query_job(
        &org,
        json!({"operation": "query", "query": "SELECT LastName, Id, Account.Name, Email FROM Contact ORDER BY LastName"}),
    )
    .await;
    let (_, polls) = org.poll("query", &id, 5).await;
    assert_eq!(polls, 2);
    let mut locator: Option<String> = None;
    let mut pages = Vec::new();
    let mut names = Vec::new();
    loop {
        let path = match &locator {
            None => format!("/jobs/query/{id}/results?maxRecords=3"),
            Some(l) => format!("/jobs/query/{id}/results?maxRecords=3&locator={l}"),
        };
        let r = org
            .call_with(
                Method::GET,
                &format!("/services/data/{V}{path}"),
                None,
                &org.token,
                &[("Accept", "text/csv")],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.header("content-type"), Some("text/csv"));
        assert!(
            r.header("Sforce-Limit-Info")
                .unwrap()
                .starts_with("api-usage=")
        );
        let (header, rows) = parse_csv(&r.text);
        assert_eq!(header, ["LastName", "Id", "Account.Name", "Email"]);
        assert_eq!(
            r.header("Sforce-NumberOfRecords").unwrap(),
            rows.len().to_string()
        );
        names.extend(rows.iter().map(|row| row[0].clone()));
        pages.push((locator.clone(), r.text.clone()));
        let next = r.header("Sforce-Locator").unwrap().to_owned();
        if next == "null" {
            break;
        }
        locator = Some(next);
    }
    assert_eq!(pages.len(), 3);
    assert_eq!(names, ["C1", "C2", "C3", "C4", "C5", "C6", "C7"]);
    // Locators are stable: a page can be fetched again.
    let (again_locator, again_text) = &pages[1];
    let r = org
        .get(&format!(
            "/jobs/query/{id}/results?maxRecords=3&locator={}",
            again_locator.as_ref().unwrap()
        ))
        .await;
    assert_eq!(&r.text, again_text);
    // Values are quoted, inner quotes doubled, null is empty.
    let first_page = &pages[0].1;
    let line = first_page.lines().nth(1).unwrap();
    assert!(line.starts_with("\"C1\",\"003"), "{line}");
    assert!(
        line.ends_with(",\"Acme \"\"Big\"\", Inc.\",\"c1@example.com\""),
        "{line}"
    );
    let c4 = pages[1]
        .1
        .lines()
        .find(|l| l.starts_with("\"C4\""))
        .unwrap();
    assert!(c4.contains("\",,\"c4@example.com\""), "{c4}");
    let bad = org
        .get(&format!("/jobs/query/{id}/results?locator=bm9wZQ"))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn results_are_refused_before_completion_and_from_another_version() {
    let org = org_with_contacts().await;
    let id = query_job(
        &org,
        json!({"operation": "query", "query": "SELECT Id FROM Contact"}),
    )
    .await;
    let r = org.get(&format!("/jobs/query/{id}/results")).await;
    assert_eq!(r.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(
        r.text,
        r#"[{"errorCode":"JOB_NOT_COMPLETE","message":"can only download query results of successfully completed bulk job with status: JOB_COMPLETE. Current status: UPLOAD_COMPLETE"}]"#
    );
    org.get(&format!("/jobs/query/{id}")).await;
    let r = org.get(&format!("/jobs/query/{id}/results")).await;
    assert!(
        r.text.ends_with("Current status: IN_PROGRESS\"}]"),
        "{}",
        r.text
    );
    org.get(&format!("/jobs/query/{id}")).await;
    let other = org
        .call_with(
            Method::GET,
            &format!("/services/data/v65.0/jobs/query/{id}/results"),
            None,
            &org.token,
            &[],
        )
        .await;
    assert_eq!(other.status, StatusCode::CONFLICT);
    assert!(other.header("Sforce-Limit-Info").is_some());
    let same = org.get(&format!("/jobs/query/{id}/results")).await;
    assert_eq!(same.status, StatusCode::OK);
    assert_eq!(same.header("Sforce-NumberOfRecords"), Some("7"));
    assert_eq!(same.header("Sforce-Locator"), Some("null"));
}

#[tokio::test]
async fn delimiter_line_ending_and_query_all() {
    let org = org_with_contacts().await;
    let gone = org.create("Contact", json!({"LastName": "Gone"})).await;
    org.delete(&format!("/sobjects/Contact/{gone}")).await;
    let id = query_job(
        &org,
        json!({"operation": "queryAll", "query": "SELECT LastName, IsDeleted FROM Contact WHERE LastName = 'Gone'",
               "columnDelimiter": "PIPE", "lineEnding": "CRLF"}),
    )
    .await;
    org.advance(2).await;
    let r = org.get(&format!("/jobs/query/{id}/results")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        r.text,
        "\"LastName\"|\"IsDeleted\"\r\n\"Gone\"|\"true\"\r\n"
    );
    let id = query_job(
        &org,
        json!({"operation": "query", "query": "SELECT LastName FROM Contact WHERE LastName = 'Gone'"}),
    )
    .await;
    org.advance(2).await;
    let r = org.get(&format!("/jobs/query/{id}/results")).await;
    assert_eq!(r.text, "\"LastName\"\n");
    assert_eq!(r.header("Sforce-NumberOfRecords"), Some("0"));
}

#[tokio::test]
async fn soql_bulk_does_not_take_is_refused() {
    let org = Org::start().await;
    let aggregate = r#"[{"errorCode":"API_ERROR","message":"Aggregate Relationships not supported in Bulk Query"}]"#;
    for soql in [
        "SELECT COUNT() FROM Account",
        "SELECT Industry, COUNT(Id) FROM Account GROUP BY Industry",
        "SELECT Id, (SELECT Id FROM Contacts) FROM Account",
    ] {
        let r = org
            .post("/jobs/query", json!({"operation": "query", "query": soql}))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{soql}");
        assert_eq!(r.text, aggregate, "{soql}");
    }
    let r = org
        .post(
            "/jobs/query",
            json!({"operation": "query", "query": "SELECT Id FROM Account OFFSET 5"}),
        )
        .await;
    assert_eq!(r.json[0]["message"], "OFFSET not supported in Bulk Query");
    let r = org
        .post(
            "/jobs/query",
            json!({"operation": "query", "query": "SELECT Nope__c FROM Account"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json[0]["errorCode"], "INVALID_FIELD");
    let r = org
        .post(
            "/jobs/query",
            json!({"operation": "select", "query": "SELECT Id FROM Account"}),
        )
        .await;
    assert_eq!(
        r.text,
        r#"[{"errorCode":"API_ERROR","message":"Invalid value: 'select' supplied for property: 'operation'"}]"#
    );
    // No job was created by any refusal.
    assert_eq!(org.get("/jobs/query").await.json["records"], json!([]));
}

#[tokio::test]
async fn abort_delete_and_list() {
    let org = org_with_contacts().await;
    let running = query_job(
        &org,
        json!({"operation": "query", "query": "SELECT Id FROM Contact"}),
    )
    .await;
    let done = query_job(
        &org,
        json!({"operation": "query", "query": "SELECT Id FROM Account"}),
    )
    .await;
    org.poll("query", &done, 5).await;
    let r = org
        .patch(
            &format!("/jobs/query/{running}"),
            json!({"state": "Aborted"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["state"], "Aborted");
    let r = org.get(&format!("/jobs/query/{running}/results")).await;
    assert!(
        r.text.ends_with("Current status: ABORTED\"}]"),
        "{}",
        r.text
    );
    let r = org
        .patch(&format!("/jobs/query/{done}"), json!({"state": "Aborted"}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json[0]["errorCode"], "INVALIDJOBSTATE");
    let list = org.get("/jobs/query").await.json;
    let states: Vec<&str> = list["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["Aborted", "JobComplete"]);
    assert_eq!(list["records"][0]["jobType"], "V2Query");
    assert_eq!(
        org.delete(&format!("/jobs/query/{done}")).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        org.get(&format!("/jobs/query/{done}/results")).await.status,
        StatusCode::NOT_FOUND
    );
    // Ingest and query jobs are separate resources.
    assert_eq!(
        org.get(&format!("/jobs/ingest/{running}")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn parallel_result_pages_list_result_urls() {
    let org = org_with_contacts().await;
    let id = query_job(
        &org,
        json!({"operation": "query", "query": "SELECT Id FROM Contact"}),
    )
    .await;
    org.advance(5).await;
    let r = org.get(&format!("/jobs/query/{id}/resultPages")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["done"], true);
    let url = r.json["resultPages"][0]["resultUrl"].as_str().unwrap();
    let page = org.call_with(Method::GET, url, None, &org.token, &[]).await;
    assert_eq!(page.header("Sforce-NumberOfRecords"), Some("7"));
}

/// Every page of a completed job, following locators from the first page: each page's raw
/// text, its `Sforce-NumberOfRecords` and its rows as parsed on their own.
async fn all_pages(
    org: &Org,
    id: &str,
    max_records: Option<usize>,
) -> Vec<(String, usize, Vec<Vec<String>>)> {
    let mut pages = Vec::new();
    let mut locator: Option<String> = None;
    loop {
        let mut query = Vec::new();
        if let Some(max) = max_records {
            query.push(format!("maxRecords={max}"));
        }
        if let Some(l) = &locator {
            query.push(format!("locator={l}"));
        }
        let r = org
            .get(&format!("/jobs/query/{id}/results?{}", query.join("&")))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let (header, rows) = parse_csv(&r.text);
        assert_eq!(header, ["Id", "Description"], "every page has the header");
        let count: usize = r.header("Sforce-NumberOfRecords").unwrap().parse().unwrap();
        assert_eq!(count, rows.len());
        pages.push((r.text.clone(), count, rows));
        match r.header("Sforce-Locator").unwrap() {
            "null" => return pages,
            next => locator = Some(next.to_owned()),
        }
        assert!(pages.len() < 1_000, "no end to the pages");
    }
}

#[tokio::test]
async fn results_pages_are_bounded_by_size_and_never_split_a_row() {
    let org = Org::start().await;
    // Twelve cases with multi-line descriptions of about 100 bytes each.
    for n in 0..12 {
        let description = format!(
            "line one of {n:02}\n\"quoted\" line two\r\n{}",
            "x".repeat(60)
        );
        org.create(
            "Case",
            json!({"Subject": format!("S{n:02}"), "Description": description}),
        )
        .await;
    }
    let id = query_job(
        &org,
        json!({"operation": "query", "query": "SELECT Id, Description FROM Case ORDER BY Subject"}),
    )
    .await;
    org.poll("query", &id, 5).await;

    // Without maxRecords an org lists as many rows as its size bound allows: one page here.
    let pages = all_pages(&org, &id, None).await;
    assert_eq!(pages.len(), 1);
    assert_eq!(pages[0].1, 12);
    let whole: Vec<Vec<String>> = pages[0].2.clone();

    // A 400-byte bound cuts pages between rows, never inside the quoted line breaks.
    org.settings(json!({"bulkResultPageBytes": 400})).await;
    let pages = all_pages(&org, &id, None).await;
    assert!(pages.len() >= 4, "{} pages", pages.len());
    for (text, rows, _) in &pages {
        assert!(text.len() <= 400 || *rows == 1, "{} bytes", text.len());
    }
    let joined: Vec<Vec<String>> = pages.iter().flat_map(|p| p.2.clone()).collect();
    assert_eq!(joined, whole);
    assert!(joined[3][1].starts_with("line one of 03\n\"quoted\" line two\r\n"));

    // maxRecords caps a page below the size bound, and the size bound still applies above it.
    let capped = all_pages(&org, &id, Some(2)).await;
    assert_eq!(capped.iter().map(|p| p.1).collect::<Vec<_>>(), [2; 6]);
    let by_size = all_pages(&org, &id, Some(10)).await;
    assert_eq!(
        by_size.iter().map(|p| p.1).collect::<Vec<_>>(),
        pages.iter().map(|p| p.1).collect::<Vec<_>>()
    );

    // A row larger than the whole bound still gets a page of its own.
    org.settings(json!({"bulkResultPageBytes": 10})).await;
    let tiny = all_pages(&org, &id, None).await;
    assert_eq!(tiny.len(), 12);
    assert!(tiny.iter().all(|p| p.1 == 1));

    // resultPages lists the same pages the results call serves.
    org.settings(json!({"bulkResultPageBytes": 400})).await;
    let listed = org.get(&format!("/jobs/query/{id}/resultPages")).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    let first = listed.json["resultPages"].as_array().unwrap();
    assert_eq!(first.len(), pages.len().min(5));
    let mut from_listing = Vec::new();
    let mut listing = listed.json.clone();
    loop {
        for page in listing["resultPages"].as_array().unwrap() {
            let url = page["resultUrl"].as_str().unwrap();
            let r = org.call_with(Method::GET, url, None, &org.token, &[]).await;
            from_listing.push(r.text);
        }
        match listing["nextRecordsUrl"].as_str() {
            None => break,
            Some(next) => {
                listing = org
                    .call_with(Method::GET, next, None, &org.token, &[])
                    .await
                    .json;
            }
        }
    }
    assert_eq!(
        from_listing,
        pages.iter().map(|p| p.0.clone()).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn without_poll_steps_a_job_moves_with_the_clock_alone() {
    let org = org_with_contacts().await;
    org.settings(json!({"bulkPollSteps": false})).await;
    let id = query_job(
        &org,
        json!({"operation": "query", "query": "SELECT Id FROM Contact"}),
    )
    .await;
    // Polling as often as it likes does not finish the job: a real org does not hurry.
    for _ in 0..5 {
        let info = org.get(&format!("/jobs/query/{id}")).await.json;
        assert_eq!(info["state"], "UploadComplete");
    }
    org.advance(1).await;
    assert_eq!(
        org.get(&format!("/jobs/query/{id}")).await.json["state"],
        "InProgress"
    );
    org.advance(1).await;
    let done = org.get(&format!("/jobs/query/{id}")).await.json;
    assert_eq!(done["state"], "JobComplete");
    assert_eq!(done["numberRecordsProcessed"], 7);
    let refused = org
        .admin_raw(
            Method::POST,
            "/settings",
            Some(json!({"bulkPollSteps": "no"})),
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
}

#[tokio::test]
async fn a_running_clock_goes_on_from_the_instant_set() {
    let org = org_with_contacts().await;
    let at = "2026-05-01T08:00:00.000Z";
    let r = org
        .admin_raw(
            Method::POST,
            "/clock",
            Some(json!({"now": at, "running": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    let now = org.admin(Method::GET, "/clock", None).await.json["now"]
        .as_str()
        .unwrap()
        .to_owned();
    // Read back within the same minute, and never before the instant set.
    assert!(now.starts_with("2026-05-01T08:0"), "{now}");
    org.advance(60).await;
    let later = org.admin(Method::GET, "/clock", None).await.json["now"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(later.starts_with("2026-05-01T08:0") || later.starts_with("2026-05-01T08:1"));
    assert!(later > now, "{later} after {now}");
}
