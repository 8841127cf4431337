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
//! 25 % at risk, 10 % near 70, 10 % near 40, 10 % sparse; [`archetype_of`]) and its records
//! tell that archetype's story (`story.rs`) in days, counts and answers: how recently the
//! customer was in touch; open High cases, SLA breaches and escalations; CSAT and project
//! survey answers; the QBR cadence; milestones met or missed; the renewal's stage against
//! the days left; meeting lengths; seats against active users. The generator computes no
//! score: Vitals' scoring engine, on the records read back, decides where the stories land.
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
//! This module never performs I/O and never reads the clock; like the rest of the crate it
//! shares no wire types with any client.

mod account;
mod activity;
mod archetype;
mod cast;
mod commercial;
mod dice;
mod names;
mod plan;
mod story;
mod stream;
mod support;
pub mod values;

#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};

pub use archetype::{ARCHETYPE_BLOCK, Archetype, Lifecycle, Tier};
pub use dice::contract_end;
pub use stream::{GenRecord, GenValue, RecordRef, Summary};

use plan::{AccountPlan, Context};
use stream::{Emitter, Scene};
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

/// The archetype account `index` of an org generated with `seed` is dealt: a pure function
/// of the two, so a test can set each account's story next to what it scores.
pub fn archetype_of(seed: u64, index: u32) -> Archetype {
    let slot = usize::try_from(index % ARCHETYPE_BLOCK).unwrap_or(0);
    archetype::archetype_block(seed, index / ARCHETYPE_BLOCK)
        .get(slot)
        .copied()
        .unwrap_or(Archetype::Healthy)
}

/// The `Name` of account `index` of an org generated with `seed` (names are unique).
pub fn account_name_of(seed: u64, index: u32) -> String {
    names::account_name(index, name_rotation(seed))
}

/// Where in the name pools a seed starts, so orgs of different seeds differ in names.
fn name_rotation(seed: u64) -> u64 {
    dice::Dice::new(seed, 3, 0).below(1 << 32)
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
    let rotation = name_rotation(spec.seed);
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
        let (plan, mut dice) = cast::plan_account(&ctx, index, archetype);
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
