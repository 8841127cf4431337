//! Reads for the replica: full loads and incremental reads of one object, page by page,
//! each page decoded into replica rows, deletions and problems.
//!
//! [`Client::read_replica`] picks the API and the SOQL ([`SelectList::full_query`],
//! [`SelectList::incremental_query`]):
//! - **Full** reads `query`; REST when the expected volume is at most
//!   `bulk_read_threshold`, else a Bulk API 2.0 `query` job. The expected volume is the
//!   caller's (the replica's row count from the last load) or else one `COUNT()` call.
//! - **Since** reads `queryAll` (deletes and merges arrive as rows with `IsDeleted = true`)
//!   with `SystemModstamp >= since`. Without an expected volume it starts on REST, which is
//!   one call when nothing changed; when the first page's `totalSize` is above the threshold
//!   it starts a Bulk `queryAll` job instead, which costs that one call extra only when the
//!   change is large.
//!
//! A Bulk read's job is started when the reader opens and awaited at its first page, so
//! the sync opens every full load's reader before it reads the first: the jobs run in the
//! org together, and each is polled about once.
//!
//! [`ReplicaReader::source`] says how to move a watermark: REST pages are ordered by
//! `SystemModstamp, Id`, so each page's [`ReplicaPage::max_modstamp`] is safe once the page
//! is committed; a Bulk job's pages come in no order, so the watermark moves only after the
//! last page, and a full load takes the job's `createdDate` (the server's clock).
//!
//! Memory is bounded by one page: a REST page holds at most 2,000 records, a Bulk page at
//! most `bulk_page_size`. This module decides nothing about the replica; the sync does.

use chrono::{DateTime, Utc};

use super::error::SalesforceError;
use super::http::Client;
use super::records::Record;
use super::transfer::RecordReader;
use super::wire::{DecodeError, DecodedRow, FieldMap, SelectList, decode_row, read_modstamp};
use crate::domain::SfId;
use crate::store::ReplicaRow;

/// What a read covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadMode {
    /// Every live record (`query`): a full load.
    Full,
    /// Every record changed at or after this instant, deleted ones included (`queryAll`):
    /// an incremental read. The caller subtracts its overlap window.
    Since(DateTime<Utc>),
}

/// Which API serves a read, and what that means for the watermark.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadSource {
    /// REST pages ordered by `SystemModstamp, Id`: a committed page's largest
    /// `SystemModstamp` is a safe watermark.
    Rest,
    /// A Bulk API 2.0 query job: pages come in no order, so the watermark moves only when
    /// every page is committed.
    Bulk {
        /// The job's Id.
        job_id: String,
        /// The job's `createdDate` by the server's clock: the watermark of a full load.
        /// `None` only if Salesforce left it out.
        created: Option<DateTime<Utc>>,
    },
}

/// One page of a replica read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReplicaPage {
    /// Live records to upsert.
    pub rows: Vec<ReplicaRow>,
    /// Records the org deleted or merged away: remove them.
    pub deleted: Vec<SfId>,
    /// Records that could not be decoded (object, record Id, field); they are not in `rows`.
    pub skipped: Vec<DecodeError>,
    /// Values read as empty (their records are in `rows`).
    pub warnings: Vec<DecodeError>,
    /// The largest `SystemModstamp` on the page, skipped records included (a record that
    /// cannot be decoded is reported once, not read again every cycle).
    pub max_modstamp: Option<DateTime<Utc>>,
    /// Records on the page as Salesforce sent them.
    pub records: usize,
}

/// A replica read in progress.
#[derive(Debug)]
pub struct ReplicaReader {
    select: SelectList,
    map: FieldMap,
    categories: Vec<String>,
    reader: RecordReader,
    /// A REST page already fetched while choosing the API.
    first: Option<Vec<Record>>,
    source: ReadSource,
}

impl ReplicaReader {
    /// Which API serves the read.
    pub fn source(&self) -> &ReadSource {
        &self.source
    }

    /// Whether Bulk API 2.0 serves the read.
    pub fn is_bulk(&self) -> bool {
        matches!(self.source, ReadSource::Bulk { .. })
    }

    /// The select list read.
    pub fn select(&self) -> &SelectList {
        &self.select
    }

    /// The next page, decoded, or `None` at the end.
    ///
    /// # Errors
    /// Any [`SalesforceError`] of the page request. Records that cannot be decoded are not
    /// errors: they are in [`ReplicaPage::skipped`].
    pub async fn next_page(&mut self) -> Result<Option<ReplicaPage>, SalesforceError> {
        let records = match self.first.take() {
            Some(records) => records,
            None => match self.reader.next_page().await? {
                Some(records) => records,
                None => return Ok(None),
            },
        };
        let categories: Vec<&str> = self.categories.iter().map(String::as_str).collect();
        Ok(Some(decode_page(
            &self.select,
            &records,
            &self.map,
            &categories,
        )))
    }
}

/// Decodes one page of records into rows, deletions and problems.
fn decode_page(
    select: &SelectList,
    records: &[Record],
    map: &FieldMap,
    categories: &[&str],
) -> ReplicaPage {
    let mut page = ReplicaPage {
        records: records.len(),
        ..ReplicaPage::default()
    };
    for record in records {
        let modstamp = match decode_row(select.object(), record, map, categories) {
            Ok(decoded) => {
                page.warnings.extend(decoded.warnings);
                let modstamp = decoded.record.modstamp();
                match decoded.record {
                    DecodedRow::Live(row) => page.rows.push(row),
                    DecodedRow::Deleted { id, .. } => page.deleted.push(id),
                }
                Some(modstamp)
            }
            Err(error) => {
                page.skipped.push(error);
                read_modstamp(record)
            }
        };
        page.max_modstamp = page.max_modstamp.max(modstamp);
    }
    page
}

impl Client {
    /// Starts reading `select`'s object for the replica. `expected` is the caller's idea of
    /// how many rows the read returns (the replica's count for a full load); without it a
    /// full load counts first and an incremental read starts on REST (see the module docs).
    /// `map` and `categories` decode the rows.
    ///
    /// # Errors
    /// Any [`SalesforceError`] of the count, the first REST page or the Bulk job.
    pub async fn read_replica(
        &self,
        select: &SelectList,
        mode: ReadMode,
        expected: Option<u64>,
        map: &FieldMap,
        categories: &[&str],
    ) -> Result<ReplicaReader, SalesforceError> {
        let threshold = self.settings().bulk_read_threshold;
        let (all, since) = match mode {
            ReadMode::Full => (false, None),
            ReadMode::Since(t) => (true, Some(t)),
        };
        let query = |bulk: bool| match since {
            Some(t) => select.incremental_query(t, bulk),
            None => select.full_query(bulk),
        };
        let expected = match (expected, since) {
            (Some(n), _) => Some(n),
            (None, None) => Some(self.count(&query(false).to_count_text(), all).await?),
            (None, Some(_)) => None,
        };
        let mut first = None;
        let mut bulk_rows = expected;
        let bulk = match expected {
            Some(n) => n > threshold,
            None => {
                // An incremental read without an expected volume: the first REST page says
                // how many rows there are.
                let mut pager = self.query(&query(false).to_text(), all);
                let page = pager.next_page().await?.unwrap_or_default();
                let total = pager.total_size().unwrap_or(0);
                if total > threshold {
                    bulk_rows = Some(total);
                    tracing::info!(
                        object = select.api_object(),
                        total,
                        "Many changes: reading them with Bulk API 2.0 instead."
                    );
                    true
                } else {
                    first = Some((page, pager));
                    false
                }
            }
        };
        let (reader, first, source) = if bulk {
            tracing::info!(object = select.api_object(), "Reading with Bulk API 2.0.");
            // Started, not awaited: the first page waits, so a caller can start several
            // objects' jobs before reading the first.
            let pager = self
                .start_bulk_query(&query(true).to_text(), all, bulk_rows)
                .await?;
            let source = ReadSource::Bulk {
                job_id: pager.job_id().to_owned(),
                created: pager.created_date(),
            };
            (RecordReader::Bulk(pager), None, source)
        } else {
            match first {
                Some((page, pager)) => (RecordReader::Rest(pager), Some(page), ReadSource::Rest),
                None => (
                    RecordReader::Rest(self.query(&query(false).to_text(), all)),
                    None,
                    ReadSource::Rest,
                ),
            }
        };
        Ok(ReplicaReader {
            select: select.clone(),
            map: map.clone(),
            categories: categories.iter().map(|c| (*c).to_owned()).collect(),
            reader,
            first,
            source,
        })
    }
}
