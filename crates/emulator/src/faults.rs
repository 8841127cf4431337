//! Deterministic fault injection: the failures a real org and its edge produce, on demand.
//!
//! The SPEC grammar (`--faults SPEC`, `POST /_emulator/faults`), items separated by `,`:
//!
//! ```text
//! seed=N                      RNG seed for the shares below (default 0); same seed, same faults
//! latency=DUR                 delay every API call by DUR of the emulator clock (250ms, 2s, 1m)
//! 503=P | 503html=P           share P (0..1) of API calls answer 503 SERVER_UNAVAILABLE (JSON / HTML)
//! 500=P                       share of calls answering 500 UNKNOWN_EXCEPTION
//! 420=P                       share of calls answering Salesforce Edge's HTML 420
//! lock=P                      share of records failing UNABLE_TO_LOCK_ROW (per record in
//!                             Collections, the whole call for single-record writes)
//! lock-ids=T;T;...            writes to these records fail UNABLE_TO_LOCK_ROW until the
//!                             faults change: each T is a record Id (15 or 18 characters)
//!                             or FIELD:VALUE, an external-ID value (the record that has it,
//!                             or an upsert/create giving it); per record in Collections and
//!                             Bulk rows, the whole call (400) for single-record writes and
//!                             deletes
//! drop=P                      share of write calls whose connection is reset before any
//!                             response (every status, 204 too),
//!                             after the write committed
//! expire-after=N              every access token expires after N API calls
//! validation=OBJ:FIELD:VALUE:MESSAGE
//!                             a validation rule: saving an OBJ whose FIELD equals VALUE
//!                             (`null` for empty) fails FIELD_CUSTOM_VALIDATION_EXCEPTION
//!                             with MESSAGE (MESSAGE may contain `:` but not `,`)
//! next=N:KIND                 the next N (at most 1,000,000) API calls fail with KIND,
//!                             then normal service:
//!                             503 | 503html | 500 | 420 | 401 | 403concurrent | 403limit |
//!                             lock | drop
//! ```
//!
//! This module decides *whether* a fault fires; the server turns the decision into the
//! response. Every injected fault is counted so tests can assert them through the admin API.

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::id::SfId;

use super::schema::ObjectDef;
use super::store::Record;
use super::value::Value;

/// A call-level fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// 503 with a JSON `SERVER_UNAVAILABLE` body.
    Unavailable,
    /// 503 with an HTML body, as the edge sends.
    UnavailableHtml,
    /// 500 `UNKNOWN_EXCEPTION`.
    ServerError,
    /// 420 from Salesforce Edge (HTML).
    EdgeNoRoute,
    /// 401 `INVALID_SESSION_ID`.
    SessionExpired,
    /// 403 `REQUEST_LIMIT_EXCEEDED` ConcurrentPerOrgLongTxn.
    Concurrent,
    /// 403 `REQUEST_LIMIT_EXCEEDED` TotalRequests.
    DailyLimit,
    /// `UNABLE_TO_LOCK_ROW` on every record of the call.
    Lock,
    /// The connection drops mid-response after the call committed.
    Drop,
}

impl FaultKind {
    fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "503" => FaultKind::Unavailable,
            "503html" => FaultKind::UnavailableHtml,
            "500" => FaultKind::ServerError,
            "420" => FaultKind::EdgeNoRoute,
            "401" => FaultKind::SessionExpired,
            "403concurrent" => FaultKind::Concurrent,
            "403limit" => FaultKind::DailyLimit,
            "lock" => FaultKind::Lock,
            "drop" => FaultKind::Drop,
            _ => return None,
        })
    }

    /// The name used in SPECs and in the admin API's counts.
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::Unavailable => "503",
            FaultKind::UnavailableHtml => "503html",
            FaultKind::ServerError => "500",
            FaultKind::EdgeNoRoute => "420",
            FaultKind::SessionExpired => "401",
            FaultKind::Concurrent => "403concurrent",
            FaultKind::DailyLimit => "403limit",
            FaultKind::Lock => "lock",
            FaultKind::Drop => "drop",
        }
    }
}

/// An injected validation rule.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidationRule {
    /// Object API name.
    pub object: String,
    /// Field API name.
    pub field: String,
    /// The value (as text) that trips the rule; `null` matches an empty field.
    pub value: String,
    /// The rule's error message.
    pub message: String,
    /// Whether the rule also blocks deletes (never from a SPEC; kept for callers).
    pub on_delete: bool,
}

impl ValidationRule {
    /// Whether saving `record` of `object` trips this rule.
    pub fn matches(&self, object: &ObjectDef, record: &Record) -> bool {
        if !object.name.eq_ignore_ascii_case(&self.object) {
            return false;
        }
        let Some(at) = object.field_index(&self.field) else {
            return false;
        };
        let Some(def) = object.fields.get(at) else {
            return false;
        };
        match record.get(at) {
            None => self.value == "null",
            Some(Value::Text(t)) => **t == *self.value,
            Some(value) => match value.to_json(def.field_type) {
                serde_json::Value::String(s) => s == self.value,
                other => other == self.value,
            },
        }
    }
}

/// A record the `lock-ids=` fault keeps locked.
#[derive(Debug, Clone, PartialEq)]
pub enum LockTarget {
    /// The record with this Id (15 or 18 characters in the SPEC).
    Id(SfId),
    /// Records whose external-ID `field` has `value` (compared case-insensitively, as
    /// external IDs match).
    External {
        /// Field API name.
        field: String,
        /// The value.
        value: String,
    },
}

impl LockTarget {
    fn parse(text: &str) -> Result<Self, String> {
        if let Some((field, value)) = text.split_once(':') {
            if field.is_empty() || value.is_empty() {
                return Err(format!("lock-ids: {text:?} is not FIELD:VALUE"));
            }
            return Ok(LockTarget::External {
                field: field.to_owned(),
                value: value.to_owned(),
            });
        }
        SfId::parse(text)
            .map(LockTarget::Id)
            .map_err(|_| format!("lock-ids: {text:?} is neither a record Id nor FIELD:VALUE"))
    }

    /// Whether a write of `record` of `object` touches the locked row.
    pub fn matches(&self, object: &ObjectDef, record: &Record) -> bool {
        match self {
            LockTarget::Id(id) => record.id == *id,
            LockTarget::External { field, value } => {
                let Some(at) = object.field_index(field) else {
                    return false;
                };
                let Some(def) = object.fields.get(at) else {
                    return false;
                };
                if !def.external_id {
                    return false;
                }
                match record.get(at) {
                    Some(Value::Text(text)) => text.eq_ignore_ascii_case(value),
                    Some(other) => match other.to_json(def.field_type) {
                        serde_json::Value::String(s) => s.eq_ignore_ascii_case(value),
                        json => json.to_string().as_str() == value.as_str(),
                    },
                    None => false,
                }
            }
        }
    }
}

/// A parsed SPEC.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FaultSpec {
    /// The SPEC text it was parsed from.
    pub text: String,
    /// RNG seed.
    pub seed: u64,
    /// Delay added to every API call.
    pub latency: Option<Duration>,
    /// Call-level shares.
    pub shares: Vec<(FaultKind, f64)>,
    /// Share of records that fail to lock.
    pub lock_share: f64,
    /// Share of write calls whose connection drops after commit.
    pub drop_share: f64,
    /// Tokens expire after this many API calls.
    pub expire_after: Option<u64>,
    /// Injected validation rules.
    pub rules: Vec<ValidationRule>,
    /// Records kept locked (`lock-ids=`).
    pub locked: Vec<LockTarget>,
    /// "The next N calls fail with KIND", in order.
    pub next: Vec<(FaultKind, u32)>,
}

/// The largest N of `next=N:KIND`: a counter, not a queue, holds it, but a SPEC asking for
/// more than a million failing calls is a mistake worth a clear error.
pub const MAX_NEXT: u32 = 1_000_000;

fn parse_duration(text: &str) -> Option<Duration> {
    let (number, unit) = text
        .find(|c: char| !c.is_ascii_digit())
        .map_or((text, "ms"), |at| text.split_at(at));
    let n: u64 = number.parse().ok()?;
    match unit {
        "ms" => Some(Duration::from_millis(n)),
        "s" => Some(Duration::from_secs(n)),
        "m" => Some(Duration::from_secs(n.checked_mul(60)?)),
        _ => None,
    }
}

fn parse_share(key: &str, text: &str) -> Result<f64, String> {
    let share: f64 = text
        .parse()
        .map_err(|_| format!("{key}: {text:?} is not a number"))?;
    if (0.0..=1.0).contains(&share) {
        Ok(share)
    } else {
        Err(format!("{key}: share {share} is outside 0..1"))
    }
}

impl FaultSpec {
    /// Parses a SPEC (see the module docs).
    ///
    /// # Errors
    /// A message naming the first item that does not parse.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut spec = FaultSpec {
            text: text.to_owned(),
            ..FaultSpec::default()
        };
        for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (key, value) = item
                .split_once('=')
                .ok_or_else(|| format!("{item:?} is not KEY=VALUE"))?;
            match key {
                "seed" => {
                    spec.seed = value
                        .parse()
                        .map_err(|_| format!("seed: {value:?} is not a number"))?;
                }
                "latency" => {
                    spec.latency = Some(
                        parse_duration(value)
                            .ok_or_else(|| format!("latency: {value:?} is not a duration"))?,
                    );
                }
                "lock" => spec.lock_share = parse_share(key, value)?,
                "lock-ids" => {
                    for target in value.split(';').map(str::trim).filter(|t| !t.is_empty()) {
                        spec.locked.push(LockTarget::parse(target)?);
                    }
                }
                "drop" => spec.drop_share = parse_share(key, value)?,
                "expire-after" => {
                    spec.expire_after = Some(
                        value
                            .parse()
                            .map_err(|_| format!("expire-after: {value:?} is not a number"))?,
                    );
                }
                "validation" => {
                    let mut parts = value.splitn(4, ':');
                    let (Some(object), Some(field), Some(expected), Some(message)) =
                        (parts.next(), parts.next(), parts.next(), parts.next())
                    else {
                        return Err(format!(
                            "validation: {value:?} is not OBJECT:FIELD:VALUE:MESSAGE"
                        ));
                    };
                    spec.rules.push(ValidationRule {
                        object: object.to_owned(),
                        field: field.to_owned(),
                        value: expected.to_owned(),
                        message: message.to_owned(),
                        on_delete: false,
                    });
                }
                "next" => {
                    let (count, kind) = value
                        .split_once(':')
                        .ok_or_else(|| format!("next: {value:?} is not N:KIND"))?;
                    let count: u32 = count
                        .parse()
                        .map_err(|_| format!("next: {count:?} is not a number"))?;
                    if count > MAX_NEXT {
                        return Err(format!(
                            "next: {count} is above the limit of {MAX_NEXT} calls"
                        ));
                    }
                    let kind = FaultKind::parse(kind)
                        .ok_or_else(|| format!("next: unknown fault kind {kind:?}"))?;
                    spec.next.push((kind, count));
                }
                other => {
                    let kind = FaultKind::parse(other)
                        .filter(|k| {
                            matches!(
                                k,
                                FaultKind::Unavailable
                                    | FaultKind::UnavailableHtml
                                    | FaultKind::ServerError
                                    | FaultKind::EdgeNoRoute
                            )
                        })
                        .ok_or_else(|| format!("unknown fault {other:?}"))?;
                    spec.shares.push((kind, parse_share(other, value)?));
                }
            }
        }
        Ok(spec)
    }
}

/// What the server must do to one API call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallFaults {
    /// Answer with this fault instead of serving the call.
    pub reject: Option<FaultKind>,
    /// Every record of the call fails UNABLE_TO_LOCK_ROW.
    pub lock_all: bool,
    /// Drop the connection after the response headers (writes still commit).
    pub drop: bool,
}

/// The live fault state: the SPEC, its RNG and what was injected.
#[derive(Debug)]
pub struct Faults {
    spec: FaultSpec,
    rng: ChaCha8Rng,
    /// `next=N:KIND` items still to serve, as (kind, calls left): counters, so a large N
    /// costs nothing.
    queue: VecDeque<(FaultKind, u32)>,
    injected: BTreeMap<&'static str, u64>,
}

impl Default for Faults {
    fn default() -> Self {
        Self::new(FaultSpec::default())
    }
}

impl Faults {
    /// Faults following `spec`, from a freshly seeded RNG.
    pub fn new(spec: FaultSpec) -> Self {
        let queue = spec.next.iter().filter(|(_, n)| *n > 0).copied().collect();
        Self {
            rng: ChaCha8Rng::seed_from_u64(spec.seed),
            spec,
            queue,
            injected: BTreeMap::new(),
        }
    }

    /// The SPEC in force.
    pub fn spec(&self) -> &FaultSpec {
        &self.spec
    }

    /// How many faults of each kind were injected.
    pub fn injected(&self) -> &BTreeMap<&'static str, u64> {
        &self.injected
    }

    fn count(&mut self, kind: FaultKind) {
        *self.injected.entry(kind.name()).or_insert(0) += 1;
    }

    /// Decides the faults of one API call. `write` says whether it changes data (drops only
    /// hit writes, so the "committed but no answer" case is what a test sees).
    pub fn on_call(&mut self, write: bool) -> CallFaults {
        let mut decision = CallFaults::default();
        if let Some((kind, left)) = self.queue.front_mut() {
            let kind = *kind;
            *left = left.saturating_sub(1);
            if *left == 0 {
                self.queue.pop_front();
            }
            self.count(kind);
            match kind {
                FaultKind::Lock => decision.lock_all = true,
                FaultKind::Drop => decision.drop = true,
                other => decision.reject = Some(other),
            }
            return decision;
        }
        let shares = self.spec.shares.clone();
        for (kind, share) in shares {
            if share > 0.0 && self.rng.random_bool(share) {
                self.count(kind);
                decision.reject = Some(kind);
                return decision;
            }
        }
        if write && self.spec.drop_share > 0.0 && self.rng.random_bool(self.spec.drop_share) {
            self.count(FaultKind::Drop);
            decision.drop = true;
        }
        decision
    }

    /// Whether one record fails to lock (the `lock=P` share).
    pub fn lock_record(&mut self) -> bool {
        let share = self.spec.lock_share;
        if share > 0.0 && self.rng.random_bool(share) {
            self.count(FaultKind::Lock);
            true
        } else {
            false
        }
    }

    /// Counts a fault the server applied itself (`expire-after`, `latency`).
    pub fn count_named(&mut self, name: &'static str) {
        *self.injected.entry(name).or_insert(0) += 1;
    }

    /// Counts a lock failure decided by `lock_all`.
    pub fn count_lock(&mut self) {
        self.count(FaultKind::Lock);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_item() {
        let spec = FaultSpec::parse(
            "seed=7,latency=250ms,503=0.5,503html=0.1,500=0.1,420=0.1,lock=0.2,drop=0.3,expire-after=5,validation=Account:Name:Bad:Name is bad: really,next=2:503",
        )
        .unwrap();
        assert_eq!(spec.seed, 7);
        assert_eq!(spec.latency, Some(Duration::from_millis(250)));
        assert_eq!(spec.shares.len(), 4);
        assert_eq!(spec.expire_after, Some(5));
        assert_eq!(spec.rules[0].message, "Name is bad: really");
        assert_eq!(spec.next, vec![(FaultKind::Unavailable, 2)]);
        // Each refusal names the item at fault, as the admin API's 400 shows it.
        for (spec, message) in [
            ("bogus=1", "unknown fault \"bogus\""),
            ("503=2", "503: share 2 is outside 0..1"),
            ("503", "\"503\" is not KEY=VALUE"),
            (
                "next=4000000000:503",
                "next: 4000000000 is above the limit of 1000000 calls",
            ),
            (
                "next=99999999999:503",
                "next: \"99999999999\" is not a number",
            ),
            (
                "next=1000001:503",
                "next: 1000001 is above the limit of 1000000 calls",
            ),
            ("next=1:teapot", "next: unknown fault kind \"teapot\""),
            ("latency=soon", "latency: \"soon\" is not a duration"),
        ] {
            assert_eq!(FaultSpec::parse(spec).unwrap_err(), message, "{spec}");
        }
    }

    #[test]
    fn next_is_a_counter() {
        let mut faults = Faults::new(FaultSpec::parse("next=1000000:500,next=1:401").unwrap());
        for _ in 0..1_000_000 {
            assert_eq!(faults.on_call(false).reject, Some(FaultKind::ServerError));
        }
        assert_eq!(
            faults.on_call(false).reject,
            Some(FaultKind::SessionExpired)
        );
        assert_eq!(faults.on_call(false), CallFaults::default());
    }

    #[test]
    fn next_n_calls_then_normal_service() {
        let mut faults = Faults::new(FaultSpec::parse("next=2:500").unwrap());
        assert_eq!(faults.on_call(false).reject, Some(FaultKind::ServerError));
        assert_eq!(faults.on_call(false).reject, Some(FaultKind::ServerError));
        assert_eq!(faults.on_call(false), CallFaults::default());
        assert_eq!(faults.injected().get("500"), Some(&2));
    }

    #[test]
    fn same_seed_same_faults() {
        let run = || {
            let mut faults = Faults::new(FaultSpec::parse("seed=3,503=0.5").unwrap());
            (0..32)
                .map(|_| faults.on_call(false).reject.is_some())
                .collect::<Vec<_>>()
        };
        assert_eq!(run(), run());
        assert!(run().iter().any(|f| *f) && run().iter().any(|f| !*f));
    }
}
