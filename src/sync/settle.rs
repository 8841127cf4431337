//! Renewals a plan creates, counted in the same run's score (pure).
//!
//! Renewal readiness reads the account's renewal opportunity: with no renewal a contract
//! ending soon scores low, with an on-track one it scores high. A run that creates a
//! renewal would otherwise write the account's health as it was before the renewal, and
//! the next run, reading the renewal back, would write it again: a no-change cycle would
//! not be empty. So the sync scores and plans such an account a second time with the
//! renewals it is about to create added to the snapshot as the org will hold them, and
//! keeps the first plan's renewal creates with the second plan's other writes.
//!
//! The added renewals carry placeholder Ids (serials from zero under the Opportunity
//! prefix, which no org record has); a write the second plan addresses to one is dropped.
//! Nothing here does I/O.

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::{
    AccountSnapshot, HealthStatus, Opportunity, Plan, PlannedWrite, SfId, Target, Value, WriteKind,
};
use crate::playbooks::AccountPlan;
use crate::scoring::{AccountScore, displayed};

/// The placeholder Id of the `n`-th renewal added.
fn placeholder(n: usize) -> SfId {
    SfId::from_parts("006", u64::try_from(n).unwrap_or(u64::MAX))
}

fn is_placeholder(id: SfId, count: usize) -> bool {
    (0..count).any(|n| placeholder(n) == id)
}

fn text<'a>(write: &'a PlannedWrite, name: &str) -> Option<&'a str> {
    match write.field(name) {
        Some(Value::Text(text)) => Some(text),
        _ => None,
    }
}

fn id(write: &PlannedWrite, name: &str) -> Option<SfId> {
    text(write, name).and_then(|t| SfId::parse(t).ok())
}

fn date(write: &PlannedWrite, name: &str) -> Option<NaiveDate> {
    match write.field(name) {
        Some(Value::Date(day)) => Some(*day),
        _ => None,
    }
}

fn number(write: &PlannedWrite, name: &str) -> Option<f64> {
    match write.field(name) {
        Some(Value::Number(n)) => Some(*n),
        _ => None,
    }
}

/// The renewal a create write makes, as the org will hold it.
fn renewal(write: &PlannedWrite, n: usize, now: DateTime<Utc>) -> Option<Opportunity> {
    Some(Opportunity {
        id: placeholder(n),
        account_id: Some(write.account_id),
        name: text(write, "name")?.to_owned(),
        stage_name: text(write, "stage_name")?.to_owned(),
        close_date: date(write, "close_date")?,
        amount: number(write, "amount"),
        opportunity_type: text(write, "opportunity_type").map(str::to_owned),
        is_closed: false,
        is_won: false,
        record_type: text(write, "record_type").map(str::to_owned),
        contract_id: id(write, "contract_id"),
        owner_id: id(write, "owner_id"),
        created_date: Some(now),
        vitals_key: Some(write.target.as_text().to_owned()),
        churn_reason: None,
        renewal_risk: matches!(write.field("renewal_risk"), Some(Value::Bool(true))),
        health_at_creation: number(write, "health_at_creation"),
    })
}

/// The snapshot with the renewals `writes` create, or `None` when they create none.
pub(super) fn with_created_renewals(
    snapshot: &AccountSnapshot,
    writes: &[PlannedWrite],
    now: DateTime<Utc>,
) -> Option<AccountSnapshot> {
    let created: Vec<Opportunity> = writes
        .iter()
        .filter(|w| w.kind == WriteKind::Renewal)
        .enumerate()
        .filter_map(|(n, w)| renewal(w, n, now))
        .collect();
    if created.is_empty() {
        return None;
    }
    let mut settled = snapshot.clone();
    settled.opportunities.extend(created);
    Some(settled)
}

/// The first plan's renewal creates, with the health and risk of the settled score, and
/// the second plan's other writes (none addressed to a placeholder) and skipped tasks.
pub(super) fn merge(first: AccountPlan, second: AccountPlan, score: &AccountScore) -> AccountPlan {
    let renewals: Vec<PlannedWrite> = first
        .writes
        .into_iter()
        .filter(|w| w.kind == WriteKind::Renewal)
        .map(|w| with_settled_health(w, score))
        .collect();
    let count = renewals.len();
    let mut writes: Vec<PlannedWrite> = second
        .writes
        .into_iter()
        .filter(|w| w.kind != WriteKind::Renewal)
        .filter(|w| !matches!(w.target, Target::Id(id) if is_placeholder(id, count)))
        .collect();
    writes.extend(renewals);
    AccountPlan {
        writes: Plan::new(writes).writes,
        skipped: second.skipped,
    }
}

/// A renewal create with the health and risk the account has once it exists.
fn with_settled_health(mut write: PlannedWrite, score: &AccountScore) -> PlannedWrite {
    let overall = displayed(score).overall;
    for (name, value) in &mut write.fields {
        match name.as_str() {
            "health_at_creation" => {
                if let Some(overall) = overall {
                    *value = Value::Number(overall);
                }
            }
            "renewal_risk" => *value = Value::Bool(score.status == HealthStatus::AtRisk),
            _ => {}
        }
    }
    write
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::domain::test_records;

    fn renewal_write() -> PlannedWrite {
        let account = test_records::account();
        PlannedWrite {
            kind: WriteKind::Renewal,
            target: Target::Key("800000000000001AAA-2026-06-10".into()),
            account_id: account.id,
            fields: vec![
                ("name".into(), Value::Text("Acme Renewal 2026-06-10".into())),
                ("stage_name".into(), Value::Text("Early Review".into())),
                (
                    "close_date".into(),
                    Value::Date(NaiveDate::from_ymd_opt(2026, 6, 10).unwrap()),
                ),
                ("record_type".into(), Value::Text("Renewal".into())),
                ("opportunity_type".into(), Value::Text("Renewal".into())),
                (
                    "contract_id".into(),
                    Value::Text("800000000000001AAA".into()),
                ),
                ("renewal_risk".into(), Value::Bool(true)),
            ],
            reason: "test".into(),
        }
    }

    #[test]
    fn a_planned_renewal_joins_the_snapshot_as_the_org_will_hold_it() {
        let snapshot = AccountSnapshot::new(test_records::account());
        let now = Utc.with_ymd_and_hms(2026, 3, 2, 12, 0, 0).unwrap();
        assert!(with_created_renewals(&snapshot, &[], now).is_none());
        let settled = with_created_renewals(&snapshot, &[renewal_write()], now).unwrap();
        let added = &settled.opportunities[0];
        assert_eq!(added.id, placeholder(0));
        assert_eq!(added.stage_name, "Early Review");
        assert_eq!(added.contract_id, SfId::parse("800000000000001AAA").ok());
        assert_eq!(
            added.vitals_key.as_deref(),
            Some("800000000000001AAA-2026-06-10")
        );
        assert!(!added.is_closed && added.renewal_risk);
    }
}
