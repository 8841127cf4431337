//! What a sync run works with, built once per process: the configuration sections it
//! reads, the state store, the client, the model and field map, the clock, the
//! cancellation token, and the test seam that pauses a run at a chosen point.
//!
//! Nothing here does I/O except [`SystemClock`] reading the system clock. The daemon
//! (issue 11) and the demo (issue 12) build one [`SyncContext`] and call
//! [`super::run_once`] on it as often as they like; the CLI builds one per command.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Duration, Utc};

use super::error::{Phase, SyncError};
use crate::config::{Config, PlaybooksConfig, RenewalsConfig};
use crate::domain::{Period, WriteKind};
use crate::playbooks::PlanningSettings;
use crate::salesforce::Client;
use crate::salesforce::wire::{FieldMap, SelectList};
use crate::scoring::Model;
use crate::store::{Lease, LeaseStatus, Store};

/// Where "now" comes from. The pure core never reads a clock: a run reads it here, once at
/// its start (the instant it scores as of) and at its end.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current instant.
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock, for production.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stands still at one instant: `vitals sync --now` (a test seam) and tests
/// that want one instant for every run.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

/// Asks a run to stop at the next batch boundary (graceful shutdown). Cheap to clone; every
/// clone sees the same flag.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// A token nobody has cancelled yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks every run holding a clone to stop after its current batch.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether a stop was asked for.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// The lease a daemon holds across runs: its runs stamp the epoch and check the lease
/// before each batch; whoever sees it lost (a run, the daemon's timer) empties the slot.
/// Cheap to clone; every clone sees the same lease.
#[derive(Debug, Clone, Default)]
pub struct LeaseSlot(Arc<Mutex<Option<Lease>>>);

impl LeaseSlot {
    /// An empty slot: a standby.
    pub fn new() -> Self {
        Self::default()
    }

    /// The lease held now, if any.
    pub fn get(&self) -> Option<Lease> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Holds `lease` (or nothing).
    pub fn set(&self, lease: Option<Lease>) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = lease;
    }

    /// Empties the slot if it still holds `lease` (a newer lease taken meanwhile stays).
    pub fn clear(&self, lease: &Lease) {
        let mut held = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if held.as_ref().is_some_and(|h| h.epoch == lease.epoch) {
            *held = None;
        }
    }
}

/// How much to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extraction {
    /// Changes since each object's watermark, with a full load of any object that needs
    /// one (first run, field set changed, delete log no longer covering the watermark).
    Incremental,
    /// A full load of every object (`--full`, the nightly schedule).
    Full,
}

/// Whether to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writes {
    /// Persist the plan in the outbox and apply it.
    Apply,
    /// Stop after planning: nothing goes to the outbox or the org (`--dry-run`).
    DryRun,
}

/// What one run does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mode {
    /// How much to read.
    pub extraction: Extraction,
    /// Whether to write.
    pub writes: Writes,
}

impl Mode {
    /// An incremental run that writes.
    pub const INCREMENTAL: Mode = Mode {
        extraction: Extraction::Incremental,
        writes: Writes::Apply,
    };
    /// A full run that writes.
    pub const FULL: Mode = Mode {
        extraction: Extraction::Full,
        writes: Writes::Apply,
    };

    /// The same run, planning only.
    pub fn dry_run(self) -> Mode {
        Mode {
            writes: Writes::DryRun,
            ..self
        }
    }

    /// Whether the run applies its plan.
    pub fn applies(self) -> bool {
        self.writes == Writes::Apply
    }
}

/// A point where a run can be paused for a crash test (`vitals sync --pause-at`, hidden):
/// the run calls the pause hook there, which in the CLI prints a marker and waits to be
/// killed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PausePoint {
    /// The whole plan is in the outbox; nothing was sent.
    AfterEnqueue,
    /// The first chunk of this kind was written to the org; its outcomes are not recorded.
    BeforeRecord(WriteKind),
}

impl PausePoint {
    /// Reads `after-enqueue` or `before-record:<kind>` (`before-record:history`).
    pub fn parse(text: &str) -> Option<Self> {
        match text.split_once(':') {
            None if text == "after-enqueue" => Some(PausePoint::AfterEnqueue),
            Some(("before-record", kind)) => {
                WriteKind::from_key(kind).map(PausePoint::BeforeRecord)
            }
            _ => None,
        }
    }
}

impl fmt::Display for PausePoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PausePoint::AfterEnqueue => f.write_str("after-enqueue"),
            PausePoint::BeforeRecord(kind) => write!(f, "before-record:{}", kind.key()),
        }
    }
}

/// What a run calls at its pause point. It may block for good (the CLI's does, until the
/// test kills the process).
pub type PauseHook = Arc<dyn Fn(PausePoint) + Send + Sync>;

/// The sync's own knobs; the defaults are what `vitals sync` and the daemon use.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncSettings {
    /// How far before its watermark an incremental read starts: audit timestamps have
    /// whole-second precision and a transaction's `SystemModstamp` can precede its commit.
    pub overlap: Duration,
    /// Planned writes per enqueue transaction.
    pub enqueue_batch: usize,
    /// Outbox entries claimed and written per chunk. Above the client's
    /// `bulk_write_threshold` a chunk goes out as a Bulk ingest job, so this bounds both
    /// the memory a chunk holds and the size of a job.
    pub apply_chunk: usize,
    /// In-doubt entries settled per step at the start of a run.
    pub recover_chunk: usize,
    /// How many failures, skipped records and skipped tasks a report lists by name (the
    /// rest are counted).
    pub report_examples: usize,
    /// Settled outbox entries older than this are pruned at the end of a run.
    pub outbox_retention: Duration,
}

impl Default for SyncSettings {
    fn default() -> Self {
        Self {
            overlap: Duration::minutes(5),
            enqueue_batch: 2_000,
            apply_chunk: 50_000,
            recover_chunk: 2_000,
            report_examples: 100,
            outbox_retention: Duration::days(30),
        }
    }
}

/// The configuration sections a run reads: `[scoring] period`, `[renewals]`, `[playbooks]`.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncConfig {
    /// History granularity.
    pub period: Period,
    /// Renewal opportunities.
    pub renewals: RenewalsConfig,
    /// The playbooks enabled.
    pub playbooks: PlaybooksConfig,
}

impl SyncConfig {
    /// The sections of a loaded configuration.
    pub fn from_config(config: &Config) -> Self {
        Self {
            period: config.scoring.period,
            renewals: config.renewals,
            playbooks: config.playbooks.clone(),
        }
    }
}

/// Everything a run needs, built once per process.
#[derive(Clone)]
pub struct SyncContext {
    /// The state store.
    pub store: Store,
    /// The Salesforce client (one session, one budget).
    pub client: Client,
    /// The scoring model.
    pub model: Arc<Model>,
    /// The `[fields]` map for the model's categories.
    pub fields: FieldMap,
    /// The sections a run reads.
    pub config: SyncConfig,
    /// Where "now" comes from.
    pub clock: Arc<dyn Clock>,
    /// Checked between batches: a cancelled run stops cleanly and the next one resumes.
    pub cancel: CancelToken,
    /// The sync's knobs.
    pub settings: SyncSettings,
    /// Who runs the syncs (host and process, for the lease and the run records).
    pub holder: String,
    pause: Option<(PausePoint, PauseHook)>,
    lease: Option<LeaseSlot>,
    selects: Arc<Vec<SelectList>>,
    planning: PlanningSettings,
}

impl fmt::Debug for SyncContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SyncContext")
            .field("model", &self.model.name)
            .field("config", &self.config)
            .field("settings", &self.settings)
            .field("holder", &self.holder)
            .field("pause", &self.pause.as_ref().map(|(point, _)| *point))
            .finish_non_exhaustive()
    }
}

impl SyncContext {
    /// A context with the default settings, a fresh cancellation token and no pause.
    pub fn new(
        config: SyncConfig,
        store: Store,
        client: Client,
        model: Model,
        fields: FieldMap,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let categories = model.category_keys();
        let selects = SelectList::all(&model.fields_used(), &fields, &categories);
        let planning = PlanningSettings::new(
            &model,
            config.period,
            config.renewals.create_days_before_end,
            &config.playbooks.enabled,
        );
        Self {
            store,
            client,
            model: Arc::new(model),
            fields,
            config,
            clock,
            cancel: CancelToken::new(),
            settings: SyncSettings::default(),
            holder: "vitals".to_owned(),
            pause: None,
            lease: None,
            selects: Arc::new(selects),
            planning,
        }
    }

    /// With this cancellation token (the daemon's shutdown signal feeds it).
    pub fn with_cancel(mut self, cancel: CancelToken) -> Self {
        self.cancel = cancel;
        self
    }

    /// With these settings.
    pub fn with_settings(mut self, settings: SyncSettings) -> Self {
        self.settings = settings;
        self
    }

    /// With this holder name.
    pub fn with_holder(mut self, holder: impl Into<String>) -> Self {
        self.holder = holder.into();
        self
    }

    /// Pauses every run at `point` by calling `hook` there (a test seam).
    pub fn with_pause(mut self, point: PausePoint, hook: PauseHook) -> Self {
        self.pause = Some((point, hook));
        self
    }

    /// Runs under the lease in `slot`, which the caller (the daemon) takes and keeps
    /// across runs, instead of taking one per run: a run with an empty slot does not
    /// write ([`SyncError::NotLeader`]), and a run checks the lease before each batch.
    pub fn with_lease(mut self, slot: LeaseSlot) -> Self {
        self.lease = Some(slot);
        self
    }

    /// The caller's lease slot, when the caller holds the lease across runs.
    pub(super) fn lease_slot(&self) -> Option<&LeaseSlot> {
        self.lease.as_ref()
    }

    /// Before a batch of writes: the caller's lease is still held. A run without a slot
    /// (`vitals sync`) took its lease at its start and relies on the store's fencing.
    ///
    /// # Errors
    /// [`SyncError::LeaseLost`] (the slot is emptied), or the store's failure to ask.
    pub(super) fn check_lease(&self, phase: Phase) -> Result<(), SyncError> {
        let Some(slot) = &self.lease else {
            return Ok(());
        };
        let Some(lease) = slot.get() else {
            return Err(SyncError::LeaseLost {
                reason: "the daemon gave the lease up".into(),
            });
        };
        match self
            .store
            .check_lease(&lease)
            .map_err(SyncError::store(phase))?
        {
            LeaseStatus::Held => Ok(()),
            LeaseStatus::Lost { reason } => {
                slot.clear(&lease);
                Err(SyncError::LeaseLost { reason })
            }
        }
    }

    /// The select list of every synced object, in `SyncedObject::ALL` order.
    pub fn selects(&self) -> &[SelectList] {
        &self.selects
    }

    /// What the planner is configured with.
    pub fn planning(&self) -> &PlanningSettings {
        &self.planning
    }

    /// The model's category keys.
    pub fn categories(&self) -> Vec<&str> {
        self.model.category_keys()
    }

    /// Calls the pause hook when the run reached the chosen point.
    pub(super) fn reached(&self, point: PausePoint) {
        if let Some((at, hook)) = &self.pause
            && *at == point
        {
            tracing::info!(%point, "Paused at the chosen point (a test seam).");
            hook(point);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pause_points_read_what_they_print() {
        for point in [
            PausePoint::AfterEnqueue,
            PausePoint::BeforeRecord(WriteKind::History),
            PausePoint::BeforeRecord(WriteKind::Renewal),
        ] {
            assert_eq!(PausePoint::parse(&point.to_string()), Some(point));
        }
        assert_eq!(PausePoint::parse("before-record"), None);
        assert_eq!(PausePoint::parse("before-record:nothing"), None);
        assert_eq!(PausePoint::parse("later"), None);
    }

    #[test]
    fn a_cancelled_token_is_seen_by_every_clone() {
        let token = CancelToken::new();
        let clone = token.clone();
        assert!(!clone.is_cancelled());
        token.cancel();
        assert!(clone.is_cancelled());
    }
}
