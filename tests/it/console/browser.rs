//! The console in a real browser (issue 12): the router served on 127.0.0.1, Debian's
//! headless Chromium loads each page, and the tests read the DOM Chromium built. Two
//! sources: a hand-seeded store (runs with failures, evidence links), and the store of a
//! demo sync (`vitals::demo`: a generated org in the emulator, synced in two months), whose
//! pages are compared with what the org holds, read over its REST API. The screenshots are
//! kept under `target/console-screenshots/` as CI artefacts.
//!
//! Only with the `browser-tests` feature (`.ci/run` installs chromium and turns it on).
//! With the feature on, a missing `/usr/bin/chromium` fails the test: it never skips.
//! Chromium runs as a child process and the test waits on it, with a deadline, never
//! sleeping. It only ever loads addresses on 127.0.0.1 (the seeded console has no org
//! address, so no page even links elsewhere).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::net::TcpListener;
use tokio::process::Command;
use vitals::console::{self, ConsoleState};
use vitals::demo::{Demo, DemoOptions};
use vitals::store::RunTrigger;
use vitals::sync::{self, Mode};

use super::pages::listed;
use super::seed::console_data;
use crate::common::rest::Rest;
use crate::common::start_time;

const CHROMIUM: &str = "/usr/bin/chromium";

/// How long one Chromium run may take before the test fails.
const DEADLINE: Duration = Duration::from_secs(120);

/// Headless, no sandbox (CI runs as root), and nothing that talks to the network by
/// itself (updates, sync, metrics, QUIC).
const FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
];

/// Serves the console on 127.0.0.1 and returns its base address. The server task ends
/// with the test's runtime.
async fn serve(state: ConsoleState) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, console::router(state)).await.unwrap();
    });
    format!("http://{address}")
}

/// Runs Chromium with `args` and a fresh profile; its standard output.
async fn chromium(args: &[String]) -> String {
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing: the browser-tests feature needs Debian's chromium \
         (apt-get install chromium; .ci/run installs it)"
    );
    let profile = tempfile::tempdir().unwrap();
    let child = Command::new(CHROMIUM)
        .args(FLAGS)
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let output = tokio::time::timeout(DEADLINE, child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("chromium did not finish within {DEADLINE:?}: {args:?}"))
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "chromium {args:?} failed: {stderr}"
    );
    String::from_utf8(output.stdout).unwrap()
}

/// The DOM Chromium built for a page.
async fn dom(url: &str) -> String {
    let dom = chromium(&["--dump-dom".to_owned(), url.to_owned()]).await;
    assert!(dom.contains("<main>"), "{url} rendered: {dom}");
    dom
}

/// Where screenshots are kept: `target/console-screenshots/`.
fn screenshots() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let dir = target.join("console-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Takes a 1280×1600 screenshot of a page and checks that it is a PNG with content.
async fn screenshot(url: &str, name: &str) {
    let path = screenshots().join(format!("{name}.png"));
    let _ = std::fs::remove_file(&path);
    chromium(&[
        format!("--screenshot={}", path.display()),
        "--window-size=1280,1600".to_owned(),
        url.to_owned(),
    ])
    .await;
    let png = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n"),
        "{} is a PNG",
        path.display()
    );
    assert!(
        png.len() > 10_000,
        "{} has content ({} bytes)",
        path.display(),
        png.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_in_headless_chromium_lists_accounts_and_draws_the_breakdown_and_chart() {
    let data = console_data(None);
    let base = serve(data.state.clone()).await;

    let accounts = dom(&format!("{base}/")).await;
    let expected = data.expected.listed();
    assert_eq!(listed(&accounts), expected, "every account is listed");
    screenshot(&format!("{base}/"), "accounts").await;

    let page = format!("{base}/accounts/{}", data.expected.main);
    let account = dom(&page).await;
    let model = vitals::scoring::Model::load_preset("csm-nine").unwrap();
    assert!(account.contains("id=\"breakdown\""), "{account}");
    for category in &model.categories {
        let row = format!("data-category=\"{}\"", category.key);
        assert!(account.contains(&row), "{row} in {account}");
    }
    let chart_at = account.find("id=\"score-chart\"").expect("a chart");
    let chart = &account[chart_at..];
    let chart = &chart[..chart.find("</svg>").expect("the chart is an SVG element")];
    assert_eq!(
        chart.matches("<circle").count(),
        data.expected.history_points,
        "{chart}"
    );
    screenshot(&page, "account").await;

    let runs = dom(&format!("{base}/runs")).await;
    assert_eq!(runs.matches("data-run=").count(), 3, "{runs}");
    screenshot(&format!("{base}/runs/{}", data.expected.failing_run), "run").await;
}

/// A demo org synced in two months: the demo's full sync and read-back on 2 March, then the
/// org's clock a month on and two more cycles (the second reads the first's writes back),
/// so every scored account has two history records.
async fn demo_in_two_months() -> Demo {
    let demo = Demo::start(DemoOptions {
        accounts: 40,
        seed: 1,
        clock: Some(start_time()),
    })
    .await
    .unwrap();
    demo.sync().await.unwrap();
    demo.emulator().advance_clock(31 * 24 * 3600).unwrap();
    for _ in 0..2 {
        sync::run_once(demo.context(), RunTrigger::Manual, Mode::INCREMENTAL)
            .await
            .unwrap();
    }
    demo
}

/// The org's accounts in the list's default order (by name, then Id).
async fn org_accounts_by_name(rest: &Rest) -> Vec<String> {
    let mut accounts: Vec<(String, String)> = rest
        .query("SELECT Id, Name FROM Account")
        .await
        .iter()
        .map(|a| {
            (
                a["Name"].as_str().unwrap().to_lowercase(),
                a["Id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    accounts.sort();
    accounts.into_iter().map(|(_, id)| id).collect()
}

/// The org's history records with a score, per account Id.
async fn scored_history(rest: &Rest) -> Vec<Value> {
    rest.query("SELECT Id, Account__c FROM Health_Score_History__c WHERE Score__c != null")
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_in_headless_chromium_after_a_demo_sync_shows_what_the_org_holds() {
    let demo = demo_in_two_months().await;
    let rest = Rest::login_at(demo.emulator_url()).await;
    let base = serve(demo.console_state()).await;

    let accounts = dom(&format!("{base}/")).await;
    let expected = org_accounts_by_name(&rest).await;
    assert_eq!(expected.len(), 40);
    assert_eq!(
        listed(&accounts),
        expected,
        "every account of the org is listed"
    );
    screenshot(&format!("{base}/"), "demo-accounts").await;

    // The account that heads the at-risk list, and its history records in the org.
    let at_risk = rest
        .query(
            "SELECT Id FROM Account WHERE Health_Status__c = 'At Risk' \
             ORDER BY Health_Score__c ASC, Id ASC LIMIT 1",
        )
        .await;
    let id = at_risk[0]["Id"].as_str().unwrap().to_owned();
    let points = scored_history(&rest)
        .await
        .iter()
        .filter(|h| h["Account__c"].as_str() == Some(id.as_str()))
        .count();
    assert_eq!(points, 2, "one history record a month");

    let page = format!("{base}/accounts/{id}");
    let account = dom(&page).await;
    let model = vitals::scoring::Model::load_preset("csm-nine").unwrap();
    assert!(account.contains("id=\"breakdown\""), "{account}");
    for category in &model.categories {
        let row = format!("data-category=\"{}\"", category.key);
        assert!(account.contains(&row), "{row} in {account}");
    }
    let chart_at = account.find("id=\"score-chart\"").expect("a chart");
    let chart = &account[chart_at..];
    let chart = &chart[..chart.find("</svg>").expect("the chart is an SVG element")];
    assert_eq!(chart.matches("<circle").count(), points, "{chart}");
    screenshot(&page, "demo-account").await;
    demo.shutdown().await;
}
