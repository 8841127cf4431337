//! Rules an org applies on save that a client cannot turn off: the CloseDate of an
//! opportunity won before its date, and the package's validation rules.

use chrono::{TimeZone, Utc};
use emulator::EmulatorConfig;
use reqwest::StatusCode;
use serde_json::json;

use crate::common::bulk::rows_by;
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

const RULE_MESSAGE: &str = "Explain a Yellow or Red sentiment in CSM Sentiment Comment.";

#[tokio::test]
async fn the_sentiment_comment_rule_refuses_rest_and_collections_writes() {
    let org = Org::with_package().await;
    let r = org
        .post(
            "/sobjects/Account",
            json!({"Name": "Red", "CSM_Sentiment__c": "Red"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert_eq!(
        r.json,
        json!([{"message": RULE_MESSAGE, "errorCode": "FIELD_CUSTOM_VALIDATION_EXCEPTION",
                "fields": ["CSM_Sentiment_Comment__c"]}])
    );
    let green = org
        .create(
            "Account",
            json!({"Name": "Green", "CSM_Sentiment__c": "Green"}),
        )
        .await;
    // Turning it Yellow without a comment is refused; with one it saves.
    let r = org
        .patch(
            &format!("/sobjects/Account/{green}"),
            json!({"CSM_Sentiment__c": "Yellow"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    let r = org
        .patch(
            &format!("/sobjects/Account/{green}"),
            json!({"CSM_Sentiment__c": "Yellow", "CSM_Sentiment_Comment__c": "New sponsor."}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    // Clearing the comment of a Yellow account is refused too.
    let r = org
        .patch(
            &format!("/sobjects/Account/{green}"),
            json!({"CSM_Sentiment_Comment__c": null}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);

    // Collections: per record, in input order.
    let r = org
        .post(
            "/composite/sobjects",
            json!({"allOrNone": false, "records": [
                {"attributes": {"type": "Account"}, "Name": "A", "CSM_Sentiment__c": "Red", "CSM_Sentiment_Comment__c": "Escalated twice."},
                {"attributes": {"type": "Account"}, "Name": "B", "CSM_Sentiment__c": "Yellow"}
            ]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json[0]["success"], true);
    assert_eq!(
        r.json[1]["errors"],
        json!([{"statusCode": "FIELD_CUSTOM_VALIDATION_EXCEPTION", "message": RULE_MESSAGE,
                "fields": ["CSM_Sentiment_Comment__c"]}])
    );
}

#[tokio::test]
async fn the_sentiment_comment_rule_fails_bulk_rows() {
    let org = Org::with_package().await;
    let csv = "Name,CSM_Sentiment__c,CSM_Sentiment_Comment__c\n\
               Fine,Red,Lost the champion\n\
               Refused,Yellow,\n\
               Green,Green,\n";
    let (id, info) = org
        .run_ingest(
            json!({"object": "Account", "operation": "insert", "lineEnding": "LF"}),
            csv,
        )
        .await;
    assert_eq!(info["numberRecordsFailed"], 1, "{info}");
    let failed = org.result_file(&id, "failedResults").await;
    let rows = rows_by(&failed, "Name");
    assert_eq!(
        rows["Refused"]["sf__Error"],
        format!("FIELD_CUSTOM_VALIDATION_EXCEPTION:{RULE_MESSAGE}:CSM_Sentiment_Comment__c --")
    );
    assert_eq!(org.counts().await["Account"], 2);
}
