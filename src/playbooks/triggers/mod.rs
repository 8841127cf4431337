//! The triggers of the eight playbooks, one file each: when a playbook calls for a task,
//! and why, in plain words.
//!
//! A trigger is a small pure function of the planner's input ([`TriggerFn`]). It says only
//! *whether* the condition holds and for which record; the playbook table
//! ([`super::table`]) holds what the task says and when it is due, and the task gate
//! ([`super::tasks`]) decides whether a task may be created now (cool-down, keys already
//! used, owner). A trigger returns a list because the playbooks keyed by a contract or an
//! opportunity may fire for several at once; the others return at most one.

pub(crate) mod escalation;
pub(crate) mod expansion;
pub(crate) mod health_review;
pub(crate) mod low_engagement;
pub(crate) mod onboarding;
pub(crate) mod qbr_cadence;
pub(crate) mod re_engagement;
pub(crate) mod renewal_preparation;

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::SfId;

use super::input::{AccountInput, PlanningSettings};

/// A playbook's trigger.
pub type TriggerFn = fn(&AccountInput<'_>, &PlanningSettings, DateTime<Utc>) -> Vec<TaskSpec>;

/// A playbook's condition holding for one record.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskSpec {
    /// The record the task is about and its key names: the account, a contract or an
    /// opportunity.
    pub record: SfId,
    /// The key's date: the trigger date, or the contract's end or the opportunity's close.
    pub day: NaiveDate,
    /// Why, in plain words, one reason per condition that holds.
    pub reasons: Vec<String>,
    /// The latest due date, when the task must be done by a date (a contract's end).
    pub due_by: Option<NaiveDate>,
    /// Words added to the playbook's subject (which contract, which deal).
    pub detail: Option<String>,
}

impl TaskSpec {
    /// A task about the account, keyed by the trigger date; none without a reason.
    pub(crate) fn account(
        input: &AccountInput<'_>,
        as_of: DateTime<Utc>,
        reasons: Vec<String>,
    ) -> Vec<TaskSpec> {
        if reasons.is_empty() {
            return Vec::new();
        }
        vec![TaskSpec {
            record: input.snapshot.account.id,
            day: as_of.date_naive(),
            reasons,
            due_by: None,
            detail: None,
        }]
    }
}

/// The messages of the score's flags with this code, each once.
pub(crate) fn flag_messages(input: &AccountInput<'_>, code: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for flag in input.score.flags.iter().filter(|f| f.code == code) {
        if !out.contains(&flag.message) {
            out.push(flag.message.clone());
        }
    }
    out
}
