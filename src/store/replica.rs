//! The replica's vocabulary: rows put by extraction, per-object sync state, and what
//! streaming snapshots reports.
//!
//! Plain values shared by every backend; no SQL here. A row is a [`DomainRecord`] with its
//! `SystemModstamp`; its object, Id and account are derived from the record, so they can
//! never disagree with it.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{AccountSnapshot, DomainRecord, SfId, SyncedObject};

/// One replicated record as extraction read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplicaRow {
    /// The record's `SystemModstamp`.
    pub modstamp: DateTime<Utc>,
    /// The record.
    pub record: DomainRecord,
}

/// A full load in progress: the generation its rows are tagged with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LoadId {
    /// The object being loaded.
    pub object: SyncedObject,
    /// The generation of the load (increasing per object).
    pub generation: i64,
}

/// Where extraction stands for one object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectState {
    /// The object.
    pub object: SyncedObject,
    /// Every change up to this `SystemModstamp` is in the replica.
    pub watermark: Option<DateTime<Utc>>,
    /// Fingerprint of the field list the replica was loaded with; a different one calls
    /// for a full reload.
    pub fieldset: Option<String>,
    /// Deletions are known to be applied up to this instant.
    pub delete_coverage: Option<DateTime<Utc>>,
    /// Generation of the last finished full load; 0 when none finished.
    pub generation: i64,
    /// Rows in the replica when the last full load finished.
    pub loaded_rows: Option<u64>,
    /// When the last full load finished.
    pub loaded_at: Option<DateTime<Utc>>,
    /// A full load begun and not finished (a crash mid-load leaves it here).
    pub loading: Option<LoadId>,
}

/// What one `put_page` changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PutStats {
    /// Rows inserted or replaced.
    pub upserted: u64,
    /// Rows removed because the org deleted them.
    pub deleted: u64,
}

/// What finishing a full load did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadStats {
    /// Rows of the object in the replica after the load.
    pub rows: u64,
    /// Rows of older generations removed (records gone from the org).
    pub removed: u64,
}

/// How an account is named on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountRef {
    /// By record Id.
    Id(SfId),
    /// By exact account Name.
    Name(String),
}

/// The result of looking an account up.
#[derive(Debug, Clone, PartialEq)]
pub enum SnapshotLookup {
    /// The account and its related records.
    Found(Box<AccountSnapshot>),
    /// No such account in the replica.
    NotFound,
    /// Several accounts have this name: their Ids.
    Ambiguous(Vec<SfId>),
}

/// Why a replicated record is not in any snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StrayReason {
    /// Its account field is empty.
    NoAccount,
    /// Its account is not in the replica.
    UnknownAccount,
    /// The stored record could not be read back (written by another Vitals version); a
    /// full reload of the object replaces it.
    Undecodable,
}

/// One record that is not in any snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StrayRecord {
    /// Its object.
    pub object: SyncedObject,
    /// Its Id.
    pub id: SfId,
    /// The account it names, if any.
    pub account_id: Option<SfId>,
    /// Why it was left out.
    pub reason: StrayReason,
}

/// What a pass over every snapshot saw besides the snapshots.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamReport {
    /// Snapshots produced.
    pub accounts: u64,
    /// Records left out, per reason and object.
    pub strays: BTreeMap<StrayReason, BTreeMap<SyncedObject, u64>>,
    /// The first few of them, for the run summary (at most [`StreamReport::EXAMPLES`]).
    pub examples: Vec<StrayRecord>,
}

impl StreamReport {
    /// How many stray records are kept as examples.
    pub const EXAMPLES: usize = 20;

    /// Counts a stray record, keeping it as an example while there is room.
    pub fn stray(&mut self, record: StrayRecord) {
        *self
            .strays
            .entry(record.reason)
            .or_default()
            .entry(record.object)
            .or_default() += 1;
        if self.examples.len() < Self::EXAMPLES {
            self.examples.push(record);
        }
    }

    /// Counts `count` more stray records of one object and reason, none of them kept as
    /// an example (for strays counted by a query rather than read one by one).
    pub fn stray_more(&mut self, reason: StrayReason, object: SyncedObject, count: u64) {
        *self
            .strays
            .entry(reason)
            .or_default()
            .entry(object)
            .or_default() += count;
    }

    /// Records left out for a reason, over all objects.
    pub fn stray_count(&self, reason: StrayReason) -> u64 {
        self.strays.get(&reason).map_or(0, |m| m.values().sum())
    }
}
