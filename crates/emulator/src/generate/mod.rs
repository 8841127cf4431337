//! A deterministic generator of a realistic customer-success org for the emulator.
//!
//! [`generate`] streams records (Salesforce API names and values) to a sink, parents first:
//! all Users, then for each account its Account, Contacts, Contracts, Opportunities, Cases,
//! Events and Tasks. A [`RecordRef`] names an earlier record by object and ordinal, so every
//! reference points backwards and the emulator can assign Ids as records arrive. Nothing is
//! collected: memory stays flat however many accounts are asked for.
//!
//! **Determinism.** The same [`GenerateSpec`] gives a byte-identical stream on every
//! platform: randomness is ChaCha8 seeded per account from `(seed, index)` with sampling
//! written in `dice.rs`, and every date is relative to `spec.now`, never the wall clock.
//! Only genuinely future items (contract ends, open opportunities, scheduled meetings and
//! milestones, open tasks) are dated after `now`; everything in the past is dated before the
//! start of `now`'s day.
//!
//! **Story.** Each account is dealt an [`Archetype`] in shuffled blocks of 20 (45 % healthy,
//! 25 % at risk, 10 % near 70, 10 % near 40, 10 % sparse) and its records are planned to land
//! at an intended `csm-nine` score under the generator's own reading of the model
//! (`reading.rs`): open high-priority cases, SLA breaches, escalations and CSAT; activity
//! recency; QBR cadence; milestones met, late or overdue; renewal stage against days left;
//! surveys; meeting length; seats against active users.
//!
//! **What is never emitted.** Fields the emulator derives: `Id`, `IsDeleted`,
//! `SystemModstamp`, `CreatedById`, `LastModifiedById`; `Account.LastActivityDate`;
//! `Contract.EndDate` (StartDate + ContractTerm months − 1 day, see [`contract_end`]),
//! `ContractNumber`, `StatusCode`; `Opportunity.IsClosed`, `IsWon`, `Probability`,
//! `ForecastCategoryName`, `RecordTypeId` (the record type comes as
//! [`GenValue::RecordType`]); `Case.IsClosed`, `CaseNumber`; `Event.AccountId`,
//! `ActivityDateTime`, and the times of all-day events; `Task.AccountId`, `IsClosed`
//! (activities carry `WhatId` = the account instead). Nor anything Vitals writes: health
//! fields, `Playbook__c`, `Vitals_Key__c`, `Renewal_Risk__c`, history records. The lists are
//! [`values::DERIVED_FIELDS`] and [`values::VITALS_OWNED_FIELDS`].
//!
//! **What is emitted besides writable fields.** The audit values a seeded org would have:
//! `CreatedDate` (backdated) and `LastModifiedDate` on every record, `Case.ClosedDate` on
//! closed cases, `Task.CompletedDateTime` on completed tasks, and `Event.ActivityDate` on
//! timed events (the UTC date of `StartDateTime`). A field whose value is empty is left out
//! rather than sent as [`GenValue::Null`].
//!
//! This module never performs I/O and never uses `crate::salesforce`: the emulator must not
//! share wire types with the client.

mod account;
mod activity;
mod archetype;
mod commercial;
mod dice;
mod names;
mod plan;
mod reading;
mod support;
pub mod values;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};

pub use archetype::{ARCHETYPE_BLOCK, Archetype, Lifecycle, Tier};
pub use dice::contract_end;

use plan::{AccountPlan, Context};
use values::{OBJECTS, USER};

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenerateSpec {
    /// Number of customer accounts.
    pub accounts: u32,
    /// Seed of every random choice.
    pub seed: u64,
    /// The instant the org is generated "as of"; all dates are relative to it.
    pub now: DateTime<Utc>,
}

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
    fn new(object: &'static str, capacity: usize) -> Self {
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

    fn text(&mut self, field: &'static str, value: impl Into<String>) {
        self.fields.push((field, GenValue::Text(value.into())));
    }

    fn number(&mut self, field: &'static str, value: f64) {
        self.fields.push((field, GenValue::Number(value)));
    }

    fn flag(&mut self, field: &'static str, value: bool) {
        self.fields.push((field, GenValue::Bool(value)));
    }

    fn date(&mut self, field: &'static str, value: NaiveDate) {
        self.fields.push((field, GenValue::Date(value)));
    }

    fn instant(&mut self, field: &'static str, value: DateTime<Utc>) {
        self.fields.push((field, GenValue::DateTime(value)));
    }

    fn reference(&mut self, field: &'static str, value: RecordRef) {
        self.fields.push((field, GenValue::Ref(value)));
    }

    fn maybe_reference(&mut self, field: &'static str, value: Option<RecordRef>) {
        if let Some(value) = value {
            self.reference(field, value);
        }
    }

    /// `CreatedDate` and `LastModifiedDate`.
    fn audit(&mut self, created: DateTime<Utc>, modified: DateTime<Utc>) {
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

    fn record_account(&mut self, plan: &AccountPlan) {
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
struct Emitter<F> {
    sink: F,
    summary: Summary,
    counts: [u64; OBJECTS.len()],
}

impl<F: FnMut(GenRecord)> Emitter<F> {
    fn slot(object: &str) -> usize {
        OBJECTS
            .iter()
            .position(|o| *o == object)
            .unwrap_or(OBJECTS.len() - 1)
    }

    /// The ordinal the next record of `object` will get.
    fn next(&self, object: &'static str) -> RecordRef {
        RecordRef {
            object,
            ordinal: self.counts.get(Self::slot(object)).copied().unwrap_or(0),
        }
    }

    fn emit(&mut self, record: GenRecord) -> RecordRef {
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
struct Scene<'a> {
    plan: &'a AccountPlan,
    today: NaiveDate,
    account: RecordRef,
    owner: RecordRef,
    account_name: String,
    /// Ordinal of the account's first contact and how many it has.
    contacts: (u64, u64),
}

impl Scene<'_> {
    /// One of the account's contacts, if it has any.
    fn contact(&self, dice: &mut dice::Dice) -> Option<RecordRef> {
        let (first, count) = self.contacts;
        (count > 0).then(|| RecordRef {
            object: values::CONTACT,
            ordinal: first + dice.below(count),
        })
    }
}

/// Streams the records of `spec` to `sink`, parents first.
pub fn generate(spec: &GenerateSpec, sink: impl FnMut(GenRecord)) {
    run(spec, sink, |_| {});
}

/// Streams like [`generate`] and returns the counts.
pub fn generate_with_summary(spec: &GenerateSpec, sink: impl FnMut(GenRecord)) -> Summary {
    run(spec, sink, |_| {})
}

/// The counts of what [`generate`] would stream for `spec`. It runs the generator with a
/// sink that drops every record, so it costs as much time (not memory) as a generation.
pub fn summary(spec: &GenerateSpec) -> Summary {
    run(spec, |_| {}, |_| {})
}

/// Number of CSM users: a handful, growing slowly with the book.
fn csm_count(accounts: u32) -> u32 {
    accounts.div_ceil(40).clamp(3, 8)
}

fn run(
    spec: &GenerateSpec,
    sink: impl FnMut(GenRecord),
    mut on_plan: impl FnMut(&AccountPlan),
) -> Summary {
    let mut out = Emitter {
        sink,
        summary: Summary::default(),
        counts: [0; OBJECTS.len()],
    };
    let today = spec.now.date_naive();
    let ctx = Context {
        seed: spec.seed,
        today,
        csms: csm_count(spec.accounts),
    };
    let csm_refs = account::emit_users(&mut out, &ctx);
    let rotation = dice::Dice::new(spec.seed, 3, 0).below(1 << 32);
    let mut block = (u32::MAX, archetype::archetype_block(spec.seed, 0));
    for index in 0..spec.accounts {
        let block_index = index / ARCHETYPE_BLOCK;
        if block.0 != block_index {
            block = (
                block_index,
                archetype::archetype_block(spec.seed, block_index),
            );
        }
        let slot = usize::try_from(index % ARCHETYPE_BLOCK).unwrap_or(0);
        let archetype = block.1.get(slot).copied().unwrap_or(Archetype::Healthy);
        let (plan, mut dice) = plan::plan_account(&ctx, index, archetype);
        on_plan(&plan);
        out.summary.record_account(&plan);
        let owner = csm_refs
            .get(usize::try_from(plan.csm).unwrap_or(0))
            .copied()
            .unwrap_or(RecordRef {
                object: USER,
                ordinal: 0,
            });
        let mut scene = Scene {
            plan: &plan,
            today,
            account: out.next(values::ACCOUNT),
            owner,
            account_name: names::account_name(index, rotation),
            contacts: (0, 0),
        };
        account::emit_account(&mut out, &mut scene, &mut dice);
        let contracts = commercial::emit_contracts(&mut out, &scene, &mut dice);
        commercial::emit_opportunities(&mut out, &scene, &contracts, &mut dice);
        support::emit_cases(&mut out, &scene, &mut dice);
        activity::emit_events(&mut out, &scene, &mut dice);
        activity::emit_tasks(&mut out, &scene, &mut dice);
    }
    out.summary
}
