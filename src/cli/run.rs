//! `vitals run`: the daemon. Loads the setup (exit 2 on any configuration problem), opens
//! the state store, builds the sync context as `vitals sync` does, and hands it to
//! `vitals::daemon::serve` until SIGTERM or SIGINT. Exit 0 after a clean stop; 1 when the
//! run in progress did not stop within `[daemon] shutdown_timeout` (the outbox entries it
//! left are sent by the next start); 2 when the daemon cannot start (address in use).
//!
//! Hidden test seams, documented in ARCHITECTURE.md: `--now` as for `vitals sync`;
//! `--pause-at POINT` pauses the first run that reaches POINT (marker `vitals: paused at
//! POINT` on stderr) until the line `resume` comes on stdin or a shutdown begins; and
//! `--ticks-from-stdin` reads lines `incremental` and `full` from stdin and fires that
//! schedule's tick through the same path as the scheduler (and `resume`, as said).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};

use clap::Args;
use tokio::sync::mpsc;
use vitals::console::ConsoleState;
use vitals::daemon::{self, DaemonContext, Tick};
use vitals::sync::{CancelToken, PausePoint};

use super::common::{ConfigArg, Exit, Failure, Seams, Setup, open_store, sync_context};

/// The arguments of `vitals run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub config: ConfigArg,
    #[command(flatten)]
    pub seams: Seams,
    /// Test seam: fire schedule ticks from stdin lines (`incremental`, `full`, `resume`).
    #[arg(long, hide = true)]
    pub ticks_from_stdin: bool,
}

/// Runs the daemon until SIGTERM or SIGINT.
pub fn execute(args: &RunArgs) -> Result<Exit, Failure> {
    let setup = Setup::load(&args.config)?;
    let store = open_store(&setup.config.state)?;
    let schedule = setup.config.schedule.clone();
    let settings = setup.config.daemon;
    let console = ConsoleState::new(
        store.clone(),
        setup.model.clone(),
        setup.config.scoring.period,
    );
    let cancel = CancelToken::new();
    let gate = Gate::default();
    let mut sync = sync_context(setup, store, args.seams.now)?.with_cancel(cancel.clone());
    if let Some(point) = args.seams.pause_at {
        let gate = gate.clone();
        let paused = AtomicBool::new(false);
        sync = sync.with_pause(
            point,
            Arc::new(move |point: PausePoint| {
                if !paused.swap(true, Ordering::SeqCst) {
                    eprintln!("vitals: paused at {point}");
                    gate.wait();
                }
            }),
        );
    }
    let runtime = daemon_runtime()?;
    let stopped = runtime.block_on(async {
        let signal = daemon::shutdown_signal().map_err(|e| Failure::bad_input(e.to_string()))?;
        let mut ctx = DaemonContext::new(sync, console, schedule, settings);
        if args.ticks_from_stdin {
            ctx = ctx.with_ticks(ticks_from_stdin(gate.clone()));
        }
        let shutdown = async move {
            signal.await;
            // Cancel before the paused run resumes, so it stops at its next batch.
            cancel.cancel();
            gate.open();
        };
        daemon::serve(ctx, shutdown)
            .await
            .map_err(|e| Failure::bad_input(e.to_string()))
    });
    // A forced stop leaves the run's thread behind: do not wait for it.
    runtime.shutdown_timeout(std::time::Duration::from_millis(500));
    let stopped = stopped?;
    if stopped.forced {
        let left = stopped.outbox.map_or_else(
            || "an unknown number of".to_owned(),
            |d| (d.pending + d.sending).to_string(),
        );
        return Err(Failure {
            exit: Exit::FailedRecords,
            message: format!(
                "stopped after the shutdown deadline ([daemon] shutdown_timeout) with a run in progress; {left} outbox entries are left for the next start"
            ),
        });
    }
    Ok(Exit::Success)
}

/// A runtime with room for the daemon's tasks beside a run that blocks its thread.
fn daemon_runtime() -> Result<tokio::runtime::Runtime, Failure> {
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .max(2);
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .map_err(|error| Failure::bad_input(format!("cannot start the async runtime: {error}")))
}

/// The test seam's stdin: `incremental` and `full` fire ticks, `resume` opens the gate.
fn ticks_from_stdin(gate: Gate) -> mpsc::UnboundedReceiver<Tick> {
    let (tx, rx) = mpsc::unbounded_channel();
    // A plain thread: it blocks on stdin, and the process may exit while it does.
    std::thread::spawn(move || {
        for line in std::io::stdin().lines() {
            let Ok(line) = line else { return };
            let line = line.trim();
            if line == "resume" {
                gate.open();
            } else if let Some(tick) = Tick::parse(line) {
                if tx.send(tick).is_err() {
                    return;
                }
            } else {
                eprintln!("vitals: test seam: ignoring stdin line {line:?}");
            }
        }
    });
    rx
}

/// Where the pause seam waits: closed until opened, then open for good.
#[derive(Clone, Default)]
struct Gate(Arc<(Mutex<bool>, Condvar)>);

impl Gate {
    fn open(&self) {
        let (open, changed) = &*self.0;
        *open.lock().unwrap_or_else(PoisonError::into_inner) = true;
        changed.notify_all();
    }

    fn wait(&self) {
        let (open, changed) = &*self.0;
        let mut is_open = open.lock().unwrap_or_else(PoisonError::into_inner);
        while !*is_open {
            is_open = changed
                .wait(is_open)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}
