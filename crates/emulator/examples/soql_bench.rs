//! Throughput of the emulator's SOQL evaluator: a typical incremental-sync WHERE clause over
//! 1,000,000 synthetic Account rows. Prints rows per second; asserts nothing.
//!
//! Run with `cargo run --release --example soql_bench`.

use std::borrow::Cow;
use std::hint::black_box;
use std::time::Instant;

use chrono::{DateTime, Duration, TimeZone, Utc};
use emulator::id::SfId;
use emulator::soql::{Catalog, Row, SoqlType, SoqlValue, bind, parse};

const ROWS: u64 = 1_000_000;
const PASSES: u32 = 5;

/// The typical query: what an incremental sync plus a little filtering sends.
const QUERY: &str = "SELECT Id, Name, Owner.Name FROM Account \
     WHERE SystemModstamp >= 2024-01-01T00:00:00Z AND IsDeleted = false \
     AND Type IN ('Customer', 'Partner') AND (Name LIKE '%corp%' OR AnnualRevenue > 500000) \
     AND Owner.Name != null \
     ORDER BY SystemModstamp, Id";

struct Schema;

impl Catalog for Schema {
    fn object(&self, name: &str) -> Option<String> {
        name.eq_ignore_ascii_case("Account")
            .then(|| "Account".to_owned())
    }

    fn field(&self, object: &str, field: &str) -> Option<(String, SoqlType)> {
        let fields: &[(&str, SoqlType)] = match object {
            "Account" => &[
                ("Id", SoqlType::Id),
                ("Name", SoqlType::String),
                ("Type", SoqlType::String),
                ("AnnualRevenue", SoqlType::Double),
                ("IsDeleted", SoqlType::Boolean),
                ("SystemModstamp", SoqlType::DateTime),
            ],
            "User" => &[("Id", SoqlType::Id), ("Name", SoqlType::String)],
            _ => &[],
        };
        fields
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(field))
            .map(|(name, ty)| ((*name).to_owned(), *ty))
    }

    fn parent_relationship(&self, object: &str, relationship: &str) -> Option<(String, String)> {
        (object == "Account" && relationship.eq_ignore_ascii_case("Owner"))
            .then(|| ("Owner".to_owned(), "User".to_owned()))
    }

    fn child_relationship(&self, _: &str, _: &str) -> Option<(String, String, String)> {
        None
    }
}

struct Account {
    id: String,
    name: String,
    kind: &'static str,
    revenue: f64,
    deleted: bool,
    modstamp: DateTime<Utc>,
    owner_name: Option<String>,
}

impl Row for Account {
    fn value(&self, path: &[&str]) -> SoqlValue<'_> {
        match path {
            ["Id"] => SoqlValue::String(Cow::Borrowed(&self.id)),
            ["Name"] => SoqlValue::String(Cow::Borrowed(&self.name)),
            ["Type"] => SoqlValue::String(Cow::Borrowed(self.kind)),
            ["AnnualRevenue"] => SoqlValue::Number(self.revenue),
            ["IsDeleted"] => SoqlValue::Boolean(self.deleted),
            ["SystemModstamp"] => SoqlValue::DateTime(self.modstamp),
            ["Owner", "Name"] => self.owner_name.as_deref().map_or(SoqlValue::Null, |name| {
                SoqlValue::String(Cow::Borrowed(name))
            }),
            _ => SoqlValue::Null,
        }
    }
}

fn rows() -> Vec<Account> {
    let kinds = ["Customer", "Prospect", "Partner", "Other"];
    let start = Utc.with_ymd_and_hms(2023, 6, 1, 0, 0, 0).single();
    let start = start.unwrap_or_default();
    (0..ROWS)
        .map(|n| {
            let minutes = i64::try_from(n % 600_000).unwrap_or_default();
            Account {
                id: SfId::from_parts("001", n).to_string(),
                name: if n % 7 == 0 {
                    format!("Acme Corp {n}")
                } else {
                    format!("Account {n} Ltd")
                },
                kind: kinds
                    .get(usize::try_from(n % 4).unwrap_or_default())
                    .copied()
                    .unwrap_or("Other"),
                revenue: f64::from(u32::try_from(n % 1_000_000).unwrap_or_default()),
                deleted: n % 50 == 0,
                modstamp: start + Duration::minutes(minutes),
                owner_name: (n % 10 != 0).then(|| format!("User {}", n % 97)),
            }
        })
        .collect()
}

fn main() {
    let now = Utc::now();
    let bound = match parse(QUERY).and_then(|query| bind(query, &Schema, now)) {
        Ok(bound) => bound,
        Err(error) => {
            eprintln!("{error}");
            std::process::exit(1);
        }
    };
    let rows = rows();

    let started = Instant::now();
    let mut matched = 0usize;
    for _ in 0..PASSES {
        matched = rows
            .iter()
            .filter(|row| bound.matches(black_box(*row)))
            .count();
    }
    let elapsed = started.elapsed().as_secs_f64();
    let evaluated = f64::from(PASSES) * f64::from(u32::try_from(ROWS).unwrap_or(u32::MAX));
    println!(
        "matches: {:.1} M rows/s ({matched} of {ROWS} rows match, {PASSES} passes in {elapsed:.2} s)",
        evaluated / elapsed / 1e6
    );

    let mut selected: Vec<&Account> = rows.iter().filter(|row| bound.matches(*row)).collect();
    let started = Instant::now();
    selected.sort_by(|a, b| bound.compare(*a, *b));
    println!(
        "ORDER BY SystemModstamp, Id: sorted {} rows in {:.2} s",
        selected.len(),
        started.elapsed().as_secs_f64()
    );
}
