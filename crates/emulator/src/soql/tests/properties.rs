//! Properties: the front end never panics and every refusal carries one of Salesforce's
//! codes, escaping round-trips, the canonical rendering is a fixed point of parsing and
//! means the same, and conditions combine as SOQL's two-valued logic says.

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use super::super::{
    Catalog, INVALID_FIELD, INVALID_QUERY_FILTER_OPERATOR, INVALID_TYPE, MALFORMED_QUERY,
    NUMBER_OUTSIDE_VALID_RANGE, QUERY_TOO_COMPLICATED, escape, parse,
};
use super::{FakeCatalog, FakeRow, compile, now, query};

/// The codes a syntax error may carry.
const SYNTAX_CODES: &[&str] = &[MALFORMED_QUERY, QUERY_TOO_COMPLICATED];

/// The codes binding a parsed query may add.
const BIND_CODES: &[&str] = &[
    MALFORMED_QUERY,
    INVALID_FIELD,
    INVALID_TYPE,
    INVALID_QUERY_FILTER_OPERATOR,
    NUMBER_OUTSIDE_VALID_RANGE,
    QUERY_TOO_COMPLICATED,
];

/// Parses and binds `text` against the fake org. Whatever the text, neither step panics; a
/// refusal names one of Salesforce's codes for its step and says why; a query that binds
/// reads an object the org has.
fn front_end(text: &str) -> Result<(), TestCaseError> {
    let parsed = match parse(text) {
        Ok(parsed) => parsed,
        Err(error) => {
            prop_assert!(SYNTAX_CODES.contains(&error.code), "{text:?}: {error:?}");
            prop_assert!(!error.message.is_empty(), "{text:?}: {error:?}");
            return Ok(());
        }
    };
    match super::super::bind(parsed, &FakeCatalog, now()) {
        Ok(bound) => {
            let object = bound.object().to_owned();
            prop_assert_eq!(
                FakeCatalog.object(&object),
                Some(object.clone()),
                "{}",
                text
            );
        }
        Err(error) => {
            prop_assert!(BIND_CODES.contains(&error.code), "{text:?}: {error:?}");
            prop_assert!(!error.message.is_empty(), "{text:?}: {error:?}");
        }
    }
    Ok(())
}

/// Fragments of SOQL, good and bad, so that random sequences reach deep into the grammar.
const VOCABULARY: &[&str] = &[
    "SELECT",
    "FROM",
    "WHERE",
    "AND",
    "OR",
    "NOT",
    "IN",
    "LIKE",
    "ORDER",
    "BY",
    "ASC",
    "DESC",
    "NULLS",
    "FIRST",
    "LAST",
    "LIMIT",
    "OFFSET",
    "COUNT",
    "null",
    "TRUE",
    "false",
    "TODAY",
    "LAST_N_DAYS",
    "THIS_WEEK",
    "GROUP",
    "Id",
    "Name",
    "Account",
    "Contacts",
    "Owner",
    "AnnualRevenue",
    "CloseDate",
    "CreatedDate",
    "IsDeleted",
    "Foo__c",
    "(",
    ")",
    ",",
    ".",
    ":",
    "=",
    "!=",
    "<>",
    "<",
    "<=",
    ">",
    ">=",
    "*",
    ";",
    "+",
    "-",
    "'",
    "\\",
    "\"",
    "%",
    "_",
    "'a'",
    "'O\\'Brien'",
    "'\\u00e9'",
    "'\\x'",
    "5",
    "-2.5",
    ".5",
    "99999999999",
    "2024-01-01",
    "2024-13-45",
    "2024-01-01T00:00:00Z",
    "2024-01-01T00:00:00",
    "2024-01-01T00:00:00+05:00",
    "T",
    "Z",
    "é",
    "\u{0}",
    "'001000000000001AAA'",
];

fn soup() -> impl Strategy<Value = String> {
    let fragment = prop::sample::select(VOCABULARY);
    let space = prop::sample::select(&[" ", "", "\n", "  ", "\t"][..]);
    prop::collection::vec((fragment, space), 0..40).prop_map(|parts| {
        parts
            .into_iter()
            .flat_map(|(fragment, space)| [fragment, space])
            .collect()
    })
}

/// Structured WHERE clauses over the fake schema, valid by construction.
fn condition() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        (
            "[a-zA-Z%_ ]{0,6}",
            prop::sample::select(&["=", "!=", "<", ">=", "LIKE"][..])
        )
            .prop_map(|(s, op)| format!("Name {op} '{}'", escape(&s))),
        (
            -1000i32..1000,
            prop::sample::select(&["=", "<>", "<=", ">"][..])
        )
            .prop_map(|(n, op)| format!("AnnualRevenue {op} {n}")),
        prop::sample::select(&["TODAY", "LAST_N_DAYS:3", "THIS_MONTH", "2024-02-28"][..])
            .prop_map(|d| format!("LastActivityDate >= {d}")),
        prop::sample::select(&["true", "false", "null"][..])
            .prop_map(|b| format!("IsDeleted = {b}")),
        Just("Owner.Name IN ('ann', null)".to_owned()),
    ];
    leaf.prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} AND {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} OR {b})")),
            inner.prop_map(|a| format!("(NOT {a})")),
        ]
    })
}

/// The minimal escaping salesforce-api.md 3.2 prescribes: backslash first, then the quote.
fn minimal_escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('\'', "\\'")
}

proptest! {
    #[test]
    fn the_front_end_never_panics_on_arbitrary_text(text in any::<String>()) {
        front_end(&text)?;
    }

    #[test]
    fn the_front_end_never_panics_on_soql_fragments(text in soup()) {
        for candidate in [text.clone(), format!("SELECT Id FROM Account WHERE {text}")] {
            if let Ok(parsed) = parse(&candidate) {
                let rendered = parsed.to_string();
                let reparsed = parse(&rendered);
                prop_assert!(reparsed.is_ok(), "{candidate:?} rendered as {rendered:?}");
                prop_assert_eq!(reparsed.map(|q| q.to_string()).unwrap_or_default(), rendered);
            }
            front_end(&candidate)?;
        }
    }

    #[test]
    fn escaped_strings_round_trip(value in any::<String>()) {
        for escaped in [minimal_escape(&value), escape(&value)] {
            let text = format!("SELECT Id FROM Account WHERE Name = '{escaped}'");
            let parsed = parse(&text);
            prop_assert!(parsed.is_ok(), "{text:?}");
            let rendered = parsed.map(|q| q.to_string()).unwrap_or_default();
            let expected = format!("SELECT Id FROM Account WHERE Name = '{}'", escape(&value));
            prop_assert_eq!(rendered, expected);
        }
        // Escaping the LIKE wildcards too makes the pattern match exactly the value.
        let pattern = escape(&value).replace('%', "\\%").replace('_', "\\_");
        let bound = query(&format!("SELECT Id FROM Account WHERE Name LIKE '{pattern}'"));
        prop_assert!(bound.matches(&FakeRow::new().text("Name", &value)));
    }

    #[test]
    fn generated_conditions_bind_and_evaluate(condition in condition(), name in "[a-zA-Z ]{0,6}") {
        let text = format!("SELECT Id FROM Account WHERE {condition}");
        let bound = compile(&text);
        prop_assert!(bound.is_ok(), "{text}: {:?}", bound.err());
        let row = FakeRow::new().text("Name", &name);
        let matched = bound.map(|q| q.matches(&row)).unwrap_or_default();
        let rendered = parse(&text).map(|q| q.to_string()).unwrap_or_default();
        prop_assert_eq!(parse(&rendered).map(|q| q.to_string()).ok(), Some(rendered.clone()));
        // The canonical rendering means what the text meant.
        prop_assert_eq!(query(&rendered).matches(&row), matched, "{}", rendered);
        // SOQL's logic is two-valued (a comparison with null is simply false), so AND and
        // OR of a condition with itself change nothing, and NOT is the complement.
        let combined = |form: String| query(&format!("SELECT Id FROM Account WHERE {form}"));
        prop_assert_eq!(combined(format!("({condition} AND {condition})")).matches(&row), matched);
        prop_assert_eq!(combined(format!("({condition} OR {condition})")).matches(&row), matched);
        prop_assert_eq!(combined(format!("(NOT {condition})")).matches(&row), !matched);
    }
}
