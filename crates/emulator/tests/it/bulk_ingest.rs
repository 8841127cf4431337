//! Bulk API 2.0 ingest: job info, the state machine, upload rules, per-row failures, result
//! files (shuffled, joined back by key), upsert, abort, usage. Progress is driven by polls
//! and by the emulator clock; nothing sleeps.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::bulk::{parse_csv, rows_by};
use crate::common::{Org, V, config};

#[tokio::test]
async fn create_returns_every_documented_field() {
    let org = Org::start().await;
    let r = org
        .post(
            "/jobs/ingest",
            json!({"object": "account", "operation": "upsert", "externalIdFieldName": "legacy_id__c",
                   "contentType": "CSV", "lineEnding": "CRLF", "columnDelimiter": "PIPE"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let id = r.json["id"].as_str().unwrap();
    assert!(id.starts_with("750") && id.len() == 18);
    let user = org.emu.state.integration_user();
    assert_eq!(
        r.text,
        json!({"id": id, "operation": "upsert", "object": "Account", "createdById": user.as_str(),
               "createdDate": "2026-03-02T12:00:00.000+0000", "systemModstamp": "2026-03-02T12:00:00.000+0000",
               "state": "Open", "externalIdFieldName": "Legacy_Id__c", "concurrencyMode": "Parallel",
               "contentType": "CSV", "apiVersion": 66.0, "jobType": "V2Ingest",
               "contentUrl": format!("services/data/{V}/jobs/ingest/{id}/batches"),
               "lineEnding": "CRLF", "columnDelimiter": "PIPE"})
        .to_string()
    );
    let info = org.get(&format!("/jobs/ingest/{id}")).await;
    for field in [
        "numberRecordsProcessed",
        "numberRecordsFailed",
        "retries",
        "totalProcessingTime",
        "apiActiveProcessingTime",
        "apexProcessingTime",
    ] {
        assert_eq!(info.json[field], 0, "{field}");
    }
    assert!(info.json.get("errorMessage").is_none());
    // An insert job has no externalIdFieldName; defaults are LF and COMMA.
    let r = org
        .post(
            "/jobs/ingest",
            json!({"object": "Task", "operation": "insert"}),
        )
        .await;
    assert!(r.json.get("externalIdFieldName").is_none());
    assert_eq!(r.json["lineEnding"], "LF");
    assert_eq!(r.json["columnDelimiter"], "COMMA");
}

#[tokio::test]
async fn create_errors_have_the_orgs_shape() {
    let org = Org::start().await;
    let cases = [
        (
            json!({"object": "Nope__c", "operation": "insert"}),
            r#"[{"errorCode":"INVALIDJOB","message":"InvalidJob : Unable to find object: Nope__c"}]"#,
        ),
        (
            json!({"object": "Account", "operation": ""}),
            r#"[{"errorCode":"API_ERROR","message":"Invalid value: '' supplied for property: 'operation'"}]"#,
        ),
        (
            json!({"object": "Account", "operation": "upsert", "externalIdFieldName": "Name"}),
            r#"[{"errorCode":"INVALIDJOB","message":"InvalidJob : Field name provided, Name does not match an External ID for Account"}]"#,
        ),
        (
            json!({"object": "Account", "operation": "upsert"}),
            r#"[{"errorCode":"INVALIDJOB","message":"InvalidJob : Field name provided,  does not match an External ID for Account"}]"#,
        ),
        (
            json!({"object": "Account", "operation": "insert", "contentType": "JSON"}),
            r#"[{"errorCode":"API_ERROR","message":"Invalid value: 'JSON' supplied for property: 'contentType'"}]"#,
        ),
        (
            json!({"object": "Account", "operation": "insert", "columnDelimiter": "COLON"}),
            r#"[{"errorCode":"API_ERROR","message":"Invalid value: 'COLON' supplied for property: 'columnDelimiter'"}]"#,
        ),
        (
            json!({"object": "Account", "operation": "insert", "lineEnding": "CR"}),
            r#"[{"errorCode":"API_ERROR","message":"Invalid value: 'CR' supplied for property: 'lineEnding'"}]"#,
        ),
    ];
    for (body, expected) in cases {
        let r = org.post("/jobs/ingest", body.clone()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(r.text, expected, "{body}");
    }
    let r = org.get("/jobs/ingest/750000000000099AAA").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_state_machine_moves_only_by_the_right_calls() {
    let org = Org::start().await;
    let id = org
        .ingest_job(json!({"object": "Account", "operation": "insert"}))
        .await;
    let csv = "Name\nA\nB\n";
    // Nothing runs before UploadComplete, however often the job is polled or time passes.
    org.upload(&id, csv).await;
    for _ in 0..5 {
        let r = org.get(&format!("/jobs/ingest/{id}")).await;
        assert_eq!(r.json["state"], "Open");
    }
    org.advance(3600).await;
    assert_eq!(
        org.get(&format!("/jobs/ingest/{id}")).await.json["state"],
        "Open"
    );
    assert_eq!(org.counts().await["Account"], 0);

    // One upload per job, with the org's own (misspelt) words and the 15-character Id.
    let r = org
        .put_raw(&format!("/jobs/ingest/{id}/batches"), csv, "text/csv")
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.text,
        format!(
            r#"[{{"errorCode":"BULK_API_ERROR","message":"Found multipe contents for job: <{}>, please 'Close' / 'Abort' / 'Delete' the current Job then create a new Job and make sure you only do 'PUT' once on a given Job."}}]"#,
            &id[..15]
        )
    );
    // Delete needs a closed job.
    let r = org.delete(&format!("/jobs/ingest/{id}")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json[0]["errorCode"], "INVALIDJOBSTATE");

    let r = org.close(&id).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["state"], "UploadComplete");
    // The close answer is the short body orgs send.
    assert!(r.json.get("contentUrl").is_none() && r.json.get("jobType").is_none());
    assert_eq!(r.json["apiVersion"], 66.0);

    let r = org.close(&id).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.text,
        format!(
            r#"[{{"errorCode":"INVALIDJOBSTATE","message":"Job {id} is UploadComplete: it cannot change to UploadComplete"}}]"#
        )
    );
    let r = org
        .put_raw(&format!("/jobs/ingest/{id}/batches"), csv, "text/csv")
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = org
        .patch(&format!("/jobs/ingest/{id}"), json!({"state": "Sideways"}))
        .await;
    assert_eq!(
        r.text,
        r#"[{"errorCode":"API_ERROR","message":"Invalid value: 'Sideways' supplied for property: 'state'"}]"#
    );

    // Completion only after several polls: InProgress, then JobComplete.
    assert_eq!(org.counts().await["Account"], 0);
    let first = org.get(&format!("/jobs/ingest/{id}")).await;
    assert_eq!(first.json["state"], "InProgress");
    assert_eq!(org.counts().await["Account"], 0);
    let second = org.get(&format!("/jobs/ingest/{id}")).await;
    assert_eq!(second.json["state"], "JobComplete");
    assert_eq!(second.json["numberRecordsProcessed"], 2);
    assert_eq!(second.json["numberRecordsFailed"], 0);
    assert!(second.json.get("contentUrl").is_none());
    assert_eq!(org.counts().await["Account"], 2);

    let r = org
        .patch(&format!("/jobs/ingest/{id}"), json!({"state": "Aborted"}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.text,
        format!(
            r#"[{{"errorCode":"INVALIDJOBSTATE","message":"Job {id} is JobComplete: it cannot change to Aborted"}}]"#
        )
    );
    let r = org.delete(&format!("/jobs/ingest/{id}")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(r.text, "");
    assert_eq!(
        org.get(&format!("/jobs/ingest/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_emulator_clock_moves_closed_jobs_without_polls() {
    let org = Org::start().await;
    let id = org
        .ingest_job(json!({"object": "Account", "operation": "insert"}))
        .await;
    org.upload(&id, "Name\nA\n").await;
    org.close(&id).await;
    let listed = org.get("/jobs/ingest").await;
    assert_eq!(listed.json["done"], true);
    assert_eq!(listed.json["nextRecordsUrl"], json!(null));
    assert_eq!(listed.json["records"][0]["state"], "UploadComplete");
    org.advance(2).await;
    let listed = org.get("/jobs/ingest").await;
    assert_eq!(listed.json["records"][0]["id"], id.as_str());
    assert_eq!(listed.json["records"][0]["state"], "JobComplete");
    assert_eq!(org.counts().await["Account"], 1);
    assert_eq!(
        org.get("/jobs/ingest?jobType=Classic").await.json["records"],
        json!([])
    );
}

#[tokio::test]
async fn upload_rules_quoting_delimiters_line_endings_null_and_unchanged() {
    let org = Org::start().await;
    let csv = "Name|Description|Legacy_Id__c|NumberOfEmployees\r\n\
               \"Acme | Co\"|\"line one\r\nsaid \"\"hi\"\"\"|L-1|12\r\n \
               Spaced |plain|L-2|\r\n";
    let (id, info) = org
        .run_ingest(
            json!({"object": "Account", "operation": "insert", "lineEnding": "CRLF", "columnDelimiter": "PIPE"}),
            csv,
        )
        .await;
    assert_eq!(info["state"], "JobComplete", "{info}");
    assert_eq!(info["numberRecordsProcessed"], 2);
    let ok = org.result_file(&id, "successfulResults").await;
    assert!(ok.starts_with(
        "\"sf__Id\"|\"sf__Created\"|Name|Description|Legacy_Id__c|NumberOfEmployees\r\n"
    ));
    let q = org
        .get(
            "/query?q=SELECT+Name,Description,NumberOfEmployees+FROM+Account+ORDER+BY+Legacy_Id__c",
        )
        .await;
    let records = &q.json["records"];
    assert_eq!(records[0]["Name"], "Acme | Co");
    assert_eq!(records[0]["Description"], "line one\r\nsaid \"hi\"");
    assert_eq!(records[0]["NumberOfEmployees"], 12);
    // Values are not trimmed.
    assert_eq!(records[1]["Name"], " Spaced ");
    assert_eq!(records[1]["NumberOfEmployees"], json!(null));

    // Update: an empty cell leaves the field, #N/A clears it.
    let first = org
        .get("/query?q=SELECT+Id+FROM+Account+WHERE+Legacy_Id__c='L-1'")
        .await
        .json["records"][0]["Id"]
        .as_str()
        .unwrap()
        .to_owned();
    let csv = format!("Id,Description,NumberOfEmployees\n{first},,#N/A\n");
    let (_, info) = org
        .run_ingest(json!({"object": "Account", "operation": "update"}), &csv)
        .await;
    assert_eq!(info["numberRecordsFailed"], 0, "{info}");
    assert_eq!(
        org.field("Account", &first, "Description").await,
        "line one\r\nsaid \"hi\""
    );
    assert_eq!(
        org.field("Account", &first, "NumberOfEmployees").await,
        json!(null)
    );

    // Formats: date; dateTime with an offset or Z; boolean.
    let csv = "Subject,Status,Priority,ActivityDate\nT1,Not Started,Normal,2026-04-01\n";
    let (_, info) = org
        .run_ingest(json!({"object": "Task", "operation": "insert"}), csv)
        .await;
    assert_eq!(info["state"], "JobComplete", "{info}");
    assert_eq!(info["numberRecordsFailed"], 0, "{info}");
    let q = org.get("/query?q=SELECT+ActivityDate+FROM+Task").await;
    assert_eq!(q.json["records"][0]["ActivityDate"], "2026-04-01");
    let csv = "Subject,StartDateTime,EndDateTime,IsAllDayEvent\n\
               E1,2026-04-01T09:30:00.000+02:00,2026-04-01T08:30:00Z,false\n";
    let (_, info) = org
        .run_ingest(json!({"object": "Event", "operation": "insert"}), csv)
        .await;
    assert_eq!(info["numberRecordsFailed"], 0, "{info}");
    let q = org
        .get("/query?q=SELECT+StartDateTime,EndDateTime,IsAllDayEvent+FROM+Event")
        .await;
    let event = &q.json["records"][0];
    assert_eq!(event["StartDateTime"], "2026-04-01T07:30:00.000+0000");
    assert_eq!(event["EndDateTime"], "2026-04-01T08:30:00.000+0000");
    assert_eq!(event["IsAllDayEvent"], false);
}

#[tokio::test]
async fn a_file_the_job_cannot_read_fails_the_job() {
    let org = Org::start().await;
    // The line ending must be the job's.
    let data = "Name\r\nA\r\n";
    let (id, info) = org
        .run_ingest(json!({"object": "Account", "operation": "insert"}), data)
        .await;
    assert_eq!(info["state"], "Failed");
    assert_eq!(
        info["errorMessage"],
        "ClientInputError : LineEnding is invalid on user data. Current LineEnding setting is LF"
    );
    assert_eq!(org.result_file(&id, "unprocessedrecords").await, data);
    // An unknown column names itself; every row stays unprocessed.
    let (id, info) = org
        .run_ingest(
            json!({"object": "Account", "operation": "insert"}),
            "Name,Bogus__c\nA,1\nB,2\n",
        )
        .await;
    assert_eq!(info["state"], "Failed");
    assert_eq!(
        info["errorMessage"],
        "InvalidBatch : Field name not found : Bogus__c"
    );
    assert_eq!(info["numberRecordsProcessed"], 0);
    assert_eq!(
        org.result_file(&id, "unprocessedrecords").await,
        "Name,Bogus__c\nA,1\nB,2\n"
    );
    assert_eq!(
        org.result_file(&id, "successfulResults").await,
        "\"sf__Id\",\"sf__Created\",Name,Bogus__c\n"
    );
    // A space before an opening quote is a parse error.
    let (_, info) = org
        .run_ingest(
            json!({"object": "Account", "operation": "insert"}),
            "Name,Description\nA, \"b\"\n",
        )
        .await;
    assert_eq!(
        info["errorMessage"],
        "InvalidBatch : Failed to parse CSV. Found unescaped quote. A value with quote should be within a quote"
    );
    assert_eq!(org.counts().await["Account"], 0);
}

#[tokio::test]
async fn rows_fail_one_by_one_and_results_are_shuffled() {
    let mut cfg = config();
    cfg.faults =
        emulator::faults::FaultSpec::parse("validation=Account:Name:Blocked:No blocked accounts")
            .unwrap();
    let org = Org::with(cfg).await;
    let mut csv = String::from("Name,Health_Status__c,Legacy_Id__c\n");
    for n in 0..20 {
        csv.push_str(&format!("Good {n:02},Healthy,K{n:02}\n"));
    }
    csv.push_str("Bad picklist,Sideways,KB1\n,Healthy,KB2\nBlocked,Monitor,KB3\n");
    let (id, info) = org
        .run_ingest(json!({"object": "Account", "operation": "insert"}), &csv)
        .await;
    assert_eq!(info["numberRecordsProcessed"], 23);
    assert_eq!(info["numberRecordsFailed"], 3);

    let ok_text = org.result_file(&id, "successfulResults").await;
    let (header, rows) = parse_csv(&ok_text);
    assert_eq!(
        header,
        [
            "sf__Id",
            "sf__Created",
            "Name",
            "Health_Status__c",
            "Legacy_Id__c"
        ]
    );
    assert_eq!(rows.len(), 20);
    // Not input order, but the same order on every fetch.
    let keys: Vec<&str> = rows.iter().map(|r| r[4].as_str()).collect();
    let mut sorted = keys.clone();
    sorted.sort_unstable();
    assert_ne!(keys, sorted, "results must not come back in input order");
    assert_eq!(org.result_file(&id, "successfulResults").await, ok_text);
    // Joined back by key, every Id is the record with that key.
    for (key, row) in rows_by(&ok_text, "Legacy_Id__c") {
        assert_eq!(row["sf__Created"], "true");
        let q = org
            .get(&format!(
                "/query?q=SELECT+Id+FROM+Account+WHERE+Legacy_Id__c='{key}'"
            ))
            .await;
        assert_eq!(q.json["records"][0]["Id"], row["sf__Id"].as_str());
    }
    let failed = rows_by(&org.result_file(&id, "failedResults").await, "Legacy_Id__c");
    assert_eq!(
        failed["KB1"]["sf__Error"],
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST:bad value for restricted picklist field: Sideways:Health_Status__c --"
    );
    assert_eq!(
        failed["KB2"]["sf__Error"],
        "REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --"
    );
    assert_eq!(
        failed["KB3"]["sf__Error"],
        "FIELD_CUSTOM_VALIDATION_EXCEPTION:No blocked accounts:--"
    );
    assert_eq!(failed["KB1"]["sf__Id"], "");
    assert_eq!(failed["KB2"]["Name"], "");
}

#[tokio::test]
async fn injected_lock_faults_fail_rows_with_unable_to_lock_row() {
    let org = Org::start().await;
    org.faults("seed=5,lock=0.3").await;
    let mut csv = String::from("Name,Legacy_Id__c\n");
    for n in 0..30 {
        csv.push_str(&format!("A{n},K{n}\n"));
    }
    let (id, info) = org
        .run_ingest(json!({"object": "Account", "operation": "insert"}), &csv)
        .await;
    let locked = org.injected().await["lock"].as_u64().unwrap();
    assert!(locked > 0 && locked < 30, "{locked}");
    assert_eq!(info["numberRecordsFailed"], locked);
    let failed = rows_by(&org.result_file(&id, "failedResults").await, "Legacy_Id__c");
    assert_eq!(failed.len() as u64, locked);
    assert!(failed.values().all(|row| row["sf__Error"]
        == "UNABLE_TO_LOCK_ROW:unable to obtain exclusive access to this record:--"));
    assert_eq!(org.counts().await["Account"], 30 - locked);
}

#[tokio::test]
async fn upsert_reports_created_and_updated_and_parents_by_external_id() {
    let org = Org::start().await;
    let existing = org
        .create("Account", json!({"Name": "Old", "Legacy_Id__c": "L-1"}))
        .await;
    let (id, info) = org
        .run_ingest(
            json!({"object": "Account", "operation": "upsert", "externalIdFieldName": "Legacy_Id__c"}),
            "Legacy_Id__c,Name\nL-1,Renamed\nL-2,New\n,Nameless\n",
        )
        .await;
    assert_eq!(info["numberRecordsFailed"], 1, "{info}");
    let ok = rows_by(
        &org.result_file(&id, "successfulResults").await,
        "Legacy_Id__c",
    );
    assert_eq!(ok["L-1"]["sf__Created"], "false");
    assert_eq!(ok["L-1"]["sf__Id"], existing.as_str());
    assert_eq!(ok["L-2"]["sf__Created"], "true");
    assert_eq!(org.field("Account", &existing, "Name").await, "Renamed");
    let failed = rows_by(&org.result_file(&id, "failedResults").await, "Name");
    assert_eq!(
        failed["Nameless"]["sf__Error"],
        "MISSING_ARGUMENT:Legacy_Id__c not specified:Legacy_Id__c --"
    );

    // A child row names its parent by the parent's external ID.
    let (id, info) = org
        .run_ingest(
            json!({"object": "Contact", "operation": "insert"}),
            "LastName,Account.Legacy_Id__c\nLee,L-2\nKim,L-404\n",
        )
        .await;
    assert_eq!(info["numberRecordsFailed"], 1, "{info}");
    let ok = rows_by(&org.result_file(&id, "successfulResults").await, "LastName");
    let contact = ok["Lee"]["sf__Id"].clone();
    let account = org.field("Contact", &contact, "AccountId").await;
    let l2 = org
        .get("/query?q=SELECT+Id+FROM+Account+WHERE+Legacy_Id__c='L-2'")
        .await
        .json["records"][0]["Id"]
        .clone();
    assert_eq!(account, l2);
    let failed = rows_by(&org.result_file(&id, "failedResults").await, "LastName");
    assert!(
        failed["Kim"]["sf__Error"]
            .starts_with("INVALID_FIELD:Foreign key external ID: L-404 not found"),
        "{}",
        failed["Kim"]["sf__Error"]
    );
}

#[tokio::test]
async fn update_and_delete_by_id() {
    let org = Org::start().await;
    let a = org.create("Account", json!({"Name": "A"})).await;
    let b = org.create("Account", json!({"Name": "B"})).await;
    let contact = org.create("Contact", json!({"LastName": "C"})).await;
    let (id, info) = org
        .run_ingest(
            json!({"object": "Account", "operation": "delete"}),
            &format!("Id\n{a}\n{contact}\nnot-an-id\n"),
        )
        .await;
    assert_eq!(info["numberRecordsFailed"], 2, "{info}");
    let ok = rows_by(&org.result_file(&id, "successfulResults").await, "Id");
    assert_eq!(ok[&a]["sf__Created"], "false");
    let failed = rows_by(&org.result_file(&id, "failedResults").await, "Id");
    assert_eq!(
        failed[&contact]["sf__Error"],
        format!("MALFORMED_ID:Account ID: id value of incorrect type: {contact}:Id --")
    );
    assert_eq!(failed[&contact]["sf__Id"], contact.as_str());
    assert_eq!(
        failed["not-an-id"]["sf__Error"],
        "MALFORMED_ID:malformed id not-an-id:--"
    );
    assert_eq!(org.counts().await["Account"], 1);
    // Update of a deleted record fails; the live one is updated.
    let (id, _) = org
        .run_ingest(
            json!({"object": "Account", "operation": "update"}),
            &format!("Id,Name\n{a},X\n{b},Y\n"),
        )
        .await;
    let failed = rows_by(&org.result_file(&id, "failedResults").await, "Id");
    assert_eq!(
        failed[&a]["sf__Error"],
        "ENTITY_IS_DELETED:entity is deleted:--"
    );
    assert_eq!(org.field("Account", &b, "Name").await, "Y");
}

#[tokio::test]
async fn abort_leaves_the_rows_unprocessed() {
    let org = Org::start().await;
    let id = org
        .ingest_job(json!({"object": "Account", "operation": "insert"}))
        .await;
    org.upload(&id, "Name\nA\nB\n").await;
    org.close(&id).await;
    let r = org
        .patch(&format!("/jobs/ingest/{id}"), json!({"state": "Aborted"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["state"], "Aborted");
    org.advance(60).await;
    let info = org.get(&format!("/jobs/ingest/{id}")).await.json;
    assert_eq!(info["state"], "Aborted");
    assert_eq!(info["numberRecordsProcessed"], 0);
    assert_eq!(
        org.result_file(&id, "unprocessedrecords").await,
        "Name\nA\nB\n"
    );
    assert_eq!(org.counts().await["Account"], 0);
    // An aborted Open job can be deleted; a second abort is refused.
    let r = org
        .patch(&format!("/jobs/ingest/{id}"), json!({"state": "Aborted"}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        org.delete(&format!("/jobs/ingest/{id}")).await.status,
        StatusCode::NO_CONTENT
    );
}

#[tokio::test]
async fn large_jobs_run_in_batches_of_ten_thousand_and_count_usage() {
    let org = Org::start().await;
    let mut csv = String::with_capacity(200_000);
    csv.push_str("Name\n");
    for n in 0..10_001 {
        csv.push_str(&format!("A{n}\n"));
    }
    let id = org
        .ingest_job(json!({"object": "Account", "operation": "insert"}))
        .await;
    org.upload(&id, &csv).await;
    org.close(&id).await;
    let path = format!("/jobs/ingest/{id}");
    let poll = || org.get(&path);
    assert_eq!(poll().await.json["state"], "InProgress");
    let after_first = poll().await;
    assert_eq!(after_first.json["state"], "InProgress");
    assert_eq!(after_first.json["numberRecordsProcessed"], 10_000);
    let done = poll().await;
    assert_eq!(done.json["state"], "JobComplete");
    assert_eq!(done.json["numberRecordsProcessed"], 10_001);
    let limits = org.get("/limits").await;
    assert_eq!(
        limits.json["DailyBulkApiBatches"],
        json!({"Max": 15000, "Remaining": 14998})
    );
    // Every Bulk call is one API call with the usage header.
    let before = org.get("/limits").await;
    let used = |r: &crate::common::Resp| {
        r.header("Sforce-Limit-Info")
            .unwrap()
            .trim_start_matches("api-usage=")
            .split('/')
            .next()
            .unwrap()
            .parse::<u64>()
            .unwrap()
    };
    let r = org.get(&format!("/jobs/ingest/{id}/failedResults")).await;
    assert_eq!(used(&r), used(&before) + 1);
    let r = org
        .call(Method::DELETE, &format!("/jobs/ingest/{id}"), None)
        .await;
    assert_eq!(used(&r), used(&before) + 2);

    // Aborted after its first batch, a job leaves the rest unprocessed.
    let id = org
        .ingest_job(json!({"object": "Account", "operation": "insert"}))
        .await;
    org.upload(&id, &csv).await;
    org.close(&id).await;
    org.get(&path_of(&id)).await;
    assert_eq!(
        org.get(&path_of(&id)).await.json["numberRecordsProcessed"],
        10_000
    );
    let r = org.patch(&path_of(&id), json!({"state": "Aborted"})).await;
    assert_eq!(r.json["state"], "Aborted");
    assert_eq!(
        org.result_file(&id, "unprocessedrecords").await,
        "Name\nA10000\n"
    );
    let ok = org.result_file(&id, "successfulResults").await;
    assert_eq!(parse_csv(&ok).1.len(), 10_000);
    assert_eq!(
        org.get("/limits").await.json["DailyBulkApiBatches"]["Remaining"],
        14997
    );
}

fn path_of(id: &str) -> String {
    format!("/jobs/ingest/{id}")
}

#[tokio::test]
async fn a_lock_fault_on_the_processing_poll_fails_that_batch() {
    let org = Org::start().await;
    let id = org
        .ingest_job(json!({"object": "Account", "operation": "insert"}))
        .await;
    org.upload(&id, "Name\nA\nB\n").await;
    org.close(&id).await;
    assert_eq!(org.get(&path_of(&id)).await.json["state"], "InProgress");
    org.faults("next=1:lock").await;
    let info = org.get(&path_of(&id)).await.json;
    assert_eq!(info["state"], "JobComplete");
    assert_eq!(info["numberRecordsFailed"], 2);
    assert_eq!(org.injected().await["lock"], 3);
    assert_eq!(org.counts().await["Account"], 0);
}
