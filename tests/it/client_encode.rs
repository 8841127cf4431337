//! Planned writes encoded by `wire::encode` and written by the client land in the org as
//! planned: the Renewal record type resolved once per run, every create an upsert on its
//! key, account health an update by Id.

use chrono::NaiveDate;
use serde_json::json;
use vitals::domain::{PlannedWrite, SfId, Target, Value, WriteKind};
use vitals::salesforce::records::WriteResult;
use vitals::salesforce::wire::{FieldMap, encode};

use crate::common::Org;
use crate::common::sf::{accounts, client, client_credentials, org_config, settings};

const QUERY: &str = "GET /services/data/v66.0/query";

fn planned(
    kind: WriteKind,
    target: Target,
    account: SfId,
    fields: Vec<(&str, Value)>,
) -> PlannedWrite {
    PlannedWrite {
        kind,
        target,
        account_id: account,
        fields: fields.into_iter().map(|(n, v)| (n.to_owned(), v)).collect(),
        reason: "test".into(),
    }
}

#[tokio::test]
async fn planned_writes_land_in_the_org_as_planned() {
    let org = Org::with(org_config(accounts(1))).await;
    let (client, _) = client(settings(&org, client_credentials()));
    let account = crate::client_writes::account_ids(&client).await[0];
    let loaded = org
        .emu
        .state
        .load_records(&json!({"Contract": [{"AccountId": account.to_string(), "Status": "Draft", "StartDate": "2025-07-01", "ContractTerm": 12}]}))
        .unwrap();
    let contract = SfId::parse(loaded.created[0].1.as_str()).unwrap();

    org.clear_requests().await;
    let context = client.write_context(&["adoption"]).await.unwrap();
    let again = client.write_context(&["adoption"]).await.unwrap();
    assert_eq!(context, again);
    assert!(context.renewal_record_type.is_some());
    assert_eq!(org.request_count(QUERY).await, 1, "looked up once per run");

    let end = NaiveDate::from_ymd_opt(2026, 6, 30).unwrap();
    let renewal_key = format!("{contract}-{end}");
    let writes = [
        planned(
            WriteKind::AccountHealth,
            Target::Id(account),
            account,
            vec![
                ("health_score", Value::Number(41.5)),
                ("health_status", Value::Text("Monitor".into())),
                ("health_adoption", Value::Number(20.0)),
            ],
        ),
        planned(
            WriteKind::History,
            Target::Key(format!("{account}-2026-03-01-csm-nine")),
            account,
            vec![
                (
                    "period",
                    Value::Date(NaiveDate::from_ymd_opt(2026, 3, 1).unwrap()),
                ),
                ("score", Value::Number(41.5)),
                ("status", Value::Text("Monitor".into())),
                ("model", Value::Text("csm-nine".into())),
                ("adoption", Value::Number(20.0)),
            ],
        ),
        planned(
            WriteKind::Renewal,
            Target::Key(renewal_key.clone()),
            account,
            vec![
                ("name", Value::Text(format!("Account 0000 Renewal {end}"))),
                ("stage_name", Value::Text("Early Review".into())),
                ("close_date", Value::Date(end)),
                ("record_type", Value::Text("Renewal".into())),
                ("opportunity_type", Value::Text("Renewal".into())),
                ("account_id", Value::Text(account.to_string())),
                ("contract_id", Value::Text(contract.to_string())),
                ("amount", Value::Number(120_000.0)),
                ("health_at_creation", Value::Number(41.5)),
            ],
        ),
        planned(
            WriteKind::PlaybookTask,
            Target::Key(format!("health-review:{account}:2026-03-02")),
            account,
            vec![
                ("subject", Value::Text("Health review".into())),
                ("what_id", Value::Text(account.to_string())),
                ("status", Value::Text("Not Started".into())),
                ("priority", Value::Text("Normal".into())),
                ("playbook", Value::Text("health-review".into())),
                (
                    "activity_date",
                    Value::Date(NaiveDate::from_ymd_opt(2026, 3, 9).unwrap()),
                ),
            ],
        ),
    ];
    let map = FieldMap::with_overrides(std::iter::empty(), &["adoption"]).unwrap();
    let mut ids = Vec::new();
    for write in &writes {
        let encoded = encode(write, &map, &context).unwrap();
        let report = client
            .write(
                encoded.object.api_name(),
                &encoded.kind,
                vec![encoded.record],
            )
            .await;
        match &report.outcomes[0].result {
            WriteResult::Delivered { id, .. } => ids.push(*id),
            other => panic!("{:?}: {other:?}", write.kind),
        }
    }
    let stored = org.record(account.as_str()).await;
    assert_eq!(stored["Health_Score__c"], 41.5);
    assert_eq!(stored["Health_Adoption__c"], 20.0);
    let history = org.record(ids[1].as_str()).await;
    assert_eq!(history["Account__c"], account.to_string());
    assert_eq!(history["Adoption__c"], 20.0);
    let renewal = org.record(ids[2].as_str()).await;
    assert_eq!(renewal["Vitals_Key__c"], renewal_key);
    assert_eq!(
        renewal["RecordTypeId"],
        context.renewal_record_type.unwrap().to_string()
    );
    assert_eq!(renewal["StageName"], "Early Review");
    assert_eq!(renewal["ContractId"], contract.to_string());
    let task = org.record(ids[3].as_str()).await;
    assert_eq!(task["Playbook__c"], "health-review");
    assert_eq!(task["WhatId"], account.to_string());
}
