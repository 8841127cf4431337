//! The vocabulary the generator may emit: object names, picklist values, text limits, and
//! the fields it must leave to the emulator.
//!
//! These tables sit next to the generator so that a test can hold every emitted record
//! against them, and so that the emulator's schema can be checked against the same lists.
//! They never describe what Vitals itself writes (health fields, `Playbook__c`, history).

/// `User`.
pub const USER: &str = "User";
/// `Account`.
pub const ACCOUNT: &str = "Account";
/// `Contact`.
pub const CONTACT: &str = "Contact";
/// `Contract`.
pub const CONTRACT: &str = "Contract";
/// `Opportunity`.
pub const OPPORTUNITY: &str = "Opportunity";
/// `Case`.
pub const CASE: &str = "Case";
/// `Event`.
pub const EVENT: &str = "Event";
/// `Task`.
pub const TASK: &str = "Task";

/// Every object the generator emits, in emission order (parents first).
pub const OBJECTS: [&str; 8] = [
    USER,
    ACCOUNT,
    CONTACT,
    CONTRACT,
    OPPORTUNITY,
    CASE,
    EVENT,
    TASK,
];

/// Username of the integration user (the API user Vitals runs as); always User ordinal 0.
pub const INTEGRATION_USERNAME: &str = "integration@vitals.example";

/// The record type developer name of renewal opportunities.
pub const RENEWAL_RECORD_TYPE: &str = "Renewal";

/// Stages of the `Renewal` sales process (record type `Renewal`), in order.
pub const RENEWAL_STAGES: &[&str] = &[
    "Early Review",
    "Stakeholder Confirmed",
    "At Risk",
    "Terms Agreed",
    "Closed Won",
    "Closed Lost",
];

/// Stages of the standard sales process (opportunities without a record type).
pub const STANDARD_STAGES: &[&str] = &[
    "Prospecting",
    "Qualification",
    "Needs Analysis",
    "Value Proposition",
    "Id. Decision Makers",
    "Perception Analysis",
    "Proposal/Price Quote",
    "Negotiation/Review",
    "Closed Won",
    "Closed Lost",
];

/// One picklist field and the values the generator may put in it.
#[derive(Debug, Clone, Copy)]
pub struct Picklist {
    /// Object API name.
    pub object: &'static str,
    /// Field API name.
    pub field: &'static str,
    /// Allowed API values.
    pub values: &'static [&'static str],
}

/// Every picklist the generator fills, with the values it may use. Standard values follow
/// Salesforce's defaults; `Critical`, `QBR`, `Milestone` and `Churn_Reason__c` are the
/// product's additions (product-spec section 4). `Opportunity.StageName` is further split by
/// record type ([`RENEWAL_STAGES`], [`STANDARD_STAGES`]).
///
/// Where the generator draws from a list of its own (industries, churn reasons) this table
/// reuses that list instead of copying it: a copy only repeats a mistake (it once allowed a
/// churn reason the package does not define). What guards these values is the org itself:
/// the generated-org test asserts that the emulator's validation refuses no record.
pub const PICKLISTS: &[Picklist] = &[
    Picklist {
        object: ACCOUNT,
        field: "Type",
        values: &["Customer"],
    },
    Picklist {
        object: ACCOUNT,
        field: "Industry",
        values: super::names::INDUSTRIES,
    },
    Picklist {
        object: ACCOUNT,
        field: "CSM_Sentiment__c",
        values: &["Green", "Yellow", "Red"],
    },
    Picklist {
        object: CONTRACT,
        field: "Status",
        values: &["Draft", "Activated", "Expired"],
    },
    Picklist {
        object: OPPORTUNITY,
        field: "StageName",
        values: &[
            "Early Review",
            "Stakeholder Confirmed",
            "At Risk",
            "Terms Agreed",
            "Prospecting",
            "Qualification",
            "Needs Analysis",
            "Value Proposition",
            "Id. Decision Makers",
            "Perception Analysis",
            "Proposal/Price Quote",
            "Negotiation/Review",
            "Closed Won",
            "Closed Lost",
        ],
    },
    Picklist {
        object: OPPORTUNITY,
        field: "Type",
        values: &["New Business", "Existing Business", "Renewal"],
    },
    Picklist {
        object: OPPORTUNITY,
        field: "Churn_Reason__c",
        values: super::names::CHURN_REASONS,
    },
    Picklist {
        object: CASE,
        field: "Priority",
        values: &["Low", "Medium", "High", "Critical"],
    },
    Picklist {
        object: CASE,
        field: "Status",
        values: &["New", "Working", "Escalated", "Closed"],
    },
    Picklist {
        object: CASE,
        field: "Origin",
        values: &["Phone", "Email", "Web"],
    },
    Picklist {
        object: CASE,
        field: "Type",
        values: &["Problem", "Question", "Feature Request"],
    },
    Picklist {
        object: EVENT,
        field: "Type",
        values: &["QBR", "Milestone", "Meeting", "Other"],
    },
    Picklist {
        object: TASK,
        field: "Type",
        values: &["Call", "Email"],
    },
    Picklist {
        object: TASK,
        field: "Status",
        values: &["Not Started", "In Progress", "Completed"],
    },
    Picklist {
        object: TASK,
        field: "Priority",
        values: &["High", "Normal", "Low"],
    },
];

/// Case statuses whose `IsClosed` is true (the emulator derives `IsClosed` from these).
pub const CLOSED_CASE_STATUSES: &[&str] = &["Closed"];

/// Task statuses whose `IsClosed` is true.
pub const CLOSED_TASK_STATUSES: &[&str] = &["Completed"];

/// The allowed values of a picklist field, if the generator fills it.
pub fn allowed_values(object: &str, field: &str) -> Option<&'static [&'static str]> {
    PICKLISTS
        .iter()
        .find(|p| p.object == object && p.field == field)
        .map(|p| p.values)
}

/// Maximum lengths of the text fields the generator fills.
pub const TEXT_LIMITS: &[(&str, &str, usize)] = &[
    (USER, "Username", 80),
    (USER, "FirstName", 40),
    (USER, "LastName", 80),
    (USER, "Email", 80),
    (USER, "Alias", 8),
    (USER, "Title", 80),
    (ACCOUNT, "Name", 255),
    (ACCOUNT, "CSM_Sentiment_Comment__c", 1000),
    (CONTACT, "FirstName", 40),
    (CONTACT, "LastName", 80),
    (CONTACT, "Email", 80),
    (CONTACT, "Title", 128),
    (CONTACT, "Phone", 40),
    (CONTRACT, "Description", 32000),
    (OPPORTUNITY, "Name", 120),
    (CASE, "Subject", 255),
    (EVENT, "Subject", 255),
    (TASK, "Subject", 255),
    (TASK, "Description", 32000),
];

/// Fields the emulator derives, so the generator never emits them. `IsClosed`, `IsWon`,
/// `Probability` and `ForecastCategoryName` follow from status or stage; `EndDate` from
/// `StartDate` + `ContractTerm` (see [`super::contract_end`]); Event/Task `AccountId` from
/// `WhatId`; `Account.LastActivityDate` from past events and closed tasks; `RecordTypeId`
/// from the `RecordType` developer name; the all-day events' times from `ActivityDate`; and
/// Ids, auto-numbers and the remaining audit fields from arrival.
pub const DERIVED_FIELDS: &[(&str, &str)] = &[
    ("*", "Id"),
    ("*", "IsDeleted"),
    ("*", "SystemModstamp"),
    ("*", "CreatedById"),
    ("*", "LastModifiedById"),
    (ACCOUNT, "LastActivityDate"),
    (CONTRACT, "EndDate"),
    (CONTRACT, "ContractNumber"),
    (CONTRACT, "StatusCode"),
    (OPPORTUNITY, "IsClosed"),
    (OPPORTUNITY, "IsWon"),
    (OPPORTUNITY, "Probability"),
    (OPPORTUNITY, "ForecastCategoryName"),
    (OPPORTUNITY, "RecordTypeId"),
    (CASE, "IsClosed"),
    (CASE, "CaseNumber"),
    (EVENT, "AccountId"),
    (EVENT, "ActivityDateTime"),
    (TASK, "AccountId"),
    (TASK, "IsClosed"),
];

/// Fields Vitals writes or reserves for its own records, never present in a seeded org.
pub const VITALS_OWNED_FIELDS: &[(&str, &str)] = &[
    (EVENT, "Playbook__c"),
    (TASK, "Playbook__c"),
    (EVENT, "Vitals_Key__c"),
    (TASK, "Vitals_Key__c"),
    (OPPORTUNITY, "Vitals_Key__c"),
    (OPPORTUNITY, "Renewal_Risk__c"),
    (OPPORTUNITY, "Health_At_Creation__c"),
    (ACCOUNT, "Health_Score__c"),
    (ACCOUNT, "Health_Status__c"),
];
