//! Decoding API records, from REST JSON or Bulk CSV, into `domain` types. Every problem names
//! the object, the record Id and the field; one bad record never hides the others.
//! Errors and warnings never quote the value itself, only what kind of value it was:
//! they reach logs and warnings, and a value is customer data.
//!
//! A bad value drops the value, not the record: an optional number, date, dateTime, text or
//! picklist value that cannot be read (a CSAT of "five", a date of "soon") is read as empty
//! and reported once as a warning, and the rest of the record is kept, so an open High case
//! with a bad CSAT still counts in case health. Only what the record cannot be used without
//! skips it: its Id, a required field, a lookup Id (the record's links would be unknown) or
//! a checkbox (which has no empty value to fall back to).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Map, Value};

use super::{FieldMap, SObject, parse_date, parse_datetime};
use crate::domain::{
    Account, ActivityType, Case, CasePriority, Contract, ContractStatus, CurrentHealth, Event,
    HealthStatus, HealthTrend, HistoryRecord, Opportunity, Records, Sentiment, SfId, Task,
};

/// A raw field value, from REST JSON or a Bulk CSV cell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Raw<'a> {
    /// Null, absent, or an empty CSV cell.
    Null,
    /// A JSON string or a CSV cell.
    Str(&'a str),
    /// A JSON number.
    Num(f64),
    /// A JSON boolean.
    Bool(bool),
    /// Anything else (an object or array where a value was expected).
    Other,
}

/// A record from the API that fields can be read from by API name.
pub trait ApiRecord {
    /// Reads a field; a dotted name reads through a parent relationship.
    fn raw(&self, api_name: &str) -> Raw<'_>;
}

impl ApiRecord for Map<String, Value> {
    fn raw(&self, api_name: &str) -> Raw<'_> {
        let mut parts = api_name.split('.');
        let Some(first) = parts.next() else {
            return Raw::Null;
        };
        let mut value = self.get(first);
        for part in parts {
            value = match value {
                Some(Value::Object(parent)) => parent.get(part),
                _ => None,
            };
        }
        match value {
            None | Some(Value::Null) => Raw::Null,
            Some(Value::String(s)) => Raw::Str(s),
            Some(Value::Number(n)) => n.as_f64().map_or(Raw::Other, Raw::Num),
            Some(Value::Bool(b)) => Raw::Bool(*b),
            Some(_) => Raw::Other,
        }
    }
}

/// What was wrong with a value. It says what was allowed and what kind of value was
/// found, never the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeProblem {
    /// A number outside what the field can mean (a CSAT of 7, negative seats). The value
    /// is read as empty, and the record is kept.
    OutOfRange {
        /// What is allowed.
        allowed: &'static str,
    },
    /// A required field is empty.
    Missing,
    /// The value is not of the field's type.
    WrongType {
        /// What was expected.
        expected: &'static str,
        /// What kind of value was found: `text`, `another number`, `a boolean`, ...
        found: &'static str,
    },
}

/// A record that could not be decoded, naming the record and the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{object} {record}: field {field}: {problem}")]
pub struct DecodeError {
    /// The object's API name.
    pub object: &'static str,
    /// The record's Id, or `(no Id)` when it has no valid one.
    pub record: String,
    /// The field's API name.
    pub field: String,
    /// What was wrong.
    pub problem: DecodeProblem,
}

impl fmt::Display for DecodeProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeProblem::Missing => f.write_str("is required but empty"),
            DecodeProblem::OutOfRange { allowed } => {
                write!(f, "the value is outside {allowed} and is ignored")
            }
            DecodeProblem::WrongType { expected, found } => {
                write!(f, "expected {expected}, found {found}")
            }
        }
    }
}

/// A decoded record and the values that were read as empty because they could not be read
/// or made no sense (out of range); each warning names the record and field.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded<T> {
    /// The record.
    pub record: T,
    /// Values ignored while reading it.
    pub warnings: Vec<DecodeError>,
}

/// Reads typed values from one record, naming the record in every error.
struct Reader<'a, R: ApiRecord> {
    record: &'a R,
    object: SObject,
    map: &'a FieldMap,
    record_id: String,
    /// Values read as empty because they could not be read or were out of range.
    warnings: RefCell<Vec<DecodeError>>,
}

impl<'a, R: ApiRecord> Reader<'a, R> {
    fn new(record: &'a R, object: SObject, map: &'a FieldMap) -> Self {
        let id_field = map.api(object, "id");
        // Only a well-formed Id names the record: anything else in the Id field is a value.
        let record_id = match record.raw(id_field) {
            Raw::Str(s) if SfId::parse(s).is_ok() => s.to_owned(),
            _ => "(no Id)".to_owned(),
        };
        Self {
            record,
            object,
            map,
            record_id,
            warnings: RefCell::new(Vec::new()),
        }
    }

    fn error(&self, api: &str, problem: DecodeProblem) -> DecodeError {
        DecodeError {
            object: self.object.api_name(),
            record: self.record_id.clone(),
            field: api.to_owned(),
            problem,
        }
    }

    fn wrong(&self, api: &str, expected: &'static str, raw: Raw<'_>) -> DecodeError {
        let found = match raw {
            Raw::Null => "nothing",
            Raw::Str(_) => "text",
            Raw::Num(_) => "another number",
            Raw::Bool(_) => "a boolean",
            Raw::Other => "an object or array",
        };
        self.error(api, DecodeProblem::WrongType { expected, found })
    }

    fn raw_named(&self, name: &str) -> (&'a str, Raw<'a>) {
        let api = self.map.api(self.object, name);
        let raw = self.record.raw(api);
        (api, raw)
    }

    /// Keeps the record when an optional value cannot be read: the value is read as empty
    /// and the problem becomes a warning naming the record and field. Returns `Result` so
    /// that every field of a decoder reads alike.
    fn lenient<T>(&self, read: Result<Option<T>, DecodeError>) -> Result<Option<T>, DecodeError> {
        Ok(read.unwrap_or_else(|error| {
            self.warnings.borrow_mut().push(error);
            None
        }))
    }

    fn strict_text(&self, name: &str) -> Result<Option<String>, DecodeError> {
        let (api, raw) = self.raw_named(name);
        match raw {
            Raw::Null => Ok(None),
            Raw::Str(s) => Ok(Some(s.to_owned())),
            other => Err(self.wrong(api, "text", other)),
        }
    }

    fn text(&self, name: &str) -> Result<Option<String>, DecodeError> {
        self.lenient(self.strict_text(name))
    }

    fn required_text(&self, name: &str) -> Result<String, DecodeError> {
        let api = self.map.api(self.object, name);
        self.strict_text(name)?
            .ok_or_else(|| self.error(api, DecodeProblem::Missing))
    }

    fn id(&self, name: &str) -> Result<Option<SfId>, DecodeError> {
        let (api, raw) = self.raw_named(name);
        match raw {
            Raw::Null => Ok(None),
            Raw::Str(s) => SfId::parse(s)
                .map(Some)
                .map_err(|_| self.wrong(api, "a 15- or 18-character record Id", raw)),
            other => Err(self.wrong(api, "a record Id", other)),
        }
    }

    fn required_id(&self, name: &str) -> Result<SfId, DecodeError> {
        let api = self.map.api(self.object, name);
        self.id(name)?
            .ok_or_else(|| self.error(api, DecodeProblem::Missing))
    }

    fn number_at(&self, api: &str) -> Result<Option<f64>, DecodeError> {
        let raw = self.record.raw(api);
        let value = match raw {
            Raw::Null => return Ok(None),
            Raw::Num(n) => n,
            Raw::Str(s) => s
                .trim()
                .parse::<f64>()
                .map_err(|_| self.wrong(api, "a number", raw))?,
            other => return Err(self.wrong(api, "a number", other)),
        };
        if value.is_finite() {
            Ok(Some(value))
        } else {
            Err(self.wrong(api, "a finite number", raw))
        }
    }

    fn number(&self, name: &str) -> Result<Option<f64>, DecodeError> {
        let api = self.map.api(self.object, name);
        self.lenient(self.number_at(api))
    }

    /// A number that must lie in `min..=max` to mean anything; outside it the value is read
    /// as empty and a warning names the record and field (style guide 2.4: reject
    /// out-of-range numbers at the wire boundary, without losing the rest of the record).
    fn ranged(
        &self,
        name: &str,
        min: f64,
        max: f64,
        allowed: &'static str,
    ) -> Result<Option<f64>, DecodeError> {
        let value = self.number(name)?;
        match value {
            Some(n) if n < min || n > max => {
                let api = self.map.api(self.object, name);
                let error = self.error(api, DecodeProblem::OutOfRange { allowed });
                self.warnings.borrow_mut().push(error);
                Ok(None)
            }
            other => Ok(other),
        }
    }

    /// A score or percentage: 0 to 100.
    fn percent(&self, name: &str) -> Result<Option<f64>, DecodeError> {
        self.ranged(name, 0.0, 100.0, "0 to 100")
    }

    /// A count or amount that cannot be negative.
    fn non_negative(&self, name: &str) -> Result<Option<f64>, DecodeError> {
        self.ranged(name, 0.0, f64::MAX, "0 or more")
    }

    /// A survey or CSAT score: 1 to 5.
    fn one_to_five(&self, name: &str) -> Result<Option<f64>, DecodeError> {
        self.ranged(name, 1.0, 5.0, "1 to 5")
    }

    /// Wraps a decoded record with the warnings collected while reading it.
    fn finish<T>(self, record: T) -> Decoded<T> {
        Decoded {
            record,
            warnings: self.warnings.into_inner(),
        }
    }

    /// An event length: Salesforce caps events at 14 days (salesforce-api.md 8).
    fn minutes(&self, name: &str) -> Result<Option<i64>, DecodeError> {
        let whole = self.integer(name)?;
        match whole {
            Some(n) if !(0..=20_160).contains(&n) => {
                let api = self.map.api(self.object, name);
                let error = self.error(
                    api,
                    DecodeProblem::OutOfRange {
                        allowed: "0 to 20160 minutes (14 days)",
                    },
                );
                self.warnings.borrow_mut().push(error);
                Ok(None)
            }
            other => Ok(other),
        }
    }

    fn integer(&self, name: &str) -> Result<Option<i64>, DecodeError> {
        let (api, raw) = self.raw_named(name);
        let whole = match self.number_at(api) {
            Ok(None) => Ok(None),
            Ok(Some(n)) if n.fract() == 0.0 && n.abs() < 9.0e15 => {
                // Checked above: whole and well inside i64's exact range.
                Ok(Some(n as i64))
            }
            Ok(Some(_)) => Err(self.wrong(api, "a whole number", raw)),
            Err(error) => Err(error),
        };
        self.lenient(whole)
    }

    fn boolean(&self, name: &str) -> Result<bool, DecodeError> {
        let (api, raw) = self.raw_named(name);
        match raw {
            // Salesforce never sends a null checkbox; an absent one is unchecked.
            Raw::Null => Ok(false),
            Raw::Bool(b) => Ok(b),
            Raw::Str(s) if s.eq_ignore_ascii_case("true") => Ok(true),
            Raw::Str(s) if s.eq_ignore_ascii_case("false") => Ok(false),
            other => Err(self.wrong(api, "true or false", other)),
        }
    }

    fn date(&self, name: &str) -> Result<Option<NaiveDate>, DecodeError> {
        self.lenient(self.strict_date(name))
    }

    fn strict_date(&self, name: &str) -> Result<Option<NaiveDate>, DecodeError> {
        let (api, raw) = self.raw_named(name);
        match raw {
            Raw::Null => Ok(None),
            Raw::Str(s) => parse_date(s)
                .map(Some)
                .ok_or_else(|| self.wrong(api, "a date like 2024-01-31", raw)),
            other => Err(self.wrong(api, "a date", other)),
        }
    }

    fn required_date(&self, name: &str) -> Result<NaiveDate, DecodeError> {
        let api = self.map.api(self.object, name);
        self.strict_date(name)?
            .ok_or_else(|| self.error(api, DecodeProblem::Missing))
    }

    fn datetime(&self, name: &str) -> Result<Option<DateTime<Utc>>, DecodeError> {
        self.lenient(self.strict_datetime(name))
    }

    fn strict_datetime(&self, name: &str) -> Result<Option<DateTime<Utc>>, DecodeError> {
        let (api, raw) = self.raw_named(name);
        match raw {
            Raw::Null => Ok(None),
            Raw::Str(s) => parse_datetime(s).map(Some).ok_or_else(|| {
                self.wrong(api, "a dateTime like 2024-01-31T09:30:00.000+0000", raw)
            }),
            other => Err(self.wrong(api, "a dateTime", other)),
        }
    }

    fn required_datetime(&self, name: &str) -> Result<DateTime<Utc>, DecodeError> {
        let api = self.map.api(self.object, name);
        self.strict_datetime(name)?
            .ok_or_else(|| self.error(api, DecodeProblem::Missing))
    }

    fn categories(&self, categories: &[&str]) -> Result<BTreeMap<String, f64>, DecodeError> {
        let mut scores = BTreeMap::new();
        for category in categories {
            if let Some(api) = self.map.category_api(self.object, category)
                && let Some(score) = self.lenient(self.number_at(&api))?
            {
                if (0.0..=100.0).contains(&score) {
                    scores.insert((*category).to_owned(), score);
                } else {
                    let error = self.error(
                        &api,
                        DecodeProblem::OutOfRange {
                            allowed: "0 to 100",
                        },
                    );
                    self.warnings.borrow_mut().push(error);
                }
            }
        }
        Ok(scores)
    }
}

/// The fields every replicated record carries besides its own: its Id, its
/// `SystemModstamp` and, on rows read through `queryAll`, `IsDeleted`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct SystemFields {
    /// The record Id.
    pub id: SfId,
    /// When the record last changed, system changes included.
    pub modstamp: DateTime<Utc>,
    /// Whether the row is a deleted (or merged-away) record; false when not selected.
    pub is_deleted: bool,
}

/// Reads the [`SystemFields`] of a record of `object`: the Id and `SystemModstamp` are
/// required, `IsDeleted` is false when absent.
///
/// # Errors
/// [`DecodeError`] naming the field.
pub(super) fn system_fields(
    record: &impl ApiRecord,
    object: SObject,
    map: &FieldMap,
    modstamp_field: &str,
    deleted_field: &str,
) -> Result<SystemFields, DecodeError> {
    let r = Reader::new(record, object, map);
    let id = r.required_id("id")?;
    let modstamp = match record.raw(modstamp_field) {
        Raw::Null => return Err(r.error(modstamp_field, DecodeProblem::Missing)),
        raw @ Raw::Str(s) => parse_datetime(s).ok_or_else(|| {
            r.wrong(
                modstamp_field,
                "a dateTime like 2024-01-31T09:30:00.000+0000",
                raw,
            )
        })?,
        other => return Err(r.wrong(modstamp_field, "a dateTime", other)),
    };
    let is_deleted = match record.raw(deleted_field) {
        Raw::Null => false,
        Raw::Bool(b) => b,
        Raw::Str(s) if s.eq_ignore_ascii_case("true") => true,
        Raw::Str(s) if s.eq_ignore_ascii_case("false") => false,
        other => return Err(r.wrong(deleted_field, "true or false", other)),
    };
    Ok(SystemFields {
        id,
        modstamp,
        is_deleted,
    })
}

/// Decodes an Account; `categories` are the model's category keys, whose score fields are
/// read back into [`CurrentHealth::categories`].
///
/// # Errors
/// [`DecodeError`] naming the field that could not be read.
pub fn decode_account(
    record: &impl ApiRecord,
    map: &FieldMap,
    categories: &[&str],
) -> Result<Decoded<Account>, DecodeError> {
    let r = Reader::new(record, SObject::Account, map);
    let record = Account {
        id: r.required_id("id")?,
        name: r.text("name")?.unwrap_or_default(),
        owner_id: r.id("owner_id")?,
        owner_name: r.text("owner_name")?,
        account_type: r.text("account_type")?,
        created_date: r.datetime("created_date")?,
        arr: r.non_negative("arr")?,
        license_seats: r.non_negative("license_seats")?,
        active_users: r.non_negative("active_users")?,
        core_feature_adoption: r.percent("core_feature_adoption")?,
        last_product_activity: r.date("last_product_activity")?,
        kickoff_survey_score: r.one_to_five("kickoff_survey_score")?,
        uat_survey_score: r.one_to_five("uat_survey_score")?,
        csm_sentiment: r.text("csm_sentiment")?.map(|s| Sentiment::from_api(&s)),
        csm_sentiment_comment: r.text("csm_sentiment_comment")?,
        invoice_overdue_days: r.non_negative("invoice_overdue_days")?,
        health: CurrentHealth {
            score: r.percent("health_score")?,
            status: r.text("health_status")?.map(|s| HealthStatus::from_api(&s)),
            trend: r.text("health_trend")?.map(|s| HealthTrend::from_api(&s)),
            score_change: r.number("health_score_change")?,
            previous_score: r.number("health_previous_score")?,
            coverage: r.percent("health_coverage")?,
            drivers: r.text("health_drivers")?,
            scored_at: r.datetime("health_scored_at")?,
            status_since: r.date("health_status_since")?,
            model: r.text("health_model")?,
            categories: r.categories(categories)?,
        },
    };
    Ok(r.finish(record))
}

/// Decodes a Contract.
///
/// # Errors
/// [`DecodeError`] naming the field that could not be read.
pub fn decode_contract(
    record: &impl ApiRecord,
    map: &FieldMap,
) -> Result<Decoded<Contract>, DecodeError> {
    let r = Reader::new(record, SObject::Contract, map);
    let record = Contract {
        id: r.required_id("id")?,
        account_id: r.required_id("account_id")?,
        status: r.text("status")?.map(|s| ContractStatus::from_api(&s)),
        start_date: r.date("start_date")?,
        end_date: r.date("end_date")?,
        term_months: r.integer("term_months")?,
        owner_id: r.id("owner_id")?,
        contract_number: r.text("contract_number")?,
    };
    Ok(r.finish(record))
}

/// Decodes a Case.
///
/// # Errors
/// [`DecodeError`] naming the field that could not be read.
pub fn decode_case(record: &impl ApiRecord, map: &FieldMap) -> Result<Decoded<Case>, DecodeError> {
    let r = Reader::new(record, SObject::Case, map);
    let record = Case {
        id: r.required_id("id")?,
        account_id: r.id("account_id")?,
        case_number: r.text("case_number")?,
        priority: r.text("priority")?.map(|s| CasePriority::from_api(&s)),
        status: r.text("status")?,
        is_escalated: r.boolean("is_escalated")?,
        is_closed: r.boolean("is_closed")?,
        created_date: r.required_datetime("created_date")?,
        closed_date: r.datetime("closed_date")?,
        csat_score: r.one_to_five("csat_score")?,
        sla_breached: r.boolean("sla_breached")?,
    };
    Ok(r.finish(record))
}

/// Decodes an Opportunity.
///
/// # Errors
/// [`DecodeError`] naming the field that could not be read.
pub fn decode_opportunity(
    record: &impl ApiRecord,
    map: &FieldMap,
) -> Result<Decoded<Opportunity>, DecodeError> {
    let r = Reader::new(record, SObject::Opportunity, map);
    let record = Opportunity {
        id: r.required_id("id")?,
        account_id: r.id("account_id")?,
        name: r.required_text("name")?,
        stage_name: r.required_text("stage_name")?,
        close_date: r.required_date("close_date")?,
        amount: r.number("amount")?,
        opportunity_type: r.text("opportunity_type")?,
        is_closed: r.boolean("is_closed")?,
        is_won: r.boolean("is_won")?,
        record_type: r.text("record_type")?,
        contract_id: r.id("contract_id")?,
        owner_id: r.id("owner_id")?,
        created_date: r.datetime("created_date")?,
        vitals_key: r.text("vitals_key")?,
        churn_reason: r.text("churn_reason")?,
        renewal_risk: r.boolean("renewal_risk")?,
        health_at_creation: r.number("health_at_creation")?,
    };
    Ok(r.finish(record))
}

/// Decodes an Event.
///
/// # Errors
/// [`DecodeError`] naming the field that could not be read.
pub fn decode_event(
    record: &impl ApiRecord,
    map: &FieldMap,
) -> Result<Decoded<Event>, DecodeError> {
    let r = Reader::new(record, SObject::Event, map);
    let record = Event {
        id: r.required_id("id")?,
        account_id: r.id("account_id")?,
        what_id: r.id("what_id")?,
        owner_id: r.id("owner_id")?,
        subject: r.text("subject")?,
        event_type: r.text("event_type")?.map(|s| ActivityType::from_api(&s)),
        start: r.datetime("start")?,
        end: r.datetime("end")?,
        duration_minutes: r.minutes("duration_minutes")?,
        activity_date: r.date("activity_date")?,
        is_all_day: r.boolean("is_all_day")?,
        milestone_completed_on: r.date("milestone_completed_on")?,
        vitals_key: r.text("vitals_key")?,
        playbook: r.text("playbook")?,
        with_economic_buyer: r.boolean("with_economic_buyer")?,
    };
    Ok(r.finish(record))
}

/// Decodes a Task.
///
/// # Errors
/// [`DecodeError`] naming the field that could not be read.
pub fn decode_task(record: &impl ApiRecord, map: &FieldMap) -> Result<Decoded<Task>, DecodeError> {
    let r = Reader::new(record, SObject::Task, map);
    let record = Task {
        id: r.required_id("id")?,
        account_id: r.id("account_id")?,
        what_id: r.id("what_id")?,
        owner_id: r.id("owner_id")?,
        subject: r.text("subject")?,
        task_type: r.text("task_type")?.map(|s| ActivityType::from_api(&s)),
        status: r.text("status")?,
        priority: r.text("priority")?,
        is_closed: r.boolean("is_closed")?,
        activity_date: r.date("activity_date")?,
        created_date: r.datetime("created_date")?,
        completed_at: r.datetime("completed_at")?,
        milestone_completed_on: r.date("milestone_completed_on")?,
        vitals_key: r.text("vitals_key")?,
        playbook: r.text("playbook")?,
        with_economic_buyer: r.boolean("with_economic_buyer")?,
    };
    Ok(r.finish(record))
}

/// Decodes a `Health_Score_History__c` record.
///
/// # Errors
/// [`DecodeError`] naming the field that could not be read.
pub fn decode_history(
    record: &impl ApiRecord,
    map: &FieldMap,
    categories: &[&str],
) -> Result<Decoded<HistoryRecord>, DecodeError> {
    let r = Reader::new(record, SObject::HealthHistory, map);
    let record = HistoryRecord {
        id: r.id("id")?,
        account_id: r.required_id("account")?,
        period: r.required_date("period")?,
        score: r.percent("score")?,
        status: r.text("status")?.map(|s| HealthStatus::from_api(&s)),
        previous_score: r.number("previous_score")?,
        score_change: r.number("score_change")?,
        calculated_at: r.datetime("calculated_at")?,
        coverage: r.percent("coverage")?,
        model: r.text("model")?,
        drivers: r.text("drivers")?,
        backfilled: r.boolean("backfilled")?,
        key: r.text("key")?,
        categories: r.categories(categories)?,
    };
    Ok(r.finish(record))
}

/// Problems reading an org file.
#[derive(Debug, thiserror::Error)]
pub enum OrgFileError {
    /// Not JSON.
    #[error("not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// JSON, but not an object of record lists.
    #[error(
        "expected an object whose keys are object API names (Account, Case, ...) and whose values are arrays of records; {0}"
    )]
    Shape(String),
}

/// An org file, decoded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OrgFile {
    /// The records that could be read.
    pub records: Records,
    /// Records that could not be read at all, each naming record and field.
    pub skipped: Vec<DecodeError>,
    /// Values read as empty because they could not be read or were out of range; their
    /// records were kept.
    pub ignored: Vec<DecodeError>,
}

/// Decodes an org file: a JSON object whose keys are object API names and whose values are
/// arrays of records as the REST API returns them (`{"Account": [{"Id": "001...", ...}]}`).
///
/// Records that cannot be decoded are reported next to the records that could; one bad
/// record never hides the rest.
///
/// # Errors
/// [`OrgFileError`] when the text is not JSON of that shape.
pub fn decode_org_file(
    text: &str,
    map: &FieldMap,
    categories: &[&str],
) -> Result<OrgFile, OrgFileError> {
    let value: Value = serde_json::from_str(text)?;
    let Value::Object(objects) = value else {
        return Err(OrgFileError::Shape("the top level is not an object".into()));
    };
    let mut file = OrgFile::default();
    for (name, list) in &objects {
        let Some(object) = SObject::from_api_name(name) else {
            return Err(OrgFileError::Shape(format!(
                "{name:?} is not an object Vitals reads"
            )));
        };
        let Value::Array(list) = list else {
            return Err(OrgFileError::Shape(format!("{name:?} is not an array")));
        };
        for (index, item) in list.iter().enumerate() {
            let Value::Object(record) = item else {
                return Err(OrgFileError::Shape(format!(
                    "{name}[{index}] is not an object"
                )));
            };
            let records = &mut file.records;
            let ignored = &mut file.ignored;
            let outcome = match object {
                SObject::Account => decode_account(record, map, categories)
                    .map(|d| records.accounts.push(keep(d, ignored))),
                SObject::Contract => {
                    decode_contract(record, map).map(|d| records.contracts.push(keep(d, ignored)))
                }
                SObject::Case => {
                    decode_case(record, map).map(|d| records.cases.push(keep(d, ignored)))
                }
                SObject::Opportunity => decode_opportunity(record, map)
                    .map(|d| records.opportunities.push(keep(d, ignored))),
                SObject::Event => {
                    decode_event(record, map).map(|d| records.events.push(keep(d, ignored)))
                }
                SObject::Task => {
                    decode_task(record, map).map(|d| records.tasks.push(keep(d, ignored)))
                }
                SObject::HealthHistory => decode_history(record, map, categories)
                    .map(|d| records.history.push(keep(d, ignored))),
            };
            if let Err(error) = outcome {
                file.skipped.push(error);
            }
        }
    }
    Ok(file)
}

/// Takes a decoded record, moving its warnings to `ignored`.
fn keep<T>(decoded: Decoded<T>, ignored: &mut Vec<DecodeError>) -> T {
    ignored.extend(decoded.warnings);
    decoded.record
}

#[cfg(test)]
mod tests {
    use crate::salesforce::wire::test_json::object;
    use serde_json::json;

    use super::*;

    #[test]
    fn an_account_decodes_from_rest_json() {
        let record = object(json!({
            "attributes": {"type": "Account", "url": "/services/data/v66.0/sobjects/Account/001D000000IRFmaIAH"},
            "Id": "001D000000IRFmaIAH",
            "Name": "Acme",
            "OwnerId": "005xx000001SwiUAAS",
            "Owner": {"attributes": {"type": "User"}, "Name": "Alex Morgan"},
            "ARR__c": 120000.0,
            "License_Seats__c": 100,
            "Active_Users__c": 80.0,
            "Last_Product_Activity__c": "2026-11-20",
            "CSM_Sentiment__c": "Purple",
            "Health_Status__c": "At Risk",
            "Health_Scored_At__c": "2026-11-01T02:00:00.000+0000",
            "Health_Case_Health__c": 55.0
        }));
        let account = decode_account(&record, &FieldMap::default(), &["case_health"])
            .unwrap()
            .record;
        assert_eq!(account.id.as_str(), "001D000000IRFmaIAH");
        assert_eq!(account.owner_name.as_deref(), Some("Alex Morgan"));
        assert_eq!(account.license_seats, Some(100.0));
        assert_eq!(
            account.csm_sentiment,
            Some(Sentiment::Other("Purple".into()))
        );
        assert_eq!(account.health.status, Some(HealthStatus::AtRisk));
        assert_eq!(account.health.categories["case_health"], 55.0);
        assert_eq!(account.core_feature_adoption, None);
    }

    #[test]
    fn a_bad_value_names_the_record_and_field() {
        // A checkbox has no empty value to fall back to, so a bad one skips the record.
        let record = object(json!({
            "Id": "500D000000IRFmaIAH",
            "AccountId": "001D000000IRFmaIAH",
            "CreatedDate": "2026-10-01T12:00:00.000+0000",
            "IsEscalated": "five"
        }));
        let error = decode_case(&record, &FieldMap::default()).unwrap_err();
        assert_eq!(error.object, "Case");
        assert_eq!(error.record, "500D000000IRFmaIAH");
        assert_eq!(error.field, "IsEscalated");
        assert!(matches!(error.problem, DecodeProblem::WrongType { .. }));
    }

    #[test]
    fn a_bad_optional_value_drops_the_value_and_keeps_the_record() {
        // An open High case with a CSAT that is not a number still counts in case health.
        let record = object(json!({
            "Id": "500D000000IRFmaIAH",
            "AccountId": "001D000000IRFmaIAH",
            "Priority": "High",
            "IsClosed": false,
            "CreatedDate": "2026-10-01T12:00:00.000+0000",
            "ClosedDate": "yesterday",
            "CSAT_Score__c": "five"
        }));
        let decoded = decode_case(&record, &FieldMap::default()).unwrap();
        assert_eq!(decoded.record.priority, Some(CasePriority::High));
        assert_eq!(decoded.record.csat_score, None);
        assert_eq!(decoded.record.closed_date, None);
        let named: Vec<(&str, &str, &str)> = decoded
            .warnings
            .iter()
            .map(|w| (w.object, w.record.as_str(), w.field.as_str()))
            .collect();
        assert_eq!(
            named,
            [
                ("Case", "500D000000IRFmaIAH", "ClosedDate"),
                ("Case", "500D000000IRFmaIAH", "CSAT_Score__c"),
            ]
        );

        // Each kind of optional value: number, whole number, date, text, category score.
        let account = object(json!({
            "Id": "001D000000IRFmaIAH",
            "Name": "Acme",
            "ARR__c": {"amount": 1},
            "Last_Product_Activity__c": "soon",
            "CSM_Sentiment__c": 3,
            "License_Seats__c": "12",
            "Health_Adoption__c": "high"
        }));
        let decoded = decode_account(&account, &FieldMap::default(), &["adoption"]).unwrap();
        assert_eq!(decoded.record.arr, None);
        assert_eq!(decoded.record.last_product_activity, None);
        assert_eq!(decoded.record.csm_sentiment, None);
        assert_eq!(decoded.record.license_seats, Some(12.0));
        assert!(decoded.record.health.categories.is_empty());
        let fields: Vec<&str> = decoded.warnings.iter().map(|w| w.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "ARR__c",
                "Last_Product_Activity__c",
                "CSM_Sentiment__c",
                "Health_Adoption__c"
            ]
        );
        let event = object(json!({"Id": "00UD000000IRFmaIAH", "DurationInMinutes": 30.5}));
        let decoded = decode_event(&event, &FieldMap::default()).unwrap();
        assert_eq!(decoded.record.duration_minutes, None);
        assert_eq!(decoded.warnings.len(), 1, "{:?}", decoded.warnings);
    }

    #[test]
    fn errors_name_the_kind_of_value_never_the_value() {
        let record = object(json!({
            "Id": "Confidential Corp",
            "CreatedDate": "2026-10-01T12:00:00.000+0000",
            "IsClosed": "Confidential",
            "CSAT_Score__c": 4
        }));
        let error = decode_case(&record, &FieldMap::default()).unwrap_err();
        // An Id field that holds no Id is a value too: the record is "(no Id)".
        assert_eq!(
            error.to_string(),
            "Case (no Id): field Id: expected a 15- or 18-character record Id, found text"
        );
        let record = object(json!({
            "Id": "500D000000IRFmaIAH",
            "CreatedDate": "2026-10-01T12:00:00.000+0000",
            "IsClosed": "Confidential",
            "CSAT_Score__c": 4.5e1
        }));
        let error = decode_case(&record, &FieldMap::default()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "Case 500D000000IRFmaIAH: field IsClosed: expected true or false, found text"
        );
    }

    #[test]
    fn a_bad_required_value_skips_the_record_without_a_warning_too() {
        // Required fields keep skipping the record, named by the real problem (not
        // "missing"), and the value is not reported a second time as a warning.
        let record = object(json!({
            "Id": "006D000000IRFmaIAH", "Name": "Renewal", "StageName": "Early Review",
            "CloseDate": "someday"
        }));
        let error = decode_opportunity(&record, &FieldMap::default()).unwrap_err();
        assert_eq!(error.field, "CloseDate");
        assert!(matches!(error.problem, DecodeProblem::WrongType { .. }));
        let case = object(json!({"Id": "500D000000IRFmaIAH", "CreatedDate": 5}));
        let error = decode_case(&case, &FieldMap::default()).unwrap_err();
        assert_eq!(error.field, "CreatedDate");
        assert!(matches!(error.problem, DecodeProblem::WrongType { .. }));
    }

    #[test]
    fn a_missing_required_value_is_an_error() {
        let record = object(json!({"Id": "500D000000IRFmaIAH"}));
        let error = decode_case(&record, &FieldMap::default()).unwrap_err();
        assert_eq!(error.field, "CreatedDate");
        assert_eq!(error.problem, DecodeProblem::Missing);
    }

    #[test]
    fn parent_relationship_fields_read_through_the_parent_object() {
        let record = object(json!({
            "Id": "006D000000IRFmaIAH", "Name": "Acme Renewal", "StageName": "Early Review",
            "CloseDate": "2026-12-31",
            "RecordType": {"attributes": {"type": "RecordType"}, "DeveloperName": "Renewal"}
        }));
        let opp = decode_opportunity(&record, &FieldMap::default())
            .unwrap()
            .record;
        assert_eq!(opp.record_type.as_deref(), Some("Renewal"));
        let no_type = object(json!({
            "Id": "006D000000IRFmaIAH", "Name": "X", "StageName": "Prospecting",
            "CloseDate": "2026-12-31", "RecordType": null
        }));
        assert_eq!(
            decode_opportunity(&no_type, &FieldMap::default())
                .unwrap()
                .record
                .record_type,
            None
        );
    }

    #[test]
    fn csv_cells_decode_like_json_values() {
        struct Row(Vec<(&'static str, &'static str)>);
        impl ApiRecord for Row {
            fn raw(&self, api_name: &str) -> Raw<'_> {
                match self.0.iter().find(|(k, _)| *k == api_name) {
                    Some((_, "")) | None => Raw::Null,
                    Some((_, v)) => Raw::Str(v),
                }
            }
        }
        let row = Row(vec![
            ("Id", "500D000000IRFmaIAH"),
            ("CreatedDate", "2026-10-01T12:00:00.000+0000"),
            ("IsClosed", "true"),
            ("CSAT_Score__c", "4"),
            ("ClosedDate", ""),
        ]);
        let case = decode_case(&row, &FieldMap::default()).unwrap().record;
        assert!(case.is_closed);
        assert_eq!(case.csat_score, Some(4.0));
        assert_eq!(case.closed_date, None);
    }

    #[test]
    fn org_files_keep_good_records_and_report_bad_ones() {
        let text = r#"{
            "Account": [{"Id": "001D000000IRFmaIAH", "Name": "Acme"}],
            "Case": [
                {"Id": "500D000000IRFmaIAH", "AccountId": "001D000000IRFmaIAH", "CreatedDate": "2026-10-01T12:00:00.000+0000"},
                {"Id": "500D000000IRFmb", "AccountId": "not-an-id", "CreatedDate": "2026-10-01T12:00:00.000+0000"},
                {"Id": "500D000000IRFmc", "AccountId": "001D000000IRFmaIAH", "CreatedDate": "2026-10-01T12:00:00.000+0000", "CSAT_Score__c": "five"}
            ]
        }"#;
        let file = decode_org_file(text, &FieldMap::default(), &[]).unwrap();
        assert_eq!(file.records.accounts.len(), 1);
        assert_eq!(file.records.cases.len(), 2);
        assert_eq!(file.skipped.len(), 1);
        assert_eq!(file.skipped[0].field, "AccountId");
        assert_eq!(file.ignored.len(), 1);
        assert_eq!(
            (
                file.ignored[0].record.as_str(),
                file.ignored[0].field.as_str()
            ),
            ("500D000000IRFmc", "CSAT_Score__c")
        );
        assert!(matches!(
            decode_org_file(r#"{"Lead": []}"#, &FieldMap::default(), &[]),
            Err(OrgFileError::Shape(_))
        ));
    }

    #[test]
    fn out_of_range_values_are_ignored_with_a_warning_and_the_record_kept() {
        let record = object(json!({
            "Id": "001D000000IRFmaIAH",
            "Name": "Acme",
            "License_Seats__c": -5,
            "Active_Users__c": 40,
            "Core_Feature_Adoption__c": 140,
            "Kickoff_Survey_Score__c": 1e308,
            "UAT_Survey_Score__c": 4,
            "Health_Adoption__c": 101
        }));
        let decoded = decode_account(&record, &FieldMap::default(), &["adoption"]).unwrap();
        let account = &decoded.record;
        assert_eq!(account.license_seats, None);
        assert_eq!(account.active_users, Some(40.0));
        assert_eq!(account.core_feature_adoption, None);
        assert_eq!(account.kickoff_survey_score, None);
        assert_eq!(account.uat_survey_score, Some(4.0));
        assert!(account.health.categories.is_empty());
        let fields: Vec<&str> = decoded.warnings.iter().map(|w| w.field.as_str()).collect();
        assert_eq!(
            fields,
            vec![
                "License_Seats__c",
                "Core_Feature_Adoption__c",
                "Kickoff_Survey_Score__c",
                "Health_Adoption__c"
            ]
        );
        assert_eq!(
            decoded.warnings[0].to_string(),
            "Account 001D000000IRFmaIAH: field License_Seats__c: the value is outside 0 or more and is ignored"
        );

        let case = object(json!({
            "Id": "500D000000IRFmaIAH", "CreatedDate": "2026-10-01T12:00:00.000+0000",
            "CSAT_Score__c": 7
        }));
        let decoded = decode_case(&case, &FieldMap::default()).unwrap();
        assert_eq!(decoded.record.csat_score, None);
        assert_eq!(decoded.warnings.len(), 1);

        let event = object(json!({
            "Id": "00UD000000IRFmaIAH", "DurationInMinutes": -50
        }));
        let decoded = decode_event(&event, &FieldMap::default()).unwrap();
        assert_eq!(decoded.record.duration_minutes, None);
        assert_eq!(decoded.warnings[0].field, "DurationInMinutes");
    }
}
