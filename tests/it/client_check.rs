//! `vitals check` as an admin runs it: the real binary against an emulated org, with and
//! without Vitals' metadata deployed.

use std::path::PathBuf;
use std::process::Output;

use emulator::state::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET};
use emulator::{DataSource, MetadataSource};
use vitals::salesforce::wire::DEFAULT_FIELDS;

use crate::common::Org;
use crate::common::sf::org_config;

/// Writes a config for the org to a fresh file and runs `vitals check` on it.
async fn run_check(org: &Org, name: &str) -> Output {
    run_check_with_secret(org, name, DEFAULT_CLIENT_SECRET).await
}

/// As [`run_check`], logging in with `secret`.
async fn run_check_with_secret(org: &Org, name: &str, secret: &str) -> Output {
    let dir: PathBuf =
        std::env::temp_dir().join(format!("vitals-check-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("vitals.toml");
    std::fs::write(
        &file,
        format!(
            "[salesforce]\nlogin_url = \"{}\"\nauth = \"client_credentials\"\nclient_id = \"{DEFAULT_CLIENT_ID}\"\nclient_secret = \"{secret}\"\n",
            org.base
        ),
    )
    .unwrap();
    // The binary is a separate process; keep this runtime serving the org meanwhile.
    tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_vitals"))
            .args(["check", "--config", file.to_str().unwrap()])
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    })
    .await
    .unwrap()
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
