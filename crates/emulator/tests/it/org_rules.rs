//! Rules an org applies on save that a client cannot turn off: the CloseDate of an
//! opportunity won before its date, and the package's validation rules.

use chrono::{TimeZone, Utc};
use emulator::EmulatorConfig;
use reqwest::StatusCode;
use serde_json::json;

use crate::common::{Org, config};

/// Creates an opportunity and returns its Id.
async fn opportunity(org: &Org, stage: &str, close: &str) -> String {
    org.create(
        "Opportunity",
        json!({"Name": "Renewal", "StageName": stage, "CloseDate": close}),
    )
    .await
}

async fn set_stage(org: &Org, id: &str, body: serde_json::Value) {
    let r = org
        .patch(&format!("/sobjects/Opportunity/{id}"), body)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
}

#[tokio::test]
async fn winning_an_open_opportunity_early_moves_its_close_date_to_today_utc() {
    // 00:30 UTC on 3 March: "today" is the UTC date, whatever the user's time zone.
    let org = Org::with(EmulatorConfig {
        fixed_clock: Some(Utc.with_ymd_and_hms(2026, 3, 3, 0, 30, 0).unwrap()),
        ..config()
    })
    .await;

    let early = opportunity(&org, "Prospecting", "2026-06-30").await;
    set_stage(&org, &early, json!({"StageName": "Closed Won"})).await;
    assert_eq!(
        org.field("Opportunity", &early, "CloseDate").await,
        "2026-03-03"
    );
    assert_eq!(org.field("Opportunity", &early, "IsWon").await, true);

    // A date in the past is kept.
    let late = opportunity(&org, "Prospecting", "2026-01-15").await;
    set_stage(&org, &late, json!({"StageName": "Closed Won"})).await;
    assert_eq!(
        org.field("Opportunity", &late, "CloseDate").await,
        "2026-01-15"
    );

    // Closing as Lost keeps the date.
    let lost = opportunity(&org, "Prospecting", "2026-06-30").await;
    set_stage(&org, &lost, json!({"StageName": "Closed Lost"})).await;
    assert_eq!(
        org.field("Opportunity", &lost, "CloseDate").await,
        "2026-06-30"
    );

    // The write cannot keep a future date by giving it alongside the stage.
    let insist = opportunity(&org, "Prospecting", "2026-04-01").await;
    set_stage(
        &org,
        &insist,
        json!({"StageName": "Closed Won", "CloseDate": "2026-05-01"}),
    )
    .await;
    assert_eq!(
        org.field("Opportunity", &insist, "CloseDate").await,
        "2026-03-03"
    );

    // Lost, then won: it was not open when won, so the date stays.
    set_stage(&org, &lost, json!({"StageName": "Closed Won"})).await;
    assert_eq!(
        org.field("Opportunity", &lost, "CloseDate").await,
        "2026-06-30"
    );
}

#[tokio::test]
async fn an_opportunity_inserted_already_won_keeps_its_close_date() {
    let org = Org::start().await;
    let won = opportunity(&org, "Closed Won", "2026-06-30").await;
    assert_eq!(
        org.field("Opportunity", &won, "CloseDate").await,
        "2026-06-30"
    );
    // Later edits of a closed opportunity leave the date alone too.
    set_stage(&org, &won, json!({"Name": "Renamed"})).await;
    assert_eq!(
        org.field("Opportunity", &won, "CloseDate").await,
        "2026-06-30"
    );
}
