//! The backend suite on PostgreSQL, and what only a shared database can show: migrations,
//! the lease among several stores and processes, fencing after a takeover, concurrent
//! claims, and calls from a tokio runtime's blocking threads.
//!
//! Built only with the `postgres-tests` feature. Each test gets a database of its own,
//! created through the server `VITALS_TEST_POSTGRES_URL` names and dropped afterwards;
//! without the variable or the server every test fails (never skips). `.ci/postgres run`
//! starts a throwaway server and sets the variable.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use postgres::{Client, NoTls};
use proptest::prelude::*;

use super::{PostgresStore, schema};
use crate::domain::{DomainRecord, PlannedWrite, SyncedObject, Target, Value, WriteKind};
use crate::secret::Secret;
use crate::store::suite::{self, Fresh, account_id, at};
use crate::store::{
    Epoch, LeaseStatus, NewRun, OutboxId, RunStamp, RunTrigger, StateStore, StoreError,
};

const URL_VAR: &str = "VITALS_TEST_POSTGRES_URL";

/// The server's URL (any database the test user may connect to and create databases from).
fn admin_url() -> String {
    std::env::var(URL_VAR).unwrap_or_else(|_| {
        panic!(
            "{URL_VAR} is not set: the postgres-tests feature runs the store suite against a \
             real PostgreSQL; run `.ci/postgres run cargo test --features postgres-tests`"
        )
    })
}

fn admin() -> Client {
    Client::connect(&admin_url(), NoTls).unwrap_or_else(|error| {
        panic!("cannot reach the PostgreSQL server that {URL_VAR} names: {error}")
    })
}

/// A database of one test, dropped with it.
struct TestDb {
    name: String,
    url: Secret,
}

impl TestDb {
    fn new() -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "vitals_test_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        admin()
            .batch_execute(&format!("CREATE DATABASE {name} TEMPLATE template0"))
            .unwrap();
        let mut url = url::Url::parse(&admin_url()).unwrap();
        url.set_path(&name);
        Self {
            name,
            url: Secret::new(url.to_string()),
        }
    }

    fn open(&self) -> PostgresStore {
        PostgresStore::open(&self.url).unwrap()
    }

    /// A connection to this database, as another program would open it.
    fn client(&self) -> Client {
        Client::connect(self.url.expose(), NoTls).unwrap()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let dropped = admin().batch_execute(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ));
        if let Err(error) = dropped {
            eprintln!("could not drop test database {}: {error}", self.name);
        }
    }
}

fn fresh() -> Fresh {
    let db = TestDb::new();
    Fresh::new(Box::new(db.open()), db)
}

suite::backend_suite!(fresh);

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]

    #[test]
    fn streaming_snapshots_equals_grouping_in_memory(
        records in suite::replica_records()
    ) {
        let fresh = fresh();
        suite::stream_equals_grouping(fresh.store.as_ref(), records);
    }
}

#[test]
fn an_empty_database_is_migrated_once_and_reopened_with_its_data() {
    let db = TestDb::new();
    let store = db.open();
    assert_eq!(
        store.schema_version().unwrap(),
        super::schema_version_known()
    );
    let lease = store.acquire_lease("first", at(0)).unwrap().unwrap();
    drop(store);
    let store = db.open();
    assert_eq!(store.current_epoch().unwrap(), lease.epoch);
    let tables: i64 = db
        .client()
        .query_one(
            "SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'vitals'",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(tables >= 10, "{tables} tables in the vitals schema");
}

#[test]
fn a_newer_schema_is_refused_and_left_alone() {
    let db = TestDb::new();
    drop(db.open());
    let newer = super::schema_version_known() + 1;
    db.client()
        .execute("UPDATE vitals.schema_version SET version = $1", &[&newer])
        .unwrap();
    let refused = PostgresStore::open(&db.url).err().unwrap();
    let StoreError::NewerSchema { found, known, .. } = &refused else {
        panic!("expected NewerSchema, got {refused:?}");
    };
    assert_eq!((*found, *known), (newer, super::schema_version_known()));
    let message = refused.to_string();
    assert!(message.contains(&format!("{:?}", db.name)), "{message}");
    assert!(!message.contains(&password()), "{message}");
    let kept: i64 = db
        .client()
        .query_one("SELECT version FROM vitals.schema_version", &[])
        .unwrap()
        .get(0);
    assert_eq!(kept, newer);
}

#[test]
fn a_vitals_schema_of_another_program_is_refused() {
    let db = TestDb::new();
    db.client()
        .batch_execute("CREATE SCHEMA vitals; CREATE TABLE vitals.invoices (id BIGINT)")
        .unwrap();
    let refused = PostgresStore::open(&db.url).err().unwrap();
    assert!(matches!(refused, StoreError::Corrupt { .. }), "{refused:?}");
    assert!(refused.to_string().contains("did not create"), "{refused}");
}

#[test]
fn migrations_apply_in_order_and_a_failure_applies_none() {
    let db = TestDb::new();
    let mut client = db.client();
    client.batch_execute("SET search_path TO vitals").unwrap();
    let location = super::connect::location_of(db.url.expose());
    let first = "CREATE TABLE one (x BIGINT);";
    let second = "INSERT INTO one VALUES (1); CREATE TABLE two (y BIGINT);";
    let broken = "CREATE TABLE three (z BIGINT); THIS IS NOT SQL;";
    schema::migrate(&mut client, &location, &[first]).unwrap();
    schema::migrate(&mut client, &location, &[first, second]).unwrap();
    let failed = schema::migrate(&mut client, &location, &[first, second, broken]);
    assert!(
        matches!(
            failed,
            Err(StoreError::Database {
                operation: "migrate",
                ..
            })
        ),
        "{failed:?}"
    );
    let version: i64 = client
        .query_one("SELECT version FROM vitals.schema_version", &[])
        .unwrap()
        .get(0);
    let rows: i64 = client
        .query_one("SELECT COUNT(*) FROM one", &[])
        .unwrap()
        .get(0);
    let three: Option<String> = client
        .query_one("SELECT CAST(to_regclass('vitals.three') AS TEXT)", &[])
        .unwrap()
        .get(0);
    assert_eq!((version, rows, three), (2, 1, None));
}

fn password() -> String {
    url::Url::parse(&admin_url())
        .unwrap()
        .password()
        .unwrap_or("no password in the URL")
        .to_owned()
}

#[test]
fn errors_name_the_server_and_database_never_the_password() {
    let mut url = url::Url::parse(&admin_url()).unwrap();
    url.set_path("vitals_no_such_database");
    let refused = PostgresStore::open(&Secret::new(url.to_string()))
        .err()
        .unwrap();
    let message = format!("{refused} {refused:?}");
    assert!(message.contains("\"vitals_no_such_database\""), "{message}");
    assert!(message.contains("127.0.0.1:"), "{message}");
    assert!(!message.contains(&password()), "{message}");

    url.set_path("vitals_ci");
    url.set_scheme("mysql").unwrap();
    let refused = PostgresStore::open(&Secret::new(url.to_string()))
        .err()
        .unwrap();
    assert!(!format!("{refused} {refused:?}").contains(&password()));
}

fn stamp(store: &dyn StateStore, epoch: Epoch, minute: i64) -> RunStamp {
    let run = store
        .begin_run(&NewRun {
            trigger: RunTrigger::Manual,
            holder: "test".into(),
            started_at: at(minute),
        })
        .unwrap();
    RunStamp {
        run,
        epoch,
        at: at(minute),
    }
}

fn health(account: u64) -> PlannedWrite {
    PlannedWrite {
        kind: WriteKind::AccountHealth,
        target: Target::Id(account_id(account)),
        account_id: account_id(account),
        fields: vec![("health_score".into(), Value::Number(50.0))],
        reason: "score changed".into(),
    }
}

fn assert_fenced<T: std::fmt::Debug>(result: Result<T, StoreError>) {
    assert!(
        matches!(result, Err(StoreError::Fenced { .. })),
        "{result:?}"
    );
}

/// The process id of the server session holding this database's lease lock.
fn lease_backend(db: &TestDb) -> i32 {
    db.client()
        .query_one(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted \
             AND classid = $1 AND objid = $2 AND database = \
             (SELECT oid FROM pg_database WHERE datname = current_database())",
            &[
                &super::lease::LOCK_CLASS.cast_unsigned(),
                &super::lease::LEASE_LOCK.cast_unsigned(),
            ],
        )
        .unwrap()
        .get(0)
}

#[test]
fn one_holder_at_a_time_and_a_killed_holder_is_fenced() {
    let db = TestDb::new();
    let (first, second) = (db.open(), db.open());
    let old = first.acquire_lease("host-1", at(0)).unwrap().unwrap();
    assert_eq!(second.acquire_lease("host-2", at(0)).unwrap(), None);
    assert_eq!(first.check_lease(&old).unwrap(), LeaseStatus::Held);
    assert_eq!(second.current_lease().unwrap(), Some(old.clone()));

    let old_stamp = stamp(&first, old.epoch, 1);
    first.enqueue(&old_stamp, &[health(1), health(2)]).unwrap();
    let claimed = first.claim(&old_stamp, &WriteKind::ALL, 1).unwrap();

    // A third connection ends the holder's lease session, as the server does when the
    // holder's network dies; the standby's next try takes the lease.
    let killed: bool = db
        .client()
        .query_one(
            "SELECT pg_terminate_backend($1, 5000)",
            &[&lease_backend(&db)],
        )
        .unwrap()
        .get(0);
    assert!(killed);
    let started = Instant::now();
    let new = second.acquire_lease("host-2", at(2)).unwrap().unwrap();
    eprintln!(
        "takeover after the lease session ended: {:?}",
        started.elapsed()
    );
    assert!(new.epoch > old.epoch);

    // The old holder wakes up: every outbox call is refused, and its check says lost.
    assert_fenced(first.claim(&old_stamp, &WriteKind::ALL, 10));
    assert_fenced(first.enqueue(&old_stamp, &[health(3)]));
    assert_fenced(first.record_outcomes(&old_stamp, &[(claimed[0].id, delivered())]));
    assert!(matches!(
        first.check_lease(&old).unwrap(),
        LeaseStatus::Lost { .. }
    ));
    assert_eq!(first.acquire_lease("host-1", at(3)).unwrap(), None);

    // The new holder settles the old one's claim and sends the rest.
    let new_stamp = stamp(&second, new.epoch, 4);
    assert_eq!(second.in_doubt(10).unwrap(), claimed);
    second
        .record_outcomes(&new_stamp, &[(claimed[0].id, delivered())])
        .unwrap();
    assert_eq!(
        second.claim(&new_stamp, &WriteKind::ALL, 10).unwrap().len(),
        1
    );
}

fn delivered() -> crate::domain::Outcome {
    crate::domain::Outcome::Delivered {
        id: None,
        created: Some(false),
    }
}

#[test]
fn a_clean_release_lets_a_standby_take_over_at_once() {
    let db = TestDb::new();
    let (first, second) = (db.open(), db.open());
    let lease = first.acquire_lease("host-1", at(0)).unwrap().unwrap();
    first.release_lease(&lease).unwrap();
    assert_eq!(second.current_lease().unwrap(), None);
    let next = second.acquire_lease("host-2", at(1)).unwrap().unwrap();
    assert_eq!(next.epoch, Epoch(lease.epoch.0 + 1));
    assert!(matches!(
        first.check_lease(&lease).unwrap(),
        LeaseStatus::Lost { .. }
    ));
}

#[test]
fn a_holder_that_stops_checking_loses_the_lease_after_its_hold_timeout() {
    let db = TestDb::new();
    let timeout = Duration::from_millis(800);
    let stuck = PostgresStore::open_with_hold_timeout(&db.url, timeout).unwrap();
    let standby = db.open();
    let lease = stuck.acquire_lease("stuck", at(0)).unwrap().unwrap();
    let started = Instant::now();
    // Waits, without polling, until the server has ended the silent holder's session.
    let mut waiter = db.client();
    waiter
        .execute(
            "SELECT pg_advisory_lock($1, $2)",
            &[&super::lease::LOCK_CLASS, &super::lease::LEASE_LOCK],
        )
        .unwrap();
    waiter
        .execute(
            "SELECT pg_advisory_unlock($1, $2)",
            &[&super::lease::LOCK_CLASS, &super::lease::LEASE_LOCK],
        )
        .unwrap();
    let taken = standby.acquire_lease("standby", at(1)).unwrap().unwrap();
    let elapsed = started.elapsed();
    eprintln!("takeover from a holder silent for its {timeout:?} hold timeout: {elapsed:?}");
    assert!(elapsed >= timeout, "{elapsed:?}");
    assert!(taken.epoch > lease.epoch);
    assert!(matches!(
        stuck.check_lease(&lease).unwrap(),
        LeaseStatus::Lost { .. }
    ));
}

/// The child half of the test below: holds the lease until killed.
const CHILD_VAR: &str = "VITALS_TEST_LEASE_CHILD_URL";

#[test]
fn a_killed_holder_process_releases_the_lease_at_once() {
    if let Ok(url) = std::env::var(CHILD_VAR) {
        // Run by the parent below: take the lease, say so, and wait to be killed.
        let store = PostgresStore::open(&Secret::new(url)).unwrap();
        let lease = store.acquire_lease("child", at(0)).unwrap().unwrap();
        // Straight to the file descriptor: the test harness captures `println!`.
        let mut stdout = std::io::stdout();
        writeln!(stdout, "holding epoch {}", lease.epoch).unwrap();
        stdout.flush().unwrap();
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).unwrap();
        panic!("the parent was meant to kill this process");
    }
    let db = TestDb::new();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "store::postgres::tests::a_killed_holder_process_releases_the_lease_at_once",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_VAR, db.url.expose())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let held = lines
        // The harness prints the test's name on the same line first.
        .find_map(|line| {
            let line = line.unwrap();
            line.split_once("holding epoch ")
                .map(|(_, epoch)| epoch.trim().to_owned())
        })
        .unwrap();
    let standby = db.open();
    assert_eq!(standby.acquire_lease("standby", at(1)).unwrap(), None);

    let started = Instant::now();
    child.kill().unwrap();
    child.wait().unwrap();
    // The standby's tries after the kill: the first one after the server saw the socket
    // close succeeds. Bounded, so a lock that is never released fails the test.
    let mut tries = 0;
    let lease = loop {
        tries += 1;
        if let Some(lease) = standby.acquire_lease("standby", at(2)).unwrap() {
            break lease;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "lease never released"
        );
        std::thread::yield_now();
    };
    eprintln!(
        "takeover after SIGKILL of the holder: {:?} ({tries} tries)",
        started.elapsed()
    );
    assert!(lease.epoch.0 > held.parse::<i64>().unwrap());
}

#[test]
fn concurrent_claims_never_hand_one_entry_to_two_claimers() {
    let db = TestDb::new();
    let holder = db.open();
    let lease = holder.acquire_lease("holder", at(0)).unwrap().unwrap();
    let stamp = stamp(&holder, lease.epoch, 0);
    holder
        .enqueue(&stamp, &(1..=100).map(health).collect::<Vec<_>>())
        .unwrap();
    // Four workers of the holder, each on its own connection, claim while a fifth keeps
    // enqueueing more.
    let workers = 4;
    let barrier = Arc::new(Barrier::new(workers + 1));
    let claimers: Vec<_> = (0..workers)
        .map(|_| {
            let (store, barrier) = (db.open(), Arc::clone(&barrier));
            std::thread::spawn(move || {
                barrier.wait();
                let mut mine = Vec::new();
                let mut empty = 0;
                while empty < 3 {
                    let got = store.claim(&stamp, &WriteKind::ALL, 7).unwrap();
                    empty = if got.is_empty() { empty + 1 } else { 0 };
                    mine.extend(got.into_iter().map(|e| e.id));
                }
                mine
            })
        })
        .collect();
    let enqueuer = {
        let (store, barrier) = (db.open(), Arc::clone(&barrier));
        std::thread::spawn(move || {
            barrier.wait();
            for batch in 0..10u64 {
                let writes: Vec<_> = (0..10).map(|n| health(1_000 + batch * 10 + n)).collect();
                store.enqueue(&stamp, &writes).unwrap();
            }
        })
    };
    enqueuer.join().unwrap();
    let mut claimed: Vec<OutboxId> = Vec::new();
    for claimer in claimers {
        claimed.extend(claimer.join().unwrap());
    }
    claimed.extend(
        holder
            .claim(&stamp, &WriteKind::ALL, 1_000)
            .unwrap()
            .into_iter()
            .map(|e| e.id),
    );
    let distinct: BTreeSet<_> = claimed.iter().copied().collect();
    assert_eq!(distinct.len(), claimed.len(), "an entry was claimed twice");
    assert_eq!(claimed.len(), 200);
    assert_eq!(holder.outbox_depth().unwrap().sending, 200);
}

fn put_accounts(store: &dyn StateStore, count: u64) {
    let rows = suite::rows(
        (1..=count)
            .map(|n| DomainRecord::Account(suite::account(n)))
            .collect(),
        at(0),
    );
    store
        .put_page(SyncedObject::Account, None, &rows, &[], None)
        .unwrap();
}

#[test]
fn the_streams_fetch_in_chunks_across_many_accounts() {
    let fresh = fresh();
    let store = fresh.store.as_ref();
    let accounts = u64::try_from(super::STREAM_CHUNK).unwrap() * 2 + 7;
    put_accounts(store, accounts);
    let (snapshots, report) = suite::collect(store);
    assert_eq!(report.accounts, accounts);
    let ids: Vec<_> = snapshots.iter().map(|s| s.account.id).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted);

    // The accounts alone come through the same portal, in the same order.
    let mut alone = Vec::new();
    let report = store
        .each_account(&mut |a| {
            alone.push(a.id);
            Ok(())
        })
        .unwrap();
    assert_eq!(report.accounts, accounts);
    assert_eq!(alone, ids);
}

#[test]
fn an_account_row_that_no_longer_reads_is_reported_not_fed() {
    let db = TestDb::new();
    let store = db.open();
    suite::an_undecodable_account_is_reported_not_fed(&store, |id| {
        db.client()
            .execute(
                "UPDATE vitals.replica SET record = '{\"Account\": 7}' WHERE id = $1",
                &[&id.as_str()],
            )
            .unwrap();
    });
}

#[test]
fn the_store_works_from_spawn_blocking_and_from_a_plain_thread() {
    let db = TestDb::new();
    let store: Arc<dyn StateStore> = Arc::new(db.open());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let in_runtime = Arc::clone(&store);
    let lease = runtime.block_on(async move {
        let tasks: Vec<_> = (0..4)
            .map(|n| {
                let store = Arc::clone(&in_runtime);
                tokio::task::spawn_blocking(move || {
                    store.record_calls(at(n), 1).unwrap();
                    put_accounts(store.as_ref(), 3);
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        let store = Arc::clone(&in_runtime);
        tokio::task::spawn_blocking(move || store.acquire_lease("async", at(9)).unwrap())
            .await
            .unwrap()
    });
    assert!(lease.is_some());
    let plain = Arc::clone(&store);
    let calls = std::thread::spawn(move || plain.calls_since(at(0)).unwrap())
        .join()
        .unwrap();
    assert_eq!(calls, 4);

    // The last handle dropped on a runtime worker thread closes the connections on a
    // thread of their own instead of panicking there.
    runtime.block_on(async move {
        tokio::spawn(async move { drop(store) }).await.unwrap();
    });
}

/// A login role of its own, with no privileges but connecting, dropped with it.
struct TestRole {
    name: String,
}

impl TestRole {
    fn new() -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "vitals_role_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        admin()
            .batch_execute(&format!("CREATE ROLE {name} LOGIN PASSWORD 'role-secret'"))
            .unwrap();
        Self { name }
    }

    /// `db`'s URL as this role.
    fn url(&self, db: &TestDb) -> Secret {
        let mut url = url::Url::parse(db.url.expose()).unwrap();
        url.set_username(&self.name).unwrap();
        url.set_password(Some("role-secret")).unwrap();
        Secret::new(url.to_string())
    }
}

impl Drop for TestRole {
    fn drop(&mut self) {
        if let Err(error) = admin().batch_execute(&format!("DROP ROLE IF EXISTS {}", self.name)) {
            eprintln!("could not drop test role {}: {error}", self.name);
        }
    }
}

#[test]
fn inspecting_reads_the_schema_version_and_changes_nothing() {
    use crate::store::{SchemaStatus, WriteTarget};

    let db = TestDb::new();
    let known = super::schema_version_known();
    let fresh = super::inspect(&db.url).unwrap();
    assert_eq!(fresh.schema, SchemaStatus::Absent { known });
    assert_eq!(fresh.writes.len(), 1);
    assert_eq!(fresh.writes[0].target, WriteTarget::Database);
    assert_eq!(
        fresh.writes[0].problem, None,
        "the owner may create the schema"
    );
    assert_eq!(fresh.space, None);
    assert!(!format!("{fresh:?}").contains(&password()), "{fresh:?}");
    let schemas: i64 = db
        .client()
        .query_one(
            "SELECT COUNT(*) FROM pg_namespace WHERE nspname = 'vitals'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(schemas, 0, "inspecting created nothing");

    drop(db.open());
    let current = super::inspect(&db.url).unwrap();
    assert_eq!(current.schema, SchemaStatus::Current { version: known });
    assert_eq!(current.writes[0].problem, None);

    db.client()
        .execute(
            "UPDATE vitals.schema_version SET version = $1",
            &[&(known + 1)],
        )
        .unwrap();
    let newer = super::inspect(&db.url).unwrap();
    assert_eq!(
        newer.schema,
        SchemaStatus::Newer {
            found: known + 1,
            known
        }
    );
    assert_eq!(
        super::inspect::inspect(&db.url, known + 2).unwrap().schema,
        SchemaStatus::Older {
            found: known + 1,
            known: known + 2
        },
        "a binary that knows more would migrate it"
    );
}

#[test]
fn inspecting_as_a_user_without_privileges_names_what_it_lacks() {
    use crate::store::WriteProblem;

    let db = TestDb::new();
    let role = TestRole::new();
    let url = role.url(&db);
    let empty = super::inspect(&url).unwrap();
    assert_eq!(
        empty.writes[0].problem,
        Some(WriteProblem::NoPrivilege("CREATE on the database".into()))
    );

    drop(db.open());
    let used = super::inspect(&url).unwrap();
    assert_eq!(used.schema, crate::store::SchemaStatus::Unreadable);
    let Some(WriteProblem::NoPrivilege(missing)) = &used.writes[0].problem else {
        panic!("expected missing privileges: {used:?}");
    };
    assert!(
        missing.starts_with("USAGE on the schema vitals; SELECT, INSERT, UPDATE and DELETE on "),
        "{missing}"
    );
    assert!(
        missing.contains("outbox") && missing.contains("schema_version"),
        "{missing}"
    );
    assert!(!format!("{used:?}").contains("role-secret"), "{used:?}");

    db.client()
        .batch_execute(&format!(
            "GRANT USAGE ON SCHEMA vitals TO {0}; \
             GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA vitals TO {0}",
            role.name
        ))
        .unwrap();
    let granted = super::inspect(&url).unwrap();
    assert_eq!(granted.writes[0].problem, None);
    assert_eq!(
        granted.schema,
        crate::store::SchemaStatus::Current {
            version: super::schema_version_known()
        }
    );
    // Revoke again so that the role can be dropped with the database gone.
    db.client()
        .batch_execute(&format!(
            "REVOKE ALL ON ALL TABLES IN SCHEMA vitals FROM {0}; REVOKE ALL ON SCHEMA vitals FROM {0}",
            role.name
        ))
        .unwrap();
}
