//! Parser tables: query text to canonical tree, and query text to Salesforce's error.

use super::super::{MALFORMED_QUERY, parse};

/// Valid SOQL and its canonical rendering (upper-case keywords, every AND/OR group in
/// parentheses, literals normalised).
#[test]
fn valid_queries_parse_to_their_canonical_form() {
    let cases: &[(&str, &str)] = &[
        ("SELECT Id FROM Account", "SELECT Id FROM Account"),
        (
            "select id, name from account",
            "SELECT id, name FROM account",
        ),
        (
            "SELECT Id,Account.Name,Owner.Name FROM Contact",
            "SELECT Id, Account.Name, Owner.Name FROM Contact",
        ),
        (
            "SELECT RecordType.DeveloperName FROM Opportunity",
            "SELECT RecordType.DeveloperName FROM Opportunity",
        ),
        ("SELECT COUNT() FROM Account", "SELECT COUNT() FROM Account"),
        (
            "select count ( ) from Account",
            "SELECT COUNT() FROM Account",
        ),
        (
            "SELECT Name, (SELECT LastName FROM Contacts WHERE Email != null ORDER BY LastName LIMIT 5) FROM Account",
            "SELECT Name, (SELECT LastName FROM Contacts WHERE Email != null ORDER BY LastName LIMIT 5) FROM Account",
        ),
        (
            "SELECT\n\tId\r\nFROM\n Account\nWHERE   Name='x'\n",
            "SELECT Id FROM Account WHERE Name = 'x'",
        ),
        (
            "SELECT Id FROM Account WHERE a = 1 AND b = 2 and c = 3",
            "SELECT Id FROM Account WHERE (a = 1 AND b = 2 AND c = 3)",
        ),
        (
            "SELECT Id FROM Account WHERE a = 1 OR b = 2 Or c = 3",
            "SELECT Id FROM Account WHERE (a = 1 OR b = 2 OR c = 3)",
        ),
        (
            "SELECT Id FROM Account WHERE (a = 1 OR b = 2) AND c = 3",
            "SELECT Id FROM Account WHERE ((a = 1 OR b = 2) AND c = 3)",
        ),
        (
            "SELECT Id FROM Account WHERE a = 1 OR (b = 2 AND (c = 3 OR d = 4))",
            "SELECT Id FROM Account WHERE (a = 1 OR (b = 2 AND (c = 3 OR d = 4)))",
        ),
        (
            "SELECT Id FROM Account WHERE NOT a = 1",
            "SELECT Id FROM Account WHERE (NOT a = 1)",
        ),
        (
            "SELECT Id FROM Account WHERE a = 1 AND (NOT b = 2)",
            "SELECT Id FROM Account WHERE (a = 1 AND (NOT b = 2))",
        ),
        (
            "SELECT Id FROM Account WHERE NOT (a = 1 OR b = 2)",
            "SELECT Id FROM Account WHERE (NOT (a = 1 OR b = 2))",
        ),
        (
            "SELECT Id FROM Account WHERE a <> 1 AND b != 2 AND c < 3 AND d <= 4 AND e > 5 AND f >= 6",
            "SELECT Id FROM Account WHERE (a != 1 AND b != 2 AND c < 3 AND d <= 4 AND e > 5 AND f >= 6)",
        ),
        (
            "SELECT Id FROM Account WHERE Name like 'a%' AND Type in ('x', 'y') AND Industry not in ('z')",
            "SELECT Id FROM Account WHERE (Name LIKE 'a%' AND Type IN ('x', 'y') AND Industry NOT IN ('z'))",
        ),
        (
            "SELECT Id FROM Account WHERE a = NULL AND b = Null AND c = true AND d = FALSE",
            "SELECT Id FROM Account WHERE (a = null AND b = null AND c = TRUE AND d = FALSE)",
        ),
        (
            "SELECT Id FROM Account WHERE a = 5 AND b = -2.5 AND c = .5 AND d = +7",
            "SELECT Id FROM Account WHERE (a = 5 AND b = -2.5 AND c = 0.5 AND d = 7)",
        ),
        (
            r"SELECT Id FROM Account WHERE a = 'O\'Brien' AND b = 'back\\slash' AND c = '\u00e9\N'",
            "SELECT Id FROM Account WHERE (a = 'O\\'Brien' AND b = 'back\\\\slash' AND c = 'é\\n')",
        ),
        (
            r"SELECT Id FROM Account WHERE Name LIKE '50\%\_off%'",
            r"SELECT Id FROM Account WHERE Name LIKE '50\%\_off%'",
        ),
        (
            "SELECT Id FROM Opportunity WHERE CloseDate >= 2024-01-31",
            "SELECT Id FROM Opportunity WHERE CloseDate >= 2024-01-31",
        ),
        (
            "SELECT Id FROM Account WHERE a > 2024-01-01T05:00:00+05:00 AND b > 2023-12-31T16:00:00.000-08:00 AND c > 2024-01-01T00:00:00.250+0000",
            "SELECT Id FROM Account WHERE (a > 2024-01-01T00:00:00Z AND b > 2024-01-01T00:00:00Z AND c > 2024-01-01T00:00:00.250Z)",
        ),
        (
            "SELECT Id FROM Account WHERE a = today AND b = LAST_N_DAYS:30 AND c = next_n_months : 2 AND d > LAST_90_DAYS",
            "SELECT Id FROM Account WHERE (a = TODAY AND b = LAST_N_DAYS:30 AND c = NEXT_N_MONTHS:2 AND d > LAST_90_DAYS)",
        ),
        (
            "SELECT Id FROM Account ORDER BY Name DESC NULLS LAST, Id ASC, CreatedDate NULLS FIRST",
            "SELECT Id FROM Account ORDER BY Name DESC NULLS LAST, Id, CreatedDate NULLS FIRST",
        ),
        (
            "SELECT Id FROM Account WHERE Name != null ORDER BY Name LIMIT 10 OFFSET 20",
            "SELECT Id FROM Account WHERE Name != null ORDER BY Name LIMIT 10 OFFSET 20",
        ),
        (
            "SELECT Id FROM Account WHERE Id IN ('001000000000001AAA', null)",
            "SELECT Id FROM Account WHERE Id IN ('001000000000001AAA', null)",
        ),
    ];
    for (text, expected) in cases {
        match parse(text) {
            Ok(query) => assert_eq!(query.to_string(), *expected, "{text}"),
            Err(error) => panic!("{text}: {}", error.message),
        }
    }
}

/// Syntax errors: the query, and the end of the message (the `ERROR at` line and the text).
#[test]
fn syntax_errors_carry_salesforce_codes_and_positions() {
    let cases: &[(&str, &str)] = &[
        // life-improver.com "Unexpected token OR": AND and OR need parentheses.
        (
            "SELECT Id FROM Account WHERE Name = 'a' AND Type = 'b' OR Industry = 'c'",
            "ERROR at Row:1:Column:55\nunexpected token: 'OR'",
        ),
        (
            "SELECT Id FROM Account WHERE Name = 'a' OR Type = 'b' AND Industry = 'c'",
            "ERROR at Row:1:Column:54\nunexpected token: 'AND'",
        ),
        // jetstreamapp/soql-parser-js#201: NOT only opens a condition.
        (
            "SELECT Id FROM Account WHERE Name != null AND NOT Type = 'b'",
            "ERROR at Row:1:Column:46\nunexpected token: 'NOT'",
        ),
        (
            "SELECT * FROM Account",
            "ERROR at Row:1:Column:7\nunexpected token: '*'",
        ),
        (
            "SELECT Id FROM",
            "ERROR at Row:1:Column:14\nunexpected token: '<EOF>'",
        ),
        (
            "SELECT Id, FROM Account",
            "ERROR at Row:1:Column:11\nunexpected token: 'FROM'",
        ),
        (
            "SELECT COUNT(), Id FROM Account",
            "ERROR at Row:1:Column:14\nunexpected token: ','",
        ),
        (
            "SELECT Id FROM Account;",
            "ERROR at Row:1:Column:22\nunexpected token: ';'",
        ),
        (
            "SELECT Id FROM Account WHERE Name",
            "ERROR at Row:1:Column:33\nunexpected token: '<EOF>'",
        ),
        (
            "SELECT Id FROM Account WHERE Name NOT LIKE 'a%'",
            "ERROR at Row:1:Column:34\nunexpected token: 'NOT'",
        ),
        (
            "SELECT Id FROM Account OFFSET 5 LIMIT 10",
            "ERROR at Row:1:Column:32\nunexpected token: 'LIMIT'",
        ),
        (
            "SELECT Id FROM Account ORDER BY Name NULLS",
            "ERROR at Row:1:Column:42\nunexpected token: '<EOF>'",
        ),
        (
            "SELECT Id FROM Account LIMIT x",
            "ERROR at Row:1:Column:29\nunexpected token: 'x'",
        ),
        (
            "SELECT Id FROM Account LIMIT 99999999999",
            "ERROR at Row:1:Column:29\nnumeric value out of range: 99999999999",
        ),
        (
            "SELECT Id FROM Opportunity WHERE CloseDate = LAST_N_DAYS",
            "ERROR at Row:1:Column:56\nunexpected token: '<EOF>'",
        ),
        (
            "SELECT Id FROM Account WHERE Name = Acme",
            "ERROR at Row:1:Column:36\nunexpected token: 'Acme'",
        ),
        // salesforce-api.md 3.2: a `+` that became a space.
        (
            "SELECT Id FROM Account WHERE SystemModstamp > 2024-01-01T00:00:00 00:00",
            "ERROR at Row:1:Column:65\nline 1:65 no viable alternative at character ' '",
        ),
        // life-improver.com "Datetime representation in SOQL executed via REST API".
        (
            "SELECT Id FROM Account WHERE CreatedDate < 2016-07-31T04:17:54",
            "ERROR at Row:1:Column:62\nline 1:62 no viable alternative at character '<EOF>'",
        ),
        (
            "SELECT Id FROM Account WHERE Name = \"x\"",
            "ERROR at Row:1:Column:36\nline 1:36 no viable alternative at character '\"'",
        ),
        (
            "SELECT Id FROM Account WHERE Name = 'open",
            "ERROR at Row:1:Column:41\nline 1:41 no viable alternative at character '<EOF>'",
        ),
        // restforce/restforce#632.
        (
            r"SELECT Id FROM Contact WHERE LastName = 'Anne\-Marie'",
            "ERROR at Row:1:Column:40\nInvalid string literal 'Anne\\-Marie'. Illegal character sequence '\\-' in string literal.",
        ),
        // joeferraro/MavensMate-SublimeText#578.
        (
            r"SELECT Id FROM Account WHERE Name = 'C:\Users\x'",
            "ERROR at Row:1:Column:36\nInvalid string literal 'C:\\Users\\x'. Illegal unicode sequence. '\\users' in string literal.",
        ),
        (
            r"SELECT Id FROM Account WHERE Name = '50\%'",
            "ERROR at Row:1:Column:36\nInvalid string literal '50\\%'. Illegal character sequence '\\%' in string literal.",
        ),
        (
            r"SELECT Id FROM Account WHERE Name IN ('a', 'b\_')",
            "ERROR at Row:1:Column:43\nInvalid string literal 'b\\_'. Illegal character sequence '\\_' in string literal.",
        ),
        (
            "SELECT Id FROM Opportunity WHERE CloseDate = 2024-13-01",
            "ERROR at Row:1:Column:45\nInvalid date: 2024-13-01",
        ),
        (
            "SELECT Id FROM Account WHERE CreatedDate = 2024-01-01T25:00:00Z",
            "ERROR at Row:1:Column:43\nInvalid datetime: 2024-01-01T25:00:00Z",
        ),
        (
            "SELECT Id FROM Account WHERE Id IN :ids",
            "ERROR at Row:1:Column:35\nBind variables only allowed in Apex code",
        ),
        (
            "SELECT Id FROM Account\nWHERE Name = 'a'\n  AND Type = 'b' OR Industry = 'c'",
            "ERROR at Row:3:Column:17\nunexpected token: 'OR'",
        ),
    ];
    for (text, tail) in cases {
        let error = parse(text).expect_err(text);
        assert_eq!(error.code, MALFORMED_QUERY, "{text}");
        assert!(
            error.message.ends_with(tail),
            "{text}\nexpected tail: {tail:?}\n got: {:?}",
            error.message
        );
    }
}

/// Whole messages, caret block included, for the shapes the emulator's users will see most.
#[test]
fn caret_blocks_render_like_salesforce() {
    let cases: &[(&str, &str)] = &[
        (
            "SELECT Id FROM Account WHERE Name = 'a' AND Type = 'b' OR Industry = 'c'",
            "\nWHERE Name = 'a' AND Type = 'b' OR Industry = 'c'\n                               ^\nERROR at Row:1:Column:55\nunexpected token: 'OR'",
        ),
        (
            "SELECT * FROM Account",
            "\nSELECT * FROM Account\n      ^\nERROR at Row:1:Column:7\nunexpected token: '*'",
        ),
        (
            "SELECT Id FROM Account WHERE SystemModstamp > 2024-01-01T00:00:00 00:00",
            "\nSystemModstamp > 2024-01-01T00:00:00 00:00\n                                   ^\nERROR at Row:1:Column:65\nline 1:65 no viable alternative at character ' '",
        ),
    ];
    for (text, expected) in cases {
        let error = parse(text).expect_err(text);
        assert_eq!(error.message, *expected, "{text}");
    }
}

#[test]
fn an_empty_query_is_refused_without_a_caret() {
    for text in ["", "   \n\t"] {
        let error = parse(text).expect_err("empty");
        assert_eq!(error.code, MALFORMED_QUERY);
        assert_eq!(error.message, "SOQL statements cannot be empty or null");
    }
}

/// Real SOQL the emulator does not implement fails loudly as the emulator's limitation.
#[test]
fn unsupported_soql_says_so() {
    let cases: &[(&str, &str)] = &[
        ("SELECT Industry FROM Account GROUP BY Industry", "GROUP BY"),
        (
            "SELECT COUNT(Id) FROM Account",
            "COUNT(field) and other aggregate functions",
        ),
        (
            "SELECT FIELDS(ALL) FROM Account LIMIT 200",
            "functions in the SELECT list",
        ),
        ("SELECT Id FROM Account a", "an object alias"),
        ("SELECT Id FROM Account WITH SECURITY_ENFORCED", "WITH"),
        (
            "SELECT Id FROM Account FOR UPDATE",
            "FOR VIEW/REFERENCE/UPDATE",
        ),
        (
            "SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact)",
            "semi-join",
        ),
        (
            "SELECT Id FROM Account WHERE CreatedDate = THIS_WEEK",
            "the date literal THIS_WEEK",
        ),
        (
            "SELECT Id FROM Account WHERE DAY_ONLY(CreatedDate) = TODAY",
            "functions in WHERE",
        ),
        (
            "SELECT Id FROM Account WHERE Type INCLUDES ('a')",
            "INCLUDES/EXCLUDES",
        ),
        (
            "SELECT TYPEOF What WHEN Account THEN Name END FROM Task",
            "TYPEOF",
        ),
        (
            "SELECT Id, (SELECT Id, (SELECT Id FROM Opportunities) FROM Contacts) FROM Account",
            "a subquery inside a subquery",
        ),
    ];
    for (text, what) in cases {
        let error = parse(text).expect_err(text);
        assert_eq!(error.code, MALFORMED_QUERY, "{text}");
        assert!(
            error.message.contains(what)
                && error
                    .message
                    .ends_with("is not supported by the Vitals SOQL emulator"),
            "{text}: {}",
            error.message
        );
    }
}

#[test]
fn keywords_are_case_insensitive_and_names_keep_their_spelling() {
    let query = parse(
        "sElEcT Name FrOm Account wHeRe Name LiKe 'x%' oRdEr By Name dEsC nUlLs LaSt LiMiT 1",
    )
    .expect("valid");
    assert_eq!(
        query.to_string(),
        "SELECT Name FROM Account WHERE Name LIKE 'x%' ORDER BY Name DESC NULLS LAST LIMIT 1"
    );
    assert_eq!(query.body.from.text, "Account");
    assert_eq!(query.body.from.offset, 17);
}
