//! The formula language of validation rules (`objects/<Object>/validationRules/*`): parsing
//! an `errorConditionFormula` into a [`rule::Expr`](crate::rule::Expr) and evaluating a
//! rule against a record, so the emulator refuses what the org's rules refuse.
//!
//! It covers what rules of this kind use: `AND`, `OR`, `NOT`, `ISPICKVAL`, `ISBLANK`,
//! `ISNEW`, `ISCHANGED`, `TEXT`, the comparisons `=` `==` `!=` `<>` `<` `<=` `>` `>=`, text,
//! number and `TRUE`/`FALSE`/`NULL` literals and the record's own fields. Anything else (a
//! function, an operator, a cross-object field) is refused when the metadata loads, naming
//! the rule, so a rule the emulator cannot evaluate is never silently unenforced. It never
//! touches the store: a rule reads the record being saved and, for `ISCHANGED`, the record
//! as it was. Imports run one way: this module uses `rule` (the parsed form the schema
//! holds), `store` and `value`; none of them uses it. Function reference: "Formula
//! Operators and Functions by Context"
//! (https://help.salesforce.com/s/articleView?id=platform.customize_functions.htm).

use std::cmp::Ordering;

use crate::rule::{Comparison, Expr, Function, Literal, ValidationRuleDef};
use crate::store::Record;
use crate::value::Value;

impl ValidationRuleDef {
    /// Whether saving `new` (over `old`, `None` on insert) breaks the rule.
    pub fn refuses(&self, old: Option<&Record>, new: &Record) -> bool {
        truthy(&self.condition.eval(&Row { old, new }))
    }
}

/// The record being saved and the record as it was.
struct Row<'r> {
    old: Option<&'r Record>,
    new: &'r Record,
}

fn truthy(value: &Option<Value>) -> bool {
    matches!(value, Some(Value::Bool(true)))
}

fn blank(value: &Option<Value>) -> bool {
    match value {
        None => true,
        Some(Value::Text(text)) => text.is_empty(),
        Some(_) => false,
    }
}

fn as_text(value: &Option<Value>) -> Option<String> {
    Some(match value.as_ref()? {
        Value::Text(text) => text.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Date(d) => d.format("%Y-%m-%d").to_string(),
        Value::DateTime(ms) => crate::clock::format_datetime(*ms),
        Value::Id(id) => id.as_str().to_owned(),
    })
}

/// Orders two non-blank values of one kind; `None` when they cannot be compared.
fn order(left: &Value, right: &Value) -> Option<Ordering> {
    match (left, right) {
        (Value::Text(a), Value::Text(b)) => Some(a.cmp(b)),
        (Value::Number(a), Value::Number(b)) => a.partial_cmp(b),
        (Value::Date(a), Value::Date(b)) => Some(a.cmp(b)),
        (Value::DateTime(a), Value::DateTime(b)) => Some(a.cmp(b)),
        (Value::Bool(a), Value::Bool(b)) => Some(a.cmp(b)),
        (Value::Id(a), Value::Id(b)) => Some(a.as_str().cmp(b.as_str())),
        _ => None,
    }
}

fn compare(op: Comparison, left: &Option<Value>, right: &Option<Value>) -> bool {
    // Blank equals blank (text fields are "treated as blanks", not as "0").
    let ordering = match (blank(left), blank(right), left, right) {
        (true, true, _, _) => Some(Ordering::Equal),
        (false, false, Some(l), Some(r)) => order(l, r),
        _ => None,
    };
    match (op, ordering) {
        (Comparison::NotEqual, Some(o)) => o != Ordering::Equal,
        (Comparison::NotEqual, None) => true,
        (_, None) => false,
        (Comparison::Equal, Some(o)) => o == Ordering::Equal,
        (Comparison::Less, Some(o)) => o == Ordering::Less,
        (Comparison::LessOrEqual, Some(o)) => o != Ordering::Greater,
        (Comparison::Greater, Some(o)) => o == Ordering::Greater,
        (Comparison::GreaterOrEqual, Some(o)) => o != Ordering::Less,
    }
}

/// The stored value a literal compares as.
fn literal_value(literal: &Literal) -> Value {
    match literal {
        Literal::Text(text) => Value::Text(text.clone()),
        Literal::Number(n) => Value::Number(*n),
        Literal::Bool(b) => Value::Bool(*b),
    }
}

// The evaluator lives here, beside the language's other half, although `Expr` is declared
// in `rule`: the schema holds rules without knowing how records are evaluated.
impl Expr {
    fn eval(&self, row: &Row<'_>) -> Option<Value> {
        match self {
            Expr::Field(at) => row.new.get(*at).cloned(),
            Expr::Literal(literal) => literal.as_ref().map(literal_value),
            Expr::Compare(op, left, right) => {
                Some(Value::Bool(compare(*op, &left.eval(row), &right.eval(row))))
            }
            Expr::Call(function, args) => Self::call(*function, args, row),
        }
    }

    fn call(function: Function, args: &[Expr], row: &Row<'_>) -> Option<Value> {
        let arg = |n: usize| args.get(n).and_then(|a| a.eval(row));
        let result = match function {
            Function::And => args.iter().all(|a| truthy(&a.eval(row))),
            Function::Or => args.iter().any(|a| truthy(&a.eval(row))),
            Function::Not => !truthy(&arg(0)),
            Function::IsBlank => blank(&arg(0)),
            Function::IsNew => row.old.is_none(),
            Function::IsChanged => match (row.old, args.first()) {
                (Some(old), Some(Expr::Field(at))) => {
                    let before = old.get(*at).cloned();
                    let after = row.new.get(*at).cloned();
                    !(blank(&before) && blank(&after)) && before != after
                }
                _ => false,
            },
            Function::IsPickval => {
                let value = as_text(&arg(0));
                value.is_some() && value == as_text(&arg(1))
            }
            Function::Text => return as_text(&arg(0)).map(|t| Value::Text(t.into())),
        };
        Some(Value::Bool(result))
    }
}

/// A token of a formula.
#[derive(Debug, Clone, PartialEq)]
enum Token {
    Name(String),
    Text(String),
    Number(f64),
    Open,
    Close,
    Comma,
    Compare(Comparison),
}

fn tokens(text: &str) -> Result<Vec<Token>, String> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let two = |chars: &mut std::iter::Peekable<std::str::Chars<'_>>, next: char| {
            chars.next_if_eq(&next).is_some()
        };
        match c {
            c if c.is_whitespace() => {}
            '(' => out.push(Token::Open),
            ')' => out.push(Token::Close),
            ',' => out.push(Token::Comma),
            '=' => {
                two(&mut chars, '=');
                out.push(Token::Compare(Comparison::Equal));
            }
            '!' if two(&mut chars, '=') => out.push(Token::Compare(Comparison::NotEqual)),
            '<' if two(&mut chars, '>') => out.push(Token::Compare(Comparison::NotEqual)),
            '<' if two(&mut chars, '=') => out.push(Token::Compare(Comparison::LessOrEqual)),
            '<' => out.push(Token::Compare(Comparison::Less)),
            '>' if two(&mut chars, '=') => out.push(Token::Compare(Comparison::GreaterOrEqual)),
            '>' => out.push(Token::Compare(Comparison::Greater)),
            '"' | '\'' => out.push(Token::Text(string_literal(&mut chars, c)?)),
            c if c.is_ascii_digit() => {
                let mut number = c.to_string();
                while let Some(d) = chars.next_if(|d| d.is_ascii_digit() || *d == '.') {
                    number.push(d);
                }
                let value = number
                    .parse()
                    .map_err(|_| format!("{number} is not a number"))?;
                out.push(Token::Number(value));
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let mut name = c.to_string();
                while let Some(d) = chars.next_if(|d| d.is_ascii_alphanumeric() || *d == '_') {
                    name.push(d);
                }
                out.push(Token::Name(name));
            }
            other => return Err(format!("the operator {other:?} is not supported")),
        }
    }
    Ok(out)
}

fn string_literal(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    quote: char,
) -> Result<String, String> {
    let mut text = String::new();
    loop {
        match chars.next() {
            None => return Err("a text literal is not closed".to_owned()),
            Some('\\') => text.extend(chars.next()),
            Some(c) if c == quote => return Ok(text),
            Some(c) => text.push(c),
        }
    }
}

/// Parses `text`, binding each field name with `field` (its position on the object).
///
/// # Errors
/// What is not supported or not well formed, naming the function, operator or field.
pub fn parse(text: &str, field: &dyn Fn(&str) -> Option<usize>) -> Result<Expr, String> {
    let tokens = tokens(text)?;
    let mut parser = Parser {
        tokens: &tokens,
        at: 0,
        field,
    };
    let expr = parser.comparison()?;
    match parser.tokens.get(parser.at) {
        None => Ok(expr),
        Some(token) => Err(format!("unexpected {token:?} after the formula")),
    }
}

struct Parser<'t> {
    tokens: &'t [Token],
    at: usize,
    field: &'t dyn Fn(&str) -> Option<usize>,
}

impl Parser<'_> {
    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn comparison(&mut self) -> Result<Expr, String> {
        let left = self.primary()?;
        if let Some(Token::Compare(op)) = self.peek().cloned() {
            self.at += 1;
            let right = self.primary()?;
            return Ok(Expr::Compare(op, Box::new(left), Box::new(right)));
        }
        Ok(left)
    }

    fn primary(&mut self) -> Result<Expr, String> {
        match self.next() {
            Some(Token::Text(text)) => Ok(Expr::Literal(Some(Literal::Text(text.into())))),
            Some(Token::Number(n)) => Ok(Expr::Literal(Some(Literal::Number(n)))),
            Some(Token::Open) => {
                let inner = self.comparison()?;
                self.expect_close()?;
                Ok(inner)
            }
            Some(Token::Name(name)) if self.peek() == Some(&Token::Open) => {
                self.at += 1;
                self.call(&name)
            }
            Some(Token::Name(name)) => self.name(&name),
            Some(other) => Err(format!("unexpected {other:?}")),
            None => Err("the formula ends too early".to_owned()),
        }
    }

    fn name(&self, name: &str) -> Result<Expr, String> {
        match name.to_ascii_uppercase().as_str() {
            "TRUE" => return Ok(Expr::Literal(Some(Literal::Bool(true)))),
            "FALSE" => return Ok(Expr::Literal(Some(Literal::Bool(false)))),
            "NULL" => return Ok(Expr::Literal(None)),
            _ => {}
        }
        (self.field)(name)
            .map(Expr::Field)
            .ok_or_else(|| format!("no field {name} on the rule's object"))
    }

    fn call(&mut self, name: &str) -> Result<Expr, String> {
        let function =
            Function::named(name).ok_or_else(|| format!("the function {name} is not supported"))?;
        let mut args = Vec::new();
        if self.peek() != Some(&Token::Close) {
            loop {
                args.push(self.comparison()?);
                if self.peek() == Some(&Token::Comma) {
                    self.at += 1;
                } else {
                    break;
                }
            }
        }
        self.expect_close()?;
        if !function.takes(args.len()) {
            return Err(format!("{name} does not take {} arguments", args.len()));
        }
        if function == Function::IsChanged && !matches!(args.first(), Some(Expr::Field(_))) {
            return Err("ISCHANGED takes a field".to_owned());
        }
        Ok(Expr::Call(function, args))
    }

    fn expect_close(&mut self) -> Result<(), String> {
        match self.next() {
            Some(Token::Close) => Ok(()),
            other => Err(format!("expected ) but found {other:?}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id::SfId;

    /// Fields A (0), B (1), N (2).
    fn field(name: &str) -> Option<usize> {
        ["A", "B", "N"]
            .iter()
            .position(|f| f.eq_ignore_ascii_case(name))
    }

    fn record(a: Option<&str>, b: Option<&str>, n: Option<f64>) -> Record {
        let mut r = Record::new(SfId::from_parts("001", 1));
        r.set(0, a.map(|t| Value::Text(t.into())));
        r.set(1, b.map(|t| Value::Text(t.into())));
        r.set(2, n.map(Value::Number));
        r
    }

    fn rule(text: &str) -> ValidationRuleDef {
        ValidationRuleDef {
            name: "R".into(),
            condition: parse(text, &field).unwrap(),
            message: "m".into(),
            display_field: None,
        }
    }

    #[test]
    fn the_packages_rule_shape_evaluates_as_an_org_would() {
        let r = rule(
            "AND(OR(ISPICKVAL(A, \"Yellow\"), ISPICKVAL(A, 'Red')), ISBLANK(B), OR(ISNEW(), ISCHANGED(A), ISCHANGED(B)))",
        );
        let red = record(Some("Red"), None, None);
        assert!(r.refuses(None, &red));
        assert!(!r.refuses(None, &record(Some("Red"), Some("why"), None)));
        assert!(!r.refuses(None, &record(Some("Green"), None, None)));
        // An old Red account without a comment is left alone when neither field changes.
        let renamed = record(Some("Red"), None, Some(1.0));
        assert!(!r.refuses(Some(&red), &renamed));
        // Clearing the comment of a Red account is refused.
        let explained = record(Some("Red"), Some("why"), None);
        assert!(r.refuses(Some(&explained), &red));
        // Empty text is blank, and blank to null is no change.
        assert!(r.refuses(None, &record(Some("Yellow"), Some(""), None)));
        assert!(!r.refuses(Some(&record(Some("Red"), Some(""), None)), &red));
    }

    #[test]
    fn comparisons_not_and_text() {
        let big = record(Some("x"), None, Some(10.0));
        assert!(rule("N > 5").refuses(None, &big));
        assert!(!rule("N <= 5").refuses(None, &big));
        assert!(rule("NOT(N = 5)").refuses(None, &big));
        assert!(rule("N <> 5").refuses(None, &big));
        assert!(rule("TEXT(A) == 'x'").refuses(None, &big));
        assert!(rule("B = NULL").refuses(None, &big));
        assert!(rule("b != 'y'").refuses(None, &big));
        // A blank number compares with nothing but blank.
        assert!(!rule("N > 5").refuses(None, &record(None, None, None)));
        assert!(rule("(TRUE)").refuses(None, &big));
    }

    #[test]
    fn what_is_not_supported_is_refused_by_name() {
        let error = |text: &str| parse(text, &field).unwrap_err();
        assert_eq!(
            error("PRIORVALUE(A) = 'x'"),
            "the function PRIORVALUE is not supported"
        );
        assert_eq!(
            error("Owner.Name = 'x'"),
            "the operator '.' is not supported"
        );
        assert_eq!(error("C = 1"), "no field C on the rule's object");
        assert_eq!(error("A && B"), "the operator '&' is not supported");
        assert_eq!(error("ISNEW(A)"), "ISNEW does not take 1 arguments");
        assert_eq!(error("ISCHANGED('A')"), "ISCHANGED takes a field");
        assert_eq!(error("AND(A"), "expected ) but found None");
        assert_eq!(error("N = 1 2"), "unexpected Number(2.0) after the formula");
    }
}
