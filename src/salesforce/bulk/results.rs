//! Bulk ingest results: the successful, failed and unprocessed files of a job, parsed as
//! they download and joined back to the input rows on the job's own key column (the `Id`
//! of an update, the external Id of an upsert), because result order is not input order
//! (salesforce-api.md 5).
//!
//! Only what a row's outcome needs is kept: one [`WriteResult`] per input row of the job.
//! A file is read inside the retry loop; the rows an attempt matched are kept apart and
//! counted only when the whole file was read, so a download cut short and read again
//! never matches a row twice.

use std::collections::{HashMap, HashSet};

use futures_util::StreamExt;

use super::job_error;
use crate::domain::SfId;
use crate::salesforce::csv_stream::{CsvRow, CsvStream};
use crate::salesforce::error::{ApiError, SalesforceError};
use crate::salesforce::http::{ApiRequest, Client, Expect};
use crate::salesforce::records::{RecordOutcome, WriteKind, WriteRecord, WriteResult, failed};
use crate::salesforce::retry::Idempotency;

/// The three result files of an ingest job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ResultFile {
    /// Rows written: `sf__Id`, `sf__Created`, then the job's columns.
    Successful,
    /// Rows refused: `sf__Id`, `sf__Error`, then the job's columns.
    Failed,
    /// Rows never attempted (the job failed or was aborted): the job's columns only.
    Unprocessed,
}

impl ResultFile {
    /// Every file, in the order they are read.
    pub(super) const ALL: [ResultFile; 3] = [
        ResultFile::Successful,
        ResultFile::Failed,
        ResultFile::Unprocessed,
    ];

    fn path(self) -> &'static str {
        match self {
            ResultFile::Successful => "successfulResults/",
            ResultFile::Failed => "failedResults/",
            ResultFile::Unprocessed => "unprocessedrecords/",
        }
    }
}

/// Joins result rows back to one job's input rows.
pub(super) struct Joiner<'a> {
    kind: &'a WriteKind,
    columns: &'a [String],
    /// Input positions by key, in input order (identical keys queue up).
    by_key: HashMap<String, Vec<usize>>,
    /// Outcomes settled so far, by input position.
    settled: HashMap<usize, WriteResult>,
    /// What a row in the unprocessed file, or in no file, gets.
    leftover: WriteResult,
}

impl<'a> Joiner<'a> {
    /// A joiner for the `rows` of `records` uploaded under `columns`.
    pub(super) fn new(
        kind: &'a WriteKind,
        records: &[WriteRecord],
        columns: &'a [String],
        rows: &[usize],
        leftover: WriteResult,
    ) -> Self {
        let mut by_key: HashMap<String, Vec<usize>> = HashMap::with_capacity(rows.len());
        for index in rows {
            let Some(record) = records.get(*index) else {
                continue;
            };
            let cells = |name: &str| record.get(name).map(|v| v.to_csv_cell());
            by_key
                .entry(row_key(kind, &cells, columns))
                .or_default()
                .push(*index);
        }
        Self {
            kind,
            columns,
            by_key,
            settled: HashMap::with_capacity(rows.len()),
            leftover,
        }
    }

    /// One file's rows, matched: `(input position, outcome)`. Positions already settled,
    /// or matched earlier in this file, are not matched again.
    fn match_rows(
        &self,
        file: ResultFile,
        header: &[String],
        rows: Vec<CsvRow>,
        matched: &mut Vec<(usize, WriteResult)>,
        taken: &mut HashSet<usize>,
    ) {
        let at = |name: &str| header.iter().position(|h| h == name);
        let (id_at, created_at, error_at) = (at("sf__Id"), at("sf__Created"), at("sf__Error"));
        for row in rows {
            let cells = |name: &str| at(name).and_then(|i| row.get(i)).map(str::to_owned);
            let key = row_key(self.kind, &cells, self.columns);
            let Some(index) = self.by_key.get(&key).and_then(|candidates| {
                candidates
                    .iter()
                    .copied()
                    .find(|i| !self.settled.contains_key(i) && !taken.contains(i))
            }) else {
                continue;
            };
            let cell = |at: Option<usize>| at.and_then(|i| row.get(i));
            let result = match file {
                ResultFile::Successful => delivered(self.kind, cell(id_at), cell(created_at)),
                ResultFile::Failed => failed(vec![cell(error_at).map_or_else(
                    || ApiError {
                        code: "UNKNOWN".into(),
                        message: "a failed row without sf__Error".into(),
                        fields: vec![],
                    },
                    parse_sf_error,
                )]),
                ResultFile::Unprocessed => self.leftover.clone(),
            };
            taken.insert(index);
            matched.push((index, result));
        }
    }

    /// Every row's outcome, for an update job that processed every row: what a file said,
    /// else written, with the Id the row carries (its key).
    pub(super) fn finish_updates_written(self, rows: &[usize]) -> Vec<RecordOutcome> {
        let mut ids: HashMap<usize, SfId> = HashMap::with_capacity(rows.len());
        for (key, indices) in &self.by_key {
            if let Ok(id) = SfId::parse(key) {
                ids.extend(indices.iter().map(|index| (*index, id)));
            }
        }
        self.finish_with(rows, |index| {
            ids.get(&index).map(|id| WriteResult::Delivered {
                id: *id,
                created: None,
            })
        })
    }

    /// Every row's outcome: what a file said, else the leftover.
    pub(super) fn finish(self, rows: &[usize]) -> Vec<RecordOutcome> {
        self.finish_with(rows, |_| None)
    }

    /// Every row's outcome: what a file said, else what `unsettled` says, else the
    /// leftover.
    fn finish_with(
        mut self,
        rows: &[usize],
        unsettled: impl Fn(usize) -> Option<WriteResult>,
    ) -> Vec<RecordOutcome> {
        rows.iter()
            .map(|index| RecordOutcome {
                index: *index,
                result: self
                    .settled
                    .remove(index)
                    .or_else(|| unsettled(*index))
                    .unwrap_or_else(|| self.leftover.clone()),
            })
            .collect()
    }
}

fn delivered(kind: &WriteKind, id: Option<&str>, created: Option<&str>) -> WriteResult {
    match id.map(SfId::parse) {
        Some(Ok(id)) => WriteResult::Delivered {
            id,
            created: match kind {
                WriteKind::Upsert { .. } => created.map(|v| v == "true"),
                _ => None,
            },
        },
        _ => WriteResult::Rejected {
            errors: vec![ApiError {
                code: "UNEXPECTED_RESPONSE".into(),
                message: "a successful row has no valid sf__Id".into(),
                fields: vec![],
            }],
        },
    }
}

/// The value a result row is joined on.
fn row_key(kind: &WriteKind, cells: &dyn Fn(&str) -> Option<String>, columns: &[String]) -> String {
    match kind {
        WriteKind::Update => {
            let id = cells("Id").unwrap_or_default();
            // Echoed Ids may come back in either length; compare the 18-character form.
            SfId::parse(&id).map(|id| id.to_string()).unwrap_or(id)
        }
        WriteKind::Upsert { external_id } => cells(external_id).unwrap_or_default(),
        // Inserts have no key of their own: join on every echoed value. Identical rows are
        // interchangeable, so matching them in order is exact enough.
        WriteKind::Insert => columns
            .iter()
            .map(|c| cells(c).unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\u{1f}"),
    }
}

impl Client {
    /// Reads one result file of job `job_id` into `joiner`, parsing it as it downloads; a
    /// failed download is tried again (the files are kept for 7 days, so reading twice is
    /// safe) and only a complete read counts.
    pub(super) async fn read_result_file(
        &self,
        job_id: &str,
        file: ResultFile,
        joiner: &mut Joiner<'_>,
    ) -> Result<(), SalesforceError> {
        let mut request = ApiRequest::get(format!("jobs/ingest/{job_id}/{}", file.path()));
        request.expect = Expect::Stream;
        let request = &request;
        let renewed = std::sync::atomic::AtomicBool::new(false);
        let joiner_ref = &*joiner;
        let matched = self
            .inner
            .retrier
            .run(Idempotency::Idempotent, |attempt| {
                let renewed = &renewed;
                async move {
                    let response = self.execute_once(request, attempt, renewed).await?;
                    let decode = |message: String| SalesforceError::Decode {
                        context: format!("the {} of Bulk job {job_id}", file.path()),
                        message,
                    };
                    let mut body = response
                        .stream
                        .ok_or_else(|| decode("no body".into()))?
                        .bytes_stream();
                    let mut parser = CsvStream::new(b',');
                    let mut matched = Vec::new();
                    let mut taken = HashSet::new();
                    while let Some(chunk) = body.next().await {
                        let chunk = chunk.map_err(|e| {
                            SalesforceError::transport("GET", &request_path(job_id, file), e)
                        })?;
                        parser.feed(&chunk).map_err(|e| decode(e.to_string()))?;
                        let rows = parser.take_rows();
                        joiner_ref.match_rows(
                            file,
                            parser.header(),
                            rows,
                            &mut matched,
                            &mut taken,
                        );
                    }
                    let rest = parser.finish().map_err(|e| decode(e.to_string()))?;
                    joiner_ref.match_rows(file, &rest.header, rest.rows, &mut matched, &mut taken);
                    Ok(matched)
                }
            })
            .await?;
        joiner.settled.extend(matched);
        Ok(())
    }
}

fn request_path(job_id: &str, file: ResultFile) -> String {
    format!("jobs/ingest/{job_id}/{}", file.path())
}

/// Outcomes for the rows of a job that started but could not be followed to its results:
/// the rows may or may not be written, so they are neither delivered nor "not sent".
pub(super) fn outcome_unknown(
    job_id: &str,
    rows: &[usize],
    error: &SalesforceError,
) -> Vec<RecordOutcome> {
    let message = format!(
        "the job was started but its outcome could not be read ({}); check the job in Setup > Bulk Data Load Jobs",
        error.for_report()
    );
    rows.iter()
        .map(|index| RecordOutcome {
            index: *index,
            result: WriteResult::Errored {
                errors: vec![job_error(job_id, "JOB_OUTCOME_UNKNOWN", &message)],
            },
        })
        .collect()
}

/// Parses `sf__Error`: `CODE:message:fields --` (salesforce-api.md 5).
pub fn parse_sf_error(text: &str) -> ApiError {
    let text = text.trim().trim_end_matches("--").trim_end();
    let Some((code, rest)) = text.split_once(':') else {
        return ApiError {
            code: text.to_owned(),
            message: String::new(),
            fields: vec![],
        };
    };
    let (message, fields) = match rest.rsplit_once(':') {
        Some((message, fields)) => (message, fields),
        None => (rest, ""),
    };
    ApiError {
        code: code.to_owned(),
        message: message.to_owned(),
        fields: fields
            .split(',')
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .map(str::to_owned)
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::salesforce::records::WriteValue;

    fn strings(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|c| (*c).to_owned()).collect()
    }

    /// A result file as a test writes it: which file, its header, its rows.
    type File<'a> = (ResultFile, &'a [&'a str], Vec<Vec<&'a str>>);

    fn join_all(joiner: &mut Joiner<'_>, files: &[File<'_>]) {
        for (file, header, rows) in files {
            let mut matched = Vec::new();
            let mut taken = HashSet::new();
            joiner.match_rows(
                *file,
                &strings(header),
                rows.iter().map(|r| CsvRow::new(r)).collect(),
                &mut matched,
                &mut taken,
            );
            joiner.settled.extend(matched);
        }
    }

    #[test]
    fn results_in_any_order_are_joined_back_to_their_rows() {
        let kind = WriteKind::Upsert {
            external_id: "Key__c".into(),
        };
        let records: Vec<WriteRecord> = ["k1", "k2", "k3", "k4"]
            .iter()
            .map(|k| WriteRecord::new().set("Key__c", WriteValue::Text((*k).into())))
            .collect();
        let columns = vec!["Key__c".to_owned()];
        let leftover = WriteResult::Errored {
            errors: vec![job_error("750x", "NO_RESULT", "no result")],
        };
        let mut joiner = Joiner::new(&kind, &records, &columns, &[0, 1, 2, 3], leftover);
        let id = SfId::from_parts("a00", 1).to_string();
        join_all(
            &mut joiner,
            &[
                (
                    ResultFile::Successful,
                    &["sf__Id", "sf__Created", "Key__c"],
                    vec![vec![&id, "false", "k3"], vec![&id, "true", "k1"]],
                ),
                (
                    ResultFile::Failed,
                    &["sf__Id", "sf__Error", "Key__c"],
                    vec![vec![
                        "",
                        "UNABLE_TO_LOCK_ROW:unable to obtain exclusive access to this record: --",
                        "k2",
                    ]],
                ),
            ],
        );
        let outcomes = joiner.finish(&[0, 1, 2, 3]);
        assert!(matches!(
            outcomes[0].result,
            WriteResult::Delivered {
                created: Some(true),
                ..
            }
        ));
        assert!(
            matches!(&outcomes[1].result, WriteResult::Errored { errors } if errors[0].code == "UNABLE_TO_LOCK_ROW"),
            "{:?}",
            outcomes[1]
        );
        assert!(matches!(
            outcomes[2].result,
            WriteResult::Delivered {
                created: Some(false),
                ..
            }
        ));
        assert!(
            matches!(&outcomes[3].result, WriteResult::Errored { errors } if errors[0].code == "NO_RESULT")
        );
    }

    #[test]
    fn rows_a_failed_job_never_processed_are_rejected_with_its_reason() {
        let kind = WriteKind::Update;
        let records: Vec<WriteRecord> = (1..=3)
            .map(|n| {
                WriteRecord::new()
                    .set(
                        "Id",
                        WriteValue::Text(SfId::from_parts("001", n).to_string()),
                    )
                    .set("Bogus__c", WriteValue::Text("x".into()))
            })
            .collect();
        let columns = vec!["Id".to_owned(), "Bogus__c".to_owned()];
        let leftover = WriteResult::Rejected {
            errors: vec![job_error(
                "750x",
                "BULK_JOB_FAILED",
                "InvalidBatch : Field name not found : Bogus__c",
            )],
        };
        let mut joiner = Joiner::new(&kind, &records, &columns, &[0, 1, 2], leftover);
        // Echoed in the 15-character form: still the same record.
        let short = SfId::from_parts("001", 2).as_str()[..15].to_owned();
        join_all(
            &mut joiner,
            &[(
                ResultFile::Unprocessed,
                &["Id", "Bogus__c"],
                vec![vec![&short, "x"]],
            )],
        );
        let outcomes = joiner.finish(&[0, 1, 2]);
        assert_eq!(outcomes.len(), 3);
        for outcome in &outcomes {
            assert!(
                matches!(&outcome.result, WriteResult::Rejected { errors }
                    if errors[0].message.contains("Field name not found : Bogus__c")),
                "{outcome:?}"
            );
        }
    }

    #[test]
    fn identical_keys_are_matched_once_each_in_input_order() {
        let kind = WriteKind::Insert;
        let record = WriteRecord::new().set("Subject", WriteValue::Text("Call".into()));
        let records = vec![record.clone(), record];
        let columns = vec!["Subject".to_owned()];
        let leftover = WriteResult::Errored { errors: vec![] };
        let mut joiner = Joiner::new(&kind, &records, &columns, &[0, 1], leftover);
        let a = SfId::from_parts("00T", 1).to_string();
        let b = SfId::from_parts("00T", 2).to_string();
        join_all(
            &mut joiner,
            &[(
                ResultFile::Successful,
                &["sf__Id", "sf__Created", "Subject"],
                vec![vec![&a, "true", "Call"], vec![&b, "true", "Call"]],
            )],
        );
        let outcomes = joiner.finish(&[0, 1]);
        let ids: Vec<String> = outcomes
            .iter()
            .map(|o| match &o.result {
                WriteResult::Delivered { id, .. } => id.to_string(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(ids, [a, b]);
    }

    #[test]
    fn sf_error_cells_parse_into_code_message_and_fields() {
        assert_eq!(
            parse_sf_error(
                "REQUIRED_FIELD_MISSING:Required fields are missing: [Status]:Status --"
            ),
            ApiError {
                code: "REQUIRED_FIELD_MISSING".into(),
                message: "Required fields are missing: [Status]".into(),
                fields: vec!["Status".into()],
            }
        );
        assert_eq!(
            parse_sf_error(
                "UNABLE_TO_LOCK_ROW:unable to obtain exclusive access to this record: --"
            ),
            ApiError {
                code: "UNABLE_TO_LOCK_ROW".into(),
                message: "unable to obtain exclusive access to this record".into(),
                fields: vec![],
            }
        );
        assert_eq!(parse_sf_error("WEIRD").code, "WEIRD");
    }
}
