//! Who each account is and what its records must say: archetype, tier, lifecycle, the
//! account's input fields, and the facts (gaps, counts, stages) its related records must
//! realise so the account lands at its intended score.
//!
//! Planning draws every random choice that matters for scoring; the record builders only add
//! texture (subjects, times, background history) that cannot move a score. Planning never
//! emits records and never reads the clock.

use chrono::NaiveDate;

pub(super) use super::archetype::{Archetype, Lifecycle, Tier};
use super::dice::{Dice, contract_end, contract_start_for_end, days_between, shift, whole};
use super::reading::{self, Categories, Category, Overall};

/// What a contract is to its account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ContractKind {
    /// The term before the current one (Expired).
    Previous,
    /// The term that drives renewal (Activated; Expired for churned; Draft for pending).
    Current,
    /// An amendment not yet activated (Draft).
    Amendment,
}

/// One contract to emit.
#[derive(Debug, Clone, Copy)]
pub(super) struct ContractPlan {
    pub kind: ContractKind,
    pub status: &'static str,
    pub start: NaiveDate,
    pub term: u32,
}

impl ContractPlan {
    /// The end date the emulator derives.
    pub(super) fn end(&self) -> NaiveDate {
        contract_end(self.start, self.term).unwrap_or(self.start)
    }
}

/// The account's own input fields.
#[derive(Debug, Clone, Default)]
pub(super) struct Inputs {
    pub seats: Option<u32>,
    pub active: Option<u32>,
    pub core: Option<f64>,
    pub last_product: Option<NaiveDate>,
    pub kickoff: Option<u8>,
    pub uat: Option<u8>,
    pub sentiment: Option<&'static str>,
    pub overdue_days: Option<u32>,
}

/// Cases that move the case-health score.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct CaseSignals {
    /// Open cases with priority High or Critical.
    pub open_high: u32,
    /// Cases created in the last 90 days with `SLA_Breached__c`.
    pub breaches: u32,
    /// Cases created in the last 90 days with `IsEscalated`.
    pub escalations: u32,
}

/// Everything the record builders need to know about one account.
#[derive(Debug, Clone)]
pub(super) struct AccountPlan {
    pub archetype: Archetype,
    pub tier: Tier,
    pub lifecycle: Lifecycle,
    /// Index of the owning CSM among the CSM users.
    pub csm: u32,
    /// The day the account was created (before the deal closed).
    pub created: NaiveDate,
    /// The day the new-business opportunity closed won.
    pub won: NaiveDate,
    /// The first day of customer history (cases and CSM activity start here).
    pub history_start: NaiveDate,
    pub arr: f64,
    pub inputs: Inputs,
    /// Contracts in emission order.
    pub contracts: Vec<ContractPlan>,
    /// The open renewal on the current contract: `Some(None)` means none exists yet.
    pub renewal_stage: Option<Option<&'static str>>,
    /// Days from the last past activity to today (at least 1).
    pub gap: i64,
    pub cases: CaseSignals,
    /// CSAT scores of the cases closed in the last 180 days that answered the survey.
    pub csat: Vec<u8>,
    /// Days since the last QBR, if any.
    pub qbr_last: Option<i64>,
    /// Milestones due in the last 180 days: met on time or not.
    pub milestones: Vec<bool>,
    /// Durations of the meetings in the last 90 days.
    pub meetings: Vec<u32>,
    /// Scale of background history (cases, calls, older meetings).
    pub volume: f64,
    /// The generator's intended score for the account under [`reading`].
    pub intended: Option<Overall>,
}

impl AccountPlan {
    /// Whether future-dated activities may exist. Only engaged accounts (last touch within
    /// 14 days) get them, so no reading of "last activity" can see a different recency.
    pub(super) fn future_ok(&self) -> bool {
        self.gap <= 14
    }

    /// The contract that drives renewal, if any.
    pub(super) fn current(&self) -> Option<&ContractPlan> {
        self.contracts
            .iter()
            .find(|c| c.kind == ContractKind::Current)
    }
}

/// The facts planning needs about the run.
#[derive(Debug, Clone, Copy)]
pub(super) struct Context {
    pub seed: u64,
    pub today: NaiveDate,
    pub csms: u32,
}

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
    let contracts = contracts_for(lifecycle, tier, today, &mut dice);
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
        intended: None,
    };
    if archetype == Archetype::Sparse {
        plan.gap = dice.range(1, age);
        plan.volume = 0.0;
        plan.intended = categories_of(&plan, today).overall();
        return (plan, dice);
    }

    let (quality_lo, quality_hi, target_lo, target_hi) = match archetype {
        Archetype::Healthy => (0.78, 1.0, 84.0, 97.0),
        Archetype::AtRisk => (0.0, 0.35, 6.0, 30.0),
        Archetype::BorderlineHigh => (0.45, 0.95, 67.0, 73.0),
        _ => (0.15, 0.65, 37.0, 43.0),
    };
    fill_context_inputs(&mut plan, today, &mut dice);
    let goal = dice.between(target_lo, target_hi);
    // Aim the overall score: adoption, the heaviest category and the only continuous one,
    // absorbs whatever the other categories leave between them and the goal. When it cannot
    // (it would need to leave 0..=100), the other categories are drawn again, nudged the
    // way the goal lies; the last draw stands if none fits.
    let mut shift_by: f64 = 0.0;
    let mut wanted = 0.0;
    for _ in 0..8 {
        let lo = (quality_lo + shift_by).clamp(0.0, 1.0);
        let hi = (quality_hi + shift_by).clamp(0.0, 1.0);
        plan_signals(&mut plan, today, age, (lo, hi), &mut dice);
        let others = categories_of(&plan, today);
        let (weight, sum) = others.sums_without(Some(Category::Adoption));
        let adoption_weight = Category::Adoption.weight();
        let needed = (goal * (weight + adoption_weight) - sum) / adoption_weight;
        wanted = needed.clamp(0.0, 100.0);
        if needed < 0.0 {
            shift_by -= 0.1;
        } else if needed > 100.0 {
            shift_by += 0.1;
        } else {
            break;
        }
    }
    realise_adoption(&mut plan, wanted, &mut dice);
    plan.intended = categories_of(&plan, today).overall();
    (plan, dice)
}

/// Draws every scored fact but adoption, each category aimed at a quality drawn from
/// `quality` (0..=1, scaled to a 0..=100 target). Overwrites what an earlier draw set.
fn plan_signals(
    plan: &mut AccountPlan,
    today: NaiveDate,
    age: i64,
    quality: (f64, f64),
    dice: &mut Dice,
) {
    let target = |dice: &mut Dice| dice.between(quality.0, quality.1) * 100.0;
    let (archetype, lifecycle, tier) = (plan.archetype, plan.lifecycle, plan.tier);
    let healthy = archetype == Archetype::Healthy;
    let mature = lifecycle != Lifecycle::Onboarding;

    plan.gap = gap_for(target(dice), lifecycle, age, dice);
    let window_end = shift(today, -plan.gap);
    plan.cases = if age >= 2 {
        case_signals_for(target(dice), dice)
    } else {
        CaseSignals::default()
    };
    plan.csat.clear();
    if age >= 3 && !(mature && dice.chance(0.08)) {
        let t = target(dice);
        let n = match tier {
            Tier::Strategic => dice.count(5, 8),
            Tier::Enterprise => dice.count(3, 6),
            Tier::MidMarket => dice.count(2, 4),
            Tier::TechTouch => dice.count(1, 2),
        };
        plan.csat = csat_scores(t, n, dice);
    }
    let qbr_target = target(dice);
    plan.qbr_last = if lifecycle == Lifecycle::Onboarding
        || (healthy && tier == Tier::TechTouch && dice.chance(0.5))
    {
        None
    } else {
        qbr_for(qbr_target, plan.gap, age, dice)
    };
    plan.milestones.clear();
    let milestone_window = days_between(shift(today, -179).max(plan.history_start), window_end);
    if milestone_window >= 0 && !(lifecycle == Lifecycle::Mature && dice.chance(0.1)) {
        let t = target(dice);
        let n = match (lifecycle, tier) {
            (Lifecycle::Onboarding, _) => dice.count(2, 4),
            (_, Tier::Strategic) => dice.count(4, 6),
            (_, Tier::Enterprise) => dice.count(3, 4),
            (_, Tier::MidMarket) => dice.count(2, 3),
            (_, Tier::TechTouch) => dice.count(1, 2),
        };
        plan.milestones = milestone_flags(t, n, dice);
    }
    let renewal_target = target(dice);
    plan.renewal_stage = None;
    if let Some(current) = plan.current().filter(|c| c.status == "Activated") {
        let days_left = days_between(today, current.end());
        if days_left <= 120 {
            plan.renewal_stage = Some(renewal_stage_for(
                renewal_target,
                days_left,
                archetype,
                dice,
            ));
        }
    }
    let survey_target = target(dice);
    plan.inputs.kickoff = (age > 10 && dice.chance(if mature { 0.85 } else { 0.9 }))
        .then(|| survey_value(survey_target, dice));
    plan.inputs.uat = (age > 60 && dice.chance(if mature { 0.75 } else { 0.6 }))
        .then(|| survey_value(survey_target, dice));
    plan.meetings.clear();
    let meeting_window = days_between(shift(today, -89).max(plan.history_start), window_end);
    if meeting_window >= 0 && !(lifecycle == Lifecycle::Mature && dice.chance(0.1)) {
        let t = target(dice);
        let n = match tier {
            Tier::Strategic => dice.count(5, 8),
            Tier::Enterprise => dice.count(3, 6),
            Tier::MidMarket => dice.count(2, 4),
            Tier::TechTouch => dice.count(1, 3),
        };
        plan.meetings = meeting_durations(t, n, dice);
    }
}

/// The categories an account's plan realises, under the generator's reading.
pub(super) fn categories_of(plan: &AccountPlan, today: NaiveDate) -> Categories {
    let mut c = Categories::default();
    let inputs = &plan.inputs;
    c.set(
        Category::Adoption,
        reading::adoption(inputs.seats, inputs.active, inputs.core),
    );
    c.set(
        Category::Cases,
        Some(reading::cases(
            plan.cases.open_high,
            plan.cases.breaches,
            plan.cases.escalations,
        )),
    );
    c.set(Category::Recency, Some(reading::recency(plan.gap)));
    c.set(Category::Satisfaction, reading::satisfaction(&plan.csat));
    c.set(Category::Reviews, Some(reading::reviews(plan.qbr_last)));
    c.set(Category::Milestones, reading::milestones(&plan.milestones));
    let active = plan
        .current()
        .filter(|contract| contract.status == "Activated");
    c.set(
        Category::Renewal,
        reading::renewal(
            active.map(|contract| days_between(today, contract.end())),
            plan.renewal_stage.flatten(),
        ),
    );
    c.set(
        Category::Surveys,
        reading::surveys(inputs.kickoff, inputs.uat),
    );
    c.set(Category::Meetings, reading::meetings(&plan.meetings));
    c
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
            let days_ago = if dice.chance(0.4) {
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

/// Days since the last activity; bins stay clear of the 14/30/45-day boundaries.
fn gap_for(target: f64, lifecycle: Lifecycle, age: i64, dice: &mut Dice) -> i64 {
    let gap = if lifecycle == Lifecycle::Churned {
        dice.range(60, 240)
    } else if target >= 85.0 {
        dice.range(1, 13)
    } else if target >= 62.0 {
        dice.range(16, 29)
    } else if target >= 37.0 {
        dice.range(32, 44)
    } else {
        dice.range(47, 120)
    };
    gap.clamp(1, age.max(1))
}

fn case_signals_for(target: f64, dice: &mut Dice) -> CaseSignals {
    let deficit = 100.0 - target;
    let mut best: Vec<CaseSignals> = Vec::new();
    let mut best_error = f64::MAX;
    for open_high in 0..=3 {
        for breaches in 0..=3 {
            for escalations in 0..=3 {
                let signals = CaseSignals {
                    open_high,
                    breaches,
                    escalations,
                };
                let taken = f64::from(25 * open_high + 20 * breaches + 15 * escalations);
                let error = (taken.min(100.0) - deficit).abs()
                    + f64::from(open_high + breaches + escalations) * 0.5;
                if error < best_error - 1e-9 {
                    best_error = error;
                    best.clear();
                }
                if (error - best_error).abs() <= 1e-9 {
                    best.push(signals);
                }
            }
        }
    }
    dice.pick(&best)
}

fn csat_scores(target: f64, n: u32, dice: &mut Dice) -> Vec<u8> {
    let mean = 1.0 + target / 25.0;
    let n_f = f64::from(n);
    let total = whole((mean * n_f).clamp(n_f, 5.0 * n_f));
    let base = total / n.max(1);
    let extra = total % n.max(1);
    let mut scores: Vec<u8> = (0..n)
        .map(|i| u8::try_from(base + u32::from(i < extra)).unwrap_or(5))
        .collect();
    dice.shuffle(&mut scores);
    scores
}

fn qbr_for(target: f64, gap: i64, age: i64, dice: &mut Dice) -> Option<i64> {
    let pick = |dice: &mut Dice, lo: i64, hi: i64| (lo <= hi).then(|| dice.range(lo, hi));
    let horizon = age.min(330);
    // Day counts stay clear of the 90/120 boundaries, so a reader counting in hours or
    // in dates sees the same band.
    if target >= 75.0 {
        pick(dice, gap.max(10), horizon.min(88)).or_else(|| pick(dice, gap, horizon))
    } else if target >= 25.0 {
        pick(dice, gap.max(93), horizon.min(118)).or_else(|| pick(dice, gap, horizon))
    } else if dice.chance(0.4) {
        None
    } else {
        pick(dice, gap.max(123), horizon)
    }
}

fn milestone_flags(target: f64, n: u32, dice: &mut Dice) -> Vec<bool> {
    let on_time = whole(f64::from(n) * target / 100.0);
    let mut flags: Vec<bool> = (0..n).map(|i| i < on_time).collect();
    dice.shuffle(&mut flags);
    flags
}

fn renewal_stage_for(
    target: f64,
    days_left: i64,
    archetype: Archetype,
    dice: &mut Dice,
) -> Option<&'static str> {
    let expected = reading::expected_stage(days_left);
    let stage = |i: usize| reading::PROGRESS_STAGES.get(i).copied();
    // Nobody has opened the renewal yet: allowed where it cannot lift the score above what
    // the archetype wants under any reading of a missing renewal.
    let may_be_missing = match archetype {
        Archetype::Healthy => days_left > 90,
        Archetype::AtRisk => days_left <= 60,
        _ => false,
    };
    if may_be_missing && dice.chance(0.4) {
        return None;
    }
    if target >= 75.0 {
        stage((expected + usize::from(dice.chance(0.4))).min(2))
    } else if target >= 25.0 {
        stage(expected.saturating_sub(1))
    } else if dice.chance(0.7) {
        Some("At Risk")
    } else {
        stage(expected.saturating_sub(2))
    }
}

fn survey_value(target: f64, dice: &mut Dice) -> u8 {
    let value = (1.0 + 4.0 * target / 100.0 + dice.between(-0.7, 0.7)).round();
    u8::try_from(whole(value.clamp(1.0, 5.0))).unwrap_or(3)
}

fn meeting_durations(target: f64, n: u32, dice: &mut Dice) -> Vec<u32> {
    const LENGTHS: [u32; 5] = [15, 30, 45, 60, 90];
    let mean = 15.0 + 30.0 * target / 100.0;
    (0..n)
        .map(|_| {
            let wish = mean + dice.between(-12.0, 12.0);
            LENGTHS
                .iter()
                .copied()
                .min_by(|a, b| {
                    (f64::from(*a) - wish)
                        .abs()
                        .total_cmp(&(f64::from(*b) - wish).abs())
                })
                .unwrap_or(30)
        })
        .collect()
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

fn seats_for(arr: f64, tier: Tier, dice: &mut Dice) -> u32 {
    let price = match tier {
        Tier::Strategic => dice.between(350.0, 700.0),
        Tier::Enterprise => dice.between(450.0, 900.0),
        Tier::MidMarket => dice.between(500.0, 1000.0),
        Tier::TechTouch => dice.between(600.0, 1200.0),
    };
    // At least 3 seats, so even the smallest account has a utilisation to read.
    whole(arr / price).max(3)
}

/// Sets seats, active users and core adoption so the adoption category scores `wanted`.
fn realise_adoption(plan: &mut AccountPlan, wanted: f64, dice: &mut Dice) {
    let seats = seats_for(plan.arr, plan.tier, dice);
    // Borderline accounts always report core adoption: its decimal absorbs the rounding of
    // small seat counts that would otherwise push them off their boundary.
    let borderline = matches!(
        plan.archetype,
        Archetype::BorderlineHigh | Archetype::BorderlineLow
    );
    let with_core = borderline || dice.chance(0.9);
    let expanding = plan.archetype == Archetype::Healthy && wanted >= 90.0 && dice.chance(0.35);
    let utilisation_score = if expanding {
        100.0
    } else if with_core {
        (wanted + dice.between(-15.0, 15.0))
            .clamp((2.0 * wanted - 100.0).max(0.0), (2.0 * wanted).min(100.0))
    } else {
        wanted
    };
    let share = if expanding {
        dice.between(1.01, 1.2)
    } else if utilisation_score <= 0.0 {
        dice.between(0.05, 0.25)
    } else if utilisation_score >= 100.0 {
        dice.between(0.75, 0.98)
    } else {
        0.25 + 0.5 * utilisation_score / 100.0
    };
    let active = whole(f64::from(seats) * share);
    plan.inputs.seats = Some(seats);
    plan.inputs.active = Some(active);
    plan.inputs.core = if with_core {
        let realised = reading::adoption(Some(seats), Some(active), None).unwrap_or(0.0);
        Some(round_to((2.0 * wanted - realised).clamp(0.0, 100.0), 0.1))
    } else {
        None
    };
}
