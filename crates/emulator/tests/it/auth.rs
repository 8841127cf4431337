//! OAuth token endpoint and session expiry.

use base64::Engine;
use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::common::{Org, V, start_time};

const KEY: &str = include_str!("../../fixtures/keys/test-only.key");
const USER: &str = "integration@vitals.example";
const CLIENT: &str = "vitals-emulator-client";

fn assertion(claims: Value) -> String {
    encode(
        &Header::new(Algorithm::RS256),
        &claims,
        &EncodingKey::from_rsa_pem(KEY.as_bytes()).unwrap(),
    )
    .unwrap()
}

fn claims(sub: &str, aud: &str, exp_offset: i64) -> Value {
    json!({"iss": CLIENT, "sub": sub, "aud": aud, "exp": start_time().timestamp() + exp_offset})
}

async fn jwt(org: &Org, claims: Value) -> crate::common::Resp {
    let token = assertion(claims);
    org.token_request(&[
        ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
        ("assertion", &token),
    ])
    .await
}

fn assert_oauth_error(r: &crate::common::Resp, error: &str, description: &str) {
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert_eq!(
        r.json,
        json!({"error": error, "error_description": description})
    );
    assert!(r.header("Sforce-Limit-Info").is_none());
}

#[tokio::test]
async fn client_credentials_body_is_exactly_salesforces() {
    let org = Org::start().await;
    let r = org
        .token_request(&[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT),
            ("client_secret", "vitals-emulator-secret"),
        ])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let keys: Vec<&str> = r
        .json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "access_token",
            "signature",
            "scope",
            "instance_url",
            "id",
            "token_type",
            "issued_at"
        ]
    );
    assert_eq!(r.json["instance_url"], json!(org.base));
    assert_eq!(r.json["token_type"], "Bearer");
    let id = r.json["id"].as_str().unwrap();
    assert_eq!(
        id,
        format!("{}/id/00D5e000000VitAEAU/005000000000001AAA", org.base)
    );
    let issued_at = r.json["issued_at"].as_str().unwrap();
    assert_eq!(issued_at, start_time().timestamp_millis().to_string());
    let mut mac = Hmac::<Sha256>::new_from_slice(b"vitals-emulator-secret").unwrap();
    mac.update(format!("{id}{issued_at}").as_bytes());
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    assert_eq!(r.json["signature"], json!(expected));
    assert!(
        r.json["access_token"]
            .as_str()
            .unwrap()
            .starts_with("00D5e000000VitA!")
    );
}

#[tokio::test]
async fn client_credentials_accepts_http_basic_and_rejects_bad_clients() {
    let org = Org::start().await;
    let basic = org
        .http
        .post(format!("{}/services/oauth2/token", org.base))
        .basic_auth(CLIENT, Some("vitals-emulator-secret"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), StatusCode::OK);
    let r = org
        .token_request(&[
            ("grant_type", "client_credentials"),
            ("client_id", "nope"),
            ("client_secret", "x"),
        ])
        .await;
    assert_oauth_error(&r, "invalid_client_id", "client identifier invalid");
    let r = org
        .token_request(&[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT),
            ("client_secret", "wrong"),
        ])
        .await;
    assert_oauth_error(&r, "invalid_client", "invalid client credentials");
    let r = org
        .token_request(&[("grant_type", "password"), ("client_id", CLIENT)])
        .await;
    assert_oauth_error(&r, "unsupported_grant_type", "grant type not supported");
}

#[tokio::test]
async fn jwt_bearer_happy_path_has_no_refresh_token() {
    let org = Org::start().await;
    for aud in [
        "https://login.salesforce.com",
        "https://test.salesforce.com",
        org.base.as_str(),
    ] {
        let r = jwt(&org, claims(USER, aud, 120)).await;
        assert_eq!(r.status, StatusCode::OK, "{aud}: {}", r.text);
        assert!(r.json.get("refresh_token").is_none() && r.json.get("expires_in").is_none());
        let token = r.json["access_token"].as_str().unwrap();
        let q = org
            .call_with(
                Method::GET,
                &format!("/services/data/{V}/limits"),
                None,
                token,
                &[],
            )
            .await;
        assert_eq!(q.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn jwt_failures_each_have_their_salesforce_error() {
    let org = Org::start().await;
    assert_oauth_error(
        &jwt(&org, claims(USER, "https://example.com", 120)).await,
        "invalid_grant",
        "audience is invalid",
    );
    assert_oauth_error(
        &jwt(&org, claims(USER, "https://login.salesforce.com", -10)).await,
        "invalid_grant",
        "expired authorization code",
    );
    assert_oauth_error(
        &jwt(&org, claims(USER, "https://login.salesforce.com", 3600)).await,
        "invalid_grant",
        "invalid assertion",
    );
    assert_oauth_error(
        &jwt(
            &org,
            claims(
                "unapproved@vitals.example",
                "https://login.salesforce.com",
                120,
            ),
        )
        .await,
        "invalid_grant",
        "user hasn't approved this consumer",
    );
    assert_oauth_error(
        &jwt(
            &org,
            claims(
                "inactive@vitals.example",
                "https://login.salesforce.com",
                120,
            ),
        )
        .await,
        "inactive_user",
        "user is inactive",
    );
    let mut wrong_issuer = claims(USER, "https://login.salesforce.com", 120);
    wrong_issuer["iss"] = json!("someone-else");
    assert_oauth_error(
        &jwt(&org, wrong_issuer).await,
        "invalid_client_id",
        "client identifier invalid",
    );
    // A tampered signature.
    let good = assertion(claims(USER, "https://login.salesforce.com", 120));
    let (head, signature) = good.rsplit_once('.').unwrap();
    let flipped = if signature.starts_with('A') { "B" } else { "A" };
    let bad = format!("{head}.{flipped}{}", &signature[1..]);
    let r = org
        .token_request(&[
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
            ("assertion", &bad),
        ])
        .await;
    assert_oauth_error(&r, "invalid_grant", "invalid assertion");
    // Only RS256 is accepted.
    let hs = encode(
        &Header::new(Algorithm::HS256),
        &claims(USER, "https://login.salesforce.com", 120),
        &EncodingKey::from_secret(b"k"),
    )
    .unwrap();
    let r = org
        .token_request(&[
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
            ("assertion", &hs),
        ])
        .await;
    assert_oauth_error(&r, "invalid_grant", "invalid assertion");
    let r = org
        .token_request(&[
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
            ("assertion", "garbage"),
        ])
        .await;
    assert_oauth_error(&r, "invalid_grant", "invalid assertion");
}

#[tokio::test]
async fn refresh_tokens_come_from_the_admin_api() {
    let org = Org::start().await;
    let issued = org
        .admin(
            Method::POST,
            "/refresh-token",
            Some(json!({"username": USER})),
        )
        .await;
    let refresh = issued.json["refresh_token"].as_str().unwrap().to_owned();
    let r = org
        .token_request(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh),
            ("client_id", CLIENT),
        ])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.json.get("refresh_token").is_none());
    let r = org
        .token_request(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", "5Aep-unknown"),
            ("client_id", CLIENT),
        ])
        .await;
    assert_oauth_error(&r, "invalid_grant", "expired access/refresh token");
}

#[tokio::test]
async fn tokens_expire_on_the_emulator_clock() {
    let org = Org::start().await;
    assert_eq!(org.get("/limits").await.status, StatusCode::OK);
    // The timeout counts inactivity: each call restarts it.
    org.advance(2 * 3600 - 1).await;
    assert_eq!(org.get("/limits").await.status, StatusCode::OK);
    org.advance(2 * 3600 - 1).await;
    assert_eq!(org.get("/limits").await.status, StatusCode::OK);
    org.advance(2 * 3600).await;
    let r = org.get("/limits").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        r.text,
        r#"[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]"#
    );
    assert!(r.header("Sforce-Limit-Info").is_some());
    // A fresh token works again; a shorter configured lifetime applies to it.
    org.settings(json!({"tokenLifetimeSeconds": 60})).await;
    let token = org.login().await;
    org.advance(60).await;
    let r = org
        .call_with(
            Method::GET,
            &format!("/services/data/{V}/limits"),
            None,
            &token,
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = org
        .call_with(
            Method::GET,
            &format!("/services/data/{V}/limits"),
            None,
            "",
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn jwt_exp_may_lie_at_most_three_minutes_ahead() {
    let org = Org::start().await;
    // The JWT bearer flow page: exp "within 3 minutes" (salesforce-api.md 1.1).
    let r = jwt(&org, claims(USER, "https://login.salesforce.com", 180)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_oauth_error(
        &jwt(&org, claims(USER, "https://login.salesforce.com", 240)).await,
        "invalid_grant",
        "invalid assertion",
    );
}
