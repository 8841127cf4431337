//! The `vitals` binary with good and bad configuration files: exit codes and what the
//! operator reads on stderr.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/config")
}

/// Runs `vitals` with `args` and only the given `VITALS__*` variables: any the developer
/// has set in their own shell are removed so they cannot change the outcome.
fn vitals(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_vitals"));
    command.args(args);
    for (name, _) in std::env::vars_os() {
        if name
            .to_string_lossy()
            .to_ascii_uppercase()
            .starts_with("VITALS__")
        {
            command.env_remove(name);
        }
    }
    command.envs(env.iter().copied());
    command.output().unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_malformed_config_exits_2_and_names_every_bad_key() {
    let file = fixtures().join("malformed.toml");
    let output = vitals(
        &["run", "--config", file.to_str().unwrap()],
        &[("VITALS__DAEMON__LISTEN", "localhost:http")],
    );
    let stderr = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "error: invalid configuration in {}:\n",
            file.display()
        )),
        "{stderr}"
    );
    let bad_keys = [
        "salesforce.login_url",
        "salesforce.private_key_file",
        "salesforce.client_secret",
        "salesforce.api_version",
        "salesforce.max_api_share",
        "salesforce.max_attempts",
        "salesforce.colour",
        "schedule.incremental",
        "schedule.timezone",
        "scoring.period",
        "playbooks.enabled",
        "fields.account.acv",
        "telemetry",
        "daemon.listen",
    ];
    let problems: Vec<&str> = stderr.lines().skip(1).collect();
    for key in bad_keys {
        assert!(
            problems
                .iter()
                .any(|line| line.starts_with(&format!("  {key}: "))),
            "{key} is not named in:\n{stderr}"
        );
    }
    // Two problems with playbooks.enabled; one line for each of the others.
    assert_eq!(problems.len(), bad_keys.len() + 1, "{stderr}");
    assert!(
        stderr.contains(
            "daemon.listen: must be an IP address and port such as \"127.0.0.1:9184\" or \"0.0.0.0:9184\", found \"localhost:http\" (from environment variable VITALS__DAEMON__LISTEN)"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("cli-fixture-secret"), "{stderr}");
}

#[test]
fn every_command_that_takes_a_config_checks_it_first() {
    let file = fixtures().join("malformed.toml");
    let file = file.to_str().unwrap();
    for args in [
        vec!["run", "--config", file],
        vec!["sync", "--config", file, "--dry-run"],
        vec!["backfill", "--config", file, "--months", "3"],
        vec!["explain", "--config", file, "001D000000IRFmaIAH"],
    ] {
        let output = vitals(&args, &[]);
        let stderr = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("error: invalid configuration in"),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn a_valid_config_passes_and_the_environment_completes_it() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/vitals.example.toml");
    let key = fixtures().join("keys/jwt.pem");
    let input = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/explain/acme.json");
    // `explain --input` loads and checks the whole configuration and reads no network
    // (`run` and `check` would reach for the example's login URL, which tests never do).
    let output = vitals(
        &[
            "explain",
            "--config",
            file.to_str().unwrap(),
            "--input",
            input.to_str().unwrap(),
            "Acme Corporation",
        ],
        &[(
            "VITALS__SALESFORCE__PRIVATE_KEY_FILE",
            key.to_str().unwrap(),
        )],
    );
    let stderr = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("invalid configuration"), "{stderr}");
}

#[test]
fn a_missing_config_file_is_reported_by_path() {
    let output = vitals(&["run", "--config", "/nonexistent/vitals.toml"], &[]);
    let stderr = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "error: invalid configuration in /nonexistent/vitals.toml:\n  /nonexistent/vitals.toml: cannot read the configuration file:"
        ),
        "{stderr}"
    );
}

#[test]
fn a_category_override_the_model_lacks_is_named_once_the_model_is_known() {
    // The key passes loading (it could be a category of some model), and the field map of
    // csm-nine, the example's model, refuses it with its origin.
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/vitals.example.toml");
    let key = fixtures().join("keys/jwt.pem");
    let output = vitals(
        &["run", "--config", file.to_str().unwrap()],
        &[
            (
                "VITALS__SALESFORCE__PRIVATE_KEY_FILE",
                key.to_str().unwrap(),
            ),
            ("VITALS__FIELDS__ACCOUNT__HEALTH_ADOPTOIN", "Usage_Score__c"),
        ],
    );
    let stderr = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    let expected = format!(
        "error: invalid configuration in {}:\n  fields.account.health_adoptoin: Vitals has no field \"account.health_adoptoin\";",
        file.display()
    );
    assert!(stderr.starts_with(&expected), "{stderr}");
    assert!(
        stderr.contains("(from environment variable VITALS__FIELDS__ACCOUNT__HEALTH_ADOPTOIN)"),
        "{stderr}"
    );
    assert!(!stderr.contains("is not available"), "{stderr}");
}
