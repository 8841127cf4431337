//! SQL of the lease and the outbox.
//!
//! Every outbox call first checks the caller's epoch against the lease row inside its own
//! write transaction, so a holder that lost the lease cannot claim or settle anything
//! (fencing). Entries are numbered in enqueue order and claimed oldest first.

use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};

use super::codec::{self, Fault, micros};
use super::ledger;
use crate::domain::{Outcome, PlannedWrite, SfId, Target, Value, WriteKind};
use crate::store::{
    EnqueueStats, EntryState, Epoch, Failure, Lease, OutboxDepth, OutboxEntry, OutboxId,
    RecordStats, RunId, RunStamp,
};

const ENTRY_COLUMNS: &str = "id, run_id, payload, state, attempts, epoch";

/// Takes the lease: the epoch moves on, which fences the previous holder.
pub(super) fn acquire_lease(
    conn: &Connection,
    holder: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<Lease, Fault> {
    let epoch: i64 = conn.query_row(
        "UPDATE lease SET epoch = epoch + 1, holder = ?1, acquired_at = ?2 WHERE id = 1 \
         RETURNING epoch",
        params![holder, micros(at)],
        |row| row.get(0),
    )?;
    Ok(Lease {
        epoch: Epoch(epoch),
        holder: holder.to_owned(),
        acquired_at: at,
    })
}

/// The current lease epoch.
pub(super) fn current_epoch(conn: &Connection) -> Result<Epoch, Fault> {
    let epoch = conn
        .prepare_cached("SELECT epoch FROM lease WHERE id = 1")?
        .query_row([], |row| row.get(0))?;
    Ok(Epoch(epoch))
}

/// Refuses a caller whose epoch is not the current lease's.
fn check_epoch(conn: &Connection, held: Epoch) -> Result<(), Fault> {
    let current = current_epoch(conn)?;
    if held != current || current.0 == 0 {
        return Err(Fault::Fenced { held, current });
    }
    Ok(())
}

/// Persists planned writes, superseding unsent ones for the same record.
pub(super) fn enqueue(
    conn: &Connection,
    stamp: &RunStamp,
    writes: &[PlannedWrite],
) -> Result<EnqueueStats, Fault> {
    check_epoch(conn, stamp.epoch)?;
    let mut stats = EnqueueStats::default();
    for write in writes {
        check_write(write)?;
        stats.superseded += supersede(conn, write.kind, write.target.as_text(), stamp)?;
        insert_entry(conn, stamp, write)?;
        if write.kind.creates() {
            ledger::plan(conn, write, stamp.at)?;
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
    conn: &Connection,
    kind: WriteKind,
    target: &str,
    stamp: &RunStamp,
) -> Result<u64, Fault> {
    let changed = conn
        .prepare_cached(
            "UPDATE outbox SET state = 'superseded', settled_at = ?3, last_run = ?4 \
             WHERE kind = ?1 AND target = ?2 AND state = 'pending'",
        )?
        .execute(params![kind.key(), target, micros(stamp.at), stamp.run.0])?;
    Ok(u64::try_from(changed).unwrap_or(u64::MAX))
}

fn insert_entry(conn: &Connection, stamp: &RunStamp, write: &PlannedWrite) -> Result<(), Fault> {
    let payload = codec::to_json(write, || {
        format!(
            "{} write for account {}",
            write.kind.key(),
            write.account_id
        )
    })?;
    conn.prepare_cached(
        "INSERT INTO outbox (run_id, kind, target, account_id, payload, state, attempts, \
         enqueued_at, last_run) VALUES (?1, ?2, ?3, ?4, ?5, 'pending', 0, ?6, ?1)",
    )?
    .execute(params![
        stamp.run.0,
        write.kind.key(),
        write.target.as_text(),
        write.account_id.as_str(),
        payload,
        micros(stamp.at)
    ])?;
    Ok(())
}

/// The outbox columns as stored.
struct RawEntry {
    id: i64,
    run: i64,
    payload: String,
    state: String,
    attempts: i64,
    epoch: Option<i64>,
}

impl RawEntry {
    fn read(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get(0)?,
            run: row.get(1)?,
            payload: row.get(2)?,
            state: row.get(3)?,
            attempts: row.get(4)?,
            epoch: row.get(5)?,
        })
    }

    fn decode(self) -> Result<OutboxEntry, Fault> {
        let what = || format!("outbox entry {}", self.id);
        let state = EntryState::from_key(&self.state).ok_or_else(|| Fault::Decode {
            what: what(),
            detail: "unknown state".into(),
        })?;
        Ok(OutboxEntry {
            id: OutboxId(self.id),
            run: RunId(self.run),
            write: codec::from_json(&self.payload, what)?,
            state,
            attempts: u32::try_from(self.attempts).unwrap_or(u32::MAX),
            epoch: self.epoch.map(Epoch),
        })
    }
}

fn query_entries(
    conn: &Connection,
    sql: &str,
    values: Vec<SqlValue>,
) -> Result<Vec<OutboxEntry>, Fault> {
    let mut statement = conn.prepare_cached(sql)?;
    let mut rows = statement.query(params_from_iter(values))?;
    let mut entries = Vec::new();
    while let Some(row) = rows.next()? {
        entries.push(RawEntry::read(row)?.decode()?);
    }
    Ok(entries)
}

fn limit_value(limit: usize) -> SqlValue {
    SqlValue::Integer(i64::try_from(limit).unwrap_or(i64::MAX))
}

/// Marks the oldest pending entries of these kinds as sending under the stamp's epoch.
pub(super) fn claim(
    conn: &Connection,
    stamp: &RunStamp,
    kinds: &[WriteKind],
    limit: usize,
) -> Result<Vec<OutboxEntry>, Fault> {
    check_epoch(conn, stamp.epoch)?;
    if kinds.is_empty() || limit == 0 {
        return Ok(Vec::new());
    }
    let slots: Vec<String> = (0..kinds.len()).map(|i| format!("?{}", i + 2)).collect();
    let sql = format!(
        "SELECT {ENTRY_COLUMNS} FROM outbox WHERE state = 'pending' AND kind IN ({}) \
         ORDER BY id LIMIT ?1",
        slots.join(", ")
    );
    let mut values = vec![limit_value(limit)];
    values.extend(kinds.iter().map(|k| SqlValue::Text(k.key().to_owned())));
    let mut entries = query_entries(conn, &sql, values)?;
    let mut mark = conn.prepare_cached(
        "UPDATE outbox SET state = 'sending', epoch = ?2, claimed_at = ?3, last_run = ?4 \
         WHERE id = ?1",
    )?;
    for entry in &mut entries {
        mark.execute(params![
            entry.id.0,
            stamp.epoch.0,
            micros(stamp.at),
            stamp.run.0
        ])?;
        entry.state = EntryState::Sending;
        entry.epoch = Some(stamp.epoch);
    }
    Ok(entries)
}

/// Entries left sending, oldest first.
pub(super) fn in_doubt(conn: &Connection, limit: usize) -> Result<Vec<OutboxEntry>, Fault> {
    let sql =
        format!("SELECT {ENTRY_COLUMNS} FROM outbox WHERE state = 'sending' ORDER BY id LIMIT ?1");
    query_entries(conn, &sql, vec![limit_value(limit)])
}

/// Settles sending entries with their outcomes.
pub(super) fn record_outcomes(
    conn: &Connection,
    stamp: &RunStamp,
    outcomes: &[(OutboxId, Outcome)],
) -> Result<RecordStats, Fault> {
    check_epoch(conn, stamp.epoch)?;
    let mut stats = RecordStats::default();
    for (id, outcome) in outcomes {
        let Some(entry) = sending_entry(conn, *id)? else {
            stats.ignored += 1;
            continue;
        };
        match outcome {
            Outcome::Delivered { id: record_id, .. } => {
                deliver(conn, stamp, &entry, *record_id)?;
                stats.delivered += 1;
            }
            Outcome::Rejected { .. } => {
                reject(conn, stamp, &entry, outcome)?;
                stats.rejected += 1;
            }
            Outcome::Errored { .. } => {
                retry(conn, stamp, &entry, outcome)?;
                stats.retried += 1;
            }
        }
    }
    Ok(stats)
}

fn sending_entry(conn: &Connection, id: OutboxId) -> Result<Option<OutboxEntry>, Fault> {
    let sql = format!("SELECT {ENTRY_COLUMNS} FROM outbox WHERE id = ?1 AND state = 'sending'");
    let raw = conn
        .prepare_cached(&sql)?
        .query_row([id.0], RawEntry::read)
        .optional()?;
    raw.map(RawEntry::decode).transpose()
}

/// The org confirmed: the entry is done, its values are the last written, its key is
/// delivered.
fn deliver(
    conn: &Connection,
    stamp: &RunStamp,
    entry: &OutboxEntry,
    record_id: Option<SfId>,
) -> Result<(), Fault> {
    settle(conn, stamp, entry.id, EntryState::Delivered, None)?;
    let record_id = record_id.or(match entry.write.target {
        Target::Id(id) => Some(id),
        Target::Key(_) => None,
    });
    ledger::record_written(conn, &entry.write, record_id, stamp.at)?;
    if let Target::Key(key) = &entry.write.target {
        let state = crate::store::LedgerState::Delivered;
        ledger::settle(conn, entry.write.kind, key, state, record_id, stamp.at)?;
    }
    Ok(())
}

/// The org refused: final for this entry; the key may be planned again.
fn reject(
    conn: &Connection,
    stamp: &RunStamp,
    entry: &OutboxEntry,
    outcome: &Outcome,
) -> Result<(), Fault> {
    settle(conn, stamp, entry.id, EntryState::Rejected, Some(outcome))?;
    if let Target::Key(key) = &entry.write.target {
        let state = crate::store::LedgerState::Rejected;
        ledger::settle(conn, entry.write.kind, key, state, None, stamp.at)?;
    }
    Ok(())
}

fn settle(
    conn: &Connection,
    stamp: &RunStamp,
    id: OutboxId,
    state: EntryState,
    outcome: Option<&Outcome>,
) -> Result<(), Fault> {
    let error = outcome
        .map(|o| codec::to_json(o, || format!("outcome of outbox entry {}", id.0)))
        .transpose()?;
    conn.prepare_cached(
        "UPDATE outbox SET state = ?2, settled_at = ?3, last_run = ?4, error = ?5 WHERE id = ?1",
    )?
    .execute(params![
        id.0,
        state.key(),
        micros(stamp.at),
        stamp.run.0,
        error
    ])?;
    Ok(())
}

/// A transient failure: back to pending for the next cycle, unless a newer plan for the
/// same record is already waiting, which then replaces it.
fn retry(
    conn: &Connection,
    stamp: &RunStamp,
    entry: &OutboxEntry,
    outcome: &Outcome,
) -> Result<(), Fault> {
    let error = codec::to_json(outcome, || {
        format!("outcome of outbox entry {}", entry.id.0)
    })?;
    let newer: Option<i64> = conn
        .prepare_cached(
            "SELECT id FROM outbox WHERE kind = ?1 AND target = ?2 AND state = 'pending' \
             AND id > ?3 LIMIT 1",
        )?
        .query_row(
            params![
                entry.write.kind.key(),
                entry.write.target.as_text(),
                entry.id.0
            ],
            |row| row.get(0),
        )
        .optional()?;
    let state = if newer.is_some() {
        EntryState::Superseded
    } else {
        EntryState::Pending
    };
    let settled_at = newer.map(|_| micros(stamp.at));
    conn.prepare_cached(
        "UPDATE outbox SET state = ?2, attempts = attempts + 1, epoch = NULL, \
         claimed_at = NULL, settled_at = ?3, last_run = ?4, error = ?5 WHERE id = ?1",
    )?
    .execute(params![
        entry.id.0,
        state.key(),
        settled_at,
        stamp.run.0,
        error
    ])?;
    Ok(())
}

/// Entries pending and sending.
pub(super) fn depth(conn: &Connection) -> Result<OutboxDepth, Fault> {
    let mut statement = conn.prepare_cached(
        "SELECT state, COUNT(*) FROM outbox WHERE state IN ('pending', 'sending') GROUP BY state",
    )?;
    let mut rows = statement.query([])?;
    let mut depth = OutboxDepth::default();
    while let Some(row) = rows.next()? {
        let state: String = row.get(0)?;
        let count = codec::count(row.get(1)?);
        match state.as_str() {
            "pending" => depth.pending = count,
            _ => depth.sending = count,
        }
    }
    Ok(depth)
}

/// Writes that failed during a run.
pub(super) fn failures(conn: &Connection, run: RunId, limit: usize) -> Result<Vec<Failure>, Fault> {
    let sql = format!(
        "SELECT {ENTRY_COLUMNS}, error FROM outbox WHERE last_run = ?1 AND error IS NOT NULL \
         AND state IN ('pending', 'rejected') ORDER BY id LIMIT ?2"
    );
    let mut statement = conn.prepare_cached(&sql)?;
    let mut rows = statement.query(params![run.0, limit_value(limit)])?;
    let mut failures = Vec::new();
    while let Some(row) = rows.next()? {
        let error: String = row.get(6)?;
        let entry = RawEntry::read(row)?.decode()?;
        let outcome =
            codec::from_json(&error, || format!("outcome of outbox entry {}", entry.id.0))?;
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
pub(super) fn prune(
    conn: &Connection,
    before: chrono::DateTime<chrono::Utc>,
) -> Result<u64, Fault> {
    let removed = conn.execute(
        "DELETE FROM outbox WHERE state IN ('delivered', 'rejected', 'superseded') \
         AND settled_at < ?1",
        [micros(before)],
    )?;
    Ok(u64::try_from(removed).unwrap_or(u64::MAX))
}
