//! Vitals' share of the org's daily API allocation.
//!
//! Salesforce reports the org's rolling 24-hour usage on every REST response
//! (`Sforce-Limit-Info: api-usage=N/M`, salesforce-api.md 2.4). The budget reads it after
//! every response and refuses new work once Vitals' own calls would exceed
//! `max_api_share` of the allocation, so an integration never starves the org's other users.
//!
//! Vitals' own usage is the connected app's `per-app-api-usage` when Salesforce reports it
//! (it is exactly "this app's calls in the rolling 24 hours"), otherwise the calls this
//! process counted plus the calls the caller says were made earlier in the window.

use std::sync::Mutex;

use serde::Serialize;

use super::error::SalesforceError;

/// One parsed `Sforce-Limit-Info` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitInfo {
    /// The org's calls in the rolling 24 hours.
    pub used: u64,
    /// The org's daily allocation.
    pub max: u64,
    /// This connected app's usage, when app limits are configured: (used, max, app name).
    pub per_app: Option<(u64, u64, String)>,
}

/// Parses `api-usage=10018/100000; per-app-api-usage=17/250(appName=my-app)`.
///
/// `api-usage=` is matched as a whole token, so `per-app-api-usage=` is never mistaken for
/// it (salesforce-api.md 2.4). Returns `None` when there is no `api-usage` token.
pub fn parse_limit_info(header: &str) -> Option<LimitInfo> {
    let mut org = None;
    let mut per_app = None;
    for token in header.split(';').map(str::trim) {
        let Some((name, value)) = token.split_once('=') else {
            continue;
        };
        match name.trim() {
            "api-usage" => org = parse_ratio(value),
            "per-app-api-usage" => {
                let (ratio, app) = match value.split_once('(') {
                    Some((ratio, rest)) => (
                        ratio,
                        rest.trim_end_matches(')')
                            .trim_start_matches("appName=")
                            .to_owned(),
                    ),
                    None => (value, String::new()),
                };
                per_app = parse_ratio(ratio).map(|(u, m)| (u, m, app));
            }
            _ => {}
        }
    }
    org.map(|(used, max)| LimitInfo { used, max, per_app })
}

fn parse_ratio(text: &str) -> Option<(u64, u64)> {
    let (used, max) = text.trim().split_once('/')?;
    Some((used.trim().parse().ok()?, max.trim().parse().ok()?))
}

/// API usage over one run, for the run report.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct UsageReport {
    /// Calls this process made that count against the allocation.
    pub calls: u64,
    /// The org's usage at the first response of the run.
    pub org_used_at_start: Option<u64>,
    /// The org's usage at the last response.
    pub org_used_at_end: Option<u64>,
    /// The org's daily allocation.
    pub org_max: Option<u64>,
    /// Calls Vitals may make in 24 hours under `max_api_share`.
    pub allowed: Option<u64>,
    /// Vitals' own calls in the rolling 24 hours as the budget counts them (the app's
    /// usage when Salesforce reports it, else earlier calls plus this window's), once the
    /// allocation is known.
    pub own_usage: Option<u64>,
}

impl UsageReport {
    /// Calls Vitals may still make in the rolling 24 hours under its share, when known.
    pub fn left_in_share(&self) -> Option<u64> {
        Some(self.allowed?.saturating_sub(self.own_usage?))
    }

    /// Calls left in the org's daily allocation at the last response, when known.
    pub fn org_left(&self) -> Option<u64> {
        Some(self.org_max?.saturating_sub(self.org_used_at_end?))
    }
}

#[derive(Debug, Default)]
struct State {
    /// Calls Vitals made in the rolling 24 hours before this window, by the caller's count.
    earlier_calls: u64,
    calls: u64,
    org_used_at_start: Option<u64>,
    last: Option<LimitInfo>,
}

/// The guard every counted call passes through.
#[derive(Debug)]
pub struct ApiBudget {
    share: f64,
    state: Mutex<State>,
}

impl ApiBudget {
    /// A budget allowing `share` (0 < share <= 1) of the daily allocation, where
    /// `earlier_calls` were already made by Vitals in the current rolling 24 hours.
    pub fn new(share: f64, earlier_calls: u64) -> Self {
        Self {
            share: share.clamp(0.0, 1.0),
            state: Mutex::new(State {
                earlier_calls,
                ..State::default()
            }),
        }
    }

    /// Starts a new counting window (one sync run of a long-lived client): `earlier_calls`
    /// Vitals' calls in the rolling 24 hours before it, as the state store counted them,
    /// this window's calls back at zero. The org's last usage header is kept, so the share
    /// is enforced from the first call of the window.
    pub fn restart(&self, earlier_calls: u64) {
        let mut state = self.lock();
        state.earlier_calls = earlier_calls;
        state.calls = 0;
        state.org_used_at_start = None;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding this lock cannot leave the counters inconsistent, so a
        // poisoned lock is still safe to use.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Reserves one more counted call, or refuses it.
    ///
    /// Checking and counting happen under one lock, so concurrent callers cannot overshoot
    /// the share; a reserved call counts even if it then fails on the wire, because
    /// Salesforce may have counted it too.
    ///
    /// # Errors
    /// [`SalesforceError::BudgetExhausted`] when the call would exceed the share. Before
    /// the first response the allocation is unknown and the call is allowed.
    pub fn before_call(&self) -> Result<(), SalesforceError> {
        let mut state = self.lock();
        if let Some(last) = &state.last {
            let allowed = self.allowed(last.max);
            let used = self.own_usage(&state, last);
            if used + 1 > allowed {
                return Err(SalesforceError::BudgetExhausted {
                    used,
                    allowed,
                    max: last.max,
                    share: self.share,
                });
            }
        }
        state.calls += 1;
        Ok(())
    }

    /// Whether `calls` more counted calls fit in the share now (for work that must not be
    /// started unless it can finish, such as a Bulk job).
    pub fn has_room_for(&self, calls: u64) -> bool {
        let state = self.lock();
        match &state.last {
            Some(last) => self.own_usage(&state, last) + calls <= self.allowed(last.max),
            None => true,
        }
    }

    /// Records the usage header of a counted call's response, if any.
    pub fn after_call(&self, header: Option<&str>) {
        let mut state = self.lock();
        if let Some(info) = header.and_then(parse_limit_info) {
            if state.org_used_at_start.is_none() {
                state.org_used_at_start = Some(info.used);
            }
            state.last = Some(info);
        }
    }

    fn allowed(&self, max: u64) -> u64 {
        // The allocation is far below 2^52, so the conversions are exact enough; floor
        // keeps the budget on the safe side, and the share is within 0..=1 (see `new`).
        let allowed = (self.share * max as f64).floor();
        if allowed >= 0.0 && allowed <= max as f64 {
            allowed as u64
        } else {
            0
        }
    }

    fn own_usage(&self, state: &State, last: &LimitInfo) -> u64 {
        match &last.per_app {
            // The app's own counter already covers earlier runs and this one.
            Some((used, _, _)) => (*used).max(state.calls),
            None => state.earlier_calls + state.calls,
        }
    }

    /// Usage so far.
    pub fn report(&self) -> UsageReport {
        let state = self.lock();
        let own = state.last.as_ref().map(|last| self.own_usage(&state, last));
        UsageReport {
            calls: state.calls,
            own_usage: own,
            org_used_at_start: state.org_used_at_start,
            org_used_at_end: state.last.as_ref().map(|l| l.used),
            org_max: state.last.as_ref().map(|l| l.max),
            allowed: state.last.as_ref().map(|l| self.allowed(l.max)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_info_parses_org_and_app_usage() {
        assert_eq!(
            parse_limit_info("api-usage=10018/100000"),
            Some(LimitInfo {
                used: 10018,
                max: 100000,
                per_app: None
            })
        );
        assert_eq!(
            parse_limit_info(
                "api-usage=25/5000; per-app-api-usage=17/250(appName=sample-connected-app)"
            ),
            Some(LimitInfo {
                used: 25,
                max: 5000,
                per_app: Some((17, 250, "sample-connected-app".into()))
            })
        );
        // The per-app token alone must not be read as the org's usage.
        assert_eq!(
            parse_limit_info("per-app-api-usage=17/250(appName=x)"),
            None
        );
        assert_eq!(parse_limit_info("api-usage=abc/100"), None);
        assert_eq!(parse_limit_info(""), None);
    }

    #[test]
    fn the_budget_refuses_the_call_that_would_exceed_the_share() {
        let budget = ApiBudget::new(0.25, 0);
        // Unknown allocation: allowed.
        budget.before_call().unwrap();
        budget.after_call(Some("api-usage=500/40"));
        assert!(budget.has_room_for(9));
        assert!(!budget.has_room_for(10));
        // 25% of 40 = 10 calls; one made.
        for _ in 0..9 {
            budget.before_call().unwrap();
            budget.after_call(Some("api-usage=501/40"));
        }
        assert_eq!(
            refusal(budget.before_call().unwrap_err()),
            (10, 10, 40, 0.25)
        );
        let report = budget.report();
        assert_eq!(report.calls, 10);
        assert_eq!(report.org_used_at_start, Some(500));
        assert_eq!(report.allowed, Some(10));
    }

    /// The budget error's figures: (used, allowed, max, share).
    fn refusal(error: SalesforceError) -> (u64, u64, u64, f64) {
        match error {
            SalesforceError::BudgetExhausted {
                used,
                allowed,
                max,
                share,
            } => (used, allowed, max, share),
            other => panic!("expected the budget to refuse, got {other:?}"),
        }
    }

    #[test]
    fn earlier_calls_and_app_usage_count() {
        let budget = ApiBudget::new(0.5, 9);
        budget.before_call().unwrap();
        budget.after_call(Some("api-usage=0/20"));
        // 9 earlier + 1 now = 10 = 50% of 20.
        assert_eq!(
            refusal(budget.before_call().unwrap_err()),
            (10, 10, 20, 0.5)
        );

        // The app's own counter says 10, though this process made one call.
        let app = ApiBudget::new(0.5, 0);
        app.before_call().unwrap();
        app.after_call(Some(
            "api-usage=0/20; per-app-api-usage=10/250(appName=vitals)",
        ));
        assert_eq!(refusal(app.before_call().unwrap_err()), (10, 10, 20, 0.5));
        assert_eq!(app.report().calls, 1);
    }

    #[test]
    fn a_new_window_counts_the_stores_earlier_calls_instead_of_its_own() {
        let budget = ApiBudget::new(0.5, 0);
        for _ in 0..4 {
            budget.before_call().unwrap();
        }
        budget.after_call(Some("api-usage=4/20"));
        assert_eq!(budget.report().left_in_share(), Some(6));
        // The next run: the store counted 8 calls in the last 24 hours.
        budget.restart(8);
        let report = budget.report();
        assert_eq!((report.calls, report.own_usage), (0, Some(8)));
        assert_eq!(report.left_in_share(), Some(2));
        assert_eq!(report.org_left(), Some(16));
        budget.before_call().unwrap();
        budget.before_call().unwrap();
        assert_eq!(
            refusal(budget.before_call().unwrap_err()),
            (10, 10, 20, 0.5)
        );
    }
}
