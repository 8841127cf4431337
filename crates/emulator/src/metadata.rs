//! Reads SFDX source-format metadata (`force-app/main/default/...`) into the schema.
//!
//! Understood: `objects/<Object>/<Object>.object-meta.xml` (custom objects),
//! `objects/<Object>/fields/<Field>.field-meta.xml` (custom fields; `objects/Activity/...`
//! lands on both Task and Event, as on a real org), `objects/<Object>/recordTypes/*` and
//! `objects/Opportunity/businessProcesses/*` (record types and sales processes) and
//! `standardValueSets/OpportunityStage.standardValueSet-meta.xml` (stage semantics) and
//! `objects/<Object>/validationRules/*` (active rules, whose formulas [`crate::formula`]
//! must understand or the load fails naming the rule).
//! Everything else (layouts, permission sets, reports) is ignored: it does not change the API.
//! The files are embedded at build time (see `build.rs`) so the binary works from any
//! directory. This module never touches the store.

use std::collections::BTreeMap;
use std::path::Path;

use crate::formula::parse as parse_formula;
use crate::id::SfId;
use crate::rule::ValidationRuleDef;

use super::schema::{
    AutoNumber, FieldDef, FieldType, ObjectDef, PicklistValue, RecordTypeDef, Schema, StageInfo,
    reference,
};
use super::standard::stage_info_for;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_metadata.rs"));
}

/// Why metadata could not be read.
#[derive(Debug, thiserror::Error)]
pub enum MetadataError {
    /// A file could not be read from disk.
    #[error("cannot read metadata file {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A file is not well-formed XML or misses what its kind needs.
    #[error("metadata file {path}: {message}")]
    Invalid {
        /// The file, relative to `force-app/main/default`.
        path: String,
        /// What is wrong.
        message: String,
    },
}

/// The metadata compiled into the binary: (relative path, text).
pub fn embedded_files() -> Vec<(String, String)> {
    embedded::FILES
        .iter()
        .map(|(p, t)| ((*p).to_owned(), (*t).to_owned()))
        .collect()
}

/// Reads every `*-meta.xml` below a metadata directory. `dir` may be the SFDX project
/// (`salesforce-metadata`, whose `standard-value-sets/` project is read too) or a
/// `force-app/main/default` folder.
///
/// # Errors
/// [`MetadataError::Read`] when a directory or file cannot be read.
pub fn read_dir(dir: &Path) -> Result<Vec<(String, String)>, MetadataError> {
    let mut out = Vec::new();
    let nested = dir.join("force-app/main/default");
    if nested.is_dir() {
        walk(&nested, &nested, &mut out)?;
        let values = dir.join("standard-value-sets/force-app/main/default");
        if values.is_dir() {
            walk(&values, &values, &mut out)?;
        }
    } else {
        walk(dir, dir, &mut out)?;
    }
    out.sort();
    Ok(out)
}

/// Which picklist a standard value set fills (Metadata API, StandardValueSet names).
fn standard_value_set_target(name: &str) -> Option<(&'static str, &'static str)> {
    Some(match name {
        "AccountType" => ("Account", "Type"),
        "Industry" => ("Account", "Industry"),
        "CaseStatus" => ("Case", "Status"),
        "CasePriority" => ("Case", "Priority"),
        "CaseOrigin" => ("Case", "Origin"),
        "CaseType" => ("Case", "Type"),
        "ContractStatus" => ("Contract", "Status"),
        "EventType" => ("Event", "Type"),
        "TaskType" => ("Task", "Type"),
        "TaskStatus" => ("Task", "Status"),
        "TaskPriority" => ("Task", "Priority"),
        "OpportunityType" => ("Opportunity", "Type"),
        "OpportunityStage" => ("Opportunity", "StageName"),
        _ => return None,
    })
}

fn walk(dir: &Path, root: &Path, out: &mut Vec<(String, String)>) -> Result<(), MetadataError> {
    let entries = std::fs::read_dir(dir).map_err(|source| MetadataError::Read {
        path: dir.display().to_string(),
        source,
    })?;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, root, out)?;
        } else if path.to_string_lossy().ends_with("-meta.xml") {
            let text = std::fs::read_to_string(&path).map_err(|source| MetadataError::Read {
                path: path.display().to_string(),
                source,
            })?;
            let relative = path
                .strip_prefix(root)
                .map(|p| p.to_string_lossy().replace('\\', "/"))
                .unwrap_or_default();
            out.push((relative, text));
        }
    }
    Ok(())
}

/// A parsed XML element: name, text content and children. Attributes are not needed by
/// the SFDX formats read here and are skipped.
#[derive(Debug, Default, Clone)]
pub struct Element {
    /// Tag name without namespace prefix.
    pub name: String,
    /// Concatenated, unescaped text directly inside the element.
    pub text: String,
    /// Child elements in document order.
    pub children: Vec<Element>,
}

impl Element {
    /// The first child with this name.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// The trimmed text of the first child with this name.
    pub fn text_of(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.trim())
    }

    /// Whether the child with this name says `true`.
    pub fn flag(&self, name: &str) -> bool {
        self.text_of(name) == Some("true")
    }

    /// Every child with this name.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The text of a child parsed as a number.
    fn number(&self, name: &str) -> Option<u32> {
        self.text_of(name).and_then(|t| t.parse().ok())
    }
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// Parses a small XML document (no DTDs, no CDATA needed) into its root element.
///
/// # Errors
/// A message naming the first problem.
pub fn parse_xml(text: &str) -> Result<Element, String> {
    let mut stack: Vec<Element> = vec![Element::default()];
    let mut rest = text;
    while !rest.is_empty() {
        let Some(open) = rest.find('<') else {
            if let Some(top) = stack.last_mut() {
                top.text.push_str(&unescape(rest));
            }
            break;
        };
        if let Some(top) = stack.last_mut() {
            top.text.push_str(&unescape(&rest[..open]));
        }
        rest = markup(&mut stack, &rest[open..])?;
    }
    if stack.len() != 1 {
        return Err("unclosed element".into());
    }
    stack
        .pop()
        .and_then(|doc| doc.children.into_iter().next())
        .ok_or_else(|| "no root element".into())
}

/// Reads the markup `rest` starts with (its `<`) into the open elements; gives what
/// follows it.
fn markup<'t>(stack: &mut Vec<Element>, rest: &'t str) -> Result<&'t str, String> {
    if let Some(after) = rest.strip_prefix("<?") {
        let end = after
            .find("?>")
            .ok_or("unterminated processing instruction")?;
        Ok(&after[end + 2..])
    } else if let Some(after) = rest.strip_prefix("<!--") {
        let end = after.find("-->").ok_or("unterminated comment")?;
        Ok(&after[end + 3..])
    } else if let Some(after) = rest.strip_prefix("<![CDATA[") {
        let end = after.find("]]>").ok_or("unterminated CDATA")?;
        if let Some(top) = stack.last_mut() {
            top.text.push_str(&after[..end]);
        }
        Ok(&after[end + 3..])
    } else if let Some(after) = rest.strip_prefix("</") {
        let end = after.find('>').ok_or("unterminated closing tag")?;
        let name = local(after[..end].trim());
        let done = stack.pop().ok_or("unbalanced closing tag")?;
        if done.name != name {
            return Err(format!("</{name}> closes <{}>", done.name));
        }
        stack
            .last_mut()
            .ok_or("closing tag without parent")?
            .children
            .push(done);
        Ok(&after[end + 1..])
    } else {
        open_tag(stack, rest)
    }
}

/// An opening or self-closing tag: the element is opened, or added to its parent whole.
fn open_tag<'t>(stack: &mut Vec<Element>, rest: &'t str) -> Result<&'t str, String> {
    let end = rest.find('>').ok_or("unterminated tag")?;
    let inner = &rest[1..end];
    let self_closing = inner.ends_with('/');
    let inner = inner.trim_end_matches('/');
    let name = local(inner.split_whitespace().next().unwrap_or_default());
    if name.is_empty() {
        return Err("empty tag name".into());
    }
    let element = Element {
        name: name.to_owned(),
        ..Element::default()
    };
    if self_closing {
        stack
            .last_mut()
            .ok_or("tag without parent")?
            .children
            .push(element);
    } else {
        stack.push(element);
    }
    Ok(&rest[end + 1..])
}

fn local(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

/// Adds the custom objects, fields, record types and stages of `files` to `schema`.
///
/// The phases run in this order because each may name what an earlier one added: value
/// sets fill standard picklists, then custom objects get their key prefixes, then fields,
/// record types (with their sales processes) and last the validation rules.
///
/// # Errors
/// [`MetadataError::Invalid`] naming the first unreadable file.
pub fn apply(schema: &mut Schema, files: &[(String, String)]) -> Result<(), MetadataError> {
    let parsed = parse_files(files)?;
    apply_standard_value_sets(schema, &parsed);
    add_custom_objects(schema, &parsed);
    add_custom_fields(schema, &parsed)?;
    add_record_types(schema, &parsed);
    add_validation_rules(schema, &parsed)
}

/// Every file's root element, by relative path.
type Parsed<'a> = BTreeMap<&'a str, Element>;

fn invalid(path: &str, message: String) -> MetadataError {
    MetadataError::Invalid {
        path: path.to_owned(),
        message,
    }
}

fn parse_files(files: &[(String, String)]) -> Result<Parsed<'_>, MetadataError> {
    let mut parsed = Parsed::new();
    for (path, text) in files {
        let root = parse_xml(text).map_err(|message| invalid(path, message))?;
        parsed.insert(path.as_str(), root);
    }
    Ok(parsed)
}

/// Standard value sets replace a standard picklist's values, as deploying one does;
/// OpportunityStage also carries each stage's closed/won/probability/forecast category.
fn apply_standard_value_sets(schema: &mut Schema, parsed: &Parsed<'_>) {
    for (path, root) in parsed {
        let Some(name) = path
            .strip_prefix("standardValueSets/")
            .and_then(|f| f.strip_suffix(".standardValueSet-meta.xml"))
        else {
            continue;
        };
        let Some((object, field)) = standard_value_set_target(name) else {
            continue;
        };
        let mut values = Vec::new();
        for value in root.all("standardValue") {
            let Some(api) = value.text_of("fullName") else {
                continue;
            };
            values.push(PicklistValue {
                value: api.to_owned(),
                label: value.text_of("label").unwrap_or(api).to_owned(),
                active: true,
                default: value.flag("default"),
            });
            if name == "OpportunityStage" {
                schema.stages.insert(api.to_owned(), stage_info(api, value));
            }
        }
        if let Some(def) = schema.object_mut(object).and_then(|o| o.field_mut(field))
            && !values.is_empty()
        {
            replace_picklist_values(def, values);
        }
    }
}

/// A stage's semantics from its `<standardValue>`, falling back to the known stage's.
fn stage_info(api: &str, value: &Element) -> StageInfo {
    let known = stage_info_for(api);
    let forecast = match value.text_of("forecastCategory") {
        Some("Omitted") => "Omitted",
        Some("BestCase") | Some("Best Case") => "Best Case",
        Some("Forecast") | Some("Commit") => "Commit",
        Some("Closed") => "Closed",
        Some("Pipeline") => "Pipeline",
        _ => known.forecast_category,
    };
    StageInfo {
        closed: value
            .text_of("closed")
            .map_or(known.closed, |t| t == "true"),
        won: value.text_of("won").map_or(known.won, |t| t == "true"),
        probability: value
            .text_of("probability")
            .and_then(|p| p.parse().ok())
            .unwrap_or(known.probability),
        forecast_category: forecast,
    }
}

fn replace_picklist_values(def: &mut FieldDef, mut values: Vec<PicklistValue>) {
    // A set that marks no default keeps the org's old default when it still exists.
    let old_default = def.default_picklist_value().map(str::to_owned);
    if !values.iter().any(|v| v.default) {
        for value in &mut values {
            value.default = Some(&value.value) == old_default.as_ref();
        }
    }
    def.picklist_values = values;
}

/// Custom objects, in name order so key prefixes are stable.
fn add_custom_objects(schema: &mut Schema, parsed: &Parsed<'_>) {
    let mut next_prefix = 0usize;
    for (path, root) in parsed {
        let parts: Vec<&str> = path.split('/').collect();
        if let ["objects", object, file] = parts.as_slice()
            && file.ends_with(".object-meta.xml")
            && object.ends_with("__c")
        {
            let prefix = custom_prefix(next_prefix);
            next_prefix += 1;
            schema.add(custom_object(object, root, &prefix));
        }
    }
}

fn add_custom_fields(schema: &mut Schema, parsed: &Parsed<'_>) -> Result<(), MetadataError> {
    for (path, root) in parsed {
        let parts: Vec<&str> = path.split('/').collect();
        if let ["objects", object, "fields", _] = parts.as_slice() {
            let field = custom_field(root).map_err(|message| invalid(path, message))?;
            let targets: Vec<&str> = if *object == "Activity" {
                vec!["Task", "Event"]
            } else {
                vec![object]
            };
            for target in targets {
                if let Some(def) = schema.object_mut(target) {
                    if field.cascade_delete {
                        // A master-detail child has no owner of its own.
                        def.fields.retain(|f| f.name != "OwnerId");
                        def.rebuild_index();
                    }
                    def.push(field.clone());
                }
            }
        }
    }
    Ok(())
}

/// Record types with their sales processes.
fn add_record_types(schema: &mut Schema, parsed: &Parsed<'_>) {
    for (path, root) in parsed {
        let parts: Vec<&str> = path.split('/').collect();
        if let ["objects", object, "recordTypes", _] = parts.as_slice() {
            let developer_name = root.text_of("fullName").unwrap_or_default().to_owned();
            let developer_name = if developer_name.is_empty() {
                parts
                    .last()
                    .map(|f| f.trim_end_matches(".recordType-meta.xml").to_owned())
                    .unwrap_or_default()
            } else {
                developer_name
            };
            let stages = sales_process_stages(parsed, object, root);
            for stage in stages.iter().flatten() {
                if !schema.stages.contains_key(stage) {
                    add_stage(schema, stage, stage_info_for(stage));
                }
            }
            if let Some(def) = schema.object_mut(object) {
                add_record_type(def, root, developer_name, stages);
            }
        }
    }
}

/// The stages of the sales process a record type names, if it names one that exists.
fn sales_process_stages(parsed: &Parsed<'_>, object: &str, root: &Element) -> Option<Vec<String>> {
    root.text_of("businessProcess").and_then(|process| {
        let key = format!("objects/{object}/businessProcesses/{process}.businessProcess-meta.xml");
        parsed.get(key.as_str()).map(|bp| {
            bp.all("values")
                .filter_map(|v| v.text_of("fullName").map(str::to_owned))
                .collect::<Vec<_>>()
        })
    })
}

fn add_record_type(
    def: &mut ObjectDef,
    root: &Element,
    developer_name: String,
    stages: Option<Vec<String>>,
) {
    let serial = u64::try_from(def.record_types.len()).unwrap_or(0) + 100;
    def.record_types.push(RecordTypeDef {
        id: SfId::from_parts("012", serial),
        label: root
            .text_of("label")
            .unwrap_or(developer_name.as_str())
            .to_owned(),
        developer_name,
        default: false,
        master: false,
        stages,
    });
    if def.field("RecordTypeId").is_none() {
        def.push(reference(
            "RecordTypeId",
            "Record Type ID",
            &["RecordType"],
            "RecordType",
            None,
        ));
    }
}

/// Validation rules, once every field they may name is in.
fn add_validation_rules(schema: &mut Schema, parsed: &Parsed<'_>) -> Result<(), MetadataError> {
    for (path, root) in parsed {
        let parts: Vec<&str> = path.split('/').collect();
        if let ["objects", object, "validationRules", _] = parts.as_slice()
            && let Some(def) = schema.object_mut(object)
            && let Some(rule) =
                validation_rule(def, root).map_err(|message| invalid(path, message))?
        {
            def.validation_rules.push(rule);
        }
    }
    Ok(())
}

/// An active validation rule of `object`, `None` for an inactive one.
///
/// # Errors
/// A message naming the rule when its formula uses what [`crate::formula`] does not
/// evaluate, or names a field the object does not have.
fn validation_rule(
    object: &ObjectDef,
    root: &Element,
) -> Result<Option<ValidationRuleDef>, String> {
    let name = root.text_of("fullName").ok_or("no <fullName>")?;
    if !root.flag("active") {
        return Ok(None);
    }
    let formula = root
        .text_of("errorConditionFormula")
        .ok_or_else(|| format!("validation rule {name} has no <errorConditionFormula>"))?;
    let field = |field: &str| object.field_index(field);
    let condition = parse_formula(formula, &field)
        .map_err(|message| format!("validation rule {name} cannot be enforced: {message}"))?;
    let display_field = match root.text_of("errorDisplayField") {
        None => None,
        Some(field) => Some(
            object
                .field(field)
                .map(|f| f.name.clone())
                .ok_or_else(|| format!("validation rule {name}: no field {field}"))?,
        ),
    };
    Ok(Some(ValidationRuleDef {
        name: name.to_owned(),
        condition,
        message: root.text_of("errorMessage").unwrap_or_default().to_owned(),
        display_field,
    }))
}

fn add_stage(schema: &mut Schema, name: &str, info: StageInfo) {
    schema.stages.insert(name.to_owned(), info);
    if let Some(field) = schema
        .object_mut("Opportunity")
        .and_then(|o| o.field_mut("StageName"))
        && field.picklist_value(name).is_none()
    {
        field.picklist_values.push(PicklistValue::new(name));
    }
}

/// Custom-object key prefixes `a0A`, `a0B`, ... as an org allocates them per object.
fn custom_prefix(n: usize) -> String {
    const DIGITS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let digit = DIGITS.get(n % DIGITS.len()).copied().unwrap_or(b'A');
    let second = if n < DIGITS.len() { b'0' } else { b'1' };
    format!("a{}{}", char::from(second), char::from(digit))
}

fn custom_object(name: &str, root: &Element, prefix: &str) -> ObjectDef {
    let label = root.text_of("label").unwrap_or(name);
    let plural = root.text_of("pluralLabel").unwrap_or(label);
    let mut object = ObjectDef::new(name, label, plural, prefix);
    let name_field = root.child("nameField");
    let auto = name_field.and_then(|n| n.text_of("type")) == Some("AutoNumber");
    let mut field = FieldDef::new(
        "Name",
        name_field
            .and_then(|n| n.text_of("label"))
            .unwrap_or("Name"),
        FieldType::String,
    );
    field.length = 80;
    field.id_lookup = true;
    if auto {
        let format = name_field
            .and_then(|n| n.text_of("displayFormat"))
            .unwrap_or("{0}");
        let start = name_field
            .and_then(|n| n.text_of("startingNumber"))
            .and_then(|n| n.parse().ok())
            .unwrap_or(1);
        object
            .auto_numbers
            .push(AutoNumber::from_display_format("Name", format, start));
        field.createable = false;
        field.updateable = false;
        field.nillable = false;
        field.defaulted_on_create = true;
    } else {
        field.nillable = true;
        field.defaulted_on_create = true;
    }
    object.push(field);
    let mut owner = reference("OwnerId", "Owner ID", &["User"], "Owner", None);
    owner.nillable = false;
    owner.defaulted_on_create = true;
    object.push(owner);
    object
}

fn custom_field(root: &Element) -> Result<FieldDef, String> {
    let name = root.text_of("fullName").ok_or("no <fullName>")?;
    let label = root.text_of("label").unwrap_or(name);
    let kind = root.text_of("type").unwrap_or("Text");
    let field_type = field_type_of(kind)?;
    let mut field = FieldDef::new(name, label, field_type);
    field.custom = true;
    if let Some(length) = root.number("length") {
        field.length = length;
    }
    if field_type.is_number() {
        field.precision = root.number("precision").unwrap_or(18);
        field.scale = root.number("scale").unwrap_or(0);
    }
    field.external_id = root.flag("externalId");
    field.unique = root.flag("unique");
    field.case_sensitive = field.unique && root.flag("caseSensitive");
    field.id_lookup = field.external_id || field.unique;
    if root.flag("required") || kind == "MasterDetail" {
        field.nillable = false;
    }
    if field_type == FieldType::Boolean {
        field.default_boolean = Some(root.text_of("defaultValue") == Some("true"));
        field.nillable = false;
        field.defaulted_on_create = true;
    }
    if root.child("formula").is_some() || root.child("summaryOperation").is_some() {
        field.calculated = true;
        field.createable = false;
        field.updateable = false;
    }
    if kind == "AutoNumber" {
        field.createable = false;
        field.updateable = false;
        field.defaulted_on_create = true;
    }
    if field_type == FieldType::Reference {
        add_relationship(&mut field, root, kind)?;
    }
    if let Some(value_set) = root.child("valueSet") {
        add_value_set(&mut field, value_set);
    }
    Ok(field)
}

/// The API type a Metadata API field `<type>` describes as.
fn field_type_of(kind: &str) -> Result<FieldType, String> {
    Ok(match kind {
        "Text" => FieldType::String,
        "TextArea" | "LongTextArea" | "Html" => FieldType::TextArea,
        // Custom Number fields always describe as `double`, whatever their scale.
        "Number" => FieldType::Double,
        "Currency" => FieldType::Currency,
        "Percent" => FieldType::Percent,
        "Checkbox" => FieldType::Boolean,
        "Date" => FieldType::Date,
        "DateTime" => FieldType::DateTime,
        "Picklist" => FieldType::Picklist,
        "MultiselectPicklist" => FieldType::MultiPicklist,
        "Lookup" | "MasterDetail" => FieldType::Reference,
        "Email" => FieldType::Email,
        "Phone" => FieldType::Phone,
        "Url" => FieldType::Url,
        "AutoNumber" => FieldType::String,
        other => return Err(format!("unsupported field type {other}")),
    })
}

/// A lookup's or master-detail's target and relationship names.
fn add_relationship(field: &mut FieldDef, root: &Element, kind: &str) -> Result<(), String> {
    let target = root
        .text_of("referenceTo")
        .ok_or("lookup without <referenceTo>")?;
    field.reference_to = vec![target.to_owned()];
    let base = field.name.trim_end_matches("__c");
    field.relationship_name = Some(format!("{base}__r"));
    field.child_relationship = root.text_of("relationshipName").map(|r| format!("{r}__r"));
    if kind == "MasterDetail" {
        field.cascade_delete = true;
        field.updateable = root.flag("reparentableMasterDetail");
    }
    Ok(())
}

fn add_value_set(field: &mut FieldDef, value_set: &Element) {
    field.restricted_picklist = value_set.flag("restricted");
    if let Some(definition) = value_set.child("valueSetDefinition") {
        for value in definition.all("value") {
            let Some(api) = value.text_of("fullName") else {
                continue;
            };
            field.picklist_values.push(PicklistValue {
                value: api.to_owned(),
                label: value.text_of("label").unwrap_or(api).to_owned(),
                active: value.text_of("isActive") != Some("false"),
                default: value.flag("default"),
            });
        }
    }
    if field.picklist_values.iter().any(|v| v.default) {
        field.defaulted_on_create = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nested_elements_and_entities() {
        let root = parse_xml(
            "<?xml version=\"1.0\"?>\n<CustomField xmlns=\"x\"><fullName>A__c</fullName><!-- c --><label>A &amp; B</label><x/></CustomField>",
        )
        .unwrap();
        assert_eq!(root.name, "CustomField");
        assert_eq!(root.text_of("label"), Some("A & B"));
        assert!(root.child("x").is_some());
        assert_eq!(parse_xml("<a><b></a>").unwrap_err(), "</a> closes <b>");
        assert_eq!(parse_xml("<a><b/>").unwrap_err(), "unclosed element");
        assert_eq!(parse_xml("<a>").unwrap_err(), "unclosed element");
        assert_eq!(parse_xml("<a><!-- x").unwrap_err(), "unterminated comment");
    }

    #[test]
    fn activity_fields_land_on_task_and_event() {
        let mut schema = super::super::standard::standard_schema();
        let files = vec![(
            "objects/Activity/fields/Vitals_Key__c.field-meta.xml".to_owned(),
            "<CustomField><fullName>Vitals_Key__c</fullName><label>Key</label><type>Text</type><length>80</length><externalId>true</externalId><unique>true</unique></CustomField>".to_owned(),
        )];
        apply(&mut schema, &files).unwrap();
        for object in ["Task", "Event"] {
            let field = schema
                .object(object)
                .unwrap()
                .field("vitals_key__c")
                .unwrap();
            assert!(field.external_id && field.unique && field.custom);
            assert_eq!(field.length, 80);
        }
    }

    #[test]
    fn the_embedded_package_parses_and_adds_vitals_fields() {
        let mut schema = super::super::standard::standard_schema();
        apply(&mut schema, &embedded_files()).unwrap();
        let account = schema.object("Account").unwrap();
        assert!(account.field("Health_Score__c").is_some());
        let history = schema.object("Health_Score_History__c").unwrap();
        assert_eq!(history.key_prefix, "a0A");
        assert!(history.field("Key__c").unwrap().external_id);
        let renewal = schema
            .object("Opportunity")
            .unwrap()
            .record_type("Renewal")
            .unwrap();
        assert!(
            renewal
                .stages
                .as_ref()
                .unwrap()
                .iter()
                .any(|s| s == "Early Review")
        );
        assert!(schema.stages.contains_key("Terms Agreed"));
        let task = schema.object("Task").unwrap();
        assert!(task.field("Vitals_Key__c").unwrap().external_id);
        assert!(task.field("Type").unwrap().picklist_value("QBR").is_some());
        assert_eq!(
            task.field("Status").unwrap().default_picklist_value(),
            Some("Not Started")
        );
    }

    fn rule_file(name: &str, active: bool, formula: &str) -> (String, String) {
        (
            format!("objects/Account/validationRules/{name}.validationRule-meta.xml"),
            format!(
                "<ValidationRule><fullName>{name}</fullName><active>{active}</active>\
                 <errorConditionFormula>{formula}</errorConditionFormula>\
                 <errorMessage>No.</errorMessage></ValidationRule>"
            ),
        )
    }

    #[test]
    fn the_packages_validation_rule_loads_with_its_message_and_field() {
        let mut schema = super::super::standard::standard_schema();
        apply(&mut schema, &embedded_files()).unwrap();
        let rules = &schema.object("Account").unwrap().validation_rules;
        assert_eq!(rules.len(), 1);
        assert_eq!(rules[0].name, "CSM_Sentiment_Comment_Required");
        assert_eq!(
            rules[0].message,
            "Explain a Yellow or Red sentiment in CSM Sentiment Comment."
        );
        assert_eq!(
            rules[0].display_field.as_deref(),
            Some("CSM_Sentiment_Comment__c")
        );
    }

    #[test]
    fn a_rule_the_emulator_cannot_evaluate_fails_the_load_naming_it() {
        let mut schema = super::super::standard::standard_schema();
        let files = [rule_file(
            "Uses_Vlookup",
            true,
            "VLOOKUP(Name, Name, Name) = 1",
        )];
        let error = apply(&mut schema, &files).unwrap_err().to_string();
        assert_eq!(
            error,
            "metadata file objects/Account/validationRules/Uses_Vlookup.validationRule-meta.xml: \
             validation rule Uses_Vlookup cannot be enforced: the function VLOOKUP is not supported"
        );
        // An inactive rule is not enforced, so it need not be understood.
        let mut schema = super::super::standard::standard_schema();
        let files = [rule_file("Off", false, "VLOOKUP(Name) = 1")];
        apply(&mut schema, &files).unwrap();
        assert!(
            schema
                .object("Account")
                .unwrap()
                .validation_rules
                .is_empty()
        );
        // A field the object lacks is named too.
        let files = [rule_file("Typo", true, "ISBLANK(Nmae)")];
        let error = apply(&mut schema, &files).unwrap_err().to_string();
        assert!(
            error.ends_with(
                "validation rule Typo cannot be enforced: no field Nmae on the rule's object"
            ),
            "{error}"
        );
    }
}
