//! Whether and when to try a request again.
//!
//! Two pure parts, kept apart as in vector's `RetryLogic` and smithy's classifiers:
//! [`classify`] says what kind of failure an outcome is, and [`RetryPolicy`] says how long
//! to wait before attempt n. The one request path in `salesforce::http` combines them with
//! the request's idempotency. Nothing here sleeps or does I/O.

use std::time::Duration;

use rand::Rng;

use super::error::{ApiError, SalesforceError, TransportKind};

/// What kind of failure an outcome is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum RetryClass {
    /// Worth another try after a pause: connection errors, timeouts, 5xx, lock contention.
    Transient,
    /// Salesforce is shedding load: 429, 420, or the concurrent long-request limit.
    Throttled,
    /// The session expired: refresh the token once, then try again.
    AuthExpired,
    /// Trying again cannot help.
    Permanent,
    /// The org's daily allocation is spent: end the run cleanly, do not wait it out.
    DailyLimit,
}

/// An outcome to classify.
#[derive(Debug, Clone, Copy)]
pub enum Observed<'a> {
    /// No HTTP response arrived.
    Transport {
        /// What kind of transport failure.
        kind: TransportKind,
    },
    /// An HTTP error status with the parsed error body.
    Status {
        /// The status code.
        status: u16,
        /// The errors in the body (may be empty).
        errors: &'a [ApiError],
    },
}

/// 401 messages that are not an expired session, so refreshing cannot help
/// (jsforce does not treat them as expiry; salesforce-api.md 1.4).
const NON_EXPIRY_401_MESSAGES: &[&str] = &[
    "This session is not valid for use with the REST API",
    "Connected app is not attached to Agent",
    "BlackTab users cannot perform API operations",
];

/// Classifies an outcome: by `errorCode` first, HTTP status second (salesforce-api.md 2.3).
pub fn classify(observed: &Observed<'_>) -> RetryClass {
    let (status, errors) = match observed {
        Observed::Transport { .. } => return RetryClass::Transient,
        Observed::Status { status, errors } => (*status, *errors),
    };
    let has = |code: &str| errors.iter().any(|e| e.code == code);
    if has("REQUEST_LIMIT_EXCEEDED") {
        // One code, two limits: the rolling 24-hour allocation must end the run, the
        // concurrent long-request cap only needs a pause.
        let daily = errors
            .iter()
            .any(|e| e.code == "REQUEST_LIMIT_EXCEEDED" && e.message.contains("TotalRequests"));
        return if daily {
            RetryClass::DailyLimit
        } else {
            RetryClass::Throttled
        };
    }
    if has("UNABLE_TO_LOCK_ROW") || has("SERVER_UNAVAILABLE") || has("QUERY_TIMEOUT") {
        return RetryClass::Transient;
    }
    match status {
        401 => {
            let not_expiry = errors.iter().any(|e| {
                e.code == "INVALID_OPERATION_WITH_EXPIRED_PASSWORD"
                    || NON_EXPIRY_401_MESSAGES
                        .iter()
                        .any(|m| e.message.starts_with(m))
            });
            if not_expiry {
                RetryClass::Permanent
            } else {
                RetryClass::AuthExpired
            }
        }
        420 | 429 => RetryClass::Throttled,
        500 | 502 | 503 | 504 => RetryClass::Transient,
        _ => RetryClass::Permanent,
    }
}

/// Failures that may be retried, but fewer times than the policy allows
/// (salesforce-api.md 9): a query that timed out once, with the same filter, will time out
/// again; Salesforce Edge's 420 is retried at most twice, as jsforce does.
pub fn retry_cap(observed: &Observed<'_>) -> Option<(&'static str, u32)> {
    match observed {
        Observed::Status { errors, .. } if errors.iter().any(|e| e.code == "QUERY_TIMEOUT") => {
            Some(("QUERY_TIMEOUT", 1))
        }
        Observed::Status { status: 420, .. } => Some(("420", 2)),
        _ => None,
    }
}

/// Whether a request may be sent twice without changing the outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idempotency {
    /// Reads, PATCH by Id, upserts by external Id, Bulk result downloads.
    Idempotent,
    /// Plain POST creates and anything else that could act twice.
    NonIdempotent,
}

/// Whether a failed attempt may be tried again, given the request's idempotency.
///
/// A non-idempotent request is retried only when Salesforce certainly did not act on it:
/// the connection was never made, the session was rejected, or the request was refused by
/// a throttle before it ran. A timeout or a 5xx on a create may have committed, so it is
/// not retried; the caller reconciles by external Id instead.
pub fn may_retry(
    class: RetryClass,
    idempotency: Idempotency,
    transport: Option<TransportKind>,
) -> bool {
    match class {
        RetryClass::Permanent | RetryClass::DailyLimit => false,
        RetryClass::AuthExpired | RetryClass::Throttled => true,
        RetryClass::Transient => {
            idempotency == Idempotency::Idempotent || transport == Some(TransportKind::Connect)
        }
    }
}

/// How the pause between attempts is randomised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Jitter {
    /// Full jitter: a uniform pause between zero and the capped exponential delay, so that
    /// many clients backing off together do not retry in lockstep.
    Full,
    /// No jitter: exactly the capped exponential delay (for tests).
    None,
}

/// Bounded attempts with capped exponential backoff.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all, including the first (at least 1).
    pub max_attempts: u32,
    /// The delay before the second attempt, doubled for each later one.
    pub base_delay: Duration,
    /// The cap on any single delay.
    pub max_delay: Duration,
    /// Randomisation of the delay.
    pub jitter: Jitter,
}

impl Default for RetryPolicy {
    /// Five attempts, 0.5 s doubling to at most 30 s, full jitter.
    fn default() -> Self {
        Self {
            max_attempts: 5,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            jitter: Jitter::Full,
        }
    }
}

impl RetryPolicy {
    /// The pause after failed attempt number `attempt` (1-based) before the next one.
    pub fn delay(&self, attempt: u32, rng: &mut impl Rng) -> Duration {
        let exponent = attempt.saturating_sub(1).min(30);
        let ceiling = self
            .base_delay
            .saturating_mul(1u32 << exponent)
            .min(self.max_delay);
        match self.jitter {
            Jitter::None => ceiling,
            Jitter::Full => ceiling.mul_f64(rng.random::<f64>()),
        }
    }

    /// Whether another attempt is allowed after `attempt` attempts.
    pub fn allows_another(&self, attempt: u32) -> bool {
        attempt < self.max_attempts.max(1)
    }
}

impl SalesforceError {
    /// How the retry path should treat this error.
    pub fn retry_class(&self) -> RetryClass {
        match self {
            SalesforceError::Transport { kind, .. } => {
                classify(&Observed::Transport { kind: *kind })
            }
            SalesforceError::Api { status, errors, .. } => classify(&Observed::Status {
                status: *status,
                errors,
            }),
            SalesforceError::DailyLimitExceeded { .. }
            | SalesforceError::BudgetExhausted { .. } => RetryClass::DailyLimit,
            // The token endpoint throttles logins (salesforce-api.md 1.1).
            SalesforceError::Auth { error, .. } if error == "rate_limit_exceeded" => {
                RetryClass::Throttled
            }
            SalesforceError::Auth { .. }
            | SalesforceError::AuthRejected { .. }
            | SalesforceError::Decode { .. }
            | SalesforceError::BulkJob { .. }
            | SalesforceError::BulkTimeout { .. }
            | SalesforceError::VersionUnavailable { .. }
            | SalesforceError::Request { .. } => RetryClass::Permanent,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn err(code: &str, message: &str) -> ApiError {
        ApiError {
            code: code.into(),
            message: message.into(),
            fields: vec![],
        }
    }

    #[test]
    fn the_classifier_table() {
        let session = [err("INVALID_SESSION_ID", "Session expired or invalid")];
        let daily = [err(
            "REQUEST_LIMIT_EXCEEDED",
            "TotalRequests Limit exceeded.",
        )];
        let concurrent = [err(
            "REQUEST_LIMIT_EXCEEDED",
            "ConcurrentPerOrgLongTxn Limit exceeded.",
        )];
        let lock = [err(
            "UNABLE_TO_LOCK_ROW",
            "unable to obtain exclusive access to this record",
        )];
        let unavailable = [err("SERVER_UNAVAILABLE", "platform unavailable")];
        let invalid_field = [err("INVALID_FIELD", "No such column")];
        let not_rest = [err(
            "INVALID_SESSION_ID",
            "This session is not valid for use with the REST API",
        )];
        let expired_password = [err("INVALID_OPERATION_WITH_EXPIRED_PASSWORD", "expired")];
        let disabled = [err("API_DISABLED_FOR_ORG", "API is not enabled")];
        let none: [ApiError; 0] = [];

        let table: Vec<(Observed<'_>, RetryClass)> = vec![
            (
                Observed::Transport {
                    kind: TransportKind::Connect,
                },
                RetryClass::Transient,
            ),
            (
                Observed::Transport {
                    kind: TransportKind::Timeout,
                },
                RetryClass::Transient,
            ),
            (
                Observed::Transport {
                    kind: TransportKind::Other,
                },
                RetryClass::Transient,
            ),
            (
                Observed::Status {
                    status: 401,
                    errors: &session,
                },
                RetryClass::AuthExpired,
            ),
            (
                Observed::Status {
                    status: 401,
                    errors: &none,
                },
                RetryClass::AuthExpired,
            ),
            (
                Observed::Status {
                    status: 401,
                    errors: &not_rest,
                },
                RetryClass::Permanent,
            ),
            (
                Observed::Status {
                    status: 401,
                    errors: &expired_password,
                },
                RetryClass::Permanent,
            ),
            (
                Observed::Status {
                    status: 403,
                    errors: &daily,
                },
                RetryClass::DailyLimit,
            ),
            (
                Observed::Status {
                    status: 403,
                    errors: &concurrent,
                },
                RetryClass::Throttled,
            ),
            (
                Observed::Status {
                    status: 403,
                    errors: &disabled,
                },
                RetryClass::Permanent,
            ),
            (
                Observed::Status {
                    status: 429,
                    errors: &none,
                },
                RetryClass::Throttled,
            ),
            (
                Observed::Status {
                    status: 420,
                    errors: &none,
                },
                RetryClass::Throttled,
            ),
            (
                Observed::Status {
                    status: 500,
                    errors: &none,
                },
                RetryClass::Transient,
            ),
            (
                Observed::Status {
                    status: 502,
                    errors: &none,
                },
                RetryClass::Transient,
            ),
            (
                Observed::Status {
                    status: 503,
                    errors: &unavailable,
                },
                RetryClass::Transient,
            ),
            (
                Observed::Status {
                    status: 503,
                    errors: &none,
                },
                RetryClass::Transient,
            ),
            (
                Observed::Status {
                    status: 504,
                    errors: &none,
                },
                RetryClass::Transient,
            ),
            (
                Observed::Status {
                    status: 501,
                    errors: &none,
                },
                RetryClass::Permanent,
            ),
            (
                Observed::Status {
                    status: 400,
                    errors: &lock,
                },
                RetryClass::Transient,
            ),
            (
                Observed::Status {
                    status: 400,
                    errors: &invalid_field,
                },
                RetryClass::Permanent,
            ),
            (
                Observed::Status {
                    status: 404,
                    errors: &none,
                },
                RetryClass::Permanent,
            ),
            (
                Observed::Status {
                    status: 300,
                    errors: &none,
                },
                RetryClass::Permanent,
            ),
        ];
        for (observed, expected) in table {
            assert_eq!(classify(&observed), expected, "{observed:?}");
        }
    }

    #[test]
    fn retried_status_codes_are_pinned() {
        let none: [ApiError; 0] = [];
        let retried: Vec<u16> = (300..600)
            .filter(|status| {
                classify(&Observed::Status {
                    status: *status,
                    errors: &none,
                }) != RetryClass::Permanent
            })
            .collect();
        insta::assert_debug_snapshot!(retried, @r"
        [
            401,
            420,
            429,
            500,
            502,
            503,
            504,
        ]
        ");
    }

    #[test]
    fn query_timeouts_and_edge_420s_have_their_own_caps() {
        let timeout = [err(
            "QUERY_TIMEOUT",
            "Your query request was running too long",
        )];
        let none: [ApiError; 0] = [];
        assert_eq!(
            retry_cap(&Observed::Status {
                status: 400,
                errors: &timeout
            }),
            Some(("QUERY_TIMEOUT", 1))
        );
        assert_eq!(
            retry_cap(&Observed::Status {
                status: 420,
                errors: &none
            }),
            Some(("420", 2))
        );
        assert_eq!(
            retry_cap(&Observed::Status {
                status: 503,
                errors: &none
            }),
            None
        );
    }

    #[test]
    fn non_idempotent_requests_retry_only_when_nothing_ran() {
        use Idempotency::*;
        assert!(may_retry(RetryClass::Transient, Idempotent, None));
        assert!(!may_retry(RetryClass::Transient, NonIdempotent, None));
        assert!(!may_retry(
            RetryClass::Transient,
            NonIdempotent,
            Some(TransportKind::Timeout)
        ));
        assert!(may_retry(
            RetryClass::Transient,
            NonIdempotent,
            Some(TransportKind::Connect)
        ));
        assert!(may_retry(RetryClass::AuthExpired, NonIdempotent, None));
        assert!(may_retry(RetryClass::Throttled, NonIdempotent, None));
        assert!(!may_retry(RetryClass::Permanent, Idempotent, None));
        assert!(!may_retry(RetryClass::DailyLimit, Idempotent, None));
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_and_jitter_stays_below_it() {
        let policy = RetryPolicy {
            max_attempts: 8,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(4),
            jitter: Jitter::None,
        };
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let delays: Vec<u128> = (1..=6)
            .map(|n| policy.delay(n, &mut rng).as_millis())
            .collect();
        assert_eq!(delays, vec![500, 1000, 2000, 4000, 4000, 4000]);

        let jittered = RetryPolicy {
            jitter: Jitter::Full,
            ..policy
        };
        for attempt in 1..=20 {
            let d = jittered.delay(attempt, &mut rng);
            assert!(
                d <= policy.delay(attempt, &mut rng),
                "attempt {attempt}: {d:?}"
            );
        }
        assert!(policy.allows_another(7));
        assert!(!policy.allows_another(8));
        // Even a nonsensical zero still allows the first attempt only.
        let zero = RetryPolicy {
            max_attempts: 0,
            ..policy
        };
        assert!(!zero.allows_another(1));
    }
}
