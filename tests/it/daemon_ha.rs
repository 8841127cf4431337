//! Two `vitals run` processes on one PostgreSQL and one emulator (feature
//! `postgres-tests`; `.ci/postgres run` provides the server, and without it the test
//! fails): the active one is SIGKILLed in the middle of a run, between the org's answer to
//! its first history batch and the bookkeeping of it; the standby takes the lease, settles
//! the writes left in doubt, finishes the work, and the org ends exactly as after one
//! uninterrupted sync: no duplicate, no missing write. The takeover time is printed.

use std::time::Instant;

use postgres::{Client, NoTls};

use crate::common::Org;
use crate::common::cli::Cli;
use crate::common::daemon::{Daemon, daemon_config};
use crate::common::rest::Rest;
use crate::sync_book::{assert_same_records, vitals_records};
use crate::sync_crash::{config, reference};

const URL_VAR: &str = "VITALS_TEST_POSTGRES_URL";

/// A database of its own on the test server, dropped at the end.
struct TestDb {
    admin: String,
    name: String,
    url: String,
}

impl TestDb {
    fn new() -> TestDb {
        let admin = std::env::var(URL_VAR).unwrap_or_else(|_| {
            panic!(
                "{URL_VAR} is not set: run `.ci/postgres run cargo test --features postgres-tests`"
            )
        });
        let name = format!("vitals_ha_{}", std::process::id());
        let mut client = Client::connect(&admin, NoTls).unwrap();
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        let mut url = url::Url::parse(&admin).unwrap();
        url.set_path(&name);
        TestDb {
            admin,
            name,
            url: url.to_string(),
        }
    }
}

impl Drop for TestDb {
    /// On a thread of its own: the driver must not run on a runtime's worker.
    fn drop(&mut self) {
        let (admin, name) = (self.admin.clone(), self.name.clone());
        let _ = std::thread::spawn(move || {
            if let Ok(mut client) = Client::connect(&admin, NoTls) {
                let _ =
                    client.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        })
        .join();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_standby_takes_over_from_a_killed_active_process_and_finishes_the_work() {
    let db = tokio::task::spawn_blocking(TestDb::new).await.unwrap();
    let org = Org::with(config()).await;
    let rest = Rest::login(&org).await;
    // The password never goes in vitals.toml: the URL is in a file beside it.
    let secrets = tempfile::tempdir().unwrap();
    let url_file = secrets.path().join("state-url");
    std::fs::write(&url_file, &db.url).unwrap();
    let cli = Cli::with_state(
        org.emu.state.clone(),
        &org.base,
        &format!("url_file = {:?}", url_file.display().to_string()),
        &daemon_config("30s", ""),
    );

    let mut active = Daemon::start(&cli, &["--pause-at", "before-record:history"]).await;
    active
        .log("Holding the lease: this process is active.")
        .await;
    active.line("vitals: paused at before-record:history").await;
    let mut standby = Daemon::start(&cli, &[]).await;
    let standing = standby
        .log("Standing by: another process holds the lease.")
        .await;
    assert!(
        standing["active"]
            .as_str()
            .unwrap()
            .contains(&format!("pid {}", active.child.id().unwrap())),
        "{standing}"
    );
    let (status, body) = standby.get("/readyz").await;
    assert_eq!(status, 200);
    assert!(body.starts_with("standing by"), "{body}");
    assert_eq!(standby.metric("vitals_leader").await, Some(0.0));
    assert!(
        standby.logged("Sync run started.").is_none(),
        "a standby does not sync"
    );
    // The first history batch is in the org; its outcomes are not recorded.
    assert_eq!(org.emu.state.counts()["Health_Score_History__c"], 260);

    active.kill().await;
    let killed = Instant::now();
    standby
        .log("Holding the lease: this process is active.")
        .await;
    let takeover = killed.elapsed();
    println!(
        "takeover: the standby held the lease {takeover:?} after the active process was killed"
    );
    let finished = standby.log("Daemon run finished.").await;
    assert_eq!(finished["outcome"], "Succeeded", "{:#?}", standby.seen);
    assert_eq!(standby.metric("vitals_leader").await, Some(1.0));
    let (status, body) = standby.get("/readyz").await;
    assert_eq!(status, 200, "{body}");
    assert!(body.starts_with("ready"), "{body}");
    assert_eq!(standby.terminate().await.0, Some(0), "{:#?}", standby.seen);

    assert_same_records(&vitals_records(&rest).await, &reference().await);
    drop(db);
}
