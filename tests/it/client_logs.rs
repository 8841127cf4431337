//! What the client logs: counts, paths and classes, never tokens, secrets or SOQL.
//!
//! The capturing subscriber is installed globally for the whole test binary (a thread-local
//! one races with other tests over tracing's per-callsite interest cache), so the check
//! covers every log line any test produced while it ran.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use tracing_subscriber::fmt::MakeWriter;

use crate::common::Org;
use crate::common::sf::{accounts, client, client_credentials, org_config, settings};

/// A tracing writer into a shared buffer.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

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

#[tokio::test]
async fn logs_carry_no_token_secret_or_soql() {
    static BUFFER: OnceLock<Buffer> = OnceLock::new();
    let buffer = BUFFER
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
        .clone();

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
    let logs = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("Retrying Salesforce call"), "{logs}");
    assert!(logs.contains("sf_request"), "{logs}");
    assert!(logs.contains("Session expired"), "{logs}");
    for secret in [
        token.as_str(),
        emulator::state::DEFAULT_CLIENT_SECRET,
        "Confidential",
        "SELECT",
        "q=",
    ] {
        assert!(
            !logs.contains(secret),
            "the logs contain {secret:?}:\n{logs}"
        );
    }
}
