//! Reads for the replica: full loads and incremental `queryAll` reads of the select list,
//! REST ordered by `SystemModstamp, Id`, Bulk never ordered, deletions as rows, and the
//! job's `createdDate` as a Bulk load's watermark.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use emulator::DataSource;
use serde_json::{Value, json};
use vitals::domain::{DomainRecord, FieldsUsed, Records, SfId, SyncedObject};
use vitals::salesforce::extract::{ReadMode, ReadSource, ReplicaPage};
use vitals::salesforce::records::{WriteKind, WriteRecord, WriteValue};
use vitals::salesforce::wire::{FieldMap, SelectList};
use vitals::salesforce::{Client, ClientSettings};
use vitals::scoring::{Model, Previous, score_account};

use crate::common::sf::{accounts, client, client_credentials, org_config, settings};
use crate::common::{Org, start_time};

const QUERY_ALL: &str = "GET /services/data/v66.0/queryAll";
const QUERY: &str = "GET /services/data/v66.0/query";
const JOBS_QUERY: &str = "POST /services/data/v66.0/jobs/query";

fn csm_nine() -> Model {
    Model::load_preset("csm-nine").unwrap()
}

fn select(object: SyncedObject, model: &Model, map: &FieldMap) -> SelectList {
    SelectList::new(object, &model.fields_used(), map, &model.category_keys())
}

/// Every page of a read.
async fn read_pages(
    client: &Client,
    list: &SelectList,
    mode: ReadMode,
    expected: Option<u64>,
    map: &FieldMap,
) -> (ReadSource, Vec<ReplicaPage>) {
    let mut reader = client
        .read_replica(list, mode, expected, map, &[])
        .await
        .unwrap();
    let mut pages = Vec::new();
    while let Some(page) = reader.next_page().await.unwrap() {
        pages.push(page);
    }
    (reader.source().clone(), pages)
}

/// The SOQL texts the org received, from the request log (`q=` of REST queries, the
/// `query` of Bulk jobs).
fn soql_sent(org: &Org) -> Vec<String> {
    org.emu
        .state
        .requests()
        .log
        .into_iter()
        .filter_map(|e| {
            let body_query = e
                .body
                .as_ref()
                .and_then(|b| b.get("query"))
                .and_then(Value::as_str)
                .map(str::to_owned);
            let rest_query = url::form_urlencoded::parse(e.query.as_bytes())
                .find(|(k, _)| k == "q")
                .map(|(_, v)| v.into_owned());
            rest_query.or(body_query)
        })
        .collect()
}

async fn modstamp_of(org: &Org, id: &str) -> DateTime<Utc> {
    org.record(id)
        .await
        .get("SystemModstamp")
        .and_then(Value::as_str)
        .and_then(vitals::salesforce::wire::parse_datetime)
        .unwrap()
}

#[tokio::test]
async fn a_full_load_reads_the_select_list_ordered_by_modstamp_over_rest() {
    let org = Org::with(org_config(accounts(5))).await;
    org.advance(60).await;
    org.emu
        .state
        .load_records(&json!({"Account": [{"Name": "Late"}]}))
        .unwrap();
    let (client, _) = client(settings(&org, client_credentials()));
    let map = FieldMap::default();
    let list = select(SyncedObject::Account, &csm_nine(), &map);
    org.clear_requests().await;
    let (source, pages) = read_pages(&client, &list, ReadMode::Full, None, &map).await;
    assert_eq!(source, ReadSource::Rest);
    let rows: Vec<_> = pages.iter().flat_map(|p| p.rows.iter()).collect();
    assert_eq!(rows.len(), 6);
    assert!(
        pages
            .iter()
            .all(|p| p.skipped.is_empty() && p.deleted.is_empty())
    );
    // Ordered by SystemModstamp: the account loaded a minute later comes last and sets the
    // page's watermark.
    let stamps: Vec<_> = rows.iter().map(|r| r.modstamp).collect();
    assert!(stamps.windows(2).all(|w| w[0] <= w[1]), "{stamps:?}");
    assert_eq!(pages.last().unwrap().max_modstamp, stamps.last().copied());
    assert_eq!(
        pages.last().unwrap().max_modstamp,
        Some(start_time() + Duration::seconds(60))
    );
    // One COUNT() and one query, both of the select list; never SELECT *.
    assert_eq!(org.request_count(QUERY).await, 2);
    let sent = soql_sent(&org);
    assert_eq!(
        sent[1],
        format!(
            "{} ORDER BY SystemModstamp, Id",
            list.full_query(true).to_text()
        )
    );
    assert!(sent[0].starts_with("SELECT COUNT() FROM Account"));
}

#[tokio::test]
async fn an_incremental_read_brings_changes_and_deletions_in_one_call() {
    let org = Org::with(org_config(accounts(4))).await;
    let (client, _) = client(settings(&org, client_credentials()));
    let map = FieldMap::default();
    let list = select(SyncedObject::Account, &csm_nine(), &map);
    let (_, pages) = read_pages(&client, &list, ReadMode::Full, None, &map).await;
    let ids: Vec<SfId> = pages[0].rows.iter().filter_map(|r| r.record.id()).collect();
    let watermark = pages[0].max_modstamp.unwrap();

    org.advance(120).await;
    let update = WriteRecord::new()
        .set("Id", WriteValue::Text(ids[0].to_string()))
        .set("ARR__c", WriteValue::Number(5000.0));
    let report = client
        .write("Account", &WriteKind::Update, vec![update])
        .await;
    assert_eq!(report.delivered(), 1, "{report:?}");
    org.emu.state.delete_record(ids[1].as_str()).unwrap();

    org.clear_requests().await;
    let since = watermark - Duration::minutes(5);
    let (source, pages) = read_pages(&client, &list, ReadMode::Since(since), None, &map).await;
    assert_eq!(source, ReadSource::Rest);
    assert_eq!(org.request_count(QUERY_ALL).await, 1, "one call");
    assert_eq!(org.request_count(QUERY).await, 0, "no COUNT()");
    let page = &pages[0];
    // The overlap re-reads the untouched accounts too; the replica upserts by Id.
    let changed = page
        .rows
        .iter()
        .find(|r| r.record.id() == Some(ids[0]))
        .unwrap();
    match &changed.record {
        DomainRecord::Account(a) => assert_eq!(a.arr, Some(5000.0)),
        other => panic!("{other:?}"),
    }
    assert_eq!(page.deleted, vec![ids[1]]);
    assert!(!page.rows.iter().any(|r| r.record.id() == Some(ids[1])));
    let now = start_time() + Duration::seconds(120);
    assert_eq!(page.max_modstamp, Some(now));
    assert_eq!(modstamp_of(&org, ids[0].as_str()).await, now);
    let sent = soql_sent(&org);
    assert!(
        sent[0].ends_with(
            " WHERE SystemModstamp >= 2026-03-02T11:55:00.000Z ORDER BY SystemModstamp, Id"
        ),
        "{}",
        sent[0]
    );
    assert!(sent[0].contains(", SystemModstamp, IsDeleted FROM Account"));

    // Nothing changed since: one call, an empty page.
    org.clear_requests().await;
    let later = now + Duration::seconds(1);
    let (_, pages) = read_pages(&client, &list, ReadMode::Since(later), None, &map).await;
    assert_eq!(org.request_count(QUERY_ALL).await, 1);
    assert_eq!(pages.len(), 1);
    assert_eq!(pages[0].records, 0);
    assert_eq!(pages[0].max_modstamp, None);
}

fn bulk_settings(org: &Org, threshold: u64) -> ClientSettings {
    let mut settings = settings(org, client_credentials());
    settings.bulk_read_threshold = threshold;
    settings.bulk_page_size = 7;
    settings
}

#[tokio::test]
async fn a_large_change_moves_to_a_bulk_query_all_job_without_order_by() {
    let org = Org::with(org_config(accounts(20))).await;
    let (client, _) = client(bulk_settings(&org, 5));
    let map = FieldMap::default();
    let list = select(SyncedObject::Account, &csm_nine(), &map);
    let (_, pages) = read_pages(&client, &list, ReadMode::Full, Some(3), &map).await;
    let first = pages[0].rows[0].record.id().unwrap();
    org.advance(60).await;
    org.emu.state.delete_record(first.as_str()).unwrap();

    org.clear_requests().await;
    let since = start_time() - Duration::minutes(5);
    let (source, pages) = read_pages(&client, &list, ReadMode::Since(since), None, &map).await;
    let ReadSource::Bulk { created, .. } = source else {
        panic!("{source:?}");
    };
    assert_eq!(created, Some(start_time() + Duration::seconds(60)));
    // The first REST page told the volume; then one queryAll job.
    assert_eq!(org.request_count(QUERY_ALL).await, 1);
    assert_eq!(org.request_count(JOBS_QUERY).await, 1);
    let job = org
        .emu
        .state
        .requests()
        .log
        .into_iter()
        .find(|e| e.method == "POST" && e.path.ends_with("/jobs/query"))
        .and_then(|e| e.body)
        .unwrap();
    assert_eq!(job["operation"], "queryAll");
    let text = job["query"].as_str().unwrap();
    assert!(!text.contains("ORDER BY"), "{text}");
    assert!(text.contains("IsDeleted"), "{text}");
    let rows: usize = pages.iter().map(|p| p.rows.len()).sum();
    let deleted: Vec<SfId> = pages.iter().flat_map(|p| p.deleted.clone()).collect();
    assert_eq!((rows, deleted), (19, vec![first]));
    assert!(pages.iter().all(|p| p.records <= 7), "bounded pages");
}

#[tokio::test]
async fn a_full_bulk_load_skips_the_count_and_takes_the_jobs_created_date() {
    let org = Org::with(org_config(accounts(12))).await;
    org.advance(30).await;
    let (client, _) = client(bulk_settings(&org, 5));
    let map = FieldMap::default();
    let list = select(SyncedObject::Account, &csm_nine(), &map);
    org.clear_requests().await;
    let (source, pages) = read_pages(&client, &list, ReadMode::Full, Some(12), &map).await;
    assert_eq!(
        org.request_count(QUERY).await,
        0,
        "no COUNT() when the volume is known"
    );
    let ReadSource::Bulk { created, job_id } = source else {
        panic!("{source:?}");
    };
    assert!(job_id.starts_with("750"));
    assert_eq!(created, Some(start_time() + Duration::seconds(30)));
    assert_eq!(pages.iter().map(|p| p.rows.len()).sum::<usize>(), 12);
    let sent = soql_sent(&org);
    assert_eq!(sent, vec![list.full_query(true).to_text()]);
}

#[tokio::test]
async fn a_record_that_does_not_decode_is_skipped_named_and_still_moves_the_watermark() {
    let org = Org::with(org_config(accounts(1))).await;
    let (client, _) = client(settings(&org, client_credentials()));
    let ids = crate::client_writes::account_ids(&client).await;
    org.emu
        .state
        .load_records(&json!({"Case": [
            {"AccountId": ids[0].to_string(), "Origin": "Web", "Priority": "High"}
        ]}))
        .unwrap();
    // A mistaken override points the case's required created date at a picklist: the case
    // now fails on that field, by name, and is skipped rather than failing the read.
    let wrong = FieldMap::with_overrides([("case.created_date", "Origin")], &[]).unwrap();
    let list = SelectList::new(SyncedObject::Case, &FieldsUsed::new(), &wrong, &[]);
    let (_, pages) = read_pages(&client, &list, ReadMode::Full, None, &wrong).await;
    let page = &pages[0];
    assert!(page.rows.is_empty());
    assert_eq!(page.skipped.len(), 1);
    let skipped = &page.skipped[0];
    assert_eq!((skipped.object, skipped.field.as_str()), ("Case", "Origin"));
    assert!(skipped.record.starts_with("500"), "{skipped}");
    assert!(
        !skipped.to_string().contains("Web"),
        "never the value: {skipped}"
    );
    assert_eq!(page.max_modstamp, Some(start_time()));
    let plain = FieldMap::default();
    let list = SelectList::new(SyncedObject::Case, &FieldsUsed::new(), &plain, &[]);
    let (_, good) = read_pages(&client, &list, ReadMode::Full, None, &plain).await;
    assert_eq!(good[0].rows.len(), 1);
}

/// A generated org read through the select lists (some objects through Bulk CSV) scores
/// every account exactly as the same org read with every field does.
#[tokio::test]
async fn a_generated_org_scores_the_same_from_the_select_lists() {
    let org = Org::with(org_config(DataSource::Generated {
        accounts: 40,
        seed: 7,
    }))
    .await;
    let (client, _) = client(bulk_settings(&org, 150));
    let model = csm_nine();
    let map = FieldMap::default();
    let full = crate::generated_org_mix::read_org(&client).await;
    let mut cut = Records::default();
    let mut through_bulk = Vec::new();
    for object in SyncedObject::ALL {
        if object == SyncedObject::History {
            continue;
        }
        let list = select(object, &model, &map);
        let mut reader = client
            .read_replica(&list, ReadMode::Full, None, &map, &model.category_keys())
            .await
            .unwrap();
        if reader.is_bulk() {
            through_bulk.push(object);
        }
        while let Some(page) = reader.next_page().await.unwrap() {
            assert!(page.skipped.is_empty(), "{:?}", page.skipped);
            for row in page.rows {
                push(&mut cut, row.record);
            }
        }
    }
    let score_all = |records: Records| -> BTreeMap<SfId, _> {
        let (snapshots, _) = records.into_snapshots();
        snapshots
            .into_iter()
            .map(|(id, s)| {
                (
                    id,
                    score_account(&s, &model, start_time(), &Previous::default()),
                )
            })
            .collect()
    };
    // Both decoders are exercised: the big objects come as Bulk CSV, the rest as JSON.
    assert!(
        !through_bulk.is_empty() && through_bulk.len() < 6,
        "{through_bulk:?}"
    );
    let (full, cut) = (score_all(full), score_all(cut));
    assert_eq!(full.len(), 40);
    for (id, score) in &full {
        assert_eq!(Some(score), cut.get(id), "{id}");
    }
}

fn push(records: &mut Records, record: DomainRecord) {
    match record {
        DomainRecord::Account(r) => records.accounts.push(r),
        DomainRecord::Contract(r) => records.contracts.push(r),
        DomainRecord::Case(r) => records.cases.push(r),
        DomainRecord::Opportunity(r) => records.opportunities.push(r),
        DomainRecord::Event(r) => records.events.push(r),
        DomainRecord::Task(r) => records.tasks.push(r),
        DomainRecord::History(r) => records.history.push(r),
    }
}
