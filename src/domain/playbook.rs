//! [`Playbook`]: the playbooks of product-spec section 6, by the names an admin uses.
//!
//! The configuration enables them (`playbooks.enabled`), the playbooks module plans their
//! tasks, and the preflight checks that the org's playbook picklist offers every name, so
//! the names live here, in the shared vocabulary, and not in any one of those modules.

/// The playbooks of product-spec section 6.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Playbook {
    /// `health-review`.
    HealthReview,
    /// `escalation`.
    Escalation,
    /// `renewal-preparation`.
    RenewalPreparation,
    /// `low-engagement`.
    LowEngagement,
    /// `expansion`.
    Expansion,
    /// `onboarding`.
    Onboarding,
    /// `qbr-cadence`.
    QbrCadence,
    /// `re-engagement`.
    ReEngagement,
}

impl Playbook {
    /// Every playbook, in the spec's order.
    pub const ALL: [Playbook; 8] = [
        Playbook::HealthReview,
        Playbook::Escalation,
        Playbook::RenewalPreparation,
        Playbook::LowEngagement,
        Playbook::Expansion,
        Playbook::Onboarding,
        Playbook::QbrCadence,
        Playbook::ReEngagement,
    ];

    /// The name used in `playbooks.enabled` and written on the playbook's tasks.
    pub fn name(self) -> &'static str {
        match self {
            Playbook::HealthReview => "health-review",
            Playbook::Escalation => "escalation",
            Playbook::RenewalPreparation => "renewal-preparation",
            Playbook::LowEngagement => "low-engagement",
            Playbook::Expansion => "expansion",
            Playbook::Onboarding => "onboarding",
            Playbook::QbrCadence => "qbr-cadence",
            Playbook::ReEngagement => "re-engagement",
        }
    }

    /// Reads a name from `playbooks.enabled`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_playbook_reads_back_from_its_name() {
        for playbook in Playbook::ALL {
            assert_eq!(Playbook::from_name(playbook.name()), Some(playbook));
        }
        assert_eq!(Playbook::from_name("Escalation"), None);
    }
}
