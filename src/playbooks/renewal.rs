//! Renewal opportunities ahead of contract end, and the renewal-risk flag on Vitals' own.
//!
//! **Creating.** An Activated contract that has not ended and ends within
//! `create_days_before_end` days gets a renewal, upserted on `{contract18}-{end date}`,
//! unless the org already has a renewal for it or the key ledger holds the key (planned or
//! delivered): a renewal a CSM deleted is never created again. A renewal for the contract
//! is any opportunity whose record type or Type is Renewal and that is linked to it
//! (`ContractId`), except one that closed before the contract started (the renewal of an
//! earlier term of a contract whose dates were moved on); an open renewal on the account
//! that is linked to no contract and closes within `create_days_before_end` days of the
//! end, as the renewal readiness measure reads it; and any opportunity carrying the key.
//!
//! **Afterwards** Vitals never touches a renewal's stage or any field a CSM owns. It only
//! keeps `renewal_risk` on its own open renewals (`vitals_key` set) equal to "the account
//! is At Risk", writing it when it differs.

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::{
    AccountSnapshot, Contract, ContractStatus, HealthStatus, Opportunity, PlannedWrite, Target,
    Value, WriteKind,
};
use crate::scoring::{AccountScore, displayed};

use super::input::{AccountInput, PlanningSettings};
use super::keys::renewal_key;

/// The record type and `Type` of a renewal.
const RENEWAL: &str = "Renewal";

/// The first stage of the Renewal sales process.
const FIRST_STAGE: &str = "Early Review";

/// `Name` is Text(120).
const NAME_MAX: usize = 120;

/// The renewals to create for the account's contracts.
pub(crate) fn plan_renewals(
    input: &AccountInput<'_>,
    settings: &PlanningSettings,
    as_of: DateTime<Utc>,
) -> Vec<PlannedWrite> {
    let today = as_of.date_naive();
    let mut writes = Vec::new();
    for contract in &input.snapshot.contracts {
        let Some(end) = contract.end_date else {
            continue;
        };
        let days_left = (end - today).num_days();
        let due = contract.status == Some(ContractStatus::Activated)
            && (0..=i64::from(settings.create_days_before_end)).contains(&days_left);
        if !due {
            continue;
        }
        let key = renewal_key(contract.id, end);
        let known = input.ledger.iter().any(|e| e.key == key && e.counts());
        if known || has_renewal(input.snapshot, contract, &key, settings) {
            continue;
        }
        writes.push(renewal(input, contract, (end, days_left), key, settings));
    }
    writes
}

/// Whether the org already holds a renewal of this contract's current term.
fn has_renewal(
    snapshot: &AccountSnapshot,
    contract: &Contract,
    key: &str,
    settings: &PlanningSettings,
) -> bool {
    let Some(end) = contract.end_date else {
        return false;
    };
    let window = i64::from(settings.create_days_before_end);
    snapshot.opportunities.iter().any(|o| {
        let is_renewal = o.record_type.as_deref() == Some(RENEWAL)
            || o.opportunity_type.as_deref() == Some(RENEWAL);
        let earlier_term = o.is_closed && contract.start_date.is_some_and(|s| o.close_date < s);
        let linked = o.contract_id == Some(contract.id) && !earlier_term;
        let unlinked_open = o.contract_id.is_none()
            && !o.is_closed
            && (o.close_date - end).num_days().abs() <= window;
        o.vitals_key.as_deref() == Some(key) || (is_renewal && (linked || unlinked_open))
    })
}

/// The renewal opportunity for a contract.
fn renewal(
    input: &AccountInput<'_>,
    contract: &Contract,
    (end, days_left): (NaiveDate, i64),
    key: String,
    settings: &PlanningSettings,
) -> PlannedWrite {
    let account = &input.snapshot.account;
    let score = input.score;
    let mut fields = vec![
        ("name".to_owned(), Value::Text(name(&account.name, end))),
        ("stage_name".to_owned(), Value::Text(FIRST_STAGE.to_owned())),
        ("close_date".to_owned(), Value::Date(end)),
    ];
    if let Some(arr) = account.arr {
        fields.push(("amount".to_owned(), Value::Number(arr)));
    }
    if let Some(owner) = account.owner_id {
        fields.push((
            "owner_id".to_owned(),
            Value::Text(owner.as_str().to_owned()),
        ));
    }
    fields.extend([
        ("record_type".to_owned(), Value::Text(RENEWAL.to_owned())),
        (
            "opportunity_type".to_owned(),
            Value::Text(RENEWAL.to_owned()),
        ),
        (
            "contract_id".to_owned(),
            Value::Text(contract.id.as_str().to_owned()),
        ),
        (
            "account_id".to_owned(),
            Value::Text(account.id.as_str().to_owned()),
        ),
    ]);
    if let Some(overall) = displayed(score).overall {
        fields.push(("health_at_creation".to_owned(), Value::Number(overall)));
    }
    fields.push((
        "renewal_risk".to_owned(),
        Value::Bool(score.status == HealthStatus::AtRisk),
    ));
    let mut reason = format!(
        "contract {} ends on {end}, in {days_left} days (renewals are created {} days ahead), and the org has no renewal for it",
        contract.id, settings.create_days_before_end
    );
    if account.owner_id.is_none() {
        reason.push_str("; the account has no owner, so the renewal goes to the integration user");
    }
    PlannedWrite {
        kind: WriteKind::Renewal,
        target: Target::Key(key),
        account_id: account.id,
        fields,
        reason,
    }
}

/// `<Account> Renewal <YYYY-MM-DD>`, the account name shortened so that the whole fits in
/// the Name field.
fn name(account: &str, end: NaiveDate) -> String {
    let suffix = format!(" Renewal {end}");
    let room = NAME_MAX.saturating_sub(suffix.chars().count());
    let account: String = account.chars().take(room).collect();
    format!("{}{suffix}", account.trim_end())
}

/// `renewal_risk` updates on Vitals' open renewals whose flag differs from "At Risk".
pub(crate) fn plan_renewal_risk(
    snapshot: &AccountSnapshot,
    score: &AccountScore,
) -> Vec<PlannedWrite> {
    let at_risk = score.status == HealthStatus::AtRisk;
    snapshot
        .opportunities
        .iter()
        .filter(|o| o.vitals_key.is_some() && !o.is_closed && o.renewal_risk != at_risk)
        .map(|o: &Opportunity| PlannedWrite {
            kind: WriteKind::RenewalRisk,
            target: Target::Id(o.id),
            account_id: snapshot.account.id,
            fields: vec![("renewal_risk".to_owned(), Value::Bool(at_risk))],
            reason: if at_risk {
                "the account is At Risk".to_owned()
            } else {
                format!("the account is no longer At Risk ({})", score.status)
            },
        })
        .collect()
}
