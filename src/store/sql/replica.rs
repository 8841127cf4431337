//! SQL of the replica's writes and of the per-object sync state.
//!
//! A page is one transaction: rows, deletions and the watermark move together. A full load
//! tags its rows with a new generation; finishing it removes older generations and sets
//! the watermark in one transaction, so a crash mid-load leaves the previous state whole.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::codec::{self, RECORD_FORMAT_TAG, Stored, micros};
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
        // A fieldset without this binary's record format tag reads as another field
        // list, so the object is reloaded whole (see `codec::Stored`).
        fieldset: row
            .opt_text(2)?
            .and_then(|f| f.strip_suffix(RECORD_FORMAT_TAG).map(str::to_owned)),
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
        &[
            object.key().into(),
            format!("{fieldset}{RECORD_FORMAT_TAG}").as_str().into(),
        ],
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
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        upsert(tx, object, generation, chunk)?;
        stats.upserted += chunk.len() as u64;
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

/// Rows per upsert statement: a page's rows go in statements of this many, which costs
/// SQLite a fraction of one statement per row (7 parameters a row, far below either
/// database's limit).
const ROWS_PER_STATEMENT: usize = 64;

/// One row's columns, encoded.
struct Encoded<'r> {
    id: SfId,
    account_id: Option<SfId>,
    name: Option<&'r str>,
    modstamp: i64,
    record: Stored,
}

/// Inserts or replaces rows in one statement. The checks happen inside the page's
/// transaction, so a bad row rolls back the rows before it and the watermark with them.
/// Rows sharing an Id go one statement each, in order (the last one wins), because
/// PostgreSQL refuses to update one row twice in a statement.
fn upsert(
    tx: &mut dyn Tx,
    object: SyncedObject,
    generation: i64,
    rows: &[ReplicaRow],
) -> Result<(), Fault> {
    let mut encoded = Vec::with_capacity(rows.len());
    for row in rows {
        encoded.push(encode(tx.dialect(), object, row)?);
    }
    let mut ids: Vec<&SfId> = encoded.iter().map(|e| &e.id).collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.len() < encoded.len() {
        for one in encoded.chunks(1) {
            upsert_encoded(tx, object, generation, one)?;
        }
        return Ok(());
    }
    upsert_encoded(tx, object, generation, &encoded)
}

fn encode<'r>(
    dialect: super::Dialect,
    object: SyncedObject,
    row: &'r ReplicaRow,
) -> Result<Encoded<'r>, Fault> {
    let (id, account_id) = row_keys(object, &row.record)?;
    let name = match &row.record {
        DomainRecord::Account(account) => Some(account.name.as_str()),
        _ => None,
    };
    let record = Stored::encode(dialect, &row.record, || format!("{} {id}", object.key()))?;
    Ok(Encoded {
        id,
        account_id,
        name,
        modstamp: micros(row.modstamp),
        record,
    })
}

fn upsert_encoded(
    tx: &mut dyn Tx,
    object: SyncedObject,
    generation: i64,
    rows: &[Encoded<'_>],
) -> Result<(), Fault> {
    let mut params = Vec::with_capacity(rows.len() * 7);
    for row in rows {
        params.extend([
            object.key().into(),
            row.id.as_str().into(),
            row.account_id.as_ref().map(SfId::as_str).into(),
            row.name.into(),
            row.modstamp.into(),
            generation.into(),
            row.record.param(),
        ]);
    }
    if rows.len() == ROWS_PER_STATEMENT {
        static FULL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        tx.execute(FULL.get_or_init(|| upsert_sql(ROWS_PER_STATEMENT)), &params)?;
    } else {
        tx.execute(&upsert_sql(rows.len()), &params)?;
    }
    Ok(())
}

/// The upsert of `rows` rows, numbered `?1` to `?(7 * rows)`.
fn upsert_sql(rows: usize) -> String {
    let values: Vec<String> = (0..rows)
        .map(|row| {
            let cells: Vec<String> = (1..=7).map(|c| format!("?{}", row * 7 + c)).collect();
            format!("({})", cells.join(", "))
        })
        .collect();
    format!(
        "INSERT INTO replica (object, id, account_id, name, modstamp, generation, record) \
         VALUES {} \
         ON CONFLICT (object, id) DO UPDATE SET account_id = excluded.account_id, \
         name = excluded.name, modstamp = excluded.modstamp, \
         generation = excluded.generation, record = excluded.record",
        values.join(", ")
    )
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
