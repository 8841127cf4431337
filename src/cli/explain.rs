//! `vitals explain`: the score breakdown of one account, read from a JSON org file.
//!
//! Decodes the file with the configuration's field map, finds the account by Id or exact
//! Name, scores it with the model as of the given day and prints the breakdown. Records
//! that cannot be read are reported on stderr and left out; the rest still scores. Reading
//! from an org arrives with the sync pipeline. The clock is read here, never in scoring.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use clap::Args;
use vitals::domain::{AccountSnapshot, Period, SfId};
use vitals::salesforce::wire::{FieldMap, decode_org_file};
use vitals::scoring::{self, Model, Periods, Previous};

use super::common::{Exit, Failure, field_map, load_config, load_model};

/// The arguments of `vitals explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Path to the vitals.toml configuration file.
    #[arg(long, short = 'c', value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Read records from a JSON org file instead of an org.
    #[arg(long, value_name = "FILE")]
    pub input: Option<PathBuf>,
    /// Scoring model: a preset name (csm-nine, four-signal,
    /// usage-support-engagement-expansion) or the path of a model TOML file. Defaults to
    /// `[scoring] model` of --config, else csm-nine.
    #[arg(long, value_name = "NAME_OR_PATH")]
    pub model: Option<String>,
    /// Score as of the end of this day (UTC) instead of now.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_day)]
    pub as_of: Option<NaiveDate>,
    /// Account Id (15 or 18 characters) or exact Name.
    pub account: String,
}

/// Checks the configuration if given, then explains the account's score.
pub fn execute(args: &ExplainArgs) -> Result<Exit, Failure> {
    let config = args.config.as_deref().map(load_config).transpose()?;
    let Some(input) = &args.input else {
        return Err(Failure::bad_input(
            "`vitals explain` without --input is not available in this build yet: reading records from an org arrives with the sync issue; pass --input FILE with a JSON org file",
        ));
    };
    // The clock is read here, in the shell, and nowhere in scoring.
    let as_of = args.as_of.map_or_else(Utc::now, end_of_day);
    let model = load_model(config.as_ref(), args.model.as_deref())?;
    let fields = field_map(config.as_ref(), &model)?;
    let period = config.map_or(Period::Monthly, |c| c.scoring.period);
    let snapshots = read_org_file(input, &fields, &model)?;
    let snapshot = find_account(&snapshots, &args.account, input)?;
    let periods = Periods::around(as_of.date_naive(), |day| period.start_of(day));
    let previous = Previous::from_snapshot(snapshot, &model.name, periods, as_of);
    let score = scoring::score_account(snapshot, &model, as_of, &previous);
    print!("{}", scoring::render(&score));
    Ok(Exit::Success)
}

/// Reads `YYYY-MM-DD`.
fn parse_day(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("{text:?} is not a date like 2026-06-30"))
}

/// The last second of a day, so that records of that day count.
fn end_of_day(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(23, 59, 59).map_or_else(
        || day.and_time(chrono::NaiveTime::MIN).and_utc(),
        |t| t.and_utc(),
    )
}

/// Decodes the org file into one snapshot per account, warning on stderr about every
/// record or value that was left out.
fn read_org_file(
    input: &Path,
    fields: &FieldMap,
    model: &Model,
) -> Result<BTreeMap<SfId, AccountSnapshot>, Failure> {
    let text = std::fs::read_to_string(input).map_err(|error| {
        Failure::bad_input(format!("cannot read --input {}: {error}", input.display()))
    })?;
    let file = decode_org_file(&text, fields, &model.category_keys())
        .map_err(|error| Failure::bad_input(format!("--input {}: {error}", input.display())))?;
    for error in &file.skipped {
        eprintln!("warning: skipped a record that could not be decoded: {error}");
    }
    for error in &file.ignored {
        eprintln!("warning: ignored a value: {error}");
    }
    let (snapshots, unattached) = file.records.into_snapshots();
    for (object, id) in &unattached.without_account {
        eprintln!("warning: {object} {id} names no account; ignored");
    }
    for (object, id, account) in &unattached.unknown_account {
        eprintln!(
            "warning: {object} {id} belongs to account {account}, which is not in the file; ignored"
        );
    }
    Ok(snapshots)
}

/// Finds an account by 15/18-character Id or exact Name; an unknown or ambiguous name is
/// bad input, and the message lists the candidates.
fn find_account<'a>(
    snapshots: &'a BTreeMap<SfId, AccountSnapshot>,
    wanted: &str,
    input: &Path,
) -> Result<&'a AccountSnapshot, Failure> {
    if let Ok(id) = SfId::parse(wanted)
        && let Some(snapshot) = snapshots.get(&id)
    {
        return Ok(snapshot);
    }
    let named: Vec<&AccountSnapshot> = snapshots
        .values()
        .filter(|s| s.account.name == wanted)
        .collect();
    match named.as_slice() {
        [one] => Ok(one),
        [] => Err(Failure::bad_input(format!(
            "no account with Id or Name {wanted:?} in {}; {}",
            input.display(),
            candidates(snapshots, wanted)
        ))),
        many => {
            let list: Vec<String> = many.iter().map(|s| describe(s)).collect();
            Err(Failure::bad_input(format!(
                "{} accounts are named {wanted:?}; pass one of their Ids: {}",
                many.len(),
                list.join(", ")
            )))
        }
    }
}

/// The accounts to suggest when none is named `wanted`: those whose names contain it,
/// else the first ten of the file.
fn candidates(snapshots: &BTreeMap<SfId, AccountSnapshot>, wanted: &str) -> String {
    let lower = wanted.to_lowercase();
    let similar: Vec<String> = snapshots
        .values()
        .filter(|s| s.account.name.to_lowercase().contains(&lower))
        .map(describe)
        .collect();
    let (hint, list) = if similar.is_empty() {
        let first: Vec<String> = snapshots.values().take(10).map(describe).collect();
        ("accounts in the file", first)
    } else {
        ("accounts with similar names", similar)
    };
    if list.is_empty() {
        "the file holds no accounts".to_owned()
    } else {
        format!("{hint}: {}", list.join(", "))
    }
}

/// An account as the messages name it: `Name (Id)`.
fn describe(snapshot: &AccountSnapshot) -> String {
    format!("{} ({})", snapshot.account.name, snapshot.account.id)
}
