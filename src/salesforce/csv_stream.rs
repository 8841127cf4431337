//! CSV parsed as it arrives, chunk by chunk.
//!
//! Bulk API 2.0 results are CSV pages that can run to tens of megabytes. Rather than
//! buffering a page and splitting it (busbar splits with `lines()`, which corrupts quoted
//! CRLF), [`CsvStream`] feeds each network chunk to `csv_core`'s incremental reader and keeps
//! only complete rows. Writing goes through the `csv` crate, which quotes by the same rules.

use csv_core::{ReadRecordResult, Reader, ReaderBuilder};

/// Rows parsed from a CSV body. The first row is the header.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CsvTable {
    /// Column names.
    pub header: Vec<String>,
    /// Data rows, each as long as the header.
    pub rows: Vec<CsvRow>,
}

/// One data row: its cells' text in one buffer and where each cell ends, so a row costs
/// two allocations however many cells it has (a Bulk page holds up to 50,000 rows).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CsvRow {
    text: String,
    ends: Vec<usize>,
}

impl CsvRow {
    /// A row of these cells.
    pub fn new<S: AsRef<str>>(cells: &[S]) -> Self {
        let mut row = Self::default();
        for cell in cells {
            row.text.push_str(cell.as_ref());
            row.ends.push(row.text.len());
        }
        row
    }

    /// The cell at `index`, if the row has one there.
    pub fn get(&self, index: usize) -> Option<&str> {
        let end = *self.ends.get(index)?;
        let start = match index {
            0 => 0,
            _ => *self.ends.get(index - 1)?,
        };
        self.text.get(start..end)
    }

    /// How many cells the row has.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether the row has no cell.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The cells in order.
    pub fn cells(&self) -> impl Iterator<Item = &str> {
        (0..self.len()).filter_map(|i| self.get(i))
    }
}

impl CsvTable {
    /// The index of a column.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }
}

/// What went wrong while parsing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsvError {
    /// A cell is not UTF-8.
    #[error("row {row}: a value is not valid UTF-8")]
    Utf8 {
        /// 1-based row number, header included.
        row: usize,
    },
    /// A row has a different number of cells from the header.
    #[error("row {row}: {found} values where the header has {expected}")]
    Width {
        /// 1-based row number, header included.
        row: usize,
        /// Cells in the header.
        expected: usize,
        /// Cells in the row.
        found: usize,
    },
}

/// An incremental CSV parser.
pub struct CsvStream {
    reader: Reader,
    output: Vec<u8>,
    output_len: usize,
    ends: Vec<usize>,
    ends_len: usize,
    table: CsvTable,
    seen_header: bool,
    rows_read: usize,
}

impl std::fmt::Debug for CsvStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CsvStream")
            .field("rows_read", &self.rows_read)
            .finish_non_exhaustive()
    }
}

impl CsvStream {
    /// A parser for the given delimiter byte (`,` for Salesforce's default COMMA).
    pub fn new(delimiter: u8) -> Self {
        Self {
            reader: ReaderBuilder::new().delimiter(delimiter).build(),
            output: vec![0; 4096],
            output_len: 0,
            ends: vec![0; 64],
            ends_len: 0,
            table: CsvTable::default(),
            seen_header: false,
            rows_read: 0,
        }
    }

    /// Parses the next chunk of the body.
    ///
    /// # Errors
    /// [`CsvError`] for invalid UTF-8 or a row of the wrong width.
    pub fn feed(&mut self, mut input: &[u8]) -> Result<(), CsvError> {
        // csv_core reads an empty input as the end of the data, so never pass one here.
        while !input.is_empty() {
            let (result, consumed) = self.step(input)?;
            input = &input[consumed..];
            if matches!(result, ReadRecordResult::InputEmpty | ReadRecordResult::End) {
                break;
            }
        }
        Ok(())
    }

    /// The header row (empty until it has been read).
    pub fn header(&self) -> &[String] {
        &self.table.header
    }

    /// Takes the data rows parsed so far, so a caller can handle a body row by row while
    /// it downloads and keep none of them.
    pub fn take_rows(&mut self) -> Vec<CsvRow> {
        std::mem::take(&mut self.table.rows)
    }

    /// Ends the body and returns the table.
    ///
    /// # Errors
    /// As [`CsvStream::feed`], for a last row without a final newline.
    pub fn finish(mut self) -> Result<CsvTable, CsvError> {
        loop {
            let (result, _) = self.step(&[])?;
            if result == ReadRecordResult::End {
                return Ok(self.table);
            }
        }
    }

    fn step(&mut self, input: &[u8]) -> Result<(ReadRecordResult, usize), CsvError> {
        let (result, consumed, written, ends) = self.reader.read_record(
            input,
            &mut self.output[self.output_len..],
            &mut self.ends[self.ends_len..],
        );
        // csv_core writes `ends` as offsets into the whole row, as if the output buffer were
        // one piece, so they need no adjustment across calls.
        self.output_len += written;
        self.ends_len += ends;
        match result {
            ReadRecordResult::OutputFull => {
                let len = self.output.len();
                self.output.resize(len * 2, 0);
            }
            ReadRecordResult::OutputEndsFull => {
                let len = self.ends.len();
                self.ends.resize(len * 2, 0);
            }
            ReadRecordResult::Record => self.take_record()?,
            ReadRecordResult::InputEmpty | ReadRecordResult::End => {}
        }
        Ok((result, consumed))
    }

    fn take_record(&mut self) -> Result<(), CsvError> {
        self.rows_read += 1;
        let row_number = self.rows_read;
        // One check of the whole row: a cell boundary never splits a UTF-8 sequence,
        // because csv_core only cuts at ASCII delimiters and quotes.
        let text = std::str::from_utf8(&self.output[..self.output_len])
            .map_err(|_| CsvError::Utf8 { row: row_number })?;
        let row = CsvRow {
            text: text.to_owned(),
            ends: self.ends[..self.ends_len].to_vec(),
        };
        self.output_len = 0;
        self.ends_len = 0;
        if !self.seen_header {
            self.seen_header = true;
            self.table.header = row.cells().map(str::to_owned).collect();
            return Ok(());
        }
        if row.len() != self.table.header.len() {
            return Err(CsvError::Width {
                row: row_number,
                expected: self.table.header.len(),
                found: row.len(),
            });
        }
        self.table.rows.push(row);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_in_chunks(body: &[u8], chunk: usize) -> Result<CsvTable, CsvError> {
        let mut stream = CsvStream::new(b',');
        for piece in body.chunks(chunk.max(1)) {
            stream.feed(piece)?;
        }
        stream.finish()
    }

    #[test]
    fn quoted_newlines_and_quotes_survive_any_chunking() {
        let body = b"\"Id\",\"Subject\",\"Description\"\r\n\"00T1\",\"Call, then \"\"email\"\"\",\"line one\r\nline two\"\r\n\"00T2\",\"\",\"plain\"\r\n";
        for chunk in [1, 2, 3, 7, 64, 4096] {
            let table = parse_in_chunks(body, chunk).unwrap();
            assert_eq!(table.header, vec!["Id", "Subject", "Description"]);
            assert_eq!(table.rows.len(), 2, "chunk {chunk}");
            assert_eq!(table.rows[0].get(1), Some("Call, then \"email\""));
            assert_eq!(table.rows[0].get(2), Some("line one\r\nline two"));
            assert_eq!(table.rows[1].get(1), Some(""));
            assert_eq!(table.rows[1].get(3), None);
        }
    }

    #[test]
    fn a_last_row_without_newline_is_kept_and_long_values_grow_the_buffer() {
        let long = "x".repeat(20_000);
        let body = format!("A,B\n1,{long}");
        let table = parse_in_chunks(body.as_bytes(), 333).unwrap();
        assert_eq!(table.rows, vec![CsvRow::new(&["1".to_owned(), long])]);
    }

    #[test]
    fn ragged_rows_and_bad_utf8_are_errors_naming_the_row() {
        assert_eq!(
            parse_in_chunks(b"A,B\n1,2\n3\n", 4).unwrap_err(),
            CsvError::Width {
                row: 3,
                expected: 2,
                found: 1
            }
        );
        assert_eq!(
            parse_in_chunks(b"A\n\xff\n", 4).unwrap_err(),
            CsvError::Utf8 { row: 2 }
        );
    }

    #[test]
    fn other_delimiters_work() {
        let mut stream = CsvStream::new(b'|');
        stream.feed(b"A|B\n1|2,3\n").unwrap();
        let table = stream.finish().unwrap();
        assert_eq!(table.rows[0], CsvRow::new(&["1", "2,3"]));
        assert_eq!(table.rows[0].cells().collect::<Vec<_>>(), ["1", "2,3"]);
        assert_eq!(table.column("B"), Some(1));
    }
}
