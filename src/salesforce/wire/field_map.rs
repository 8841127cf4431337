//! The field table after the configuration's `[fields]` overrides.

use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasherDefault;
use std::sync::OnceLock;

use crate::salesforce::records::Fnv;

use super::{DEFAULT_FIELDS, SObject, category_field};

/// A problem with a `[fields]` override.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldMapError {
    /// The key does not name a field Vitals uses.
    #[error(
        "fields.{key}: Vitals has no field {key:?}; known fields are listed in config/vitals.example.toml"
    )]
    UnknownField {
        /// The key, e.g. `account.acv`.
        key: String,
    },
    /// The value is not a possible API name.
    #[error("fields.{key}: {value:?} is not a Salesforce field API name")]
    BadApiName {
        /// The key.
        key: String,
        /// The value given.
        value: String,
    },
    /// Two Vitals fields of one object would map to the same API name.
    #[error("fields.{key}: {api:?} is already used for {object}.{other}")]
    Clash {
        /// The key.
        key: String,
        /// The API name.
        api: String,
        /// The object key.
        object: &'static str,
        /// The field that already uses it.
        other: String,
    },
}

/// The field table after `[fields]` overrides.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldMap {
    overrides: BTreeMap<(SObject, String), String>,
}

/// The default API name of a field of [`DEFAULT_FIELDS`], through an index of the table
/// built on first use (the table is a constant, so the index never changes). Decoding
/// looks up every field of every record here, so it hashes with FNV-1a (the keys are the
/// constant table's, not input), which is several times faster than SipHash on them.
fn default_api(object: SObject, name: &str) -> Option<&'static str> {
    type Index = HashMap<(SObject, &'static str), &'static str, BuildHasherDefault<Fnv>>;
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX
        .get_or_init(|| {
            DEFAULT_FIELDS
                .iter()
                .map(|f| ((f.object, f.name), f.api))
                .collect()
        })
        .get(&(object, name))
        .copied()
}

/// Whether `name` could be a Salesforce field API name, or a dotted relationship path of them.
pub fn is_api_name(name: &str) -> bool {
    !name.is_empty()
        && name.split('.').all(|part| {
            let mut chars = part.chars();
            matches!(chars.next(), Some(c) if c.is_ascii_alphabetic())
                && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !part.contains("___")
                && part.len() <= 80
        })
}

impl FieldMap {
    /// Applies `[fields]` overrides, keyed `object.field` (`account.arr`) or
    /// `account.health_<category>` / `history.<category>` for category scores.
    ///
    /// `categories` are the category keys of the scoring model in use.
    ///
    /// # Errors
    /// Every bad key, bad API name and clash, all at once.
    pub fn with_overrides<'a>(
        overrides: impl IntoIterator<Item = (&'a str, &'a str)>,
        categories: &[&str],
    ) -> Result<Self, Vec<FieldMapError>> {
        let mut map = Self::default();
        let mut errors = Vec::new();
        for (key, value) in overrides {
            let Some((object_key, name)) = key.split_once('.') else {
                errors.push(FieldMapError::UnknownField { key: key.into() });
                continue;
            };
            let Some(object) = SObject::from_key(object_key) else {
                errors.push(FieldMapError::UnknownField { key: key.into() });
                continue;
            };
            let known = DEFAULT_FIELDS
                .iter()
                .any(|f| f.object == object && f.name == name)
                || categories.iter().any(|c| match object {
                    SObject::Account => name.strip_prefix("health_") == Some(*c),
                    SObject::HealthHistory => name == *c,
                    _ => false,
                });
            if !known {
                errors.push(FieldMapError::UnknownField { key: key.into() });
                continue;
            }
            if !is_api_name(value) {
                errors.push(FieldMapError::BadApiName {
                    key: key.into(),
                    value: value.into(),
                });
                continue;
            }
            map.overrides
                .insert((object, name.to_owned()), value.to_owned());
        }
        // Two fields of one object must not end up on the same API name.
        for object in SObject::ALL {
            let mut seen: BTreeMap<String, String> = BTreeMap::new();
            let names = DEFAULT_FIELDS
                .iter()
                .filter(|f| f.object == object)
                .map(|f| f.name.to_owned())
                .chain(categories.iter().filter_map(|c| match object {
                    SObject::Account => Some(format!("health_{c}")),
                    SObject::HealthHistory => Some((*c).to_owned()),
                    _ => None,
                }));
            for name in names {
                let Some(api) = map.api_name(object, &name, categories) else {
                    continue;
                };
                let lower = api.to_ascii_lowercase();
                if let Some(other) = seen.get(&lower) {
                    // Name the overridden one of the two as the culprit.
                    let (culprit, kept) = if map.overrides.contains_key(&(object, name.clone())) {
                        (name.clone(), other.clone())
                    } else {
                        (other.clone(), name.clone())
                    };
                    errors.push(FieldMapError::Clash {
                        key: format!("{}.{culprit}", object.key()),
                        api,
                        object: object.key(),
                        other: kept,
                    });
                } else {
                    seen.insert(lower, name);
                }
            }
        }
        if errors.is_empty() {
            Ok(map)
        } else {
            Err(errors)
        }
    }

    /// The API name of a field, after overrides. `categories` lets it resolve category
    /// score fields (`account.health_<key>`, `history.<key>`).
    pub fn api_name(&self, object: SObject, name: &str, categories: &[&str]) -> Option<String> {
        if let Some(api) = self.overrides.get(&(object, name.to_owned())) {
            return Some(api.clone());
        }
        if let Some(field) = DEFAULT_FIELDS
            .iter()
            .find(|f| f.object == object && f.name == name)
        {
            return Some(field.api.to_owned());
        }
        let category = match object {
            SObject::Account => name.strip_prefix("health_"),
            SObject::HealthHistory => Some(name),
            _ => None,
        }?;
        categories
            .contains(&category)
            .then(|| category_field(object, category))
            .flatten()
    }

    /// The API name of a field listed in [`DEFAULT_FIELDS`], after overrides.
    ///
    /// Decoding asks this for every field of every record read, so it allocates nothing:
    /// overrides are searched only when there are some, and the default table through an
    /// index built once.
    pub fn api(&self, object: SObject, name: &str) -> &str {
        if !self.overrides.is_empty()
            && let Some(api) = self
                .overrides
                .iter()
                .find(|((o, n), _)| *o == object && n == name)
                .map(|(_, api)| api)
        {
            return api;
        }
        default_api(object, name).unwrap_or("")
    }

    /// The API name of a category's score field on Account or the history object.
    pub fn category_api(&self, object: SObject, category_key: &str) -> Option<String> {
        let name = match object {
            SObject::Account => format!("health_{category_key}"),
            SObject::HealthHistory => category_key.to_owned(),
            _ => return None,
        };
        self.overrides
            .get(&(object, name))
            .cloned()
            .or_else(|| category_field(object, category_key))
    }
}

#[cfg(test)]
mod tests {
    use crate::salesforce::wire::test_json::object;
    use serde_json::json;

    use super::*;
    use crate::salesforce::wire::decode_account;

    #[test]
    fn overrides_remap_fields_and_bad_ones_are_all_reported() {
        let map =
            FieldMap::with_overrides([("account.arr", "Annual_Contract_Value__c")], &["adoption"])
                .unwrap();
        assert_eq!(map.api(SObject::Account, "arr"), "Annual_Contract_Value__c");
        let record = object(
            json!({"Id": "001D000000IRFmaIAH", "Annual_Contract_Value__c": 5.0, "ARR__c": 9.0}),
        );
        assert_eq!(
            decode_account(&record, &map, &[]).unwrap().record.arr,
            Some(5.0)
        );

        let errors = FieldMap::with_overrides(
            [
                ("account.acv", "X__c"),
                ("account.arr", "not a name"),
                ("account.license_seats", "Active_Users__c"),
                ("nothing", "Y__c"),
            ],
            &["adoption"],
        )
        .unwrap_err();
        assert_eq!(errors.len(), 4, "{errors:?}");
        assert!(
            errors
                .iter()
                .any(|e| e.to_string().starts_with("fields.account.acv:"))
        );
        assert!(
            errors
                .iter()
                .any(|e| matches!(e, FieldMapError::Clash { .. }))
        );
    }

    #[test]
    fn category_fields_follow_the_category_key() {
        assert_eq!(
            category_field(SObject::Account, "case_health").as_deref(),
            Some("Health_Case_Health__c")
        );
        assert_eq!(
            category_field(SObject::HealthHistory, "adoption").as_deref(),
            Some("Adoption__c")
        );
        let map = FieldMap::with_overrides(
            [("account.health_adoption", "Usage_Score__c")],
            &["adoption"],
        )
        .unwrap();
        assert_eq!(
            map.category_api(SObject::Account, "adoption").as_deref(),
            Some("Usage_Score__c")
        );
    }
}
