//! The emulator's clock: every timestamp it writes, every token lifetime and every rolling
//! window is measured on it, so tests move time forward instead of sleeping.
//!
//! It either follows the system clock (plus an offset that `advance` grows) or stands still
//! at a set instant (after `set`, and always in tests that start it fixed). It must never be
//! bypassed by a direct `Utc::now()` elsewhere in the emulator, and nothing in the emulator
//! waits on real time except through [`Clock::wait_until`], which a stopped clock turns into
//! a wait for the test to move it.

use std::sync::Mutex;

use chrono::{DateTime, Duration, TimeZone, Utc};
use tokio::sync::Notify;

#[derive(Debug, Clone, Copy)]
enum Mode {
    /// The system clock shifted by this many milliseconds.
    System { offset_ms: i64 },
    /// A fixed instant, in milliseconds since the epoch.
    Fixed { at_ms: i64 },
}

/// A settable, advanceable clock shared by the whole emulator.
#[derive(Debug)]
pub struct Clock {
    mode: Mutex<Mode>,
    /// Wakes every [`Clock::wait_until`] when the clock is set or advanced.
    moved: Notify,
}

impl Clock {
    /// A clock that follows the system clock.
    pub fn system() -> Self {
        Self {
            mode: Mutex::new(Mode::System { offset_ms: 0 }),
            moved: Notify::new(),
        }
    }

    /// A clock that stands still at `at` until set or advanced.
    pub fn fixed(at: DateTime<Utc>) -> Self {
        Self {
            mode: Mutex::new(Mode::Fixed {
                at_ms: at.timestamp_millis(),
            }),
            moved: Notify::new(),
        }
    }

    /// The current instant in milliseconds since the epoch.
    pub fn now_ms(&self) -> i64 {
        let mode = *self.mode.lock().unwrap_or_else(|e| e.into_inner());
        match mode {
            Mode::System { offset_ms } => Utc::now().timestamp_millis().saturating_add(offset_ms),
            Mode::Fixed { at_ms } => at_ms,
        }
    }

    /// The current instant.
    pub fn now(&self) -> DateTime<Utc> {
        from_ms(self.now_ms())
    }

    /// Stops the clock at `at`.
    pub fn set(&self, at: DateTime<Utc>) {
        *self.mode.lock().unwrap_or_else(|e| e.into_inner()) = Mode::Fixed {
            at_ms: at.timestamp_millis(),
        };
        self.moved.notify_waiters();
    }

    /// Sets the clock to `at` and lets it run from there with the system clock.
    pub fn run_from(&self, at: DateTime<Utc>) {
        let offset_ms = at
            .timestamp_millis()
            .saturating_sub(Utc::now().timestamp_millis());
        *self.mode.lock().unwrap_or_else(|e| e.into_inner()) = Mode::System { offset_ms };
        self.moved.notify_waiters();
    }

    /// Moves the clock forward (or back, for a negative duration).
    pub fn advance(&self, by: Duration) {
        let mut mode = self.mode.lock().unwrap_or_else(|e| e.into_inner());
        let delta = by.num_milliseconds();
        *mode = match *mode {
            Mode::System { offset_ms } => Mode::System {
                offset_ms: offset_ms.saturating_add(delta),
            },
            Mode::Fixed { at_ms } => Mode::Fixed {
                at_ms: at_ms.saturating_add(delta),
            },
        };
        drop(mode);
        self.moved.notify_waiters();
    }

    /// Waits until the clock reads `deadline_ms` or later. A clock that follows the system
    /// clock gets there by itself (a tokio timer, so paused tokio time drives it too); a
    /// stopped clock only when a test sets or advances it, so a test never waits on real
    /// time for it.
    pub async fn wait_until(&self, deadline_ms: i64) {
        loop {
            // Registered before the clock is read, so a move in between is not missed.
            let moved = self.moved.notified();
            tokio::pin!(moved);
            moved.as_mut().enable();
            let mode = *self.mode.lock().unwrap_or_else(|e| e.into_inner());
            let remaining = deadline_ms.saturating_sub(self.now_ms());
            if remaining <= 0 {
                return;
            }
            match mode {
                Mode::System { .. } => {
                    let timer = std::time::Duration::from_millis(remaining.unsigned_abs());
                    tokio::select! {
                        () = tokio::time::sleep(timer) => {}
                        () = &mut moved => {}
                    }
                }
                Mode::Fixed { .. } => moved.await,
            }
        }
    }
}

/// Milliseconds since the epoch as a UTC instant (the epoch itself when out of range).
pub fn from_ms(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

/// `ms` cut to the whole second before it. An org keeps its audit timestamps (CreatedDate,
/// LastModifiedDate, SystemModstamp) to the second: they read `...:40.000+0000`, and "the
/// system currently ignores the milliseconds for the purposes of considering two values
/// equal" (https://salesforce.stackexchange.com/questions/234824). A client that keeps a
/// watermark with milliseconds must therefore compare with `>=`, which this makes testable.
pub fn whole_second(ms: i64) -> i64 {
    ms - ms.rem_euclid(1000)
}

/// The REST API's dateTime format: `2021-11-06T17:38:40.000+0000` (salesforce-api.md 2.5;
/// offset without a colon, always three fractional digits).
pub fn format_datetime(ms: i64) -> String {
    use chrono::{Datelike, Timelike};
    // Written by hand: chrono's strftime parsing showed up when loading large orgs.
    let at = from_ms(ms);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}+0000",
        at.year(),
        at.month(),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.timestamp_subsec_millis()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_stopped_clock_wakes_waiters_only_when_moved_past_the_deadline() {
        let start = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
        let clock = std::sync::Arc::new(Clock::fixed(start));
        let deadline = start.timestamp_millis() + 250;
        let waiter = tokio::spawn({
            let clock = std::sync::Arc::clone(&clock);
            async move { clock.wait_until(deadline).await }
        });
        tokio::task::yield_now().await;
        clock.advance(Duration::milliseconds(100));
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished(), "woke 150 ms before its deadline");
        clock.advance(Duration::milliseconds(150));
        tokio::time::timeout(std::time::Duration::from_secs(5), waiter)
            .await
            .expect("the waiter wakes once the clock reaches its deadline")
            .unwrap();
    }

    #[tokio::test]
    async fn a_running_clock_wakes_waiters_when_advanced_too() {
        let clock = Clock::system();
        let deadline = clock.now_ms() + 3_600_000;
        let wait = clock.wait_until(deadline);
        tokio::pin!(wait);
        // Polled once: an hour away, it is pending on its timer.
        tokio::select! {
            biased;
            () = &mut wait => panic!("returned an hour early"),
            () = std::future::ready(()) => {}
        }
        clock.advance(Duration::hours(1));
        tokio::time::timeout(std::time::Duration::from_secs(5), wait)
            .await
            .expect("the advance wakes the waiter");
    }

    #[test]
    fn fixed_clock_moves_only_when_told() {
        let start = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
        let clock = Clock::fixed(start);
        assert_eq!(clock.now(), start);
        clock.advance(Duration::hours(2));
        assert_eq!(clock.now(), start + Duration::hours(2));
        assert_eq!(
            format_datetime(clock.now_ms()),
            "2026-03-01T14:00:00.000+0000"
        );
    }
}
