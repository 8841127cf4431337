//! `vitals run` as a process against an emulator this test serves: the endpoints and the
//! console on one listener, ticks that never overlap (fired through the hidden stdin seam
//! while the startup run is paused at a chosen point), metrics that follow the runs, and
//! SIGTERM during a run: a clean stop at the next batch, or past the deadline a forced
//! exit; either way the next start finishes the outbox and the org ends as after one
//! uninterrupted sync.

use emulator::EmulatorState;
use vitals::store::{RunOutcome, RunTrigger, Store};

use crate::common::Org;
use crate::common::cli::Cli;
use crate::common::daemon::{Daemon, daemon_config, sample_value};
use crate::common::rest::Rest;
use crate::sync_book::{assert_same_records, vitals_records};
use crate::sync_crash::{config, reference, serve_holding};

#[tokio::test]
async fn the_daemon_serves_its_endpoints_and_the_console_and_never_overlaps_two_runs() {
    let org = Org::with(config()).await;
    let cli = Cli::new(&org, &daemon_config("30s", ""));
    let mut daemon = Daemon::start(&cli, &["--pause-at", "after-enqueue"]).await;
    assert_eq!(daemon.get("/healthz").await, (200, "ok\n".to_owned()));
    daemon.line("vitals: paused at after-enqueue").await;

    // The startup run holds the guard: no run has finished, so not ready yet.
    let (status, body) = daemon.get("/readyz").await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(daemon.metric("vitals_leader").await, Some(1.0));
    let (_, metrics) = daemon.get("/metrics").await;
    assert!(!metrics.contains("vitals_runs_total"), "{metrics}");
    let pending = sample_value(&metrics, "vitals_outbox_depth{state=\"pending\"}").unwrap();
    assert!(pending > 500.0, "the plan is in the outbox: {pending}");

    // Two ticks while the run is in progress: both skipped, neither queued.
    daemon.send("incremental").await;
    let skipped = daemon
        .log("Skipped a scheduled run: the previous run is still in progress.")
        .await;
    assert_eq!(skipped["schedule"], "incremental");
    daemon.send("full").await;
    let skipped = daemon
        .log("Skipped a scheduled run: the previous run is still in progress.")
        .await;
    assert_eq!(skipped["schedule"], "full");
    assert_eq!(
        daemon
            .metric("vitals_ticks_skipped_total{schedule=\"incremental\"}")
            .await,
        Some(1.0)
    );
    assert_eq!(
        daemon
            .metric("vitals_ticks_skipped_total{schedule=\"full\"}")
            .await,
        Some(1.0)
    );

    daemon.send("resume").await;
    let finished = daemon.log("Daemon run finished.").await;
    assert_eq!(finished["outcome"], "Succeeded", "{:#?}", daemon.seen);
    let (status, body) = daemon.get("/readyz").await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.starts_with("ready: the last run finished successfully"),
        "{body}"
    );
    let (_, metrics) = daemon.get("/metrics").await;
    let runs = "vitals_runs_total{outcome=\"succeeded\",trigger=\"startup\"}";
    assert_eq!(sample_value(&metrics, runs), Some(1.0), "{metrics}");
    assert_eq!(
        sample_value(&metrics, "vitals_records_written_total{object=\"history\"}"),
        Some(260.0)
    );
    assert_eq!(
        sample_value(&metrics, "vitals_records_read_total{object=\"account\"}"),
        Some(260.0)
    );
    let accounts: f64 = ["Healthy", "Monitor", "At Risk", "Insufficient Data"]
        .iter()
        .filter_map(|s| sample_value(&metrics, &format!("vitals_accounts{{status=\"{s}\"}}")))
        .sum();
    assert_eq!(accounts, 260.0, "{metrics}");
    assert_eq!(
        sample_value(&metrics, "vitals_outbox_depth{state=\"pending\"}"),
        Some(0.0)
    );
    assert!(sample_value(&metrics, "vitals_api_calls_used_total").unwrap() > 0.0);
    assert!(metrics.contains("vitals_run_duration_seconds_bucket{trigger=\"startup\""));
    assert!(sample_value(&metrics, "vitals_replica_age_seconds").is_some());

    // A tick after the run ended starts the next one; the counters move on.
    daemon.send("incremental").await;
    let finished = daemon.log("Daemon run finished.").await;
    assert_eq!(finished["outcome"], "Succeeded");
    let schedule = "vitals_runs_total{outcome=\"succeeded\",trigger=\"schedule\"}";
    assert_eq!(daemon.metric(schedule).await, Some(1.0));
    assert_eq!(daemon.metric(runs).await, Some(1.0));

    // The console is on the same listener.
    let (status, page) = daemon.get("/").await;
    assert_eq!(status, 200);
    assert!(page.contains("<table"), "{page}");
    let (status, page) = daemon.get("/runs").await;
    assert_eq!(status, 200);
    assert!(page.contains("daemon start"), "{page}");

    let (code, took) = daemon.terminate().await;
    assert_eq!(code, Some(0), "{:#?}", daemon.seen);
    println!("stopped {took:?} after SIGTERM, no run in progress");

    // Each run ended before the next began (the runs score as of one fixed instant, so
    // the order of the log lines says it, not the recorded times).
    let events: Vec<String> = daemon
        .seen
        .iter()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter_map(|v| match v["message"].as_str() {
            Some("Sync run started.") => Some(format!("start {}", v["run_id"])),
            Some("Daemon run finished.") => Some(format!("end {}", v["run_id"])),
            _ => None,
        })
        .collect();
    assert_eq!(events, ["start 1", "end 1", "start 2", "end 2"]);

    // Exactly the two runs in the store.
    let store = Store::open_sqlite(&cli.state).unwrap();
    let mut runs = store.runs(10).unwrap();
    runs.reverse();
    assert_eq!(runs.len(), 2, "{runs:#?}");
    assert_eq!(runs[0].trigger, RunTrigger::Startup);
    assert_eq!(runs[1].trigger, RunTrigger::Schedule);
    for run in &runs {
        assert_eq!(run.end.as_ref().unwrap().outcome, RunOutcome::Succeeded);
    }
}

#[tokio::test]
async fn sigterm_during_a_run_stops_it_at_the_next_batch_and_the_next_start_finishes_the_outbox() {
    let org = Org::with(config()).await;
    let rest = Rest::login(&org).await;
    let cli = Cli::new(&org, &daemon_config("30s", ""));
    let mut daemon = Daemon::start(&cli, &["--pause-at", "after-enqueue"]).await;
    daemon.line("vitals: paused at after-enqueue").await;
    let (code, took) = daemon.terminate().await;
    assert_eq!(code, Some(0), "{:#?}", daemon.seen);
    assert!(took.as_secs() < 30, "stopped within the deadline: {took:?}");
    println!("stopped {took:?} after SIGTERM during a run");
    let stopped = daemon
        .logged("Stopped cleanly; the outbox entries left are sent by the next start.")
        .unwrap_or_else(|| panic!("{:#?}", daemon.seen));
    let pending = stopped["pending"].as_u64().unwrap();
    assert!(pending > 500, "{stopped}");
    // The run stopped before its first write: the whole plan waits in the outbox.
    let store = Store::open_sqlite(&cli.state).unwrap();
    let depth = store.outbox_depth().unwrap();
    assert_eq!(depth.pending, pending, "the log says what the outbox holds");
    assert_eq!(depth.sending, 0);
    let runs = store.runs(5).unwrap();
    assert_eq!(runs[0].end.as_ref().unwrap().outcome, RunOutcome::Stopped);
    drop(store);
    assert!(
        vitals_records(&rest).await["history"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    let mut daemon = Daemon::start(&cli, &[]).await;
    let finished = daemon.log("Daemon run finished.").await;
    assert_eq!(finished["outcome"], "Succeeded", "{:#?}", daemon.seen);
    assert_eq!(daemon.terminate().await.0, Some(0));
    assert_same_records(&vitals_records(&rest).await, &reference().await);
    let depth = Store::open_sqlite(&cli.state)
        .unwrap()
        .outbox_depth()
        .unwrap();
    assert_eq!((depth.pending, depth.sending), (0, 0));
}

#[tokio::test]
async fn past_the_shutdown_deadline_the_daemon_exits_and_the_next_start_settles_the_writes_in_doubt()
 {
    // The org commits the second history Collections call and never answers it: the run
    // is stuck in a call and cannot reach its next batch boundary.
    let state = EmulatorState::build(config()).unwrap();
    let (base, mut held) = serve_holding(state.clone()).await;
    let cli = Cli::at(state.clone(), &base, &daemon_config("2s", ""));
    let mut daemon = Daemon::start(&cli, &[]).await;
    held.recv().await.unwrap();
    let (code, took) = daemon.terminate().await;
    assert_eq!(code, Some(1), "{:#?}", daemon.seen);
    assert!(
        took.as_secs() < 10,
        "exits soon after the 2 s deadline: {took:?}"
    );
    let forced = daemon
        .logged("The run did not stop within the shutdown deadline: exiting anyway; the outbox entries left are sent by the next start.")
        .unwrap_or_else(|| panic!("{:#?}", daemon.seen));
    assert_eq!(forced["sending"], 260, "{forced}");

    let rest = Rest::login_at(&base).await;
    let mut daemon = Daemon::start(&cli, &[]).await;
    let finished = daemon.log("Daemon run finished.").await;
    assert_eq!(finished["outcome"], "Succeeded", "{:#?}", daemon.seen);
    assert_eq!(daemon.terminate().await.0, Some(0));
    assert_same_records(&vitals_records(&rest).await, &reference().await);
}

#[tokio::test]
async fn a_failed_run_does_not_stop_the_daemon_and_a_run_stopped_by_the_api_budget_resumes_on_the_next_tick()
 {
    let org = Org::with(config()).await;
    let rest = Rest::login(&org).await;
    // Salesforce answers 503 to every call of the startup run (3 attempts each).
    org.faults("next=1000:503").await;
    let cli = Cli::new(&org, &daemon_config("30s", ""));
    let mut daemon = Daemon::start(&cli, &[]).await;
    let failed = daemon
        .log("Daemon run failed; the next tick tries again.")
        .await;
    assert!(
        failed["error"].as_str().unwrap().contains("503"),
        "{failed}"
    );
    assert_eq!(daemon.get("/healthz").await.0, 200);
    let (status, body) = daemon.get("/readyz").await;
    assert_eq!(status, 503);
    assert!(body.starts_with("the last run failed"), "{body}");
    let failed_runs = "vitals_runs_total{outcome=\"failed\",trigger=\"startup\"}";
    assert_eq!(daemon.metric(failed_runs).await, Some(1.0));

    // Salesforce is back: the next tick syncs.
    org.faults("").await;
    daemon.send("incremental").await;
    let finished = daemon.log("Daemon run finished.").await;
    assert_eq!(finished["outcome"], "Succeeded", "{:#?}", daemon.seen);
    assert_eq!(daemon.get("/readyz").await.0, 200);

    // Other integrations spent the org's daily allocation: the full sync stops cleanly.
    org.settings(serde_json::json!({ "apiUsage": 25_000, "apiLimit": 25_000 }))
        .await;
    daemon.send("full").await;
    let stopped = daemon.log("Daemon run finished.").await;
    assert_eq!(stopped["outcome"], "Stopped", "{:#?}", daemon.seen);
    let stopped_runs = "vitals_runs_total{outcome=\"stopped\",trigger=\"full_schedule\"}";
    assert_eq!(daemon.metric(stopped_runs).await, Some(1.0));
    // The rolling 24 hours free calls again: the next tick resumes.
    org.settings(serde_json::json!({ "apiUsage": 0 })).await;
    daemon.send("incremental").await;
    let resumed = daemon.log("Daemon run finished.").await;
    assert_eq!(resumed["outcome"], "Succeeded", "{:#?}", daemon.seen);
    assert_eq!(daemon.terminate().await.0, Some(0));
    assert_same_records(&vitals_records(&rest).await, &reference().await);
}
