//! What the client logs: counts, paths, error codes, fields and record Ids, never tokens,
//! secrets, SOQL or record values, even when Salesforce's own error messages quote the
//! query or the value.
//!
//! The capturing subscriber is installed globally for the whole test binary (a thread-local
//! one races with other tests over tracing's per-callsite interest cache), so each check
//! covers every log line any test produced while it ran.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use tracing_subscriber::fmt::MakeWriter;
use vitals::domain::SfId;
use vitals::salesforce::SalesforceError;
use vitals::salesforce::records::{WriteKind, WriteRecord, WriteResult, WriteValue};

use crate::client_writes::account_ids;
use crate::common::Org;
use crate::common::sf::{accounts, client, client_credentials, org_config, settings};

/// A tracing writer into a shared buffer.
#[derive(Clone, Default)]
pub(crate) struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Buffer {
    type Writer = Buffer;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// The buffer every log line of the test binary goes to from the first call on, at DEBUG
/// (the console's tests read it too).
pub(crate) fn capture() -> Buffer {
    static BUFFER: OnceLock<Buffer> = OnceLock::new();
    BUFFER
        .get_or_init(|| {
            let buffer = Buffer::default();
            let subscriber = tracing_subscriber::fmt()
                .with_writer(buffer.clone())
                .with_ansi(false)
                .with_max_level(tracing::Level::DEBUG)
                .finish();
            tracing::subscriber::set_global_default(subscriber).unwrap();
            buffer
        })
        .clone()
}

impl Buffer {
    pub(crate) fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

/// Fails naming the first of `forbidden` that the logs contain.
#[track_caller]
fn assert_absent(logs: &str, forbidden: &[&str]) {
    for text in forbidden {
        assert!(!logs.contains(text), "the logs contain {text:?}:\n{logs}");
    }
}

/// What must never be logged: the client secret, SOQL, and the record values these tests
/// send (all of them contain "Confidential").
const NEVER: &[&str] = &[
    emulator::state::DEFAULT_CLIENT_SECRET,
    "Confidential",
    "SELECT",
    "WHERE",
    "ERROR at Row",
    "q=",
];

#[tokio::test]
async fn logs_carry_no_token_secret_or_soql() {
    let buffer = capture();
    let org = Org::with(org_config(accounts(2))).await;
    let (client, _) = client(settings(&org, client_credentials()));
    org.faults("next=2:503").await;
    let count = client
        .count(
            "SELECT COUNT() FROM Account WHERE Name != 'Confidential Customer'",
            false,
        )
        .await
        .unwrap();
    assert_eq!(count, 2);
    org.advance(3 * 3600).await;
    client
        .count(
            "SELECT COUNT() FROM Account WHERE Name != 'Confidential Customer'",
            false,
        )
        .await
        .unwrap();

    let token = client
        .session()
        .await
        .unwrap()
        .access_token
        .expose()
        .to_owned();
    let logs = buffer.text();
    assert!(logs.contains("Retrying Salesforce call"), "{logs}");
    assert!(logs.contains("sf_request"), "{logs}");
    assert!(logs.contains("Session expired"), "{logs}");
    assert_absent(&logs, &[token.as_str()]);
    assert_absent(&logs, NEVER);
}

#[tokio::test]
async fn a_failing_query_logs_its_code_and_keeps_salesforces_message_for_the_report() {
    let buffer = capture();
    let org = Org::with(org_config(accounts(1))).await;
    let (client, _) = client(settings(&org, client_credentials()));
    // Salesforce quotes the statement, literal included, in both messages.
    let cases = [
        (
            "SELECT COUNT() FROM Account WHERE Secret_Code__c = 'Confidential Customer'",
            "INVALID_FIELD",
        ),
        (
            "SELECT COUNT() FROM Account WHERE Name = 'Confidential Customer' ANDD",
            "MALFORMED_QUERY",
        ),
    ];
    for (soql, code) in cases {
        let error = client.count(soql, false).await.unwrap_err();
        assert!(
            matches!(&error, SalesforceError::Api { status: 400, .. }),
            "{error:?}"
        );
        assert_eq!(error.error_code(), Some(code));
        let shown = error.to_string();
        assert!(shown.contains(code), "{shown}");
        assert_absent(&shown, NEVER);
        // The report keeps what Salesforce said, the quoted statement with it.
        let report = error.for_report();
        assert!(report.contains("= 'Confidential Customer'"), "{report}");
        assert!(report.contains("ERROR at Row:1"), "{report}");
    }

    let logs = buffer.text();
    assert!(
        logs.contains("HTTP 400: INVALID_FIELD") && logs.contains("HTTP 400: MALFORMED_QUERY"),
        "{logs}"
    );
    assert_absent(&logs, NEVER);
}

#[tokio::test]
async fn rejected_rows_log_their_code_and_id_and_keep_the_value_for_the_report() {
    let buffer = capture();
    let org = Org::with(org_config(accounts(4))).await;
    let (rest, _) = client(settings(&org, client_credentials()));
    let mut bulk_settings = settings(&org, client_credentials());
    bulk_settings.bulk_write_threshold = 1;
    let (bulk, _) = client(bulk_settings);
    let ids = account_ids(&rest).await;
    let renamed = |id: &SfId, name: &str| {
        WriteRecord::new()
            .set("Id", WriteValue::Text(id.to_string()))
            .set("Name", WriteValue::Text(name.to_owned()))
    };
    // Name holds 255 characters: Salesforce's STRING_TOO_LONG message quotes the whole
    // value, and this validation rule's message quotes it too.
    let too_long = format!("Confidential {}", "x".repeat(300));
    org.faults("validation=Account:Name:Confidential Partner:Confidential Partner is taken")
        .await;

    // Two rows through sObject Collections...
    let rows = [
        renamed(&ids[0], &too_long),
        renamed(&ids[1], "Confidential Partner"),
    ];
    let report = rest
        .write("Account", &WriteKind::Update, rows.to_vec())
        .await;
    assert!(!report.bulk);
    // ...and two through a Bulk ingest job, whose failed-rows file echoes the values too.
    let rows = [renamed(&ids[2], &too_long), renamed(&ids[3], &too_long)];
    let bulk_report = bulk
        .write("Account", &WriteKind::Update, rows.to_vec())
        .await;
    assert!(bulk_report.bulk);

    let outcomes: Vec<_> = report
        .outcomes
        .iter()
        .chain(&bulk_report.outcomes)
        .collect();
    assert_eq!(outcomes.len(), 4);
    let expected = [
        "STRING_TOO_LONG",
        "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        "STRING_TOO_LONG",
        "STRING_TOO_LONG",
    ];
    for ((outcome, code), id) in outcomes.iter().zip(expected).zip(&ids) {
        let WriteResult::Rejected { errors } = &outcome.result else {
            panic!("expected a rejected row, got {outcome:?}");
        };
        assert_eq!(errors[0].code, code, "{errors:?}");
        assert_absent(&errors[0].to_string(), NEVER);
        // The report keeps Salesforce's message, and with it the value.
        assert!(
            errors[0].for_report().contains("Confidential"),
            "{errors:?}"
        );
        let logs = buffer.text();
        let line = logs
            .lines()
            .find(|line| line.contains("A row was not written") && line.contains(&id.to_string()))
            .unwrap_or_else(|| panic!("no log line names {id}:\n{logs}"));
        assert!(line.contains(&errors[0].to_string()), "{line}");
        assert!(line.contains(code), "{line}");
        assert!(line.contains("state=\"rejected\""), "{line}");
    }

    let logs = buffer.text();
    assert!(logs.contains("Some rows were not written"), "{logs}");
    assert_absent(&logs, NEVER);
    assert_absent(&logs, &["xxxxxxxxxx"]);
}

#[tokio::test]
async fn replica_reads_the_delete_log_and_record_type_lookups_log_no_soql_or_values() {
    use vitals::domain::{FieldsUsed, SyncedObject};
    use vitals::salesforce::extract::ReadMode;
    use vitals::salesforce::wire::{FieldMap, SelectList};

    let buffer = capture();
    let org = Org::with(org_config(emulator::DataSource::FixtureJson(serde_json::json!({
        "Account": (0..8).map(|i| serde_json::json!({"Name": format!("Confidential {i}")})).collect::<Vec<_>>(),
    }))))
    .await;
    let mut settings = settings(&org, client_credentials());
    settings.bulk_read_threshold = 3;
    let (client, _) = client(settings);
    let map = FieldMap::default();
    let list = SelectList::new(SyncedObject::Account, &FieldsUsed::new(), &map, &[]);
    let since = crate::common::start_time() - chrono::Duration::minutes(5);
    let mut reader = client
        .read_replica(&list, ReadMode::Since(since), None, &map, &[])
        .await
        .unwrap();
    assert!(
        reader.is_bulk(),
        "eight changes are above the threshold of three"
    );
    let mut rows = 0;
    while let Some(page) = reader.next_page().await.unwrap() {
        rows += page.rows.len();
    }
    assert_eq!(rows, 8);
    let now = crate::common::start_time();
    let logs = client
        .delete_log(
            &[(SyncedObject::Account, now - chrono::Duration::hours(1))],
            now,
        )
        .await
        .unwrap();
    assert!(logs[&SyncedObject::Account].is_ok());
    assert!(client.renewal_record_type().await.unwrap().is_some());

    let text = buffer.text();
    assert!(text.contains("Many changes"), "{text}");
    assert!(text.contains("/composite"), "{text}");
    assert_absent(&text, NEVER);
}
