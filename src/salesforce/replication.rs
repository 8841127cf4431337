//! The delete log: getDeleted for one object, and for every replicated object in one
//! Composite call.
//!
//! `GET /sobjects/{object}/deleted/?start=&end=` lists the records deleted in a window,
//! with `earliestDateAvailable` (older deletions may have been purged from the log) and
//! `latestDateCovered` (resume from it, not from `end`). Salesforce ignores seconds, wants
//! `start` before `end`, and reaches back at most 15 days (or less, when the delete log was
//! purged) ("sObject Get Deleted",
//! <https://developer.salesforce.com/docs/platform/api-rest/guide/resources-getdeleted.html>;
//! salesforce-api.md 3.5). The client sends both bounds cut to the minute, so what it asks
//! for is what Salesforce answers, and URL-encoded (`+00:00` must not become a space).
//!
//! [`Client::delete_log`] asks for every object at once with one `POST /composite`
//! (`allOrNone: false`), which counts as one API call; getDeleted is an sObject resource,
//! which Composite supports ("Send Multiple Requests Using Composite",
//! <https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-composite-post.html>).
//! One object's refusal (`INVALID_REPLICATION_DATE` for a window older than allowed) is
//! that object's result, never a failed call. This module decides nothing about the
//! replica; the sync compares `earliestDateAvailable` with its watermarks.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use reqwest::Method;
use serde::Deserialize;
use serde_json::Value;

use super::error::{ApiError, SalesforceError, parse_error_body};
use super::http::{ApiRequest, Client};
use super::retry::Idempotency;
use super::wire::{SObject, parse_datetime};
use crate::domain::{SfId, SyncedObject};

/// Most subrequests in one Composite call (salesforce-api.md 4.3).
pub const MAX_SUBREQUESTS: usize = 25;

/// One deleted record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeletedRecord {
    /// Its Id.
    pub id: SfId,
    /// When it was deleted.
    pub deleted_at: DateTime<Utc>,
}

/// What getDeleted answered for one object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeleteLog {
    /// The records deleted in the window.
    pub deleted: Vec<DeletedRecord>,
    /// The oldest deletion the log still holds: deletions before it may have been purged
    /// unseen.
    pub earliest_date_available: Option<DateTime<Utc>>,
    /// The window is covered up to here; the next window starts here.
    pub latest_date_covered: Option<DateTime<Utc>>,
}

/// One object's getDeleted refused inside a Composite call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubrequestError {
    /// The subrequest's HTTP status.
    pub status: u16,
    /// What Salesforce said (`INVALID_REPLICATION_DATE`, ...).
    pub errors: Vec<ApiError>,
}

impl SubrequestError {
    /// Whether Salesforce refused the window's dates (older than the log reaches, or start
    /// not before end): the object needs a full reload, not a retry.
    pub fn is_replication_date(&self) -> bool {
        self.errors
            .iter()
            .any(|e| e.code == "INVALID_REPLICATION_DATE")
    }
}

impl fmt::Display for SubrequestError {
    /// Codes and fields only: Salesforce's messages can quote the request.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let codes: Vec<String> = self.errors.iter().map(ToString::to_string).collect();
        write!(f, "HTTP {}: {}", self.status, codes.join("; "))
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawDeleteLog {
    #[serde(default)]
    deleted_records: Vec<RawDeleted>,
    #[serde(default)]
    earliest_date_available: Option<String>,
    #[serde(default)]
    latest_date_covered: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawDeleted {
    id: String,
    deleted_date: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CompositeResponse {
    #[serde(default)]
    composite_response: Vec<SubResponse>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SubResponse {
    #[serde(default)]
    body: Value,
    #[serde(default)]
    http_status_code: u16,
    #[serde(default)]
    reference_id: String,
}

/// A bound as getDeleted reads it: UTC, cut to the minute (Salesforce ignores seconds).
fn bound(t: DateTime<Utc>) -> String {
    let minute = t.duration_trunc(TimeDelta::minutes(1)).unwrap_or(t);
    minute.format("%Y-%m-%dT%H:%M:%S+00:00").to_string()
}

/// The getDeleted path of an object, relative to the API root.
fn deleted_path(object: SyncedObject) -> String {
    format!("sobjects/{}/deleted/", SObject::from(object).api_name())
}

fn decode_log(value: RawDeleteLog, object: SyncedObject) -> Result<DeleteLog, SalesforceError> {
    let bad = |what: &str| SalesforceError::Decode {
        context: format!("the delete log of {}", SObject::from(object).api_name()),
        message: format!("{what} is not a record Id or dateTime"),
    };
    let mut deleted = Vec::with_capacity(value.deleted_records.len());
    for record in value.deleted_records {
        let id = SfId::parse(&record.id).map_err(|_| bad("a deleted record's id"))?;
        let deleted_at =
            parse_datetime(&record.deleted_date).ok_or_else(|| bad("a deletedDate"))?;
        deleted.push(DeletedRecord { id, deleted_at });
    }
    let date = |text: Option<String>, what: &str| match text {
        None => Ok(None),
        Some(text) => parse_datetime(&text).map(Some).ok_or_else(|| bad(what)),
    };
    Ok(DeleteLog {
        deleted,
        earliest_date_available: date(value.earliest_date_available, "earliestDateAvailable")?,
        latest_date_covered: date(value.latest_date_covered, "latestDateCovered")?,
    })
}

impl Client {
    /// The records of `object` deleted from `start` to `end` (getDeleted). Both bounds are
    /// cut to the minute.
    ///
    /// # Errors
    /// Any [`SalesforceError`]; a window older than the log reaches is
    /// `INVALID_REPLICATION_DATE`.
    pub async fn deleted(
        &self,
        object: SyncedObject,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<DeleteLog, SalesforceError> {
        let request = ApiRequest::get(deleted_path(object))
            .param("start", bound(start))
            .param("end", bound(end));
        let raw: RawDeleteLog = self.execute(&request).await?.json(&format!(
            "the delete log of {}",
            SObject::from(object).api_name()
        ))?;
        decode_log(raw, object)
    }

    /// The delete logs of several objects, each from its own start to `end`, in one
    /// Composite call (one API call in all). Each object gets its own result: a log, or
    /// the [`SubrequestError`] Salesforce gave for it. An object named twice is asked once,
    /// from the earlier start.
    ///
    /// # Errors
    /// [`SalesforceError`] only when the Composite call itself fails.
    pub async fn delete_log(
        &self,
        starts: &[(SyncedObject, DateTime<Utc>)],
        end: DateTime<Utc>,
    ) -> Result<BTreeMap<SyncedObject, Result<DeleteLog, SubrequestError>>, SalesforceError> {
        let mut windows: BTreeMap<SyncedObject, DateTime<Utc>> = BTreeMap::new();
        for (object, start) in starts {
            let entry = windows.entry(*object).or_insert(*start);
            *entry = (*entry).min(*start);
        }
        if windows.is_empty() {
            return Ok(BTreeMap::new());
        }
        let subrequests: Vec<Value> = windows
            .iter()
            .map(|(object, start)| {
                let query = url::form_urlencoded::Serializer::new(String::new())
                    .append_pair("start", &bound(*start))
                    .append_pair("end", &bound(end))
                    .finish();
                serde_json::json!({
                    "method": "GET",
                    "url": format!("{}{}?{query}", self.api_root(), deleted_path(*object)),
                    "referenceId": object.key(),
                })
            })
            .collect();
        // At most seven objects, far below Composite's 25 subrequests.
        debug_assert!(subrequests.len() <= MAX_SUBREQUESTS);
        let body = serde_json::json!({
            "allOrNone": false,
            "collateSubrequests": false,
            "compositeRequest": subrequests,
        });
        // Only reads inside: sending it twice changes nothing.
        let request = ApiRequest::json(Method::POST, "composite", &body, Idempotency::Idempotent)?;
        let response: CompositeResponse =
            self.execute(&request).await?.json("a Composite response")?;
        let mut results = BTreeMap::new();
        for sub in response.composite_response {
            let Some(object) = SyncedObject::from_key(&sub.reference_id) else {
                continue;
            };
            results.insert(object, sub_result(sub, object)?);
        }
        for object in windows.keys() {
            if !results.contains_key(object) {
                return Err(SalesforceError::Decode {
                    context: "a Composite response".into(),
                    message: format!("no result for {}", SObject::from(*object).api_name()),
                });
            }
        }
        Ok(results)
    }
}

/// One subrequest's outcome: its log, or what Salesforce refused.
fn sub_result(
    sub: SubResponse,
    object: SyncedObject,
) -> Result<Result<DeleteLog, SubrequestError>, SalesforceError> {
    if (200..300).contains(&sub.http_status_code) {
        let raw: RawDeleteLog =
            serde_json::from_value(sub.body).map_err(|e| SalesforceError::Decode {
                context: format!("the delete log of {}", SObject::from(object).api_name()),
                message: super::error::json_problem(&e),
            })?;
        return Ok(Ok(decode_log(raw, object)?));
    }
    let bytes = serde_json::to_vec(&sub.body).unwrap_or_default();
    let (errors, _) = parse_error_body(&bytes);
    Ok(Err(SubrequestError {
        status: sub.http_status_code,
        errors,
    }))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn bounds_are_utc_cut_to_the_minute() {
        let t = Utc.with_ymd_and_hms(2026, 3, 2, 11, 59, 42).unwrap();
        assert_eq!(bound(t), "2026-03-02T11:59:00+00:00");
        let encoded = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("start", &bound(t))
            .finish();
        assert_eq!(encoded, "start=2026-03-02T11%3A59%3A00%2B00%3A00");
    }

    #[test]
    fn a_refused_subrequest_is_that_objects_result() {
        let sub = SubResponse {
            body: serde_json::json!([{"errorCode": "INVALID_REPLICATION_DATE", "message": "startDate cannot be more than 15 days ago"}]),
            http_status_code: 400,
            reference_id: "case".into(),
        };
        let result = sub_result(sub, SyncedObject::Case).unwrap();
        let error = result.unwrap_err();
        assert!(error.is_replication_date());
        assert_eq!(error.to_string(), "HTTP 400: INVALID_REPLICATION_DATE");
    }
}
