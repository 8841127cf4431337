//! The scoring engine: a model that is data, applied to one account at a time.
//!
//! `(snapshot, &Model, as_of, &Previous) -> AccountScore`. Scoring is pure: no I/O, no
//! clock (the caller passes `as_of`), and it never fails on odd input: a category without
//! usable data scores "no data", odd values become diagnostics, and too little data gives
//! the Insufficient Data status with a reason. Records dated after `as_of` are ignored
//! everywhere (see `view`), so the same function serves backfill. The only I/O in this
//! module is [`Model::from_file`], at load time.
//!
//! | file | owns |
//! |---|---|
//! | `model.rs` | the validated [`Model`] and its loaders |
//! | `used.rs` | [`Model::fields_used`]: every catalogue field scoring reads for a model |
//! | `schema/` | reading model TOML, every problem named by its path |
//! | `presets.rs` | the presets embedded from `config/models/` |
//! | `view.rs` | the as-of view of records (what existed and was known at `as_of`) |
//! | `filter.rs` | `where` conditions |
//! | `measures/` | the measure kinds: score, value, reason, evidence, flags |
//! | `engine.rs` | profiles, weight spreading, coverage, status, hysteresis, trend, change drivers, customer flags |
//! | `previous.rs` | what a score is compared with ([`Previous::from_snapshot`]) |
//! | `result.rs` | the serialisable [`AccountScore`] |
//! | `display.rs` | the numbers people read, rounded so that they add up ([`displayed`]) |
//! | `drivers.rs` | the `Health_Drivers__c` text ([`health_drivers`]) |
//! | `explain.rs` | the text breakdown of `vitals explain` |
//!
//! # Model files
//!
//! A model is a TOML file. Unknown keys are errors, field names are checked against
//! `domain::fields::FIELDS`, and every problem is reported at once with its TOML path.
//! `config/models/csm-nine.toml` is the commented reference example.
//!
//! ```toml
//! name = "my-model"          # written to Health_Model__c
//! description = "..."        # optional
//! min_coverage = 50          # percent of weight that must have data (default 50)
//! hysteresis = 3             # points (default 3)
//! trend_threshold = 5        # points; a larger change is Improving/Declining (default 5)
//! flag_below = 60            # optional: flag `below_threshold` on any category below this
//!
//! [[overall_flags]]          # optional: flags on the customer as a whole
//! name = "overall_below_threshold"
//! below = 60                 # or at_most, above, at_least (0 to 100), on the overall score
//! message = "overall health below 60"   # optional, plain words
//!
//! [bands]
//! healthy = 70               # Healthy at or above
//! monitor = 40               # Monitor at or above, At Risk below
//!
//! [[categories]]
//! key = "case_health"        # names the fields Health_Case_Health__c / Case_Health__c
//! label = "Case health"
//! weight = 15                # relative, above 0 and at most 1000; weights are normalised
//! flag_below = 50            # optional, overrides the model's
//! [categories.measure]       # one of the kinds below
//! kind = "count"
//! ...
//!
//! [[profiles]]               # optional; the first whose `when` matches applies
//! name = "tech-touch"
//! label = "Tech-touch"
//! when = { arr_below = 25000 }   # also arr_at_least, first_contract_within_days,
//!                                # account_type_in; all given must hold
//! drop = ["business_reviews"]    # categories not used
//! weights = { engagement_recency = 20 }   # same bounds as a category's weight
//! [profiles.measures.engagement_recency]   # a replacement measure
//! kind = "recency"
//! ...
//! ```
//!
//! Every measure takes an optional `label` (noun phrase used in reasons; default: the
//! category label), `unit` (appended to values in reasons, e.g. `"%"`) and `flags`, a list
//! of `{ name = "underutilisation", on = "value" | "score", below | at_most | above |
//! at_least = N, message = "..." }`. A flag on `value` looks at the measured value before
//! scaling and never fires without one; a flag on `score` looks at the score. A `count`
//! rule takes `flags` too, without `on`: they look at how many records match that rule
//! (`{ name = "multiple_high_severity_cases", at_least = 2 }`).
//!
//! A flag's message is plain words: the rule's `message` (what the flag means, e.g. `no
//! QBR in the last 120 days`) followed by what the measure saw (`last QBR 121 days ago
//! (2026-03-01)`, `none on record`, `2 open high-severity cases`). Without a `message`, a
//! value flag reads `seat utilisation is 24%, below 25%` and a score flag names the
//! measure's score and what it saw. A customer flag (`[[overall_flags]]`) reads its
//! message and the overall score; it never fires on Insufficient Data, whose overall
//! number is not a score, and its [`Flag::category`] is `None`. Flag codes are stable:
//! playbooks act on them (see the presets' codes below).
//!
//! Scales (`scale = {...}`): `{ kind = "linear", zero_at = 25, full_at = 75 }` (clamped;
//! `zero_at > full_at` rewards low values) or `{ kind = "steps", steps = [{ at_least = 4,
//! score = 100 }, { at_least = 3, score = 50 }], otherwise = 0 }` (first step that holds;
//! `at_most` steps ascending, `at_least` steps descending).
//!
//! Conditions (`where = [...]`, all must hold) on the measured object's fields:
//! `{ field = "priority", in = ["High", "Critical"] }`, `equals`, `not_equals`, `not_in`,
//! `{ field = "is_closed", is = false }` (checkboxes), `{ field = "closed_date", is_null =
//! true }`, `{ field = "created_date", within_days = 90 }` (from `as_of − 90 days` up to
//! `as_of`), `{ any = [ ...conditions ] }`. An empty field fails `equals`/`in`/`within_days`
//! and passes `not_equals`/`not_in`.
//!
//! # Measure kinds and what "no data" means for each
//!
//! | kind | parameters | no data when |
//! |---|---|---|
//! | `value` | `field` (`account.*`, number), `scale` | the field is empty |
//! | `ratio` | `numerator`, `denominator` (`account.*`), `scale` over `100 × n / d` | either is empty, or the denominator is 0 or less |
//! | `picklist` | `field` (`account.*`), `scores = { Green = 100, ... }` | empty, or a value the map lacks (plus a diagnostic) |
//! | `count` | `object`, `start` (100), `min` (0), `max` (100), `rules = [{ label, plural, points, where }]` | never: no matching records scores `start` (no cases means nothing counts against) |
//! | `recency` | `sources = [{ object, date, where }]` (`object = "account"` reads an account date), `steps` in days (`at_most`), `otherwise`, `when_none` | no matching record dated on or before `as_of`, unless `when_none` gives a score (no QBR ever is 0, "skipped", not missing) |
//! | `mean` | `object`, `field` (number), `where`, `scale` | no matching record has a value |
//! | `on_time` | `sources = [{ object, due, completed, where }]`, `window_days` | nothing was due in the window (open items due today are not late yet and not counted) |
//! | `renewal` | `window_days`, `contract_statuses`, `renewal_where`, `schedule = [{ stage, by_days_left }]`, `at_risk_stages`, `behind_scores` | no contract with a listed status that has started and not ended |
//! | `average` | `parts = [measures]` | no part has data (parts without data are left out) |
//! | `first` | `parts = [measures]`, preferred first | no part has data; otherwise the first part with data scores, the others are fallbacks (their flags still count) |
//!
//! `on_time`: an item due in the window counts on time when completed on or before its due
//! date; completed later, or still open after its due date, it is late.
//!
//! `renewal`: more than `window_days` before the end of the active contract (the one with
//! a listed status, started, ending first) scores 100. Inside the window the renewal
//! opportunity is the one matching `renewal_where` that is linked to the contract (or,
//! unlinked, closes within `window_days` of the contract end); one that closed before the
//! contract's start date renewed the previous term and is left out. The expected stage is the
//! last schedule entry whose `by_days_left` is at least the days left; the score is
//! `behind_scores[stages behind]` (the last entry for anything further), no opportunity
//! counts as no stage reached, and a stage in `at_risk_stages` scores 0. A stage not in
//! the schedule counts as no stage reached (with a diagnostic), and so does the unknown
//! stage of a renewal that closed after `as_of` (see the as-of rules below). A closed
//! renewal is closed whatever its `CloseDate`: won (`IsWon`) scores `behind_scores[0]`
//! (on track), lost scores 0 with a reason that says it was lost.
//!
//! `recency`: the latest date over every source counts, so two sources on one object
//! date a record by the later of two fields (csm-nine dates a completed task by the later
//! of its due date and its completion).
//!
//! # Results
//!
//! A category's points are `score × weight / (weight of the categories with data)`, so
//! the overall score (rounded to one decimal) is the weighted mean over categories with
//! data; coverage is that weight's share of the profile's weight. Category scores are
//! rounded to one decimal before they are combined. The status rule is
//! [`status_with_hysteresis`]; see [`Previous::from_snapshot`] for what a score is
//! compared with. The status since-date is kept while the status is unchanged (when the
//! previous one is unknown, it becomes the scoring date).
//!
//! **What people read adds up.** [`displayed`] rounds the shares and points shown for an
//! account together, by largest remainder, so the points shown add up to the overall score
//! shown and the shares to 100 %; the change drivers' impacts are rounded together the
//! same way. These are rounded displays; the computed numbers stay as they are. An
//! Insufficient Data account shows no overall score (its number is a mean over too little
//! data, not a score) but the inputs that are missing, each with the reason of its
//! category. Every category names its evidence, each once: the Ids of the records behind
//! it, and the account fields it read (Vitals' names, e.g. `account.license_seats`).
//! [`render`] (`vitals explain`) and [`health_drivers`] (the `Health_Drivers__c` text, at
//! most [`HEALTH_DRIVERS_MAX`] long) follow these rules.
//!
//! **Flag codes of the presets**, stable for playbooks:
//!
//! | code | raised by | when |
//! |---|---|---|
//! | `underutilisation` | adoption / product engagement / usage | seat utilisation below 25 % |
//! | `multiple_high_severity_cases` | csm-nine case health, usage-support-… support | two or more open High/Critical cases at once |
//! | `multiple_sla_breaches` | the same | two or more SLA breaches in the last 90 days |
//! | `no_recent_engagement` | engagement (every preset) | no customer contact in the last 45 days (re-engagement) |
//! | `qbr_skipped` | business reviews (csm-nine, four-signal) | no QBR in the last 120 days, or none ever (qbr-cadence) |
//! | `renewal_behind` | csm-nine renewal readiness | the renewal is not on track: behind, At Risk or lost |
//! | `survey_detractor` | csm-nine project surveys | a kickoff or UAT survey below 3, i.e. 2 or lower (escalation) |
//! | `escalation_open` | four-signal commercial relationship | an open escalated case (escalation) |
//! | `economic_buyer_not_engaged` | four-signal stakeholder engagement | the economic buyer marked on record, not met in 45 days |
//! | `invoice_overdue` | four-signal commercial relationship | the oldest unpaid invoice more than 30 days overdue |
//! | `csm_red` | four-signal CSM sentiment | sentiment Red |
//! | `expansion_signal` | usage-support-… expansion | seat utilisation above 90 % (expansion) |
//! | `below_threshold` | any category under `flag_below` | the category scores below it (a weak area, not a verdict on the customer) |
//! | `overall_below_threshold` | usage-support-… `[[overall_flags]]` | the customer's overall score below 60 |
//!
//! Weights are bounded when the model loads, so every sum stays finite; should a `Model`
//! built in code still give a non-finite or out-of-range overall score or coverage, the
//! status is Insufficient Data, the overall score is empty and a diagnostic says why.
//!
//! **Hysteresis.** Without a previous band status the plain bands apply. With one, a
//! status changes only when the score crosses a band boundary by `hysteresis` points:
//! with 70/40 and 3, Monitor becomes Healthy at 73, Healthy becomes Monitor below 67,
//! At Risk becomes Monitor at 43, Monitor becomes At Risk below 37 (42.9 after At Risk
//! stays At Risk). The previous status is the one shown last (see [`Previous`]).
//!
//! **Trend.** The change is measured against the previous period's score: the history
//! record of exactly the period before the scored one (`Periods::around`, from the
//! configured daily/weekly/monthly rule), or, without one, the account's stored score
//! when `Health_Scored_At__c` falls in that period. Anything older is not the previous
//! period: there is then no change and the trend is Stable. A change of more than
//! `trend_threshold` points is Improving or Declining; exactly the threshold is Stable.
//!
//! # As of the scoring instant
//!
//! `view` applies two rules to every record: records that begin after `as_of` (created,
//! started) do not exist, and facts dated after it are not known yet: a case or task
//! closed later reads as open, a milestone completed later as not completed, and an
//! opportunity closed after `as_of` as open at an unknown stage. An opportunity closed
//! after `as_of` when its `CloseDate` lies after it and not after the day the records were
//! read (`AccountSnapshot::read_at`; `None` is the scoring instant, a live run): a
//! `CloseDate` after the reading is not the day it closed (an org keeps a lost renewal's
//! future date), so it is read as it stands.
//! Account fields have no history: scored as of a day before the records were read
//! (backfill), the account measures (`value`, `ratio`, `picklist`, a `recency` source on an
//! account date after the scoring day) have no data and say the value then is not known;
//! profiles still choose by today's ARR and type, and their reason says so. Fields of
//! related records without a date are read as they stand now: a case's `Priority`,
//! `IsEscalated` and `SLA_Breached__c`, an open opportunity's stage. Backfill can therefore
//! see a case as escalated before it was; a live run is unaffected.
//!
//! # How csm-nine reads product-spec section 5
//!
//! The spec leaves some choices open; `config/models/csm-nine.toml` makes them, as data:
//!
//! - **Engagement recency**: "the last Event/Task" is the last event other than a
//!   milestone (a milestone's date is a due date, not contact) or completed task (open
//!   tasks are to-dos). A completed task counts on the later of its
//!   due date (`ActivityDate`) and its completion (`CompletedDateTime`), so a follow-up
//!   done late, or without a due date, still counts. No activity ever scores 0, flagged.
//!   Vitals' own playbook tasks are never customer contact: every activity source of
//!   every engagement measure (recency, QBRs, meeting depth) requires `vitals_key` and
//!   `playbook` to be empty. This is model data (two `where` conditions), not a rule of
//!   `view`, so a model says what it counts; the presets all carry it.
//! - **Case health**: "in the last 90 days" for SLA breaches and escalations, whose flags
//!   carry no date, means the case was open at some time in the window: it is open, or was
//!   closed or opened within 90 days. A case matching several rules pays each.
//! - **Renewal readiness**: the playbook's timings (Early Review 120 to 90 days out,
//!   Stakeholder Confirmed 90 to 60, Terms Agreed 60 to 30, Closed Won on or before the
//!   renewal date, At Risk from any stage) as Early Review by 120 days left, Stakeholder
//!   Confirmed by 90, Terms Agreed by 60, Closed Won by 0; "behind" counts schedule stages
//!   between the expected one and the renewal's (none or an unknown stage: no stage
//!   reached); a closed renewal is won (on track) or lost (0).
//! - **Project surveys**: a score between steps takes the lower step (2.5 scores 0), and
//!   the detractor flag fires below 3, for every survey that scores 0.

mod display;
mod drivers;
mod engine;
mod explain;
mod filter;
mod measures;
mod model;
mod presets;
mod previous;
mod result;
mod schema;
mod used;
mod view;

pub use display::{Displayed, Shown, displayed};
// The console and the planner show the same numbers as `vitals explain`, formatted the
// same way.
pub(crate) use display::{from_tenths, tenths};
pub(crate) use drivers::bounded;
pub use drivers::{HEALTH_DRIVERS_MAX, cost_lines, health_drivers};
pub use engine::{BELOW_THRESHOLD, score_account, status_with_hysteresis};
pub use explain::render;
pub(crate) use measures::{num, signed};
pub use model::{
    Bands, Category, Comparison, Condition, CountRule, DatedSource, DueSource, FieldRef, FlagOn,
    FlagRule, Literal, Measure, MeasureKind, Model, ModelError, ModelIssue, OverallFlag, Profile,
    ProfileRule, Renewal, Scale, ScheduledStage, Step, StepDirection, Steps,
};
pub use presets::NAMES as PRESET_NAMES;
pub use previous::{Periods, Previous};
pub use result::{AccountScore, CategoryScore, ChangeDriver, Flag};
