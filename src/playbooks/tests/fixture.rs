//! A sample account and the helpers the planner's tests build on.

use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};

use crate::domain::{
    AccountSnapshot, ActivityType, Case, CasePriority, Contract, Event, HistoryRecord, Opportunity,
    Period, Playbook, SfId, Task, WriteKind, test_records,
};
use crate::playbooks::{
    AccountInput, AccountPlan, KeyRecord, KeyState, PlanningSettings, PreviousResult, plan_account,
};
use crate::scoring::{AccountScore, Model, Periods, Previous, score_account};

use super::org;

/// The scoring instant of every test: Thursday 26 November 2026, noon UTC.
pub fn as_of() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 12, 0, 0).unwrap()
}

/// The day `n` days before the scoring date (negative: after it).
pub fn ago(n: i64) -> NaiveDate {
    let today = as_of().date_naive();
    if n >= 0 {
        today - Days::new(n.unsigned_abs())
    } else {
        today + Days::new(n.unsigned_abs())
    }
}

/// Noon on the day `n` days before the scoring date.
pub fn at_ago(n: i64) -> DateTime<Utc> {
    Utc.from_utc_datetime(&ago(n).and_hms_opt(12, 0, 0).unwrap())
}

/// The sample account's Id.
pub fn account_id() -> SfId {
    SfId::from_parts("001", 1)
}

/// Everything a planning test controls.
#[derive(Debug, Clone)]
pub struct Given {
    pub snapshot: AccountSnapshot,
    pub previous: Option<PreviousResult>,
    pub ledger: Vec<KeyRecord>,
    pub settings: PlanningSettings,
    pub model: Model,
    pub as_of: DateTime<Utc>,
}

impl Given {
    /// Acme, healthy, as the org holds it before Vitals ever scored it.
    ///
    /// Hand-computed with csm-nine as of 2026-11-26: adoption = mean(utilisation 80 % ->
    /// 100, core features 60) = 80; case health 100 (its one case is closed); engagement
    /// 75 (last contact the call on 2026-11-02, 24 days ago); support satisfaction 75 (CSAT
    /// 4); business reviews 100 (QBR on 2026-10-15, 42 days ago); milestones no data;
    /// renewal readiness 100 (the contract ends 2027-09-30, 308 days out); project surveys
    /// 100 (4 and 5); meeting depth 100 (the 60-minute QBR). Weight with data 90 of 100:
    /// (80×20 + 100×15 + 75×15 + 75×10 + 100×10 + 100×10 + 100×5 + 100×5) / 90 = 7975 / 90
    /// = 88.6, Healthy, coverage 90 %.
    pub fn base() -> Self {
        let mut account = test_records::account();
        account.name = "Acme".into();
        let mut contract = test_records::contract();
        contract.start_date = Some(NaiveDate::from_ymd_opt(2025, 10, 1).unwrap());
        contract.end_date = Some(NaiveDate::from_ymd_opt(2027, 9, 30).unwrap());
        let mut snapshot = AccountSnapshot::new(account);
        snapshot.contracts = vec![contract];
        snapshot.cases = vec![test_records::case()];
        snapshot.events = vec![test_records::event()];
        snapshot.tasks = vec![test_records::task()];
        let model = Model::load_preset("csm-nine").unwrap();
        let settings = PlanningSettings::new(&model, Period::Monthly, 120, &Playbook::ALL);
        Self {
            snapshot,
            previous: None,
            ledger: Vec::new(),
            settings,
            model,
            as_of: as_of(),
        }
    }

    /// The base account after a run: the org holds what Vitals wrote, so planning again
    /// writes nothing.
    pub fn settled() -> Self {
        let mut given = Self::base();
        given.settle();
        given
    }

    /// Applies this run's plan to the org and the ledger, as a delivered run would.
    pub fn settle(&mut self) {
        let (_, plan) = self.plan();
        org::apply(self, &plan.writes);
    }

    /// The previous period and the one scored.
    pub fn periods(&self) -> Periods {
        Periods::around(self.as_of.date_naive(), |d| {
            self.settings.period.start_of(d)
        })
    }

    /// The score the sync would compute from the snapshot.
    pub fn score(&self) -> AccountScore {
        let previous =
            Previous::from_snapshot(&self.snapshot, &self.model.name, self.periods(), self.as_of);
        score_account(&self.snapshot, &self.model, self.as_of, &previous)
    }

    /// The score and the plan.
    pub fn plan(&self) -> (AccountScore, AccountPlan) {
        let score = self.score();
        let input = AccountInput {
            snapshot: &self.snapshot,
            score: &score,
            previous: self.previous.as_ref(),
            ledger: &self.ledger,
        };
        let plan = plan_account(&input, &self.settings, self.as_of);
        (score, plan)
    }

    /// Only these playbooks are enabled.
    pub fn only(&mut self, playbooks: &[Playbook]) {
        self.settings.enabled = playbooks.to_vec();
    }

    /// The previous period's stored result, with these flags.
    pub fn previous_flags(&mut self, flags: &[&str]) {
        self.previous = Some(PreviousResult {
            period: self.periods().previous,
            score: Some(80.0),
            status: crate::domain::HealthStatus::Healthy,
            flags: flags.iter().map(|f| (*f).to_owned()).collect(),
        });
    }

    /// The org's history record of the previous period, scored `points` above what the
    /// account scores now, with the same category scores (so only the overall moved).
    pub fn previous_period_above(&mut self, points: f64) {
        let score = self.score();
        let overall = score.overall.unwrap();
        self.snapshot.history.push(HistoryRecord {
            id: Some(SfId::from_parts("a00", 1)),
            account_id: account_id(),
            period: self.periods().previous,
            score: Some(overall + points),
            status: Some(score.status.clone()),
            previous_score: None,
            score_change: None,
            calculated_at: Some(at_ago(30)),
            coverage: Some(score.coverage),
            model: Some(self.model.name.clone()),
            drivers: None,
            backfilled: false,
            key: None,
            categories: score.category_scores(),
        });
    }

    /// A ledger entry for a key.
    pub fn ledger_entry(
        &mut self,
        key: String,
        kind: WriteKind,
        playbook: Option<Playbook>,
        days_ago: i64,
        state: KeyState,
    ) {
        self.ledger.push(KeyRecord {
            key,
            kind,
            playbook: playbook.map(|p| p.name().to_owned()),
            planned_at: at_ago(days_ago),
            state,
        });
    }

    /// Makes the account troubled: seats barely used, three open Critical cases that
    /// breached their SLA, a CSAT of 1, no customer contact and no QBR ever.
    ///
    /// Hand-computed: adoption mean(utilisation 10 % -> 0, core 5) = 2.5; case health 100
    /// − 3×25 − 3×20 -> 0; engagement 0 (none); support satisfaction 0 (CSAT 1); business
    /// reviews 0 (none); milestones and meeting depth no data; renewal readiness 100;
    /// surveys 100. Weight with data 85: (2.5×20 + 100×10 + 100×5) / 85 = 1550 / 85 = 18.2,
    /// At Risk.
    pub fn trouble(&mut self) {
        let account = &mut self.snapshot.account;
        account.active_users = Some(10.0);
        account.core_feature_adoption = Some(5.0);
        self.snapshot.events.clear();
        self.snapshot.tasks.clear();
        self.snapshot.cases[0].csat_score = Some(1.0);
        for serial in 2..=4 {
            self.snapshot
                .cases
                .push(open_case(serial, CasePriority::Critical, true));
        }
    }

    /// Sets the end date of the account's contract, `days` days from the scoring date.
    pub fn contract_ends_in(&mut self, days: i64) {
        self.snapshot.contracts[0].end_date = Some(ago(-days));
    }

    /// The account's contract.
    pub fn contract(&self) -> &Contract {
        &self.snapshot.contracts[0]
    }
}

/// An open case created 20 days ago.
pub fn open_case(serial: u64, priority: CasePriority, sla_breached: bool) -> Case {
    Case {
        id: SfId::from_parts("500", serial),
        account_id: Some(account_id()),
        case_number: Some(format!("0000{serial:04}")),
        priority: Some(priority),
        status: Some("Working".into()),
        is_escalated: false,
        is_closed: false,
        created_date: at_ago(20),
        closed_date: None,
        csat_score: None,
        sla_breached,
    }
}

/// A QBR held `days_ago` days before the scoring date.
pub fn qbr(serial: u64, days_ago: i64) -> Event {
    let mut event = test_records::event();
    event.id = SfId::from_parts("00U", serial);
    event.activity_date = Some(ago(days_ago));
    event.start = Some(at_ago(days_ago));
    event.end = Some(at_ago(days_ago) + chrono::Duration::hours(1));
    event.event_type = Some(ActivityType::Qbr);
    event
}

/// A completed call `days_ago` days before the scoring date.
pub fn call(serial: u64, days_ago: i64) -> Task {
    let mut task = test_records::task();
    task.id = SfId::from_parts("00T", serial);
    task.activity_date = Some(ago(days_ago));
    task.created_date = Some(at_ago(days_ago));
    task.completed_at = Some(at_ago(days_ago));
    task
}

/// A task of a playbook, as Vitals creates it, created `days_ago` days before the scoring
/// date.
pub fn playbook_task(serial: u64, playbook: Playbook, days_ago: i64, closed: bool) -> Task {
    let mut task = test_records::task();
    task.id = SfId::from_parts("00T", serial);
    task.subject = Some(format!("{} task", playbook.name()));
    task.task_type = None;
    task.status = Some(if closed { "Completed" } else { "Not Started" }.into());
    task.is_closed = closed;
    task.activity_date = Some(ago(days_ago - 7));
    task.created_date = Some(at_ago(days_ago));
    task.completed_at = closed.then(|| at_ago(days_ago - 1));
    task.vitals_key = Some(format!(
        "{}:{}:{}",
        playbook.name(),
        account_id(),
        ago(days_ago)
    ));
    task.playbook = Some(playbook.name().into());
    task
}

/// An opportunity of the account.
pub fn opportunity(serial: u64, kind: &str, close: NaiveDate, won: Option<bool>) -> Opportunity {
    let mut opportunity = test_records::opportunity();
    opportunity.id = SfId::from_parts("006", serial);
    opportunity.name = format!("Acme {kind}");
    opportunity.opportunity_type = Some(kind.into());
    opportunity.record_type = (kind == "Renewal").then(|| "Renewal".into());
    opportunity.close_date = close;
    opportunity.is_closed = won.is_some();
    opportunity.is_won = won == Some(true);
    opportunity.stage_name = match won {
        Some(true) => "Closed Won",
        Some(false) => "Closed Lost",
        None => "Early Review",
    }
    .into();
    opportunity.vitals_key = None;
    opportunity.contract_id = None;
    opportunity
}
