//! The playbook table: for each of the eight playbooks, its trigger, cool-down, key
//! scheme, subject, checklist, due date and priority, in one place.
//!
//! The README's "Playbooks" section and the module docs of [`crate::playbooks`] show this
//! table to people; a test keeps the numbers there in step with it.

use crate::domain::Playbook;

use super::triggers::{
    TriggerFn, escalation, expansion, health_review, low_engagement, onboarding, qbr_cadence,
    re_engagement, renewal_preparation,
};

/// When a playbook may create another task for the same account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoolDown {
    /// Not while a task of the playbook for the account was planned or created within this
    /// many days, or is open in the org.
    Days(u32),
    /// Once per key (per contract term, per won deal), ever.
    OncePerKey,
}

/// The record a playbook's task key names, and the date in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyScheme {
    /// `{playbook}:{account18}:{trigger date}`.
    AccountAndTriggerDate,
    /// `{playbook}:{contract18}:{contract end date}`.
    ContractAndEndDate,
    /// `{playbook}:{opportunity18}:{close date}`.
    OpportunityAndCloseDate,
}

impl KeyScheme {
    /// The Id prefix of the record the key names.
    pub fn record_prefix(self) -> &'static str {
        match self {
            KeyScheme::AccountAndTriggerDate => "001",
            KeyScheme::ContractAndEndDate => "800",
            KeyScheme::OpportunityAndCloseDate => "006",
        }
    }

    /// The key's record and date in words, as the docs' tables write them.
    pub fn words(self) -> &'static str {
        match self {
            KeyScheme::AccountAndTriggerDate => "account, trigger date",
            KeyScheme::ContractAndEndDate => "contract, end date",
            KeyScheme::OpportunityAndCloseDate => "opportunity, close date",
        }
    }
}

/// The Task `Priority` picklist values Vitals uses (standard values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Priority {
    /// `High`.
    High,
    /// `Normal`.
    Normal,
}

impl Priority {
    /// The picklist value.
    pub fn as_api(self) -> &'static str {
        match self {
            Priority::High => "High",
            Priority::Normal => "Normal",
        }
    }
}

/// One playbook.
#[derive(Debug, Clone, Copy)]
pub struct PlaybookSpec {
    /// Which playbook.
    pub playbook: Playbook,
    /// When it calls for a task.
    pub trigger: TriggerFn,
    /// When it may create another.
    pub cool_down: CoolDown,
    /// What its key names.
    pub key: KeyScheme,
    /// The task's subject (the trigger may add which contract or deal).
    pub subject: &'static str,
    /// What the CSM is asked to do, in order.
    pub checklist: &'static [&'static str],
    /// Due this many days after the trigger date.
    pub due_in_days: u32,
    /// The task's priority.
    pub priority: Priority,
}

/// The eight playbooks of product-spec section 6, in the spec's order.
pub const PLAYBOOKS: [PlaybookSpec; 8] = [
    PlaybookSpec {
        playbook: Playbook::HealthReview,
        trigger: health_review::trigger,
        cool_down: CoolDown::Days(30),
        key: KeyScheme::AccountAndTriggerDate,
        subject: "Health review",
        checklist: &[
            "Review the health breakdown and what changed since the previous period",
            "Confirm the account plan with the customer's sponsor",
            "Record the next steps on the account",
        ],
        due_in_days: 7,
        priority: Priority::Normal,
    },
    PlaybookSpec {
        playbook: Playbook::Escalation,
        trigger: escalation::trigger,
        cool_down: CoolDown::Days(14),
        key: KeyScheme::AccountAndTriggerDate,
        subject: "Escalation: notify leadership, assign an owner, update the customer within 24 h",
        checklist: &[
            "Notify CS leadership",
            "Assign an escalation owner",
            "Send the customer an update within 24 hours",
        ],
        due_in_days: 1,
        priority: Priority::High,
    },
    PlaybookSpec {
        playbook: Playbook::RenewalPreparation,
        trigger: renewal_preparation::trigger,
        cool_down: CoolDown::OncePerKey,
        key: KeyScheme::ContractAndEndDate,
        subject: "Renewal preparation",
        checklist: &[
            "Health review",
            "Stakeholder confirmed",
            "Scope documented",
            "Commercial terms",
        ],
        due_in_days: 14,
        priority: Priority::Normal,
    },
    PlaybookSpec {
        playbook: Playbook::LowEngagement,
        trigger: low_engagement::trigger,
        cool_down: CoolDown::Days(30),
        key: KeyScheme::AccountAndTriggerDate,
        subject: "Low engagement: seats unused two periods running",
        checklist: &[
            "Review seat utilisation with the customer",
            "Plan enablement for the inactive users",
            "Agree adoption goals and a date to check them",
        ],
        due_in_days: 14,
        priority: Priority::Normal,
    },
    PlaybookSpec {
        playbook: Playbook::Expansion,
        trigger: expansion::trigger,
        cool_down: CoolDown::Days(90),
        key: KeyScheme::AccountAndTriggerDate,
        subject: "Expansion opportunity: seats nearly or fully used",
        checklist: &[
            "Confirm the seat needs with the customer",
            "Discuss additional seats or products",
            "Involve the account executive",
        ],
        due_in_days: 14,
        priority: Priority::Normal,
    },
    PlaybookSpec {
        playbook: Playbook::Onboarding,
        trigger: onboarding::trigger,
        cool_down: CoolDown::OncePerKey,
        key: KeyScheme::OpportunityAndCloseDate,
        subject: "Onboarding",
        checklist: &[
            "Kickoff",
            "Success plan",
            "First value milestone",
            "Business review date within 60 days",
        ],
        due_in_days: 7,
        priority: Priority::Normal,
    },
    PlaybookSpec {
        playbook: Playbook::QbrCadence,
        trigger: qbr_cadence::trigger,
        cool_down: CoolDown::Days(30),
        key: KeyScheme::AccountAndTriggerDate,
        subject: "Schedule a QBR",
        checklist: &[
            "Schedule the QBR with the customer's sponsor and economic buyer",
            "Prepare the review: health, value delivered, roadmap, renewal",
            "Log the QBR as an event of type QBR",
        ],
        due_in_days: 14,
        priority: Priority::Normal,
    },
    PlaybookSpec {
        playbook: Playbook::ReEngagement,
        trigger: re_engagement::trigger,
        cool_down: CoolDown::Days(30),
        key: KeyScheme::AccountAndTriggerDate,
        subject: "Re-engage: no customer contact in 45 days",
        checklist: &[
            "Contact the customer's main contact",
            "Find out why activity stopped",
            "Log the contact and the next step",
        ],
        due_in_days: 7,
        priority: Priority::Normal,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    /// The cells of the docs' row for a playbook: trigger, cool-down, key, due, priority,
    /// checklist.
    fn row<'a>(docs: &'a str, name: &str) -> Vec<&'a str> {
        let line = docs
            .lines()
            .map(|l| l.trim_start_matches("//!").trim())
            .find(|l| l.starts_with(&format!("| {name} |")))
            .unwrap_or_else(|| panic!("no row for {name}"));
        line.split('|').map(str::trim).skip(2).take(6).collect()
    }

    #[test]
    fn the_table_lists_every_playbook_once_in_the_specs_order() {
        let order: Vec<Playbook> = PLAYBOOKS.iter().map(|s| s.playbook).collect();
        assert_eq!(order, Playbook::ALL);
    }

    #[test]
    fn the_readme_and_the_module_docs_show_the_table_as_it_is() {
        for docs in [include_str!("../../README.md"), include_str!("mod.rs")] {
            for spec in &PLAYBOOKS {
                let cells = row(docs, spec.playbook.name());
                let cool_down = match spec.cool_down {
                    CoolDown::Days(n) => format!("{n} days"),
                    CoolDown::OncePerKey => "once per key".to_owned(),
                };
                let due = match spec.due_in_days {
                    1 => "1 day".to_owned(),
                    n => format!("{n} days"),
                };
                assert_eq!(cells[1], cool_down, "{}", spec.playbook.name());
                assert_eq!(cells[2], spec.key.words(), "{}", spec.playbook.name());
                assert!(
                    cells[3].starts_with(&due),
                    "{}: {}",
                    spec.playbook.name(),
                    cells[3]
                );
                assert_eq!(cells[4], spec.priority.as_api(), "{}", spec.playbook.name());
                assert_eq!(
                    cells[5],
                    spec.checklist.join("; "),
                    "{}",
                    spec.playbook.name()
                );
            }
        }
    }
}
