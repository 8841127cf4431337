//! `vitals check` as an admin runs it: the real binary against an emulated org, with and
//! without Vitals' metadata deployed, and with a state store that is fine, too new, or in
//! a directory Vitals cannot write.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use emulator::state::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET};
use emulator::{DataSource, MetadataSource};
use vitals::salesforce::preflight::WATCHED_LIMITS;
use vitals::salesforce::wire::DEFAULT_FIELDS;

use crate::common::Org;
use crate::common::sf::org_config;

/// A fresh directory for one check: its configuration file and its state directory.
pub(crate) fn check_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("vitals-check-{}-{name}", std::process::id()));
    if dir.exists() {
        std::fs::remove_dir_all(&dir).unwrap();
    }
    std::fs::create_dir_all(dir.join("state")).unwrap();
    dir
}

/// Writes `dir/vitals.toml` for the org, logging in with `secret`, its state in
/// `dir/state/state.db`, followed by `extra` TOML lines.
pub(crate) fn write_config(org: &Org, dir: &Path, secret: &str, extra: &str) -> PathBuf {
    let file = dir.join("vitals.toml");
    std::fs::write(
        &file,
        format!(
            "[salesforce]\nlogin_url = \"{}\"\nauth = \"client_credentials\"\nclient_id = \"{DEFAULT_CLIENT_ID}\"\nclient_secret = \"{secret}\"\n{extra}\n[state]\npath = \"{}\"\n",
            org.base,
            dir.join("state/state.db").display()
        ),
    )
    .unwrap();
    file
}

/// `vitals check --config FILE` as a command, with none of the developer's `VITALS_*`
/// variables.
pub(crate) fn check_command(file: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_vitals"));
    command.args(["check", "--config", file.to_str().unwrap()]);
    for (name, _) in std::env::vars_os() {
        if name
            .to_string_lossy()
            .to_ascii_uppercase()
            .starts_with("VITALS_")
        {
            command.env_remove(name);
        }
    }
    command.env("RUST_LOG", "warn");
    command
}

/// Runs `command` while this runtime keeps serving the org (the binary is another
/// process).
pub(crate) async fn output(mut command: Command) -> Output {
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

/// Writes a config for the org to a fresh directory and runs `vitals check` on it.
async fn run_check(org: &Org, name: &str) -> Output {
    run_check_with_secret(org, name, DEFAULT_CLIENT_SECRET).await
}

/// As [`run_check`], logging in with `secret`.
async fn run_check_with_secret(org: &Org, name: &str, secret: &str) -> Output {
    let dir = check_dir(name);
    let file = write_config(org, &dir, secret, "");
    output(check_command(&file)).await
}

#[tokio::test]
async fn check_passes_against_an_org_with_the_metadata_deployed() {
    let org = Org::with(org_config(DataSource::Empty)).await;
    let output = run_check(&org, "deployed").await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("OK: everything Vitals reads and writes is in place"),
        "{stdout}"
    );
    assert!(!stdout.contains("error:"), "{stdout}");
    // Every check is listed, one line each, in its section.
    let mut expected: Vec<String> = [
        "Configuration",
        "ok: configuration: ",
        "ok: scoring model: csm-nine from the built-in preset",
        "ok: field map: ",
        "State store",
        "ok: state store: the state file ",
        "ok: schema: none yet",
        "ok: state directory ",
        "Salesforce",
        "ok: login: ",
        "ok: API version: 66.0 is offered by the org",
    ]
    .map(String::from)
    .to_vec();
    let mut objects: Vec<&str> = DEFAULT_FIELDS.iter().map(|f| f.object.api_name()).collect();
    objects.sort_unstable();
    objects.dedup();
    expected.extend(objects.iter().map(|object| format!("ok: {object}: ")));
    expected.extend(
        WATCHED_LIMITS
            .iter()
            .map(|limit| format!("ok: limit {limit}: ")),
    );
    for line in &expected {
        assert!(
            stdout.lines().any(|l| l.starts_with(line.as_str())),
            "no line starting {line:?}:\n{stdout}"
        );
    }
    // The machine's free space decides between these two; neither fails the check.
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("ok: disk space: ") || l.starts_with("warning: disk space: ")),
        "{stdout}"
    );
    assert!(
        stdout.contains("read from the file: salesforce.auth, salesforce.client_id, salesforce.client_secret, salesforce.login_url, state.path"),
        "the configuration's sources are listed: {stdout}"
    );
    assert!(!stdout.contains(DEFAULT_CLIENT_SECRET), "{stdout}");
}

#[tokio::test]
async fn check_lists_every_missing_field_of_an_org_without_the_metadata() {
    let mut config = org_config(DataSource::Empty);
    config.metadata = MetadataSource::None;
    let org = Org::with(config).await;
    let output = run_check(&org, "bare").await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    for field in DEFAULT_FIELDS.iter().filter(|f| f.is_custom()) {
        let object = field.object.api_name();
        if object == "Health_Score_History__c" {
            continue;
        }
        let subject = format!("error: {object}.{}: the field is missing", field.api);
        assert!(stdout.contains(&subject), "missing {subject}:\n{stdout}");
    }
    assert!(
        stdout.contains("error: Health_Score_History__c: the object is missing"),
        "{stdout}"
    );
    assert!(
        stdout.contains("error: Account.Health_Adoption__c: the field is missing"),
        "{stdout}"
    );
    assert!(
        stdout.contains("fix: deploy salesforce-metadata/"),
        "{stdout}"
    );
    assert!(
        stdout.contains("error: Opportunity record type Renewal: the record type is missing"),
        "{stdout}"
    );
}

#[tokio::test]
async fn check_warns_when_the_org_has_less_api_headroom_than_vitals_share() {
    let org = Org::with(org_config(DataSource::Empty)).await;
    // 100 of 1,000 requests left: less than the 250 a 0.25 share would want.
    org.settings(serde_json::json!({ "apiLimit": 1000, "apiUsage": 900 }))
        .await;
    let output = run_check(&org, "headroom").await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "a warning does not block: {stdout}"
    );
    assert!(
        stdout.contains("warning: DailyApiRequests: the org has"),
        "{stdout}"
    );
}

#[tokio::test]
async fn check_exits_3_when_the_login_is_refused() {
    let org = Org::with(org_config(DataSource::Empty)).await;
    let output = run_check_with_secret(&org, "refused", "not-the-secret").await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("invalid_client"), "{stderr}");
    assert!(!stderr.contains("not-the-secret"), "{stderr}");
}

#[tokio::test]
async fn a_state_file_from_a_newer_vitals_fails_the_store_check_with_its_fix() {
    let org = Org::with(org_config(DataSource::Empty)).await;
    let dir = check_dir("newer");
    let file = write_config(&org, &dir, DEFAULT_CLIENT_SECRET, "");
    let state = dir.join("state/state.db");
    drop(vitals::store::Store::open_sqlite(&state).unwrap());
    let newer = vitals::store::sqlite::schema_version_known() + 1;
    rusqlite::Connection::open(&state)
        .unwrap()
        .pragma_update(None, "user_version", newer)
        .unwrap();

    let output = output(check_command(&file)).await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "error: schema: version {newer} was written by a newer Vitals"
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains("  fix: upgrade Vitals or point [state] at another file"),
        "{stdout}"
    );
    // The other checks still ran, and the check left the file as it was.
    assert!(stdout.contains("ok: login: "), "{stdout}");
    assert!(stdout.contains("1 of "), "{stdout}");
    let version: i64 = rusqlite::Connection::open(&state)
        .unwrap()
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .unwrap();
    assert_eq!(version, newer);
}

/// Whether this test process runs as root, which writes wherever it likes: the owner of a
/// file it creates says so without unsafe code.
fn running_as_root(dir: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let probe = dir.join("owner-probe");
    std::fs::write(&probe, b"").unwrap();
    let root = std::fs::metadata(&probe).unwrap().uid() == 0;
    std::fs::remove_file(&probe).unwrap();
    root
}

#[tokio::test]
async fn an_unwritable_state_directory_fails_the_store_check_with_its_fix() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;

    let org = Org::with(org_config(DataSource::Empty)).await;
    let dir = check_dir("unwritable");
    let file = write_config(&org, &dir, DEFAULT_CLIENT_SECRET, "");
    let state_dir = dir.join("state");
    let mut command = check_command(&file);
    if running_as_root(&dir) {
        // Root writes through any mode bits: the check runs as `nobody` instead, as a
        // daemon would under its own user. It must be able to read its configuration.
        for path in [&dir, &state_dir] {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        command.uid(65534).gid(65534);
    }
    std::fs::set_permissions(&state_dir, std::fs::Permissions::from_mode(0o555)).unwrap();

    let output = output(command).await;
    std::fs::set_permissions(&state_dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let line = format!(
        "error: state directory {}: not writable (Permission denied",
        state_dir.display()
    );
    assert!(stdout.contains(&line), "no {line:?} in:\n{stdout}");
    assert!(
        stdout.contains(&format!(
            "  fix: give the user that runs Vitals write access to {}",
            state_dir.display()
        )),
        "{stdout}"
    );
    assert!(stdout.contains("ok: login: "), "{stdout}");
    assert!(
        std::fs::read_dir(&state_dir).unwrap().next().is_none(),
        "the check leaves nothing behind"
    );
}
