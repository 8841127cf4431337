//! SQL of the replica's writes and of the per-object sync state.
//!
//! A page is one transaction: rows, deletions and the watermark move together. A full load
//! tags its rows with a new generation; finishing it removes older generations and sets
//! the watermark in one transaction, so a crash mid-load leaves the previous state whole.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::codec::{self, micros};
use super::{Fault, Row, Tx};
use crate::domain::{DomainRecord, SfId, SyncedObject};
use crate::store::{LoadId, LoadStats, ObjectState, PutStats, ReplicaRow};

const STATE_COLUMNS: &str = "object, watermark, fieldset, delete_coverage, generation, \
     loaded_rows, loaded_at, pending_generation";

/// Reads an object's sync state.
pub(in crate::store) fn object_state(
    tx: &mut dyn Tx,
    object: SyncedObject,
) -> Result<Option<ObjectState>, Fault> {
    let sql = format!("SELECT {STATE_COLUMNS} FROM sync_state WHERE object = ?1");
    tx.query_opt(&sql, &[object.key().into()])?
        .as_ref()
        .map(decode_state)
        .transpose()
}

/// Reads the columns of [`STATE_COLUMNS`].
fn decode_state(row: &Row) -> Result<ObjectState, Fault> {
    let object = codec::object(&row.text(0)?)?;
    let what = || format!("sync state of {}", object.key());
    Ok(ObjectState {
        object,
        watermark: codec::opt_instant(row.opt_int(1)?, what)?,
        fieldset: row.opt_text(2)?,
        delete_coverage: codec::opt_instant(row.opt_int(3)?, what)?,
        generation: row.int(4)?,
        loaded_rows: row.opt_int(5)?.map(codec::count),
        loaded_at: codec::opt_instant(row.opt_int(6)?, what)?,
        loading: row
            .opt_int(7)?
            .map(|generation| LoadId { object, generation }),
    })
}

/// Makes sure the object has a sync_state row.
fn ensure_state(tx: &mut dyn Tx, object: SyncedObject) -> Result<(), Fault> {
    tx.execute(
        "INSERT INTO sync_state (object) VALUES (?1) ON CONFLICT DO NOTHING",
        &[object.key().into()],
    )?;
    Ok(())
}

/// Starts a full load with the object's next generation.
pub(in crate::store) fn begin_full_load(
    tx: &mut dyn Tx,
    object: SyncedObject,
    fieldset: &str,
) -> Result<LoadId, Fault> {
    ensure_state(tx, object)?;
    let row = tx.query_one(
        "UPDATE sync_state SET pending_generation = next_generation, \
         next_generation = next_generation + 1, pending_fieldset = ?2 \
         WHERE object = ?1 RETURNING pending_generation",
        &[object.key().into(), fieldset.into()],
    )?;
    Ok(LoadId {
        object,
        generation: row.int(0)?,
    })
}

/// Upserts rows, removes deleted Ids and advances the watermark: one page.
pub(in crate::store) fn put_page(
    tx: &mut dyn Tx,
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
    ensure_state(tx, object)?;
    let generation = match load {
        Some(load) => check_load(tx, object, load)?,
        None => current_generation(tx, object)?,
    };
    let mut stats = PutStats::default();
    for row in rows {
        upsert(tx, object, generation, row)?;
        stats.upserted += 1;
    }
    stats.deleted = delete(tx, object, deleted)?;
    if let Some(to) = advance_to {
        advance_watermark(tx, object, to)?;
    }
    Ok(stats)
}

/// The generation of the load in progress, when `load` is it.
fn check_load(tx: &mut dyn Tx, object: SyncedObject, load: LoadId) -> Result<i64, Fault> {
    let pending = tx
        .query_one(
            "SELECT pending_generation FROM sync_state WHERE object = ?1",
            &[object.key().into()],
        )?
        .opt_int(0)?;
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

fn current_generation(tx: &mut dyn Tx, object: SyncedObject) -> Result<i64, Fault> {
    tx.query_one(
        "SELECT generation FROM sync_state WHERE object = ?1",
        &[object.key().into()],
    )?
    .int(0)
}

/// Inserts or replaces one row. The check happens inside the page's transaction, so a
/// bad row rolls back the rows before it and the watermark with them.
fn upsert(
    tx: &mut dyn Tx,
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
    tx.execute(
        "INSERT INTO replica (object, id, account_id, name, modstamp, generation, record) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
         ON CONFLICT (object, id) DO UPDATE SET account_id = excluded.account_id, \
         name = excluded.name, modstamp = excluded.modstamp, \
         generation = excluded.generation, record = excluded.record",
        &[
            object.key().into(),
            id.as_str().into(),
            account_id.as_ref().map(SfId::as_str).into(),
            name.into(),
            micros(row.modstamp).into(),
            generation.into(),
            (&record).into(),
        ],
    )?;
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

fn delete(tx: &mut dyn Tx, object: SyncedObject, ids: &[SfId]) -> Result<u64, Fault> {
    let mut removed = 0;
    for id in ids {
        removed += tx.execute(
            "DELETE FROM replica WHERE object = ?1 AND id = ?2",
            &[object.key().into(), id.as_str().into()],
        )?;
    }
    Ok(removed)
}

/// Moves the watermark forward, never back: an overlapping page may end earlier than the
/// watermark already reached.
fn advance_watermark(
    tx: &mut dyn Tx,
    object: SyncedObject,
    to: DateTime<Utc>,
) -> Result<(), Fault> {
    tx.execute(
        "UPDATE sync_state SET watermark = ?2 \
         WHERE object = ?1 AND (watermark IS NULL OR watermark < ?2)",
        &[object.key().into(), micros(to).into()],
    )?;
    Ok(())
}

/// Finishes the load in progress: removes older generations, sets the watermark.
pub(in crate::store) fn finish_full_load(
    tx: &mut dyn Tx,
    load: LoadId,
    watermark: DateTime<Utc>,
    at: DateTime<Utc>,
) -> Result<LoadStats, Fault> {
    ensure_state(tx, load.object)?;
    check_load(tx, load.object, load)?;
    let object = load.object.key();
    // A full scan of the object's rows, once per full load; an index on generation would
    // cost every page write more than it saves here.
    let removed = tx.execute(
        "DELETE FROM replica WHERE object = ?1 AND generation < ?2",
        &[object.into(), load.generation.into()],
    )?;
    let rows = tx
        .query_one(
            "SELECT COUNT(*) FROM replica WHERE object = ?1",
            &[object.into()],
        )?
        .int(0)?;
    tx.execute(
        "UPDATE sync_state SET watermark = ?2, delete_coverage = ?2, generation = ?3, \
         fieldset = pending_fieldset, loaded_rows = ?4, loaded_at = ?5, \
         pending_generation = NULL, pending_fieldset = NULL WHERE object = ?1",
        &[
            object.into(),
            micros(watermark).into(),
            load.generation.into(),
            rows.into(),
            micros(at).into(),
        ],
    )?;
    Ok(LoadStats {
        rows: codec::count(rows),
        removed,
    })
}

/// Records how far deletions are applied.
pub(in crate::store) fn set_delete_coverage(
    tx: &mut dyn Tx,
    object: SyncedObject,
    covered_to: DateTime<Utc>,
) -> Result<(), Fault> {
    ensure_state(tx, object)?;
    tx.execute(
        "UPDATE sync_state SET delete_coverage = ?2 WHERE object = ?1",
        &[object.key().into(), micros(covered_to).into()],
    )?;
    Ok(())
}

/// Rows per object.
pub(in crate::store) fn counts(tx: &mut dyn Tx) -> Result<BTreeMap<SyncedObject, u64>, Fault> {
    let mut counts = BTreeMap::new();
    for row in tx.query("SELECT object, COUNT(*) FROM replica GROUP BY object", &[])? {
        counts.insert(codec::object(&row.text(0)?)?, codec::count(row.int(1)?));
    }
    Ok(counts)
}
