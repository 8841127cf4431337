//! Streams a generated org and reports its size and speed.
//!
//! `cargo run --release --example generate_org -- [ACCOUNTS] [SEED]` (defaults: 100000, 42).
//! Records are dropped as they arrive after a cheap fold over their fields, so the peak
//! memory printed is the generator's own.

use std::time::Instant;

use chrono::{TimeZone, Utc};
use emulator::generate::{GenValue, GenerateSpec, generate_with_summary};

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let accounts = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let seed = args.next().and_then(|a| a.parse().ok()).unwrap_or(42);
    let Some(now) = Utc.with_ymd_and_hms(2026, 3, 2, 9, 30, 0).single() else {
        return;
    };
    let spec = GenerateSpec {
        accounts,
        seed,
        now,
    };
    let started = Instant::now();
    let mut fields = 0u64;
    let mut text_bytes = 0u64;
    let summary = generate_with_summary(&spec, |record| {
        fields += record.fields.len() as u64;
        for (_, value) in &record.fields {
            if let GenValue::Text(text) = value {
                text_bytes += text.len() as u64;
            }
        }
    });
    let elapsed = started.elapsed();
    print!("{summary}");
    println!(
        "{fields} fields, {text_bytes} text bytes; {:.2} s ({:.0} records/s); peak RSS {} KiB",
        elapsed.as_secs_f64(),
        summary.total_records() as f64 / elapsed.as_secs_f64(),
        peak_rss_kib().map_or_else(|| "?".to_owned(), |k| k.to_string())
    );
}
