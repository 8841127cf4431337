//! Sync benchmark: `vitals sync` against a generated org of 10,000 and 100,000 accounts,
//! next to simple-salesforce's `bulk2` extracting the same objects from the same org.
//!
//! ```sh
//! examples/sync_bench.sh                          # builds, installs simple-salesforce, runs
//! cargo run --release --example sync_bench -- --accounts 10000 --no-reference
//! ```
//!
//! For each size, the emulator runs in its own process (`vitals emulator --accounts N
//! --seed 1 --clock 2026-03-02T12:00:00Z`), so every figure of the sync is the sync
//! process's alone, run as an admin runs it (`target/release/vitals sync`, with the hidden
//! `--now` set to the emulator's clock):
//! - the first sync: wall time; CPU time (the child's user + system time, from this
//!   process's `/proc/self/stat` children times); peak resident memory (`VmHWM`, printed by
//!   the sync); records read per second of the extract phase; the extract phase's own wall
//!   and CPU time; API calls used next to the minimum for the APIs chosen;
//! - the cycle ten minutes later, which reads back what the first one wrote (its
//!   `SystemModstamp` moved), a no-change cycle ten minutes after that (the call bound: one
//!   call per object read plus the delete-log call), and the next day's cycle (the drivers
//!   text counts days, so most accounts get one health write and one history write a day;
//!   see the README);
//! - the reference: the six objects Vitals scores from (Account, Contract, Case,
//!   Opportunity, Event, Task) with Vitals' own select lists, through simple-salesforce
//!   1.12's `bulk2` query (`tests/third_party/simple_salesforce/bulk2_extract.py`), every
//!   page parsed into one dict per row, with its default poll `wait` (5 s) and with 0.25 s.
//!
//! The minimum calls, from the volumes (a first sync does not know them, so each object is
//! counted first): per object, `COUNT()` + REST pages `ceil(rows / 2000)` at or below the
//! read threshold (10,000 rows), or a Bulk query job above it: create + one status poll +
//! result pages `ceil(rows / 50000)`; one `/limits` call; per write kind, Collections calls
//! `ceil(rows / 200)` at or below the write threshold (2,000), or per Bulk ingest job
//! (`ceil(rows / 50000)` jobs, the sync's chunk): create + upload + close + one status
//! poll, plus the successful results for an upsert (its records' Ids) = 4 or 5 when every
//! row succeeds; one Renewal record type query when renewals are created.
//!
//! Bulk jobs and time: the emulator takes a job's processing steps on its clock, one step
//! a second (a query job: queued, then run; an ingest job: read the file, then 10,000 rows
//! a step), and by default one step per status poll too, which lets tests on a stopped
//! clock drive jobs by polling. Here the clock runs from the fixed start instant and polls
//! do not step jobs (`bulkPollSteps: false`), as in an org: a client that polls more
//! often does not finish sooner, so its poll calls and its waiting are its own. A query
//! job then takes about 2 s whatever its size, and an ingest job of 50,000 rows about 6 s:
//! shorter than a real org's for millions of rows, so the wall times here are a floor.

use std::collections::BTreeMap;
use std::error::Error;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Instant;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use vitals::domain::SyncedObject;
use vitals::salesforce::wire::{FieldMap, SelectList};
use vitals::scoring::Model;

const CLOCK: &str = "2026-03-02T12:00:00Z";

struct Args {
    accounts: Vec<u32>,
    vitals: PathBuf,
    python: Option<PathBuf>,
}

fn args() -> Result<Args, Box<dyn Error>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut args = Args {
        accounts: Vec::new(),
        vitals: root.join("target/release/vitals"),
        python: Some(root.join("target/third-party/simple-salesforce-venv/bin/python")),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--accounts" => args
                .accounts
                .push(it.next().ok_or("--accounts needs a number")?.parse()?),
            "--vitals" => args.vitals = it.next().ok_or("--vitals needs a path")?.into(),
            "--python" => args.python = Some(it.next().ok_or("--python needs a path")?.into()),
            "--no-reference" => args.python = None,
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    if args.accounts.is_empty() {
        args.accounts = vec![10_000, 100_000];
    }
    Ok(args)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let args = args()?;
    if !args.vitals.exists() {
        return Err(format!(
            "{} is missing: run cargo build --release",
            args.vitals.display()
        )
        .into());
    }
    let mut results = Vec::new();
    for accounts in &args.accounts {
        results.push(bench(&args, *accounts).await?);
    }
    println!("\n{}", serde_json::to_string_pretty(&results)?);
    Ok(())
}

/// The emulator in its own process.
struct Emulator {
    child: Child,
    base: String,
    http: reqwest::Client,
}

impl Emulator {
    async fn start(vitals: &Path, accounts: u32) -> Result<Self, Box<dyn Error>> {
        let mut child = Command::new(vitals)
            .args(["emulator", "--port", "0", "--seed", "1", "--clock", CLOCK])
            .args([
                "--accounts",
                &accounts.to_string(),
                "--api-limit",
                "1000000",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()?;
        let mut lines = BufReader::new(child.stdout.take().ok_or("no stdout")?).lines();
        let first = lines
            .next_line()
            .await?
            .ok_or("the emulator said nothing")?;
        println!("{first}");
        let base = first
            .split_whitespace()
            .find(|w| w.starts_with("http://127.0.0.1:"))
            .ok_or("no base URL")?
            .to_owned();
        // The rest of its output is drained, or a later println! would block on the pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let emulator = Self {
            child,
            base,
            http: reqwest::Client::new(),
        };
        // Bulk jobs move with time alone, as in an org, where polling more often does not
        // finish a job sooner: the clock runs from CLOCK (one job step a second), and a
        // status poll does not step a job. The calls a client spends on polls and the wall
        // time it loses to waiting are then its own.
        emulator
            .admin(
                "POST",
                "/settings",
                Some(json!({"requestLogEntries": 1_000_000, "bulkPollSteps": false})),
            )
            .await?;
        emulator
            .admin(
                "POST",
                "/clock",
                Some(json!({"now": CLOCK, "running": true})),
            )
            .await?;
        Ok(emulator)
    }

    async fn admin(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, Box<dyn Error>> {
        let url = format!("{}/_emulator{path}", self.base);
        let request = match method {
            "GET" => self.http.get(url),
            "DELETE" => self.http.delete(url),
            _ => self.http.post(url),
        };
        let request = match body {
            Some(body) => request.json(&body),
            None => request,
        };
        let text = request.send().await?.error_for_status()?.text().await?;
        Ok(if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text)?
        })
    }

    /// API calls per `METHOD /path` since the log was cleared (token requests excluded).
    async fn calls(&self) -> Result<BTreeMap<String, u64>, Box<dyn Error>> {
        let requests = self.admin("GET", "/requests", None).await?;
        let mut calls = BTreeMap::new();
        for entry in requests["log"].as_array().cloned().unwrap_or_default() {
            let path = entry["path"].as_str().unwrap_or_default();
            if !path.starts_with("/services/data/v") {
                continue;
            }
            // Job and record Ids vary: keep the resource's shape.
            let shape: Vec<&str> = path
                .split('/')
                .map(|part| {
                    if part.len() >= 15 && part.chars().all(char::is_alphanumeric) {
                        "{id}"
                    } else {
                        part
                    }
                })
                .collect();
            *calls
                .entry(format!(
                    "{} {}",
                    entry["method"].as_str().unwrap_or_default(),
                    shape.join("/")
                ))
                .or_default() += 1;
        }
        Ok(calls)
    }

    async fn now(&self) -> Result<String, Box<dyn Error>> {
        let clock = self.admin("GET", "/clock", None).await?;
        let now = clock["now"].as_str().ok_or("no clock")?;
        let now =
            vitals::salesforce::wire::parse_datetime(now).ok_or("a clock that is no dateTime")?;
        Ok(now.to_rfc3339())
    }
}

/// CPU seconds of this process's waited-for children so far (`cutime + cstime`).
fn children_cpu() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or_default();
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let tick = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // Fields 16 and 17 (cutime, cstime) in USER_HZ (100 per second).
    (tick(13) + tick(14)) / 100.0
}

/// One run of a child: its output, wall and CPU seconds.
async fn timed(command: &mut Command) -> Result<(String, f64, f64), Box<dyn Error>> {
    let cpu = children_cpu();
    let started = Instant::now();
    let output = command.output().await?;
    let wall = started.elapsed().as_secs_f64();
    let cpu = children_cpu() - cpu;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() && output.status.code() != Some(1) {
        return Err(format!(
            "{command:?} failed: {}\n{stdout}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    Ok((stdout, wall, cpu))
}

/// What one `vitals sync` did, read from its summary.
#[derive(Debug, Default, serde::Serialize)]
struct Sync {
    wall_seconds: f64,
    cpu_seconds: f64,
    api_calls: u64,
    peak_memory_mb: u64,
    extract_seconds: f64,
    extract_cpu_seconds: f64,
    records_read: u64,
    rows: BTreeMap<String, u64>,
    planned: BTreeMap<String, u64>,
    calls_by_resource: BTreeMap<String, u64>,
}

fn number_after<'a>(text: &'a str, marker: &str) -> Option<&'a str> {
    let at = text.find(marker)? + marker.len();
    text[at..].split_whitespace().next()
}

fn parse_summary(stdout: &str, wall: f64, cpu: f64) -> Sync {
    let mut sync = Sync {
        wall_seconds: wall,
        cpu_seconds: cpu,
        ..Sync::default()
    };
    for line in stdout.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("read ") {
            let object = rest
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_owned();
            let records = rest
                .split(": ")
                .nth(1)
                .and_then(|r| r.split_whitespace().next())
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            sync.records_read += records;
            sync.rows.insert(object, records);
        } else if line.starts_with("API calls:") {
            sync.api_calls = number_after(line, "API calls:")
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
        } else if line.starts_with("time:") {
            sync.extract_seconds = number_after(line, "extract ")
                .and_then(|n| n.parse().ok())
                .unwrap_or(0.0);
            sync.extract_cpu_seconds = line
                .split("extract ")
                .nth(1)
                .and_then(|r| number_after(r, "(CPU "))
                .and_then(|n| n.parse().ok())
                .unwrap_or(0.0);
            sync.peak_memory_mb = number_after(line, "peak memory ")
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
        } else if let Some(kind) = [
            "account_health",
            "history",
            "renewal",
            "renewal_risk",
            "playbook_task",
        ]
        .iter()
        .find(|k| line.starts_with(*k))
        {
            let planned = line[kind.len()..]
                .split_whitespace()
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            sync.planned.insert((*kind).to_owned(), planned);
        }
    }
    sync
}

/// The fewest calls a first sync of these volumes needs with the APIs it chose (see the
/// module docs for the formula).
fn minimum_calls(sync: &Sync) -> u64 {
    let mut calls = 1; // /limits
    for rows in sync.rows.values() {
        calls += 1; // COUNT()
        calls += if *rows > 10_000 {
            2 + rows.div_ceil(50_000)
        } else {
            rows.div_ceil(2_000).max(1)
        };
    }
    for (kind, rows) in &sync.planned {
        // The health fields are updates by Id; every other kind is an upsert.
        let per_job = if kind == "account_health" || kind == "renewal_risk" {
            4
        } else {
            5
        };
        calls += if *rows > 2_000 {
            per_job * rows.div_ceil(50_000)
        } else {
            rows.div_ceil(200)
        };
        if kind == "renewal" && *rows > 0 {
            calls += 1;
        }
    }
    calls
}

async fn vitals_sync(
    emulator: &Emulator,
    vitals: &Path,
    config: &Path,
) -> Result<Sync, Box<dyn Error>> {
    emulator.admin("DELETE", "/requests", None).await?;
    let now = emulator.now().await?;
    let (stdout, wall, cpu) = timed(
        Command::new(vitals)
            .arg("sync")
            .arg("--config")
            .arg(config)
            .args(["--now", &now])
            .env("RUST_LOG", "warn"),
    )
    .await?;
    print!("{stdout}");
    let mut sync = parse_summary(&stdout, wall, cpu);
    sync.calls_by_resource = emulator.calls().await?;
    Ok(sync)
}

async fn reference(
    emulator: &Emulator,
    python: &Path,
    wait: f64,
    dir: &Path,
) -> Result<Value, Box<dyn Error>> {
    let model = Model::load_preset("csm-nine")?;
    let map = FieldMap::default();
    let queries: Vec<Value> = SelectList::all(&model.fields_used(), &map, &model.category_keys())
        .into_iter()
        .filter(|s| s.object() != SyncedObject::History)
        .map(|s| json!({"object": s.api_object(), "soql": s.full_query(true).to_text()}))
        .collect();
    let file = dir.join("queries.json");
    std::fs::write(&file, serde_json::to_string(&queries)?)?;
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/third_party/simple_salesforce/bulk2_extract.py");
    let (stdout, wall, cpu) = timed(
        Command::new(python)
            .arg(script)
            .arg(&emulator.base)
            .arg(&file)
            .arg(wait.to_string()),
    )
    .await?;
    let mut result: Value = serde_json::from_str(stdout.trim())?;
    result["process_wall_seconds"] = json!(wall);
    result["process_cpu_seconds"] = json!(cpu);
    result["wait"] = json!(wait);
    println!("simple-salesforce bulk2 (wait {wait} s): {result}");
    Ok(result)
}

async fn bench(args: &Args, accounts: u32) -> Result<Value, Box<dyn Error>> {
    println!("\n=== {accounts} accounts ===");
    let mut emulator = Emulator::start(&args.vitals, accounts).await?;
    let dir = tempfile::tempdir()?;
    let mut references = Vec::new();
    if let Some(python) = &args.python {
        for wait in [5.0, 0.25] {
            references.push(reference(&emulator, python, wait, dir.path()).await?);
        }
    }
    let config = dir.path().join("vitals.toml");
    std::fs::write(
        &config,
        format!(
            "[salesforce]\nlogin_url = \"{}\"\nauth = \"client_credentials\"\nclient_id = \"vitals-emulator-client\"\nclient_secret = \"vitals-emulator-secret\"\n[state]\npath = \"state.db\"\n",
            emulator.base
        ),
    )?;
    let first = vitals_sync(&emulator, &args.vitals, &config).await?;
    let minimum = minimum_calls(&first);
    // Ten minutes on: the cycle reads back what the first one wrote (its SystemModstamp
    // moved); ten minutes later nothing changed at all; then the next day.
    emulator
        .admin("POST", "/clock/advance", Some(json!({"seconds": 600})))
        .await?;
    let read_back = vitals_sync(&emulator, &args.vitals, &config).await?;
    emulator
        .admin("POST", "/clock/advance", Some(json!({"seconds": 600})))
        .await?;
    let no_change = vitals_sync(&emulator, &args.vitals, &config).await?;
    emulator
        .admin(
            "POST",
            "/clock/advance",
            Some(json!({"seconds": 86_400 - 1_200})),
        )
        .await?;
    let next_day = vitals_sync(&emulator, &args.vitals, &config).await?;
    let state_bytes = std::fs::metadata(dir.path().join("state.db"))
        .map(|m| m.len())
        .unwrap_or(0);
    emulator.child.kill().await?;
    let per_second = first.records_read as f64 / first.extract_seconds.max(0.001);
    println!(
        "{accounts} accounts: first sync {:.1} s wall, {:.1} s CPU, peak {} MB, {} records read at {:.0}/s (extract {:.1} s, CPU {:.1} s); {} API calls, minimum {minimum} ({:.2}x); read-back cycle {} calls; no-change cycle {} calls; next day {} calls, {} writes; state file {} MB",
        first.wall_seconds,
        first.cpu_seconds,
        first.peak_memory_mb,
        first.records_read,
        per_second,
        first.extract_seconds,
        first.extract_cpu_seconds,
        first.api_calls,
        first.api_calls as f64 / minimum as f64,
        read_back.api_calls,
        no_change.api_calls,
        next_day.api_calls,
        next_day.planned.values().sum::<u64>(),
        state_bytes / 1_000_000
    );
    Ok(json!({
        "accounts": accounts,
        "first_sync": first,
        "minimum_calls": minimum,
        "records_per_second": per_second,
        "read_back_cycle": read_back,
        "no_change_cycle": no_change,
        "next_day_cycle": next_day,
        "state_file_bytes": state_bytes,
        "simple_salesforce": references,
    }))
}
