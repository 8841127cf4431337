//! Playbook tasks: the gate that keeps a CSM from a flood of tasks, and the task itself.
//!
//! For each enabled playbook whose trigger holds, the task's key is built from the table's
//! scheme, and the task is created unless:
//! - the key is already used: in the ledger (planned or delivered; a rejected key may be
//!   planned again) or on a task in the org;
//! - for a playbook with a cool-down of N days: a task of that playbook for the account was
//!   planned within the last N days (ledger, by calendar day: planned N−1 days ago blocks,
//!   N days ago does not), whether the CSM closed or deleted it since; or a task of that
//!   playbook is in the org open, or created within the last N days;
//! - the account has no owner to assign it to.
//!
//! Each left-out task is reported as [`Skipped`] with its reason.

use chrono::{DateTime, Days, NaiveDate, Utc};

use crate::domain::{PlannedWrite, Target, Value, WriteKind};
use crate::scoring::bounded;

use super::input::{AccountInput, KeyRecord, PlanningSettings, Skipped};
use super::keys::task_key;
use super::table::{CoolDown, PLAYBOOKS, PlaybookSpec};
use super::triggers::TaskSpec;

/// `Description` is a LongTextArea(32000).
pub const DESCRIPTION_MAX: usize = 32_000;

/// The status of a new task (a standard Task status value).
const NOT_STARTED: &str = "Not Started";

/// The tasks of every enabled playbook whose trigger holds, and those left out.
pub(crate) fn plan_tasks(
    input: &AccountInput<'_>,
    settings: &PlanningSettings,
    as_of: DateTime<Utc>,
) -> (Vec<PlannedWrite>, Vec<Skipped>) {
    let mut writes = Vec::new();
    let mut skipped = Vec::new();
    for spec in PLAYBOOKS.iter().filter(|s| settings.is_enabled(s.playbook)) {
        for task in (spec.trigger)(input, settings, as_of) {
            let key = task_key(spec.playbook, task.record, task.day);
            // The owner is checked last, so a task already created or cooling down says so.
            let outcome = match blocked(spec, &key, input, as_of) {
                Some(reason) => Err(reason),
                None => input
                    .snapshot
                    .account
                    .owner_id
                    .ok_or_else(|| "the account has no owner to assign the task to".to_owned()),
            };
            match outcome {
                Ok(owner) => writes.push(write(spec, &task, key, owner, input, as_of)),
                Err(reason) => skipped.push(Skipped {
                    kind: WriteKind::PlaybookTask,
                    playbook: Some(spec.playbook.name()),
                    key,
                    reason,
                }),
            }
        }
    }
    (writes, skipped)
}

/// Why a task may not be created now, or `None` when it may.
fn blocked(
    spec: &PlaybookSpec,
    key: &str,
    input: &AccountInput<'_>,
    as_of: DateTime<Utc>,
) -> Option<String> {
    key_used(key, input).or_else(|| match spec.cool_down {
        CoolDown::Days(days) => cooling_down(spec, days, input, as_of),
        CoolDown::OncePerKey => None,
    })
}

/// Why the key is taken: planned or delivered before, or on a task in the org.
fn key_used(key: &str, input: &AccountInput<'_>) -> Option<String> {
    if let Some(entry) = input.ledger.iter().find(|e| e.key == key && e.counts()) {
        return Some(format!(
            "this task was already planned on {}",
            entry.planned_at.date_naive()
        ));
    }
    let tasks = &input.snapshot.tasks;
    tasks
        .iter()
        .any(|t| t.vitals_key.as_deref() == Some(key))
        .then(|| "this task is already in the org".to_owned())
}

/// Why the playbook is cooling down for the account: a task planned within `days` days,
/// or one in the org open or created within them.
fn cooling_down(
    spec: &PlaybookSpec,
    days: u32,
    input: &AccountInput<'_>,
    as_of: DateTime<Utc>,
) -> Option<String> {
    let today = as_of.date_naive();
    let since = today.checked_sub_days(Days::new(u64::from(days)))?;
    let name = spec.playbook.name();
    let recent = |day: NaiveDate| day > since;
    // Candidates are taken in a fixed order (latest plan, then key; tasks by Id), so the
    // reason names the same record whatever order the records came in.
    if let Some(entry) = input
        .ledger
        .iter()
        .filter(|e| is_task_of(e, name) && recent(e.planned_at.date_naive()))
        .max_by(|a, b| (a.planned_at, &a.key).cmp(&(b.planned_at, &b.key)))
    {
        return Some(format!(
            "the playbook planned a task on {}, within its {days}-day cool-down",
            entry.planned_at.date_naive()
        ));
    }
    let mut of_playbook: Vec<_> = input
        .snapshot
        .tasks
        .iter()
        .filter(|t| t.playbook.as_deref() == Some(name))
        .collect();
    of_playbook.sort_by_key(|t| t.id);
    if let Some(task) = of_playbook.iter().find(|t| !t.is_closed) {
        return Some(format!(
            "the playbook's task {} is open in the org",
            task.id
        ));
    }
    if let Some((task, created)) = of_playbook
        .iter()
        .filter_map(|t| Some((t, t.created_date?.date_naive())))
        .filter(|(_, created)| recent(*created))
        .max_by_key(|(_, created)| *created)
    {
        return Some(format!(
            "the playbook's task {} was created on {created}, within its {days}-day cool-down",
            task.id
        ));
    }
    None
}

/// Whether a ledger entry is a task of this playbook that still counts.
fn is_task_of(entry: &KeyRecord, playbook: &str) -> bool {
    entry.kind == WriteKind::PlaybookTask
        && entry.playbook.as_deref() == Some(playbook)
        && entry.counts()
}

/// The task write.
fn write(
    spec: &PlaybookSpec,
    task: &TaskSpec,
    key: String,
    owner: crate::domain::SfId,
    input: &AccountInput<'_>,
    as_of: DateTime<Utc>,
) -> PlannedWrite {
    let account = input.snapshot.account.id;
    let today = as_of.date_naive();
    let due = today
        .checked_add_days(Days::new(u64::from(spec.due_in_days)))
        .unwrap_or(today);
    let due = task.due_by.map_or(due, |by| due.min(by).max(today));
    let subject = match &task.detail {
        Some(detail) => format!("{} ({detail})", spec.subject),
        None => spec.subject.to_owned(),
    };
    let text = |s: &str| Value::Text(s.to_owned());
    PlannedWrite {
        kind: WriteKind::PlaybookTask,
        target: Target::Key(key),
        account_id: account,
        fields: vec![
            ("owner_id".to_owned(), text(owner.as_str())),
            ("what_id".to_owned(), text(account.as_str())),
            ("playbook".to_owned(), text(spec.playbook.name())),
            ("subject".to_owned(), text(&subject)),
            (
                "description".to_owned(),
                Value::Text(description(spec, task)),
            ),
            ("activity_date".to_owned(), Value::Date(due)),
            ("priority".to_owned(), text(spec.priority.as_api())),
            ("status".to_owned(), text(NOT_STARTED)),
        ],
        reason: format!("{}: {}", spec.playbook.name(), task.reasons.join("; ")),
    }
}

/// The description: why, then the checklist, within the field's length.
fn description(spec: &PlaybookSpec, task: &TaskSpec) -> String {
    let mut lines = vec![format!("Vitals playbook {}.", spec.playbook.name())];
    lines.push("Why:".to_owned());
    lines.extend(task.reasons.iter().map(|r| format!("- {r}")));
    lines.push("Checklist:".to_owned());
    lines.extend(spec.checklist.iter().map(|item| format!("[ ] {item}")));
    bounded(&lines, DESCRIPTION_MAX)
}
