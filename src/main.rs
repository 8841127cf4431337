//! The `vitals` command line: parses arguments, installs tracing, runs one command and maps
//! its outcome to the documented exit codes.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

/// Exit codes of product-spec section 2.
#[expect(
    dead_code,
    reason = "the other codes are returned by commands that land with later issues"
)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Exit {
    /// The run finished and every record succeeded.
    Success = 0,
    /// The run finished, but some records failed (and were reported).
    FailedRecords = 1,
    /// Bad configuration or bad arguments.
    BadInput = 2,
    /// Salesforce could not be reached or refused to authenticate us.
    Unreachable = 3,
}

/// Why a command did not succeed: the exit code and a message for the operator.
#[derive(Debug)]
struct Failure {
    exit: Exit,
    message: String,
}

impl Failure {
    fn bad_input(message: impl Into<String>) -> Self {
        Self {
            exit: Exit::BadInput,
            message: message.into(),
        }
    }

    /// A command whose machinery is not built yet. It refuses plainly rather than pretend.
    fn not_available(command: &str, arrives_with: &str) -> Self {
        Self::bad_input(format!(
            "`vitals {command}` is not available in this build yet: it arrives with {arrives_with}"
        ))
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "vitals",
    version,
    about = "Customer-health scores inside your Salesforce org"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Args)]
struct ConfigArg {
    /// Path to the vitals.toml configuration file.
    #[arg(long, short = 'c', value_name = "FILE")]
    config: PathBuf,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start the built-in Salesforce emulator with a generated org and run one full sync against it.
    Demo {
        /// Number of accounts in the generated org.
        #[arg(long, default_value_t = 200)]
        accounts: u32,
        /// Seed of the generated org.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Keep the emulator running after the sync.
        #[arg(long)]
        keep_running: bool,
    },
    /// Run the daemon: scheduled incremental syncs and a nightly full sync.
    Run(ConfigArg),
    /// Run one sync cycle now.
    Sync {
        #[command(flatten)]
        config: ConfigArg,
        /// Run once and exit (the default for this command).
        #[arg(long)]
        once: bool,
        /// Read everything rather than changes since the last sync.
        #[arg(long)]
        full: bool,
        /// Print the planned writes and write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Preflight: authentication, API version, objects, fields, permissions and limits.
    Check(ConfigArg),
    /// Compute history records for past period ends from dated records.
    Backfill {
        #[command(flatten)]
        config: ConfigArg,
        /// How many past period ends to compute.
        #[arg(long)]
        months: u32,
        /// Print the planned writes and write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Show the score breakdown of one account (Id or exact Name).
    Explain {
        /// Path to the vitals.toml configuration file.
        #[arg(long, short = 'c', value_name = "FILE")]
        config: Option<PathBuf>,
        /// Read records from a JSON org file instead of an org.
        #[arg(long, value_name = "FILE")]
        input: Option<PathBuf>,
        /// Account Id (15 or 18 characters) or exact Name.
        account: String,
    },
    /// Serve the Salesforce API emulator alone.
    Emulator(EmulatorArgs),
}

#[derive(Debug, Args)]
struct EmulatorArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = vitals::emulator::state::DEFAULT_PORT)]
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
    #[arg(long, default_value = vitals::emulator::state::DEFAULT_CLIENT_ID)]
    client_id: String,
    /// Consumer secret the token endpoint accepts.
    #[arg(long, default_value = vitals::emulator::state::DEFAULT_CLIENT_SECRET)]
    client_secret: String,
    /// PEM certificate (or public key) that verifies JWT assertions (default: the
    /// test-only certificate in fixtures/keys).
    #[arg(long, value_name = "FILE")]
    jwt_cert: Option<PathBuf>,
    /// Access-token lifetime: `7200`, `90s`, `30m`, `2h`.
    #[arg(long, default_value = "2h")]
    token_lifetime: String,
    /// Daily (rolling 24 h) API request allocation.
    #[arg(long, default_value_t = 100_000)]
    api_limit: u64,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();
    match run(cli.command) {
        Ok(exit) => ExitCode::from(exit as u8),
        Err(failure) => {
            eprintln!("error: {}", failure.message);
            ExitCode::from(failure.exit as u8)
        }
    }
}

/// Installs the tracing subscriber: human-readable lines on stderr, filtered by `RUST_LOG`
/// (default `info`).
fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

fn run(command: Command) -> Result<Exit, Failure> {
    match command {
        Command::Demo { .. } => Err(Failure::not_available("demo", "the demo issue")),
        Command::Run(_) => Err(Failure::not_available("run", "the daemon issue")),
        Command::Sync { .. } => Err(Failure::not_available("sync", "the sync pipeline issue")),
        Command::Check(_) => Err(Failure::not_available(
            "check",
            "the Salesforce client issue",
        )),
        Command::Backfill { .. } => Err(Failure::not_available(
            "backfill",
            "the sync pipeline issue",
        )),
        Command::Explain { .. } => Err(Failure::not_available("explain", "the scoring engine")),
        Command::Emulator(args) => run_emulator(args),
    }
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
fn run_emulator(args: EmulatorArgs) -> Result<Exit, Failure> {
    use vitals::emulator::faults::FaultSpec;
    use vitals::emulator::{DataSource, EmulatorConfig, MetadataSource};

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
        let emulator = vitals::emulator::start(config, args.port)
            .await
            .map_err(|e| Failure::bad_input(e.to_string()))?;
        let base = emulator.base_url.clone();
        let counts = emulator.state.store.read().map(|s| s.counts()).unwrap_or_default();
        let records: usize = counts.iter().map(|(_, n)| n).sum();
        println!("Salesforce API emulator listening on {base} ({records} records, built in {:.1?})", started.elapsed());
        println!("  token URL:      {base}/services/oauth2/token");
        println!("  client id:      {}", args.client_id);
        println!("  client secret:  {}", args.client_secret);
        println!("  JWT user:       {}", vitals::emulator::state::DEFAULT_USERNAME);
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
async fn shutdown_signal() {
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
