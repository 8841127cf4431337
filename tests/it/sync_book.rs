//! A small book of business seeded through the REST API, as an org would hold it, for the
//! sync tests: a clearly healthy account, a clearly troubled one, contracts ending in 100
//! and in 200 days, a new closed-won deal, and an account silent for 60 days.
//!
//! The org's clock stands at `common::start_time()` (Monday 2 March 2026, 12:00 UTC).

use emulator::state::user_id;
use serde_json::{Value, json};

use crate::common::rest::Rest;

/// The seeded records' Ids.
#[derive(Debug, Clone)]
pub struct Book {
    pub healthy: String,
    pub troubled: String,
    pub renewal_soon: String,
    pub renewal_later: String,
    pub new_deal: String,
    pub quiet: String,
    /// The contract ending in 100 days (2026-06-10).
    pub soon_contract: String,
    /// The contract ending in 200 days (2026-09-18).
    pub later_contract: String,
    /// The new deal's closed-won opportunity (closed 2026-02-25).
    pub deal: String,
    /// The troubled account's open cases: an escalated High one, then a Critical one.
    pub troubled_cases: Vec<String>,
}

/// Alex Morgan, the first CSM.
pub fn alex() -> String {
    user_id(3).as_str().to_owned()
}

/// Blake Chen, the second CSM.
pub fn blake() -> String {
    user_id(4).as_str().to_owned()
}

impl Book {
    /// Every account, in seeding order.
    pub fn accounts(&self) -> [&str; 6] {
        [
            &self.healthy,
            &self.troubled,
            &self.renewal_soon,
            &self.renewal_later,
            &self.new_deal,
            &self.quiet,
        ]
    }
}

async fn account(rest: &Rest, name: &str, owner: &str, extra: Value) -> String {
    let mut body = json!({
        "Name": name,
        "Type": "Customer - Direct",
        "OwnerId": owner,
    });
    if let (Some(body), Value::Object(extra)) = (body.as_object_mut(), extra) {
        body.extend(extra);
    }
    rest.create("Account", body).await
}

async fn meeting(rest: &Rest, account: &str, kind: &str, start: &str, minutes: u32) {
    rest.create(
        "Event",
        json!({
            "WhatId": account,
            "Subject": format!("{kind} with the customer"),
            "Type": kind,
            "StartDateTime": start,
            "DurationInMinutes": minutes,
        }),
    )
    .await;
}

async fn contract(rest: &Rest, account: &str, start: &str, months: u32) -> String {
    let id = rest
        .create(
            "Contract",
            json!({"AccountId": account, "StartDate": start, "ContractTerm": months}),
        )
        .await;
    rest.update("Contract", &id, json!({"Status": "Activated"}))
        .await;
    id
}

async fn case(rest: &Rest, account: &str, fields: Value) -> String {
    let mut body = json!({"AccountId": account, "Origin": "Web", "Subject": "A support case"});
    if let (Some(body), Value::Object(fields)) = (body.as_object_mut(), fields) {
        body.extend(fields);
    }
    rest.create("Case", body).await
}

/// Seeds the book.
pub async fn seed(rest: &Rest) -> Book {
    let healthy = account(
        rest,
        "Healthy Co",
        &alex(),
        json!({
            "ARR__c": 80000, "License_Seats__c": 100, "Active_Users__c": 80,
            "Core_Feature_Adoption__c": 85, "Kickoff_Survey_Score__c": 5,
            "UAT_Survey_Score__c": 5, "CSM_Sentiment__c": "Green",
        }),
    )
    .await;
    contract(rest, &healthy, "2025-09-01", 24).await;
    meeting(rest, &healthy, "QBR", "2026-02-02T15:00:00.000Z", 60).await;
    meeting(rest, &healthy, "Meeting", "2026-02-25T15:00:00.000Z", 60).await;
    case(
        rest,
        &healthy,
        json!({"Status": "Closed", "CSAT_Score__c": 5}),
    )
    .await;

    let troubled = account(
        rest,
        "Troubled Inc",
        &blake(),
        json!({
            "ARR__c": 60000, "License_Seats__c": 100, "Active_Users__c": 10,
            "Core_Feature_Adoption__c": 10, "Kickoff_Survey_Score__c": 2,
            "UAT_Survey_Score__c": 1, "CSM_Sentiment__c": "Red",
            "CSM_Sentiment_Comment__c": "Sponsor left; the rollout stalled",
        }),
    )
    .await;
    let escalated = case(
        rest,
        &troubled,
        json!({"Priority": "High", "SLA_Breached__c": true, "IsEscalated": true}),
    )
    .await;
    let critical = case(
        rest,
        &troubled,
        json!({"Priority": "Critical", "SLA_Breached__c": true}),
    )
    .await;
    case(
        rest,
        &troubled,
        json!({"Status": "Closed", "CSAT_Score__c": 1}),
    )
    .await;
    meeting(rest, &troubled, "Meeting", "2026-01-21T15:00:00.000Z", 15).await;

    let renewal_soon = account(
        rest,
        "Renewal Soon Ltd",
        &alex(),
        json!({
            "ARR__c": 50000, "License_Seats__c": 50, "Active_Users__c": 40,
            "Kickoff_Survey_Score__c": 4, "UAT_Survey_Score__c": 4,
        }),
    )
    .await;
    let soon_contract = contract(rest, &renewal_soon, "2025-06-11", 12).await;
    meeting(rest, &renewal_soon, "QBR", "2026-02-10T15:00:00.000Z", 60).await;
    meeting(
        rest,
        &renewal_soon,
        "Meeting",
        "2026-02-25T15:00:00.000Z",
        45,
    )
    .await;

    let renewal_later = account(
        rest,
        "Later Renewal GmbH",
        &alex(),
        json!({
            "ARR__c": 40000, "License_Seats__c": 50, "Active_Users__c": 40,
            "Kickoff_Survey_Score__c": 4, "UAT_Survey_Score__c": 5,
        }),
    )
    .await;
    let later_contract = contract(rest, &renewal_later, "2025-09-19", 12).await;
    meeting(rest, &renewal_later, "QBR", "2026-02-10T15:00:00.000Z", 60).await;
    meeting(
        rest,
        &renewal_later,
        "Meeting",
        "2026-02-25T15:00:00.000Z",
        45,
    )
    .await;

    let new_deal = account(
        rest,
        "New Deal SA",
        &blake(),
        json!({
            "ARR__c": 30000, "License_Seats__c": 20, "Active_Users__c": 16,
            "Kickoff_Survey_Score__c": 5, "UAT_Survey_Score__c": 4,
        }),
    )
    .await;
    let deal = rest
        .create(
            "Opportunity",
            json!({
                "AccountId": new_deal, "Name": "New Deal SA first order",
                "Type": "New Business", "StageName": "Closed Won",
                "CloseDate": "2026-02-25", "Amount": 30000,
            }),
        )
        .await;
    meeting(rest, &new_deal, "Meeting", "2026-02-27T15:00:00.000Z", 60).await;

    let quiet = account(
        rest,
        "Quiet Corp",
        &alex(),
        json!({
            "ARR__c": 45000, "License_Seats__c": 30, "Active_Users__c": 24,
            "Kickoff_Survey_Score__c": 4, "UAT_Survey_Score__c": 4,
        }),
    )
    .await;
    meeting(rest, &quiet, "QBR", "2026-01-01T15:00:00.000Z", 45).await;

    Book {
        healthy,
        troubled,
        renewal_soon,
        renewal_later,
        new_deal,
        quiet,
        soon_contract,
        later_contract,
        deal,
        troubled_cases: vec![escalated, critical],
    }
}

/// What Vitals wrote into the org, without timestamps and record Ids of its own creates:
/// two orgs seeded alike and synced to the same end must hold the same. Each list is
/// sorted, so a duplicate shows as a repeated entry.
pub async fn vitals_records(rest: &Rest) -> Value {
    let rows = |soql: &'static str, fields: &'static [&'static str]| async move {
        let mut rows: Vec<Value> = rest
            .query(soql)
            .await
            .into_iter()
            .map(|r| {
                let picked: serde_json::Map<String, Value> = fields
                    .iter()
                    .map(|f| ((*f).to_owned(), r[*f].clone()))
                    .collect();
                Value::Object(picked)
            })
            .collect();
        rows.sort_by_key(|r| r.to_string());
        Value::Array(rows)
    };
    json!({
        "accounts": rows(
            "SELECT Id, Health_Score__c, Health_Status__c, Health_Trend__c, Health_Score_Change__c, Health_Previous_Score__c, Health_Drivers__c, Health_Model__c FROM Account",
            &["Id", "Health_Score__c", "Health_Status__c", "Health_Trend__c", "Health_Score_Change__c", "Health_Previous_Score__c", "Health_Drivers__c", "Health_Model__c"],
        ).await,
        "history": rows(
            "SELECT Key__c, Account__c, Period__c, Score__c, Status__c, Score_Change__c, Drivers__c FROM Health_Score_History__c",
            &["Key__c", "Account__c", "Period__c", "Score__c", "Status__c", "Score_Change__c", "Drivers__c"],
        ).await,
        "opportunities": rows(
            "SELECT Name, Vitals_Key__c, StageName, CloseDate, Amount, OwnerId, ContractId, Renewal_Risk__c FROM Opportunity WHERE Vitals_Key__c != null",
            &["Name", "Vitals_Key__c", "StageName", "CloseDate", "Amount", "OwnerId", "ContractId", "Renewal_Risk__c"],
        ).await,
        "tasks": rows(
            "SELECT Vitals_Key__c, OwnerId, WhatId, Status, Subject, Playbook__c FROM Task WHERE Vitals_Key__c != null",
            &["Vitals_Key__c", "OwnerId", "WhatId", "Status", "Subject", "Playbook__c"],
        ).await,
    })
}

/// Asserts two orgs hold the same Vitals records, naming the first few that differ.
pub fn assert_same_records(actual: &Value, expected: &Value) {
    let mut problems = Vec::new();
    for section in ["accounts", "history", "opportunities", "tasks"] {
        let (a, e) = (
            actual[section].as_array().cloned().unwrap_or_default(),
            expected[section].as_array().cloned().unwrap_or_default(),
        );
        if a.len() != e.len() {
            problems.push(format!(
                "{section}: {} records, expected {}",
                a.len(),
                e.len()
            ));
        }
        let extra: Vec<&Value> = a.iter().filter(|r| !e.contains(r)).take(3).collect();
        let missing: Vec<&Value> = e.iter().filter(|r| !a.contains(r)).take(3).collect();
        if !extra.is_empty() || !missing.is_empty() {
            problems.push(format!(
                "{section}: unexpected {extra:#?}\nmissing {missing:#?}"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
