//! Evaluation tables: each operator and type over fixed rows, SOQL's null rules, relative
//! dates against the fixed clock, ORDER BY with nulls, LIKE escapes and the lookup hint.

use super::super::SoqlValue;
use super::{FakeRow, date, instant, query, string};
use crate::id::SfId;

/// An 18-character Id with mixed-case letters, so case-sensitivity is visible.
fn id(prefix: &str, serial: u64) -> String {
    match SfId::parse(&format!("{prefix}AbCdE{serial:07}")) {
        Ok(id) => id.to_string(),
        Err(error) => panic!("{error}"),
    }
}

/// Which rows a WHERE clause matches, as a string of `1`/`0` (one digit per row).
fn pattern(object: &str, condition: &str, rows: &[FakeRow]) -> String {
    let bound = query(&format!("SELECT Id FROM {object} WHERE {condition}"));
    rows.iter()
        .map(|row| if bound.matches(row) { '1' } else { '0' })
        .collect()
}

/// Three accounts: a full one, a second one, and one whose optional fields are all null.
fn accounts() -> Vec<FakeRow> {
    vec![
        FakeRow::new()
            .text("Id", &id("001", 1))
            .text("Name", "Acme")
            .text("Type", "Customer")
            .with("AnnualRevenue", SoqlValue::Number(100.0))
            .with("NumberOfEmployees", SoqlValue::Number(10.0))
            .with("LastActivityDate", SoqlValue::Date(date(2024, 2, 28)))
            .with(
                "CreatedDate",
                SoqlValue::DateTime(instant("2024-02-29T10:00:00Z")),
            )
            .with("IsDeleted", SoqlValue::Boolean(false))
            .text("OwnerId", &id("005", 1))
            .text("Owner.Name", "Ann"),
        FakeRow::new()
            .text("Id", &id("001", 2))
            .text("Name", "acme corp")
            .text("Type", "Prospect")
            .with("AnnualRevenue", SoqlValue::Number(50.5))
            .with("LastActivityDate", SoqlValue::Date(date(2024, 1, 15)))
            .with(
                "CreatedDate",
                SoqlValue::DateTime(instant("2023-12-01T00:00:00Z")),
            )
            .with("IsDeleted", SoqlValue::Boolean(true))
            .text("OwnerId", &id("005", 2))
            .text("Owner.Name", "Bob"),
        FakeRow::new().text("Id", &id("001", 3)),
    ]
}

#[test]
fn every_operator_on_every_type_with_soql_null_rules() {
    let id1 = id("001", 1);
    let id3 = id("001", 3);
    let id1_short = id1.get(..15).unwrap_or_default().to_owned();
    let owner1 = id("005", 1);
    let cases: Vec<(String, &str)> = vec![
        // Text: case-insensitive (SOQL reference "Comparison Operators").
        ("Name = 'ACME'".into(), "100"),
        ("Name != 'acme'".into(), "011"),
        ("Name <> 'acme'".into(), "011"),
        ("Name = null".into(), "001"),
        ("Name != null".into(), "110"),
        ("Name < 'B'".into(), "110"),
        ("Name > 'acme'".into(), "010"),
        ("Name >= 'ACME'".into(), "110"),
        ("Name <= 'acme'".into(), "100"),
        ("Name LIKE 'acme%'".into(), "110"),
        ("Name LIKE 'ACME'".into(), "100"),
        ("Name LIKE '%CORP'".into(), "010"),
        ("Name LIKE 'a_me%'".into(), "110"),
        ("Name LIKE null".into(), "000"),
        ("NOT Name LIKE 'acme%'".into(), "001"),
        ("Type IN ('customer', 'other')".into(), "100"),
        ("Type IN ('customer', null)".into(), "101"),
        ("Type NOT IN ('customer')".into(), "010"),
        ("Type NOT IN ('customer', null)".into(), "010"),
        // Numbers.
        ("AnnualRevenue > 60".into(), "100"),
        ("AnnualRevenue >= 50.5".into(), "110"),
        ("AnnualRevenue < 100".into(), "010"),
        ("AnnualRevenue <= 100".into(), "110"),
        ("AnnualRevenue = 100".into(), "100"),
        ("AnnualRevenue != 100".into(), "011"),
        ("AnnualRevenue IN (50.5, 7)".into(), "010"),
        ("AnnualRevenue NOT IN (50.5)".into(), "100"),
        ("AnnualRevenue > null".into(), "000"),
        ("NumberOfEmployees = null".into(), "011"),
        ("NumberOfEmployees = 10".into(), "100"),
        // Booleans: null reads as false (SOQL reference "Use null in WHERE").
        ("IsDeleted = true".into(), "010"),
        ("IsDeleted = false".into(), "101"),
        ("IsDeleted = null".into(), "101"),
        ("IsDeleted != null".into(), "010"),
        ("IsDeleted != true".into(), "101"),
        ("IsDeleted IN (true)".into(), "010"),
        ("IsDeleted NOT IN (true)".into(), "101"),
        // Dates and dateTimes.
        ("LastActivityDate = 2024-02-28".into(), "100"),
        ("LastActivityDate < 2024-02-01".into(), "010"),
        ("LastActivityDate != 2024-02-28".into(), "011"),
        ("LastActivityDate IN (2024-01-15, 2020-01-01)".into(), "010"),
        ("CreatedDate >= 2024-02-29T10:00:00Z".into(), "100"),
        ("CreatedDate > 2024-02-29T10:00:00Z".into(), "000"),
        ("CreatedDate = 2024-02-29T11:00:00+01:00".into(), "100"),
        ("CreatedDate = 2024-02-29T02:00:00.000-0800".into(), "100"),
        ("CreatedDate < 2023-12-01T00:00:00.001Z".into(), "010"),
        // Ids: 15 characters are case-sensitive, 18 are not; both normalise.
        (format!("Id = '{id1_short}'"), "100"),
        (format!("Id = '{}'", id1.to_lowercase()), "100"),
        (format!("Id = '{}'", id1_short.to_lowercase()), "000"),
        (format!("Id IN ('{id1}', '{id3}')"), "101"),
        (format!("Id NOT IN ('{id1}')"), "011"),
        (format!("Id != '{id1}'"), "011"),
        (format!("Id > '{id1}'"), "011"),
        (format!("OwnerId = '{owner1}'"), "100"),
        ("OwnerId = null".into(), "001"),
        // Parent fields: a missing parent reads as null.
        ("Owner.Name = 'ann'".into(), "100"),
        ("Owner.Name = null".into(), "001"),
        ("Owner.Name != 'ann'".into(), "011"),
        // Logic.
        ("Name = 'acme' OR Type = 'prospect'".into(), "110"),
        ("NOT (Name = 'acme' OR Type = 'prospect')".into(), "001"),
        (
            "Name LIKE 'acme%' AND (NOT Type = 'prospect')".into(),
            "100",
        ),
        (
            "(Name = null OR AnnualRevenue > 75) AND IsDeleted = false".into(),
            "101",
        ),
    ];
    let rows = accounts();
    for (condition, expected) in &cases {
        assert_eq!(
            pattern("Account", condition, &rows),
            *expected,
            "{condition}"
        );
    }
}

#[test]
fn relative_date_literals_on_date_fields() {
    // The clock is 2024-02-29T15:30:00Z (see `now`).
    let days = [
        date(2023, 11, 30),
        date(2023, 12, 1),
        date(2024, 1, 31),
        date(2024, 2, 28),
        date(2024, 2, 29),
        date(2024, 3, 1),
        date(2024, 5, 29),
        date(2024, 5, 30),
    ];
    let rows: Vec<FakeRow> = days
        .iter()
        .map(|d| FakeRow::new().with("CloseDate", SoqlValue::Date(*d)))
        .chain(std::iter::once(FakeRow::new()))
        .collect();
    let cases = [
        ("CloseDate = TODAY", "000010000"),
        ("CloseDate = YESTERDAY", "000100000"),
        ("CloseDate = TOMORROW", "000001000"),
        ("CloseDate > TODAY", "000001110"),
        ("CloseDate >= TODAY", "000011110"),
        ("CloseDate < TODAY", "111100000"),
        ("CloseDate <= TODAY", "111110000"),
        ("CloseDate != TODAY", "111101111"),
        ("CloseDate = THIS_MONTH", "000110000"),
        ("CloseDate = LAST_MONTH", "001000000"),
        ("CloseDate = NEXT_MONTH", "000001000"),
        ("CloseDate < THIS_MONTH", "111000000"),
        ("CloseDate > THIS_MONTH", "000001110"),
        ("CloseDate = LAST_N_DAYS:1", "000110000"),
        ("CloseDate = LAST_90_DAYS", "011110000"),
        ("CloseDate = NEXT_90_DAYS", "000001100"),
        ("CloseDate = NEXT_N_DAYS:1", "000001000"),
        ("CloseDate = LAST_N_MONTHS:3", "111000000"),
        ("CloseDate = NEXT_N_MONTHS:3", "000001110"),
        ("CloseDate = THIS_YEAR", "001111110"),
        ("CloseDate = LAST_YEAR", "110000000"),
        ("CloseDate = THIS_QUARTER", "001111000"),
        ("CloseDate IN (TODAY, LAST_MONTH)", "001010000"),
    ];
    for (condition, expected) in cases {
        assert_eq!(
            pattern("Opportunity", condition, &rows),
            expected,
            "{condition}"
        );
    }
}

#[test]
fn relative_date_literals_on_datetime_fields_cover_whole_utc_days() {
    let instants = [
        "2024-02-28T23:59:59.999Z",
        "2024-02-29T00:00:00Z",
        "2024-02-29T15:30:01Z",
        "2024-02-29T23:59:59.999Z",
        "2024-03-01T00:00:00Z",
    ];
    let rows: Vec<FakeRow> = instants
        .iter()
        .map(|t| FakeRow::new().with("CreatedDate", SoqlValue::DateTime(instant(t))))
        .collect();
    let cases = [
        ("CreatedDate = TODAY", "01110"),
        ("CreatedDate < TODAY", "10000"),
        ("CreatedDate > TODAY", "00001"),
        ("CreatedDate <= TODAY", "11110"),
        ("CreatedDate >= TODAY", "01111"),
        ("CreatedDate = YESTERDAY", "10000"),
        ("CreatedDate = LAST_N_DAYS:0", "01110"),
        ("CreatedDate = NEXT_N_DAYS:1", "00001"),
    ];
    for (condition, expected) in cases {
        assert_eq!(
            pattern("Account", condition, &rows),
            expected,
            "{condition}"
        );
    }
}

#[test]
fn like_escapes_match_the_wildcard_characters_themselves() {
    let rows: Vec<FakeRow> = ["50% off", "50X off", "a_b", "axb"]
        .iter()
        .map(|name| FakeRow::new().text("Name", name))
        .collect();
    let cases = [
        (r"Name LIKE '50\%%'", "1000"),
        ("Name LIKE '50%'", "1100"),
        (r"Name LIKE 'a\_b'", "0010"),
        ("Name LIKE 'a_b'", "0011"),
        (r"Name LIKE '%\%%'", "1000"),
        (r"Name LIKE '%\_%'", "0010"),
    ];
    for (condition, expected) in cases {
        assert_eq!(
            pattern("Account", condition, &rows),
            expected,
            "{condition}"
        );
    }
}

/// Sorts rows by a query's ORDER BY and returns their `Name`s (`-` for null).
fn sorted(order_by: &str, rows: &[FakeRow]) -> Vec<String> {
    let bound = query(&format!("SELECT Id FROM Account ORDER BY {order_by}"));
    let mut order: Vec<&FakeRow> = rows.iter().collect();
    order.sort_by(|a, b| bound.compare(*a, *b));
    order
        .iter()
        .map(|row| match super::super::Row::value(*row, &["Name"]) {
            SoqlValue::String(name) => name.into_owned(),
            _ => "-".to_owned(),
        })
        .collect()
}

#[test]
fn order_by_directions_nulls_and_ties() {
    let rows: Vec<FakeRow> = [Some("b"), None, Some("A"), Some("c"), None]
        .iter()
        .map(|name| match name {
            Some(name) => FakeRow::new().text("Name", name),
            None => FakeRow::new(),
        })
        .collect();
    assert_eq!(sorted("Name", &rows), ["-", "-", "A", "b", "c"]);
    assert_eq!(sorted("Name ASC", &rows), ["-", "-", "A", "b", "c"]);
    assert_eq!(sorted("Name DESC", &rows), ["c", "b", "A", "-", "-"]);
    assert_eq!(sorted("Name NULLS LAST", &rows), ["A", "b", "c", "-", "-"]);
    assert_eq!(
        sorted("Name DESC NULLS FIRST", &rows),
        ["-", "-", "c", "b", "A"]
    );

    // Several keys; equal keys keep their input order (the comparison says Equal).
    let people = [
        ("p1", "Customer", 10.0),
        ("p2", "Prospect", 30.0),
        ("p3", "customer", 30.0),
        ("p4", "Prospect", 30.0),
        ("p5", "Customer", 20.0),
    ];
    let rows: Vec<FakeRow> = people
        .iter()
        .map(|(name, ty, revenue)| {
            FakeRow::new()
                .text("Name", name)
                .text("Type", ty)
                .with("AnnualRevenue", SoqlValue::Number(*revenue))
        })
        .collect();
    assert_eq!(
        sorted("Type, AnnualRevenue DESC", &rows),
        ["p3", "p5", "p1", "p2", "p4"]
    );
    assert_eq!(
        sorted("AnnualRevenue DESC", &rows),
        ["p2", "p3", "p4", "p5", "p1"]
    );
}

#[test]
fn order_by_other_types() {
    let rows: Vec<FakeRow> = [
        ("d", Some(date(2024, 3, 1)), Some(true)),
        ("a", Some(date(2023, 1, 1)), None),
        ("n", None, Some(false)),
    ]
    .iter()
    .map(|(name, day, deleted)| {
        let mut row = FakeRow::new().text("Name", name);
        if let Some(day) = day {
            row = row.with("LastActivityDate", SoqlValue::Date(*day));
        }
        if let Some(deleted) = deleted {
            row = row.with("IsDeleted", SoqlValue::Boolean(*deleted));
        }
        row
    })
    .collect();
    assert_eq!(sorted("LastActivityDate", &rows), ["n", "a", "d"]);
    assert_eq!(sorted("LastActivityDate DESC", &rows), ["d", "a", "n"]);
    // A null checkbox is false, so it ties with false rather than sorting as null.
    assert_eq!(sorted("IsDeleted DESC, Name", &rows), ["d", "a", "n"]);
    assert_eq!(sorted("Owner.Name, Name DESC", &rows), ["n", "d", "a"]);
}

#[test]
fn lookup_hint_names_an_indexable_conjunct() {
    let a = id("003", 1);
    let b = id("003", 2);
    let account = id("001", 7);
    let short_a = a.get(..15).unwrap_or_default().to_owned();
    let hint = |text: String| {
        let bound = query(&text);
        bound.lookup_hint().map(|(field, values)| {
            let values: Vec<String> = values
                .into_iter()
                .map(|v| match v {
                    SoqlValue::String(s) => s.into_owned(),
                    other => format!("{other:?}"),
                })
                .collect();
            (field.to_owned(), values)
        })
    };
    let some = |field: &str, ids: &[&String]| {
        Some((
            field.to_owned(),
            ids.iter().map(|s| (*s).clone()).collect::<Vec<_>>(),
        ))
    };
    assert_eq!(
        hint(format!("SELECT Id FROM Contact WHERE Id = '{short_a}'")),
        some("Id", &[&a])
    );
    assert_eq!(
        hint(format!(
            "SELECT Id FROM Contact WHERE Id IN ('{b}', '{a}') AND LastName != null"
        )),
        some("Id", &[&a, &b])
    );
    assert_eq!(
        hint(format!(
            "SELECT Id FROM Contact WHERE LastName = 'x' AND AccountId = '{account}'"
        )),
        some("AccountId", &[&account])
    );
    assert_eq!(
        hint(format!(
            "SELECT Id FROM Contact WHERE AccountId = '{account}' AND Id IN ('{a}')"
        )),
        some("Id", &[&a])
    );
    for text in [
        format!("SELECT Id FROM Contact WHERE Id = '{a}' OR LastName = 'x'"),
        format!("SELECT Id FROM Contact WHERE NOT Id = '{a}'"),
        format!("SELECT Id FROM Contact WHERE Id != '{a}'"),
        format!("SELECT Id FROM Contact WHERE Id NOT IN ('{a}')"),
        format!("SELECT Id FROM Contact WHERE Id IN ('{a}', null)"),
        format!("SELECT Id FROM Contact WHERE Account.Id = '{account}'"),
        "SELECT Id FROM Contact WHERE AccountId = null".to_owned(),
        "SELECT Id FROM Contact WHERE LastName = 'x'".to_owned(),
        "SELECT Id FROM Contact".to_owned(),
    ] {
        assert_eq!(hint(text.clone()), None, "{text}");
    }
}

#[test]
fn subqueries_filter_and_order_child_rows() {
    let bound = query(
        "SELECT Name, (SELECT LastName FROM Contacts WHERE LastName LIKE 'a%' ORDER BY LastName DESC LIMIT 2) FROM Account",
    );
    let Some(super::super::Selected::Subquery(sub)) = bound.select().get(1) else {
        panic!("expected a subquery");
    };
    let children: Vec<FakeRow> = ["ann", "Bob", "Abe", "amy"]
        .iter()
        .map(|name| FakeRow::new().text("LastName", name))
        .collect();
    let mut matching: Vec<&FakeRow> = children.iter().filter(|c| sub.query.matches(*c)).collect();
    matching.sort_by(|a, b| sub.query.compare(*a, *b));
    let names: Vec<String> = matching
        .iter()
        .map(|row| match super::super::Row::value(*row, &["LastName"]) {
            SoqlValue::String(s) => s.into_owned(),
            _ => String::new(),
        })
        .collect();
    assert_eq!(names, ["ann", "amy", "Abe"]);
    assert_eq!(sub.query.limit(), Some(2));
}

#[test]
fn relative_dates_follow_the_bind_time_clock() {
    let text = "SELECT Id FROM Opportunity WHERE CloseDate = TODAY";
    let row = FakeRow::new().with("CloseDate", SoqlValue::Date(date(2024, 3, 1)));
    let today = super::super::bind(
        super::super::parse(text).expect("valid"),
        &super::FakeCatalog,
        instant("2024-03-01T00:00:00Z"),
    )
    .expect("binds");
    assert!(today.matches(&row));
    assert!(!query(text).matches(&row));
    assert!(!query(text).matches(&FakeRow::new().with("CloseDate", string("2024-02-29"))));
}
