//! A run under a lease held across runs (the daemon's `LeaseSlot`): it stamps the held
//! epoch, and when another holder takes the lease mid-run it stops before its next batch of
//! writes, empties the slot and says so; an empty slot writes nothing at all.

use std::sync::Arc;

use chrono::Utc;
use vitals::sync::{LeaseSlot, PausePoint, SyncError};

use crate::common::Org;
use crate::common::rest::Rest;
use crate::common::sync::{context, run, state_file};
use crate::sync_book::vitals_records;
use crate::sync_crash::config;

#[tokio::test]
async fn a_lease_taken_over_mid_run_stops_the_writes_before_the_next_batch() {
    let org = Org::with(config()).await;
    let rest = Rest::login(&org).await;
    let (_dir, path) = state_file();
    let base = context(&org, &path);
    let slot = LeaseSlot::new();
    let lease = base
        .store
        .acquire_lease("daemon", Utc::now())
        .unwrap()
        .unwrap();
    slot.set(Some(lease.clone()));
    // Once the plan is in the outbox, another process takes the lease.
    let store = base.store.clone();
    let ctx = base.with_lease(slot.clone()).with_pause(
        PausePoint::AfterEnqueue,
        Arc::new(move |_| {
            store.acquire_lease("other", Utc::now()).unwrap().unwrap();
        }),
    );
    let error = run(&ctx).await.unwrap_err();
    assert!(matches!(error, SyncError::LeaseLost { .. }), "{error}");
    assert!(error.is_not_leader());
    assert_eq!(slot.get(), None, "the lost lease leaves the slot");
    // Nothing reached the org; the plan waits in the outbox for the new holder.
    let written = vitals_records(&rest).await;
    assert!(written["history"].as_array().unwrap().is_empty());
    assert!(ctx.store.outbox_depth().unwrap().pending > 500);
    assert_eq!(ctx.store.outbox_depth().unwrap().sending, 0);
}

#[tokio::test]
async fn a_run_with_an_empty_lease_slot_does_not_sync() {
    let org = Org::with(config()).await;
    let (_dir, path) = state_file();
    let ctx = context(&org, &path).with_lease(LeaseSlot::new());
    let error = run(&ctx).await.unwrap_err();
    assert!(matches!(error, SyncError::NotLeader), "{error}");
    assert!(ctx.store.runs(5).unwrap().is_empty(), "no run record");
}
