//! Connections to the PostgreSQL state database: reading the URL, the session settings
//! that bound how long a dead peer goes unnoticed, and the statement runner of the shared
//! SQL.
//!
//! The URL is a [`Secret`]: it is exposed only to the driver, and every message names the
//! server and database it was parsed into ([`Location`]), never the URL or its password.
//! This module must never log, and never put a server's DETAIL line (which quotes row
//! values) into an error.

use std::collections::HashMap;
use std::time::Duration;

use postgres::types::{ToSql, Type};
use postgres::{Client, Config, NoTls, Statement};
use url::Url;

use crate::secret::Secret;
use crate::store::sql::driver::{classify_postgres, postgres_reason};
use crate::store::sql::{Cell, Dialect, Fault, Param, Row, Tx};
use crate::store::{BackendError, Location, StoreError};

/// The schema that holds every Vitals table, so that Vitals can share a database with
/// other programs without a name ever clashing.
pub(super) const SCHEMA: &str = "vitals";

/// How long establishing a connection may take before it fails.
pub(super) const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Client side: keepalive probes start after this much silence on a connection...
const CLIENT_KEEPALIVE_IDLE: Duration = Duration::from_secs(5);
/// ...are sent this often...
const CLIENT_KEEPALIVE_INTERVAL: Duration = Duration::from_secs(2);
/// ...and this many unanswered ones close it.
const CLIENT_KEEPALIVE_RETRIES: u32 = 3;
/// Client side: data the server has not acknowledged for this long closes the connection,
/// so a query sent into a dead network fails instead of hanging. It bounds how long
/// `check_lease` can take to report a lease lost.
pub const CLIENT_TCP_USER_TIMEOUT: Duration = Duration::from_secs(10);

/// Server side: the server probes a silent client after this many seconds...
const SERVER_KEEPALIVE_IDLE_SECS: u64 = 15;
/// ...every this many seconds...
const SERVER_KEEPALIVE_INTERVAL_SECS: u64 = 5;
/// ...and ends the session (releasing its lock) after this many unanswered probes.
const SERVER_KEEPALIVE_COUNT: u64 = 3;

/// How long after a client's network goes silent the server ends its session at the
/// latest, releasing the lease lock: keepalive idle time plus every probe
/// (15 s + 3 x 5 s). The server's `tcp_user_timeout` is set to the same value, so data it
/// sent into a dead network cannot stretch it either.
pub const SERVER_DEAD_PEER_TIMEOUT: Duration = Duration::from_secs(
    SERVER_KEEPALIVE_IDLE_SECS + SERVER_KEEPALIVE_INTERVAL_SECS * SERVER_KEEPALIVE_COUNT,
);

/// A main-connection transaction left open this long is ended by the server. Vitals runs
/// no code of the caller inside one, so only a paused process leaves one open, and its
/// lock on the lease row must not stop a standby from taking over for longer.
const IDLE_IN_TRANSACTION_TIMEOUT: Duration = Duration::from_secs(30);

/// The server ends a lease connection that sends nothing for this long, releasing the
/// lock: a holder that stopped checking its lease (stuck, or paused while its kernel still
/// answers keepalives) loses it. The holder checks every
/// [`LEASE_CHECK_INTERVAL`](super::LEASE_CHECK_INTERVAL), six times within it.
pub const HOLD_IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// What a connection is for, which decides its session settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    /// Every call's transaction.
    Main,
    /// The long reads of the replica (every snapshot, every account).
    Stream,
    /// The lease: holds the advisory lock for as long as the process is active and keeps
    /// checking; the server ends it after this much silence.
    Lease(Duration),
}

impl Role {
    fn application_name(self) -> &'static str {
        match self {
            Role::Main => "vitals",
            Role::Stream => "vitals stream",
            Role::Lease(_) => "vitals lease",
        }
    }
}

/// A parsed state URL: the driver's configuration and how messages name it.
#[derive(Clone)]
pub(super) struct Target {
    pub(super) config: Config,
    pub(super) location: Location,
}

impl Target {
    /// Parses a `postgres://` or `postgresql://` URL.
    pub(super) fn parse(url: &Secret) -> Result<Self, StoreError> {
        let location = location_of(url.expose());
        let invalid = |reason: String| StoreError::Open {
            store: location.clone(),
            source: BackendError::Postgres(reason),
        };
        let scheme_ok = ["postgres://", "postgresql://"]
            .iter()
            .any(|scheme| url.expose().starts_with(scheme));
        if !scheme_ok {
            return Err(invalid(
                "the state URL must start with postgres:// or postgresql://".into(),
            ));
        }
        let mut config: Config = url
            .expose()
            .parse()
            .map_err(|error: postgres::Error| invalid(parse_reason(&error)))?;
        config
            .connect_timeout(CONNECT_TIMEOUT)
            .keepalives(true)
            .keepalives_idle(CLIENT_KEEPALIVE_IDLE)
            .keepalives_interval(CLIENT_KEEPALIVE_INTERVAL)
            .keepalives_retries(CLIENT_KEEPALIVE_RETRIES)
            .tcp_user_timeout(CLIENT_TCP_USER_TIMEOUT);
        Ok(Self { config, location })
    }

    /// Opens a connection for `role` and applies its session settings.
    pub(super) fn connect(&self, role: Role) -> Result<Client, StoreError> {
        let mut config = self.config.clone();
        config.application_name(role.application_name());
        let mut client = config.connect(NoTls).map_err(|error| StoreError::Open {
            store: self.location.clone(),
            source: BackendError::Postgres(postgres_reason(&error)),
        })?;
        client
            .batch_execute(&session_settings(role))
            .map_err(|error| classify_postgres(self.location.clone(), "configure", &error))?;
        Ok(client)
    }
}

/// The `SET` statements of a new session.
///
/// The server-side keepalives and `tcp_user_timeout` make the server end the session of a
/// client whose network died within [`SERVER_DEAD_PEER_TIMEOUT`]; for the lease connection
/// that releases the lock, which is what lets a standby take over.
fn session_settings(role: Role) -> String {
    let mut sql = format!(
        "SET search_path TO {SCHEMA}; \
         SET tcp_keepalives_idle = {SERVER_KEEPALIVE_IDLE_SECS}; \
         SET tcp_keepalives_interval = {SERVER_KEEPALIVE_INTERVAL_SECS}; \
         SET tcp_keepalives_count = {SERVER_KEEPALIVE_COUNT}; \
         SET tcp_user_timeout = {};",
        SERVER_DEAD_PEER_TIMEOUT.as_millis()
    );
    match role {
        Role::Main => sql.push_str(&format!(
            " SET idle_in_transaction_session_timeout = {};",
            IDLE_IN_TRANSACTION_TIMEOUT.as_millis()
        )),
        // Taking the lease may wait for the lease row behind a paused holder's open
        // transaction, which the server ends after IDLE_IN_TRANSACTION_TIMEOUT; twice
        // that is a generous backstop for any statement on this connection.
        Role::Lease(idle) => sql.push_str(&format!(
            " SET statement_timeout = {}; SET idle_session_timeout = {};",
            (IDLE_IN_TRANSACTION_TIMEOUT * 2).as_millis(),
            idle.as_millis()
        )),
        Role::Stream => {}
    }
    sql
}

/// How messages name the database a URL points at: its hosts and ports and the database,
/// never the user's password.
pub(in crate::store) fn location_of(url: &str) -> Location {
    let Ok(parsed) = Url::parse(url) else {
        return Location::Postgres {
            server: "an unreadable URL".into(),
            database: "?".into(),
        };
    };
    let query_host = parsed
        .query_pairs()
        .find(|(key, _)| key == "host")
        .map(|(_, value)| value.into_owned());
    let port = parsed.port().unwrap_or(5432);
    let server = match (parsed.host_str(), query_host) {
        (Some(host), _) if !host.is_empty() => format!("{host}:{port}"),
        (_, Some(socket)) => format!("{socket} (port {port})"),
        _ => format!("localhost:{port}"),
    };
    let path = parsed.path().trim_start_matches('/');
    let database = percent_decode(path).unwrap_or_else(|| path.to_owned());
    let database = if database.is_empty() {
        parsed.username().to_owned()
    } else {
        database
    };
    Location::Postgres { server, database }
}

fn percent_decode(text: &str) -> Option<String> {
    url::form_urlencoded::parse(format!("x={text}").as_bytes())
        .next()
        .map(|(_, value)| value.into_owned())
}

/// The driver's reason for a failed URL parse: which option was wrong, never its value.
fn parse_reason(error: &postgres::Error) -> String {
    match std::error::Error::source(error) {
        Some(cause) => format!("the state URL cannot be used: {cause}"),
        None => "the state URL cannot be used".into(),
    }
}

/// A connection of the main pool with its prepared statements.
pub(super) struct PgConn {
    pub(super) client: Client,
    statements: HashMap<String, Statement>,
}

impl PgConn {
    pub(super) fn new(client: Client) -> Self {
        Self {
            client,
            statements: HashMap::new(),
        }
    }

    /// Runs `f` in one transaction: REPEATABLE READ for reads (one state for every query
    /// of the call), READ COMMITTED for writes (the outbox's row locks order writers).
    pub(super) fn transaction<T>(
        &mut self,
        read_only: bool,
        f: impl FnOnce(&mut dyn Tx) -> Result<T, Fault>,
    ) -> Result<T, Fault> {
        let mut builder = self.client.build_transaction();
        if read_only {
            builder = builder
                .isolation_level(postgres::IsolationLevel::RepeatableRead)
                .read_only(true);
        }
        let tx = builder.start()?;
        let mut runner = Pg {
            tx,
            statements: &mut self.statements,
        };
        let value = f(&mut runner)?;
        runner.tx.commit()?;
        Ok(value)
    }
}

/// A PostgreSQL transaction running the shared SQL, with prepared statements cached per
/// connection (a page of 2,000 rows is then one round trip per row, not two).
pub(super) struct Pg<'c, 's> {
    pub(super) tx: postgres::Transaction<'c>,
    pub(super) statements: &'s mut HashMap<String, Statement>,
}

impl Pg<'_, '_> {
    fn statement(&mut self, sql: &str) -> Result<Statement, Fault> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.tx.prepare(&numbered(sql))?;
        self.statements.insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }
}

/// Rewrites the shared SQL's `?N` placeholders to PostgreSQL's `$N`. The shared SQL has no
/// `?` anywhere else (no string literal holds one).
pub(super) fn numbered(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '?' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('$');
        } else {
            out.push(c);
        }
    }
    out
}

fn params<'p>(params: &'p [Param<'_>]) -> Vec<&'p (dyn ToSql + Sync)> {
    params
        .iter()
        .map(|param| match param {
            Param::Int(value) => value as &(dyn ToSql + Sync),
            Param::Text(value) => value as &(dyn ToSql + Sync),
            Param::Blob(value) => value as &(dyn ToSql + Sync),
        })
        .collect()
}

impl Tx for Pg<'_, '_> {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn execute(&mut self, sql: &str, values: &[Param<'_>]) -> Result<u64, Fault> {
        let statement = self.statement(sql)?;
        Ok(self.tx.execute(&statement, &params(values))?)
    }

    fn query(&mut self, sql: &str, values: &[Param<'_>]) -> Result<Vec<Row>, Fault> {
        let statement = self.statement(sql)?;
        self.tx
            .query(&statement, &params(values))?
            .iter()
            .map(row)
            .collect()
    }

    /// Binds the query to a portal and fetches it [`STREAM_CHUNK`](super::STREAM_CHUNK)
    /// rows per round trip, so one chunk is in memory at a time.
    fn stream(
        &mut self,
        sql: &str,
        values: &[Param<'_>],
        each: &mut dyn FnMut(Row) -> Result<(), Fault>,
    ) -> Result<(), Fault> {
        let statement = self.statement(sql)?;
        let portal = self.tx.bind(&statement, &params(values))?;
        loop {
            let rows = self.tx.query_portal(&portal, super::STREAM_CHUNK)?;
            if rows.is_empty() {
                return Ok(());
            }
            for fetched in &rows {
                each(row(fetched)?)?;
            }
        }
    }
}

/// Reads a driver row into cells: every column Vitals reads is an integer, text or bytes.
pub(super) fn row(row: &postgres::Row) -> Result<Row, Fault> {
    let mut cells = Vec::with_capacity(row.len());
    for (index, column) in row.columns().iter().enumerate() {
        let cell = match *column.type_() {
            Type::INT8 => row.try_get::<_, Option<i64>>(index)?.map(Cell::Int),
            Type::INT4 => row
                .try_get::<_, Option<i32>>(index)?
                .map(|v| Cell::Int(i64::from(v))),
            Type::TEXT | Type::VARCHAR | Type::NAME => {
                row.try_get::<_, Option<String>>(index)?.map(Cell::Text)
            }
            Type::BYTEA => row.try_get::<_, Option<Vec<u8>>>(index)?.map(Cell::Blob),
            _ => {
                return Err(Fault::Decode {
                    what: format!("column {}", column.name()),
                    detail: format!("unexpected type {}", column.type_()),
                });
            }
        };
        cells.push(cell.unwrap_or(Cell::Null));
    }
    Ok(Row(cells))
}
