//! Reads a model's TOML table into a [`Model`], checking every key and value.
//!
//! Reading never stops at the first problem: each one is recorded with its TOML path
//! (`categories[2].measure.window_days: must be positive`) and reading goes on, so a user
//! fixes a model file in one pass. Unknown keys are problems too, and field names are
//! checked against `domain::fields::FIELDS`. This module only reads TOML values; it never
//! touches files or records.

use std::collections::BTreeSet;

use toml::{Table, Value};

use crate::domain::fields::{FIELDS, field_def};
use crate::domain::{ObjectKind, ValueKind};

use super::model::{
    Bands, Category, Comparison, Condition, CountRule, DatedSource, DueSource, FieldRef, FlagOn,
    FlagRule, Literal, Measure, MeasureKind, Model, ModelIssue, Profile, ProfileRule, Renewal,
    Scale, ScheduledStage, Step, StepDirection, Steps,
};

/// The measure kinds, as spelled in model files.
const KINDS: &str = "value, ratio, picklist, count, recency, mean, on_time, renewal, average";

/// Problems found so far.
#[derive(Default)]
struct Issues(Vec<ModelIssue>);

impl Issues {
    fn add(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(ModelIssue {
            path: path.into(),
            message: message.into(),
        });
    }
}

/// A TOML table being read. It remembers which keys were asked for, so that
/// [`Obj::finish`] can report every other key as unknown.
struct Obj<'a> {
    path: String,
    table: &'a Table,
    read: Vec<&'static str>,
}

impl<'a> Obj<'a> {
    fn of(value: &'a Value, path: String, issues: &mut Issues) -> Option<Self> {
        match value {
            Value::Table(table) => Some(Self {
                path,
                table,
                read: Vec::new(),
            }),
            _ => {
                issues.add(path, "must be a table");
                None
            }
        }
    }

    fn at(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    fn raw(&mut self, key: &'static str) -> Option<&'a Value> {
        self.read.push(key);
        self.table.get(key)
    }

    fn has(&self, key: &str) -> bool {
        self.table.contains_key(key)
    }

    fn required(&mut self, key: &'static str, issues: &mut Issues) -> Option<&'a Value> {
        let value = self.raw(key);
        if value.is_none() {
            issues.add(self.at(key), "is required");
        }
        value
    }

    fn string(&mut self, key: &'static str, issues: &mut Issues) -> Option<&'a str> {
        let value = self.raw(key)?;
        as_str(value, self.at(key), issues)
    }

    fn req_string(&mut self, key: &'static str, issues: &mut Issues) -> Option<&'a str> {
        let value = self.required(key, issues)?;
        as_str(value, self.at(key), issues)
    }

    fn number(&mut self, key: &'static str, issues: &mut Issues) -> Option<f64> {
        let value = self.raw(key)?;
        as_number(value, self.at(key), issues)
    }

    fn req_number(&mut self, key: &'static str, issues: &mut Issues) -> Option<f64> {
        let value = self.required(key, issues)?;
        as_number(value, self.at(key), issues)
    }

    fn integer(&mut self, key: &'static str, issues: &mut Issues) -> Option<i64> {
        let value = self.raw(key)?;
        as_integer(value, self.at(key), issues)
    }

    fn boolean(&mut self, key: &'static str, issues: &mut Issues) -> Option<bool> {
        match self.raw(key)? {
            Value::Boolean(b) => Some(*b),
            _ => {
                issues.add(self.at(key), "must be true or false");
                None
            }
        }
    }

    fn array(&mut self, key: &'static str, issues: &mut Issues) -> Option<&'a [Value]> {
        match self.raw(key)? {
            Value::Array(items) => Some(items),
            _ => {
                issues.add(self.at(key), "must be an array");
                None
            }
        }
    }

    fn strings(&mut self, key: &'static str, issues: &mut Issues) -> Option<Vec<String>> {
        let items = self.array(key, issues)?;
        let path = self.at(key);
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            if let Some(s) = as_str(item, format!("{path}[{i}]"), issues) {
                out.push(s.to_owned());
            }
        }
        Some(out)
    }

    fn table(&mut self, key: &'static str, issues: &mut Issues) -> Option<Obj<'a>> {
        let value = self.raw(key)?;
        Obj::of(value, self.at(key), issues)
    }

    /// Reports every key that was never asked for.
    fn finish(self, issues: &mut Issues) {
        for key in self.table.keys() {
            if !self.read.contains(&key.as_str()) {
                let mut known: Vec<&str> = self.read.clone();
                known.sort_unstable();
                known.dedup();
                issues.add(
                    self.at(key),
                    format!("unknown key; expected one of: {}", known.join(", ")),
                );
            }
        }
    }
}

fn as_str<'a>(value: &'a Value, path: String, issues: &mut Issues) -> Option<&'a str> {
    match value {
        Value::String(s) => Some(s),
        _ => {
            issues.add(path, "must be a string");
            None
        }
    }
}

fn as_number(value: &Value, path: String, issues: &mut Issues) -> Option<f64> {
    match value {
        Value::Integer(i) => match i32::try_from(*i) {
            Ok(i) => Some(f64::from(i)),
            Err(_) => {
                issues.add(path, "is too large");
                None
            }
        },
        Value::Float(f) if f.is_finite() => Some(*f),
        Value::Float(_) => {
            issues.add(path, "must be a finite number");
            None
        }
        _ => {
            issues.add(path, "must be a number");
            None
        }
    }
}

fn as_integer(value: &Value, path: String, issues: &mut Issues) -> Option<i64> {
    match value {
        Value::Integer(i) => Some(*i),
        _ => {
            issues.add(path, "must be a whole number");
            None
        }
    }
}

fn check(ok: bool, issues: &mut Issues, path: impl Into<String>, message: &str) {
    if !ok {
        issues.add(path, message);
    }
}

fn is_key(text: &str) -> bool {
    let mut chars = text.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !text.contains("__")
        && !text.ends_with('_')
}

fn score_in_range(value: Option<f64>, issues: &mut Issues, path: String) -> Option<f64> {
    let value = value?;
    if (0.0..=100.0).contains(&value) {
        Some(value)
    } else {
        issues.add(path, "must be between 0 and 100");
        None
    }
}

fn positive_days(value: Option<i64>, issues: &mut Issues, path: String) -> Option<i64> {
    let value = value?;
    if value > 0 && value <= 36_500 {
        Some(value)
    } else if value <= 0 {
        issues.add(path, "must be positive");
        None
    } else {
        issues.add(path, "must be at most 36500 days");
        None
    }
}

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
    let min_coverage = score_in_range(
        root.number("min_coverage", &mut issues),
        &mut issues,
        "min_coverage".into(),
    )
    .unwrap_or(50.0);
    let hysteresis = root.number("hysteresis", &mut issues).unwrap_or(3.0);
    check(
        hysteresis >= 0.0,
        &mut issues,
        "hysteresis",
        "must not be negative",
    );
    let trend_threshold = root.number("trend_threshold", &mut issues).unwrap_or(5.0);
    check(
        trend_threshold >= 0.0,
        &mut issues,
        "trend_threshold",
        "must not be negative",
    );
    let flag_below = score_in_range(
        root.number("flag_below", &mut issues),
        &mut issues,
        "flag_below".into(),
    );
    let bands = read_bands(&mut root, hysteresis, &mut issues);
    let (categories, keys) = read_categories(&mut root, &mut issues);
    let profiles = read_profiles(&mut root, &categories, &keys, &mut issues);
    root.finish(&mut issues);

    match (name, bands, issues.0.is_empty()) {
        (Some(name), Some(bands), true) => Ok(Model {
            name,
            description,
            source: source.to_owned(),
            bands,
            hysteresis,
            min_coverage,
            trend_threshold,
            flag_below,
            categories,
            profiles,
        }),
        _ => Err(issues.0),
    }
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
        let Some(mut obj) = Obj::of(item, path.clone(), issues) else {
            continue;
        };
        let key = obj.req_string("key", issues);
        if let Some(key) = key {
            keys.push(key.to_owned());
            if !is_key(key) || key.len() > 30 {
                issues.add(
                    obj.at("key"),
                    "must be 1 to 30 characters of lower-case letters, digits and single underscores, starting with a letter (it names Salesforce fields)",
                );
            } else if !seen.insert(key) {
                issues.add(obj.at("key"), format!("duplicate category key {key:?}"));
            }
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
        if let (Some(key), Some(label), Some(weight), Some(measure)) = (key, label, weight, measure)
        {
            categories.push(Category {
                key: key.to_owned(),
                label: label.to_owned(),
                weight,
                measure,
                flag_below,
            });
        }
    }
    (categories, keys)
}

fn read_weight(value: Option<f64>, issues: &mut Issues, path: String) -> Option<f64> {
    let value = value?;
    if value > 0.0 {
        Some(value)
    } else {
        issues.add(path, "must be positive");
        None
    }
}

fn read_measure(
    value: &Value,
    path: String,
    default_label: &str,
    issues: &mut Issues,
) -> Option<Measure> {
    let mut m = Obj::of(value, path, issues)?;
    let kind = m.req_string("kind", issues)?;
    let label = m
        .string("label", issues)
        .unwrap_or(default_label)
        .to_owned();
    let unit = m.string("unit", issues).unwrap_or_default().to_owned();
    let flags = read_flags(&mut m, issues);
    let measure_kind = match kind {
        "value" => read_value(&mut m, issues),
        "ratio" => read_ratio(&mut m, issues),
        "picklist" => read_picklist(&mut m, issues),
        "count" => read_count(&mut m, issues),
        "recency" => read_recency(&mut m, issues),
        "mean" => read_mean(&mut m, issues),
        "on_time" => read_on_time(&mut m, issues),
        "renewal" => read_renewal(&mut m, issues),
        "average" => read_average(&mut m, &label, issues),
        other => {
            issues.add(
                m.at("kind"),
                format!("unknown measure kind {other:?}; kinds are: {KINDS}"),
            );
            // The keys allowed depend on the kind, so unknown keys cannot be judged.
            return None;
        }
    };
    m.finish(issues);
    Some(Measure {
        label,
        unit,
        kind: measure_kind?,
        flags: flags?,
    })
}

/// Resolves a field name: `object.field`, or a bare `field` of `object` when the context
/// names the object. The field must be in the catalogue and of one of `kinds`.
fn resolve_field(
    text: &str,
    object: Option<ObjectKind>,
    kinds: &[ValueKind],
    path: &str,
    issues: &mut Issues,
) -> Option<FieldRef> {
    let (object, name) = match text.split_once('.') {
        Some((object_key, name)) => {
            let Some(named) = ObjectKind::from_key(object_key) else {
                issues.add(
                    path,
                    format!(
                        "unknown object {object_key:?} in {text:?}; objects are: account, contract, case, opportunity, event, task"
                    ),
                );
                return None;
            };
            if let Some(expected) = object
                && expected != named
            {
                issues.add(
                    path,
                    format!(
                        "{text:?} is not a field of {}, the object this measure reads",
                        expected.key()
                    ),
                );
                return None;
            }
            (named, name)
        }
        None => match object {
            Some(object) => (object, text),
            None => {
                issues.add(
                    path,
                    format!("{text:?} must name its object, e.g. \"account.{text}\""),
                );
                return None;
            }
        },
    };
    let Some(def) = field_def(object, name) else {
        let known: Vec<&str> = FIELDS
            .iter()
            .filter(|def| def.object == object)
            .map(|def| def.name)
            .collect();
        issues.add(
            path,
            format!(
                "unknown field \"{}.{name}\"; fields of {} are: {}",
                object.key(),
                object.key(),
                known.join(", ")
            ),
        );
        return None;
    };
    if !kinds.contains(&def.kind) {
        let wanted: Vec<&str> = kinds.iter().map(|k| kind_words(*k)).collect();
        issues.add(
            path,
            format!(
                "\"{}.{}\" is {}; this needs {}",
                object.key(),
                def.name,
                kind_words(def.kind),
                wanted.join(" or ")
            ),
        );
        return None;
    }
    Some(FieldRef {
        object,
        name: def.name,
        kind: def.kind,
    })
}

fn kind_words(kind: ValueKind) -> &'static str {
    match kind {
        ValueKind::Id => "an Id",
        ValueKind::Text => "text",
        ValueKind::Picklist => "a picklist",
        ValueKind::Number => "a number",
        ValueKind::Date => "a date",
        ValueKind::DateTime => "a dateTime",
        ValueKind::Bool => "a checkbox",
    }
}

const NUMBER: &[ValueKind] = &[ValueKind::Number];
const DATES: &[ValueKind] = &[ValueKind::Date, ValueKind::DateTime];

fn field_key(
    m: &mut Obj<'_>,
    key: &'static str,
    object: Option<ObjectKind>,
    kinds: &[ValueKind],
    issues: &mut Issues,
) -> Option<FieldRef> {
    let text = m.req_string(key, issues)?;
    resolve_field(text, object, kinds, &m.at(key), issues)
}

fn account_field(
    m: &mut Obj<'_>,
    key: &'static str,
    kinds: &[ValueKind],
    issues: &mut Issues,
) -> Option<FieldRef> {
    let text = m.req_string(key, issues)?;
    let path = m.at(key);
    let field = resolve_field(text, None, kinds, &path, issues)?;
    if field.object != ObjectKind::Account {
        issues.add(
            path,
            format!("{text:?} is not an account field; this measure reads the account itself"),
        );
        return None;
    }
    Some(field)
}

fn object_key(m: &mut Obj<'_>, issues: &mut Issues, allow_account: bool) -> Option<ObjectKind> {
    let text = m.req_string("object", issues)?;
    match ObjectKind::from_key(text) {
        Some(ObjectKind::Account) if !allow_account => {
            issues.add(
                m.at("object"),
                "must be a related object (contract, case, opportunity, event, task); use a value, ratio or picklist measure for account fields",
            );
            None
        }
        Some(object) => Some(object),
        None => {
            issues.add(
                m.at("object"),
                format!(
                    "unknown object {text:?}; objects are: account, contract, case, opportunity, event, task"
                ),
            );
            None
        }
    }
}

fn read_value(m: &mut Obj<'_>, issues: &mut Issues) -> Option<MeasureKind> {
    let field = account_field(m, "field", NUMBER, issues);
    let scale = read_scale(m, issues);
    Some(MeasureKind::Value {
        field: field?,
        scale: scale?,
    })
}

fn read_ratio(m: &mut Obj<'_>, issues: &mut Issues) -> Option<MeasureKind> {
    let numerator = account_field(m, "numerator", NUMBER, issues);
    let denominator = account_field(m, "denominator", NUMBER, issues);
    let scale = read_scale(m, issues);
    Some(MeasureKind::Ratio {
        numerator: numerator?,
        denominator: denominator?,
        scale: scale?,
    })
}

fn read_picklist(m: &mut Obj<'_>, issues: &mut Issues) -> Option<MeasureKind> {
    let field = account_field(m, "field", &[ValueKind::Picklist, ValueKind::Text], issues);
    let scores = match m.required("scores", issues) {
        Some(value) => {
            let mut obj = Obj::of(value, m.at("scores"), issues);
            let mut scores = Vec::new();
            if let Some(obj) = obj.as_mut() {
                if obj.table.is_empty() {
                    issues.add(obj.path.clone(), "must map at least one value to a score");
                }
                for (value, score) in obj.table {
                    let path = format!("{}.{value}", obj.path);
                    if let Some(score) =
                        score_in_range(as_number(score, path.clone(), issues), issues, path)
                    {
                        scores.push((value.clone(), score));
                    }
                }
            }
            obj.map(|_| scores)
        }
        None => None,
    };
    Some(MeasureKind::Picklist {
        field: field?,
        scores: scores?,
    })
}

fn read_count(m: &mut Obj<'_>, issues: &mut Issues) -> Option<MeasureKind> {
    let object = object_key(m, issues, false);
    let start = m.number("start", issues).unwrap_or(100.0);
    let min = m.number("min", issues).unwrap_or(0.0);
    let max = m.number("max", issues).unwrap_or(100.0);
    let min = score_in_range(Some(min), issues, m.at("min"));
    let max = score_in_range(Some(max), issues, m.at("max"));
    if let (Some(min), Some(max)) = (min, max) {
        check(min < max, issues, m.at("min"), "must be below max");
        check(
            (min..=max).contains(&start),
            issues,
            m.at("start"),
            "must be between min and max",
        );
    }
    let mut rules = Vec::new();
    let mut ok = true;
    match m.array("rules", issues) {
        Some(items) if !items.is_empty() => {
            for (i, item) in items.iter().enumerate() {
                match read_count_rule(item, format!("{}[{i}]", m.at("rules")), object, issues) {
                    Some(rule) => rules.push(rule),
                    None => ok = false,
                }
            }
        }
        Some(_) => issues.add(m.at("rules"), "must hold at least one rule"),
        None => {
            if !m.has("rules") {
                issues.add(m.at("rules"), "is required");
            }
            ok = false;
        }
    }
    (ok && !rules.is_empty()).then_some(())?;
    Some(MeasureKind::Count {
        object: object?,
        start,
        min: min?,
        max: max?,
        rules,
    })
}

fn read_count_rule(
    value: &Value,
    path: String,
    object: Option<ObjectKind>,
    issues: &mut Issues,
) -> Option<CountRule> {
    let mut r = Obj::of(value, path, issues)?;
    let label = r.req_string("label", issues).map(str::to_owned);
    let plural = r.string("plural", issues).map(str::to_owned);
    let points = r.req_number("points", issues);
    if let Some(points) = points {
        check(points != 0.0, issues, r.at("points"), "must not be zero");
    }
    let filter = read_where(&mut r, "where", object, issues);
    r.finish(issues);
    let label = label?;
    Some(CountRule {
        plural: plural.unwrap_or_else(|| plural_of(&label)),
        label,
        points: points?,
        filter: filter?,
    })
}

/// A plain English plural: the last word gets `s` or `es`.
pub(super) fn plural_of(noun: &str) -> String {
    if ["s", "sh", "ch", "x", "z"]
        .iter()
        .any(|end| noun.ends_with(end))
    {
        format!("{noun}es")
    } else {
        format!("{noun}s")
    }
}

fn read_recency(m: &mut Obj<'_>, issues: &mut Issues) -> Option<MeasureKind> {
    let sources = read_sources(m, issues, |s, object, issues| {
        let date = field_key(s, "date", object, DATES, issues);
        let filter = read_where(s, "where", object, issues);
        Some(DatedSource {
            date: date?,
            filter: filter?,
        })
    });
    let steps = read_steps(m, issues);
    if let Some(steps) = &steps
        && steps.direction != StepDirection::AtMost
    {
        issues.add(
            m.at("steps"),
            "recency steps count days since, so they must use at_most",
        );
    }
    let when_none = match m.raw("when_none") {
        None => Some(None),
        Some(Value::String(s)) if s == "no_data" => Some(None),
        Some(value) => {
            let path = m.at("when_none");
            match value {
                Value::Integer(_) | Value::Float(_) => {
                    score_in_range(as_number(value, path.clone(), issues), issues, path).map(Some)
                }
                _ => {
                    issues.add(path, "must be a score (0 to 100) or \"no_data\"");
                    None
                }
            }
        }
    };
    Some(MeasureKind::Recency {
        sources: sources?,
        steps: steps?,
        when_none: when_none?,
    })
}

fn read_sources<T>(
    m: &mut Obj<'_>,
    issues: &mut Issues,
    read: impl Fn(&mut Obj<'_>, Option<ObjectKind>, &mut Issues) -> Option<T>,
) -> Option<Vec<T>> {
    let items = m.array("sources", issues);
    let Some(items) = items else {
        if !m.has("sources") {
            issues.add(m.at("sources"), "is required");
        }
        return None;
    };
    if items.is_empty() {
        issues.add(m.at("sources"), "must hold at least one source");
        return None;
    }
    let mut out = Vec::new();
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        let Some(mut s) = Obj::of(item, format!("{}[{i}]", m.at("sources")), issues) else {
            ok = false;
            continue;
        };
        let object = object_key(&mut s, issues, true);
        let source = read(&mut s, object, issues);
        s.finish(issues);
        match (object, source) {
            (Some(_), Some(source)) => out.push(source),
            _ => ok = false,
        }
    }
    ok.then_some(out)
}

fn read_mean(m: &mut Obj<'_>, issues: &mut Issues) -> Option<MeasureKind> {
    let object = object_key(m, issues, false);
    let field = object.and_then(|object| field_key(m, "field", Some(object), NUMBER, issues));
    if object.is_none() {
        m.raw("field");
    }
    let filter = read_where(m, "where", object, issues);
    let scale = read_scale(m, issues);
    Some(MeasureKind::Mean {
        field: field?,
        filter: filter?,
        scale: scale?,
    })
}

fn read_on_time(m: &mut Obj<'_>, issues: &mut Issues) -> Option<MeasureKind> {
    let sources = read_sources(m, issues, |s, object, issues| {
        let due = field_key(s, "due", object, DATES, issues);
        let completed = field_key(s, "completed", object, DATES, issues);
        let filter = read_where(s, "where", object, issues);
        Some(DueSource {
            due: due?,
            completed: completed?,
            filter: filter?,
        })
    });
    let window = m.integer("window_days", issues);
    if window.is_none() && !m.has("window_days") {
        issues.add(m.at("window_days"), "is required");
    }
    let window_days = positive_days(window, issues, m.at("window_days"));
    Some(MeasureKind::OnTime {
        sources: sources?,
        window_days: window_days?,
    })
}

fn read_renewal(m: &mut Obj<'_>, issues: &mut Issues) -> Option<MeasureKind> {
    let window = m.integer("window_days", issues);
    if window.is_none() && !m.has("window_days") {
        issues.add(m.at("window_days"), "is required");
    }
    let window_days = positive_days(window, issues, m.at("window_days"));
    let contract_statuses = m
        .strings("contract_statuses", issues)
        .unwrap_or_else(|| vec!["Activated".to_owned()]);
    if contract_statuses.is_empty() {
        issues.add(
            m.at("contract_statuses"),
            "must name at least one contract status",
        );
    }
    let renewal_filter = read_where(m, "renewal_where", Some(ObjectKind::Opportunity), issues);
    let at_risk_stages = m.strings("at_risk_stages", issues).unwrap_or_default();
    let behind_scores = match m.array("behind_scores", issues) {
        None => Some(vec![100.0, 50.0, 0.0]),
        Some(items) => {
            let path = m.at("behind_scores");
            let scores: Vec<Option<f64>> = items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    let p = format!("{path}[{i}]");
                    score_in_range(as_number(item, p.clone(), issues), issues, p)
                })
                .collect();
            if scores.is_empty() {
                issues.add(path, "must hold at least one score");
                None
            } else {
                scores.into_iter().collect()
            }
        }
    };
    let schedule = read_schedule(m, issues);
    if let (Some(schedule), Some(window)) = (&schedule, window_days)
        && let Some(first) = schedule.first()
        && first.by_days_left > window
    {
        issues.add(
            format!("{}[0].by_days_left", m.at("schedule")),
            "must not exceed window_days",
        );
    }
    Some(MeasureKind::Renewal(Renewal {
        window_days: window_days?,
        contract_statuses,
        renewal_filter: renewal_filter?,
        schedule: schedule?,
        at_risk_stages,
        behind_scores: behind_scores?,
    }))
}

fn read_schedule(m: &mut Obj<'_>, issues: &mut Issues) -> Option<Vec<ScheduledStage>> {
    let Some(items) = m.array("schedule", issues) else {
        if !m.has("schedule") {
            issues.add(m.at("schedule"), "is required");
        }
        return None;
    };
    let path = m.at("schedule");
    if items.is_empty() {
        issues.add(path, "must hold at least one stage");
        return None;
    }
    let mut schedule = Vec::new();
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        let Some(mut s) = Obj::of(item, format!("{path}[{i}]"), issues) else {
            ok = false;
            continue;
        };
        let stage = s.req_string("stage", issues);
        let by = s.integer("by_days_left", issues);
        if by.is_none() && !s.has("by_days_left") {
            issues.add(s.at("by_days_left"), "is required");
        }
        if let Some(by) = by {
            check(
                by >= 0,
                issues,
                s.at("by_days_left"),
                "must not be negative",
            );
            if let Some(previous) = schedule.last().map(|p: &ScheduledStage| p.by_days_left) {
                check(
                    by < previous,
                    issues,
                    s.at("by_days_left"),
                    "must be smaller than the stage before it (stages are listed in order of progress)",
                );
            }
        }
        if let Some(stage) = stage
            && schedule.iter().any(|p: &ScheduledStage| p.stage == stage)
        {
            issues.add(s.at("stage"), format!("duplicate stage {stage:?}"));
        }
        s.finish(issues);
        match (stage, by) {
            (Some(stage), Some(by)) => schedule.push(ScheduledStage {
                stage: stage.to_owned(),
                by_days_left: by,
            }),
            _ => ok = false,
        }
    }
    ok.then_some(schedule)
}

fn read_average(m: &mut Obj<'_>, label: &str, issues: &mut Issues) -> Option<MeasureKind> {
    let Some(items) = m.array("parts", issues) else {
        if !m.has("parts") {
            issues.add(m.at("parts"), "is required");
        }
        return None;
    };
    if items.is_empty() {
        issues.add(m.at("parts"), "must hold at least one measure");
        return None;
    }
    let path = m.at("parts");
    let parts: Vec<Option<Measure>> = items
        .iter()
        .enumerate()
        .map(|(i, item)| read_measure(item, format!("{path}[{i}]"), label, issues))
        .collect();
    Some(MeasureKind::Average {
        parts: parts.into_iter().collect::<Option<Vec<_>>>()?,
    })
}

fn read_scale(m: &mut Obj<'_>, issues: &mut Issues) -> Option<Scale> {
    let value = m.required("scale", issues)?;
    let mut s = Obj::of(value, m.at("scale"), issues)?;
    let kind = s.req_string("kind", issues)?;
    let scale = match kind {
        "linear" => {
            let zero_at = s.req_number("zero_at", issues);
            let full_at = s.req_number("full_at", issues);
            if let (Some(zero_at), Some(full_at)) = (zero_at, full_at) {
                check(
                    zero_at != full_at,
                    issues,
                    s.at("full_at"),
                    "must differ from zero_at",
                );
            }
            Some(Scale::Linear {
                zero_at: zero_at?,
                full_at: full_at?,
            })
        }
        "steps" => read_steps(&mut s, issues).map(Scale::Steps),
        other => {
            issues.add(
                s.at("kind"),
                format!("unknown scale kind {other:?}; kinds are: linear, steps"),
            );
            return None;
        }
    };
    s.finish(issues);
    scale
}

fn read_steps(m: &mut Obj<'_>, issues: &mut Issues) -> Option<Steps> {
    let otherwise = score_in_range(
        Some(m.number("otherwise", issues).unwrap_or(0.0)),
        issues,
        m.at("otherwise"),
    );
    let Some(items) = m.array("steps", issues) else {
        if !m.has("steps") {
            issues.add(m.at("steps"), "is required");
        }
        return None;
    };
    let path = m.at("steps");
    if items.is_empty() {
        issues.add(path, "must hold at least one step");
        return None;
    }
    let mut direction = None;
    let mut steps = Vec::new();
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        let Some(mut s) = Obj::of(item, format!("{path}[{i}]"), issues) else {
            ok = false;
            continue;
        };
        let at_most = s.number("at_most", issues);
        let at_least = s.number("at_least", issues);
        let score = s.req_number("score", issues);
        let score = score_in_range(score, issues, s.at("score"));
        let step = match (at_most, at_least) {
            (Some(limit), None) => Some((StepDirection::AtMost, limit)),
            (None, Some(limit)) => Some((StepDirection::AtLeast, limit)),
            (Some(_), Some(_)) => {
                issues.add(s.path.clone(), "must have at_most or at_least, not both");
                None
            }
            (None, None) => {
                if !s.has("at_most") && !s.has("at_least") {
                    issues.add(s.path.clone(), "must have at_most or at_least");
                }
                None
            }
        };
        if let Some((dir, limit)) = step {
            match direction {
                None => direction = Some(dir),
                Some(d) if d != dir => issues.add(
                    s.path.clone(),
                    "all steps must use the same comparison (at_most or at_least)",
                ),
                Some(_) => {}
            }
            if let Some(previous) = steps.last().map(|p: &Step| p.limit) {
                let ordered = match dir {
                    StepDirection::AtMost => limit > previous,
                    StepDirection::AtLeast => limit < previous,
                };
                let key = if dir == StepDirection::AtMost {
                    "at_most"
                } else {
                    "at_least"
                };
                check(
                    ordered,
                    issues,
                    s.at(key),
                    if dir == StepDirection::AtMost {
                        "at_most steps must be in ascending order"
                    } else {
                        "at_least steps must be in descending order"
                    },
                );
            }
        }
        s.finish(issues);
        match (step, score) {
            (Some((_, limit)), Some(score)) => steps.push(Step { limit, score }),
            _ => ok = false,
        }
    }
    (ok).then_some(())?;
    Some(Steps {
        direction: direction?,
        steps,
        otherwise: otherwise?,
    })
}

fn read_flags(m: &mut Obj<'_>, issues: &mut Issues) -> Option<Vec<FlagRule>> {
    let Some(items) = m.array("flags", issues) else {
        return (!m.has("flags")).then(Vec::new);
    };
    let path = m.at("flags");
    let mut flags = Vec::new();
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        let Some(mut f) = Obj::of(item, format!("{path}[{i}]"), issues) else {
            ok = false;
            continue;
        };
        let name = f.req_string("name", issues);
        if let Some(name) = name {
            check(
                is_key(name),
                issues,
                f.at("name"),
                "must be lower-case letters, digits and underscores, starting with a letter",
            );
        }
        let on = match f.req_string("on", issues) {
            Some("value") => Some(FlagOn::Value),
            Some("score") => Some(FlagOn::Score),
            Some(other) => {
                issues.add(
                    f.at("on"),
                    format!("unknown {other:?}; expected \"value\" or \"score\""),
                );
                None
            }
            None => None,
        };
        let comparisons = [
            ("below", Comparison::Below),
            ("at_most", Comparison::AtMost),
            ("above", Comparison::Above),
            ("at_least", Comparison::AtLeast),
        ];
        let mut found = Vec::new();
        for (key, comparison) in comparisons {
            if let Some(threshold) = f.number(key, issues) {
                found.push((comparison, threshold));
            }
        }
        let comparison = match found.as_slice() {
            [one] => Some(*one),
            [] => {
                issues.add(
                    f.path.clone(),
                    "needs one of below, at_most, above, at_least",
                );
                None
            }
            _ => {
                issues.add(
                    f.path.clone(),
                    "must have only one of below, at_most, above, at_least",
                );
                None
            }
        };
        f.finish(issues);
        match (name, on, comparison) {
            (Some(name), Some(on), Some((comparison, threshold))) => flags.push(FlagRule {
                name: name.to_owned(),
                on,
                comparison,
                threshold,
            }),
            _ => ok = false,
        }
    }
    ok.then_some(flags)
}

/// Reads a `where` list: conditions on records of `object`, all of which must hold.
fn read_where(
    m: &mut Obj<'_>,
    key: &'static str,
    object: Option<ObjectKind>,
    issues: &mut Issues,
) -> Option<Vec<Condition>> {
    let Some(items) = m.array(key, issues) else {
        return (!m.has(key)).then(Vec::new);
    };
    let path = m.at(key);
    let conditions: Vec<Option<Condition>> = items
        .iter()
        .enumerate()
        .map(|(i, item)| read_condition(item, format!("{path}[{i}]"), object, issues))
        .collect();
    conditions.into_iter().collect()
}

const OPERATORS: [&str; 8] = [
    "equals",
    "not_equals",
    "in",
    "not_in",
    "is",
    "is_null",
    "within_days",
    "any",
];

fn read_condition(
    value: &Value,
    path: String,
    object: Option<ObjectKind>,
    issues: &mut Issues,
) -> Option<Condition> {
    let mut c = Obj::of(value, path, issues)?;
    let present: Vec<&str> = OPERATORS.into_iter().filter(|op| c.has(op)).collect();
    let condition = match present.as_slice() {
        ["any"] => {
            let items = c.array("any", issues);
            let path = c.at("any");
            items.and_then(|items| {
                if items.is_empty() {
                    issues.add(path.clone(), "must hold at least one condition");
                }
                let parts: Vec<Option<Condition>> = items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| read_condition(item, format!("{path}[{i}]"), object, issues))
                    .collect();
                parts
                    .into_iter()
                    .collect::<Option<Vec<_>>>()
                    .map(Condition::Any)
            })
        }
        [op] => {
            let op = *op;
            let field_text = c.req_string("field", issues);
            let field_path = c.at("field");
            let all_kinds = [
                ValueKind::Id,
                ValueKind::Text,
                ValueKind::Picklist,
                ValueKind::Number,
                ValueKind::Date,
                ValueKind::DateTime,
                ValueKind::Bool,
            ];
            let kinds: &[ValueKind] = match op {
                "is" => &[ValueKind::Bool],
                "within_days" => DATES,
                "equals" | "not_equals" | "in" | "not_in" => &[
                    ValueKind::Id,
                    ValueKind::Text,
                    ValueKind::Picklist,
                    ValueKind::Number,
                ],
                _ => &all_kinds,
            };
            let field = match (field_text, object) {
                (Some(text), Some(object)) => {
                    resolve_field(text, Some(object), kinds, &field_path, issues)
                }
                _ => None,
            };
            read_operator(&mut c, op, field, issues)
        }
        [] => {
            issues.add(
                c.path.clone(),
                format!("needs one of: {}", OPERATORS.join(", ")),
            );
            c.raw("field");
            None
        }
        _ => {
            issues.add(
                c.path.clone(),
                format!("must have only one of: {}", present.join(", ")),
            );
            c.raw("field");
            for op in present {
                if let Some(op) = OPERATORS.iter().find(|o| **o == op) {
                    c.raw(op);
                }
            }
            None
        }
    };
    c.finish(issues);
    condition
}

fn read_operator(
    c: &mut Obj<'_>,
    op: &str,
    field: Option<FieldRef>,
    issues: &mut Issues,
) -> Option<Condition> {
    match op {
        "equals" | "not_equals" => {
            let key = if op == "equals" {
                "equals"
            } else {
                "not_equals"
            };
            let value = c
                .raw(key)
                .and_then(|v| read_literal(v, c.at(key), field, issues));
            Some(Condition::Equals {
                field: field?,
                value: value?,
                negate: op == "not_equals",
            })
        }
        "in" | "not_in" => {
            let key = if op == "in" { "in" } else { "not_in" };
            let items = c.array(key, issues)?;
            let path = c.at(key);
            if items.is_empty() {
                issues.add(path.clone(), "must list at least one value");
            }
            let values: Vec<Option<Literal>> = items
                .iter()
                .enumerate()
                .map(|(i, item)| read_literal(item, format!("{path}[{i}]"), field, issues))
                .collect();
            let values: Option<Vec<Literal>> = values.into_iter().collect();
            Some(Condition::In {
                field: field?,
                values: values?,
                negate: op == "not_in",
            })
        }
        "is" => {
            let value = c.boolean("is", issues);
            Some(Condition::Is {
                field: field?,
                value: value?,
            })
        }
        "is_null" => {
            let null = c.boolean("is_null", issues);
            Some(Condition::IsNull {
                field: field?,
                null: null?,
            })
        }
        _ => {
            let days = c.integer("within_days", issues);
            let days = positive_days(days, issues, c.at("within_days"));
            Some(Condition::Within {
                field: field?,
                days: days?,
            })
        }
    }
}

fn read_literal(
    value: &Value,
    path: String,
    field: Option<FieldRef>,
    issues: &mut Issues,
) -> Option<Literal> {
    let wants_number = field.is_some_and(|f| f.kind == ValueKind::Number);
    match value {
        Value::String(s) if !wants_number => Some(Literal::Text(s.clone())),
        Value::Integer(_) | Value::Float(_) if wants_number || field.is_none() => {
            as_number(value, path, issues).map(Literal::Number)
        }
        Value::Boolean(b) if field.is_none() => Some(Literal::Bool(*b)),
        _ => {
            let wanted = if wants_number { "a number" } else { "a string" };
            issues.add(path, format!("must be {wanted} to compare with this field"));
            None
        }
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
            if !is_key(&name.replace('-', "_")) || name == "default" {
                issues.add(
                    p.at("name"),
                    "must be lower-case letters, digits, '-' or '_' and not \"default\"",
                );
            } else if !names.insert(name) {
                issues.add(p.at("name"), format!("duplicate profile {name:?}"));
            }
        }
        let label = p.string("label", issues);
        let when = p
            .required("when", issues)
            .and_then(|value| read_profile_rule(value, p.at("when"), issues));
        let check_key = |key: &str, path: String, issues: &mut Issues| -> bool {
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
        };
        let drop = p.strings("drop", issues).unwrap_or_default();
        let drop_path = p.at("drop");
        for (j, key) in drop.iter().enumerate() {
            check_key(key, format!("{drop_path}[{j}]"), issues);
        }
        if !keys.is_empty() && keys.iter().all(|k| drop.iter().any(|d| d == k)) {
            issues.add(drop_path, "must leave at least one category");
        }
        let mut weights = Vec::new();
        if let Some(obj) = p.table("weights", issues) {
            for (key, value) in obj.table {
                let path = format!("{}.{key}", obj.path);
                if !check_key(key, path.clone(), issues) {
                    continue;
                }
                if drop.contains(key) {
                    issues.add(path.clone(), "sets the weight of a dropped category");
                }
                if let Some(weight) =
                    read_weight(as_number(value, path.clone(), issues), issues, path)
                {
                    weights.push((key.clone(), weight));
                }
            }
        }
        let mut measures = Vec::new();
        if let Some(obj) = p.table("measures", issues) {
            for (key, value) in obj.table {
                let path = format!("{}.{key}", obj.path);
                if !check_key(key, path.clone(), issues) {
                    continue;
                }
                if drop.contains(key) {
                    issues.add(path.clone(), "replaces the measure of a dropped category");
                }
                let default_label = categories
                    .iter()
                    .find(|c| &c.key == key)
                    .map(|c| c.label.to_lowercase())
                    .unwrap_or_default();
                if let Some(measure) = read_measure(value, path, &default_label, issues) {
                    measures.push((key.clone(), measure));
                }
            }
        }
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
                "profiles[0].when: needs at least one of",
                "profiles[0].drop[0]: no category \"nope\" in this model",
                "colour: unknown key",
            ],
        );
    }
}
