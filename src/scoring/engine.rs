//! Scores one account: picks the profile, evaluates each category, spreads the weight of
//! categories without data over the rest, and derives the status (bands, hysteresis,
//! coverage), the trend, the drivers of the change and the `Health_Drivers__c` text.
//!
//! Pure: no I/O and no clock; the caller passes the scoring instant and what to compare
//! with. It never fails: odd input ends up as no data, diagnostics, or the Insufficient
//! Data status with a reason.

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::{AccountSnapshot, HealthStatus, HealthTrend, ObjectKind};

use super::display::{from_tenths, largest_remainder, tenths};
use super::drivers::health_drivers;
use super::measures::{self, num, signed};
use super::model::{Bands, Category, Measure, Model, Profile};
use super::previous::Previous;
use super::result::{AccountScore, CategoryScore, ChangeDriver, Flag};
use super::view::{self, AsOf, Rec};

/// The flag raised for a category below the model's or the category's `flag_below`.
pub const BELOW_THRESHOLD: &str = "below_threshold";

/// How many categories [`AccountScore::change_drivers`] and the drivers text name.
const TOP: usize = 3;

/// Scores a snapshot as of `as_of`, comparing with `previous` (see
/// [`Previous::from_snapshot`]).
pub fn score_account(
    snapshot: &AccountSnapshot,
    model: &Model,
    as_of: DateTime<Utc>,
    previous: &Previous,
) -> AccountScore {
    let at = AsOf::new(as_of).read_at(snapshot.read_at);
    let (profile, profile_reason) = select_profile(model, snapshot, &at);
    let mut diagnostics = Vec::new();
    let mut categories: Vec<CategoryScore> = model
        .categories
        .iter()
        .map(|category| score_category(category, model, profile, snapshot, &at, &mut diagnostics))
        .collect();
    let weighed = weigh(&mut categories, &mut diagnostics);
    let overall = weighed.overall;
    // A tiny tolerance keeps 50.0 % from reading as 49.999... % below a 50 % minimum.
    let insufficient = overall.is_none() || weighed.coverage_raw + 1e-9 < model.min_coverage;
    let (status, status_reason) = status_of(&weighed, insufficient, model, previous);
    let status_since = if previous.status.as_ref() == Some(&status) {
        previous.status_since.unwrap_or(at.date)
    } else {
        at.date
    };
    let (change, trend) = trend_of(overall.filter(|_| !insufficient), previous, model);
    let change_drivers = if change.is_some() {
        change_drivers(&categories, previous)
    } else {
        Vec::new()
    };
    let mut flags = overall_flags(model, overall.filter(|_| !insufficient));
    flags.extend(categories.iter().flat_map(|c| c.flags.clone()));
    let mut score = AccountScore {
        account_id: snapshot.account.id,
        account_name: snapshot.account.name.clone(),
        model: model.name.clone(),
        profile: profile.map_or_else(|| "default".to_owned(), |p| p.name.clone()),
        profile_reason,
        as_of,
        categories,
        overall,
        status,
        status_reason,
        status_since,
        coverage: weighed.coverage,
        previous_score: previous.score,
        previous_period: previous.period,
        change,
        trend,
        change_drivers,
        flags,
        drivers: String::new(),
        diagnostics,
    };
    score.drivers = health_drivers(&score);
    score
}

/// Evaluates one category under the profile: its score, reason, evidence and flags.
fn score_category(
    category: &Category,
    model: &Model,
    profile: Option<&Profile>,
    snapshot: &AccountSnapshot,
    at: &AsOf,
    diagnostics: &mut Vec<String>,
) -> CategoryScore {
    let mut scored = CategoryScore {
        key: category.key.clone(),
        label: category.label.clone(),
        in_profile: true,
        weight: category.weight,
        effective_weight: 0.0,
        score: None,
        points: 0.0,
        reason: String::new(),
        evidence: Vec::new(),
        fields: Vec::new(),
        flags: Vec::new(),
    };
    if let Some(p) = profile.filter(|p| p.drop.contains(&category.key)) {
        scored.in_profile = false;
        scored.weight = 0.0;
        scored.reason = format!("not used for the {} profile", p.label);
        return scored;
    }
    if let Some((_, w)) = profile.and_then(|p| p.weights.iter().find(|(k, _)| *k == category.key)) {
        scored.weight = *w;
    }
    let measure: &Measure = profile
        .and_then(|p| p.measures.iter().find(|(k, _)| *k == category.key))
        .map_or(&category.measure, |(_, m)| m);
    let outcome = measures::evaluate(measure, snapshot, at);
    scored.score = outcome.score.map(round1);
    scored.reason = outcome.reason;
    // Parts of a measure may find the same record or field; each is named once.
    for id in outcome.evidence {
        if !scored.evidence.contains(&id) {
            scored.evidence.push(id);
        }
    }
    for field in outcome.fields {
        let name = field.to_string();
        if !scored.fields.contains(&name) {
            scored.fields.push(name);
        }
    }
    scored.flags = outcome
        .flags
        .into_iter()
        .map(|(code, message)| Flag {
            code,
            category: Some(category.key.clone()),
            message,
        })
        .collect();
    if let (Some(s), Some(threshold)) = (scored.score, category.flag_below.or(model.flag_below))
        && s < threshold
    {
        scored.flags.push(Flag {
            code: BELOW_THRESHOLD.to_owned(),
            category: Some(category.key.clone()),
            message: format!(
                "{} scores {}, below {}",
                category.label,
                num(s),
                num(threshold)
            ),
        });
    }
    diagnostics.extend(outcome.diagnostics);
    scored
}

/// The weighted mean over categories with data, and the coverage.
struct Weighed {
    /// Rounded to one decimal; `None` without data or when the sums are not finite.
    overall: Option<f64>,
    /// One decimal; 0 when the sums are not finite.
    coverage: f64,
    /// Unrounded, for the minimum-coverage rule.
    coverage_raw: f64,
    /// Whether the sums were not finite (a `Model` built in code with wild weights).
    broken: bool,
}

/// Spreads the weight of categories without data over the rest, setting each category's
/// share and points.
fn weigh(categories: &mut [CategoryScore], diagnostics: &mut Vec<String>) -> Weighed {
    let total_weight: f64 = categories
        .iter()
        .filter(|c| c.in_profile)
        .map(|c| c.weight)
        .sum();
    let data_weight: f64 = categories
        .iter()
        .filter(|c| c.score.is_some())
        .map(|c| c.weight)
        .sum();
    let mut weighted = 0.0;
    for c in categories.iter_mut() {
        if let Some(s) = c.score {
            weighted += s * c.weight;
            c.effective_weight = round2(100.0 * c.weight / data_weight);
            c.points = round2(s * c.weight / data_weight);
        }
    }
    let coverage_raw = if total_weight > 0.0 {
        100.0 * data_weight / total_weight
    } else {
        0.0
    };
    let overall_raw = (data_weight > 0.0).then(|| round1(weighted / data_weight));

    // A model read from TOML has weights in (0, 1000], so these sums stay finite; but a
    // `Model` is a public value, and a NaN or infinite score must never reach a status or
    // a Salesforce Number field. Such a result is Insufficient Data, with a diagnostic.
    let weights_ok = categories
        .iter()
        .filter(|c| c.in_profile)
        .all(|c| c.weight.is_finite() && c.weight > 0.0);
    let broken = !weights_ok
        || !coverage_raw.is_finite()
        // NaN and the infinities are outside the range too.
        || overall_raw.is_some_and(|o| !(0.0..=100.0).contains(&o));
    if broken {
        diagnostics.push(format!(
            "the overall score or coverage is not a finite number between 0 and 100 (the weights of the categories with data add up to {data_weight:e}); scored as Insufficient Data"
        ));
        for c in categories.iter_mut() {
            c.effective_weight = 0.0;
            c.points = 0.0;
        }
    }
    Weighed {
        overall: overall_raw.filter(|_| !broken),
        coverage: if broken { 0.0 } else { round1(coverage_raw) },
        coverage_raw,
        broken,
    }
}

/// The status and why, in plain words.
fn status_of(
    weighed: &Weighed,
    insufficient: bool,
    model: &Model,
    previous: &Previous,
) -> (HealthStatus, String) {
    match weighed.overall {
        Some(score) if !insufficient => status_with_hysteresis(
            score,
            &model.bands,
            model.hysteresis,
            previous.status.as_ref(),
        ),
        _ if weighed.broken => (
            HealthStatus::InsufficientData,
            "the model's weights do not give a finite score (see the diagnostics)".to_owned(),
        ),
        // Which inputs are missing is told by the categories without data (their reasons
        // say what is missing), so the status reason only states the rule.
        _ => (
            HealthStatus::InsufficientData,
            format!(
                "only {}% of the model's weight had data (minimum {}%)",
                num(weighed.coverage),
                num(model.min_coverage)
            ),
        ),
    }
}

/// The change since the previous period's score and the trend; no change without both
/// scores (an Insufficient Data overall is not a score).
fn trend_of(
    overall: Option<f64>,
    previous: &Previous,
    model: &Model,
) -> (Option<f64>, HealthTrend) {
    let (Some(now), Some(before)) = (overall, previous.score) else {
        return (None, HealthTrend::Stable);
    };
    let change = round1(now - before);
    let trend = if change > model.trend_threshold {
        HealthTrend::Improving
    } else if change < -model.trend_threshold {
        HealthTrend::Declining
    } else {
        HealthTrend::Stable
    };
    (Some(change), trend)
}

/// The flags on the customer as a whole, from the overall score (never on Insufficient
/// Data, whose overall number is not a score).
fn overall_flags(model: &Model, overall: Option<f64>) -> Vec<Flag> {
    let Some(score) = overall else {
        return Vec::new();
    };
    model
        .overall_flags
        .iter()
        .filter(|rule| rule.comparison.holds(score, rule.threshold))
        .map(|rule| {
            let measured = format!("the overall score is {}", num(score));
            let message = match &rule.message {
                Some(words) => format!("{words}: {measured}"),
                None => format!(
                    "{measured}, {} {}",
                    rule.comparison.words(),
                    num(rule.threshold)
                ),
            };
            Flag {
                code: rule.name.clone(),
                category: None,
                message,
            }
        })
        .collect()
}

/// Rounds to one decimal (the `Number(5,1)` fields), never producing `-0`.
pub(crate) fn round1(x: f64) -> f64 {
    let r = (x * 10.0).round() / 10.0;
    if r == 0.0 { 0.0 } else { r }
}

fn round2(x: f64) -> f64 {
    let r = (x * 100.0).round() / 100.0;
    if r == 0.0 { 0.0 } else { r }
}

/// The first profile whose rule matches the account, with the reason in words.
fn select_profile<'m>(
    model: &'m Model,
    snapshot: &AccountSnapshot,
    at: &AsOf,
) -> (Option<&'m Profile>, String) {
    for profile in &model.profiles {
        if let Some(reason) = profile_matches(profile, snapshot, at) {
            return (Some(profile), reason);
        }
    }
    let reason = if model.profiles.is_empty() {
        "the model has one profile".to_owned()
    } else {
        "no profile rule matched".to_owned()
    };
    (None, reason)
}

fn profile_matches(profile: &Profile, snapshot: &AccountSnapshot, at: &AsOf) -> Option<String> {
    let rule = &profile.when;
    let account = &snapshot.account;
    let mut reasons = Vec::new();
    if let Some(low) = rule.arr_at_least {
        let arr = account.arr.filter(|a| *a >= low)?;
        reasons.push(format!("ARR {} is at least {}", num(arr), num(low)));
    }
    if let Some(high) = rule.arr_below {
        let arr = account.arr.filter(|a| *a < high)?;
        reasons.push(format!("ARR {} is below {}", num(arr), num(high)));
    }
    if let Some(days) = rule.first_contract_within_days {
        let mut first: Option<NaiveDate> = None;
        view::each(snapshot, ObjectKind::Contract, at, |rec| {
            if let Rec::Contract(c) = rec
                && let Some(start) = c.start_date
                && first.is_none_or(|f| start < f)
            {
                first = Some(start);
            }
        });
        let start = first?;
        let since = (at.date - start).num_days();
        if !(0..days).contains(&since) {
            return None;
        }
        reasons.push(format!(
            "the first contract started {start}, {since} days ago (within the first {days})"
        ));
    }
    if let Some(types) = &rule.account_type_in {
        let t = account
            .account_type
            .as_deref()
            .filter(|t| types.iter().any(|x| x == t))?;
        reasons.push(format!("account type is {t}"));
    }
    let today =
        (rule.arr_at_least.is_some() || rule.arr_below.is_some() || rule.account_type_in.is_some())
            && at.is_past();
    let note = if today {
        " (the account's ARR and type as they stand today: account fields have no history)"
    } else {
        ""
    };
    Some(format!(
        "{}: {}{note}",
        profile.label,
        reasons.join(" and ")
    ))
}

fn rank(status: &HealthStatus) -> Option<usize> {
    match status {
        HealthStatus::AtRisk => Some(0),
        HealthStatus::Monitor => Some(1),
        HealthStatus::Healthy => Some(2),
        _ => None,
    }
}

const BY_RANK: [HealthStatus; 3] = [
    HealthStatus::AtRisk,
    HealthStatus::Monitor,
    HealthStatus::Healthy,
];

/// The status of a score, held by hysteresis against the status shown last.
///
/// Without a previous band status (none, or Insufficient Data) the plain bands apply:
/// Healthy at or above `bands.healthy`, Monitor at or above `bands.monitor`, else At Risk.
/// With one, each boundary above the previous status moves up by `hysteresis` (crossing
/// it upwards needs `score >= boundary + hysteresis`) and each boundary at or below it
/// moves down (dropping below it needs `score < boundary − hysteresis`). With the default
/// 70/40 bands and 3 points: Monitor becomes Healthy at 73, Healthy becomes Monitor below
/// 67, At Risk becomes Monitor at 43, Monitor becomes At Risk below 37. A jump across two
/// boundaries applies both. The score compared is the rounded overall score.
pub fn status_with_hysteresis(
    score: f64,
    bands: &Bands,
    hysteresis: f64,
    previous: Option<&HealthStatus>,
) -> (HealthStatus, String) {
    let boundaries = [(bands.monitor, 1usize), (bands.healthy, 2usize)];
    let plain = boundaries.iter().filter(|(b, _)| score >= *b).count();
    let Some(prev) = previous.and_then(rank) else {
        let status = BY_RANK[plain].clone();
        return (
            status.clone(),
            format!(
                "{} is in the {} band ({})",
                num(score),
                status,
                band_words(bands, plain)
            ),
        );
    };
    let held = boundaries
        .iter()
        .filter(|(b, r)| {
            if prev < *r {
                score >= b + hysteresis
            } else {
                score >= b - hysteresis
            }
        })
        .count();
    let status = BY_RANK[held].clone();
    let prev_status = &BY_RANK[prev];
    let reason = if held != prev {
        format!(
            "{} moved from {} to {}: it crossed the band boundary by at least the {}-point hysteresis",
            num(score),
            prev_status,
            status,
            num(hysteresis)
        )
    } else if plain != held {
        let (boundary, _) = if plain > held {
            boundaries[held]
        } else {
            boundaries[plain]
        };
        let needed = if plain > held {
            format!("{} or more", num(boundary + hysteresis))
        } else {
            format!("below {}", num(boundary - hysteresis))
        };
        format!(
            "{} is in the {} band but stays {}: with {}-point hysteresis it changes at {}",
            num(score),
            BY_RANK[plain],
            status,
            num(hysteresis),
            needed
        )
    } else {
        format!(
            "{} is in the {} band ({})",
            num(score),
            status,
            band_words(bands, held)
        )
    };
    (status, reason)
}

fn band_words(bands: &Bands, rank: usize) -> String {
    match rank {
        2 => format!("{} or more", num(bands.healthy)),
        1 => format!("{} to below {}", num(bands.monitor), num(bands.healthy)),
        _ => format!("below {}", num(bands.monitor)),
    }
}

/// The categories that moved the score most since the previous period, largest first.
/// A category's impact is its change weighted by this period's share; the impacts are
/// rounded together to one decimal (largest remainder, see `display`), so the drivers
/// shown add up to what the categories moved in all.
fn change_drivers(categories: &[CategoryScore], previous: &Previous) -> Vec<ChangeDriver> {
    let data_weight: f64 = categories
        .iter()
        .filter(|c| c.score.is_some())
        .map(|c| c.weight)
        .sum();
    let moved: Vec<(&CategoryScore, f64, f64, f64)> = categories
        .iter()
        .filter_map(|c| {
            let current = c.score?;
            let before = *previous.categories.get(&c.key)?;
            let exact = (current - before) * c.weight / data_weight;
            exact.is_finite().then_some((c, before, current, exact))
        })
        .collect();
    let exact: Vec<f64> = moved.iter().map(|m| m.3).collect();
    let shown = largest_remainder(&exact, tenths(exact.iter().sum()));
    let mut drivers: Vec<ChangeDriver> = moved
        .iter()
        .zip(shown)
        .filter(|(_, impact)| *impact != 0)
        .map(|(&(c, before, current, _), impact)| {
            let impact = from_tenths(impact);
            let verb = if current > before { "rose" } else { "fell" };
            ChangeDriver {
                category: c.key.clone(),
                previous: before,
                current,
                impact,
                text: format!(
                    "{} {verb} from {} to {} ({} points)",
                    c.label,
                    num(before),
                    num(current),
                    signed(impact)
                ),
            }
        })
        .collect();
    drivers.sort_by(|a, b| {
        b.impact
            .abs()
            .total_cmp(&a.impact.abs())
            .then_with(|| a.category.cmp(&b.category))
    });
    drivers.truncate(TOP);
    drivers
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(score, previous status, expected status)` with bands 70/40 and hysteresis 3.
    fn check(cases: &[(f64, Option<HealthStatus>, HealthStatus)]) {
        let bands = Bands {
            healthy: 70.0,
            monitor: 40.0,
        };
        for (score, previous, expected) in cases {
            let (status, reason) = status_with_hysteresis(*score, &bands, 3.0, previous.as_ref());
            assert_eq!(&status, expected, "{score} after {previous:?}: {reason}");
        }
    }

    /// Scores an account with 75 of 100 seats used (adoption 100) under csm-nine with the
    /// given category weights forced in, past what a model file may hold.
    fn score_with_weights(weights: &[(usize, f64)]) -> AccountScore {
        let mut model = Model::load_preset("csm-nine").unwrap();
        for (i, weight) in weights {
            model.categories[*i].weight = *weight;
        }
        let mut snapshot = AccountSnapshot::new(crate::domain::test_records::account());
        snapshot.account.license_seats = Some(100.0);
        snapshot.account.active_users = Some(75.0);
        let as_of = DateTime::parse_from_rfc3339("2026-06-30T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        score_account(&snapshot, &model, as_of, &Previous::default())
    }

    #[test]
    fn a_non_finite_overall_score_is_insufficient_data_with_a_diagnostic() {
        // 100 × 1e307 overflows to infinity (it read Healthy); two weights of 1e308 add up
        // to infinity and infinity / infinity is NaN (it read At Risk).
        for weights in [vec![(0, 1e307)], vec![(0, 1e308), (1, 1e308)]] {
            let score = score_with_weights(&weights);
            assert_eq!(score.status, HealthStatus::InsufficientData, "{weights:?}");
            assert_eq!(score.overall, None, "{weights:?}");
            assert!(score.coverage.is_finite(), "{weights:?}");
            assert!(
                score.categories.iter().all(|c| c.points.is_finite()
                    && c.effective_weight.is_finite()
                    && c.score.is_none_or(|s| (0.0..=100.0).contains(&s))),
                "{weights:?}"
            );
            assert!(
                score
                    .diagnostics
                    .iter()
                    .any(|d| d.contains("not a finite number")),
                "{weights:?}: {:?}",
                score.diagnostics
            );
            assert_eq!(score.change, None);
        }
        let sane = score_with_weights(&[(0, 1000.0)]);
        assert!(sane.overall.is_some_and(f64::is_finite));
        assert!(sane.diagnostics.is_empty(), "{:?}", sane.diagnostics);
    }

    #[test]
    fn hysteresis_holds_a_status_until_the_margin_is_crossed() {
        use HealthStatus::*;
        check(&[
            (70.0, None, Healthy),
            (69.9, None, Monitor),
            (40.0, None, Monitor),
            (39.9, None, AtRisk),
            (70.0, Some(InsufficientData), Healthy),
            (72.9, Some(Monitor), Monitor),
            (73.0, Some(Monitor), Healthy),
            (67.0, Some(Healthy), Healthy),
            (66.9, Some(Healthy), Monitor),
            (37.0, Some(Monitor), Monitor),
            (36.9, Some(Monitor), AtRisk),
            (42.9, Some(AtRisk), AtRisk),
            (43.0, Some(AtRisk), Monitor),
            (73.0, Some(AtRisk), Healthy),
            (72.0, Some(AtRisk), Monitor),
            (36.9, Some(Healthy), AtRisk),
            (37.0, Some(Healthy), Monitor),
        ]);
    }
}
