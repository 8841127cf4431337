//! The outbox's vocabulary: the lease epoch, entries, outcomes recorded, the key ledger and
//! the values last written.
//!
//! Plain values shared by every backend; no SQL here. An entry moves
//! `pending -> sending -> delivered | rejected`, or back to `pending` when its write
//! errored; an unsent entry is `superseded` when a newer plan addresses the same record.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::runs::RunId;
use crate::domain::{Outcome, PlannedWrite, SfId, Target, Value, WriteKind};

/// The lease epoch: increases every time a holder takes the lease, so a store can refuse a
/// holder that lost it (fencing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Epoch(pub i64);

impl fmt::Display for Epoch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The right to apply writes, held by one process at a time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    /// The epoch every outbox call must carry.
    pub epoch: Epoch,
    /// Who holds it (host and process, for people).
    pub holder: String,
    /// When it was taken.
    pub acquired_at: DateTime<Utc>,
}

/// Whether a holder still holds the lease it took.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum LeaseStatus {
    /// Still held: the holder may go on writing under its epoch.
    Held,
    /// Lost: another holder may take it or has taken it; this one must stop applying
    /// writes at once and stand by (the store refuses its epoch anyway).
    Lost {
        /// Why, in plain words (never a password).
        reason: String,
    },
}

/// Who is changing the outbox, under which lease, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunStamp {
    /// The run.
    pub run: RunId,
    /// The lease epoch the run holds.
    pub epoch: Epoch,
    /// The instant, from the caller's clock.
    pub at: DateTime<Utc>,
}

/// An outbox entry's number: increasing in enqueue order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct OutboxId(pub i64);

/// Where an outbox entry stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryState {
    /// Waiting to be sent (new, or errored before).
    Pending,
    /// Claimed for sending; found so at start, the write is in doubt.
    Sending,
    /// The org confirmed it.
    Delivered,
    /// The org refused it; final.
    Rejected,
    /// Replaced by a newer plan for the same record before it was sent.
    Superseded,
}

impl EntryState {
    /// Every state.
    pub const ALL: [EntryState; 5] = [
        EntryState::Pending,
        EntryState::Sending,
        EntryState::Delivered,
        EntryState::Rejected,
        EntryState::Superseded,
    ];

    /// The stable key the store persists.
    pub fn key(self) -> &'static str {
        match self {
            EntryState::Pending => "pending",
            EntryState::Sending => "sending",
            EntryState::Delivered => "delivered",
            EntryState::Rejected => "rejected",
            EntryState::Superseded => "superseded",
        }
    }

    /// Reads a key written by [`EntryState::key`].
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.key() == key)
    }
}

/// One planned write in the outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxEntry {
    /// Its number.
    pub id: OutboxId,
    /// The run that enqueued it.
    pub run: RunId,
    /// The write.
    pub write: PlannedWrite,
    /// Where it stands.
    pub state: EntryState,
    /// Sends that errored so far.
    pub attempts: u32,
    /// The epoch of the holder that claimed it, while claimed.
    pub epoch: Option<Epoch>,
}

/// What an enqueue did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnqueueStats {
    /// Entries added.
    pub enqueued: u64,
    /// Older unsent entries replaced by them.
    pub superseded: u64,
}

/// What recording outcomes did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordStats {
    /// Entries now delivered.
    pub delivered: u64,
    /// Entries now rejected.
    pub rejected: u64,
    /// Entries back to pending for a retry.
    pub retried: u64,
    /// Outcomes for entries that were not being sent (unknown, or already settled).
    pub ignored: u64,
}

/// How much the outbox still holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxDepth {
    /// Entries waiting.
    pub pending: u64,
    /// Entries claimed and not settled.
    pub sending: u64,
}

/// A write that failed in a run, for the run summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Failure {
    /// The outbox entry.
    pub entry: OutboxId,
    /// What the write does.
    pub kind: WriteKind,
    /// The record it addresses.
    pub target: Target,
    /// The account.
    pub account_id: SfId,
    /// Whether the failure is final (rejected) or will be retried (errored).
    pub rejected: bool,
    /// Sends that errored so far.
    pub attempts: u32,
    /// What the org or the transport said.
    pub outcome: Outcome,
}

/// Where a planned create key stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LedgerState {
    /// Planned; not confirmed yet.
    Planned,
    /// The org confirmed the record.
    Delivered,
    /// The org refused it; planning it again is allowed.
    Rejected,
}

impl LedgerState {
    /// The stable key the store persists.
    pub fn key(self) -> &'static str {
        match self {
            LedgerState::Planned => "planned",
            LedgerState::Delivered => "delivered",
            LedgerState::Rejected => "rejected",
        }
    }

    /// Reads a key written by [`LedgerState::key`].
    pub fn from_key(key: &str) -> Option<Self> {
        [Self::Planned, Self::Delivered, Self::Rejected]
            .into_iter()
            .find(|state| state.key() == key)
    }
}

/// A create key Vitals planned, kept so that a record a CSM closed or deleted is never
/// created again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    /// The external key.
    pub key: String,
    /// What the write creates.
    pub kind: WriteKind,
    /// The account.
    pub account_id: SfId,
    /// The playbook, for playbook tasks.
    pub playbook: Option<String>,
    /// When it was first planned (or planned again after a rejection).
    pub planned_at: DateTime<Utc>,
    /// Where it stands.
    pub state: LedgerState,
    /// The record's Id once delivered.
    pub record_id: Option<SfId>,
    /// When it was delivered or rejected.
    pub settled_at: Option<DateTime<Utc>>,
}

/// A field value the org confirmed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Written {
    /// The value.
    pub value: Value,
    /// When the org confirmed it (the recording instant).
    pub written_at: DateTime<Utc>,
    /// The record's Id, when known.
    pub record_id: Option<SfId>,
}
