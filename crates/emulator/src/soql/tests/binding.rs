//! Binder tables: names resolve to canonical spellings and types, and every schema or type
//! error carries Salesforce's code and text.

use super::super::{
    INVALID_FIELD, INVALID_QUERY_FILTER_OPERATOR, INVALID_TYPE, MALFORMED_QUERY,
    NUMBER_OUTSIDE_VALID_RANGE, Selected, SoqlType,
};
use super::{compile, query};

/// The SELECT list as `path:type` strings, subqueries as `(Relationship->Child.field: ...)`.
fn shape(text: &str) -> String {
    fn render(selected: &[Selected]) -> Vec<String> {
        selected
            .iter()
            .map(|item| match item {
                Selected::Field(path) => format!("{}:{:?}", path.segments().join("."), path.ty()),
                Selected::Subquery(sub) => format!(
                    "({}->{}.{}: {})",
                    sub.relationship,
                    sub.query.object(),
                    sub.child_field,
                    render(sub.query.select()).join(", ")
                ),
            })
            .collect()
    }
    let bound = query(text);
    format!("{} [{}]", bound.object(), render(bound.select()).join(", "))
}

#[test]
fn names_resolve_to_canonical_paths_and_types() {
    let cases: &[(&str, &str)] = &[
        (
            "select id, lastname, account.name from contact",
            "Contact [Id:Id, LastName:String, Account.Name:String]",
        ),
        (
            "SELECT Name, RecordType.DeveloperName, owner.email, Amount, CloseDate, IsClosed, AccountId FROM Opportunity",
            "Opportunity [Name:String, RecordType.DeveloperName:String, Owner.Email:String, Amount:Double, CloseDate:Date, IsClosed:Boolean, AccountId:Reference]",
        ),
        (
            "SELECT NumberOfEmployees, CreatedDate, Parent.Name, Account.Type FROM Account",
            "Account [NumberOfEmployees:Integer, CreatedDate:DateTime, Parent.Name:String, Type:String]",
        ),
        ("SELECT Id, Title FROM Note", "Note [Id:Id, Title:String]"),
        (
            "SELECT Name, (SELECT LastName FROM contacts WHERE Email != null ORDER BY LastName DESC LIMIT 3), (SELECT Amount FROM Opportunities) FROM Account",
            "Account [Name:String, (Contacts->Contact.AccountId: LastName:String), (Opportunities->Opportunity.AccountId: Amount:Double)]",
        ),
        ("SELECT COUNT() FROM account", "Account []"),
    ];
    for (text, expected) in cases {
        assert_eq!(shape(text), *expected, "{text}");
    }
}

#[test]
fn clauses_bind_to_their_values() {
    let bound = query(
        "SELECT Id FROM Account WHERE Name = 'a' OR (Owner.Name = 'b' AND name != null) ORDER BY Type, Owner.Name DESC LIMIT 10 OFFSET 2000",
    );
    assert!(!bound.is_count());
    assert_eq!(bound.limit(), Some(10));
    assert_eq!(bound.offset(), Some(2000));
    assert!(bound.is_ordered());
    let paths = |fields: Vec<&super::super::FieldPath>| {
        fields
            .iter()
            .map(|f| f.segments().join("."))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        paths(bound.where_fields().iter().collect()),
        ["Name", "Owner.Name"]
    );
    assert_eq!(
        paths(bound.order_fields().collect()),
        ["Type", "Owner.Name"]
    );
    assert_eq!(bound.where_fields()[1].relationship(), Some("Owner"));
    assert_eq!(bound.where_fields()[1].field(), "Name");
    assert_eq!(bound.where_fields()[1].ty(), SoqlType::String);

    let count = query("SELECT COUNT() FROM Account WHERE Name LIKE 'a%'");
    assert!(count.is_count());
    assert!(count.select().is_empty());
    assert_eq!(count.limit(), None);
    assert_eq!(count.offset(), None);
}

/// Whole messages, caret block included.
#[test]
fn schema_errors_render_exactly() {
    let cases: &[(&str, &str, &str)] = &[
        // The brief's example, itself from forcedotcom/soql-tooling#86.
        (
            "SELECT Foo__c FROM Account",
            INVALID_FIELD,
            "\nSELECT Foo__c FROM Account\n       ^\nERROR at Row:1:Column:8\nNo such column 'Foo__c' on entity 'Account'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.",
        ),
        (
            "SELECT Id FROM Foo",
            INVALID_TYPE,
            "\nSELECT Id FROM Foo\n               ^\nERROR at Row:1:Column:16\nsObject type 'Foo' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.",
        ),
        (
            "SELECT Id FROM Opportunity WHERE CloseDate = '2024-01-01'",
            INVALID_FIELD,
            "\nSELECT Id FROM Opportunity WHERE CloseDate = '2024-01-01'\n                                 ^\nERROR at Row:1:Column:34\nvalue of filter criterion for field 'CloseDate' must be of type date and should not be enclosed in quotes",
        ),
        (
            "SELECT Id, Name, id FROM Account",
            INVALID_FIELD,
            "duplicate field selected: Id",
        ),
        (
            "SELECT Id FROM Account OFFSET 2001",
            NUMBER_OUTSIDE_VALID_RANGE,
            "Maximum SOQL offset allowed is 2000",
        ),
    ];
    for (text, code, message) in cases {
        let error = compile(text).expect_err(text);
        assert_eq!(
            (error.code, error.message.as_str()),
            (*code, *message),
            "{text}"
        );
    }
}

/// Schema and type errors: the query, the code, and the end of the message.
#[test]
fn schema_and_type_errors() {
    let no_column = |field: &str, entity: &str| {
        format!(
            "No such column '{field}' on entity '{entity}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names."
        )
    };
    let no_relationship = |name: &str| {
        format!(
            "Didn't understand relationship '{name}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names."
        )
    };
    let wrong = |field: &str, ty: &str, quoted: bool| {
        format!(
            "value of filter criterion for field '{field}' must be of type {ty} and {}",
            if quoted {
                "should be enclosed in quotes"
            } else {
                "should not be enclosed in quotes"
            }
        )
    };
    let cases: Vec<(&str, &str, String)> = vec![
        ("SELECT Foo.Name FROM Contact", INVALID_FIELD, format!("Column:8\n{}", no_relationship("Foo"))),
        ("SELECT Name.Foo FROM Account", INVALID_FIELD, format!("Column:8\n{}", no_relationship("Name"))),
        ("SELECT Account.Bogus.Name FROM Contact", INVALID_FIELD, format!("Column:8\n{}", no_relationship("Bogus"))),
        ("SELECT Account.Foo FROM Contact", INVALID_FIELD, format!("Column:8\n{}", no_column("Foo", "Account"))),
        ("SELECT Owner.Foo FROM Opportunity", INVALID_FIELD, format!("Column:8\n{}", no_column("Foo", "User"))),
        ("SELECT Id FROM Account WHERE Foo = 1", INVALID_FIELD, format!("Column:30\n{}", no_column("Foo", "Account"))),
        ("SELECT Id FROM Account ORDER BY Foo", INVALID_FIELD, format!("Column:33\n{}", no_column("Foo", "Account"))),
        (
            "SELECT Id, (SELECT Id FROM Foos) FROM Account",
            INVALID_TYPE,
            "Column:28\nDidn't understand relationship 'Foos' in FROM part of query call. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.".to_owned(),
        ),
        (
            "SELECT Id, (SELECT Bogus FROM Contacts) FROM Account",
            INVALID_FIELD,
            format!("Column:20\n{}", no_column("Bogus", "Contact")),
        ),
        (
            "SELECT Id FROM Opportunity WHERE CloseDate = LAST_N_DAYS:4294967295",
            MALFORMED_QUERY,
            "Column:45\nnumeric value out of range: LAST_N_DAYS:4294967295".to_owned(),
        ),
        (
            "SELECT Account.Owner.Name FROM Contact",
            MALFORMED_QUERY,
            "Column:7\na relationship path deeper than one parent is not supported by the Vitals SOQL emulator".to_owned(),
        ),
        ("SELECT Id FROM Opportunity WHERE CloseDate > 2024-01-01T00:00:00Z", INVALID_FIELD, format!("Column:34\n{}", wrong("CloseDate", "date", false))),
        ("SELECT Id FROM Opportunity WHERE CloseDate = null AND CloseDate IN (2024-01-01, TODAY, 'x')", INVALID_FIELD, format!("Column:55\n{}", wrong("CloseDate", "date", false))),
        ("SELECT Id FROM Account WHERE CreatedDate > 2024-01-01", INVALID_FIELD, format!("Column:30\n{}", wrong("CreatedDate", "dateTime", false))),
        ("SELECT Id FROM Account WHERE CreatedDate > '2024-01-01T00:00:00Z'", INVALID_FIELD, format!("Column:30\n{}", wrong("CreatedDate", "dateTime", false))),
        // jetstreamapp/jetstream#270.
        ("SELECT Id FROM Opportunity WHERE IsClosed = 'TRUE'", INVALID_FIELD, format!("Column:34\n{}", wrong("IsClosed", "boolean", false))),
        ("SELECT Id FROM Opportunity WHERE Amount > '5'", INVALID_FIELD, format!("Column:34\n{}", wrong("Amount", "double", false))),
        ("SELECT Id FROM Account WHERE NumberOfEmployees = 'x'", INVALID_FIELD, format!("Column:30\n{}", wrong("NumberOfEmployees", "int", false))),
        ("SELECT Id FROM Account WHERE Name = 5", INVALID_FIELD, format!("Column:30\n{}", wrong("Name", "string", true))),
        ("SELECT Id FROM Account WHERE Name = TODAY", INVALID_FIELD, format!("Column:30\n{}", wrong("Name", "string", true))),
        ("SELECT Id FROM Account WHERE Name IN ('a', 5)", INVALID_FIELD, format!("Column:30\n{}", wrong("Name", "string", true))),
        ("SELECT Id FROM Account WHERE Id = 5", INVALID_FIELD, format!("Column:30\n{}", wrong("Id", "id", true))),
        ("SELECT Id FROM Opportunity WHERE Account.Name = 5", INVALID_FIELD, format!("Column:34\n{}", wrong("Name", "string", true))),
        // UnofficialSF/LightningFlowComponents#255 and simple-salesforce#73.
        ("SELECT Id FROM Account WHERE Id LIKE '001%'", INVALID_QUERY_FILTER_OPERATOR, "Column:30\ninvalid operator on id field".to_owned()),
        ("SELECT Id FROM Contact WHERE AccountId LIKE '001%'", INVALID_QUERY_FILTER_OPERATOR, "Column:30\ninvalid operator on id field".to_owned()),
        ("SELECT Id FROM Opportunity WHERE IsClosed > true", INVALID_QUERY_FILTER_OPERATOR, "Column:34\ninvalid operator on boolean field".to_owned()),
        ("SELECT Id FROM Opportunity WHERE Amount LIKE '5%'", INVALID_QUERY_FILTER_OPERATOR, "Column:34\ninvalid operator on double field".to_owned()),
        ("SELECT Id FROM Opportunity WHERE CloseDate LIKE '2024%'", INVALID_QUERY_FILTER_OPERATOR, "Column:34\ninvalid operator on date field".to_owned()),
        ("SELECT Id FROM Account WHERE Id = '001xyz'", INVALID_QUERY_FILTER_OPERATOR, "Column:30\ninvalid ID field: 001xyz".to_owned()),
        ("SELECT Id FROM Account WHERE Id = '001D000000IRFmaIA9'", INVALID_QUERY_FILTER_OPERATOR, "Column:30\ninvalid ID field: 001D000000IRFmaIA9".to_owned()),
        (
            "SELECT Id FROM Contact WHERE AccountId IN ('001000000000001AAA', 'nope')",
            INVALID_QUERY_FILTER_OPERATOR,
            "Column:30\ninvalid ID field: nope".to_owned(),
        ),
    ];
    for (text, code, tail) in &cases {
        let error = compile(text).expect_err(text);
        assert_eq!(error.code, *code, "{text}: {}", error.message);
        assert!(
            error.message.ends_with(tail.as_str()),
            "{text}\nexpected tail: {tail:?}\n got: {:?}",
            error.message
        );
    }
}

#[test]
fn offset_is_checked_in_subqueries_too() {
    let error = compile("SELECT Id, (SELECT Id FROM Contacts OFFSET 2001) FROM Account LIMIT 1")
        .expect_err("offset");
    assert_eq!(error.code, NUMBER_OUTSIDE_VALID_RANGE);
    assert!(compile("SELECT Id FROM Account OFFSET 2000").is_ok());
}

#[test]
fn the_object_name_may_prefix_its_own_fields() {
    assert_eq!(
        shape("SELECT Account.Name FROM Account"),
        "Account [Name:String]"
    );
}
