//! SQL of the bookkeeping tables: period results, the API budget and run records.
//!
//! Calls are counted per minute (minutes since the Unix epoch), which bounds the table to
//! 1,440 rows for the rolling 24 hours.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::codec::{self, micros};
use super::{Fault, Row, Tx};
use crate::domain::SfId;
use crate::store::{NewRun, PeriodResult, RunEnd, RunId, RunRecord};

/// Stores results, replacing the same account and period.
pub(in crate::store) fn put_results(
    tx: &mut dyn Tx,
    results: &[PeriodResult],
) -> Result<(), Fault> {
    for result in results {
        let json = codec::to_json(result, || {
            format!("result of account {}", result.account_id)
        })?;
        tx.execute(
            "INSERT INTO period_results (account_id, period, result) VALUES (?1, ?2, ?3) \
             ON CONFLICT (account_id, period) DO UPDATE SET result = excluded.result",
            &[
                result.account_id.as_str().into(),
                (&codec::day_text(result.period)).into(),
                (&json).into(),
            ],
        )?;
    }
    Ok(())
}

/// One account's result for a period.
pub(in crate::store) fn period_result(
    tx: &mut dyn Tx,
    account: SfId,
    period: NaiveDate,
) -> Result<Option<PeriodResult>, Fault> {
    let row = tx.query_opt(
        "SELECT result FROM period_results WHERE account_id = ?1 AND period = ?2",
        &[account.as_str().into(), (&codec::day_text(period)).into()],
    )?;
    row.map(|row| codec::from_json(&row.text(0)?, || format!("result of account {account}")))
        .transpose()
}

fn minute(at: DateTime<Utc>) -> i64 {
    at.timestamp().div_euclid(60)
}

/// Adds calls to their minute and forgets minutes older than 24 hours.
pub(in crate::store) fn record_calls(
    tx: &mut dyn Tx,
    at: DateTime<Utc>,
    calls: u64,
) -> Result<(), Fault> {
    tx.execute(
        "INSERT INTO api_calls (minute, calls) VALUES (?1, ?2) \
         ON CONFLICT (minute) DO UPDATE SET calls = api_calls.calls + excluded.calls",
        &[minute(at).into(), codec::sql_count(calls).into()],
    )?;
    let horizon = minute(at - TimeDelta::hours(24));
    tx.execute("DELETE FROM api_calls WHERE minute < ?1", &[horizon.into()])?;
    Ok(())
}

/// Calls recorded from the minute holding `since` on.
pub(in crate::store) fn calls_since(tx: &mut dyn Tx, since: DateTime<Utc>) -> Result<u64, Fault> {
    // PostgreSQL sums BIGINTs as NUMERIC; the cast keeps the column an integer on both.
    let row = tx.query_one(
        "SELECT CAST(COALESCE(SUM(calls), 0) AS BIGINT) FROM api_calls WHERE minute >= ?1",
        &[minute(since).into()],
    )?;
    Ok(codec::count(row.int(0)?))
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
pub(in crate::store) fn begin_run(tx: &mut dyn Tx, run: &NewRun) -> Result<RunId, Fault> {
    let row = tx.query_one(
        "INSERT INTO runs (run_trigger, holder, started_at) VALUES (?1, ?2, ?3) RETURNING id",
        &[
            (&enum_key(&run.trigger)?).into(),
            (&run.holder).into(),
            micros(run.started_at).into(),
        ],
    )?;
    Ok(RunId(row.int(0)?))
}

/// Records a run's end.
pub(in crate::store) fn finish_run(tx: &mut dyn Tx, id: RunId, end: &RunEnd) -> Result<(), Fault> {
    let summary = codec::to_json(&end.summary, || format!("summary of run {}", id.0))?;
    let changed = tx.execute(
        "UPDATE runs SET finished_at = ?2, outcome = ?3, summary = ?4 WHERE id = ?1",
        &[
            id.0.into(),
            micros(end.finished_at).into(),
            (&enum_key(&end.outcome)?).into(),
            (&summary).into(),
        ],
    )?;
    if changed == 0 {
        return Err(Fault::Invalid(format!("there is no run {}", id.0)));
    }
    Ok(())
}

const RUN_COLUMNS: &str = "id, run_trigger, holder, started_at, finished_at, outcome, summary";

/// The latest runs, newest first.
pub(in crate::store) fn runs(tx: &mut dyn Tx, limit: usize) -> Result<Vec<RunRecord>, Fault> {
    let sql = format!("SELECT {RUN_COLUMNS} FROM runs ORDER BY id DESC LIMIT ?1");
    tx.query(&sql, &[codec::limit(limit).into()])?
        .iter()
        .map(decode_run)
        .collect()
}

/// One run.
pub(in crate::store) fn run(tx: &mut dyn Tx, id: RunId) -> Result<Option<RunRecord>, Fault> {
    let sql = format!("SELECT {RUN_COLUMNS} FROM runs WHERE id = ?1");
    tx.query_opt(&sql, &[id.0.into()])?
        .as_ref()
        .map(decode_run)
        .transpose()
}

fn decode_run(row: &Row) -> Result<RunRecord, Fault> {
    let id = row.int(0)?;
    let what = || format!("run {id}");
    let end = match (row.opt_int(4)?, row.opt_text(5)?, row.opt_text(6)?) {
        (Some(at), Some(outcome), Some(summary)) => Some(RunEnd {
            finished_at: codec::instant(at, what)?,
            outcome: enum_from_key(outcome, &what())?,
            summary: codec::from_json(&summary, what)?,
        }),
        _ => None,
    };
    Ok(RunRecord {
        id: RunId(id),
        trigger: enum_from_key(row.text(1)?, &what())?,
        holder: row.text(2)?,
        started_at: codec::instant(row.int(3)?, what)?,
        end,
    })
}
