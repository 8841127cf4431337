//! Progress as the operator sees it: bars that log lines never break on a terminal, and
//! plain, spaced lines elsewhere. Each test installs its own subscriber for its own thread,
//! as `main` would for the process.

use std::io::{self, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use indicatif::{InMemoryTerm, ProgressDrawTarget, TermLike};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;

use super::Progress;

/// Log lines collected in memory (the JSON form's tests read them too).
#[derive(Clone, Default)]
pub(crate) struct Lines(Arc<Mutex<Vec<u8>>>);

impl Lines {
    pub(crate) fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

impl Write for Lines {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Lines {
    type Writer = Lines;
    fn make_writer(&'a self) -> Lines {
        self.clone()
    }
}

/// Log lines written to an in-memory terminal, where the bars are drawn too.
#[derive(Clone)]
struct Terminal(InMemoryTerm);

impl Write for Terminal {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let text = std::str::from_utf8(buf).map_err(io::Error::other)?;
        // The terminal emulator wants a carriage return before each line feed, as a tty's
        // output processing adds it.
        self.0.write_str(&text.replace('\n', "\r\n"))?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

impl<'a> MakeWriter<'a> for Terminal {
    type Writer = Terminal;
    fn make_writer(&'a self) -> Terminal {
        self.clone()
    }
}

/// Runs `f` under a subscriber like `main`'s: the hub `progress` as a layer, and human log
/// lines through its writer into `out`.
fn with_subscriber<M, T>(progress: &Progress, out: M, f: impl FnOnce() -> T) -> T
where
    M: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let subscriber = tracing_subscriber::registry().with(progress.clone()).with(
        tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_writer(progress.log_writer(out)),
    );
    tracing::subscriber::with_default(subscriber, f)
}

fn count(text: &str, needle: &str) -> usize {
    text.lines().filter(|line| line.contains(needle)).count()
}

#[test]
fn without_a_terminal_a_task_logs_a_line_per_interval_and_a_done_line() {
    let lines = Lines::default();
    let progress = Progress::lines(Duration::ZERO);
    with_subscriber(&progress, lines.clone(), || {
        let mut task = Progress::current().start("extract Account", Some(5));
        assert!(!Progress::current().shows_bars());
        task.advance(3);
        task.advance(2);
        task.finish();
    });
    let text = lines.text();
    assert_eq!(count(&text, "Started."), 1, "{text}");
    assert_eq!(count(&text, "Progress."), 2, "{text}");
    assert_eq!(
        count(&text, "task=\"extract Account\" done=5 total=5"),
        2,
        "the last progress line and the done line: {text}"
    );
    assert_eq!(count(&text, "Done."), 1, "{text}");
}

#[test]
fn progress_lines_are_spaced_by_the_interval() {
    let lines = Lines::default();
    let progress = Progress::lines(Duration::from_secs(3600));
    with_subscriber(&progress, lines.clone(), || {
        let mut task = Progress::current().start("backfill", None);
        for _ in 0..100 {
            task.advance(1);
        }
        assert_eq!(task.done(), 100);
        task.finish();
    });
    let text = lines.text();
    assert_eq!(count(&text, "Progress."), 0, "{text}");
    assert_eq!(count(&text, "done=100"), 1, "{text}");
}

#[test]
fn without_a_hub_in_the_subscriber_progress_falls_back_to_lines() {
    assert!(!Progress::current().shows_bars());
    let lines = Lines::default();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer().with_writer(lines.clone()));
    tracing::subscriber::with_default(subscriber, || {
        assert!(!Progress::current().shows_bars());
    });
}

#[test]
fn on_a_terminal_log_lines_stay_whole_above_the_bar() {
    let term = InMemoryTerm::new(10, 160);
    let progress = Progress::bars_on(ProgressDrawTarget::term_like(Box::new(term.clone())));
    with_subscriber(&progress, Terminal(term.clone()), || {
        let hub = Progress::current();
        assert!(hub.shows_bars(), "the hub travels with the subscriber");
        let mut task = hub.start("extract Account", Some(10));
        task.advance(4);
        tracing::info!(object = "Account", "A line logged while the bar shows.");
        let screen = term.contents();
        let rows: Vec<&str> = screen.lines().collect();
        let logged = rows
            .iter()
            .position(|row| row.contains("A line logged while the bar shows."))
            .unwrap_or_else(|| panic!("the line is on screen:\n{screen}"));
        let bar = rows
            .iter()
            .position(|row| row.contains("extract Account [") && row.contains("4/10"))
            .unwrap_or_else(|| panic!("the bar is on screen at 4/10:\n{screen}"));
        assert!(logged < bar, "the line is above the bar:\n{screen}");
        assert!(
            !rows[logged].contains('['),
            "no bar inside the line:\n{screen}"
        );
        assert_eq!(count(&screen, "Progress."), 0, "the bar replaces the lines");
        task.finish();
        let screen = term.contents();
        assert!(!screen.contains("4/10"), "the bar is gone:\n{screen}");
        assert_eq!(count(&screen, "Done."), 1, "{screen}");
    });
}

#[test]
fn a_task_learns_its_total_late_and_an_unfinished_task_clears_its_bar() {
    let term = InMemoryTerm::new(10, 160);
    let progress = Progress::bars_on(ProgressDrawTarget::term_like(Box::new(term.clone())));
    with_subscriber(&progress, Terminal(term.clone()), || {
        let mut task = Progress::current().start("Bulk job", None);
        task.advance(7);
        task.set_total(20);
        tracing::info!("Redraw.");
        let screen = term.contents();
        assert!(screen.contains("7/20"), "{screen}");
        drop(task);
        tracing::info!("After.");
        let screen = term.contents();
        assert!(!screen.contains("7/20"), "{screen}");
        assert_eq!(count(&screen, "Done."), 0, "{screen}");
    });
}
