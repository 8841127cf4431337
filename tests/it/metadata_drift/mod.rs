//! Ties `salesforce-metadata/` to `salesforce::wire`: every custom field the daemon reads or
//! writes by default must exist in the metadata package, on the right object, with a type,
//! size and picklist values that fit what the code expects.
//!
//! The `Vitals_Integration` permission set is held to the same table, both ways
//! ([`permissions`]).
//!
//! Without this test the field table and the package drift apart silently, and an admin who
//! deploys the package learns about it from `vitals check` (or worse, from failed writes).

mod permissions;

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use vitals::domain::{HealthStatus, HealthTrend, Sentiment};
use vitals::salesforce::wire::{
    Access, CATEGORY_FIELD_TYPE, DEFAULT_FIELDS, FieldType, SObject, WireField, category_field,
};

/// The category keys of every shipped scoring preset, read from the presets themselves: the
/// package ships a score field for each on Account and on `Health_Score_History__c`, so any
/// preset works after one deployment, and a category added to a preset without its fields
/// fails here.
fn preset_categories() -> Vec<(&'static str, Vec<String>)> {
    vitals::scoring::PRESET_NAMES
        .iter()
        .map(|name| {
            let model = vitals::scoring::Model::load_preset(name).unwrap();
            let keys = model
                .category_keys()
                .into_iter()
                .map(str::to_owned)
                .collect();
            (*name, keys)
        })
        .collect()
}

/// The playbook keys Vitals writes to `Playbook__c` (product spec, section 6), as the
/// configuration knows them.
fn playbook_keys() -> Vec<&'static str> {
    vitals::domain::Playbook::ALL
        .iter()
        .map(|p| p.name())
        .collect()
}

/// The picklist values Vitals writes (or must recognise) for a field, by Vitals' field name,
/// so the check follows the field when its API name is remapped.
fn expected_values(field: &WireField) -> Vec<&'static str> {
    match (field.object, field.name) {
        (SObject::Account, "health_status") | (SObject::HealthHistory, "status") => {
            HealthStatus::KNOWN.to_vec()
        }
        (SObject::Account, "health_trend") => HealthTrend::KNOWN.to_vec(),
        (SObject::Account, "csm_sentiment") => Sentiment::KNOWN.to_vec(),
        (SObject::Task | SObject::Event, "playbook") => playbook_keys(),
        _ => Vec::new(),
    }
}

/// One way the metadata package disagrees with the code.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Problem {
    /// The object as the code names it (`Task`, not `Activity`).
    object: &'static str,
    /// The field's API name.
    field: String,
    /// What is wrong, in a sentence.
    problem: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}: {}", self.object, self.field, self.problem)
    }
}

/// What a `*.field-meta.xml` file says about a field.
#[derive(Debug, Default)]
struct MetaField {
    field_type: String,
    length: Option<u32>,
    precision: Option<u32>,
    scale: Option<u32>,
    external_id: bool,
    unique: bool,
    values: Vec<String>,
}

/// The folder under `objects/` that defines an object's custom fields: Task and Event share
/// theirs on `Activity`.
fn object_folder(object: SObject) -> &'static str {
    match object {
        SObject::Task | SObject::Event => "Activity",
        other => other.api_name(),
    }
}

fn field_path(metadata_dir: &Path, object: SObject, api: &str) -> PathBuf {
    metadata_dir
        .join("force-app/main/default/objects")
        .join(object_folder(object))
        .join("fields")
        .join(format!("{api}.field-meta.xml"))
}

fn parse_field(text: &str) -> Result<MetaField, String> {
    let doc = roxmltree::Document::parse(text).map_err(|e| e.to_string())?;
    let root = doc.root_element();
    if root.tag_name().name() != "CustomField" {
        return Err(format!(
            "root element is <{}>, not <CustomField>",
            root.tag_name().name()
        ));
    }
    let child = |name: &str| {
        root.children()
            .find(|n| n.has_tag_name(name))
            .and_then(|n| n.text())
            .map(str::trim)
    };
    let number = |name: &str| -> Result<Option<u32>, String> {
        child(name)
            .map(|t| {
                t.parse()
                    .map_err(|_| format!("<{name}> is not a number: {t:?}"))
            })
            .transpose()
    };
    let values = root
        .descendants()
        .filter(|n| {
            n.has_tag_name("value")
                && n.parent()
                    .is_some_and(|p| p.has_tag_name("valueSetDefinition"))
        })
        .filter_map(|v| v.children().find(|n| n.has_tag_name("fullName")))
        .filter_map(|n| n.text())
        .map(|t| t.trim().to_owned())
        .collect();
    Ok(MetaField {
        field_type: child("type").unwrap_or_default().to_owned(),
        length: number("length")?,
        precision: number("precision")?,
        scale: number("scale")?,
        external_id: child("externalId") == Some("true"),
        unique: child("unique") == Some("true"),
        values,
    })
}

/// Whether the metadata can hold every value the code's type allows.
fn size_problem(expected: FieldType, meta: &MetaField) -> Option<String> {
    match expected {
        FieldType::Text(length) | FieldType::LongText(length) => {
            // A plain TextArea has no <length>: it always holds 255 characters.
            let actual = meta
                .length
                .or((meta.field_type == "TextArea").then_some(255))
                .unwrap_or(0);
            (actual < length).then(|| format!("holds {actual} characters, Vitals needs {length}"))
        }
        FieldType::Number(precision, scale) => {
            let (p, s) = (meta.precision.unwrap_or(0), meta.scale.unwrap_or(0));
            let integer_digits = p.saturating_sub(s);
            let needed_integer_digits = u32::from(precision.saturating_sub(scale));
            (integer_digits < needed_integer_digits || s < u32::from(scale)).then(|| {
                format!("is Number({p}, {s}), Vitals needs at least Number({precision}, {scale})")
            })
        }
        _ => None,
    }
}

/// Every way the metadata package in `metadata_dir` fails to hold `fields` (the custom ones)
/// and the category score fields of `categories`. Empty when they agree.
fn drift(fields: &[WireField], categories: &[&str], metadata_dir: &Path) -> Vec<Problem> {
    let category_fields = categories.iter().flat_map(|key| {
        [SObject::Account, SObject::HealthHistory]
            .into_iter()
            .filter_map(move |object| {
                category_field(object, key)
                    .map(|api| (object, api, CATEGORY_FIELD_TYPE, Access::Write, Vec::new()))
            })
    });
    let custom_fields = fields.iter().filter(|f| f.is_custom()).map(|f| {
        (
            f.object,
            f.api.to_owned(),
            f.field_type,
            f.access,
            expected_values(f),
        )
    });

    let mut problems = Vec::new();
    let mut parsed: BTreeMap<PathBuf, Result<MetaField, String>> = BTreeMap::new();
    for (object, api, field_type, access, values) in custom_fields.chain(category_fields) {
        let mut report = |problem: String| {
            problems.push(Problem {
                object: object.api_name(),
                field: api.clone(),
                problem,
            });
        };
        let path = field_path(metadata_dir, object, &api);
        let meta = parsed.entry(path.clone()).or_insert_with(|| {
            fs::read_to_string(&path)
                .map_err(|e| format!("no field file {} ({e})", path.display()))
                .and_then(|text| parse_field(&text))
        });
        let meta = match meta {
            Ok(meta) => meta,
            Err(error) => {
                report(format!(
                    "is not defined in salesforce-metadata/ on {}: {error}",
                    object_folder(object)
                ));
                continue;
            }
        };
        let allowed = field_type.metadata_types();
        if !allowed.contains(&meta.field_type.as_str()) {
            report(format!(
                "has type {:?}, Vitals needs one of {allowed:?}",
                meta.field_type
            ));
        } else if let Some(problem) = size_problem(field_type, meta) {
            report(problem);
        }
        if access == Access::UpsertKey {
            if !meta.external_id {
                report("is Vitals' upsert key but not an External ID".into());
            }
            // Uniqueness is the platform's guarantee against duplicates; activities get it too
            // where the org allows, but the daemon only relies on it for other objects.
            let is_activity = matches!(object, SObject::Task | SObject::Event);
            if !meta.unique && !is_activity {
                report("is Vitals' upsert key but not Unique".into());
            }
        }
        for value in values {
            if !meta.values.iter().any(|v| v == value) {
                report(format!(
                    "lacks the picklist value {value:?} that Vitals uses"
                ));
            }
        }
    }
    problems
}

fn metadata_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("salesforce-metadata")
}

fn all_categories() -> Vec<String> {
    preset_categories()
        .into_iter()
        .flat_map(|(_, keys)| keys)
        .collect()
}

fn as_strs(keys: &[String]) -> Vec<&str> {
    keys.iter().map(String::as_str).collect()
}

fn render(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_metadata_package_defines_every_field_vitals_uses() {
    let problems = drift(DEFAULT_FIELDS, &as_strs(&all_categories()), &metadata_dir());
    assert!(problems.is_empty(), "{}", render(&problems));
}

#[test]
fn every_preset_category_has_a_score_field_on_account_and_history() {
    let categories = all_categories();
    assert_eq!(categories.len(), 17);
    let dir = metadata_dir();
    for key in &categories {
        for object in [SObject::Account, SObject::HealthHistory] {
            let api = category_field(object, key).unwrap();
            assert!(field_path(&dir, object, &api).is_file(), "{object:?} {api}");
        }
    }
}

#[test]
fn a_field_renamed_in_code_only_is_reported_by_name() {
    let mut fields = DEFAULT_FIELDS.to_vec();
    let score = fields
        .iter_mut()
        .find(|f| f.object == SObject::Account && f.name == "health_score")
        .unwrap();
    score.api = "Health_Score_Value__c";

    let problems = drift(&fields, &as_strs(&all_categories()), &metadata_dir());
    assert_eq!(problems.len(), 1, "{}", render(&problems));
    assert_eq!(problems[0].object, "Account");
    assert_eq!(problems[0].field, "Health_Score_Value__c");
    assert!(
        problems[0]
            .to_string()
            .starts_with("Account.Health_Score_Value__c: is not defined"),
        "{}",
        problems[0]
    );
}

#[test]
fn a_type_the_metadata_cannot_hold_is_reported() {
    let mut fields = DEFAULT_FIELDS.to_vec();
    for field in &mut fields {
        match (field.object, field.name) {
            // A longer key than the 80 characters the package ships.
            (SObject::Opportunity, "vitals_key") => field.field_type = FieldType::Text(255),
            // A wider score than Number(5, 1).
            (SObject::Account, "health_score") => field.field_type = FieldType::Number(7, 2),
            // A type the field does not have.
            (SObject::Account, "health_model") => field.field_type = FieldType::Checkbox,
            _ => {}
        }
    }
    let problems = drift(&fields, &[], &metadata_dir());
    let text = render(&problems);
    assert_eq!(problems.len(), 3, "{text}");
    assert!(
        text.contains("Opportunity.Vitals_Key__c: holds 80 characters, Vitals needs 255"),
        "{text}"
    );
    assert!(
        text.contains(
            "Account.Health_Score__c: is Number(5, 1), Vitals needs at least Number(7, 2)"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "Account.Health_Model__c: has type \"Text\", Vitals needs one of [\"Checkbox\"]"
        ),
        "{text}"
    );
}

#[test]
fn an_unknown_category_is_reported_on_both_objects() {
    let problems = drift(&[], &["made_up"], &metadata_dir());
    let names: Vec<String> = problems
        .iter()
        .map(|p| format!("{}.{}", p.object, p.field))
        .collect();
    assert_eq!(
        names,
        [
            "Account.Health_Made_Up__c",
            "Health_Score_History__c.Made_Up__c"
        ]
    );
}

#[test]
fn a_missing_picklist_value_and_a_missing_external_id_are_reported() {
    let dir = tempfile_dir("vitals-drift-picklist").unwrap();
    let fields_dir = dir.join("force-app/main/default/objects/Activity/fields");
    fs::create_dir_all(&fields_dir).unwrap();
    // Playbook__c without "re-engagement", and a key that is not an External ID.
    let playbook = fs::read_to_string(field_path(&metadata_dir(), SObject::Task, "Playbook__c"))
        .unwrap()
        .replace(
            "<fullName>re-engagement</fullName>",
            "<fullName>reengagement</fullName>",
        );
    fs::write(fields_dir.join("Playbook__c.field-meta.xml"), playbook).unwrap();
    let key = fs::read_to_string(field_path(&metadata_dir(), SObject::Task, "Vitals_Key__c"))
        .unwrap()
        .replace(
            "<externalId>true</externalId>",
            "<externalId>false</externalId>",
        );
    fs::write(fields_dir.join("Vitals_Key__c.field-meta.xml"), key).unwrap();

    let task_fields: Vec<WireField> = DEFAULT_FIELDS
        .iter()
        .filter(|f| f.object == SObject::Task && matches!(f.name, "playbook" | "vitals_key"))
        .copied()
        .collect();
    let problems = drift(&task_fields, &[], &dir);
    let text = render(&problems);
    assert_eq!(
        text,
        "Task.Vitals_Key__c: is Vitals' upsert key but not an External ID\n\
         Task.Playbook__c: lacks the picklist value \"re-engagement\" that Vitals uses"
    );
    fs::remove_dir_all(&dir).unwrap();
}

/// A fresh directory under the target dir, so tests never write outside the build tree.
fn tempfile_dir(name: &str) -> std::io::Result<PathBuf> {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    if dir.exists() {
        fs::remove_dir_all(&dir)?;
    }
    fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// The object folder a reference prefix names: `Account$`, `Account.Tasks$`, `Task.`, ...
fn folder_for(prefix: &str) -> Option<&'static str> {
    match prefix {
        "Account" => Some("Account"),
        "Case" => Some("Case"),
        "Opportunity" => Some("Opportunity"),
        "Task" | "Event" | "Activity" | "Account.Tasks" => Some("Activity"),
        "Health_Score_History__c" => Some("Health_Score_History__c"),
        _ => None,
    }
}

/// Every `(object folder, field)` a metadata file refers to, where the file says which object:
/// `Account$ARR__c` in reports, `Task.Playbook__c` in permission sets, `Record.Health_Score__c`
/// in the record page, bare `Score__c` in a file that belongs to one object.
fn referenced_fields(path: &Path, text: &str) -> Result<Vec<(String, String)>, String> {
    let doc = roxmltree::Document::parse(text).map_err(|e| format!("{}: {e}", path.display()))?;
    let components: Vec<&str> = path.iter().filter_map(|c| c.to_str()).collect();
    let file_object = if let Some(i) = components.iter().position(|c| *c == "objects") {
        components.get(i + 1).copied().and_then(folder_for)
    } else if components.contains(&"layouts") {
        path.file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.split('-').next())
            .and_then(folder_for)
    } else {
        doc.descendants()
            .find(|n| n.has_tag_name("sobjectType"))
            .and_then(|n| n.text())
            .and_then(folder_for)
    };
    let mut found = Vec::new();
    for node in doc.descendants().filter(|n| n.is_element()) {
        let tag = node.tag_name().name();
        // Names of things other than fields: the file's own name, report types, objects.
        if matches!(
            tag,
            "fullName" | "reportType" | "tab" | "object" | "relatedListApiName"
        ) {
            continue;
        }
        let Some(text) = node.children().find(|c| c.is_text()).and_then(|c| c.text()) else {
            continue;
        };
        // A report type column names its object in the sibling <table>, a layout's related
        // list in the sibling <relatedList> (`Child__c.Lookup__c`).
        let sibling = |name: &str| {
            node.parent()
                .and_then(|p| p.children().find(|c| c.has_tag_name(name)))
                .and_then(|t| t.text())
        };
        let table = sibling("table").and_then(folder_for).or_else(|| {
            sibling("relatedList")
                .and_then(|r| r.split('.').next())
                .and_then(folder_for)
        });
        for token in text.split(|c: char| !(c.is_ascii_alphanumeric() || "_.$".contains(c))) {
            if !token.ends_with("__c") || token == "Health_Score_History__c" {
                continue;
            }
            let (object, field) = match token.rsplit_once(['$', '.']) {
                Some(("Record", field)) => (file_object, field),
                Some((prefix, field)) => (folder_for(prefix), field),
                None => (table.or(file_object), token),
            };
            match object {
                Some(object) => found.push((object.to_owned(), field.to_owned())),
                None => {
                    return Err(format!(
                        "{}: cannot tell the object of {token}",
                        path.display()
                    ));
                }
            }
        }
    }
    Ok(found)
}

fn metadata_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            metadata_files(&path, out)?;
        } else if path.to_string_lossy().ends_with("-meta.xml") {
            out.push(path);
        }
    }
    Ok(())
}

#[test]
fn every_custom_field_the_package_refers_to_is_defined_in_it() {
    let dir = metadata_dir();
    let mut files = Vec::new();
    metadata_files(&dir.join("force-app"), &mut files).unwrap();
    files.sort();
    let mut checked = 0;
    let mut missing = Vec::new();
    for file in &files {
        let text = fs::read_to_string(file).unwrap();
        for (object, field) in referenced_fields(file, &text).unwrap() {
            checked += 1;
            let defined = dir
                .join("force-app/main/default/objects")
                .join(&object)
                .join("fields")
                .join(format!("{field}.field-meta.xml"));
            if !defined.is_file() {
                missing.push(format!("{}: {object}.{field}", file.display()));
            }
        }
    }
    // Permission sets, layouts, the page, reports and dashboards all refer to fields.
    assert!(checked > 300, "only {checked} references found");
    assert!(
        missing.is_empty(),
        "undefined fields:\n{}",
        missing.join("\n")
    );
}

#[test]
fn a_misspelt_field_reference_is_caught() {
    let path = Path::new("reports/Vitals_Customer_Health/Example.report-meta.xml");
    let text = r#"<Report xmlns="http://soap.sforce.com/2006/04/metadata">
        <columns><field>Account$Health_Busines_Reviews__c</field></columns>
        <columns><field>Account.Tasks$Playbook__c</field></columns>
        <reportType>Vitals_Accounts__c</reportType></Report>"#;
    assert_eq!(
        referenced_fields(path, text).unwrap(),
        [
            ("Account".to_owned(), "Health_Busines_Reviews__c".to_owned()),
            ("Activity".to_owned(), "Playbook__c".to_owned()),
        ]
    );
}
