//! Reads and writes that pick REST or Bulk API 2.0 by volume, so callers never choose.
//!
//! Reads count first (`SELECT COUNT()`, one call) unless the caller knows the expected
//! volume, and use Bulk above `bulk_read_threshold` rows; writes use Bulk ingest above
//! `bulk_write_threshold` records and sObject Collections below it. Both paths yield the
//! same [`Record`] pages and the same per-row [`WriteReport`].
//!
//! A write logs the rows it could not deliver by row number, record Id, error codes and
//! fields only; Salesforce's messages, which quote the values, stay in the report.

use std::sync::Arc;

use super::bulk::BulkQueryPager;
use super::error::ApiError;
use super::error::SalesforceError;
use super::http::Client;
use super::records::{
    Record, RecordOutcome, WriteKind, WriteRecord, WriteReport, WriteResult, WriteValue,
};
use super::rest::QueryPager;
use super::soql::Soql;
use crate::domain::SfId;

/// A read in progress, REST or Bulk.
#[derive(Debug)]
pub enum RecordReader {
    /// REST `query`/`queryAll`, paged by `nextRecordsUrl`.
    Rest(QueryPager),
    /// A Bulk API 2.0 query job, paged by `Sforce-Locator`.
    Bulk(BulkQueryPager),
}

impl RecordReader {
    /// The next page of records, or `None` at the end.
    ///
    /// # Errors
    /// Any [`SalesforceError`] of the page request.
    pub async fn next_page(&mut self) -> Result<Option<Vec<Record>>, SalesforceError> {
        match self {
            RecordReader::Rest(pager) => pager.next_page().await,
            RecordReader::Bulk(pager) => pager.next_page().await,
        }
    }

    /// Whether Bulk API 2.0 is used.
    pub fn is_bulk(&self) -> bool {
        matches!(self, RecordReader::Bulk(_))
    }
}

impl Client {
    /// Starts reading the rows of `query`, choosing REST or Bulk by the expected row count;
    /// `expected` skips the `COUNT()` call when the caller already knows it. A Bulk job
    /// gets the query without its `ORDER BY`: its rows come in no order.
    ///
    /// # Errors
    /// Any [`SalesforceError`] of the count or of starting the Bulk job.
    pub async fn read(
        &self,
        query: &Soql,
        all: bool,
        expected: Option<u64>,
    ) -> Result<RecordReader, SalesforceError> {
        let expected = match expected {
            Some(n) => n,
            None => self.count(&query.to_count_text(), all).await?,
        };
        let expected = query.limit.map_or(expected, |limit| expected.min(limit));
        if expected > self.settings().bulk_read_threshold {
            tracing::info!(object = %query.object, expected, "Reading with Bulk API 2.0.");
            // Never ORDER BY in a Bulk job: it disables PK chunking and can make the job
            // time out ("Use of ORDER BY in a Bulk 2.0 query disables PKChunking",
            // https://developer.salesforce.com/docs/platform/api-asynch/guide/bulk-api-2-0-troubleshoot-query-timeouts.html).
            let mut unordered = query.clone();
            unordered.order_by.clear();
            Ok(RecordReader::Bulk(
                self.bulk_query(&unordered.to_text(), all, Some(expected))
                    .await?,
            ))
        } else {
            Ok(RecordReader::Rest(self.query(&query.to_text(), all)))
        }
    }

    /// Writes records, choosing sObject Collections or Bulk ingest by volume. Every input
    /// row gets one outcome in the report, by its position in `records`.
    ///
    /// The input is taken, not copied: Collections serialise 200 rows at a time from it and
    /// Bulk ingest streams each job's CSV from it (see `bulk`), so a write holds the input,
    /// one request and the outcomes. Inserts always use Collections: a Bulk insert whose
    /// results are lost cannot be sent again without duplicates, while updates and upserts
    /// can (style guide 2.6: plan creates as upserts). A row with a number that is not
    /// finite is rejected before anything is sent, rather than clearing the field.
    pub async fn write(
        &self,
        object: &str,
        kind: &WriteKind,
        records: Vec<WriteRecord>,
    ) -> WriteReport {
        let records = Arc::new(records);
        let (valid, invalid): (Vec<usize>, Vec<usize>) =
            (0..records.len()).partition(|i| records.get(*i).is_some_and(WriteRecord::is_finite));
        let bulk = valid.len() > self.settings().bulk_write_threshold
            && !matches!(kind, WriteKind::Insert);
        let mut report = if bulk {
            tracing::info!(object, records = valid.len(), "Writing with Bulk API 2.0.");
            self.write_bulk_rows(object, kind, &records, &valid).await
        } else {
            self.write_collection_rows(object, kind, &records, &valid)
                .await
        };
        for index in invalid {
            report.outcomes.push(RecordOutcome {
                index,
                result: WriteResult::Rejected {
                    errors: vec![ApiError {
                        code: "NOT_A_NUMBER".into(),
                        message:
                            "a number to write is not finite (NaN or infinite); nothing was sent"
                                .into(),
                        fields: records
                            .get(index)
                            .map(WriteRecord::non_finite_fields)
                            .unwrap_or_default(),
                    }],
                },
            });
        }
        report.outcomes.sort_by_key(|o| o.index);
        log_undelivered(object, &records, &report);
        report
    }
}

/// Logs every row that was not delivered, then a summary. A row is named by its number and,
/// when it carries one, its record Id; its errors by code and fields (`ApiError`'s Display),
/// never by Salesforce's message, which can quote the row's values.
fn log_undelivered(object: &str, records: &[WriteRecord], report: &WriteReport) {
    let (mut errored, mut rejected) = (0_usize, 0_usize);
    for outcome in &report.outcomes {
        let (state, errors) = match &outcome.result {
            WriteResult::Delivered { .. } => continue,
            WriteResult::Errored { errors } => {
                errored += 1;
                ("errored", errors)
            }
            WriteResult::Rejected { errors } => {
                rejected += 1;
                ("rejected", errors)
            }
        };
        let id = records
            .get(outcome.index)
            .and_then(row_id)
            .map_or_else(|| "none".to_owned(), |id| id.to_string());
        let codes: Vec<String> = errors.iter().map(ToString::to_string).collect();
        tracing::debug!(
            object,
            row = outcome.index,
            id,
            state,
            errors = codes.join("; "),
            "A row was not written."
        );
    }
    if errored + rejected > 0 {
        tracing::warn!(
            object,
            delivered = report.delivered(),
            errored,
            rejected,
            "Some rows were not written; the report gives each one's outcome."
        );
    }
}

/// The record Id a row to write carries (updates do), if it is a well-formed one.
fn row_id(record: &WriteRecord) -> Option<SfId> {
    match record.get("Id") {
        Some(WriteValue::Text(text)) => SfId::parse(text).ok(),
        _ => None,
    }
}
