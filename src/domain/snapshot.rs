//! An account together with its related records: the unit that scoring works on.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::id::SfId;
use super::records::{Account, Case, Contract, Event, HistoryRecord, Opportunity, Task};

/// Everything Vitals knows about one account at one moment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountSnapshot {
    /// The account.
    pub account: Account,
    /// Its contracts.
    pub contracts: Vec<Contract>,
    /// Its cases.
    pub cases: Vec<Case>,
    /// Its opportunities.
    pub opportunities: Vec<Opportunity>,
    /// Its events.
    pub events: Vec<Event>,
    /// Its tasks.
    pub tasks: Vec<Task>,
    /// Its health history, oldest period first.
    pub history: Vec<HistoryRecord>,
    /// When these records were read from the org. `None` means at the scoring instant, as
    /// in a live run; backfill, which scores earlier instants from records read later,
    /// must set it. Scoring needs it for one fact only: a closed opportunity's
    /// `CloseDate` is the day it closed only when that day is not after the reading (see
    /// `scoring::view`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_at: Option<DateTime<Utc>>,
}

impl AccountSnapshot {
    /// A snapshot of an account with no related records.
    pub fn new(account: Account) -> Self {
        Self {
            account,
            contracts: Vec::new(),
            cases: Vec::new(),
            opportunities: Vec::new(),
            events: Vec::new(),
            tasks: Vec::new(),
            history: Vec::new(),
            read_at: None,
        }
    }

    /// Number of related records (not counting the account itself).
    pub fn related_count(&self) -> usize {
        self.contracts.len()
            + self.cases.len()
            + self.opportunities.len()
            + self.events.len()
            + self.tasks.len()
            + self.history.len()
    }
}

/// Related records that could not be attached to an account.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Unattached {
    /// Records whose account field is empty: `(object, record Id)`.
    pub without_account: Vec<(&'static str, SfId)>,
    /// Records whose account is not among the accounts given: `(object, record Id, account Id)`.
    pub unknown_account: Vec<(&'static str, SfId, SfId)>,
}

impl Unattached {
    /// Whether every record found its account.
    pub fn is_empty(&self) -> bool {
        self.without_account.is_empty() && self.unknown_account.is_empty()
    }
}

/// Loose records of every kind, as read from an org or a file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Records {
    /// Accounts.
    pub accounts: Vec<Account>,
    /// Contracts.
    pub contracts: Vec<Contract>,
    /// Cases.
    pub cases: Vec<Case>,
    /// Opportunities.
    pub opportunities: Vec<Opportunity>,
    /// Events.
    pub events: Vec<Event>,
    /// Tasks.
    pub tasks: Vec<Task>,
    /// Health history records.
    pub history: Vec<HistoryRecord>,
}

impl Records {
    /// Groups the records by account. Records that name no account, or an account that is
    /// not present, are returned apart so the caller can report them.
    pub fn into_snapshots(self) -> (BTreeMap<SfId, AccountSnapshot>, Unattached) {
        let mut snapshots: BTreeMap<SfId, AccountSnapshot> = self
            .accounts
            .into_iter()
            .map(|account| (account.id, AccountSnapshot::new(account)))
            .collect();
        let mut unattached = Unattached::default();

        fn attach<R>(
            snapshots: &mut BTreeMap<SfId, AccountSnapshot>,
            unattached: &mut Unattached,
            object: &'static str,
            records: Vec<R>,
            key: impl Fn(&R) -> (SfId, Option<SfId>),
            slot: impl Fn(&mut AccountSnapshot) -> &mut Vec<R>,
        ) {
            for record in records {
                let (id, account) = key(&record);
                match account {
                    None => unattached.without_account.push((object, id)),
                    Some(account) => match snapshots.get_mut(&account) {
                        Some(snapshot) => slot(snapshot).push(record),
                        None => unattached.unknown_account.push((object, id, account)),
                    },
                }
            }
        }

        attach(
            &mut snapshots,
            &mut unattached,
            "Contract",
            self.contracts,
            |r| (r.id, Some(r.account_id)),
            |s| &mut s.contracts,
        );
        attach(
            &mut snapshots,
            &mut unattached,
            "Case",
            self.cases,
            |r| (r.id, r.account_id),
            |s| &mut s.cases,
        );
        attach(
            &mut snapshots,
            &mut unattached,
            "Opportunity",
            self.opportunities,
            |r| (r.id, r.account_id),
            |s| &mut s.opportunities,
        );
        attach(
            &mut snapshots,
            &mut unattached,
            "Event",
            self.events,
            |r| (r.id, r.account_id),
            |s| &mut s.events,
        );
        attach(
            &mut snapshots,
            &mut unattached,
            "Task",
            self.tasks,
            |r| (r.id, r.account_id),
            |s| &mut s.tasks,
        );
        // History records have no Id before they are written; key them by account.
        attach(
            &mut snapshots,
            &mut unattached,
            "Health_Score_History__c",
            self.history,
            |r| (r.id.unwrap_or(r.account_id), Some(r.account_id)),
            |s| &mut s.history,
        );
        for snapshot in snapshots.values_mut() {
            snapshot.history.sort_by_key(|h| h.period);
        }
        (snapshots, unattached)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::test_records;

    #[test]
    fn records_are_grouped_by_account_and_strays_reported() {
        let account = test_records::account();
        let mut other_case = test_records::case();
        other_case.id = SfId::from_parts("500", 99);
        other_case.account_id = Some(SfId::from_parts("001", 99));
        let mut orphan_task = test_records::task();
        orphan_task.account_id = None;
        let records = Records {
            accounts: vec![account.clone()],
            cases: vec![test_records::case(), other_case.clone()],
            tasks: vec![orphan_task.clone()],
            ..Records::default()
        };
        let (snapshots, unattached) = records.into_snapshots();
        assert_eq!(snapshots.len(), 1);
        assert_eq!(snapshots[&account.id].cases.len(), 1);
        assert_eq!(unattached.without_account, vec![("Task", orphan_task.id)]);
        assert_eq!(
            unattached.unknown_account,
            vec![("Case", other_case.id, SfId::from_parts("001", 99))]
        );
    }
}
