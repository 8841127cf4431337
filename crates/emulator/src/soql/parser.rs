//! The SOQL parser: tokens to the syntax tree in [`super::ast`].
//!
//! It owns the grammar of the supported subset and Salesforce's syntax rules, notably that
//! AND and OR cannot be mixed without parentheses and that NOT may only open a condition
//! (`WHERE NOT a` or `(NOT a)`, never `a AND NOT b`). It must never consult the schema and
//! never panic: every failure is an `unexpected token` error at the offending token, or a
//! plain "not supported by the Vitals SOQL emulator" for real SOQL this engine lacks.

use std::sync::Arc;

use super::ast::{
    Comparison, Condition, Counted, Literal, LiteralKind, Name, Nulls, Operator, OrderItem, Path,
    Query, QueryBody, RelativeDate, SelectItem, SelectList, StringLiteral,
    UNSUPPORTED_DATE_LITERALS,
};
use super::error::{MALFORMED_QUERY, QUERY_TOO_COMPLICATED, SoqlError, Stage, text};
use super::lexer::{Tok, Token, decode, tokenize};

/// Parses SOQL text into a [`Query`]. Checks syntax only; names are resolved by `bind`.
///
/// # Errors
/// `MALFORMED_QUERY` with Salesforce's caret block for any syntax error, and for SOQL that
/// this emulator does not implement.
pub fn parse(text: &str) -> Result<Query, SoqlError> {
    if text.trim().is_empty() {
        return Err(SoqlError::plain(MALFORMED_QUERY, text::EMPTY_QUERY));
    }
    check_length(text)?;
    let tokens = tokenize(text)?;
    let mut parser = Parser {
        source: text,
        tokens: &tokens,
        pos: 0,
        depth: 0,
    };
    let body = parser.query_body(false)?;
    parser.expect_end(Tok::Eof)?;
    Ok(Query {
        source: Arc::from(text),
        body,
    })
}

/// The longest SOQL statement an org takes, in characters (SOQL and SOSL limits cheat
/// sheet: "Maximum length of SOQL statements: by default, 100,000 characters";
/// salesforce-api.md 3.4).
pub const MAX_STATEMENT_CHARS: usize = 100_000;

/// The longest string literal in a WHERE clause, in characters (same cheat sheet: "4,000
/// characters for each string within a WHERE clause").
pub const MAX_WHERE_STRING_CHARS: usize = 4_000;

/// How deep conditions may nest (parentheses and NOT). Salesforce documents no number; the
/// limit exists so that parsing, binding, evaluating and dropping a condition tree (all
/// recursive) stay far inside a thread's stack whatever the request, and is far above what
/// any generated or hand-written filter uses.
pub const MAX_NESTING: usize = 100;

/// Refuses a statement over [`MAX_STATEMENT_CHARS`], before any other work: REST, Composite
/// and Bulk query jobs (whose SOQL arrives in a POST body) all pass through here.
///
/// # Errors
/// `MALFORMED_QUERY` naming the limit.
pub fn check_length(text: &str) -> Result<(), SoqlError> {
    // Counting stops at the limit, so a huge body costs no more than the limit.
    if text.chars().nth(MAX_STATEMENT_CHARS).is_some() {
        return Err(SoqlError::plain(
            MALFORMED_QUERY,
            text::statement_too_long(MAX_STATEMENT_CHARS),
        ));
    }
    Ok(())
}

/// Keywords that end a clause or start another, so they cannot be read as names.
const RESERVED: [&str; 20] = [
    "SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "ORDER", "BY", "LIMIT", "OFFSET", "LIKE", "IN",
    "NULL", "TRUE", "FALSE", "GROUP", "HAVING", "WITH", "FOR", "USING",
];

/// Real SOQL clauses that may follow FROM or WHERE but are not implemented here.
const UNSUPPORTED_CLAUSES: [(&str, &str); 6] = [
    ("GROUP", "GROUP BY"),
    ("HAVING", "HAVING"),
    ("WITH", "WITH"),
    ("FOR", "FOR VIEW/REFERENCE/UPDATE"),
    ("USING", "USING SCOPE"),
    ("ALL", "ALL ROWS"),
];

struct Parser<'a> {
    source: &'a str,
    tokens: &'a [Token],
    pos: usize,
    /// How many conditions enclose the one being read (see [`MAX_NESTING`]).
    depth: usize,
}

impl<'a> Parser<'a> {
    fn token(&self) -> Token {
        self.nth(0)
    }

    fn nth(&self, ahead: usize) -> Token {
        let eof = Token {
            kind: Tok::Eof,
            start: self.source.len(),
            end: self.source.len(),
        };
        self.tokens.get(self.pos + ahead).copied().unwrap_or(eof)
    }

    fn advance(&mut self) -> Token {
        let token = self.token();
        if token.kind != Tok::Eof {
            self.pos += 1;
        }
        token
    }

    fn text(&self, token: Token) -> &'a str {
        self.source.get(token.start..token.end).unwrap_or_default()
    }

    fn is_keyword(&self, token: Token, keyword: &str) -> bool {
        token.kind == Tok::Ident && self.text(token).eq_ignore_ascii_case(keyword)
    }

    fn at_keyword(&self, keyword: &str) -> bool {
        self.is_keyword(self.token(), keyword)
    }

    fn eat_keyword(&mut self, keyword: &str) -> bool {
        let found = self.at_keyword(keyword);
        if found {
            self.pos += 1;
        }
        found
    }

    fn unexpected(&self, token: Token) -> SoqlError {
        let shown = if token.kind == Tok::Eof {
            "<EOF>"
        } else {
            self.text(token)
        };
        SoqlError::unexpected_token(self.source, token.start, shown)
    }

    fn expect(&mut self, kind: Tok) -> Result<Token, SoqlError> {
        let token = self.token();
        if token.kind == kind {
            Ok(self.advance())
        } else {
            Err(self.unexpected(token))
        }
    }

    fn expect_keyword(&mut self, keyword: &str) -> Result<Token, SoqlError> {
        let token = self.token();
        if self.is_keyword(token, keyword) {
            Ok(self.advance())
        } else {
            Err(self.unexpected(token))
        }
    }

    /// The statement must end here (`Eof`, or `)` closing a subquery).
    fn expect_end(&self, end: Tok) -> Result<(), SoqlError> {
        let token = self.token();
        if token.kind == end {
            return Ok(());
        }
        if let Some((_, clause)) = UNSUPPORTED_CLAUSES
            .iter()
            .find(|(keyword, _)| self.is_keyword(token, keyword))
        {
            return Err(SoqlError::unsupported(self.source, token.start, clause));
        }
        Err(self.unexpected(token))
    }

    fn query_body(&mut self, nested: bool) -> Result<QueryBody, SoqlError> {
        self.expect_keyword("SELECT")?;
        let select = self.select_list(nested)?;
        self.expect_keyword("FROM")?;
        let from = self.name()?;
        if self.token().kind == Tok::Ident && !self.at_reserved() {
            return Err(SoqlError::unsupported(
                self.source,
                self.token().start,
                "an object alias",
            ));
        }
        let filter = if self.eat_keyword("WHERE") {
            Some(self.condition()?)
        } else {
            None
        };
        let mut order_by = Vec::new();
        if self.at_keyword("ORDER") {
            self.advance();
            self.expect_keyword("BY")?;
            loop {
                order_by.push(self.order_item()?);
                if self.token().kind != Tok::Comma {
                    break;
                }
                self.advance();
            }
        }
        let limit = if self.eat_keyword("LIMIT") {
            Some(self.count()?)
        } else {
            None
        };
        let offset = if self.eat_keyword("OFFSET") {
            Some(self.count()?)
        } else {
            None
        };
        Ok(QueryBody {
            select,
            from,
            filter,
            order_by,
            limit,
            offset,
        })
    }

    fn at_reserved(&self) -> bool {
        RESERVED.iter().any(|keyword| self.at_keyword(keyword))
            || UNSUPPORTED_CLAUSES
                .iter()
                .any(|(keyword, _)| self.at_keyword(keyword))
    }

    fn select_list(&mut self, nested: bool) -> Result<SelectList, SoqlError> {
        if self.at_keyword("COUNT") && self.nth(1).kind == Tok::LParen {
            let count = self.advance();
            self.advance();
            if self.token().kind != Tok::RParen {
                return Err(SoqlError::unsupported(
                    self.source,
                    count.start,
                    "COUNT(field) and other aggregate functions",
                ));
            }
            self.advance();
            return Ok(SelectList::Count);
        }
        let mut items = Vec::new();
        loop {
            let token = self.token();
            let item = match token.kind {
                Tok::LParen if self.is_keyword(self.nth(1), "SELECT") => {
                    if nested {
                        return Err(SoqlError::unsupported(
                            self.source,
                            token.start,
                            "a subquery inside a subquery",
                        ));
                    }
                    self.advance();
                    let body = self.query_body(true)?;
                    self.expect_end(Tok::RParen)?;
                    self.advance();
                    SelectItem::Subquery(Box::new(body))
                }
                Tok::Ident if self.nth(1).kind == Tok::LParen => {
                    return Err(SoqlError::unsupported(
                        self.source,
                        token.start,
                        "functions in the SELECT list (aggregates, FIELDS(), toLabel(), ...)",
                    ));
                }
                Tok::Ident if self.at_keyword("TYPEOF") => {
                    return Err(SoqlError::unsupported(self.source, token.start, "TYPEOF"));
                }
                _ => SelectItem::Field(self.path()?),
            };
            items.push(item);
            if self.token().kind != Tok::Comma {
                return Ok(SelectList::Items(items));
            }
            self.advance();
        }
    }

    fn name(&mut self) -> Result<Name, SoqlError> {
        let token = self.token();
        if token.kind != Tok::Ident || self.at_reserved() {
            return Err(self.unexpected(token));
        }
        self.advance();
        Ok(Name {
            text: self.text(token).to_owned(),
            offset: token.start,
        })
    }

    fn path(&mut self) -> Result<Path, SoqlError> {
        let first = self.name()?;
        let mut segments = vec![first.text];
        while self.token().kind == Tok::Dot {
            self.advance();
            segments.push(self.name()?.text);
        }
        Ok(Path {
            segments,
            offset: first.offset,
        })
    }

    fn count(&mut self) -> Result<Counted, SoqlError> {
        let token = self.expect(Tok::Number)?;
        let text = self.text(token);
        // LIMIT and OFFSET are 32-bit integers in Salesforce; the wording is [verify].
        let value = text
            .parse::<u32>()
            .ok()
            .filter(|n| i32::try_from(*n).is_ok())
            .ok_or_else(|| {
                if text.bytes().all(|b| b.is_ascii_digit()) {
                    SoqlError::at(
                        MALFORMED_QUERY,
                        self.source,
                        token.start,
                        Stage::Syntax,
                        format_args!("numeric value out of range: {text}"),
                    )
                } else {
                    self.unexpected(token)
                }
            })?;
        Ok(Counted {
            value: u64::from(value),
            offset: token.start,
        })
    }

    fn order_item(&mut self) -> Result<OrderItem, SoqlError> {
        let field = self.path()?;
        let descending = if self.eat_keyword("DESC") {
            true
        } else {
            self.eat_keyword("ASC");
            false
        };
        let nulls = if self.eat_keyword("NULLS") {
            if self.eat_keyword("FIRST") {
                Some(Nulls::First)
            } else {
                self.expect_keyword("LAST")?;
                Some(Nulls::Last)
            }
        } else {
            None
        };
        Ok(OrderItem {
            field,
            descending,
            nulls,
        })
    }

    /// `[NOT] term ((AND term)* | (OR term)*)`: one kind of junction per level. Nesting is
    /// capped at [`MAX_NESTING`], so the recursion here and in every later pass over the tree
    /// is bounded.
    fn condition(&mut self) -> Result<Condition, SoqlError> {
        if self.depth >= MAX_NESTING {
            return Err(SoqlError::plain(QUERY_TOO_COMPLICATED, text::TOO_DEEP));
        }
        self.depth += 1;
        let condition = self.junction();
        self.depth -= 1;
        condition
    }

    fn junction(&mut self) -> Result<Condition, SoqlError> {
        let first = if self.eat_keyword("NOT") {
            Condition::Not(Box::new(self.term()?))
        } else {
            self.term()?
        };
        let junction = if self.at_keyword("AND") {
            "AND"
        } else if self.at_keyword("OR") {
            "OR"
        } else {
            return Ok(first);
        };
        let other = if junction == "AND" { "OR" } else { "AND" };
        let mut parts = vec![first];
        while self.eat_keyword(junction) {
            if self.at_keyword("NOT") {
                return Err(self.unexpected(self.token()));
            }
            parts.push(self.term()?);
        }
        if self.at_keyword(other) {
            // life-improver.com "Unexpected token OR": SOQL refuses to guess precedence.
            return Err(self.unexpected(self.token()));
        }
        Ok(if junction == "AND" {
            Condition::And(parts)
        } else {
            Condition::Or(parts)
        })
    }

    fn term(&mut self) -> Result<Condition, SoqlError> {
        if self.token().kind == Tok::LParen {
            self.advance();
            let inner = self.condition()?;
            self.expect(Tok::RParen)?;
            return Ok(inner);
        }
        let token = self.token();
        if token.kind == Tok::Ident && self.nth(1).kind == Tok::LParen {
            return Err(SoqlError::unsupported(
                self.source,
                token.start,
                "functions in WHERE (DAY_ONLY(), CALENDAR_YEAR(), DISTANCE(), ...)",
            ));
        }
        let field = self.path()?;
        let op = self.operator()?;
        let value = if matches!(op, Operator::In | Operator::NotIn) {
            self.list()?
        } else {
            self.value()?
        };
        if op != Operator::Like {
            self.reject_like_escapes(&value)?;
        }
        Ok(Condition::Compare(Comparison { field, op, value }))
    }

    /// `\%` and `\_` are LIKE-only escapes (SOQL reference "Quoted String Escape
    /// Sequences"); the error Salesforce gives for them elsewhere is [verify].
    fn reject_like_escapes(&self, value: &Literal) -> Result<(), SoqlError> {
        match &value.kind {
            LiteralKind::String(s) if s.has_wildcard_escape() => {
                let sequence = if s.raw.contains("\\%") { "\\%" } else { "\\_" };
                Err(SoqlError::at(
                    MALFORMED_QUERY,
                    self.source,
                    value.offset,
                    Stage::Syntax,
                    text::illegal_escape(&s.raw, sequence),
                ))
            }
            LiteralKind::List(items) => items
                .iter()
                .try_for_each(|item| self.reject_like_escapes(item)),
            _ => Ok(()),
        }
    }

    fn operator(&mut self) -> Result<Operator, SoqlError> {
        let token = self.token();
        let op = match token.kind {
            Tok::Eq => Operator::Eq,
            Tok::BangEq | Tok::LtGt => Operator::Ne,
            Tok::Lt => Operator::Lt,
            Tok::Le => Operator::Le,
            Tok::Gt => Operator::Gt,
            Tok::Ge => Operator::Ge,
            Tok::Ident if self.at_keyword("LIKE") => Operator::Like,
            Tok::Ident if self.at_keyword("IN") => Operator::In,
            Tok::Ident if self.at_keyword("NOT") && self.is_keyword(self.nth(1), "IN") => {
                self.advance();
                Operator::NotIn
            }
            Tok::Ident if self.at_keyword("INCLUDES") || self.at_keyword("EXCLUDES") => {
                return Err(SoqlError::unsupported(
                    self.source,
                    token.start,
                    "INCLUDES/EXCLUDES (multi-select picklists)",
                ));
            }
            _ => return Err(self.unexpected(token)),
        };
        self.advance();
        Ok(op)
    }

    fn list(&mut self) -> Result<Literal, SoqlError> {
        let open = self.token();
        if open.kind == Tok::Colon {
            return Err(self.bind_variable(open));
        }
        self.expect(Tok::LParen)?;
        if self.at_keyword("SELECT") {
            return Err(SoqlError::unsupported(
                self.source,
                self.token().start,
                "semi-join and anti-join subqueries",
            ));
        }
        let mut items = Vec::new();
        loop {
            items.push(self.value()?);
            if self.token().kind != Tok::Comma {
                break;
            }
            self.advance();
        }
        self.expect(Tok::RParen)?;
        Ok(Literal {
            kind: LiteralKind::List(items),
            offset: open.start,
        })
    }

    fn bind_variable(&self, colon: Token) -> SoqlError {
        SoqlError::at(
            MALFORMED_QUERY,
            self.source,
            colon.start,
            Stage::Syntax,
            text::BIND_VARIABLE,
        )
    }

    fn value(&mut self) -> Result<Literal, SoqlError> {
        let token = self.token();
        let kind = match token.kind {
            Tok::String => {
                let raw = self
                    .source
                    .get(token.start + 1..token.end.saturating_sub(1))
                    .unwrap_or_default();
                let literal = StringLiteral {
                    raw: raw.to_owned(),
                    pieces: decode(raw),
                };
                // Values are read only in WHERE, so every string here is a WHERE string.
                if literal.pieces.len() > MAX_WHERE_STRING_CHARS {
                    return Err(SoqlError::at(
                        MALFORMED_QUERY,
                        self.source,
                        token.start,
                        Stage::Syntax,
                        text::string_too_long(MAX_WHERE_STRING_CHARS),
                    ));
                }
                LiteralKind::String(literal)
            }
            Tok::Number => match self.text(token).parse::<f64>() {
                Ok(n) if n.is_finite() => LiteralKind::Number(n),
                _ => return Err(self.unexpected(token)),
            },
            Tok::Date(date) => LiteralKind::Date(date),
            Tok::DateTime(instant) => LiteralKind::DateTime(instant),
            Tok::Colon => return Err(self.bind_variable(token)),
            Tok::Ident => return self.keyword_value(token),
            _ => return Err(self.unexpected(token)),
        };
        self.advance();
        Ok(Literal {
            kind,
            offset: token.start,
        })
    }

    /// `null`, `TRUE`, `FALSE` and the relative date literals.
    fn keyword_value(&mut self, token: Token) -> Result<Literal, SoqlError> {
        let word = self.text(token);
        let literal = |kind| Literal {
            kind,
            offset: token.start,
        };
        let fixed = if word.eq_ignore_ascii_case("NULL") {
            Some(LiteralKind::Null)
        } else if word.eq_ignore_ascii_case("TRUE") {
            Some(LiteralKind::Boolean(true))
        } else if word.eq_ignore_ascii_case("FALSE") {
            Some(LiteralKind::Boolean(false))
        } else {
            RelativeDate::fixed(word).map(LiteralKind::Relative)
        };
        if let Some(kind) = fixed {
            self.advance();
            return Ok(literal(kind));
        }
        if RelativeDate::takes_count(word) {
            self.advance();
            self.expect(Tok::Colon)?;
            let number = self.expect(Tok::Number)?;
            // The count is an integer; the wording for a bad one is [verify].
            let n = self
                .text(number)
                .parse::<u32>()
                .map_err(|_| self.unexpected(number))?;
            let relative =
                RelativeDate::with_count(word, n).ok_or_else(|| self.unexpected(token))?;
            return Ok(literal(LiteralKind::Relative(relative)));
        }
        if UNSUPPORTED_DATE_LITERALS
            .iter()
            .any(|name| name.eq_ignore_ascii_case(word))
        {
            return Err(SoqlError::unsupported(
                self.source,
                token.start,
                &format!("the date literal {}", word.to_ascii_uppercase()),
            ));
        }
        Err(self.unexpected(token))
    }
}
