//! Reads and writes that pick REST or Bulk API 2.0 by volume, so callers never choose.
//!
//! Reads count first (`SELECT COUNT()`, one call) unless the caller knows the expected
//! volume, and use Bulk above `bulk_read_threshold` rows; writes use Bulk ingest above
//! `bulk_write_threshold` records and sObject Collections below it. Both paths yield the
//! same [`Record`] pages and the same per-row [`WriteReport`].

use super::bulk::BulkQueryPager;
use super::error::SalesforceError;
use super::http::Client;
use super::records::{Record, WriteKind, WriteRecord, WriteReport};
use super::rest::QueryPager;
use super::soql::Soql;

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
    /// `expected` skips the `COUNT()` call when the caller already knows it.
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
            None => self.count(&query.to_count_text()).await?,
        };
        let text = query.to_text();
        if expected > self.settings().bulk_read_threshold {
            tracing::info!(object = %query.object, expected, "Reading with Bulk API 2.0.");
            Ok(RecordReader::Bulk(self.bulk_query(&text, all).await?))
        } else {
            Ok(RecordReader::Rest(self.query(&text, all)))
        }
    }

    /// Writes records, choosing sObject Collections or Bulk ingest by volume. Every input
    /// row gets one outcome in the report.
    pub async fn write(
        &self,
        object: &str,
        kind: &WriteKind,
        records: &[WriteRecord],
    ) -> WriteReport {
        if records.len() > self.settings().bulk_write_threshold {
            tracing::info!(
                object,
                records = records.len(),
                "Writing with Bulk API 2.0."
            );
            self.write_bulk(object, kind, records).await
        } else {
            self.write_collections(object, kind, records).await
        }
    }
}
