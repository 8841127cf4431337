//! The as-of view of an account's records: what was known at the scoring instant.
//!
//! Scoring the same snapshot at an earlier instant (backfill) must not see the future, so
//! this module owns two rules, and every measure reads records only through it:
//!
//! - **Records dated after `as_of` do not exist.** A case or opportunity created after it,
//!   a task created after it, an event that starts after it, a contract that starts after
//!   it: skipped everywhere.
//! - **Facts dated after `as_of` are not known yet.** A case closed after `as_of` reads as
//!   open (no closed date, no CSAT); a task completed after it reads as open (no
//!   completion time); a milestone completed after it reads as not completed; an
//!   opportunity that closed after it reads as open, not won, with no stage and no churn
//!   reason: its stage on the scoring date is unknown (Vitals reads no stage history), so a
//!   renewal that went Closed Won later never counts as closed then.
//!
//! **When an opportunity closed.** A closed opportunity's `CloseDate` is the day it closed
//! only when that day is not after the day its record was read
//! (`AccountSnapshot::read_at`, by default the scoring instant): an org sets `CloseDate` to
//! today when an opportunity goes Closed Won with a future `CloseDate`, but keeps a future
//! date on one closed lost, or one whose date was edited on closing. So a closed
//! opportunity reads as closed after `as_of` only when its `CloseDate` lies after `as_of`
//! and not after the reading; in a live run (read at `as_of`) a closed renewal is closed
//! whatever its `CloseDate`. A `CloseDate` after the reading says nothing about when it
//! closed, and the opportunity is read as it stands, like the undated fields below.
//!
//! Planned dates (a due date, an open opportunity's close date, a contract end) are read as
//! they are. Account fields are read as they stand now: Salesforce keeps no history of
//! them.
//!
//! **Account fields have no history.** The account's own values (seats, active users,
//! core feature adoption, surveys, sentiment, invoices, the last product activity when it
//! lies after `as_of`) are today's. When the scoring date is before the day the records
//! were read ([`AsOf::is_past`], i.e. backfill), the account measures (`value`, `ratio`,
//! `picklist`, and a `recency` source on an account date) score "no data" and say the value
//! on that day is not known ([`AsOf::unknown_account_value`]), rather than score today's
//! value as if it were then. Profiles still choose by today's ARR and type.
//!
//! **Limitation: related records' fields without a date are read as they stand now.**
//! Nothing Vitals reads says when a case's `Priority`, `IsEscalated` or `SLA_Breached__c`
//! changed, nor which stage an open opportunity was at on an earlier day, so backfill reads
//! today's values for the records that existed then: a case escalated after `as_of` counts
//! as escalated at `as_of`, and an open renewal's current stage is taken as its stage then.
//! A live run (`as_of` = now) is not affected. This module never scores anything.

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::fields::{FieldAccess, FieldValue};
use crate::domain::{
    Account, AccountSnapshot, Case, Contract, Event, ObjectKind, Opportunity, SfId, Task,
};

/// The scoring instant and its calendar date (UTC), and the day the records were read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AsOf {
    /// The instant.
    pub instant: DateTime<Utc>,
    /// Its date.
    pub date: NaiveDate,
    /// The day the records were read, never before `date`: only a `CloseDate` up to this
    /// day can be the day an opportunity closed.
    pub read_on: NaiveDate,
}

impl AsOf {
    /// The scoring instant of records read at that instant (a live run).
    pub(crate) fn new(instant: DateTime<Utc>) -> Self {
        Self {
            instant,
            date: instant.date_naive(),
            read_on: instant.date_naive(),
        }
    }

    /// The scoring instant of records read at `read_at` (`None`: at the scoring instant).
    pub(crate) fn read_at(self, read_at: Option<DateTime<Utc>>) -> Self {
        let read_on = read_at.map_or(self.date, |t| t.date_naive().max(self.date));
        Self { read_on, ..self }
    }

    /// Whether the scoring date lies before the day the records were read (backfill): the
    /// account's undated values (seats, active users, surveys, sentiment, ARR, ...) are
    /// then today's, and what they were on the scoring date is not known.
    pub(crate) fn is_past(&self) -> bool {
        self.read_on > self.date
    }

    /// Why an undated account field cannot be read as of a past scoring date, or `None`
    /// when it can (a live run: the records were read on the scoring date).
    pub(crate) fn unknown_account_value(&self, what: &str) -> Option<String> {
        self.is_past().then(|| {
            format!(
                "{what} on {} is not known: Salesforce keeps no history of account fields, and today's value is not used",
                self.date
            )
        })
    }

    /// Whether a field value lies after the scoring instant.
    fn is_future(&self, value: &FieldValue<'_>) -> bool {
        match value {
            FieldValue::Date(d) => *d > self.date,
            FieldValue::DateTime(t) => *t > self.instant,
            _ => false,
        }
    }
}

/// One record of any kind, read through the as-of rules.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Rec<'a> {
    Account(&'a Account),
    Contract(&'a Contract),
    Case(&'a Case),
    Opportunity(&'a Opportunity),
    Event(&'a Event),
    Task(&'a Task),
}

impl<'a> Rec<'a> {
    /// The record's Id.
    pub(crate) fn id(&self) -> SfId {
        match self {
            Rec::Account(r) => r.id,
            Rec::Contract(r) => r.id,
            Rec::Case(r) => r.id,
            Rec::Opportunity(r) => r.id,
            Rec::Event(r) => r.id,
            Rec::Task(r) => r.id,
        }
    }

    /// Reads a catalogue field as known at `at`. Names outside the catalogue read as null
    /// (the model was checked against the catalogue, so that does not happen).
    pub(crate) fn read(&self, name: &str, at: &AsOf) -> FieldValue<'a> {
        let raw = match self {
            Rec::Account(r) => r.field(name),
            Rec::Contract(r) => r.field(name),
            Rec::Case(r) => r.field(name),
            Rec::Opportunity(r) => r.field(name),
            Rec::Event(r) => r.field(name),
            Rec::Task(r) => r.field(name),
        }
        .unwrap_or(FieldValue::Null);
        match self {
            Rec::Case(case) => {
                let closed_later = case.closed_date.is_some_and(|t| t > at.instant);
                match name {
                    "is_closed" if closed_later => FieldValue::Bool(false),
                    "closed_date" | "csat_score" if closed_later => FieldValue::Null,
                    _ => raw,
                }
            }
            Rec::Task(task) => {
                let completed_later = task.completed_at.is_some_and(|t| t > at.instant);
                match name {
                    "is_closed" if completed_later => FieldValue::Bool(false),
                    "completed_at" if completed_later => FieldValue::Null,
                    "milestone_completed_on" if at.is_future(&raw) => FieldValue::Null,
                    _ => raw,
                }
            }
            Rec::Event(_) if name == "milestone_completed_on" && at.is_future(&raw) => {
                FieldValue::Null
            }
            Rec::Opportunity(opp) if closed_after(opp, at) => match name {
                "is_closed" | "is_won" => FieldValue::Bool(false),
                "stage_name" | "churn_reason" => FieldValue::Null,
                _ => raw,
            },
            _ => raw,
        }
    }

    /// Whether the record existed at `at`.
    fn exists(&self, at: &AsOf) -> bool {
        match self {
            Rec::Account(_) => true,
            Rec::Contract(r) => r.start_date.is_none_or(|d| d <= at.date),
            Rec::Case(r) => r.created_date <= at.instant,
            Rec::Opportunity(r) => r.created_date.is_none_or(|t| t <= at.instant),
            Rec::Event(r) => match (r.start, r.activity_date) {
                (Some(start), _) => start <= at.instant,
                (None, Some(date)) => date <= at.date,
                (None, None) => true,
            },
            Rec::Task(r) => r.created_date.is_none_or(|t| t <= at.instant),
        }
    }
}

/// The fields the as-of rules above read on every record of `object` that a measure
/// visits, besides the fields the measure names: the Id (evidence), what dates a record's
/// existence, and what says a fact came later. `Model::fields_used` adds them, so a replica
/// holding only a model's fields scores exactly like the full records.
pub(crate) fn rule_fields(object: ObjectKind) -> &'static [&'static str] {
    match object {
        ObjectKind::Account => &["id"],
        ObjectKind::Contract => &["id", "start_date"],
        ObjectKind::Case => &["id", "created_date", "closed_date"],
        ObjectKind::Opportunity => &["id", "created_date", "is_closed", "close_date"],
        ObjectKind::Event => &["id", "start", "activity_date"],
        ObjectKind::Task => &["id", "created_date", "completed_at"],
    }
}

/// Whether an opportunity closed after the scoring date: it is closed now and its
/// `CloseDate`, the day it closed, lies after `as_of`. Until then it was open, at a stage
/// Vitals cannot know. A `CloseDate` after the day the records were read cannot be the day
/// it closed (see the module docs), so it never makes a closed opportunity open.
pub(crate) fn closed_after(opportunity: &Opportunity, at: &AsOf) -> bool {
    opportunity.is_closed
        && opportunity.close_date > at.date
        && opportunity.close_date <= at.read_on
}

/// Calls `f` with every record of `object` in the snapshot that existed at `at`.
pub(crate) fn each<'a>(
    snapshot: &'a AccountSnapshot,
    object: ObjectKind,
    at: &AsOf,
    mut f: impl FnMut(Rec<'a>),
) {
    let mut visit = |rec: Rec<'a>| {
        if rec.exists(at) {
            f(rec);
        }
    };
    match object {
        ObjectKind::Account => visit(Rec::Account(&snapshot.account)),
        ObjectKind::Contract => snapshot
            .contracts
            .iter()
            .for_each(|r| visit(Rec::Contract(r))),
        ObjectKind::Case => snapshot.cases.iter().for_each(|r| visit(Rec::Case(r))),
        ObjectKind::Opportunity => snapshot
            .opportunities
            .iter()
            .for_each(|r| visit(Rec::Opportunity(r))),
        ObjectKind::Event => snapshot.events.iter().for_each(|r| visit(Rec::Event(r))),
        ObjectKind::Task => snapshot.tasks.iter().for_each(|r| visit(Rec::Task(r))),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::domain::test_records;

    fn at(y: i32, m: u32, d: u32) -> AsOf {
        AsOf::new(Utc.with_ymd_and_hms(y, m, d, 12, 0, 0).unwrap())
    }

    #[test]
    fn a_case_closed_after_as_of_reads_as_open() {
        let case = test_records::case(); // closed 2026-10-03 12:00 with CSAT 4
        let before = at(2026, 10, 2);
        let rec = Rec::Case(&case);
        assert_eq!(rec.read("is_closed", &before), FieldValue::Bool(false));
        assert_eq!(rec.read("csat_score", &before), FieldValue::Null);
        let after = at(2026, 10, 4);
        assert_eq!(rec.read("is_closed", &after), FieldValue::Bool(true));
        assert_eq!(rec.read("csat_score", &after), FieldValue::Number(4.0));
    }

    #[test]
    fn an_opportunity_closed_after_as_of_reads_as_open_at_an_unknown_stage() {
        let mut opp = test_records::opportunity();
        opp.stage_name = "Closed Won".into();
        opp.is_closed = true;
        opp.is_won = true;
        opp.close_date = NaiveDate::from_ymd_opt(2026, 8, 15).unwrap();
        let rec = Rec::Opportunity(&opp);
        // Backfill: scored on 2026-06-29 from records read on 2026-09-01.
        let read = Utc.with_ymd_and_hms(2026, 9, 1, 6, 0, 0).unwrap();
        let before = at(2026, 6, 29).read_at(Some(read));
        assert_eq!(rec.read("is_closed", &before), FieldValue::Bool(false));
        assert_eq!(rec.read("is_won", &before), FieldValue::Bool(false));
        assert_eq!(rec.read("stage_name", &before), FieldValue::Null);
        let on_the_day = at(2026, 8, 15);
        assert_eq!(rec.read("is_closed", &on_the_day), FieldValue::Bool(true));
        assert_eq!(
            rec.read("stage_name", &on_the_day),
            FieldValue::Text("Closed Won")
        );
        // Read on the scoring date (a live run), or before the CloseDate, the opportunity
        // is closed: a CloseDate after the reading is not the day it closed.
        for read in [
            None,
            Some(Utc.with_ymd_and_hms(2026, 8, 14, 6, 0, 0).unwrap()),
        ] {
            let live = at(2026, 6, 29).read_at(read);
            assert_eq!(rec.read("is_closed", &live), FieldValue::Bool(true));
            assert_eq!(
                rec.read("stage_name", &live),
                FieldValue::Text("Closed Won")
            );
        }
        // An open opportunity's close date is a plan: its stage is read as it is.
        let open = test_records::opportunity();
        assert_eq!(
            Rec::Opportunity(&open).read("stage_name", &before),
            FieldValue::Text("Early Review")
        );
    }

    #[test]
    fn account_values_are_unknown_before_the_day_they_were_read() {
        let live = at(2026, 10, 2);
        assert!(!live.is_past());
        assert_eq!(live.unknown_account_value("seats"), None);
        let read = Utc.with_ymd_and_hms(2026, 12, 1, 6, 0, 0).unwrap();
        let backfill = at(2026, 10, 31).read_at(Some(read));
        assert!(backfill.is_past());
        assert_eq!(
            backfill.unknown_account_value("seats").as_deref(),
            Some(
                "seats on 2026-10-31 is not known: Salesforce keeps no history of account fields, and today's value is not used"
            )
        );
        // Read later the same day: still that day's values.
        let same_day = Utc.with_ymd_and_hms(2026, 10, 31, 23, 0, 0).unwrap();
        assert!(!at(2026, 10, 31).read_at(Some(same_day)).is_past());
    }

    #[test]
    fn records_created_after_as_of_are_skipped() {
        let mut snapshot = AccountSnapshot::new(test_records::account());
        snapshot.cases.push(test_records::case()); // created 2026-10-01 12:00
        snapshot.events.push(test_records::event()); // starts 2026-10-15 15:00
        let mut seen = 0;
        each(&snapshot, ObjectKind::Case, &at(2026, 9, 30), |_| seen += 1);
        each(&snapshot, ObjectKind::Event, &at(2026, 10, 15), |_| {
            seen += 1
        });
        assert_eq!(seen, 0);
        each(&snapshot, ObjectKind::Case, &at(2026, 10, 1), |_| seen += 1);
        each(&snapshot, ObjectKind::Event, &at(2026, 10, 16), |_| {
            seen += 1
        });
        assert_eq!(seen, 2);
    }
}
