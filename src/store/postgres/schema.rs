//! Versioned migrations of the PostgreSQL state database.
//!
//! Everything lives in the schema `vitals`; its version is the one row of
//! `vitals.schema_version`. Migrations are SQL scripts applied in order, all pending ones
//! in one transaction that first takes a transaction advisory lock, so two processes
//! starting at once migrate once and a failure leaves the old version. A database with a
//! newer version than this binary knows is refused, never migrated down; a `vitals` schema
//! that Vitals did not create is refused rather than written into.

use postgres::Client;

use super::SCHEMA;
use super::lease::{LOCK_CLASS, MIGRATION_LOCK};
use crate::store::sql::Fault;
use crate::store::{Location, StoreError};

/// The migration scripts; script `i` takes the schema from version `i` to `i + 1`.
pub(super) const MIGRATIONS: &[&str] = &[include_str!("migrations/0001_initial.sql")];

/// The newest schema version this binary knows.
pub(super) fn known_version() -> i64 {
    i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX)
}

/// Brings the schema to the newest of `scripts`, refusing a newer database or a foreign
/// `vitals` schema.
pub(super) fn migrate(
    client: &mut Client,
    store: &Location,
    scripts: &[&str],
) -> Result<(), StoreError> {
    let known = i64::try_from(scripts.len()).unwrap_or(i64::MAX);
    let result = (|| {
        let mut tx = client.transaction()?;
        tx.execute(
            "SELECT pg_advisory_xact_lock($1, $2)",
            &[&LOCK_CLASS, &MIGRATION_LOCK],
        )?;
        let found = found_version(&mut tx)?;
        if found > known {
            return Ok(Err(found));
        }
        for script in scripts.iter().skip(usize::try_from(found).unwrap_or(0)) {
            tx.batch_execute(script)?;
        }
        if found < known {
            tx.execute("UPDATE schema_version SET version = $1", &[&known])?;
        }
        tx.commit()?;
        Ok(Ok(()))
    })();
    match result {
        Ok(Ok(())) => Ok(()),
        Ok(Err(found)) => Err(StoreError::NewerSchema {
            store: store.clone(),
            found,
            known,
        }),
        Err(fault) => Err(Fault::into_error(fault, store, "migrate")),
    }
}

/// The schema version (0 for a database Vitals never used), creating the schema and its
/// version row on first use.
fn found_version(tx: &mut postgres::Transaction<'_>) -> Result<i64, Fault> {
    if let Some(version) = read_version(tx)? {
        return Ok(version);
    }
    tx.batch_execute(&format!(
        "CREATE SCHEMA IF NOT EXISTS {SCHEMA}; \
         CREATE TABLE {SCHEMA}.schema_version (version BIGINT NOT NULL); \
         INSERT INTO {SCHEMA}.schema_version (version) VALUES (0);"
    ))?;
    Ok(0)
}

/// The schema version, `None` for a database Vitals never used; changes nothing, so
/// `vitals check` reads it too.
///
/// A `vitals` schema without the version table but with tables in it belongs to another
/// program and is refused.
pub(super) fn read_version(tx: &mut postgres::Transaction<'_>) -> Result<Option<i64>, Fault> {
    let versioned: Option<String> = tx
        .query_one(
            "SELECT CAST(to_regclass($1) AS TEXT)",
            &[&format!("{SCHEMA}.schema_version")],
        )?
        .get(0);
    if versioned.is_some() {
        return Ok(Some(
            tx.query_one("SELECT version FROM schema_version", &[])?
                .get(0),
        ));
    }
    let foreign: i64 = tx
        .query_one(
            "SELECT COUNT(*) FROM pg_catalog.pg_class c \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1",
            &[&SCHEMA],
        )?
        .get(0);
    if foreign > 0 {
        return Err(Fault::Foreign(
            "its schema \"vitals\" holds tables that Vitals did not create",
        ));
    }
    Ok(None)
}
