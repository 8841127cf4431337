//! Derived fields an org maintains itself (salesforce-api.md 10.10): Task.IsClosed,
//! Case.IsClosed/ClosedDate, Opportunity.IsClosed/IsWon/Probability/ForecastCategoryName,
//! Contract.EndDate/StatusCode, Contact/User Name, Event times, Task/Event.AccountId and
//! Account.LastActivityDate.
//!
//! Called only by [`super::write`], after the request's values are applied and before the
//! record is stored; it never validates and never reads the wall clock.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{Duration, Months, NaiveDate};

use crate::id::SfId;

use super::clock::from_ms;
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

fn set(object: &ObjectDef, record: &mut Record, name: &str, value: Option<Value>) {
    if let Some(at) = object.field_index(name) {
        record.set(at, value);
    }
}

fn was_touched(object: &ObjectDef, touched: &[usize], name: &str) -> bool {
    object
        .field_index(name)
        .is_some_and(|at| touched.contains(&at))
}

/// Sets the derived fields of `record` (a new record when `old` is `None`).
///
/// # Errors
/// Never today; kept fallible for derivations that can refuse a record.
pub fn derive(
    store: &Store,
    schema: &Schema,
    object: &ObjectDef,
    old: Option<&Record>,
    record: &mut Record,
    touched: &[usize],
    now: i64,
) -> Result<(), RecordError> {
    let get = |record: &Record, name: &str| -> Option<Value> {
        object
            .field_index(name)
            .and_then(|at| record.get(at))
            .cloned()
    };
    match object.name.as_str() {
        "Task" | "Case" => {
            let closed = text_of(object, record, "Status")
                .is_some_and(|s| schema.is_closed_status(&object.name, s));
            set(object, record, "IsClosed", Some(Value::Bool(closed)));
            if object.name == "Task" {
                // Task.CompletedDateTime: stamped when the task closes, cleared on reopening.
                if !closed {
                    set(object, record, "CompletedDateTime", None);
                } else if get(record, "CompletedDateTime").is_none() {
                    set(
                        object,
                        record,
                        "CompletedDateTime",
                        Some(Value::DateTime(now)),
                    );
                }
            }
            if object.name == "Case" {
                let was_closed = old
                    .and_then(|o| get(o, "IsClosed"))
                    .is_some_and(|v| v == Value::Bool(true));
                if !closed {
                    set(object, record, "ClosedDate", None);
                } else if (!was_closed || get(record, "ClosedDate").is_none())
                    && !was_touched(object, touched, "ClosedDate")
                {
                    set(object, record, "ClosedDate", Some(Value::DateTime(now)));
                }
            }
        }
        "Opportunity" => {
            if let Some(stage) = text_of(object, record, "StageName").map(str::to_owned) {
                let info = schema
                    .stages
                    .get(&stage)
                    .cloned()
                    .unwrap_or_else(|| super::standard::stage_info_for(&stage));
                set(object, record, "IsClosed", Some(Value::Bool(info.closed)));
                set(object, record, "IsWon", Some(Value::Bool(info.won)));
                let stage_changed = old
                    .and_then(|o| text_of(object, o, "StageName").map(str::to_owned))
                    .as_deref()
                    != Some(stage.as_str());
                if (stage_changed || get(record, "Probability").is_none())
                    && !was_touched(object, touched, "Probability")
                {
                    set(
                        object,
                        record,
                        "Probability",
                        Some(Value::Number(info.probability)),
                    );
                }
                if (stage_changed || get(record, "ForecastCategoryName").is_none())
                    && !was_touched(object, touched, "ForecastCategoryName")
                {
                    set(
                        object,
                        record,
                        "ForecastCategoryName",
                        Some(Value::Text(Arc::from(info.forecast_category))),
                    );
                }
            }
        }
        "Contract" => {
            let start = get(record, "StartDate").and_then(|v| v.as_date());
            let term = get(record, "ContractTerm").and_then(|v| v.as_number());
            let end = match (start, term) {
                (Some(start), Some(term)) if term >= 0.0 => whole(term)
                    .and_then(|t| u32::try_from(t).ok())
                    .and_then(|m| start.checked_add_months(Months::new(m)))
                    .and_then(|d| d.checked_sub_signed(Duration::days(1)))
                    .map(Value::Date),
                _ => None,
            };
            set(object, record, "EndDate", end);
            let code = match text_of(object, record, "Status") {
                Some("In Approval Process") => "InApproval",
                Some("Activated") => "Activated",
                Some("Terminated") => "Terminated",
                Some("Expired") => "Expired",
                _ => "Draft",
            };
            set(
                object,
                record,
                "StatusCode",
                Some(Value::Text(Arc::from(code))),
            );
        }
        "Contact" | "User" => {
            let first = text_of(object, record, "FirstName").unwrap_or_default();
            let last = text_of(object, record, "LastName").unwrap_or_default();
            let full = if first.is_empty() {
                last.to_owned()
            } else {
                format!("{first} {last}")
            };
            set(object, record, "Name", Some(Value::Text(Arc::from(full))));
        }
        "Event" => {
            let all_day = get(record, "IsAllDayEvent") == Some(Value::Bool(true));
            let start = if was_touched(object, touched, "StartDateTime") {
                get(record, "StartDateTime")
            } else {
                get(record, "ActivityDateTime").or_else(|| get(record, "StartDateTime"))
            };
            if let (Some(Value::DateTime(start_ms)), false) = (start.clone(), all_day) {
                set(
                    object,
                    record,
                    "StartDateTime",
                    Some(Value::DateTime(start_ms)),
                );
                set(
                    object,
                    record,
                    "ActivityDateTime",
                    Some(Value::DateTime(start_ms)),
                );
                set(
                    object,
                    record,
                    "ActivityDate",
                    Some(Value::Date(from_ms(start_ms).date_naive())),
                );
                let duration = get(record, "DurationInMinutes").and_then(|v| v.as_number());
                let end = get(record, "EndDateTime");
                let end_given = was_touched(object, touched, "EndDateTime");
                // Given together, they must agree (salesforce-api.md 8). The code and
                // wording of the refusal are [verify].
                if end_given
                    && was_touched(object, touched, "DurationInMinutes")
                    && let (Some(minutes), Some(Value::DateTime(end_ms))) = (duration, &end)
                    && whole(minutes).map(|m| m.saturating_mul(60_000))
                        != Some(end_ms.saturating_sub(start_ms))
                {
                    return Err(RecordError::new(
                        "FIELD_INTEGRITY_EXCEPTION",
                        "EndDateTime and DurationInMinutes don't agree: the end must be the start plus the duration",
                        vec!["EndDateTime".to_owned(), "DurationInMinutes".to_owned()],
                    ));
                }
                match (duration, end) {
                    (Some(minutes), _) if !end_given => {
                        let end_ms = start_ms
                            .saturating_add(whole(minutes).unwrap_or(0).saturating_mul(60_000));
                        set(object, record, "EndDateTime", Some(Value::DateTime(end_ms)));
                    }
                    (_, Some(Value::DateTime(end_ms))) => {
                        let minutes = (end_ms - start_ms) / 60_000;
                        set(
                            object,
                            record,
                            "DurationInMinutes",
                            i32::try_from(minutes)
                                .ok()
                                .map(|m| Value::Number(f64::from(m))),
                        );
                    }
                    _ => {}
                }
            }
            if all_day && let Some(Value::Date(day)) = get(record, "ActivityDate") {
                let start_ms = day
                    .and_hms_opt(0, 0, 0)
                    .map(|t| t.and_utc().timestamp_millis())
                    .unwrap_or(0);
                set(
                    object,
                    record,
                    "StartDateTime",
                    Some(Value::DateTime(start_ms)),
                );
                set(
                    object,
                    record,
                    "ActivityDateTime",
                    Some(Value::DateTime(start_ms)),
                );
                set(
                    object,
                    record,
                    "EndDateTime",
                    Some(Value::DateTime(start_ms + 86_400_000 - 60_000)),
                );
                set(
                    object,
                    record,
                    "DurationInMinutes",
                    Some(Value::Number(1440.0)),
                );
            }
        }
        _ => {}
    }
    if old.is_none() {
        // Auto-numbers count the object's rows, deleted ones included, so numbers are
        // never reused (a rolled-back insert may free one, as on an org).
        let taken = schema
            .object_index(&object.name)
            .and_then(|at| store.table(at))
            .map_or(0, |t| t.rows().len());
        for auto in &object.auto_numbers {
            if text_of(object, record, &auto.field).is_none() {
                let n = u64::try_from(taken).unwrap_or(u64::MAX);
                set(
                    object,
                    record,
                    &auto.field,
                    Some(Value::Text(Arc::from(auto.value(n)))),
                );
            }
        }
    }
    if matches!(object.name.as_str(), "Task" | "Event") {
        let account = activity_account(store, object, record);
        set(object, record, "AccountId", account.map(Value::Id));
    }
    Ok(())
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
                record.set(stamp, Some(Value::DateTime(now)));
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
