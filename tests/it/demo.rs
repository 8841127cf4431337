//! `vitals demo` (issue 12): its summary agrees with what the emulated org holds, read back
//! over the REST API independently of Vitals' client; and the command itself, with and
//! without `--keep-running`.

use std::collections::BTreeMap;
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;
use vitals::demo::{Demo, DemoOptions, DemoSummary};
use vitals::domain::WriteKind;
use vitals::scoring::cost_lines;
use vitals::store::RunOutcome;

use crate::common::rest::Rest;
use crate::common::start_time;

/// How long the command may take to print what the test waits for.
const DEADLINE: Duration = Duration::from_secs(120);

/// The org's accounts with their health fields.
async fn org_accounts(rest: &Rest) -> Vec<Value> {
    rest.query(
        "SELECT Id, Name, ARR__c, Health_Status__c, Health_Score__c, Health_Drivers__c FROM Account",
    )
    .await
}

fn status(account: &Value) -> &str {
    account["Health_Status__c"].as_str().unwrap_or("Not scored")
}

fn arr(account: &Value) -> f64 {
    account["ARR__c"].as_f64().unwrap_or(0.0)
}

fn score(account: &Value) -> f64 {
    account["Health_Score__c"].as_f64().unwrap_or(f64::INFINITY)
}

/// Compares the per-status counts and the ARR at risk with the org's Account records.
fn check_portfolio(summary: &DemoSummary, accounts: &[Value]) {
    let portfolio = &summary.portfolio;
    assert_eq!(portfolio.accounts, accounts.len() as u64);
    let mut per_status: BTreeMap<&str, u64> = BTreeMap::new();
    for account in accounts {
        *per_status.entry(status(account)).or_default() += 1;
    }
    for count in &portfolio.statuses {
        assert_eq!(
            count.accounts,
            per_status.get(count.status).copied().unwrap_or(0),
            "{}: {per_status:?}",
            count.status
        );
    }
    let listed: u64 = portfolio.statuses.iter().map(|c| c.accounts).sum();
    assert_eq!(listed, accounts.len() as u64, "every status is listed");
    let at_risk: f64 = accounts
        .iter()
        .filter(|a| status(a) == "At Risk")
        .map(arr)
        .sum();
    assert!(at_risk > 0.0, "the org has ARR at risk");
    assert!(
        (portfolio.arr_at_risk - at_risk).abs() < 0.005,
        "ARR at risk {} against the org's {at_risk}",
        portfolio.arr_at_risk
    );
}

/// The most at-risk accounts are the org's At Risk accounts with the lowest scores, and
/// their reasons are lines of the drivers text the org holds.
fn check_most_at_risk(summary: &DemoSummary, accounts: &[Value]) {
    let mut at_risk: Vec<&Value> = accounts.iter().filter(|a| status(a) == "At Risk").collect();
    at_risk.sort_by(|a, b| {
        score(a)
            .total_cmp(&score(b))
            .then_with(|| arr(b).total_cmp(&arr(a)))
            .then_with(|| a["Name"].as_str().cmp(&b["Name"].as_str()))
    });
    let wanted: Vec<&str> = at_risk
        .iter()
        .take(10)
        .map(|a| a["Id"].as_str().unwrap())
        .collect();
    let listed: Vec<String> = summary
        .portfolio
        .most_at_risk
        .iter()
        .map(|a| a.id.to_string())
        .collect();
    assert_eq!(listed, wanted);
    assert_eq!(listed.len(), 10, "the org has ten At Risk accounts or more");
    for (account, org) in summary.portfolio.most_at_risk.iter().zip(&at_risk) {
        let drivers = org["Health_Drivers__c"].as_str().unwrap();
        let org_reasons: Vec<&str> = cost_lines(drivers).take(2).collect();
        assert!(!account.reasons.is_empty(), "{} has reasons", account.name);
        assert_eq!(account.reasons, org_reasons, "{}", account.name);
        assert_eq!(account.score, org["Health_Score__c"].as_f64());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_summary_agrees_with_what_the_org_holds() {
    let demo = Demo::start(DemoOptions {
        accounts: 60,
        seed: 1,
        clock: Some(start_time()),
    })
    .await
    .unwrap();
    let summary = demo.sync().await.unwrap();
    assert_eq!(summary.full.outcome, RunOutcome::Succeeded);
    // Every call the client made reached the emulator (the token requests are not API
    // calls), and no call of the two runs went uncounted.
    let served: u64 = demo
        .emulator()
        .requests()
        .counts
        .iter()
        .filter(|(key, _)| !key.contains("/services/oauth2/"))
        .map(|(_, n)| n)
        .sum();
    assert_eq!(summary.full.api.used + summary.read_back.api.used, served);
    assert!(summary.minimum_calls > 0 && summary.full.api.used >= summary.minimum_calls);

    let rest = Rest::login_at(demo.emulator_url()).await;
    let accounts = org_accounts(&rest).await;
    assert_eq!(accounts.len(), 60);
    check_portfolio(&summary, &accounts);
    check_most_at_risk(&summary, &accounts);

    let renewals = rest
        .query("SELECT Id FROM Opportunity WHERE Vitals_Key__c != null")
        .await;
    let tasks = rest
        .query("SELECT Id FROM Task WHERE Vitals_Key__c != null")
        .await;
    let history = rest.query("SELECT Id FROM Health_Score_History__c").await;
    assert!(
        !renewals.is_empty() && !tasks.is_empty(),
        "renewals {} tasks {}",
        renewals.len(),
        tasks.len()
    );
    assert_eq!(summary.written(WriteKind::Renewal), renewals.len() as u64);
    assert_eq!(summary.written(WriteKind::PlaybookTask), tasks.len() as u64);
    assert_eq!(summary.written(WriteKind::History), history.len() as u64);
    // The read-back cycle found nothing more to write on the same instant.
    assert_eq!(summary.read_back.written.values().sum::<u64>(), 0);

    let text = summary.render();
    for line in [
        format!("  {:>7}  renewal opportunities created", renewals.len()),
        format!("  {:>7}  playbook tasks created for CSMs", tasks.len()),
        "whose health status is At Risk".to_owned(),
    ] {
        assert!(text.contains(&line), "{line:?} in\n{text}");
    }
    for count in &summary.portfolio.statuses {
        if count.accounts > 0 {
            let line = format!("  {:<18} {:>7} accounts", count.status, count.accounts);
            assert!(text.contains(&line), "{line:?} in\n{text}");
        }
    }
    demo.shutdown().await;
}

/// The status lines of the printed summary: status -> accounts.
fn printed_statuses(stdout: &str) -> BTreeMap<String, u64> {
    stdout
        .lines()
        .skip_while(|l| !l.starts_with("Accounts by health status"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| {
            let (name, rest) = l.trim().split_once("  ")?;
            let n = rest.split_whitespace().next()?.parse().ok()?;
            Some((name.trim().to_owned(), n))
        })
        .collect()
}

#[tokio::test]
async fn vitals_demo_prints_a_summary_of_every_account_and_exits_0() {
    let output = Command::new(env!("CARGO_BIN_EXE_vitals"))
        .args(["demo", "--accounts", "20", "--seed", "3"])
        .env("RUST_LOG", "warn")
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(DEADLINE, output)
        .await
        .unwrap()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let statuses = printed_statuses(&stdout);
    assert_eq!(statuses.get("Total"), Some(&20), "{stdout}");
    let scored: u64 = statuses
        .iter()
        .filter(|(k, _)| k.as_str() != "Total")
        .map(|(_, n)| n)
        .sum();
    assert_eq!(scored, 20, "{stdout}");
    for heading in [
        "ARR at risk: ",
        "most at-risk accounts",
        "Written to the org by the full sync",
        "API calls: ",
        "Wall time: ",
    ] {
        assert!(stdout.contains(heading), "{heading:?} in\n{stdout}");
    }
}

/// Reads the child's stdout until a line starts with `prefix`; that line's rest.
async fn line_after(
    lines: &mut tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
    prefix: &str,
) -> String {
    let wait = async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(rest) = line.trim().strip_prefix(prefix) {
                return rest.trim().to_owned();
            }
        }
        panic!("the demo ended without printing {prefix:?}");
    };
    tokio::time::timeout(DEADLINE, wait)
        .await
        .unwrap_or_else(|_| panic!("no {prefix:?} within {DEADLINE:?}"))
}

#[tokio::test]
async fn vitals_demo_keep_running_serves_the_console_and_the_emulator_until_sigterm() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_vitals"))
        .args(["demo", "--accounts", "20", "--seed", "3", "--keep-running"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let console = line_after(&mut lines, "web console:").await;
    let emulator = line_after(&mut lines, "Salesforce API emulator:").await;
    assert!(console.starts_with("http://127.0.0.1:"), "{console}");
    assert!(emulator.starts_with("http://127.0.0.1:"), "{emulator}");

    let page = reqwest::get(&console).await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert_eq!(html.matches("data-account=\"").count(), 20, "{html}");
    let rest = Rest::login_at(&emulator).await;
    assert_eq!(org_accounts(&rest).await.len(), 20);

    let pid = child.id().unwrap();
    let pid = rustix::process::Pid::from_raw(i32::try_from(pid).unwrap()).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
    let status = tokio::time::timeout(DEADLINE, child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "{status:?}");
    assert!(
        reqwest::get(&console).await.is_err(),
        "the console stopped with the demo"
    );
}
