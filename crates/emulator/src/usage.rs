//! The org's daily allocations and what was used of them in the rolling 24 hours: API
//! requests (what `Sforce-Limit-Info` and `/limits` report, and what the API layer refuses
//! once spent) and the Bulk API 2.0 batches, query jobs and records.
//!
//! It only counts, on the emulator clock: it never refuses a call (the API layer does) and
//! never reads the wall clock.

use std::collections::VecDeque;

/// Daily Bulk API batches (`DailyBulkApiBatches`, shared with Bulk API 1.0).
pub const DAILY_BATCHES: u64 = 15_000;
/// Daily Bulk API 2.0 query jobs (`DailyBulkV2QueryJobs`).
pub const DAILY_QUERY_JOBS: u64 = 10_000;
/// Records Bulk ingest may process per rolling 24 hours (counted, not enforced).
pub const DAILY_RECORDS: u64 = 150_000_000;

/// The length of the rolling window: 24 hours in milliseconds.
pub const DAY_MS: i64 = 24 * 3600 * 1000;

/// Counts in a rolling 24-hour window: what was counted more than a day ago falls out.
#[derive(Debug, Default)]
pub struct Rolling {
    /// (when, how many), oldest first.
    entries: VecDeque<(i64, u64)>,
    total: u64,
}

impl Rolling {
    /// Counts `n` at `now_ms`.
    pub fn add(&mut self, now_ms: i64, n: u64) {
        self.entries.push_back((now_ms, n));
        self.total = self.total.saturating_add(n);
    }

    /// How many were counted in the 24 hours before `now_ms`.
    pub fn total(&mut self, now_ms: i64) -> u64 {
        let horizon = now_ms.saturating_sub(DAY_MS);
        while let Some((_, n)) = self.entries.front().filter(|(at, _)| *at <= horizon) {
            self.total = self.total.saturating_sub(*n);
            self.entries.pop_front();
        }
        self.total
    }

    /// Forgets everything counted.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.total = 0;
    }
}

/// What the org used of its allocations.
#[derive(Debug, Default)]
pub struct Usage {
    /// API calls under `/services/data/vXX.X/`, those `apiUsage` pretends included.
    pub api_calls: Rolling,
    /// API calls the connected app really made (every session is the one configured
    /// app's), for `per-app-api-usage`.
    pub app_calls: Rolling,
    /// Internal Bulk ingest batches run.
    pub bulk_batches: Rolling,
    /// Bulk query jobs created.
    pub bulk_query_jobs: Rolling,
    /// Records Bulk ingest processed.
    pub bulk_records: Rolling,
}

impl Usage {
    /// Counts one internal ingest batch of `records` rows.
    pub fn count_batch(&mut self, now_ms: i64, records: u64) {
        self.bulk_batches.add(now_ms, 1);
        self.bulk_records.add(now_ms, records);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_fall_out_after_a_day() {
        let mut usage = Usage::default();
        usage.count_batch(0, 10_000);
        usage.count_batch(1_000, 5);
        usage.bulk_query_jobs.add(1_000, 1);
        assert_eq!(usage.bulk_batches.total(2_000), 2);
        assert_eq!(usage.bulk_records.total(2_000), 10_005);
        assert_eq!(usage.bulk_query_jobs.total(2_000), 1);
        // A count made exactly a day ago is out; one made a millisecond later is in.
        assert_eq!(usage.bulk_batches.total(DAY_MS), 1);
        assert_eq!(usage.bulk_records.total(DAY_MS + 500), 5);
        assert_eq!(usage.bulk_query_jobs.total(DAY_MS + 1_000), 0);
        usage.api_calls.add(0, 40);
        usage.api_calls.clear();
        assert_eq!(usage.api_calls.total(1), 0);
    }
}
