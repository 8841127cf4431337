//! The stream the generator emits and what its builders share: a generated record and its
//! values, references to earlier records, the running counts ([`Summary`]), the emitter
//! that numbers records as they pass to the sink, and the scene of one account.
//!
//! It holds and counts; it never decides what a record says.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};

use super::archetype::{Archetype, Lifecycle, Tier};
use super::dice;
use super::plan::AccountPlan;
use super::values::{self, OBJECTS, USER};

/// A reference to an earlier generated record: the n-th record (0-based) of `object`, in
/// emission order. The emulator assigns Ids as records arrive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecordRef {
    /// Object API name, e.g. `Account`.
    pub object: &'static str,
    /// 0-based position among the records of `object`.
    pub ordinal: u64,
}

/// A field value.
#[derive(Debug, Clone, PartialEq)]
pub enum GenValue {
    /// An explicitly empty field (the generator omits empty fields instead; kept for sinks).
    Null,
    /// Text, picklist values, e-mail addresses, phone numbers.
    Text(String),
    /// Numbers, currency, percentages (0..=100) and integers.
    Number(f64),
    /// A checkbox.
    Bool(bool),
    /// A date.
    Date(NaiveDate),
    /// An instant.
    DateTime(DateTime<Utc>),
    /// A lookup to an earlier record.
    Ref(RecordRef),
    /// A record type by developer name, e.g. `"Renewal"`.
    RecordType(&'static str),
}

/// One generated record: its object and its fields by Salesforce API name.
#[derive(Debug, Clone, PartialEq)]
pub struct GenRecord {
    /// Object API name.
    pub object: &'static str,
    /// Fields in a stable order, e.g. `("ARR__c", Number(120000.0))`.
    pub fields: Vec<(&'static str, GenValue)>,
}

impl GenRecord {
    /// An empty record of `object` with room for `capacity` fields.
    pub(super) fn new(object: &'static str, capacity: usize) -> Self {
        Self {
            object,
            fields: Vec::with_capacity(capacity),
        }
    }

    /// The value of a field, if emitted.
    pub fn get(&self, field: &str) -> Option<&GenValue> {
        self.fields
            .iter()
            .find(|(name, _)| *name == field)
            .map(|(_, value)| value)
    }

    pub(super) fn text(&mut self, field: &'static str, value: impl Into<String>) {
        self.fields.push((field, GenValue::Text(value.into())));
    }

    pub(super) fn number(&mut self, field: &'static str, value: f64) {
        self.fields.push((field, GenValue::Number(value)));
    }

    pub(super) fn flag(&mut self, field: &'static str, value: bool) {
        self.fields.push((field, GenValue::Bool(value)));
    }

    pub(super) fn date(&mut self, field: &'static str, value: NaiveDate) {
        self.fields.push((field, GenValue::Date(value)));
    }

    pub(super) fn instant(&mut self, field: &'static str, value: DateTime<Utc>) {
        self.fields.push((field, GenValue::DateTime(value)));
    }

    pub(super) fn reference(&mut self, field: &'static str, value: RecordRef) {
        self.fields.push((field, GenValue::Ref(value)));
    }

    pub(super) fn maybe_reference(&mut self, field: &'static str, value: Option<RecordRef>) {
        if let Some(value) = value {
            self.reference(field, value);
        }
    }

    /// `CreatedDate` and `LastModifiedDate`.
    pub(super) fn audit(&mut self, created: DateTime<Utc>, modified: DateTime<Utc>) {
        self.instant("CreatedDate", created);
        self.instant("LastModifiedDate", modified.max(created));
    }
}

/// Counts of what a spec generates.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Records per object API name.
    pub records: BTreeMap<&'static str, u64>,
    /// Accounts per [`Archetype::name`].
    pub archetypes: BTreeMap<&'static str, u64>,
    /// Accounts per [`Lifecycle::name`].
    pub lifecycles: BTreeMap<&'static str, u64>,
    /// Accounts per [`Tier::name`].
    pub tiers: BTreeMap<&'static str, u64>,
}

impl Summary {
    /// Records of all objects.
    pub fn total_records(&self) -> u64 {
        self.records.values().sum()
    }

    /// Records of one object.
    pub fn count(&self, object: &str) -> u64 {
        self.records.get(object).copied().unwrap_or(0)
    }

    /// Mean number of records related to an account (everything but Users and Accounts).
    pub fn related_per_account(&self) -> f64 {
        let accounts = self.count(values::ACCOUNT);
        let related = self.total_records() - accounts - self.count(USER);
        if accounts == 0 {
            0.0
        } else {
            // Counts stay far below 2^53, so both conversions are exact.
            related as f64 / accounts as f64
        }
    }

    pub(super) fn record_account(&mut self, plan: &AccountPlan) {
        *self.archetypes.entry(plan.archetype.name()).or_default() += 1;
        *self.lifecycles.entry(plan.lifecycle.name()).or_default() += 1;
        *self.tiers.entry(plan.tier.name()).or_default() += 1;
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let accounts = self.count(values::ACCOUNT).max(1);
        // Counts stay far below 2^53, so the conversions are exact.
        let share = |n: u64| n as f64 * 100.0 / accounts as f64;
        writeln!(
            f,
            "{} records, {:.1} related per account",
            self.total_records(),
            self.related_per_account()
        )?;
        for object in OBJECTS {
            writeln!(f, "  {object:<12} {:>10}", self.count(object))?;
        }
        let groups: [(&str, Vec<&'static str>, &BTreeMap<&'static str, u64>); 3] = [
            (
                "archetype",
                Archetype::ALL.iter().map(|a| a.name()).collect(),
                &self.archetypes,
            ),
            (
                "lifecycle",
                Lifecycle::ALL.iter().map(|l| l.name()).collect(),
                &self.lifecycles,
            ),
            (
                "tier",
                Tier::ALL.iter().map(|t| t.name()).collect(),
                &self.tiers,
            ),
        ];
        for (label, names, counts) in groups {
            write!(f, "  {label}:")?;
            for name in names {
                let n = counts.get(name).copied().unwrap_or(0);
                write!(f, " {name} {n} ({:.1}%)", share(n))?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

/// Counts records per object as they pass to the sink, so each can be referred to.
pub(super) struct Emitter<F> {
    pub(super) sink: F,
    pub(super) summary: Summary,
    pub(super) counts: [u64; OBJECTS.len()],
}

impl<F: FnMut(GenRecord)> Emitter<F> {
    fn slot(object: &str) -> usize {
        OBJECTS
            .iter()
            .position(|o| *o == object)
            .unwrap_or(OBJECTS.len() - 1)
    }

    /// The ordinal the next record of `object` will get.
    pub(super) fn next(&self, object: &'static str) -> RecordRef {
        RecordRef {
            object,
            ordinal: self.counts.get(Self::slot(object)).copied().unwrap_or(0),
        }
    }

    pub(super) fn emit(&mut self, record: GenRecord) -> RecordRef {
        let reference = self.next(record.object);
        if let Some(count) = self.counts.get_mut(Self::slot(record.object)) {
            *count += 1;
        }
        *self.summary.records.entry(record.object).or_default() += 1;
        (self.sink)(record);
        reference
    }
}

/// The references every builder of one account needs.
pub(super) struct Scene<'a> {
    pub(super) plan: &'a AccountPlan,
    pub(super) today: NaiveDate,
    pub(super) account: RecordRef,
    pub(super) owner: RecordRef,
    pub(super) account_name: String,
    /// Ordinal of the account's first contact and how many it has.
    pub(super) contacts: (u64, u64),
}

impl Scene<'_> {
    /// One of the account's contacts, if it has any.
    pub(super) fn contact(&self, dice: &mut dice::Dice) -> Option<RecordRef> {
        let (first, count) = self.contacts;
        (count > 0).then(|| RecordRef {
            object: values::CONTACT,
            ordinal: first + dice.below(count),
        })
    }
}
