//! When to poll a Bulk job: by its progress, not on a fixed schedule.
//!
//! A job's info carries `numberRecordsProcessed` (salesforce-api.md 5 and 6; states
//! `UploadComplete -> InProgress -> JobComplete | Failed | Aborted`), and the caller knows how
//! many rows the job has (an ingest job's upload, a query's expected count). So the next
//! poll goes where the job should end:
//! - two polls that saw the count grow give the job's own rate, and the rows left at that
//!   rate say when it ends;
//! - before that, the pace of the client's last job of the same kind (rows per second,
//!   start to the poll that saw it complete) says how long this one should take, but never
//!   less than the shortest job of the kind took (a job also waits in a queue, whatever its
//!   size);
//! - with neither (the first job of a run, or a job of unknown size), pauses start at
//!   [`FIRST_POLL`] and grow by half each time ([`PollSchedule`]). One second, as
//!   jsforce's Bulk 2.0 default poll interval: a Bulk job waits in Salesforce's queue
//!   before it runs, so a quicker first look mostly costs a call.
//!
//! Every pause is at most the ceiling (`bulk_poll_interval`), so a wrong estimate costs at
//! most one ceiling of wall time, and a job late against its estimate is polled again after
//! half the time it has taken so far (within the ceiling). The first poll comes after a
//! pause too: a job just created (query) or closed (ingest) has not finished. A job
//! awaited some time after it started (query jobs started together, awaited in turn)
//! counts that time as already waited: one the estimate says is done is polled at once.

use std::sync::Mutex;
use std::time::Duration;

/// The first pause of the growing schedule.
pub const FIRST_POLL: Duration = Duration::from_secs(1);

/// Each pause of the growing schedule is 3/2 of the one before, up to the ceiling.
const POLL_GROWTH_NUMERATOR: u64 = 3;
const POLL_GROWTH_DENOMINATOR: u64 = 2;

/// The shortest pause an estimate may ask for: below it a poll costs a call for little.
pub(crate) const MIN_PAUSE: Duration = Duration::from_millis(100);

/// The pauses between a job's status polls when nothing better is known: [`FIRST_POLL`],
/// then each 1.5 times the one before (in whole milliseconds), never above `ceiling`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PollSchedule {
    next: Duration,
    ceiling: Duration,
}

impl PollSchedule {
    /// A schedule whose pauses grow to at most `ceiling` (a ceiling below [`FIRST_POLL`]
    /// makes every pause the ceiling).
    pub fn new(ceiling: Duration) -> Self {
        Self {
            next: FIRST_POLL.min(ceiling),
            ceiling,
        }
    }

    /// The next pause, in whole milliseconds (tokio's timer resolution).
    pub fn next_pause(&mut self) -> Duration {
        let pause = self.next;
        let grown = u64::try_from(pause.as_millis())
            .unwrap_or(u64::MAX)
            .saturating_mul(POLL_GROWTH_NUMERATOR)
            / POLL_GROWTH_DENOMINATOR;
        self.next = Duration::from_millis(grown).min(self.ceiling);
        pause
    }
}

/// Which kind of job: queries and ingests go at different paces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// A Bulk API 2.0 query job.
    Query,
    /// A Bulk API 2.0 ingest job.
    Ingest,
}

/// How fast the client's jobs of one kind went.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pace {
    /// Rows per second of the last completed job.
    pub rows_per_second: f64,
    /// The shortest time a completed job took.
    pub shortest: Duration,
}

/// The [`Pace`] of the client's completed jobs of each kind, shared by every job of one
/// client.
#[derive(Debug, Default)]
pub struct Paces {
    query: Mutex<Option<Pace>>,
    ingest: Mutex<Option<Pace>>,
}

impl Paces {
    fn slot(&self, kind: JobKind) -> &Mutex<Option<Pace>> {
        match kind {
            JobKind::Query => &self.query,
            JobKind::Ingest => &self.ingest,
        }
    }

    /// The pace of the kind's completed jobs, if any completed.
    pub fn get(&self, kind: JobKind) -> Option<Pace> {
        *self
            .slot(kind)
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Remembers a job that completed `processed` rows in `took` (a job without rows
    /// says nothing of the pace).
    pub fn record(&self, kind: JobKind, took: Duration, processed: u64) {
        let seconds = took.as_secs_f64();
        if processed == 0 || seconds <= 0.0 {
            return;
        }
        let mut slot = self
            .slot(kind)
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let shortest = slot.map_or(took, |pace| pace.shortest.min(took));
        *slot = Some(Pace {
            rows_per_second: processed as f64 / seconds,
            shortest,
        });
    }
}

/// One status poll's view of a job: how long after the job started, and how many rows it
/// had processed then (when the job info said).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Seen {
    /// Time since the job was created (query) or closed (ingest).
    pub at: Duration,
    /// `numberRecordsProcessed`, failed rows included.
    pub processed: Option<u64>,
}

/// Chooses the pauses of one job's polls (see the module docs).
#[derive(Debug, Clone)]
pub struct Poller {
    ceiling: Duration,
    /// The rows the job has, when known.
    rows: Option<u64>,
    /// The pace of the client's jobs of this kind.
    pace: Option<Pace>,
    /// The last poll that saw a count, and the rate between the last two that saw it grow.
    last: Option<(Duration, u64)>,
    rate: Option<f64>,
    fallback: PollSchedule,
}

impl Poller {
    /// A poller for a job of `rows` rows (when known), given the pace of the client's last
    /// job of the same kind.
    pub fn new(ceiling: Duration, rows: Option<u64>, pace: Option<Pace>) -> Self {
        Self {
            ceiling,
            rows,
            pace,
            last: None,
            rate: None,
            fallback: PollSchedule::new(ceiling),
        }
    }

    /// The pause before the first poll of a job that started `elapsed` ago: what is
    /// left of the estimate (nothing when the estimate has passed), or else of the
    /// growing schedule's pauses.
    pub fn first_pause(&mut self, elapsed: Duration) -> Duration {
        if let Some(pause) = self.estimate(elapsed, 0) {
            return pause;
        }
        if self.rows.is_some() && self.pace.is_some() {
            return Duration::ZERO;
        }
        let mut waited = Duration::ZERO;
        loop {
            let pause = self.fallback.next_pause();
            if pause.is_zero() || waited + pause > elapsed {
                return (waited + pause).saturating_sub(elapsed);
            }
            waited += pause;
        }
    }

    /// The pause after a poll that saw the job still running.
    pub fn next_pause(&mut self, seen: Seen) -> Duration {
        let processed = seen.processed.unwrap_or(0);
        if let Some(count) = seen.processed {
            if let Some((at, before)) = self.last
                && count > before
                && seen.at > at
            {
                let rows = (count - before) as f64;
                self.rate = Some(rows / (seen.at - at).as_secs_f64());
            }
            self.last = Some((seen.at, count));
        }
        if let Some(pause) = self.estimate(seen.at, processed) {
            return pause;
        }
        if self.rows.is_some() && (self.rate.is_some() || self.pace.is_some()) {
            // Late against the estimate: wait half as long again as the job has taken, so
            // a late job costs few polls and at most half its time more.
            return (seen.at / 2).clamp(FIRST_POLL.min(self.ceiling), self.ceiling);
        }
        self.fallback.next_pause()
    }

    /// How long until the job should end, from its own rate or else the last job's pace;
    /// `None` when neither says, or when the job is already late against the estimate.
    fn estimate(&self, at: Duration, processed: u64) -> Option<Duration> {
        let rows = self.rows?;
        let left = match (self.rate, self.pace) {
            (Some(rate), _) => rows.saturating_sub(processed) as f64 / rate,
            (None, Some(pace)) => {
                let took = (rows as f64 / pace.rows_per_second).max(pace.shortest.as_secs_f64());
                took - at.as_secs_f64()
            }
            (None, None) => return None,
        };
        if !left.is_finite() || left <= 0.0 {
            return None;
        }
        // In whole milliseconds, rounded up (tokio's timer resolution), at most the
        // ceiling's (a float-to-integer cast saturates).
        let ceiling_ms = self.ceiling.as_secs_f64() * 1000.0;
        let millis = Duration::from_millis((left * 1000.0).ceil().min(ceiling_ms) as u64);
        Some(millis.clamp(MIN_PAUSE.min(self.ceiling), self.ceiling))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn polls_start_small_and_grow_by_half_to_the_ceiling() {
        let mut schedule = PollSchedule::new(Duration::from_secs(10));
        let pauses: Vec<u128> = (0..8).map(|_| schedule.next_pause().as_millis()).collect();
        assert_eq!(pauses, [1000, 1500, 2250, 3375, 5062, 7593, 10000, 10000]);
        let mut tiny = PollSchedule::new(ms(100));
        assert_eq!(tiny.next_pause(), ms(100));
        assert_eq!(tiny.next_pause(), ms(100));
    }

    fn pace(rows_per_second: f64, shortest_ms: u64) -> Option<Pace> {
        Some(Pace {
            rows_per_second,
            shortest: ms(shortest_ms),
        })
    }

    #[test]
    fn without_a_pace_or_a_size_the_pauses_grow() {
        let mut poller = Poller::new(Duration::from_secs(2), None, pace(1000.0, 0));
        assert_eq!(poller.first_pause(Duration::ZERO), ms(1000));
        let seen = Seen {
            at: ms(1000),
            processed: Some(0),
        };
        assert_eq!(poller.next_pause(seen), ms(1500));
    }

    #[test]
    fn a_job_awaited_after_it_started_counts_the_time_it_had() {
        // The growing schedule, 1.2 s in: the 1 s pause has passed, 1.3 s of the next
        // 1.5 s are left.
        let mut unknown = Poller::new(Duration::from_secs(10), None, None);
        assert_eq!(unknown.first_pause(ms(1_200)), ms(1_300));
        // The last job's pace says 2 s: 0.5 s left at 1.5 s, none at 3 s.
        let paced = Poller::new(Duration::from_secs(5), Some(20_000), pace(10_000.0, 500));
        assert_eq!(paced.clone().first_pause(ms(1_500)), ms(500));
        assert_eq!(
            paced.clone().first_pause(Duration::from_secs(3)),
            Duration::ZERO
        );
    }

    #[test]
    fn the_last_jobs_pace_says_when_to_look_first() {
        // 20,000 rows at 10,000 a second: 2 s, at most the 5 s ceiling.
        let mut poller = Poller::new(Duration::from_secs(5), Some(20_000), pace(10_000.0, 500));
        assert_eq!(poller.first_pause(Duration::ZERO), Duration::from_secs(2));
        // A large job waits the ceiling, never more.
        let mut large = Poller::new(Duration::from_secs(2), Some(1_000_000), pace(10_000.0, 0));
        assert_eq!(large.first_pause(Duration::ZERO), Duration::from_secs(2));
        // A small one waits at least as long as the shortest job took.
        let mut small = Poller::new(Duration::from_secs(5), Some(100), pace(10_000.0, 1_500));
        assert_eq!(small.first_pause(Duration::ZERO), ms(1_500));
        // Late against the estimate: half the time the job has taken so far, within
        // the first pause and the ceiling.
        let late = |secs| Seen {
            at: Duration::from_secs(secs),
            processed: None,
        };
        assert_eq!(poller.next_pause(late(3)), ms(1_500));
        assert_eq!(poller.next_pause(late(60)), Duration::from_secs(5));
    }

    #[test]
    fn the_jobs_own_rate_says_when_it_ends() {
        let mut poller = Poller::new(Duration::from_secs(10), Some(50_000), None);
        assert_eq!(poller.first_pause(Duration::ZERO), ms(1000));
        let started = Seen {
            at: Duration::from_secs(1),
            processed: Some(0),
        };
        assert_eq!(poller.next_pause(started), ms(1500));
        // 10,000 rows in the second since: 40,000 left take 4 s.
        let moving = Seen {
            at: Duration::from_secs(2),
            processed: Some(10_000),
        };
        assert_eq!(poller.next_pause(moving), Duration::from_secs(4));
        // The ceiling bounds the pause however far the end is.
        let mut capped = Poller::new(Duration::from_secs(2), Some(50_000), None);
        capped.next_pause(started);
        assert_eq!(capped.next_pause(moving), Duration::from_secs(2));
    }

    #[test]
    fn a_completed_job_sets_the_pace_and_the_shortest_time() {
        let paces = Paces::default();
        assert_eq!(paces.get(JobKind::Query), None);
        paces.record(JobKind::Query, Duration::from_secs(2), 10_000);
        assert_eq!(paces.get(JobKind::Query), pace(5_000.0, 2_000));
        // The pace is the last job's; the shortest time the least of all.
        paces.record(JobKind::Query, Duration::from_secs(4), 40_000);
        assert_eq!(paces.get(JobKind::Query), pace(10_000.0, 2_000));
        paces.record(JobKind::Query, Duration::from_secs(1), 1_000);
        assert_eq!(paces.get(JobKind::Query), pace(1_000.0, 1_000));
        // A job without rows or without time says nothing.
        paces.record(JobKind::Ingest, Duration::from_secs(2), 0);
        paces.record(JobKind::Ingest, Duration::ZERO, 10);
        assert_eq!(paces.get(JobKind::Ingest), None);
    }
}
