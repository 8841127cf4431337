//! The `Health_Drivers__c` text: the top reasons behind a score in plain words.
//!
//! Pure formatting of a finished [`AccountScore`]; it never scores and never reads records.

use crate::domain::HealthStatus;

use super::measures::num;
use super::result::{AccountScore, CategoryScore};

/// How many categories the text names.
const TOP: usize = 3;

/// The `Health_Drivers__c` text: the change and what drove it, then the categories that
/// cost the most points, each with its reason.
pub fn health_drivers(score: &AccountScore) -> String {
    let mut lines = Vec::new();
    if score.status == HealthStatus::InsufficientData {
        lines.push(format!("Insufficient data: {}.", score.status_reason));
    }
    if let Some(change) = score.change {
        let direction = if change > 0.0 {
            format!("Up {}", num(change))
        } else if change < 0.0 {
            format!("Down {}", num(-change))
        } else {
            "No change".to_owned()
        };
        let mut line = format!("{direction} since the previous period");
        if !score.change_drivers.is_empty() {
            let texts: Vec<&str> = score
                .change_drivers
                .iter()
                .map(|d| d.text.as_str())
                .collect();
            line.push_str(&format!(": {}", texts.join("; ")));
        }
        lines.push(format!("{line}."));
    }
    let mut costs: Vec<(&CategoryScore, f64)> = score
        .categories
        .iter()
        .filter_map(|c| {
            let s = c.score?;
            let lost = c.effective_weight * (100.0 - s) / 100.0;
            (lost > 0.0).then_some((c, lost))
        })
        .collect();
    costs.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.key.cmp(&b.0.key)));
    for (c, lost) in costs.into_iter().take(TOP) {
        lines.push(format!(
            "{} {} (-{} points): {}.",
            c.label,
            num(c.score.unwrap_or_default()),
            num(lost),
            c.reason
        ));
    }
    if lines.is_empty() {
        lines.push("Every category scores 100.".to_owned());
    }
    // Health_Drivers__c is a long text area of 32,768 characters.
    lines.join("\n").chars().take(32_000).collect()
}
