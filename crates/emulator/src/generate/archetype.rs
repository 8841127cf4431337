//! How accounts are classified: health archetype, ARR tier and lifecycle.
//!
//! Owns the archetype shares (dealt in shuffled blocks so they are exact) and the names the
//! summary prints. Classification only; it never decides record contents.

use super::dice::Dice;

/// The health story an account is generated to tell (`story.rs` tells each), and where
/// `csm-nine` is meant to put it; Vitals' `generated_org_mix` test checks that it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Archetype {
    /// A customer in good health: meant to be clearly Healthy.
    Healthy,
    /// A customer going quiet and unhappy: meant to be clearly At Risk.
    AtRisk,
    /// A customer slipping from healthy: meant to score near the Healthy/Monitor boundary.
    BorderlineHigh,
    /// A customer struggling but still talking: meant to score near the Monitor/At Risk
    /// boundary.
    BorderlineLow,
    /// A customer with so little data that the model cannot judge: Insufficient Data.
    Sparse,
}

impl Archetype {
    /// Every archetype.
    pub const ALL: [Archetype; 5] = [
        Archetype::Healthy,
        Archetype::AtRisk,
        Archetype::BorderlineHigh,
        Archetype::BorderlineLow,
        Archetype::Sparse,
    ];

    /// A stable snake_case name.
    pub fn name(self) -> &'static str {
        match self {
            Archetype::Healthy => "healthy",
            Archetype::AtRisk => "at_risk",
            Archetype::BorderlineHigh => "borderline_high",
            Archetype::BorderlineLow => "borderline_low",
            Archetype::Sparse => "sparse",
        }
    }

    /// The exact share of every block of [`ARCHETYPE_BLOCK`] accounts, in percent.
    pub fn share_percent(self) -> u32 {
        let slots = ARCHETYPE_SLOTS.iter().filter(|a| **a == self).count();
        // At most 20 slots: the conversion is exact.
        u32::try_from(slots * 100 / ARCHETYPE_SLOTS.len()).unwrap_or(0)
    }
}

/// Accounts are dealt archetypes in shuffled blocks of this size, so shares are exact for
/// every full block: 45 % healthy, 25 % at risk, 10 % + 10 % borderline, 10 % sparse.
pub const ARCHETYPE_BLOCK: u32 = 20;

const ARCHETYPE_SLOTS: [Archetype; 20] = {
    use Archetype::*;
    [
        Healthy,
        Healthy,
        Healthy,
        Healthy,
        Healthy,
        Healthy,
        Healthy,
        Healthy,
        Healthy,
        AtRisk,
        AtRisk,
        AtRisk,
        AtRisk,
        AtRisk,
        BorderlineHigh,
        BorderlineHigh,
        BorderlineLow,
        BorderlineLow,
        Sparse,
        Sparse,
    ]
};

/// The archetypes of one block of accounts, shuffled under the seed.
pub(super) fn archetype_block(seed: u64, block: u32) -> [Archetype; 20] {
    let mut slots = ARCHETYPE_SLOTS;
    Dice::new(seed, 1, u64::from(block)).shuffle(&mut slots);
    slots
}

/// The ARR tier that sets an account's size and coverage model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Tier {
    /// ARR of 250k and above.
    Strategic,
    /// ARR 100k–250k.
    Enterprise,
    /// ARR 25k–100k.
    #[default]
    MidMarket,
    /// ARR below 25k.
    TechTouch,
}

impl Tier {
    /// Every tier, largest first.
    pub const ALL: [Tier; 4] = [
        Tier::Strategic,
        Tier::Enterprise,
        Tier::MidMarket,
        Tier::TechTouch,
    ];

    /// A stable snake_case name.
    pub fn name(self) -> &'static str {
        match self {
            Tier::Strategic => "strategic",
            Tier::Enterprise => "enterprise",
            Tier::MidMarket => "mid_market",
            Tier::TechTouch => "tech_touch",
        }
    }

    /// How much history an account of this tier accumulates, relative to mid-market.
    pub(super) fn volume(self) -> f64 {
        match self {
            Tier::Strategic => 2.4,
            Tier::Enterprise => 1.6,
            Tier::MidMarket => 1.0,
            Tier::TechTouch => 0.55,
        }
    }

    /// The two largest tiers (the ones with quarterly business reviews).
    pub(super) fn is_top(self) -> bool {
        matches!(self, Tier::Strategic | Tier::Enterprise)
    }
}

/// Where an account is in its life as a customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Lifecycle {
    /// First contract started within the last 90 days.
    Onboarding,
    /// An established customer with an active contract.
    #[default]
    Mature,
    /// The last contract expired and the renewal was lost.
    Churned,
    /// Closed won, but the contract is still in Draft (the sparse-data accounts).
    Pending,
}

impl Lifecycle {
    /// Every lifecycle.
    pub const ALL: [Lifecycle; 4] = [
        Lifecycle::Onboarding,
        Lifecycle::Mature,
        Lifecycle::Churned,
        Lifecycle::Pending,
    ];

    /// A stable snake_case name.
    pub fn name(self) -> &'static str {
        match self {
            Lifecycle::Onboarding => "onboarding",
            Lifecycle::Mature => "mature",
            Lifecycle::Churned => "churned",
            Lifecycle::Pending => "pending",
        }
    }
}
