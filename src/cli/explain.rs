//! `vitals explain`: the score breakdown of one account, from the replica the sync keeps or
//! from a JSON org file.
//!
//! With `--config` alone it reads the account (by Id or exact Name; an ambiguous name lists
//! the Ids) and its records from the state file, as the last sync read them, and scores
//! them as the sync does (the previous period's stored result stands in for a history
//! record the org lacks). With `--input FILE` it decodes the file with the configuration's
//! field map instead; records that cannot be read are reported on stderr and left out.
//! Either way it scores with the model as of now or the given day and prints the
//! breakdown. The clock is read here, never in scoring.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use clap::Args;
use vitals::domain::{AccountSnapshot, Period, SfId};
use vitals::salesforce::wire::{FieldMap, decode_org_file};
use vitals::scoring::{self, Model, Periods, Previous};
use vitals::store::{AccountRef, Location, SnapshotLookup, Store};
use vitals::sync::previous;

use super::common::{Exit, Failure, field_map, load_config, load_model, open_store};

/// The arguments of `vitals explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Path to the vitals.toml configuration file.
    #[arg(long, short = 'c', value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Read records from a JSON org file instead of the state file the sync keeps.
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
    // The clock is read here, in the shell, and nowhere in scoring.
    let now = Utc::now();
    let as_of = args.as_of.map_or(now, end_of_day);
    let model = load_model(config.as_ref(), args.model.as_deref())?;
    let fields = field_map(config.as_ref(), &model)?;
    let period = config
        .as_ref()
        .map_or(Period::Monthly, |c| c.scoring.period);
    let periods = Periods::around(as_of.date_naive(), |day| period.start_of(day));
    let score = match (&args.input, &config) {
        (Some(input), _) => {
            let snapshots = read_org_file(input, &fields, &model)?;
            let snapshot = find_account(&snapshots, &args.account, input)?;
            let previous = Previous::from_snapshot(snapshot, &model.name, periods, as_of);
            scoring::score_account(snapshot, &model, as_of, &previous)
        }
        (None, Some(config)) => {
            let store = open_store(&config.state)?;
            let location = Store::location_of(&config.state);
            let snapshot = replica_account(&store, &args.account, &location)?;
            let stored = store
                .period_result(
                    snapshot.account.id,
                    previous::previous_period(period, as_of),
                )
                .map_err(|e| Failure::bad_input(e.to_string()))?;
            // The replica holds the records as the last sync read them, before now.
            previous::score_as_the_sync_does(
                &snapshot,
                stored,
                &model,
                period,
                as_of,
                now.max(as_of),
            )
        }
        (None, None) => {
            return Err(Failure::bad_input(
                "`vitals explain` needs --config FILE (to read the accounts the sync keeps) or --input FILE (a JSON org file)",
            ));
        }
    };
    print!("{}", scoring::render(&score));
    Ok(Exit::Success)
}

/// One account of the replica by Id or exact Name; an unknown or ambiguous name is bad
/// input, and the message says what to do.
fn replica_account(
    store: &Store,
    wanted: &str,
    location: &Location,
) -> Result<AccountSnapshot, Failure> {
    let lookup = |account: AccountRef| {
        store
            .snapshot(&account)
            .map_err(|e| Failure::bad_input(e.to_string()))
    };
    let by_id = match SfId::parse(wanted) {
        Ok(id) => lookup(AccountRef::Id(id))?,
        Err(_) => SnapshotLookup::NotFound,
    };
    let found = match by_id {
        SnapshotLookup::NotFound => lookup(AccountRef::Name(wanted.to_owned()))?,
        other => other,
    };
    match found {
        SnapshotLookup::Found(snapshot) => Ok(*snapshot),
        SnapshotLookup::NotFound => Err(Failure::bad_input(format!(
            "no account with Id or Name {wanted:?} in {location}; run `vitals sync` first, or check the spelling (names match exactly)"
        ))),
        SnapshotLookup::Ambiguous(ids) => {
            let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
            Err(Failure::bad_input(format!(
                "{} accounts are named {wanted:?}; pass one of their Ids: {}",
                ids.len(),
                ids.join(", ")
            )))
        }
    }
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
