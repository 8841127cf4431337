//! The fewest API calls a first sync of the volumes it met can make with the APIs it chose,
//! so the demo can print its calls against that floor.
//!
//! The formula is the sync benchmark's (`examples/sync_bench.rs`), with the thresholds taken
//! from the client's and the sync's own settings rather than repeated:
//! - one `/limits` call;
//! - per object: one `COUNT()` (a first sync does not know the volumes), then REST pages
//!   `ceil(rows / page)` (at least one) when it was read over REST, or a Bulk query job
//!   (create, one status poll, result pages `ceil(rows / bulk page)`) when Bulk served it;
//! - per write kind, the apply phase's chunks of `apply_chunk` rows: sObject Collections
//!   calls `ceil(rows / 200)` for a chunk at or below the Bulk write threshold, or per
//!   Bulk ingest job create, upload, close and one status poll, plus the successful
//!   results of an upsert (the created records' Ids);
//! - one Renewal record type lookup when renewals are created.
//!
//! Pure arithmetic over a finished report; it reads nothing.

use crate::domain::WriteKind;
use crate::salesforce::ClientSettings;
use crate::salesforce::rest::COLLECTION_CHUNK;
use crate::sync::{RunReport, SyncSettings};

/// Salesforce's REST page when `query_batch_size` is not set.
const DEFAULT_REST_PAGE: u64 = 2_000;

/// The minimum calls for `report`'s reads and planned writes (see the module docs).
pub fn minimum_calls(report: &RunReport, client: &ClientSettings, sync: &SyncSettings) -> u64 {
    let mut calls = 1; // /limits
    let rest_page = client
        .query_batch_size
        .map_or(DEFAULT_REST_PAGE, u64::from)
        .max(1);
    let bulk_page = u64::from(client.bulk_page_size).max(1);
    for read in &report.reads {
        calls += 1; // COUNT()
        calls += if read.bulk {
            2 + read.records.div_ceil(bulk_page)
        } else {
            read.records.div_ceil(rest_page).max(1)
        };
    }
    for (kind, rows) in &report.planned {
        calls += write_calls(*kind, *rows, client, sync);
        if *kind == WriteKind::Renewal && *rows > 0 {
            calls += 1; // the Renewal record type
        }
    }
    calls
}

/// The calls of one write kind's rows, chunk by chunk as the apply phase sends them.
fn write_calls(kind: WriteKind, rows: u64, client: &ClientSettings, sync: &SyncSettings) -> u64 {
    let chunk = as_u64(sync.apply_chunk).max(1);
    let threshold = as_u64(client.bulk_write_threshold);
    let job_rows = as_u64(client.bulk_job_rows).max(1);
    let collection = as_u64(COLLECTION_CHUNK);
    // Updates by Id need no results file; an upsert reads its created records' Ids.
    let per_job = match kind {
        WriteKind::AccountHealth | WriteKind::RenewalRisk => 4,
        WriteKind::History | WriteKind::Renewal | WriteKind::PlaybookTask => 5,
    };
    let mut calls = 0;
    let mut left = rows;
    while left > 0 {
        let this = left.min(chunk);
        calls += if this > threshold {
            per_job * this.div_ceil(job_rows)
        } else {
            this.div_ceil(collection)
        };
        left -= this;
    }
    calls
}

fn as_u64(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use chrono::{TimeZone, Utc};
    use url::Url;

    use super::*;
    use crate::domain::SyncedObject;
    use crate::salesforce::Credentials;
    use crate::secret::Secret;
    use crate::store::{RunId, RunTrigger};
    use crate::sync::{FullReason, ObjectRead, ReadHow};

    fn settings() -> ClientSettings {
        ClientSettings::new(
            Url::parse("http://127.0.0.1:1").unwrap(),
            Credentials::ClientCredentials {
                client_id: "id".into(),
                client_secret: Secret::new("secret"),
            },
        )
    }

    fn read(object: SyncedObject, records: u64, bulk: bool) -> ObjectRead {
        ObjectRead {
            object,
            how: ReadHow::Full {
                reason: FullReason::FirstLoad,
            },
            bulk,
            records,
            upserted: records,
            deleted: 0,
            skipped: 0,
        }
    }

    fn report(reads: Vec<ObjectRead>, planned: &[(WriteKind, u64)]) -> RunReport {
        let at = Utc.with_ymd_and_hms(2026, 3, 2, 12, 0, 0).unwrap();
        let mut report = RunReport::new(RunId(1), RunTrigger::Manual, at, false, 10);
        report.reads = reads;
        report.planned = planned.iter().copied().collect::<BTreeMap<_, _>>();
        report
    }

    #[test]
    fn rest_reads_cost_a_count_and_their_pages_and_an_empty_object_one_page() {
        let r = report(
            vec![
                read(SyncedObject::Account, 500, false),
                read(SyncedObject::Case, 4_001, false),
                read(SyncedObject::History, 0, false),
            ],
            &[],
        );
        // limits 1; Account 1 + 1; Case 1 + 3; History 1 + 1.
        assert_eq!(minimum_calls(&r, &settings(), &SyncSettings::default()), 9);
    }

    #[test]
    fn a_bulk_read_costs_a_job_a_poll_and_its_result_pages() {
        let r = report(vec![read(SyncedObject::Task, 120_000, true)], &[]);
        // limits 1; COUNT() 1; create + poll 2; pages 3.
        assert_eq!(minimum_calls(&r, &settings(), &SyncSettings::default()), 7);
    }

    #[test]
    fn writes_go_by_collections_below_the_threshold_and_by_jobs_above_it() {
        let r = report(
            Vec::new(),
            &[
                (WriteKind::AccountHealth, 2_000),
                (WriteKind::History, 2_001),
                (WriteKind::Renewal, 3),
                (WriteKind::PlaybookTask, 0),
            ],
        );
        // limits 1; health 10 Collections calls; history one upsert job 5; renewals one
        // call and the record type lookup 2.
        assert_eq!(minimum_calls(&r, &settings(), &SyncSettings::default()), 18);
    }

    #[test]
    fn a_write_larger_than_the_apply_chunk_takes_a_job_per_chunk() {
        let r = report(Vec::new(), &[(WriteKind::AccountHealth, 120_000)]);
        // limits 1; three chunks of at most 50,000, one update job each (4 calls).
        assert_eq!(minimum_calls(&r, &settings(), &SyncSettings::default()), 13);
    }
}
