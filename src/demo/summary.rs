//! What the demo tells a CS leader: the accounts per health status, the ARR at risk, the
//! ten most at-risk accounts with their top reasons, what was written to the org, the API
//! calls against the minimum, and the wall time.
//!
//! The portfolio figures ([`Portfolio`]) are read from the replica after the read-back
//! cycle, so they are the health fields the org's Accounts hold, the same values the
//! console lists and the org's own reports would count. **ARR at risk** is the sum of
//! `ARR__c` over the accounts whose `Health_Status__c` is At Risk (the console's
//! definition too); accounts without an ARR add nothing. The **most at-risk** accounts are
//! the At Risk ones with the lowest health score (ties: larger ARR first, then name), and
//! their reasons are the category lines of the drivers text the org holds.

use std::fmt::Write as _;

use serde::Serialize;

use crate::domain::{Account, HealthStatus, SfId, WriteKind};
use crate::scoring::cost_lines;
use crate::store::{Store, StoreError};
use crate::sync::{RunReport, outcome_words};

/// How many accounts the summary lists by name.
pub const MOST_AT_RISK: usize = 10;
/// How many reasons it gives for each.
const REASONS: usize = 2;

/// The statuses in the order a leader reads them, and the label of an account the org
/// holds no (or an unknown) status for.
const STATUSES: [&str; 5] = [
    "Healthy",
    "Monitor",
    "At Risk",
    "Insufficient Data",
    NOT_SCORED,
];
const NOT_SCORED: &str = "Not scored";

/// Accounts and ARR of one health status.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatusCount {
    /// `Health_Status__c` as the org holds it, or "Not scored".
    pub status: &'static str,
    /// Accounts with that status.
    pub accounts: u64,
    /// Their ARR.
    pub arr: f64,
}

/// One of the most at-risk accounts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AtRiskAccount {
    /// The account's Id.
    pub id: SfId,
    /// Its name.
    pub name: String,
    /// Its owner's name, when the org has one.
    pub owner: Option<String>,
    /// Its ARR.
    pub arr: Option<f64>,
    /// Its health score.
    pub score: Option<f64>,
    /// The categories that cost it the most points, each with its reason.
    pub reasons: Vec<String>,
}

/// The portfolio as the org's Account health fields hold it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Portfolio {
    /// Accounts in the replica.
    pub accounts: u64,
    /// Accounts and ARR per status, in [`STATUSES`] order, every status listed.
    pub statuses: Vec<StatusCount>,
    /// ARR of every account.
    pub arr_total: f64,
    /// The ARR of the At Risk accounts.
    pub arr_at_risk: f64,
    /// The At Risk accounts with the lowest scores, at most [`MOST_AT_RISK`].
    pub most_at_risk: Vec<AtRiskAccount>,
}

impl Portfolio {
    /// Reads every account of the replica (one scan, no related records).
    ///
    /// # Errors
    /// [`StoreError`] when the replica cannot be read.
    pub fn read(store: &Store) -> Result<Portfolio, StoreError> {
        let mut portfolio = Portfolio {
            accounts: 0,
            statuses: STATUSES
                .iter()
                .map(|status| StatusCount {
                    status,
                    accounts: 0,
                    arr: 0.0,
                })
                .collect(),
            arr_total: 0.0,
            arr_at_risk: 0.0,
            most_at_risk: Vec::new(),
        };
        let mut at_risk: Vec<Account> = Vec::new();
        store.each_account(&mut |account| {
            portfolio.add(&account);
            if account.health.status == Some(HealthStatus::AtRisk) {
                at_risk.push(account);
            }
            Ok(())
        })?;
        portfolio.most_at_risk = most_at_risk(at_risk);
        Ok(portfolio)
    }

    fn add(&mut self, account: &Account) {
        let arr = account.arr.unwrap_or(0.0);
        let label = match &account.health.status {
            Some(HealthStatus::Other(_)) | None => NOT_SCORED,
            Some(status) => STATUSES
                .iter()
                .copied()
                .find(|s| *s == status.as_api())
                .unwrap_or(NOT_SCORED),
        };
        if let Some(count) = self.statuses.iter_mut().find(|c| c.status == label) {
            count.accounts += 1;
            count.arr += arr;
        }
        self.accounts += 1;
        self.arr_total += arr;
        if account.health.status == Some(HealthStatus::AtRisk) {
            self.arr_at_risk += arr;
        }
    }

    /// Accounts with this status label.
    pub fn count(&self, status: &str) -> u64 {
        self.statuses
            .iter()
            .find(|c| c.status == status)
            .map_or(0, |c| c.accounts)
    }
}

/// The At Risk accounts by lowest score (no score last), then larger ARR, then name.
fn most_at_risk(mut accounts: Vec<Account>) -> Vec<AtRiskAccount> {
    accounts.sort_by(|a, b| {
        let score = |x: &Account| x.health.score.unwrap_or(f64::INFINITY);
        score(a)
            .total_cmp(&score(b))
            .then_with(|| b.arr.unwrap_or(0.0).total_cmp(&a.arr.unwrap_or(0.0)))
            .then_with(|| a.name.cmp(&b.name))
            .then_with(|| a.id.cmp(&b.id))
    });
    accounts
        .into_iter()
        .take(MOST_AT_RISK)
        .map(|account| AtRiskAccount {
            reasons: account
                .health
                .drivers
                .as_deref()
                .map(|text| cost_lines(text).take(REASONS).map(str::to_owned).collect())
                .unwrap_or_default(),
            id: account.id,
            name: account.name,
            owner: account.owner_name,
            arr: account.arr,
            score: account.health.score,
        })
        .collect()
}

/// Everything the demo prints, as values (the test compares them with the org).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DemoSummary {
    /// Accounts the generator was asked for.
    pub accounts_generated: u32,
    /// Its seed.
    pub seed: u64,
    /// The org's health fields after the sync.
    pub portfolio: Portfolio,
    /// The full sync.
    pub full: RunReport,
    /// The cycle that read the full sync's writes back.
    pub read_back: RunReport,
    /// The fewest calls the full sync could have made with the APIs it chose.
    pub minimum_calls: u64,
    /// From starting the emulator to the end of the read-back, in seconds.
    pub wall_seconds: f64,
}

impl DemoSummary {
    /// Records of a kind the full sync wrote (the org confirmed them).
    pub fn written(&self, kind: WriteKind) -> u64 {
        self.full.written.get(&kind).copied().unwrap_or(0)
    }

    /// The summary as the command prints it.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "Vitals demo: {} generated accounts (seed {}) in the built-in Salesforce emulator; one full sync, {}.",
            self.accounts_generated,
            self.seed,
            outcome_words(self.full.outcome)
        );
        self.render_statuses(&mut out);
        self.render_most_at_risk(&mut out);
        self.render_writes(&mut out);
        self.render_api(&mut out);
        let _ = writeln!(
            out,
            "\nWall time: {:.1} s (generating the org, the full sync, reading its writes back).",
            self.wall_seconds
        );
        out
    }

    fn render_statuses(&self, out: &mut String) {
        let p = &self.portfolio;
        let _ = writeln!(
            out,
            "\nAccounts by health status (as the org's Account health fields now hold it)"
        );
        for count in &p.statuses {
            if count.status == NOT_SCORED && count.accounts == 0 {
                continue;
            }
            let _ = writeln!(
                out,
                "  {:<18} {:>7} accounts  {:>5.1} %   ARR {:>15}",
                count.status,
                count.accounts,
                percent(count.accounts as f64, p.accounts as f64),
                whole(count.arr)
            );
        }
        let _ = writeln!(out, "  {:<18} {:>7} accounts", "Total", p.accounts);
        let _ = writeln!(
            out,
            "\nARR at risk: {} ({:.1} % of {} ARR). ARR at risk is the sum of ARR__c over the {} accounts whose health status is At Risk.",
            whole(p.arr_at_risk),
            percent(p.arr_at_risk, p.arr_total),
            whole(p.arr_total),
            p.count("At Risk")
        );
    }

    fn render_most_at_risk(&self, out: &mut String) {
        let list = &self.portfolio.most_at_risk;
        if list.is_empty() {
            let _ = writeln!(out, "\nNo account is At Risk.");
            return;
        }
        let _ = writeln!(
            out,
            "\nThe {} most at-risk accounts (At Risk, lowest health score first), with the categories that cost them most",
            list.len()
        );
        for (n, account) in list.iter().enumerate() {
            let _ = writeln!(
                out,
                "  {:>2}. {} ({})  score {}  ARR {}  owner {}",
                n + 1,
                account.name,
                account.id,
                account
                    .score
                    .map_or_else(|| "-".to_owned(), |s| format!("{s:.1}")),
                account.arr.map_or_else(|| "-".to_owned(), whole),
                account.owner.as_deref().unwrap_or("none")
            );
            for reason in &account.reasons {
                let _ = writeln!(out, "        {reason}");
            }
        }
    }

    fn render_writes(&self, out: &mut String) {
        let _ = writeln!(out, "\nWritten to the org by the full sync");
        for (kind, what) in [
            (
                WriteKind::AccountHealth,
                "accounts with health fields updated",
            ),
            (WriteKind::History, "health history records"),
            (WriteKind::Renewal, "renewal opportunities created"),
            (WriteKind::RenewalRisk, "renewal risk flags updated"),
            (WriteKind::PlaybookTask, "playbook tasks created for CSMs"),
        ] {
            let _ = writeln!(out, "  {:>7}  {what}", self.written(kind));
        }
        let failures = &self.full.failures;
        if failures.total > 0 {
            let _ = writeln!(out, "  {:>7}  writes the org refused:", failures.total);
            for failure in failures.items.iter().take(MOST_AT_RISK) {
                let _ = writeln!(out, "           {}", failure.line());
            }
        }
        let again: u64 = self.read_back.written.values().sum();
        if again > 0 {
            let _ = writeln!(
                out,
                "  {again:>7}  more written by the read-back cycle (see the console's runs page)"
            );
        }
    }

    fn render_api(&self, out: &mut String) {
        let used = self.full.api.used;
        let bulk: Vec<&str> = self
            .full
            .reads
            .iter()
            .filter(|r| r.bulk)
            .map(|r| crate::salesforce::wire::SObject::from(r.object).api_name())
            .collect();
        let apis = if bulk.is_empty() {
            "REST for every read".to_owned()
        } else {
            format!("Bulk API 2.0 for {}, REST for the rest", bulk.join(", "))
        };
        let _ = writeln!(
            out,
            "\nAPI calls: {used} for the full sync; the minimum for the APIs it chose ({apis}) is {} ({:.2}x). Reading its writes back took {} more.",
            self.minimum_calls,
            if self.minimum_calls == 0 {
                0.0
            } else {
                used as f64 / self.minimum_calls as f64
            },
            self.read_back.api.used
        );
    }
}

fn percent(part: f64, whole: f64) -> f64 {
    if whole > 0.0 {
        part * 100.0 / whole
    } else {
        0.0
    }
}

/// A whole amount with thousands separators: `12,345,678`.
fn whole(value: f64) -> String {
    let rounded = value.round();
    let digits = format!("{:.0}", rounded.abs());
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    if rounded < 0.0 {
        format!("-{grouped}")
    } else {
        grouped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_whole_with_thousands_separators() {
        assert_eq!(whole(0.0), "0");
        assert_eq!(whole(999.4), "999");
        assert_eq!(whole(1_000.0), "1,000");
        assert_eq!(whole(12_345_678.5), "12,345,679");
        assert_eq!(whole(-1_234.0), "-1,234");
    }

    #[test]
    fn a_share_of_nothing_is_zero() {
        assert_eq!(percent(5.0, 0.0), 0.0);
        assert_eq!(percent(1.0, 4.0), 25.0);
    }
}
