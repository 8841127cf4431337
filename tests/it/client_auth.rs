//! The client's logins against the emulator: the three OAuth flows, session expiry recovered
//! with exactly one shared refresh, and auth failures that end as clear errors, never loops.

use emulator::state::{
    DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_USERNAME, TEST_PRIVATE_KEY,
};
use futures_util::future::join_all;
use vitals::salesforce::{Credentials, SalesforceError};
use vitals::secret::Secret;

use crate::common::Org;
use crate::common::sf::{
    accounts, client, client_credentials, jwt, live_org_config, org_config, settings,
};

const TOKEN: &str = "POST /services/oauth2/token";
const QUERY: &str = "GET /services/data/v66.0/query";

#[tokio::test]
async fn jwt_bearer_login_works_and_uses_the_instance_url() {
    let org = Org::with(live_org_config(accounts(3))).await;
    org.clear_requests().await;
    let (client, _) = client(settings(&org, jwt()));
    assert_eq!(
        client
            .count("SELECT COUNT() FROM Account", false)
            .await
            .unwrap(),
        3
    );
    let session = client.session().await.unwrap();
    assert_eq!(
        session.instance_url.as_str().trim_end_matches('/'),
        org.base
    );
    assert!(
        session
            .identity
            .as_deref()
            .unwrap_or_default()
            .contains("/id/00D")
    );
    assert_eq!(client.token_grants(), 1);
    assert_eq!(org.request_count(TOKEN).await, 1);
}

#[tokio::test]
async fn client_credentials_login_works() {
    let org = Org::with(org_config(accounts(2))).await;
    let (client, _) = client(settings(&org, client_credentials()));
    assert_eq!(
        client
            .count("SELECT COUNT() FROM Account", false)
            .await
            .unwrap(),
        2
    );
    assert_eq!(client.token_grants(), 1);
}

#[tokio::test]
async fn refresh_token_login_works() {
    let org = Org::with(org_config(accounts(1))).await;
    let refresh_token = org.refresh_token(DEFAULT_USERNAME);
    let credentials = Credentials::RefreshToken {
        client_id: DEFAULT_CLIENT_ID.into(),
        client_secret: Some(Secret::new(DEFAULT_CLIENT_SECRET)),
        refresh_token: Secret::new(refresh_token),
    };
    let (client, _) = client(settings(&org, credentials));
    assert_eq!(
        client
            .count("SELECT COUNT() FROM Account", false)
            .await
            .unwrap(),
        1
    );
}

#[tokio::test]
async fn a_refused_login_is_an_auth_error_sent_once() {
    let org = Org::with(org_config(accounts(1))).await;
    org.clear_requests().await;
    let credentials = Credentials::ClientCredentials {
        client_id: DEFAULT_CLIENT_ID.into(),
        client_secret: Secret::new("wrong-secret"),
    };
    let (client, sleeper) = client(settings(&org, credentials));
    let error = client
        .count("SELECT COUNT() FROM Account", false)
        .await
        .unwrap_err();
    let report = error.for_report();
    match &error {
        SalesforceError::Auth {
            grant,
            error,
            description,
            ..
        } => {
            assert_eq!(*grant, "client_credentials");
            assert_eq!(error, "invalid_client");
            assert!(!description.is_empty());
            // Salesforce's description is for the admin's report, not for Display.
            assert!(report.ends_with(&format!("(Salesforce said: {description})")));
        }
        other => panic!("expected an auth error, got {other:?}"),
    }
    assert!(error.is_unreachable_or_unauthorised(), "exit code 3");
    assert!(!error.to_string().contains("wrong-secret"));
    assert_eq!(org.request_count(TOKEN).await, 1);
    assert_eq!(org.request_count(QUERY).await, 0);
    assert!(sleeper.delays().is_empty());
}

#[tokio::test]
async fn an_unapproved_jwt_user_is_refused() {
    let org = Org::with(live_org_config(accounts(1))).await;
    let credentials = Credentials::JwtBearer {
        client_id: DEFAULT_CLIENT_ID.into(),
        username: "unapproved@vitals.example".into(),
        private_key: Secret::new(TEST_PRIVATE_KEY),
    };
    let (client, _) = client(settings(&org, credentials));
    let error = client.session().await.unwrap_err();
    assert!(
        matches!(&error, SalesforceError::Auth { error, description, .. }
            if error == "invalid_grant" && description == "user hasn't approved this consumer"),
        "{error:?}"
    );
}

#[tokio::test]
async fn expiry_mid_run_is_recovered_with_exactly_one_refresh_for_all_waiters() {
    let org = Org::with(org_config(accounts(5))).await;
    let (client, _) = client(settings(&org, client_credentials()));
    assert_eq!(
        client
            .count("SELECT COUNT() FROM Account", false)
            .await
            .unwrap(),
        5
    );
    org.clear_requests().await;

    // The token lifetime is two hours on the emulator's clock.
    org.advance(3 * 3600).await;
    let counts = join_all((0..8).map(|_| client.count("SELECT COUNT() FROM Account", false))).await;
    for count in counts {
        assert_eq!(count.unwrap(), 5);
    }
    assert_eq!(client.token_grants(), 2, "one login, one shared renewal");
    assert_eq!(org.request_count(TOKEN).await, 1);
    let log = org.emu.state.requests().log;
    let expired = log.iter().filter(|entry| entry.status == 401).count();
    assert!(
        (1..=8).contains(&expired),
        "{expired} calls saw the expired token"
    );
    assert_eq!(org.request_count(QUERY).await, 8 + expired as u64);
}

#[tokio::test]
async fn a_fresh_token_refused_again_is_a_clear_error_not_a_loop() {
    let org = Org::with(org_config(accounts(1))).await;
    let (client, sleeper) = client(settings(&org, client_credentials()));
    client.session().await.unwrap();
    org.clear_requests().await;
    org.faults("next=5:401").await;
    let error = client
        .count("SELECT COUNT() FROM Account", false)
        .await
        .unwrap_err();
    assert!(
        matches!(error, SalesforceError::AuthRejected { ref code, .. } if code == "INVALID_SESSION_ID"),
        "{error:?}"
    );
    assert!(error.is_unreachable_or_unauthorised());
    // The call, one renewal, the call again: then stop.
    assert_eq!(org.request_count(QUERY).await, 2);
    assert_eq!(org.request_count(TOKEN).await, 1);
    assert!(sleeper.delays().is_empty());
}

#[tokio::test]
async fn a_failed_renewal_is_shared_by_every_waiter() {
    // The org's clock runs three hours ahead after the advance, so the client's JWT
    // assertions (exp = real now + ~3 min) look expired to it: every renewal fails.
    let org = Org::with(live_org_config(accounts(2))).await;
    let (client, _) = client(settings(&org, jwt()));
    assert_eq!(
        client
            .count("SELECT COUNT() FROM Account", false)
            .await
            .unwrap(),
        2
    );
    org.advance(3 * 3600).await;
    org.clear_requests().await;
    let results =
        join_all((0..8).map(|_| client.count("SELECT COUNT() FROM Account", false))).await;
    for result in &results {
        assert!(
            matches!(result, Err(SalesforceError::Auth { error, .. }) if error == "invalid_grant"),
            "{result:?}"
        );
    }
    assert_eq!(
        org.request_count(TOKEN).await,
        1,
        "one shared grant attempt"
    );
}

#[tokio::test]
async fn a_refresh_token_session_is_renewed_after_expiry() {
    let org = Org::with(org_config(accounts(1))).await;
    let credentials = Credentials::RefreshToken {
        client_id: DEFAULT_CLIENT_ID.into(),
        client_secret: Some(Secret::new(DEFAULT_CLIENT_SECRET)),
        refresh_token: Secret::new(org.refresh_token(DEFAULT_USERNAME)),
    };
    let (client, _) = client(settings(&org, credentials));
    assert_eq!(
        client
            .count("SELECT COUNT() FROM Account", false)
            .await
            .unwrap(),
        1
    );
    org.advance(3 * 3600).await;
    assert_eq!(
        client
            .count("SELECT COUNT() FROM Account", false)
            .await
            .unwrap(),
        1
    );
    assert_eq!(client.token_grants(), 2);
}
