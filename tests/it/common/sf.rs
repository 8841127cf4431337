//! Vitals' own Salesforce client pointed at a test org: settings with a recording sleeper
//! (no waiting, delays asserted), the three login flows, and request counting through the
//! emulator's admin API.

use std::sync::Arc;
use std::time::Duration;

use emulator::state::{
    DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_USERNAME, TEST_PRIVATE_KEY,
};
use emulator::{DataSource, EmulatorConfig, MetadataSource};
use serde_json::{Value, json};
use url::Url;
use vitals::salesforce::retrier::RecordingSleeper;
use vitals::salesforce::retry::{Jitter, RetryPolicy};
use vitals::salesforce::{Client, ClientSettings, Credentials};
use vitals::secret::Secret;

use super::{Org, start_time};

/// An org with Vitals' real metadata (the embedded package) and the given records.
pub fn org_config(data: DataSource) -> EmulatorConfig {
    EmulatorConfig {
        fixed_clock: Some(start_time()),
        metadata: MetadataSource::Embedded,
        data,
        ..EmulatorConfig::default()
    }
}

/// An org on the system clock: JWT assertions carry a real `exp`, which an org on a fixed
/// test clock would rightly refuse as too far in the future.
pub fn live_org_config(data: DataSource) -> EmulatorConfig {
    EmulatorConfig {
        fixed_clock: None,
        ..org_config(data)
    }
}

/// `n` accounts named `Account 0000`...
pub fn accounts(n: usize) -> DataSource {
    let records: Vec<Value> = (0..n)
        .map(|i| json!({"Name": format!("Account {i:04}")}))
        .collect();
    DataSource::FixtureJson(json!({ "Account": records }))
}

pub fn client_credentials() -> Credentials {
    Credentials::ClientCredentials {
        client_id: DEFAULT_CLIENT_ID.into(),
        client_secret: Secret::new(DEFAULT_CLIENT_SECRET),
    }
}

pub fn jwt() -> Credentials {
    Credentials::JwtBearer {
        client_id: DEFAULT_CLIENT_ID.into(),
        username: DEFAULT_USERNAME.into(),
        private_key: Secret::new(TEST_PRIVATE_KEY),
    }
}

/// Settings for a test org: fast, jitter-free backoff so delays can be asserted.
pub fn settings(org: &Org, credentials: Credentials) -> ClientSettings {
    let mut settings = ClientSettings::new(Url::parse(&org.base).unwrap(), credentials);
    settings.retry = RetryPolicy {
        max_attempts: 4,
        base_delay: Duration::from_millis(100),
        max_delay: Duration::from_millis(400),
        jitter: Jitter::None,
    };
    settings.request_timeout = Duration::from_secs(30);
    settings.bulk_poll_interval = Duration::from_millis(500);
    settings
}

/// A client and the sleeper that records its pauses.
pub fn client(settings: ClientSettings) -> (Client, Arc<RecordingSleeper>) {
    let sleeper = Arc::new(RecordingSleeper::default());
    let client = Client::new(settings, sleeper.clone()).unwrap();
    (client, sleeper)
}

impl Org {
    /// Requests the emulator served, by `METHOD /path`.
    pub async fn request_count(&self, key: &str) -> u64 {
        self.emu
            .state
            .requests()
            .counts
            .get(key)
            .copied()
            .unwrap_or(0)
    }

    /// Forgets the request log.
    pub async fn clear_requests(&self) {
        self.emu.state.clear_requests();
    }

    /// A record as the emulator holds it.
    pub async fn record(&self, id: &str) -> Value {
        self.emu.state.record(id).unwrap()
    }
}
