//! `vitals explain` output pinned by snapshots, for a handful of accounts that show what a
//! CSM must be able to read: shown points and shares that add up, flags in plain words,
//! Insufficient Data with its missing inputs, a change line that agrees with the trend, and
//! the evidence of every category. The breakdowns are rendered from scoring directly (the
//! binary's own test is `explain.rs`); the hand-computed fixtures hold the arithmetic.

use chrono::{DateTime, Utc};
use vitals::config::Period;
use vitals::salesforce::wire::{FieldMap, decode_org_file};
use vitals::scoring::{Model, Periods, Previous, render, score_account};

use crate::scoring_fixtures::{fixtures_dir, run};

/// The breakdown of a hand-computed fixture.
fn fixture(name: &str) -> String {
    let (_, score) = run(&fixtures_dir().join(name)).unwrap();
    render(&score)
}

#[test]
fn acme_a_full_breakdown_with_a_declining_trend() {
    // The org file `vitals explain --input` is tried with, scored as `--as-of 2026-06-30`.
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/explain/acme.json");
    let text = std::fs::read_to_string(path).unwrap();
    let model = Model::load_preset("csm-nine").unwrap();
    let file = decode_org_file(&text, &FieldMap::default(), &model.category_keys()).unwrap();
    let (snapshots, _) = file.records.into_snapshots();
    let acme = snapshots
        .values()
        .find(|s| s.account.name == "Acme Corporation")
        .unwrap();
    let as_of: DateTime<Utc> = "2026-06-30T23:59:59Z".parse().unwrap();
    let periods = Periods::around(as_of.date_naive(), |day| Period::Monthly.start_of(day));
    let previous = Previous::from_snapshot(acme, &model.name, periods, as_of);
    insta::assert_snapshot!(render(&score_account(acme, &model, as_of, &previous)));
}

#[test]
fn insufficient_data_names_what_is_missing_instead_of_a_score() {
    insta::assert_snapshot!(fixture("06-insufficient-data-below-50-percent.json"));
}

#[test]
fn points_that_would_round_to_a_sum_off_by_a_tenth_add_up() {
    insta::assert_snapshot!(fixture("75-shown-points-add-up-to-the-shown-overall.json"));
}

#[test]
fn a_customer_below_60_is_flagged_as_a_whole() {
    insta::assert_snapshot!(fixture(
        "73-usage-support-engagement-expansion-customer-below-60.json"
    ));
}

#[test]
fn four_signal_names_the_economic_buyer_and_the_open_escalation() {
    insta::assert_snapshot!(fixture(
        "72-four-signal-economic-buyer-and-open-escalation.json"
    ));
}

#[test]
fn a_lost_renewal_says_it_was_lost() {
    insta::assert_snapshot!(fixture("68-renewal-closed-lost-future-close-date.json"));
}

#[test]
fn the_change_line_agrees_with_the_trend_from_the_previous_periods_record() {
    insta::assert_snapshot!(fixture(
        "46-trend-from-the-previous-periods-history-record.json"
    ));
}
