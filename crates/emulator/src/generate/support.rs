//! Cases: the support history behind case health and support satisfaction.
//!
//! Owns which cases are open, high priority, breached or escalated, and which closed cases
//! carry a CSAT score. Only the plan's signal cases fall inside the 90-day window with a
//! breach or escalation, and only the plan's survey answers fall inside the 180-day CSAT
//! window, so background history cannot move either score. It never emits `IsClosed` or
//! `CaseNumber`.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

use super::dice::{Dice, at, office_minutes, shift, whole};
use super::names::CASE_SUBJECTS;
use super::plan::Archetype;
use super::stream::{Emitter, GenRecord, Scene};
use super::values::CASE;

struct CaseDraft {
    priority: &'static str,
    status: &'static str,
    escalated: bool,
    breached: bool,
    created: DateTime<Utc>,
    closed: Option<DateTime<Utc>>,
    csat: Option<u8>,
}

/// A day in `from..=to` clamped to start no earlier than `floor`.
fn day_between(
    dice: &mut Dice,
    today: NaiveDate,
    from: i64,
    to: i64,
    floor: NaiveDate,
) -> NaiveDate {
    shift(today, -dice.range(to, from)).max(floor)
}

/// When a case opened on `created` closes: hours to days later, but before today.
fn closing(
    dice: &mut Dice,
    created: DateTime<Utc>,
    today: NaiveDate,
    max_days: i64,
) -> DateTime<Utc> {
    let last = at(shift(today, -1), 23 * 60 + 59);
    let open_for = TimeDelta::minutes(dice.range(4 * 60, max_days * 24 * 60));
    (created + open_for).min(last).max(created)
}

fn closed_priority(dice: &mut Dice) -> &'static str {
    dice.weighted(&[("Low", 3), ("Medium", 5), ("High", 2)])
}

/// Emits the account's cases.
pub(super) fn emit_cases<F: FnMut(GenRecord)>(
    out: &mut Emitter<F>,
    scene: &Scene<'_>,
    dice: &mut Dice,
) {
    let mut drafts = signal_cases(scene, dice);
    add_survey_answers(scene, dice, &mut drafts);
    add_background_cases(scene, dice, &mut drafts);
    for draft in drafts {
        emit_case(out, scene, dice, draft);
    }
}

/// Signal cases: the worst carries every flag (an open critical, escalated and breached).
fn signal_cases(scene: &Scene<'_>, dice: &mut Dice) -> Vec<CaseDraft> {
    let today = scene.today;
    let floor = scene.plan.history_start;
    let signals = scene.plan.cases;
    let mut drafts: Vec<CaseDraft> = Vec::new();
    let signal_count = signals
        .open_high
        .max(signals.breaches)
        .max(signals.escalations);
    for i in 0..signal_count {
        let open_high = i < signals.open_high;
        let breached = i < signals.breaches;
        let escalated = i < signals.escalations;
        let recent = breached || escalated;
        let day = day_between(dice, today, if recent { 85 } else { 120 }, 2, floor);
        let created = at(day, office_minutes(dice));
        drafts.push(if open_high {
            let status = if escalated {
                "Escalated"
            } else if shift(day, 7) >= today {
                "New"
            } else {
                "Working"
            };
            CaseDraft {
                priority: if dice.chance(0.4) { "Critical" } else { "High" },
                status,
                escalated,
                breached,
                created,
                closed: None,
                csat: None,
            }
        } else {
            CaseDraft {
                priority: closed_priority(dice),
                status: "Closed",
                escalated,
                breached,
                created,
                closed: Some(closing(dice, created, today, 10)),
                csat: None,
            }
        });
    }
    drafts
}

/// Survey answers in the last 180 days: closed signal cases first, then quiet cases.
fn add_survey_answers(scene: &Scene<'_>, dice: &mut Dice, drafts: &mut Vec<CaseDraft>) {
    let today = scene.today;
    let floor = scene.plan.history_start;
    let mut answers = scene.plan.csat.iter().copied();
    for draft in drafts.iter_mut().filter(|d| d.closed.is_some()) {
        draft.csat = answers.next();
    }
    for score in answers {
        let day = day_between(dice, today, 170, 2, floor);
        let created = at(day, office_minutes(dice));
        drafts.push(CaseDraft {
            priority: closed_priority(dice),
            status: "Closed",
            escalated: false,
            breached: false,
            created,
            closed: Some(closing(dice, created, today, 5)),
            csat: Some(score),
        });
    }
}

/// Background: older closed cases (flags allowed, long outside every window), recent
/// closed cases whose survey went unanswered, and a few open low-priority ones.
fn add_background_cases(scene: &Scene<'_>, dice: &mut Dice, drafts: &mut Vec<CaseDraft>) {
    add_older_cases(scene, dice, drafts);
    let plan = scene.plan;
    let (today, floor) = (scene.today, plan.history_start);
    if shift(today, -3) >= floor {
        for _ in 0..whole(f64::from(dice.count(1, 3)) * plan.volume) {
            let day = day_between(dice, today, 170, 3, floor);
            let created = at(day, office_minutes(dice));
            drafts.push(CaseDraft {
                priority: closed_priority(dice),
                status: "Closed",
                escalated: false,
                breached: false,
                created,
                closed: Some(closing(dice, created, today, 5)),
                csat: None,
            });
        }
    }
    add_open_cases(scene, dice, drafts);
}

/// Closed cases 200 to 365 days old: flags and survey scores as the archetype has them.
fn add_older_cases(scene: &Scene<'_>, dice: &mut Dice, drafts: &mut Vec<CaseDraft>) {
    let plan = scene.plan;
    let (today, floor) = (scene.today, plan.history_start);
    let (older, flag_rate, csat_range): (u32, f64, (i64, i64)) = match plan.archetype {
        Archetype::Sparse => (0, 0.0, (3, 5)),
        Archetype::Healthy => (dice.count(3, 6), 0.05, (4, 5)),
        Archetype::AtRisk => (dice.count(3, 6), 0.25, (1, 4)),
        _ => (dice.count(3, 6), 0.12, (2, 5)),
    };
    if shift(today, -200) < floor {
        return;
    }
    for _ in 0..whole(f64::from(older) * plan.volume) {
        let day = day_between(dice, today, 365, 200, floor);
        let created = at(day, office_minutes(dice));
        drafts.push(CaseDraft {
            priority: closed_priority(dice),
            status: "Closed",
            escalated: dice.chance(flag_rate),
            breached: dice.chance(flag_rate),
            created,
            closed: Some(closing(dice, created, shift(day, 11), 10)),
            csat: dice
                .chance(0.7)
                .then(|| u8::try_from(dice.range(csat_range.0, csat_range.1)).unwrap_or(3)),
        });
    }
}

/// A few open low-priority cases, more for an account at risk.
fn add_open_cases(scene: &Scene<'_>, dice: &mut Dice, drafts: &mut Vec<CaseDraft>) {
    let plan = scene.plan;
    let (today, floor) = (scene.today, plan.history_start);
    let open = match plan.archetype {
        Archetype::AtRisk => dice.count(1, 3),
        Archetype::Sparse => dice.count(0, 2),
        _ => dice.count(0, 1),
    };
    if shift(today, -1) >= floor {
        for _ in 0..open {
            let day = day_between(dice, today, 60, 1, floor);
            drafts.push(CaseDraft {
                priority: dice.weighted(&[("Low", 1), ("Medium", 2)]),
                status: if dice.chance(0.5) { "New" } else { "Working" },
                escalated: false,
                breached: false,
                created: at(day, office_minutes(dice)),
                closed: None,
                csat: None,
            });
        }
    }
}

fn emit_case<F: FnMut(GenRecord)>(
    out: &mut Emitter<F>,
    scene: &Scene<'_>,
    dice: &mut Dice,
    draft: CaseDraft,
) {
    let mut r = GenRecord::new(CASE, 15);
    r.reference("AccountId", scene.account);
    r.maybe_reference("ContactId", scene.contact(dice));
    r.text("Subject", dice.pick(CASE_SUBJECTS));
    r.text("Priority", draft.priority);
    r.text("Status", draft.status);
    r.text(
        "Origin",
        dice.weighted(&[("Email", 5), ("Web", 3), ("Phone", 2)]),
    );
    r.text(
        "Type",
        dice.weighted(&[("Problem", 5), ("Question", 3), ("Feature Request", 2)]),
    );
    r.flag("IsEscalated", draft.escalated);
    r.flag("SLA_Breached__c", draft.breached);
    if let Some(score) = draft.csat {
        r.number("CSAT_Score__c", f64::from(score));
    }
    let modified = match draft.closed {
        Some(closed) => {
            r.instant("ClosedDate", closed);
            closed
        }
        None => draft.created.max(at(shift(scene.today, -1), 6 * 60)),
    };
    r.audit(draft.created, modified);
    out.emit(r);
}
