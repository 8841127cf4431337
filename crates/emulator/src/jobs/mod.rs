//! The org's Bulk API 2.0 jobs as data: the ingest and query jobs by serial ([`BulkState`]),
//! what each kind of job holds and renders ([`ingest`], [`query`], [`job`]), how a row of an
//! ingest file becomes a write ([`rows`]) and the CSV dialects ([`csv`]).
//!
//! It is what the org's state holds (behind one lock, taken before the store's). A job
//! processes its rows or its query only with the store and write context its caller hands
//! it ([`crate::bulk::lifecycle`]): nothing here reaches for the org's state, serves HTTP or
//! reads a clock.

pub mod csv;
pub mod ingest;
pub mod job;
pub mod query;
pub mod rows;

use std::collections::BTreeMap;

use crate::id::SfId;
use crate::usage::DAY_MS;

use ingest::IngestJob;
use job::JobHeader;
use query::QueryJob;

/// How long a job that ended is kept: 7 days (salesforce-api.md 5 and 6).
pub const RETENTION_MS: i64 = 7 * DAY_MS;

/// The org's Bulk jobs.
#[derive(Debug, Default)]
pub struct BulkState {
    /// Ingest jobs by serial (creation order).
    pub ingest: BTreeMap<u64, IngestJob>,
    /// Query jobs by serial.
    pub query: BTreeMap<u64, QueryJob>,
    next_serial: u64,
}

impl BulkState {
    /// A fresh job Id (key prefix 750) and its serial.
    pub fn allocate(&mut self) -> (SfId, u64) {
        self.next_serial += 1;
        (SfId::from_parts("750", self.next_serial), self.next_serial)
    }

    /// Deletes the jobs that reached a terminal state (JobComplete, Failed, Aborted) more
    /// than [`RETENTION_MS`] before `now_ms` on the emulator clock, with their data and
    /// results, as an org does (salesforce-api.md 5: "jobs in terminal state are deleted
    /// after 7 days"; 6: query results are kept 7 days).
    pub fn purge(&mut self, now_ms: i64) {
        let horizon = now_ms.saturating_sub(RETENTION_MS);
        let expired =
            |header: &JobHeader| header.state.is_terminal() && header.modstamp_ms <= horizon;
        self.ingest.retain(|_, job| !expired(&job.header));
        self.query.retain(|_, job| !expired(&job.header));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_ids_are_allocated_in_order() {
        let mut bulk = BulkState::default();
        let (first, _) = bulk.allocate();
        let (second, serial) = bulk.allocate();
        assert_eq!(first.key_prefix(), "750");
        assert_ne!(first, second);
        assert_eq!(serial, 2);
    }
}
