//! Running the `vitals` binary against a test org: a configuration file and a state file
//! in a temporary directory, and the org's clock passed as `--now` (a hidden test seam),
//! so the child scores as of the instant the org stands at.

use std::path::PathBuf;
use std::process::Output;

use emulator::EmulatorState;
use tokio::process::Command;

use super::Org;

/// A configuration for one org, in its own directory.
pub struct Cli {
    _dir: tempfile::TempDir,
    /// The org, whose clock `sync` scores as of.
    org: EmulatorState,
    /// The configuration file.
    pub config: PathBuf,
    /// The state file it names.
    pub state: PathBuf,
}

impl Cli {
    /// A configuration for `org`, retrying quickly; `extra` is appended.
    pub fn new(org: &Org, extra: &str) -> Cli {
        Self::at(org.emu.state.clone(), &org.base, extra)
    }

    /// A configuration pointing at `base`, scoring as of `org`'s clock.
    pub fn at(org: EmulatorState, base: &str, extra: &str) -> Cli {
        Self::with_state(org, base, r#"path = "state.db""#, extra)
    }

    /// Like [`Cli::at`], with this `[state]` section body (e.g. a PostgreSQL `url`).
    pub fn with_state(org: EmulatorState, base: &str, state_keys: &str, extra: &str) -> Cli {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("vitals.toml");
        let state = dir.path().join("state.db");
        std::fs::write(
            &config,
            format!(
                r#"[salesforce]
login_url = "{base}"
auth = "client_credentials"
client_id = "{}"
client_secret = "{}"
max_attempts = 3
retry_base_delay = "10ms"
retry_max_delay = "20ms"

[state]
{state_keys}
{extra}"#,
                emulator::state::DEFAULT_CLIENT_ID,
                emulator::state::DEFAULT_CLIENT_SECRET,
            ),
        )
        .unwrap();
        Cli {
            _dir: dir,
            org,
            config,
            state,
        }
    }

    /// `vitals <command> --config F <args>`, as of the org's clock for `sync`, `run` and
    /// `backfill`.
    pub fn command(&self, command: &str, args: &[&str]) -> Command {
        let mut child = Command::new(env!("CARGO_BIN_EXE_vitals"));
        child
            .arg(command)
            .arg("--config")
            .arg(&self.config)
            .args(args)
            .env("RUST_LOG", "warn")
            .kill_on_drop(true);
        if command == "sync" || command == "run" || command == "backfill" {
            child.arg("--now").arg(self.org.clock.now().to_rfc3339());
        }
        child
    }

    /// Runs a command to its end.
    pub async fn run(&self, command: &str, args: &[&str]) -> Output {
        self.command(command, args).output().await.unwrap()
    }
}

/// A command's stdout and stderr, for messages.
pub fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}
