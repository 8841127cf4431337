//! What the org and the state store do with a delivered plan, for "plan, apply, plan
//! again" tests: field values land on the records, created records appear in the snapshot,
//! and every create key enters the ledger as planned.
//!
//! This reads the planned fields by their Vitals names on its own, without the planner's
//! code, so a field the planner writes under a wrong name or value shows up as a write
//! that never settles.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::{
    AccountSnapshot, CurrentHealth, HealthStatus, HealthTrend, HistoryRecord, Opportunity,
    PlannedWrite, SfId, Target, Task, Value, WriteKind,
};
use crate::playbooks::{KeyRecord, KeyState};

use super::fixture::Given;

/// Applies delivered writes to the given org and ledger.
pub fn apply(given: &mut Given, writes: &[PlannedWrite]) {
    let at = given.as_of;
    for write in writes {
        let snapshot = &mut given.snapshot;
        match write.kind {
            WriteKind::AccountHealth => health(&mut snapshot.account.health, write),
            WriteKind::History => history(snapshot, write),
            WriteKind::Renewal => renewal(snapshot, write, at),
            WriteKind::RenewalRisk => risk(snapshot, write),
            WriteKind::PlaybookTask => task(snapshot, write, at),
        }
        if let (true, Target::Key(key)) = (write.kind.creates(), &write.target) {
            given.ledger.push(KeyRecord {
                key: key.clone(),
                kind: write.kind,
                playbook: write.playbook().map(str::to_owned),
                planned_at: at,
                state: KeyState::Planned,
            });
        }
    }
}

fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => Some(*n),
        _ => None,
    }
}

fn text(value: &Value) -> Option<String> {
    match value {
        Value::Text(t) if !t.is_empty() => Some(t.clone()),
        _ => None,
    }
}

fn date(value: &Value) -> Option<NaiveDate> {
    match value {
        Value::Date(d) => Some(*d),
        _ => None,
    }
}

fn id(value: &Value) -> Option<SfId> {
    text(value).map(|t| t.parse().unwrap())
}

fn health(held: &mut CurrentHealth, write: &PlannedWrite) {
    for (name, value) in &write.fields {
        match name.as_str() {
            "health_score" => held.score = number(value),
            "health_status" => held.status = text(value).map(|t| HealthStatus::from_api(&t)),
            "health_trend" => held.trend = text(value).map(|t| HealthTrend::from_api(&t)),
            "health_score_change" => held.score_change = number(value),
            "health_previous_score" => held.previous_score = number(value),
            "health_coverage" => held.coverage = number(value),
            "health_drivers" => held.drivers = text(value),
            "health_scored_at" => {
                held.scored_at = match value {
                    Value::DateTime(t) => Some(*t),
                    _ => None,
                }
            }
            "health_status_since" => held.status_since = date(value),
            "health_model" => held.model = text(value),
            other => {
                let key = other.strip_prefix("health_").unwrap().to_owned();
                match number(value) {
                    Some(n) => held.categories.insert(key, n),
                    None => held.categories.remove(&key),
                };
            }
        }
    }
}

fn history(snapshot: &mut AccountSnapshot, write: &PlannedWrite) {
    let Target::Key(key) = &write.target else {
        panic!("history is written by key");
    };
    let mut record = HistoryRecord {
        id: Some(SfId::from_parts("a00", snapshot.history.len() as u64 + 100)),
        account_id: snapshot.account.id,
        period: NaiveDate::MIN,
        score: None,
        status: None,
        previous_score: None,
        score_change: None,
        calculated_at: None,
        coverage: None,
        model: None,
        drivers: None,
        backfilled: false,
        key: Some(key.clone()),
        categories: BTreeMap::new(),
    };
    for (name, value) in &write.fields {
        match name.as_str() {
            "account" => assert_eq!(id(value), Some(snapshot.account.id)),
            "period" => record.period = date(value).unwrap(),
            "score" => record.score = number(value),
            "status" => record.status = text(value).map(|t| HealthStatus::from_api(&t)),
            "previous_score" => record.previous_score = number(value),
            "score_change" => record.score_change = number(value),
            "calculated_at" => {
                if let Value::DateTime(t) = value {
                    record.calculated_at = Some(*t);
                }
            }
            "coverage" => record.coverage = number(value),
            "model" => record.model = text(value),
            "drivers" => record.drivers = text(value),
            "backfilled" => record.backfilled = *value == Value::Bool(true),
            category => {
                if let Some(n) = number(value) {
                    record.categories.insert(category.to_owned(), n);
                }
            }
        }
    }
    match snapshot
        .history
        .iter_mut()
        .find(|h| h.key.as_ref() == Some(key))
    {
        Some(held) => {
            record.id = held.id;
            *held = record;
        }
        None => snapshot.history.push(record),
    }
    snapshot.history.sort_by_key(|h| h.period);
}

fn renewal(snapshot: &mut AccountSnapshot, write: &PlannedWrite, at: DateTime<Utc>) {
    let Target::Key(key) = &write.target else {
        panic!("a renewal is written by key");
    };
    let field = |name: &str| write.field(name).cloned().unwrap_or(Value::Null);
    snapshot.opportunities.push(Opportunity {
        id: SfId::from_parts("006", 900 + snapshot.opportunities.len() as u64),
        account_id: id(&field("account_id")),
        name: text(&field("name")).unwrap(),
        stage_name: text(&field("stage_name")).unwrap(),
        close_date: date(&field("close_date")).unwrap(),
        amount: number(&field("amount")),
        opportunity_type: text(&field("opportunity_type")),
        is_closed: false,
        is_won: false,
        record_type: text(&field("record_type")),
        contract_id: id(&field("contract_id")),
        owner_id: id(&field("owner_id")),
        created_date: Some(at),
        vitals_key: Some(key.clone()),
        churn_reason: None,
        renewal_risk: field("renewal_risk") == Value::Bool(true),
        health_at_creation: number(&field("health_at_creation")),
    });
}

fn risk(snapshot: &mut AccountSnapshot, write: &PlannedWrite) {
    let Target::Id(target) = write.target else {
        panic!("renewal risk is written by Id");
    };
    let opportunity = snapshot
        .opportunities
        .iter_mut()
        .find(|o| o.id == target)
        .unwrap();
    opportunity.renewal_risk = write.field("renewal_risk") == Some(&Value::Bool(true));
}

fn task(snapshot: &mut AccountSnapshot, write: &PlannedWrite, at: DateTime<Utc>) {
    let Target::Key(key) = &write.target else {
        panic!("a task is written by key");
    };
    let field = |name: &str| write.field(name).cloned().unwrap_or(Value::Null);
    snapshot.tasks.push(Task {
        id: SfId::from_parts("00T", 900 + snapshot.tasks.len() as u64),
        account_id: id(&field("what_id")),
        what_id: id(&field("what_id")),
        owner_id: id(&field("owner_id")),
        subject: text(&field("subject")),
        task_type: None,
        status: text(&field("status")),
        priority: text(&field("priority")),
        is_closed: false,
        activity_date: date(&field("activity_date")),
        created_date: Some(at),
        completed_at: None,
        milestone_completed_on: None,
        vitals_key: Some(key.clone()),
        playbook: text(&field("playbook")),
        with_economic_buyer: false,
    });
}
