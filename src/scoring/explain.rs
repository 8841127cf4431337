//! Renders an [`AccountScore`] as the text breakdown `vitals explain` prints.
//!
//! Pure formatting of a finished result: it never scores and never reads records, so the
//! printed breakdown always agrees with what the sync would write.

use std::fmt::Write;

use super::measures::num;
use super::result::AccountScore;

/// The breakdown as text lines: one block per category (weight, share, score, points,
/// reason, evidence), then overall, status, coverage, trend and what changed.
pub fn render(score: &AccountScore) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail, so the results are ignored.
    let _ = writeln!(
        out,
        "{} ({}): model {}, profile {}, as of {}",
        score.account_name,
        score.account_id,
        score.model,
        score.profile,
        score.as_of.format("%Y-%m-%d %H:%M UTC")
    );
    let _ = writeln!(out, "profile: {}", score.profile_reason);
    let _ = writeln!(out);
    let width = score
        .categories
        .iter()
        .map(|c| c.label.chars().count())
        .max()
        .unwrap_or(8)
        .max(8);
    let _ = writeln!(
        out,
        "{:width$}  {:>6}  {:>6}  {:>6}  {:>6}",
        "category", "weight", "share", "score", "points"
    );
    for c in &score.categories {
        let score_text = c.score.map_or_else(|| "-".to_owned(), num);
        let (share, points) = if c.score.is_some() {
            (format!("{}%", num(c.effective_weight)), num(c.points))
        } else {
            ("-".to_owned(), "-".to_owned())
        };
        let weight = if c.in_profile {
            num(c.weight)
        } else {
            "off".to_owned()
        };
        let _ = writeln!(
            out,
            "{:width$}  {:>6}  {:>6}  {:>6}  {:>6}",
            c.label, weight, share, score_text, points
        );
        let _ = writeln!(out, "    {}", c.reason);
        if !c.evidence.is_empty() {
            let ids: Vec<String> = c.evidence.iter().map(|id| id.to_string()).collect();
            let _ = writeln!(out, "    evidence: {}", ids.join(", "));
        }
        for flag in &c.flags {
            let _ = writeln!(out, "    flag {}: {}", flag.code, flag.message);
        }
    }
    let _ = writeln!(out);
    let overall = score
        .overall
        .map_or_else(|| "-".to_owned(), |o| format!("{o:.1}"));
    let _ = writeln!(out, "overall: {overall}");
    let _ = writeln!(
        out,
        "status: {} since {}: {}",
        score.status, score.status_since, score.status_reason
    );
    let _ = writeln!(out, "coverage: {}%", num(score.coverage));
    // Name the period compared with, so a CSM can find its history record.
    let period = score.previous_period.map_or_else(
        || "the previous period".to_owned(),
        |start| format!("the previous period (from {start})"),
    );
    let trend = match (score.change, score.previous_score) {
        (Some(change), Some(previous)) => format!(
            "{}: {}{} against {} in {period}",
            score.trend,
            if change > 0.0 { "+" } else { "" },
            num(change),
            num(previous)
        ),
        (None, Some(previous)) => format!(
            "{}: not compared with {} in {period}, too little data this period",
            score.trend,
            num(previous)
        ),
        _ => format!("{}: no score of {period} to compare with", score.trend),
    };
    let _ = writeln!(out, "trend: {trend}");
    if score.change_drivers.is_empty() {
        let _ = writeln!(out, "changed since the last period: nothing notable");
    } else {
        let _ = writeln!(out, "changed since the last period:");
        for driver in &score.change_drivers {
            let _ = writeln!(out, "    {}", driver.text);
        }
    }
    let _ = writeln!(out, "drivers (Health_Drivers__c):");
    for line in score.drivers.lines() {
        let _ = writeln!(out, "    {line}");
    }
    for diagnostic in &score.diagnostics {
        let _ = writeln!(out, "note: {diagnostic}");
    }
    out
}
