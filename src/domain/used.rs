//! A set of catalogue fields: what a scoring model reads, by object and Vitals name.
//!
//! Scoring produces it (`Model::fields_used`) and the client turns it into select lists
//! (`salesforce::wire::SelectList`), so neither imports the other. Only names listed in
//! [`FIELDS`](super::fields::FIELDS) can enter the set, so a name the catalogue does not
//! know can never reach a query. No I/O, no Salesforce API names.

use std::collections::BTreeSet;

use super::fields::{ObjectKind, field_def};

/// Catalogue fields, ordered by object and then name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldsUsed {
    fields: BTreeSet<(ObjectKind, &'static str)>,
}

impl FieldsUsed {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a field by name. Returns false, and adds nothing, when the catalogue has no
    /// such field on the object.
    pub fn insert(&mut self, object: ObjectKind, name: &str) -> bool {
        match field_def(object, name) {
            Some(def) => {
                self.fields.insert((def.object, def.name));
                true
            }
            None => false,
        }
    }

    /// Whether the set holds the field.
    pub fn contains(&self, object: ObjectKind, name: &str) -> bool {
        self.fields.iter().any(|(o, n)| *o == object && *n == name)
    }

    /// Every field, ordered by object and then name.
    pub fn iter(&self) -> impl Iterator<Item = (ObjectKind, &'static str)> + '_ {
        self.fields.iter().copied()
    }

    /// The names of one object's fields, in name order.
    pub fn of(&self, object: ObjectKind) -> impl Iterator<Item = &'static str> + '_ {
        self.fields
            .iter()
            .filter(move |(o, _)| *o == object)
            .map(|(_, name)| *name)
    }

    /// The objects with at least one field in the set.
    pub fn objects(&self) -> BTreeSet<ObjectKind> {
        self.fields.iter().map(|(o, _)| *o).collect()
    }

    /// How many fields the set holds.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_catalogue_fields_enter_and_order_is_stable() {
        let mut used = FieldsUsed::new();
        assert!(used.insert(ObjectKind::Case, "priority"));
        assert!(used.insert(ObjectKind::Account, "arr"));
        assert!(used.insert(ObjectKind::Case, "id"));
        assert!(
            !used.insert(ObjectKind::Case, "arr"),
            "arr is not a case field"
        );
        assert!(!used.insert(ObjectKind::Account, "Health_Score__c"));
        assert_eq!(used.len(), 3);
        assert!(used.contains(ObjectKind::Case, "priority"));
        assert!(!used.contains(ObjectKind::Task, "priority"));
        let all: Vec<_> = used.iter().collect();
        assert_eq!(
            all,
            [
                (ObjectKind::Account, "arr"),
                (ObjectKind::Case, "id"),
                (ObjectKind::Case, "priority"),
            ]
        );
        assert_eq!(
            used.of(ObjectKind::Case).collect::<Vec<_>>(),
            ["id", "priority"]
        );
        assert_eq!(
            used.objects().into_iter().collect::<Vec<_>>(),
            [ObjectKind::Account, ObjectKind::Case]
        );
    }
}
