//! The API budget: `Sforce-Limit-Info` read on every response, new work refused once
//! Vitals' share is spent, and the org's daily limit ending the run without retries.

use serde_json::json;
use vitals::salesforce::SalesforceError;
use vitals::salesforce::records::{WriteKind, WriteRecord, WriteResult, WriteValue};
use vitals::salesforce::retry::RetryClass;

use crate::client_writes::account_ids;
use crate::common::Org;
use crate::common::sf::{accounts, client, client_credentials, org_config, settings};

const QUERY: &str = "GET /services/data/v66.0/query";

#[tokio::test]
async fn the_run_stops_cleanly_at_the_api_budget() {
    let org = Org::with(org_config(accounts(3))).await;
    // 40 requests a day, of which Vitals may use a quarter: 10.
    org.settings(json!({ "apiLimit": 40 })).await;
    let mut settings = settings(&org, client_credentials());
    settings.max_api_share = 0.25;
    let (client, sleeper) = client(settings);
    org.clear_requests().await;

    let mut made = 0;
    let error = loop {
        match client.count("SELECT COUNT() FROM Account", false).await {
            Ok(3) => made += 1,
            Ok(other) => panic!("count {other}"),
            Err(error) => break error,
        }
        assert!(made <= 10, "the budget did not stop the run");
    };
    assert_eq!(made, 10);
    assert!(
        matches!(
            error,
            SalesforceError::BudgetExhausted {
                used: 10,
                allowed: 10,
                max: 40,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(error.retry_class(), RetryClass::DailyLimit);
    assert_eq!(
        org.request_count(QUERY).await,
        10,
        "no request past the budget"
    );
    assert!(sleeper.delays().is_empty());
    let usage = client.usage();
    assert_eq!(usage.calls, 10);
    assert_eq!(usage.org_max, Some(40));
    assert_eq!(usage.allowed, Some(10));
}

#[tokio::test]
async fn a_write_stopped_by_the_budget_reports_the_unsent_rows() {
    let org = Org::with(org_config(accounts(450))).await;
    let mut settings = settings(&org, client_credentials());
    settings.max_api_share = 0.25;
    let (client, _) = client(settings);
    let ids = account_ids(&client).await;
    // Leave room for exactly one more call: 2 used, a quarter of 12 is 3.
    org.settings(json!({ "apiLimit": 12 })).await;
    let used = client.usage().calls;
    assert_eq!(used, 2, "the count and one page");
    let rows: Vec<WriteRecord> = ids
        .iter()
        .map(|id| {
            WriteRecord::new()
                .set("Id", WriteValue::Text(id.to_string()))
                .set("Health_Score__c", WriteValue::Number(50.0))
        })
        .collect();
    let report = client
        .write("Account", &WriteKind::Update, rows.clone())
        .await;
    assert_eq!(report.delivered(), 200);
    assert!(
        report
            .stopped
            .as_deref()
            .unwrap_or_default()
            .contains("API budget"),
        "{:?}",
        report.stopped
    );
    assert_eq!(report.outcomes.len(), 450);
    for outcome in &report.outcomes[200..] {
        assert!(
            matches!(&outcome.result, WriteResult::Errored { errors } if errors[0].code == "NOT_ATTEMPTED"),
            "{outcome:?}"
        );
    }
}

#[tokio::test]
async fn the_orgs_daily_limit_ends_the_run_without_retries() {
    let org = Org::with(org_config(accounts(1))).await;
    let (client, sleeper) = client(settings(&org, client_credentials()));
    client.session().await.unwrap();
    org.clear_requests().await;
    org.faults("next=1:403limit").await;
    let error = client
        .count("SELECT COUNT() FROM Account", false)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, SalesforceError::DailyLimitExceeded { message, .. } if message == "TotalRequests Limit exceeded."),
        "{error:?}"
    );
    assert_eq!(org.request_count(QUERY).await, 1);
    assert!(sleeper.delays().is_empty());
}
