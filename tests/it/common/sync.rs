//! Running `sync::run_once` against a test org: the emulator's clock as the sync's clock,
//! a state file in a temporary directory, the default configuration sections, and an org
//! whose users include two CSMs who own accounts.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use emulator::state::OrgUser;
use emulator::{DataSource, EmulatorConfig, EmulatorState};
use vitals::config::{PlaybooksConfig, RenewalsConfig};
use vitals::domain::{Period, Playbook};
use vitals::salesforce::wire::FieldMap;
use vitals::scoring::Model;
use vitals::store::{RunTrigger, Store};
use vitals::sync::{self, Clock, Mode, RunReport, SyncConfig, SyncContext, SyncError};

use super::Org;
use super::sf::{client, client_credentials, org_config, settings};

/// The emulator's clock, so a run scores as of the org's "now" and tests move time by
/// advancing the org.
#[derive(Debug)]
pub struct EmulatorClock(pub EmulatorState);

impl Clock for EmulatorClock {
    fn now(&self) -> DateTime<Utc> {
        self.0.clock.now()
    }
}

/// The CSMs of a test org: `emulator::state::user_id(3)` and `user_id(4)`.
pub const CSMS: [(&str, &str); 2] = [
    ("alex.morgan@vitals.example", "Morgan"),
    ("blake.chen@vitals.example", "Chen"),
];

/// An org with Vitals' metadata, two CSM users besides the default ones, and `data`.
pub fn csm_org_config(data: DataSource) -> EmulatorConfig {
    let mut config = org_config(data);
    for (username, last_name) in CSMS {
        config.users.push(OrgUser {
            username: username.into(),
            last_name: last_name.into(),
            active: true,
            approved: false,
        });
    }
    config
}

/// The default configuration sections: monthly periods, renewals 120 days ahead, every
/// playbook enabled.
pub fn sync_config() -> SyncConfig {
    SyncConfig {
        period: Period::Monthly,
        renewals: RenewalsConfig {
            create_days_before_end: 120,
        },
        playbooks: PlaybooksConfig {
            enabled: Playbook::ALL.to_vec(),
        },
    }
}

/// A sync context for `org` keeping its state in `state`, scoring with csm-nine.
pub fn context(org: &Org, state: &Path) -> SyncContext {
    context_with(org, Store::open_sqlite(state).unwrap(), FieldMap::default())
}

/// A sync context for `org` with this store and field map, scoring with csm-nine.
pub fn context_with(org: &Org, store: Store, fields: FieldMap) -> SyncContext {
    let (client, _) = client(settings(org, client_credentials()));
    SyncContext::new(
        sync_config(),
        store,
        client,
        Model::load_preset("csm-nine").unwrap(),
        fields,
        Arc::new(EmulatorClock(org.emu.state.clone())),
    )
    .with_holder("test")
}

/// A temporary directory and the state file's path in it.
pub fn state_file() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    (dir, path)
}

/// One incremental run that writes.
pub async fn run(ctx: &SyncContext) -> Result<RunReport, SyncError> {
    sync::run_once(ctx, RunTrigger::Manual, Mode::INCREMENTAL).await
}
