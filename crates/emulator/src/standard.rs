//! The standard objects of a fresh Enterprise Edition org, as data.
//!
//! Field names, types, lengths and flags follow the Object Reference pages
//! (https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/
//! `sforce_api_objects_{account,contact,user,contract,case,opportunity,opportunitystage,event,task,taskstatus,recordtype}.htm`)
//! and salesforce-api.md section 8. Picklist values are the values a new org ships with; the
//! Activity Type values QBR and Milestone are added because Vitals relies on them (product
//! spec section 4). This module never reads the store or the metadata files.

use crate::id::SfId;

use super::schema::{
    AutoNumber, FieldDef, FieldType, ObjectDef, PicklistValue, RecordTypeDef, Schema, StageInfo,
    reference,
};

/// Key prefix of Bulk API 2.0 job Ids (salesforce-api.md 10.9); jobs are not sObjects, so
/// the prefix is not in the schema.
pub const BULK_JOB_PREFIX: &str = "750";

/// The org's Id, used in identity URLs.
pub const ORG_ID: &str = "00D5e000000VitAEAU";

/// Standard Opportunity stages: (value, closed, won, probability, forecast category).
/// Source: the OpportunityStage defaults of a new org (object reference, OpportunityStage).
const STAGES: &[(&str, bool, bool, f64, &str)] = &[
    ("Prospecting", false, false, 10.0, "Pipeline"),
    ("Qualification", false, false, 10.0, "Pipeline"),
    ("Needs Analysis", false, false, 20.0, "Pipeline"),
    ("Value Proposition", false, false, 50.0, "Pipeline"),
    ("Id. Decision Makers", false, false, 60.0, "Pipeline"),
    ("Perception Analysis", false, false, 70.0, "Pipeline"),
    ("Proposal/Price Quote", false, false, 75.0, "Pipeline"),
    ("Negotiation/Review", false, false, 90.0, "Pipeline"),
    ("Closed Won", true, true, 100.0, "Closed"),
    ("Closed Lost", true, false, 0.0, "Omitted"),
];

/// Semantics of the renewal stages that Vitals' metadata adds (product spec section 4). They
/// join the StageName picklist only when the metadata's sales process names them.
pub const RENEWAL_STAGES: &[(&str, bool, bool, f64, &str)] = &[
    ("Early Review", false, false, 10.0, "Pipeline"),
    ("Stakeholder Confirmed", false, false, 40.0, "Pipeline"),
    ("At Risk", false, false, 20.0, "Pipeline"),
    ("Terms Agreed", false, false, 90.0, "Commit"),
];

fn picklist(name: &str, label: &str, values: &[&str], restricted: bool) -> FieldDef {
    let mut field = FieldDef::new(name, label, FieldType::Picklist);
    field.picklist_values = values.iter().map(|v| PicklistValue::new(v)).collect();
    field.restricted_picklist = restricted;
    field
}

fn with_default(mut field: FieldDef, value: &str) -> FieldDef {
    for entry in &mut field.picklist_values {
        entry.default = entry.value == value;
    }
    field.nillable = false;
    field.defaulted_on_create = true;
    field
}

fn text(name: &str, label: &str, length: u32) -> FieldDef {
    let mut field = FieldDef::new(name, label, FieldType::String);
    field.length = length;
    field
}

fn required(mut field: FieldDef) -> FieldDef {
    field.nillable = false;
    field
}

fn read_only(mut field: FieldDef) -> FieldDef {
    field.createable = false;
    field.updateable = false;
    field
}

fn number(name: &str, label: &str, field_type: FieldType, precision: u32, scale: u32) -> FieldDef {
    let mut field = FieldDef::new(name, label, field_type);
    if field_type == FieldType::Int {
        field.digits = precision;
    } else {
        field.precision = precision;
        field.scale = scale;
    }
    field
}

fn owner() -> FieldDef {
    let mut field = reference("OwnerId", "Owner ID", &["User"], "Owner", None);
    field.nillable = false;
    field.defaulted_on_create = true;
    field
}

/// Objects a Task or Event may be related to through WhatId.
const WHAT_TARGETS: &[&str] = &["Account", "Opportunity", "Case", "Contract"];

fn activity_fields(object: &mut ObjectDef, child_suffix: &str) {
    let mut subject = FieldDef::new("Subject", "Subject", FieldType::Combobox);
    subject.picklist_values = ["Call", "Email", "Send Letter", "Send Quote", "Other"]
        .iter()
        .map(|v| PicklistValue::new(v))
        .collect();
    object.push(subject);
    // WhatId is polymorphic: every target gets a child relationship named after the
    // activity object (Account.Tasks, Opportunity.Events, ...).
    object.push(reference(
        "WhatId",
        "Related To ID",
        WHAT_TARGETS,
        "What",
        Some(child_suffix),
    ));
    object.push(reference("WhoId", "Name ID", &["Contact"], "Who", None));
    object.push(read_only(reference(
        "AccountId",
        "Account ID",
        &["Account"],
        "Account",
        None,
    )));
    object.push(FieldDef::new(
        "ActivityDate",
        "Due Date Only",
        FieldType::Date,
    ));
    object.push(picklist(
        "Type",
        "Type",
        &["Call", "Email", "Meeting", "Other", "QBR", "Milestone"],
        false,
    ));
    object.push(FieldDef::new(
        "Description",
        "Description",
        FieldType::TextArea,
    ));
    object.push(owner());
}

fn account() -> ObjectDef {
    let mut o = ObjectDef::new("Account", "Account", "Accounts", "001");
    o.push(required(text("Name", "Account Name", 255)));
    o.push(picklist(
        "Type",
        "Account Type",
        &[
            "Prospect",
            "Customer - Direct",
            "Customer - Channel",
            "Channel Partner / Reseller",
            "Installation Partner",
            "Technology Partner",
            "Other",
        ],
        false,
    ));
    o.push(picklist(
        "Industry",
        "Industry",
        &[
            "Agriculture",
            "Apparel",
            "Banking",
            "Biotechnology",
            "Chemicals",
            "Communications",
            "Construction",
            "Consulting",
            "Education",
            "Electronics",
            "Energy",
            "Engineering",
            "Entertainment",
            "Environmental",
            "Finance",
            "Food & Beverage",
            "Government",
            "Healthcare",
            "Hospitality",
            "Insurance",
            "Machinery",
            "Manufacturing",
            "Media",
            "Not For Profit",
            "Recreation",
            "Retail",
            "Shipping",
            "Technology",
            "Telecommunications",
            "Transportation",
            "Utilities",
            "Other",
        ],
        false,
    ));
    o.push(picklist(
        "Rating",
        "Account Rating",
        &["Hot", "Warm", "Cold"],
        false,
    ));
    o.push(number(
        "AnnualRevenue",
        "Annual Revenue",
        FieldType::Currency,
        18,
        0,
    ));
    o.push(number(
        "NumberOfEmployees",
        "Employees",
        FieldType::Int,
        8,
        0,
    ));
    o.push(text("AccountNumber", "Account Number", 40));
    o.push(reference(
        "ParentId",
        "Parent Account ID",
        &["Account"],
        "Parent",
        Some("ChildAccounts"),
    ));
    o.push(FieldDef::new("Phone", "Account Phone", FieldType::Phone));
    o.push(FieldDef::new("Website", "Website", FieldType::Url));
    o.push(text("BillingCity", "Billing City", 40));
    o.push(text("BillingCountry", "Billing Country", 80));
    o.push(FieldDef::new(
        "Description",
        "Account Description",
        FieldType::TextArea,
    ));
    o.push(owner());
    o.push(read_only(FieldDef::new(
        "LastActivityDate",
        "Last Activity",
        FieldType::Date,
    )));
    o
}

fn contact() -> ObjectDef {
    let mut o = ObjectDef::new("Contact", "Contact", "Contacts", "003");
    o.push(text("FirstName", "First Name", 40));
    o.push(required(text("LastName", "Last Name", 80)));
    o.push(read_only(text("Name", "Full Name", 121)));
    o.push(reference(
        "AccountId",
        "Account ID",
        &["Account"],
        "Account",
        Some("Contacts"),
    ));
    let mut email = FieldDef::new("Email", "Email", FieldType::Email);
    email.length = 80;
    o.push(email);
    o.push(text("Title", "Title", 128));
    o.push(FieldDef::new("Phone", "Business Phone", FieldType::Phone));
    o.push(owner());
    o
}

fn user() -> ObjectDef {
    let mut o = ObjectDef::new("User", "User", "Users", "005");
    let mut username = required(text("Username", "Username", 80));
    username.unique = true;
    username.id_lookup = true;
    o.push(username);
    o.push(text("FirstName", "First Name", 40));
    o.push(required(text("LastName", "Last Name", 80)));
    o.push(read_only(text("Name", "Full Name", 121)));
    let mut email = required(FieldDef::new("Email", "Email", FieldType::Email));
    email.length = 128;
    o.push(email);
    o.push(text("Alias", "Alias", 8));
    let mut active = FieldDef::new("IsActive", "Active", FieldType::Boolean);
    active.default_boolean = Some(true);
    o.push(active);
    o.push(text("Title", "Title", 80));
    o.push(reference(
        "ManagerId",
        "Manager ID",
        &["User"],
        "Manager",
        Some("ManagedUsers"),
    ));
    o.deletable = false;
    o
}

fn contract() -> ObjectDef {
    let mut o = ObjectDef::new("Contract", "Contract", "Contracts", "800");
    o.push(read_only(text("ContractNumber", "Contract Number", 30)));
    o.auto_numbers.push(AutoNumber::from_display_format(
        "ContractNumber",
        "{00000000}",
        100,
    ));
    o.push(required(reference(
        "AccountId",
        "Account ID",
        &["Account"],
        "Account",
        Some("Contracts"),
    )));
    o.push(FieldDef::new(
        "StartDate",
        "Contract Start Date",
        FieldType::Date,
    ));
    o.push(number(
        "ContractTerm",
        "Contract Term",
        FieldType::Int,
        4,
        0,
    ));
    o.push(read_only(FieldDef::new(
        "EndDate",
        "Contract End Date",
        FieldType::Date,
    )));
    // Contract Status values are grouped under StatusCode (object reference, Contract).
    o.push(with_default(
        picklist(
            "Status",
            "Status",
            // Draft, InApproval and Activated are the shipped values; orgs add values in the
            // Terminated and Expired categories (salesforce-api.md 8), as Vitals' orgs do.
            &[
                "Draft",
                "In Approval Process",
                "Activated",
                "Terminated",
                "Expired",
            ],
            true,
        ),
        "Draft",
    ));
    o.push(read_only(picklist(
        "StatusCode",
        "Status Category",
        &["Draft", "InApproval", "Activated", "Terminated", "Expired"],
        true,
    )));
    o.push(FieldDef::new(
        "Description",
        "Description",
        FieldType::TextArea,
    ));
    o.push(owner());
    o
}

fn case() -> ObjectDef {
    let mut o = ObjectDef::new("Case", "Case", "Cases", "500");
    o.push(read_only(text("CaseNumber", "Case Number", 30)));
    o.auto_numbers.push(AutoNumber::from_display_format(
        "CaseNumber",
        "{00000000}",
        1001,
    ));
    o.push(reference(
        "AccountId",
        "Account ID",
        &["Account"],
        "Account",
        Some("Cases"),
    ));
    o.push(reference(
        "ContactId",
        "Contact ID",
        &["Contact"],
        "Contact",
        Some("Cases"),
    ));
    o.push(with_default(
        picklist(
            "Status",
            "Status",
            &["New", "Working", "Escalated", "Closed"],
            false,
        ),
        "New",
    ));
    o.push(with_default(
        picklist(
            "Priority",
            "Priority",
            &["Critical", "High", "Medium", "Low"],
            false,
        ),
        "Medium",
    ));
    o.push(picklist(
        "Origin",
        "Case Origin",
        &["Phone", "Email", "Web"],
        false,
    ));
    o.push(picklist(
        "Type",
        "Case Type",
        &["Problem", "Feature Request", "Question"],
        false,
    ));
    o.push(text("Subject", "Subject", 255));
    o.push(FieldDef::new(
        "Description",
        "Description",
        FieldType::TextArea,
    ));
    o.push(read_only(FieldDef::new(
        "IsClosed",
        "Closed",
        FieldType::Boolean,
    )));
    o.push(FieldDef::new(
        "IsEscalated",
        "Escalated",
        FieldType::Boolean,
    ));
    o.push(read_only(FieldDef::new(
        "ClosedDate",
        "Closed Date",
        FieldType::DateTime,
    )));
    o.push(owner());
    o
}

fn opportunity() -> ObjectDef {
    let mut o = ObjectDef::new("Opportunity", "Opportunity", "Opportunities", "006");
    o.push(required(text("Name", "Name", 120)));
    let stages: Vec<&str> = STAGES.iter().map(|s| s.0).collect();
    let mut stage = required(picklist("StageName", "Stage", &stages, true));
    stage.defaulted_on_create = false;
    o.push(stage);
    o.push(required(FieldDef::new(
        "CloseDate",
        "Close Date",
        FieldType::Date,
    )));
    o.push(reference(
        "AccountId",
        "Account ID",
        &["Account"],
        "Account",
        Some("Opportunities"),
    ));
    o.push(reference(
        "ContractId",
        "Contract ID",
        &["Contract"],
        "Contract",
        None,
    ));
    o.push(picklist(
        "Type",
        "Opportunity Type",
        &[
            "Existing Customer - Upgrade",
            "Existing Customer - Replacement",
            "Existing Customer - Downgrade",
            "New Customer",
        ],
        false,
    ));
    o.push(number("Amount", "Amount", FieldType::Currency, 18, 2));
    let mut probability = number("Probability", "Probability (%)", FieldType::Percent, 3, 0);
    probability.defaulted_on_create = true;
    o.push(probability);
    let mut forecast = picklist(
        "ForecastCategoryName",
        "Forecast Category",
        &["Omitted", "Pipeline", "Best Case", "Commit", "Closed"],
        true,
    );
    forecast.defaulted_on_create = true;
    o.push(forecast);
    o.push(read_only(FieldDef::new(
        "IsClosed",
        "Closed",
        FieldType::Boolean,
    )));
    o.push(read_only(FieldDef::new("IsWon", "Won", FieldType::Boolean)));
    o.push(reference(
        "RecordTypeId",
        "Record Type ID",
        &["RecordType"],
        "RecordType",
        None,
    ));
    o.push(FieldDef::new(
        "Description",
        "Description",
        FieldType::TextArea,
    ));
    o.push(owner());
    o
}

fn event() -> ObjectDef {
    let mut o = ObjectDef::new("Event", "Event", "Events", "00U");
    activity_fields(&mut o, "Events");
    o.push(FieldDef::new(
        "ActivityDateTime",
        "Due Date Time",
        FieldType::DateTime,
    ));
    o.push(FieldDef::new(
        "StartDateTime",
        "Start Date Time",
        FieldType::DateTime,
    ));
    o.push(FieldDef::new(
        "EndDateTime",
        "End Date Time",
        FieldType::DateTime,
    ));
    o.push(number(
        "DurationInMinutes",
        "Duration",
        FieldType::Int,
        8,
        0,
    ));
    o.push(FieldDef::new(
        "IsAllDayEvent",
        "All-Day Event",
        FieldType::Boolean,
    ));
    o.push(text("Location", "Location", 255));
    o
}

fn task() -> ObjectDef {
    let mut o = ObjectDef::new("Task", "Task", "Tasks", "00T");
    activity_fields(&mut o, "Tasks");
    o.push(with_default(
        picklist(
            "Status",
            "Status",
            &[
                "Not Started",
                "In Progress",
                "Completed",
                "Waiting on someone else",
                "Deferred",
            ],
            true,
        ),
        "Not Started",
    ));
    o.push(with_default(
        picklist("Priority", "Priority", &["High", "Normal", "Low"], true),
        "Normal",
    ));
    o.push(read_only(FieldDef::new(
        "IsClosed",
        "Closed",
        FieldType::Boolean,
    )));
    o.push(read_only(FieldDef::new(
        "CompletedDateTime",
        "Completed Date Time",
        FieldType::DateTime,
    )));
    o
}

fn record_type() -> ObjectDef {
    let mut o = ObjectDef::new("RecordType", "Record Type", "Record Types", "012");
    o.push(read_only(text("Name", "Record Type Label", 80)));
    o.push(read_only(text("DeveloperName", "Record Type Name", 80)));
    o.push(read_only(text("SobjectType", "SObject Type Name", 40)));
    let mut active = read_only(FieldDef::new("IsActive", "Active", FieldType::Boolean));
    active.default_boolean = Some(true);
    o.push(active);
    o.createable = false;
    o.updateable = false;
    o.deletable = false;
    o
}

/// The standard schema of a fresh org, without Vitals' metadata.
pub fn standard_schema() -> Schema {
    let mut schema = Schema::default();
    for object in [
        user(),
        account(),
        contact(),
        contract(),
        case(),
        opportunity(),
        event(),
        task(),
        record_type(),
    ] {
        schema.add(object);
    }
    for (value, closed, won, probability, forecast) in STAGES {
        schema.stages.insert(
            (*value).to_owned(),
            StageInfo {
                closed: *closed,
                won: *won,
                probability: *probability,
                forecast_category: forecast,
            },
        );
    }
    // TaskStatus.IsClosed and CaseStatus.IsClosed of a new org.
    schema
        .closed_statuses
        .insert("Task".into(), vec!["Completed".into()]);
    schema
        .closed_statuses
        .insert("Case".into(), vec!["Closed".into()]);
    if let Some(opportunity) = schema.object_mut("Opportunity") {
        opportunity.record_types.push(RecordTypeDef {
            id: SfId::from_parts("012", 1),
            developer_name: "Master".into(),
            label: "Master".into(),
            default: true,
            master: true,
            stages: None,
        });
    }
    schema
}

/// The semantics of a stage that metadata introduces: Vitals' renewal stages are known,
/// anything else is an open pipeline stage.
pub fn stage_info_for(value: &str) -> StageInfo {
    RENEWAL_STAGES
        .iter()
        .find(|s| s.0 == value)
        .map(|(_, closed, won, probability, forecast)| StageInfo {
            closed: *closed,
            won: *won,
            probability: *probability,
            forecast_category: forecast,
        })
        .unwrap_or(StageInfo {
            closed: false,
            won: false,
            probability: 10.0,
            forecast_category: "Pipeline",
        })
}
