//! The client's Bulk API 2.0 paths against the emulator: reads chosen by volume and paged
//! through `Sforce-Locator`, and ingest jobs whose result files are joined back to every
//! input row.

use std::collections::BTreeSet;

use vitals::salesforce::records::{WriteKind, WriteRecord, WriteResult, WriteValue};
use vitals::salesforce::soql::Soql;
use vitals::salesforce::wire::{FieldMap, decode_account};
use vitals::salesforce::{Client, ClientSettings};

use crate::client_writes::{account_ids, task, upsert_by_key};
use crate::common::Org;
use crate::common::sf::{accounts, client, client_credentials, org_config, settings};

const JOBS_INGEST: &str = "POST /services/data/v66.0/jobs/ingest";
const JOBS_QUERY: &str = "POST /services/data/v66.0/jobs/query";
const UPSERT: &str = "PATCH /services/data/v66.0/composite/sobjects/Task/Vitals_Key__c";

/// Bulk above 100 expected rows or 5 records, 250 rows per result page.
fn bulk_settings(org: &Org) -> ClientSettings {
    let mut settings = settings(org, client_credentials());
    settings.bulk_read_threshold = 100;
    settings.bulk_write_threshold = 5;
    settings.bulk_page_size = 250;
    settings
}

async fn read_accounts(client: &Client) -> (bool, Vec<usize>, BTreeSet<String>) {
    let query = Soql::select("Account", ["Id", "Name", "Owner.Name"]).order_by("Name");
    let mut reader = client.read(&query, false, None).await.unwrap();
    let bulk = reader.is_bulk();
    let mut sizes = Vec::new();
    let mut names = BTreeSet::new();
    while let Some(page) = reader.next_page().await.unwrap() {
        sizes.push(page.len());
        for record in page {
            names.insert(
                decode_account(&record, &FieldMap::default(), &[])
                    .unwrap()
                    .record
                    .name,
            );
        }
    }
    (bulk, sizes, names)
}

#[tokio::test]
async fn large_reads_use_a_bulk_query_paged_by_locator() {
    let org = Org::with(org_config(accounts(700))).await;
    let (client, _) = client(bulk_settings(&org));
    org.clear_requests().await;
    let (bulk, sizes, names) = read_accounts(&client).await;
    assert!(bulk);
    assert_eq!(sizes, vec![250, 250, 200]);
    assert_eq!(names.len(), 700);
    assert_eq!(org.request_count(JOBS_QUERY).await, 1);
    let log = org.emu.state.requests().log;
    let pages = log.iter().filter(|e| e.path.ends_with("/results")).count();
    assert_eq!(pages, 3, "one results call per page");
}

#[tokio::test]
async fn bulk_upserts_report_each_failing_row_and_create_then_update() {
    let org = Org::with(org_config(accounts(1))).await;
    let (client, _) = client(bulk_settings(&org));
    let account = account_ids(&client).await[0];
    let mut rows: Vec<WriteRecord> = (0..10)
        .map(|i| task(&format!("bulk{i}"), account))
        .collect();
    rows[2] = task("bulk2", account).set("Status", WriteValue::Text("Bogus".into()));
    rows[7] = task("bulk7", account).set("Subject", WriteValue::Text("y".repeat(256)));

    org.clear_requests().await;
    let report = client.write("Task", &upsert_by_key(), &rows).await;
    assert!(report.bulk);
    assert_eq!(org.request_count(JOBS_INGEST).await, 1);
    assert_eq!(report.outcomes.len(), 10);
    for (i, outcome) in report.outcomes.iter().enumerate() {
        assert_eq!(outcome.index, i);
        match (i, &outcome.result) {
            (2, WriteResult::Rejected { errors }) => {
                assert_eq!(errors[0].code, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST");
            }
            (7, WriteResult::Rejected { errors }) => assert_eq!(errors[0].code, "STRING_TOO_LONG"),
            (i, WriteResult::Delivered { created, .. }) if i != 2 && i != 7 => {
                assert_eq!(*created, Some(true));
            }
            (i, other) => panic!("row {i}: {other:?}"),
        }
    }
    assert_eq!(org.counts().await["Task"], 8);

    let again = client.write("Task", &upsert_by_key(), &rows).await;
    let updated = again
        .outcomes
        .iter()
        .filter(|o| {
            matches!(
                o.result,
                WriteResult::Delivered {
                    created: Some(false),
                    ..
                }
            )
        })
        .count();
    assert_eq!(updated, 8);
    assert_eq!(org.counts().await["Task"], 8, "no duplicates");
}

#[tokio::test]
async fn rows_locked_in_a_bulk_job_get_another_chance_through_collections() {
    let org = Org::with(org_config(accounts(1))).await;
    let (client, _) = client(bulk_settings(&org));
    let account = account_ids(&client).await[0];
    let rows: Vec<WriteRecord> = (0..12)
        .map(|i| task(&format!("locked{i}"), account))
        .collect();
    org.clear_requests().await;
    org.faults("seed=4,lock=0.4").await;
    let report = client.write("Task", &upsert_by_key(), &rows).await;
    assert!(report.bulk);
    assert!(
        org.request_count(UPSERT).await >= 1,
        "locked rows were sent again through Collections"
    );
    for outcome in &report.outcomes {
        match &outcome.result {
            WriteResult::Delivered { .. } => {}
            WriteResult::Errored { errors } => assert_eq!(errors[0].code, "UNABLE_TO_LOCK_ROW"),
            other => panic!("{other:?}"),
        }
    }
    let delivered = report.delivered();
    assert!(delivered >= 10, "{delivered} of 12 delivered: {report:?}");
    org.faults("").await;
    assert_eq!(org.counts().await["Task"], delivered as u64);
}

#[tokio::test]
async fn a_failed_bulk_job_gives_its_reason_to_every_row() {
    let org = Org::with(org_config(accounts(6))).await;
    let (client, _) = client(bulk_settings(&org));
    let rows: Vec<WriteRecord> = account_ids(&client)
        .await
        .into_iter()
        .map(|id| {
            WriteRecord::new()
                .set("Id", WriteValue::Text(id.to_string()))
                .set("No_Such_Field__c", WriteValue::Number(1.0))
        })
        .collect();
    let report = client.write("Account", &WriteKind::Update, &rows).await;
    assert!(report.bulk);
    assert_eq!(report.outcomes.len(), 6);
    for outcome in &report.outcomes {
        assert!(
            matches!(&outcome.result, WriteResult::Rejected { errors }
                if errors[0].code == "BULK_JOB_FAILED" && errors[0].message.contains("No_Such_Field__c")),
            "{outcome:?}"
        );
    }
}

#[tokio::test]
async fn inserts_never_use_bulk() {
    let org = Org::with(org_config(accounts(1))).await;
    let (client, _) = client(bulk_settings(&org));
    let account = account_ids(&client).await[0];
    let rows: Vec<WriteRecord> = (0..8).map(|i| task(&format!("ins{i}"), account)).collect();
    org.clear_requests().await;
    let report = client.write("Task", &WriteKind::Insert, &rows).await;
    assert!(!report.bulk);
    assert_eq!(report.delivered(), 8);
    assert_eq!(org.request_count(JOBS_INGEST).await, 0);
}
