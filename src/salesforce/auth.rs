//! OAuth for a headless server: JWT bearer, client credentials and refresh token.
//!
//! [`TokenManager`] holds the current session and shares it between all requests. When a
//! request finds its session expired it calls [`TokenManager::renew`] with the generation
//! it used; the first caller re-grants, every other waiter gets the new session without a
//! second grant (single-flight, as force-rs does it, but for the 401 path too). JWT and
//! client-credentials sessions have no refresh token and no expiry time (salesforce-api.md
//! 1.4), so "refresh" means running the grant again.
//!
//! Tokens and secrets live in [`Secret`], whose Debug and Display print `[redacted]`;
//! nothing here logs them.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::Utc;
use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse,
    BasicTokenType,
};
use oauth2::{
    AuthType, ClientId, ClientSecret, EndpointNotSet, EndpointSet, ExtraTokenFields, RefreshToken,
    RequestTokenError, StandardRevocableToken, StandardTokenResponse, TokenResponse, TokenUrl,
};
use serde::{Deserialize, Serialize};
use tokio::sync::{Mutex, RwLock};
use url::Url;

use super::error::SalesforceError;
use super::retrier::Retrier;
use super::retry::Idempotency;
use crate::secret::Secret;

/// How Vitals logs in.
#[derive(Clone)]
pub enum Credentials {
    /// JWT bearer: the connected app's consumer key, the integration user's username and
    /// the private key whose certificate is uploaded to the app.
    JwtBearer {
        /// Consumer key.
        client_id: String,
        /// Integration user's username.
        username: String,
        /// RSA private key (PEM).
        private_key: Secret,
    },
    /// Client credentials, sent to the org's My Domain host.
    ClientCredentials {
        /// Consumer key.
        client_id: String,
        /// Consumer secret.
        client_secret: Secret,
    },
    /// A refresh token from an earlier interactive grant.
    RefreshToken {
        /// Consumer key.
        client_id: String,
        /// Consumer secret, when the app requires it.
        client_secret: Option<Secret>,
        /// The refresh token.
        refresh_token: Secret,
    },
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::JwtBearer {
                client_id,
                username,
                ..
            } => f
                .debug_struct("JwtBearer")
                .field("client_id", client_id)
                .field("username", username)
                .field("private_key", &"[redacted]")
                .finish(),
            Credentials::ClientCredentials { client_id, .. } => f
                .debug_struct("ClientCredentials")
                .field("client_id", client_id)
                .field("client_secret", &"[redacted]")
                .finish(),
            Credentials::RefreshToken { client_id, .. } => f
                .debug_struct("RefreshToken")
                .field("client_id", client_id)
                .field("refresh_token", &"[redacted]")
                .finish(),
        }
    }
}

impl Credentials {
    fn grant_name(&self) -> &'static str {
        match self {
            Credentials::JwtBearer { .. } => "jwt",
            Credentials::ClientCredentials { .. } => "client_credentials",
            Credentials::RefreshToken { .. } => "refresh_token",
        }
    }
}

/// A logged-in session.
#[derive(Debug)]
pub struct Session {
    /// The access token.
    pub access_token: Secret,
    /// The base URL for every API call, from the token response (never the login host).
    pub instance_url: Url,
    /// The identity URL; ends `/<orgId>/<userId>`.
    pub identity: Option<String>,
    /// Counts grants: a request that saw this session expire asks for a newer one.
    pub generation: u64,
}

/// Salesforce's additions to the token response (oauth2's default drops `instance_url`).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct SalesforceTokenFields {
    instance_url: String,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    issued_at: Option<String>,
    #[serde(default)]
    signature: Option<String>,
}

impl ExtraTokenFields for SalesforceTokenFields {}

type SalesforceTokenResponse = StandardTokenResponse<SalesforceTokenFields, BasicTokenType>;

type OAuthClient = oauth2::Client<
    BasicErrorResponse,
    SalesforceTokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// The JWT bearer assertion's claims (salesforce-api.md 1.1).
#[derive(Serialize)]
struct JwtClaims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    exp: i64,
}

/// The token endpoint's error body.
#[derive(Deserialize)]
struct OAuthErrorBody {
    error: String,
    #[serde(default)]
    error_description: String,
}

/// Why a token request failed before the OAuth layer could read an answer: kept apart so
/// the status survives (oauth2 itself reports a 503 page only as an unparseable body).
#[derive(Debug, thiserror::Error)]
enum TokenHttpError {
    #[error("transport")]
    Transport(reqwest::Error),
    #[error("HTTP {status}")]
    Status {
        status: u16,
        excerpt: Option<String>,
        retry_after: Option<std::time::Duration>,
    },
}

/// The outcome of the last grant attempt, shared with every caller that waited for it.
#[derive(Debug, Default)]
struct GrantState {
    /// Grant attempts so far.
    attempts: u64,
    /// When the latest attempt failed: its number, the generation it tried to replace
    /// (`None` for a first login), and its error.
    last_failure: Option<(u64, Option<u64>, SalesforceError)>,
}

/// Issues, caches and renews sessions.
#[derive(Debug)]
pub struct TokenManager {
    http: reqwest::Client,
    login_url: Url,
    credentials: Credentials,
    /// A refresh token issued in place of the configured one (rotation is on for the app).
    rotated_refresh_token: std::sync::Mutex<Option<Secret>>,
    retrier: Arc<Retrier>,
    current: RwLock<Option<Arc<Session>>>,
    grant: Mutex<GrantState>,
    grants: AtomicU64,
}

impl TokenManager {
    /// A manager that logs in at `login_url` (`https://login.salesforce.com`, a My Domain
    /// URL, or the emulator).
    pub fn new(
        http: reqwest::Client,
        login_url: Url,
        credentials: Credentials,
        retrier: Arc<Retrier>,
    ) -> Self {
        Self {
            http,
            login_url,
            credentials,
            rotated_refresh_token: std::sync::Mutex::new(None),
            retrier,
            current: RwLock::new(None),
            grant: Mutex::new(GrantState::default()),
            grants: AtomicU64::new(0),
        }
    }

    /// How many tokens were granted so far.
    pub fn grants(&self) -> u64 {
        self.grants.load(Ordering::Relaxed)
    }

    /// The current session without logging in, if there is one.
    pub async fn cached(&self) -> Option<Arc<Session>> {
        self.current.read().await.clone()
    }

    /// The refresh token to use: the rotated one if Salesforce issued one, else the
    /// configured one. A rotated token is kept in memory only; it must be saved before the
    /// process ends, because the configured one stopped working when it was rotated.
    pub fn refresh_token(&self) -> Option<Secret> {
        let rotated = self
            .rotated_refresh_token
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        match (&self.credentials, rotated) {
            (Credentials::RefreshToken { .. }, Some(rotated)) => Some(rotated),
            (Credentials::RefreshToken { refresh_token, .. }, None) => Some(refresh_token.clone()),
            _ => None,
        }
    }

    /// The current session, logging in first if there is none.
    ///
    /// # Errors
    /// [`SalesforceError::Auth`] when the token endpoint refuses, or a transport error.
    pub async fn session(&self) -> Result<Arc<Session>, SalesforceError> {
        if let Some(session) = self.current.read().await.clone() {
            return Ok(session);
        }
        self.grant_once(None).await
    }

    /// Replaces the session of generation `stale`, which Salesforce just rejected.
    ///
    /// Concurrent callers that saw the same session expire share one grant, whether it
    /// succeeds or fails: only the first re-grants; the others get its new session or its
    /// error. A caller that arrives after a failure tries again.
    ///
    /// # Errors
    /// As [`TokenManager::session`].
    pub async fn renew(&self, stale: u64) -> Result<Arc<Session>, SalesforceError> {
        self.grant_once(Some(stale)).await
    }

    /// The single-flight core of [`session`](Self::session) and [`renew`](Self::renew).
    async fn grant_once(&self, stale: Option<u64>) -> Result<Arc<Session>, SalesforceError> {
        let seen = self.grant.lock().await.attempts;
        let mut state = self.grant.lock().await;
        // Someone may have logged in while this caller waited for the lock.
        if let Some(session) = self.current.read().await.clone()
            && stale != Some(session.generation)
        {
            return Ok(session);
        }
        if let Some((attempt, renewing, error)) = &state.last_failure
            && *attempt == state.attempts
        {
            // Renewing this same expired session already failed: every request that held
            // it shares that failure instead of trying again.
            if stale.is_some() && *renewing == stale {
                return Err(error.clone());
            }
            // Someone tried while this caller waited, and failed: share that failure.
            if state.attempts != seen {
                return Err(error.clone());
            }
        }
        state.attempts += 1;
        if stale.is_some() {
            tracing::info!(
                grant = self.credentials.grant_name(),
                "Session expired; logging in again."
            );
        }
        match self
            .retrier
            .run(Idempotency::Idempotent, |_| self.grant())
            .await
        {
            Ok(session) => {
                state.last_failure = None;
                let session = Arc::new(session);
                *self.current.write().await = Some(session.clone());
                Ok(session)
            }
            Err(error) => {
                // Drop the rejected session so later calls log in instead of sending it.
                *self.current.write().await = None;
                state.last_failure = Some((state.attempts, stale, error.clone()));
                Err(error)
            }
        }
    }

    fn token_url(&self) -> Result<Url, SalesforceError> {
        self.login_url
            .join("/services/oauth2/token")
            .map_err(|e| SalesforceError::Request {
                what: "the token URL".into(),
                message: e.to_string(),
            })
    }

    /// Sends one token request with the shared HTTP client, keeping the status of server
    /// failures so they are retried like any other 5xx.
    async fn send(
        &self,
        request: oauth2::HttpRequest,
    ) -> Result<oauth2::HttpResponse, TokenHttpError> {
        let request = reqwest::Request::try_from(request).map_err(TokenHttpError::Transport)?;
        let response = self
            .http
            .execute(request)
            .await
            .map_err(TokenHttpError::Transport)?;
        let status = response.status();
        let retry_after = super::response::retry_after(response.headers());
        let mut builder = oauth2::http::Response::builder().status(status);
        for (name, value) in response.headers() {
            builder = builder.header(name, value);
        }
        let body = super::response::read_capped(response)
            .await
            .map_err(TokenHttpError::Transport)?;
        let code = status.as_u16();
        if code >= 500 || code == 420 || code == 429 {
            return Err(TokenHttpError::Status {
                status: code,
                excerpt: super::error::excerpt(&body),
                retry_after,
            });
        }
        builder.body(body).map_err(|_| TokenHttpError::Status {
            status: code,
            excerpt: None,
            retry_after: None,
        })
    }

    async fn grant(&self) -> Result<Session, SalesforceError> {
        let token_url = self.token_url()?;
        let (access_token, fields) = match &self.credentials {
            Credentials::JwtBearer {
                client_id,
                username,
                private_key,
            } => {
                self.jwt_grant(&token_url, client_id, username, private_key)
                    .await?
            }
            Credentials::ClientCredentials {
                client_id,
                client_secret,
            } => {
                self.client_credentials_grant(&token_url, client_id, client_secret)
                    .await?
            }
            Credentials::RefreshToken {
                client_id,
                client_secret,
                ..
            } => {
                self.refresh_token_grant(&token_url, client_id, client_secret.as_ref())
                    .await?
            }
        };
        let instance_url =
            Url::parse(&fields.instance_url).map_err(|e| SalesforceError::Decode {
                context: "token response".into(),
                message: format!("instance_url is not a URL: {e}"),
            })?;
        let generation = self.grants.fetch_add(1, Ordering::Relaxed) + 1;
        Ok(Session {
            access_token,
            instance_url,
            identity: fields.id,
            generation,
        })
    }

    async fn client_credentials_grant(
        &self,
        token_url: &Url,
        client_id: &str,
        client_secret: &Secret,
    ) -> Result<(Secret, SalesforceTokenFields), SalesforceError> {
        let client = self.oauth_client(token_url, client_id, Some(client_secret));
        let response = client
            .exchange_client_credentials()
            .request_async(&|request| self.send(request))
            .await
            .map_err(|e| self.oauth_error(token_url, e))?;
        Ok((
            Secret::new(response.access_token().secret().clone()),
            response.extra_fields().clone(),
        ))
    }

    /// Exchanges the current refresh token (the rotated one once Salesforce has rotated
    /// it) for an access token.
    async fn refresh_token_grant(
        &self,
        token_url: &Url,
        client_id: &str,
        client_secret: Option<&Secret>,
    ) -> Result<(Secret, SalesforceTokenFields), SalesforceError> {
        let client = self.oauth_client(token_url, client_id, client_secret);
        let current = self.refresh_token().unwrap_or_else(|| Secret::new(""));
        let token = RefreshToken::new(current.expose().to_owned());
        let response = client
            .exchange_refresh_token(&token)
            .request_async(&|request| self.send(request))
            .await
            .map_err(|e| self.oauth_error(token_url, e))?;
        if let Some(rotated) = response.refresh_token() {
            // Salesforce invalidates the old token at once when rotation is on
            // (salesforce-api.md 1.3): the next renewal must use the new one.
            tracing::warn!(
                "Salesforce rotated the refresh token; the new one is kept in memory and the configured one no longer works."
            );
            *self
                .rotated_refresh_token
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) =
                Some(Secret::new(rotated.secret().clone()));
        }
        Ok((
            Secret::new(response.access_token().secret().clone()),
            response.extra_fields().clone(),
        ))
    }

    fn oauth_client(
        &self,
        token_url: &Url,
        client_id: &str,
        client_secret: Option<&Secret>,
    ) -> OAuthClient {
        let client = oauth2::Client::new(ClientId::new(client_id.to_owned()))
            .set_token_uri(TokenUrl::from_url(token_url.clone()))
            // Salesforce accepts both; the body form works with every app configuration.
            .set_auth_type(AuthType::RequestBody);
        match client_secret {
            Some(secret) => client.set_client_secret(ClientSecret::new(secret.expose().to_owned())),
            None => client,
        }
    }

    fn oauth_error(
        &self,
        token_url: &Url,
        error: RequestTokenError<TokenHttpError, BasicErrorResponse>,
    ) -> SalesforceError {
        let grant = self.credentials.grant_name();
        let path = token_url.path();
        match error {
            RequestTokenError::ServerResponse(response) => SalesforceError::Auth {
                grant,
                token_url: token_url.to_string(),
                error: response.error().to_string(),
                description: response.error_description().cloned().unwrap_or_default(),
            },
            RequestTokenError::Request(TokenHttpError::Transport(source)) => {
                SalesforceError::transport("POST", path, source)
            }
            RequestTokenError::Request(TokenHttpError::Status {
                status,
                excerpt,
                retry_after,
            }) => SalesforceError::Api {
                method: "POST".into(),
                path: path.to_owned(),
                status,
                errors: Vec::new(),
                excerpt,
                retry_after,
            },
            // A body that is neither a token nor an OAuth error. Its text is never copied:
            // a 200 body carries the access token.
            RequestTokenError::Parse(error, _) => SalesforceError::Decode {
                context: format!("{grant} login"),
                message: format!("the token response could not be read ({})", error.path()),
            },
            RequestTokenError::Other(message) => SalesforceError::Decode {
                context: format!("{grant} login"),
                message,
            },
        }
    }

    async fn jwt_grant(
        &self,
        token_url: &Url,
        client_id: &str,
        username: &str,
        private_key: &Secret,
    ) -> Result<(Secret, SalesforceTokenFields), SalesforceError> {
        let assertion = self.jwt_assertion(client_id, username, private_key)?;
        let response = self.post_assertion(token_url, &assertion).await?;
        jwt_token(token_url, response.status().as_u16(), response.body())
    }

    /// The signed JWT bearer assertion for this user and connected app.
    fn jwt_assertion(
        &self,
        client_id: &str,
        username: &str,
        private_key: &Secret,
    ) -> Result<String, SalesforceError> {
        let key = jsonwebtoken::EncodingKey::from_rsa_pem(private_key.expose().as_bytes())
            .map_err(|e| SalesforceError::Request {
                what: "the JWT assertion".into(),
                message: format!(
                    "salesforce.private_key_file is not a usable RSA private key: {e}"
                ),
            })?;
        // The audience is the login host itself (login, test, My Domain or the emulator).
        let audience = self.login_url.origin().ascii_serialization();
        let claims = JwtClaims {
            iss: client_id,
            sub: username,
            aud: &audience,
            // Salesforce accepts at most about three minutes ahead.
            exp: Utc::now().timestamp() + 170,
        };
        jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256),
            &claims,
            &key,
        )
        .map_err(|e| SalesforceError::Request {
            what: "the JWT assertion".into(),
            message: e.to_string(),
        })
    }

    /// Posts the assertion to the token endpoint through the same sender as the other
    /// grants, so its transport failures classify alike.
    async fn post_assertion(
        &self,
        token_url: &Url,
        assertion: &str,
    ) -> Result<oauth2::HttpResponse, SalesforceError> {
        let request = self
            .http
            .post(token_url.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&[
                ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                ("assertion", assertion),
            ])
            .build()
            .map_err(|source| SalesforceError::transport("POST", token_url.path(), source))?;
        let http_request =
            oauth2::http::Request::try_from(request).map_err(|e| SalesforceError::Request {
                what: "the JWT token request".into(),
                message: e.to_string(),
            })?;
        let (parts, body) = http_request.into_parts();
        let body = body.as_bytes().map(<[u8]>::to_vec).unwrap_or_default();
        self.send(oauth2::http::Request::from_parts(parts, body))
            .await
            .map_err(|error| self.oauth_error(token_url, RequestTokenError::Request(error)))
    }
}

/// The token of a JWT bearer response, or the OAuth (or other) error it carries.
fn jwt_token(
    token_url: &Url,
    status: u16,
    body: &[u8],
) -> Result<(Secret, SalesforceTokenFields), SalesforceError> {
    if status == 200 {
        #[derive(Deserialize)]
        struct JwtTokenResponse {
            access_token: String,
            #[serde(flatten)]
            fields: SalesforceTokenFields,
        }
        let parsed: JwtTokenResponse =
            serde_json::from_slice(body).map_err(|e| SalesforceError::Decode {
                context: "jwt login".into(),
                // serde's message names the missing field, never the token's value.
                message: format!(
                    "the token response could not be read (line {}, column {})",
                    e.line(),
                    e.column()
                ),
            })?;
        return Ok((Secret::new(parsed.access_token), parsed.fields));
    }
    match serde_json::from_slice::<OAuthErrorBody>(body) {
        Ok(error) => Err(SalesforceError::Auth {
            grant: "jwt",
            token_url: token_url.to_string(),
            error: error.error,
            description: error.error_description,
        }),
        Err(_) => Err(SalesforceError::Api {
            method: "POST".into(),
            path: token_url.path().to_owned(),
            status,
            errors: Vec::new(),
            excerpt: super::error::excerpt(body),
            retry_after: None,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let credentials = Credentials::RefreshToken {
            client_id: "3MVG9".into(),
            client_secret: Some(Secret::new("s3cr3t")),
            refresh_token: Secret::new("5Aep861"),
        };
        let printed = format!("{credentials:?}");
        assert!(!printed.contains("s3cr3t"));
        assert!(!printed.contains("5Aep861"));
        assert!(printed.contains("3MVG9"));
    }
}
