//! Opening a state file: connection settings and versioned migrations.
//!
//! The schema version is `PRAGMA user_version`. Migrations are SQL scripts applied in
//! order, all pending ones in one transaction, so a failure leaves the file at its old
//! version. A file with a newer version than this binary knows is refused, never migrated
//! down; a file that is not an SQLite database is reported by its path.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use crate::store::sql::Fault;
use crate::store::sql::driver::classify_sqlite as classify;
use crate::store::{Location, StoreError};

/// The migration scripts; script `i` takes the schema from version `i` to `i + 1`.
pub(super) const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_initial.sql"),
    include_str!("migrations/0002_compact_replica.sql"),
];

/// How long a call waits for another process's write lock before failing. Vitals' own
/// transactions are short (a page, a chunk of outcomes), so this only expires when another
/// process holds the file for long.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Page cache per connection, in KiB (SQLite's negative `cache_size` unit). Bulk loads
/// update two indexes; a larger cache keeps their upper levels in memory.
const CACHE_KIB: i64 = 32 * 1024;

fn file(path: &Path) -> Location {
    Location::File(path.to_path_buf())
}

/// The newest schema version this binary knows.
pub(super) fn known_version() -> i64 {
    i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX)
}

/// Opens the read-write connection, configures it and migrates the schema.
pub(super) fn open_writer(path: &Path) -> Result<Connection, StoreError> {
    let mut conn = Connection::open(path).map_err(|source| StoreError::Open {
        store: file(path),
        source: source.into(),
    })?;
    configure_writer(&conn).map_err(|e| classify(file(path), "configure", e))?;
    migrate(&mut conn, path, MIGRATIONS)?;
    Ok(conn)
}

/// Opens a read-only connection for a long read (streaming snapshots) that must not hold
/// the writer's lock, so the callback can write meanwhile.
pub(super) fn open_reader(path: &Path) -> Result<Connection, StoreError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|source| StoreError::Open {
        store: file(path),
        source: source.into(),
    })?;
    let setup = conn
        .busy_timeout(BUSY_TIMEOUT)
        .and_then(|()| conn.pragma_update(None, "cache_size", -CACHE_KIB));
    setup.map_err(|e| classify(file(path), "configure reader", e))?;
    Ok(conn)
}

/// Reads the schema version of the file at `path` (0 for an empty file) without creating,
/// migrating or locking anything, for `vitals check`.
///
/// # Errors
/// [`StoreError`] naming the path: cannot open, not an SQLite database, damaged, or
/// another program's database.
pub(super) fn read_version(path: &Path) -> Result<i64, StoreError> {
    let conn = open_untouched(path).map_err(|source| StoreError::Open {
        store: file(path),
        source: source.into(),
    })?;
    check_file(&conn).map_err(|fault| fault.into_error(&file(path), "inspect"))
}

/// A read-only connection that leaves no file behind. Without a write-ahead log the file
/// is opened immutable, so SQLite creates no `-wal` or `-shm` file: made by another user
/// (root running the check), those could keep the daemon out of its own state. With a log
/// (a process has the file open), the log holds the latest pages and must be read; its
/// `-shm` file exists then.
fn open_untouched(path: &Path) -> rusqlite::Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    if companion(path, "-wal").exists() {
        return Connection::open_with_flags(path, flags);
    }
    // https://www.sqlite.org/uri.html: `immutable=1` reads the file as it is, with no
    // locking and no journal.
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    match url::Url::from_file_path(&absolute) {
        Ok(url) => Connection::open_with_flags(format!("{url}?immutable=1"), flags),
        Err(()) => Connection::open_with_flags(path, flags),
    }
}

/// The `-wal` or `-shm` file SQLite keeps beside the state file.
pub(super) fn companion(path: &Path, suffix: &str) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    std::path::PathBuf::from(name)
}

/// Connection settings of the writer.
///
/// - WAL: readers (the snapshot stream, `vitals explain`, the console) never block the
///   writer, and a crash never corrupts the file.
/// - `synchronous = FULL`: a commit is on disk before the call returns. The outbox promise
///   is "persisted before the first write goes to the org"; with `NORMAL` a power cut could
///   roll back a committed enqueue or outcome after the org already saw the write. The cost
///   is one fsync per transaction, small next to a network round trip per batch. Pages of
///   the replica are the one exception (`write_replica`): a page lost is read again.
fn configure_writer(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // `journal_mode` answers with the mode set; the first read of the file happens here,
    // which is where a file that is not a database is found.
    let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "cache_size", -CACHE_KIB)?;
    Ok(())
}

/// Reads the schema version.
pub(super) fn user_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.pragma_query_value(None, "user_version", |row| row.get(0))
}

/// The `application_id` in the header of a Vitals state file ("VTLS"), so that another
/// program's SQLite database is refused instead of being given Vitals' tables.
pub(super) const APPLICATION_ID: i64 = 0x5654_4C53;

/// Brings the schema to the newest of `scripts`, refusing a newer file or another
/// program's database.
pub(super) fn migrate(
    conn: &mut Connection,
    path: &Path,
    scripts: &[&str],
) -> Result<(), StoreError> {
    let known = i64::try_from(scripts.len()).unwrap_or(i64::MAX);
    let found = check_file(conn).map_err(|fault| fault.into_error(&file(path), "open"))?;
    refuse_newer(path, found, known)?;
    if found == known {
        return Ok(());
    }
    apply(conn, scripts, known).map_err(|fault| fault.into_error(&file(path), "migrate"))?;
    Ok(())
}

/// Reads the schema version of a Vitals state file (0 for an empty file).
fn check_file(conn: &Connection) -> Result<i64, Fault> {
    let version = user_version(conn)?;
    let application: i64 = conn.pragma_query_value(None, "application_id", |row| row.get(0))?;
    let tables: i64 = conn.query_row("SELECT COUNT(*) FROM sqlite_schema", [], |r| r.get(0))?;
    let foreign = application != APPLICATION_ID && (application != 0 || tables > 0);
    if foreign {
        return Err(Fault::Foreign("an SQLite database of another program"));
    }
    Ok(version)
}

fn refuse_newer(path: &Path, found: i64, known: i64) -> Result<(), StoreError> {
    if found > known {
        return Err(StoreError::NewerSchema {
            store: file(path),
            found,
            known,
        });
    }
    Ok(())
}

/// Applies the pending scripts in one write transaction.
fn apply(conn: &mut Connection, scripts: &[&str], known: i64) -> Result<(), Fault> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // Read again under the write lock: another process may have migrated meanwhile.
    let found = user_version(&tx)?;
    if found >= known {
        return Ok(());
    }
    for script in scripts.iter().skip(usize::try_from(found).unwrap_or(0)) {
        tx.execute_batch(script)?;
    }
    tx.pragma_update(None, "user_version", known)?;
    tx.pragma_update(None, "application_id", APPLICATION_ID)?;
    tx.commit()?;
    Ok(())
}
