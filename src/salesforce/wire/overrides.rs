//! The configuration's `[fields]` section, checked against the field table and turned into a
//! [`FieldMap`].
//!
//! The configuration keeps the overrides as the operator wrote them and never imports the
//! client; which fields exist and what an API name may look like are known here. So the
//! configuration's load path calls [`FieldMap::check_config`] to add every bad override to
//! its one list of problems, and [`FieldMap::from_config`] builds the map once the scoring
//! model's categories are known. Every problem is a [`ConfigError`] keyed
//! `fields.<object>.<field>` with the layer (file or environment variable) that set it.
//! Nothing here does I/O.

use super::{DEFAULT_FIELDS, FieldMap, FieldMapError, SObject, is_api_name};
use crate::config::{ConfigError, FieldsConfig};

/// What a field API name may look like, for messages.
const API_NAME_RULE: &str = "letters, digits and single underscores, starting with a letter, at most 80 characters (e.g. Annual_Contract_Value__c)";

impl FieldMap {
    /// Checks every override that does not depend on the scoring model; a category score
    /// override (`account.health_<category>`, `history.<category>`) gets only its value
    /// checked, because its key needs the model's categories ([`FieldMap::from_config`]).
    ///
    /// This is the check the configuration's load path takes, so that bad overrides are
    /// reported with every other configuration problem.
    pub fn check_config(fields: &FieldsConfig) -> Vec<ConfigError> {
        let (category, plain): (Vec<_>, Vec<_>) = fields
            .overrides
            .iter()
            .partition(|(key, _)| is_category_key(key));
        let mut errors: Vec<ConfigError> = category
            .into_iter()
            .filter(|(_, api)| !is_api_name(api))
            .map(|(key, api)| {
                fields.error(
                    key,
                    format!("{api:?} is not a Salesforce field API name: {API_NAME_RULE}"),
                )
            })
            .collect();
        if let Err(problems) =
            FieldMap::with_overrides(plain.iter().map(|(k, v)| (k.as_str(), v.as_str())), &[])
        {
            errors.extend(
                problems
                    .into_iter()
                    .map(|e| to_config_error(fields, e, &[])),
            );
        }
        errors
    }

    /// The field map of `[fields]` for a scoring model with these category keys: every
    /// override checked, category score fields included.
    ///
    /// # Errors
    /// Every bad override, keyed `fields.<object>.<field>` with its origin.
    pub fn from_config(
        fields: &FieldsConfig,
        categories: &[&str],
    ) -> Result<FieldMap, Vec<ConfigError>> {
        FieldMap::with_overrides(
            fields
                .overrides
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str())),
            categories,
        )
        .map_err(|errors| {
            errors
                .into_iter()
                .map(|e| to_config_error(fields, e, categories))
                .collect()
        })
    }
}

/// A field map problem as a configuration problem: the key, the layer that set it, and a
/// message that says what is allowed.
fn to_config_error(
    fields: &FieldsConfig,
    error: FieldMapError,
    categories: &[&str],
) -> ConfigError {
    match error {
        FieldMapError::UnknownField { key } => {
            let categories = if categories.is_empty() {
                String::new()
            } else {
                format!(
                    ", or account.health_<category> / history.<category> for the model's categories ({})",
                    categories.join(", ")
                )
            };
            let message = format!(
                "Vitals has no field {key:?}; keys are <object>.<field> as listed in config/vitals.example.toml{categories}"
            );
            fields.error(&key, message)
        }
        FieldMapError::BadApiName { key, value } => fields.error(
            &key,
            format!("{value:?} is not a Salesforce field API name: {API_NAME_RULE}"),
        ),
        FieldMapError::Clash {
            key,
            api,
            object,
            other,
        } => fields.error(
            &key,
            format!("{api:?} is already used for {object}.{other}"),
        ),
    }
}

/// Whether a `[fields]` key can only be a category score field (`account.health_<c>` or
/// `history.<c>` that is not a fixed field), which needs the scoring model to check.
fn is_category_key(key: &str) -> bool {
    let fixed = |object: SObject, name: &str| {
        DEFAULT_FIELDS
            .iter()
            .any(|f| f.object == object && f.name == name)
    };
    match key.split_once('.') {
        Some(("account", name)) => name.starts_with("health_") && !fixed(SObject::Account, name),
        Some(("history", name)) => !name.contains('.') && !fixed(SObject::HealthHistory, name),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::*;
    use crate::config::{Config, ConfigErrors, Origin};

    /// The configuration file the texts below pretend to be; relative paths resolve
    /// against `fixtures/config/`, where the test key lives.
    fn file() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/config/vitals.toml")
    }

    /// A minimal valid configuration followed by `rest` (more sections or keys).
    fn text(rest: &str) -> String {
        format!(
            "[salesforce]\n\
             login_url = \"https://login.salesforce.com\"\n\
             auth = \"jwt\"\n\
             client_id = \"3MVG9fixture\"\n\
             username = \"integration@example.com\"\n\
             private_key_file = \"keys/jwt.pem\"\n\
             {rest}"
        )
    }

    /// Loads `text` with `env` the way every command does: the field check included.
    fn load(text: &str, env: &[(&str, &str)]) -> Result<Config, ConfigErrors> {
        let env = env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned()));
        Config::from_toml(text, &file(), env, FieldMap::check_config)
    }

    /// Asserts that one `[fields]` override fails loading with exactly one problem, under
    /// `fields.<key>`, attributed to the file, whose message contains `says`.
    #[track_caller]
    fn check_rejects(key: &str, value: &str, says: &str) {
        let errors = load(&text(&format!("[fields]\n{key} = {value}\n")), &[]).unwrap_err();
        assert_eq!(errors.len(), 1, "{key} = {value}: {errors}");
        let error = &errors.0[0];
        assert_eq!(error.key, format!("fields.{key}"), "{errors}");
        assert_eq!(error.origin, Origin::File(file()), "{errors}");
        assert!(error.message.contains(says), "{key} = {value}: {error}");
    }

    #[test]
    fn bad_overrides_are_named_by_key_when_the_configuration_loads() {
        check_rejects(
            "account.acv",
            r#""X__c""#,
            "Vitals has no field \"account.acv\"",
        );
        check_rejects(
            "account.arr",
            r#""not a name""#,
            "is not a Salesforce field API name",
        );
        check_rejects(
            "account.license_seats",
            r#""Active_Users__c""#,
            "\"Active_Users__c\" is already used for account.active_users",
        );
        check_rejects("arr", r#""X__c""#, "has no field");
        // A category score override gets its value checked at load time...
        check_rejects(
            "account.health_adoption",
            r#""bad name""#,
            "is not a Salesforce field API name",
        );
    }

    #[test]
    fn overrides_remap_fields_once_the_model_is_known() {
        let config = load(
            &text(
                "[fields]\naccount.arr = \"Annual_Contract_Value__c\"\nhistory.adoption = \"Usage__c\"\n",
            ),
            &[],
        )
        .unwrap();
        let map = FieldMap::from_config(&config.fields, &["adoption"]).unwrap();
        assert_eq!(map.api(SObject::Account, "arr"), "Annual_Contract_Value__c");
        assert_eq!(
            map.category_api(SObject::HealthHistory, "adoption")
                .as_deref(),
            Some("Usage__c")
        );
    }

    #[test]
    fn category_overrides_are_checked_once_the_model_is_known() {
        let config = load(
            &text(
                "[fields]\naccount.health_adoptoin = \"Usage_Score__c\"\nhistory.adoption = \"Score__c\"\n",
            ),
            &[],
        )
        .unwrap();
        let errors =
            FieldMap::from_config(&config.fields, &["adoption", "case_health"]).unwrap_err();
        assert_eq!(errors.len(), 2, "{errors:?}");
        let typo = errors
            .iter()
            .find(|e| e.key == "fields.account.health_adoptoin")
            .unwrap();
        assert!(typo.message.contains("adoption, case_health"), "{typo}");
        assert_eq!(typo.origin, Origin::File(file()));
        let clash = errors
            .iter()
            .find(|e| e.key == "fields.history.adoption")
            .unwrap();
        assert!(
            clash.message.contains("already used for history.score"),
            "{clash}"
        );
    }

    #[test]
    fn bad_overrides_join_every_other_problem_with_their_origin() {
        let errors = load(
            &text(
                "max_api_share = 2\n[playbooks]\nenabled = [\"nope\"]\n[fields]\naccount.acv = \"X__c\"\n",
            ),
            &[
                ("VITALS__FIELDS__ACCOUNT__AREA", "Region__c"),
                ("VITALS__FIELDS__ACCOUNT__ARR", "Bad Name"),
            ],
        )
        .unwrap_err();
        let keys: Vec<(&str, &Origin)> =
            errors.iter().map(|e| (e.key.as_str(), &e.origin)).collect();
        let env = |name: &str| Origin::Env(name.to_owned());
        assert_eq!(
            keys,
            [
                ("salesforce.max_api_share", &Origin::File(file())),
                ("playbooks.enabled", &Origin::File(file())),
                ("fields.account.acv", &Origin::File(file())),
                ("fields.account.area", &env("VITALS__FIELDS__ACCOUNT__AREA")),
                ("fields.account.arr", &env("VITALS__FIELDS__ACCOUNT__ARR")),
            ],
            "{errors}"
        );
    }

    #[test]
    fn the_example_file_lists_every_field_with_its_default_api_name() {
        let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/vitals.example.toml");
        let example = std::fs::read_to_string(example).unwrap();
        let (_, section) = example.split_once("\n[fields]\n").unwrap();
        let listed: Vec<&str> = section
            .lines()
            .filter_map(|line| line.strip_prefix("# "))
            // A key line, not the prose around it: `object.field = "Api_Name"`.
            .filter(|line| {
                line.split_once(" = \"")
                    .is_some_and(|(key, _)| !key.contains(' '))
            })
            .collect();
        for field in DEFAULT_FIELDS {
            let line = format!("{}.{} = \"{}\"", field.object.key(), field.name, field.api);
            assert!(
                listed.contains(&line.as_str()),
                "{line} missing under [fields]"
            );
        }
        // Uncommented, the list is a valid set of overrides, each keeping its default.
        let config = load(&text(&format!("[fields]\n{}\n", listed.join("\n"))), &[])
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(config.fields.overrides.len(), DEFAULT_FIELDS.len());
        let map = FieldMap::from_config(&config.fields, &[]).unwrap();
        for field in DEFAULT_FIELDS {
            assert_eq!(map.api(field.object, field.name), field.api);
        }
    }
}
