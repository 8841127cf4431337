//! Applying the outbox: pending entries to the org, kind by kind, in bounded chunks, and
//! each entry's outcome back to the store.
//!
//! Per chunk: claim up to `apply_chunk` pending entries of one kind (they become `sending`
//! under the run's lease epoch), encode each into API names (an entry that cannot be
//! encoded is rejected, not sent), write them with `Client::write` (sObject Collections of
//! 200, or one Bulk ingest job above the client's threshold), and record each outcome:
//! Delivered (the org confirmed: "last written" and the key ledger move), Rejected (final,
//! reported with Salesforce's code and message; the planner plans it again next cycle if
//! it still differs), Errored (transient, or not sent because the budget stopped the write:
//! back to pending for the next cycle). Errored outcomes are recorded when the kind is
//! done, so this run never claims the same entry twice. The cancellation token is checked
//! between chunks, and so is the daemon's lease (a lost lease stops the writes at once),
//! and an API-budget stop ends the phase cleanly.
//!
//! This module makes no decision about what to write: the plan did.

use super::begin::at;
use super::context::{PausePoint, SyncContext};
use super::error::{Phase, SyncError};
use super::report::{RunReport, WriteFailure};
use crate::domain::{Outcome, RecordError, WriteKind};
use crate::salesforce::ApiError;
use crate::salesforce::records::{RecordOutcome, WriteRecord, WriteResult};
use crate::salesforce::wire::{EncodedWrite, WriteContext, encode};
use crate::store::{OutboxEntry, OutboxId, RunStamp};

/// How the apply phase ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Applied {
    /// Every pending entry was sent (some may have failed).
    Done,
    /// Stopped early: the budget, the daily limit or a cancellation, with why.
    Stopped(String),
}

/// Sends every pending entry, kind by kind.
///
/// # Errors
/// [`SyncError`] when the store fails (entries claimed and not settled stay in doubt and
/// are settled by the next run) or the Renewal record type cannot be looked up.
pub(super) async fn apply(
    ctx: &SyncContext,
    stamp: RunStamp,
    report: &mut RunReport,
) -> Result<Applied, SyncError> {
    let mut context = WriteContext {
        renewal_record_type: None,
        categories: ctx
            .model
            .category_keys()
            .into_iter()
            .map(str::to_owned)
            .collect(),
    };
    for kind in WriteKind::ALL {
        let outcome = apply_kind(ctx, stamp, kind, &mut context, report).await?;
        if let Applied::Stopped(why) = outcome {
            return Ok(Applied::Stopped(why));
        }
    }
    Ok(Applied::Done)
}

/// Sends every pending entry of one kind.
async fn apply_kind(
    ctx: &SyncContext,
    stamp: RunStamp,
    kind: WriteKind,
    context: &mut WriteContext,
    report: &mut RunReport,
) -> Result<Applied, SyncError> {
    let mut errored: Vec<(OutboxId, Outcome)> = Vec::new();
    let mut paused = false;
    let result = loop {
        if ctx.cancel.is_cancelled() {
            break Applied::Stopped("shutdown requested".to_owned());
        }
        // A lost lease stops the writes at once; the errored entries go back to pending
        // below only if the store still takes this epoch.
        if let Err(lost) = ctx.check_lease(Phase::Apply) {
            if !errored.is_empty() {
                let _fenced = ctx
                    .store
                    .record_outcomes(&at(stamp, ctx.clock.now()), &errored);
            }
            return Err(lost);
        }
        let entries = ctx
            .store
            .claim(
                &at(stamp, ctx.clock.now()),
                &[kind],
                ctx.settings.apply_chunk,
            )
            .map_err(SyncError::store(Phase::Apply))?;
        if entries.is_empty() {
            break Applied::Done;
        }
        if kind == WriteKind::Renewal && context.renewal_record_type.is_none() {
            context.renewal_record_type = ctx
                .client
                .renewal_record_type()
                .await
                .map_err(SyncError::salesforce(Phase::Apply, Some(kind.object())))?;
        }
        let (outcomes, stopped) = write_chunk(ctx, &entries, context).await;
        if !paused {
            paused = true;
            ctx.reached(PausePoint::BeforeRecord(kind));
        }
        let settled = tally(kind, &entries, outcomes, report, &mut errored);
        ctx.store
            .record_outcomes(&at(stamp, ctx.clock.now()), &settled)
            .map_err(SyncError::store(Phase::Apply))?;
        if let Some(why) = stopped {
            break Applied::Stopped(why);
        }
    };
    // Errored entries go back to pending only now, so this run never claims them again.
    if !errored.is_empty() {
        ctx.store
            .record_outcomes(&at(stamp, ctx.clock.now()), &errored)
            .map_err(SyncError::store(Phase::Apply))?;
    }
    Ok(result)
}

/// Encodes and writes one chunk: one outcome per entry, in entry order, and why the write
/// stopped early, if it did.
async fn write_chunk(
    ctx: &SyncContext,
    entries: &[OutboxEntry],
    context: &WriteContext,
) -> (Vec<Outcome>, Option<String>) {
    let mut outcomes: Vec<Option<Outcome>> = vec![None; entries.len()];
    let mut records: Vec<WriteRecord> = Vec::with_capacity(entries.len());
    // Input position of each record -> entry position.
    let mut positions: Vec<usize> = Vec::with_capacity(entries.len());
    let mut target: Option<(String, crate::salesforce::records::WriteKind)> = None;
    for (i, entry) in entries.iter().enumerate() {
        match encode(&entry.write, &ctx.fields, context) {
            Ok(EncodedWrite {
                object,
                kind,
                record,
            }) => {
                target.get_or_insert_with(|| (object.api_name().to_owned(), kind));
                records.push(record);
                positions.push(i);
            }
            Err(error) => {
                // The write cannot be sent as planned: that is this write's rejection.
                outcomes[i] = Some(Outcome::Rejected {
                    errors: vec![RecordError {
                        code: "ENCODING_FAILED".into(),
                        message: error.to_string(),
                        fields: Vec::new(),
                    }],
                });
            }
        }
    }
    let mut stopped = None;
    if let Some((object, kind)) = target {
        let written = ctx.client.write(&object, &kind, records).await;
        stopped = written.stopped.clone();
        for RecordOutcome { index, result } in written.outcomes {
            if let Some(slot) = positions.get(index).and_then(|i| outcomes.get_mut(*i)) {
                *slot = Some(outcome_of(result));
            }
        }
    }
    let outcomes = outcomes
        .into_iter()
        .map(|o| {
            // Every row gets an outcome from the client; a gap would be a client bug, and
            // the entry then stays for the next run rather than being lost.
            o.unwrap_or_else(|| Outcome::Errored {
                code: "NO_OUTCOME".into(),
                message: "the client returned no outcome for this row; retried next cycle".into(),
            })
        })
        .collect();
    (outcomes, stopped)
}

/// The domain's outcome of a client row result.
fn outcome_of(result: WriteResult) -> Outcome {
    match result {
        WriteResult::Delivered { id, created } => Outcome::Delivered {
            id: Some(id),
            created,
        },
        WriteResult::Errored { errors } => Outcome::Errored {
            code: errors
                .first()
                .map_or_else(|| "ERRORED".to_owned(), |e| e.code.clone()),
            message: errors
                .iter()
                .map(ApiError::for_report)
                .collect::<Vec<_>>()
                .join("; "),
        },
        WriteResult::Rejected { errors } => Outcome::Rejected {
            errors: errors
                .into_iter()
                .map(|e| RecordError {
                    code: e.code,
                    message: e.message,
                    fields: e.fields,
                })
                .collect(),
        },
    }
}

/// Counts a chunk's outcomes into the report; returns the ones to record now and keeps
/// the errored ones for the end of the kind.
fn tally(
    kind: WriteKind,
    entries: &[OutboxEntry],
    outcomes: Vec<Outcome>,
    report: &mut RunReport,
    errored: &mut Vec<(OutboxId, Outcome)>,
) -> Vec<(OutboxId, Outcome)> {
    let mut settled = Vec::with_capacity(outcomes.len());
    let mut delivered: u64 = 0;
    for (entry, outcome) in entries.iter().zip(outcomes) {
        if let Some(failure) =
            WriteFailure::of(kind, &entry.write.target, entry.write.account_id, &outcome)
        {
            report.failures.push(failure);
            *report.failed.entry(kind).or_default() += 1;
        }
        match outcome {
            Outcome::Errored { .. } => errored.push((entry.id, outcome)),
            Outcome::Delivered { .. } => {
                delivered += 1;
                settled.push((entry.id, outcome));
            }
            Outcome::Rejected { .. } => settled.push((entry.id, outcome)),
        }
    }
    *report.written.entry(kind).or_default() += delivered;
    let failed = u64::try_from(entries.len())
        .unwrap_or(u64::MAX)
        .saturating_sub(delivered);
    tracing::info!(kind = kind.key(), delivered, failed, "Chunk written.");
    settled
}
