//! The one retry path under injected faults: exact attempt counts and backoff delays, lock
//! errors retried for the locked rows only, and no retry of a non-idempotent request.

use std::time::Duration;

use vitals::salesforce::SalesforceError;
use vitals::salesforce::records::{WriteKind, WriteResult};
use vitals::salesforce::retry::RetryClass;

use crate::client_writes::{account_ids, task, upsert_by_key};
use crate::common::Org;
use crate::common::sf::{accounts, client, client_credentials, org_config, settings};

const QUERY: &str = "GET /services/data/v66.0/query";
const UPSERT: &str = "PATCH /services/data/v66.0/composite/sobjects/Task/Vitals_Key__c";
const CREATE: &str = "POST /services/data/v66.0/composite/sobjects";

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[tokio::test]
async fn injected_503s_are_retried_exactly_with_doubling_backoff() {
    let org = Org::with(org_config(accounts(4))).await;
    let (client, sleeper) = client(settings(&org, client_credentials()));
    client.session().await.unwrap();
    org.clear_requests().await;
    org.faults("next=2:503").await;
    assert_eq!(
        client
            .count("SELECT COUNT() FROM Account", false)
            .await
            .unwrap(),
        4
    );
    assert_eq!(org.request_count(QUERY).await, 3);
    assert_eq!(sleeper.delays(), vec![ms(100), ms(200)]);
    assert_eq!(client.retry_stats().retries, 2);
}

#[tokio::test]
async fn html_503s_500s_and_the_concurrency_limit_are_retried_too() {
    let org = Org::with(org_config(accounts(1))).await;
    let (client, sleeper) = client(settings(&org, client_credentials()));
    client.session().await.unwrap();
    for fault in ["503html", "500", "403concurrent"] {
        org.clear_requests().await;
        org.faults(&format!("next=1:{fault}")).await;
        assert_eq!(
            client
                .count("SELECT COUNT() FROM Account", false)
                .await
                .unwrap(),
            1,
            "{fault}"
        );
        assert_eq!(org.request_count(QUERY).await, 2, "{fault}");
    }
    assert_eq!(sleeper.delays(), vec![ms(100); 3]);
}

#[tokio::test]
async fn attempts_are_bounded_and_the_last_error_is_reported() {
    let org = Org::with(org_config(accounts(1))).await;
    let (client, sleeper) = client(settings(&org, client_credentials()));
    client.session().await.unwrap();
    org.clear_requests().await;
    org.faults("next=10:503").await;
    let error = client
        .count("SELECT COUNT() FROM Account", false)
        .await
        .unwrap_err();
    assert_eq!(error.retry_class(), RetryClass::Transient);
    assert!(
        matches!(&error, SalesforceError::Api { status: 503, errors, .. } if errors[0].code == "SERVER_UNAVAILABLE"),
        "{error:?}"
    );
    assert_eq!(org.request_count(QUERY).await, 4, "max_attempts");
    assert_eq!(sleeper.delays(), vec![ms(100), ms(200), ms(400)]);
}

#[tokio::test]
async fn locked_rows_are_retried_and_then_delivered() {
    let org = Org::with(org_config(accounts(1))).await;
    let (client, sleeper) = client(settings(&org, client_credentials()));
    let account = account_ids(&client).await[0];
    let rows: Vec<_> = (0..3).map(|i| task(&format!("lock{i}"), account)).collect();
    org.clear_requests().await;
    org.faults("next=1:lock").await;
    let report = client.write("Task", &upsert_by_key(), rows.clone()).await;
    assert_eq!(report.delivered(), 3, "{report:?}");
    assert_eq!(org.request_count(UPSERT).await, 2);
    assert_eq!(sleeper.delays(), vec![ms(100)]);
}

#[tokio::test]
async fn rows_locked_on_every_attempt_end_errored_for_the_next_cycle() {
    let org = Org::with(org_config(accounts(1))).await;
    let (client, _) = client(settings(&org, client_credentials()));
    let account = account_ids(&client).await[0];
    let rows: Vec<_> = (0..2)
        .map(|i| task(&format!("stuck{i}"), account))
        .collect();
    org.clear_requests().await;
    org.faults("next=10:lock").await;
    let report = client.write("Task", &upsert_by_key(), rows.clone()).await;
    assert_eq!(report.delivered(), 0);
    for outcome in &report.outcomes {
        assert!(
            matches!(&outcome.result, WriteResult::Errored { errors } if errors[0].code == "UNABLE_TO_LOCK_ROW"),
            "{outcome:?}"
        );
    }
    assert_eq!(org.request_count(UPSERT).await, 4);
}

#[tokio::test]
async fn a_non_idempotent_create_is_not_retried_after_a_503() {
    let org = Org::with(org_config(accounts(1))).await;
    let (client, sleeper) = client(settings(&org, client_credentials()));
    let account = account_ids(&client).await[0];
    let rows: Vec<_> = (0..2).map(|i| task(&format!("new{i}"), account)).collect();
    org.clear_requests().await;
    org.faults("next=1:503").await;
    let report = client.write("Task", &WriteKind::Insert, rows.clone()).await;
    assert_eq!(org.request_count(CREATE).await, 1);
    assert!(sleeper.delays().is_empty());
    assert_eq!(report.outcomes.len(), 2);
    for outcome in &report.outcomes {
        assert!(
            matches!(&outcome.result, WriteResult::Errored { errors }
                if errors.len() == 1 && errors[0].code == "SERVER_UNAVAILABLE"),
            "{outcome:?}"
        );
    }
    assert_eq!(org.counts().await["Task"], 0);
}

#[tokio::test]
async fn edge_420s_are_retried_at_most_twice() {
    let org = Org::with(org_config(accounts(1))).await;
    let (client, sleeper) = client(settings(&org, client_credentials()));
    client.session().await.unwrap();
    org.clear_requests().await;
    org.faults("next=5:420").await;
    let error = client
        .count("SELECT COUNT() FROM Account", false)
        .await
        .unwrap_err();
    assert!(
        matches!(error, SalesforceError::Api { status: 420, .. }),
        "{error:?}"
    );
    assert_eq!(
        org.request_count(QUERY).await,
        3,
        "the call and two retries"
    );
    assert_eq!(sleeper.delays(), vec![ms(100), ms(200)]);
}

#[tokio::test]
async fn a_read_whose_connection_drops_is_retried_and_the_error_carries_no_query() {
    let org = Org::with(org_config(accounts(2))).await;
    let (client, _) = client(settings(&org, client_credentials()));
    client.session().await.unwrap();
    org.clear_requests().await;
    org.faults("next=1:drop").await;
    assert_eq!(
        client
            .count(
                "SELECT COUNT() FROM Account WHERE Name != 'Secret Corp'",
                false
            )
            .await
            .unwrap(),
        2
    );
    assert_eq!(org.request_count(QUERY).await, 2);

    // With one attempt only, the error surfaces: it names the path, never the SOQL.
    let mut one = settings(&org, client_credentials());
    one.retry.max_attempts = 1;
    let (single, _) = crate::common::sf::client(one);
    single.session().await.unwrap();
    org.faults("next=1:drop").await;
    let error = single
        .count(
            "SELECT COUNT() FROM Account WHERE Name != 'Secret Corp'",
            false,
        )
        .await
        .unwrap_err();
    let text = format!("{error} {error:?}");
    assert!(matches!(error, SalesforceError::Transport { .. }), "{text}");
    assert!(!text.contains("Secret"), "{text}");
    assert!(!text.contains("q="), "{text}");
}

#[tokio::test]
async fn a_dropped_upsert_is_retried_without_duplicates_but_a_dropped_create_is_not() {
    let org = Org::with(org_config(accounts(1))).await;
    let (client, _) = client(settings(&org, client_credentials()));
    let account = account_ids(&client).await[0];

    // The upsert committed, the answer was lost, the retry updates the same records.
    let rows: Vec<_> = (0..3).map(|i| task(&format!("drop{i}"), account)).collect();
    org.clear_requests().await;
    org.faults("next=1:drop").await;
    let report = client.write("Task", &upsert_by_key(), rows.clone()).await;
    assert_eq!(report.delivered(), 3, "{report:?}");
    assert_eq!(org.request_count(UPSERT).await, 2);
    assert_eq!(org.counts().await["Task"], 3);

    // A create is never sent twice: its rows are reported, and the records it may have
    // written are why Vitals plans creates as upserts.
    let fresh: Vec<_> = (0..2)
        .map(|i| task(&format!("new-drop{i}"), account))
        .collect();
    org.clear_requests().await;
    org.faults("next=1:drop").await;
    let report = client
        .write("Task", &WriteKind::Insert, fresh.clone())
        .await;
    assert_eq!(org.request_count(CREATE).await, 1);
    for outcome in &report.outcomes {
        assert!(
            matches!(&outcome.result, WriteResult::Errored { errors } if errors[0].code == "TRANSPORT_ERROR"),
            "{outcome:?}"
        );
    }
}
