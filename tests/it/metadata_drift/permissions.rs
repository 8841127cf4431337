//! The `Vitals_Integration` permission set against the wire table, both ways: every field
//! Vitals reads is readable, every field it writes editable, and the set grants no field
//! Vitals does not use. Under a minimum-access integration user a field without a grant is
//! invisible (describe leaves it out, SOQL answers INVALID_FIELD), so a missing grant breaks
//! the sync, and an extra one is access nobody asked for.
//!
//! Some standard fields take no field permission at all, and a permission set naming one
//! fails to deploy; [`NO_FIELD_PERMISSION`] lists those Vitals uses, each with the reason.
//! The FieldPermissions reference says which kinds: fields "assumed to always be readable"
//! or "always readable and writable" have no FieldPermissions record
//! (<https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_objects_fieldpermissions.htm>),
//! and required fields refuse one ("You cannot deploy to a required field"). A profile
//! retrieved from a real org lists Contract's permissionable fields (`StartDate`,
//! `EndDate` read-only, `ContractTerm`, not `AccountId`, `Status` or `ContractNumber`);
//! for activities we found no such list, so the `[verify]` entries follow the same rules
//! and are to be confirmed by the dry-run deploy against a sandbox.

use std::collections::BTreeMap;
use std::fs;

use vitals::salesforce::wire::{Access, DEFAULT_FIELDS, SObject, category_field};

use super::{all_categories, metadata_dir};

/// Standard fields Vitals uses that a permission set cannot grant, as `Object.Field` (`*`
/// for every object), with the reason.
const NO_FIELD_PERMISSION: &[(&str, &str)] = &[
    ("*.Id", "the record Id: a system field, always readable"),
    ("*.CreatedDate", "an audit field, always readable"),
    (
        "*.OwnerId",
        "the owner: always readable, changed through sharing, not field security",
    ),
    ("Account.Name", "required: always readable and writable"),
    (
        "Contract.AccountId",
        "required: always readable and writable",
    ),
    ("Contract.Status", "required: always readable and writable"),
    (
        "Contract.ContractNumber",
        "the auto-number name field: always readable",
    ),
    (
        "Case.CaseNumber",
        "the auto-number name field: always readable",
    ),
    (
        "Case.Status",
        "required (defaulted): always readable and writable",
    ),
    (
        "Case.IsClosed",
        "derived from Status, no field security of its own [verify]",
    ),
    ("Opportunity.Name", "required: always readable and writable"),
    (
        "Opportunity.StageName",
        "required: always readable and writable",
    ),
    (
        "Opportunity.CloseDate",
        "required: always readable and writable",
    ),
    (
        "Opportunity.IsClosed",
        "derived from the stage, no field security of its own [verify]",
    ),
    (
        "Opportunity.IsWon",
        "derived from the stage, no field security of its own [verify]",
    ),
    (
        "Opportunity.RecordTypeId",
        "granted by the set's recordTypeVisibilities instead",
    ),
    (
        "Opportunity.RecordType.DeveloperName",
        "a field of RecordType, read through the lookup",
    ),
    (
        "Account.Owner.Name",
        "a field of the owning User, read through the owner lookup",
    ),
    (
        "Task.Status",
        "required (defaulted): always readable and writable",
    ),
    (
        "Task.Priority",
        "required (defaulted): always readable and writable",
    ),
    (
        "Task.IsClosed",
        "derived from Status, no field security of its own [verify]",
    ),
    (
        "Task.AccountId",
        "derived from What/Who, no field security of its own [verify]",
    ),
    (
        "Event.AccountId",
        "derived from What/Who, no field security of its own [verify]",
    ),
    (
        "Health_Score_History__c.Account__c",
        "a master-detail: takes no field permission",
    ),
];

/// Why a field takes no field permission, if it is one of [`NO_FIELD_PERMISSION`].
fn no_permission(object: &str, field: &str) -> Option<&'static str> {
    NO_FIELD_PERMISSION.iter().find_map(|(name, why)| {
        let (o, f) = name.split_once('.')?;
        ((o == "*" || o == object) && f == field).then_some(*why)
    })
}

/// The object a field permission names: custom activity fields are defined once on
/// Activity and granted through `Task.*`, which Salesforce mirrors to Event; standard
/// Event fields have their own entries.
fn grant_object(object: SObject, api: &str) -> &'static str {
    match object {
        SObject::Event if api.ends_with("__c") => "Task",
        other => other.api_name(),
    }
}

/// Every field permission the wire table calls for, `Object.Field` -> editable.
fn expected() -> BTreeMap<String, bool> {
    let mut expected: BTreeMap<String, bool> = BTreeMap::new();
    let categories = all_categories();
    let category_fields = categories.iter().flat_map(|key| {
        [SObject::Account, SObject::HealthHistory]
            .into_iter()
            .filter_map(move |object| Some((object, category_field(object, key)?, Access::Write)))
    });
    let table = DEFAULT_FIELDS
        .iter()
        .map(|f| (f.object, f.api.to_owned(), f.access));
    for (object, api, access) in table.chain(category_fields) {
        let name = grant_object(object, &api);
        if no_permission(name, &api).is_some() {
            continue;
        }
        let editable = expected.entry(format!("{name}.{api}")).or_insert(false);
        *editable |= access != Access::Read;
    }
    expected
}

/// The field permissions a permission set grants: `Object.Field` -> (readable, editable).
fn granted(text: &str) -> Result<BTreeMap<String, (bool, bool)>, String> {
    let doc = roxmltree::Document::parse(text).map_err(|e| e.to_string())?;
    let mut granted = BTreeMap::new();
    for entry in doc
        .descendants()
        .filter(|n| n.has_tag_name("fieldPermissions"))
    {
        let child = |name: &str| {
            entry
                .children()
                .find(|n| n.has_tag_name(name))
                .and_then(|n| n.text())
                .map(str::trim)
        };
        let field = child("field").ok_or("a fieldPermissions without <field>")?;
        let flags = (
            child("readable") == Some("true"),
            child("editable") == Some("true"),
        );
        if granted.insert(field.to_owned(), flags).is_some() {
            return Err(format!("{field} is granted twice"));
        }
    }
    Ok(granted)
}

/// Every way `granted` differs from `expected`, one line each.
fn permission_drift(
    expected: &BTreeMap<String, bool>,
    granted: &BTreeMap<String, (bool, bool)>,
) -> Vec<String> {
    let mut problems = Vec::new();
    for (field, editable) in expected {
        let want = if *editable {
            "read and edit"
        } else {
            "read only"
        };
        match granted.get(field) {
            None => problems.push(format!("{field}: missing, Vitals needs {want}")),
            Some(&(readable, edit)) if !readable || edit != *editable => {
                problems.push(format!(
                    "{field}: grants readable {readable}, editable {edit}; Vitals needs {want}"
                ));
            }
            Some(_) => {}
        }
    }
    for field in granted.keys().filter(|f| !expected.contains_key(*f)) {
        let why = field
            .split_once('.')
            .and_then(|(object, name)| no_permission(object, name));
        problems.push(match why {
            Some(why) => format!("{field}: granted, but it takes no field permission ({why})"),
            None => format!("{field}: granted, but Vitals does not use it"),
        });
    }
    problems
}

#[test]
fn the_integration_permission_set_grants_exactly_the_fields_vitals_uses() {
    let path = metadata_dir()
        .join("force-app/main/default/permissionsets/Vitals_Integration.permissionset-meta.xml");
    let text = fs::read_to_string(&path).unwrap();
    let granted = granted(&text).unwrap();
    let expected = expected();
    // The fields the issue found missing are among those the wire table calls for.
    for field in [
        "Task.Type",
        "Task.Subject",
        "Task.ActivityDate",
        "Event.Type",
        "Event.Subject",
        "Event.ActivityDate",
        "Event.StartDateTime",
        "Contract.StartDate",
        "Contract.EndDate",
        "Contract.ContractTerm",
        "Case.IsEscalated",
        "Case.ClosedDate",
        "Opportunity.ContractId",
    ] {
        assert!(expected.contains_key(field), "{field}");
    }
    let problems = permission_drift(&expected, &granted);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_missing_a_wrong_and_an_extra_grant_are_each_reported() {
    let expected: BTreeMap<String, bool> = [
        ("Account.ARR__c".to_owned(), false),
        ("Account.Health_Score__c".to_owned(), true),
        ("Task.Subject".to_owned(), true),
    ]
    .into_iter()
    .collect();
    let text = r#"<PermissionSet xmlns="http://soap.sforce.com/2006/04/metadata">
        <fieldPermissions><editable>false</editable><field>Account.ARR__c</field><readable>true</readable></fieldPermissions>
        <fieldPermissions><editable>false</editable><field>Account.Health_Score__c</field><readable>true</readable></fieldPermissions>
        <fieldPermissions><editable>true</editable><field>Account.Phone</field><readable>true</readable></fieldPermissions>
        <fieldPermissions><editable>false</editable><field>Opportunity.StageName</field><readable>true</readable></fieldPermissions>
    </PermissionSet>"#;
    let problems = permission_drift(&expected, &granted(text).unwrap());
    assert_eq!(
        problems,
        [
            "Account.Health_Score__c: grants readable true, editable false; Vitals needs read and edit",
            "Task.Subject: missing, Vitals needs read and edit",
            "Account.Phone: granted, but Vitals does not use it",
            "Opportunity.StageName: granted, but it takes no field permission (required: always readable and writable)",
        ]
    );
}
