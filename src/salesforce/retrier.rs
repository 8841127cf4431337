//! The one retry loop every Salesforce call runs in.
//!
//! [`Retrier::run`] repeats an attempt while [`retry::classify`](super::retry::classify)
//! and [`retry::may_retry`](super::retry::may_retry) allow it, pausing as the
//! [`RetryPolicy`] says. API requests and token grants both go through it, so there is one
//! place that decides whether to try again. The pause goes through an injected [`Sleeper`]
//! so tests can record the delays instead of waiting them out.

use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::error::{SalesforceError, TransportKind};
use super::retry::{Idempotency, Observed, RetryClass, RetryPolicy, may_retry, retry_cap};

/// Waits between attempts.
pub trait Sleeper: Send + Sync + std::fmt::Debug {
    /// Returns a future that completes after `delay`.
    fn sleep(&self, delay: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>>;
}

/// The production sleeper: `tokio::time::sleep`.
#[derive(Debug, Default, Clone, Copy)]
pub struct TokioSleeper;

impl Sleeper for TokioSleeper {
    fn sleep(&self, delay: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(tokio::time::sleep(delay))
    }
}

/// A sleeper that returns at once and remembers every delay it was asked for, so tests
/// can assert the backoff without waiting.
#[derive(Debug, Default)]
pub struct RecordingSleeper {
    delays: Mutex<Vec<Duration>>,
}

impl RecordingSleeper {
    /// The delays asked for so far.
    pub fn delays(&self) -> Vec<Duration> {
        self.delays
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

impl Sleeper for RecordingSleeper {
    fn sleep(&self, delay: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        self.delays
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(delay);
        Box::pin(std::future::ready(()))
    }
}

/// Counters of what the retry loop did, for the run report and tests.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct RetryStats {
    /// Attempts that were repeated after a failure.
    pub retries: u64,
    /// Failures given up on.
    pub failures: u64,
}

/// The policy, the sleeper and the jitter source, shared by every call of one client.
#[derive(Debug)]
pub struct Retrier {
    policy: RetryPolicy,
    sleeper: std::sync::Arc<dyn Sleeper>,
    rng: Mutex<ChaCha8Rng>,
    retries: AtomicU64,
    failures: AtomicU64,
}

impl SalesforceError {
    /// The transport failure kind, when the error is one.
    pub(crate) fn transport_kind(&self) -> Option<TransportKind> {
        match self {
            SalesforceError::Transport { kind, .. } => Some(*kind),
            _ => None,
        }
    }

    /// A lower cap on retries for this kind of failure, if it has one.
    fn retry_cap(&self) -> Option<(&'static str, u32)> {
        match self {
            SalesforceError::Api { status, errors, .. } => retry_cap(&Observed::Status {
                status: *status,
                errors,
            }),
            _ => None,
        }
    }

    /// The delay the response asked for, if any.
    fn retry_after(&self) -> Option<Duration> {
        match self {
            SalesforceError::Api { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

impl Retrier {
    /// A retrier with the given policy and sleeper. `seed` makes jitter reproducible.
    pub fn new(policy: RetryPolicy, sleeper: std::sync::Arc<dyn Sleeper>, seed: u64) -> Self {
        Self {
            policy,
            sleeper,
            rng: Mutex::new(ChaCha8Rng::seed_from_u64(seed)),
            retries: AtomicU64::new(0),
            failures: AtomicU64::new(0),
        }
    }

    /// What the loop has done so far.
    pub fn stats(&self) -> RetryStats {
        RetryStats {
            retries: self.retries.load(Ordering::Relaxed),
            failures: self.failures.load(Ordering::Relaxed),
        }
    }

    /// Runs `attempt` (given the 1-based attempt number) until it succeeds, fails in a way
    /// that must not be retried, or the policy's attempts are spent.
    ///
    /// An [`RetryClass::AuthExpired`] failure reaching this loop is not retried here: the
    /// attempt itself refreshes the token once and resends (see `salesforce::http`), so a
    /// second expiry means the fresh token was refused too.
    ///
    /// # Errors
    /// The last attempt's error.
    pub async fn run<T, F, Fut>(
        &self,
        idempotency: Idempotency,
        mut attempt: F,
    ) -> Result<T, SalesforceError>
    where
        F: FnMut(u32) -> Fut,
        Fut: Future<Output = Result<T, SalesforceError>>,
    {
        let mut number = 1;
        let mut capped: Vec<(&'static str, u32)> = Vec::new();
        loop {
            let error = match attempt(number).await {
                Ok(value) => return Ok(value),
                Err(error) => error,
            };
            let class = error.retry_class();
            let mut retry = class != RetryClass::AuthExpired
                && may_retry(class, idempotency, error.transport_kind())
                && self.policy.allows_another(number);
            if retry && let Some((kind, cap)) = error.retry_cap() {
                match capped.iter_mut().find(|(k, _)| *k == kind) {
                    Some((_, used)) if *used >= cap => retry = false,
                    Some((_, used)) => *used += 1,
                    None => capped.push((kind, 1)),
                }
            }
            if !retry {
                self.failures.fetch_add(1, Ordering::Relaxed);
                return Err(error);
            }
            let backoff = {
                let mut rng = self
                    .rng
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                self.policy.delay(number, &mut *rng)
            };
            // A server-requested delay is honoured, but never beyond the policy's cap.
            let delay = error.retry_after().map_or(backoff, |asked| {
                backoff.max(asked.min(self.policy.max_delay))
            });
            let delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
            tracing::warn!(attempt = number, ?class, delay_ms, error = %error, "Retrying Salesforce call.");
            self.retries.fetch_add(1, Ordering::Relaxed);
            self.sleeper.sleep(delay).await;
            number += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::salesforce::error::ApiError;
    use crate::salesforce::retry::Jitter;

    fn unavailable() -> SalesforceError {
        SalesforceError::Api {
            method: "GET".into(),
            path: "/x".into(),
            status: 503,
            errors: vec![ApiError {
                code: "SERVER_UNAVAILABLE".into(),
                message: "down".into(),
                fields: vec![],
            }],
            excerpt: None,
            retry_after: None,
        }
    }

    fn retrier(sleeper: Arc<RecordingSleeper>) -> Retrier {
        Retrier::new(
            RetryPolicy {
                max_attempts: 4,
                base_delay: Duration::from_millis(100),
                max_delay: Duration::from_millis(250),
                jitter: Jitter::None,
            },
            sleeper,
            1,
        )
    }

    #[tokio::test]
    async fn transient_failures_are_retried_with_backoff_until_success() {
        let sleeper = Arc::new(RecordingSleeper::default());
        let retrier = retrier(sleeper.clone());
        let result = retrier
            .run(Idempotency::Idempotent, |n| async move {
                if n < 3 { Err(unavailable()) } else { Ok(n) }
            })
            .await
            .unwrap();
        assert_eq!(result, 3);
        assert_eq!(
            sleeper.delays(),
            vec![Duration::from_millis(100), Duration::from_millis(200)]
        );
        assert_eq!(retrier.stats().retries, 2);
    }

    #[tokio::test]
    async fn attempts_are_bounded_and_the_last_error_is_kept() {
        let sleeper = Arc::new(RecordingSleeper::default());
        let retrier = retrier(sleeper.clone());
        let mut calls = 0;
        let error = retrier
            .run(Idempotency::Idempotent, |_| {
                calls += 1;
                async { Err::<(), _>(unavailable()) }
            })
            .await
            .unwrap_err();
        assert_eq!(calls, 4);
        assert_eq!(error.error_code(), Some("SERVER_UNAVAILABLE"));
        assert_eq!(
            sleeper.delays(),
            vec![
                Duration::from_millis(100),
                Duration::from_millis(200),
                Duration::from_millis(250)
            ]
        );
        assert_eq!(retrier.stats().failures, 1);
    }

    #[tokio::test]
    async fn a_retry_after_is_honoured_up_to_the_cap() {
        let sleeper = Arc::new(RecordingSleeper::default());
        let retrier = retrier(sleeper.clone());
        let throttled = |secs: u64| SalesforceError::Api {
            method: "GET".into(),
            path: "/x".into(),
            status: 429,
            errors: vec![],
            excerpt: None,
            retry_after: Some(Duration::from_secs(secs)),
        };
        let attempt = retrier
            .run(Idempotency::Idempotent, |n| async move {
                match n {
                    1 => Err::<u32, _>(throttled(0)),
                    2 => Err(throttled(60)),
                    n => Ok(n),
                }
            })
            .await
            .unwrap();
        assert_eq!(attempt, 3);
        // A zero Retry-After keeps the backoff; a long one is cut to the 250 ms cap.
        assert_eq!(
            sleeper.delays(),
            vec![Duration::from_millis(100), Duration::from_millis(250)]
        );
    }

    #[tokio::test]
    async fn a_query_timeout_is_retried_once_only() {
        let sleeper = Arc::new(RecordingSleeper::default());
        let retrier = retrier(sleeper.clone());
        let mut calls = 0;
        let error = retrier
            .run(Idempotency::Idempotent, |_| {
                calls += 1;
                async {
                    Err::<(), _>(SalesforceError::Api {
                        method: "GET".into(),
                        path: "/x".into(),
                        status: 400,
                        errors: vec![ApiError {
                            code: "QUERY_TIMEOUT".into(),
                            message: "Your query request was running too long".into(),
                            fields: vec![],
                        }],
                        excerpt: None,
                        retry_after: None,
                    })
                }
            })
            .await
            .unwrap_err();
        assert_eq!(calls, 2);
        assert_eq!(error.error_code(), Some("QUERY_TIMEOUT"));
        assert_eq!(sleeper.delays(), vec![Duration::from_millis(100)]);
    }

    #[tokio::test]
    async fn a_non_idempotent_request_is_not_retried_after_a_5xx() {
        let sleeper = Arc::new(RecordingSleeper::default());
        let retrier = retrier(sleeper.clone());
        let mut calls = 0;
        let error = retrier
            .run(Idempotency::NonIdempotent, |_| {
                calls += 1;
                async { Err::<(), _>(unavailable()) }
            })
            .await
            .unwrap_err();
        assert_eq!(calls, 1);
        assert_eq!(error.error_code(), Some("SERVER_UNAVAILABLE"));
        assert_eq!(retrier.stats().failures, 1);
        assert!(sleeper.delays().is_empty());
    }
}
