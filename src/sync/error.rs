//! [`SyncError`]: why a run stopped, naming the phase and the object, wrapping the store's
//! and the client's errors.
//!
//! A record that fails to decode or to write is never an error here: it is data in the run
//! report. An error means the run as a whole could not go on. Messages name phases,
//! objects, fields, record Ids and paths, never values or SOQL (the wrapped errors'
//! `Display` keeps to that too).

use std::fmt;

use crate::domain::SyncedObject;
use crate::salesforce::SalesforceError;
use crate::salesforce::retry::RetryClass;
use crate::salesforce::wire::SObject;
use crate::store::StoreError;

/// The phases of a run, for messages and spans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Recording the run's start, the budget and the lease.
    Begin,
    /// Settling writes a dead process left in doubt.
    Recover,
    /// Reading the org into the replica.
    Extract,
    /// Scoring, planning and enqueueing.
    Plan,
    /// Writing the outbox to the org.
    Apply,
    /// Recording the run's end.
    Finish,
}

impl Phase {
    /// The span and log name of the phase.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Begin => "begin",
            Phase::Recover => "recover",
            Phase::Extract => "extract",
            Phase::Plan => "plan",
            Phase::Apply => "apply",
            Phase::Finish => "finish",
        }
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The object a Salesforce error concerns, named by its API name, or nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subject(pub Option<SyncedObject>);

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(object) => write!(f, " {}", SObject::from(object).api_name()),
            None => Ok(()),
        }
    }
}

/// Why a run could not go on.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The state store failed; its message names the state file.
    #[error("sync {phase}: {source}")]
    Store {
        /// The phase.
        phase: Phase,
        /// The store's error.
        #[source]
        source: StoreError,
    },
    /// A Salesforce call failed after its retries.
    #[error("sync {phase}{subject}: {source}")]
    Salesforce {
        /// The phase.
        phase: Phase,
        /// The object concerned, when one is.
        subject: Subject,
        /// The client's error.
        #[source]
        source: SalesforceError,
    },
    /// The org refused a field Vitals reads: deleted, renamed, or hidden from the
    /// integration user since the run's select list was built.
    #[error(
        "{object}.{field} cannot be read: the org says no such field exists for the integration user (deleted, renamed or hidden by field-level security); run `vitals check` to see what changed and how to fix it"
    )]
    FieldGone {
        /// The object's API name.
        object: &'static str,
        /// The field's API name, or `a field of the select list` when the org did not say.
        field: String,
    },
    /// Another process holds the lease to write to the org.
    #[error(
        "another Vitals process holds the lease to write to the org, so this one does not sync"
    )]
    NotLeader,
    /// The daemon's lease was lost during the run (a standby took over, or the lease's
    /// connection failed): the run stopped writing at once.
    #[error("the lease to write to the org was lost, so this run stopped writing: {reason}")]
    LeaseLost {
        /// Why, in plain words (never a password).
        reason: String,
    },
    /// A blocking task of the run could not finish (it panicked or was cancelled).
    #[error("sync {phase}: the {phase} task stopped unexpectedly: {message}")]
    Task {
        /// The phase.
        phase: Phase,
        /// What the runtime said.
        message: String,
    },
}

/// How a command reports a failed run (product-spec section 2's exit codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// Something the admin must fix in the configuration or the org setup (exit 2).
    BadInput,
    /// Salesforce could not be reached or refused Vitals (exit 3).
    Unreachable,
    /// Anything else (exit 1).
    Failed,
}

impl SyncError {
    /// A store error in a phase.
    pub(super) fn store(phase: Phase) -> impl FnOnce(StoreError) -> SyncError {
        move |source| SyncError::Store { phase, source }
    }

    /// A Salesforce error in a phase, about an object or none.
    pub(super) fn salesforce(
        phase: Phase,
        object: Option<SyncedObject>,
    ) -> impl FnOnce(SalesforceError) -> SyncError {
        move |source| SyncError::Salesforce {
            phase,
            subject: Subject(object),
            source,
        }
    }

    /// How a command should report this error.
    pub fn class(&self) -> ErrorClass {
        match self {
            SyncError::FieldGone { .. } => ErrorClass::BadInput,
            SyncError::Store { source, .. } => match source {
                StoreError::Open { .. }
                | StoreError::Corrupt { .. }
                | StoreError::NewerSchema { .. } => ErrorClass::BadInput,
                _ => ErrorClass::Failed,
            },
            SyncError::Salesforce { source, .. } => {
                // After its retries, a 5xx storm, a dropped connection or an org that keeps
                // shedding load means Salesforce is out of reach as surely as a refused
                // login does.
                if source.is_unreachable_or_unauthorised()
                    || matches!(
                        source.retry_class(),
                        RetryClass::Transient | RetryClass::Throttled
                    )
                {
                    ErrorClass::Unreachable
                } else {
                    ErrorClass::Failed
                }
            }
            SyncError::NotLeader | SyncError::LeaseLost { .. } | SyncError::Task { .. } => {
                ErrorClass::Failed
            }
        }
    }

    /// Whether the run stopped because an API allocation is spent (Vitals' share or the
    /// org's daily limit): a clean stop that the next run resumes, not a failure.
    pub fn is_budget_stop(&self) -> bool {
        matches!(
            self,
            SyncError::Salesforce { source, .. } if source.retry_class() == RetryClass::DailyLimit
        )
    }

    /// Whether this process may no longer write: another holds the lease, the lease was
    /// lost, or the store refused a stale epoch (fencing). The daemon then stands by.
    pub fn is_not_leader(&self) -> bool {
        matches!(
            self,
            SyncError::NotLeader
                | SyncError::LeaseLost { .. }
                | SyncError::Store {
                    source: StoreError::Fenced { .. },
                    ..
                }
        )
    }

    /// The text for a report an admin reads: like `Display`, but with what Salesforce
    /// said, which can quote SOQL and values, so never for a log line.
    pub fn for_report(&self) -> String {
        match self {
            SyncError::Salesforce {
                phase,
                subject,
                source,
            } => format!("sync {phase}{subject}: {}", source.for_report()),
            other => other.to_string(),
        }
    }
}

/// The outcome of store work run on the blocking pool during `phase`: a task that
/// panicked or was cancelled is [`SyncError::Task`], a store error is the phase's.
pub(super) async fn joined<T>(
    phase: Phase,
    task: tokio::task::JoinHandle<Result<T, StoreError>>,
) -> Result<T, SyncError> {
    task.await
        .map_err(|e| SyncError::Task {
            phase,
            message: e.to_string(),
        })?
        .map_err(SyncError::store(phase))
}
