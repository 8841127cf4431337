//! The SOQL lexer: query text to tokens with byte spans.
//!
//! It owns the lexical rules Salesforce enforces before parsing: unquoted date and dateTime
//! literals, single-quoted strings with their backslash escapes, and numbers. It never decides
//! what a token means in context (that is the parser's job) and never panics: every failure
//! is a [`SoqlError`] carrying Salesforce's lexer wording.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

use super::error::{MALFORMED_QUERY, SoqlError, Stage, text};

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Tok {
    /// A name or keyword: letters, digits and underscores, starting with a letter or `_`.
    Ident,
    /// A single-quoted string; its raw text (between the quotes) has valid escapes.
    String,
    /// A number, optionally signed, optionally with a fraction.
    Number,
    /// An unquoted `yyyy-MM-dd` literal.
    Date(NaiveDate),
    /// An unquoted dateTime literal, converted to UTC.
    DateTime(DateTime<Utc>),
    /// `,`
    Comma,
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `.`
    Dot,
    /// `:`
    Colon,
    /// `=`
    Eq,
    /// `!=`
    BangEq,
    /// `<>`
    LtGt,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// Punctuation SOQL has no use for here (`*`, `;`, ...): the parser rejects it as an
    /// unexpected token, as Salesforce does for `SELECT *`.
    Other,
    /// The end of the text.
    Eof,
}

/// A token and where it sits in the query text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Token {
    /// Its kind.
    pub kind: Tok,
    /// Byte offset of its first character.
    pub start: usize,
    /// Byte offset just past its last character.
    pub end: usize,
}

/// Splits `source` into tokens, ending with [`Tok::Eof`].
pub(crate) fn tokenize(source: &str) -> Result<Vec<Token>, SoqlError> {
    let mut lexer = Lexer {
        source,
        bytes: source.as_bytes(),
        pos: 0,
    };
    let mut tokens = Vec::new();
    loop {
        let token = lexer.next_token()?;
        let done = token.kind == Tok::Eof;
        tokens.push(token);
        if done {
            return Ok(tokens);
        }
    }
}

struct Lexer<'a> {
    source: &'a str,
    bytes: &'a [u8],
    pos: usize,
}

impl Lexer<'_> {
    fn peek(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.pos + ahead).copied()
    }

    fn next_token(&mut self) -> Result<Token, SoqlError> {
        while self.peek(0).is_some_and(is_space) {
            self.pos += 1;
        }
        let start = self.pos;
        let Some(byte) = self.peek(0) else {
            return Ok(Token {
                kind: Tok::Eof,
                start,
                end: start,
            });
        };
        let kind = match byte {
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                while self
                    .peek(0)
                    .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
                {
                    self.pos += 1;
                }
                Tok::Ident
            }
            b'0'..=b'9' => {
                if self.date_ahead() {
                    self.date_or_datetime()?
                } else {
                    self.number();
                    Tok::Number
                }
            }
            b'+' | b'-'
                if self
                    .peek(1)
                    .is_some_and(|b| b.is_ascii_digit() || b == b'.') =>
            {
                self.pos += 1;
                self.number();
                Tok::Number
            }
            b'.' if self.peek(1).is_some_and(|b| b.is_ascii_digit()) => {
                self.number();
                Tok::Number
            }
            b'\'' => {
                self.string()?;
                Tok::String
            }
            _ => self.symbol()?,
        };
        Ok(Token {
            kind,
            start,
            end: self.pos,
        })
    }

    fn symbol(&mut self) -> Result<Tok, SoqlError> {
        let two = (self.peek(0), self.peek(1));
        let (kind, len) = match two {
            (Some(b'!'), Some(b'=')) => (Tok::BangEq, 2),
            (Some(b'<'), Some(b'>')) => (Tok::LtGt, 2),
            (Some(b'<'), Some(b'=')) => (Tok::Le, 2),
            (Some(b'>'), Some(b'=')) => (Tok::Ge, 2),
            (Some(b'<'), _) => (Tok::Lt, 1),
            (Some(b'>'), _) => (Tok::Gt, 1),
            (Some(b'='), _) => (Tok::Eq, 1),
            (Some(b','), _) => (Tok::Comma, 1),
            (Some(b'('), _) => (Tok::LParen, 1),
            (Some(b')'), _) => (Tok::RParen, 1),
            (Some(b'.'), _) => (Tok::Dot, 1),
            (Some(b':'), _) => (Tok::Colon, 1),
            // Operators and punctuation of the wider grammar (arithmetic in FORMAT(), `;`
            // statement ends, `*`): lexed, then rejected by the parser.
            (Some(b'*' | b'+' | b'-' | b'/' | b';' | b'!'), _) => (Tok::Other, 1),
            // Anything else cannot start a SOQL token at all. [verify] the exact set.
            _ => return Err(SoqlError::no_viable_alternative(self.source, self.pos)),
        };
        self.pos += len;
        Ok(kind)
    }

    fn number(&mut self) {
        while self.peek(0).is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
        if self.peek(0) == Some(b'.') && self.peek(1).is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
            while self.peek(0).is_some_and(|b| b.is_ascii_digit()) {
                self.pos += 1;
            }
        }
    }

    /// Whether `dddd-dd-dd` starts here.
    fn date_ahead(&self) -> bool {
        let shape = b"9999-99-99";
        shape
            .iter()
            .enumerate()
            .all(|(i, want)| match self.peek(i) {
                Some(got) if *want == b'-' => got == b'-',
                Some(got) => got.is_ascii_digit(),
                None => false,
            })
    }

    /// Lexes `yyyy-MM-dd` and, after a `T`, the time and the mandatory zone.
    ///
    /// The zone is `Z`, `+hh:mm`, `-hh:mm` or `+hhmm` (salesforce-api.md 3.2). A time without
    /// a zone, or a zone whose `+` became a space in transit, fails at the first character
    /// that does not fit, with Salesforce's "no viable alternative at character" error.
    fn date_or_datetime(&mut self) -> Result<Tok, SoqlError> {
        let start = self.pos;
        self.pos += 10;
        let date_text = self.source.get(start..self.pos).unwrap_or_default();
        let date = NaiveDate::parse_from_str(date_text, "%Y-%m-%d").map_err(|_| {
            // Wording `[verify]`: only third-party pages quote "Invalid date: ...".
            SoqlError::at(
                MALFORMED_QUERY,
                self.source,
                start,
                Stage::Syntax,
                format_args!("Invalid date: {date_text}"),
            )
        })?;
        if self.peek(0) != Some(b'T') {
            return Ok(Tok::Date(date));
        }
        self.pos += 1;
        let hour = self.digits(2)?;
        self.expect_byte(b':')?;
        let minute = self.digits(2)?;
        self.expect_byte(b':')?;
        let second = self.digits(2)?;
        let mut nanos = 0u32;
        if self.peek(0) == Some(b'.') {
            self.pos += 1;
            let fraction_start = self.pos;
            while self.peek(0).is_some_and(|b| b.is_ascii_digit()) {
                self.pos += 1;
            }
            if self.pos == fraction_start {
                return Err(SoqlError::no_viable_alternative(self.source, self.pos));
            }
            nanos = fraction_nanos(self.source.get(fraction_start..self.pos).unwrap_or("0"));
        }
        let offset_seconds: i32 = match self.peek(0) {
            Some(b'Z' | b'z') => {
                self.pos += 1;
                0
            }
            Some(sign @ (b'+' | b'-')) => {
                self.pos += 1;
                let hours = self.digits(2)?;
                if self.peek(0) == Some(b':') {
                    self.pos += 1;
                }
                let minutes = self.digits(2)?;
                let magnitude = i32::try_from(hours * 3600 + minutes * 60).unwrap_or(i32::MAX);
                if sign == b'-' { -magnitude } else { magnitude }
            }
            _ => return Err(SoqlError::no_viable_alternative(self.source, self.pos)),
        };
        let text = self.source.get(start..self.pos).unwrap_or_default();
        let invalid = || {
            // Wording `[verify]`, as for dates.
            SoqlError::at(
                MALFORMED_QUERY,
                self.source,
                start,
                Stage::Syntax,
                format_args!("Invalid datetime: {text}"),
            )
        };
        let time = NaiveTime::from_hms_nano_opt(hour, minute, second, nanos).ok_or_else(invalid)?;
        let zone = FixedOffset::east_opt(offset_seconds).ok_or_else(invalid)?;
        let local = NaiveDateTime::new(date, time);
        let instant = zone
            .from_local_datetime(&local)
            .single()
            .ok_or_else(invalid)?;
        Ok(Tok::DateTime(instant.with_timezone(&Utc)))
    }

    fn digits(&mut self, count: usize) -> Result<u32, SoqlError> {
        let mut value = 0u32;
        for _ in 0..count {
            match self.peek(0) {
                Some(b) if b.is_ascii_digit() => {
                    value = value * 10 + u32::from(b - b'0');
                    self.pos += 1;
                }
                _ => return Err(SoqlError::no_viable_alternative(self.source, self.pos)),
            }
        }
        Ok(value)
    }

    fn expect_byte(&mut self, want: u8) -> Result<(), SoqlError> {
        if self.peek(0) == Some(want) {
            self.pos += 1;
            Ok(())
        } else {
            Err(SoqlError::no_viable_alternative(self.source, self.pos))
        }
    }

    /// Lexes a quoted string and checks its escapes (salesforce-api.md 3.2; the SOQL
    /// reference page "Quoted String Escape Sequences" also accepts the upper-case letters).
    fn string(&mut self) -> Result<(), SoqlError> {
        let start = self.pos;
        self.pos += 1;
        loop {
            match self.peek(0) {
                None => {
                    // An unterminated literal fails at the end of the text. [verify]
                    return Err(SoqlError::no_viable_alternative(self.source, self.pos));
                }
                Some(b'\\') => self.pos += 2,
                Some(b'\'') => break,
                Some(_) => self.pos += 1,
            }
        }
        // `pos` stops on a quote, so both slices end on char boundaries.
        let raw = self.source.get(start + 1..self.pos).unwrap_or_default();
        self.pos += 1;
        check_escapes(raw).map_err(|message| {
            SoqlError::at(MALFORMED_QUERY, self.source, start, Stage::Syntax, message)
        })
    }
}

fn is_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')
}

/// Nanoseconds from the digits after the decimal point (extra digits are dropped).
fn fraction_nanos(digits: &str) -> u32 {
    let mut nanos = 0u32;
    let mut scale = 100_000_000u32;
    for b in digits.bytes().take(9) {
        nanos += u32::from(b - b'0') * scale;
        scale /= 10;
    }
    nanos
}

/// Validates the backslash escapes of a string literal's raw text.
fn check_escapes(raw: &str) -> Result<(), String> {
    let mut chars = raw.char_indices();
    while let Some((at, c)) = chars.next() {
        if c != '\\' {
            continue;
        }
        let Some((_, next)) = chars.next() else {
            return Err(text::illegal_escape(raw, "\\"));
        };
        match next {
            'n' | 'N' | 'r' | 'R' | 't' | 'T' | 'b' | 'B' | 'f' | 'F' | '"' | '\'' | '\\' | '%'
            | '_' => {}
            'u' | 'U' => {
                let hex: String = raw
                    .get(at + 2..)
                    .unwrap_or_default()
                    .chars()
                    .take(4)
                    .collect();
                let valid = hex.len() == 4
                    && u32::from_str_radix(&hex, 16)
                        .ok()
                        .and_then(char::from_u32)
                        .is_some();
                if !valid {
                    let shown: String = format!("\\{next}{hex}").to_lowercase();
                    return Err(text::illegal_unicode(raw, &shown));
                }
                for _ in 0..4 {
                    chars.next();
                }
            }
            other => return Err(text::illegal_escape(raw, &format!("\\{other}"))),
        }
    }
    Ok(())
}

/// One piece of a decoded string: a character, or a LIKE wildcard escaped with a backslash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Piece {
    /// A plain character (escapes already decoded).
    Char(char),
    /// `\%` or `\_`: the literal character, which only LIKE treats differently.
    EscapedWildcard(char),
}

/// Decodes a validated raw string literal into pieces.
pub(crate) fn decode(raw: &str) -> Vec<Piece> {
    let mut pieces = Vec::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            pieces.push(Piece::Char(c));
            continue;
        }
        let Some(next) = chars.next() else { break };
        let piece = match next {
            'n' | 'N' => Piece::Char('\n'),
            'r' | 'R' => Piece::Char('\r'),
            't' | 'T' => Piece::Char('\t'),
            // Java's \b: backspace. The SOQL reference calls it "Bell" [verify].
            'b' | 'B' => Piece::Char('\u{8}'),
            'f' | 'F' => Piece::Char('\u{c}'),
            '%' | '_' => Piece::EscapedWildcard(next),
            'u' | 'U' => {
                let hex: String = chars.by_ref().take(4).collect();
                let decoded = u32::from_str_radix(&hex, 16)
                    .ok()
                    .and_then(char::from_u32)
                    .unwrap_or(char::REPLACEMENT_CHARACTER);
                Piece::Char(decoded)
            }
            other => Piece::Char(other),
        };
        pieces.push(piece);
    }
    pieces
}

/// Escapes text for a SOQL string literal: backslash first, then the quote, then control
/// characters (salesforce-api.md 3.2).
pub fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(source: &str) -> Vec<Tok> {
        tokenize(source)
            .unwrap()
            .into_iter()
            .map(|t| t.kind)
            .collect()
    }

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn datetime_literals_in_every_accepted_spelling() {
        let cases = [
            ("2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z"),
            ("2024-01-01T00:00:00.000Z", "2024-01-01T00:00:00Z"),
            ("2024-01-01T00:00:00.123Z", "2024-01-01T00:00:00.123Z"),
            ("2024-01-01T05:00:00+05:00", "2024-01-01T00:00:00Z"),
            ("2023-12-31T16:00:00-08:00", "2024-01-01T00:00:00Z"),
            ("2024-01-01T00:00:00+0000", "2024-01-01T00:00:00Z"),
            ("2024-01-01T00:00:00.000+0000", "2024-01-01T00:00:00Z"),
        ];
        for (literal, expected) in cases {
            assert_eq!(
                kinds(literal),
                vec![Tok::DateTime(utc(expected)), Tok::Eof],
                "{literal}"
            );
        }
    }

    #[test]
    fn a_plus_turned_space_is_no_viable_alternative_at_the_space() {
        let query = "SELECT Id FROM Account WHERE SystemModstamp > 2024-01-01T00:00:00 00:00";
        let error = tokenize(query).unwrap_err();
        assert_eq!(error.code, MALFORMED_QUERY);
        assert!(
            error.message.ends_with(
                "ERROR at Row:1:Column:65\nline 1:65 no viable alternative at character ' '"
            ),
            "{}",
            error.message
        );
    }

    #[test]
    fn escapes_are_checked_and_decoded() {
        let raw = r"a\'b\\c\nd\Te\u00e9f\%g\_";
        assert!(check_escapes(raw).is_ok());
        let decoded = decode(raw);
        let plain: String = decoded
            .iter()
            .map(|p| match p {
                Piece::Char(c) | Piece::EscapedWildcard(c) => *c,
            })
            .collect();
        assert_eq!(plain, "a'b\\c\nd\teéf%g_");
        assert_eq!(
            check_escapes(r"Anne\-Marie"),
            Err(text::illegal_escape(r"Anne\-Marie", r"\-"))
        );
        assert_eq!(
            check_escapes(r"C:\Users\x"),
            Err(text::illegal_unicode(r"C:\Users\x", r"\users"))
        );
    }

    #[test]
    fn operators_and_numbers() {
        assert_eq!(
            kinds("a != 1 <> -2.5 <= >= < > = .5"),
            vec![
                Tok::Ident,
                Tok::BangEq,
                Tok::Number,
                Tok::LtGt,
                Tok::Number,
                Tok::Le,
                Tok::Ge,
                Tok::Lt,
                Tok::Gt,
                Tok::Eq,
                Tok::Number,
                Tok::Eof
            ]
        );
    }
}
