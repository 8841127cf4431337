//! Derived fields an org maintains itself (salesforce-api.md 10.10): Task.IsClosed,
//! Case.IsClosed/ClosedDate, Opportunity.IsClosed/IsWon/Probability/ForecastCategoryName and
//! the CloseDate of an opportunity won early,
//! Contract.EndDate/StatusCode, Contact/User Name, Event times, Task/Event.AccountId and
//! Account.LastActivityDate.
//!
//! Called only by [`super::write`], after the request's values are applied and before the
//! record is stored; it never validates and never reads the wall clock.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{Duration, Months, NaiveDate};

use crate::id::SfId;

use super::clock::{from_ms, whole_second};
use super::errors::RecordError;
use super::schema::{ObjectDef, Schema};
use super::store::{IndexKey, Record, Store};
use super::value::{Value, whole};

/// The text of a named field.
pub fn text_of<'r>(object: &ObjectDef, record: &'r Record, name: &str) -> Option<&'r str> {
    object
        .field_index(name)
        .and_then(|at| record.get(at))
        .and_then(Value::as_text)
}

/// The record being derived: its object, its values, and the fields the write itself set
/// (a derivation never overrides what the caller gave).
struct Draft<'a> {
    object: &'a ObjectDef,
    record: &'a mut Record,
    touched: &'a [usize],
}

impl Draft<'_> {
    fn get(&self, name: &str) -> Option<Value> {
        self.object
            .field_index(name)
            .and_then(|at| self.record.get(at))
            .cloned()
    }

    fn text(&self, name: &str) -> Option<&str> {
        text_of(self.object, self.record, name)
    }

    fn set(&mut self, name: &str, value: Option<Value>) {
        if let Some(at) = self.object.field_index(name) {
            self.record.set(at, value);
        }
    }

    fn set_ms(&mut self, name: &str, ms: i64) {
        self.set(name, Some(Value::DateTime(ms)));
    }

    fn was_touched(&self, name: &str) -> bool {
        self.object
            .field_index(name)
            .is_some_and(|at| self.touched.contains(&at))
    }

    /// Whether a derived field is due: its source changed or it has no value yet, and the
    /// write did not set it itself.
    fn due(&self, name: &str, source_changed: bool) -> bool {
        (source_changed || self.get(name).is_none()) && !self.was_touched(name)
    }
}

/// Sets the derived fields of `record` (a new record when `old` is `None`).
///
/// # Errors
/// `FIELD_INTEGRITY_EXCEPTION` for an Event whose end and duration disagree.
pub fn derive(
    store: &Store,
    schema: &Schema,
    object: &ObjectDef,
    old: Option<&Record>,
    record: &mut Record,
    touched: &[usize],
    now: i64,
) -> Result<(), RecordError> {
    let mut draft = Draft {
        object,
        record,
        touched,
    };
    let old_value =
        |name: &str| old.and_then(|o| object.field_index(name).and_then(|at| o.get(at)).cloned());
    match object.name.as_str() {
        "Task" => derive_task(schema, &mut draft, now),
        "Case" => {
            let was_closed = old_value("IsClosed") == Some(Value::Bool(true));
            derive_case(schema, &mut draft, was_closed, now);
        }
        "Opportunity" => {
            let old_stage = old_value("StageName");
            let was_open = old.is_some() && old_value("IsClosed") != Some(Value::Bool(true));
            derive_opportunity(
                schema,
                &mut draft,
                old_stage.as_ref().and_then(Value::as_text),
            );
            if was_open {
                close_won_today(&mut draft, now);
            }
        }
        "Contract" => derive_contract(&mut draft),
        "Contact" | "User" => derive_name(&mut draft),
        "Event" => derive_event(&mut draft)?,
        _ => {}
    }
    if old.is_none() {
        number(store, schema, &mut draft);
    }
    if matches!(object.name.as_str(), "Task" | "Event") {
        let account = activity_account(store, object, draft.record);
        draft.set("AccountId", account.map(Value::Id));
    }
    Ok(())
}

/// Whether the record's Status is one of its object's closed statuses.
fn is_closed(schema: &Schema, draft: &Draft<'_>) -> bool {
    draft
        .text("Status")
        .is_some_and(|s| schema.is_closed_status(&draft.object.name, s))
}

/// Task.IsClosed, and CompletedDateTime: stamped when the task closes, cleared on reopening.
fn derive_task(schema: &Schema, draft: &mut Draft<'_>, now: i64) {
    let closed = is_closed(schema, draft);
    draft.set("IsClosed", Some(Value::Bool(closed)));
    if !closed {
        draft.set("CompletedDateTime", None);
    } else if draft.get("CompletedDateTime").is_none() {
        draft.set_ms("CompletedDateTime", now);
    }
}

/// Case.IsClosed, and ClosedDate: stamped when the case closes (unless given), cleared on
/// reopening.
fn derive_case(schema: &Schema, draft: &mut Draft<'_>, was_closed: bool, now: i64) {
    let closed = is_closed(schema, draft);
    draft.set("IsClosed", Some(Value::Bool(closed)));
    if !closed {
        draft.set("ClosedDate", None);
    } else if draft.due("ClosedDate", !was_closed) {
        draft.set_ms("ClosedDate", now);
    }
}

/// Opportunity.IsClosed and IsWon from the stage; Probability and ForecastCategoryName
/// from the stage when it changed, unless the write gave them.
fn derive_opportunity(schema: &Schema, draft: &mut Draft<'_>, old_stage: Option<&str>) {
    let Some(stage) = draft.text("StageName").map(str::to_owned) else {
        return;
    };
    let info = schema
        .stages
        .get(&stage)
        .cloned()
        .unwrap_or_else(|| super::standard::stage_info_for(&stage));
    draft.set("IsClosed", Some(Value::Bool(info.closed)));
    draft.set("IsWon", Some(Value::Bool(info.won)));
    let stage_changed = old_stage != Some(stage.as_str());
    if draft.due("Probability", stage_changed) {
        draft.set("Probability", Some(Value::Number(info.probability)));
    }
    if draft.due("ForecastCategoryName", stage_changed) {
        let category = Value::Text(Arc::from(info.forecast_category));
        draft.set("ForecastCategoryName", Some(category));
    }
}

/// CloseDate when an open opportunity is won: "When you set an open opportunity's stage to
/// a type of Closed/Won, if the original date was in the future, the Close Date is set to
/// the current date in Coordinated Universal Time (UTC)"
/// (https://help.salesforce.com/s/articleView?id=sales.opp_fields.htm). A date in the past
/// stays: "If the Close Date is in the past at the time of closing, the system does not
/// change it", and the change "cannot be prevented using a validation rule" (knowledge
/// article 004517774), so it applies even to a CloseDate the same write gave. Closing as
/// Lost keeps the date. Only an update closes an open opportunity; an opportunity inserted
/// already won keeps its date ([verify], listed in the README).
fn close_won_today(draft: &mut Draft<'_>, now: i64) {
    if draft.get("IsWon") != Some(Value::Bool(true)) {
        return;
    }
    let today = from_ms(now).date_naive();
    if draft
        .get("CloseDate")
        .and_then(|v| v.as_date())
        .is_some_and(|date| date > today)
    {
        draft.set("CloseDate", Some(Value::Date(today)));
    }
}

/// Contract.EndDate (the start plus the term in months, less a day) and StatusCode.
fn derive_contract(draft: &mut Draft<'_>) {
    let start = draft.get("StartDate").and_then(|v| v.as_date());
    let term = draft.get("ContractTerm").and_then(|v| v.as_number());
    let end = match (start, term) {
        (Some(start), Some(term)) if term >= 0.0 => whole(term)
            .and_then(|t| u32::try_from(t).ok())
            .and_then(|m| start.checked_add_months(Months::new(m)))
            .and_then(|d| d.checked_sub_signed(Duration::days(1)))
            .map(Value::Date),
        _ => None,
    };
    draft.set("EndDate", end);
    let code = match draft.text("Status") {
        Some("In Approval Process") => "InApproval",
        Some("Activated") => "Activated",
        Some("Terminated") => "Terminated",
        Some("Expired") => "Expired",
        _ => "Draft",
    };
    draft.set("StatusCode", Some(Value::Text(Arc::from(code))));
}

/// Contact and User Name: `First Last`, or the last name alone.
fn derive_name(draft: &mut Draft<'_>) {
    let first = draft.text("FirstName").unwrap_or_default();
    let last = draft.text("LastName").unwrap_or_default();
    let full = if first.is_empty() {
        last.to_owned()
    } else {
        format!("{first} {last}")
    };
    draft.set("Name", Some(Value::Text(Arc::from(full))));
}

/// Event times: a timed event's start, ActivityDate, end and duration; an all-day event's
/// whole day.
fn derive_event(draft: &mut Draft<'_>) -> Result<(), RecordError> {
    let all_day = draft.get("IsAllDayEvent") == Some(Value::Bool(true));
    if all_day {
        if let Some(Value::Date(day)) = draft.get("ActivityDate") {
            all_day_times(draft, day);
        }
        return Ok(());
    }
    let start = if draft.was_touched("StartDateTime") {
        draft.get("StartDateTime")
    } else {
        draft
            .get("ActivityDateTime")
            .or_else(|| draft.get("StartDateTime"))
    };
    if let Some(Value::DateTime(start_ms)) = start {
        draft.set_ms("StartDateTime", start_ms);
        draft.set_ms("ActivityDateTime", start_ms);
        let day = Value::Date(from_ms(start_ms).date_naive());
        draft.set("ActivityDate", Some(day));
        event_end(draft, start_ms)?;
    }
    Ok(())
}

/// A timed event's end from its duration, or its duration from its end.
///
/// # Errors
/// `FIELD_INTEGRITY_EXCEPTION` when the write gives both and they disagree
/// (salesforce-api.md 8; the code and wording of the refusal are [verify]).
fn event_end(draft: &mut Draft<'_>, start_ms: i64) -> Result<(), RecordError> {
    let duration = draft.get("DurationInMinutes").and_then(|v| v.as_number());
    let end = draft.get("EndDateTime");
    let end_given = draft.was_touched("EndDateTime");
    if end_given
        && draft.was_touched("DurationInMinutes")
        && let (Some(minutes), Some(Value::DateTime(end_ms))) = (duration, &end)
        && whole(minutes).map(|m| m.saturating_mul(60_000)) != Some(end_ms.saturating_sub(start_ms))
    {
        return Err(RecordError::new(
            "FIELD_INTEGRITY_EXCEPTION",
            "EndDateTime and DurationInMinutes don't agree: the end must be the start plus the duration",
            vec!["EndDateTime".to_owned(), "DurationInMinutes".to_owned()],
        ));
    }
    match (duration, end) {
        (Some(minutes), _) if !end_given => {
            let end_ms =
                start_ms.saturating_add(whole(minutes).unwrap_or(0).saturating_mul(60_000));
            draft.set_ms("EndDateTime", end_ms);
        }
        (_, Some(Value::DateTime(end_ms))) => {
            let minutes = (end_ms - start_ms) / 60_000;
            let minutes = i32::try_from(minutes)
                .ok()
                .map(|m| Value::Number(f64::from(m)));
            draft.set("DurationInMinutes", minutes);
        }
        _ => {}
    }
    Ok(())
}

/// An all-day event spans its ActivityDate: midnight to 23:59 UTC, 1,440 minutes.
fn all_day_times(draft: &mut Draft<'_>, day: NaiveDate) {
    let start_ms = day
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().timestamp_millis())
        .unwrap_or(0);
    draft.set_ms("StartDateTime", start_ms);
    draft.set_ms("ActivityDateTime", start_ms);
    draft.set_ms("EndDateTime", start_ms + 86_400_000 - 60_000);
    draft.set("DurationInMinutes", Some(Value::Number(1440.0)));
}

/// Auto-number fields of a new record. They count the object's rows, deleted ones
/// included, so numbers are never reused (a rolled-back insert may free one, as on an org).
fn number(store: &Store, schema: &Schema, draft: &mut Draft<'_>) {
    let taken = schema
        .object_index(&draft.object.name)
        .and_then(|at| store.table(at))
        .map_or(0, |t| t.rows().len());
    let n = u64::try_from(taken).unwrap_or(u64::MAX);
    for auto in &draft.object.auto_numbers {
        if draft.text(&auto.field).is_none() {
            draft.set(&auto.field, Some(Value::Text(Arc::from(auto.value(n)))));
        }
    }
}

/// Task/Event.AccountId: the What's account (or the What itself when it is an Account),
/// else the Who's account.
fn activity_account(store: &Store, object: &ObjectDef, record: &Record) -> Option<SfId> {
    let schema = store.schema();
    let parent_account = |id: SfId| -> Option<SfId> {
        let (index, parent) = store.get_any(&id)?;
        let def = schema.object_at(index)?;
        if def.name == "Account" {
            return Some(parent.id);
        }
        def.field_index("AccountId")
            .and_then(|at| parent.get(at))
            .and_then(Value::as_id)
    };
    let what = object
        .field_index("WhatId")
        .and_then(|at| record.get(at))
        .and_then(Value::as_id);
    let who = object
        .field_index("WhoId")
        .and_then(|at| record.get(at))
        .and_then(Value::as_id);
    what.and_then(parent_account)
        .or_else(|| who.and_then(parent_account))
}

/// The account an activity counts for (its derived AccountId).
pub fn account_of(object: &ObjectDef, record: &Record) -> Option<SfId> {
    if !matches!(object.name.as_str(), "Task" | "Event") {
        return None;
    }
    object
        .field_index("AccountId")
        .and_then(|at| record.get(at))
        .and_then(Value::as_id)
}

/// Recomputes Account.LastActivityDate (the latest due date of past events and closed tasks)
/// for the accounts an activity write touched, bumping the account's SystemModstamp when it
/// changes, as an org does for system-side changes.
pub fn refresh_last_activity(
    store: &mut Store,
    object: &ObjectDef,
    old_account: Option<SfId>,
    new_account: Option<SfId>,
    now: i64,
) {
    if !matches!(object.name.as_str(), "Task" | "Event") {
        return;
    }
    let accounts: Vec<SfId> = [old_account, new_account].into_iter().flatten().collect();
    let today = from_ms(now).date_naive();
    let schema = Arc::clone(store.schema());
    let Some(account_index) = schema.object_index("Account") else {
        return;
    };
    let Some(account_def) = schema.object_at(account_index) else {
        return;
    };
    for account in accounts {
        let mut latest: Option<NaiveDate> = None;
        for name in ["Task", "Event"] {
            let (Some(index), Some(def)) = (schema.object_index(name), schema.object(name)) else {
                continue;
            };
            let (Some(account_field), Some(date_field)) = (
                def.field_index("AccountId"),
                def.field_index("ActivityDate"),
            ) else {
                continue;
            };
            let closed_field = def.field_index("IsClosed");
            let Some(table) = store.table(index) else {
                continue;
            };
            for row in table.lookup(account_field, &IndexKey::Id(account)) {
                let Some(record) = table.row(*row) else {
                    continue;
                };
                if record.deleted_ms.is_some() {
                    continue;
                }
                let Some(date) = record.get(date_field).and_then(Value::as_date) else {
                    continue;
                };
                let counts = if name == "Task" {
                    closed_field.and_then(|at| record.get(at)) == Some(&Value::Bool(true))
                } else {
                    date <= today
                };
                if counts && latest.is_none_or(|l| date > l) {
                    latest = Some(date);
                }
            }
        }
        let Some(at) = store
            .table(account_index)
            .and_then(|t| t.position(&account))
        else {
            continue;
        };
        let Some(mut record) = store.table(account_index).and_then(|t| t.row(at)).cloned() else {
            continue;
        };
        let Some(field) = account_def.field_index("LastActivityDate") else {
            continue;
        };
        let new_value = latest.map(Value::Date);
        if record.get(field) != new_value.as_ref() {
            record.set(field, new_value);
            if let Some(stamp) = account_def.field_index("SystemModstamp") {
                record.set(stamp, Some(Value::DateTime(whole_second(now))));
            }
            store.replace(account_index, at, record);
        }
    }
}

/// Recomputes Account.LastActivityDate for every account that has activities (after a
/// seeding load, which skips the per-write refresh).
pub fn refresh_all_last_activity(store: &mut Store, now: i64) {
    let schema = Arc::clone(store.schema());
    let mut accounts: HashSet<SfId> = HashSet::new();
    for name in ["Task", "Event"] {
        let (Some(index), Some(def)) = (schema.object_index(name), schema.object(name)) else {
            continue;
        };
        let Some(field) = def.field_index("AccountId") else {
            continue;
        };
        if let Some(table) = store.table(index) {
            accounts.extend(
                table
                    .rows()
                    .iter()
                    .filter_map(|r| r.get(field).and_then(Value::as_id)),
            );
        }
    }
    let Some(task) = schema.object("Task") else {
        return;
    };
    let mut accounts: Vec<SfId> = accounts.into_iter().collect();
    accounts.sort();
    for account in accounts {
        refresh_last_activity(store, task, Some(account), None, now);
    }
}
