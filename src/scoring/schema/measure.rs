//! Reads a measure (any kind), its scale or steps, and its flag rules.

use toml::Value;

use crate::domain::{ObjectKind, ValueKind};
use crate::scoring::model::{
    Comparison, CountRule, DatedSource, DueSource, FlagOn, FlagRule, Measure, MeasureKind, Renewal,
    Scale, ScheduledStage, Step, StepDirection, Steps,
};

use super::condition::read_where;
use super::field::{DATES, NUMBER, account_field, field_key, object_key};
use super::reader::{Issues, Obj, as_number, check, is_key, positive_days, score_in_range};

/// The measure kinds, as spelled in model files.
const KINDS: &str =
    "value, ratio, picklist, count, recency, mean, on_time, renewal, average, first";

pub(super) fn read_measure(
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
    let flags = read_flags(&mut m, issues, None);
    // These kinds have no single measured value, so a value flag could never fire.
    if matches!(kind, "average" | "first" | "picklist")
        && let Some(flags) = &flags
        && let Some(i) = flags.iter().position(|f| f.on == FlagOn::Value)
    {
        issues.add(
            format!("{}[{i}].on", m.at("flags")),
            format!("a {kind} measure has no single value to flag; use on = \"score\""),
        );
    }
    let measure_kind = match kind {
        "value" => read_value(&mut m, issues),
        "ratio" => read_ratio(&mut m, issues),
        "picklist" => read_picklist(&mut m, issues),
        "count" => read_count(&mut m, issues),
        "recency" => read_recency(&mut m, issues),
        "mean" => read_mean(&mut m, issues),
        "on_time" => read_on_time(&mut m, issues),
        "renewal" => read_renewal(&mut m, issues),
        "average" => read_parts(&mut m, &label, issues).map(|parts| MeasureKind::Average { parts }),
        "first" => read_parts(&mut m, &label, issues).map(|parts| MeasureKind::First { parts }),
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

pub(super) fn read_value(m: &mut Obj<'_>, issues: &mut Issues) -> Option<MeasureKind> {
    let field = account_field(m, "field", NUMBER, issues);
    let scale = read_scale(m, issues);
    Some(MeasureKind::Value {
        field: field?,
        scale: scale?,
    })
}

pub(super) fn read_ratio(m: &mut Obj<'_>, issues: &mut Issues) -> Option<MeasureKind> {
    let numerator = account_field(m, "numerator", NUMBER, issues);
    let denominator = account_field(m, "denominator", NUMBER, issues);
    let scale = read_scale(m, issues);
    Some(MeasureKind::Ratio {
        numerator: numerator?,
        denominator: denominator?,
        scale: scale?,
    })
}

pub(super) fn read_picklist(m: &mut Obj<'_>, issues: &mut Issues) -> Option<MeasureKind> {
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

pub(super) fn read_count(m: &mut Obj<'_>, issues: &mut Issues) -> Option<MeasureKind> {
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

pub(super) fn read_count_rule(
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
    // A rule's flags look at how many records match it.
    let flags = read_flags(&mut r, issues, Some(FlagOn::Value));
    r.finish(issues);
    let label = label?;
    Some(CountRule {
        plural: plural.unwrap_or_else(|| plural_of(&label)),
        label,
        points: points?,
        filter: filter?,
        flags: flags?,
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

pub(super) fn read_recency(m: &mut Obj<'_>, issues: &mut Issues) -> Option<MeasureKind> {
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

pub(super) fn read_sources<T>(
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

pub(super) fn read_mean(m: &mut Obj<'_>, issues: &mut Issues) -> Option<MeasureKind> {
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

pub(super) fn read_on_time(m: &mut Obj<'_>, issues: &mut Issues) -> Option<MeasureKind> {
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

pub(super) fn read_renewal(m: &mut Obj<'_>, issues: &mut Issues) -> Option<MeasureKind> {
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

pub(super) fn read_schedule(m: &mut Obj<'_>, issues: &mut Issues) -> Option<Vec<ScheduledStage>> {
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

/// The `parts` of an `average` or `first` measure.
pub(super) fn read_parts(
    m: &mut Obj<'_>,
    label: &str,
    issues: &mut Issues,
) -> Option<Vec<Measure>> {
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
    parts.into_iter().collect()
}

pub(super) fn read_scale(m: &mut Obj<'_>, issues: &mut Issues) -> Option<Scale> {
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

pub(super) fn read_steps(m: &mut Obj<'_>, issues: &mut Issues) -> Option<Steps> {
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

/// Reads `flags`. `fixed_on` is what every flag of this place looks at (a count rule's
/// flags look at its count); then `on` may be left out, and only that value is accepted.
pub(super) fn read_flags(
    m: &mut Obj<'_>,
    issues: &mut Issues,
    fixed_on: Option<FlagOn>,
) -> Option<Vec<FlagRule>> {
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
        let on = read_on(&mut f, issues, fixed_on);
        let flag = read_flag_core(&mut f, issues);
        f.finish(issues);
        match (on, flag) {
            (Some(on), Some((name, comparison, threshold, message))) => flags.push(FlagRule {
                name,
                on,
                comparison,
                threshold,
                message,
            }),
            _ => ok = false,
        }
    }
    ok.then_some(flags)
}

fn read_on(f: &mut Obj<'_>, issues: &mut Issues, fixed_on: Option<FlagOn>) -> Option<FlagOn> {
    let on = match (f.string("on", issues), fixed_on) {
        (None, Some(fixed)) if !f.has("on") => return Some(fixed),
        (None, _) => {
            if !f.has("on") {
                issues.add(f.at("on"), "is required");
            }
            return None;
        }
        (Some("value"), _) => FlagOn::Value,
        (Some("score"), _) => FlagOn::Score,
        (Some(other), _) => {
            issues.add(
                f.at("on"),
                format!("unknown {other:?}; expected \"value\" or \"score\""),
            );
            return None;
        }
    };
    match fixed_on {
        Some(fixed) if fixed != on => {
            issues.add(
                f.at("on"),
                "a count rule's flag looks at how many records match the rule; leave `on` out",
            );
            None
        }
        _ => Some(on),
    }
}

/// The parts every flag rule has: its code, one comparison with a threshold, and an
/// optional message in plain words.
pub(super) fn read_flag_core(
    f: &mut Obj<'_>,
    issues: &mut Issues,
) -> Option<(String, Comparison, f64, Option<String>)> {
    let name = f.req_string("name", issues);
    if let Some(name) = name {
        check(
            is_key(name),
            issues,
            f.at("name"),
            "must be lower-case letters, digits and underscores, starting with a letter",
        );
    }
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
    let message = f.string("message", issues).map(str::to_owned);
    if let Some(message) = &message {
        check(
            !message.trim().is_empty() && message.chars().count() <= 200,
            issues,
            f.at("message"),
            "must be 1 to 200 characters",
        );
    }
    let (comparison, threshold) = comparison?;
    Some((name?.to_owned(), comparison, threshold, message))
}
