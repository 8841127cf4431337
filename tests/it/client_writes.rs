//! Writing with the client through sObject Collections: upserts created then updated,
//! failing rows reported per record with Salesforce's error, chunks of 200.

use vitals::domain::SfId;
use vitals::salesforce::Client;
use vitals::salesforce::records::{WriteKind, WriteRecord, WriteResult, WriteValue};
use vitals::salesforce::soql::Soql;
use vitals::salesforce::wire::{FieldMap, decode_account};

use crate::common::Org;
use crate::common::sf::{accounts, client, client_credentials, org_config, settings};

pub async fn account_ids(client: &Client) -> Vec<SfId> {
    let mut reader = client
        .read(
            &Soql::select("Account", ["Id"]).order_by("Name"),
            false,
            None,
        )
        .await
        .unwrap();
    let mut ids = Vec::new();
    while let Some(page) = reader.next_page().await.unwrap() {
        ids.extend(page.iter().map(|r| {
            decode_account(r, &FieldMap::default(), &[])
                .unwrap()
                .record
                .id
        }));
    }
    ids
}

pub fn task(key: &str, account: SfId) -> WriteRecord {
    WriteRecord::new()
        .set("Vitals_Key__c", WriteValue::Text(key.into()))
        .set("Subject", WriteValue::Text(format!("Health review {key}")))
        .set("Status", WriteValue::Text("Not Started".into()))
        .set("Priority", WriteValue::Text("Normal".into()))
        .set("WhatId", WriteValue::Text(account.to_string()))
}

pub fn upsert_by_key() -> WriteKind {
    WriteKind::Upsert {
        external_id: "Vitals_Key__c".into(),
    }
}

#[tokio::test]
async fn an_upsert_creates_then_updates_by_external_id() {
    let org = Org::with(org_config(accounts(1))).await;
    let (client, _) = client(settings(&org, client_credentials()));
    let account = account_ids(&client).await[0];
    let rows: Vec<WriteRecord> = (0..3).map(|i| task(&format!("k{i}"), account)).collect();

    let first = client.write("Task", &upsert_by_key(), rows.clone()).await;
    assert_eq!(first.delivered(), 3, "{first:?}");
    assert!(!first.bulk);
    let ids: Vec<SfId> = first
        .outcomes
        .iter()
        .map(|o| match o.result {
            WriteResult::Delivered { id, created } => {
                assert_eq!(created, Some(true));
                id
            }
            ref other => panic!("{other:?}"),
        })
        .collect();

    let second = client.write("Task", &upsert_by_key(), rows.clone()).await;
    for (outcome, id) in second.outcomes.iter().zip(&ids) {
        assert_eq!(
            outcome.result,
            WriteResult::Delivered {
                id: *id,
                created: Some(false)
            }
        );
    }
    assert_eq!(org.counts().await["Task"], 3);
}

#[tokio::test]
async fn failing_rows_are_reported_per_record_and_the_rest_are_written() {
    let org = Org::with(org_config(accounts(1))).await;
    let (client, _) = client(settings(&org, client_credentials()));
    let account = account_ids(&client).await[0];
    let mut rows: Vec<WriteRecord> = (0..5).map(|i| task(&format!("row{i}"), account)).collect();
    rows[1] = task("row1", account).set("Status", WriteValue::Text("Bogus".into()));
    rows[3] = task("row3", account).set("Subject", WriteValue::Text("x".repeat(256)));

    let report = client.write("Task", &upsert_by_key(), rows.clone()).await;
    assert_eq!(report.outcomes.len(), 5);
    assert_eq!(report.delivered(), 3);
    let code = |i: usize| match &report.outcomes[i].result {
        WriteResult::Rejected { errors } => errors[0].code.clone(),
        other => panic!("row {i}: {other:?}"),
    };
    assert_eq!(code(1), "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST");
    assert_eq!(code(3), "STRING_TOO_LONG");
    assert!(report.stopped.is_none());
    assert_eq!(org.counts().await["Task"], 3);
}

#[tokio::test]
async fn updates_by_id_go_in_chunks_of_200() {
    let org = Org::with(org_config(accounts(450))).await;
    let (client, _) = client(settings(&org, client_credentials()));
    let ids = account_ids(&client).await;
    let rows: Vec<WriteRecord> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            WriteRecord::new()
                .set("Id", WriteValue::Text(id.to_string()))
                .set(
                    "Health_Score__c",
                    WriteValue::Number(f64::from(u32::try_from(i % 100).unwrap())),
                )
                .set("Health_Status__c", WriteValue::Text("Monitor".into()))
        })
        .collect();
    org.clear_requests().await;
    let report = client
        .write("Account", &WriteKind::Update, rows.clone())
        .await;
    assert_eq!(
        report.delivered(),
        450,
        "{:?}",
        report
            .outcomes
            .iter()
            .find(|o| !matches!(o.result, WriteResult::Delivered { .. }))
    );
    assert_eq!(
        org.request_count("PATCH /services/data/v66.0/composite/sobjects")
            .await,
        3
    );
    let stored = org.record(ids[7].as_str()).await;
    assert_eq!(stored["Health_Score__c"], 7.0);
    assert_eq!(stored["Health_Status__c"], "Monitor");
}
