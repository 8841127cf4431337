//! SQL of the key ledger and of the values last written.
//!
//! A key enters the ledger when a create is enqueued and stays for good: delivered keys
//! are never planned again, rejected ones may be. "Last written" holds one row per record
//! and field, changed only when the org confirmed a write.

use chrono::{DateTime, Utc};

use super::codec::{self, micros};
use super::{Fault, Row, Tx};
use crate::domain::{PlannedWrite, SfId, Target, WriteKind};
use crate::store::{LedgerEntry, LedgerState, Written};

const LEDGER_COLUMNS: &str =
    "create_key, kind, account_id, playbook, planned_at, state, record_id, settled_at";

/// Records a planned create. A key seen before keeps its entry, except that a rejected
/// one is planned again.
pub(super) fn plan(tx: &mut dyn Tx, write: &PlannedWrite, at: DateTime<Utc>) -> Result<(), Fault> {
    tx.execute(
        "INSERT INTO key_ledger (kind, create_key, account_id, playbook, planned_at, state) \
         VALUES (?1, ?2, ?3, ?4, ?5, 'planned') \
         ON CONFLICT (kind, create_key) DO UPDATE SET state = 'planned', \
         planned_at = excluded.planned_at, playbook = excluded.playbook, settled_at = NULL \
         WHERE key_ledger.state = 'rejected'",
        &[
            write.kind.key().into(),
            write.target.as_text().into(),
            write.account_id.as_str().into(),
            write.playbook().into(),
            micros(at).into(),
        ],
    )?;
    Ok(())
}

/// Records that a key was delivered or rejected. A delivered key stays delivered: the
/// record exists in the org even when a later update of it is refused.
pub(super) fn settle(
    tx: &mut dyn Tx,
    kind: WriteKind,
    key: &str,
    state: LedgerState,
    record_id: Option<SfId>,
    at: DateTime<Utc>,
) -> Result<(), Fault> {
    tx.execute(
        "UPDATE key_ledger SET state = ?3, record_id = COALESCE(?4, record_id), \
         settled_at = ?5 WHERE kind = ?1 AND create_key = ?2 \
         AND (?3 = 'delivered' OR state <> 'delivered')",
        &[
            kind.key().into(),
            key.into(),
            state.key().into(),
            record_id.as_ref().map(SfId::as_str).into(),
            micros(at).into(),
        ],
    )?;
    Ok(())
}

/// The whole ledger, or one account's part, by account, kind and key.
pub(in crate::store) fn entries(
    tx: &mut dyn Tx,
    account: Option<SfId>,
) -> Result<Vec<LedgerEntry>, Fault> {
    let filter = if account.is_some() {
        "WHERE account_id = ?1"
    } else {
        ""
    };
    let sql = format!(
        "SELECT {LEDGER_COLUMNS} FROM key_ledger {filter} ORDER BY account_id, kind, create_key"
    );
    let rows = match account {
        Some(id) => tx.query(&sql, &[id.as_str().into()])?,
        None => tx.query(&sql, &[])?,
    };
    rows.iter().map(decode_entry).collect()
}

fn decode_entry(row: &Row) -> Result<LedgerEntry, Fault> {
    let what = || "a key ledger entry".to_owned();
    Ok(LedgerEntry {
        key: row.text(0)?,
        kind: codec::kind(&row.text(1)?)?,
        account_id: codec::id(&row.text(2)?, what)?,
        playbook: row.opt_text(3)?,
        planned_at: codec::instant(row.int(4)?, what)?,
        state: LedgerState::from_key(&row.text(5)?).ok_or_else(|| Fault::Decode {
            what: what(),
            detail: "unknown state".into(),
        })?,
        record_id: codec::opt_id(row.opt_text(6)?, what)?,
        settled_at: codec::opt_instant(row.opt_int(7)?, what)?,
    })
}

/// Stores the fields of a delivered write as the values last written.
pub(super) fn record_written(
    tx: &mut dyn Tx,
    write: &PlannedWrite,
    record_id: Option<SfId>,
    at: DateTime<Utc>,
) -> Result<(), Fault> {
    for (field, value) in &write.fields {
        let value = codec::to_json(value, || format!("value of field {field}"))?;
        tx.execute(
            "INSERT INTO last_written (kind, target, field, value, written_at, record_id) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (kind, target, field) DO UPDATE SET \
             value = excluded.value, written_at = excluded.written_at, \
             record_id = COALESCE(excluded.record_id, last_written.record_id)",
            &[
                write.kind.key().into(),
                write.target.as_text().into(),
                field.into(),
                (&value).into(),
                micros(at).into(),
                record_id.as_ref().map(SfId::as_str).into(),
            ],
        )?;
    }
    Ok(())
}

/// The values last written to a record, by field name.
pub(in crate::store) fn last_written(
    tx: &mut dyn Tx,
    kind: WriteKind,
    target: &Target,
) -> Result<Vec<(String, Written)>, Fault> {
    let rows = tx.query(
        "SELECT field, value, written_at, record_id FROM last_written \
         WHERE kind = ?1 AND target = ?2 ORDER BY field",
        &[kind.key().into(), target.as_text().into()],
    )?;
    let mut values = Vec::with_capacity(rows.len());
    for row in rows {
        let field = row.text(0)?;
        let what = || format!("last written value of field {field}");
        let written = Written {
            value: codec::from_json(&row.text(1)?, what)?,
            written_at: codec::instant(row.int(2)?, what)?,
            record_id: codec::opt_id(row.opt_text(3)?, what)?,
        };
        values.push((field, written));
    }
    Ok(values)
}
