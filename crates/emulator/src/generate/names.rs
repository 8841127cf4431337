//! Word pools for names and subjects, so the generated org reads like a real one.
//!
//! Pure data and one naming function; nothing here is random on its own or affects scores.

/// First words of account names.
const ACCOUNT_PREFIXES: &[&str] = &[
    "Acme",
    "Northwind",
    "Bluebird",
    "Cobalt",
    "Evergreen",
    "Granite",
    "Harbor",
    "Ironwood",
    "Juniper",
    "Keystone",
    "Lumen",
    "Meridian",
    "Nimbus",
    "Oakridge",
    "Pinnacle",
    "Quarry",
    "Redwood",
    "Summit",
    "Tidewater",
    "Union",
    "Vantage",
    "Westfield",
    "Yellowstone",
    "Zephyr",
    "Alder",
    "Beacon",
    "Cascade",
    "Delta",
    "Ember",
    "Falcon",
    "Glacier",
    "Horizon",
    "Indigo",
    "Jasper",
    "Kestrel",
    "Lakeshore",
    "Mosaic",
    "Northstar",
    "Orchid",
    "Prairie",
    "Quantum",
    "Riverside",
    "Sierra",
    "Tamarack",
    "Upland",
    "Vertex",
    "Willow",
    "Aspen",
    "Birch",
    "Cedar",
    "Driftwood",
    "Elm",
    "Foxglove",
    "Greystone",
    "Hawthorn",
    "Ivy",
    "Larkspur",
    "Maple",
    "Nova",
    "Orion",
];

/// Second words of account names.
const ACCOUNT_SUFFIXES: &[&str] = &[
    "Logistics",
    "Health",
    "Bank",
    "Foods",
    "Energy",
    "Analytics",
    "Insurance",
    "Media",
    "Robotics",
    "Pharma",
    "Retail",
    "Telecom",
    "Capital",
    "Labs",
    "Manufacturing",
    "Freight",
    "Software",
    "Hotels",
    "Utilities",
    "Education",
    "Aerospace",
    "Biotech",
    "Consulting",
    "Partners",
    "Systems",
    "Networks",
    "Motors",
    "Apparel",
    "Brewing",
    "Clinics",
    "Credit Union",
    "Engineering",
    "Foundation",
    "Group",
    "Holdings",
    "Industries",
    "Mutual",
    "Outfitters",
    "Realty",
    "Studios",
];

/// A unique, readable account name for account `index`: every index maps to a different
/// (prefix, suffix, round) triple, and `rotation` varies the pairing between seeds.
pub(super) fn account_name(index: u32, rotation: u64) -> String {
    let index = u64::from(index);
    let prefixes = u64::try_from(ACCOUNT_PREFIXES.len()).unwrap_or(1);
    let suffixes = u64::try_from(ACCOUNT_SUFFIXES.len()).unwrap_or(1);
    let prefix = (index + rotation) % prefixes;
    let suffix = (index / prefixes + rotation / prefixes) % suffixes;
    let round = index / (prefixes * suffixes);
    let word = |pool: &[&'static str], i: u64| {
        usize::try_from(i)
            .ok()
            .and_then(|i| pool.get(i))
            .copied()
            .unwrap_or("Account")
    };
    let base = format!(
        "{} {}",
        word(ACCOUNT_PREFIXES, prefix),
        word(ACCOUNT_SUFFIXES, suffix)
    );
    if round == 0 {
        base
    } else {
        format!("{base} {}", round + 1)
    }
}

/// Given names.
pub(super) const FIRST_NAMES: &[&str] = &[
    "Ava", "Ben", "Chloe", "Daniel", "Elena", "Farid", "Grace", "Hiro", "Isla", "Jonas", "Kira",
    "Liam", "Maya", "Noah", "Olivia", "Priya", "Quinn", "Rafael", "Sofia", "Tomas", "Uma",
    "Victor", "Wen", "Ximena", "Yusuf", "Zoe", "Amara", "Bruno", "Carmen", "Dmitri",
];

/// Family names.
pub(super) const LAST_NAMES: &[&str] = &[
    "Anders",
    "Brooks",
    "Castillo",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Hughes",
    "Ibrahim",
    "Jensen",
    "Kowalski",
    "Lindqvist",
    "Moreau",
    "Nakamura",
    "Okafor",
    "Patel",
    "Quintero",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Usman",
    "Varga",
    "Walsh",
    "Xu",
    "Yilmaz",
    "Zimmer",
    "Novak",
    "Costa",
    "Murphy",
    "Singh",
];

/// Customer contact titles.
pub(super) const CONTACT_TITLES: &[&str] = &[
    "Executive Sponsor",
    "VP Operations",
    "Director of IT",
    "Project Manager",
    "Product Owner",
    "Head of Finance",
    "Systems Administrator",
    "Team Lead",
    "Procurement Manager",
    "Chief Operating Officer",
];

/// Industries (values of `Account.Industry`).
pub(super) const INDUSTRIES: &[&str] = &[
    "Banking",
    "Biotechnology",
    "Communications",
    "Consulting",
    "Education",
    "Energy",
    "Engineering",
    "Finance",
    "Government",
    "Healthcare",
    "Hospitality",
    "Insurance",
    "Manufacturing",
    "Media",
    "Not For Profit",
    "Retail",
    "Technology",
    "Telecommunications",
    "Transportation",
    "Utilities",
];

/// Comments a CSM leaves with each sentiment.
pub(super) fn sentiment_comments(sentiment: &str) -> &'static [&'static str] {
    match sentiment {
        "Green" => &[
            "Strong executive sponsor; expanding to a second team.",
            "Champion is vocal in the community and renewed early last time.",
            "Weekly usage keeps climbing; asked about the analytics add-on.",
        ],
        "Yellow" => &[
            "New sponsor since the reorg; relationship needs rebuilding.",
            "Adoption stalled after the pilot team moved on.",
            "Budget review next quarter; value story not yet documented.",
        ],
        _ => &[
            "Champion left; no replacement identified.",
            "Evaluating a competitor after the outage in the spring.",
            "Escalated billing dispute; executive call requested.",
        ],
    }
}

/// Case subjects.
pub(super) const CASE_SUBJECTS: &[&str] = &[
    "Login fails after SSO certificate rotation",
    "Nightly export times out",
    "Dashboard shows stale numbers",
    "Need help configuring user roles",
    "API returns 500 on bulk update",
    "Request: dark mode for reports",
    "Invoice shows wrong seat count",
    "Email notifications delayed",
    "Mobile app crashes on upload",
    "How do I archive old projects?",
    "Data import rejected rows without reason",
    "Performance degraded during peak hours",
];

/// Churn reasons (values of `Opportunity.Churn_Reason__c`).
pub(super) const CHURN_REASONS: &[&str] = &[
    "Budget",
    "Competitor",
    "Product Fit",
    "Poor Adoption",
    "Support Experience",
    "Acquired or Merged",
    "Champion Left",
    "Other",
];

/// Milestone names for onboarding and later projects.
pub(super) const MILESTONES: &[&str] = &[
    "Kickoff complete",
    "Success plan signed off",
    "Data migration complete",
    "Admin training delivered",
    "UAT sign-off",
    "Go-live",
    "First value milestone",
    "Integration live",
    "Second team onboarded",
];

/// Meeting subjects.
pub(super) const MEETING_SUBJECTS: &[&str] = &[
    "Weekly sync",
    "Adoption review",
    "Roadmap preview",
    "Admin office hours",
    "Executive check-in",
    "Workflow design session",
    "Training: reporting",
    "Support escalation review",
];

/// All-day event subjects.
pub(super) const ALL_DAY_SUBJECTS: &[&str] = &[
    "On-site workshop",
    "Customer training day",
    "User conference",
    "Innovation day",
];

/// Call subjects.
pub(super) const CALL_SUBJECTS: &[&str] = &[
    "Call: adoption check-in",
    "Call: renewal timeline",
    "Call: support follow-up",
    "Call: introduce new admin",
    "Call: usage review",
];

/// Email subjects.
pub(super) const EMAIL_SUBJECTS: &[&str] = &[
    "Email: release notes",
    "Email: training invitation",
    "Email: QBR follow-up",
    "Email: success plan draft",
    "Email: survey reminder",
];

/// Expansion opportunity themes.
pub(super) const EXPANSION_THEMES: &[&str] = &[
    "Seat expansion",
    "Analytics add-on",
    "Second business unit",
    "Premium support",
    "Sandbox licences",
];

/// A lower-case slug of an account name for e-mail domains.
pub(super) fn slug(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn account_names_are_unique() {
        let names: HashSet<String> = (0..30_000).map(|i| account_name(i, 12_345)).collect();
        assert_eq!(names.len(), 30_000);
        assert_eq!(slug("Acme Credit Union 2"), "acmecreditunion2");
    }
}
