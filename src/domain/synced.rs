//! The objects Vitals replicates from the org, and one record of any of them.
//!
//! The sync reads seven objects: the six a scoring model may read ([`ObjectKind`]) plus the
//! health history, through which Vitals sees the previous period's result, backfilled
//! history and hand deletions. [`SyncedObject`] names them with a stable key that the state
//! store persists, so a key must never change once released. [`DomainRecord`] carries one
//! record of any of them. No I/O, no Salesforce API names.

use serde::{Deserialize, Serialize};

use super::fields::ObjectKind;
use super::id::SfId;
use super::records::{Account, Case, Contract, Event, HistoryRecord, Opportunity, Task};
use super::snapshot::AccountSnapshot;

/// One of the seven objects the sync replicates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncedObject {
    /// Account.
    Account,
    /// Contract.
    Contract,
    /// Case.
    Case,
    /// Opportunity.
    Opportunity,
    /// Event.
    Event,
    /// Task.
    Task,
    /// The health score history object.
    History,
}

impl SyncedObject {
    /// Every replicated object, in a stable order (accounts first).
    pub const ALL: [SyncedObject; 7] = [
        SyncedObject::Account,
        SyncedObject::Contract,
        SyncedObject::Case,
        SyncedObject::Opportunity,
        SyncedObject::Event,
        SyncedObject::Task,
        SyncedObject::History,
    ];

    /// The stable lower-case key, persisted by the state store.
    pub fn key(self) -> &'static str {
        match self {
            SyncedObject::History => "history",
            other => other.object_kind().map_or("history", ObjectKind::key),
        }
    }

    /// Reads a key written by [`SyncedObject::key`].
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|object| object.key() == key)
    }

    /// The object as a scoring model names it; `None` for the history, which models do
    /// not read directly.
    pub fn object_kind(self) -> Option<ObjectKind> {
        match self {
            SyncedObject::Account => Some(ObjectKind::Account),
            SyncedObject::Contract => Some(ObjectKind::Contract),
            SyncedObject::Case => Some(ObjectKind::Case),
            SyncedObject::Opportunity => Some(ObjectKind::Opportunity),
            SyncedObject::Event => Some(ObjectKind::Event),
            SyncedObject::Task => Some(ObjectKind::Task),
            SyncedObject::History => None,
        }
    }
}

impl From<ObjectKind> for SyncedObject {
    fn from(kind: ObjectKind) -> Self {
        match kind {
            ObjectKind::Account => SyncedObject::Account,
            ObjectKind::Contract => SyncedObject::Contract,
            ObjectKind::Case => SyncedObject::Case,
            ObjectKind::Opportunity => SyncedObject::Opportunity,
            ObjectKind::Event => SyncedObject::Event,
            ObjectKind::Task => SyncedObject::Task,
        }
    }
}

/// One record of any replicated object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(
    clippy::large_enum_variant,
    reason = "a record lives only in one page or one snapshot; boxing the account would cost an allocation per account for a few hundred bytes"
)]
pub enum DomainRecord {
    /// An account.
    Account(Account),
    /// A contract.
    Contract(Contract),
    /// A case.
    Case(Case),
    /// An opportunity.
    Opportunity(Opportunity),
    /// An event.
    Event(Event),
    /// A task.
    Task(Task),
    /// A health score history record.
    History(HistoryRecord),
}

impl DomainRecord {
    /// The object the record belongs to.
    pub fn object(&self) -> SyncedObject {
        match self {
            DomainRecord::Account(_) => SyncedObject::Account,
            DomainRecord::Contract(_) => SyncedObject::Contract,
            DomainRecord::Case(_) => SyncedObject::Case,
            DomainRecord::Opportunity(_) => SyncedObject::Opportunity,
            DomainRecord::Event(_) => SyncedObject::Event,
            DomainRecord::Task(_) => SyncedObject::Task,
            DomainRecord::History(_) => SyncedObject::History,
        }
    }

    /// The record Id; `None` only for a history record not yet written to the org.
    pub fn id(&self) -> Option<SfId> {
        match self {
            DomainRecord::Account(r) => Some(r.id),
            DomainRecord::Contract(r) => Some(r.id),
            DomainRecord::Case(r) => Some(r.id),
            DomainRecord::Opportunity(r) => Some(r.id),
            DomainRecord::Event(r) => Some(r.id),
            DomainRecord::Task(r) => Some(r.id),
            DomainRecord::History(r) => r.id,
        }
    }

    /// The account the record belongs to: an account belongs to itself.
    pub fn account_id(&self) -> Option<SfId> {
        match self {
            DomainRecord::Account(r) => Some(r.id),
            DomainRecord::Contract(r) => Some(r.account_id),
            DomainRecord::Case(r) => r.account_id,
            DomainRecord::Opportunity(r) => r.account_id,
            DomainRecord::Event(r) => r.account_id,
            DomainRecord::Task(r) => r.account_id,
            DomainRecord::History(r) => Some(r.account_id),
        }
    }

    /// Adds a related record to the snapshot's list for its object. An account record
    /// replaces the snapshot's account.
    pub fn attach_to(self, snapshot: &mut AccountSnapshot) {
        match self {
            DomainRecord::Account(r) => snapshot.account = r,
            DomainRecord::Contract(r) => snapshot.contracts.push(r),
            DomainRecord::Case(r) => snapshot.cases.push(r),
            DomainRecord::Opportunity(r) => snapshot.opportunities.push(r),
            DomainRecord::Event(r) => snapshot.events.push(r),
            DomainRecord::Task(r) => snapshot.tasks.push(r),
            DomainRecord::History(r) => snapshot.history.push(r),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::test_records;

    #[test]
    fn keys_are_stable_and_round_trip() {
        let keys: Vec<_> = SyncedObject::ALL.iter().map(|o| o.key()).collect();
        assert_eq!(
            keys,
            [
                "account",
                "contract",
                "case",
                "opportunity",
                "event",
                "task",
                "history"
            ]
        );
        for object in SyncedObject::ALL {
            assert_eq!(SyncedObject::from_key(object.key()), Some(object));
        }
        assert_eq!(SyncedObject::from_key("lead"), None);
    }

    #[test]
    fn records_know_their_object_and_account() {
        let account = test_records::account();
        let record = DomainRecord::Account(account.clone());
        assert_eq!(record.object(), SyncedObject::Account);
        assert_eq!(record.account_id(), Some(account.id));
        let mut task = test_records::task();
        task.account_id = None;
        let record = DomainRecord::Task(task.clone());
        assert_eq!(record.id(), Some(task.id));
        assert_eq!(record.account_id(), None);
        assert_eq!(SyncedObject::from(ObjectKind::Case), SyncedObject::Case);
    }
}
