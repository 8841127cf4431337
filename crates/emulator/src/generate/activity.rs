//! Events and Tasks: QBRs, milestones, meetings, all-day events, calls and e-mails.
//!
//! Owns the timing that recency, business reviews, milestones and meeting depth read. The
//! account's last past activity is always a completed task exactly `gap` days ago; every
//! other past-dated activity is older, and future-dated ones exist only for engaged accounts,
//! so no reading of "last activity" sees anything else. Meetings within the last 90 days and
//! milestones due within the last 180 come only from the plan. It never emits `AccountId`
//! (activities point at the account through `WhatId`), `IsClosed` or `Playbook__c`.

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};

use super::dice::{Dice, at, days_between, office_minutes, shift, whole};
use super::names::{ALL_DAY_SUBJECTS, CALL_SUBJECTS, EMAIL_SUBJECTS, MEETING_SUBJECTS, MILESTONES};
use super::plan::{Archetype, Tier};
use super::stream::{Emitter, GenRecord, Scene};
use super::values::{EVENT, TASK};

enum Timing {
    Timed { start: DateTime<Utc>, minutes: u32 },
    AllDay(NaiveDate),
}

impl Timing {
    fn day(&self) -> NaiveDate {
        match self {
            Timing::Timed { start, .. } => start.date_naive(),
            Timing::AllDay(day) => *day,
        }
    }
}

fn timed(dice: &mut Dice, day: NaiveDate, minutes: u32) -> Timing {
    // Starts by 19:45 so even a 90-minute meeting ends the same day.
    let start = at(day, 13 * 60 + 15 * dice.range(0, 27));
    Timing::Timed { start, minutes }
}

/// A uniform day in `[from, to]` (both inclusive; `to` when the range is empty).
fn day_in(dice: &mut Dice, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    shift(to, -dice.range(0, days_between(from, to)))
}

fn quarter_subject(day: NaiveDate) -> String {
    format!("Q{} {} Business Review", day.month0() / 3 + 1, day.year())
}

/// The day of the account's last touch and the start of the past year it is kept within.
fn last_touch_and_year_ago(scene: &Scene<'_>) -> (NaiveDate, NaiveDate) {
    let plan = scene.plan;
    let last_touch = shift(scene.today, -plan.gap);
    let year_ago = shift(scene.today, -365).max(plan.history_start);
    (last_touch, year_ago)
}

/// Emits QBRs, milestones, meetings and all-day events.
pub(super) fn emit_events<F: FnMut(GenRecord)>(
    out: &mut Emitter<F>,
    scene: &Scene<'_>,
    dice: &mut Dice,
) {
    if scene.plan.archetype == Archetype::Sparse {
        return;
    }
    let (last_touch, year_ago) = last_touch_and_year_ago(scene);
    let mut events = Events {
        out,
        scene,
        dice,
        today: scene.today,
        last_touch,
        year_ago,
    };
    events.qbrs();
    events.planned_milestones();
    events.other_milestones();
    events.planned_meetings();
    events.other_meetings();
}

/// An account's events as they are emitted, with the days their timing is read against.
struct Events<'e, 's, F: FnMut(GenRecord)> {
    out: &'e mut Emitter<F>,
    scene: &'e Scene<'s>,
    dice: &'e mut Dice,
    today: NaiveDate,
    last_touch: NaiveDate,
    year_ago: NaiveDate,
}

impl<F: FnMut(GenRecord)> Events<'_, '_, F> {
    fn emit(
        &mut self,
        kind: &'static str,
        subject: String,
        timing: Timing,
        completed_on: Option<NaiveDate>,
    ) {
        let (scene, dice) = (self.scene, &mut *self.dice);
        let today = self.today;
        let yesterday = shift(today, -1);
        let day = timing.day();
        let mut r = GenRecord::new(EVENT, 14);
        r.reference("WhatId", scene.account);
        r.maybe_reference("WhoId", scene.contact(dice));
        r.reference("OwnerId", scene.owner);
        r.text("Subject", subject);
        r.text("Type", kind);
        match timing {
            Timing::Timed { start, minutes } => {
                r.instant("StartDateTime", start);
                r.instant(
                    "EndDateTime",
                    start + TimeDelta::minutes(i64::from(minutes)),
                );
                r.number("DurationInMinutes", f64::from(minutes));
                r.date("ActivityDate", day);
                r.flag("IsAllDayEvent", false);
            }
            Timing::AllDay(day) => {
                r.date("ActivityDate", day);
                r.flag("IsAllDayEvent", true);
            }
        }
        if let Some(done) = completed_on {
            r.date("Milestone_Completed_On__c", done);
        }
        let created_day = if day < today {
            shift(day, -dice.range(3, 30))
        } else {
            shift(today, -dice.range(1, 20))
        }
        .max(scene.plan.created)
        .min(yesterday);
        let created = at(created_day, office_minutes(dice));
        let modified_day = completed_on.unwrap_or(day).min(yesterday);
        r.audit(created, at(modified_day, 23 * 60));
        self.out.emit(r);
    }

    fn milestone(&mut self, subject: String, due: NaiveDate, done: Option<NaiveDate>) {
        self.emit("Milestone", subject, Timing::AllDay(due), done);
    }

    fn meeting(&mut self, day: NaiveDate, minutes: u32) {
        let timing = timed(self.dice, day, minutes);
        let subject = self.dice.pick(MEETING_SUBJECTS).to_owned();
        self.emit("Meeting", subject, timing, None);
    }

    fn all_day(&mut self, day: NaiveDate) {
        let subject = self.dice.pick(ALL_DAY_SUBJECTS).to_owned();
        self.emit("Other", subject, Timing::AllDay(day), None);
    }

    /// QBRs: a quarterly cadence for healthy big accounts, twice a year otherwise.
    fn qbrs(&mut self) {
        let plan = self.scene.plan;
        let today = self.today;
        let top = plan.tier.is_top();
        let Some(days) = plan.qbr_last else {
            return;
        };
        let last = shift(today, -days);
        let step = if top && plan.archetype == Archetype::Healthy {
            self.dice.range(84, 98)
        } else {
            self.dice.range(150, 200)
        };
        let mut day = last;
        let mut held = 0;
        while day >= self.year_ago && held < 4 {
            let minutes = self.dice.pick(&[60, 90]);
            let timing = timed(self.dice, day, minutes);
            self.emit("QBR", quarter_subject(day), timing, None);
            held += 1;
            day = shift(day, -step);
        }
        let engaged = matches!(
            plan.archetype,
            Archetype::Healthy | Archetype::BorderlineHigh
        );
        if plan.future_ok() && top && engaged {
            let next = shift(last, step).max(shift(today, 7));
            let timing = timed(self.dice, next, 60);
            self.emit("QBR", quarter_subject(next), timing, None);
        }
    }

    /// Milestones due in the last 180 days, met or missed as planned.
    fn planned_milestones(&mut self) {
        let plan = self.scene.plan;
        let window_start = shift(self.today, -179).max(plan.history_start);
        let yesterday = shift(self.today, -1);
        for (i, on_time) in plan.milestones.iter().enumerate() {
            let due = day_in(self.dice, window_start, self.last_touch);
            let done = if *on_time {
                Some(shift(due, -self.dice.range(0, 7)).max(plan.history_start.min(due)))
            } else if shift(due, 1) <= yesterday && self.dice.chance(0.6) {
                Some(shift(due, self.dice.range(1, 30)).min(yesterday))
            } else {
                None
            };
            let name = MILESTONES
                .get(i % MILESTONES.len())
                .copied()
                .unwrap_or("Milestone");
            self.milestone(format!("Milestone: {name}"), due, done);
        }
    }

    /// Older milestones (met) and upcoming ones (open).
    fn other_milestones(&mut self) {
        let plan = self.scene.plan;
        let year_ago = self.year_ago;
        let older_end = shift(self.today, -181).min(self.last_touch);
        if older_end >= year_ago && plan.volume > 0.0 {
            for _ in 0..self.dice.count(0, 2) {
                let due = day_in(self.dice, year_ago, older_end);
                let done = shift(due, -self.dice.range(-5, 5))
                    .max(year_ago)
                    .min(older_end);
                let subject = format!("Milestone: {}", self.dice.pick(MILESTONES));
                self.milestone(subject, due, Some(done));
            }
        }
        if plan.future_ok() {
            for _ in 0..self.dice.count(0, 2) {
                let due = shift(self.today, self.dice.range(5, 120));
                let subject = format!("Milestone: {}", self.dice.pick(MILESTONES));
                self.milestone(subject, due, None);
            }
        }
    }

    /// Meetings in the last 90 days: exactly the planned ones.
    fn planned_meetings(&mut self) {
        let plan = self.scene.plan;
        let recent_start = shift(self.today, -89).max(plan.history_start);
        for minutes in &plan.meetings {
            let day = day_in(self.dice, recent_start, self.last_touch);
            self.meeting(day, *minutes);
        }
    }

    /// Older meetings, all-day events outside the 90-day window, and scheduled ones.
    fn other_meetings(&mut self) {
        let plan = self.scene.plan;
        let year_ago = self.year_ago;
        let older_end = shift(self.today, -91).min(self.last_touch);
        if older_end >= year_ago {
            let count = whole(f64::from(self.dice.count(5, 11)) * plan.volume);
            for _ in 0..count {
                let day = day_in(self.dice, year_ago, older_end);
                let minutes = self
                    .dice
                    .weighted(&[(15, 1), (30, 4), (45, 3), (60, 3), (90, 1)]);
                self.meeting(day, minutes);
            }
            if plan.tier != Tier::TechTouch && self.dice.chance(0.3) {
                let day = day_in(self.dice, year_ago, older_end);
                self.all_day(day);
            }
        }
        if plan.future_ok() {
            for _ in 0..self.dice.count(0, 3) {
                let day = shift(self.today, self.dice.range(1, 30));
                let minutes = self.dice.pick(&[30, 45, 60]);
                self.meeting(day, minutes);
            }
            if plan.tier != Tier::TechTouch && self.dice.chance(0.2) {
                let day = shift(self.today, self.dice.range(10, 90));
                self.all_day(day);
            }
        }
    }
}

struct TaskDraft {
    day: NaiveDate,
    status: &'static str,
}

/// Emits calls and e-mails: the last touch, the history before it, overdue and upcoming
/// open tasks.
pub(super) fn emit_tasks<F: FnMut(GenRecord)>(
    out: &mut Emitter<F>,
    scene: &Scene<'_>,
    dice: &mut Dice,
) {
    for draft in task_drafts(scene, dice) {
        emit_task(out, scene, dice, draft);
    }
}

fn task_drafts(scene: &Scene<'_>, dice: &mut Dice) -> Vec<TaskDraft> {
    let plan = scene.plan;
    let today = scene.today;
    let (last_touch, year_ago) = last_touch_and_year_ago(scene);
    let mut drafts = vec![TaskDraft {
        day: last_touch,
        status: "Completed",
    }];
    let history = match plan.archetype {
        Archetype::Sparse => dice.count(1, 4),
        Archetype::AtRisk => whole(f64::from(dice.count(14, 28)) * plan.volume * 0.7),
        _ => whole(f64::from(dice.count(14, 28)) * plan.volume),
    }; // Both products are below 100: exact.
    for _ in 0..history {
        drafts.push(TaskDraft {
            day: day_in(dice, year_ago.min(last_touch), last_touch),
            status: "Completed",
        });
    }
    let overdue = match plan.archetype {
        Archetype::AtRisk => dice.count(2, 4),
        Archetype::BorderlineLow => dice.count(1, 3),
        _ => dice.count(0, 2),
    };
    let overdue_start = shift(today, -120).max(plan.history_start).min(last_touch);
    for _ in 0..overdue {
        drafts.push(TaskDraft {
            day: day_in(dice, overdue_start, last_touch),
            status: if dice.chance(0.75) {
                "Not Started"
            } else {
                "In Progress"
            },
        });
    }
    if plan.future_ok() {
        for _ in 0..dice.count(1, 4) {
            drafts.push(TaskDraft {
                day: shift(today, dice.range(1, 30)),
                status: "Not Started",
            });
        }
    }
    drafts
}

fn emit_task<F: FnMut(GenRecord)>(
    out: &mut Emitter<F>,
    scene: &Scene<'_>,
    dice: &mut Dice,
    draft: TaskDraft,
) {
    let today = scene.today;
    let yesterday = shift(today, -1);
    let high_share = if scene.plan.archetype == Archetype::AtRisk {
        0.35
    } else {
        0.15
    };
    let call = dice.chance(0.55);
    let mut r = GenRecord::new(TASK, 13);
    r.reference("WhatId", scene.account);
    r.maybe_reference("WhoId", scene.contact(dice));
    r.reference("OwnerId", scene.owner);
    r.text(
        "Subject",
        dice.pick(if call { CALL_SUBJECTS } else { EMAIL_SUBJECTS }),
    );
    r.text("Type", if call { "Call" } else { "Email" });
    r.text("Status", draft.status);
    let priority = if dice.chance(high_share) {
        "High"
    } else {
        dice.weighted(&[("Normal", 4), ("Low", 1)])
    };
    r.text("Priority", priority);
    r.date("ActivityDate", draft.day);
    if dice.chance(0.3) {
        r.text(
            "Description",
            "Notes from the conversation are in the shared account plan.",
        );
    }
    let created_day = if draft.day < today {
        shift(draft.day, -dice.range(0, 10))
    } else {
        shift(today, -dice.range(1, 10))
    }
    .max(scene.plan.created)
    .min(yesterday);
    let mut created = at(created_day, office_minutes(dice));
    let modified = if draft.status == "Completed" {
        let done = at(draft.day, office_minutes(dice));
        created = created.min(done);
        r.instant("CompletedDateTime", done);
        done
    } else {
        created
    };
    r.audit(created, modified);
    out.emit(r);
}
