//! The run guard: one permit, so at most one run at a time. A tick that finds the permit
//! taken is skipped (the caller logs it), never queued: the run in progress already reads
//! everything the skipped one would have.

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// A single-permit guard, cheap to clone.
#[derive(Debug, Clone)]
pub struct RunGuard(Arc<Semaphore>);

/// The right to run, held for the run's length; dropping it frees the guard.
#[derive(Debug)]
pub struct RunPermit(#[allow(dead_code, reason = "held for its drop")] OwnedSemaphorePermit);

impl Default for RunGuard {
    fn default() -> Self {
        Self::new()
    }
}

impl RunGuard {
    /// A free guard.
    pub fn new() -> Self {
        Self(Arc::new(Semaphore::new(1)))
    }

    /// The permit when no run is in progress; `None` when one is (skip the tick).
    pub fn try_start(&self) -> Option<RunPermit> {
        Arc::clone(&self.0).try_acquire_owned().ok().map(RunPermit)
    }

    /// Whether a run holds the permit now.
    pub fn busy(&self) -> bool {
        self.0.available_permits() == 0
    }

    /// Waits until no run is in progress, then keeps the permit so that no run starts
    /// again (shutdown). `None` only if the guard was closed.
    pub async fn drain(&self) -> Option<RunPermit> {
        Arc::clone(&self.0)
            .acquire_owned()
            .await
            .ok()
            .map(RunPermit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_run_is_refused_while_the_first_holds_the_permit() {
        let guard = RunGuard::new();
        let first = guard.try_start().unwrap();
        assert!(guard.busy());
        assert!(guard.try_start().is_none());
        assert!(
            guard.clone().try_start().is_none(),
            "clones share the permit"
        );
        drop(first);
        assert!(!guard.busy());
        let again = guard.try_start();
        assert!(again.is_some(), "a tick after the run ends starts one");
    }

    #[tokio::test]
    async fn draining_waits_for_the_run_and_then_keeps_runs_from_starting() {
        let guard = RunGuard::new();
        let run = guard.try_start().unwrap();
        let drained = tokio::spawn({
            let guard = guard.clone();
            async move { guard.drain().await.is_some() }
        });
        tokio::task::yield_now().await;
        assert!(!drained.is_finished(), "the run still holds the permit");
        drop(run);
        assert!(drained.await.unwrap());
        // The drained permit was dropped with the task; a held drain blocks new runs.
        let held = guard.drain().await.unwrap();
        assert!(guard.try_start().is_none());
        drop(held);
    }
}
