//! Tests of the SOQL engine against an in-memory schema and rows.
//!
//! The fakes here are deliberately dumb (linear lookups, owned values) so that a test failure
//! points at the engine, not at the fake.

mod binding;
mod evaluation;
mod parsing;
mod properties;

use std::borrow::Cow;

use chrono::{DateTime, NaiveDate, Utc};

use super::{BoundQuery, Catalog, Row, SoqlError, SoqlType, SoqlValue, bind, parse};

/// A small org: Account, Contact, Opportunity, User, RecordType, Note.
pub(super) struct FakeCatalog;

const FIELDS: &[(&str, &str, SoqlType)] = &[
    ("Account", "Id", SoqlType::Id),
    ("Account", "Name", SoqlType::String),
    ("Account", "Type", SoqlType::String),
    ("Account", "Industry", SoqlType::String),
    ("Account", "AnnualRevenue", SoqlType::Double),
    ("Account", "NumberOfEmployees", SoqlType::Integer),
    ("Account", "OwnerId", SoqlType::Reference),
    ("Account", "ParentId", SoqlType::Reference),
    ("Account", "LastActivityDate", SoqlType::Date),
    ("Account", "CreatedDate", SoqlType::DateTime),
    ("Account", "SystemModstamp", SoqlType::DateTime),
    ("Account", "IsDeleted", SoqlType::Boolean),
    ("Contact", "Id", SoqlType::Id),
    ("Contact", "LastName", SoqlType::String),
    ("Contact", "Email", SoqlType::String),
    ("Contact", "AccountId", SoqlType::Reference),
    ("Opportunity", "Id", SoqlType::Id),
    ("Opportunity", "Name", SoqlType::String),
    ("Opportunity", "StageName", SoqlType::String),
    ("Opportunity", "Amount", SoqlType::Double),
    ("Opportunity", "CloseDate", SoqlType::Date),
    ("Opportunity", "IsClosed", SoqlType::Boolean),
    ("Opportunity", "AccountId", SoqlType::Reference),
    ("Opportunity", "RecordTypeId", SoqlType::Reference),
    ("User", "Id", SoqlType::Id),
    ("User", "Name", SoqlType::String),
    ("User", "Email", SoqlType::String),
    ("RecordType", "Id", SoqlType::Id),
    ("RecordType", "DeveloperName", SoqlType::String),
    // An object whose describe omits Id: Id must still be selectable.
    ("Note", "Title", SoqlType::String),
];

/// (object, relationship, parent object).
const PARENTS: &[(&str, &str, &str)] = &[
    ("Account", "Owner", "User"),
    ("Account", "Parent", "Account"),
    ("Contact", "Account", "Account"),
    ("Opportunity", "Account", "Account"),
    ("Opportunity", "Owner", "User"),
    ("Opportunity", "RecordType", "RecordType"),
];

/// (object, relationship, child object, child field).
const CHILDREN: &[(&str, &str, &str, &str)] = &[
    ("Account", "Contacts", "Contact", "AccountId"),
    ("Account", "Opportunities", "Opportunity", "AccountId"),
];

impl Catalog for FakeCatalog {
    fn object(&self, name: &str) -> Option<String> {
        FIELDS
            .iter()
            .find(|(object, _, _)| object.eq_ignore_ascii_case(name))
            .map(|(object, _, _)| (*object).to_owned())
    }

    fn field(&self, object: &str, field: &str) -> Option<(String, SoqlType)> {
        FIELDS
            .iter()
            .find(|(o, f, _)| *o == object && f.eq_ignore_ascii_case(field))
            .map(|(_, f, ty)| ((*f).to_owned(), *ty))
    }

    fn parent_relationship(&self, object: &str, relationship: &str) -> Option<(String, String)> {
        PARENTS
            .iter()
            .find(|(o, r, _)| *o == object && r.eq_ignore_ascii_case(relationship))
            .map(|(_, r, parent)| ((*r).to_owned(), (*parent).to_owned()))
    }

    fn child_relationship(
        &self,
        object: &str,
        relationship: &str,
    ) -> Option<(String, String, String)> {
        CHILDREN
            .iter()
            .find(|(o, r, _, _)| *o == object && r.eq_ignore_ascii_case(relationship))
            .map(|(_, r, child, field)| ((*r).to_owned(), (*child).to_owned(), (*field).to_owned()))
    }
}

/// A row as a list of dotted paths and values; absent paths read as null.
#[derive(Debug, Clone, Default)]
pub(super) struct FakeRow {
    values: Vec<(String, SoqlValue<'static>)>,
}

impl FakeRow {
    pub(super) fn new() -> Self {
        Self::default()
    }

    pub(super) fn with(mut self, path: &str, value: SoqlValue<'static>) -> Self {
        self.values.push((path.to_owned(), value));
        self
    }

    pub(super) fn text(self, path: &str, value: &str) -> Self {
        self.with(path, string(value))
    }
}

impl Row for FakeRow {
    fn value(&self, path: &[&str]) -> SoqlValue<'_> {
        let key = path.join(".");
        self.values
            .iter()
            .find(|(p, _)| *p == key)
            .map_or(SoqlValue::Null, |(_, v)| v.clone())
    }
}

pub(super) fn string(value: &str) -> SoqlValue<'static> {
    SoqlValue::String(Cow::Owned(value.to_owned()))
}

pub(super) fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub(super) fn instant(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

/// The fixed clock of every test: Thursday 29 February 2024, 15:30 UTC.
pub(super) fn now() -> DateTime<Utc> {
    instant("2024-02-29T15:30:00Z")
}

/// Parses and binds against [`FakeCatalog`] at [`now`].
pub(super) fn compile(text: &str) -> Result<BoundQuery, SoqlError> {
    bind(parse(text)?, &FakeCatalog, now())
}

/// Like [`compile`], for queries the test expects to be valid.
pub(super) fn query(text: &str) -> BoundQuery {
    match compile(text) {
        Ok(query) => query,
        Err(error) => panic!("{text}: {}", error.message),
    }
}
