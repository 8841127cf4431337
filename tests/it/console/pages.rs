//! The console's pages, called in-process (`oneshot`) over a seeded store: what each page
//! lists, that filters, sorting and paging work, the breakdown, evidence links and chart,
//! the runs and their failures, and the error pages.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use tower::ServiceExt;
use vitals::console::{self, ConsoleState};

use super::seed::{self, ORG, account_id, console_data, owner};

/// Answers one request: status and body.
pub async fn call(state: &ConsoleState, method: Method, uri: &str) -> (StatusCode, String) {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .body(Body::empty())
        .unwrap();
    let response = console::router(state.clone())
        .oneshot(request)
        .await
        .unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, String::from_utf8(bytes.to_vec()).unwrap())
}

/// A page that must answer 200.
pub async fn get(state: &ConsoleState, uri: &str) -> String {
    let (status, body) = call(state, Method::GET, uri).await;
    assert_eq!(status, StatusCode::OK, "{uri}: {body}");
    body
}

/// The account Ids of the accounts table's rows, in order.
pub fn listed(html: &str) -> Vec<String> {
    html.split("data-account=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().to_owned())
        .collect()
}

fn ids(numbers: &[u64]) -> Vec<String> {
    numbers.iter().map(|&n| account_id(n).to_string()).collect()
}

/// The text of the element with this id attribute, up to its closing tag `</{tag}>`.
fn element<'a>(html: &'a str, id: &str, tag: &str) -> &'a str {
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no element {id} in {html}"));
    let rest = &html[start..];
    &rest[..rest.find(&format!("</{tag}>")).unwrap()]
}

#[tokio::test]
async fn the_accounts_page_lists_every_account_with_what_the_org_holds() {
    let data = console_data(None);
    let html = get(&data.state, "/").await;
    let expected = data.expected.listed();
    assert_eq!(listed(&html), expected, "every account, in name order");
    for (_, name) in &data.expected.accounts {
        let escaped = name.replace('&', "&amp;");
        assert!(html.contains(&escaped), "{name} is listed");
    }
    // The org's values: Acme's score, change, coverage and status as the record holds them.
    let acme = &html[html
        .find(&format!("data-account=\"{}\"", account_id(1)))
        .unwrap()..];
    let acme = &acme[..acme.find("</tr>").unwrap()];
    for text in [
        "38.5",
        "-12",
        "100%",
        "status at-risk",
        "Declining",
        "120,000",
        "Alex Morgan",
        owner(1).as_str(),
    ] {
        assert!(acme.contains(text), "Acme's row shows {text}: {acme}");
    }
    // Counts per status and the ARR at risk (Acme 120,000 + Umbrella 200,000).
    let summary =
        element(&html, "summary", "section").to_owned() + element(&html, "arr-at-risk", "div");
    assert!(summary.contains("At Risk</span><b>2</b>"), "{summary}");
    assert!(summary.contains("Healthy</span><b>1</b>"), "{summary}");
    assert!(summary.contains("Not scored</span><b>1</b>"), "{summary}");
    assert!(
        element(&html, "arr-at-risk", "div").contains("320,000"),
        "{summary}"
    );
}

#[tokio::test]
async fn filters_narrow_the_list_by_status_and_owner() {
    let data = console_data(None);
    let at_risk = get(&data.state, "/?status=at-risk").await;
    assert_eq!(listed(&at_risk), ids(&[1, 4]));
    let mine = get(&data.state, &format!("/?owner={}", owner(2))).await;
    assert_eq!(listed(&mine), ids(&[3, 4]));
    // The filter form sends every field; empty ones mean "all".
    let both = format!("/?sort=&dir=&status=at-risk&owner={}", owner(1));
    assert_eq!(listed(&get(&data.state, &both).await), ids(&[1]));
    assert_eq!(listed(&get(&data.state, "/?owner=none").await), ids(&[5]));
    assert_eq!(
        listed(&get(&data.state, "/?status=not-scored").await),
        ids(&[6])
    );
    // The counts at the top follow the owner, not the status filter.
    let summary = element(&mine, "summary", "section");
    assert!(summary.contains("All accounts<b>2</b>"), "{summary}");
    assert!(element(&mine, "arr-at-risk", "div").contains("200,000"));
    // The form names the owners and filters by their Ids.
    let form = &mine[mine.find("class=\"filters\"").unwrap()..];
    let form = &form[..form.find("</form>").unwrap()];
    assert!(
        form.contains(&format!("value=\"{}\" selected>Blake Chen (2)", owner(2))),
        "{form}"
    );
    assert!(form.contains("No owner (1)"), "{form}");
}

#[tokio::test]
async fn every_column_sorts_both_ways_with_empty_values_last() {
    let data = console_data(None);
    let check = async |query: &str, order: &[u64]| {
        let html = get(&data.state, query).await;
        assert_eq!(listed(&html), ids(order), "{query}");
    };
    check("/", &[1, 2, 5, 3, 4, 6]).await;
    check("/?sort=name&dir=desc", &[6, 4, 3, 5, 2, 1]).await;
    check("/?sort=score", &[4, 1, 3, 2, 5, 6]).await;
    check("/?sort=score&dir=desc", &[2, 3, 1, 4, 5, 6]).await;
    check("/?sort=status", &[1, 4, 3, 2, 5, 6]).await;
    check("/?sort=trend", &[1, 4, 2, 5, 3, 6]).await;
    check("/?sort=change&dir=desc", &[3, 2, 4, 1, 5, 6]).await;
    check("/?sort=coverage", &[5, 4, 3, 2, 1, 6]).await;
    check("/?sort=owner", &[1, 2, 6, 3, 4, 5]).await;
    check("/?sort=arr&dir=desc", &[4, 1, 2, 3, 5, 6]).await;
    // A heading links to the other direction of its own column, keeping the filters.
    let html = get(&data.state, "/?sort=score&status=at-risk").await;
    assert!(
        html.contains("href=\"/?sort=score&amp;dir=desc&amp;status=at-risk\""),
        "{html}"
    );
    assert!(html.contains("aria-sort=\"ascending\""));
}

#[tokio::test]
async fn pages_of_a_large_org_hold_every_account_once_in_a_stable_order() {
    let (_dir, state) = seed::many_accounts(450);
    let mut seen = Vec::new();
    for page in 1..=3 {
        let html = get(&state, &format!("/?sort=score&dir=desc&page={page}")).await;
        let rows = listed(&html);
        assert_eq!(rows.len(), if page < 3 { 200 } else { 50 }, "page {page}");
        seen.extend(rows);
        if page < 3 {
            assert!(
                html.contains(&format!("page={}", page + 1)),
                "a link to the next page"
            );
        }
        if page == 2 {
            assert!(html.contains("Accounts 201–400 of 450"), "{html}");
        }
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 450, "no account twice, none left out");
    // Asked again, a page holds the same accounts in the same order (ties go by Id).
    let again = listed(&get(&state, "/?sort=score&dir=desc&page=2").await);
    assert_eq!(again, seen[200..400]);
    // A page past the end shows the last page.
    assert_eq!(
        listed(&get(&state, "/?sort=score&dir=desc&page=9").await),
        seen[400..]
    );
}

#[tokio::test]
async fn unknown_parameters_are_refused_with_a_page_that_says_so() {
    let data = console_data(None);
    for query in [
        "/?sort=ssn",
        "/?dir=up",
        "/?status=sick",
        "/?owner=bob",
        "/?page=0",
        "/?page=x",
    ] {
        let (status, body) = call(&data.state, Method::GET, query).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert!(body.contains("unknown"), "{query}: {body}");
    }
}

#[tokio::test]
async fn an_account_page_shows_the_breakdown_evidence_chart_renewal_and_tasks() {
    let data = console_data(Some(ORG));
    let html = get(&data.state, &format!("/accounts/{}", data.expected.main)).await;
    let model = vitals::scoring::Model::load_preset("csm-nine").unwrap();
    let breakdown = element(&html, "breakdown", "table");
    for category in &model.categories {
        assert!(
            breakdown.contains(&format!("data-category=\"{}\"", category.key)),
            "{} is in the breakdown",
            category.key
        );
        assert!(breakdown.contains(&category.label));
    }
    assert_eq!(
        breakdown.matches("data-category=").count(),
        model.categories.len()
    );
    assert!(
        breakdown.contains("id=\"total\""),
        "a total row when there is a score"
    );
    assert!(breakdown.contains("100%"), "the shares add up to 100 %");
    // As of the last run that scored (run 2), not the later backfill.
    assert!(
        html.contains("as of 2026-11-16 09:00 UTC (<a href=\"/runs/2\">run 2</a>)"),
        "{html}"
    );
    // Evidence links to the records in the org.
    for (object, id) in [("Case", seed::open_case_id()), ("Event", seed::qbr_id())] {
        let link = format!("href=\"{ORG}/lightning/r/{object}/{id}/view\"");
        assert!(breakdown.contains(&link), "{link} in {breakdown}");
    }
    // One chart marker per history record, and the records listed.
    let chart = element(&html, "score-chart", "div");
    assert_eq!(
        chart.matches("<circle").count(),
        data.expected.history_points,
        "{chart}"
    );
    assert_eq!(
        element(&html, "history", "table").matches("<tr>").count(),
        1 + data.expected.history_points
    );
    // The open renewal, and the open playbook task only (the closed one and the call are not).
    let renewals = element(&html, "renewals", "table");
    assert!(
        renewals.contains("Acme Corporation Renewal 2026-11-30"),
        "{renewals}"
    );
    assert!(
        renewals.contains("Early Review") && renewals.contains("At risk"),
        "{renewals}"
    );
    let tasks = element(&html, "tasks", "table");
    assert!(
        tasks.contains("Escalation: notify leadership") && tasks.contains("escalation"),
        "{tasks}"
    );
    assert!(
        tasks.contains("2026-11-14") && tasks.contains("overdue"),
        "{tasks}"
    );
    assert!(tasks.contains(&format!(
        "{ORG}/lightning/r/Task/{}/view",
        seed::open_task_id()
    )));
    assert_eq!(
        tasks.matches("<tr>").count(),
        2,
        "one heading, one open playbook task: {tasks}"
    );
    // The org holds 38.5; the breakdown computes 57.0 from the records, and says that the
    // two differ (the seeded run's write of this account was rejected).
    assert!(element(&html, "org-values", "dl").contains("38.5"));
    assert!(
        html.contains("The org holds a score of 38.5; the last sync computed 57."),
        "{html}"
    );
    assert!(
        breakdown.contains("<td class=\"n\">57.0</td>"),
        "{breakdown}"
    );
}

#[tokio::test]
async fn without_the_org_address_evidence_is_shown_by_id() {
    let data = console_data(None);
    let html = get(&data.state, &format!("/accounts/{}", data.expected.main)).await;
    let breakdown = element(&html, "breakdown", "table");
    assert!(breakdown.contains(seed::open_case_id().as_str()));
    assert!(!breakdown.contains("lightning/r/"), "{breakdown}");
    // A 15-character Id finds the account too.
    let short = get(
        &data.state,
        &format!("/accounts/{}", data.expected.main.short()),
    )
    .await;
    assert!(short.contains("id=\"breakdown\""));
}

#[tokio::test]
async fn before_any_sync_an_account_page_says_there_is_no_breakdown_yet() {
    let (_dir, state) = seed::many_accounts(3);
    let html = get(&state, &format!("/accounts/{}", account_id(2))).await;
    assert!(html.contains("No sync has scored accounts yet"), "{html}");
    assert!(!html.contains("id=\"breakdown\""));
    assert!(html.contains("No history record with a score yet."));
    assert!(
        html.contains("No open renewal opportunity.") && html.contains("No open playbook task.")
    );
    assert!(get(&state, "/runs").await.contains("No run yet."));
}

#[tokio::test]
async fn unknown_accounts_runs_and_pages_are_404_and_only_get_is_served() {
    let data = console_data(None);
    for uri in [
        format!("/accounts/{}", account_id(99)),
        "/accounts/not-an-id".to_owned(),
        "/runs/99".to_owned(),
        "/runs/two".to_owned(),
        "/settings".to_owned(),
    ] {
        let (status, body) = call(&data.state, Method::GET, &uri).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
        assert!(
            body.contains("Not found") && body.contains("<html"),
            "{uri}: {body}"
        );
    }
    for method in [Method::POST, Method::PUT, Method::DELETE] {
        let (status, _) = call(&data.state, method.clone(), "/").await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{method}");
    }
}

#[tokio::test]
async fn the_runs_page_and_a_run_report_show_summaries_and_failures() {
    let data = console_data(None);
    let html = get(&data.state, "/runs").await;
    let runs = element(&html, "runs", "table");
    assert_eq!(runs.matches("data-run=").count(), 3);
    for text in [
        "finished with failed records",
        "schedule",
        "backfill",
        "42.3 s",
        "account health 4, history 6",
        "23 / 14977",
    ] {
        assert!(runs.contains(text), "{text} in {runs}");
    }

    let run = get(&data.state, &format!("/runs/{}", data.expected.failing_run)).await;
    let failures = element(&run, "failures", "table");
    assert_eq!(failures.matches("data-entry=").count(), 2, "{failures}");
    for text in [
        account_id(1).as_str(),
        "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        seed::REJECTION,
        "fields: health_score",
        "rejected (final)",
        "UNABLE_TO_LOCK_ROW",
        "errored, will retry",
        "(key)",
    ] {
        assert!(failures.contains(text), "{text} in {failures}");
    }
    let clean = get(&data.state, "/runs/1").await;
    assert!(clean.contains("No write failed in this run."));
}

#[tokio::test]
async fn a_store_failure_is_a_generic_500_logged_once_by_kind() {
    let logs = crate::client_logs::capture();
    let data = console_data(None);
    let path = data.dir.path().join("state.db");
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("DROP TABLE replica")
        .unwrap();
    let (status, body) = call(&data.state, Method::GET, "/").await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(body.contains("could not read Vitals' state"), "{body}");
    assert!(
        !body.contains("state.db") && !body.contains("replica"),
        "no details: {body}"
    );
    let text = logs.text();
    let line = text
        .lines()
        .find(|l| l.contains("The console could not read the state store"))
        .unwrap_or_else(|| panic!("logged: {text}"));
    assert!(
        line.contains("kind=\"database\"") && line.contains("operation=\"stream accounts\""),
        "{line}"
    );
    assert!(!line.contains("state.db"), "{line}");
}

#[tokio::test]
async fn pages_forbid_scripts_and_outside_resources() {
    let data = console_data(None);
    let request = Request::get("/runs").body(Body::empty()).unwrap();
    let response = console::router(data.state.clone())
        .oneshot(request)
        .await
        .unwrap();
    let policy = response.headers()["content-security-policy"]
        .to_str()
        .unwrap();
    assert!(policy.starts_with("default-src 'none'"), "{policy}");
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
}

/// The HTML with one tag per line and without the stylesheet, for a readable snapshot of
/// what a page says.
fn lines(html: &str) -> String {
    let start = html.find("<style>").unwrap();
    let end = html.find("</style>").unwrap();
    format!("{}{}", &html[..start], &html[end + "</style>".len()..]).replace("><", ">\n<")
}

#[tokio::test]
async fn snapshot_of_the_accounts_and_run_pages() {
    let data = console_data(Some(ORG));
    insta::assert_snapshot!(
        "console_accounts",
        lines(&get(&data.state, "/?sort=score").await)
    );
    let run = get(&data.state, &format!("/runs/{}", data.expected.failing_run)).await;
    insta::assert_snapshot!("console_run", lines(&run));
}
