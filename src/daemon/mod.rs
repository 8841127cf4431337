//! The daemon (`vitals run`): scheduled syncs, one replica active at a time, operations
//! endpoints, and a bounded graceful stop.
//!
//! [`serve`] (or [`serve_on`], with a listener the caller bound) runs until the shutdown
//! future it is given resolves ([`shutdown_signal`] in `vitals run`: SIGTERM or SIGINT):
//!
//! - **Lease** (`leader`): a standby tries the lease every [`DaemonContext::standby_poll`]
//!   and does not sync; the active process checks it every
//!   [`DaemonContext::lease_check_interval`] and its runs before each batch, with the
//!   lease's epoch held across runs ([`LeaseSlot`]). On `Lost` it stops writing and stands
//!   by again. SQLite always grants the lease.
//! - **Runs**: on taking the lease, one run at once (trigger `startup`; a full sync when
//!   the replica is empty), then tokio-cron-scheduler fires `[schedule] incremental` and
//!   `full` (`schedule`). Every trigger goes through one tick: a standby ignores it, and
//!   the single-permit guard (`guard`) skips, logs and counts a tick that would overlap the
//!   run in progress. A failed run is logged and counted; the next tick tries again. A run
//!   stopped by the API budget ends cleanly (outcome `stopped`) and the next tick resumes.
//! - **Endpoints** (`http`): `/healthz`, `/readyz` (`status::readiness`), `/metrics`
//!   (`metrics`, Prometheus text through the `metrics` crate) and the read-only console at
//!   `/`, on one listener.
//! - **Shutdown**: no new runs (scheduler stopped, ticks refused), the run in progress is
//!   cancelled at its next batch boundary ([`CancelToken`]), and once it ended the lease is
//!   released (a standby takes over at its next try) and the outbox depth is logged. Every
//!   store call commits its own transaction, so nothing else needs flushing. When the run
//!   does not end within `[daemon] shutdown_timeout`, `serve` returns anyway
//!   ([`Stopped::forced`]), logging the outbox entries left: the next start settles and
//!   sends them (the outbox is exactly-once), so nothing is lost.
//!
//! The cancellation token of [`DaemonContext::sync`] is the one the daemon cancels.
//!
//! Only this module spawns long-lived tasks or handles signals (style guide 2.1).

mod guard;
mod http;
mod leader;
pub mod metrics;
pub mod schedule;
pub mod status;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::Utc;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;

pub use guard::{RunGuard, RunPermit};
pub use schedule::{Tick, next_fire};
pub use status::{Readiness, Role, readiness};

use self::leader::Leadership;
use self::schedule::Scheduler;
use self::status::{LastRun, Status};
use crate::config::{DaemonConfig, ScheduleConfig};
use crate::console::ConsoleState;
use crate::store::postgres::{LEASE_CHECK_INTERVAL, STANDBY_POLL};
use crate::store::{OutboxDepth, RunOutcome, RunTrigger};
use crate::sync::{self, LeaseSlot, Mode, SyncContext};

/// Why the daemon could not run.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    /// The listen address cannot be bound.
    #[error("cannot listen on {address} (`daemon.listen`): {source}")]
    Listen {
        /// The address.
        address: SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// SIGTERM/SIGINT cannot be watched.
    #[error("cannot watch for SIGTERM and SIGINT: {0}")]
    Signals(#[source] std::io::Error),
    /// The scheduler refused a schedule or could not start.
    #[error("cannot start the scheduler: {0}")]
    Scheduler(String),
    /// The Prometheus recorder cannot be installed.
    #[error("cannot install the metrics recorder: {0}")]
    Metrics(String),
}

/// What the daemon runs with. It assumes no configuration file: `vitals run` builds it
/// from `vitals.toml`, the demo from its emulator.
pub struct DaemonContext {
    /// What each run works with (its cancellation token is the daemon's).
    pub sync: SyncContext,
    /// The console mounted at `/`.
    pub console: ConsoleState,
    /// When to sync.
    pub schedule: ScheduleConfig,
    /// `[daemon]`: the listen address (for [`serve`]), the shutdown deadline, the ready age.
    pub daemon: DaemonConfig,
    /// How often a standby tries the lease.
    pub standby_poll: Duration,
    /// How often the active process checks its lease between batches.
    pub lease_check_interval: Duration,
    ticks: Option<mpsc::UnboundedReceiver<Tick>>,
}

impl DaemonContext {
    /// A context with the store's lease intervals.
    pub fn new(
        sync: SyncContext,
        console: ConsoleState,
        schedule: ScheduleConfig,
        daemon: DaemonConfig,
    ) -> Self {
        Self {
            sync,
            console,
            schedule,
            daemon,
            standby_poll: STANDBY_POLL,
            lease_check_interval: LEASE_CHECK_INTERVAL,
            ticks: None,
        }
    }

    /// Test seam: every tick received here goes through the same path as a schedule's
    /// fire (`vitals run --ticks-from-stdin`, hidden), so a test fires ticks when it wants.
    pub fn with_ticks(mut self, ticks: mpsc::UnboundedReceiver<Tick>) -> Self {
        self.ticks = Some(ticks);
        self
    }
}

/// How the daemon stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stopped {
    /// The run in progress did not end within the shutdown deadline; it was abandoned
    /// (the process should exit now).
    pub forced: bool,
    /// The outbox entries left for the next start, when the store answered.
    pub outbox: Option<OutboxDepth>,
}

/// A future that resolves on SIGTERM or SIGINT. The handlers are installed when this is
/// called (inside the runtime), so a signal that comes before the future is polled is
/// not lost.
///
/// # Errors
/// [`DaemonError::Signals`] when a handler cannot be installed.
pub fn shutdown_signal() -> Result<impl Future<Output = ()> + Send, DaemonError> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).map_err(DaemonError::Signals)?;
    let mut interrupt = signal(SignalKind::interrupt()).map_err(DaemonError::Signals)?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => tracing::info!("SIGTERM received."),
            _ = interrupt.recv() => tracing::info!("SIGINT received."),
        }
    })
}

/// Binds `[daemon] listen` and runs the daemon until `shutdown` resolves.
///
/// # Errors
/// [`DaemonError`] when the address cannot be bound or the daemon cannot start. A failed
/// run is not an error: the daemon logs it and goes on.
pub async fn serve(
    ctx: DaemonContext,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<Stopped, DaemonError> {
    let address = ctx.daemon.listen;
    let listener = TcpListener::bind(address)
        .await
        .map_err(|source| DaemonError::Listen { address, source })?;
    serve_on(ctx, listener, shutdown).await
}

/// Runs the daemon on a listener the caller bound, until `shutdown` resolves.
///
/// # Errors
/// As [`serve`].
pub async fn serve_on(
    mut ctx: DaemonContext,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<Stopped, DaemonError> {
    let handle = metrics::handle()?;
    let slot = LeaseSlot::new();
    let daemon = Arc::new(Daemon {
        sync: ctx.sync.clone().with_lease(slot.clone()),
        slot: slot.clone(),
        guard: RunGuard::new(),
        status: Status::new(),
        stopping: AtomicBool::new(false),
        tasks: Mutex::new(JoinSet::new()),
    });
    metrics::leader(false);
    let (stop_tx, stop_rx) = watch::channel(false);
    daemon.start_server(&ctx, listener, handle, stop_rx.clone());
    daemon.start_leadership(&ctx, stop_rx.clone());
    if let Some(mut ticks) = ctx.ticks.take() {
        let seam = Arc::clone(&daemon);
        let mut stop = stop_rx.clone();
        daemon.spawn(async move {
            loop {
                tokio::select! {
                    tick = ticks.recv() => match tick {
                        Some(tick) => seam.tick(tick.trigger(), Some(tick.mode())),
                        None => return,
                    },
                    _ = stop.wait_for(|stop| *stop) => return,
                }
            }
        });
    }
    let scheduler = daemon.wait_for_shutdown(&ctx.schedule, shutdown).await?;
    tracing::info!("Shutting down: no new runs; a run in progress stops at its next batch.");
    daemon.stopping.store(true, Ordering::SeqCst);
    scheduler.stop().await;
    daemon.sync.cancel.cancel();
    let stopped = daemon.finish(ctx.daemon.shutdown_timeout).await;
    let _ = stop_tx.send(true);
    daemon.stop_tasks(stopped.forced).await;
    Ok(stopped)
}

/// The daemon's shared state.
struct Daemon {
    sync: SyncContext,
    slot: LeaseSlot,
    guard: RunGuard,
    status: Status,
    stopping: AtomicBool,
    tasks: Mutex<JoinSet<()>>,
}

impl Daemon {
    fn spawn(&self, task: impl Future<Output = ()> + Send + 'static) {
        let mut tasks = self.tasks.lock().unwrap_or_else(PoisonError::into_inner);
        while tasks.try_join_next().is_some() {}
        tasks.spawn(task);
    }

    fn start_server(
        &self,
        ctx: &DaemonContext,
        listener: TcpListener,
        metrics: metrics_exporter_prometheus::PrometheusHandle,
        mut stop: watch::Receiver<bool>,
    ) {
        let ops = http::Ops {
            status: self.status.clone(),
            store: self.sync.store.clone(),
            clock: Arc::clone(&self.sync.clock),
            ready_max_age: ctx.daemon.ready_max_age,
            metrics,
        };
        let address = listener
            .local_addr()
            .map(|a| a.to_string())
            .unwrap_or_default();
        let app = http::router(ops, ctx.console.clone());
        tracing::info!(%address, "Serving /healthz, /readyz, /metrics and the console.");
        self.spawn(async move {
            let stopped = async move {
                let _ = stop.wait_for(|stop| *stop).await;
            };
            if let Err(error) = axum::serve(listener, app)
                .with_graceful_shutdown(stopped)
                .await
            {
                tracing::error!(%error, "The operations server stopped.");
            }
        });
    }

    fn start_leadership(self: &Arc<Self>, ctx: &DaemonContext, stop: watch::Receiver<bool>) {
        let leadership = Leadership {
            store: self.sync.store.clone(),
            slot: self.slot.clone(),
            holder: self.sync.holder.clone(),
            status: self.status.clone(),
            clock: Arc::clone(&self.sync.clock),
            standby_poll: ctx.standby_poll,
            check_interval: ctx.lease_check_interval,
        };
        let daemon = Arc::clone(self);
        self.spawn(leadership.run(stop, move || daemon.tick(RunTrigger::Startup, None)));
    }

    /// Starts the schedules and waits for `shutdown`; starts them again when the zone's
    /// UTC offset changed (daylight saving time), checked hourly.
    async fn wait_for_shutdown(
        self: &Arc<Self>,
        schedule: &ScheduleConfig,
        shutdown: impl Future<Output = ()> + Send,
    ) -> Result<Scheduler, DaemonError> {
        let daemon = Arc::clone(self);
        let fire: schedule::Fire =
            Arc::new(move |tick: Tick| daemon.tick(tick.trigger(), Some(tick.mode())));
        let mut scheduler = Scheduler::start(schedule, Arc::clone(&fire)).await?;
        let mut hourly = tokio::time::interval(Duration::from_secs(3600));
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            tokio::select! {
                () = &mut shutdown => return Ok(scheduler),
                _ = hourly.tick() => {
                    if scheduler.offset_changed(Utc::now()) {
                        scheduler.stop().await;
                        scheduler = Scheduler::start(schedule, Arc::clone(&fire)).await?;
                        tracing::info!("The time zone's offset changed: schedules read again.");
                    }
                }
            }
        }
    }

    /// One trigger: ignored on a standby or when stopping, skipped when a run is in
    /// progress, else a run. `mode` `None` is the startup run's choice.
    fn tick(self: &Arc<Self>, trigger: RunTrigger, mode: Option<Mode>) {
        let schedule = schedule_name(trigger);
        if self.stopping.load(Ordering::SeqCst) {
            tracing::debug!(schedule, "Stopping: tick ignored.");
            return;
        }
        if self.slot.get().is_none() {
            tracing::debug!(schedule, "Standing by: tick ignored.");
            return;
        }
        let Some(permit) = self.guard.try_start() else {
            tracing::info!(
                schedule,
                "Skipped a scheduled run: the previous run is still in progress."
            );
            metrics::tick_skipped(schedule);
            return;
        };
        // A run drives its own future on a blocking thread: `run_once`'s future is not
        // provably `Send` (borrows across awaits), and a run that blocks (the store, the
        // test seam's pause) then never holds up a worker.
        let daemon = Arc::clone(self);
        let runtime = tokio::runtime::Handle::current();
        self.spawn(async move {
            let ran = tokio::task::spawn_blocking(move || {
                runtime.block_on(daemon.run(trigger, mode, permit));
            })
            .await;
            if let Err(error) = ran {
                tracing::error!(%error, "A daemon run stopped unexpectedly.");
            }
        });
    }

    /// One run, holding the guard's permit.
    async fn run(&self, trigger: RunTrigger, mode: Option<Mode>, permit: RunPermit) {
        let mode = match mode {
            Some(mode) => mode,
            None => self.startup_mode().await,
        };
        let result = sync::run_once(&self.sync, trigger, mode).await;
        let finished_at = self.sync.clock.now();
        let (outcome, finished_at) = match &result {
            Ok(report) => {
                metrics::run_finished(report);
                (report.outcome, report.finished_at.unwrap_or(finished_at))
            }
            Err(_) => {
                metrics::run_failed(trigger);
                (RunOutcome::Failed, finished_at)
            }
        };
        self.status.finished(LastRun {
            trigger,
            outcome,
            finished_at,
        });
        if let Err(error) = &result
            && error.is_not_leader()
        {
            if let Some(lease) = self.slot.get() {
                self.slot.clear(&lease);
            }
            self.status.set_role(Role::Standby { active: None });
            metrics::leader(false);
        }
        // The guard is free before the run's last line: a tick that follows it may run.
        drop(permit);
        match result {
            Ok(report) => tracing::info!(
                run_id = report.run_id.0,
                outcome = ?report.outcome,
                "Daemon run finished."
            ),
            Err(error) if error.is_not_leader() => tracing::warn!(
                %error,
                "Stopped writing: this process no longer holds the lease; standing by."
            ),
            Err(error) => {
                tracing::error!(%error, "Daemon run failed; the next tick tries again.");
            }
        }
    }

    /// The startup run reads everything when the replica is empty, else changes.
    async fn startup_mode(&self) -> Mode {
        let store = self.sync.store.clone();
        let counts = tokio::task::spawn_blocking(move || store.counts()).await;
        match counts {
            Ok(Ok(counts)) if counts.values().all(|n| *n == 0) => Mode::FULL,
            _ => Mode::INCREMENTAL,
        }
    }

    /// Waits for the run in progress up to `deadline`; then releases the lease and says
    /// what the outbox holds.
    async fn finish(&self, deadline: Duration) -> Stopped {
        let drained = tokio::time::timeout(deadline, self.guard.drain()).await;
        let forced = drained.is_err();
        if !forced && let Some(lease) = self.slot.get() {
            let store = self.sync.store.clone();
            let released = tokio::task::spawn_blocking(move || store.release_lease(&lease)).await;
            if let Ok(Err(error)) = released {
                tracing::warn!(%error, "Could not release the lease; a standby takes it when this process exits.");
            }
            self.slot.set(None);
        }
        let store = self.sync.store.clone();
        let depth = tokio::time::timeout(
            Duration::from_secs(2),
            tokio::task::spawn_blocking(move || store.outbox_depth()),
        )
        .await;
        let outbox = match depth {
            Ok(Ok(Ok(depth))) => Some(depth),
            _ => None,
        };
        match (forced, outbox) {
            (true, Some(OutboxDepth { pending, sending })) => tracing::error!(
                deadline_secs = deadline.as_secs(),
                pending,
                sending,
                "The run did not stop within the shutdown deadline: exiting anyway; the outbox entries left are sent by the next start."
            ),
            (true, None) => tracing::error!(
                deadline_secs = deadline.as_secs(),
                "The run did not stop within the shutdown deadline: exiting anyway; the store did not say what the outbox holds; the next start sends what is left."
            ),
            (false, Some(OutboxDepth { pending, sending })) => tracing::info!(
                pending,
                sending,
                "Stopped cleanly; the outbox entries left are sent by the next start."
            ),
            (false, None) => {
                tracing::info!("Stopped cleanly; the store did not say what the outbox holds.")
            }
        }
        Stopped { forced, outbox }
    }

    /// Stops the endpoints and the lease loop; a forced stop does not wait for the run.
    async fn stop_tasks(&self, forced: bool) {
        let mut tasks =
            std::mem::take(&mut *self.tasks.lock().unwrap_or_else(PoisonError::into_inner));
        if forced {
            // Dropping the set aborts its tasks without waiting for them: the run may be
            // stuck in a call.
            drop(tasks);
            return;
        }
        let wait = async { while tasks.join_next().await.is_some() {} };
        if tokio::time::timeout(Duration::from_secs(5), wait)
            .await
            .is_err()
        {
            tracing::warn!("Some daemon tasks did not stop within 5 s; leaving them.");
        }
    }
}

fn schedule_name(trigger: RunTrigger) -> &'static str {
    match trigger {
        RunTrigger::FullSchedule => "full",
        RunTrigger::Startup => "startup",
        RunTrigger::Schedule | RunTrigger::Manual | RunTrigger::Backfill => "incremental",
    }
}
