//! The `Health_Drivers__c` text: the top reasons behind a score, in plain words, for the
//! Account and its history record (`Drivers__c`).
//!
//! It follows the rules of `vitals explain`: numbers are the [`displayed`] ones (the points
//! a category costs are its shown share less its shown points, so they add up to 100 less
//! the shown overall score), an Insufficient Data account gets the inputs that are missing
//! instead of a number, the change is the one the trend is computed from, and flags are in
//! plain words. The text never exceeds the fields' length. Pure formatting of a finished
//! [`AccountScore`]: it never scores and never reads records.

use super::display::{Displayed, displayed, from_tenths, tenths};
use super::measures::{num, signed};
use super::result::AccountScore;

/// The length of `Health_Drivers__c` and `Drivers__c` (LongTextArea 32768 in
/// `salesforce-metadata/`), counted as Salesforce counts text: in UTF-16 code units.
pub const HEALTH_DRIVERS_MAX: usize = 32_768;

/// How many categories the text names.
const TOP: usize = 3;

/// The `Health_Drivers__c` text of a score: what is missing (Insufficient Data), the change
/// since the previous period and its drivers, the categories that cost the most points with
/// their reasons, and the flags; at most [`HEALTH_DRIVERS_MAX`] long.
pub fn health_drivers(score: &AccountScore) -> String {
    let shown = displayed(score);
    let mut lines = Vec::new();
    if shown.overall.is_none() {
        lines.push(insufficient(score));
    }
    if let Some(change) = change_line(score) {
        lines.push(change);
    }
    lines.extend(costs(score, &shown));
    let flags: Vec<&str> = score.flags.iter().map(|f| f.message.as_str()).collect();
    if !flags.is_empty() {
        lines.push(format!("Flags: {}.", flags.join("; ")));
    }
    if lines.is_empty() {
        lines.push("Every category scores 100.".to_owned());
    }
    bounded(&lines, HEALTH_DRIVERS_MAX)
}

/// Why there is no score, and what is missing.
fn insufficient(score: &AccountScore) -> String {
    let missing: Vec<String> = score
        .categories
        .iter()
        .filter(|c| c.in_profile && c.score.is_none())
        .map(|c| format!("{} ({})", c.label, c.reason))
        .collect();
    format!(
        "Insufficient data, not scored: {}. Missing: {}.",
        score.status_reason,
        missing.join("; ")
    )
}

/// The change since the previous period and what drove it, as the trend states it.
fn change_line(score: &AccountScore) -> Option<String> {
    let change = score.change?;
    let direction = match tenths(change) {
        0 => "No change".to_owned(),
        t if t > 0 => format!("Up {}", num(change)),
        _ => format!("Down {}", num(-change)),
    };
    let mut parts: Vec<String> = score
        .change_drivers
        .iter()
        .map(|d| d.text.clone())
        .collect();
    let explained: i64 = score.change_drivers.iter().map(|d| tenths(d.impact)).sum();
    let rest = tenths(change) - explained;
    if rest != 0 && !parts.is_empty() {
        parts.push(format!(
            "other categories, weights and rounding {} points",
            signed(from_tenths(rest))
        ));
    }
    let mut line = format!("{direction} since the previous period ({})", score.trend);
    if !parts.is_empty() {
        line.push_str(&format!(": {}", parts.join("; ")));
    }
    line.push('.');
    Some(line)
}

/// The categories that cost the most shown points, each with its reason.
fn costs(score: &AccountScore, shown: &Displayed) -> Vec<String> {
    let mut costs: Vec<(usize, i64)> = score
        .categories
        .iter()
        .zip(&shown.categories)
        .enumerate()
        .filter_map(|(i, (_, n))| {
            let n = (*n)?;
            let lost = tenths(n.share) - tenths(n.points);
            (lost > 0).then_some((i, lost))
        })
        .collect();
    costs.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    costs
        .into_iter()
        .take(TOP)
        .filter_map(|(i, lost)| {
            let c = score.categories.get(i)?;
            Some(format!(
                "{} {} (-{}{COST_MARK}{}.",
                c.label,
                num(c.score.unwrap_or_default()),
                num(from_tenths(lost)),
                c.reason
            ))
        })
        .collect()
}

/// What joins a category's lost points to its reason in a cost line.
const COST_MARK: &str = " points): ";

/// The lines of a [`health_drivers`] text that name what a category cost and why, largest
/// cost first ("Case health 0 (-25 points): 2 open High or Critical cases."), without the
/// change and flag lines: the top reasons, for a summary that lists accounts.
pub fn cost_lines(drivers: &str) -> impl Iterator<Item = &str> {
    drivers
        .lines()
        .filter(|line| line.contains(" (-") && line.contains(COST_MARK))
}

/// Joins lines, keeping whole lines while they fit in `max` UTF-16 code units; a first
/// line too long on its own is cut and ends with an ellipsis. Never longer than `max`.
pub(crate) fn bounded(lines: &[String], max: usize) -> String {
    let mut text = String::new();
    let mut used = 0;
    for line in lines {
        let separator = usize::from(!text.is_empty());
        let length = line.encode_utf16().count();
        if used + separator + length <= max {
            if separator == 1 {
                text.push('\n');
            }
            text.push_str(line);
            used += separator + length;
        } else {
            if text.is_empty() && max > 0 {
                text = cut(line, max);
            }
            break;
        }
    }
    text
}

/// The start of `line`, ending with `…`, at most `max` UTF-16 code units long.
fn cut(line: &str, max: usize) -> String {
    let mut out = String::new();
    let mut used = 1; // the ellipsis
    for c in line.chars() {
        if used + c.len_utf16() > max {
            break;
        }
        used += c.len_utf16();
        out.push(c);
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_keeps_whole_lines_within_the_field() {
        let lines: Vec<String> = ["first", "second", "third"].map(String::from).to_vec();
        assert_eq!(bounded(&lines, 100), "first\nsecond\nthird");
        // "first\nsecond" is 12 units; the third line does not fit in 15.
        assert_eq!(bounded(&lines, 15), "first\nsecond");
        assert_eq!(bounded(&lines, 12), "first\nsecond");
        assert_eq!(bounded(&lines, 11), "first");
        // A single line too long is cut, with an ellipsis, within the bound.
        let long = vec!["é".repeat(40_000)];
        let text = bounded(&long, HEALTH_DRIVERS_MAX);
        assert_eq!(text.encode_utf16().count(), HEALTH_DRIVERS_MAX);
        assert!(text.ends_with('…'));
        // Characters outside the BMP count twice, as Salesforce counts them.
        let emoji = vec!["😀".repeat(3)];
        assert_eq!(bounded(&emoji, 6), "😀😀😀");
        assert_eq!(bounded(&emoji, 5), "😀😀…");
        assert_eq!(bounded(&[], 10), "");
    }

    #[test]
    fn cost_lines_are_the_categories_with_their_reasons_not_the_change_or_the_flags() {
        let text = "Down 12.5 since the previous period (Declining): Case health -10 points.\n\
                    Case health 0 (-25 points): 2 open High or Critical cases.\n\
                    Renewal readiness 50 (-5 points): one stage behind.\n\
                    Flags: no QBR in the last 120 days.";
        assert_eq!(
            cost_lines(text).collect::<Vec<_>>(),
            [
                "Case health 0 (-25 points): 2 open High or Critical cases.",
                "Renewal readiness 50 (-5 points): one stage behind."
            ]
        );
        assert_eq!(cost_lines("Every category scores 100.").count(), 0);
    }
}
