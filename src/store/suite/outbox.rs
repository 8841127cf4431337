//! Suite cases of the lease, the outbox, the key ledger and the values last written.

use super::*;
use crate::domain::{Outcome, PlannedWrite, RecordError, Target, Value, WriteKind};
use crate::store::{
    EntryState, LedgerState, NewRun, OutboxDepth, OutboxId, RunStamp, RunTrigger, StoreError,
};

/// A run under a fresh lease.
fn start(store: &dyn StateStore, minute: i64) -> RunStamp {
    let run = store
        .begin_run(&NewRun {
            trigger: RunTrigger::Manual,
            holder: "suite".into(),
            started_at: at(minute),
        })
        .unwrap();
    let lease = store.acquire_lease("suite", at(minute)).unwrap().unwrap();
    RunStamp {
        run,
        epoch: lease.epoch,
        at: at(minute),
    }
}

fn health(account: u64, score: f64) -> PlannedWrite {
    PlannedWrite {
        kind: WriteKind::AccountHealth,
        target: Target::Id(account_id(account)),
        account_id: account_id(account),
        fields: vec![("health_score".into(), Value::Number(score))],
        reason: "score changed".into(),
    }
}

fn create(kind: WriteKind, account: u64, key: &str) -> PlannedWrite {
    PlannedWrite {
        kind,
        target: Target::Key(key.into()),
        account_id: account_id(account),
        fields: vec![
            ("playbook".into(), Value::Text("escalation".into())),
            ("subject".into(), Value::Text("Escalate".into())),
        ],
        reason: "became at risk".into(),
    }
}

fn delivered(id: Option<SfId>) -> Outcome {
    Outcome::Delivered {
        id,
        created: Some(true),
    }
}

fn errored() -> Outcome {
    Outcome::Errored {
        code: "UNABLE_TO_LOCK_ROW".into(),
        message: "locked".into(),
    }
}

fn rejected() -> Outcome {
    Outcome::Rejected {
        errors: vec![RecordError {
            code: "FIELD_CUSTOM_VALIDATION_EXCEPTION".into(),
            message: "close date required".into(),
            fields: vec!["close_date".into()],
        }],
    }
}

fn targets(entries: &[crate::store::OutboxEntry]) -> Vec<&str> {
    entries.iter().map(|e| e.write.target.as_text()).collect()
}

pub(crate) fn enqueue_supersedes_unsent_entries(store: &dyn StateStore) {
    let stamp = start(store, 0);
    let first = store
        .enqueue(&stamp, &[health(1, 40.0), health(2, 50.0)])
        .unwrap();
    assert_eq!((first.enqueued, first.superseded), (2, 0));
    let newer = store.enqueue(&stamp, &[health(1, 45.0)]).unwrap();
    assert_eq!((newer.enqueued, newer.superseded), (1, 1));

    let claimed = store
        .claim(&stamp, &[WriteKind::AccountHealth], 10)
        .unwrap();
    assert_eq!(
        targets(&claimed),
        [account_id(2).as_str(), account_id(1).as_str()]
    );
    assert_eq!(claimed[1].write, health(1, 45.0));

    // An entry being sent is not superseded: it may already have reached the org.
    let again = store.enqueue(&stamp, &[health(1, 47.0)]).unwrap();
    assert_eq!(again.superseded, 0);
    assert_eq!(
        store.outbox_depth().unwrap(),
        OutboxDepth {
            pending: 1,
            sending: 2
        }
    );
}

pub(crate) fn claim_takes_kinds_in_order_up_to_the_limit(store: &dyn StateStore) {
    let stamp = start(store, 0);
    let writes = [
        create(WriteKind::PlaybookTask, 1, "t1"),
        health(1, 40.0),
        create(WriteKind::PlaybookTask, 2, "t2"),
        create(WriteKind::PlaybookTask, 3, "t3"),
    ];
    store.enqueue(&stamp, &writes).unwrap();
    let tasks = store.claim(&stamp, &[WriteKind::PlaybookTask], 2).unwrap();
    assert_eq!(targets(&tasks), ["t1", "t2"]);
    assert!(
        tasks
            .iter()
            .all(|e| e.state == EntryState::Sending && e.epoch == Some(stamp.epoch))
    );
    assert!(tasks[0].id < tasks[1].id);
    let rest = store
        .claim(
            &stamp,
            &[WriteKind::PlaybookTask, WriteKind::AccountHealth],
            10,
        )
        .unwrap();
    assert_eq!(targets(&rest), [account_id(1).as_str(), "t3"]);
    assert!(store.claim(&stamp, &[], 10).unwrap().is_empty());
    assert!(store.claim(&stamp, &WriteKind::ALL, 10).unwrap().is_empty());
}

fn assert_fenced<T: std::fmt::Debug>(result: Result<T, StoreError>) {
    assert!(
        matches!(result, Err(StoreError::Fenced { .. })),
        "{result:?}"
    );
}

pub(crate) fn a_stale_epoch_is_refused(store: &dyn StateStore) {
    assert_eq!(store.current_epoch().unwrap().0, 0);
    let old = start(store, 0);
    store.enqueue(&old, &[health(1, 40.0)]).unwrap();
    let claimed = store.claim(&old, &WriteKind::ALL, 1).unwrap();

    // Another holder takes the lease; the old one wakes up and may touch nothing.
    let new = start(store, 5);
    assert!(new.epoch > old.epoch);
    assert_eq!(store.current_epoch().unwrap(), new.epoch);
    assert_fenced(store.enqueue(&old, &[health(2, 40.0)]));
    assert_fenced(store.claim(&old, &WriteKind::ALL, 10));
    assert_fenced(store.record_outcomes(&old, &[(claimed[0].id, delivered(None))]));
    let before_any_lease = RunStamp {
        epoch: crate::store::Epoch(0),
        ..new
    };
    assert_fenced(store.claim(&before_any_lease, &WriteKind::ALL, 10));

    // The new holder settles what the old one left in doubt.
    let stats = store
        .record_outcomes(&new, &[(claimed[0].id, delivered(None))])
        .unwrap();
    assert_eq!(stats.delivered, 1);
    assert_eq!(store.outbox_depth().unwrap(), OutboxDepth::default());
}

pub(crate) fn an_interrupted_claim_leaves_entries_in_doubt(store: &dyn StateStore) {
    let stamp = start(store, 0);
    store
        .enqueue(
            &stamp,
            &[health(1, 40.0), create(WriteKind::PlaybookTask, 1, "t1")],
        )
        .unwrap();
    let claimed = store.claim(&stamp, &WriteKind::ALL, 10).unwrap();
    // The process dies here: nothing is recorded. At the next start both are in doubt.
    let restart = start(store, 10);
    let doubt = store.in_doubt(10).unwrap();
    assert_eq!(doubt, claimed);
    assert_eq!(store.in_doubt(1).unwrap().len(), 1);
    assert!(
        store
            .claim(&restart, &WriteKind::ALL, 10)
            .unwrap()
            .is_empty()
    );
    let task_id = SfId::from_parts("00T", 77);
    let outcomes = [
        (doubt[1].id, delivered(Some(task_id))),
        (doubt[0].id, delivered(None)),
    ];
    store.record_outcomes(&restart, &outcomes).unwrap();
    assert!(store.in_doubt(10).unwrap().is_empty());
    assert_eq!(
        store.ledger_for(account_id(1)).unwrap()[0].record_id,
        Some(task_id)
    );
}

pub(crate) fn outcomes_update_last_written_and_the_ledger(store: &dyn StateStore) {
    let stamp = start(store, 0);
    let writes = [
        health(1, 40.0),
        create(WriteKind::PlaybookTask, 1, "t1"),
        create(WriteKind::Renewal, 2, "r2"),
    ];
    store.enqueue(&stamp, &writes).unwrap();
    let planned = store.ledger().unwrap();
    assert_eq!(planned.len(), 2, "only creates enter the ledger");
    assert_eq!(planned[0].playbook.as_deref(), Some("escalation"));
    assert!(
        planned
            .iter()
            .all(|e| e.state == LedgerState::Planned && e.planned_at == at(0))
    );
    let target = Target::Id(account_id(1));
    assert!(
        store
            .last_written(WriteKind::AccountHealth, &target)
            .unwrap()
            .is_empty()
    );

    let ids: Vec<OutboxId> = store
        .claim(&stamp, &WriteKind::ALL, 10)
        .unwrap()
        .iter()
        .map(|e| e.id)
        .collect();
    let task_id = SfId::from_parts("00T", 5);
    let later = RunStamp { at: at(3), ..stamp };
    let outcomes = [
        (ids[0], delivered(None)),
        (ids[1], delivered(Some(task_id))),
        (ids[2], rejected()),
        (OutboxId(999), delivered(None)),
    ];
    let stats = store.record_outcomes(&later, &outcomes).unwrap();
    assert_eq!((stats.delivered, stats.rejected, stats.ignored), (2, 1, 1));

    let written = store
        .last_written(WriteKind::AccountHealth, &target)
        .unwrap();
    assert_eq!(written.len(), 1);
    assert_eq!(written[0].0, "health_score");
    assert_eq!(
        (written[0].1.value.clone(), written[0].1.written_at),
        (Value::Number(40.0), at(3))
    );
    assert_eq!(written[0].1.record_id, Some(account_id(1)));
    let task = &store.ledger_for(account_id(1)).unwrap()[0];
    assert_eq!(
        (task.state, task.record_id, task.settled_at),
        (LedgerState::Delivered, Some(task_id), Some(at(3)))
    );
    let renewal = &store.ledger_for(account_id(2)).unwrap()[0];
    assert_eq!(renewal.state, LedgerState::Rejected);
    let failures = store.failures(stamp.run, 10).unwrap();
    assert_eq!(failures.len(), 1);
    assert_eq!(
        (failures[0].rejected, &failures[0].outcome),
        (true, &rejected())
    );

    // A settled entry takes no second outcome; a rejected key may be planned again, a
    // delivered one stays delivered.
    let again = store
        .record_outcomes(&later, &[(ids[2], delivered(None))])
        .unwrap();
    assert_eq!(again.ignored, 1);
    let replan = RunStamp { at: at(9), ..stamp };
    store
        .enqueue(
            &replan,
            &[
                create(WriteKind::Renewal, 2, "r2"),
                create(WriteKind::PlaybookTask, 1, "t1"),
            ],
        )
        .unwrap();
    let renewal = &store.ledger_for(account_id(2)).unwrap()[0];
    assert_eq!(
        (renewal.state, renewal.planned_at),
        (LedgerState::Planned, at(9))
    );
    assert_eq!(
        store.ledger_for(account_id(1)).unwrap()[0].state,
        LedgerState::Delivered
    );
}

pub(crate) fn errors_go_back_to_pending_and_are_reported(store: &dyn StateStore) {
    let stamp = start(store, 0);
    store
        .enqueue(&stamp, &[health(1, 40.0), health(2, 50.0)])
        .unwrap();
    let claimed = store.claim(&stamp, &WriteKind::ALL, 10).unwrap();
    // While entry 1 is being sent, a newer plan for the same record arrives.
    store.enqueue(&stamp, &[health(1, 41.0)]).unwrap();
    let outcomes = [(claimed[0].id, errored()), (claimed[1].id, errored())];
    let stats = store.record_outcomes(&stamp, &outcomes).unwrap();
    assert_eq!(stats.retried, 2);

    // Entry 2 is retried; entry 1 gives way to the newer plan instead of being sent twice.
    let failures = store.failures(stamp.run, 10).unwrap();
    assert_eq!(failures.len(), 1);
    assert_eq!(
        (
            failures[0].target.clone(),
            failures[0].rejected,
            failures[0].attempts
        ),
        (Target::Id(account_id(2)), false, 1)
    );
    let retry = store.claim(&stamp, &WriteKind::ALL, 10).unwrap();
    assert_eq!(
        targets(&retry),
        [account_id(2).as_str(), account_id(1).as_str()]
    );
    assert_eq!(
        (retry[0].attempts, retry[1].write.clone()),
        (1, health(1, 41.0))
    );
    store
        .record_outcomes(&stamp, &[(retry[0].id, delivered(None))])
        .unwrap();
    assert!(store.failures(stamp.run, 10).unwrap().is_empty());
}

pub(crate) fn inconsistent_writes_are_refused(store: &dyn StateStore) {
    let stamp = start(store, 0);
    let mut by_id = create(WriteKind::PlaybookTask, 1, "t1");
    by_id.target = Target::Id(SfId::from_parts("00T", 1));
    let mut by_key = health(1, 40.0);
    by_key.target = Target::Key("k".into());
    for write in [by_id, by_key, health(1, f64::NAN)] {
        let refused = store.enqueue(&stamp, &[health(2, 40.0), write]);
        assert!(
            matches!(refused, Err(StoreError::InvalidRequest { .. })),
            "{refused:?}"
        );
    }
    assert_eq!(
        store.outbox_depth().unwrap(),
        OutboxDepth::default(),
        "nothing half-enqueued"
    );
}

pub(crate) fn settled_entries_are_pruned(store: &dyn StateStore) {
    let stamp = start(store, 0);
    store
        .enqueue(&stamp, &[health(1, 40.0), health(2, 40.0), health(3, 40.0)])
        .unwrap();
    let claimed = store.claim(&stamp, &WriteKind::ALL, 2).unwrap();
    store
        .record_outcomes(
            &stamp,
            &[
                (claimed[0].id, delivered(None)),
                (claimed[1].id, rejected()),
            ],
        )
        .unwrap();
    assert_eq!(store.prune_outbox(at(0)).unwrap(), 0);
    assert_eq!(store.prune_outbox(at(1)).unwrap(), 2);
    assert_eq!(store.outbox_depth().unwrap().pending, 1);
    // The values last written outlive the entries that wrote them.
    assert_eq!(
        store
            .last_written(WriteKind::AccountHealth, &Target::Id(account_id(1)))
            .unwrap()
            .len(),
        1
    );
}
