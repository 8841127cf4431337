//! Suite cases of period results, the API budget, runs and the schema version.

use std::collections::BTreeMap;

use super::*;
use crate::domain::{HealthStatus, SyncedObject, WriteKind};
use crate::store::{
    NewRun, PeriodResult, RunEnd, RunId, RunOutcome, RunSummary, RunTrigger, StoreError,
};

pub(crate) fn period_results_round_trip(store: &dyn StateStore) {
    let october = PeriodResult {
        account_id: account_id(1),
        period: day(2026, 10, 1),
        model: "balanced".into(),
        score: Some(48.5),
        status: HealthStatus::AtRisk,
        flags: vec!["underutilisation".into()],
        categories: BTreeMap::from([("adoption".into(), 31.0)]),
        scored_at: at(0),
    };
    let november = PeriodResult {
        period: day(2026, 11, 1),
        score: None,
        ..october.clone()
    };
    store
        .put_results(&[october.clone(), november.clone()])
        .unwrap();
    let rescored = PeriodResult {
        score: Some(52.0),
        flags: vec![],
        ..november
    };
    store.put_results(std::slice::from_ref(&rescored)).unwrap();

    assert_eq!(
        store
            .period_result(account_id(1), day(2026, 10, 1))
            .unwrap(),
        Some(october)
    );
    assert_eq!(
        store
            .period_result(account_id(1), day(2026, 11, 1))
            .unwrap(),
        Some(rescored)
    );
    assert_eq!(
        store
            .period_result(account_id(2), day(2026, 11, 1))
            .unwrap(),
        None
    );
}

pub(crate) fn budget_counts_a_rolling_day(store: &dyn StateStore) {
    store.record_calls(at(0), 5).unwrap();
    store.record_calls(at(0), 2).unwrap();
    store.record_calls(at(30), 3).unwrap();
    assert_eq!(store.calls_since(at(0)).unwrap(), 10);
    assert_eq!(store.calls_since(at(1)).unwrap(), 3);
    assert_eq!(store.calls_since(at(31)).unwrap(), 0);

    // 25 hours later, the calls of more than 24 hours ago are gone.
    store.record_calls(at(25 * 60), 4).unwrap();
    assert_eq!(store.calls_since(at(0)).unwrap(), 4);
    store.record_calls(at(24 * 60 + 30), 1).unwrap();
    assert_eq!(store.calls_since(at(60)).unwrap(), 5);
}

pub(crate) fn runs_begin_finish_and_list(store: &dyn StateStore) {
    let new = |minute, trigger| NewRun {
        trigger,
        holder: "host-1".into(),
        started_at: at(minute),
    };
    let first = store.begin_run(&new(0, RunTrigger::Startup)).unwrap();
    let second = store.begin_run(&new(15, RunTrigger::Schedule)).unwrap();
    assert!(second > first);
    let end = RunEnd {
        finished_at: at(2),
        outcome: RunOutcome::FailedRecords,
        summary: RunSummary {
            records_read: BTreeMap::from([(SyncedObject::Case, 120)]),
            accounts_scored: 40,
            status_changes: 3,
            written: BTreeMap::from([(WriteKind::AccountHealth, 3), (WriteKind::PlaybookTask, 1)]),
            failures: 1,
            skipped_records: 0,
            api_calls_used: 14,
            api_calls_left: Some(14_986),
            note: None,
        },
    };
    store.finish_run(first, &end).unwrap();

    let runs = store.runs(10).unwrap();
    let listed: Vec<RunId> = runs.iter().map(|r| r.id).collect();
    assert_eq!(listed, [second, first]);
    assert_eq!(runs[0].end, None);
    assert_eq!(
        (runs[0].trigger, runs[0].started_at),
        (RunTrigger::Schedule, at(15))
    );
    let stored = store.run(first).unwrap().unwrap();
    assert_eq!(
        (stored.trigger, stored.holder.as_str()),
        (RunTrigger::Startup, "host-1")
    );
    assert_eq!(stored.end, Some(end.clone()));
    assert_eq!(store.runs(1).unwrap().len(), 1);
    assert_eq!(store.run(RunId(second.0 + 100)).unwrap(), None);
    let unknown = store.finish_run(RunId(second.0 + 100), &end);
    assert!(
        matches!(unknown, Err(StoreError::InvalidRequest { .. })),
        "{unknown:?}"
    );
}
