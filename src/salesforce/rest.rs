//! REST resources: versions, limits, describe, query paging and sObject Collections.
//!
//! Response shapes are decoded leniently (unknown keys ignored, optional keys defaulted),
//! because Salesforce adds keys every release (force-rs broke on new `/limits` keys).

use std::collections::BTreeMap;
use std::sync::Mutex;

use reqwest::Method;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::error::{ApiError, SalesforceError};
use super::http::{ApiRequest, Client, Target};
use super::records::{
    Record, RecordOutcome, WriteKind, WriteRecord, WriteReport, WriteResult, failed,
    is_transient_record_error, request_error_for_rows,
};
use super::retry::{Idempotency, RetryClass};
use crate::domain::SfId;

/// The most records one sObject Collections call takes (salesforce-api.md 4.2).
pub const COLLECTION_CHUNK: usize = 200;

/// One entry of `GET /services/data/`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct ApiVersion {
    /// Release label, e.g. `Spring '26`.
    #[serde(default)]
    pub label: String,
    /// Path, e.g. `/services/data/v66.0`.
    #[serde(default)]
    pub url: String,
    /// Version number, e.g. `66.0`.
    pub version: String,
}

/// One `/limits` entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitEntry {
    /// The allocation.
    pub max: i64,
    /// What is left.
    pub remaining: i64,
}

/// An object in the global describe.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct GlobalObject {
    /// API name.
    pub name: String,
    /// Queryable by this user.
    #[serde(default)]
    pub queryable: bool,
    /// Createable by this user.
    #[serde(default)]
    pub createable: bool,
    /// Updateable by this user.
    #[serde(default)]
    pub updateable: bool,
}

/// A picklist value in describe.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct PicklistValue {
    /// The API value.
    pub value: String,
    /// Whether it can be used.
    #[serde(default)]
    pub active: bool,
}

/// A field in an object describe (only what the preflight needs).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DescribeField {
    /// API name.
    pub name: String,
    /// Type, e.g. `double`, `picklist`, `reference`.
    #[serde(rename = "type")]
    pub field_type: String,
    /// Length of text fields.
    #[serde(default)]
    pub length: u32,
    /// Total digits of numbers.
    #[serde(default)]
    pub precision: u32,
    /// Decimal places of numbers.
    #[serde(default)]
    pub scale: u32,
    /// Can be set on create by this user.
    #[serde(default)]
    pub createable: bool,
    /// Can be changed by this user.
    #[serde(default)]
    pub updateable: bool,
    /// An External ID.
    #[serde(default)]
    pub external_id: bool,
    /// Unique.
    #[serde(default)]
    pub unique: bool,
    /// Restricted picklist.
    #[serde(default)]
    pub restricted_picklist: bool,
    /// Picklist values.
    #[serde(default)]
    pub picklist_values: Vec<PicklistValue>,
}

/// A record type in an object describe.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct RecordTypeInfo {
    /// Developer name, e.g. `Renewal`.
    #[serde(default)]
    pub developer_name: String,
    /// Record type Id.
    #[serde(default)]
    pub record_type_id: Option<String>,
    /// Active.
    #[serde(default)]
    pub active: bool,
    /// Available to this user.
    #[serde(default)]
    pub available: bool,
}

/// An object describe.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ObjectDescribe {
    /// API name.
    pub name: String,
    /// Queryable.
    #[serde(default)]
    pub queryable: bool,
    /// Createable.
    #[serde(default)]
    pub createable: bool,
    /// Updateable.
    #[serde(default)]
    pub updateable: bool,
    /// Fields visible to this user (describe is filtered by field-level security).
    #[serde(default)]
    pub fields: Vec<DescribeField>,
    /// Record types.
    #[serde(default)]
    pub record_type_infos: Vec<RecordTypeInfo>,
}

impl ObjectDescribe {
    /// A field by API name, case-insensitively as Salesforce matches them.
    pub fn field(&self, name: &str) -> Option<&DescribeField> {
        self.fields
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct QueryPage {
    #[serde(default)]
    total_size: u64,
    #[serde(default)]
    done: bool,
    #[serde(default)]
    next_records_url: Option<String>,
    #[serde(default)]
    records: Vec<Value>,
}

/// A REST query read page by page through `nextRecordsUrl`.
#[derive(Debug)]
pub struct QueryPager {
    client: Client,
    next: Option<ApiRequest>,
    total_size: Option<u64>,
    batch_size: Option<u32>,
}

impl QueryPager {
    /// The full count Salesforce reported (after the first page).
    pub fn total_size(&self) -> Option<u64> {
        self.total_size
    }

    /// The next page of records, or `None` when the query is exhausted.
    ///
    /// # Errors
    /// Any [`SalesforceError`] of the page request, or a page that is not a query result.
    pub async fn next_page(&mut self) -> Result<Option<Vec<Record>>, SalesforceError> {
        let Some(request) = self.next.take() else {
            return Ok(None);
        };
        let response = self.client.execute(&request).await?;
        let page: QueryPage = response.json("query result page")?;
        self.total_size = Some(page.total_size);
        if !page.done {
            let Some(url) = page.next_records_url else {
                return Err(SalesforceError::Decode {
                    context: "query result page".into(),
                    message: "done is false but there is no nextRecordsUrl".into(),
                });
            };
            // The locator is an absolute path: use it as is, never under the API root
            // again (rustforce doubled the prefix here).
            let mut next = ApiRequest {
                target: Target::Absolute(url),
                ..ApiRequest::get(String::new())
            };
            if let Some(size) = self.batch_size {
                next = next.header("Sforce-Query-Options", format!("batchSize={size}"));
            }
            self.next = Some(next);
        }
        let mut records = Vec::with_capacity(page.records.len());
        for record in page.records {
            match record {
                Value::Object(map) => records.push(Record::Json(map)),
                other => {
                    return Err(SalesforceError::Decode {
                        context: "query result page".into(),
                        message: format!("a record is not an object: {}", kind_of(&other)),
                    });
                }
            }
        }
        Ok(Some(records))
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[derive(Deserialize)]
struct CollectionResult {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    success: bool,
    #[serde(default)]
    created: Option<bool>,
    #[serde(default)]
    errors: Vec<ApiError>,
}

impl Client {
    /// The versions the org offers (`GET /services/data/`; free and unauthenticated).
    ///
    /// # Errors
    /// Any [`SalesforceError`].
    pub async fn versions(&self) -> Result<Vec<ApiVersion>, SalesforceError> {
        let request = ApiRequest {
            target: Target::Versions,
            ..ApiRequest::get(String::new())
        };
        self.execute(&request).await?.json("the versions list")
    }

    /// Checks that the pinned API version is offered.
    ///
    /// # Errors
    /// [`SalesforceError::VersionUnavailable`] naming the versions that are.
    pub async fn check_version(&self) -> Result<(), SalesforceError> {
        let versions = self.versions().await?;
        let wanted = &self.settings().api_version;
        if versions.iter().any(|v| &v.version == wanted) {
            return Ok(());
        }
        let offered: Vec<&str> = versions.iter().map(|v| v.version.as_str()).collect();
        let tail = offered.len().saturating_sub(6);
        Err(SalesforceError::VersionUnavailable {
            wanted: wanted.clone(),
            offered: offered[tail..].join(", "),
        })
    }

    /// The org's limits (`GET /limits`). Unknown keys and nested per-app entries are kept
    /// out; every entry is `{Max, Remaining}`.
    ///
    /// # Errors
    /// Any [`SalesforceError`] (403 when the user lacks View Setup and Configuration).
    pub async fn limits(&self) -> Result<BTreeMap<String, LimitEntry>, SalesforceError> {
        let value: Map<String, Value> = self
            .execute(&ApiRequest::get("limits"))
            .await?
            .json("/limits")?;
        Ok(value
            .into_iter()
            .filter_map(|(name, entry)| {
                let max = entry.get("Max")?.as_i64()?;
                let remaining = entry.get("Remaining")?.as_i64()?;
                Some((name, LimitEntry { max, remaining }))
            })
            .collect())
    }

    /// The objects this user can see.
    ///
    /// # Errors
    /// Any [`SalesforceError`].
    pub async fn describe_global(&self) -> Result<Vec<GlobalObject>, SalesforceError> {
        #[derive(Deserialize)]
        struct Global {
            #[serde(default)]
            sobjects: Vec<GlobalObject>,
        }
        let global: Global = self
            .execute(&ApiRequest::get("sobjects/"))
            .await?
            .json("the global describe")?;
        Ok(global.sobjects)
    }

    /// One object's describe, as this user sees it.
    ///
    /// # Errors
    /// Any [`SalesforceError`] (404 `NOT_FOUND` for an unknown object).
    pub async fn describe(&self, object: &str) -> Result<ObjectDescribe, SalesforceError> {
        self.execute(&ApiRequest::get(format!("sobjects/{object}/describe")))
            .await?
            .json(&format!("the describe of {object}"))
    }

    /// Starts a REST query (`queryAll` includes deleted and archived rows).
    pub fn query(&self, soql: &str, all: bool) -> QueryPager {
        let batch_size = self.settings().query_batch_size;
        let mut request = ApiRequest::get(if all { "queryAll" } else { "query" }).param("q", soql);
        if let Some(size) = batch_size {
            request = request.header("Sforce-Query-Options", format!("batchSize={size}"));
        }
        QueryPager {
            client: self.clone(),
            next: Some(request),
            total_size: None,
            batch_size,
        }
    }

    /// Runs a `SELECT COUNT() ...` and returns the count.
    ///
    /// # Errors
    /// Any [`SalesforceError`].
    pub async fn count(&self, soql: &str) -> Result<u64, SalesforceError> {
        let response = self
            .execute(&ApiRequest::get("query").param("q", soql))
            .await?;
        let page: QueryPage = response.json("a COUNT() query")?;
        Ok(page.total_size)
    }

    /// Writes records with sObject Collections, 200 per call, `allOrNone` false.
    ///
    /// Rows that fail with `UNABLE_TO_LOCK_ROW` are sent again (only those rows) with the
    /// retry policy's backoff; a whole call is retried only when idempotent (update,
    /// upsert). Every input row gets one outcome. When the API budget or the daily limit
    /// stops the write, the rows not yet sent are `Errored` and `stopped` says why.
    ///
    /// # Errors
    /// None: failures are outcomes. (The signature returns a report, not a `Result`.)
    pub async fn write_collections(
        &self,
        object: &str,
        kind: &WriteKind,
        records: &[WriteRecord],
    ) -> WriteReport {
        let mut report = WriteReport {
            outcomes: Vec::with_capacity(records.len()),
            stopped: None,
            bulk: false,
        };
        let indices: Vec<usize> = (0..records.len()).collect();
        for chunk in indices.chunks(COLLECTION_CHUNK) {
            if report.stopped.is_some() {
                for index in chunk {
                    report
                        .outcomes
                        .push(not_attempted(*index, report.stopped.as_deref()));
                }
                continue;
            }
            let (outcomes, stopped) = self.write_chunk(object, kind, records, chunk).await;
            report.outcomes.extend(outcomes);
            report.stopped = stopped;
        }
        report.outcomes.sort_by_key(|o| o.index);
        report
    }

    async fn write_chunk(
        &self,
        object: &str,
        kind: &WriteKind,
        records: &[WriteRecord],
        chunk: &[usize],
    ) -> (Vec<RecordOutcome>, Option<String>) {
        let idempotency = match kind {
            WriteKind::Insert => Idempotency::NonIdempotent,
            WriteKind::Update | WriteKind::Upsert { .. } => Idempotency::Idempotent,
        };
        // Rows still to send, and outcomes settled so far. Shared with the attempt future
        // through a lock so the one retry loop can resend only the rows that hit a lock.
        let state = Mutex::new((chunk.to_vec(), Vec::<RecordOutcome>::new()));
        let result = self
            .inner
            .retrier
            .run(idempotency, |_| async {
                let pending = lock(&state).0.clone();
                let request = self.collections_request(object, kind, records, &pending)?;
                let response = self.execute(&request).await?;
                let results: Vec<CollectionResult> = response.json("a Collections result")?;
                if results.len() != pending.len() {
                    return Err(SalesforceError::Decode {
                        context: "a Collections result".into(),
                        message: format!("{} results for {} records", results.len(), pending.len()),
                    });
                }
                let mut guard = lock(&state);
                let mut retry = Vec::new();
                for (index, result) in pending.iter().zip(results) {
                    let outcome = collection_outcome(result, object);
                    let transient = matches!(&outcome, WriteResult::Errored { errors }
                        if errors.iter().any(|e| e.code == "UNABLE_TO_LOCK_ROW"));
                    if transient {
                        retry.push(*index);
                    }
                    // A locked row keeps its error as its outcome in case the attempts
                    // run out; a later attempt replaces it.
                    guard.1.retain(|o| o.index != *index);
                    guard.1.push(RecordOutcome {
                        index: *index,
                        result: outcome,
                    });
                }
                guard.0 = retry;
                if guard.0.is_empty() {
                    Ok(())
                } else {
                    // Hand the lock contention to the retry loop as one transient error,
                    // so the retry policy decides whether and when to resend.
                    Err(SalesforceError::Api {
                        method: "PATCH".into(),
                        path: "/composite/sobjects".into(),
                        status: 400,
                        errors: vec![ApiError {
                            code: "UNABLE_TO_LOCK_ROW".into(),
                            message: format!("{} records were locked", guard.0.len()),
                            fields: vec![],
                        }],
                        excerpt: None,
                    })
                }
            })
            .await;
        let (pending, mut outcomes) = state
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut stopped = None;
        if let Err(error) = result {
            let settled_lock_errors = error.error_code() == Some("UNABLE_TO_LOCK_ROW");
            if !settled_lock_errors {
                // The call itself failed: every row not settled by an earlier attempt
                // shares its fate.
                let class = error.retry_class();
                if class == RetryClass::DailyLimit {
                    stopped = Some(error.to_string());
                }
                let api_error = request_error_for_rows(&error);
                for index in pending {
                    outcomes.retain(|o| o.index != index);
                    let result = match class {
                        RetryClass::Permanent => WriteResult::Rejected {
                            errors: vec![api_error.clone()],
                        },
                        _ => WriteResult::Errored {
                            errors: vec![api_error.clone()],
                        },
                    };
                    outcomes.push(RecordOutcome { index, result });
                }
            }
        }
        (outcomes, stopped)
    }

    fn collections_request(
        &self,
        object: &str,
        kind: &WriteKind,
        records: &[WriteRecord],
        rows: &[usize],
    ) -> Result<ApiRequest, SalesforceError> {
        let body = serde_json::json!({
            "allOrNone": false,
            "records": rows
                .iter()
                .filter_map(|i| records.get(*i))
                .map(|r| r.to_json(object))
                .collect::<Vec<_>>(),
        });
        let (method, path, idempotency) = match kind {
            WriteKind::Insert => (
                Method::POST,
                "composite/sobjects".to_owned(),
                Idempotency::NonIdempotent,
            ),
            WriteKind::Update => (
                Method::PATCH,
                "composite/sobjects".to_owned(),
                Idempotency::Idempotent,
            ),
            WriteKind::Upsert { external_id } => (
                Method::PATCH,
                format!("composite/sobjects/{object}/{external_id}"),
                Idempotency::Idempotent,
            ),
        };
        ApiRequest::json(method, path, &body, idempotency)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // The guarded values are plain vectors; a panic elsewhere cannot leave them invalid.
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn collection_outcome(result: CollectionResult, object: &str) -> WriteResult {
    if result.success {
        match result.id.as_deref().map(SfId::parse) {
            Some(Ok(id)) => WriteResult::Delivered {
                id,
                created: result.created,
            },
            _ => WriteResult::Rejected {
                errors: vec![ApiError {
                    code: "UNEXPECTED_RESPONSE".into(),
                    message: format!("{object} reported success without a valid Id"),
                    fields: vec![],
                }],
            },
        }
    } else if result
        .errors
        .iter()
        .any(|e| is_transient_record_error(&e.code))
    {
        WriteResult::Errored {
            errors: result.errors,
        }
    } else {
        failed(result.errors)
    }
}

pub(crate) fn not_attempted(index: usize, why: Option<&str>) -> RecordOutcome {
    RecordOutcome {
        index,
        result: WriteResult::Errored {
            errors: vec![ApiError {
                code: "NOT_ATTEMPTED".into(),
                message: format!(
                    "not sent: {}; it will be retried next cycle",
                    why.unwrap_or("the write stopped early")
                ),
                fields: vec![],
            }],
        },
    }
}
