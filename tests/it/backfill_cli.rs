//! `vitals backfill` as an admin runs it: a bad `--months` is a clear exit-2 error naming
//! the argument; `--dry-run` prints the planned records and writes nothing; a run prints
//! the periods and what was planned, written, unchanged and failed (the failed record's
//! key and the org's reason, exit 1), logs its progress as lines when stderr is not a
//! terminal, and the next run writes what failed.

use crate::backfill::{history, seeded_year};
use crate::common::cli::{Cli, text};

#[tokio::test]
async fn a_bad_months_is_an_exit_2_error_naming_the_argument() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("vitals.toml");
    for (months, why) in [
        ("0", "there is no history to compute for 0"),
        ("-3", "there is no history to compute for -3"),
        ("121", "(ten years of months)"),
        ("twelve", "expected a whole number"),
    ] {
        let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_vitals"))
            .args(["backfill", "--config"])
            .arg(&config)
            .args(["--months", months])
            .output()
            .await
            .unwrap();
        let (stdout, stderr) = text(&output);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{months}: {stdout}\n{stderr}"
        );
        assert!(
            stderr.contains(&format!("invalid value '{months}' for '--months <N>'")),
            "{months}: {stderr}"
        );
        assert!(stderr.contains("from 1 to 120"), "{months}: {stderr}");
        assert!(stderr.contains(why), "{months}: {stderr}");
    }
    let missing = tokio::process::Command::new(env!("CARGO_BIN_EXE_vitals"))
        .args(["backfill", "--config"])
        .arg(&config)
        .output()
        .await
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        text(&missing).1.contains("--months"),
        "{}",
        text(&missing).1
    );
}

#[tokio::test]
async fn a_dry_run_prints_the_records_and_a_run_reports_failures_by_key() {
    let year = seeded_year().await;
    let cli = Cli::new(&year.org, "");

    let dry = cli.run("backfill", &["--months", "12", "--dry-run"]).await;
    let (stdout, stderr) = text(&dry);
    assert_eq!(dry.status.code(), Some(0), "{stdout}\n{stderr}");
    for line in [
        "Health history (upsert on Key__c) (30 writes)",
        "backfilled=true",
        "no history record for the period starting 2025-01-01 in the org",
        "Backfill run 1 (dry run): succeeded",
        "backfill: 12 periods (2025-01-01 to 2025-12-01, by first day), 3 accounts",
        "history records: 30 planned, 0 unchanged (already in the org, left alone), 0 failed",
    ] {
        assert!(stdout.contains(line), "{line:?} in:\n{stdout}");
    }
    assert!(
        history(&year.rest).await.is_empty(),
        "a dry run writes nothing"
    );
    let json = cli
        .run("backfill", &["--months", "12", "--dry-run", "--json"])
        .await;
    assert_eq!(json.status.code(), Some(0), "{}", text(&json).1);
    let plan: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let writes = plan["writes"].as_array().unwrap();
    assert_eq!(writes.len(), 30);
    assert!(writes.iter().all(|w| w["kind"] == "history"), "{plan}");
    assert!(history(&year.rest).await.is_empty());

    // The org refuses At Risk history records for now: Sliding Ltd's June to December.
    year.org
        .faults("validation=Health_Score_History__c:Status__c:At Risk:At-risk history needs a review first")
        .await;
    let run = cli
        .command("backfill", &["--months", "12"])
        .env("RUST_LOG", "info")
        .output()
        .await
        .unwrap();
    let (stdout, stderr) = text(&run);
    assert_eq!(run.status.code(), Some(1), "{stdout}\n{stderr}");
    for line in [
        "Backfill run 3 (applied): finished; some records failed",
        "history records: 30 planned, 23 written, 0 unchanged (already in the org, left alone), 7 failed",
        "7 writes failed:",
        "FIELD_CUSTOM_VALIDATION_EXCEPTION: At-risk history needs a review first",
    ] {
        assert!(stdout.contains(line), "{line:?} in:\n{stdout}");
    }
    let sliding = vitals::domain::SfId::parse(&year.sliding).unwrap();
    assert!(
        stdout.contains(&format!(
            "history key {sliding}-2025-06-01-csm-nine (account {sliding}): rejected"
        )),
        "{stdout}"
    );
    // Not a terminal: progress comes as log lines.
    assert!(
        stderr.contains("Started.") && stderr.contains("backfill"),
        "{stderr}"
    );
    assert!(stderr.contains("Done."), "{stderr}");
    assert_eq!(history(&year.rest).await.len(), 23);

    // Once the org takes them, the next run writes the seven and nothing else.
    year.org.faults("").await;
    year.org.advance(600).await;
    let next = cli.run("backfill", &["--months", "12"]).await;
    let (stdout, stderr) = text(&next);
    assert_eq!(next.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("history records: 7 planned, 7 written, 23 unchanged"),
        "{stdout}"
    );
    assert_eq!(history(&year.rest).await.len(), 30);
}
