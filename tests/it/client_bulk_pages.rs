//! The client's Bulk API 2.0 query pager over results of several pages, whatever bounds
//! the page: `maxRecords` (the client's page size), the org's size bound (every page still
//! starts with the header row), or a size bound that falls inside a quoted value with line
//! breaks. Whatever the cut, the client must read every record once, whole and in order.

use serde_json::{Value, json};
use vitals::salesforce::Client;
use vitals::salesforce::wire::{ApiRecord, Raw};

use crate::common::Org;
use crate::common::sf::{client, client_credentials, org_config, settings};

/// How many accounts the test org holds.
const ACCOUNTS: usize = 60;

/// The description of account `n`: several lines, quotes and commas, about 90 bytes, so a
/// size bound of a few hundred bytes falls inside one of them.
fn description(n: usize) -> String {
    format!(
        "Renewal notes {n:02}:\n\"Champion\" left, budget frozen\r\nnext step, call in {} days\n{}",
        n % 7,
        "-".repeat(n % 40)
    )
}

/// An org of [`ACCOUNTS`] accounts named `Paged 00`... with multi-line descriptions.
async fn paged_org() -> Org {
    let records: Vec<Value> = (0..ACCOUNTS)
        .map(|n| json!({"Name": format!("Paged {n:02}"), "Description": description(n)}))
        .collect();
    Org::with(org_config(emulator::DataSource::FixtureJson(
        json!({ "Account": records }),
    )))
    .await
}

/// A client that always reads with Bulk and asks for `page_size` rows per page.
fn bulk_client(org: &Org, page_size: u32) -> Client {
    let mut settings = settings(org, client_credentials());
    settings.bulk_read_threshold = 0;
    settings.bulk_page_size = page_size;
    client(settings).0
}

fn text(record: &impl ApiRecord, field: &str) -> String {
    match record.raw(field) {
        Raw::Str(value) => value.to_owned(),
        other => panic!("{field} is not text: {other:?}"),
    }
}

/// Reads every account through the pager: the size of each page, and (name, description)
/// of every record in the order read.
async fn read_all(client: &Client) -> (Vec<usize>, Vec<(String, String)>) {
    let mut pager = client
        .bulk_query(
            "SELECT Name, Description FROM Account ORDER BY Name",
            false,
            None,
        )
        .await
        .unwrap();
    let mut sizes = Vec::new();
    let mut rows = Vec::new();
    while let Some(page) = pager.next_page().await.unwrap() {
        sizes.push(page.len());
        for record in &page {
            rows.push((text(record, "Name"), text(record, "Description")));
        }
        assert!(sizes.len() <= ACCOUNTS, "the pager never ended");
    }
    (sizes, rows)
}

fn expected_rows() -> Vec<(String, String)> {
    (0..ACCOUNTS)
        .map(|n| (format!("Paged {n:02}"), description(n)))
        .collect()
}

/// How many results pages the emulator served since the log was cleared.
fn served_pages(org: &Org) -> usize {
    org.emu
        .state
        .requests()
        .log
        .iter()
        .filter(|entry| entry.path.ends_with("/results"))
        .count()
}

#[tokio::test]
async fn a_small_page_size_is_honoured_and_every_record_read_once() {
    let org = paged_org().await;
    for page_size in [1u32, 7, 59, 60, 61] {
        let client = bulk_client(&org, page_size);
        org.clear_requests().await;
        let (sizes, rows) = read_all(&client).await;
        let size = usize::try_from(page_size).unwrap();
        let mut expected_sizes = vec![size; ACCOUNTS / size];
        if !ACCOUNTS.is_multiple_of(size) {
            expected_sizes.push(ACCOUNTS % size);
        }
        assert_eq!(sizes, expected_sizes, "maxRecords={page_size}");
        assert_eq!(rows, expected_rows(), "maxRecords={page_size}");
        assert_eq!(served_pages(&org), sizes.len());
    }
}

#[tokio::test]
async fn pages_cut_by_the_orgs_size_bound_are_read_whole() {
    let org = paged_org().await;
    // The client's default page size (50,000 rows) is far above the org's bound here.
    let client = bulk_client(&org, 50_000);
    for bytes in [300u64, 1_000, 4_096] {
        org.settings(json!({ "bulkResultPageBytes": bytes })).await;
        org.clear_requests().await;
        let (sizes, rows) = read_all(&client).await;
        assert!(sizes.len() > 1, "{bytes} bytes gave one page");
        assert!(sizes.iter().all(|n| *n >= 1));
        assert_eq!(sizes.iter().sum::<usize>(), ACCOUNTS);
        assert_eq!(rows, expected_rows(), "bulkResultPageBytes={bytes}");
        assert_eq!(served_pages(&org), sizes.len());
    }
}

#[tokio::test]
async fn a_size_bound_inside_a_multi_line_value_never_splits_the_record() {
    let org = paged_org().await;
    let client = bulk_client(&org, 50_000);
    // The header and the first row take about 120 bytes, each row about 100 more: every
    // bound between 130 and 260 bytes falls inside the second or third row's quoted,
    // multi-line description, and a row that does not fit whole goes to the next page.
    for bytes in (130u64..=260).step_by(13) {
        org.settings(json!({ "bulkResultPageBytes": bytes })).await;
        let (sizes, rows) = read_all(&client).await;
        assert_eq!(sizes.iter().sum::<usize>(), ACCOUNTS, "{bytes} bytes");
        assert_eq!(rows, expected_rows(), "bulkResultPageBytes={bytes}");
    }
    // With the default bound the whole result is one page.
    org.settings(json!({ "bulkResultPageBytes": emulator::jobs::query::DEFAULT_PAGE_BYTES }))
        .await;
    let (sizes, rows) = read_all(&client).await;
    assert_eq!(sizes, [ACCOUNTS]);
    assert_eq!(rows, expected_rows());
}
