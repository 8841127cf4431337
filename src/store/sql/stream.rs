//! Reading the replica back as account snapshots, and the accounts alone: the long reads
//! both backends run through [`Tx::stream`], on a connection of their own (the caller's
//! `Backend::scan`).
//!
//! One scan of `replica_by_account`, ordered by (account Id, object, Id), merges the seven
//! objects' rows: consecutive rows with one account Id form one account's snapshot, so only
//! that account's records are in memory at a time. A group without its account row is
//! reported as stray, as are rows without an account and rows that no longer decode. The
//! accounts alone come from the primary key `(object, id)`, in Id order, one row in memory
//! at a time. Both orders are SfId's byte order on both backends: SQLite compares text
//! bytewise, and PostgreSQL's Id columns are `COLLATE "C"`.

use super::codec::{self, Stored};
use super::{Fault, Row, Tx};
use crate::domain::{AccountSnapshot, DomainRecord, SfId, SyncedObject};
use crate::store::{
    AccountRef, AccountSink, SnapshotLookup, SnapshotSink, StrayReason, StrayRecord, StreamReport,
};

/// The scan every snapshot stream runs: columns object, id, record, account_id.
const SCAN: &str = "SELECT object, id, record, account_id FROM replica \
     WHERE account_id IS NOT NULL ORDER BY account_id, object, id";

/// The accounts alone, by the primary key: columns object, id, record.
const ACCOUNTS: &str = "SELECT object, id, record FROM replica WHERE object = ?1 ORDER BY id";

/// Feeds every account's snapshot to `sink` in account-Id order, reporting strays; the
/// caller runs it in one read-only transaction on a connection of its own.
pub(in crate::store) fn each_snapshot(
    tx: &mut dyn Tx,
    sink: &mut SnapshotSink<'_>,
) -> Result<StreamReport, Fault> {
    let report = without_account(tx)?;
    let mut grouper = Grouper::new(sink, report);
    tx.stream(SCAN, &[], &mut |row| grouper.push(row))?;
    grouper.finish()
}

/// Feeds every account row to `sink` in Id order, reporting the rows that no longer
/// decode instead of feeding them; the caller runs it as it runs [`each_snapshot`].
pub(in crate::store) fn each_account(
    tx: &mut dyn Tx,
    sink: &mut AccountSink<'_>,
) -> Result<StreamReport, Fault> {
    let mut report = StreamReport::default();
    let object = SyncedObject::Account.key();
    tx.stream(ACCOUNTS, &[object.into()], &mut |row| {
        let raw = RawRow::from_row(row)?;
        match raw.decode() {
            Ok(DomainRecord::Account(account)) => {
                report.accounts += 1;
                sink(account).map_err(Fault::Caller)
            }
            _ => {
                report.stray(stray(&raw, raw.id, StrayReason::Undecodable));
                Ok(())
            }
        }
    })?;
    Ok(report)
}

/// A row of a scan, not decoded yet: a group whose account is missing is never decoded.
struct RawRow {
    object: SyncedObject,
    id: SfId,
    record: Stored,
}

impl RawRow {
    fn new(object: &str, id: &str, record: Stored) -> Result<Self, Fault> {
        let object = codec::object(object)?;
        Ok(Self {
            object,
            id: codec::id(id, || format!("Id of a {} row", object.key()))?,
            record,
        })
    }

    /// Reads a row whose first columns are object, id, record.
    fn from_row(mut row: Row) -> Result<Self, Fault> {
        let record = row.take_stored(2)?;
        Self::new(row.text_ref(0)?, row.text_ref(1)?, record)
    }

    fn decode(&self) -> Result<DomainRecord, Fault> {
        self.record
            .decode(|| format!("{} record {}", self.object.key(), self.id))
    }
}

/// One account's rows while the scan is on them.
struct Group {
    account_id: String,
    rows: Vec<RawRow>,
}

/// Turns the scan's rows, pushed in order, into snapshots for the sink.
struct Grouper<'s, 'a> {
    sink: &'s mut SnapshotSink<'a>,
    group: Option<Group>,
    report: StreamReport,
}

impl<'s, 'a> Grouper<'s, 'a> {
    /// Starts a pass; `report` already holds the rows without an account.
    fn new(sink: &'s mut SnapshotSink<'a>, report: StreamReport) -> Self {
        Self {
            sink,
            group: None,
            report,
        }
    }

    /// Takes the next row of [`SCAN`], flushing the previous account when this one starts
    /// another.
    fn push(&mut self, mut row: Row) -> Result<(), Fault> {
        let account_id = row.take_text(3)?;
        if self
            .group
            .as_ref()
            .is_some_and(|g| g.account_id != account_id)
        {
            self.flush()?;
        }
        let raw = RawRow::from_row(row)?;
        self.group
            .get_or_insert_with(|| Group {
                account_id,
                rows: Vec::new(),
            })
            .rows
            .push(raw);
        Ok(())
    }

    /// Flushes the last account and returns what the pass saw.
    fn finish(mut self) -> Result<StreamReport, Fault> {
        self.flush()?;
        Ok(self.report)
    }

    /// Turns the finished group into a snapshot for the sink, or into strays.
    fn flush(&mut self) -> Result<(), Fault> {
        let Some(group) = self.group.take() else {
            return Ok(());
        };
        let account_id = codec::id(&group.account_id, || "account Id of a replica row".into())?;
        if let Some(snapshot) = assemble(account_id, group.rows, &mut self.report) {
            self.report.accounts += 1;
            (self.sink)(snapshot).map_err(Fault::Caller)?;
        }
        Ok(())
    }
}

/// Counts rows that name no account, keeping the first few (in object and Id order) as
/// examples, without reading them all.
fn without_account(tx: &mut dyn Tx) -> Result<StreamReport, Fault> {
    let mut report = StreamReport::default();
    let examples = tx.query(
        "SELECT object, id FROM replica WHERE account_id IS NULL ORDER BY object, id LIMIT ?1",
        &[codec::limit(StreamReport::EXAMPLES).into()],
    )?;
    for row in examples {
        let raw = RawRow::new(&row.text(0)?, &row.text(1)?, Stored::Json(String::new()))?;
        report.stray(StrayRecord {
            object: raw.object,
            id: raw.id,
            account_id: None,
            reason: StrayReason::NoAccount,
        });
    }
    let counts = tx.query(
        "SELECT object, COUNT(*) FROM replica WHERE account_id IS NULL GROUP BY object",
        &[],
    )?;
    for row in counts {
        let object = codec::object(&row.text(0)?)?;
        let shown = report
            .examples
            .iter()
            .filter(|example| example.object == object)
            .count();
        let more = codec::count(row.int(1)?).saturating_sub(shown as u64);
        report.stray_more(StrayReason::NoAccount, object, more);
    }
    Ok(report)
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
pub(in crate::store) fn snapshot(
    tx: &mut dyn Tx,
    account: &AccountRef,
) -> Result<SnapshotLookup, Fault> {
    let id = match account {
        AccountRef::Id(id) => *id,
        AccountRef::Name(name) => match ids_named(tx, name)?.as_slice() {
            [] => return Ok(SnapshotLookup::NotFound),
            [id] => *id,
            ids => return Ok(SnapshotLookup::Ambiguous(ids.to_vec())),
        },
    };
    let rows = tx.query(
        "SELECT object, id, record FROM replica WHERE account_id = ?1 ORDER BY object, id",
        &[id.as_str().into()],
    )?;
    let raws = rows
        .into_iter()
        .map(RawRow::from_row)
        .collect::<Result<Vec<_>, _>>()?;
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

fn ids_named(tx: &mut dyn Tx, name: &str) -> Result<Vec<SfId>, Fault> {
    tx.query(
        "SELECT id FROM replica WHERE object = 'account' AND name = ?1 ORDER BY id",
        &[name.into()],
    )?
    .iter()
    .map(|row| codec::id(&row.text(0)?, || "Id of an account row".into()))
    .collect()
}
