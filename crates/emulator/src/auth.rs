//! The OAuth 2.0 token endpoint (`POST /services/oauth2/token`) and session checks.
//!
//! Grants: JWT bearer (RS256 verified against the configured certificate), client
//! credentials (body or HTTP Basic) and refresh token (issued through the admin API).
//! Responses follow salesforce-api.md 1: no `refresh_token`/`expires_in`, `issued_at` in
//! milliseconds as a string, `signature` = base64 HMAC-SHA256 of `id + issued_at` keyed with
//! the client secret, errors as 400 `{"error","error_description"}`. Expired JWTs answer
//! "expired authorization code" (https://salesforce.stackexchange.com/questions/282513).
//! Tokens are never logged.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::json;
use sha2::Sha256;

use crate::id::SfId;

use super::standard::ORG_ID;
use super::state::{EmulatorState, Session};

/// The grant type of the JWT bearer flow.
const JWT_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// How far in the future a JWT `exp` may lie: three minutes (salesforce-api.md 1.1; the
/// JWT bearer flow page: "exp ... the expiration time of the assertion within 3 minutes",
/// https://help.salesforce.com/s/articleView?id=xcloud.remoteaccess_oauth_jwt_flow.htm).
const MAX_EXP_AHEAD_SECS: i64 = 180;

fn oauth_error(error: &str, description: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

#[derive(Debug, serde::Deserialize)]
struct Claims {
    iss: Option<String>,
    sub: Option<String>,
    aud: Option<serde_json::Value>,
    exp: Option<i64>,
}

/// `POST /services/oauth2/token`.
pub async fn token(
    State(state): State<EmulatorState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let param = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    match param("grant_type") {
        Some(JWT_GRANT) => jwt_grant(&state, param("assertion")),
        Some("client_credentials") => {
            let (id, secret) = basic_credentials(&headers).unwrap_or_else(|| {
                (
                    param("client_id").unwrap_or_default().to_owned(),
                    param("client_secret").unwrap_or_default().to_owned(),
                )
            });
            if id != state.config.client_id {
                return oauth_error("invalid_client_id", "client identifier invalid");
            }
            if secret != state.config.client_secret {
                return oauth_error("invalid_client", "invalid client credentials");
            }
            let Some(user) = state.config.users.first() else {
                return oauth_error("invalid_grant", "no client credentials user enabled");
            };
            if !user.active {
                return oauth_error("inactive_user", "user is inactive");
            }
            success(&state, state.integration_user(), None)
        }
        Some("refresh_token") => {
            let (id, secret) = basic_credentials(&headers)
                .map(|(i, s)| (i, Some(s)))
                .unwrap_or_else(|| {
                    (
                        param("client_id").unwrap_or_default().to_owned(),
                        param("client_secret").map(str::to_owned),
                    )
                });
            if id != state.config.client_id {
                return oauth_error("invalid_client_id", "client identifier invalid");
            }
            if secret.is_some_and(|s| s != state.config.client_secret) {
                return oauth_error("invalid_client", "invalid client credentials");
            }
            let user = param("refresh_token").and_then(|t| {
                state
                    .auth
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .refresh_tokens
                    .get(t)
                    .copied()
            });
            match user {
                Some(user) => success(&state, user, None),
                None => oauth_error("invalid_grant", "expired access/refresh token"),
            }
        }
        _ => oauth_error("unsupported_grant_type", "grant type not supported"),
    }
}

fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

fn jwt_grant(state: &EmulatorState, assertion: Option<&str>) -> Response {
    let invalid = || oauth_error("invalid_grant", "invalid assertion");
    let Some(assertion) = assertion else {
        return invalid();
    };
    let Ok(header) = jsonwebtoken::decode_header(assertion) else {
        return invalid();
    };
    if header.alg != Algorithm::RS256 {
        return invalid();
    }
    let Ok(unverified) = jsonwebtoken::dangerous::insecure_decode::<Claims>(assertion) else {
        return invalid();
    };
    if unverified.claims.iss.as_deref() != Some(state.config.client_id.as_str()) {
        return oauth_error("invalid_client_id", "client identifier invalid");
    }
    let Ok(key) = DecodingKey::from_rsa_pem(state.config.jwt_certificate.as_bytes()) else {
        return invalid();
    };
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    let Ok(verified) = jsonwebtoken::decode::<Claims>(assertion, &key, &validation) else {
        return invalid();
    };
    let claims = verified.claims;
    let base = state
        .base_url
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    let audience_ok = |aud: &str| {
        let aud = aud.trim_end_matches('/');
        aud == "https://login.salesforce.com"
            || aud == "https://test.salesforce.com"
            || (!base.is_empty() && aud == base)
    };
    let aud_ok = match &claims.aud {
        Some(serde_json::Value::String(aud)) => audience_ok(aud),
        Some(serde_json::Value::Array(list)) => {
            list.iter().filter_map(|a| a.as_str()).any(audience_ok)
        }
        _ => false,
    };
    if !aud_ok {
        return oauth_error("invalid_grant", "audience is invalid");
    }
    let now_secs = state.clock.now_ms() / 1000;
    match claims.exp {
        Some(exp) if exp <= now_secs => {
            return oauth_error("invalid_grant", "expired authorization code");
        }
        Some(exp) if exp > now_secs + MAX_EXP_AHEAD_SECS => return invalid(),
        Some(_) => {}
        None => return invalid(),
    }
    let Some((user, org_user)) = claims
        .sub
        .as_deref()
        .and_then(|sub| state.user_by_name(sub))
    else {
        return oauth_error("invalid_grant", "user hasn't approved this consumer");
    };
    if !org_user.active {
        return oauth_error("inactive_user", "user is inactive");
    }
    if !org_user.approved {
        return oauth_error("invalid_grant", "user hasn't approved this consumer");
    }
    success(state, user, None)
}

fn success(state: &EmulatorState, user: SfId, refresh_token: Option<String>) -> Response {
    let issued_ms = state.clock.now_ms();
    let base = state
        .base_url
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    let token = {
        let mut auth = state.auth.lock().unwrap_or_else(|e| e.into_inner());
        auth.counter += 1;
        let token = mint(&state.config.client_secret, auth.counter, issued_ms);
        auth.sessions.insert(
            token.clone(),
            Session {
                user,
                issued_ms,
                last_used_ms: issued_ms,
                calls: 0,
            },
        );
        token
    };
    let id_url = format!("{base}/id/{ORG_ID}/{user}");
    let issued_at = issued_ms.to_string();
    let signature = sign(&state.config.client_secret, &format!("{id_url}{issued_at}"));
    let mut body = json!({
        "access_token": token,
        "signature": signature,
        "scope": "api",
        "instance_url": base,
        "id": id_url,
        "token_type": "Bearer",
        "issued_at": issued_at,
    });
    if let (Some(refresh), Some(map)) = (refresh_token, body.as_object_mut()) {
        map.insert("refresh_token".into(), json!(refresh));
    }
    (StatusCode::OK, axum::Json(body)).into_response()
}

fn sign(secret: &str, text: &str) -> String {
    match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mut mac) => {
            mac.update(text.as_bytes());
            STANDARD.encode(mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    }
}

/// A token shaped like Salesforce's: the 15-character org Id, `!`, then opaque text.
fn mint(secret: &str, counter: u64, issued_ms: i64) -> String {
    let opaque =
        sign(secret, &format!("access-{counter}-{issued_ms}")).replace(['+', '/', '='], "");
    format!("{}!AR{counter}{opaque}", &ORG_ID[..15])
}

/// Issues a refresh token for `username` (admin API; a real org gets them from the
/// web-server flow, which the emulator does not serve).
pub fn issue_refresh_token(state: &EmulatorState, username: &str) -> Option<String> {
    let (user, _) = state.user_by_name(username)?;
    let mut auth = state.auth.lock().unwrap_or_else(|e| e.into_inner());
    auth.counter += 1;
    let token = format!(
        "5Aep{}",
        mint(
            &state.config.client_secret,
            auth.counter,
            state.clock.now_ms()
        )
        .replace('!', ".")
    );
    auth.refresh_tokens.insert(token.clone(), user);
    Some(token)
}

/// Why a session is not valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvalidSession {
    /// No token, or one the emulator never issued (or forgot).
    Unknown,
    /// Timed out on the emulator clock.
    TimedOut,
    /// Expired by the `expire-after` fault.
    Fault,
}

/// Checks a bearer token: known, not expired on the emulator clock, and not past the
/// `expire-after` fault. Counts the call against the session.
///
/// # Errors
/// [`InvalidSession`] when the session is expired or invalid (the caller answers 401).
pub fn check_session(
    state: &EmulatorState,
    headers: &HeaderMap,
    expire_after: Option<u64>,
) -> Result<SfId, InvalidSession> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("OAuth "))
        })
        .map(str::trim)
        .ok_or(InvalidSession::Unknown)?;
    let lifetime_ms = i64::try_from(
        state
            .settings
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .token_lifetime
            .as_millis(),
    )
    .unwrap_or(i64::MAX);
    let now = state.clock.now_ms();
    let mut auth = state.auth.lock().unwrap_or_else(|e| e.into_inner());
    let session = auth
        .sessions
        .get_mut(token)
        .ok_or(InvalidSession::Unknown)?;
    // Salesforce's session timeout counts inactivity (salesforce-api.md 1.4), so every call
    // restarts the clock.
    let expired = if now.saturating_sub(session.last_used_ms) >= lifetime_ms {
        Some(InvalidSession::TimedOut)
    } else if expire_after.is_some_and(|n| session.calls >= n) {
        Some(InvalidSession::Fault)
    } else {
        None
    };
    if let Some(reason) = expired {
        auth.sessions.remove(token);
        return Err(reason);
    }
    session.calls += 1;
    session.last_used_ms = now;
    Ok(session.user)
}
