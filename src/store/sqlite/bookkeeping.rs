//! SQL of the bookkeeping tables: period results, the API budget and run records.
//!
//! Calls are counted per minute (minutes since the Unix epoch), which bounds the table to
//! 1,440 rows for the rolling 24 hours.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::codec::{self, Fault, micros};
use crate::domain::SfId;
use crate::store::{NewRun, PeriodResult, RunEnd, RunId, RunRecord};

/// Stores results, replacing the same account and period.
pub(super) fn put_results(conn: &Connection, results: &[PeriodResult]) -> Result<(), Fault> {
    let mut statement = conn.prepare_cached(
        "INSERT INTO period_results (account_id, period, result) VALUES (?1, ?2, ?3) \
         ON CONFLICT (account_id, period) DO UPDATE SET result = excluded.result",
    )?;
    for result in results {
        let json = codec::to_json(result, || {
            format!("result of account {}", result.account_id)
        })?;
        statement.execute(params![
            result.account_id.as_str(),
            codec::day_text(result.period),
            json
        ])?;
    }
    Ok(())
}

/// One account's result for a period.
pub(super) fn period_result(
    conn: &Connection,
    account: SfId,
    period: NaiveDate,
) -> Result<Option<PeriodResult>, Fault> {
    let json: Option<String> = conn
        .prepare_cached("SELECT result FROM period_results WHERE account_id = ?1 AND period = ?2")?
        .query_row(params![account.as_str(), codec::day_text(period)], |row| {
            row.get(0)
        })
        .optional()?;
    json.map(|j| codec::from_json(&j, || format!("result of account {account}")))
        .transpose()
}

fn minute(at: DateTime<Utc>) -> i64 {
    at.timestamp().div_euclid(60)
}

/// Adds calls to their minute and forgets minutes older than 24 hours.
pub(super) fn record_calls(conn: &Connection, at: DateTime<Utc>, calls: u64) -> Result<(), Fault> {
    conn.prepare_cached(
        "INSERT INTO api_calls (minute, calls) VALUES (?1, ?2) \
         ON CONFLICT (minute) DO UPDATE SET calls = api_calls.calls + excluded.calls",
    )?
    .execute(params![minute(at), codec::sql_count(calls)])?;
    let horizon = minute(at - TimeDelta::hours(24));
    conn.prepare_cached("DELETE FROM api_calls WHERE minute < ?1")?
        .execute([horizon])?;
    Ok(())
}

/// Calls recorded from the minute holding `since` on.
pub(super) fn calls_since(conn: &Connection, since: DateTime<Utc>) -> Result<u64, Fault> {
    let total: i64 = conn
        .prepare_cached("SELECT COALESCE(SUM(calls), 0) FROM api_calls WHERE minute >= ?1")?
        .query_row([minute(since)], |row| row.get(0))?;
    Ok(codec::count(total))
}

/// A unit enum variant as its serde name (`"manual"`), for a text column.
fn enum_key<T: Serialize>(value: &T) -> Result<String, Fault> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(key)) => Ok(key),
        _ => Err(Fault::Encode {
            what: "a run field".into(),
            detail: "not a plain name".into(),
        }),
    }
}

fn enum_from_key<T: DeserializeOwned>(key: String, what: &str) -> Result<T, Fault> {
    serde_json::from_value(serde_json::Value::String(key)).map_err(|_| Fault::Decode {
        what: what.to_owned(),
        detail: "unknown name".into(),
    })
}

/// Records a run's start.
pub(super) fn begin_run(conn: &Connection, run: &NewRun) -> Result<RunId, Fault> {
    let id = conn.query_row(
        "INSERT INTO runs (run_trigger, holder, started_at) VALUES (?1, ?2, ?3) RETURNING id",
        params![enum_key(&run.trigger)?, run.holder, micros(run.started_at)],
        |row| row.get(0),
    )?;
    Ok(RunId(id))
}

/// Records a run's end.
pub(super) fn finish_run(conn: &Connection, id: RunId, end: &RunEnd) -> Result<(), Fault> {
    let summary = codec::to_json(&end.summary, || format!("summary of run {}", id.0))?;
    let changed = conn.execute(
        "UPDATE runs SET finished_at = ?2, outcome = ?3, summary = ?4 WHERE id = ?1",
        params![
            id.0,
            micros(end.finished_at),
            enum_key(&end.outcome)?,
            summary
        ],
    )?;
    if changed == 0 {
        return Err(Fault::Invalid(format!("there is no run {}", id.0)));
    }
    Ok(())
}

const RUN_COLUMNS: &str = "id, run_trigger, holder, started_at, finished_at, outcome, summary";

/// The latest runs, newest first.
pub(super) fn runs(conn: &Connection, limit: usize) -> Result<Vec<RunRecord>, Fault> {
    let sql = format!("SELECT {RUN_COLUMNS} FROM runs ORDER BY id DESC LIMIT ?1");
    let mut statement = conn.prepare_cached(&sql)?;
    let mut rows = statement.query([i64::try_from(limit).unwrap_or(i64::MAX)])?;
    let mut runs = Vec::new();
    while let Some(row) = rows.next()? {
        runs.push(decode_run(row)?);
    }
    Ok(runs)
}

/// One run.
pub(super) fn run(conn: &Connection, id: RunId) -> Result<Option<RunRecord>, Fault> {
    let sql = format!("SELECT {RUN_COLUMNS} FROM runs WHERE id = ?1");
    let mut statement = conn.prepare_cached(&sql)?;
    let mut rows = statement.query([id.0])?;
    rows.next()?.map(decode_run).transpose()
}

fn decode_run(row: &Row<'_>) -> Result<RunRecord, Fault> {
    let id: i64 = row.get(0)?;
    let what = || format!("run {id}");
    let finished_at: Option<i64> = row.get(4)?;
    let outcome: Option<String> = row.get(5)?;
    let summary: Option<String> = row.get(6)?;
    let end = match (finished_at, outcome, summary) {
        (Some(at), Some(outcome), Some(summary)) => Some(RunEnd {
            finished_at: codec::instant(at, what)?,
            outcome: enum_from_key(outcome, &what())?,
            summary: codec::from_json(&summary, what)?,
        }),
        _ => None,
    };
    Ok(RunRecord {
        id: RunId(id),
        trigger: enum_from_key(row.get(1)?, &what())?,
        holder: row.get(2)?,
        started_at: codec::instant(row.get(3)?, what)?,
        end,
    })
}
