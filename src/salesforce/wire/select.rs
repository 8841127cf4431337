//! What the sync selects from each replicated object, and the SOQL that reads it.
//!
//! A [`SelectList`] holds exactly the fields the scoring model reads
//! ([`FieldsUsed`], from `Model::fields_used`), the fields planning and the decoders need
//! ([`PLANNING_FIELDS`], the category score fields of Account and the history, every history
//! field) and `SystemModstamp`; never `SELECT *`. Its [`SelectList::fingerprint`] changes
//! when the list does, so the state store can tell that an object must be loaded again.
//!
//! Full loads and incremental reads differ in SOQL (salesforce-api.md 3.3):
//! - a full load reads `query` with no filter;
//! - an incremental read uses `queryAll` with `IsDeleted` selected and
//!   `WHERE SystemModstamp >= <watermark − overlap>`, so deletes and merges arrive as rows
//!   with `IsDeleted = true`;
//! - REST reads are ordered `ORDER BY SystemModstamp, Id`, so a page's largest
//!   `SystemModstamp` is a safe watermark; Bulk API 2.0 jobs never get `ORDER BY`, which
//!   disables PK chunking and can make the job time out ("Use of ORDER BY in a Bulk 2.0
//!   query disables PKChunking for the query":
//!   <https://developer.salesforce.com/docs/platform/api-asynch/guide/bulk-api-2-0-troubleshoot-query-timeouts.html>,
//!   and the SOQL considerations of
//!   <https://developer.salesforce.com/docs/platform/api-asynch/guide/queries.html>).
//!
//! Nothing here does I/O.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use super::{Access, DEFAULT_FIELDS, FieldMap, SObject};
use crate::domain::{FieldsUsed, SyncedObject};
use crate::salesforce::soql::{Condition, Literal, Op, Soql};

/// The audit field every incremental read filters and orders on.
pub const SYSTEM_MODSTAMP: &str = "SystemModstamp";

/// The field `queryAll` sets on deleted and merged rows.
pub const IS_DELETED: &str = "IsDeleted";

/// The record Id field, the tie-breaker of the incremental order.
pub const ID: &str = "Id";

/// The fields planning and the decoders need whatever the scoring model, by Vitals name.
/// Scoring fields come from the model; these are the rest:
/// - every record: its Id and its account link (the replica groups by account);
/// - Account: name, owner and the owner's name (renewals and tasks go to the owner; the
///   console shows the name, read through the lookup in the same query), the created date
///   (backfill writes no history for a period before the account existed), ARR (renewal amount, top
///   tiers), seats, active users and survey scores (expansion and escalation playbooks
///   read them directly), and every health field Vitals writes (a value is written only
///   when it differs from the org's);
/// - Contract: status and dates (a renewal is planned from the active contract's end);
/// - Case: the created date (required by the decoder), escalation and closed state
///   (escalation playbook);
/// - Opportunity: everything that tells whether a renewal already exists for a contract
///   and end date, the required name, stage and close date, the Vitals key and the
///   renewal-risk flag (written only when it differs);
/// - Event and Task: the Vitals key and playbook (cool-downs), owner, type, dates and
///   state (engagement and QBR playbooks);
/// - the health history: every field (see [`SelectList::new`]).
pub const PLANNING_FIELDS: &[(SObject, &[&str])] = &[
    (
        SObject::Account,
        &[
            "id",
            "name",
            "owner_id",
            "owner_name",
            // Backfill records no history for a period that ended before the account existed.
            "created_date",
            "arr",
            "license_seats",
            "active_users",
            "kickoff_survey_score",
            "uat_survey_score",
        ],
    ),
    (
        SObject::Contract,
        &["id", "account_id", "status", "start_date", "end_date"],
    ),
    (
        SObject::Case,
        &[
            "id",
            "account_id",
            "created_date",
            "is_escalated",
            "is_closed",
        ],
    ),
    (
        SObject::Opportunity,
        &[
            "id",
            "account_id",
            "owner_id",
            "contract_id",
            "name",
            "stage_name",
            "close_date",
            "opportunity_type",
            "record_type",
            "is_closed",
            "is_won",
            "created_date",
            "vitals_key",
            "renewal_risk",
        ],
    ),
    (
        SObject::Event,
        &[
            "id",
            "account_id",
            "what_id",
            "owner_id",
            "subject",
            "event_type",
            "start",
            "activity_date",
            "vitals_key",
            "playbook",
        ],
    ),
    (
        SObject::Task,
        &[
            "id",
            "account_id",
            "what_id",
            "owner_id",
            "subject",
            "task_type",
            "status",
            "is_closed",
            "activity_date",
            "created_date",
            "completed_at",
            "vitals_key",
            "playbook",
        ],
    ),
    (SObject::HealthHistory, &["id", "account"]),
];

impl From<SyncedObject> for SObject {
    fn from(object: SyncedObject) -> Self {
        match object {
            SyncedObject::Account => SObject::Account,
            SyncedObject::Contract => SObject::Contract,
            SyncedObject::Case => SObject::Case,
            SyncedObject::Opportunity => SObject::Opportunity,
            SyncedObject::Event => SObject::Event,
            SyncedObject::Task => SObject::Task,
            SyncedObject::History => SObject::HealthHistory,
        }
    }
}

impl From<SObject> for SyncedObject {
    fn from(object: SObject) -> Self {
        match object {
            SObject::Account => SyncedObject::Account,
            SObject::Contract => SyncedObject::Contract,
            SObject::Case => SyncedObject::Case,
            SObject::Opportunity => SyncedObject::Opportunity,
            SObject::Event => SyncedObject::Event,
            SObject::Task => SyncedObject::Task,
            SObject::HealthHistory => SyncedObject::History,
        }
    }
}

/// The fields the sync selects from one object, as API names: `Id` first, then the table's
/// order, category score fields, and `SystemModstamp` last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectList {
    object: SyncedObject,
    fields: Vec<String>,
}

impl SelectList {
    /// The select list of `object` for a model that reads `used`, after the `[fields]`
    /// overrides in `map`; `categories` are the model's category keys (their score fields
    /// on Account and the history are read back to compare with what Vitals writes).
    pub fn new(
        object: SyncedObject,
        used: &FieldsUsed,
        map: &FieldMap,
        categories: &[&str],
    ) -> Self {
        let sobject = SObject::from(object);
        let planning: &[&str] = PLANNING_FIELDS
            .iter()
            .find(|(o, _)| *o == sobject)
            .map_or(&[], |(_, names)| names);
        let model: BTreeSet<&str> = object
            .object_kind()
            .map(|kind| used.of(kind).collect())
            .unwrap_or_default();
        let wanted = |field: &super::WireField| {
            planning.contains(&field.name)
                || model.contains(field.name)
                // Health fields Vitals writes are compared with the org's values, and the
                // history is read whole (previous period, backfill, hand edits).
                || (sobject == SObject::Account && field.access == Access::Write)
                || sobject == SObject::HealthHistory
        };
        let mut fields: Vec<String> = vec![map.api(sobject, "id").to_owned()];
        for field in DEFAULT_FIELDS
            .iter()
            .filter(|f| f.object == sobject && f.name != "id")
        {
            if wanted(field) {
                push_unique(&mut fields, map.api(sobject, field.name));
            }
        }
        for category in categories {
            if let Some(api) = map.category_api(sobject, category) {
                push_unique(&mut fields, &api);
            }
        }
        push_unique(&mut fields, SYSTEM_MODSTAMP);
        Self { object, fields }
    }

    /// Select lists of all seven objects, in [`SyncedObject::ALL`] order.
    pub fn all(used: &FieldsUsed, map: &FieldMap, categories: &[&str]) -> Vec<SelectList> {
        SyncedObject::ALL
            .into_iter()
            .map(|object| Self::new(object, used, map, categories))
            .collect()
    }

    /// The object.
    pub fn object(&self) -> SyncedObject {
        self.object
    }

    /// The object's API name.
    pub fn api_object(&self) -> &'static str {
        SObject::from(self.object).api_name()
    }

    /// The API names selected.
    pub fn fields(&self) -> &[String] {
        &self.fields
    }

    /// A stable fingerprint of the list: the same fields, in any order and case, give the
    /// same text; any other list gives another (64-bit FNV-1a over the sorted, lower-cased
    /// names, so it does not depend on the Rust version's hasher).
    pub fn fingerprint(&self) -> String {
        let mut names: Vec<String> = self.fields.iter().map(|f| f.to_ascii_lowercase()).collect();
        names.sort();
        let text = format!("{}:{}", self.object.key(), names.join(","));
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in text.bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        format!("v1-{}-{hash:016x}", names.len())
    }

    /// A full load: every live record. REST pages are ordered by `SystemModstamp, Id`;
    /// a Bulk job is never ordered (see the module docs).
    pub fn full_query(&self, bulk: bool) -> Soql {
        let query = Soql::select(self.api_object(), self.fields.iter().cloned());
        if bulk { query } else { ordered(query) }
    }

    /// An incremental read for `queryAll`: `IsDeleted` selected too, rows with
    /// `SystemModstamp >= since` (the caller subtracts its overlap), REST ordered by
    /// `SystemModstamp, Id` and Bulk never ordered.
    pub fn incremental_query(&self, since: DateTime<Utc>, bulk: bool) -> Soql {
        let fields = self
            .fields
            .iter()
            .cloned()
            .chain(std::iter::once(IS_DELETED.to_owned()));
        let query = Soql::select(self.api_object(), fields).filter(Condition::Compare(
            SYSTEM_MODSTAMP.to_owned(),
            Op::Ge,
            Literal::DateTime(since),
        ));
        if bulk { query } else { ordered(query) }
    }
}

fn ordered(query: Soql) -> Soql {
    query.order_by(SYSTEM_MODSTAMP).order_by(ID)
}

fn push_unique(fields: &mut Vec<String>, api: &str) {
    if !fields.iter().any(|f| f.eq_ignore_ascii_case(api)) {
        fields.push(api.to_owned());
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::domain::ObjectKind;
    use crate::domain::fields::FIELDS;

    fn used(fields: &[(ObjectKind, &str)]) -> FieldsUsed {
        let mut used = FieldsUsed::new();
        for (object, name) in fields {
            assert!(used.insert(*object, name));
        }
        used
    }

    #[test]
    fn every_catalogue_field_has_a_wire_field_of_the_same_name() {
        for def in FIELDS {
            let object = SObject::from(SyncedObject::from(def.object));
            assert!(
                DEFAULT_FIELDS
                    .iter()
                    .any(|f| f.object == object && f.name == def.name),
                "{}.{} has no API name",
                def.object.key(),
                def.name
            );
        }
        for (object, names) in PLANNING_FIELDS {
            for name in *names {
                assert!(
                    DEFAULT_FIELDS
                        .iter()
                        .any(|f| f.object == *object && f.name == *name),
                    "{object:?}.{name}"
                );
            }
        }
    }

    #[test]
    fn a_list_holds_the_model_fields_planning_fields_and_the_modstamp_only() {
        let map = FieldMap::default();
        let used = used(&[
            (ObjectKind::Case, "priority"),
            (ObjectKind::Case, "csat_score"),
        ]);
        let cases = SelectList::new(SyncedObject::Case, &used, &map, &["case_health"]);
        assert_eq!(
            cases.fields(),
            [
                "Id",
                "AccountId",
                "Priority",
                "IsEscalated",
                "IsClosed",
                "CreatedDate",
                "CSAT_Score__c",
                "SystemModstamp"
            ]
        );
        // The decoders' required fields are in whatever the model: an opportunity needs its
        // name, stage and close date, a contract its account.
        let none = FieldsUsed::new();
        let opportunities = SelectList::new(SyncedObject::Opportunity, &none, &map, &[]);
        for field in [
            "Name",
            "StageName",
            "CloseDate",
            "RecordType.DeveloperName",
            "Vitals_Key__c",
        ] {
            assert!(opportunities.fields().iter().any(|f| f == field), "{field}");
        }
        assert!(
            !opportunities
                .fields()
                .iter()
                .any(|f| f == "Churn_Reason__c")
        );
        let contracts = SelectList::new(SyncedObject::Contract, &none, &map, &[]);
        assert!(contracts.fields().iter().any(|f| f == "AccountId"));
        assert!(!contracts.fields().iter().any(|f| f == "ContractTerm"));
    }

    #[test]
    fn account_and_history_carry_every_health_and_category_field() {
        let map = FieldMap::with_overrides([("history.adoption", "Usage_Score__c")], &["adoption"])
            .unwrap();
        let none = FieldsUsed::new();
        let accounts = SelectList::new(SyncedObject::Account, &none, &map, &["adoption"]);
        for field in [
            "Health_Score__c",
            "Health_Drivers__c",
            "Health_Adoption__c",
            "OwnerId",
        ] {
            assert!(accounts.fields().iter().any(|f| f == field), "{field}");
        }
        assert!(
            !accounts
                .fields()
                .iter()
                .any(|f| f == "Invoice_Overdue_Days__c")
        );
        let history = SelectList::new(SyncedObject::History, &none, &map, &["adoption"]);
        for field in [
            "Key__c",
            "Account__c",
            "Period__c",
            "Drivers__c",
            "Usage_Score__c",
        ] {
            assert!(history.fields().iter().any(|f| f == field), "{field}");
        }
        assert_eq!(
            history.fields().last().map(String::as_str),
            Some("SystemModstamp")
        );
    }

    #[test]
    fn the_fingerprint_follows_the_set_of_fields_only() {
        let map = FieldMap::default();
        let a = used(&[
            (ObjectKind::Case, "priority"),
            (ObjectKind::Case, "csat_score"),
        ]);
        let b = used(&[
            (ObjectKind::Case, "csat_score"),
            (ObjectKind::Case, "priority"),
        ]);
        let c = used(&[(ObjectKind::Case, "priority")]);
        let list = |u: &FieldsUsed| SelectList::new(SyncedObject::Case, u, &map, &[]);
        assert_eq!(list(&a).fingerprint(), list(&b).fingerprint());
        assert_ne!(list(&a).fingerprint(), list(&c).fingerprint());
        // Pinned: a fingerprint stored by one Vitals build must match the next one's.
        assert_eq!(list(&c).fingerprint(), list(&c).clone().fingerprint());
        assert!(list(&c).fingerprint().starts_with("v1-7-"));
        let mut upper = list(&c);
        upper.fields = upper.fields.iter().map(|f| f.to_uppercase()).collect();
        assert_eq!(upper.fingerprint(), list(&c).fingerprint());
    }

    #[test]
    fn rest_reads_are_ordered_and_bulk_reads_never_are() {
        let map = FieldMap::default();
        let list = SelectList::new(SyncedObject::Contract, &FieldsUsed::new(), &map, &[]);
        let since = Utc.with_ymd_and_hms(2026, 3, 2, 11, 55, 0).unwrap();
        assert_eq!(
            list.incremental_query(since, false).to_text(),
            "SELECT Id, AccountId, Status, StartDate, EndDate, SystemModstamp, IsDeleted FROM Contract WHERE SystemModstamp >= 2026-03-02T11:55:00.000Z ORDER BY SystemModstamp, Id"
        );
        assert_eq!(
            list.incremental_query(since, true).to_text(),
            "SELECT Id, AccountId, Status, StartDate, EndDate, SystemModstamp, IsDeleted FROM Contract WHERE SystemModstamp >= 2026-03-02T11:55:00.000Z"
        );
        assert_eq!(
            list.full_query(false).to_text(),
            "SELECT Id, AccountId, Status, StartDate, EndDate, SystemModstamp FROM Contract ORDER BY SystemModstamp, Id"
        );
        assert!(!list.full_query(true).to_text().contains("ORDER BY"));
    }
}
