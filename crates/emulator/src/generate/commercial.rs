//! Contracts and Opportunities: the commercial history of each account.
//!
//! Owns contract terms (the emulator derives `EndDate`), the closed-won new business that
//! starts each relationship, past renewals, the open renewal inside the 120-day window at
//! the stage the plan chose, lost renewals with a churn reason, and expansions. It never
//! emits `IsClosed`, `IsWon`, `Probability` or `Vitals_Key__c`.

use super::dice::{Dice, at, office_minutes, shift};
use super::names::{CHURN_REASONS, EXPANSION_THEMES};
use super::plan::{Archetype, ContractKind, ContractPlan, Lifecycle, Tier};
use super::stream::{Emitter, GenRecord, GenValue, RecordRef, Scene};
use super::values::{CONTRACT, OPPORTUNITY, RENEWAL_RECORD_TYPE};

/// Emits the account's contracts; returns each plan with its reference, in plan order.
pub(super) fn emit_contracts<F: FnMut(GenRecord)>(
    out: &mut Emitter<F>,
    scene: &Scene<'_>,
    dice: &mut Dice,
) -> Vec<(ContractPlan, RecordRef)> {
    let yesterday = shift(scene.today, -1);
    let account_created = at(scene.plan.created, 0);
    scene
        .plan
        .contracts
        .iter()
        .map(|contract| {
            let mut r = GenRecord::new(CONTRACT, 9);
            r.reference("AccountId", scene.account);
            r.text("Status", contract.status);
            r.date("StartDate", contract.start);
            r.number("ContractTerm", f64::from(contract.term));
            r.reference("OwnerId", scene.owner);
            if contract.kind == ContractKind::Amendment {
                r.text("Description", "Seat expansion amendment awaiting signature");
            }
            let created_day = if contract.status == "Draft" {
                shift(scene.today, -dice.range(1, 20))
            } else {
                shift(contract.start, -dice.range(5, 30)).min(yesterday)
            };
            let created = at(created_day, office_minutes(dice)).max(account_created);
            let modified_day = match contract.status {
                // The nightly job flips a contract to Expired the day after it ends.
                "Expired" => shift(contract.end(), 1).min(yesterday),
                "Activated" => contract.start.min(yesterday),
                _ => created_day,
            };
            r.audit(created, at(modified_day, 3 * 60));
            (*contract, out.emit(r))
        })
        .collect()
}

struct Opportunity<'a> {
    name: String,
    kind: &'a str,
    stage: &'a str,
    renewal: bool,
    close: chrono::NaiveDate,
    amount: f64,
    contract: Option<RecordRef>,
    churn_reason: Option<&'a str>,
    created: chrono::NaiveDate,
}

fn emit_opportunity<F: FnMut(GenRecord)>(
    out: &mut Emitter<F>,
    scene: &Scene<'_>,
    opportunity: Opportunity<'_>,
    dice: &mut Dice,
) {
    let yesterday = shift(scene.today, -1);
    let mut r = GenRecord::new(OPPORTUNITY, 13);
    r.reference("AccountId", scene.account);
    r.text("Name", opportunity.name);
    if opportunity.renewal {
        r.fields
            .push(("RecordType", GenValue::RecordType(RENEWAL_RECORD_TYPE)));
    }
    r.text("Type", opportunity.kind);
    r.text("StageName", opportunity.stage);
    r.date("CloseDate", opportunity.close);
    r.number("Amount", opportunity.amount);
    if let Some(contract) = opportunity.contract {
        r.reference("ContractId", contract);
    }
    r.reference("OwnerId", scene.owner);
    if let Some(reason) = opportunity.churn_reason {
        r.text("Churn_Reason__c", reason);
    }
    let created_day = opportunity.created.max(scene.plan.created).min(yesterday);
    let created = at(created_day, office_minutes(dice));
    let closed = opportunity.stage.starts_with("Closed");
    let modified_day = if closed {
        opportunity.close.min(yesterday)
    } else {
        shift(scene.today, -dice.range(1, 10))
    };
    r.audit(created, at(modified_day.max(created_day), 22 * 60));
    out.emit(r);
}

fn amount(x: f64) -> f64 {
    (x / 100.0).round() * 100.0
}

/// Emits new business, renewals (won, open, lost) and expansions.
pub(super) fn emit_opportunities<F: FnMut(GenRecord)>(
    out: &mut Emitter<F>,
    scene: &Scene<'_>,
    contracts: &[(ContractPlan, RecordRef)],
    dice: &mut Dice,
) {
    emit_new_business(out, scene, contracts.first().map(|(_, r)| *r), dice);
    for (contract, reference) in contracts {
        emit_renewal(out, scene, contract, *reference, dice);
    }
    emit_open_expansion(out, scene, dice);
    emit_past_expansions(out, scene, dice);
}

/// The closed-won deal that started the relationship, on the first contract.
fn emit_new_business<F: FnMut(GenRecord)>(
    out: &mut Emitter<F>,
    scene: &Scene<'_>,
    first_contract: Option<RecordRef>,
    dice: &mut Dice,
) {
    let plan = scene.plan;
    let name = &scene.account_name;
    let grown = if plan.lifecycle == Lifecycle::Mature {
        dice.between(0.6, 1.0)
    } else {
        1.0
    };
    emit_opportunity(
        out,
        scene,
        Opportunity {
            name: format!("{name} - New Business"),
            kind: "New Business",
            stage: "Closed Won",
            renewal: false,
            close: plan.won,
            amount: amount(plan.arr * grown),
            contract: first_contract,
            churn_reason: None,
            created: shift(plan.won, -dice.range(20, 120)),
        },
        dice,
    );
}

/// A contract's renewal: won for a previous term, lost for a churned account's current
/// one, and at the planned stage for any other current term.
fn emit_renewal<F: FnMut(GenRecord)>(
    out: &mut Emitter<F>,
    scene: &Scene<'_>,
    contract: &ContractPlan,
    reference: RecordRef,
    dice: &mut Dice,
) {
    let plan = scene.plan;
    let today = scene.today;
    let yesterday = shift(today, -1);
    let name = &scene.account_name;
    let end = contract.end();
    let renewal = |stage, close, churn_reason, created| Opportunity {
        name: format!("{name} Renewal {end}"),
        kind: "Renewal",
        stage,
        renewal: true,
        close,
        amount: plan.arr,
        contract: Some(reference),
        churn_reason,
        created,
    };
    match (contract.kind, plan.lifecycle) {
        (ContractKind::Previous, _) => {
            let close = shift(end, -dice.range(0, 30)).min(yesterday);
            let created = shift(end, -dice.range(110, 150));
            let mut won = renewal("Closed Won", close, None, created);
            won.amount = amount(plan.arr * dice.between(0.85, 1.0));
            emit_opportunity(out, scene, won, dice);
        }
        (ContractKind::Current, Lifecycle::Churned) => {
            let close = shift(end, -dice.range(0, 20)).min(yesterday);
            let created = shift(end, -dice.range(100, 125));
            let reason = Some(dice.pick(CHURN_REASONS));
            emit_opportunity(
                out,
                scene,
                renewal("Closed Lost", close, reason, created),
                dice,
            );
        }
        (ContractKind::Current, _) => {
            if let Some(Some(stage)) = plan.renewal_stage {
                let created = shift(end, -dice.range(100, 125));
                // A renewal won ahead of the contract end closed in the last days.
                let close = if stage == "Closed Won" {
                    shift(today, -dice.range(1, 10)).max(created)
                } else {
                    end
                };
                emit_opportunity(out, scene, renewal(stage, close, None, created), dice);
            }
        }
        (ContractKind::Amendment, _) => {}
    }
}

/// An open expansion, likelier where the account is doing well.
fn emit_open_expansion<F: FnMut(GenRecord)>(
    out: &mut Emitter<F>,
    scene: &Scene<'_>,
    dice: &mut Dice,
) {
    let plan = scene.plan;
    let today = scene.today;
    let name = &scene.account_name;
    let expanding = matches!((plan.inputs.seats, plan.inputs.active), (Some(s), Some(a)) if a > s);
    let open_share = match plan.archetype {
        Archetype::Healthy => 0.45 + if expanding { 0.4 } else { 0.0 },
        Archetype::BorderlineHigh => 0.3,
        Archetype::BorderlineLow => 0.15,
        Archetype::AtRisk => 0.05,
        Archetype::Sparse => 0.0,
    };
    let live = matches!(plan.lifecycle, Lifecycle::Mature | Lifecycle::Onboarding);
    if live && dice.chance(open_share) {
        let stage = dice.weighted(&[
            ("Qualification", 3),
            ("Needs Analysis", 2),
            ("Value Proposition", 2),
            ("Proposal/Price Quote", 2),
            ("Negotiation/Review", 1),
        ]);
        emit_opportunity(
            out,
            scene,
            Opportunity {
                name: format!("{name} - {}", dice.pick(EXPANSION_THEMES)),
                kind: "Existing Business",
                stage,
                renewal: false,
                close: shift(today, dice.range(10, 180)),
                amount: amount(plan.arr * dice.between(0.1, 0.4)),
                contract: None,
                churn_reason: None,
                created: shift(today, -dice.range(5, 90)).max(plan.won),
            },
            dice,
        );
    }
}

/// Closed expansions in the history, more for bigger accounts.
fn emit_past_expansions<F: FnMut(GenRecord)>(
    out: &mut Emitter<F>,
    scene: &Scene<'_>,
    dice: &mut Dice,
) {
    let plan = scene.plan;
    let yesterday = shift(scene.today, -1);
    let name = &scene.account_name;
    let past = match (plan.lifecycle, plan.tier) {
        (Lifecycle::Onboarding | Lifecycle::Pending, _) => 0,
        (_, Tier::Strategic) => dice.count(1, 3),
        (_, Tier::Enterprise) => dice.count(0, 2),
        (_, Tier::MidMarket) => dice.count(0, 1),
        (_, Tier::TechTouch) => u32::from(dice.chance(0.3)),
    };
    let span = super::dice::days_between(shift(plan.won, 30), yesterday);
    if span > 0 {
        for _ in 0..past {
            let close = shift(plan.won, 30 + dice.range(0, span));
            let stage = if dice.chance(0.65) {
                "Closed Won"
            } else {
                "Closed Lost"
            };
            emit_opportunity(
                out,
                scene,
                Opportunity {
                    name: format!("{name} - {}", dice.pick(EXPANSION_THEMES)),
                    kind: "Existing Business",
                    stage,
                    renewal: false,
                    close,
                    amount: amount(plan.arr * dice.between(0.05, 0.3)),
                    contract: None,
                    churn_reason: None,
                    created: shift(close, -dice.range(20, 90)),
                },
                dice,
            );
        }
    }
}
