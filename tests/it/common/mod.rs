//! Shared test context: an emulator on 127.0.0.1:0 with a fixed clock, which the tests
//! arrange and inspect in-process through the emulator's control API (the emulator crate's
//! own tests cover the same operations over its admin API). Only Vitals' client talks
//! HTTP to it. Nothing here sleeps or leaves loopback.

pub mod cli;
pub mod daemon;
pub mod rest;
pub mod sf;
pub mod store;
pub mod sync;

use chrono::{DateTime, TimeZone, Utc};
use emulator::faults::FaultSpec;
use emulator::{EmulatorConfig, RunningEmulator};
use serde_json::Value;

/// The instant every test org starts at.
pub fn start_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 12, 0, 0).unwrap()
}

/// A running org.
pub struct Org {
    pub emu: RunningEmulator,
    pub base: String,
}

// The helpers stay `async` so that a test reads the same whichever way an operation
// reaches the org; none of them waits on anything.
impl Org {
    pub async fn with(config: EmulatorConfig) -> Org {
        let emu = emulator::start(config, 0).await.expect("emulator starts");
        let base = emu.base_url.clone();
        Org { emu, base }
    }

    /// Injects the faults of a SPEC (`--faults` syntax).
    pub async fn faults(&self, spec: &str) {
        self.emu.state.set_faults(FaultSpec::parse(spec).unwrap());
    }

    /// Advances the emulator clock.
    pub async fn advance(&self, seconds: i64) {
        self.emu.state.advance_clock(seconds).unwrap();
    }

    /// Changes run-time limits (`{"apiLimit": n, "apiUsage": n, ...}`).
    pub async fn settings(&self, body: Value) {
        self.emu.state.apply_settings(&body).unwrap();
    }

    /// A refresh token for `username`, as an admin would issue one.
    pub fn refresh_token(&self, username: &str) -> String {
        emulator::auth::issue_refresh_token(&self.emu.state, username).unwrap()
    }

    /// Live records per object, as JSON numbers.
    pub async fn counts(&self) -> Value {
        serde_json::json!(self.emu.state.counts())
    }
}
