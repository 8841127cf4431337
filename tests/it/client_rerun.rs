//! Running the same history write twice: the second upsert of a key updates the record the
//! first created, through sObject Collections and through Bulk ingest alike. This needs
//! `Account__c` to be a reparentable master-detail (`salesforce-metadata/`): Salesforce
//! refuses any update that sets a non-reparentable master-detail, even to the same value.

use vitals::domain::SfId;
use vitals::salesforce::ClientSettings;
use vitals::salesforce::records::{WriteKind, WriteRecord, WriteResult, WriteValue};

use crate::common::Org;
use crate::common::sf::{accounts, client, client_credentials, org_config, settings};

fn history(account: SfId, month: u32, score: f64) -> WriteRecord {
    let period = format!("2026-{month:02}-01");
    WriteRecord::new()
        .set(
            "Key__c",
            WriteValue::Text(format!("{account}-{period}-csm-nine")),
        )
        .set("Account__c", WriteValue::Text(account.to_string()))
        .set("Period__c", WriteValue::Text(period))
        .set("Score__c", WriteValue::Number(score))
        .set("Model__c", WriteValue::Text("csm-nine".into()))
}

fn by_key() -> WriteKind {
    WriteKind::Upsert {
        external_id: "Key__c".into(),
    }
}

/// Writes `rows` twice with these settings; the second run's scores differ by one point.
async fn run_twice(org: &Org, settings: ClientSettings, rows: usize) {
    let (client, _) = client(settings);
    let accounts = crate::client_writes::account_ids(&client).await;
    // The same keys both times: one period per account and round.
    let scored = |score: f64| -> Vec<WriteRecord> {
        (0..rows)
            .map(|i| {
                let month = 1 + u32::try_from(i / accounts.len()).unwrap();
                history(accounts[i % accounts.len()], month, score)
            })
            .collect()
    };
    let (first, again) = (scored(50.0), scored(51.0));
    let created = client
        .write("Health_Score_History__c", &by_key(), first)
        .await;
    let ids: Vec<SfId> = created
        .outcomes
        .iter()
        .map(|o| match o.result {
            WriteResult::Delivered {
                id,
                created: Some(true),
            } => id,
            ref other => panic!("first run: {other:?}"),
        })
        .collect();
    let updated = client
        .write("Health_Score_History__c", &by_key(), again)
        .await;
    assert_eq!(updated.bulk, created.bulk);
    for (outcome, id) in updated.outcomes.iter().zip(&ids) {
        assert_eq!(
            outcome.result,
            WriteResult::Delivered {
                id: *id,
                created: Some(false)
            },
            "second run, row {}",
            outcome.index
        );
    }
    assert_eq!(
        org.counts().await["Health_Score_History__c"],
        rows,
        "no duplicate"
    );
    assert_eq!(org.record(ids[0].as_str()).await["Score__c"], 51.0);
}

#[tokio::test]
async fn a_history_key_upserted_again_through_collections_is_updated() {
    let org = Org::with(org_config(accounts(3))).await;
    run_twice(&org, settings(&org, client_credentials()), 6).await;
}

#[tokio::test]
async fn a_history_key_upserted_again_through_bulk_is_updated() {
    let org = Org::with(org_config(accounts(3))).await;
    let mut settings = settings(&org, client_credentials());
    settings.bulk_write_threshold = 5;
    run_twice(&org, settings, 9).await;
}
