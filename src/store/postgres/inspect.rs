//! Inspecting a PostgreSQL state database for `vitals check`: its schema version, and
//! whether the server and the user's privileges let Vitals write what it must.
//!
//! Everything happens in one read-only transaction on one connection, which is closed
//! after: no schema is created or migrated and no lock is taken, so a check never disturbs
//! running replicas. The free space of the server's disk is not visible from here.

use postgres::Transaction;

use super::connect::{Role, SCHEMA, Target};
use super::schema;
use crate::secret::Secret;
use crate::store::StoreError;
use crate::store::inspect::{Inspection, SchemaStatus, Writability, WriteProblem, WriteTarget};
use crate::store::sql::Fault;

/// Inspects the database `url` names for a binary that knows schema versions up to `known`.
///
/// # Errors
/// [`StoreError`] naming the server and database: cannot connect, or a `vitals` schema of
/// another program; a newer version is a status, not an error.
pub(super) fn inspect(url: &Secret, known: i64) -> Result<Inspection, StoreError> {
    let target = Target::parse(url)?;
    let mut client = target.connect(Role::Main)?;
    let result = (|| {
        let mut tx = client.build_transaction().read_only(true).start()?;
        let schema = if holds_usage(&mut tx)? {
            SchemaStatus::of(schema::read_version(&mut tx)?, known)
        } else {
            SchemaStatus::Unreadable
        };
        let problem = write_problem(&mut tx, schema)?;
        tx.rollback()?;
        Ok((schema, problem))
    })();
    let (schema, problem) =
        result.map_err(|fault: Fault| fault.into_error(&target.location, "inspect"))?;
    Ok(Inspection {
        location: target.location,
        schema,
        writes: vec![Writability {
            target: WriteTarget::Database,
            problem,
        }],
        space: None,
    })
}

/// Why Vitals could not write its state here, if it could not: a server that only reads,
/// or privileges the user lacks for what the next open does (create the schema, migrate
/// it, or read and write its tables).
fn write_problem(
    tx: &mut Transaction<'_>,
    schema: SchemaStatus,
) -> Result<Option<WriteProblem>, Fault> {
    // The session default, not this transaction's own read-only setting.
    let read_only: bool = tx
        .query_one(
            "SELECT pg_is_in_recovery() \
             OR current_setting('default_transaction_read_only') = 'on'",
            &[],
        )?
        .get(0);
    if read_only {
        return Ok(Some(WriteProblem::ReadOnlyServer));
    }
    let mut missing = Vec::new();
    if let SchemaStatus::Absent { .. } = schema {
        // Creating the schema needs CREATE on the database, even when a DBA made it already.
        if !holds(
            tx,
            "SELECT has_database_privilege(current_database(), 'CREATE')",
        )? {
            missing.push("CREATE on the database".to_owned());
        }
        return Ok(no_privilege(missing));
    }
    if !holds(
        tx,
        &format!("SELECT has_schema_privilege('{SCHEMA}', 'USAGE')"),
    )? {
        missing.push(format!("USAGE on the schema {SCHEMA}"));
    }
    if matches!(schema, SchemaStatus::Older { .. })
        && !holds(
            tx,
            &format!("SELECT has_schema_privilege('{SCHEMA}', 'CREATE')"),
        )?
    {
        missing.push(format!("CREATE on the schema {SCHEMA} (to migrate it)"));
    }
    let tables = tx.query(
        "SELECT c.relname::TEXT FROM pg_catalog.pg_class c \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') \
         AND NOT (has_table_privilege(c.oid, 'SELECT') AND has_table_privilege(c.oid, 'INSERT') \
         AND has_table_privilege(c.oid, 'UPDATE') AND has_table_privilege(c.oid, 'DELETE')) \
         ORDER BY 1",
        &[&SCHEMA],
    )?;
    if !tables.is_empty() {
        let names: Vec<String> = tables.iter().map(|row| row.get(0)).collect();
        missing.push(format!(
            "SELECT, INSERT, UPDATE and DELETE on {}",
            names.join(", ")
        ));
    }
    Ok(no_privilege(missing))
}

/// Whether the user may look into the `vitals` schema (true when there is none yet).
fn holds_usage(tx: &mut Transaction<'_>) -> Result<bool, Fault> {
    Ok(tx
        .query_one(
            "SELECT NOT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1) \
             OR has_schema_privilege($1, 'USAGE')",
            &[&SCHEMA],
        )?
        .get(0))
}

fn holds(tx: &mut Transaction<'_>, sql: &str) -> Result<bool, Fault> {
    Ok(tx.query_one(sql, &[])?.get(0))
}

fn no_privilege(missing: Vec<String>) -> Option<WriteProblem> {
    (!missing.is_empty()).then(|| WriteProblem::NoPrivilege(missing.join("; ")))
}
