//! Bulk API 2.0 CSV: reading an uploaded file with the job's column delimiter and line
//! ending the way Salesforce's parser reads it, and quoting values for the files the
//! emulator writes (results, query pages).
//!
//! It owns the CSV rules of "Prepare CSV Files"
//! (https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/datafiles_prepare_csv.htm):
//! UTF-8; values are not trimmed; a value containing the delimiter, a line break or `"` is
//! quoted and inner quotes are doubled; the line ending must be the job's. It never decides
//! what a cell means for a field (that is the write path's job) and never renders HTTP.
//!
//! Parse errors use the wording of Salesforce's own CSV reader (the WSC `CSVReader`, as
//! copied in apache/gobblin `InputStreamCSVReader`: "Found unescaped quote. A value with
//! quote should be within a quote", "Not expecting more text after end quote", "EOF reached
//! before closing an opened quote") and the line-ending failure reported by real orgs
//! ("ClientInputError : LineEnding is invalid on user data. Current LineEnding setting is
//! LF", https://openillumi.com/salesforce-python-upsert-lineending-error-fix).

/// The column delimiter of a job (`columnDelimiter`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delimiter {
    /// `,` (the default).
    Comma,
    /// Tab.
    Tab,
    /// `|`.
    Pipe,
    /// `;`.
    Semicolon,
    /// `^`.
    Caret,
    /// `` ` ``.
    Backquote,
}

impl Delimiter {
    /// The delimiter named by a job request, if it is one of the six Salesforce takes.
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "COMMA" => Delimiter::Comma,
            "TAB" => Delimiter::Tab,
            "PIPE" => Delimiter::Pipe,
            "SEMICOLON" => Delimiter::Semicolon,
            "CARET" => Delimiter::Caret,
            "BACKQUOTE" => Delimiter::Backquote,
            _ => return None,
        })
    }

    /// The name job info shows.
    pub fn name(self) -> &'static str {
        match self {
            Delimiter::Comma => "COMMA",
            Delimiter::Tab => "TAB",
            Delimiter::Pipe => "PIPE",
            Delimiter::Semicolon => "SEMICOLON",
            Delimiter::Caret => "CARET",
            Delimiter::Backquote => "BACKQUOTE",
        }
    }

    /// The delimiter itself (always one ASCII byte).
    pub fn byte(self) -> u8 {
        match self {
            Delimiter::Comma => b',',
            Delimiter::Tab => b'\t',
            Delimiter::Pipe => b'|',
            Delimiter::Semicolon => b';',
            Delimiter::Caret => b'^',
            Delimiter::Backquote => b'`',
        }
    }

    /// The delimiter as text.
    pub fn as_str(self) -> &'static str {
        match self {
            Delimiter::Comma => ",",
            Delimiter::Tab => "\t",
            Delimiter::Pipe => "|",
            Delimiter::Semicolon => ";",
            Delimiter::Caret => "^",
            Delimiter::Backquote => "`",
        }
    }
}

/// The line ending of a job (`lineEnding`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineEnding {
    /// `\n` (the default).
    Lf,
    /// `\r\n`.
    Crlf,
}

impl LineEnding {
    /// The line ending named by a job request.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "LF" => Some(LineEnding::Lf),
            "CRLF" => Some(LineEnding::Crlf),
            _ => None,
        }
    }

    /// The name job info shows.
    pub fn name(self) -> &'static str {
        match self {
            LineEnding::Lf => "LF",
            LineEnding::Crlf => "CRLF",
        }
    }

    /// The line ending itself.
    pub fn as_str(self) -> &'static str {
        match self {
            LineEnding::Lf => "\n",
            LineEnding::Crlf => "\r\n",
        }
    }
}

/// One record of an uploaded file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvRecord {
    /// The record's text as uploaded, without its line ending: result files echo it.
    pub raw: String,
    /// The cells; `None` for an empty cell (unquoted or `""`), which Salesforce's reader
    /// gives as null and the API treats as "leave unchanged".
    pub cells: Vec<Option<String>>,
}

/// Why a file could not be read; the job fails with [`CsvError::message`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvError {
    /// A line break that is not the job's line ending.
    LineEnding(LineEnding),
    /// A `"` inside an unquoted value (also a space before an opening quote).
    UnescapedQuote,
    /// Text after a closing quote (also a space after it).
    TextAfterQuote,
    /// The file ends inside a quoted value.
    UnterminatedQuote,
}

impl CsvError {
    /// The job's `errorMessage`. The line-ending text is the one orgs report; the prefix of
    /// the quoting errors (`InvalidBatch : Failed to parse CSV.`) is `[verify]`.
    pub fn message(self) -> String {
        match self {
            CsvError::LineEnding(ending) => format!(
                "ClientInputError : LineEnding is invalid on user data. Current LineEnding setting is {}",
                ending.name()
            ),
            CsvError::UnescapedQuote => "InvalidBatch : Failed to parse CSV. Found unescaped quote. A value with quote should be within a quote".into(),
            CsvError::TextAfterQuote => {
                "InvalidBatch : Failed to parse CSV. Not expecting more text after end quote".into()
            }
            CsvError::UnterminatedQuote => {
                "InvalidBatch : Failed to parse CSV. EOF reached before closing an opened quote"
                    .into()
            }
        }
    }
}

/// Where a record ends: the index after its last byte and after its line ending.
fn line_end(bytes: &[u8], at: usize, ending: LineEnding) -> Result<Option<usize>, CsvError> {
    match (bytes.get(at), ending) {
        (Some(b'\n'), LineEnding::Lf) => {
            // `\r\n` in an LF job: the file was written with the other ending.
            if at > 0 && bytes.get(at - 1) == Some(&b'\r') {
                return Err(CsvError::LineEnding(LineEnding::Lf));
            }
            Ok(Some(at + 1))
        }
        (Some(b'\r'), LineEnding::Crlf) if bytes.get(at + 1) == Some(&b'\n') => Ok(Some(at + 2)),
        (Some(b'\n'), LineEnding::Crlf) => Err(CsvError::LineEnding(LineEnding::Crlf)),
        _ => Ok(None),
    }
}

/// Reads a whole file into records (the header first). Empty lines are skipped, as
/// Salesforce's reader skips them; a final line ending is optional. A byte-order mark is
/// kept as data (orgs then report the first column as not found).
///
/// # Errors
/// The first [`CsvError`] in the file.
pub fn parse(
    text: &str,
    delimiter: Delimiter,
    ending: LineEnding,
) -> Result<Vec<CsvRecord>, CsvError> {
    let mut reader = Reader {
        text,
        bytes: text.as_bytes(),
        delim: delimiter.byte(),
        ending,
        at: 0,
    };
    let mut records = Vec::new();
    while reader.at < reader.bytes.len() {
        let start = reader.at;
        let (cells, stop) = reader.record()?;
        let raw = text_of(text, start, stop).to_owned();
        let blank = raw.is_empty();
        if !blank {
            records.push(CsvRecord { raw, cells });
        }
    }
    Ok(records)
}

/// A position in a file being parsed, with the job's delimiter and line ending.
struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    delim: u8,
    ending: LineEnding,
    at: usize,
}

impl Reader<'_> {
    /// The cells of the record at `at`, and where its text stops (before its line ending).
    /// Leaves `at` after the line ending.
    fn record(&mut self) -> Result<(Vec<Option<String>>, usize), CsvError> {
        let mut cells: Vec<Option<String>> = Vec::new();
        loop {
            let value = if self.bytes.get(self.at) == Some(&b'"') {
                self.quoted_cell()?
            } else {
                self.plain_cell()?
            };
            cells.push(value);
            match self.bytes.get(self.at) {
                Some(byte) if *byte == self.delim => self.at += 1,
                None => return Ok((cells, self.at)),
                Some(_) => match line_end(self.bytes, self.at, self.ending)? {
                    Some(next) => {
                        let stop = self.at;
                        self.at = next;
                        return Ok((cells, stop));
                    }
                    None => return Err(CsvError::LineEnding(self.ending)),
                },
            }
        }
    }

    /// A cell in quotes, `at` on its opening quote; doubled quotes stand for one. Only a
    /// delimiter, a line ending or the end of the file may follow the closing quote.
    fn quoted_cell(&mut self) -> Result<Option<String>, CsvError> {
        let bytes = self.bytes;
        self.at += 1;
        let mut quoted = String::new();
        let mut piece = self.at;
        loop {
            match bytes.get(self.at) {
                None => return Err(CsvError::UnterminatedQuote),
                Some(b'"') if bytes.get(self.at + 1) == Some(&b'"') => {
                    quoted.push_str(text_of(self.text, piece, self.at));
                    quoted.push('"');
                    self.at += 2;
                    piece = self.at;
                }
                Some(b'"') => {
                    quoted.push_str(text_of(self.text, piece, self.at));
                    self.at += 1;
                    break;
                }
                Some(_) => self.at += 1,
            }
        }
        let next = bytes.get(self.at);
        if self.ending == LineEnding::Lf
            && next == Some(&b'\r')
            && bytes.get(self.at + 1) == Some(&b'\n')
        {
            return Err(CsvError::LineEnding(LineEnding::Lf));
        }
        let closes = next.is_none()
            || next == Some(&self.delim)
            || line_end(bytes, self.at, self.ending)?.is_some();
        if !closes {
            return Err(CsvError::TextAfterQuote);
        }
        Ok(Some(quoted).filter(|q| !q.is_empty()))
    }

    /// A cell without quotes, up to the next delimiter or line ending; a quote in it is an
    /// error.
    fn plain_cell(&mut self) -> Result<Option<String>, CsvError> {
        let begin = self.at;
        while let Some(byte) = self.bytes.get(self.at) {
            if *byte == self.delim || line_end(self.bytes, self.at, self.ending)?.is_some() {
                break;
            }
            if *byte == b'"' {
                return Err(CsvError::UnescapedQuote);
            }
            self.at += 1;
        }
        let cell = text_of(self.text, begin, self.at);
        Ok(Some(cell.to_owned()).filter(|c| !c.is_empty()))
    }
}

/// A slice of the file. Every index handed here sits next to an ASCII byte (a quote,
/// delimiter or line break), which is always a char boundary, so `get` never misses.
fn text_of(text: &str, from: usize, to: usize) -> &str {
    text.get(from..to).unwrap_or_default()
}

/// A value quoted for a CSV file: `"` around it, inner quotes doubled.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(text: &str, d: Delimiter, e: LineEnding) -> Vec<Vec<Option<String>>> {
        parse(text, d, e)
            .unwrap()
            .into_iter()
            .map(|r| r.cells)
            .collect()
    }

    fn s(v: &str) -> Option<String> {
        Some(v.to_owned())
    }

    #[test]
    fn quoting_doubled_quotes_and_untrimmed_values() {
        let text = "Name,Description\n\"Acme, Inc.\",\"say \"\"hi\"\"\"\n B ,\n";
        assert_eq!(
            cells(text, Delimiter::Comma, LineEnding::Lf),
            vec![
                vec![s("Name"), s("Description")],
                vec![s("Acme, Inc."), s("say \"hi\"")],
                vec![s(" B "), None],
            ]
        );
    }

    #[test]
    fn quoted_line_breaks_stay_in_the_value() {
        let text = "A|B\r\n\"x\r\ny\"|\"\"\r\n";
        let records = parse(text, Delimiter::Pipe, LineEnding::Crlf).unwrap();
        assert_eq!(records[1].cells, vec![s("x\r\ny"), None]);
        assert_eq!(records[1].raw, "\"x\r\ny\"|\"\"");
    }

    #[test]
    fn each_delimiter_splits() {
        for d in [
            Delimiter::Comma,
            Delimiter::Tab,
            Delimiter::Pipe,
            Delimiter::Semicolon,
            Delimiter::Caret,
            Delimiter::Backquote,
        ] {
            let text = format!("a{0}b\n1{0}2", d.as_str());
            assert_eq!(
                cells(&text, d, LineEnding::Lf),
                vec![vec![s("a"), s("b")], vec![s("1"), s("2")]],
                "{d:?}"
            );
            assert_eq!(Delimiter::parse(d.name()), Some(d));
        }
    }

    #[test]
    fn the_line_ending_must_be_the_jobs() {
        assert_eq!(
            parse("a,b\r\n1,2\r\n", Delimiter::Comma, LineEnding::Lf),
            Err(CsvError::LineEnding(LineEnding::Lf))
        );
        assert_eq!(
            parse("a,b\n1,2\n", Delimiter::Comma, LineEnding::Crlf),
            Err(CsvError::LineEnding(LineEnding::Crlf))
        );
        assert_eq!(
            CsvError::LineEnding(LineEnding::Lf).message(),
            "ClientInputError : LineEnding is invalid on user data. Current LineEnding setting is LF"
        );
    }

    #[test]
    fn spaces_around_quotes_are_errors() {
        assert_eq!(
            parse("a,b\nJohn, \"Smith\"\n", Delimiter::Comma, LineEnding::Lf),
            Err(CsvError::UnescapedQuote)
        );
        assert_eq!(
            parse("a,b\n\"John\" ,Smith\n", Delimiter::Comma, LineEnding::Lf),
            Err(CsvError::TextAfterQuote)
        );
        assert_eq!(
            parse("a\n\"open", Delimiter::Comma, LineEnding::Lf),
            Err(CsvError::UnterminatedQuote)
        );
    }

    #[test]
    fn blank_lines_are_skipped_and_utf8_survives() {
        assert_eq!(
            cells("a\n\nÄö,\n", Delimiter::Comma, LineEnding::Lf),
            vec![vec![s("a")], vec![s("Äö"), None]]
        );
    }

    #[test]
    fn quote_doubles_inner_quotes() {
        assert_eq!(quote("a\"b"), "\"a\"\"b\"");
    }
}
