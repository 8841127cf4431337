//! A generated org (`--accounts N`) loads through the same validation and serves queries.

use emulator::DataSource;
use reqwest::Method;
use serde_json::json;

use crate::common::{Org, config};

#[tokio::test]
async fn a_generated_org_loads_and_answers_queries() {
    let mut cfg = config();
    cfg.metadata = emulator::MetadataSource::Embedded;
    cfg.data = DataSource::Generated {
        accounts: 200,
        seed: 7,
    };
    let org = Org::with(cfg).await;
    let counts = org.counts().await;
    assert_eq!(counts["Account"], 200);
    for object in [
        "Contact",
        "Contract",
        "Opportunity",
        "Case",
        "Event",
        "Task",
    ] {
        assert!(counts[object].as_u64().unwrap() > 0, "{object}: {counts}");
    }
    // Every generated record passes the org's validation: the generator's picklist values
    // are the package's.
    let report = org.admin(Method::GET, "/load-report", None).await;
    assert_eq!(report.json["rejected"], json!([]), "{}", report.text);
    let r = org.get("/query?q=SELECT+Id,Name,Owner.Name,(SELECT+Status+FROM+Cases)+FROM+Account+ORDER+BY+Name+LIMIT+5").await;
    assert_eq!(r.json["totalSize"], 5, "{}", r.text);
    assert!(r.json["records"][0]["Owner"]["attributes"]["type"] == json!("User"));
    // Derived fields were computed at load: some account has a LastActivityDate.
    let r = org
        .get("/query?q=SELECT+COUNT()+FROM+Account+WHERE+LastActivityDate+!=+null")
        .await;
    assert!(r.json["totalSize"].as_u64().unwrap() > 0, "{}", r.text);
}

#[tokio::test]
async fn a_fixture_file_loads_and_a_bad_one_refuses_to_start() {
    let dir = std::env::temp_dir().join(format!("vitals-emulator-fixtures-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("org.json");
    std::fs::write(
        &good,
        serde_json::to_vec(&json!({
            "Account": [{"Id": "001000000000042AAA", "Name": "Fixture Co", "CreatedDate": "2025-06-01T08:00:00.000Z"}],
            "Task": [{"Subject": "Call", "WhatId": "001000000000042AAA", "Status": "Completed", "ActivityDate": "2026-02-01"}]
        }))
        .unwrap(),
    )
    .unwrap();
    let mut cfg = config();
    cfg.data = DataSource::Fixtures(good);
    let org = Org::with(cfg).await;
    assert_eq!(
        org.field("Account", "001000000000042AAA", "LastActivityDate")
            .await,
        "2026-02-01"
    );
    assert_eq!(
        org.field("Account", "001000000000042AAA", "CreatedDate")
            .await,
        "2025-06-01T08:00:00.000+0000"
    );

    let bad = dir.join("bad.json");
    std::fs::write(&bad, br#"{"Task": [{"Subject": "x", "Status": "Nope"}]}"#).unwrap();
    let mut cfg = config();
    cfg.data = DataSource::Fixtures(bad);
    let error = emulator::start(cfg, 0).await.unwrap_err().to_string();
    assert!(
        error.contains("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"),
        "{error}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn an_org_without_vitals_metadata_has_only_standard_fields() {
    let mut cfg = config();
    cfg.metadata = emulator::MetadataSource::None;
    let org = Org::with(cfg).await;
    let d = org.get("/sobjects/Account/describe").await;
    assert!(
        !d.json["fields"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["name"] == "Health_Score__c")
    );
    let r = org
        .get("/query?q=SELECT+Health_Score__c+FROM+Account")
        .await;
    assert_eq!(r.json[0]["errorCode"], "INVALID_FIELD");
    let opp = org.get("/sobjects/Opportunity/describe").await;
    assert_eq!(opp.json["recordTypeInfos"].as_array().unwrap().len(), 1);
    assert_eq!(
        org.admin(Method::GET, "/counts", None).await.json["Health_Score_History__c"],
        serde_json::Value::Null
    );
}
