//! The backend-generic test suite of [`StateStore`].
//!
//! Every case is a function taking `&dyn StateStore`, so each backend runs the same cases
//! through [`backend_suite!`] with its own way of making a fresh, empty store (SQLite: a
//! file in a temporary directory; PostgreSQL: a database of its own). Cases assert
//! behaviour through the trait only, never through a backend's tables.

pub(crate) mod bookkeeping;
pub(crate) mod outbox;
pub(crate) mod replica;

use std::any::Any;

use chrono::{DateTime, NaiveDate, TimeDelta, TimeZone, Utc};

pub(crate) use replica::{
    an_undecodable_account_is_reported_not_fed, replica_records, stream_equals_grouping,
};

use crate::domain::{
    Account, AccountSnapshot, Case, DomainRecord, HistoryRecord, SfId, Task, test_records,
};
use crate::store::{ReplicaRow, StateStore, StreamReport};

/// A fresh store and whatever must live as long as it (a temporary directory).
pub(crate) struct Fresh {
    /// The store under test.
    pub store: Box<dyn StateStore>,
    _keep: Box<dyn Any>,
}

impl Fresh {
    /// Wraps a store and its keep-alive.
    pub fn new(store: Box<dyn StateStore>, keep: impl Any) -> Self {
        Self {
            store,
            _keep: Box::new(keep),
        }
    }
}

/// Generates one `#[test]` per suite case, each on a store from `$fresh: fn() -> Fresh`.
macro_rules! backend_suite {
    ($fresh:path) => {
        $crate::store::suite::backend_suite!(@cases $fresh;
            replica::full_load_removes_stale_rows,
            replica::crash_mid_load_keeps_the_old_state,
            replica::incremental_pages_upsert_and_delete,
            replica::watermark_never_advances_without_its_rows,
            replica::snapshots_stream_in_account_order_with_strays,
            replica::the_sink_may_use_the_store_and_stop_the_stream,
            replica::snapshot_by_id_or_name,
            replica::accounts_stream_alone_in_id_order,
            outbox::enqueue_supersedes_unsent_entries,
            outbox::claim_takes_kinds_in_order_up_to_the_limit,
            outbox::a_stale_epoch_is_refused,
            outbox::an_interrupted_claim_leaves_entries_in_doubt,
            outbox::outcomes_update_last_written_and_the_ledger,
            outbox::errors_go_back_to_pending_and_are_reported,
            outbox::inconsistent_writes_are_refused,
            outbox::settled_entries_are_pruned,
            bookkeeping::period_results_round_trip,
            bookkeeping::budget_counts_a_rolling_day,
            bookkeeping::runs_begin_finish_and_list
        );
    };
    (@cases $fresh:path; $($module:ident :: $case:ident),+) => {
        $(
            #[test]
            fn $case() {
                let fresh = $fresh();
                $crate::store::suite::$module::$case(fresh.store.as_ref());
            }
        )+
    };
}
pub(crate) use backend_suite;

/// An instant `minutes` after the suite's epoch.
pub(crate) fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 8, 0, 0).unwrap() + TimeDelta::minutes(minutes)
}

pub(crate) fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub(crate) fn account_id(n: u64) -> SfId {
    SfId::from_parts("001", n)
}

pub(crate) fn account(n: u64) -> Account {
    Account {
        id: account_id(n),
        name: format!("Account {n}"),
        ..test_records::account()
    }
}

pub(crate) fn case(n: u64, account: Option<u64>) -> Case {
    Case {
        id: SfId::from_parts("500", n),
        account_id: account.map(account_id),
        ..test_records::case()
    }
}

pub(crate) fn task(n: u64, account: Option<u64>) -> Task {
    Task {
        id: SfId::from_parts("00T", n),
        account_id: account.map(account_id),
        ..test_records::task()
    }
}

pub(crate) fn history(n: u64, account: u64, period: NaiveDate) -> HistoryRecord {
    HistoryRecord {
        id: Some(SfId::from_parts("a00", n)),
        account_id: account_id(account),
        period,
        score: Some(70.0),
        status: None,
        previous_score: None,
        score_change: None,
        calculated_at: None,
        coverage: None,
        model: Some("balanced".into()),
        drivers: None,
        backfilled: false,
        key: None,
        categories: Default::default(),
    }
}

/// Rows stamped `modstamp`.
pub(crate) fn rows(records: Vec<DomainRecord>, modstamp: DateTime<Utc>) -> Vec<ReplicaRow> {
    records
        .into_iter()
        .map(|record| ReplicaRow { modstamp, record })
        .collect()
}

/// Every snapshot of a pass, in order, with the report.
pub(crate) fn collect(store: &dyn StateStore) -> (Vec<AccountSnapshot>, StreamReport) {
    let mut snapshots = Vec::new();
    let report = store
        .each_snapshot(&mut |s| {
            snapshots.push(s);
            Ok(())
        })
        .unwrap();
    (snapshots, report)
}
