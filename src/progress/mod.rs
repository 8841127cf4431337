//! Progress of long operations (extraction pages, Bulk jobs, backfill months): a bar when a
//! person watches stderr, plain log lines otherwise.
//!
//! It owns the progress bars and the writer that keeps log lines out of them. It never
//! installs a tracing subscriber (only `main` does), never reads the environment or decides
//! whether stderr is a terminal (`main` decides and builds the right [`Progress`]), and
//! never reports record values: a task has a name, counts and a total.
//!
//! # How a long operation reports progress
//!
//! ```
//! use vitals::progress::Progress;
//!
//! let pages = vec![vec![1, 2, 3], vec![4, 5]];
//! // The hub `main` installed with the tracing subscriber (log lines when there is none).
//! let mut task = Progress::current().start("extract Account", Some(5));
//! for page in &pages {
//!     // ... store the page ...
//!     task.advance(page.len() as u64);
//! }
//! task.finish();
//! ```
//!
//! - [`Progress::current`] finds the hub in the current tracing dispatcher, so code deep in
//!   a sync or a backfill needs no handle passed down; it works inside spans and on any
//!   thread that runs under the process's subscriber.
//! - [`Progress::start`] begins a [`Task`]: its name says what is counted (`"extract
//!   Account"`, `"Bulk job 750..."`, `"backfill"`), the total is `None` while unknown
//!   (a Bulk query learns its row count late: call [`Task::set_total`] then).
//! - [`Task::advance`] adds what was done; [`Task::finish`] ends the task with a `Done.` log
//!   line. A task dropped unfinished (an error path) clears its bar and logs nothing more,
//!   since the error is logged where it is handled.
//!
//! # What the operator sees
//!
//! - **Bars** ([`Progress::bars`]; `main` chooses them when stderr is a terminal and the
//!   log format is human): one indicatif bar per running task, below the log lines. Log
//!   lines go through [`Progress::log_writer`], which hides the bars while it writes a line
//!   and draws them again after, so a line never lands inside a bar.
//! - **Lines** ([`Progress::lines`]; otherwise, e.g. under systemd or with JSON logs): a
//!   `Started.` line, a `Progress.` line at most every [`LINE_INTERVAL`] (fields `task`,
//!   `done`, `total`), and `Done.` with the count and the elapsed time.

#[cfg(test)]
pub(crate) mod tests;

use std::fmt;
use std::io::{self, Write};
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use tracing::Subscriber;
use tracing_subscriber::Layer;
use tracing_subscriber::fmt::MakeWriter;

/// How often a task logs a `Progress.` line when no bar shows it.
pub const LINE_INTERVAL: Duration = Duration::from_secs(10);

/// A bar with a known total: what, how far, how fast, how long still.
const BAR_TEMPLATE: &str = "{prefix} [{bar:30}] {human_pos}/{human_len} {per_sec} ETA {eta}";

/// A task whose total is not known yet: what, and how many so far.
const SPINNER_TEMPLATE: &str = "{prefix} {spinner} {human_pos} {per_sec}";

/// Where tasks report: bars on a terminal, or log lines.
///
/// It is also a tracing [`Layer`] that does nothing but travel with the subscriber, so
/// that [`Progress::current`] finds it; `main` adds it to the subscriber it installs.
#[derive(Clone)]
pub struct Progress {
    bars: Option<MultiProgress>,
    interval: Duration,
}

impl fmt::Debug for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Progress")
            .field("bars", &self.bars.is_some())
            .field("interval", &self.interval)
            .finish()
    }
}

impl Progress {
    /// Bars drawn on stderr.
    pub fn bars() -> Self {
        Self::bars_on(ProgressDrawTarget::stderr())
    }

    /// Bars drawn on `target` (tests draw on an in-memory terminal).
    pub fn bars_on(target: ProgressDrawTarget) -> Self {
        Self {
            bars: Some(MultiProgress::with_draw_target(target)),
            interval: LINE_INTERVAL,
        }
    }

    /// Log lines, a `Progress.` line at most every `interval` per task.
    pub fn lines(interval: Duration) -> Self {
        Self {
            bars: None,
            interval,
        }
    }

    /// The hub installed with the current tracing subscriber; log lines every
    /// [`LINE_INTERVAL`] when the subscriber carries none (tests, a library user).
    pub fn current() -> Self {
        tracing::dispatcher::get_default(|dispatch| dispatch.downcast_ref::<Progress>().cloned())
            .unwrap_or_else(|| Self::lines(LINE_INTERVAL))
    }

    /// Whether tasks show as bars.
    pub fn shows_bars(&self) -> bool {
        self.bars.is_some()
    }

    /// The writer for the log lines: `inner` (stderr, for `main`), with the bars hidden while
    /// a line is written so that lines and bars never mix.
    pub fn log_writer<M>(&self, inner: M) -> LogWriter<M> {
        LogWriter {
            bars: self.bars.clone(),
            inner,
        }
    }

    /// Starts a task named `name` (what is counted), with `total` when known.
    pub fn start(&self, name: &'static str, total: Option<u64>) -> Task {
        let bar = self
            .bars
            .as_ref()
            .map(|bars| bars.add(new_bar(name, total)));
        tracing::info!(task = name, total, "Started.");
        let now = Instant::now();
        Task {
            name,
            bar,
            total,
            done: 0,
            interval: self.interval,
            started: now,
            last_line: now,
        }
    }
}

impl<S: Subscriber> Layer<S> for Progress {}

/// A bar for a task: a bar when the total is known, a spinner while it is not.
fn new_bar(name: &'static str, total: Option<u64>) -> ProgressBar {
    let bar = match total {
        Some(total) => ProgressBar::new(total).with_style(bar_style()),
        None => ProgressBar::new_spinner().with_style(spinner_style()),
    };
    bar.with_prefix(name)
}

fn bar_style() -> ProgressStyle {
    ProgressStyle::with_template(BAR_TEMPLATE)
        .map(|style| style.progress_chars("=> "))
        .unwrap_or_else(|_| ProgressStyle::default_bar())
}

fn spinner_style() -> ProgressStyle {
    ProgressStyle::with_template(SPINNER_TEMPLATE)
        .unwrap_or_else(|_| ProgressStyle::default_spinner())
}

/// One long operation's progress. See the module docs.
#[derive(Debug)]
pub struct Task {
    name: &'static str,
    bar: Option<ProgressBar>,
    total: Option<u64>,
    done: u64,
    interval: Duration,
    started: Instant,
    last_line: Instant,
}

impl Task {
    /// Adds `n` to what is done.
    pub fn advance(&mut self, n: u64) {
        self.done = self.done.saturating_add(n);
        match &self.bar {
            Some(bar) => bar.set_position(self.done),
            None => self.line_when_due(),
        }
    }

    /// Sets the total once it is known (or when it changes).
    pub fn set_total(&mut self, total: u64) {
        self.total = Some(total);
        if let Some(bar) = &self.bar {
            bar.set_style(bar_style());
            bar.set_length(total);
        }
    }

    /// What is done so far.
    pub fn done(&self) -> u64 {
        self.done
    }

    /// Ends the task: its bar goes, and a `Done.` line says how much and how long.
    pub fn finish(mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        let elapsed_ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        tracing::info!(
            task = self.name,
            done = self.done,
            total = self.total,
            elapsed_ms,
            "Done."
        );
    }

    fn line_when_due(&mut self) {
        let now = Instant::now();
        if now.duration_since(self.last_line) < self.interval {
            return;
        }
        self.last_line = now;
        tracing::info!(
            task = self.name,
            done = self.done,
            total = self.total,
            "Progress."
        );
    }
}

impl Drop for Task {
    fn drop(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

/// The log lines' writer: see [`Progress::log_writer`].
#[derive(Clone)]
pub struct LogWriter<M> {
    bars: Option<MultiProgress>,
    inner: M,
}

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for LogWriter<M> {
    type Writer = LineWriter<'a, M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        LineWriter {
            bars: self.bars.as_ref(),
            inner: self.inner.make_writer(),
        }
    }
}

/// Writes one log line with the bars hidden.
pub struct LineWriter<'a, W> {
    bars: Option<&'a MultiProgress>,
    inner: W,
}

impl<W: Write> Write for LineWriter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self.bars {
            // The formatter hands over a whole line in one call, so one suspension keeps
            // the line whole; writing all of it inside keeps the bars' redraw after it.
            Some(bars) => {
                let inner = &mut self.inner;
                bars.suspend(|| inner.write_all(buf)).map(|()| buf.len())
            }
            None => self.inner.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
