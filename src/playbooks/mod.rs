//! Planning: from an account's snapshot and fresh score to the writes Vitals makes
//! (product-spec section 6), and the eight playbooks.
//!
//! Pure: no I/O, no clock (`as_of` is passed in), no Salesforce API names (fields are
//! Vitals' names; `salesforce::wire` maps them), no state store (the sync converts the
//! store's previous result and key ledger into [`PreviousResult`] and [`KeyRecord`]). It
//! never decides how a write is sent; it must never read or write anything itself.
//!
//! | file | owns |
//! |---|---|
//! | `input.rs` | [`AccountInput`], [`PlanningSettings`], [`PreviousResult`], [`KeyRecord`], [`AccountPlan`], [`Skipped`] |
//! | `plan.rs` | [`plan_account`]: every write for one account, in plan order |
//! | `compare.rs` | wanted value against the org's, at the field's stored precision |
//! | `health.rs` | the Account health fields that differ |
//! | `history.rs` | [`plan_history`]: the period's history record ([`HistoryMode`] for backfill) |
//! | `backfill.rs` | [`plan_backfill`]: one account's records for past periods, oldest first, each the next one's previous |
//! | `renewal.rs` | renewal opportunities and the renewal-risk flag |
//! | `keys.rs` | the external key schemes |
//! | `table.rs` | the playbook table ([`PLAYBOOKS`]) |
//! | `triggers/` | one trigger per playbook |
//! | `tasks.rs` | the task gate (keys, cool-downs, owner) and the task write |
//!
//! # Writes
//!
//! - **Account health** (`AccountHealth`, by Id): only the fields whose value differs from
//!   what the org holds, compared at the stored precision (Number(5,1) to one decimal,
//!   Percent(5,2) coverage to two, text and picklists exactly, empty text as empty);
//!   `health_scored_at` only together with another change. Insufficient Data writes the
//!   status and leaves the overall score and its change empty; categories keep their own
//!   scores where they had data.
//! - **History** (`History`, upsert on `{account18}-{period start}-{model}`): the whole
//!   record when the org has none for the period or holds other values (`calculated_at`
//!   not compared). `backfilled` is false in a live run; backfill calls [`plan_history`]
//!   with [`HistoryMode::Backfill`].
//! - **Renewal** (`Renewal`, upsert on `{contract18}-{end date}`): an Activated contract
//!   ending within `create_days_before_end` days and not ended, with no renewal for it in
//!   the org and no planned or delivered ledger entry for the key, so a renewal a CSM
//!   deleted is never created again. Name `<Account> Renewal <YYYY-MM-DD>`, stage Early
//!   Review, close date the end, amount the ARR (left out when unknown), owner the account
//!   owner (left out without one: the org makes the integration user the owner), record
//!   type and Type Renewal, `health_at_creation` the overall score, `renewal_risk`.
//! - **Renewal risk** (`RenewalRisk`, by Id): on Vitals' open renewals, `renewal_risk` =
//!   the account is At Risk, when it differs. No other field of a renewal is ever written
//!   again.
//! - **Playbook tasks** (`PlaybookTask`, upsert on `{playbook}:{record18}:{date}`): owner
//!   the account owner, related to the account, `playbook`, subject, description (why, then
//!   the checklist, at most 32,000 characters), due date, priority, status Not Started.
//!
//! # Playbooks
//!
//! | playbook | trigger | cool-down | key | due | priority | checklist |
//! |---|---|---|---|---|---|---|
//! | health-review | the status band changed against the status the org shows (both bands: a first score or Insufficient Data is no band change), or the score dropped 10 points or more against the previous period's | 30 days | account, trigger date | 7 days | Normal | Review the health breakdown and what changed since the previous period; Confirm the account plan with the customer's sponsor; Record the next steps on the account |
//! | escalation | became At Risk (from another status the org shows), an open escalated case, or a kickoff or UAT survey of 2 or lower newly flagged (`survey_detractor`, not flagged the period before) | 14 days | account, trigger date | 1 day | High | Notify CS leadership; Assign an escalation owner; Send the customer an update within 24 hours |
//! | renewal-preparation | an Activated contract ends in 0 to 90 days | once per key | contract, end date | 14 days, not after the end | Normal | Health review; Stakeholder confirmed; Scope documented; Commercial terms |
//! | low-engagement | `underutilisation` flagged now and in the previous period's stored result | 30 days | account, trigger date | 14 days | Normal | Review seat utilisation with the customer; Plan enablement for the inactive users; Agree adoption goals and a date to check them |
//! | expansion | seat utilisation above 90 %, or more active users than seats (or a model's `expansion_signal` flag) | 90 days | account, trigger date | 14 days | Normal | Confirm the seat needs with the customer; Discuss additional seats or products; Involve the account executive |
//! | onboarding | a New Business opportunity closed won in the last 30 days | once per key | opportunity, close date | 7 days | Normal | Kickoff; Success plan; First value milestone; Business review date within 60 days |
//! | qbr-cadence | ARR of 100,000 or more (the top two tiers, Strategic and Enterprise) and no customer QBR in the last 90 days | 30 days | account, trigger date | 14 days | Normal | Schedule the QBR with the customer's sponsor and economic buyer; Prepare the review: health, value delivered, roadmap, renewal; Log the QBR as an event of type QBR |
//! | re-engagement | no customer contact in the last 45 days (`no_recent_engagement`; Vitals' own tasks never count) | 30 days | account, trigger date | 7 days | Normal | Contact the customer's main contact; Find out why activity stopped; Log the contact and the next step |
//!
//! A cool-down of N days: no new task while a task of that playbook for the account was
//! planned within N days (the ledger, whether the CSM closed or deleted it since), or is
//! open in the org, or was created there within N days. "Once per key": never again for
//! that contract term or deal. A task the trigger calls for but the gate or a missing
//! owner leaves out is reported in [`AccountPlan::skipped`].
//!
//! qbr-cadence reads the QBR events itself rather than scoring's `qbr_skipped` flag, which
//! fires only after 120 days; the playbook's window is 90.

mod backfill;
mod compare;
mod health;
mod history;
mod input;
mod keys;
mod plan;
mod renewal;
mod table;
mod tasks;
mod triggers;

#[cfg(test)]
mod tests;

pub use backfill::{BackfillPlan, plan_backfill};
pub use history::plan_history;
pub use input::{
    AccountInput, AccountPlan, HistoryMode, KeyRecord, KeyState, PlanningSettings, PreviousResult,
    Skipped,
};
pub use keys::{HISTORY_KEY_MAX, VITALS_KEY_MAX, history_key, renewal_key, task_key};
pub use plan::plan_account;
pub use table::{CoolDown, KeyScheme, PLAYBOOKS, PlaybookSpec, Priority};
pub use tasks::DESCRIPTION_MAX;
pub use triggers::{TaskSpec, TriggerFn};
