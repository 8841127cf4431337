//! Renders an [`AccountScore`] as the text breakdown `vitals explain` prints.
//!
//! Pure formatting of a finished result: it never scores and never reads records, so the
//! printed breakdown always agrees with what the sync would write. What a CSM reads must
//! add up: the shares and points are the [`displayed`] numbers (they add up to 100 % and
//! to the overall score as shown), an Insufficient Data account shows which inputs are
//! missing instead of a number, every category names its evidence, and the change line
//! states the same change as the trend line, its parts adding up to it.

use super::display::{Displayed, displayed, from_tenths, tenths};
use super::measures::{num, signed};
use super::result::{AccountScore, CategoryScore};

/// The breakdown as text lines: one block per category (weight, share, score, points,
/// reason, evidence, flags), the total, then overall, status, coverage, trend, what
/// changed and the `Health_Drivers__c` text.
pub fn render(score: &AccountScore) -> String {
    let shown = displayed(score);
    let mut lines = vec![
        format!(
            "{} ({}): model {}, profile {}, as of {}",
            score.account_name,
            score.account_id,
            score.model,
            score.profile,
            score.as_of.format("%Y-%m-%d %H:%M UTC")
        ),
        format!("profile: {}", score.profile_reason),
        String::new(),
    ];
    lines.extend(table(score, &shown));
    lines.push(String::new());
    lines.extend(verdict(score, &shown));
    lines.extend(change(score));
    lines.push("drivers (Health_Drivers__c):".to_owned());
    lines.extend(score.drivers.lines().map(|line| format!("    {line}")));
    lines.extend(
        score
            .diagnostics
            .iter()
            .map(|diagnostic| format!("note: {diagnostic}")),
    );
    let mut text = lines.join("\n");
    text.push('\n');
    text
}

/// The customer-level flags, then one block per category, then the total.
fn table(score: &AccountScore, shown: &Displayed) -> Vec<String> {
    let width = score
        .categories
        .iter()
        .map(|c| c.label.chars().count())
        .max()
        .unwrap_or(8)
        .max(8);
    let row = |a: &str, b: &str, c: &str, d: &str, e: &str| {
        format!("{a:width$}  {b:>6}  {c:>6}  {d:>6}  {e:>6}")
    };
    let mut lines: Vec<String> = score
        .flags
        .iter()
        .filter(|f| f.category.is_none())
        .map(|f| format!("flag {} (the account): {}", f.code, f.message))
        .collect();
    if !lines.is_empty() {
        lines.push(String::new());
    }
    lines.push(row("category", "weight", "share", "score", "points"));
    for (c, numbers) in score.categories.iter().zip(&shown.categories) {
        let weight = if c.in_profile {
            num(c.weight)
        } else {
            "off".to_owned()
        };
        let score_text = c.score.map_or_else(|| "-".to_owned(), num);
        let (share, points) = numbers.map_or_else(
            || ("-".to_owned(), "-".to_owned()),
            |n| (format!("{}%", num(n.share)), num(n.points)),
        );
        lines.push(row(&c.label, &weight, &share, &score_text, &points));
        lines.push(format!("    {}", c.reason));
        if c.in_profile {
            lines.push(format!("    evidence: {}", evidence(score, c)));
        }
        lines.extend(
            c.flags
                .iter()
                .map(|f| format!("    flag {}: {}", f.code, f.message)),
        );
    }
    if let Some(overall) = shown.overall {
        lines.push(row(
            "total",
            "",
            &format!("{}%", num(shown.total_share())),
            "",
            &format!("{overall:.1}"),
        ));
    }
    lines
}

/// What a category's score rests on: its records by Id, the account fields it read.
fn evidence(score: &AccountScore, c: &CategoryScore) -> String {
    let mut parts = Vec::new();
    if !c.evidence.is_empty() {
        let ids: Vec<String> = c.evidence.iter().map(ToString::to_string).collect();
        parts.push(ids.join(", "));
    }
    if !c.fields.is_empty() {
        let names: Vec<&str> = c
            .fields
            .iter()
            .map(|f| f.strip_prefix("account.").unwrap_or(f))
            .collect();
        parts.push(format!(
            "account {}, fields {}",
            score.account_id,
            names.join(", ")
        ));
    }
    if parts.is_empty() {
        "no records on file".to_owned()
    } else {
        parts.join("; ")
    }
}

/// The overall score (or what is missing), status and coverage.
fn verdict(score: &AccountScore, shown: &Displayed) -> Vec<String> {
    let mut lines = Vec::new();
    match shown.overall {
        Some(overall) => lines.push(format!("overall: {overall:.1}")),
        None => {
            lines.push("overall: not scored (Insufficient Data)".to_owned());
            lines.push("missing:".to_owned());
            lines.extend(
                score
                    .categories
                    .iter()
                    .filter(|c| c.in_profile && c.score.is_none())
                    .map(|c| format!("    {}: {}", c.label, c.reason)),
            );
        }
    }
    lines.push(format!(
        "status: {} since {}: {}",
        score.status, score.status_since, score.status_reason
    ));
    lines.push(format!("coverage: {}%", num(score.coverage)));
    lines
}

/// The trend line and the change line: the same change, and parts that add up to it.
fn change(score: &AccountScore) -> Vec<String> {
    // Name the period compared with, so a CSM can find its history record.
    let period = score.previous_period.map_or_else(
        || "the previous period".to_owned(),
        |start| format!("the previous period (from {start})"),
    );
    let (trend, changed) = match (score.change, score.previous_score) {
        (Some(change), Some(previous)) => (
            format!(
                "{}: {} against {} in {period}",
                score.trend,
                signed(change),
                num(previous)
            ),
            format!(
                "changed since the previous period: {} points",
                signed(change)
            ),
        ),
        (None, Some(previous)) => (
            format!(
                "{}: not compared with {} in {period}, too little data this period",
                score.trend,
                num(previous)
            ),
            "changed since the previous period: not compared".to_owned(),
        ),
        _ => (
            format!("{}: no score of {period} to compare with", score.trend),
            "changed since the previous period: nothing to compare with".to_owned(),
        ),
    };
    let mut lines = vec![format!("trend: {trend}"), changed];
    if let Some(change) = score.change {
        lines.extend(change_parts(score, change));
    }
    lines
}

/// The drivers of the change, each as shown, and what they leave unexplained, so that the
/// lines add up to the change.
fn change_parts(score: &AccountScore, change: f64) -> Vec<String> {
    let mut lines: Vec<String> = score
        .change_drivers
        .iter()
        .map(|d| format!("    {}", d.text))
        .collect();
    let explained: i64 = score.change_drivers.iter().map(|d| tenths(d.impact)).sum();
    let rest = tenths(change) - explained;
    if rest != 0 {
        let what = if score.change_drivers.is_empty() {
            "small moves in several categories, weights and rounding"
        } else {
            "other categories, weights and rounding"
        };
        lines.push(format!("    {what}: {} points", signed(from_tenths(rest))));
    } else if lines.is_empty() {
        lines.push("    no category moved".to_owned());
    }
    lines
}
