//! The preflight behind `vitals check`: does this org have everything Vitals reads and
//! writes, with the right types and permissions?
//!
//! It follows the startup check of salesforce-api.md 7: the API version is offered, every
//! object is visible with the needed object permissions, every field exists (describe is
//! filtered by field-level security, so a missing field may also be a hidden one) with a
//! compatible type, enough length or precision, and create/edit access as Vitals uses it,
//! upsert keys are External IDs, the picklist values Vitals writes are active, the Renewal
//! record type is available, and `/limits` is readable. Every problem is collected, each
//! with the fix an admin can apply; nothing stops at the first.

use std::collections::BTreeMap;

use serde::Serialize;

use super::error::SalesforceError;
use super::http::Client;
use super::rest::{DescribeField, GlobalObject, LimitEntry, ObjectDescribe};
use super::wire::{Access, CATEGORY_FIELD_TYPE, DEFAULT_FIELDS, FieldMap, FieldType, SObject};
use crate::domain::Playbook;
use crate::domain::{HealthStatus, HealthTrend};

/// One field Vitals needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Requirement {
    /// The object.
    pub object: SObject,
    /// Vitals' name of the field (`arr`, `health_adoption`), for `[fields]` advice.
    pub name: String,
    /// The API name after `[fields]` overrides.
    pub api: String,
    /// The expected type.
    pub field_type: FieldType,
    /// How Vitals uses it.
    pub access: Access,
    /// Picklist values Vitals writes into it.
    pub values: Vec<String>,
}

/// How serious a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Severity {
    /// Vitals cannot run correctly until it is fixed.
    Error,
    /// Vitals runs, with a degradation the admin should know about.
    Warning,
}

/// A problem found, with its fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// How serious.
    pub severity: Severity,
    /// What it concerns, e.g. `Account.Health_Score__c`.
    pub subject: String,
    /// What is wrong.
    pub problem: String,
    /// How to fix it.
    pub fix: String,
}

/// What the preflight found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckReport {
    /// Every problem, each with its fix.
    pub problems: Vec<Problem>,
    /// The org's limits that bound a Vitals run, when `/limits` was readable:
    /// (name, max, remaining).
    pub limits: Vec<(String, i64, i64)>,
}

/// The `/limits` entries a Vitals run draws on.
pub const WATCHED_LIMITS: &[&str] = &[
    "DailyApiRequests",
    "DailyBulkApiBatches",
    "DailyBulkV2QueryJobs",
];

/// Every field Vitals reads or writes with this field map and these model categories.
pub fn requirements(map: &FieldMap, categories: &[&str]) -> Vec<Requirement> {
    let statuses: Vec<String> = HealthStatus::KNOWN
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    let trends: Vec<String> = HealthTrend::KNOWN.iter().map(|s| (*s).to_owned()).collect();
    let playbooks: Vec<String> = Playbook::ALL.iter().map(|p| p.name().to_owned()).collect();
    let mut out: Vec<Requirement> = DEFAULT_FIELDS
        .iter()
        .map(|field| {
            let values = match (field.object, field.name) {
                (SObject::Account, "health_status") | (SObject::HealthHistory, "status") => {
                    statuses.clone()
                }
                (SObject::Account, "health_trend") => trends.clone(),
                (SObject::Task, "playbook") => playbooks.clone(),
                (SObject::Task, "status") => vec!["Not Started".to_owned()],
                (SObject::Opportunity, "stage_name") => vec!["Early Review".to_owned()],
                (SObject::Opportunity, "opportunity_type") => vec!["Renewal".to_owned()],
                _ => Vec::new(),
            };
            Requirement {
                object: field.object,
                name: field.name.to_owned(),
                api: map.api(field.object, field.name).to_owned(),
                field_type: field.field_type,
                access: field.access,
                values,
            }
        })
        .collect();
    for category in categories {
        for object in [SObject::Account, SObject::HealthHistory] {
            if let Some(api) = map.category_api(object, category) {
                let name = match object {
                    SObject::Account => format!("health_{category}"),
                    _ => (*category).to_owned(),
                };
                out.push(Requirement {
                    object,
                    name,
                    api,
                    field_type: CATEGORY_FIELD_TYPE,
                    access: Access::Write,
                    values: Vec::new(),
                });
            }
        }
    }
    out
}

/// Whether Vitals creates records of this object (so written fields need create access too).
fn vitals_creates(object: SObject) -> bool {
    matches!(
        object,
        SObject::Opportunity | SObject::Task | SObject::HealthHistory
    )
}

fn describe_object_name(object: SObject) -> &'static str {
    object.api_name()
}

/// Runs the preflight and returns every problem found and the limits headroom. Transport
/// and authentication failures are errors, because nothing can be checked without a
/// session.
///
/// # Errors
/// [`SalesforceError`] when Salesforce cannot be reached or refuses the login.
pub async fn check(
    client: &Client,
    map: &FieldMap,
    categories: &[&str],
) -> Result<CheckReport, SalesforceError> {
    let mut problems = Vec::new();
    // Logging in happens first: an authentication failure ends the check, and the
    // versions list is then read from the org's own instance.
    client.session().await?;
    check_version(client, &mut problems).await?;
    let global = client.describe_global().await?;
    let requirements = requirements(map, categories);
    let mut by_object: BTreeMap<SObject, Vec<&Requirement>> = BTreeMap::new();
    for requirement in &requirements {
        by_object
            .entry(requirement.object)
            .or_default()
            .push(requirement);
    }
    for (object, needed) in by_object {
        check_object(client, &global, object, &needed, &mut problems).await?;
    }
    let limits = check_limits(client, &mut problems).await?;
    Ok(CheckReport { problems, limits })
}

/// Whether the org offers the configured API version.
async fn check_version(
    client: &Client,
    problems: &mut Vec<Problem>,
) -> Result<(), SalesforceError> {
    match client.check_version().await {
        Ok(()) => {}
        Err(SalesforceError::VersionUnavailable { wanted, offered }) => problems.push(Problem {
            severity: Severity::Error,
            subject: "API version".into(),
            problem: format!("the org does not offer API version {wanted}"),
            fix: format!("set salesforce.api_version to one the org offers: {offered}"),
        }),
        Err(other) => return Err(other),
    }
    Ok(())
}

/// One object: visible in the global describe, with the object permissions Vitals uses,
/// and describable, with every field it needs.
async fn check_object(
    client: &Client,
    global: &[GlobalObject],
    object: SObject,
    needed: &[&Requirement],
    problems: &mut Vec<Problem>,
) -> Result<(), SalesforceError> {
    let name = describe_object_name(object);
    let Some(entry) = global.iter().find(|o| o.name.eq_ignore_ascii_case(name)) else {
        problems.push(Problem {
            severity: Severity::Error,
            subject: name.to_owned(),
            problem: "the object is missing or not visible to the integration user".into(),
            fix: missing_object_fix(object),
        });
        return Ok(());
    };
    check_object_access(entry, object, needed, problems);
    let describe = match client.describe(name).await {
        Ok(describe) => describe,
        Err(error) if error.is_unreachable_or_unauthorised() => return Err(error),
        Err(error) => {
            problems.push(Problem {
                severity: Severity::Error,
                subject: name.to_owned(),
                problem: format!("the object's fields cannot be described: {error}"),
                fix: format!("give the integration user Read access to {name} (assign the Vitals_Integration permission set)"),
            });
            return Ok(());
        }
    };
    for requirement in needed {
        check_field(&describe, requirement, problems);
    }
    if object == SObject::Opportunity {
        check_renewal_record_type(&describe, problems);
    }
    Ok(())
}

/// The object permissions: Read always, Create where Vitals creates records, Edit where it
/// writes a field.
fn check_object_access(
    entry: &GlobalObject,
    object: SObject,
    needed: &[&Requirement],
    problems: &mut Vec<Problem>,
) {
    let name = describe_object_name(object);
    let mut object_problems = Vec::new();
    if !entry.queryable {
        object_problems.push("not readable (no Read permission)");
    }
    if vitals_creates(object) && !entry.createable {
        object_problems.push("records cannot be created (no Create permission)");
    }
    if needed.iter().any(|r| matches!(r.access, Access::Write)) && !entry.updateable {
        object_problems.push("records cannot be edited (no Edit permission)");
    }
    for problem in object_problems {
        problems.push(Problem {
            severity: Severity::Error,
            subject: name.to_owned(),
            problem: problem.into(),
            fix: format!("assign the Vitals_Integration permission set, which grants the object access Vitals needs on {name}"),
        });
    }
}

/// The watched limits, and a warning when the daily API allocation left is below Vitals'
/// share. An unreadable `/limits` is a warning: the budget then runs on the header alone.
async fn check_limits(
    client: &Client,
    problems: &mut Vec<Problem>,
) -> Result<Vec<(String, i64, i64)>, SalesforceError> {
    let mut limits = Vec::new();
    match client.limits().await {
        Ok(all) => {
            for name in WATCHED_LIMITS {
                if let Some(entry) = all.get(*name) {
                    limits.push(((*name).to_owned(), entry.max, entry.remaining));
                }
            }
            if let Some(api) = all.get("DailyApiRequests") {
                check_api_headroom(client, api, problems);
            }
        }
        Err(error) if error.is_unreachable_or_unauthorised() => return Err(error),
        Err(error) => problems.push(Problem {
            severity: Severity::Warning,
            subject: "/limits".into(),
            problem: format!("the org's limits cannot be read: {error}"),
            fix: "grant the integration user View Setup and Configuration; until then Vitals tracks the API budget from the Sforce-Limit-Info header only".into(),
        }),
    }
    Ok(limits)
}

fn check_api_headroom(client: &Client, api: &LimitEntry, problems: &mut Vec<Problem>) {
    let share = client.settings().max_api_share;
    // The same floor the budget uses: Vitals' share of the allocation.
    let wanted = (share * api.max as f64).floor();
    if (api.remaining as f64) < wanted {
        problems.push(Problem {
            severity: Severity::Warning,
            subject: "DailyApiRequests".into(),
            problem: format!(
                "the org has {} of {} API requests left in the rolling 24 hours, less than Vitals' share of {wanted}",
                api.remaining, api.max
            ),
            fix: "runs will stop early until usage falls; lower salesforce.max_api_share or find what else is using the API".into(),
        });
    }
}

fn missing_object_fix(object: SObject) -> String {
    match object {
        SObject::HealthHistory => "deploy salesforce-metadata/ (see salesforce-metadata/README.md) and assign the Vitals_Integration permission set".into(),
        other => format!(
            "give the integration user Read access to {} (assign the Vitals_Integration permission set)",
            other.api_name()
        ),
    }
}

fn field_fix(requirement: &Requirement) -> String {
    let deploy = if requirement.api.ends_with("__c") {
        "deploy salesforce-metadata/ (see salesforce-metadata/README.md), "
    } else {
        ""
    };
    format!(
        "{deploy}grant field access in the Vitals_Integration permission set, or map the field to one of your own with `{}.{} = \"Your_Field__c\"` under [fields]",
        requirement.object.key(),
        requirement.name
    )
}

fn check_field(describe: &ObjectDescribe, requirement: &Requirement, problems: &mut Vec<Problem>) {
    let subject = format!("{}.{}", describe.name, requirement.api);
    let Some(field) = describe.field(&described_field_name(requirement)) else {
        problems.push(Problem {
            severity: Severity::Error,
            subject,
            problem:
                "the field is missing, or hidden from the integration user by field-level security"
                    .into(),
            fix: field_fix(requirement),
        });
        return;
    };
    let mut push = |problem: String, fix: String| {
        problems.push(Problem {
            severity: Severity::Error,
            subject: subject.clone(),
            problem,
            fix,
        })
    };
    if !requirement.api.contains('.')
        && !requirement
            .field_type
            .describe_types()
            .contains(&field.field_type.as_str())
    {
        push(
            format!(
                "the field is of type {}, Vitals needs {}",
                field.field_type,
                requirement.field_type.describe_types().join(" or ")
            ),
            field_fix(requirement),
        );
        return;
    }
    check_size(field, requirement, &mut push);
    check_field_access(field, requirement, &mut push);
    if requirement.access == Access::UpsertKey {
        check_upsert_key(field, requirement, &subject, problems);
    }
    check_picklist_values(field, requirement, &subject, problems);
}

/// The field describe names for a requirement. A relationship path
/// (`RecordType.DeveloperName`) is checked through its lookup field: it is readable when
/// `RecordTypeId` is.
fn described_field_name(requirement: &Requirement) -> String {
    let lookup = requirement.api.split('.').next().unwrap_or_default();
    if requirement.api.contains('.') {
        format!("{lookup}Id")
    } else {
        requirement.api.clone()
    }
}

/// Create and edit access as Vitals uses the field.
fn check_field_access(
    field: &DescribeField,
    requirement: &Requirement,
    push: &mut impl FnMut(String, String),
) {
    let needs_create = match requirement.access {
        Access::Create | Access::UpsertKey => true,
        Access::Write => vitals_creates(requirement.object),
        Access::Read => false,
    };
    let needs_update = requirement.access == Access::Write;
    if needs_create && !field.createable {
        push(
            "the integration user cannot set this field on new records".into(),
            field_fix(requirement),
        );
    }
    if needs_update && !field.updateable {
        push(
            "the integration user cannot edit this field".into(),
            field_fix(requirement),
        );
    }
}

/// An upsert key must be an External ID, and should be Unique.
fn check_upsert_key(
    field: &DescribeField,
    requirement: &Requirement,
    subject: &str,
    problems: &mut Vec<Problem>,
) {
    if field.external_id && !field.unique {
        // Upserting on a non-unique External ID needs View All Data, and two records with
        // one key make an upsert fail with 300 (salesforce-api.md 4.1).
        problems.push(Problem {
            severity: Severity::Warning,
            subject: subject.to_owned(),
            problem: "the External ID is not Unique, so two records could share a key and upserts by it would fail".into(),
            fix: "mark the field Unique as salesforce-metadata/ defines it".into(),
        });
    }
    if !field.external_id {
        let (severity, problem) = match requirement.object {
            // Activity External IDs are not documented everywhere (salesforce-api.md 4.4):
            // Vitals can fall back to query-then-create for tasks.
            SObject::Task => (
                Severity::Warning,
                "the field is not an External ID; Vitals will look tasks up by key before creating them, which costs extra API calls",
            ),
            _ => (
                Severity::Error,
                "the field is not an External ID, so upserts by it are impossible",
            ),
        };
        problems.push(Problem {
            severity,
            subject: subject.to_owned(),
            problem: problem.into(),
            fix: "mark the field External ID (and Unique) as salesforce-metadata/ defines it"
                .into(),
        });
    }
}

/// Every picklist value Vitals writes is there and active.
fn check_picklist_values(
    field: &DescribeField,
    requirement: &Requirement,
    subject: &str,
    problems: &mut Vec<Problem>,
) {
    for value in &requirement.values {
        let active = field
            .picklist_values
            .iter()
            .any(|v| v.active && v.value == *value);
        if !active && field.field_type == "picklist" {
            problems.push(Problem {
                severity: Severity::Error,
                subject: subject.to_owned(),
                problem: format!(
                    "the picklist value {value:?}, which Vitals writes, is missing or inactive"
                ),
                fix: "add and activate the value (salesforce-metadata/ ships it)".into(),
            });
        }
    }
}

fn check_size(
    field: &DescribeField,
    requirement: &Requirement,
    push: &mut impl FnMut(String, String),
) {
    if !matches!(
        requirement.access,
        Access::Write | Access::Create | Access::UpsertKey
    ) {
        return;
    }
    match requirement.field_type {
        FieldType::Text(length) | FieldType::LongText(length) if field.length < length => push(
            format!(
                "the field holds {} characters, Vitals writes up to {length}",
                field.length
            ),
            "lengthen the field to match salesforce-metadata/".into(),
        ),
        FieldType::Number(precision, scale)
            if field.field_type == "double"
                && (field.precision < u32::from(precision) || field.scale < u32::from(scale)) =>
        {
            push(
                format!(
                    "the field is Number({}, {}), Vitals writes Number({precision}, {scale})",
                    field.precision, field.scale
                ),
                "widen the field to match salesforce-metadata/".into(),
            )
        }
        _ => {}
    }
}

fn check_renewal_record_type(describe: &ObjectDescribe, problems: &mut Vec<Problem>) {
    let renewal = describe
        .record_type_infos
        .iter()
        .find(|r| r.developer_name == "Renewal");
    match renewal {
        Some(info) if info.active && info.available => {}
        Some(_) => problems.push(Problem {
            severity: Severity::Error,
            subject: "Opportunity record type Renewal".into(),
            problem: "the record type exists but is inactive or not available to the integration user".into(),
            fix: "activate it and add it to the Vitals_Integration permission set's record type visibilities".into(),
        }),
        None => problems.push(Problem {
            severity: Severity::Error,
            subject: "Opportunity record type Renewal".into(),
            problem: "the record type is missing".into(),
            fix: "deploy salesforce-metadata/ (see salesforce-metadata/README.md)".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requirements_follow_the_field_map_and_the_model() {
        let map = FieldMap::with_overrides([("account.arr", "ACV__c")], &["adoption"]).unwrap();
        let reqs = requirements(&map, &["adoption"]);
        assert!(
            reqs.iter()
                .any(|r| r.object == SObject::Account && r.api == "ACV__c")
        );
        assert!(
            reqs.iter()
                .any(|r| r.api == "Health_Adoption__c" && r.access == Access::Write)
        );
        assert!(
            reqs.iter()
                .any(|r| r.object == SObject::HealthHistory && r.api == "Adoption__c")
        );
        let status = reqs.iter().find(|r| r.api == "Health_Status__c").unwrap();
        assert_eq!(status.values.len(), 4);
    }
}
