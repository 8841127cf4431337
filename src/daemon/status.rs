//! What the daemon knows about itself for `/readyz` and `/metrics`: its role (active or
//! standing by) and how its last run ended. [`readiness`] is pure: the caller passes `now`.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::store::{RunOutcome, RunTrigger};

/// This process's role among the replicas.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// Starting: the lease was not tried yet.
    Starting,
    /// Holding the lease: this process syncs.
    Active,
    /// Without the lease, and the store could not be asked for it: not able to take over.
    Unreachable {
        /// The store's error (names the server, never a password).
        reason: String,
    },
    /// Another process holds the lease (named when the store knows it).
    Standby {
        /// The holder, as it named itself.
        active: Option<String>,
    },
}

/// How this process's last run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastRun {
    /// What started it.
    pub trigger: RunTrigger,
    /// How it ended (a run that failed before it was recorded counts as failed).
    pub outcome: RunOutcome,
    /// When it ended.
    pub finished_at: DateTime<Utc>,
}

/// The daemon's state, shared between its tasks. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Status(Arc<Mutex<State>>);

/// The state behind [`Status`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    /// The role now.
    pub role: Role,
    /// The last run this process finished.
    pub last: Option<LastRun>,
}

impl Default for Status {
    fn default() -> Self {
        Self::new()
    }
}

impl Status {
    /// Starting, with no run yet.
    pub fn new() -> Self {
        Self(Arc::new(Mutex::new(State {
            role: Role::Starting,
            last: None,
        })))
    }

    /// A copy of the state now.
    pub fn get(&self) -> State {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Sets the role.
    pub fn set_role(&self, role: Role) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).role = role;
    }

    /// Records a finished run.
    pub fn finished(&self, run: LastRun) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).last = Some(run);
    }
}

/// `/readyz`'s answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    /// 200: active, and the last run finished well recently enough.
    Ready(String),
    /// 200: a standby is ready to take over; it does not sync.
    StandingBy(String),
    /// 503: with why.
    NotReady(String),
}

/// Whether the process is ready: a standby always is (saying so); the active process
/// when its last run finished (succeeded, or with some records the org refused, which is
/// data, not a broken sync) less than `max_age` before `now`.
pub fn readiness(state: &State, now: DateTime<Utc>, max_age: Duration) -> Readiness {
    match &state.role {
        Role::Starting => {
            return Readiness::NotReady("starting: the lease was not tried yet".into());
        }
        Role::Standby { active } => {
            let holder = active.as_deref().unwrap_or("another process");
            return Readiness::StandingBy(format!(
                "standing by: {holder} holds the lease; this process takes over when it is free"
            ));
        }
        Role::Unreachable { reason } => {
            return Readiness::NotReady(format!(
                "cannot try the lease, so this process could not take over: {reason}"
            ));
        }
        Role::Active => {}
    }
    let Some(last) = &state.last else {
        return Readiness::NotReady("active, and no run has finished yet".into());
    };
    let age = (now - last.finished_at).to_std().unwrap_or(Duration::ZERO);
    let age_text = format!("{}s ago", age.as_secs());
    match last.outcome {
        RunOutcome::Succeeded | RunOutcome::FailedRecords if age < max_age => {
            Readiness::Ready(format!(
                "ready: the last run finished {} {age_text}",
                outcome_word(last.outcome)
            ))
        }
        RunOutcome::Succeeded | RunOutcome::FailedRecords => Readiness::NotReady(format!(
            "the last run finished {age_text}, longer than ready_max_age ({}s)",
            max_age.as_secs()
        )),
        RunOutcome::Stopped | RunOutcome::Failed => Readiness::NotReady(format!(
            "the last run {} {age_text}",
            outcome_word(last.outcome)
        )),
    }
}

fn outcome_word(outcome: RunOutcome) -> &'static str {
    match outcome {
        RunOutcome::Succeeded => "successfully",
        RunOutcome::FailedRecords => "with failed records",
        RunOutcome::Stopped => "stopped early",
        RunOutcome::Failed => "failed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, 12, 0, 0).unwrap()
    }

    fn active(outcome: RunOutcome, minutes_ago: i64) -> State {
        State {
            role: Role::Active,
            last: Some(LastRun {
                trigger: RunTrigger::Schedule,
                outcome,
                finished_at: now() - chrono::Duration::minutes(minutes_ago),
            }),
        }
    }

    const HOUR: Duration = Duration::from_secs(3600);

    #[test]
    fn a_recent_good_run_is_ready_and_an_old_one_is_not() {
        assert!(matches!(
            readiness(&active(RunOutcome::Succeeded, 10), now(), HOUR),
            Readiness::Ready(_)
        ));
        assert!(matches!(
            readiness(&active(RunOutcome::FailedRecords, 59), now(), HOUR),
            Readiness::Ready(_)
        ));
        let Readiness::NotReady(why) = readiness(&active(RunOutcome::Succeeded, 60), now(), HOUR)
        else {
            panic!("an hour-old run is not ready under a one-hour age");
        };
        assert!(why.contains("longer than ready_max_age (3600s)"), "{why}");
    }

    #[test]
    fn a_failed_or_stopped_run_is_not_ready() {
        for outcome in [RunOutcome::Failed, RunOutcome::Stopped] {
            assert!(matches!(
                readiness(&active(outcome, 1), now(), HOUR),
                Readiness::NotReady(_)
            ));
        }
    }

    #[test]
    fn a_standby_is_ready_saying_it_stands_by_and_a_new_process_is_not() {
        let standby = State {
            role: Role::Standby {
                active: Some("host-a pid 7".into()),
            },
            last: None,
        };
        let Readiness::StandingBy(text) = readiness(&standby, now(), HOUR) else {
            panic!("a standby stands by");
        };
        assert!(
            text.contains("standing by: host-a pid 7 holds the lease"),
            "{text}"
        );
        let fresh = State {
            role: Role::Active,
            last: None,
        };
        assert!(matches!(
            readiness(&fresh, now(), HOUR),
            Readiness::NotReady(_)
        ));
        let cut_off = State {
            role: Role::Unreachable {
                reason: "cannot connect to PostgreSQL at db:5432/vitals".into(),
            },
            last: None,
        };
        assert!(matches!(
            readiness(&cut_off, now(), HOUR),
            Readiness::NotReady(_)
        ));
    }
}
