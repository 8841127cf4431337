//! Casting each account: its size, lifecycle, owner, contracts and the fields that tell
//! its mood, before its archetype's story ([`super::story`]) fills in what its related
//! records say.
//!
//! Casting draws every random choice that matters for the story; the record builders only
//! add texture (subjects, times, background history) that leaves it as it is. It never
//! computes a score, never emits records and never reads the clock.

use chrono::NaiveDate;

use super::archetype::{Archetype, Lifecycle, Tier};
use super::dice::{Dice, contract_start_for_end, days_between, shift};
use super::plan::{AccountPlan, CaseSignals, Context, ContractKind, ContractPlan, Inputs};
use super::story;

/// The stream id of per-account dice (the archetype blocks use stream 1).
const ACCOUNT_STREAM: u64 = 2;

/// Plans account `index`. The dice it returns continue the account's stream for the record
/// builders, so each account depends only on (seed, index).
pub(super) fn plan_account(ctx: &Context, index: u32, archetype: Archetype) -> (AccountPlan, Dice) {
    let mut dice = Dice::new(ctx.seed, ACCOUNT_STREAM, u64::from(index));
    let today = ctx.today;
    let tier = dice.weighted(&[
        (Tier::Strategic, 5),
        (Tier::Enterprise, 15),
        (Tier::MidMarket, 35),
        (Tier::TechTouch, 45),
    ]);
    let lifecycle = match archetype {
        Archetype::Healthy => {
            dice.weighted(&[(Lifecycle::Onboarding, 12), (Lifecycle::Mature, 88)])
        }
        Archetype::AtRisk => dice.weighted(&[
            (Lifecycle::Onboarding, 8),
            (Lifecycle::Mature, 76),
            (Lifecycle::Churned, 16),
        ]),
        Archetype::BorderlineHigh | Archetype::BorderlineLow => Lifecycle::Mature,
        Archetype::Sparse => Lifecycle::Pending,
    };
    let arr = arr_for(tier, &mut dice);
    let csm = u32::try_from(dice.below(u64::from(ctx.csms.max(1)))).unwrap_or(0);
    let contracts = contracts_for(archetype, lifecycle, tier, today, &mut dice);
    let first_start = contracts.iter().map(|c| c.start).min().unwrap_or(today);
    let won = match lifecycle {
        Lifecycle::Pending => shift(today, -dice.range(5, 120)),
        _ => shift(first_start, -dice.range(0, 14)),
    };
    let created = shift(won, -dice.range(45, 240));
    let history_start = won.max(shift(today, -365));
    let age = days_between(history_start, today).max(1);

    let mut plan = AccountPlan {
        archetype,
        tier,
        lifecycle,
        csm,
        created,
        won,
        history_start,
        arr,
        inputs: Inputs::default(),
        contracts,
        renewal_stage: None,
        gap: 1,
        cases: CaseSignals::default(),
        csat: Vec::new(),
        qbr_last: None,
        milestones: Vec::new(),
        meetings: Vec::new(),
        volume: tier.volume() * (f64::from(u32::try_from(age).unwrap_or(365).min(365)) / 365.0),
    };
    if archetype == Archetype::Sparse {
        // Closed won, contract still in Draft, and nothing else yet: no seats, no events,
        // no surveys, a call or two.
        plan.gap = dice.range(1, age);
        plan.volume = 0.0;
        return (plan, dice);
    }
    fill_context_inputs(&mut plan, today, &mut dice);
    story::tell(&mut plan, today, age, &mut dice);
    (plan, dice)
}

fn round_to(x: f64, step: f64) -> f64 {
    (x / step).round() * step
}

fn arr_for(tier: Tier, dice: &mut Dice) -> f64 {
    let u = dice.unit();
    // Powers of a uniform draw give the long tail without platform-dependent `powf`.
    let arr = match tier {
        Tier::Strategic => 250_000.0 + 1_750_000.0 * u * u * u,
        Tier::Enterprise => 100_000.0 + 149_900.0 * u,
        Tier::MidMarket => 25_000.0 + 74_900.0 * u * u.sqrt(),
        Tier::TechTouch => 3_000.0 + 21_900.0 * u * u,
    };
    round_to(arr, 100.0)
}

fn contracts_for(
    archetype: Archetype,
    lifecycle: Lifecycle,
    tier: Tier,
    today: NaiveDate,
    dice: &mut Dice,
) -> Vec<ContractPlan> {
    let mut contracts = Vec::with_capacity(3);
    let current = match lifecycle {
        Lifecycle::Mature => {
            // Ends spread evenly over the next 18 months; terms long enough that the
            // contract started at least 90 days ago.
            let days_left = dice.range(1, 548);
            let term = if days_left <= 274 {
                dice.weighted(&[(12, 6), (24, 3), (36, 1)])
            } else {
                dice.weighted(&[(24, 6), (36, 4)])
            };
            ContractPlan {
                kind: ContractKind::Current,
                status: "Activated",
                start: contract_start_for_end(shift(today, days_left), term),
                term,
            }
        }
        Lifecycle::Onboarding => {
            // An onboarding that went quiet has been going for seven weeks at least.
            let days_ago = if archetype == Archetype::AtRisk {
                dice.range(50, 90)
            } else if dice.chance(0.4) {
                dice.range(1, 21)
            } else {
                dice.range(22, 90)
            };
            ContractPlan {
                kind: ContractKind::Current,
                status: "Activated",
                start: shift(today, -days_ago),
                term: 12,
            }
        }
        Lifecycle::Churned => {
            let term = dice.weighted(&[(12, 7), (24, 3)]);
            ContractPlan {
                kind: ContractKind::Current,
                status: "Expired",
                start: contract_start_for_end(shift(today, -dice.range(20, 330)), term),
                term,
            }
        }
        Lifecycle::Pending => ContractPlan {
            kind: ContractKind::Current,
            status: "Draft",
            start: shift(today, dice.range(5, 45)),
            term: 12,
        },
    };
    let previous_share = match (lifecycle, tier.is_top()) {
        (Lifecycle::Mature, true) => 0.75,
        (Lifecycle::Mature, false) => 0.6,
        (Lifecycle::Churned, _) => 0.4,
        _ => 0.0,
    };
    if dice.chance(previous_share) {
        let term = dice.weighted(&[(12, 6), (24, 4)]);
        contracts.push(ContractPlan {
            kind: ContractKind::Previous,
            status: "Expired",
            start: contract_start_for_end(shift(current.start, -1), term),
            term,
        });
    }
    contracts.push(current);
    if lifecycle == Lifecycle::Mature && dice.chance(0.1) {
        contracts.push(ContractPlan {
            kind: ContractKind::Amendment,
            status: "Draft",
            start: shift(today, dice.range(10, 60)),
            term: 12,
        });
    }
    contracts
}

/// Sentiment, product activity and invoices: not scored by `csm-nine`, but they tell the
/// same story for the other presets and for people reading the account.
fn fill_context_inputs(plan: &mut AccountPlan, today: NaiveDate, dice: &mut Dice) {
    /// Weighted sentiments, days since product use, share with nothing overdue, most days overdue.
    type Mood = (&'static [(&'static str, u32)], (i64, i64), f64, i64);
    let (sentiments, last_use, overdue_none, overdue_max): Mood = match plan.archetype {
        Archetype::Healthy => (&[("Green", 85), ("Yellow", 15)], (1, 3), 0.85, 20),
        Archetype::BorderlineHigh => (&[("Green", 50), ("Yellow", 50)], (1, 7), 0.7, 40),
        Archetype::BorderlineLow => (
            &[("Green", 15), ("Yellow", 60), ("Red", 25)],
            (2, 20),
            0.5,
            60,
        ),
        _ => (&[("Yellow", 35), ("Red", 65)], (5, 60), 0.35, 120),
    };
    plan.inputs.sentiment = dice.chance(0.9).then(|| dice.weighted(sentiments));
    let last_use = if plan.lifecycle == Lifecycle::Churned {
        (60, 300)
    } else {
        last_use
    };
    plan.inputs.last_product = dice
        .chance(0.95)
        .then(|| shift(today, -dice.range(last_use.0, last_use.1)));
    plan.inputs.overdue_days = dice.chance(0.95).then(|| {
        if dice.chance(overdue_none) {
            0
        } else {
            u32::try_from(dice.range(1, overdue_max)).unwrap_or(0)
        }
    });
}
