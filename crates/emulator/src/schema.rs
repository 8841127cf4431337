//! The emulated org's schema as data: objects, fields, picklists, relationships, record types.
//!
//! This module owns the emulator's *own* field table. A client keeps its own (Vitals' in
//! `salesforce::wire`, a crate this one does not depend on), and keeping the two apart means
//! one misunderstanding of Salesforce cannot hide on both sides. The standard
//! objects live in [`super::standard`]; custom fields and objects are added from the SFDX
//! metadata by [`super::metadata`]. Field-level security is applied on top by
//! [`super::fls`], never by editing this table.

use std::collections::HashMap;

use crate::id::SfId;

use crate::fastmap::FastMap;
use crate::rule::ValidationRuleDef;

/// A field's type, as describe's `type` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// `id`: the record's own Id.
    Id,
    /// `reference`: a lookup or master-detail Id.
    Reference,
    /// `string`: single-line text.
    String,
    /// `textarea`: long or multi-line text.
    TextArea,
    /// `picklist`.
    Picklist,
    /// `multipicklist`: values joined by `;`.
    MultiPicklist,
    /// `combobox`: a picklist that also accepts free text (Task/Event Subject).
    Combobox,
    /// `boolean`.
    Boolean,
    /// `int`.
    Int,
    /// `double`.
    Double,
    /// `currency`.
    Currency,
    /// `percent`.
    Percent,
    /// `date`.
    Date,
    /// `datetime`.
    DateTime,
    /// `email`.
    Email,
    /// `phone`.
    Phone,
    /// `url`.
    Url,
}

impl FieldType {
    /// The name describe uses in the `type` attribute.
    pub fn api_name(self) -> &'static str {
        match self {
            FieldType::Id => "id",
            FieldType::Reference => "reference",
            FieldType::String => "string",
            FieldType::TextArea => "textarea",
            FieldType::Picklist => "picklist",
            FieldType::MultiPicklist => "multipicklist",
            FieldType::Combobox => "combobox",
            FieldType::Boolean => "boolean",
            FieldType::Int => "int",
            FieldType::Double => "double",
            FieldType::Currency => "currency",
            FieldType::Percent => "percent",
            FieldType::Date => "date",
            FieldType::DateTime => "datetime",
            FieldType::Email => "email",
            FieldType::Phone => "phone",
            FieldType::Url => "url",
        }
    }

    /// The SOAP type describe reports next to `type`.
    pub fn soap_type(self) -> &'static str {
        match self {
            FieldType::Id | FieldType::Reference => "tns:ID",
            FieldType::Boolean => "xsd:boolean",
            FieldType::Int => "xsd:int",
            FieldType::Double | FieldType::Currency | FieldType::Percent => "xsd:double",
            FieldType::Date => "xsd:date",
            FieldType::DateTime => "xsd:dateTime",
            _ => "xsd:string",
        }
    }

    /// Whether values of this type are text (stored as strings, limited by `length`).
    pub fn is_text(self) -> bool {
        matches!(
            self,
            FieldType::String
                | FieldType::TextArea
                | FieldType::Picklist
                | FieldType::MultiPicklist
                | FieldType::Combobox
                | FieldType::Email
                | FieldType::Phone
                | FieldType::Url
        )
    }

    /// Whether values of this type are numbers limited by precision and scale.
    pub fn is_number(self) -> bool {
        matches!(
            self,
            FieldType::Int | FieldType::Double | FieldType::Currency | FieldType::Percent
        )
    }
}

/// One picklist entry, as describe's `picklistValues` shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct PicklistValue {
    /// The API value written and read.
    pub value: String,
    /// The label shown to users.
    pub label: String,
    /// Inactive values are rejected on restricted picklists.
    pub active: bool,
    /// The value used when a record is created without one.
    pub default: bool,
}

impl PicklistValue {
    /// An active, non-default value whose label is its value.
    pub fn new(value: &str) -> Self {
        Self {
            value: value.to_owned(),
            label: value.to_owned(),
            active: true,
            default: false,
        }
    }
}

/// One field of an object.
#[derive(Debug, Clone)]
pub struct FieldDef {
    /// API name (`Name`, `Health_Score__c`).
    pub name: String,
    /// Label (`Account Name`).
    pub label: String,
    /// Type.
    pub field_type: FieldType,
    /// Maximum length of text values (0 for non-text).
    pub length: u32,
    /// Total digits of numbers (0 for non-numbers).
    pub precision: u32,
    /// Digits after the decimal point.
    pub scale: u32,
    /// Digits of `int` fields.
    pub digits: u32,
    /// Whether null is allowed.
    pub nillable: bool,
    /// Whether the API may set it on insert.
    pub createable: bool,
    /// Whether the API may change it on update.
    pub updateable: bool,
    /// Whether the org fills it in when a create leaves it out.
    pub defaulted_on_create: bool,
    /// Formula or roll-up: computed, never stored by writes.
    pub calculated: bool,
    /// External-ID field (upsert key).
    pub external_id: bool,
    /// Unique across the object's records.
    pub unique: bool,
    /// A unique field that treats "ABC" and "abc" as different values (metadata
    /// `<caseSensitive>`; describe's `caseSensitive`).
    pub case_sensitive: bool,
    /// Whether upsert/retrieve may look records up by it.
    pub id_lookup: bool,
    /// Custom field (`__c`).
    pub custom: bool,
    /// Usable in WHERE.
    pub filterable: bool,
    /// Target objects of a reference.
    pub reference_to: Vec<String>,
    /// Parent relationship name (`Account`, `Owner`, `Account__r`).
    pub relationship_name: Option<String>,
    /// The child relationship name this lookup gives its parent (`Contacts`).
    pub child_relationship: Option<String>,
    /// Whether deleting the parent deletes this record (master-detail).
    pub cascade_delete: bool,
    /// Whether a picklist rejects values outside its list.
    pub restricted_picklist: bool,
    /// Picklist entries.
    pub picklist_values: Vec<PicklistValue>,
    /// A checkbox's value when a create leaves it out.
    pub default_boolean: Option<bool>,
}

impl FieldDef {
    /// Whether upsert and uniqueness compare this field's text ignoring case. "Custom field
    /// matching is case-insensitive only if the custom field has the Unique and Treat "ABC"
    /// and "abc" as duplicate values (case insensitive) attributes selected"
    /// (https://developer.salesforce.com/docs/atlas.en-us.apexcode.meta/apexcode/langCon_apex_dml_examples_upsert.htm):
    /// a non-unique external Id and a unique case-sensitive one match exactly.
    pub fn ignores_case(&self) -> bool {
        self.unique && !self.case_sensitive
    }

    /// A plain, writable, nillable field.
    pub fn new(name: &str, label: &str, field_type: FieldType) -> Self {
        let length = match field_type {
            FieldType::Id | FieldType::Reference => 18,
            FieldType::TextArea => 32_000,
            FieldType::Picklist | FieldType::MultiPicklist | FieldType::Combobox => 255,
            FieldType::Email | FieldType::Url | FieldType::String => 255,
            FieldType::Phone => 40,
            _ => 0,
        };
        let (precision, scale, digits) = match field_type {
            FieldType::Int => (0, 0, 9),
            FieldType::Double => (18, 0, 0),
            FieldType::Currency => (18, 2, 0),
            FieldType::Percent => (3, 0, 0),
            _ => (0, 0, 0),
        };
        Self {
            name: name.to_owned(),
            label: label.to_owned(),
            field_type,
            length,
            precision,
            scale,
            digits,
            nillable: field_type != FieldType::Boolean,
            createable: true,
            updateable: true,
            defaulted_on_create: field_type == FieldType::Boolean,
            calculated: false,
            external_id: false,
            unique: false,
            case_sensitive: false,
            id_lookup: field_type == FieldType::Id,
            custom: name.ends_with("__c"),
            filterable: field_type != FieldType::TextArea,
            reference_to: Vec::new(),
            relationship_name: None,
            child_relationship: None,
            cascade_delete: false,
            restricted_picklist: false,
            picklist_values: Vec::new(),
            default_boolean: (field_type == FieldType::Boolean).then_some(false),
        }
    }

    /// Whether a create without this field fails with REQUIRED_FIELD_MISSING.
    pub fn required_on_create(&self) -> bool {
        !self.nillable && self.createable && !self.defaulted_on_create
    }

    /// The picklist entry with this exact value, if any.
    pub fn picklist_value(&self, value: &str) -> Option<&PicklistValue> {
        self.picklist_values.iter().find(|p| p.value == value)
    }

    /// The default picklist value, if one is marked.
    pub fn default_picklist_value(&self) -> Option<&str> {
        self.picklist_values
            .iter()
            .find(|p| p.default && p.active)
            .map(|p| p.value.as_str())
    }
}

/// What an Opportunity stage means: the columns of the `OpportunityStage` object.
#[derive(Debug, Clone, PartialEq)]
pub struct StageInfo {
    /// Whether the stage closes the opportunity.
    pub closed: bool,
    /// Whether the stage wins it.
    pub won: bool,
    /// Default probability in percent.
    pub probability: f64,
    /// Forecast category name (`Pipeline`, `Best Case`, `Commit`, `Closed`, `Omitted`).
    pub forecast_category: &'static str,
}

/// A record type and, for Opportunity, its sales process.
#[derive(Debug, Clone)]
pub struct RecordTypeDef {
    /// The RecordType record's Id.
    pub id: SfId,
    /// Developer name (`Renewal`).
    pub developer_name: String,
    /// Label.
    pub label: String,
    /// Whether it is the default for the integration user.
    pub default: bool,
    /// Whether it is the master record type (no sales process restriction).
    pub master: bool,
    /// The stages its sales process allows (Opportunity only; `None` = every stage).
    pub stages: Option<Vec<String>>,
}

/// An auto-number field: `prefix` + the counter zero-padded to `width` + `suffix`
/// (`HSH-{0000000}`, Case's `{00000000}`).
#[derive(Debug, Clone, PartialEq)]
pub struct AutoNumber {
    /// The field it fills.
    pub field: String,
    /// Text before the number.
    pub prefix: String,
    /// Digits of the zero-padded number.
    pub width: usize,
    /// Text after the number.
    pub suffix: String,
    /// The first number.
    pub start: u64,
}

impl AutoNumber {
    /// Reads a display format such as `HSH-{0000000}`.
    pub fn from_display_format(field: &str, format: &str, start: u64) -> Self {
        let (prefix, rest) = format.split_once('{').unwrap_or((format, ""));
        let (digits, suffix) = rest.split_once('}').unwrap_or((rest, ""));
        Self {
            field: field.to_owned(),
            prefix: prefix.to_owned(),
            width: digits.chars().filter(|c| *c == '0').count().max(1),
            suffix: suffix.to_owned(),
            start,
        }
    }

    /// The n-th value (0-based).
    pub fn value(&self, n: u64) -> String {
        format!(
            "{}{:0width$}{}",
            self.prefix,
            self.start.saturating_add(n),
            self.suffix,
            width = self.width
        )
    }
}

/// One object (sObject type).
#[derive(Debug, Clone)]
pub struct ObjectDef {
    /// API name.
    pub name: String,
    /// Singular label.
    pub label: String,
    /// Plural label.
    pub label_plural: String,
    /// The 3-character Id prefix.
    pub key_prefix: String,
    /// Custom object (`__c`).
    pub custom: bool,
    /// Whether the API may create records.
    pub createable: bool,
    /// Whether the API may update records.
    pub updateable: bool,
    /// Whether the API may delete records.
    pub deletable: bool,
    /// Fields in describe order.
    pub fields: Vec<FieldDef>,
    /// Record types (empty when the object has none besides master).
    pub record_types: Vec<RecordTypeDef>,
    /// Auto-number fields, filled on insert.
    pub auto_numbers: Vec<AutoNumber>,
    /// Active validation rules from metadata, in name order.
    pub validation_rules: Vec<ValidationRuleDef>,
    /// Lower-cased name -> position.
    index: FastMap<String, usize>,
    /// Exact (canonical) name -> position: the fast path, since code and most clients use
    /// canonical names.
    exact: FastMap<String, usize>,
}

impl ObjectDef {
    /// An object with the system fields every object has.
    pub fn new(name: &str, label: &str, label_plural: &str, key_prefix: &str) -> Self {
        let mut object = Self {
            name: name.to_owned(),
            label: label.to_owned(),
            label_plural: label_plural.to_owned(),
            key_prefix: key_prefix.to_owned(),
            custom: name.ends_with("__c"),
            createable: true,
            updateable: true,
            deletable: true,
            fields: Vec::new(),
            record_types: Vec::new(),
            auto_numbers: Vec::new(),
            validation_rules: Vec::new(),
            index: FastMap::default(),
            exact: FastMap::default(),
        };
        let mut id = FieldDef::new("Id", &format!("{label} ID"), FieldType::Id);
        id.nillable = false;
        id.createable = false;
        id.updateable = false;
        id.defaulted_on_create = true;
        object.push(id);
        let mut deleted = FieldDef::new("IsDeleted", "Deleted", FieldType::Boolean);
        deleted.createable = false;
        deleted.updateable = false;
        object.push(deleted);
        for (field, label, by) in [
            ("CreatedDate", "Created Date", None),
            ("CreatedById", "Created By ID", Some("CreatedBy")),
            ("LastModifiedDate", "Last Modified Date", None),
            (
                "LastModifiedById",
                "Last Modified By ID",
                Some("LastModifiedBy"),
            ),
            ("SystemModstamp", "System Modstamp", None),
        ] {
            let mut def = match by {
                Some(rel) => reference(field, label, &["User"], rel, None),
                None => FieldDef::new(field, label, FieldType::DateTime),
            };
            def.nillable = false;
            def.createable = false;
            def.updateable = false;
            def.defaulted_on_create = true;
            object.push(def);
        }
        object
    }

    /// Appends a field, or replaces the one with the same name (metadata may redefine one).
    pub fn push(&mut self, field: FieldDef) {
        let key = field.name.to_ascii_lowercase();
        match self.index.get(&key) {
            Some(&at) => {
                if let Some(slot) = self.fields.get_mut(at) {
                    *slot = field;
                }
            }
            None => {
                self.index.insert(key, self.fields.len());
                self.exact.insert(field.name.clone(), self.fields.len());
                self.fields.push(field);
            }
        }
    }

    /// Rebuilds the name index after fields were removed.
    pub fn rebuild_index(&mut self) {
        self.index = self
            .fields
            .iter()
            .enumerate()
            .map(|(i, f)| (f.name.to_ascii_lowercase(), i))
            .collect();
        self.exact = self
            .fields
            .iter()
            .enumerate()
            .map(|(i, f)| (f.name.clone(), i))
            .collect();
    }

    /// The index of a field by case-insensitive API name.
    pub fn field_index(&self, name: &str) -> Option<usize> {
        if let Some(at) = self.exact.get(name) {
            return Some(*at);
        }
        self.index.get(&name.to_ascii_lowercase()).copied()
    }

    /// A field by case-insensitive API name.
    pub fn field(&self, name: &str) -> Option<&FieldDef> {
        self.field_index(name).and_then(|i| self.fields.get(i))
    }

    /// A mutable field by case-insensitive API name.
    pub fn field_mut(&mut self, name: &str) -> Option<&mut FieldDef> {
        let at = self.field_index(name)?;
        self.fields.get_mut(at)
    }

    /// The reference field whose relationship name is `rel` (case-insensitive).
    pub fn relationship(&self, rel: &str) -> Option<&FieldDef> {
        self.fields.iter().find(|f| {
            f.relationship_name
                .as_deref()
                .is_some_and(|r| r.eq_ignore_ascii_case(rel))
        })
    }

    /// A record type by developer name.
    pub fn record_type(&self, developer_name: &str) -> Option<&RecordTypeDef> {
        self.record_types
            .iter()
            .find(|r| r.developer_name.eq_ignore_ascii_case(developer_name))
    }
}

/// Builds a reference field.
pub fn reference(
    name: &str,
    label: &str,
    targets: &[&str],
    relationship: &str,
    child_relationship: Option<&str>,
) -> FieldDef {
    let mut field = FieldDef::new(name, label, FieldType::Reference);
    field.reference_to = targets.iter().map(|t| (*t).to_owned()).collect();
    field.relationship_name = Some(relationship.to_owned());
    field.child_relationship = child_relationship.map(str::to_owned);
    field
}

/// A child relationship as describe lists it on the parent.
#[derive(Debug, Clone, PartialEq)]
pub struct ChildRelationship {
    /// The child object.
    pub child_object: String,
    /// The child's lookup field.
    pub field: String,
    /// The relationship name used in subqueries, if it has one.
    pub relationship_name: Option<String>,
    /// Whether deleting the parent deletes the child.
    pub cascade_delete: bool,
}

/// Every object of the emulated org.
#[derive(Debug, Clone, Default)]
pub struct Schema {
    objects: Vec<ObjectDef>,
    index: HashMap<String, usize>,
    exact: FastMap<String, usize>,
    /// Opportunity stage semantics by stage value.
    pub stages: HashMap<String, StageInfo>,
    /// Task and Case statuses that count as closed.
    pub closed_statuses: HashMap<String, Vec<String>>,
}

impl Schema {
    /// Adds an object, replacing one with the same name.
    pub fn add(&mut self, object: ObjectDef) {
        let key = object.name.to_ascii_lowercase();
        match self.index.get(&key) {
            Some(&at) => {
                if let Some(slot) = self.objects.get_mut(at) {
                    *slot = object;
                }
            }
            None => {
                self.index.insert(key, self.objects.len());
                self.exact.insert(object.name.clone(), self.objects.len());
                self.objects.push(object);
            }
        }
    }

    /// Every object in a stable order.
    pub fn objects(&self) -> &[ObjectDef] {
        &self.objects
    }

    /// The index of an object by case-insensitive API name.
    pub fn object_index(&self, name: &str) -> Option<usize> {
        if let Some(at) = self.exact.get(name) {
            return Some(*at);
        }
        self.index.get(&name.to_ascii_lowercase()).copied()
    }

    /// An object by case-insensitive API name.
    pub fn object(&self, name: &str) -> Option<&ObjectDef> {
        self.object_index(name).and_then(|i| self.objects.get(i))
    }

    /// An object by its index.
    pub fn object_at(&self, index: usize) -> Option<&ObjectDef> {
        self.objects.get(index)
    }

    /// A mutable object by case-insensitive API name.
    pub fn object_mut(&mut self, name: &str) -> Option<&mut ObjectDef> {
        let at = self.object_index(name)?;
        self.objects.get_mut(at)
    }

    /// The object whose records have this Id prefix.
    pub fn object_for_prefix(&self, prefix: &str) -> Option<usize> {
        self.objects.iter().position(|o| o.key_prefix == prefix)
    }

    /// The child relationships of `parent`, in schema order.
    pub fn child_relationships(&self, parent: &str) -> Vec<ChildRelationship> {
        let mut out = Vec::new();
        for object in &self.objects {
            for field in &object.fields {
                if field
                    .reference_to
                    .iter()
                    .any(|t| t.eq_ignore_ascii_case(parent))
                {
                    out.push(ChildRelationship {
                        child_object: object.name.clone(),
                        field: field.name.clone(),
                        relationship_name: field.child_relationship.clone(),
                        cascade_delete: field.cascade_delete,
                    });
                }
            }
        }
        out
    }

    /// Whether `status` closes records of `object` (Task and Case).
    pub fn is_closed_status(&self, object: &str, status: &str) -> bool {
        self.closed_statuses
            .get(object)
            .is_some_and(|list| list.iter().any(|s| s == status))
    }
}
