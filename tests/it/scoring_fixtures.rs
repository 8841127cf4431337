//! Runs every hand-computed case in `fixtures/scoring/` through the scoring engine.
//!
//! Each fixture is data: a model, an instant, optionally what to compare with, an org file
//! of input records (Salesforce API names), the expected results, and the arithmetic in
//! `notes`. One test runs them all and lists every fixture and field that differs.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde_json::Value;
use vitals::config::Period;
use vitals::salesforce::wire::{FieldMap, SObject, SelectList, decode_org_file};
use vitals::scoring::{AccountScore, Model, Periods, Previous, Shown, displayed, score_account};

pub(crate) fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/scoring")
}

/// Scores one fixture; `Err` when the fixture itself cannot be used.
pub(crate) fn run(path: &Path) -> Result<(Value, AccountScore), String> {
    run_with(path, false)
}

/// Scores one fixture, its input records cut down to the fields the sync selects for the
/// fixture's model when `selected` (the replica holds nothing else).
fn run_with(path: &Path, selected: bool) -> Result<(Value, AccountScore), String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let fixture: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let model_name = fixture["model"].as_str().ok_or("no model")?;
    let model = if model_name.ends_with(".toml") {
        Model::from_file(&fixtures_dir().join(model_name))
    } else {
        Model::load_preset(model_name)
    }
    .map_err(|e| e.to_string())?;
    let as_of: DateTime<Utc> = fixture["as_of"]
        .as_str()
        .ok_or("no as_of")?
        .parse()
        .map_err(|e| format!("as_of: {e}"))?;
    let mut input = fixture["input"].clone();
    if selected {
        select_only(&mut input, &model);
    }
    let input = serde_json::to_string(&input).map_err(|e| e.to_string())?;
    let file = decode_org_file(&input, &FieldMap::default(), &model.category_keys())
        .map_err(|e| e.to_string())?;
    if !file.skipped.is_empty() {
        return Err(format!("input does not decode: {:?}", file.skipped));
    }
    // Values the decoder dropped (keeping their records) must be the ones the fixture
    // expects, named as `Object Id Field`.
    let dropped: Vec<String> = file
        .ignored
        .iter()
        .map(|w| format!("{} {} {}", w.object, w.record, w.field))
        .collect();
    let expected: Vec<&str> = fixture["expect"]["dropped_values"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    if dropped != expected {
        return Err(format!(
            "dropped values: expected {expected:?}, got {dropped:?}"
        ));
    }
    let (snapshots, _) = file.records.into_snapshots();
    let mut snapshot = snapshots
        .into_values()
        .next()
        .ok_or("no account in input")?;
    // Backfill fixtures say when their records were read; others are read at as_of.
    if let Some(read_at) = fixture.get("read_at") {
        let read_at = read_at.as_str().ok_or("read_at is not a string")?;
        snapshot.read_at = Some(read_at.parse().map_err(|e| format!("read_at: {e}"))?);
    }
    let snapshot = &snapshot;
    let previous = match fixture.get("previous") {
        Some(previous) => serde_json::from_value::<Previous>(previous.clone())
            .map_err(|e| format!("previous: {e}"))?,
        None => {
            // Fixtures score monthly periods, the default.
            let periods = Periods::around(as_of.date_naive(), |day| Period::Monthly.start_of(day));
            Previous::from_snapshot(snapshot, &model.name, periods, as_of)
        }
    };
    let score = score_account(snapshot, &model, as_of, &previous);
    // The sync snapshots results, so every one must serialise.
    let json = serde_json::to_value(&score).map_err(|e| format!("does not serialise: {e}"))?;
    if json["categories"].as_array().map(Vec::len) != Some(score.categories.len()) {
        return Err("serialised categories differ".into());
    }
    Ok((fixture, score))
}

/// Removes from every record of an org file the fields the sync would not select for
/// `model` (a relationship path like `RecordType.DeveloperName` keeps its parent object).
fn select_only(input: &mut Value, model: &Model) {
    let used = model.fields_used();
    let categories = model.category_keys();
    let map = FieldMap::default();
    let Some(objects) = input.as_object_mut() else {
        return;
    };
    for (name, records) in objects {
        let Some(object) = SObject::from_api_name(name) else {
            continue;
        };
        let list = SelectList::new(object.into(), &used, &map, &categories);
        let keep = |key: &str| {
            list.fields().iter().any(|field| {
                field.eq_ignore_ascii_case(key)
                    || field
                        .split('.')
                        .next()
                        .is_some_and(|p| p.eq_ignore_ascii_case(key))
            })
        };
        for record in records.as_array_mut().into_iter().flatten() {
            if let Some(fields) = record.as_object_mut() {
                fields.retain(|key, _| key == "attributes" || keep(key));
            }
        }
    }
}

fn close(expected: &Value, got: Option<f64>) -> bool {
    match (expected.as_f64(), got) {
        (Some(e), Some(g)) => (e - g).abs() < 0.051,
        (None, None) => expected.is_null(),
        _ => false,
    }
}

/// Compares a result with a fixture's `expect`; returns one line per difference.
fn differences(expect: &Value, got: &AccountScore) -> Vec<String> {
    let mut out = Vec::new();
    let mut differ = |field: &str, expected: &Value, actual: String| {
        out.push(format!("{field}: expected {expected}, got {actual}"));
    };
    if let Some(categories) = expect["categories"].as_object() {
        let keys: Vec<&str> = got.categories.iter().map(|c| c.key.as_str()).collect();
        if categories.len() != keys.len() {
            differ(
                "categories",
                &Value::from(categories.len()),
                format!("{} categories {keys:?}", keys.len()),
            );
        }
        for (key, expected) in categories {
            let actual = got.category(key).and_then(|c| c.score);
            if !close(expected, actual) {
                let reason = got
                    .category(key)
                    .map_or("no such category", |c| c.reason.as_str());
                differ(
                    &format!("categories.{key}"),
                    expected,
                    format!("{actual:?} ({reason})"),
                );
            }
        }
    }
    if let Some(expected) = expect.get("overall")
        && !close(expected, got.overall)
    {
        differ("overall", expected, format!("{:?}", got.overall));
    }
    if let Some(expected) = expect.get("status")
        && expected.as_str() != Some(got.status.as_api())
    {
        differ(
            "status",
            expected,
            format!("{} ({})", got.status, got.status_reason),
        );
    }
    if let Some(expected) = expect.get("status_since")
        && expected.as_str() != Some(got.status_since.to_string().as_str())
    {
        differ("status_since", expected, got.status_since.to_string());
    }
    if let Some(expected) = expect.get("coverage")
        && !close(expected, Some(got.coverage))
    {
        differ("coverage", expected, got.coverage.to_string());
    }
    if let Some(expected) = expect.get("trend")
        && expected.as_str() != Some(got.trend.as_api())
    {
        differ("trend", expected, got.trend.to_string());
    }
    if let Some(expected) = expect.get("change")
        && !close(expected, got.change)
    {
        differ("change", expected, format!("{:?}", got.change));
    }
    if let Some(expected) = expect.get("previous_score")
        && !close(expected, got.previous_score)
    {
        differ(
            "previous_score",
            expected,
            format!("{:?}", got.previous_score),
        );
    }
    if let Some(expected) = expect.get("previous_period")
        && expected.as_str() != got.previous_period.map(|d| d.to_string()).as_deref()
    {
        differ(
            "previous_period",
            expected,
            format!("{:?}", got.previous_period),
        );
    }
    if let Some(expected) = expect.get("profile")
        && expected.as_str() != Some(got.profile.as_str())
    {
        differ("profile", expected, got.profile.clone());
    }
    // Every fixture lists its flags, none included: `category/code` for a category's flag,
    // `code` for a flag on the customer as a whole.
    match expect["flags"].as_array() {
        None => differ(
            "flags",
            &Value::Null,
            "a fixture must list its flags".into(),
        ),
        Some(expected) => {
            let mut want: Vec<&str> = expected.iter().filter_map(Value::as_str).collect();
            let mut have: Vec<String> = got
                .flags
                .iter()
                .map(|f| match &f.category {
                    Some(category) => format!("{category}/{}", f.code),
                    None => f.code.clone(),
                })
                .collect();
            want.sort_unstable();
            have.sort_unstable();
            if want != have {
                differ("flags", &Value::from(want), format!("{have:?}"));
            }
        }
    }
    if let Some(expected) = expect["change_drivers"].as_array() {
        let want: Vec<&str> = expected.iter().filter_map(Value::as_str).collect();
        let have: Vec<&str> = got
            .change_drivers
            .iter()
            .map(|d| d.category.as_str())
            .collect();
        if want != have {
            differ("change_drivers", &Value::from(want), format!("{have:?}"));
        }
    }
    if let Some(shown) = expect.get("shown") {
        shown_differences(shown, got, &mut differ);
    }
    if let Some(reasons) = expect["reasons"].as_object() {
        for (key, expected) in reasons {
            let reason = got.category(key).map_or("", |c| c.reason.as_str());
            if !expected.as_str().is_some_and(|want| reason.contains(want)) {
                differ(&format!("reasons.{key}"), expected, format!("{reason:?}"));
            }
        }
    }
    if let Some(evidence) = expect["evidence"].as_object() {
        for (key, expected) in evidence {
            let want: Vec<&str> = expected
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            let have: Vec<String> = got
                .category(key)
                .map(|c| c.evidence.iter().map(ToString::to_string).collect())
                .unwrap_or_default();
            if want != have {
                differ(&format!("evidence.{key}"), expected, format!("{have:?}"));
            }
        }
    }
    out
}

/// Compares the points and shares shown to people (`vitals explain`), exactly.
fn shown_differences(
    shown: &Value,
    got: &AccountScore,
    differ: &mut impl FnMut(&str, &Value, String),
) {
    let numbers = displayed(got);
    for (what, pick) in [
        ("points", (|s: &Shown| s.points) as fn(&Shown) -> f64),
        ("shares", |s: &Shown| s.share),
    ] {
        let Some(expected) = shown[what].as_object() else {
            continue;
        };
        let have: serde_json::Map<String, Value> = got
            .categories
            .iter()
            .zip(&numbers.categories)
            .filter_map(|(c, n)| Some((c.key.clone(), Value::from(pick(&(*n)?)))))
            .collect();
        let equal = expected.len() == have.len()
            && expected
                .iter()
                .all(|(k, v)| have.get(k).and_then(Value::as_f64) == v.as_f64());
        if !equal {
            differ(
                &format!("shown.{what}"),
                &Value::Object(expected.clone()),
                Value::Object(have).to_string(),
            );
        }
    }
}

/// Every fixture file, in name order.
fn fixture_paths() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(fixtures_dir())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    paths.sort();
    paths
}

#[test]
fn every_hand_computed_fixture_scores_as_expected() {
    let paths = fixture_paths();
    assert!(paths.len() >= 25, "only {} fixtures", paths.len());
    let mut failures = Vec::new();
    for path in &paths {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        match run(path) {
            Err(problem) => failures.push(format!("{name}: fixture unusable: {problem}")),
            Ok((fixture, score)) => {
                for difference in differences(&fixture["expect"], &score) {
                    failures.push(format!("{name}: {difference}"));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} fixtures differ:\n{}",
        failures.len(),
        paths.len(),
        failures.join("\n")
    );
}

/// The replica holds only the fields the sync selects (`Model::fields_used` plus what
/// planning needs): every fixture must score exactly the same from those fields alone, so a
/// field a measure or an as-of rule reads can never be left out of the select list.
#[test]
fn every_fixture_scores_the_same_from_the_fields_the_sync_selects() {
    let paths = fixture_paths();
    let mut failures = Vec::new();
    for path in &paths {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let (_, full) = run_with(path, false).unwrap();
        match run_with(path, true) {
            Err(problem) => failures.push(format!("{name}: {problem}")),
            Ok((_, cut)) if cut != full => {
                failures.push(format!("{name}: full {full:?}\nselected {cut:?}"));
            }
            Ok(_) => {}
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
