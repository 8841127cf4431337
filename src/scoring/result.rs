//! What scoring one account produces: plain, serialisable values.
//!
//! The sync turns an [`AccountScore`] into planned writes and snapshots those plans, so
//! every type here is `Serialize` with a deterministic field order. Nothing here computes
//! anything.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{HealthStatus, HealthTrend, SfId};

/// One account's score, with everything needed to explain it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccountScore {
    /// The account.
    pub account_id: SfId,
    /// Its name.
    pub account_name: String,
    /// The model's name (`Health_Model__c`).
    pub model: String,
    /// The profile applied (`default` when no profile rule matched).
    pub profile: String,
    /// Why that profile applied, in plain words.
    pub profile_reason: String,
    /// The scoring instant.
    pub as_of: DateTime<Utc>,
    /// Every category of the model, in model order, including ones the profile dropped.
    pub categories: Vec<CategoryScore>,
    /// Weighted mean over categories with data, rounded to one decimal; `None` when no
    /// category had data.
    pub overall: Option<f64>,
    /// Status after bands, hysteresis and the coverage rule.
    pub status: HealthStatus,
    /// Why that status, in plain words.
    pub status_reason: String,
    /// The date the status began (kept while the status is unchanged).
    pub status_since: NaiveDate,
    /// Share of the profile's weight that had data, in percent, one decimal.
    pub coverage: f64,
    /// The previous period's score, when known.
    pub previous_score: Option<f64>,
    /// The first day of the previous period, the one the trend compares with, when known.
    pub previous_period: Option<NaiveDate>,
    /// `overall − previous_score`, one decimal.
    pub change: Option<f64>,
    /// Improving, Stable or Declining.
    pub trend: HealthTrend,
    /// Categories that moved the score most since the previous period, largest first.
    pub change_drivers: Vec<ChangeDriver>,
    /// Every flag raised: flags on the customer as a whole first, then the categories'
    /// flags in category order.
    pub flags: Vec<Flag>,
    /// The top reasons in plain words, for `Health_Drivers__c`.
    pub drivers: String,
    /// Odd input noticed while scoring (ignored values, unknown picklist values).
    pub diagnostics: Vec<String>,
}

impl AccountScore {
    /// Category scores by key, for the `Health_<Category>__c` fields (categories without
    /// data are absent).
    pub fn category_scores(&self) -> BTreeMap<String, f64> {
        self.categories
            .iter()
            .filter_map(|c| c.score.map(|s| (c.key.clone(), s)))
            .collect()
    }

    /// The score of one category.
    pub fn category(&self, key: &str) -> Option<&CategoryScore> {
        self.categories.iter().find(|c| c.key == key)
    }

    /// Whether a flag with this code was raised.
    pub fn has_flag(&self, code: &str) -> bool {
        self.flags.iter().any(|f| f.code == code)
    }
}

/// One category's part of the score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CategoryScore {
    /// Category key.
    pub key: String,
    /// Category label.
    pub label: String,
    /// Whether the applied profile uses this category.
    pub in_profile: bool,
    /// Configured weight (after the profile's changes).
    pub weight: f64,
    /// Share of the overall score in percent: the weight divided by the weight of all
    /// categories with data. 0 without data.
    pub effective_weight: f64,
    /// Score 0..=100, one decimal; `None` when there was no data.
    pub score: Option<f64>,
    /// Points contributed to the overall score: `score × effective_weight / 100`.
    pub points: f64,
    /// The rule that fired, in plain words.
    pub reason: String,
    /// The records behind the score, each once, in the order the measure found them.
    pub evidence: Vec<SfId>,
    /// The account fields behind the score, by Vitals' name (`account.license_seats`),
    /// each once: the evidence of a measure that reads the account itself.
    pub fields: Vec<String>,
    /// Flags this category raised.
    pub flags: Vec<Flag>,
}

/// A condition the playbook engine can act on. Codes are stable (the presets' codes are
/// listed in the module docs of [`crate::scoring`]); messages are plain words for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flag {
    /// Code (`underutilisation`, `no_recent_engagement`, `below_threshold`, ...).
    pub code: String,
    /// The category that raised it; `None` for a flag on the customer as a whole (an
    /// `[[overall_flags]]` rule).
    pub category: Option<String>,
    /// Plain words: what the flag means and what was measured.
    pub message: String,
}

/// A category's contribution to the change since the previous period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangeDriver {
    /// Category key.
    pub category: String,
    /// The previous period's category score.
    pub previous: f64,
    /// This period's.
    pub current: f64,
    /// Points of overall score this moved, at this period's share, one decimal (rounded
    /// together with the other categories' so that the shown impacts add up).
    pub impact: f64,
    /// Plain words.
    pub text: String,
}
