//! The emulator's clock: every timestamp it writes, every token lifetime and every rolling
//! window is measured on it, so tests move time forward instead of sleeping.
//!
//! It either follows the system clock (plus an offset that `advance` grows) or stands still
//! at a set instant (after `set`, and always in tests that start it fixed). It must never be
//! bypassed by a direct `Utc::now()` elsewhere in the emulator.

use std::sync::Mutex;

use chrono::{DateTime, Duration, TimeZone, Utc};

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
}

impl Clock {
    /// A clock that follows the system clock.
    pub fn system() -> Self {
        Self {
            mode: Mutex::new(Mode::System { offset_ms: 0 }),
        }
    }

    /// A clock that stands still at `at` until set or advanced.
    pub fn fixed(at: DateTime<Utc>) -> Self {
        Self {
            mode: Mutex::new(Mode::Fixed {
                at_ms: at.timestamp_millis(),
            }),
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
    }
}

/// Milliseconds since the epoch as a UTC instant (the epoch itself when out of range).
pub fn from_ms(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
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
