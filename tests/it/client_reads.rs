//! Reading with the client: REST paging through `nextRecordsUrl`, escaped SOQL, chunked Id
//! lists, decoding into domain records, and the choice between REST and Bulk.

use std::collections::BTreeSet;

use vitals::domain::SfId;
use vitals::salesforce::soql::{Condition, IN_CHUNK, Literal, Op, Soql};
use vitals::salesforce::wire::{FieldMap, decode_account};

use crate::common::Org;
use crate::common::sf::{accounts, client, client_credentials, org_config, settings};
use emulator::DataSource;
use serde_json::json;

async fn read_all(
    client: &vitals::salesforce::Client,
    query: &Soql,
) -> Vec<vitals::salesforce::records::Record> {
    let mut reader = client.read(query, false, None).await.unwrap();
    let mut records = Vec::new();
    while let Some(page) = reader.next_page().await.unwrap() {
        records.extend(page);
    }
    records
}

#[tokio::test]
async fn a_rest_query_pages_through_several_pages() {
    let org = Org::with(org_config(accounts(700))).await;
    let mut settings = settings(&org, client_credentials());
    settings.query_batch_size = Some(200);
    let (client, _) = client(settings);
    org.clear_requests().await;

    let mut pager = client.query("SELECT Id, Name FROM Account ORDER BY Name", false);
    let mut sizes = Vec::new();
    let mut ids = BTreeSet::new();
    while let Some(page) = pager.next_page().await.unwrap() {
        sizes.push(page.len());
        for record in page {
            let account = decode_account(&record, &FieldMap::default(), &[])
                .unwrap()
                .record;
            ids.insert(account.id);
        }
    }
    assert_eq!(sizes, vec![200, 200, 200, 100]);
    assert_eq!(pager.total_size(), Some(700));
    assert_eq!(ids.len(), 700);
    // One query, then three locator pages, each fetched once.
    let paths: Vec<String> = org
        .emu
        .state
        .requests()
        .log
        .into_iter()
        .map(|e| e.path)
        .filter(|p| p.starts_with("/services/data/v66.0/query"))
        .collect();
    assert_eq!(paths.len(), 4, "{paths:?}");
    assert_eq!(paths[0], "/services/data/v66.0/query");
    assert!(
        paths[1..]
            .iter()
            .all(|p| p.starts_with("/services/data/v66.0/query/"))
    );
}

#[tokio::test]
async fn small_reads_count_first_then_use_rest() {
    let org = Org::with(org_config(accounts(30))).await;
    let (client, _) = client(settings(&org, client_credentials()));
    let query = Soql::select("Account", ["Id", "Name"]);
    let mut reader = client.read(&query, false, None).await.unwrap();
    assert!(!reader.is_bulk());
    let mut n = 0;
    while let Some(page) = reader.next_page().await.unwrap() {
        n += page.len();
    }
    assert_eq!(n, 30);
}

#[tokio::test]
async fn string_literals_are_escaped_end_to_end() {
    let tricky = r"O'Brien \ Sons";
    let org = Org::with(org_config(DataSource::FixtureJson(json!({
        "Account": [{"Name": tricky}, {"Name": "O"}]
    }))))
    .await;
    let (client, _) = client(settings(&org, client_credentials()));
    let query = Soql::select("Account", ["Id", "Name"]).filter(Condition::Compare(
        "Name".into(),
        Op::Eq,
        Literal::Text(tricky.into()),
    ));
    let records = read_all(&client, &query).await;
    assert_eq!(records.len(), 1);
    let account = decode_account(&records[0], &FieldMap::default(), &[])
        .unwrap()
        .record;
    assert_eq!(account.name, tricky);
}

#[tokio::test]
async fn long_id_lists_are_read_in_chunks_under_the_uri_limit() {
    let org = Org::with(org_config(accounts(700))).await;
    let (client, _) = client(settings(&org, client_credentials()));
    let all = read_all(&client, &Soql::select("Account", ["Id"])).await;
    let ids: Vec<SfId> = all
        .iter()
        .map(|r| {
            decode_account(r, &FieldMap::default(), &[])
                .unwrap()
                .record
                .id
        })
        .collect();
    let queries = Soql::select("Account", ["Id", "Name"]).for_each_chunk("Id", &ids, IN_CHUNK);
    assert_eq!(queries.len(), 3);
    let mut found = BTreeSet::new();
    for query in &queries {
        for record in read_all(&client, query).await {
            found.insert(
                decode_account(&record, &FieldMap::default(), &[])
                    .unwrap()
                    .record
                    .id,
            );
        }
    }
    assert_eq!(found.len(), 700);
}

#[tokio::test]
async fn plus_signs_and_spaces_survive_the_query_string() {
    let org = Org::with(org_config(DataSource::FixtureJson(json!({
        "Account": [{"Name": "A+B  C"}, {"Name": "A B  C"}]
    }))))
    .await;
    let (client, _) = client(settings(&org, client_credentials()));
    let query = Soql::select("Account", ["Id", "Name"]).filter(Condition::Compare(
        "Name".into(),
        Op::Eq,
        Literal::Text("A+B  C".into()),
    ));
    let records = read_all(&client, &query).await;
    assert_eq!(records.len(), 1);
    assert_eq!(
        decode_account(&records[0], &FieldMap::default(), &[])
            .unwrap()
            .record
            .name,
        "A+B  C"
    );
}

#[tokio::test]
async fn query_all_also_reads_deleted_rows() {
    let org = Org::with(org_config(accounts(3))).await;
    let (client, _) = client(settings(&org, client_credentials()));
    let ids = crate::client_writes::account_ids(&client).await;
    org.emu.state.delete_record(ids[0].as_str()).unwrap();
    let query = Soql::select("Account", ["Id", "IsDeleted"]);
    assert_eq!(
        client.count(&query.to_count_text(), false).await.unwrap(),
        2
    );
    assert_eq!(client.count(&query.to_count_text(), true).await.unwrap(), 3);
    let mut reader = client.read(&query, true, None).await.unwrap();
    let mut n = 0;
    while let Some(page) = reader.next_page().await.unwrap() {
        n += page.len();
    }
    assert_eq!(n, 3);
}
