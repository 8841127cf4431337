//! `vitals emulator`: the Salesforce API emulator alone, on loopback, until Ctrl-C.
//!
//! Turns the command-line flags into an emulator configuration, starts it and prints how
//! to reach it. Everything about the emulated org belongs to the emulator; this module
//! only reads flags and never talks to the emulator the way the client does.

use std::path::PathBuf;

use chrono::{DateTime, NaiveDate, Utc};
use clap::Args;

use super::common::{Exit, Failure};

/// The arguments of `vitals emulator`.
#[derive(Debug, Args)]
pub struct EmulatorArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = emulator::state::DEFAULT_PORT)]
    port: u16,
    /// Number of accounts in the generated org (about 50 related records each).
    #[arg(long)]
    accounts: Option<u32>,
    /// Seed of the generated org.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Load records from a JSON org file instead of generating them.
    #[arg(long, value_name = "FILE", conflicts_with = "accounts")]
    fixtures: Option<PathBuf>,
    /// Fault injection SPEC, e.g. `latency=50ms,503=0.1` (see the README).
    #[arg(long)]
    faults: Option<String>,
    /// Read custom metadata from this SFDX directory instead of the embedded copy.
    #[arg(long, value_name = "DIR", conflicts_with = "without_metadata")]
    metadata: Option<PathBuf>,
    /// Emulate an org without Vitals' custom metadata.
    #[arg(long)]
    without_metadata: bool,
    /// Consumer key the token endpoint accepts.
    #[arg(long, default_value = emulator::state::DEFAULT_CLIENT_ID)]
    client_id: String,
    /// Consumer secret the token endpoint accepts.
    #[arg(long, default_value = emulator::state::DEFAULT_CLIENT_SECRET)]
    client_secret: String,
    /// PEM certificate (or public key) that verifies JWT assertions (default: the
    /// test-only certificate in crates/emulator/fixtures/keys).
    #[arg(long, value_name = "FILE")]
    jwt_cert: Option<PathBuf>,
    /// Access-token lifetime: `7200`, `90s`, `30m`, `2h`.
    #[arg(long, default_value = "2h")]
    token_lifetime: String,
    /// Daily (rolling 24 h) API request allocation.
    #[arg(long, default_value_t = 100_000)]
    api_limit: u64,
    /// Pin the emulator clock at this instant (`2026-03-02T12:00:00Z` or `2026-03-02`):
    /// with `--seed`, the same org on any day. The clock then stands still until the admin
    /// API sets or advances it.
    #[arg(long, value_name = "INSTANT")]
    clock: Option<String>,
}

fn parse_lifetime(text: &str) -> Option<std::time::Duration> {
    let (number, unit) = text
        .find(|c: char| !c.is_ascii_digit())
        .map_or((text, "s"), |at| text.split_at(at));
    let n: u64 = number.parse().ok()?;
    let secs = match unit {
        "s" => n,
        "m" => n.checked_mul(60)?,
        "h" => n.checked_mul(3600)?,
        _ => return None,
    };
    Some(std::time::Duration::from_secs(secs))
}

/// `vitals emulator`: builds the org, serves it on loopback until Ctrl-C.
pub fn execute(args: EmulatorArgs) -> Result<Exit, Failure> {
    use emulator::faults::FaultSpec;
    use emulator::{DataSource, EmulatorConfig, MetadataSource};

    let mut config = EmulatorConfig {
        client_id: args.client_id.clone(),
        client_secret: args.client_secret.clone(),
        api_limit: args.api_limit,
        ..EmulatorConfig::default()
    };
    config.token_lifetime = parse_lifetime(&args.token_lifetime).ok_or_else(|| {
        Failure::bad_input(format!(
            "--token-lifetime: {:?} is not a duration like 7200, 30m or 2h",
            args.token_lifetime
        ))
    })?;
    if let Some(path) = &args.jwt_cert {
        config.jwt_certificate = std::fs::read_to_string(path)
            .map_err(|e| Failure::bad_input(format!("--jwt-cert {}: {e}", path.display())))?;
    }
    if let Some(spec) = &args.faults {
        config.faults =
            FaultSpec::parse(spec).map_err(|e| Failure::bad_input(format!("--faults: {e}")))?;
    }
    if let Some(text) = &args.clock {
        let at = DateTime::parse_from_rfc3339(text)
            .map(|at| at.with_timezone(&Utc))
            .ok()
            .or_else(|| {
                NaiveDate::parse_from_str(text, "%Y-%m-%d")
                    .ok()
                    .map(|day| day.and_time(chrono::NaiveTime::MIN).and_utc())
            })
            .ok_or_else(|| {
                Failure::bad_input(format!(
                    "--clock: {text:?} is not an instant like 2026-03-02T12:00:00Z or a date like 2026-03-02"
                ))
            })?;
        config.fixed_clock = Some(at);
    }
    config.metadata = match (&args.metadata, args.without_metadata) {
        (Some(dir), _) => MetadataSource::Dir(dir.clone()),
        (None, true) => MetadataSource::None,
        (None, false) => MetadataSource::Embedded,
    };
    config.data = match (&args.fixtures, args.accounts) {
        (Some(path), _) => DataSource::Fixtures(path.clone()),
        (None, Some(accounts)) => DataSource::Generated {
            accounts,
            seed: args.seed,
        },
        (None, None) => DataSource::Empty,
    };
    let runtime = tokio::runtime::Runtime::new()
        .map_err(|e| Failure::bad_input(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(async move {
        let started = std::time::Instant::now();
        let emulator = emulator::start(config, args.port)
            .await
            .map_err(|e| Failure::bad_input(e.to_string()))?;
        let base = emulator.base_url.clone();
        let counts = emulator.state.store.read().map(|s| s.counts()).unwrap_or_default();
        let records: usize = counts.iter().map(|(_, n)| n).sum();
        println!("Salesforce API emulator listening on {base} ({records} records, built in {:.1?})", started.elapsed());
        println!("  token URL:      {base}/services/oauth2/token");
        println!("  client id:      {}", args.client_id);
        println!("  client secret:  {}", args.client_secret);
        println!("  JWT user:       {}", emulator::state::DEFAULT_USERNAME);
        println!("  admin API:      {base}/_emulator/requests");
        println!();
        println!("Try:");
        println!("  TOKEN=$(curl -s {base}/services/oauth2/token -d grant_type=client_credentials -d client_id={} -d client_secret={} | sed -E 's/.*\"access_token\":\"([^\"]+)\".*/\\1/')", args.client_id, args.client_secret);
        println!("  curl -s -H \"Authorization: Bearer $TOKEN\" '{base}/services/data/v66.0/query?q=SELECT+Id,Name+FROM+Account+LIMIT+5'");
        println!();
        println!("Ctrl-C (or SIGTERM) stops it.");
        shutdown_signal().await;
        emulator.shutdown().await;
        Ok(Exit::Success)
    })
}

/// Resolves on Ctrl-C or, on Unix, SIGTERM (how service managers stop a process).
pub(super) async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
