//! SQL of the key ledger and of the values last written.
//!
//! A key enters the ledger when a create is enqueued and stays for good: delivered keys
//! are never planned again, rejected ones may be. "Last written" holds one row per record
//! and field, changed only when the org confirmed a write.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, Row, params};

use super::codec::{self, Fault, micros};
use crate::domain::{PlannedWrite, SfId, Target, WriteKind};
use crate::store::{LedgerEntry, LedgerState, Written};

const LEDGER_COLUMNS: &str =
    "create_key, kind, account_id, playbook, planned_at, state, record_id, settled_at";

/// Records a planned create. A key seen before keeps its entry, except that a rejected
/// one is planned again.
pub(super) fn plan(
    conn: &Connection,
    write: &PlannedWrite,
    at: DateTime<Utc>,
) -> Result<(), Fault> {
    conn.prepare_cached(
        "INSERT INTO key_ledger (kind, create_key, account_id, playbook, planned_at, state) \
         VALUES (?1, ?2, ?3, ?4, ?5, 'planned') \
         ON CONFLICT (kind, create_key) DO UPDATE SET state = 'planned', \
         planned_at = excluded.planned_at, playbook = excluded.playbook, settled_at = NULL \
         WHERE key_ledger.state = 'rejected'",
    )?
    .execute(params![
        write.kind.key(),
        write.target.as_text(),
        write.account_id.as_str(),
        write.playbook(),
        micros(at)
    ])?;
    Ok(())
}

/// Records that a key was delivered or rejected. A delivered key stays delivered: the
/// record exists in the org even when a later update of it is refused.
pub(super) fn settle(
    conn: &Connection,
    kind: WriteKind,
    key: &str,
    state: LedgerState,
    record_id: Option<SfId>,
    at: DateTime<Utc>,
) -> Result<(), Fault> {
    conn.prepare_cached(
        "UPDATE key_ledger SET state = ?3, record_id = COALESCE(?4, record_id), \
         settled_at = ?5 WHERE kind = ?1 AND create_key = ?2 \
         AND (?3 = 'delivered' OR state <> 'delivered')",
    )?
    .execute(params![
        kind.key(),
        key,
        state.key(),
        record_id.as_ref().map(SfId::as_str),
        micros(at)
    ])?;
    Ok(())
}

/// The whole ledger, or one account's part, by account, kind and key.
pub(super) fn entries(conn: &Connection, account: Option<SfId>) -> Result<Vec<LedgerEntry>, Fault> {
    let filter = if account.is_some() {
        "WHERE account_id = ?1"
    } else {
        ""
    };
    let sql = format!(
        "SELECT {LEDGER_COLUMNS} FROM key_ledger {filter} ORDER BY account_id, kind, create_key"
    );
    let mut statement = conn.prepare_cached(&sql)?;
    let mut rows = match account {
        Some(id) => statement.query([id.as_str()])?,
        None => statement.query([])?,
    };
    let mut entries = Vec::new();
    while let Some(row) = rows.next()? {
        entries.push(decode_entry(row)?);
    }
    Ok(entries)
}

fn decode_entry(row: &Row<'_>) -> Result<LedgerEntry, Fault> {
    let key: String = row.get(0)?;
    let kind: String = row.get(1)?;
    let account: String = row.get(2)?;
    let state: String = row.get(5)?;
    let what = || "a key ledger entry".to_owned();
    Ok(LedgerEntry {
        kind: codec::kind(&kind)?,
        account_id: codec::id(&account, what)?,
        playbook: row.get(3)?,
        planned_at: codec::instant(row.get(4)?, what)?,
        state: LedgerState::from_key(&state).ok_or_else(|| Fault::Decode {
            what: what(),
            detail: "unknown state".into(),
        })?,
        record_id: codec::opt_id(row.get(6)?, what)?,
        settled_at: codec::opt_instant(row.get(7)?, what)?,
        key,
    })
}

/// Stores the fields of a delivered write as the values last written.
pub(super) fn record_written(
    conn: &Connection,
    write: &PlannedWrite,
    record_id: Option<SfId>,
    at: DateTime<Utc>,
) -> Result<(), Fault> {
    let mut statement = conn.prepare_cached(
        "INSERT INTO last_written (kind, target, field, value, written_at, record_id) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (kind, target, field) DO UPDATE SET \
         value = excluded.value, written_at = excluded.written_at, \
         record_id = COALESCE(excluded.record_id, last_written.record_id)",
    )?;
    for (field, value) in &write.fields {
        let value = codec::to_json(value, || format!("value of field {field}"))?;
        statement.execute(params![
            write.kind.key(),
            write.target.as_text(),
            field,
            value,
            micros(at),
            record_id.as_ref().map(SfId::as_str)
        ])?;
    }
    Ok(())
}

/// The values last written to a record, by field name.
pub(super) fn last_written(
    conn: &Connection,
    kind: WriteKind,
    target: &Target,
) -> Result<Vec<(String, Written)>, Fault> {
    let mut statement = conn.prepare_cached(
        "SELECT field, value, written_at, record_id FROM last_written \
         WHERE kind = ?1 AND target = ?2 ORDER BY field",
    )?;
    let mut rows = statement.query(params![kind.key(), target.as_text()])?;
    let mut values = Vec::new();
    while let Some(row) = rows.next()? {
        let field: String = row.get(0)?;
        let value: String = row.get(1)?;
        let what = || format!("last written value of field {field}");
        let written = Written {
            value: codec::from_json(&value, what)?,
            written_at: codec::instant(row.get(2)?, what)?,
            record_id: codec::opt_id(row.get(3)?, what)?,
        };
        values.push((field, written));
    }
    Ok(values)
}
