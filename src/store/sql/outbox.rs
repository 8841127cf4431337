//! SQL of the lease row and the outbox.
//!
//! Every outbox call first checks the caller's epoch against the lease row inside its own
//! transaction, so a holder that lost the lease cannot enqueue, claim or settle anything
//! (fencing). On PostgreSQL the check locks the lease row (`FOR SHARE`) until the call
//! commits: a new holder's epoch bump waits for a call already past its check, so every
//! outbox change is ordered either before the takeover (and the new holder sees it) or
//! after it (and is refused). Entries are numbered in enqueue order and claimed oldest
//! first; a claim marks an entry only while it is still pending, so two concurrent
//! claimers never get the same entry.

use chrono::{DateTime, Utc};

use super::codec::{self, micros};
use super::{Dialect, Fault, Param, Row, Tx, ledger};
use crate::domain::{Outcome, PlannedWrite, SfId, Target, Value, WriteKind};
use crate::store::{
    EnqueueStats, EntryState, Epoch, Failure, Lease, LedgerState, OutboxDepth, OutboxEntry,
    OutboxId, RecordStats, RunId, RunStamp,
};

const ENTRY_COLUMNS: &str = "id, run_id, payload, state, attempts, epoch";

/// Moves the epoch on and records the holder: taking the lease fences the previous one.
pub(in crate::store) fn bump_epoch(
    tx: &mut dyn Tx,
    holder: &str,
    at: DateTime<Utc>,
) -> Result<Lease, Fault> {
    let row = tx.query_one(
        "UPDATE lease SET epoch = epoch + 1, holder = ?1, acquired_at = ?2 WHERE id = 1 \
         RETURNING epoch",
        &[holder.into(), micros(at).into()],
    )?;
    Ok(Lease {
        epoch: Epoch(row.int(0)?),
        holder: holder.to_owned(),
        acquired_at: at,
    })
}

/// The current lease epoch.
pub(in crate::store) fn current_epoch(tx: &mut dyn Tx) -> Result<Epoch, Fault> {
    let row = tx.query_one("SELECT epoch FROM lease WHERE id = 1", &[])?;
    Ok(Epoch(row.int(0)?))
}

/// The lease as last taken; `None` before the first, or after a clean release.
pub(in crate::store) fn current_lease(tx: &mut dyn Tx) -> Result<Option<Lease>, Fault> {
    let row = tx.query_one(
        "SELECT epoch, holder, acquired_at FROM lease WHERE id = 1",
        &[],
    )?;
    let (Some(holder), Some(at)) = (row.opt_text(1)?, row.opt_int(2)?) else {
        return Ok(None);
    };
    Ok(Some(Lease {
        epoch: Epoch(row.int(0)?),
        holder,
        acquired_at: codec::instant(at, || "the lease".into())?,
    }))
}

/// Records a clean release: the row keeps its epoch (so the next holder's is higher) and
/// forgets the holder. A lease already taken over is left alone.
pub(in crate::store) fn release(tx: &mut dyn Tx, lease: &Lease) -> Result<(), Fault> {
    tx.execute(
        "UPDATE lease SET holder = NULL, acquired_at = NULL WHERE id = 1 AND epoch = ?1",
        &[lease.epoch.0.into()],
    )?;
    Ok(())
}

/// Refuses a caller whose epoch is not the current lease's.
fn check_epoch(tx: &mut dyn Tx, held: Epoch) -> Result<(), Fault> {
    let sql = match tx.dialect() {
        Dialect::Sqlite => "SELECT epoch FROM lease WHERE id = 1",
        Dialect::Postgres => "SELECT epoch FROM lease WHERE id = 1 FOR SHARE",
    };
    let current = Epoch(tx.query_one(sql, &[])?.int(0)?);
    if held != current || current.0 == 0 {
        return Err(Fault::Fenced { held, current });
    }
    Ok(())
}

/// Persists planned writes, superseding unsent ones for the same record.
pub(in crate::store) fn enqueue(
    tx: &mut dyn Tx,
    stamp: &RunStamp,
    writes: &[PlannedWrite],
) -> Result<EnqueueStats, Fault> {
    check_epoch(tx, stamp.epoch)?;
    let mut stats = EnqueueStats::default();
    for write in writes {
        check_write(write)?;
        stats.superseded += supersede(tx, write.kind, write.target.as_text(), stamp)?;
        insert_entry(tx, stamp, write)?;
        if write.kind.creates() {
            ledger::plan(tx, write, stamp.at)?;
        }
        stats.enqueued += 1;
    }
    Ok(stats)
}

/// Refuses a write the applier could not send: a create without a key, an update without
/// an Id, or a number JSON cannot carry (it would come back as null and poison the entry).
fn check_write(write: &PlannedWrite) -> Result<(), Fault> {
    let kind = write.kind.key();
    let account = write.account_id;
    if write.kind.creates() != matches!(write.target, Target::Key(_)) {
        let by = if write.kind.creates() { "key" } else { "Id" };
        return Err(Fault::Invalid(format!(
            "a {kind} write for account {account} must address its record by {by}"
        )));
    }
    for (name, value) in &write.fields {
        if matches!(value, Value::Number(n) if !n.is_finite()) {
            return Err(Fault::Invalid(format!(
                "field {name} of a {kind} write for account {account} is not a finite number"
            )));
        }
    }
    Ok(())
}

fn supersede(
    tx: &mut dyn Tx,
    kind: WriteKind,
    target: &str,
    stamp: &RunStamp,
) -> Result<u64, Fault> {
    tx.execute(
        "UPDATE outbox SET state = 'superseded', settled_at = ?3, last_run = ?4 \
         WHERE kind = ?1 AND target = ?2 AND state = 'pending'",
        &[
            kind.key().into(),
            target.into(),
            micros(stamp.at).into(),
            stamp.run.0.into(),
        ],
    )
}

fn insert_entry(tx: &mut dyn Tx, stamp: &RunStamp, write: &PlannedWrite) -> Result<(), Fault> {
    let payload = codec::to_json(write, || {
        format!(
            "{} write for account {}",
            write.kind.key(),
            write.account_id
        )
    })?;
    tx.execute(
        "INSERT INTO outbox (run_id, kind, target, account_id, payload, state, attempts, \
         enqueued_at, last_run) VALUES (?1, ?2, ?3, ?4, ?5, 'pending', 0, ?6, ?1)",
        &[
            stamp.run.0.into(),
            write.kind.key().into(),
            write.target.as_text().into(),
            write.account_id.as_str().into(),
            (&payload).into(),
            micros(stamp.at).into(),
        ],
    )?;
    Ok(())
}

/// Reads an entry from the columns of [`ENTRY_COLUMNS`].
fn decode_entry(row: &Row) -> Result<OutboxEntry, Fault> {
    let id = row.int(0)?;
    let what = || format!("outbox entry {id}");
    let state = EntryState::from_key(&row.text(3)?).ok_or_else(|| Fault::Decode {
        what: what(),
        detail: "unknown state".into(),
    })?;
    Ok(OutboxEntry {
        id: OutboxId(id),
        run: RunId(row.int(1)?),
        write: codec::from_json(&row.text(2)?, what)?,
        state,
        attempts: u32::try_from(row.int(4)?).unwrap_or(u32::MAX),
        epoch: row.opt_int(5)?.map(Epoch),
    })
}

/// Marks the oldest pending entries of these kinds as sending under the stamp's epoch.
pub(in crate::store) fn claim(
    tx: &mut dyn Tx,
    stamp: &RunStamp,
    kinds: &[WriteKind],
    limit: usize,
) -> Result<Vec<OutboxEntry>, Fault> {
    check_epoch(tx, stamp.epoch)?;
    if kinds.is_empty() || limit == 0 {
        return Ok(Vec::new());
    }
    let slots: Vec<String> = (0..kinds.len()).map(|i| format!("?{}", i + 2)).collect();
    let sql = format!(
        "SELECT {ENTRY_COLUMNS} FROM outbox WHERE state = 'pending' AND kind IN ({}) \
         ORDER BY id LIMIT ?1",
        slots.join(", ")
    );
    let mut params: Vec<Param<'_>> = vec![codec::limit(limit).into()];
    params.extend(kinds.iter().map(|k| Param::from(k.key())));
    let mut claimed = Vec::new();
    for row in tx.query(&sql, &params)? {
        let mut entry = decode_entry(&row)?;
        // Only while still pending: a concurrent claimer that marked it first wins, and
        // this one leaves it out rather than sending it twice.
        let marked = tx.execute(
            "UPDATE outbox SET state = 'sending', epoch = ?2, claimed_at = ?3, last_run = ?4 \
             WHERE id = ?1 AND state = 'pending'",
            &[
                entry.id.0.into(),
                stamp.epoch.0.into(),
                micros(stamp.at).into(),
                stamp.run.0.into(),
            ],
        )?;
        if marked == 1 {
            entry.state = EntryState::Sending;
            entry.epoch = Some(stamp.epoch);
            claimed.push(entry);
        }
    }
    Ok(claimed)
}

/// Entries left sending, oldest first.
pub(in crate::store) fn in_doubt(tx: &mut dyn Tx, limit: usize) -> Result<Vec<OutboxEntry>, Fault> {
    let sql =
        format!("SELECT {ENTRY_COLUMNS} FROM outbox WHERE state = 'sending' ORDER BY id LIMIT ?1");
    tx.query(&sql, &[codec::limit(limit).into()])?
        .iter()
        .map(decode_entry)
        .collect()
}

/// Settles sending entries with their outcomes.
pub(in crate::store) fn record_outcomes(
    tx: &mut dyn Tx,
    stamp: &RunStamp,
    outcomes: &[(OutboxId, Outcome)],
) -> Result<RecordStats, Fault> {
    check_epoch(tx, stamp.epoch)?;
    let mut stats = RecordStats::default();
    for (id, outcome) in outcomes {
        let Some(entry) = sending_entry(tx, *id)? else {
            stats.ignored += 1;
            continue;
        };
        match outcome {
            Outcome::Delivered { id: record_id, .. } => {
                deliver(tx, stamp, &entry, *record_id)?;
                stats.delivered += 1;
            }
            Outcome::Rejected { .. } => {
                reject(tx, stamp, &entry, outcome)?;
                stats.rejected += 1;
            }
            Outcome::Errored { .. } => {
                retry(tx, stamp, &entry, outcome)?;
                stats.retried += 1;
            }
        }
    }
    Ok(stats)
}

fn sending_entry(tx: &mut dyn Tx, id: OutboxId) -> Result<Option<OutboxEntry>, Fault> {
    let sql = format!("SELECT {ENTRY_COLUMNS} FROM outbox WHERE id = ?1 AND state = 'sending'");
    tx.query_opt(&sql, &[id.0.into()])?
        .as_ref()
        .map(decode_entry)
        .transpose()
}

/// The org confirmed: the entry is done, its values are the last written, its key is
/// delivered.
fn deliver(
    tx: &mut dyn Tx,
    stamp: &RunStamp,
    entry: &OutboxEntry,
    record_id: Option<SfId>,
) -> Result<(), Fault> {
    settle(tx, stamp, entry.id, EntryState::Delivered, None)?;
    let record_id = record_id.or(match entry.write.target {
        Target::Id(id) => Some(id),
        Target::Key(_) => None,
    });
    ledger::record_written(tx, &entry.write, record_id, stamp.at)?;
    if let Target::Key(key) = &entry.write.target {
        let state = LedgerState::Delivered;
        ledger::settle(tx, entry.write.kind, key, state, record_id, stamp.at)?;
    }
    Ok(())
}

/// The org refused: final for this entry; the key may be planned again.
fn reject(
    tx: &mut dyn Tx,
    stamp: &RunStamp,
    entry: &OutboxEntry,
    outcome: &Outcome,
) -> Result<(), Fault> {
    settle(tx, stamp, entry.id, EntryState::Rejected, Some(outcome))?;
    if let Target::Key(key) = &entry.write.target {
        let state = LedgerState::Rejected;
        ledger::settle(tx, entry.write.kind, key, state, None, stamp.at)?;
    }
    Ok(())
}

fn outcome_json(id: OutboxId, outcome: &Outcome) -> Result<String, Fault> {
    codec::to_json(outcome, || format!("outcome of outbox entry {}", id.0))
}

fn settle(
    tx: &mut dyn Tx,
    stamp: &RunStamp,
    id: OutboxId,
    state: EntryState,
    outcome: Option<&Outcome>,
) -> Result<(), Fault> {
    let error = outcome.map(|o| outcome_json(id, o)).transpose()?;
    tx.execute(
        "UPDATE outbox SET state = ?2, settled_at = ?3, last_run = ?4, error = ?5 WHERE id = ?1",
        &[
            id.0.into(),
            state.key().into(),
            micros(stamp.at).into(),
            stamp.run.0.into(),
            error.as_deref().into(),
        ],
    )?;
    Ok(())
}

/// A transient failure: back to pending for the next cycle, unless a newer plan for the
/// same record is already waiting, which then replaces it.
fn retry(
    tx: &mut dyn Tx,
    stamp: &RunStamp,
    entry: &OutboxEntry,
    outcome: &Outcome,
) -> Result<(), Fault> {
    let error = outcome_json(entry.id, outcome)?;
    let newer = tx.query_opt(
        "SELECT id FROM outbox WHERE kind = ?1 AND target = ?2 AND state = 'pending' \
         AND id > ?3 LIMIT 1",
        &[
            entry.write.kind.key().into(),
            entry.write.target.as_text().into(),
            entry.id.0.into(),
        ],
    )?;
    let state = if newer.is_some() {
        EntryState::Superseded
    } else {
        EntryState::Pending
    };
    let settled_at = newer.map(|_| micros(stamp.at));
    tx.execute(
        "UPDATE outbox SET state = ?2, attempts = attempts + 1, epoch = NULL, \
         claimed_at = NULL, settled_at = ?3, last_run = ?4, error = ?5 WHERE id = ?1",
        &[
            entry.id.0.into(),
            state.key().into(),
            settled_at.into(),
            stamp.run.0.into(),
            (&error).into(),
        ],
    )?;
    Ok(())
}

/// Entries pending and sending.
pub(in crate::store) fn depth(tx: &mut dyn Tx) -> Result<OutboxDepth, Fault> {
    let rows = tx.query(
        "SELECT state, COUNT(*) FROM outbox WHERE state IN ('pending', 'sending') GROUP BY state",
        &[],
    )?;
    let mut depth = OutboxDepth::default();
    for row in rows {
        let count = codec::count(row.int(1)?);
        match row.text(0)?.as_str() {
            "pending" => depth.pending = count,
            _ => depth.sending = count,
        }
    }
    Ok(depth)
}

/// Writes that failed during a run.
pub(in crate::store) fn failures(
    tx: &mut dyn Tx,
    run: RunId,
    limit: usize,
) -> Result<Vec<Failure>, Fault> {
    let sql = format!(
        "SELECT {ENTRY_COLUMNS}, error FROM outbox WHERE last_run = ?1 AND error IS NOT NULL \
         AND state IN ('pending', 'rejected') ORDER BY id LIMIT ?2"
    );
    let rows = tx.query(&sql, &[run.0.into(), codec::limit(limit).into()])?;
    let mut failures = Vec::with_capacity(rows.len());
    for row in rows {
        let entry = decode_entry(&row)?;
        let outcome = codec::from_json(&row.text(6)?, || {
            format!("outcome of outbox entry {}", entry.id.0)
        })?;
        failures.push(Failure {
            entry: entry.id,
            kind: entry.write.kind,
            target: entry.write.target,
            account_id: entry.write.account_id,
            rejected: entry.state == EntryState::Rejected,
            attempts: entry.attempts,
            outcome,
        });
    }
    Ok(failures)
}

/// Removes entries settled before `before`.
pub(in crate::store) fn prune(tx: &mut dyn Tx, before: DateTime<Utc>) -> Result<u64, Fault> {
    tx.execute(
        "DELETE FROM outbox WHERE state IN ('delivered', 'rejected', 'superseded') \
         AND settled_at < ?1",
        &[micros(before).into()],
    )
}
