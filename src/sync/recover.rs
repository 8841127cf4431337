//! Settling writes a dead process left in doubt, before anything else is sent.
//!
//! An outbox entry found `sending` at the start of a run was claimed by a process that
//! died (or was killed) before it recorded the org's answer: the write may or may not have
//! reached the org. The two kinds of write are settled differently:
//!
//! - A create (history, renewal, task) is looked up by its external key
//!   (`Client::find_keys`, `queryAll`). Found: it is delivered, and it is not sent again,
//!   because an upsert that finds the record overwrites every field it carries, and a CSM
//!   may have moved the renewal's stage or closed the task since. Not found: back to
//!   pending, and this run's apply sends it.
//! - An update by Id (health fields, renewal risk) is idempotent: back to pending, and this
//!   run sends it again, unless this run's plan supersedes it with newer values.
//!
//! Nothing here decides what to write; it only settles entries through the store.

use std::collections::BTreeMap;

use super::begin::at;
use super::context::SyncContext;
use super::error::{Phase, SyncError};
use super::report::InDoubt;
use crate::domain::{Outcome, WriteKind};
use crate::store::{OutboxEntry, OutboxId, RunStamp};

/// Settles every entry left sending.
///
/// # Errors
/// [`SyncError`] when the store or a key query fails; entries not settled stay in doubt
/// for the next run.
pub(super) async fn settle_in_doubt(
    ctx: &SyncContext,
    stamp: RunStamp,
) -> Result<InDoubt, SyncError> {
    let mut settled = InDoubt::default();
    loop {
        let entries = ctx
            .store
            .in_doubt(ctx.settings.recover_chunk)
            .map_err(SyncError::store(Phase::Recover))?;
        if entries.is_empty() {
            break;
        }
        let mut outcomes = Vec::with_capacity(entries.len());
        for (kind, group) in by_kind(entries) {
            outcomes.extend(settle_kind(ctx, kind, &group).await?);
        }
        for (_, outcome) in &outcomes {
            match outcome {
                Outcome::Delivered { .. } => settled.found += 1,
                _ => settled.resent += 1,
            }
        }
        let stats = ctx
            .store
            .record_outcomes(&at(stamp, ctx.clock.now()), &outcomes)
            .map_err(SyncError::store(Phase::Recover))?;
        if stats.delivered + stats.retried + stats.rejected == 0 {
            // Nothing moved: the store refused every outcome; stop rather than loop.
            break;
        }
    }
    if settled != InDoubt::default() {
        tracing::info!(
            found = settled.found,
            resent = settled.resent,
            "Settled writes an earlier run left in doubt."
        );
    }
    Ok(settled)
}

fn by_kind(entries: Vec<OutboxEntry>) -> BTreeMap<WriteKind, Vec<OutboxEntry>> {
    let mut groups: BTreeMap<WriteKind, Vec<OutboxEntry>> = BTreeMap::new();
    for entry in entries {
        groups.entry(entry.write.kind).or_default().push(entry);
    }
    groups
}

/// The outcomes of one kind's entries in doubt.
async fn settle_kind(
    ctx: &SyncContext,
    kind: WriteKind,
    entries: &[OutboxEntry],
) -> Result<Vec<(OutboxId, Outcome)>, SyncError> {
    if !kind.creates() {
        return Ok(entries
            .iter()
            .map(|e| {
                (
                    e.id,
                    again(
                        "IN_DOUBT_UPDATE",
                        "an update by Id in doubt after an interrupted run; sent again",
                    ),
                )
            })
            .collect());
    }
    let keys: Vec<String> = entries
        .iter()
        .map(|e| e.write.target.as_text().to_owned())
        .collect();
    let found = ctx
        .client
        .find_keys(kind, &keys, &ctx.fields)
        .await
        .map_err(SyncError::salesforce(Phase::Recover, Some(kind.object())))?;
    // External keys match without regard to case in the org (unique, case-insensitive
    // fields); Vitals' keys are its own, so a match by lower case is the same record.
    let lower: BTreeMap<String, _> = found
        .iter()
        .map(|(key, id)| (key.to_lowercase(), *id))
        .collect();
    Ok(entries
        .iter()
        .map(|e| {
            let key = e.write.target.as_text();
            let id = found
                .get(key)
                .or_else(|| lower.get(&key.to_lowercase()))
                .copied();
            let outcome = match id {
                Some(id) => Outcome::Delivered {
                    id: Some(id),
                    created: None,
                },
                None => again(
                    "IN_DOUBT_NOT_FOUND",
                    "a create in doubt after an interrupted run, not found in the org; sent again",
                ),
            };
            (e.id, outcome)
        })
        .collect())
}

/// Back to pending, to be sent again by this run.
fn again(code: &str, message: &str) -> Outcome {
    Outcome::Errored {
        code: code.to_owned(),
        message: message.to_owned(),
    }
}
