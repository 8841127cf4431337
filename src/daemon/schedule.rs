//! The schedules of `[schedule]`: tokio-cron-scheduler fires the incremental and the full
//! sync (six-field, seconds-first cron expressions read in `timezone`), and each fire only
//! calls the daemon's tick; the guard decides whether a run starts.
//!
//! tokio-cron-scheduler 0.15 reads the zone's UTC offset when a job is added, so the
//! daemon adds its jobs again when the zone's offset changes (daylight saving time); see
//! [`Scheduler::offset_changed`].

use std::sync::Arc;

use chrono::{DateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use tokio_cron_scheduler::{Job, JobScheduler};

use super::DaemonError;
use crate::config::{CronSchedule, ScheduleConfig};
use crate::store::RunTrigger;
use crate::sync::Mode;

/// Which schedule fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tick {
    /// `[schedule] incremental`.
    Incremental,
    /// `[schedule] full`.
    Full,
}

impl Tick {
    /// The trigger the run records.
    pub fn trigger(self) -> RunTrigger {
        match self {
            Tick::Incremental => RunTrigger::Schedule,
            Tick::Full => RunTrigger::FullSchedule,
        }
    }

    /// What the run reads and writes.
    pub fn mode(self) -> Mode {
        match self {
            Tick::Incremental => Mode::INCREMENTAL,
            Tick::Full => Mode::FULL,
        }
    }

    /// The schedule's name in logs and metric labels.
    pub fn name(self) -> &'static str {
        match self {
            Tick::Incremental => "incremental",
            Tick::Full => "full",
        }
    }

    /// Reads `incremental` or `full`.
    pub fn parse(text: &str) -> Option<Tick> {
        match text {
            "incremental" => Some(Tick::Incremental),
            "full" => Some(Tick::Full),
            _ => None,
        }
    }
}

/// When `schedule` fires next after `after`, reading its fields in `zone`; `None` when it
/// never fires again.
pub fn next_fire(schedule: &CronSchedule, zone: Tz, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
    schedule
        .cron()
        .find_next_occurrence(&after.with_timezone(&zone), false)
        .ok()
        .map(|at| at.with_timezone(&Utc))
}

/// What a fire calls.
pub type Fire = Arc<dyn Fn(Tick) + Send + Sync>;

/// The running scheduler with the two jobs.
pub struct Scheduler {
    inner: JobScheduler,
    zone: Tz,
    offset: i32,
}

impl Scheduler {
    /// Adds the incremental and the full job and starts ticking.
    ///
    /// # Errors
    /// [`DaemonError::Scheduler`] when the scheduler refuses an expression or cannot start.
    pub async fn start(config: &ScheduleConfig, fire: Fire) -> Result<Self, DaemonError> {
        let inner = JobScheduler::new().await.map_err(scheduler_error)?;
        for (tick, schedule) in [
            (Tick::Incremental, &config.incremental),
            (Tick::Full, &config.full),
        ] {
            let fire = Arc::clone(&fire);
            let job = Job::new_async_tz(schedule.expression(), config.timezone, move |_, _| {
                let fire = Arc::clone(&fire);
                Box::pin(async move { fire(tick) })
            })
            .map_err(scheduler_error)?;
            inner.add(job).await.map_err(scheduler_error)?;
        }
        inner.start().await.map_err(scheduler_error)?;
        Ok(Self {
            inner,
            zone: config.timezone,
            offset: offset_at(config.timezone, Utc::now()),
        })
    }

    /// Whether the zone's UTC offset at `now` differs from the one the jobs were added
    /// with: the daemon then starts a new scheduler (tokio-cron-scheduler keeps a fixed
    /// offset per job).
    pub fn offset_changed(&self, now: DateTime<Utc>) -> bool {
        offset_at(self.zone, now) != self.offset
    }

    /// Stops ticking; a run in progress is not affected.
    pub async fn stop(mut self) {
        if let Err(error) = self.inner.shutdown().await {
            tracing::warn!(%error, "The scheduler did not stop cleanly.");
        }
    }
}

fn offset_at(zone: Tz, at: DateTime<Utc>) -> i32 {
    zone.offset_from_utc_datetime(&at.naive_utc())
        .fix()
        .local_minus_utc()
}

fn scheduler_error(error: tokio_cron_scheduler::JobSchedulerError) -> DaemonError {
    DaemonError::Scheduler(error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ScheduleConfig;
    use croner::parser::{CronParser, Seconds};

    fn schedule(expression: &str) -> CronSchedule {
        let cron = CronParser::builder()
            .seconds(Seconds::Required)
            .build()
            .parse(expression)
            .unwrap();
        CronSchedule::new(expression.to_owned(), cron)
    }

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn an_incremental_schedule_fires_on_the_quarter_hour() {
        let every = schedule("0 */15 * * * *");
        let next = next_fire(&every, chrono_tz::UTC, at("2026-03-02T12:00:00Z"));
        assert_eq!(next, Some(at("2026-03-02T12:15:00Z")));
        let next = next_fire(&every, chrono_tz::UTC, at("2026-03-02T12:14:59Z"));
        assert_eq!(next, Some(at("2026-03-02T12:15:00Z")));
    }

    #[test]
    fn the_nightly_full_sync_fires_at_two_in_the_zone_across_daylight_saving_time() {
        let nightly = schedule("0 0 2 * * *");
        let berlin = chrono_tz::Europe::Berlin;
        // Winter: Berlin is UTC+1, so 02:00 there is 01:00 UTC.
        assert_eq!(
            next_fire(&nightly, berlin, at("2026-03-27T12:00:00Z")),
            Some(at("2026-03-28T01:00:00Z"))
        );
        // 29 March 2026: clocks go from 02:00 to 03:00, so 02:00 does not exist that night;
        // the sync is not dropped but runs at 03:00 summer time (UTC+2), and the night
        // after at 02:00 summer time.
        assert_eq!(
            next_fire(&nightly, berlin, at("2026-03-28T12:00:00Z")),
            Some(at("2026-03-29T01:00:00Z"))
        );
        assert_eq!(
            next_fire(&nightly, berlin, at("2026-03-29T01:00:00Z")),
            Some(at("2026-03-30T00:00:00Z"))
        );
        let new_york = chrono_tz::America::New_York;
        assert_eq!(
            next_fire(&nightly, new_york, at("2026-07-01T12:00:00Z")),
            Some(at("2026-07-02T06:00:00Z"))
        );
    }

    #[test]
    fn a_schedule_that_never_fires_again_has_no_next_fire() {
        let once = schedule("0 0 0 1 1 * 2025");
        assert_eq!(
            next_fire(&once, chrono_tz::UTC, at("2026-01-01T00:00:00Z")),
            None
        );
    }

    #[test]
    fn ticks_read_what_they_print_and_run_as_their_schedule_says() {
        for tick in [Tick::Incremental, Tick::Full] {
            assert_eq!(Tick::parse(tick.name()), Some(tick));
        }
        assert_eq!(Tick::parse("hourly"), None);
        assert_eq!(Tick::Full.mode(), Mode::FULL);
        assert_eq!(Tick::Incremental.trigger(), RunTrigger::Schedule);
        assert_eq!(Tick::Full.trigger(), RunTrigger::FullSchedule);
    }

    #[tokio::test]
    async fn the_scheduler_takes_the_configured_expressions_and_the_zone_offset() {
        let config = ScheduleConfig {
            incremental: schedule("0 */15 * * * *"),
            full: schedule("0 0 2 * * *"),
            timezone: chrono_tz::Europe::Berlin,
        };
        let fire: Fire = Arc::new(|_| {});
        let scheduler = Scheduler::start(&config, fire).await.unwrap();
        let now = Utc::now();
        assert!(!scheduler.offset_changed(now));
        // Berlin is UTC+1 in winter and UTC+2 in summer: one of the two differs from now.
        let winter = at("2026-01-15T12:00:00Z");
        let summer = at("2026-07-15T12:00:00Z");
        assert_ne!(
            scheduler.offset_changed(winter),
            scheduler.offset_changed(summer)
        );
        scheduler.stop().await;
    }
}
