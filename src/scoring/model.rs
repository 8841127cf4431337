//! The scoring model as a validated value: categories built from measure kinds, weights,
//! status bands, hysteresis, minimum coverage, trend threshold and profiles.
//!
//! A [`Model`] only ever exists in a valid state: `schema` builds it, checking every key and
//! reporting every problem by its TOML path, and the loaders ([`Model::from_toml_str`],
//! [`Model::from_file`], [`Model::load`]) live there too, so these types never import the
//! reader. This module holds only the types and what they answer about themselves; it never
//! reads files or records.
//!
//! The file format is documented in the module docs of [`crate::scoring`] and, by example,
//! in `config/models/csm-nine.toml`.

use std::fmt;
use std::path::PathBuf;

use crate::domain::{ObjectKind, ValueKind};

/// A scoring model: what to measure, how much each part weighs, and how a score maps to a
/// status.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// The model's name, written to `Health_Model__c` (e.g. `csm-nine`).
    pub name: String,
    /// One line for people.
    pub description: String,
    /// Where it was loaded from: a preset name or a file path.
    pub source: String,
    /// Status bands.
    pub bands: Bands,
    /// Points a score must cross a band boundary by before the status changes.
    pub hysteresis: f64,
    /// Minimum share of weight (percent) that must have data; below it the status is
    /// Insufficient Data.
    pub min_coverage: f64,
    /// A change larger than this (points) is Improving or Declining.
    pub trend_threshold: f64,
    /// Flag every category scoring below this (per-category `flag_below` wins).
    pub flag_below: Option<f64>,
    /// Flags on the customer as a whole, raised from the overall score (`[[overall_flags]]`).
    pub overall_flags: Vec<OverallFlag>,
    /// The categories, in file order.
    pub categories: Vec<Category>,
    /// Profiles, in file order; the first whose rule matches an account applies.
    pub profiles: Vec<Profile>,
}

/// Score thresholds of the statuses: Healthy at or above `healthy`, Monitor at or above
/// `monitor`, At Risk below.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bands {
    /// Lowest Healthy score.
    pub healthy: f64,
    /// Lowest Monitor score.
    pub monitor: f64,
}

/// One category of the model; its key names the Salesforce score fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Category {
    /// Key (`case_health`); becomes `Health_Case_Health__c`.
    pub key: String,
    /// Label for people (`Case health`).
    pub label: String,
    /// Relative weight (any positive number; weights are normalised).
    pub weight: f64,
    /// How the category is measured.
    pub measure: Measure,
    /// Flag the category when its score is below this.
    pub flag_below: Option<f64>,
}

/// A measure: a kind with parameters, a label used in reasons, and flag rules.
#[derive(Debug, Clone, PartialEq)]
pub struct Measure {
    /// Noun phrase used in the reason (`seat utilisation`).
    pub label: String,
    /// Unit appended to values in reasons (`%`, ` min`); empty when none.
    pub unit: String,
    /// The kind and its parameters.
    pub kind: MeasureKind,
    /// Flags raised by this measure.
    pub flags: Vec<FlagRule>,
}

/// The library of measure kinds. See the module docs of [`crate::scoring`] for what each
/// does and what counts as "no data" for it.
#[derive(Debug, Clone, PartialEq)]
pub enum MeasureKind {
    /// A numeric account field mapped through a scale.
    Value {
        /// The field.
        field: FieldRef,
        /// How the value becomes a score.
        scale: Scale,
    },
    /// `100 × numerator / denominator` (a percentage) of two account fields, mapped through
    /// a scale.
    Ratio {
        /// The numerator field.
        numerator: FieldRef,
        /// The denominator field.
        denominator: FieldRef,
        /// How the percentage becomes a score.
        scale: Scale,
    },
    /// A picklist (or text) account field mapped value by value.
    Picklist {
        /// The field.
        field: FieldRef,
        /// Value to score, in file order.
        scores: Vec<(String, f64)>,
    },
    /// Starts at a score and adds (usually negative) points per matching related record.
    Count {
        /// The related object counted.
        object: ObjectKind,
        /// The score with no matches.
        start: f64,
        /// Lowest score.
        min: f64,
        /// Highest score.
        max: f64,
        /// The rules; a record matching several rules counts for each.
        rules: Vec<CountRule>,
    },
    /// Days since the latest matching dated record, mapped through steps.
    Recency {
        /// Where dated records come from.
        sources: Vec<DatedSource>,
        /// Days to score.
        steps: Steps,
        /// Score when no record matches; `None` means no data.
        when_none: Option<f64>,
    },
    /// Mean of a numeric field over matching related records, mapped through a scale.
    Mean {
        /// The field (its object is the one averaged over).
        field: FieldRef,
        /// Which records count.
        filter: Vec<Condition>,
        /// How the mean becomes a score.
        scale: Scale,
    },
    /// Share of items due in a window that were completed on or before their due date.
    OnTime {
        /// Where the items come from.
        sources: Vec<DueSource>,
        /// Items due in the last this many days count.
        window_days: i64,
    },
    /// Days left on the active contract against the stage of its renewal opportunity.
    Renewal(Renewal),
    /// Mean of the sub-measures that have data.
    Average {
        /// The sub-measures.
        parts: Vec<Measure>,
    },
    /// The first sub-measure that has data: the others are fallbacks, in order.
    First {
        /// The sub-measures, preferred first.
        parts: Vec<Measure>,
    },
}

/// A field from `domain::fields::FIELDS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldRef {
    /// The object.
    pub object: ObjectKind,
    /// The field name, as in the catalogue.
    pub name: &'static str,
    /// The field's kind.
    pub kind: ValueKind,
}

impl fmt::Display for FieldRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.object.key(), self.name)
    }
}

/// How a number becomes a score.
#[derive(Debug, Clone, PartialEq)]
pub enum Scale {
    /// 0 at `zero_at`, 100 at `full_at`, straight line between, clamped outside.
    /// `zero_at > full_at` scores lower values higher.
    Linear {
        /// The value that scores 0.
        zero_at: f64,
        /// The value that scores 100.
        full_at: f64,
    },
    /// The first step that holds gives the score.
    Steps(Steps),
}

/// Threshold steps, tried in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Steps {
    /// Whether a step holds for values at most or at least its limit.
    pub direction: StepDirection,
    /// The steps, ordered so the first that holds is the best.
    pub steps: Vec<Step>,
    /// The score when no step holds.
    pub otherwise: f64,
}

/// The comparison of a [`Steps`] scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepDirection {
    /// `value <= limit` (days since, minutes late).
    AtMost,
    /// `value >= limit` (survey scores).
    AtLeast,
}

/// One step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Step {
    /// The limit.
    pub limit: f64,
    /// The score when the step holds.
    pub score: f64,
}

/// One rule of a [`MeasureKind::Count`].
#[derive(Debug, Clone, PartialEq)]
pub struct CountRule {
    /// Singular noun phrase (`open high-severity case`).
    pub label: String,
    /// Plural of the label.
    pub plural: String,
    /// Points per matching record (negative for a penalty).
    pub points: f64,
    /// Which records match.
    pub filter: Vec<Condition>,
    /// Flags raised on the number of matching records (`on` is always the count).
    pub flags: Vec<FlagRule>,
}

/// Dated records for a recency measure.
#[derive(Debug, Clone, PartialEq)]
pub struct DatedSource {
    /// The date field (its object is the source; `account` reads the account itself).
    pub date: FieldRef,
    /// Which records count.
    pub filter: Vec<Condition>,
}

/// Items with a due date for an on-time measure.
#[derive(Debug, Clone, PartialEq)]
pub struct DueSource {
    /// The due date field.
    pub due: FieldRef,
    /// The completion date field, on the same object.
    pub completed: FieldRef,
    /// Which records are items.
    pub filter: Vec<Condition>,
}

/// Parameters of renewal readiness.
#[derive(Debug, Clone, PartialEq)]
pub struct Renewal {
    /// Outside this many days before the contract end the score is 100.
    pub window_days: i64,
    /// Contract statuses that can be the active contract.
    pub contract_statuses: Vec<String>,
    /// Which opportunities are renewals.
    pub renewal_filter: Vec<Condition>,
    /// Stages in order of progress, each expected once this few days are left.
    pub schedule: Vec<ScheduledStage>,
    /// Stages that score 0 whatever the days left.
    pub at_risk_stages: Vec<String>,
    /// Score by number of stages behind: index 0 on track, 1 one behind, ...; the last
    /// entry applies to anything further behind.
    pub behind_scores: Vec<f64>,
}

/// A stage of the renewal schedule.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduledStage {
    /// Stage name as in the org.
    pub stage: String,
    /// The stage is expected once at most this many days are left.
    pub by_days_left: i64,
}

/// A condition on a record; a list of them must all hold.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// The field equals the value (`negate`: differs, null included).
    Equals {
        /// The field.
        field: FieldRef,
        /// The value.
        value: Literal,
        /// Whether the condition is `not_equals`.
        negate: bool,
    },
    /// The field is one of the values (`negate`: is none of them, null included).
    In {
        /// The field.
        field: FieldRef,
        /// The values.
        values: Vec<Literal>,
        /// Whether the condition is `not_in`.
        negate: bool,
    },
    /// A checkbox is ticked (`true`) or not (`false`).
    Is {
        /// The field.
        field: FieldRef,
        /// The expected state.
        value: bool,
    },
    /// The field is empty (`true`) or not (`false`).
    IsNull {
        /// The field.
        field: FieldRef,
        /// Whether it must be empty.
        null: bool,
    },
    /// A date in the last `days` days, up to and including the scoring instant.
    Within {
        /// The date or dateTime field.
        field: FieldRef,
        /// Window length in days.
        days: i64,
    },
    /// At least one of the conditions holds.
    Any(Vec<Condition>),
}

/// A value in a condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// Text or picklist value, compared exactly.
    Text(String),
    /// A number.
    Number(f64),
    /// A checkbox value.
    Bool(bool),
}

/// A rule that raises a flag.
#[derive(Debug, Clone, PartialEq)]
pub struct FlagRule {
    /// The flag's code (`underutilisation`), stable: playbooks act on it.
    pub name: String,
    /// What is compared.
    pub on: FlagOn,
    /// How.
    pub comparison: Comparison,
    /// Against what.
    pub threshold: f64,
    /// What the flag means, in plain words (`no QBR in the last 120 days`); the flag's
    /// message adds what was measured. Without one the message is built from the measure's
    /// label, value and threshold.
    pub message: Option<String>,
}

/// A flag on the customer as a whole, raised when the overall score compares with a
/// threshold (`[[overall_flags]]`). It never fires on Insufficient Data, whose overall
/// number is not a score.
#[derive(Debug, Clone, PartialEq)]
pub struct OverallFlag {
    /// The flag's code, stable: playbooks act on it.
    pub name: String,
    /// How the overall score is compared.
    pub comparison: Comparison,
    /// Against what.
    pub threshold: f64,
    /// What the flag means, in plain words; without one, built from the comparison.
    pub message: Option<String>,
}

/// What a flag rule looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlagOn {
    /// The measured value before scaling (utilisation %, survey score, days since).
    Value,
    /// The measure's score.
    Score,
}

/// A comparison with a threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    /// `<`.
    Below,
    /// `<=`.
    AtMost,
    /// `>`.
    Above,
    /// `>=`.
    AtLeast,
}

impl Comparison {
    /// Whether `value` compares to `threshold` this way.
    pub fn holds(self, value: f64, threshold: f64) -> bool {
        match self {
            Comparison::Below => value < threshold,
            Comparison::AtMost => value <= threshold,
            Comparison::Above => value > threshold,
            Comparison::AtLeast => value >= threshold,
        }
    }

    /// Plain words (`below`, `at most`, ...).
    pub fn words(self) -> &'static str {
        match self {
            Comparison::Below => "below",
            Comparison::AtMost => "at most",
            Comparison::Above => "above",
            Comparison::AtLeast => "at least",
        }
    }
}

/// A profile: a variant of the model for accounts matching a rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// Name (`onboarding`).
    pub name: String,
    /// Label for people.
    pub label: String,
    /// Which accounts it applies to.
    pub when: ProfileRule,
    /// Categories not used for these accounts.
    pub drop: Vec<String>,
    /// Weights replaced, by category key.
    pub weights: Vec<(String, f64)>,
    /// Measures replaced, by category key.
    pub measures: Vec<(String, Measure)>,
}

/// Conditions on the account; all given ones must hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProfileRule {
    /// ARR at or above this.
    pub arr_at_least: Option<f64>,
    /// ARR below this.
    pub arr_below: Option<f64>,
    /// The earliest contract started at most this many days before the scoring date
    /// (onboarding).
    pub first_contract_within_days: Option<i64>,
    /// Account type is one of these.
    pub account_type_in: Option<Vec<String>>,
}

/// One problem in a model file, named by its TOML path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ModelIssue {
    /// TOML path, e.g. `categories[2].measure.window_days`.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

/// Why a model could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// No preset has this name.
    #[error("unknown scoring model {name:?}: not a preset ({known}) and not a file")]
    UnknownPreset {
        /// The name asked for.
        name: String,
        /// The preset names.
        known: String,
    },
    /// The file could not be read.
    #[error("cannot read scoring model {path}: {source}")]
    Read {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The text is not TOML.
    #[error("scoring model {source_name} is not valid TOML: {message}")]
    Syntax {
        /// File path or preset name.
        source_name: String,
        /// The parser's message.
        message: String,
    },
    /// The TOML does not describe a valid model; every problem is listed.
    #[error("scoring model {source_name} is invalid:{}", list_issues(.issues))]
    Invalid {
        /// File path or preset name.
        source_name: String,
        /// Every problem.
        issues: Vec<ModelIssue>,
    },
}

fn list_issues(issues: &[ModelIssue]) -> String {
    issues.iter().map(|issue| format!("\n  {issue}")).collect()
}

impl Model {
    /// The category keys, in file order. Profiles never add categories, so these are all
    /// the keys any account's result can carry.
    pub fn category_keys(&self) -> Vec<&str> {
        self.categories.iter().map(|c| c.key.as_str()).collect()
    }

    /// The category with this key.
    pub fn category(&self, key: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.key == key)
    }
}
