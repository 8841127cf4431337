//! One query job as data: its SOQL, the matching record Ids once it ran, and the bodies it
//! renders into (salesforce-api.md 6).
//!
//! The query runs once, on [`crate::execution`], when [`crate::bulk::lifecycle`] takes the
//! job's second step; the job keeps the matching Ids in order so every results page renders from
//! them and a page fetched twice is the same page. It never re-runs a query per page, never
//! writes records and never reaches for the org's state.

use std::sync::Arc;

use serde_json::{Value as Json, json};

use crate::execution::execute;
use crate::fls::Fls;
use crate::id::SfId;
use crate::store::Store;

use super::job::{Body, Job, JobState, Sections};

/// How many bytes of CSV a results page holds at most, when the admin setting
/// `bulkResultPageBytes` does not say otherwise.
///
/// An org bounds a page by size, not by a row count: without `locator` the results call
/// "returns as many rows as can be listed, starting at the beginning of the results", and
/// `maxRecords` is "the maximum number of records to retrieve per set of results for the
/// query. The request is still subject to the size limits."
/// (https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/query_get_job_results.htm,
/// and the v47.0 text of the same page for "as many rows as can be listed"). Neither page
/// gives the figure [verify]; 64 MiB keeps a customer-success org's objects (90,000 cases
/// of a 10,000-account org are about 8 MB of CSV) in one page, as an org would serve them,
/// while bounding what one call renders.
pub const DEFAULT_PAGE_BYTES: usize = 64 * 1024 * 1024;

/// One query job.
pub type QueryJob = Job<Query>;

/// What a query job holds besides its header.
#[derive(Debug, Clone)]
pub struct Query {
    /// The SOQL text as created.
    pub soql: String,
    all: bool,
    /// The matching records in result order, once the job completed. Shared, so a results
    /// page takes a reference count rather than a copy of every Id.
    ids: Option<Arc<[SfId]>>,
}

impl Query {
    /// A query job's own part: its SOQL, `all` for `queryAll`.
    pub fn new(soql: String, all: bool) -> Self {
        Self {
            soql,
            all,
            ids: None,
        }
    }
}

impl QueryJob {
    /// The matching Ids once the job completed.
    pub fn ids(&self) -> Option<Arc<[SfId]>> {
        self.kind.ids.clone()
    }

    /// The job as `body`: create and abort answer without `jobType` or counters
    /// (query-create-job.html); job info adds the counters (query-get-job-info.html).
    pub fn render(&self, body: Body) -> Json {
        let listed = Sections {
            job_type: Some("V2Query"),
            format: true,
            ..Sections::default()
        };
        let sections = match body {
            Body::StateChange | Body::Created => Sections {
                job_type: None,
                ..listed
            },
            Body::Listed => listed,
            Body::Info => Sections {
                counters: Some(self.counters()),
                ..listed
            },
        };
        self.header.render(&[], sections)
    }

    fn counters(&self) -> Vec<(&'static str, Json)> {
        let processed = self.kind.ids.as_ref().map_or(0, |ids| ids.len());
        vec![
            ("numberRecordsProcessed", json!(processed)),
            ("retries", json!(0)),
            ("totalProcessingTime", json!(processed)),
            ("isPkChunkingSupported", json!(true)),
        ]
    }

    /// Runs the query and keeps the matching Ids (the job completes), or fails the job.
    pub fn run(&mut self, store: &Store, fls: &Fls, now_ms: i64) {
        match execute(store, fls, &self.kind.soql, self.kind.all, now_ms) {
            Ok(execution) => {
                let ids: Arc<[SfId]> = store
                    .table(execution.object)
                    .map(|table| {
                        execution
                            .rows
                            .iter()
                            .filter_map(|at| table.row(*at).map(|r| r.id))
                            .collect()
                    })
                    .unwrap_or_else(|| Arc::from(Vec::new()));
                self.kind.ids = Some(ids);
                self.header.set_state(JobState::JobComplete, now_ms);
            }
            Err(_) => {
                self.header.error_message = Some("InvalidBatch : Failed to process query".into());
                self.header.set_state(JobState::Failed, now_ms);
            }
        }
    }
}
