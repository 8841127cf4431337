//! What the `vitals` process writes on stderr: human lines by default, JSON lines with
//! `--log-format json` or `VITALS_LOG_FORMAT=json` (the flag wins), and never a secret or
//! an access token in either. The runs are `vitals check` against an org that fails a
//! call and expires sessions, so the client has something to log: a retry and new logins.

use std::process::Output;

use emulator::DataSource;
use emulator::standard::ORG_ID;
use emulator::state::DEFAULT_CLIENT_SECRET;
use serde_json::Value;

use crate::client_check::{check_command, check_dir, output, write_config};
use crate::common::Org;
use crate::common::sf::org_config;

/// Retries without waiting long: the check is a separate process with real time.
const FAST_RETRIES: &str = "retry_base_delay = \"1ms\"\nretry_max_delay = \"2ms\"";

/// Runs `vitals check` with `args` and `env`, against an org that
/// answers the next call with 503 and expires each session after four calls. Returns the
/// output and the access tokens the org still holds at the end.
async fn check_with_logs(name: &str, args: &[&str], env: &[(&str, &str)]) -> (Output, Vec<String>) {
    let org = Org::with(org_config(DataSource::Empty)).await;
    org.faults("next=1:503,expire-after=4").await;
    let dir = check_dir(name);
    let file = write_config(&org, &dir, DEFAULT_CLIENT_SECRET, FAST_RETRIES);
    let mut command = check_command(&file);
    // `--log-format` is a global flag, so it may follow the command.
    command.args(args);
    command.env("RUST_LOG", "info").envs(env.iter().copied());
    let output = output(command).await;
    let tokens = org
        .emu
        .state
        .auth
        .lock()
        .unwrap()
        .sessions
        .keys()
        .cloned()
        .collect();
    (output, tokens)
}

fn stderr_lines(output: &Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stderr)
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Fails when the output shows the client secret, a live access token, or anything shaped
/// like one of the org's access tokens (`<org id>!AR...`).
#[track_caller]
fn assert_no_secret(output: &Output, tokens: &[String]) {
    assert!(!tokens.is_empty(), "the org issued tokens");
    let token_prefix = format!("{}!", &ORG_ID[..15]);
    for stream in [&output.stderr, &output.stdout] {
        let text = String::from_utf8_lossy(stream);
        assert!(
            !text.contains(DEFAULT_CLIENT_SECRET),
            "the secret leaked:\n{text}"
        );
        assert!(!text.contains(&token_prefix), "a token leaked:\n{text}");
        for token in tokens {
            assert!(!text.contains(token.as_str()), "a token leaked:\n{text}");
        }
    }
}

/// Every stderr line is a JSON object with a level and a message; returns them.
#[track_caller]
fn json_lines(output: &Output) -> Vec<Value> {
    let lines = stderr_lines(output);
    assert!(
        lines.len() >= 3,
        "a retry and two logins are logged: {lines:?}"
    );
    lines
        .iter()
        .map(|line| {
            let value: Value = serde_json::from_str(line)
                .unwrap_or_else(|error| panic!("not JSON ({error}): {line}"));
            assert!(value["level"].is_string(), "no level: {line}");
            assert!(value["message"].is_string(), "no message: {line}");
            assert!(value["timestamp"].is_string(), "no timestamp: {line}");
            value
        })
        .collect()
}

#[tokio::test]
async fn json_logs_are_one_object_per_line_with_their_spans_and_no_secret() {
    let (output, tokens) = check_with_logs("json-flag", &["--log-format", "json"], &[]).await;
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let lines = json_lines(&output);
    let retry = lines
        .iter()
        .find(|line| line["message"] == "Retrying Salesforce call.")
        .unwrap_or_else(|| panic!("no retry line: {lines:?}"));
    assert_eq!(retry["level"], "WARN");
    assert_eq!(retry["attempt"], 1);
    assert_eq!(retry["span"], "phase");
    assert_eq!(retry["spans"]["phase"]["name"], "salesforce");
    assert!(
        lines
            .iter()
            .any(|line| line["message"] == "Session expired; logging in again."),
        "{lines:?}"
    );
    assert_no_secret(&output, &tokens);
}

#[tokio::test]
async fn the_environment_chooses_json_and_the_flag_wins_over_it() {
    let (output, tokens) = check_with_logs("json-env", &[], &[("VITALS_LOG_FORMAT", "JSON")]).await;
    json_lines(&output);
    assert_no_secret(&output, &tokens);

    let (output, tokens) = check_with_logs(
        "flag-wins",
        &["--log-format", "human"],
        &[("VITALS_LOG_FORMAT", "json")],
    )
    .await;
    assert_human(&output);
    assert_no_secret(&output, &tokens);
}

/// Human lines: level and message in words, no JSON, and no colour codes when stderr is
/// not a terminal.
#[track_caller]
fn assert_human(output: &Output) {
    let lines = stderr_lines(output);
    assert!(
        lines.len() >= 3,
        "a retry and two logins are logged: {lines:?}"
    );
    for line in &lines {
        assert!(
            serde_json::from_str::<Value>(line).is_err(),
            "JSON in the human form: {line}"
        );
        assert!(
            !line.contains('\u{1b}'),
            "colour codes off a terminal: {line:?}"
        );
    }
    assert!(
        lines
            .iter()
            .any(|line| line.contains("WARN") && line.contains("Retrying Salesforce call.")),
        "{lines:?}"
    );
}

#[tokio::test]
async fn human_logs_are_the_default() {
    let (output, tokens) = check_with_logs("human", &[], &[]).await;
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert_human(&output);
    assert_no_secret(&output, &tokens);
}

#[tokio::test]
async fn an_unknown_log_format_exits_2_naming_the_variable_or_the_flag() {
    let (output, _) = check_with_logs("bad-env", &[], &[("VITALS_LOG_FORMAT", "yaml")]).await;
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("VITALS_LOG_FORMAT=\"yaml\" is not a log format: use human or json"),
        "{stderr}"
    );
    let (output, _) = check_with_logs("bad-flag", &["--log-format", "yaml"], &[]).await;
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("'--log-format <FORMAT>'"), "{stderr}");
}

#[tokio::test]
async fn a_failure_in_the_json_form_is_a_json_line_too() {
    let dir = check_dir("json-missing");
    let mut command = check_command(&dir.join("missing.toml"));
    command.arg("--log-format=json");
    let output = output(command).await;
    assert_eq!(output.status.code(), Some(2));
    let lines = stderr_lines(&output);
    assert_eq!(lines.len(), 1, "{lines:?}");
    let line: Value = serde_json::from_str(&lines[0]).unwrap();
    assert_eq!(line["level"], "ERROR");
    assert_eq!(line["exit"], 2);
    assert!(
        line["message"]
            .as_str()
            .unwrap()
            .contains("cannot read the configuration file"),
        "{line}"
    );
}
