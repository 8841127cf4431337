//! What each archetype's records say, fact by fact: how long since the last contact, which
//! cases are open, breached or escalated, what customers answered in surveys, when the last
//! QBR was, which milestones were met, how far the renewal has come, how long the meetings
//! ran and how many seats are used.
//!
//! The stories are written in days, counts and answers, the way a CSM would tell them, and
//! never as scores: the generator keeps no copy of any scoring model. Whether the stories
//! land each archetype in its intended band under `csm-nine` is for the scoring engine to
//! say; Vitals' test `generated_org_mix` scores a generated org read back through the client
//! and checks it. This module draws facts only; it never emits records or reads a clock.

use chrono::NaiveDate;

use super::archetype::{Archetype, Lifecycle, Tier};
use super::dice::{Dice, days_between, shift, whole};
use super::plan::{AccountPlan, CaseSignals};

/// Days since the last QBR an archetype's story allows.
#[derive(Debug, Clone, Copy)]
enum Qbr {
    /// Held between the given numbers of days ago, as the quarterly cadence asks.
    Recent(i64, i64),
    /// Held, but a month or so late.
    Late(i64, i64),
    /// Not held for four months or more, or never.
    Skipped,
}

/// How many of the milestones due in the last 180 days were met on or before the due date.
#[derive(Debug, Clone, Copy)]
enum Milestones {
    /// Every one, however many are due (a number set by the account's size).
    AllMet,
    /// Exactly `met` of `due`.
    Exactly { due: u32, met: u32 },
    /// At most a third, however many are due.
    MostlyMissed,
}

/// Where the renewal of a contract ending within 120 days stands.
#[derive(Debug, Clone, Copy)]
enum RenewalPace {
    /// On the schedule Vitals seeds: Early Review 120 to 91 days out, Stakeholder Confirmed
    /// 90 to 61, Terms Agreed 60 to 31, and won in the last 30 days before the end.
    OnSchedule,
    /// Flagged At Risk, or not opened at all.
    Stalled,
}

/// One archetype's story. Ranges are inclusive and drawn uniformly.
#[derive(Debug, Clone, Copy)]
struct Story {
    /// Told exactly: every fact present, in fixed numbers (three CSAT answers, both
    /// surveys, two to four meetings, the milestones given), so that the account sits near
    /// its boundary rather than anywhere in a band.
    exact: bool,
    /// Days since the last contact (a completed call or e-mail).
    gap: (i64, i64),
    /// Open High/Critical cases, SLA breaches and escalations in the last 90 days.
    cases: [(u32, u32); 3],
    /// CSAT answers of the cases closed in the last 180 days, each drawn from this range;
    /// a story told exactly has these two and one more from the range.
    csat: (u8, u8),
    csat_fixed: Option<[u8; 2]>,
    qbr: Qbr,
    milestones: Milestones,
    renewal: RenewalPace,
    /// Kickoff and UAT survey answers (1 to 5), each drawn from this range; a story told
    /// exactly has these two (kickoff and UAT in either order).
    survey: (u8, u8),
    survey_fixed: Option<[u8; 2]>,
    /// Lengths of the meetings of the last 90 days, in minutes.
    meeting_lengths: &'static [u32],
    /// Active users as a share of licence seats.
    utilisation: (f64, f64),
    /// Core feature adoption in percent, and the chance the account reports it.
    core: (f64, f64),
    core_reported: f64,
}

impl Story {
    /// The story of `archetype`; a sparse account has none to tell (next to no data).
    fn of(archetype: Archetype) -> Option<Story> {
        Some(match archetype {
            Archetype::Sparse => return None,
            // In touch every week or two, nothing open or breached, happy users, QBRs on
            // time, every milestone met, the renewal on schedule, seats well used.
            Archetype::Healthy => Story {
                exact: false,
                gap: (1, 13),
                cases: [(0, 0), (0, 0), (0, 0)],
                csat: (4, 5),
                csat_fixed: None,
                qbr: Qbr::Recent(10, 88),
                milestones: Milestones::AllMet,
                renewal: RenewalPace::OnSchedule,
                survey: (4, 5),
                survey_fixed: None,
                meeting_lengths: &[45, 60, 90],
                utilisation: (0.76, 0.98),
                core: (70.0, 100.0),
                core_reported: 0.9,
            },
            // Silent for seven weeks or more, open High cases breaching their SLA, unhappy
            // answers, no QBR, milestones missed, the renewal stalled, seats unused.
            Archetype::AtRisk => Story {
                exact: false,
                gap: (47, 120),
                cases: [(1, 2), (1, 2), (0, 2)],
                csat: (1, 2),
                csat_fixed: None,
                qbr: Qbr::Skipped,
                milestones: Milestones::MostlyMissed,
                renewal: RenewalPace::Stalled,
                survey: (1, 2),
                survey_fixed: None,
                meeting_lengths: &[15, 15, 30],
                utilisation: (0.05, 0.24),
                core: (0.0, 30.0),
                core_reported: 0.7,
            },
            // Slipping from healthy: three or four weeks since the last contact, one case
            // past its SLA this quarter (closed since), lukewarm answers, the QBR a month
            // late, two of three milestones met, about half the seats in use.
            Archetype::BorderlineHigh => Story {
                exact: true,
                gap: (16, 29),
                cases: [(0, 0), (1, 1), (0, 0)],
                csat: (3, 4),
                csat_fixed: Some([4, 4]),
                qbr: Qbr::Late(93, 118),
                milestones: Milestones::Exactly { due: 3, met: 2 },
                renewal: RenewalPace::OnSchedule,
                survey: (3, 4),
                survey_fixed: Some([4, 3]),
                meeting_lengths: &[30, 45],
                utilisation: (0.42, 0.58),
                core: (40.0, 80.0),
                core_reported: 1.0,
            },
            // Struggling but still talking: five or six weeks since the last contact, an
            // open High case past its SLA, poor answers, no QBR for four months, one of
            // three milestones met, a third of the seats in use.
            Archetype::BorderlineLow => Story {
                exact: true,
                gap: (32, 44),
                cases: [(1, 1), (1, 1), (0, 0)],
                csat: (2, 3),
                csat_fixed: Some([3, 2]),
                qbr: Qbr::Skipped,
                milestones: Milestones::Exactly { due: 3, met: 1 },
                renewal: RenewalPace::OnSchedule,
                survey: (2, 3),
                survey_fixed: Some([3, 2]),
                meeting_lengths: &[15, 30],
                utilisation: (0.30, 0.42),
                core: (15.0, 45.0),
                core_reported: 1.0,
            },
        })
    }
}

/// Draws the facts of `plan`'s story as of `today`; `age` is the days of customer history.
pub(super) fn tell(plan: &mut AccountPlan, today: NaiveDate, age: i64, dice: &mut Dice) {
    let Some(story) = Story::of(plan.archetype) else {
        return;
    };
    let gap = if plan.lifecycle == Lifecycle::Churned {
        (60, 240)
    } else {
        story.gap
    };
    plan.gap = dice.range(gap.0, gap.1).clamp(1, age.max(1));
    plan.cases = if age >= 2 {
        let [open_high, breaches, escalations] = story.cases.map(|(lo, hi)| dice.count(lo, hi));
        CaseSignals {
            open_high,
            breaches,
            escalations,
        }
    } else {
        CaseSignals::default()
    };
    plan.csat = csat_answers(&story, plan, age, dice);
    plan.qbr_last = last_qbr(story.qbr, plan, age, dice);
    plan.milestones = milestones(&story, plan, today, dice);
    plan.renewal_stage = renewal(story.renewal, plan, today, dice);
    surveys(&story, plan, age, dice);
    plan.meetings = meetings(&story, plan, today, dice);
    adoption(&story, plan, dice);
}

/// One answer on a 1-to-5 scale, drawn from `range`.
fn answer(range: (u8, u8), dice: &mut Dice) -> u8 {
    u8::try_from(dice.range(i64::from(range.0), i64::from(range.1))).unwrap_or(range.0)
}

/// CSAT answers of recently closed cases: a handful, more for larger accounts.
fn csat_answers(story: &Story, plan: &AccountPlan, age: i64, dice: &mut Dice) -> Vec<u8> {
    if let Some([a, b]) = story.csat_fixed {
        let mut answers = vec![a, b, answer(story.csat, dice)];
        dice.shuffle(&mut answers);
        return answers;
    }
    let mature = plan.lifecycle != Lifecycle::Onboarding;
    if age < 3 || (mature && dice.chance(0.08)) {
        return Vec::new();
    }
    let n = match plan.tier {
        Tier::Strategic => dice.count(5, 8),
        Tier::Enterprise => dice.count(3, 6),
        Tier::MidMarket => dice.count(2, 4),
        Tier::TechTouch => dice.count(1, 2),
    };
    (0..n).map(|_| answer(story.csat, dice)).collect()
}

/// Days since the last QBR, or `None` when there was none. A QBR is contact too, so it is
/// never more recent than the last contact.
fn last_qbr(qbr: Qbr, plan: &AccountPlan, age: i64, dice: &mut Dice) -> Option<i64> {
    let gap = plan.gap;
    let pick = |dice: &mut Dice, lo: i64, hi: i64| (lo <= hi).then(|| dice.range(lo, hi));
    match qbr {
        // A young account holds its first review within its first weeks.
        Qbr::Recent(lo, hi) => pick(dice, gap.max(lo), age.min(hi)).or(Some(gap)),
        Qbr::Late(lo, hi) => pick(dice, gap.max(lo), age.min(hi)),
        Qbr::Skipped if dice.chance(0.4) => None,
        Qbr::Skipped => pick(dice, gap.max(123), age.min(330)),
    }
}

/// Milestones due in the last 180 days (before the last contact): met on time or not.
fn milestones(story: &Story, plan: &AccountPlan, today: NaiveDate, dice: &mut Dice) -> Vec<bool> {
    let window = days_between(
        shift(today, -179).max(plan.history_start),
        shift(today, -plan.gap),
    );
    if window < 0 || (!story.exact && plan.lifecycle == Lifecycle::Mature && dice.chance(0.1)) {
        return Vec::new();
    }
    let due = match (plan.lifecycle, plan.tier) {
        (Lifecycle::Onboarding, _) => dice.count(2, 4),
        (_, Tier::Strategic) => dice.count(4, 6),
        (_, Tier::Enterprise) => dice.count(3, 4),
        (_, Tier::MidMarket) => dice.count(2, 3),
        (_, Tier::TechTouch) => dice.count(1, 2),
    };
    let (due, met) = match story.milestones {
        Milestones::AllMet => (due, due),
        Milestones::Exactly { due, met } => (due, met),
        Milestones::MostlyMissed => (due, dice.count(0, due / 3)),
    };
    let mut flags: Vec<bool> = (0..due).map(|i| i < met).collect();
    dice.shuffle(&mut flags);
    flags
}

/// The renewal of the active contract, when it ends within 120 days: `Some(None)` when
/// nobody opened it yet.
fn renewal(
    pace: RenewalPace,
    plan: &AccountPlan,
    today: NaiveDate,
    dice: &mut Dice,
) -> Option<Option<&'static str>> {
    let current = plan.current().filter(|c| c.status == "Activated")?;
    let days_left = days_between(today, current.end());
    if days_left > 120 {
        return None;
    }
    Some(match pace {
        RenewalPace::OnSchedule => Some(match days_left {
            91.. => "Early Review",
            61..=90 => "Stakeholder Confirmed",
            31..=60 => "Terms Agreed",
            _ => "Closed Won",
        }),
        RenewalPace::Stalled => dice.chance(0.6).then_some("At Risk"),
    })
}

/// Kickoff and UAT survey answers: kickoff once the project is under way, UAT once it has
/// gone live. A story told exactly has both.
fn surveys(story: &Story, plan: &mut AccountPlan, age: i64, dice: &mut Dice) {
    if let Some(mut fixed) = story.survey_fixed {
        dice.shuffle(&mut fixed);
        plan.inputs.kickoff = Some(fixed[0]);
        plan.inputs.uat = Some(fixed[1]);
        return;
    }
    let mature = plan.lifecycle != Lifecycle::Onboarding;
    plan.inputs.kickoff = (age > 10 && dice.chance(if mature { 0.85 } else { 0.9 }))
        .then(|| answer(story.survey, dice));
    plan.inputs.uat = (age > 60 && dice.chance(if mature { 0.75 } else { 0.6 }))
        .then(|| answer(story.survey, dice));
}

/// The lengths of the meetings of the last 90 days (before the last contact).
fn meetings(story: &Story, plan: &AccountPlan, today: NaiveDate, dice: &mut Dice) -> Vec<u32> {
    let window = days_between(
        shift(today, -89).max(plan.history_start),
        shift(today, -plan.gap),
    );
    if window < 0 || (!story.exact && plan.lifecycle == Lifecycle::Mature && dice.chance(0.1)) {
        return Vec::new();
    }
    let n = match plan.tier {
        _ if story.exact => dice.count(2, 4),
        Tier::Strategic => dice.count(5, 8),
        Tier::Enterprise => dice.count(3, 6),
        Tier::MidMarket => dice.count(2, 4),
        Tier::TechTouch => dice.count(1, 3),
    };
    (0..n).map(|_| dice.pick(story.meeting_lengths)).collect()
}

/// Seats, active users and core feature adoption. A healthy account sometimes outgrows its
/// licence (more active users than seats): the expansion opportunity's story.
fn adoption(story: &Story, plan: &mut AccountPlan, dice: &mut Dice) {
    let (lo, hi) = story.utilisation;
    // Enough seats that some whole number of active users falls in the story's share; a
    // story told exactly needs a dozen or more, or one user more or less would move it.
    let fewest = whole((1.0 / (hi - lo)).ceil()).max(if story.exact { 12 } else { 3 });
    let seats = seats_for(plan.arr, plan.tier, dice).max(fewest);
    let seats_f = f64::from(seats);
    let active = if plan.archetype == Archetype::Healthy && dice.chance(0.3) {
        whole(seats_f * dice.between(1.01, 1.2)).max(seats + 1)
    } else {
        dice.count(whole((seats_f * lo).ceil()), whole((seats_f * hi).floor()))
    };
    plan.inputs.seats = Some(seats);
    plan.inputs.active = Some(active);
    plan.inputs.core = dice
        .chance(story.core_reported)
        .then(|| (dice.between(story.core.0, story.core.1) * 10.0).round() / 10.0);
}

fn seats_for(arr: f64, tier: Tier, dice: &mut Dice) -> u32 {
    let price = match tier {
        Tier::Strategic => dice.between(350.0, 700.0),
        Tier::Enterprise => dice.between(450.0, 900.0),
        Tier::MidMarket => dice.between(500.0, 1000.0),
        Tier::TechTouch => dice.between(600.0, 1200.0),
    };
    whole(arr / price)
}
