//! Bulk ingest uploads: input rows split into jobs of bounded size, and each job's CSV
//! streamed from the rows as the PUT goes out, never built in memory.
//!
//! One PUT per job (salesforce-api.md 5: clients split data into jobs, not PUTs, as Data
//! Loader, the sf CLI and jsforce do). A job holds at most `bulk_job_rows` rows and at most
//! [`MAX_UPLOAD_BYTES`] of CSV, measured before the job is created, so the split is exact.
//! The body is a stream over the shared input that renders about [`CHUNK_BYTES`] at a time,
//! and a fresh stream is made for each attempt, so a resent PUT sends the same bytes.
//!
//! CSV as Salesforce reads it: a value holding the delimiter, a quote, CR or LF is quoted
//! with inner quotes doubled; nothing else is quoted or trimmed; null is `#N/A`, because an
//! empty cell means "leave unchanged".

use std::fmt;
use std::sync::Arc;

use crate::salesforce::records::{WriteKind, WriteRecord};

/// Raw CSV bytes per ingest job. Salesforce allows 150 MB after its base64 conversion,
/// so raw data must stay at or below 100 MB (salesforce-api.md 5).
pub const MAX_UPLOAD_BYTES: usize = 100 * 1024 * 1024;

/// About how many bytes of CSV one piece of the upload stream holds.
pub const CHUNK_BYTES: usize = 64 * 1024;

/// The rows of one ingest job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct JobRows {
    /// Input positions, in input order.
    pub rows: Vec<usize>,
    /// The CSV's size.
    pub bytes: usize,
}

/// The CSV columns: every field any of `rows` sets, in first-seen order, with the key first.
pub(super) fn columns(kind: &WriteKind, records: &[WriteRecord], rows: &[usize]) -> Vec<String> {
    let mut columns: Vec<String> = Vec::new();
    match kind {
        WriteKind::Update => columns.push("Id".into()),
        WriteKind::Upsert { external_id } => columns.push(external_id.clone()),
        WriteKind::Insert => {}
    }
    for record in rows.iter().filter_map(|i| records.get(*i)) {
        for (name, _) in &record.fields {
            if !columns.iter().any(|c| c.eq_ignore_ascii_case(name)) {
                columns.push(name.clone());
            }
        }
    }
    columns
}

/// Splits `rows` into jobs of at most `max_rows` rows and `max_bytes` bytes of CSV (header
/// included); a single row larger than that still gets a job of its own, which Salesforce
/// then refuses with its own message.
pub(super) fn plan_jobs(
    columns: &[String],
    records: &[WriteRecord],
    rows: &[usize],
    max_rows: usize,
    max_bytes: usize,
) -> Vec<JobRows> {
    let header = header_len(columns);
    let mut jobs: Vec<JobRows> = Vec::new();
    let mut current = JobRows {
        rows: Vec::new(),
        bytes: header,
    };
    for index in rows {
        let Some(record) = records.get(*index) else {
            continue;
        };
        let len = row_len(columns, record);
        let full = current.rows.len() >= max_rows.max(1) || current.bytes + len > max_bytes;
        if full && !current.rows.is_empty() {
            jobs.push(std::mem::replace(
                &mut current,
                JobRows {
                    rows: Vec::new(),
                    bytes: header,
                },
            ));
        }
        current.rows.push(*index);
        current.bytes += len;
    }
    if !current.rows.is_empty() {
        jobs.push(current);
    }
    jobs
}

/// One job's upload: the shared input, the job's rows and the columns.
#[derive(Clone)]
pub struct CsvUpload {
    records: Arc<Vec<WriteRecord>>,
    rows: Arc<[usize]>,
    columns: Arc<[String]>,
}

impl fmt::Debug for CsvUpload {
    /// Sizes only: the rows are customer data.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CsvUpload")
            .field("rows", &self.rows.len())
            .field("columns", &self.columns.len())
            .finish()
    }
}

impl CsvUpload {
    /// The upload of `rows` of `records` under `columns`.
    pub(super) fn new(
        records: Arc<Vec<WriteRecord>>,
        rows: Vec<usize>,
        columns: Vec<String>,
    ) -> Self {
        Self {
            records,
            rows: rows.into(),
            columns: columns.into(),
        }
    }

    /// A fresh request body streaming the CSV, about [`CHUNK_BYTES`] at a time.
    pub fn body(&self) -> reqwest::Body {
        let pieces = Pieces {
            upload: self.clone(),
            next: 0,
            header_sent: false,
        };
        reqwest::Body::wrap_stream(futures_util::stream::iter(pieces))
    }
}

/// The upload stream's pieces: the header, then rows until a piece holds [`CHUNK_BYTES`].
struct Pieces {
    upload: CsvUpload,
    next: usize,
    header_sent: bool,
}

impl Iterator for Pieces {
    type Item = Result<Vec<u8>, std::io::Error>;

    fn next(&mut self) -> Option<Self::Item> {
        let upload = &self.upload;
        let mut out = Vec::with_capacity(CHUNK_BYTES + 1024);
        if !self.header_sent {
            self.header_sent = true;
            push_header(&mut out, &upload.columns);
        }
        while out.len() < CHUNK_BYTES {
            let Some(index) = upload.rows.get(self.next) else {
                break;
            };
            self.next += 1;
            if let Some(record) = upload.records.get(*index) {
                push_row(&mut out, &upload.columns, record);
            }
        }
        (!out.is_empty()).then_some(Ok(out))
    }
}

fn needs_quotes(cell: &str) -> bool {
    cell.bytes()
        .any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
}

fn cell_len(cell: &str) -> usize {
    if needs_quotes(cell) {
        cell.len() + 2 + cell.bytes().filter(|b| *b == b'"').count()
    } else {
        cell.len()
    }
}

fn push_cell(out: &mut Vec<u8>, cell: &str) {
    if needs_quotes(cell) {
        out.push(b'"');
        for byte in cell.bytes() {
            if byte == b'"' {
                out.push(b'"');
            }
            out.push(byte);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(cell.as_bytes());
    }
}

fn push_header(out: &mut Vec<u8>, columns: &[String]) {
    for (i, column) in columns.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        push_cell(out, column);
    }
    out.push(b'\n');
}

fn header_len(columns: &[String]) -> usize {
    columns.iter().map(|c| cell_len(c)).sum::<usize>() + columns.len().max(1)
}

/// A row's cells: a column the record does not set is empty ("leave unchanged").
fn cells<'a>(columns: &'a [String], record: &'a WriteRecord) -> impl Iterator<Item = String> + 'a {
    columns.iter().map(move |column| {
        record
            .get(column)
            .map(|value| value.to_csv_cell())
            .unwrap_or_default()
    })
}

fn push_row(out: &mut Vec<u8>, columns: &[String], record: &WriteRecord) {
    for (i, cell) in cells(columns, record).enumerate() {
        if i > 0 {
            out.push(b',');
        }
        push_cell(out, &cell);
    }
    out.push(b'\n');
}

fn row_len(columns: &[String], record: &WriteRecord) -> usize {
    cells(columns, record).map(|c| cell_len(&c)).sum::<usize>() + columns.len().max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::salesforce::records::WriteValue;

    fn rendered(upload: &CsvUpload) -> String {
        let pieces = Pieces {
            upload: upload.clone(),
            next: 0,
            header_sent: false,
        };
        let bytes: Vec<u8> = pieces.flat_map(|piece| piece.unwrap()).collect();
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn csv_nulls_are_na_absent_fields_are_empty_and_quoting_is_salesforces() {
        let records = vec![
            WriteRecord::new()
                .set("Key__c", WriteValue::Text("A,1".into()))
                .set("Score__c", WriteValue::Number(50.0)),
            WriteRecord::new()
                .set("Key__c", WriteValue::Text("B\"2".into()))
                .set("Drivers__c", WriteValue::Null),
            WriteRecord::new()
                .set("Key__c", WriteValue::Text(" spaced ".into()))
                .set("Drivers__c", WriteValue::Text("line\r\nbreak".into())),
        ];
        let kind = WriteKind::Upsert {
            external_id: "Key__c".into(),
        };
        let columns = columns(&kind, &records, &[0, 1, 2]);
        assert_eq!(columns, vec!["Key__c", "Score__c", "Drivers__c"]);
        let upload = CsvUpload::new(Arc::new(records.clone()), vec![0, 1, 2], columns.clone());
        let text = rendered(&upload);
        assert_eq!(
            text,
            "Key__c,Score__c,Drivers__c\n\"A,1\",50,\n\"B\"\"2\",,#N/A\n spaced ,,\"line\r\nbreak\"\n"
        );
        // The measured size is the rendered size, so jobs split exactly.
        let jobs = plan_jobs(&columns, &records, &[0, 1, 2], 10, usize::MAX);
        assert_eq!(jobs.len(), 1);
        assert_eq!(jobs[0].bytes, text.len());
    }

    #[test]
    fn jobs_are_bounded_by_rows_and_by_bytes() {
        let records: Vec<WriteRecord> = (0..10)
            .map(|i| WriteRecord::new().set("Key__c", WriteValue::Text(format!("k{i:02}"))))
            .collect();
        let kind = WriteKind::Upsert {
            external_id: "Key__c".into(),
        };
        let rows: Vec<usize> = (0..10).collect();
        let columns = columns(&kind, &records, &rows);
        let sizes = |jobs: Vec<JobRows>| jobs.iter().map(|j| j.rows.len()).collect::<Vec<_>>();
        assert_eq!(
            sizes(plan_jobs(&columns, &records, &rows, 4, usize::MAX)),
            [4, 4, 2]
        );
        // Header 7 bytes, each row 4: 7 + 3 × 4 = 19 fits in 20, a fourth row does not.
        assert_eq!(
            sizes(plan_jobs(&columns, &records, &rows, 100, 20)),
            [3, 3, 3, 1]
        );
        // A row larger than the cap still goes, alone.
        assert_eq!(
            sizes(plan_jobs(&columns, &records, &rows[..2], 100, 5)),
            [1, 1]
        );
    }

    #[test]
    fn a_large_upload_streams_in_bounded_pieces() {
        let records: Vec<WriteRecord> = (0..5_000)
            .map(|i| {
                WriteRecord::new()
                    .set("Key__c", WriteValue::Text(format!("key-{i:06}")))
                    .set("Drivers__c", WriteValue::Text("x".repeat(100)))
            })
            .collect();
        let kind = WriteKind::Upsert {
            external_id: "Key__c".into(),
        };
        let rows: Vec<usize> = (0..records.len()).collect();
        let columns = columns(&kind, &records, &rows);
        let upload = CsvUpload::new(Arc::new(records), rows, columns);
        let pieces: Vec<usize> = Pieces {
            upload,
            next: 0,
            header_sent: false,
        }
        .map(|p| p.unwrap().len())
        .collect();
        assert!(pieces.len() > 5, "{pieces:?}");
        assert!(
            pieces.iter().all(|len| *len < CHUNK_BYTES + 1024),
            "{pieces:?}"
        );
    }
}
