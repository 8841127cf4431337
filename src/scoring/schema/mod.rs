//! Reads a model's TOML table into a [`Model`], checking every key and value; `load` holds
//! `Model`'s loaders (text, file, preset), so the model types never import this reader.
//!
//! Reading never stops at the first problem: each one is recorded with its TOML path
//! (`categories[2].measure.window_days: must be positive`) and reading goes on, so a user
//! fixes a model file in one pass. Unknown keys are problems too, and field names are
//! checked against `domain::fields::FIELDS`. This module only reads TOML values; it never
//! touches files or records.

use std::collections::BTreeSet;

use toml::{Table, Value};

mod condition;
mod field;
mod load;
mod measure;
mod reader;

use crate::scoring::model::{
    Bands, Category, Model, ModelIssue, OverallFlag, Profile, ProfileRule,
};

use measure::{read_flag_core, read_measure};
use reader::{Issues, Obj, as_number, check, is_key, positive_days, score_in_range};

/// Reads a whole model.
pub(super) fn read_model(table: &Table, source: &str) -> Result<Model, Vec<ModelIssue>> {
    let mut issues = Issues::default();
    let mut root = Obj {
        path: String::new(),
        table,
        read: Vec::new(),
    };
    let name = root.req_string("name", &mut issues).map(str::to_owned);
    if let Some(name) = &name {
        check(
            !name.trim().is_empty() && name.len() <= 80,
            &mut issues,
            "name",
            "must be 1 to 80 characters",
        );
    }
    let description = root
        .string("description", &mut issues)
        .unwrap_or_default()
        .to_owned();
    let settings = read_settings(&mut root, &mut issues);
    let overall_flags = read_overall_flags(&mut root, &mut issues);
    let bands = read_bands(&mut root, settings.hysteresis, &mut issues);
    let (categories, keys) = read_categories(&mut root, &mut issues);
    let profiles = read_profiles(&mut root, &categories, &keys, &mut issues);
    root.finish(&mut issues);

    match (name, bands, issues.0.is_empty()) {
        (Some(name), Some(bands), true) => Ok(Model {
            name,
            description,
            source: source.to_owned(),
            bands,
            hysteresis: settings.hysteresis,
            min_coverage: settings.min_coverage,
            trend_threshold: settings.trend_threshold,
            flag_below: settings.flag_below,
            overall_flags,
            categories,
            profiles,
        }),
        _ => Err(issues.0),
    }
}

/// The model's top-level numbers, with their defaults.
struct Settings {
    min_coverage: f64,
    hysteresis: f64,
    trend_threshold: f64,
    flag_below: Option<f64>,
}

fn read_settings(root: &mut Obj<'_>, issues: &mut Issues) -> Settings {
    let min_coverage = score_in_range(
        root.number("min_coverage", issues),
        issues,
        "min_coverage".into(),
    )
    .unwrap_or(50.0);
    let hysteresis = root.number("hysteresis", issues).unwrap_or(3.0);
    check(
        hysteresis >= 0.0,
        issues,
        "hysteresis",
        "must not be negative",
    );
    let trend_threshold = root.number("trend_threshold", issues).unwrap_or(5.0);
    check(
        trend_threshold >= 0.0,
        issues,
        "trend_threshold",
        "must not be negative",
    );
    let flag_below = score_in_range(
        root.number("flag_below", issues),
        issues,
        "flag_below".into(),
    );
    Settings {
        min_coverage,
        hysteresis,
        trend_threshold,
        flag_below,
    }
}

/// Reads `[[overall_flags]]`: flags on the customer, from the overall score.
fn read_overall_flags(root: &mut Obj<'_>, issues: &mut Issues) -> Vec<OverallFlag> {
    let Some(items) = root.array("overall_flags", issues) else {
        return Vec::new();
    };
    let mut flags = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let Some(mut f) = Obj::of(item, format!("overall_flags[{i}]"), issues) else {
            continue;
        };
        let core = read_flag_core(&mut f, issues);
        if let Some((_, _, threshold, _)) = &core {
            score_in_range(Some(*threshold), issues, f.path.clone());
        }
        f.finish(issues);
        if let Some((name, comparison, threshold, message)) = core {
            flags.push(OverallFlag {
                name,
                comparison,
                threshold,
                message,
            });
        }
    }
    flags
}

fn read_bands(root: &mut Obj<'_>, hysteresis: f64, issues: &mut Issues) -> Option<Bands> {
    let value = root.required("bands", issues)?;
    let mut bands = Obj::of(value, "bands".into(), issues)?;
    let healthy = bands.req_number("healthy", issues);
    let healthy = score_in_range(healthy, issues, "bands.healthy".into());
    let monitor = bands.req_number("monitor", issues);
    let monitor = score_in_range(monitor, issues, "bands.monitor".into());
    bands.finish(issues);
    let (healthy, monitor) = (healthy?, monitor?);
    if monitor >= healthy {
        issues.add("bands.monitor", "must be below bands.healthy");
        return None;
    }
    if hysteresis >= healthy - monitor {
        issues.add(
            "hysteresis",
            "must be smaller than the gap between bands.healthy and bands.monitor",
        );
    }
    Some(Bands { healthy, monitor })
}

/// Reads the categories; also returns every key written, valid or not, so that profiles
/// are checked against what the author meant rather than only the categories that read well.
fn read_categories(root: &mut Obj<'_>, issues: &mut Issues) -> (Vec<Category>, Vec<String>) {
    let Some(value) = root.required("categories", issues) else {
        return (Vec::new(), Vec::new());
    };
    let Value::Array(items) = value else {
        issues.add("categories", "must be an array of tables ([[categories]])");
        return (Vec::new(), Vec::new());
    };
    let mut keys = Vec::new();
    if items.is_empty() {
        issues.add("categories", "must hold at least one category");
    }
    let mut seen = BTreeSet::new();
    let mut categories = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let path = format!("categories[{i}]");
        if let Some(category) = read_category(item, path, (&mut keys, &mut seen), issues) {
            categories.push(category);
        }
    }
    (categories, keys)
}

/// One `[[categories]]` entry. Its key goes into `keys` whatever else is wrong with it.
fn read_category<'a>(
    item: &'a Value,
    path: String,
    (keys, seen): (&mut Vec<String>, &mut BTreeSet<&'a str>),
    issues: &mut Issues,
) -> Option<Category> {
    let mut obj = Obj::of(item, path, issues)?;
    let key = obj.req_string("key", issues);
    if let Some(key) = key {
        keys.push(key.to_owned());
        let rule = "must be 1 to 30 characters of lower-case letters, digits and single underscores, starting with a letter (it names Salesforce fields)";
        let valid = is_key(key) && key.len() <= 30;
        check_unique(
            key,
            valid,
            (obj.at("key"), rule),
            (seen, "category key"),
            issues,
        );
    }
    let label = obj.req_string("label", issues);
    if let Some(label) = label {
        check(
            !label.trim().is_empty(),
            issues,
            obj.at("label"),
            "must not be empty",
        );
    }
    let weight = read_weight(obj.req_number("weight", issues), issues, obj.at("weight"));
    let flag_below = score_in_range(
        obj.number("flag_below", issues),
        issues,
        obj.at("flag_below"),
    );
    let default_label = label.unwrap_or_default().to_lowercase();
    let measure = obj
        .required("measure", issues)
        .and_then(|value| read_measure(value, obj.at("measure"), &default_label, issues));
    obj.finish(issues);
    Some(Category {
        key: key?.to_owned(),
        label: label?.to_owned(),
        weight: weight?,
        measure: measure?,
        flag_below,
    })
}

/// Reports a key or name that breaks its rule (`at`, `rule`), or else repeats one in
/// `seen`.
fn check_unique<'a>(
    value: &'a str,
    valid: bool,
    (at, rule): (String, &str),
    (seen, what): (&mut BTreeSet<&'a str>, &str),
    issues: &mut Issues,
) {
    if !valid {
        issues.add(at, rule);
    } else if !seen.insert(value) {
        issues.add(at, format!("duplicate {what} {value:?}"));
    }
}

/// The largest weight a model may give. Weights are relative, so 1000 leaves room for any
/// sensible ratio, and bounding them keeps every sum of `score × weight` finite: an
/// unbounded weight (1e307) made the overall score infinite or NaN.
const MAX_WEIGHT: f64 = 1000.0;

fn read_weight(value: Option<f64>, issues: &mut Issues, path: String) -> Option<f64> {
    let value = value?;
    if value <= 0.0 {
        issues.add(path, "must be positive");
        None
    } else if value > MAX_WEIGHT {
        issues.add(path, format!("must be at most {MAX_WEIGHT}"));
        None
    } else {
        Some(value)
    }
}

fn read_profiles(
    root: &mut Obj<'_>,
    categories: &[Category],
    keys: &[String],
    issues: &mut Issues,
) -> Vec<Profile> {
    let Some(items) = root.array("profiles", issues) else {
        return Vec::new();
    };
    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    let mut names = BTreeSet::new();
    let mut profiles = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let Some(mut p) = Obj::of(item, format!("profiles[{i}]"), issues) else {
            continue;
        };
        let name = p.req_string("name", issues);
        if let Some(name) = name {
            let rule = "must be lower-case letters, digits, '-' or '_' and not \"default\"";
            let valid = is_key(&name.replace('-', "_")) && name != "default";
            check_unique(
                name,
                valid,
                (p.at("name"), rule),
                (&mut names, "profile"),
                issues,
            );
        }
        let label = p.string("label", issues);
        let when = p
            .required("when", issues)
            .and_then(|value| read_profile_rule(value, p.at("when"), issues));
        let drop = read_profile_drop(&mut p, &keys, issues);
        let named = ProfileCategories {
            keys: &keys,
            drop: &drop,
        };
        let weights = named.read(&mut p, WEIGHTS, issues, read_weight_entry);
        let measures = named.read(&mut p, MEASURES, issues, |key, value, path, issues| {
            read_measure(value, path, &default_label(categories, key), issues)
        });
        p.finish(issues);
        if let (Some(name), Some(when)) = (name, when) {
            profiles.push(Profile {
                name: name.to_owned(),
                label: label.unwrap_or(name).to_owned(),
                when,
                drop,
                weights,
                measures,
            });
        }
    }
    profiles
}

/// Whether `key` names one of the model's categories; an issue at `path` when not.
fn known_category(keys: &[&str], key: &str, path: String, issues: &mut Issues) -> bool {
    let known = keys.contains(&key);
    if !known {
        issues.add(
            path,
            format!(
                "no category {key:?} in this model; categories are: {}",
                keys.join(", ")
            ),
        );
    }
    known
}

/// A profile's `drop`: known categories, and not all of them.
fn read_profile_drop(p: &mut Obj<'_>, keys: &[&str], issues: &mut Issues) -> Vec<String> {
    let drop = p.strings("drop", issues).unwrap_or_default();
    let drop_path = p.at("drop");
    for (j, key) in drop.iter().enumerate() {
        known_category(keys, key, format!("{drop_path}[{j}]"), issues);
    }
    if !keys.is_empty() && keys.iter().all(|k| drop.iter().any(|d| d == k)) {
        issues.add(drop_path, "must leave at least one category");
    }
    drop
}

/// A profile table keyed by category, and the issue for an entry of a dropped category.
const WEIGHTS: (&str, &str) = ("weights", "sets the weight of a dropped category");
const MEASURES: (&str, &str) = ("measures", "replaces the measure of a dropped category");

/// The categories a profile may name, and those it drops.
struct ProfileCategories<'a> {
    keys: &'a [&'a str],
    drop: &'a [String],
}

impl ProfileCategories<'_> {
    /// A profile table keyed by category (`[weights]`, `[measures]`): each entry of a
    /// known category, read by `read`.
    fn read<T>(
        &self,
        p: &mut Obj<'_>,
        (table, dropped): (&'static str, &str),
        issues: &mut Issues,
        mut read: impl FnMut(&str, &Value, String, &mut Issues) -> Option<T>,
    ) -> Vec<(String, T)> {
        let mut entries = Vec::new();
        if let Some(obj) = p.table(table, issues) {
            for (key, value) in obj.table {
                let path = format!("{}.{key}", obj.path);
                if !known_category(self.keys, key, path.clone(), issues) {
                    continue;
                }
                if self.drop.contains(key) {
                    issues.add(path.clone(), dropped);
                }
                if let Some(entry) = read(key.as_str(), value, path, issues) {
                    entries.push((key.clone(), entry));
                }
            }
        }
        entries
    }
}

fn read_weight_entry(_: &str, value: &Value, path: String, issues: &mut Issues) -> Option<f64> {
    read_weight(as_number(value, path.clone(), issues), issues, path)
}

/// A category's label in lower case, the label a replacement measure gets by default.
fn default_label(categories: &[Category], key: &str) -> String {
    categories
        .iter()
        .find(|c| c.key == key)
        .map(|c| c.label.to_lowercase())
        .unwrap_or_default()
}

fn read_profile_rule(value: &Value, path: String, issues: &mut Issues) -> Option<ProfileRule> {
    let mut w = Obj::of(value, path, issues)?;
    let arr_at_least = w.number("arr_at_least", issues);
    let arr_below = w.number("arr_below", issues);
    let days = w.integer("first_contract_within_days", issues);
    let first_contract_within_days =
        positive_days(days, issues, w.at("first_contract_within_days"));
    let account_type_in = w.strings("account_type_in", issues);
    if let (Some(low), Some(high)) = (arr_at_least, arr_below) {
        check(
            low < high,
            issues,
            w.at("arr_below"),
            "must be above arr_at_least",
        );
    }
    let rule = ProfileRule {
        arr_at_least,
        arr_below,
        first_contract_within_days,
        account_type_in,
    };
    if rule == ProfileRule::default() && w.table.is_empty() {
        issues.add(
            w.path.clone(),
            "needs at least one of arr_at_least, arr_below, first_contract_within_days, account_type_in",
        );
    }
    w.finish(issues);
    Some(rule)
}

#[cfg(test)]
mod tests {
    use super::super::model::{Model, ModelError};
    use super::super::presets;

    #[test]
    fn every_preset_loads_with_the_agreed_category_keys() {
        let expected: [(&str, &[&str]); 3] = [
            (
                "csm-nine",
                &[
                    "adoption",
                    "case_health",
                    "engagement_recency",
                    "support_satisfaction",
                    "business_reviews",
                    "milestones",
                    "renewal_readiness",
                    "project_surveys",
                    "meeting_depth",
                ],
            ),
            (
                "four-signal",
                &[
                    "product_engagement",
                    "commercial_relationship",
                    "stakeholder_engagement",
                    "sentiment",
                ],
            ),
            (
                "usage-support-engagement-expansion",
                &["usage", "support", "engagement", "expansion"],
            ),
        ];
        assert_eq!(presets::NAMES.len(), expected.len());
        for (name, keys) in expected {
            let model = Model::load_preset(name).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(model.name, name);
            assert_eq!(model.category_keys(), keys, "{name}");
        }
        let csm = Model::load_preset("csm-nine").unwrap();
        let weights: Vec<f64> = csm.categories.iter().map(|c| c.weight).collect();
        assert_eq!(
            weights,
            [20.0, 15.0, 15.0, 10.0, 10.0, 10.0, 10.0, 5.0, 5.0]
        );
        assert_eq!((csm.bands.healthy, csm.bands.monitor), (70.0, 40.0));
        assert_eq!(
            (csm.hysteresis, csm.min_coverage, csm.trend_threshold),
            (3.0, 50.0, 5.0)
        );
        let usee = Model::load_preset("usage-support-engagement-expansion").unwrap();
        let weights: Vec<f64> = usee.categories.iter().map(|c| c.weight).collect();
        assert_eq!(weights, [40.0, 30.0, 20.0, 10.0]);
        assert_eq!(usee.flag_below, Some(60.0));
        let customer: Vec<(&str, f64)> = usee
            .overall_flags
            .iter()
            .map(|f| (f.name.as_str(), f.threshold))
            .collect();
        assert_eq!(customer, [("overall_below_threshold", 60.0)]);
        assert!(matches!(
            Model::load_preset("csm-ten"),
            Err(ModelError::UnknownPreset { .. })
        ));
    }

    /// Loads `text` and expects exactly these `path: message` lines (as prefixes).
    fn check(text: &str, expect: &[&str]) {
        let issues = match Model::from_toml_str(text, "test.toml") {
            Err(ModelError::Invalid { issues, .. }) => issues,
            other => panic!("expected an invalid model, got {other:?}"),
        };
        let got: Vec<String> = issues.iter().map(|i| i.to_string()).collect();
        assert_eq!(got.len(), expect.len(), "got:\n{}", got.join("\n"));
        for (got, want) in got.iter().zip(expect) {
            assert!(got.starts_with(want), "got {got:?}, want {want:?}");
        }
    }

    #[test]
    fn profile_names_must_be_well_formed_and_unique() {
        check(
            r#"
name = "names"
bands = { healthy = 80, monitor = 50 }
categories = [{ key = "csat", label = "CSAT", weight = 2, measure = { kind = "picklist", field = "account.csm_sentiment", scores = { Green = 100, Red = 0 } } }]
profiles = [
    { name = "small-biz", when = { arr_below = 1000 } },
    { name = "small-biz", when = { arr_below = 2000 } },
    { name = "default", when = { arr_below = 3000 } },
    { name = "Big", when = { arr_at_least = 3000 } },
]
"#,
            &[
                "profiles[1].name: duplicate profile \"small-biz\"",
                "profiles[2].name: must be lower-case letters, digits, '-' or '_' and not \"default\"",
                "profiles[3].name: must be lower-case letters, digits, '-' or '_' and not \"default\"",
            ],
        );
    }

    #[test]
    fn weights_above_1000_are_rejected_by_their_path() {
        // Unbounded weights made the overall score infinite (1e307) or NaN (two of 1e308).
        check(
            r#"
name = "heavy"
[bands]
healthy = 70
monitor = 40
[[categories]]
key = "mood"
label = "Mood"
weight = 1e307
measure = { kind = "picklist", field = "account.csm_sentiment", scores = { Green = 100 } }
[[categories]]
key = "usage"
label = "Usage"
weight = 1000
measure = { kind = "value", field = "account.core_feature_adoption", scale = { kind = "linear", zero_at = 0, full_at = 100 } }
[[profiles]]
name = "small"
when = { arr_below = 1000 }
weights = { usage = 1000.5 }
"#,
            &[
                "categories[0].weight: must be at most 1000",
                "profiles[0].weights.usage: must be at most 1000",
            ],
        );
    }

    #[test]
    fn flags_first_and_overall_flags_are_checked_by_their_path() {
        check(
            r#"
name = "flags"
[bands]
healthy = 70
monitor = 40
[[overall_flags]]
name = "low"
below = 60
colour = "red"
[[overall_flags]]
name = "Low Health"
at_most = 120
message = ""
[[categories]]
key = "cases"
label = "Cases"
weight = 1
[categories.measure]
kind = "count"
object = "case"
[[categories.measure.rules]]
label = "open case"
points = -10
where = [{ field = "is_closed", is = false }]
flags = [{ name = "many", on = "score", at_least = 2 }, { name = "some", at_least = 1, message = "open cases" }]
[[categories]]
key = "contact"
label = "Contact"
weight = 1
[categories.measure]
kind = "first"
flags = [{ name = "stale", on = "value", above = 30 }]
parts = [{ kind = "picklist", field = "account.csm_sentiment", scores = { Green = 100 } }, { kind = "guess" }]
"#,
            &[
                "overall_flags[0].colour: unknown key",
                "overall_flags[1].name: must be lower-case letters",
                "overall_flags[1].message: must be 1 to 200 characters",
                "overall_flags[1]: must be between 0 and 100",
                "categories[0].measure.rules[0].flags[0].on: a count rule's flag looks at how many records match the rule",
                "categories[1].measure.flags[0].on: a first measure has no single value to flag",
                "categories[1].measure.parts[1].kind: unknown measure kind \"guess\"",
            ],
        );
        let model = Model::from_toml_str(
            r#"
name = "fine"
[bands]
healthy = 70
monitor = 40
[[overall_flags]]
name = "low"
below = 60
[[categories]]
key = "mood"
label = "Mood"
weight = 1
measure = { kind = "first", parts = [{ kind = "picklist", field = "account.csm_sentiment", scores = { Green = 100 } }] }
"#,
            "fine.toml",
        )
        .unwrap();
        assert_eq!(model.overall_flags.len(), 1);
        assert!(matches!(
            model.categories[0].measure.kind,
            crate::scoring::MeasureKind::First { .. }
        ));
    }

    #[test]
    fn every_problem_is_named_by_its_path() {
        check(
            r#"
name = "bad"
colour = "blue"
hysteresis = -1
[bands]
healthy = 40
monitor = 70
[[categories]]
key = "Case Health"
label = "Case health"
weight = 0
[categories.measure]
kind = "count"
object = "case"
rules = [{ label = "open case", points = -10, where = [{ field = "prio", equals = "High" }] }]
[[categories]]
key = "recent"
label = "Recent"
weight = 5
[categories.measure]
kind = "on_time"
window_days = -3
sources = [{ object = "event", due = "activity_date", completed = "subject" }]
[[categories]]
key = "recent"
label = "Dup"
weight = 1
measure = { kind = "mean", object = "case", field = "csat_score", scale = { kind = "steps", steps = [{ at_most = 5, score = 10 }, { at_most = 3, score = 200 }] } }
[[categories]]
key = "odd"
label = "Odd"
weight = 1
measure = { kind = "guess" }
[[categories]]
key = "mood"
label = "Mood"
weight = 1
measure = { kind = "picklist", field = "account.csm_sentiment", scores = { Green = 100 }, flags = [{ name = "red", on = "value", below = 1 }] }
[[profiles]]
name = "small"
when = {}
drop = ["nope"]
"#,
            &[
                "hysteresis: must not be negative",
                "bands.monitor: must be below bands.healthy",
                "categories[0].key: must be 1 to 30 characters",
                "categories[0].weight: must be positive",
                "categories[0].measure.rules[0].where[0].field: unknown field \"case.prio\"",
                "categories[1].measure.sources[0].completed: \"event.subject\" is text; this needs a date or a dateTime",
                "categories[1].measure.window_days: must be positive",
                "categories[2].key: duplicate category key \"recent\"",
                "categories[2].measure.scale.steps[1].score: must be between 0 and 100",
                "categories[2].measure.scale.steps[1].at_most: at_most steps must be in ascending order",
                "categories[3].measure.kind: unknown measure kind \"guess\"",
                "categories[4].measure.flags[0].on: a picklist measure has no single value to flag",
                "profiles[0].when: needs at least one of",
                "profiles[0].drop[0]: no category \"nope\" in this model",
                "colour: unknown key",
            ],
        );
    }
}
