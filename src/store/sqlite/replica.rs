//! SQL of the replica's writes and of the per-object sync state.
//!
//! A page is one transaction: rows, deletions and the watermark move together. A full load
//! tags its rows with a new generation; finishing it removes older generations and sets
//! the watermark in one transaction, so a crash mid-load leaves the previous state whole.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::codec::{self, Fault, micros};
use crate::domain::{DomainRecord, SfId, SyncedObject};
use crate::store::{LoadId, LoadStats, ObjectState, PutStats, ReplicaRow};

const STATE_COLUMNS: &str = "object, watermark, fieldset, delete_coverage, generation, \
     loaded_rows, loaded_at, pending_generation";

/// Reads an object's sync state.
pub(super) fn object_state(
    conn: &Connection,
    object: SyncedObject,
) -> Result<Option<ObjectState>, Fault> {
    let sql = format!("SELECT {STATE_COLUMNS} FROM sync_state WHERE object = ?1");
    let raw = conn
        .query_row(&sql, [object.key()], RawState::read)
        .optional()?;
    raw.map(RawState::decode).transpose()
}

/// The sync_state columns as stored.
struct RawState {
    object: String,
    watermark: Option<i64>,
    fieldset: Option<String>,
    delete_coverage: Option<i64>,
    generation: i64,
    loaded_rows: Option<i64>,
    loaded_at: Option<i64>,
    pending: Option<i64>,
}

impl RawState {
    fn read(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            object: row.get(0)?,
            watermark: row.get(1)?,
            fieldset: row.get(2)?,
            delete_coverage: row.get(3)?,
            generation: row.get(4)?,
            loaded_rows: row.get(5)?,
            loaded_at: row.get(6)?,
            pending: row.get(7)?,
        })
    }

    fn decode(self) -> Result<ObjectState, Fault> {
        let object = codec::object(&self.object)?;
        let what = || format!("sync state of {}", object.key());
        Ok(ObjectState {
            object,
            watermark: codec::opt_instant(self.watermark, what)?,
            fieldset: self.fieldset,
            delete_coverage: codec::opt_instant(self.delete_coverage, what)?,
            generation: self.generation,
            loaded_rows: self.loaded_rows.map(codec::count),
            loaded_at: codec::opt_instant(self.loaded_at, what)?,
            loading: self.pending.map(|generation| LoadId { object, generation }),
        })
    }
}

/// Makes sure the object has a sync_state row.
fn ensure_state(conn: &Connection, object: SyncedObject) -> Result<(), Fault> {
    conn.prepare_cached("INSERT INTO sync_state (object) VALUES (?1) ON CONFLICT DO NOTHING")?
        .execute([object.key()])?;
    Ok(())
}

/// Starts a full load with the object's next generation.
pub(super) fn begin_full_load(
    conn: &Connection,
    object: SyncedObject,
    fieldset: &str,
) -> Result<LoadId, Fault> {
    ensure_state(conn, object)?;
    let generation: i64 = conn.query_row(
        "UPDATE sync_state SET pending_generation = next_generation, \
         next_generation = next_generation + 1, pending_fieldset = ?2 \
         WHERE object = ?1 RETURNING pending_generation",
        params![object.key(), fieldset],
        |row| row.get(0),
    )?;
    Ok(LoadId { object, generation })
}

/// Upserts rows, removes deleted Ids and advances the watermark: one page.
pub(super) fn put_page(
    conn: &Connection,
    object: SyncedObject,
    load: Option<LoadId>,
    rows: &[ReplicaRow],
    deleted: &[SfId],
    advance_to: Option<DateTime<Utc>>,
) -> Result<PutStats, Fault> {
    if load.is_some() && advance_to.is_some() {
        return Err(Fault::Invalid(format!(
            "a page of a full load of {} cannot move the watermark; finishing the load sets it",
            object.key()
        )));
    }
    ensure_state(conn, object)?;
    let generation = match load {
        Some(load) => check_load(conn, object, load)?,
        None => current_generation(conn, object)?,
    };
    let mut stats = PutStats::default();
    for row in rows {
        upsert(conn, object, generation, row)?;
        stats.upserted += 1;
    }
    stats.deleted = delete(conn, object, deleted)?;
    if let Some(to) = advance_to {
        advance_watermark(conn, object, to)?;
    }
    Ok(stats)
}

/// The generation of the load in progress, when `load` is it.
fn check_load(conn: &Connection, object: SyncedObject, load: LoadId) -> Result<i64, Fault> {
    let pending: Option<i64> = conn.query_row(
        "SELECT pending_generation FROM sync_state WHERE object = ?1",
        [object.key()],
        |row| row.get(0),
    )?;
    if load.object != object || pending != Some(load.generation) {
        return Err(Fault::Invalid(format!(
            "load {} of {} is not the full load in progress for {}",
            load.generation,
            load.object.key(),
            object.key()
        )));
    }
    Ok(load.generation)
}

fn current_generation(conn: &Connection, object: SyncedObject) -> Result<i64, Fault> {
    Ok(conn.query_row(
        "SELECT generation FROM sync_state WHERE object = ?1",
        [object.key()],
        |row| row.get(0),
    )?)
}

/// Inserts or replaces one row. The check happens inside the page's transaction, so a
/// bad row rolls back the rows before it and the watermark with them.
fn upsert(
    conn: &Connection,
    object: SyncedObject,
    generation: i64,
    row: &ReplicaRow,
) -> Result<(), Fault> {
    let (id, account_id) = row_keys(object, &row.record)?;
    let name = match &row.record {
        DomainRecord::Account(account) => Some(account.name.as_str()),
        _ => None,
    };
    let record = codec::to_json(&row.record, || format!("{} {id}", object.key()))?;
    conn.prepare_cached(
        "INSERT INTO replica (object, id, account_id, name, modstamp, generation, record) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
         ON CONFLICT (object, id) DO UPDATE SET account_id = excluded.account_id, \
         name = excluded.name, modstamp = excluded.modstamp, \
         generation = excluded.generation, record = excluded.record",
    )?
    .execute(params![
        object.key(),
        id.as_str(),
        account_id.as_ref().map(SfId::as_str),
        name,
        micros(row.modstamp),
        generation,
        record
    ])?;
    Ok(())
}

/// The row's Id and account, refusing a record of another object or without an Id.
fn row_keys(object: SyncedObject, record: &DomainRecord) -> Result<(SfId, Option<SfId>), Fault> {
    if record.object() != object {
        return Err(Fault::Invalid(format!(
            "a {} record in a page of {}",
            record.object().key(),
            object.key()
        )));
    }
    let id = record
        .id()
        .ok_or_else(|| Fault::Invalid(format!("a {} record without an Id", object.key())))?;
    Ok((id, record.account_id()))
}

fn delete(conn: &Connection, object: SyncedObject, ids: &[SfId]) -> Result<u64, Fault> {
    let mut statement = conn.prepare_cached("DELETE FROM replica WHERE object = ?1 AND id = ?2")?;
    let mut removed = 0;
    for id in ids {
        removed += statement.execute(params![object.key(), id.as_str()])?;
    }
    Ok(u64::try_from(removed).unwrap_or(u64::MAX))
}

/// Moves the watermark forward, never back: an overlapping page may end earlier than the
/// watermark already reached.
fn advance_watermark(
    conn: &Connection,
    object: SyncedObject,
    to: DateTime<Utc>,
) -> Result<(), Fault> {
    conn.prepare_cached(
        "UPDATE sync_state SET watermark = ?2 \
         WHERE object = ?1 AND (watermark IS NULL OR watermark < ?2)",
    )?
    .execute(params![object.key(), micros(to)])?;
    Ok(())
}

/// Finishes the load in progress: removes older generations, sets the watermark.
pub(super) fn finish_full_load(
    conn: &Connection,
    load: LoadId,
    watermark: DateTime<Utc>,
    at: DateTime<Utc>,
) -> Result<LoadStats, Fault> {
    ensure_state(conn, load.object)?;
    check_load(conn, load.object, load)?;
    let object = load.object.key();
    // A full scan of the object's rows, once per full load; an index on generation would
    // cost every page write more than it saves here.
    let removed = conn.execute(
        "DELETE FROM replica WHERE object = ?1 AND generation < ?2",
        params![object, load.generation],
    )?;
    let rows: i64 = conn.query_row(
        "SELECT COUNT(*) FROM replica WHERE object = ?1",
        [object],
        |row| row.get(0),
    )?;
    conn.execute(
        "UPDATE sync_state SET watermark = ?2, delete_coverage = ?2, generation = ?3, \
         fieldset = pending_fieldset, loaded_rows = ?4, loaded_at = ?5, \
         pending_generation = NULL, pending_fieldset = NULL WHERE object = ?1",
        params![object, micros(watermark), load.generation, rows, micros(at)],
    )?;
    Ok(LoadStats {
        rows: codec::count(rows),
        removed: u64::try_from(removed).unwrap_or(u64::MAX),
    })
}

/// Records how far deletions are applied.
pub(super) fn set_delete_coverage(
    conn: &Connection,
    object: SyncedObject,
    covered_to: DateTime<Utc>,
) -> Result<(), Fault> {
    ensure_state(conn, object)?;
    conn.execute(
        "UPDATE sync_state SET delete_coverage = ?2 WHERE object = ?1",
        params![object.key(), micros(covered_to)],
    )?;
    Ok(())
}

/// Rows per object.
pub(super) fn counts(conn: &Connection) -> Result<BTreeMap<SyncedObject, u64>, Fault> {
    let mut statement = conn.prepare("SELECT object, COUNT(*) FROM replica GROUP BY object")?;
    let mut rows = statement.query([])?;
    let mut counts = BTreeMap::new();
    while let Some(row) = rows.next()? {
        let object: String = row.get(0)?;
        counts.insert(codec::object(&object)?, codec::count(row.get(1)?));
    }
    Ok(counts)
}
