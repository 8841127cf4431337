//! The generator's reading of the `csm-nine` model (product-spec section 5), used to aim each
//! account at its intended score and, in tests, to check that the emitted records hit it.
//!
//! This is not the scoring engine and must never be used by it: it exists so the generated
//! org tells a known story. Where the spec leaves a choice open, the reading takes the
//! choice that is hardest on the data (an account without any QBR scores 0 for reviews; one
//! without cases keeps 100 for case health; no renewal opportunity inside the window counts
//! as Early Review), so the archetypes keep their bands under any sensible reading.

/// The nine categories, in the spec's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Category {
    Adoption,
    Cases,
    Recency,
    Satisfaction,
    Reviews,
    Milestones,
    Renewal,
    Surveys,
    Meetings,
}

impl Category {
    /// Every category, in the spec's order.
    pub(super) const ALL: [Category; 9] = [
        Category::Adoption,
        Category::Cases,
        Category::Recency,
        Category::Satisfaction,
        Category::Reviews,
        Category::Milestones,
        Category::Renewal,
        Category::Surveys,
        Category::Meetings,
    ];

    /// The category's default weight.
    pub(super) fn weight(self) -> f64 {
        match self {
            Category::Adoption => 20.0,
            Category::Cases | Category::Recency => 15.0,
            Category::Satisfaction
            | Category::Reviews
            | Category::Milestones
            | Category::Renewal => 10.0,
            Category::Surveys | Category::Meetings => 5.0,
        }
    }

    fn slot(self) -> usize {
        match self {
            Category::Adoption => 0,
            Category::Cases => 1,
            Category::Recency => 2,
            Category::Satisfaction => 3,
            Category::Reviews => 4,
            Category::Milestones => 5,
            Category::Renewal => 6,
            Category::Surveys => 7,
            Category::Meetings => 8,
        }
    }
}

/// Per-category scores of one account; `None` where the category has no data.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct Categories([Option<f64>; 9]);

/// An overall score and the share of weight (0..=100) that had data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Overall {
    pub score: f64,
    pub coverage: f64,
}

impl Categories {
    pub(super) fn set(&mut self, category: Category, score: Option<f64>) {
        if let Some(slot) = self.0.get_mut(category.slot()) {
            *slot = score;
        }
    }

    pub(super) fn get(&self, category: Category) -> Option<f64> {
        self.0.get(category.slot()).copied().flatten()
    }

    /// Weight and weighted sum over the categories with data, leaving one out.
    pub(super) fn sums_without(&self, left_out: Option<Category>) -> (f64, f64) {
        Category::ALL
            .into_iter()
            .filter(|c| Some(*c) != left_out)
            .filter_map(|c| self.get(c).map(|s| (c.weight(), c.weight() * s)))
            .fold((0.0, 0.0), |(w, s), (cw, cs)| (w + cw, s + cs))
    }

    /// The weighted mean over categories with data, and the coverage.
    pub(super) fn overall(&self) -> Option<Overall> {
        let (weight, sum) = self.sums_without(None);
        (weight > 0.0).then(|| Overall {
            score: sum / weight,
            coverage: weight,
        })
    }
}

fn clamp_percent(x: f64) -> f64 {
    x.clamp(0.0, 100.0)
}

/// Product adoption: utilisation (25 % → 0, 75 % → 100) averaged with core adoption.
pub(super) fn adoption(seats: Option<u32>, active: Option<u32>, core: Option<f64>) -> Option<f64> {
    let utilisation = match (seats, active) {
        (Some(seats), Some(active)) if seats > 0 => {
            let share = f64::from(active) / f64::from(seats);
            Some(clamp_percent((share - 0.25) / 0.5 * 100.0))
        }
        _ => None,
    };
    match (utilisation, core) {
        (Some(u), Some(c)) => Some((u + c) / 2.0),
        (Some(u), None) => Some(u),
        (None, Some(c)) => Some(c),
        (None, None) => None,
    }
}

/// Case health: 100 − 25 per open High/Critical case − 20 per SLA breach − 15 per
/// escalation in the last 90 days, floored at 0.
pub(super) fn cases(open_high: u32, breaches: u32, escalations: u32) -> f64 {
    let deduction = 25 * open_high + 20 * breaches + 15 * escalations;
    clamp_percent(100.0 - f64::from(deduction))
}

/// Engagement recency from the days since the last past activity.
pub(super) fn recency(days: i64) -> f64 {
    match days {
        ..=14 => 100.0,
        15..=30 => 75.0,
        31..=45 => 50.0,
        _ => 0.0,
    }
}

/// Support satisfaction: mean CSAT of cases closed in the last 180 days, 1 → 0 … 5 → 100.
pub(super) fn satisfaction(scores: &[u8]) -> Option<f64> {
    if scores.is_empty() {
        return None;
    }
    let total: u32 = scores.iter().map(|s| u32::from(*s)).sum();
    let count = u32::try_from(scores.len()).unwrap_or(u32::MAX);
    let mean = f64::from(total) / f64::from(count);
    Some(clamp_percent((mean - 1.0) * 25.0))
}

/// Business reviews from the days since the last QBR (none at all scores 0).
pub(super) fn reviews(days: Option<i64>) -> f64 {
    match days {
        Some(..=90) => 100.0,
        Some(91..=120) => 50.0,
        _ => 0.0,
    }
}

/// Milestones: the share of those due in the last 180 days met on or before the due date.
pub(super) fn milestones(on_time: &[bool]) -> Option<f64> {
    if on_time.is_empty() {
        return None;
    }
    let met = on_time.iter().filter(|m| **m).count();
    let share = |n: usize| f64::from(u32::try_from(n).unwrap_or(u32::MAX));
    Some(share(met) / share(on_time.len()) * 100.0)
}

/// The renewal stages a renewal moves through, in order of progress.
pub(super) const PROGRESS_STAGES: [&str; 3] =
    ["Early Review", "Stakeholder Confirmed", "Terms Agreed"];

/// The progress stage a renewal should have reached with `days_left` to contract end.
pub(super) fn expected_stage(days_left: i64) -> usize {
    match days_left {
        91.. => 0,
        61..=90 => 1,
        _ => 2,
    }
}

/// Renewal readiness for the active contract ending soonest: outside the 120-day window 100;
/// inside it, on track 100, one stage behind 50, further behind or At Risk 0. A missing
/// renewal opportunity counts as Early Review. `None` without an active contract.
pub(super) fn renewal(days_left: Option<i64>, stage: Option<&str>) -> Option<f64> {
    let days_left = days_left?;
    if days_left > 120 {
        return Some(100.0);
    }
    let reached = match stage {
        None => Some(0),
        Some(stage) => PROGRESS_STAGES.iter().position(|s| *s == stage),
    };
    let Some(reached) = reached else {
        return Some(0.0); // At Risk, or a stage outside the renewal process.
    };
    Some(match expected_stage(days_left).saturating_sub(reached) {
        0 => 100.0,
        1 => 50.0,
        _ => 0.0,
    })
}

/// One project survey score: ≥ 4 → 100, 3 → 50, ≤ 2 → 0.
fn survey(score: u8) -> f64 {
    match score {
        4.. => 100.0,
        3 => 50.0,
        _ => 0.0,
    }
}

/// Project surveys: the mean over the Kickoff and UAT scores that are present.
pub(super) fn surveys(kickoff: Option<u8>, uat: Option<u8>) -> Option<f64> {
    match (kickoff, uat) {
        (Some(k), Some(u)) => Some((survey(k) + survey(u)) / 2.0),
        (Some(one), None) | (None, Some(one)) => Some(survey(one)),
        (None, None) => None,
    }
}

/// Meeting depth: mean duration of meetings in the last 90 days, 15 min → 0, 45 min → 100.
pub(super) fn meetings(durations: &[u32]) -> Option<f64> {
    if durations.is_empty() {
        return None;
    }
    let total: u32 = durations.iter().sum();
    let count = u32::try_from(durations.len()).unwrap_or(u32::MAX);
    let mean = f64::from(total) / f64::from(count);
    Some(clamp_percent((mean - 15.0) / 30.0 * 100.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_match_the_spec_table() {
        assert_eq!(adoption(Some(100), Some(75), None), Some(100.0));
        assert_eq!(adoption(Some(100), Some(50), Some(20.0)), Some(35.0));
        assert_eq!(adoption(Some(100), Some(10), None), Some(0.0));
        assert_eq!(adoption(None, None, None), None);
        assert_eq!(cases(1, 1, 1), 40.0);
        assert_eq!(cases(4, 0, 0), 0.0);
        assert_eq!(recency(30), 75.0);
        assert_eq!(recency(46), 0.0);
        assert_eq!(satisfaction(&[5, 3]), Some(75.0));
        assert_eq!(reviews(Some(120)), 50.0);
        assert_eq!(reviews(None), 0.0);
        assert_eq!(milestones(&[true, false]), Some(50.0));
        assert_eq!(renewal(Some(200), None), Some(100.0));
        assert_eq!(renewal(Some(100), None), Some(100.0));
        assert_eq!(renewal(Some(80), Some("Early Review")), Some(50.0));
        assert_eq!(renewal(Some(30), Some("Early Review")), Some(0.0));
        assert_eq!(renewal(Some(30), Some("Terms Agreed")), Some(100.0));
        assert_eq!(renewal(Some(100), Some("At Risk")), Some(0.0));
        assert_eq!(renewal(None, None), None);
        assert_eq!(surveys(Some(5), Some(3)), Some(75.0));
        assert_eq!(meetings(&[15, 45]), Some(50.0));
        let mut c = Categories::default();
        c.set(Category::Adoption, Some(50.0));
        c.set(Category::Cases, Some(100.0));
        let overall = c.overall().unwrap();
        assert_eq!(overall.coverage, 35.0);
        assert!((overall.score - (20.0 * 50.0 + 15.0 * 100.0) / 35.0).abs() < 1e-9);
    }
}
