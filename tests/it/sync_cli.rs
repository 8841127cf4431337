//! `vitals sync` and `vitals explain --config` as an admin runs them: the summary, the
//! dry-run plan (table and JSON), and the exit codes of product-spec section 2 (0; 1 when
//! records failed, after writing everything else; 2 for a bad state file or a field the
//! org lost; 3 when Salesforce cannot be reached or refuses the login).

use serde_json::{Value, json};
use vitals::store::{Store, StoreError};

use crate::common::cli::{Cli, text};
use crate::sync_book::vitals_records;
use crate::sync_pipeline::seeded;

#[tokio::test]
async fn vitals_sync_writes_the_book_and_prints_what_it_did() {
    let (org, rest, book) = seeded().await;
    let cli = Cli::new(&org, "");
    let output = cli.run("sync", &["--once"]).await;
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    for line in [
        "Sync run 1 (applied): succeeded",
        "read Account                  full load (first load): 6 records, 0 removed, 0 skipped",
        "scored 6 accounts; 6 status changes",
        "account_health 6 planned, 6 written",
        "history        6 planned, 6 written",
        "renewal        1 planned, 1 written",
        "playbook_task  3 planned, 3 written",
        "API calls: 20 used;",
    ] {
        assert!(stdout.contains(line), "{line:?} in:\n{stdout}");
    }
    let records = vitals_records(&rest).await;
    assert_eq!(records["history"].as_array().unwrap().len(), 6);

    // The next cycle finds nothing to do.
    org.advance(900).await;
    let again = cli.run("sync", &[]).await;
    let (stdout, stderr) = text(&again);
    assert_eq!(again.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("nothing to write"), "{stdout}");
    assert!(stdout.contains("API calls: 8 used;"), "{stdout}");

    // explain reads the replica: by exact Name or by Id, as the sync scored it.
    let explained = cli.run("explain", &["Troubled Inc"]).await;
    let (stdout, stderr) = text(&explained);
    assert_eq!(explained.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("Troubled Inc"), "{stdout}");
    assert!(stdout.contains("At Risk"), "{stdout}");
    let by_id = cli.run("explain", &[&book.troubled]).await;
    assert_eq!(text(&by_id).0, stdout);
}

#[tokio::test]
async fn explain_names_the_ids_of_an_ambiguous_name_and_says_what_to_do_with_an_unknown_one() {
    let (org, rest, book) = seeded().await;
    let twin = rest
        .create(
            "Account",
            json!({"Name": "Quiet Corp", "Type": "Customer - Direct"}),
        )
        .await;
    let cli = Cli::new(&org, "");
    assert_eq!(cli.run("sync", &[]).await.status.code(), Some(0));
    let output = cli.run("explain", &["Quiet Corp"]).await;
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("2 accounts are named \"Quiet Corp\"; pass one of their Ids"),
        "{stderr}"
    );
    for id in [&book.quiet, &twin] {
        let id = vitals::domain::SfId::parse(id).unwrap().to_string();
        assert!(stderr.contains(&id), "{id} in {stderr}");
    }
    let unknown = cli.run("explain", &["Nobody Ltd"]).await;
    let (_, stderr) = text(&unknown);
    assert_eq!(unknown.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("run `vitals sync` first"), "{stderr}");
}

#[tokio::test]
async fn a_dry_run_prints_the_plan_per_write_kind_and_writes_nothing() {
    let (org, rest, book) = seeded().await;
    let cli = Cli::new(&org, "");
    let output = cli.run("sync", &["--dry-run"]).await;
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    for line in [
        "Account health fields (update by Id) (6 writes)",
        "Health history (upsert on Key__c) (6 writes)",
        "Renewal opportunities (upsert on Vitals_Key__c) (1 writes)",
        "Playbook tasks (upsert on Vitals_Key__c) (3 writes)",
        "Sync run 1 (dry run): succeeded",
        "account_health 6 planned",
    ] {
        assert!(stdout.contains(line), "{line:?} in:\n{stdout}");
    }
    let quiet = vitals::domain::SfId::parse(&book.quiet).unwrap();
    assert!(
        stdout.contains(&format!("re-engagement:{quiet}:2026-03-02")),
        "{stdout}"
    );
    // Nothing reached the org, the outbox or the key ledger.
    let records = vitals_records(&rest).await;
    assert!(records["history"].as_array().unwrap().is_empty());
    assert!(records["tasks"].as_array().unwrap().is_empty());
    let store = Store::open_sqlite(&cli.state).unwrap();
    assert_eq!(store.outbox_depth().unwrap().pending, 0);
    assert!(store.ledger().unwrap().is_empty());

    let json = cli.run("sync", &["--dry-run", "--json"]).await;
    let (stdout, stderr) = text(&json);
    assert_eq!(json.status.code(), Some(0), "{stderr}");
    let plan: Value = serde_json::from_str(&stdout).unwrap();
    let writes = plan["writes"].as_array().unwrap();
    assert_eq!(writes.len(), 16);
    assert_eq!(writes[0]["kind"], "account_health");
    assert!(stderr.contains("Sync run 2 (dry run)"), "{stderr}");
    // --json needs --dry-run.
    let refused = cli.run("sync", &["--json"]).await;
    assert_eq!(refused.status.code(), Some(2));
}

#[tokio::test]
async fn a_rejected_record_exits_1_after_everything_else_is_written() {
    let (org, rest, book) = seeded().await;
    org.faults(
        "validation=Account:Name:Troubled Inc:Health fields are frozen during the account review",
    )
    .await;
    let cli = Cli::new(&org, "");
    let output = cli.run("sync", &[]).await;
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
    let troubled = vitals::domain::SfId::parse(&book.troubled).unwrap();
    assert!(
        stdout.contains(&format!(
            "account_health record {troubled} (account {troubled}): rejected: FIELD_CUSTOM_VALIDATION_EXCEPTION: Health fields are frozen during the account review"
        )),
        "{stdout}"
    );
    assert!(stdout.contains("finished; some records failed"), "{stdout}");
    let records = vitals_records(&rest).await;
    assert_eq!(records["history"].as_array().unwrap().len(), 6);
    assert_eq!(records["tasks"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn a_field_the_org_lost_exits_2_naming_it_and_the_fix() {
    let (org, _rest, _book) = seeded().await;
    let cli = Cli::new(&org, "");
    assert_eq!(cli.run("sync", &[]).await.status.code(), Some(0));
    org.emu
        .state
        .set_fls(&["Account.Active_Users__c".to_owned()], &[]);
    org.advance(900).await;
    let output = cli.run("sync", &[]).await;
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("error: Account.Active_Users__c cannot be read"),
        "{stderr}"
    );
    assert!(stderr.contains("run `vitals check`"), "{stderr}");
}

#[tokio::test]
async fn an_org_that_cannot_be_reached_or_refuses_the_login_exits_3() {
    let (org, _rest, _book) = seeded().await;
    // A port nothing listens on any more.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let cli = Cli::at(
        org.emu.state.clone(),
        &format!("http://127.0.0.1:{closed}"),
        "",
    );
    let output = cli.run("sync", &[]).await;
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("could not reach Salesforce"), "{stderr}");

    let wrong = Cli::new(&org, "");
    let text_config = std::fs::read_to_string(&wrong.config)
        .unwrap()
        .replace(emulator::state::DEFAULT_CLIENT_SECRET, "not-the-secret");
    std::fs::write(&wrong.config, text_config).unwrap();
    let output = wrong.run("sync", &[]).await;
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(!stderr.contains("not-the-secret"), "{stderr}");
}

#[tokio::test]
async fn a_damaged_or_newer_state_file_is_refused_by_path() {
    let (org, rest, _book) = seeded().await;
    let cli = Cli::new(&org, "");
    std::fs::write(&cli.state, b"this is not a database, just some text").unwrap();
    let output = cli.run("sync", &[]).await;
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "the state file {} is not a valid Vitals state store",
            cli.state.display()
        )),
        "{stderr}"
    );

    std::fs::remove_file(&cli.state).unwrap();
    drop(Store::open_sqlite(&cli.state).unwrap());
    let conn = rusqlite::Connection::open(&cli.state).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let output = cli.run("sync", &[]).await;
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("has schema version 99") && stderr.contains("written by a newer Vitals"),
        "{stderr}"
    );
    // Refused, not migrated down, and nothing was written to the org.
    assert!(matches!(
        Store::open_sqlite(&cli.state),
        Err(StoreError::NewerSchema { found: 99, .. })
    ));
    assert!(
        vitals_records(&rest).await["history"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn the_test_seams_are_hidden_from_help() {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_vitals"))
        .args(["sync", "--help"])
        .output()
        .await
        .unwrap();
    let (stdout, _) = text(&output);
    assert!(
        stdout.contains("--dry-run") && stdout.contains("--json"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("pause-at") && !stdout.contains("--now"),
        "{stdout}"
    );
}
