//! The backend suite on SQLite, and what only a state file can show: migrations, a newer
//! or foreign or damaged file, reopening, two processes on one file.

use std::fs;
use std::path::Path;

use proptest::prelude::*;
use rusqlite::Connection;

use super::{SqliteStore, schema};
use crate::domain::{DomainRecord, WriteKind};
use crate::store::suite::{self, Fresh, account_id, at};
use crate::store::{NewRun, RunStamp, RunTrigger, StateStore, StoreError};

fn fresh() -> Fresh {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("state.db")).unwrap();
    Fresh::new(Box::new(store), dir)
}

suite::backend_suite!(fresh);

fn raw_version(path: &Path) -> i64 {
    let conn = Connection::open(path).unwrap();
    schema::user_version(&conn).unwrap()
}

#[test]
fn an_empty_file_is_migrated_to_the_current_version() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(
        store.schema_version().unwrap(),
        super::schema_version_known()
    );
    drop(store);
    assert_eq!(raw_version(&path), super::schema_version_known());
    // Opening again migrates nothing and keeps the data.
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.current_epoch().unwrap().0, 0);
}

#[test]
fn migrations_apply_in_order_and_a_failure_applies_none() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let first = "CREATE TABLE one (x INTEGER);";
    let second = "INSERT INTO one VALUES (1); CREATE TABLE two (y INTEGER);";
    let broken = "CREATE TABLE three (z INTEGER); THIS IS NOT SQL;";

    let mut conn = Connection::open(&path).unwrap();
    schema::migrate(&mut conn, &path, &[first]).unwrap();
    schema::migrate(&mut conn, &path, &[first, second]).unwrap();
    assert_eq!(schema::user_version(&conn).unwrap(), 2);
    let rows: i64 = conn
        .query_row("SELECT COUNT(*) FROM one", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 1, "the first script ran once");

    let failed = schema::migrate(&mut conn, &path, &[first, second, broken]);
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
    assert_eq!(schema::user_version(&conn).unwrap(), 2);
    let three: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM sqlite_schema WHERE name = 'three'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        three, 0,
        "the failed script's first statement was rolled back"
    );
}

#[test]
fn a_file_from_a_newer_vitals_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    drop(SqliteStore::open(&path).unwrap());
    let newer = super::schema_version_known() + 1;
    Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", newer)
        .unwrap();

    let refused = SqliteStore::open(&path).err().unwrap();
    let StoreError::NewerSchema { found, known, .. } = &refused else {
        panic!("expected NewerSchema, got {refused:?}");
    };
    assert_eq!((*found, *known), (newer, super::schema_version_known()));
    let message = refused.to_string();
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(message.contains(&format!("version {newer}")), "{message}");
    assert!(message.contains(&format!("up to {}", known)), "{message}");
    assert_eq!(raw_version(&path), newer);
}

fn assert_corrupt(path: &Path) -> String {
    let refused = SqliteStore::open(path).err().unwrap();
    assert!(matches!(refused, StoreError::Corrupt { .. }), "{refused:?}");
    let message = refused.to_string();
    assert!(message.contains(&path.display().to_string()), "{message}");
    message
}

#[test]
fn a_file_that_is_not_a_database_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    fs::write(
        &path,
        "[sync]\nthis is a TOML file, not a state file\n".repeat(200),
    )
    .unwrap();
    assert_corrupt(&path);
}

#[test]
fn a_damaged_database_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let store = SqliteStore::open(&path).unwrap();
    let accounts: Vec<_> = (1..=200)
        .map(|n| DomainRecord::Account(suite::account(n)))
        .collect();
    let rows = suite::rows(accounts, at(0));
    store
        .put_page(crate::domain::SyncedObject::Account, None, &rows, &[], None)
        .unwrap();
    drop(store);
    // Overwrite the schema table on page 1, after the 100-byte file header.
    let mut bytes = fs::read(&path).unwrap();
    bytes[100..4096].fill(0xA5);
    fs::write(&path, bytes).unwrap();
    assert_corrupt(&path);
}

#[test]
fn another_programs_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    Connection::open(&path)
        .unwrap()
        .execute_batch("CREATE TABLE invoices (id INTEGER PRIMARY KEY);")
        .unwrap();
    let message = assert_corrupt(&path);
    assert!(message.contains("another program"), "{message}");
}

#[test]
fn an_unreachable_path_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing-directory").join("state.db");
    let refused = SqliteStore::open(&path).err().unwrap();
    assert!(matches!(refused, StoreError::Open { .. }), "{refused:?}");
    assert!(refused.to_string().contains(&path.display().to_string()));
}

/// The backend suite's undecodable-account case, the account's stored record replaced by
/// `record` (an SQL literal).
fn spoiled_account_is_reported(record: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let store = SqliteStore::open(&path).unwrap();
    suite::an_undecodable_account_is_reported_not_fed(&store, |id| {
        Connection::open(&path)
            .unwrap()
            .execute(
                &format!("UPDATE replica SET record = {record} WHERE id = ?1"),
                [id.as_str()],
            )
            .unwrap();
    });
}

#[test]
fn an_account_row_that_no_longer_reads_is_reported_not_fed() {
    spoiled_account_is_reported("'{\"Account\": 7}'");
}

fn stamp(store: &dyn StateStore, minute: i64) -> RunStamp {
    let new = NewRun {
        trigger: RunTrigger::Manual,
        holder: "test".into(),
        started_at: at(minute),
    };
    let run = store.begin_run(&new).unwrap();
    let lease = store.acquire_lease("test", at(minute)).unwrap().unwrap();
    RunStamp {
        run,
        epoch: lease.epoch,
        at: at(minute),
    }
}

fn health_write(account: u64) -> crate::domain::PlannedWrite {
    crate::domain::PlannedWrite {
        kind: WriteKind::AccountHealth,
        target: crate::domain::Target::Id(account_id(account)),
        account_id: account_id(account),
        fields: vec![(
            "health_status".into(),
            crate::domain::Value::Text("Watch".into()),
        )],
        reason: "status changed".into(),
    }
}

#[test]
fn a_claim_survives_the_process_and_a_second_process_fences_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let first = SqliteStore::open(&path).unwrap();
    let old = stamp(&first, 0);
    first
        .enqueue(&old, &[health_write(1), health_write(2)])
        .unwrap();
    let claimed = first.claim(&old, &WriteKind::ALL, 1).unwrap();

    // A second process opens the file and takes the lease while the first still runs.
    let second = SqliteStore::open(&path).unwrap();
    let new = stamp(&second, 5);
    assert_eq!(second.in_doubt(10).unwrap(), claimed);
    let fenced = first.claim(&old, &WriteKind::ALL, 10);
    assert!(
        matches!(fenced, Err(StoreError::Fenced { .. })),
        "{fenced:?}"
    );
    drop(first);

    let rest = second.claim(&new, &WriteKind::ALL, 10).unwrap();
    assert_eq!(rest.len(), 1);
    assert_eq!(rest[0].write.account_id, account_id(2));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn streaming_snapshots_equals_grouping_in_memory(records in suite::replica_records()) {
        let fresh = fresh();
        suite::stream_equals_grouping(fresh.store.as_ref(), records);
    }
}

/// The files in `dir`, by name.
fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn inspecting_a_state_file_reads_its_version_and_leaves_nothing_behind() {
    use crate::store::{SchemaStatus, WriteTarget};

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let known = super::schema_version_known();
    let absent = super::inspect(&path).unwrap();
    assert_eq!(absent.schema, SchemaStatus::Absent { known });
    assert_eq!(
        absent.writes,
        vec![crate::store::Writability {
            target: WriteTarget::Directory(dir.path().to_path_buf()),
            problem: None
        }]
    );
    assert!(
        absent
            .space
            .is_some_and(|space| space.available > 0 && space.store_bytes == 0)
    );
    assert!(
        files_in(dir.path()).is_empty(),
        "{:?}",
        files_in(dir.path())
    );

    drop(SqliteStore::open(&path).unwrap());
    let closed = super::inspect(&path).unwrap();
    assert_eq!(closed.schema, SchemaStatus::Current { version: known });
    assert_eq!(closed.writes.len(), 2, "the directory and the file");
    assert!(
        closed.writes.iter().all(|w| w.problem.is_none()),
        "{closed:?}"
    );
    assert!(closed.space.is_some_and(|space| space.store_bytes > 0));
    assert_eq!(files_in(dir.path()), ["state.db"], "no -wal or -shm made");

    // While a process has it open, its log and shared memory are checked too.
    let open = SqliteStore::open(&path).unwrap();
    let running = super::inspect(&path).unwrap();
    assert_eq!(running.schema, SchemaStatus::Current { version: known });
    assert_eq!(running.writes.len(), 4, "{running:?}");
    drop(open);

    assert_eq!(
        super::inspect::inspect(&path, known + 1).unwrap().schema,
        SchemaStatus::Older {
            found: known,
            known: known + 1
        }
    );
    Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", known + 1)
        .unwrap();
    assert_eq!(
        super::inspect(&path).unwrap().schema,
        SchemaStatus::Newer {
            found: known + 1,
            known
        }
    );
}

#[test]
fn inspecting_a_missing_directory_or_a_foreign_file_says_so() {
    use crate::store::WriteProblem;

    let dir = tempfile::tempdir().unwrap();
    let missing = super::inspect(&dir.path().join("absent/state.db")).unwrap();
    assert_eq!(missing.writes[0].problem, Some(WriteProblem::Missing));
    assert_eq!(missing.space, None);

    let path = dir.path().join("other.db");
    Connection::open(&path)
        .unwrap()
        .execute_batch("CREATE TABLE invoices (id INTEGER)")
        .unwrap();
    let refused = super::inspect(&path).unwrap_err();
    assert!(matches!(refused, StoreError::Corrupt { .. }), "{refused:?}");
    assert!(
        refused.to_string().contains(&path.display().to_string()),
        "{refused}"
    );
}

/// The writer connection's `synchronous` setting (2 is FULL, 1 NORMAL).
fn synchronous(store: &SqliteStore) -> i64 {
    store
        .lock()
        .pragma_query_value(None, "synchronous", |row| row.get(0))
        .unwrap()
}

#[test]
fn a_replica_page_commits_without_fsync_and_every_other_write_with_it() {
    use crate::domain::SyncedObject;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(synchronous(&store), 2);
    let accounts = suite::rows(vec![DomainRecord::Account(suite::account(1))], at(0));
    let stats = store
        .put_page(SyncedObject::Account, None, &accounts, &[], Some(at(1)))
        .unwrap();
    assert_eq!(stats.upserted, 1);
    assert_eq!(synchronous(&store), 2, "FULL again after a page");
    // A page that fails (an account in a page of cases) rolls back and restores FULL too.
    let refused = store.put_page(SyncedObject::Case, None, &accounts, &[], Some(at(2)));
    assert!(
        matches!(refused, Err(StoreError::InvalidRequest { .. })),
        "{refused:?}"
    );
    assert_eq!(synchronous(&store), 2, "FULL again after a failed page");
    // The committed page is there, from another connection, with its watermark.
    drop(store);
    let reopened = SqliteStore::open(&path).unwrap();
    assert_eq!(reopened.counts().unwrap()[&SyncedObject::Account], 1);
    let state = reopened
        .object_state(SyncedObject::Account)
        .unwrap()
        .unwrap();
    assert_eq!(state.watermark, Some(at(1)));
    let case = reopened.object_state(SyncedObject::Case).unwrap();
    assert!(case.is_none_or(|s| s.watermark.is_none()));
}

/// A version 1 file (records as JSON, fieldsets without the record format tag) migrates
/// to the compact replica: its rows still read, and every loaded object reads as loaded
/// with other fields, so the next sync reloads it in the new format.
#[test]
fn a_version_1_replica_still_reads_and_asks_for_a_reload() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let old = suite::account(1);
    {
        let mut conn = Connection::open(&path).unwrap();
        schema::migrate(&mut conn, &path, &schema::MIGRATIONS[..1]).unwrap();
        let json = serde_json::to_string(&DomainRecord::Account(old.clone())).unwrap();
        conn.execute(
            "INSERT INTO replica (object, id, account_id, name, modstamp, generation, record) \
             VALUES ('account', ?1, ?1, ?2, 0, 1, ?3)",
            [old.id.as_str(), old.name.as_str(), json.as_str()],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO sync_state (object, watermark, fieldset, generation) \
             VALUES ('account', 5, 'v1-fields', 1)",
            [],
        )
        .unwrap();
    }
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(raw_version(&path), 2);
    let state = store
        .object_state(crate::domain::SyncedObject::Account)
        .unwrap()
        .unwrap();
    assert_eq!((state.watermark.is_some(), state.fieldset), (true, None));

    let new = suite::account(2);
    store
        .put_page(
            crate::domain::SyncedObject::Account,
            None,
            &suite::rows(vec![DomainRecord::Account(new.clone())], at(1)),
            &[],
            None,
        )
        .unwrap();
    let mut seen = Vec::new();
    store
        .each_account(&mut |a| {
            seen.push(a);
            Ok(())
        })
        .unwrap();
    assert_eq!(seen, [old, new]);
    let stored: String = Connection::open(&path)
        .unwrap()
        .query_row(
            "SELECT typeof(record) FROM replica WHERE id = ?1",
            [account_id(2).as_str()],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stored, "blob");
}

/// A compact record of another format version is reported like any unreadable row.
#[test]
fn a_compact_record_of_another_version_is_reported_not_fed() {
    spoiled_account_is_reported("X'09000102'");
}
