//! Crash tests: `vitals sync` runs as a child process against an emulator this test serves,
//! and is stopped with SIGKILL (a) between the outbox and the first write, (b) in the middle
//! of a Collections batch the org committed but never answered, and (c) between a write
//! and the bookkeeping of its outcomes. After a restart (`vitals sync` again) the org holds
//! exactly what an uninterrupted run writes into an identical org: no duplicate, no missing
//! write, and no CSM edit clobbered.
//!
//! The child stops at an exact point through the hidden `--pause-at` seam, which prints
//! `vitals: paused at POINT` on stderr and waits; the test reads stderr up to that line.
//! For (b) the test serves the emulator's router behind a layer that lets the org commit the
//! second history Collections call and then holds its answer forever, telling the test.

use std::process::Stdio;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use emulator::{DataSource, EmulatorConfig, EmulatorState};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::mpsc;
use vitals::store::{Store, StoreError};

use crate::common::Org;
use crate::common::cli::{Cli, text};
use crate::common::rest::Rest;
use crate::common::sync::csm_org_config;
use crate::sync_book::{assert_same_records, vitals_records};

/// A generated book of 260 accounts: more than 200 history writes, so the history goes out
/// in two Collections calls; four renewals and about 300 tasks.
pub fn config() -> EmulatorConfig {
    csm_org_config(DataSource::Generated {
        accounts: 260,
        seed: 7,
    })
}

/// What one uninterrupted `vitals sync` writes into a fresh org.
pub async fn reference() -> Value {
    let org = Org::with(config()).await;
    let cli = Cli::new(&org, "");
    let output = cli.run("sync", &[]).await;
    assert_eq!(output.status.code(), Some(0), "{:?}", text(&output));
    vitals_records(&Rest::login(&org).await).await
}

/// Starts `vitals sync --pause-at POINT`, waits for its marker, and kills it.
async fn kill_at(cli: &Cli, point: &str) {
    let mut child = cli
        .command("sync", &["--pause-at", point])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let marker = format!("vitals: paused at {point}");
    let mut seen = Vec::new();
    loop {
        match lines.next_line().await.unwrap() {
            Some(line) if line.contains(&marker) => break,
            Some(line) => seen.push(line),
            None => panic!("the child ended before {marker}: {seen:#?}"),
        }
    }
    child.start_kill().unwrap();
    let status = child.wait().await.unwrap();
    assert_eq!(status.code(), None, "killed by a signal, not exited");
}

/// Restarts the sync after the crash and checks the org against an uninterrupted run.
async fn restart_and_compare(cli: &Cli, rest: &Rest) {
    let output = cli.run("sync", &[]).await;
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    assert_same_records(&vitals_records(rest).await, &reference().await);
    // Nothing is left to do, and nothing is left in the outbox.
    let again = cli.run("sync", &[]).await;
    let (stdout, _) = text(&again);
    assert!(stdout.contains("nothing to write"), "{stdout}");
    let store = Store::open_sqlite(&cli.state).unwrap();
    let depth = store.outbox_depth().unwrap();
    assert_eq!((depth.pending, depth.sending), (0, 0));
}

/// Outbox entries still claimed, and pending, in the state file.
fn outbox(cli: &Cli) -> Result<(u64, u64), StoreError> {
    let depth = Store::open_sqlite(&cli.state)?.outbox_depth()?;
    Ok((depth.pending, depth.sending))
}

#[tokio::test]
async fn killed_between_the_outbox_and_the_first_write() {
    let org = Org::with(config()).await;
    let rest = Rest::login(&org).await;
    let cli = Cli::new(&org, "");
    kill_at(&cli, "after-enqueue").await;
    // The plan is on disk; the org has seen none of it.
    let (pending, sending) = outbox(&cli).unwrap();
    assert!(pending > 500, "{pending}");
    assert_eq!(sending, 0);
    let written = vitals_records(&rest).await;
    assert!(written["history"].as_array().unwrap().is_empty());
    restart_and_compare(&cli, &rest).await;
}

#[tokio::test]
async fn killed_between_a_write_and_its_bookkeeping() {
    let org = Org::with(config()).await;
    let rest = Rest::login(&org).await;
    let cli = Cli::new(&org, "");
    kill_at(&cli, "before-record:history").await;
    // Every history record is in the org; the outbox still says they are being sent.
    let (_, sending) = outbox(&cli).unwrap();
    assert_eq!(sending, 260);
    assert_eq!(
        vitals_records(&rest).await["history"]
            .as_array()
            .unwrap()
            .len(),
        260
    );
    restart_and_compare(&cli, &rest).await;
}

#[tokio::test]
async fn a_renewal_in_doubt_is_found_by_key_and_a_csms_edit_since_is_kept() {
    let org = Org::with(config()).await;
    let rest = Rest::login(&org).await;
    let cli = Cli::new(&org, "");
    kill_at(&cli, "before-record:renewal").await;
    // While Vitals was down, a CSM moved one of the new renewals on.
    let renewals = rest
        .query("SELECT Id, StageName FROM Opportunity WHERE Vitals_Key__c != null")
        .await;
    assert_eq!(renewals.len(), 4);
    let moved = renewals[0]["Id"].as_str().unwrap().to_owned();
    rest.update(
        "Opportunity",
        &moved,
        json!({"StageName": "Stakeholder Confirmed"}),
    )
    .await;
    let output = cli.run("sync", &[]).await;
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("settled writes left in doubt by an earlier run: 4 found in the org"),
        "{stdout}"
    );
    assert_eq!(
        rest.get("Opportunity", &moved).await["StageName"],
        "Stakeholder Confirmed",
        "the CSM's stage is not overwritten"
    );
    assert_eq!(
        rest.query("SELECT Id FROM Opportunity WHERE Vitals_Key__c != null")
            .await
            .len(),
        4
    );
}

/// What the holding layer does: lets the org commit the second history Collections call,
/// then never answers it, and tells the test.
#[derive(Clone)]
struct Hold {
    seen: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    held: mpsc::UnboundedSender<()>,
}

async fn hold_second_history_batch(hold: Hold, request: Request, next: Next) -> Response {
    let history = request.method() == "PATCH"
        && request
            .uri()
            .path()
            .ends_with("/composite/sobjects/Health_Score_History__c/Key__c");
    let response = next.run(request).await;
    if history && hold.seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 1 {
        let _ = hold.held.send(());
        std::future::pending::<()>().await;
    }
    response
}

/// Serves `state` on 127.0.0.1 behind the holding layer; returns the base URL and the
/// channel that says a call is held.
pub async fn serve_holding(state: EmulatorState) -> (String, mpsc::UnboundedReceiver<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    *state.base_url.write().unwrap() = base.clone();
    let (tx, rx) = mpsc::unbounded_channel();
    let hold = Hold {
        seen: Default::default(),
        held: tx,
    };
    let router = emulator::app(state).layer(axum::middleware::from_fn(
        move |request: Request, next: Next| hold_second_history_batch(hold.clone(), request, next),
    ));
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (base, rx)
}

#[tokio::test]
async fn killed_in_the_middle_of_a_collections_batch_the_org_committed() {
    let state = EmulatorState::build(config()).unwrap();
    let (base, mut held) = serve_holding(state.clone()).await;
    let cli = Cli::at(state.clone(), &base, "");
    let mut child = cli
        .command("sync", &[])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    held.recv().await.unwrap();
    child.start_kill().unwrap();
    assert_eq!(child.wait().await.unwrap().code(), None);
    // The org committed both history calls; the process recorded neither.
    let org_history = state.counts()["Health_Score_History__c"];
    assert_eq!(org_history, 260);
    assert_eq!(outbox(&cli).unwrap().1, 260, "every history entry in doubt");

    // Only the second history upsert is ever held, so the test's own calls go through.
    let rest = Rest::login_at(&base).await;
    let output = cli.run("sync", &[]).await;
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("settled writes left in doubt by an earlier run: 260 found in the org"),
        "{stdout}"
    );
    assert_same_records(&vitals_records(&rest).await, &reference().await);
}
