//! Versions, limits and the usage header, describe, FLS.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::{Org, V, error_of};

#[tokio::test]
async fn versions_list_needs_no_auth_and_has_no_usage_header() {
    let org = Org::start().await;
    for path in ["/services/data/", "/services/data"] {
        let r = org.call_with(Method::GET, path, None, "", &[]).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.header("Sforce-Limit-Info").is_none());
        let list = r.json.as_array().unwrap();
        assert_eq!(list.len(), 37);
        assert_eq!(
            list[0],
            json!({"label": "Summer '14", "url": "/services/data/v31.0", "version": "31.0"})
        );
        assert_eq!(
            list[35],
            json!({"label": "Spring '26", "url": "/services/data/v66.0", "version": "66.0"})
        );
        // Summer '26 is GA (salesforce-api.md 2.1), so it is the newest listed.
        assert_eq!(
            list[36],
            json!({"label": "Summer '26", "url": "/services/data/v67.0", "version": "67.0"})
        );
    }
    // Listing versions never counts against the allocation.
    let limits = org.get("/limits").await;
    assert_eq!(
        limits.header("Sforce-Limit-Info"),
        Some("api-usage=1/100000")
    );
}

#[tokio::test]
async fn retired_and_unknown_versions() {
    let org = Org::start().await;
    let retired = org
        .call_with(
            Method::GET,
            "/services/data/v30.0/limits",
            None,
            &org.token,
            &[],
        )
        .await;
    assert_eq!(retired.status, StatusCode::GONE);
    let summer_26 = org
        .call_with(
            Method::GET,
            "/services/data/v67.0/limits",
            None,
            &org.token,
            &[],
        )
        .await;
    assert_eq!(summer_26.status, StatusCode::OK, "{}", summer_26.text);
    // Winter '27 is only in preview.
    let future = org
        .call_with(
            Method::GET,
            "/services/data/v68.0/limits",
            None,
            &org.token,
            &[],
        )
        .await;
    assert_eq!(future.status, StatusCode::NOT_FOUND);
    assert_eq!(error_of(&future).0, "NOT_FOUND");
    let oldest = org
        .call_with(
            Method::GET,
            "/services/data/v31.0/limits",
            None,
            &org.token,
            &[],
        )
        .await;
    assert_eq!(oldest.status, StatusCode::OK);
}

#[tokio::test]
async fn usage_header_is_on_every_api_response() {
    let org = Org::start().await;
    let account = org.create("Account", json!({"Name": "Acme"})).await;
    let cases = [
        org.get("/limits").await,
        org.post("/sobjects/Account", json!({"Name": "B"})).await,
        org.patch(
            &format!("/sobjects/Account/{account}"),
            json!({"Name": "C"}),
        )
        .await,
        org.post("/sobjects/Account", json!({})).await,
        org.get("/sobjects/Nope/describe").await,
        org.call_with(
            Method::GET,
            &format!("/services/data/{V}/limits"),
            None,
            "bad-token",
            &[],
        )
        .await,
    ];
    let statuses: Vec<u16> = cases.iter().map(|r| r.status.as_u16()).collect();
    assert_eq!(statuses, [200, 201, 204, 400, 404, 401]);
    for r in &cases {
        let header = r.header("Sforce-Limit-Info").unwrap();
        assert!(
            header.starts_with("api-usage=") && header.ends_with("/100000"),
            "{header}"
        );
    }
}

#[tokio::test]
async fn daily_allocation_runs_out_and_rolls_over() {
    let org = Org::start().await;
    org.settings(json!({"apiLimit": 3})).await;
    for n in 1..=3 {
        let r = org.get("/limits").await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(
            r.header("Sforce-Limit-Info"),
            Some(format!("api-usage={n}/3").as_str())
        );
        assert_eq!(r.json["DailyApiRequests"]["Remaining"], json!(3 - n));
        assert_eq!(r.json["DailyApiRequests"]["Max"], json!(3));
    }
    let r = org.get("/limits").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        r.text,
        r#"[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]"#
    );
    assert_eq!(r.header("Sforce-Limit-Info"), Some("api-usage=3/3"));
    // The window is a rolling 24 hours on the emulator clock.
    org.advance(24 * 3600).await;
    let r = org.login().await;
    let again = org
        .call_with(
            Method::GET,
            &format!("/services/data/{V}/limits"),
            None,
            &r,
            &[],
        )
        .await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.header("Sforce-Limit-Info"), Some("api-usage=1/3"));
}

#[tokio::test]
async fn global_and_object_describe() {
    let org = Org::start().await;
    let global = org.get("/sobjects/").await;
    assert_eq!(global.json["maxBatchSize"], 200);
    let sobjects = global.json["sobjects"].as_array().unwrap();
    let prefix = |name: &str| {
        sobjects
            .iter()
            .find(|o| o["name"] == name)
            .map(|o| o["keyPrefix"].clone())
    };
    for (name, key) in [
        ("Account", "001"),
        ("Contact", "003"),
        ("User", "005"),
        ("Opportunity", "006"),
        ("Case", "500"),
        ("Contract", "800"),
        ("Task", "00T"),
        ("Event", "00U"),
        ("RecordType", "012"),
    ] {
        assert_eq!(prefix(name), Some(json!(key)), "{name}");
    }
    assert_eq!(prefix("Health_Score_History__c"), Some(json!("a0A")));

    let d = org.get("/sobjects/Account/describe").await;
    assert_eq!(d.status, StatusCode::OK);
    let field = |name: &str| {
        d.json["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == name)
            .cloned()
            .unwrap()
    };
    let name = field("Name");
    assert_eq!(
        (
            name["type"].clone(),
            name["length"].clone(),
            name["nillable"].clone(),
            name["createable"].clone()
        ),
        (json!("string"), json!(255), json!(false), json!(true))
    );
    let score = field("Health_Score__c");
    assert_eq!(
        (
            score["type"].clone(),
            score["precision"].clone(),
            score["scale"].clone(),
            score["custom"].clone()
        ),
        (json!("double"), json!(5), json!(1), json!(true))
    );
    let status = field("Health_Status__c");
    assert_eq!(status["restrictedPicklist"], true);
    assert_eq!(
        status["picklistValues"][0],
        json!({"active": true, "defaultValue": false, "label": "Healthy", "validFor": null, "value": "Healthy"})
    );
    let last = field("LastActivityDate");
    assert_eq!(
        (last["createable"].clone(), last["updateable"].clone()),
        (json!(false), json!(false))
    );
    let children = d.json["childRelationships"].as_array().unwrap();
    assert!(children.iter().any(|c| c["relationshipName"] == "Contacts"
        && c["childSObject"] == "Contact"
        && c["field"] == "AccountId"));
    assert!(
        children
            .iter()
            .any(|c| c["relationshipName"] == "Health_Score_History__r"
                && c["cascadeDelete"] == true)
    );

    let task = org.get("/sobjects/Task/describe").await;
    let key = task.json["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "Vitals_Key__c")
        .cloned()
        .unwrap();
    assert_eq!(
        (
            key["externalId"].clone(),
            key["unique"].clone(),
            key["idLookup"].clone()
        ),
        (json!(true), json!(true), json!(true))
    );
    let types = task.json["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "Type")
        .cloned()
        .unwrap();
    let values: Vec<&str> = types["picklistValues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["value"].as_str().unwrap())
        .collect();
    assert!(values.contains(&"QBR") && values.contains(&"Milestone"));

    let opp = org.get("/sobjects/Opportunity/describe").await;
    let rts = opp.json["recordTypeInfos"].as_array().unwrap();
    assert!(
        rts.iter()
            .any(|r| r["developerName"] == "Renewal" && r["master"] == false)
    );

    let unknown = org.get("/sobjects/Nope/describe").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(
        unknown.text,
        r#"[{"message":"The requested resource does not exist","errorCode":"NOT_FOUND"}]"#
    );

    let basic = org.get("/sobjects/Account").await;
    assert_eq!(basic.json["objectDescribe"]["keyPrefix"], "001");
}

#[tokio::test]
async fn describe_honours_if_modified_since() {
    let org = Org::start().await;
    let later = org
        .call_with(
            Method::GET,
            &format!("/services/data/{V}/sobjects/Account/describe"),
            None,
            &org.token,
            &[("If-Modified-Since", "Tue, 03 Mar 2026 00:00:00 GMT")],
        )
        .await;
    assert_eq!(later.status, StatusCode::NOT_MODIFIED);
    assert!(later.text.is_empty());
    let earlier = org
        .call_with(
            Method::GET,
            &format!("/services/data/{V}/sobjects/Account/describe"),
            None,
            &org.token,
            &[("If-Modified-Since", "Tue, 23 Mar 2015 00:00:00 GMT")],
        )
        .await;
    assert_eq!(earlier.status, StatusCode::OK);
}

#[tokio::test]
async fn field_level_security_hides_and_protects_fields() {
    let org = Org::start().await;
    org.admin(Method::POST, "/fls", Some(json!({"hidden": ["Account.Health_Score__c"], "readOnly": ["Account.Health_Status__c"]}))).await;
    let d = org.get("/sobjects/Account/describe").await;
    let fields = d.json["fields"].as_array().unwrap();
    assert!(!fields.iter().any(|f| f["name"] == "Health_Score__c"));
    let status = fields
        .iter()
        .find(|f| f["name"] == "Health_Status__c")
        .unwrap();
    assert_eq!(
        (status["createable"].clone(), status["updateable"].clone()),
        (json!(false), json!(false))
    );

    let hidden = org
        .post(
            "/sobjects/Account",
            json!({"Name": "A", "Health_Score__c": 50}),
        )
        .await;
    assert_eq!(hidden.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        hidden.text,
        r#"[{"message":"No such column 'Health_Score__c' on sobject of type Account","errorCode":"INVALID_FIELD","fields":["Health_Score__c"]}]"#
    );
    let read_only = org
        .post(
            "/sobjects/Account",
            json!({"Name": "A", "Health_Status__c": "Healthy"}),
        )
        .await;
    assert_eq!(error_of(&read_only).0, "INVALID_FIELD_FOR_INSERT_UPDATE");
    assert_eq!(read_only.json[0]["fields"], json!(["Health_Status__c"]));
    let id = org.create("Account", json!({"Name": "A"})).await;
    let retrieved = org.get(&format!("/sobjects/Account/{id}")).await;
    assert!(retrieved.json.get("Health_Score__c").is_none());
    assert!(retrieved.json.get("Health_Status__c").is_some());
}

#[tokio::test]
async fn uri_over_16384_bytes_is_414() {
    let org = Org::start().await;
    let long = "x".repeat(16_400);
    let r = org.get(&format!("/query?q={long}")).await;
    assert_eq!(r.status, StatusCode::URI_TOO_LONG);
}

#[tokio::test]
async fn unknown_resources_and_methods_answer_like_an_org() {
    let org = Org::start().await;
    let r = org.get("/nothing/here").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        r.text,
        r#"[{"message":"The requested resource does not exist","errorCode":"NOT_FOUND"}]"#
    );
    assert!(r.header("Sforce-Limit-Info").is_some());
    let r = org
        .call(Method::PUT, "/sobjects/Account", Some(json!({})))
        .await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(error_of(&r).0, "METHOD_NOT_ALLOWED");
}

#[tokio::test]
async fn malformed_query_strings_and_large_bodies_get_org_answers() {
    let org = Org::start().await;
    // A stray `%` is not a framework rejection: the query reaches the SOQL engine.
    let r = org.get("/query?q=SELECT%ZZId+FROM+Account").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_of(&r).0, "MALFORMED_QUERY");
    // Collections bodies above axum's 2 MB default are accepted.
    let description = "d".repeat(30_000);
    let records: Vec<_> = (0..100).map(|i| json!({"attributes": {"type": "Account"}, "Name": format!("A{i}"), "Description": description})).collect();
    let r = org
        .post("/composite/sobjects", json!({"records": records}))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.json
            .as_array()
            .unwrap()
            .iter()
            .all(|row| row["success"] == true)
    );
}

#[tokio::test]
async fn undecodable_paths_get_an_org_answer() {
    let org = Org::start().await;
    let r = org.get("/sobjects/Account/%FF%FE").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(error_of(&r).0, "NOT_FOUND");
}
