//! REST resources: versions, limits, describe, query paging and sObject Collections.
//!
//! Response shapes are decoded leniently (unknown keys ignored, optional keys defaulted),
//! because Salesforce adds keys every release (force-rs broke on new `/limits` keys).

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;

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
use super::wire::{ApiRecord, ID, Raw, WriteContext, renewal_record_type_query};
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

    /// The Id of the Opportunity record type `Renewal`, or `None` when this user sees no
    /// such record type. Looked up with one query the first time and kept for the life of
    /// the client, so a run pays for it once.
    ///
    /// # Errors
    /// Any [`SalesforceError`] of the query; a failed lookup is tried again next time.
    pub async fn renewal_record_type(&self) -> Result<Option<SfId>, SalesforceError> {
        self.inner
            .renewal_record_type
            .get_or_try_init(|| async {
                let query = renewal_record_type_query().to_text();
                let mut pager = self.query(&query, false);
                let records = pager.next_page().await?.unwrap_or_default();
                Ok(records.iter().find_map(|record| match record.raw(ID) {
                    Raw::Str(text) => SfId::parse(text).ok(),
                    _ => None,
                }))
            })
            .await
            .copied()
    }

    /// What encoding planned writes needs for a model with these category keys: the
    /// Renewal record type (see [`Client::renewal_record_type`]) and the categories.
    ///
    /// # Errors
    /// As [`Client::renewal_record_type`].
    pub async fn write_context(
        &self,
        categories: &[&str],
    ) -> Result<WriteContext, SalesforceError> {
        Ok(WriteContext {
            renewal_record_type: self.renewal_record_type().await?,
            categories: categories.iter().map(|c| (*c).to_owned()).collect(),
        })
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

    /// Runs a `SELECT COUNT() ...` (with `queryAll` when `all`, so deleted rows count too)
    /// and returns the count.
    ///
    /// # Errors
    /// Any [`SalesforceError`].
    pub async fn count(&self, soql: &str, all: bool) -> Result<u64, SalesforceError> {
        let resource = if all { "queryAll" } else { "query" };
        let response = self
            .execute(&ApiRequest::get(resource).param("q", soql))
            .await?;
        let page: QueryPage = response.json("a COUNT() query")?;
        Ok(page.total_size)
    }

    /// Writes records with sObject Collections, 200 per call, `allOrNone` false.
    ///
    /// Rows that fail with `UNABLE_TO_LOCK_ROW` are sent again (only those rows) with the
    /// retry policy's backoff; a whole call is retried only when idempotent (update,
    /// upsert). An upsert never carries the same external Id twice in one call
    /// (salesforce-api.md 4.2). Every input row gets exactly one outcome. When the API
    /// budget or the daily limit stops the write, the rows not yet sent are `Errored` and
    /// `stopped` says why.
    pub async fn write_collections(
        &self,
        object: &str,
        kind: &WriteKind,
        records: &[WriteRecord],
    ) -> WriteReport {
        let rows: Vec<usize> = (0..records.len()).collect();
        self.write_collection_rows(object, kind, records, &rows)
            .await
    }

    /// [`Client::write_collections`] of the `rows` of `records`, without copying them;
    /// outcomes carry input positions.
    pub(crate) async fn write_collection_rows(
        &self,
        object: &str,
        kind: &WriteKind,
        records: &[WriteRecord],
        rows: &[usize],
    ) -> WriteReport {
        let mut report = WriteReport {
            outcomes: Vec::with_capacity(rows.len()),
            stopped: None,
            bulk: false,
        };
        for chunk in collection_chunks(kind, records, rows) {
            if report.stopped.is_some() {
                for index in chunk {
                    report
                        .outcomes
                        .push(not_attempted(index, report.stopped.as_deref()));
                }
                continue;
            }
            let (outcomes, stopped) = self.write_chunk(object, kind, records, &chunk).await;
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
        // Rows still to send, and the outcomes settled so far. Shared with the attempt
        // future through a lock, so the one retry loop can resend only the locked rows.
        let state = Mutex::new((chunk.to_vec(), BTreeMap::<usize, WriteResult>::new()));
        let renewed = AtomicBool::new(false);
        let result = self
            .inner
            .retrier
            .run(idempotency, |attempt| {
                let (state, renewed) = (&state, &renewed);
                async move {
                    let pending = lock(state).0.clone();
                    let request = self.collections_request(object, kind, records, &pending)?;
                    // One attempt only: this closure already runs inside the retry loop.
                    let response = self.execute_once(&request, attempt, renewed).await?;
                    let results: Vec<CollectionResult> = response.json("a Collections result")?;
                    if results.len() != pending.len() {
                        return Err(SalesforceError::Decode {
                            context: "a Collections result".into(),
                            message: format!(
                                "{} results for {} records",
                                results.len(),
                                pending.len()
                            ),
                        });
                    }
                    let mut guard = lock(state);
                    let mut locked = Vec::new();
                    for (index, result) in pending.iter().zip(results) {
                        let outcome = collection_outcome(result, object);
                        if matches!(&outcome, WriteResult::Errored { errors }
                            if errors.iter().any(|e| e.code == "UNABLE_TO_LOCK_ROW"))
                        {
                            locked.push(*index);
                        }
                        // A locked row keeps its error as its outcome in case the attempts
                        // run out; a later attempt replaces it.
                        guard.1.insert(*index, outcome);
                    }
                    let count = locked.len();
                    guard.0 = locked;
                    if count == 0 {
                        Ok(())
                    } else {
                        // Hand the lock contention to the retry loop as one transient error,
                        // so the retry policy decides whether and when to resend.
                        Err(SalesforceError::Api {
                            method: request.method.to_string(),
                            path: format!("{}{}", self.api_root(), "composite/sobjects"),
                            status: 400,
                            errors: vec![ApiError {
                                code: "UNABLE_TO_LOCK_ROW".into(),
                                message: format!("{count} records were locked"),
                                fields: vec![],
                            }],
                            excerpt: None,
                            retry_after: None,
                        })
                    }
                }
            })
            .await;
        let (_, settled) = state
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        settle(chunk, settled, result.err().as_ref())
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

/// Splits rows into Collections calls of at most 200, starting a new call when an upsert's
/// external Id would repeat within one (Salesforce refuses duplicates in one request).
fn collection_chunks(kind: &WriteKind, records: &[WriteRecord], rows: &[usize]) -> Vec<Vec<usize>> {
    let mut chunks: Vec<Vec<usize>> = Vec::new();
    let mut keys: std::collections::HashSet<String> = std::collections::HashSet::new();
    for (index, record) in rows
        .iter()
        .filter_map(|i| records.get(*i).map(|record| (*i, record)))
    {
        let key = match kind {
            WriteKind::Upsert { external_id } => record
                .get(external_id)
                .map(|v| v.to_csv_cell().to_lowercase()),
            _ => None,
        };
        let full = chunks.last().is_none_or(|c| c.len() >= COLLECTION_CHUNK);
        let repeats = key.as_ref().is_some_and(|k| keys.contains(k));
        if full || repeats {
            chunks.push(Vec::new());
            keys.clear();
        }
        if let Some(key) = key {
            keys.insert(key);
        }
        if let Some(chunk) = chunks.last_mut() {
            chunk.push(index);
        }
    }
    chunks
}

/// Gives every row of a chunk exactly one outcome: the one an attempt settled, or else the
/// outcome the failed call implies. Also says whether the failure stops the whole write.
fn settle(
    chunk: &[usize],
    mut settled: BTreeMap<usize, WriteResult>,
    error: Option<&SalesforceError>,
) -> (Vec<RecordOutcome>, Option<String>) {
    let stopped = error
        .filter(|e| e.retry_class() == RetryClass::DailyLimit)
        .map(ToString::to_string);
    let outcomes = chunk
        .iter()
        .map(|index| {
            let result = match (settled.remove(index), error) {
                (Some(result), _) => result,
                (None, Some(error)) => {
                    let api_error = request_error_for_rows(error);
                    if error.retry_class() == RetryClass::Permanent {
                        WriteResult::Rejected {
                            errors: vec![api_error],
                        }
                    } else {
                        WriteResult::Errored {
                            errors: vec![api_error],
                        }
                    }
                }
                (None, None) => WriteResult::Errored {
                    errors: vec![ApiError {
                        code: "NO_RESULT".into(),
                        message: "Salesforce reported no result for this row".into(),
                        fields: vec![],
                    }],
                },
            };
            RecordOutcome {
                index: *index,
                result,
            }
        })
        .collect();
    (outcomes, stopped)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::salesforce::records::WriteValue;

    fn lock_error() -> SalesforceError {
        SalesforceError::Api {
            method: "PATCH".into(),
            path: "/services/data/v66.0/composite/sobjects".into(),
            status: 400,
            errors: vec![ApiError {
                code: "UNABLE_TO_LOCK_ROW".into(),
                message: "unable to obtain exclusive access to this record".into(),
                fields: vec![],
            }],
            excerpt: None,
            retry_after: None,
        }
    }

    #[test]
    fn a_whole_call_failure_still_gives_every_row_one_outcome() {
        // Salesforce answered the whole call with UNABLE_TO_LOCK_ROW: nothing was settled.
        let (outcomes, stopped) = settle(&[4, 5, 6], BTreeMap::new(), Some(&lock_error()));
        assert_eq!(
            outcomes.iter().map(|o| o.index).collect::<Vec<_>>(),
            vec![4, 5, 6]
        );
        assert!(outcomes.iter().all(|o| matches!(&o.result,
            WriteResult::Errored { errors } if errors[0].code == "UNABLE_TO_LOCK_ROW")));
        assert!(stopped.is_none());
    }

    #[test]
    fn settled_rows_keep_their_outcome_and_the_rest_share_the_failure() {
        let id = SfId::from_parts("001", 1);
        let settled: BTreeMap<usize, WriteResult> =
            [(1, WriteResult::Delivered { id, created: None })]
                .into_iter()
                .collect();
        let daily = SalesforceError::DailyLimitExceeded {
            method: "PATCH".into(),
            path: "/x".into(),
            message: "TotalRequests Limit exceeded.".into(),
        };
        let (outcomes, stopped) = settle(&[0, 1], settled, Some(&daily));
        assert!(matches!(&outcomes[0].result,
            WriteResult::Errored { errors } if errors[0].code == "REQUEST_LIMIT_EXCEEDED"));
        assert_eq!(
            outcomes[1].result,
            WriteResult::Delivered { id, created: None }
        );
        assert_eq!(
            stopped.as_deref(),
            Some(
                "PATCH /x: the org's daily API request limit is exhausted (REQUEST_LIMIT_EXCEEDED); the run stops here and resumes on the next schedule"
            )
        );
    }

    #[test]
    fn upsert_chunks_never_repeat_an_external_id() {
        let record = |key: &str| WriteRecord::new().set("Key__c", WriteValue::Text(key.into()));
        let records = vec![record("a"), record("b"), record("A"), record("c")];
        let kind = WriteKind::Upsert {
            external_id: "Key__c".into(),
        };
        assert_eq!(
            collection_chunks(&kind, &records, &[0, 1, 2, 3]),
            vec![vec![0, 1], vec![2, 3]]
        );
        let many: Vec<WriteRecord> = (0..450).map(|i| record(&i.to_string())).collect();
        let all: Vec<usize> = (0..450).collect();
        let sizes: Vec<usize> = collection_chunks(&kind, &many, &all)
            .iter()
            .map(Vec::len)
            .collect();
        assert_eq!(sizes, vec![200, 200, 50]);
        assert_eq!(
            collection_chunks(&WriteKind::Update, &records, &[0, 1, 2, 3]),
            vec![vec![0, 1, 2, 3]]
        );
        // Only the rows asked for, by their input positions.
        assert_eq!(
            collection_chunks(&kind, &records, &[3, 1]),
            vec![vec![3, 1]]
        );
    }
}
