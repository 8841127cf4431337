//! Extraction: the org's records into the replica, per object, full or incremental.
//!
//! Which way each object is read is decided first, without I/O ([`decide`],
//! [`check_delete_log`]):
//! - **Full** on the first run, on `--full`, when the select list's fingerprint changed,
//!   when a full load was left unfinished, or when the delete log no longer covers the
//!   time since the watermark: `earliestDateAvailable` after the watermark means
//!   deletions may have been purged unseen ("GetDeletedResult",
//!   <https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_getdeleted_getdeletedresult.htm>),
//!   and `INVALID_REPLICATION_DATE` means the window is older than the log reaches.
//! - **Incremental** otherwise: `queryAll ... WHERE SystemModstamp >= watermark − overlap`,
//!   deleted and merged rows arriving with `IsDeleted = true` and removed.
//!
//! One Composite call reads every incremental object's delete log per cycle (it replaces
//! the `/limits` call; a run with no incremental object calls `/limits` once instead, so
//! the budget knows the allocation before any Bulk job starts). A no-change cycle costs one
//! query per object plus that one call.
//!
//! Every full load's read is opened before the first object is read
//! ([`start_full_loads`]): their Bulk jobs run in the org together, and each is usually
//! found finished by its first status poll.
//!
//! Committing (store transactions): a full load tags its pages with a new generation and
//! finishes by dropping older rows and setting the watermark in one transaction, so a crash
//! mid-load leaves the old replica and the next run loads again. An incremental REST page
//! (ordered by `SystemModstamp, Id`) commits with its watermark; a Bulk read (unordered)
//! moves the watermark once every page is in. After an incremental read, the watermark
//! moves at least to the delete log's `latestDateCovered` (the server's clock when the
//! cycle began), so a quiet object's window does not fall behind the delete log. The
//! watermark of a full load is the job's `createdDate` (Bulk, the server's clock) or the
//! run's start (REST): a load's newest row can be months old, and the watermark doubles as
//! the start of the delete log's window.
//!
//! A record that cannot be decoded is reported (object, Id, field) and skipped, never a
//! failed run. A field the org no longer has (`INVALID_FIELD`) stops the run with the
//! object and field named.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};

use super::context::{Extraction, SyncContext};
use super::error::{Phase, SyncError};
use super::report::{FullReason, ObjectRead, ReadHow, RunReport, SkippedRecord};
use crate::domain::SyncedObject;
use crate::salesforce::SalesforceError;
use crate::salesforce::extract::{ReadMode, ReadSource, ReplicaPage, ReplicaReader};
use crate::salesforce::replication::{DeleteLog, SubrequestError};
use crate::salesforce::wire::SelectList;
use crate::store::{LoadId, ObjectState, PutStats};

/// How one object is read this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Decision {
    /// A full load, with why.
    Full(FullReason),
    /// Changes since the watermark.
    Since {
        /// The watermark: every change before it is in the replica.
        watermark: DateTime<Utc>,
        /// Where the read starts: the watermark minus the overlap.
        since: DateTime<Utc>,
        /// The delete log's `latestDateCovered`, once known: the watermark moves at least
        /// this far after a complete read.
        covered: Option<DateTime<Utc>>,
    },
}

/// Decides each object's read from its sync state (pure).
pub(super) fn decide(
    selects: &[SelectList],
    states: &BTreeMap<SyncedObject, Option<ObjectState>>,
    extraction: Extraction,
    overlap: Duration,
) -> BTreeMap<SyncedObject, Decision> {
    selects
        .iter()
        .map(|select| {
            let object = select.object();
            let state = states.get(&object).and_then(Option::as_ref);
            let decision = match (extraction, state) {
                (Extraction::Full, _) => Decision::Full(FullReason::Requested),
                (_, None) => Decision::Full(FullReason::FirstLoad),
                (_, Some(state)) => match (state.watermark, &state.loading) {
                    (_, Some(_)) => Decision::Full(FullReason::Unfinished),
                    (None, None) => Decision::Full(FullReason::FirstLoad),
                    (Some(_), None) if state.fieldset.as_deref() != Some(&select.fingerprint()) => {
                        Decision::Full(FullReason::FieldsChanged)
                    }
                    (Some(watermark), None) => Decision::Since {
                        watermark,
                        since: watermark - overlap,
                        covered: None,
                    },
                },
            };
            (object, decision)
        })
        .collect()
}

/// Turns incremental reads into full loads where the delete log no longer covers their
/// window, and records how far it covers the others (pure). An object whose log could not
/// be read for another reason stays incremental: `queryAll` still brings its deletions.
pub(super) fn check_delete_log(
    decisions: &mut BTreeMap<SyncedObject, Decision>,
    logs: &BTreeMap<SyncedObject, Result<DeleteLog, SubrequestError>>,
) {
    for (object, decision) in decisions.iter_mut() {
        let Decision::Since {
            watermark, covered, ..
        } = decision
        else {
            continue;
        };
        match logs.get(object) {
            Some(Ok(log)) => {
                // Deletions up to the watermark are in the replica; one purged after it
                // may never have been seen.
                if log.earliest_date_available.is_some_and(|e| e > *watermark) {
                    *decision = Decision::Full(FullReason::DeleteLogPurged);
                } else {
                    *covered = log.latest_date_covered;
                }
            }
            Some(Err(error)) if error.is_replication_date() => {
                *decision = Decision::Full(FullReason::DeleteLogTooOld);
            }
            Some(Err(error)) => {
                tracing::warn!(
                    object = object.key(),
                    %error,
                    "The delete log could not be read; reading changes anyway."
                );
            }
            None => {}
        }
    }
}

/// Reads every object into the replica. Returns `false` when the run was cancelled before
/// it finished.
///
/// # Errors
/// [`SyncError`] when a read or the store fails; [`SyncError::FieldGone`] when the org no
/// longer has a field of a select list.
pub(super) async fn extract(
    ctx: &SyncContext,
    now: DateTime<Utc>,
    extraction: Extraction,
    report: &mut RunReport,
) -> Result<bool, SyncError> {
    let mut states = BTreeMap::new();
    for object in SyncedObject::ALL {
        let state = ctx
            .store
            .object_state(object)
            .map_err(SyncError::store(Phase::Extract))?;
        states.insert(object, state);
    }
    let mut decisions = decide(ctx.selects(), &states, extraction, ctx.settings.overlap);
    read_delete_log(ctx, now, &mut decisions).await?;
    let mut started = start_full_loads(ctx, &decisions, &states).await?;
    for select in ctx.selects() {
        if ctx.cancel.is_cancelled() {
            return Ok(false);
        }
        let object = select.object();
        let Some(decision) = decisions.get(&object).copied() else {
            continue;
        };
        let read = match (decision, started.remove(&object)) {
            (Decision::Full(reason), Some(load)) => {
                full_load(ctx, select, load, reason, now, report).await?
            }
            (Decision::Since { since, covered, .. }, _) => {
                incremental(ctx, select, since, covered, report).await?
            }
            // start_full_loads started every full load or failed.
            (Decision::Full(_), None) => continue,
        };
        tracing::info!(
            object = object.key(),
            full = matches!(read.how, ReadHow::Full { .. }),
            bulk = read.bulk,
            records = read.records,
            deleted = read.deleted,
            skipped = read.skipped,
            "Object read."
        );
        report.reads.push(read);
    }
    Ok(true)
}

/// A full load begun in the store, its read open (a Bulk job running in the org).
struct StartedLoad {
    load: LoadId,
    reader: ReplicaReader,
}

/// Begins every full load and opens its read before any is read, so that their Bulk jobs
/// run in the org together instead of one after another: by the time an object's turn
/// comes its job has usually finished, and one status poll finds it so. An incremental
/// read opens in its turn instead: it may hold a REST query cursor, which expires when
/// left idle while larger objects are read.
async fn start_full_loads(
    ctx: &SyncContext,
    decisions: &BTreeMap<SyncedObject, Decision>,
    states: &BTreeMap<SyncedObject, Option<ObjectState>>,
) -> Result<BTreeMap<SyncedObject, StartedLoad>, SyncError> {
    let mut started = BTreeMap::new();
    for select in ctx.selects() {
        let object = select.object();
        if !matches!(decisions.get(&object), Some(Decision::Full(_))) {
            continue;
        }
        let fingerprint = select.fingerprint();
        // The rows of the last load stand in for a COUNT() call when the fields are the
        // same.
        let expected = states
            .get(&object)
            .and_then(Option::as_ref)
            .filter(|s| s.fieldset.as_deref() == Some(&fingerprint))
            .and_then(|s| s.loaded_rows);
        let load = ctx
            .store
            .begin_full_load(object, &fingerprint)
            .map_err(SyncError::store(Phase::Extract))?;
        let reader = open(ctx, select, ReadMode::Full, expected).await?;
        started.insert(object, StartedLoad { load, reader });
    }
    Ok(started)
}

/// The cycle's one extra call: every incremental object's delete log in one Composite
/// call, or `/limits` when every object is loaded whole.
async fn read_delete_log(
    ctx: &SyncContext,
    now: DateTime<Utc>,
    decisions: &mut BTreeMap<SyncedObject, Decision>,
) -> Result<(), SyncError> {
    let starts: Vec<(SyncedObject, DateTime<Utc>)> = decisions
        .iter()
        .filter_map(|(object, d)| match d {
            Decision::Since { since, .. } => Some((*object, *since)),
            Decision::Full(_) => None,
        })
        .collect();
    if starts.is_empty() {
        ctx.client
            .limits()
            .await
            .map_err(SyncError::salesforce(Phase::Extract, None))?;
        return Ok(());
    }
    let logs = ctx
        .client
        .delete_log(&starts, now)
        .await
        .map_err(SyncError::salesforce(Phase::Extract, None))?;
    check_delete_log(decisions, &logs);
    Ok(())
}

/// Reads a started full load of one object to its end.
async fn full_load(
    ctx: &SyncContext,
    select: &SelectList,
    started: StartedLoad,
    reason: FullReason,
    now: DateTime<Utc>,
    report: &mut RunReport,
) -> Result<ObjectRead, SyncError> {
    let object = select.object();
    let StartedLoad { load, mut reader } = started;
    let mut read = ObjectRead::new(object, ReadHow::Full { reason }, reader.is_bulk());
    read_pages(ctx, select, &mut reader, Some(load), &mut read, report).await?;
    let watermark = match reader.source() {
        ReadSource::Bulk {
            created: Some(created),
            ..
        } => *created,
        _ => now,
    };
    let stats = ctx
        .store
        .finish_full_load(load, watermark, ctx.clock.now())
        .map_err(SyncError::store(Phase::Extract))?;
    read.deleted += stats.removed;
    Ok(read)
}

/// An incremental read of one object.
async fn incremental(
    ctx: &SyncContext,
    select: &SelectList,
    since: DateTime<Utc>,
    covered: Option<DateTime<Utc>>,
    report: &mut RunReport,
) -> Result<ObjectRead, SyncError> {
    let object = select.object();
    let mut reader = open(ctx, select, ReadMode::Since(since), None).await?;
    let mut read = ObjectRead::new(object, ReadHow::Incremental, reader.is_bulk());
    let reached = read_pages(ctx, select, &mut reader, None, &mut read, report).await?;
    if let Some(to) = reached.max(covered) {
        ctx.store
            .put_page(object, None, &[], &[], Some(to))
            .map_err(SyncError::store(Phase::Extract))?;
        ctx.store
            .set_delete_coverage(object, to)
            .map_err(SyncError::store(Phase::Extract))?;
    }
    Ok(read)
}

impl ObjectRead {
    fn new(object: SyncedObject, how: ReadHow, bulk: bool) -> Self {
        Self {
            object,
            how,
            bulk,
            records: 0,
            upserted: 0,
            deleted: 0,
            skipped: 0,
        }
    }
}

async fn open(
    ctx: &SyncContext,
    select: &SelectList,
    mode: ReadMode,
    expected: Option<u64>,
) -> Result<ReplicaReader, SyncError> {
    let categories = ctx.categories();
    ctx.client
        .read_replica(select, mode, expected, &ctx.fields, &categories)
        .await
        .map_err(|e| read_error(select, e))
}

async fn next_page(
    reader: &mut ReplicaReader,
    select: &SelectList,
) -> Result<Option<ReplicaPage>, SyncError> {
    reader.next_page().await.map_err(|e| read_error(select, e))
}

/// Reads every page of `reader` into the replica and returns the largest
/// `SystemModstamp` seen. Each page commits on the blocking pool while the next one
/// downloads (the store's calls are synchronous), one commit at a time and in page order,
/// so the watermark semantics are those of a plain loop: a full load's pages carry its
/// generation; an incremental read's ordered REST pages move the watermark as they
/// commit, and an unordered Bulk read moves it only after the last page (the caller).
async fn read_pages(
    ctx: &SyncContext,
    select: &SelectList,
    reader: &mut ReplicaReader,
    load: Option<LoadId>,
    read: &mut ObjectRead,
    report: &mut RunReport,
) -> Result<Option<DateTime<Utc>>, SyncError> {
    let object = select.object();
    let ordered = load.is_none() && !reader.is_bulk();
    let mut reached: Option<DateTime<Utc>> = None;
    let mut committing = None;
    loop {
        let next = next_page(reader, select).await;
        if let Some(commit) = committing.take() {
            count_commit(read, super::error::joined(Phase::Extract, commit).await?);
        }
        let Some(page) = next? else {
            return Ok(reached);
        };
        reached = reached.max(page.max_modstamp);
        let advance = if ordered { page.max_modstamp } else { None };
        note_page(&page, read, report);
        let store = ctx.store.clone();
        let span = tracing::Span::current();
        committing = Some(tokio::task::spawn_blocking(move || {
            span.in_scope(|| store.put_page(object, load, &page.rows, &page.deleted, advance))
        }));
    }
}

fn count_commit(read: &mut ObjectRead, stats: PutStats) {
    read.upserted += stats.upserted;
    read.deleted += stats.deleted;
}

/// Counts a page and reports what could not be decoded in it.
fn note_page(page: &ReplicaPage, read: &mut ObjectRead, report: &mut RunReport) {
    read.records += count(page.records);
    read.skipped += count(page.skipped.len());
    for skipped in &page.skipped {
        tracing::warn!(%skipped, "A record could not be decoded and is left out.");
        report.skipped_records.push(SkippedRecord::from(skipped));
    }
    for warning in &page.warnings {
        tracing::debug!(%warning, "A value could not be read and is read as empty.");
    }
    report.ignored_values += count(page.warnings.len());
}

fn count(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// A read's error, naming the field when the org no longer has one of the select list's.
fn read_error(select: &SelectList, error: SalesforceError) -> SyncError {
    match missing_field(select, &error) {
        Some(field) => SyncError::FieldGone {
            object: select.api_object(),
            field,
        },
        None => SyncError::salesforce(Phase::Extract, Some(select.object()))(error),
    }
}

/// The select-list field an `INVALID_FIELD` answer is about. Salesforce names the column
/// in its message (`No such column 'X' on entity 'Y'`); only a name that is one of the
/// list's own fields is taken from it, so no other text of the message leaves the error.
fn missing_field(select: &SelectList, error: &SalesforceError) -> Option<String> {
    let SalesforceError::Api { errors, .. } = error else {
        return None;
    };
    let invalid: Vec<_> = errors
        .iter()
        .filter(|e| e.code == "INVALID_FIELD")
        .collect();
    if invalid.is_empty() {
        return None;
    }
    let named = select.fields().iter().find(|field| {
        let quoted = format!("'{}'", field.to_ascii_lowercase());
        invalid.iter().any(|e| {
            e.fields.iter().any(|f| f.eq_ignore_ascii_case(field))
                || e.message.to_ascii_lowercase().contains(&quoted)
        })
    });
    Some(
        named
            .cloned()
            .unwrap_or_else(|| "a field of the select list".to_owned()),
    )
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::domain::FieldsUsed;
    use crate::salesforce::ApiError;
    use crate::salesforce::wire::FieldMap;

    fn selects() -> Vec<SelectList> {
        SelectList::all(&FieldsUsed::new(), &FieldMap::default(), &[])
    }

    fn t(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, 12, minute, 0).unwrap()
    }

    fn state(select: &SelectList, watermark: Option<DateTime<Utc>>) -> ObjectState {
        ObjectState {
            object: select.object(),
            watermark,
            fieldset: Some(select.fingerprint()),
            delete_coverage: watermark,
            generation: 1,
            loaded_rows: Some(3),
            loaded_at: watermark,
            loading: None,
        }
    }

    #[test]
    fn each_object_is_read_whole_only_when_it_must_be() {
        let selects = selects();
        let mut states: BTreeMap<_, _> = selects
            .iter()
            .map(|s| (s.object(), Some(state(s, Some(t(30))))))
            .collect();
        states.insert(SyncedObject::Contract, None);
        if let Some(Some(case)) = states.get_mut(&SyncedObject::Case) {
            case.fieldset = Some("v1-older".into());
        }
        if let Some(Some(task)) = states.get_mut(&SyncedObject::Task) {
            task.loading = Some(LoadId {
                object: SyncedObject::Task,
                generation: 2,
            });
        }
        let overlap = Duration::minutes(5);
        let decisions = decide(&selects, &states, Extraction::Incremental, overlap);
        assert_eq!(
            decisions[&SyncedObject::Account],
            Decision::Since {
                watermark: t(30),
                since: t(25),
                covered: None
            }
        );
        assert_eq!(
            decisions[&SyncedObject::Contract],
            Decision::Full(FullReason::FirstLoad)
        );
        assert_eq!(
            decisions[&SyncedObject::Case],
            Decision::Full(FullReason::FieldsChanged)
        );
        assert_eq!(
            decisions[&SyncedObject::Task],
            Decision::Full(FullReason::Unfinished)
        );
        let full = decide(&selects, &states, Extraction::Full, overlap);
        assert!(
            full.values()
                .all(|d| *d == Decision::Full(FullReason::Requested))
        );
    }

    #[test]
    fn a_delete_log_purged_inside_the_window_calls_for_a_full_load() {
        let since = |m| Decision::Since {
            watermark: t(m),
            since: t(m - 5),
            covered: None,
        };
        let mut decisions = BTreeMap::from([
            (SyncedObject::Account, since(30)),
            (SyncedObject::Contract, since(30)),
            (SyncedObject::Case, since(30)),
            (SyncedObject::Task, since(30)),
            (SyncedObject::Event, since(30)),
        ]);
        let log = |earliest, covered| {
            Ok(DeleteLog {
                deleted: vec![],
                earliest_date_available: Some(earliest),
                latest_date_covered: Some(covered),
            })
        };
        let refused = |code: &str| {
            Err(SubrequestError {
                status: 400,
                errors: vec![ApiError {
                    code: code.into(),
                    message: String::new(),
                    fields: vec![],
                }],
            })
        };
        let logs = BTreeMap::from([
            (SyncedObject::Account, log(t(1), t(40))),
            // Purged inside the overlap, before the watermark: nothing unseen was lost.
            (SyncedObject::Contract, log(t(28), t(40))),
            (SyncedObject::Case, log(t(31), t(40))),
            (SyncedObject::Task, refused("INVALID_REPLICATION_DATE")),
            (SyncedObject::Event, refused("UNKNOWN_EXCEPTION")),
        ]);
        check_delete_log(&mut decisions, &logs);
        assert_eq!(
            decisions[&SyncedObject::Account],
            Decision::Since {
                watermark: t(30),
                since: t(25),
                covered: Some(t(40))
            }
        );
        assert!(matches!(
            decisions[&SyncedObject::Contract],
            Decision::Since { .. }
        ));
        assert_eq!(
            decisions[&SyncedObject::Case],
            Decision::Full(FullReason::DeleteLogPurged)
        );
        assert_eq!(
            decisions[&SyncedObject::Task],
            Decision::Full(FullReason::DeleteLogTooOld)
        );
        assert_eq!(decisions[&SyncedObject::Event], since(30));
    }

    #[test]
    fn an_invalid_field_names_the_select_lists_field_and_nothing_else() {
        let select = SelectList::new(
            SyncedObject::Case,
            &FieldsUsed::new(),
            &FieldMap::default(),
            &[],
        );
        let error = |message: &str| SalesforceError::Api {
            method: "GET".into(),
            path: "/services/data/v66.0/queryAll".into(),
            status: 400,
            errors: vec![ApiError {
                code: "INVALID_FIELD".into(),
                message: message.into(),
                fields: vec![],
            }],
            excerpt: None,
            retry_after: None,
        };
        let named = read_error(
            &select,
            error(
                "\nSELECT Id, IsEscalated FROM Case\nERROR at Row:1:Column:12\nNo such column 'IsEscalated' on entity 'Case'.",
            ),
        );
        assert_eq!(
            named.to_string(),
            "Case.IsEscalated cannot be read: the org says no such field exists for the integration user (deleted, renamed or hidden by field-level security); run `vitals check` to see what changed and how to fix it"
        );
        let unnamed = read_error(&select, error("something about 'Acme'"));
        assert!(matches!(
            unnamed,
            SyncError::FieldGone { field, .. } if field == "a field of the select list"
        ));
    }
}
