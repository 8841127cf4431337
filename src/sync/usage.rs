//! What a run cost the process: CPU time and peak resident memory, from Linux's `/proc`
//! (elsewhere they are unknown), for the run report's phase times. Reading a file of the
//! kernel is the only I/O here; nothing here decides anything.

use std::time::{Duration, Instant};

use serde::Serialize;

use super::error::Phase;

/// The kernel's clock ticks per second in `/proc/self/stat` (`USER_HZ`, 100 on every
/// Linux architecture's ABI).
const TICKS_PER_SECOND: u64 = 100;

/// The CPU time (user and system, all threads) the process used so far.
pub(super) fn process_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name may hold spaces and parentheses: the fields start after the last ')'.
    let (_, rest) = stat.rsplit_once(')')?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `rest` starts at field 3 (state); utime and stime are fields 14 and 15.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(Duration::from_millis(
        (utime + stime).saturating_mul(1000 / TICKS_PER_SECOND),
    ))
}

/// The process's peak resident memory so far (`VmHWM`), in bytes.
pub fn peak_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find_map(|l| l.strip_prefix("VmHWM:"))?;
    let kib: u64 = line.trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kib.saturating_mul(1024))
}

/// How long one phase took.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PhaseTime {
    /// The phase.
    pub phase: Phase,
    /// Wall time, in seconds.
    pub seconds: f64,
    /// CPU time of the whole process meanwhile, in seconds, when known.
    pub cpu_seconds: Option<f64>,
}

/// A phase being timed.
pub(super) struct Timer {
    phase: Phase,
    started: Instant,
    cpu: Option<Duration>,
}

impl Timer {
    /// Starts timing a phase.
    pub(super) fn start(phase: Phase) -> Self {
        Self {
            phase,
            started: Instant::now(),
            cpu: process_cpu(),
        }
    }

    /// The phase's times.
    pub(super) fn stop(self) -> PhaseTime {
        let cpu = match (self.cpu, process_cpu()) {
            (Some(before), Some(after)) => Some(after.saturating_sub(before).as_secs_f64()),
            _ => None,
        };
        PhaseTime {
            phase: self.phase,
            seconds: self.started.elapsed().as_secs_f64(),
            cpu_seconds: cpu,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_time_and_peak_memory_are_read_on_linux() {
        if cfg!(target_os = "linux") {
            assert!(process_cpu().is_some());
            assert!(peak_memory().is_some_and(|bytes| bytes > 1024 * 1024));
        }
    }
}
