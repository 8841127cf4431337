//! What the record builders are told about one account: who it is (archetype, tier,
//! lifecycle, contracts, its own fields) and the facts (gaps, counts, stages) its related
//! records must realise to tell its archetype's story.
//!
//! Plain data: [`super::cast`] and [`super::story`] fill it in, the builders read it. It
//! computes nothing, emits nothing and never reads the clock.

use chrono::NaiveDate;

pub(super) use super::archetype::{Archetype, Lifecycle, Tier};
use super::dice::contract_end;

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
