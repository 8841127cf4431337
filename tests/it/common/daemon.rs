//! `vitals run` as a child process: JSON log lines on stderr read as they come, the
//! operations address taken from the line that announces it, the hidden stdin seam to fire
//! ticks and resume a paused run, and SIGTERM / SIGKILL. Every wait is on a line or an
//! exit, with a deadline; nothing sleeps.

use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin};
use tokio::sync::mpsc;

use super::cli::Cli;

/// How long any one wait may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(120);

/// A configuration tail for the daemon: a free loopback port, schedules that do not fire
/// during a test (a daily incremental at 03:17:43 UTC, a yearly full), and `extra`.
pub fn daemon_config(shutdown_timeout: &str, extra: &str) -> String {
    format!(
        r#"
[daemon]
listen = "127.0.0.1:0"
shutdown_timeout = "{shutdown_timeout}"
ready_max_age = "25h"

[schedule]
incremental = "43 17 3 * * *"
full = "0 0 4 1 1 *"
timezone = "UTC"
{extra}"#
    )
}

/// A running daemon.
pub struct Daemon {
    pub child: Child,
    stdin: Option<ChildStdin>,
    lines: mpsc::UnboundedReceiver<String>,
    /// Every stderr line read so far, for failure messages.
    pub seen: Vec<String>,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    http: reqwest::Client,
}

impl Daemon {
    /// Starts `vitals run` with `args` and waits until it serves its endpoints.
    pub async fn start(cli: &Cli, args: &[&str]) -> Daemon {
        let mut command = cli.command("run", args);
        command
            .arg("--log-format")
            .arg("json")
            .arg("--ticks-from-stdin")
            .env("RUST_LOG", "info")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = command.spawn().unwrap();
        let stdin = child.stdin.take();
        let mut stderr = BufReader::new(child.stderr.take().unwrap()).lines();
        let (tx, lines) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok(Some(line)) = stderr.next_line().await {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        let mut daemon = Daemon {
            child,
            stdin,
            lines,
            seen: Vec::new(),
            base: String::new(),
            http: reqwest::Client::new(),
        };
        let line = daemon
            .log("Serving /healthz, /readyz, /metrics and the console.")
            .await;
        daemon.base = format!("http://{}", line["address"].as_str().unwrap());
        daemon
    }

    /// Waits for a raw stderr line containing `text`.
    pub async fn line(&mut self, text: &str) -> String {
        self.until(text, |line| line.contains(text)).await
    }

    /// Waits for the next JSON log line whose message is `message`.
    pub async fn log(&mut self, message: &str) -> Value {
        let line = self
            .until(message, |line| {
                serde_json::from_str::<Value>(line)
                    .is_ok_and(|v| v["message"].as_str() == Some(message))
            })
            .await;
        serde_json::from_str(&line).unwrap()
    }

    async fn until(&mut self, what: &str, found: impl Fn(&str) -> bool) -> String {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            match tokio::time::timeout_at(deadline, self.lines.recv()).await {
                Ok(Some(line)) => {
                    self.seen.push(line.clone());
                    if found(&line) {
                        return line;
                    }
                }
                Ok(None) => panic!(
                    "the daemon's stderr ended before {what:?}:\n{}",
                    self.seen.join("\n")
                ),
                Err(_) => panic!("no {what:?} within {WAIT:?}:\n{}", self.seen.join("\n")),
            }
        }
    }

    /// Sends a line to the stdin seam (`incremental`, `full`, `resume`).
    pub async fn send(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().unwrap();
        stdin
            .write_all(format!("{line}\n").as_bytes())
            .await
            .unwrap();
        stdin.flush().await.unwrap();
    }

    /// GET `path`: status and body.
    pub async fn get(&self, path: &str) -> (u16, String) {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.text().await.unwrap())
    }

    /// The value of one sample in `/metrics` (`name{labels}` exactly as rendered, labels
    /// in the exporter's order), or `None` when absent.
    pub async fn metric(&self, sample: &str) -> Option<f64> {
        let (status, body) = self.get("/metrics").await;
        assert_eq!(status, 200);
        sample_value(&body, sample)
    }

    /// Sends SIGTERM and waits for the exit (with a deadline); the exit code and how long
    /// it took.
    pub async fn terminate(&mut self) -> (Option<i32>, Duration) {
        let pid = self.child.id().unwrap();
        let started = Instant::now();
        let status = std::process::Command::new("kill")
            .arg("-TERM")
            .arg(pid.to_string())
            .status()
            .unwrap();
        assert!(status.success());
        let exit = tokio::time::timeout(WAIT, self.child.wait())
            .await
            .expect("the daemon exits after SIGTERM")
            .unwrap();
        // The rest of stderr, for the assertions on the last lines.
        while let Ok(Some(line)) =
            tokio::time::timeout(Duration::from_secs(5), self.lines.recv()).await
        {
            self.seen.push(line);
        }
        (exit.code(), started.elapsed())
    }

    /// SIGKILL, and the wait for the exit.
    #[cfg_attr(
        not(feature = "postgres-tests"),
        allow(dead_code, reason = "the HA test's")
    )]
    pub async fn kill(&mut self) {
        self.child.start_kill().unwrap();
        let status = self.child.wait().await.unwrap();
        assert_eq!(status.code(), None, "killed by a signal");
    }

    /// A logged line with this message, among the lines read so far.
    pub fn logged(&self, message: &str) -> Option<Value> {
        self.seen
            .iter()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .find(|v| v["message"].as_str() == Some(message))
    }
}

/// The value of `sample` in a Prometheus text body.
pub fn sample_value(body: &str, sample: &str) -> Option<f64> {
    body.lines()
        .filter(|line| !line.starts_with('#'))
        .find_map(|line| {
            let (name, value) = line.rsplit_once(' ')?;
            (name == sample).then(|| value.parse().ok()).flatten()
        })
}
