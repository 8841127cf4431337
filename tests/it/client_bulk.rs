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
    let report = client.write("Task", &upsert_by_key(), rows.clone()).await;
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

    let again = client.write("Task", &upsert_by_key(), rows.clone()).await;
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
    let report = client.write("Task", &upsert_by_key(), rows.clone()).await;
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
    let report = client
        .write("Account", &WriteKind::Update, rows.clone())
        .await;
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
    let report = client.write("Task", &WriteKind::Insert, rows.clone()).await;
    assert!(!report.bulk);
    assert_eq!(report.delivered(), 8);
    assert_eq!(org.request_count(JOBS_INGEST).await, 0);
}

/// A sleeper that moves the emulator's clock by each pause instead of waiting, and keeps
/// the pauses: Bulk jobs progress with the emulator's time and with each poll.
#[derive(Debug)]
struct EmulatorTime {
    state: emulator::EmulatorState,
    pauses: std::sync::Mutex<Vec<std::time::Duration>>,
}

impl vitals::salesforce::retrier::Sleeper for EmulatorTime {
    fn sleep(
        &self,
        delay: std::time::Duration,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> {
        let ms = i64::try_from(delay.as_millis()).unwrap();
        self.state
            .0
            .clock
            .advance(chrono::Duration::milliseconds(ms));
        self.pauses.lock().unwrap().push(delay);
        Box::pin(std::future::ready(()))
    }
}

#[tokio::test]
async fn bulk_jobs_are_polled_by_their_progress_in_emulator_time() {
    let org = Org::with(org_config(accounts(1))).await;
    let time = std::sync::Arc::new(EmulatorTime {
        state: org.emu.state.clone(),
        pauses: std::sync::Mutex::new(Vec::new()),
    });
    let mut settings = bulk_settings(&org);
    settings.bulk_poll_interval = std::time::Duration::from_secs(2);
    let client = Client::new(settings, time.clone()).unwrap();
    let account = account_ids(&client).await[0];
    // The emulator processes 10,000 rows a step, a step per poll or per second of its
    // clock: a job of 10,001 rows takes several polls.
    let rows: Vec<WriteRecord> = (0..10_001)
        .map(|i| task(&format!("poll{i}"), account))
        .collect();
    org.clear_requests().await;
    let started = org.emu.state.0.clock.now();
    let report = client.write("Task", &upsert_by_key(), rows).await;
    assert_eq!(report.delivered(), 10_001);
    let polls = org
        .emu
        .state
        .requests()
        .log
        .iter()
        .filter(|e| e.method == "GET" && e.path.contains("/jobs/ingest/") && !e.path.ends_with('/'))
        .count();
    let pauses: Vec<u128> = time
        .pauses
        .lock()
        .unwrap()
        .iter()
        .map(std::time::Duration::as_millis)
        .collect();
    // One poll after each pause. The first job of a client has no pace to go by, so the
    // pauses grow from 1 s by half: the first poll sees the job read its file and start,
    // the second, 1.5 s later, sees it complete.
    assert_eq!(polls, pauses.len(), "{pauses:?}");
    assert_eq!(pauses, [1000, 1500], "{pauses:?}");
    let waited = (org.emu.state.0.clock.now() - started).num_milliseconds();
    assert_eq!(waited, pauses.iter().sum::<u128>() as i64);
}

#[tokio::test]
async fn a_big_write_is_split_into_jobs_of_bounded_size_each_with_one_upload() {
    let org = Org::with(org_config(accounts(1))).await;
    let mut settings = bulk_settings(&org);
    settings.bulk_job_rows = 4;
    let (client, _) = client(settings);
    let account = account_ids(&client).await[0];
    let rows: Vec<WriteRecord> = (0..10)
        .map(|i| task(&format!("split{i}"), account))
        .collect();
    org.clear_requests().await;
    let report = client.write("Task", &upsert_by_key(), rows).await;
    assert!(report.bulk);
    assert_eq!(report.delivered(), 10, "{report:?}");
    let indexes: Vec<usize> = report.outcomes.iter().map(|o| o.index).collect();
    assert_eq!(indexes, (0..10).collect::<Vec<_>>());
    assert_eq!(org.request_count(JOBS_INGEST).await, 3);
    let uploads: Vec<usize> = org
        .emu
        .state
        .requests()
        .log
        .iter()
        .filter(|e| e.method == "PUT")
        .map(|e| {
            // The emulator logs a CSV body by its size.
            let bytes = e.body.as_ref().and_then(|b| b["bytes"].as_u64());
            usize::try_from(bytes.unwrap()).unwrap()
        })
        .collect();
    // One PUT per job: two of four rows (same size, the keys are as long), one of two.
    assert_eq!(uploads.len(), 3, "{uploads:?}");
    assert_eq!(uploads[0], uploads[1]);
    assert!(uploads[2] < uploads[0], "{uploads:?}");
    assert_eq!(org.counts().await["Task"], 10);
}
