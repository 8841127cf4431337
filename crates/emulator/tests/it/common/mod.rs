//! Shared test context: an emulator on 127.0.0.1:0 with a fixed clock, a logged-in client,
//! and helpers for the admin API. Nothing here sleeps or leaves loopback.

#![allow(dead_code)]

use chrono::{DateTime, TimeZone, Utc};
use emulator::{DataSource, EmulatorConfig, MetadataSource, RunningEmulator};
use reqwest::{Client, Method, StatusCode, header::HeaderMap};
use serde_json::{Value, json};

/// The API version the tests pin.
pub const V: &str = "v66.0";

/// The instant every test org starts at.
pub fn start_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 12, 0, 0).unwrap()
}

/// The sample metadata under fixtures/metadata-sample.
pub fn sample_metadata() -> MetadataSource {
    MetadataSource::Dir(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/metadata-sample").into())
}

/// A configuration with a fixed clock, the sample metadata and no records.
pub fn config() -> EmulatorConfig {
    EmulatorConfig {
        fixed_clock: Some(start_time()),
        metadata: sample_metadata(),
        data: DataSource::Empty,
        ..EmulatorConfig::default()
    }
}

/// A response: status, headers, raw text and parsed JSON (Null when not JSON).
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
    pub json: Value,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// A running org and a client logged in with client credentials.
pub struct Org {
    pub emu: RunningEmulator,
    pub base: String,
    pub http: Client,
    pub token: String,
}

impl Org {
    pub async fn start() -> Org {
        Org::with(config()).await
    }

    /// An org on the package's own metadata (its validation rule and case-sensitive keys
    /// included) and no records.
    pub async fn with_package() -> Org {
        Org::with(EmulatorConfig {
            metadata: MetadataSource::Embedded,
            ..config()
        })
        .await
    }

    pub async fn with(config: EmulatorConfig) -> Org {
        let emu = emulator::start(config, 0).await.expect("emulator starts");
        let base = emu.base_url.clone();
        let http = Client::builder().build().unwrap();
        let mut org = Org {
            emu,
            base,
            http,
            token: String::new(),
        };
        org.token = org.login().await;
        org
    }

    /// Client-credentials login; returns the access token.
    pub async fn login(&self) -> String {
        let r = self
            .token_request(&[
                ("grant_type", "client_credentials"),
                ("client_id", emulator::state::DEFAULT_CLIENT_ID),
                ("client_secret", emulator::state::DEFAULT_CLIENT_SECRET),
            ])
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        r.json["access_token"].as_str().unwrap().to_owned()
    }

    pub async fn token_request(&self, form: &[(&str, &str)]) -> Resp {
        let response = self
            .http
            .post(format!("{}/services/oauth2/token", self.base))
            .form(form)
            .send()
            .await
            .unwrap();
        into_resp(response).await
    }

    /// A REST call under /services/data/v66.0 with the org's token.
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Resp {
        self.call_with(
            method,
            &format!("/services/data/{V}{path}"),
            body,
            &self.token,
            &[],
        )
        .await
    }

    pub async fn call_with(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        token: &str,
        headers: &[(&str, &str)],
    ) -> Resp {
        let mut request = self.http.request(method, format!("{}{}", self.base, path));
        if !token.is_empty() {
            request = request.bearer_auth(token);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        into_resp(request.send().await.unwrap()).await
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Resp {
        self.call(Method::POST, path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Resp {
        self.call(Method::PATCH, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Resp {
        self.call(Method::DELETE, path, None).await
    }

    /// Creates a record and returns its Id.
    pub async fn create(&self, object: &str, body: Value) -> String {
        let r = self.post(&format!("/sobjects/{object}"), body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        r.json["id"].as_str().unwrap().to_owned()
    }

    /// One field of a record, read back through the API.
    pub async fn field(&self, object: &str, id: &str, field: &str) -> Value {
        let r = self
            .get(&format!("/sobjects/{object}/{id}?fields={field}"))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        r.json[field].clone()
    }

    /// An admin call under /_emulator.
    pub async fn admin(&self, method: Method, path: &str, body: Option<Value>) -> Resp {
        let mut request = self
            .http
            .request(method, format!("{}/_emulator{}", self.base, path));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let r = into_resp(request.send().await.unwrap()).await;
        assert!(r.status.is_success(), "admin {path}: {}", r.text);
        r
    }

    /// An admin call whose status the test checks itself.
    pub async fn admin_raw(&self, method: Method, path: &str, body: Option<Value>) -> Resp {
        let mut request = self
            .http
            .request(method, format!("{}/_emulator{}", self.base, path));
        if let Some(body) = body {
            request = request.json(&body);
        }
        into_resp(request.send().await.unwrap()).await
    }

    pub async fn faults(&self, spec: &str) {
        self.admin(Method::POST, "/faults", Some(json!({ "spec": spec })))
            .await;
    }

    pub async fn injected(&self) -> Value {
        self.admin(Method::GET, "/faults", None).await.json["injected"].clone()
    }

    pub async fn advance(&self, seconds: i64) {
        self.admin(
            Method::POST,
            "/clock/advance",
            Some(json!({ "seconds": seconds })),
        )
        .await;
    }

    pub async fn settings(&self, body: Value) {
        self.admin(Method::POST, "/settings", Some(body)).await;
    }

    /// Waits, through admin round trips (never a sleep), until `want` calls are in flight.
    pub async fn await_in_flight(&self, want: u64) {
        let mut seen = Value::Null;
        for _ in 0..10_000 {
            seen = self.admin(Method::GET, "/in-flight", None).await.json["count"].clone();
            if seen == want {
                return;
            }
            tokio::task::yield_now().await;
        }
        panic!("never {want} calls in flight (last seen {seen})");
    }

    /// Live records per object.
    pub async fn counts(&self) -> Value {
        self.admin(Method::GET, "/counts", None).await.json
    }
}

async fn into_resp(response: reqwest::Response) -> Resp {
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap_or_default();
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Resp {
        status,
        headers,
        text,
        json,
    }
}

/// Asserts that a request failed because the server reset its connection (the `drop`
/// fault) before any response: a send error whose cause is `ConnectionReset`, not a
/// status, a timeout or a body that did not parse.
pub fn assert_reset(error: &reqwest::Error) {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(error);
    let mut reset = false;
    while let Some(current) = cause {
        reset |= current
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::ConnectionReset);
        cause = current.source();
    }
    assert!(
        error.is_request() && reset,
        "not a reset connection: {error:?}"
    );
}

/// The `[{"message","errorCode"}]` body of a whole-request error.
pub fn error_of(r: &Resp) -> (String, String) {
    let first = &r.json[0];
    (
        first["errorCode"].as_str().unwrap_or_default().to_owned(),
        first["message"].as_str().unwrap_or_default().to_owned(),
    )
}

pub mod bulk;
