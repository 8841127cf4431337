//! The SQL both backends share: every store operation written once, against [`Tx`], a
//! transaction of either database.
//!
//! The statements are plain SQL that SQLite and PostgreSQL both read (`?N` placeholders,
//! which the PostgreSQL driver rewrites to `$N`; `ON CONFLICT`, `RETURNING`, `CAST`), so the
//! two backends cannot drift apart: each backend only opens connections, runs migrations,
//! wraps every call in one transaction, runs the long reads of the replica on a
//! connection of their own and steps through a query's rows its own way
//! ([`Tx::stream`]). Where the dialects differ, [`Dialect`] says so at that one
//! statement.
//!
//! This module must never open a connection, read the clock, or know which backend runs it
//! beyond [`Dialect`].

pub(super) mod bookkeeping;
pub(super) mod codec;
pub(super) mod driver;
pub(super) mod ledger;
pub(super) mod outbox;
pub(super) mod replica;
pub(super) mod store;
pub(super) mod stream;

use super::{Epoch, Location, StoreError};
pub(super) use driver::DriverError;

/// Which database a statement runs on, for the few places where their SQL differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Dialect {
    /// SQLite: one writer at a time, so no row locks are needed.
    Sqlite,
    /// PostgreSQL: concurrent writers, so the lease row is locked where it is checked.
    Postgres,
}

/// A statement parameter: every column Vitals stores is a 64-bit integer, text, or (the
/// replica's records in SQLite) bytes.
#[derive(Debug, Clone, Copy)]
pub(super) enum Param<'a> {
    /// An integer, or NULL.
    Int(Option<i64>),
    /// Text, or NULL.
    Text(Option<&'a str>),
    /// Bytes, or NULL.
    Blob(Option<&'a [u8]>),
}

impl From<i64> for Param<'_> {
    fn from(value: i64) -> Self {
        Param::Int(Some(value))
    }
}

impl From<Option<i64>> for Param<'_> {
    fn from(value: Option<i64>) -> Self {
        Param::Int(value)
    }
}

impl<'a> From<&'a str> for Param<'a> {
    fn from(value: &'a str) -> Self {
        Param::Text(Some(value))
    }
}

impl<'a> From<&'a String> for Param<'a> {
    fn from(value: &'a String) -> Self {
        Param::Text(Some(value.as_str()))
    }
}

impl<'a> From<Option<&'a str>> for Param<'a> {
    fn from(value: Option<&'a str>) -> Self {
        Param::Text(value)
    }
}

/// One value of a result row.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Cell {
    /// NULL.
    Null,
    /// An integer.
    Int(i64),
    /// Text.
    Text(String),
    /// Bytes.
    Blob(Vec<u8>),
}

/// A result row, read out of the driver.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Row(pub(super) Vec<Cell>);

impl Row {
    fn cell(&self, index: usize) -> Result<&Cell, Fault> {
        self.0.get(index).ok_or_else(|| Self::missing(index))
    }

    fn missing(index: usize) -> Fault {
        Fault::Decode {
            what: format!("column {index} of a result row"),
            detail: "missing column".into(),
        }
    }

    fn mismatch(index: usize, expected: &str) -> Fault {
        Fault::Decode {
            what: format!("column {index} of a result row"),
            detail: format!("not {expected}"),
        }
    }

    /// An integer column that may be NULL.
    pub(super) fn opt_int(&self, index: usize) -> Result<Option<i64>, Fault> {
        match self.cell(index)? {
            Cell::Null => Ok(None),
            Cell::Int(value) => Ok(Some(*value)),
            Cell::Text(_) | Cell::Blob(_) => Err(Self::mismatch(index, "an integer")),
        }
    }

    /// An integer column.
    pub(super) fn int(&self, index: usize) -> Result<i64, Fault> {
        self.opt_int(index)?
            .ok_or_else(|| Self::mismatch(index, "an integer"))
    }

    /// A text column that may be NULL.
    pub(super) fn opt_text(&self, index: usize) -> Result<Option<String>, Fault> {
        match self.cell(index)? {
            Cell::Null => Ok(None),
            Cell::Text(value) => Ok(Some(value.clone())),
            Cell::Int(_) | Cell::Blob(_) => Err(Self::mismatch(index, "text")),
        }
    }

    /// A text column, borrowed from the row.
    pub(super) fn text_ref(&self, index: usize) -> Result<&str, Fault> {
        match self.cell(index)? {
            Cell::Text(value) => Ok(value),
            Cell::Null | Cell::Int(_) | Cell::Blob(_) => Err(Self::mismatch(index, "text")),
        }
    }

    /// A text column.
    pub(super) fn text(&self, index: usize) -> Result<String, Fault> {
        self.text_ref(index).map(str::to_owned)
    }

    /// A text column moved out of the row, which holds NULL there afterwards: a streamed
    /// row's stored record is read once, so it need not be copied.
    pub(super) fn take_text(&mut self, index: usize) -> Result<String, Fault> {
        let cell = self.0.get_mut(index).ok_or_else(|| Self::missing(index))?;
        match std::mem::replace(cell, Cell::Null) {
            Cell::Text(value) => Ok(value),
            other => {
                *cell = other;
                Err(Self::mismatch(index, "text"))
            }
        }
    }
}

impl Row {
    /// A stored record moved out of the row (see [`codec::Stored`]): JSON text, or bytes
    /// in the compact format.
    pub(super) fn take_stored(&mut self, index: usize) -> Result<codec::Stored, Fault> {
        let cell = self.0.get_mut(index).ok_or_else(|| Self::missing(index))?;
        match std::mem::replace(cell, Cell::Null) {
            Cell::Text(text) => Ok(codec::Stored::Json(text)),
            Cell::Blob(bytes) => Ok(codec::Stored::Compact(bytes)),
            other => {
                *cell = other;
                Err(Self::mismatch(index, "a stored record"))
            }
        }
    }
}

/// One open transaction of either backend. Statements use `?N` placeholders.
pub(super) trait Tx {
    /// Which database this is.
    fn dialect(&self) -> Dialect;
    /// Runs a statement and returns the rows it changed.
    fn execute(&mut self, sql: &str, params: &[Param<'_>]) -> Result<u64, Fault>;
    /// Runs a query and returns every row. Only for results bounded by the query (a
    /// `LIMIT`, one account's records, one key); the replica is read with
    /// [`Tx::stream`] instead.
    fn query(&mut self, sql: &str, params: &[Param<'_>]) -> Result<Vec<Row>, Fault>;
    /// Runs a query and feeds its rows to `each` in order, holding a bounded number of
    /// them at a time (SQLite steps the statement; PostgreSQL fetches a portal in chunks).
    /// An error from `each` stops the query and is returned as is.
    fn stream(
        &mut self,
        sql: &str,
        params: &[Param<'_>],
        each: &mut dyn FnMut(Row) -> Result<(), Fault>,
    ) -> Result<(), Fault>;

    /// The one row a query must return.
    fn query_one(&mut self, sql: &str, params: &[Param<'_>]) -> Result<Row, Fault> {
        self.query_opt(sql, params)?.ok_or_else(|| Fault::Decode {
            what: "a result row".into(),
            detail: "the query returned no row".into(),
        })
    }

    /// The first row of a query, if any.
    fn query_opt(&mut self, sql: &str, params: &[Param<'_>]) -> Result<Option<Row>, Fault> {
        Ok(self.query(sql, params)?.into_iter().next())
    }
}

/// What went wrong inside a backend call, before the call adds the store and operation.
#[derive(Debug)]
pub(super) enum Fault {
    /// The database failed.
    Driver(DriverError),
    /// A stored value could not be read back.
    Decode { what: String, detail: String },
    /// A value could not be stored.
    Encode { what: String, detail: String },
    /// The request was inconsistent.
    Invalid(String),
    /// The caller's lease epoch is not the current one.
    Fenced { held: Epoch, current: Epoch },
    /// The database holds another program's data.
    Foreign(&'static str),
    /// An error from the caller's snapshot or account callback, passed through unchanged.
    Caller(StoreError),
}

impl From<rusqlite::Error> for Fault {
    fn from(error: rusqlite::Error) -> Self {
        Fault::Driver(DriverError::Sqlite(error))
    }
}

impl From<postgres::Error> for Fault {
    fn from(error: postgres::Error) -> Self {
        Fault::Driver(DriverError::Postgres(error))
    }
}

impl Fault {
    /// The error the caller sees, naming the store and the operation.
    pub(super) fn into_error(self, store: &Location, operation: &'static str) -> StoreError {
        let store = store.clone();
        match self {
            Fault::Driver(DriverError::Sqlite(source)) => {
                driver::classify_sqlite(store, operation, source)
            }
            Fault::Driver(DriverError::Postgres(source)) => {
                driver::classify_postgres(store, operation, &source)
            }
            Fault::Decode { what, detail } => StoreError::Decode {
                store,
                operation,
                what,
                detail,
            },
            Fault::Encode { what, detail } => StoreError::Encode {
                store,
                operation,
                what,
                detail,
            },
            Fault::Invalid(reason) => StoreError::InvalidRequest { operation, reason },
            Fault::Fenced { held, current } => StoreError::Fenced {
                operation,
                held,
                current,
            },
            Fault::Foreign(detail) => StoreError::Corrupt {
                store,
                operation,
                detail: detail.into(),
            },
            Fault::Caller(error) => error,
        }
    }
}
