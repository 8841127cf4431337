//! Suite cases of the replica and the sync state.

use proptest::prelude::*;

use super::*;
use crate::domain::{Records, SyncedObject, test_records};
use crate::store::{
    AccountRef, PeriodResult, SnapshotLookup, StoreError, StrayReason, StrayRecord,
};

use DomainRecord as R;

fn ids(snapshots: &[AccountSnapshot]) -> Vec<SfId> {
    snapshots.iter().map(|s| s.account.id).collect()
}

pub(crate) fn full_load_removes_stale_rows(store: &dyn StateStore) {
    let object = SyncedObject::Case;
    let old = vec![R::Case(case(1, Some(1))), R::Case(case(2, Some(1)))];
    store
        .put_page(object, None, &rows(old, at(0)), &[], Some(at(0)))
        .unwrap();

    let load = store.begin_full_load(object, "fields-v2").unwrap();
    let mut kept = case(2, Some(1));
    kept.status = Some("Escalated".into());
    let page = rows(
        vec![R::Case(kept.clone()), R::Case(case(3, Some(1)))],
        at(5),
    );
    store
        .put_page(object, Some(load), &page, &[], None)
        .unwrap();
    let stats = store.finish_full_load(load, at(10), at(11)).unwrap();

    assert_eq!((stats.rows, stats.removed), (2, 1));
    let state = store.object_state(object).unwrap().unwrap();
    assert_eq!(state.watermark, Some(at(10)));
    assert_eq!(state.fieldset.as_deref(), Some("fields-v2"));
    assert_eq!(state.generation, load.generation);
    assert_eq!(
        (state.loaded_rows, state.loaded_at),
        (Some(2), Some(at(11)))
    );
    assert_eq!(state.loading, None);
    store
        .put_page(
            SyncedObject::Account,
            None,
            &rows(vec![R::Account(account(1))], at(0)),
            &[],
            None,
        )
        .unwrap();
    let (snapshots, _) = collect(store);
    let cases: Vec<_> = snapshots[0].cases.iter().map(|c| c.id).collect();
    assert_eq!(cases, [kept.id, SfId::from_parts("500", 3)]);
    assert_eq!(snapshots[0].cases[0], kept);
}

pub(crate) fn crash_mid_load_keeps_the_old_state(store: &dyn StateStore) {
    let task = SyncedObject::Task;
    let first = store.begin_full_load(task, "v1").unwrap();
    store
        .put_page(
            task,
            Some(first),
            &rows(vec![R::Task(super::task(1, Some(1)))], at(0)),
            &[],
            None,
        )
        .unwrap();
    store.finish_full_load(first, at(1), at(1)).unwrap();

    // A second load dies after one page: the first load's state stays in force.
    let second = store.begin_full_load(task, "v2").unwrap();
    let page = rows(vec![R::Task(super::task(2, Some(1)))], at(2));
    store
        .put_page(task, Some(second), &page, &[], None)
        .unwrap();
    let state = store.object_state(task).unwrap().unwrap();
    assert_eq!(
        (state.watermark, state.fieldset.as_deref()),
        (Some(at(1)), Some("v1"))
    );
    assert_eq!(state.loading, Some(second));

    // The next run starts over; the dead load can neither put nor finish.
    let third = store.begin_full_load(task, "v2").unwrap();
    assert!(third.generation > second.generation);
    let stale = store.put_page(task, Some(second), &page, &[], None);
    assert!(
        matches!(stale, Err(StoreError::InvalidRequest { .. })),
        "{stale:?}"
    );
    let stale = store.finish_full_load(second, at(3), at(3));
    assert!(
        matches!(stale, Err(StoreError::InvalidRequest { .. })),
        "{stale:?}"
    );
    // A page of a full load never moves the watermark by itself.
    let early = store.put_page(task, Some(third), &page, &[], Some(at(3)));
    assert!(
        matches!(early, Err(StoreError::InvalidRequest { .. })),
        "{early:?}"
    );

    store.put_page(task, Some(third), &page, &[], None).unwrap();
    let stats = store.finish_full_load(third, at(4), at(4)).unwrap();
    assert_eq!((stats.rows, stats.removed), (1, 1));
    assert_eq!(store.counts().unwrap()[&task], 1);
}

pub(crate) fn incremental_pages_upsert_and_delete(store: &dyn StateStore) {
    let object = SyncedObject::Account;
    let page = rows(vec![R::Account(account(1)), R::Account(account(2))], at(0));
    let stats = store
        .put_page(object, None, &page, &[], Some(at(5)))
        .unwrap();
    assert_eq!((stats.upserted, stats.deleted), (2, 0));

    let mut renamed = account(2);
    renamed.name = "Renamed".into();
    let page = rows(vec![R::Account(renamed.clone())], at(6));
    let stats = store
        .put_page(
            object,
            None,
            &page,
            &[account_id(1), account_id(9)],
            Some(at(7)),
        )
        .unwrap();
    assert_eq!((stats.upserted, stats.deleted), (1, 1));

    // An overlapping page that ends before the watermark leaves the watermark alone.
    store.put_page(object, None, &[], &[], Some(at(3))).unwrap();
    assert_eq!(
        store.object_state(object).unwrap().unwrap().watermark,
        Some(at(7))
    );
    let (snapshots, _) = collect(store);
    assert_eq!(snapshots.len(), 1);
    assert_eq!(snapshots[0].account, renamed);
    assert_eq!(store.counts().unwrap().get(&object), Some(&1));
}

pub(crate) fn watermark_never_advances_without_its_rows(store: &dyn StateStore) {
    let object = SyncedObject::Case;
    store
        .put_page(
            object,
            None,
            &rows(vec![R::Case(case(1, Some(1)))], at(0)),
            &[],
            Some(at(1)),
        )
        .unwrap();
    // The third row fails inside the page's transaction, after two were written.
    let page = rows(
        vec![
            R::Case(case(2, Some(1))),
            R::Case(case(3, Some(1))),
            R::Task(task(4, Some(1))),
        ],
        at(5),
    );
    let failed = store.put_page(object, None, &page, &[case(1, None).id], Some(at(9)));
    assert!(
        matches!(failed, Err(StoreError::InvalidRequest { .. })),
        "{failed:?}"
    );
    assert_eq!(
        store.object_state(object).unwrap().unwrap().watermark,
        Some(at(1))
    );
    assert_eq!(store.counts().unwrap()[&object], 1);

    // A history record without an Id cannot be replicated either.
    let mut unsaved = history(1, 1, day(2026, 10, 1));
    unsaved.id = None;
    let page = rows(vec![R::History(unsaved)], at(5));
    let failed = store.put_page(SyncedObject::History, None, &page, &[], Some(at(9)));
    assert!(
        matches!(failed, Err(StoreError::InvalidRequest { .. })),
        "{failed:?}"
    );
    let history_state = store.object_state(SyncedObject::History).unwrap();
    assert_eq!(history_state.and_then(|s| s.watermark), None);
}

/// Puts records of any objects, one page per object.
fn put_all(store: &dyn StateStore, records: Vec<DomainRecord>) {
    for object in SyncedObject::ALL {
        let page: Vec<_> = records
            .iter()
            .filter(|r| r.object() == object)
            .cloned()
            .collect();
        store
            .put_page(object, None, &rows(page, at(0)), &[], None)
            .unwrap();
    }
}

pub(crate) fn snapshots_stream_in_account_order_with_strays(store: &dyn StateStore) {
    put_all(
        store,
        vec![
            R::Account(account(3)),
            R::Account(account(1)),
            R::Case(case(9, Some(3))),
            R::Case(case(2, Some(3))),
            R::Case(case(5, None)),
            R::Task(task(1, Some(7))),
            R::Task(task(2, Some(1))),
            R::History(history(1, 3, day(2026, 10, 1))),
            R::History(history(2, 3, day(2026, 9, 1))),
        ],
    );
    let (snapshots, report) = collect(store);
    assert_eq!(ids(&snapshots), [account_id(1), account_id(3)]);
    assert_eq!(snapshots[0].tasks, [task(2, Some(1))]);
    let cases: Vec<_> = snapshots[1].cases.iter().map(|c| c.id).collect();
    assert_eq!(cases, [case(2, None).id, case(9, None).id]);
    let periods: Vec<_> = snapshots[1].history.iter().map(|h| h.period).collect();
    assert_eq!(periods, [day(2026, 9, 1), day(2026, 10, 1)]);

    assert_eq!(report.accounts, 2);
    assert_eq!(report.stray_count(StrayReason::NoAccount), 1);
    assert_eq!(report.stray_count(StrayReason::UnknownAccount), 1);
    assert!(report.examples.contains(&StrayRecord {
        object: SyncedObject::Task,
        id: task(1, None).id,
        account_id: Some(account_id(7)),
        reason: StrayReason::UnknownAccount,
    }));
}

pub(crate) fn the_sink_may_use_the_store_and_stop_the_stream(store: &dyn StateStore) {
    put_all(store, (1..=3).map(|n| R::Account(account(n))).collect());
    let mut seen = Vec::new();
    let stopped = store.each_snapshot(&mut |snapshot| {
        // Scoring writes results while the stream reads: the stream must not hold the
        // store's writer.
        let result = PeriodResult {
            account_id: snapshot.account.id,
            period: day(2026, 11, 1),
            model: "balanced".into(),
            score: Some(50.0),
            status: crate::domain::HealthStatus::Monitor,
            flags: vec![],
            categories: Default::default(),
            scored_at: at(0),
        };
        store.put_results(&[result])?;
        seen.push(snapshot.account.id);
        if seen.len() == 2 {
            return Err(StoreError::InvalidRequest {
                operation: "test",
                reason: "stop".into(),
            });
        }
        Ok(())
    });
    assert!(matches!(
        stopped,
        Err(StoreError::InvalidRequest {
            operation: "test",
            ..
        })
    ));
    assert_eq!(seen, [account_id(1), account_id(2)]);
    assert!(
        store
            .period_result(account_id(2), day(2026, 11, 1))
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .period_result(account_id(3), day(2026, 11, 1))
            .unwrap()
            .is_none()
    );
}

pub(crate) fn snapshot_by_id_or_name(store: &dyn StateStore) {
    let mut twin = account(5);
    twin.name = account(4).name;
    put_all(
        store,
        vec![
            R::Account(account(1)),
            R::Account(account(4)),
            R::Account(twin),
            R::Case(case(1, Some(1))),
        ],
    );
    let SnapshotLookup::Found(found) = store.snapshot(&AccountRef::Id(account_id(1))).unwrap()
    else {
        panic!("account 1 is in the replica");
    };
    assert_eq!(found.cases, [case(1, Some(1))]);
    let by_name = store
        .snapshot(&AccountRef::Name("Account 1".into()))
        .unwrap();
    assert_eq!(by_name, SnapshotLookup::Found(found));
    let missing = store.snapshot(&AccountRef::Id(account_id(2))).unwrap();
    assert_eq!(missing, SnapshotLookup::NotFound);
    assert_eq!(
        store
            .snapshot(&AccountRef::Name("account 1".into()))
            .unwrap(),
        SnapshotLookup::NotFound
    );
    let twins = store
        .snapshot(&AccountRef::Name("Account 4".into()))
        .unwrap();
    assert_eq!(
        twins,
        SnapshotLookup::Ambiguous(vec![account_id(4), account_id(5)])
    );
}

pub(crate) fn accounts_stream_alone_in_id_order(store: &dyn StateStore) {
    let mut scored = account(3);
    scored.health.score = Some(42.5);
    put_all(
        store,
        vec![
            R::Account(scored.clone()),
            R::Account(account(1)),
            R::Case(case(1, Some(3))),
            R::Task(task(1, Some(7))),
        ],
    );
    let mut seen = Vec::new();
    let report = store
        .each_account(&mut |a| {
            seen.push(a);
            Ok(())
        })
        .unwrap();
    assert_eq!(seen, [account(1), scored]);
    assert_eq!(report.accounts, 2);
    assert!(report.examples.is_empty(), "{report:?}");

    // The sink may stop the scan; its error comes back as is.
    let mut fed = 0;
    let stopped = store.each_account(&mut |_| {
        fed += 1;
        Err(StoreError::InvalidRequest {
            operation: "test",
            reason: "stop".into(),
        })
    });
    assert!(matches!(
        stopped,
        Err(StoreError::InvalidRequest {
            operation: "test",
            ..
        })
    ));
    assert_eq!(fed, 1);
}

/// An account row that no longer decodes is counted in the report, not fed. Only a
/// backend's own test can reach its rows, so `spoil` is the backend's: it overwrites the
/// stored record of the account it is given with JSON this Vitals cannot read (a row
/// written by another version, say).
pub(crate) fn an_undecodable_account_is_reported_not_fed(
    store: &dyn StateStore,
    spoil: impl FnOnce(SfId),
) {
    put_all(store, (1..=3).map(|n| R::Account(account(n))).collect());
    spoil(account_id(2));

    let mut seen = Vec::new();
    let report = store
        .each_account(&mut |a| {
            seen.push(a.id);
            Ok(())
        })
        .unwrap();
    assert_eq!(seen, [account_id(1), account_id(3)]);
    assert_eq!(report.accounts, 2);
    assert_eq!(report.stray_count(StrayReason::Undecodable), 1);
    assert_eq!(report.examples[0].id, account_id(2));
}

/// Property: streaming the replica gives exactly what grouping every record in memory
/// gives (`Records::into_snapshots`), with the same strays.
pub(crate) fn stream_equals_grouping(store: &dyn StateStore, records: Vec<DomainRecord>) {
    put_all(store, records.clone());
    let (snapshots, report) = collect(store);

    let mut sorted = records;
    sorted.sort_by_key(|r| r.id());
    let mut loose = Records::default();
    for record in sorted {
        match record {
            R::Account(r) => loose.accounts.push(r),
            R::Contract(r) => loose.contracts.push(r),
            R::Case(r) => loose.cases.push(r),
            R::Opportunity(r) => loose.opportunities.push(r),
            R::Event(r) => loose.events.push(r),
            R::Task(r) => loose.tasks.push(r),
            R::History(r) => loose.history.push(r),
        }
    }
    let (expected, unattached) = loose.into_snapshots();
    assert_eq!(snapshots, expected.into_values().collect::<Vec<_>>());
    let strays = report.stray_count(StrayReason::NoAccount);
    assert_eq!(
        strays,
        u64::try_from(unattached.without_account.len()).unwrap()
    );
    let unknown = report.stray_count(StrayReason::UnknownAccount);
    assert_eq!(
        unknown,
        u64::try_from(unattached.unknown_account.len()).unwrap()
    );
}

/// Records of every object for up to seven accounts, some accounts absent, some records
/// without an account, every Id distinct.
pub(crate) fn replica_records() -> impl Strategy<Value = Vec<DomainRecord>> {
    let accounts = proptest::collection::btree_set(1u64..8, 0..6);
    let related =
        proptest::collection::vec((0u8..6, proptest::option::of(1u64..10), 1u32..13), 0..40);
    (accounts, related).prop_map(|(accounts, related)| {
        let mut records: Vec<_> = accounts
            .into_iter()
            .map(|n| DomainRecord::Account(account(n)))
            .collect();
        for (serial, (object, account, month)) in (1u64..).zip(related) {
            records.push(related_record(serial, object, account, month));
        }
        records
    })
}

fn related_record(serial: u64, object: u8, account: Option<u64>, month: u32) -> DomainRecord {
    let account_ref = account.map(account_id);
    match object {
        0 => DomainRecord::Contract(crate::domain::Contract {
            id: crate::domain::SfId::from_parts("800", serial),
            account_id: account_id(account.unwrap_or(9)),
            ..test_records::contract()
        }),
        1 => DomainRecord::Case(case(serial, account)),
        2 => DomainRecord::Opportunity(crate::domain::Opportunity {
            id: crate::domain::SfId::from_parts("006", serial),
            account_id: account_ref,
            ..test_records::opportunity()
        }),
        3 => DomainRecord::Event(crate::domain::Event {
            id: crate::domain::SfId::from_parts("00U", serial),
            account_id: account_ref,
            ..test_records::event()
        }),
        4 => DomainRecord::Task(task(serial, account)),
        _ => DomainRecord::History(history(serial, account.unwrap_or(9), day(2026, month, 1))),
    }
}
