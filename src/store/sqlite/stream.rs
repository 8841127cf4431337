//! Reading the replica back as account snapshots, and the accounts alone.
//!
//! One scan of `replica_by_account`, ordered by (account Id, object, Id), merges the seven
//! objects' rows: consecutive rows with one account Id form one account's snapshot, so only
//! that account's records are in memory at a time. A group without its account row is
//! reported as stray, as are rows without an account and rows that no longer decode.
//! (PostgreSQL: the same query through a cursor on its own connection, with the Id columns
//! in `COLLATE "C"` so that the order is SfId's byte order.) The accounts alone come from
//! the primary key `(object, id)`, in Id order.

use rusqlite::{Connection, Row};

use super::codec::{self, Fault};
use crate::domain::{AccountSnapshot, DomainRecord, SfId, SyncedObject};
use crate::store::{
    AccountRef, AccountSink, SnapshotLookup, SnapshotSink, StrayReason, StrayRecord, StreamReport,
};

/// A row of the scan, not decoded yet: a group whose account is missing is never decoded.
struct RawRow {
    object: SyncedObject,
    id: SfId,
    record: String,
}

impl RawRow {
    fn read(row: &Row<'_>) -> Result<Self, Fault> {
        let object: String = row.get(0)?;
        let id: String = row.get(1)?;
        let object = codec::object(&object)?;
        Ok(Self {
            object,
            id: codec::id(&id, || format!("Id of a {} row", object.key()))?,
            record: row.get(2)?,
        })
    }

    fn decode(&self) -> Result<DomainRecord, Fault> {
        codec::from_json(&self.record, || {
            format!("{} record {}", self.object.key(), self.id)
        })
    }
}

/// One account's rows while the scan is on them.
struct Group {
    account_id: String,
    rows: Vec<RawRow>,
}

/// Feeds every account's snapshot to `sink`; the caller holds a read transaction so that
/// every query sees one state.
pub(super) fn each_snapshot(
    conn: &Connection,
    sink: &mut SnapshotSink<'_>,
) -> Result<StreamReport, Fault> {
    let mut report = StreamReport::default();
    report_without_account(conn, &mut report)?;
    let mut statement = conn.prepare(
        "SELECT object, id, record, account_id FROM replica \
         WHERE account_id IS NOT NULL ORDER BY account_id, object, id",
    )?;
    let mut rows = statement.query([])?;
    let mut group: Option<Group> = None;
    while let Some(row) = rows.next()? {
        let account_id: String = row.get(3)?;
        if group.as_ref().is_some_and(|g| g.account_id != account_id) {
            flush(group.take(), sink, &mut report)?;
        }
        let current = group.get_or_insert_with(|| Group {
            account_id,
            rows: Vec::new(),
        });
        current.rows.push(RawRow::read(row)?);
    }
    flush(group, sink, &mut report)?;
    Ok(report)
}

/// Feeds every account row to `sink` in Id order (the primary key's order), reporting the
/// rows that no longer decode; the caller holds a read transaction.
pub(super) fn each_account(
    conn: &Connection,
    sink: &mut AccountSink<'_>,
) -> Result<StreamReport, Fault> {
    let mut report = StreamReport::default();
    let mut statement =
        conn.prepare("SELECT object, id, record FROM replica WHERE object = ?1 ORDER BY id")?;
    let mut rows = statement.query([SyncedObject::Account.key()])?;
    while let Some(row) = rows.next()? {
        let raw = RawRow::read(row)?;
        match raw.decode() {
            Ok(DomainRecord::Account(account)) => {
                report.accounts += 1;
                sink(account).map_err(Fault::Caller)?;
            }
            _ => report.stray(stray(&raw, raw.id, StrayReason::Undecodable)),
        }
    }
    Ok(report)
}

/// Counts rows that name no account, keeping the first few as examples.
fn report_without_account(conn: &Connection, report: &mut StreamReport) -> Result<(), Fault> {
    let mut statement = conn
        .prepare("SELECT object, id FROM replica WHERE account_id IS NULL ORDER BY object, id")?;
    let mut rows = statement.query([])?;
    while let Some(row) = rows.next()? {
        let (object, id): (String, String) = (row.get(0)?, row.get(1)?);
        let object = codec::object(&object)?;
        report.stray(StrayRecord {
            object,
            id: codec::id(&id, || format!("Id of a {} row", object.key()))?,
            account_id: None,
            reason: StrayReason::NoAccount,
        });
    }
    Ok(())
}

/// Turns a finished group into a snapshot for `sink`, or into strays.
fn flush(
    group: Option<Group>,
    sink: &mut SnapshotSink<'_>,
    report: &mut StreamReport,
) -> Result<(), Fault> {
    let Some(group) = group else {
        return Ok(());
    };
    let account_id = codec::id(&group.account_id, || "account Id of a replica row".into())?;
    if let Some(snapshot) = assemble(account_id, group.rows, report) {
        report.accounts += 1;
        sink(snapshot).map_err(Fault::Caller)?;
    }
    Ok(())
}

/// Builds an account's snapshot from its rows; `None` when the account row is missing or
/// unreadable, in which case every row is reported.
fn assemble(
    account_id: SfId,
    rows: Vec<RawRow>,
    report: &mut StreamReport,
) -> Option<AccountSnapshot> {
    let mut account = None;
    let mut related = Vec::with_capacity(rows.len());
    for raw in rows {
        match raw.decode() {
            Ok(DomainRecord::Account(a)) if raw.object == SyncedObject::Account => {
                account = Some(a)
            }
            Ok(record) => related.push((raw, record)),
            Err(_) => report.stray(stray(&raw, account_id, StrayReason::Undecodable)),
        }
    }
    let Some(account) = account else {
        for (raw, _) in related {
            report.stray(stray(&raw, account_id, StrayReason::UnknownAccount));
        }
        return None;
    };
    let mut snapshot = AccountSnapshot::new(account);
    for (_, record) in related {
        record.attach_to(&mut snapshot);
    }
    // Rows arrive in Id order; history is read oldest period first.
    snapshot.history.sort_by_key(|h| h.period);
    Some(snapshot)
}

fn stray(raw: &RawRow, account_id: SfId, reason: StrayReason) -> StrayRecord {
    StrayRecord {
        object: raw.object,
        id: raw.id,
        account_id: Some(account_id),
        reason,
    }
}

/// One account's snapshot, by Id or exact Name.
pub(super) fn snapshot(conn: &Connection, account: &AccountRef) -> Result<SnapshotLookup, Fault> {
    let id = match account {
        AccountRef::Id(id) => *id,
        AccountRef::Name(name) => match ids_named(conn, name)?.as_slice() {
            [] => return Ok(SnapshotLookup::NotFound),
            [id] => *id,
            ids => return Ok(SnapshotLookup::Ambiguous(ids.to_vec())),
        },
    };
    let mut statement = conn.prepare_cached(
        "SELECT object, id, record FROM replica WHERE account_id = ?1 ORDER BY object, id",
    )?;
    let mut rows = statement.query([id.as_str()])?;
    let mut raws = Vec::new();
    while let Some(row) = rows.next()? {
        raws.push(RawRow::read(row)?);
    }
    snapshot_of(id, raws)
}

/// Like [`assemble`], but an unreadable row is an error: `vitals explain` must not show a
/// partial account as if it were whole.
fn snapshot_of(id: SfId, raws: Vec<RawRow>) -> Result<SnapshotLookup, Fault> {
    let mut report = StreamReport::default();
    let found = assemble(id, raws, &mut report);
    if report.stray_count(StrayReason::Undecodable) > 0 {
        let bad = report
            .examples
            .iter()
            .find(|r| r.reason == StrayReason::Undecodable);
        return Err(Fault::Decode {
            what: bad.map_or_else(
                || format!("a record of account {id}"),
                |bad| format!("{} record {}", bad.object.key(), bad.id),
            ),
            detail: "the stored record no longer reads".into(),
        });
    }
    Ok(found.map_or(SnapshotLookup::NotFound, |s| {
        SnapshotLookup::Found(Box::new(s))
    }))
}

fn ids_named(conn: &Connection, name: &str) -> Result<Vec<SfId>, Fault> {
    let mut statement = conn.prepare_cached(
        "SELECT id FROM replica WHERE object = 'account' AND name = ?1 ORDER BY id",
    )?;
    let mut rows = statement.query([name])?;
    let mut ids = Vec::new();
    while let Some(row) = rows.next()? {
        let text: String = row.get(0)?;
        ids.push(codec::id(&text, || "Id of an account row".into())?);
    }
    Ok(ids)
}
