//! Everything Vitals says to Salesforce, and the vocabulary it says it in.
//!
//! - [`wire`]: the only place that knows Salesforce API names and value formats: the field
//!   table, select lists, decoding records into domain values and encoding planned writes.
//! - [`http`]: the [`Client`] and the one request path (budget, session, retries, tracing).
//! - [`auth`]: OAuth grants and the shared, single-flight session.
//! - [`retry`] and [`retrier`]: the pure classifier and policy, and the loop that uses them.
//! - [`budget`]: `Sforce-Limit-Info` parsing and Vitals' share of the daily allocation.
//! - [`rest`]: versions, limits, describe, query paging, sObject Collections, the Renewal
//!   record type.
//! - [`bulk`]: Bulk API 2.0 query and ingest jobs (streamed uploads, streamed results,
//!   adaptive polling).
//! - [`transfer`]: reads and writes that choose REST or Bulk by volume.
//! - [`extract`]: full and incremental reads of one object for the replica.
//! - [`replication`]: getDeleted, and every object's delete log in one Composite call.
//! - [`keys`]: records found by the external keys Vitals creates them with.
//! - [`records`]: records read and written, and the per-row write outcomes.
//! - [`preflight`]: the describe-based check behind `vitals check`.
//! - [`soql`]: SOQL built from escaped literals; long Id lists chunked.
//! - [`csv_stream`]: incremental CSV parsing for Bulk results.
//!
//! This module must never make scoring or planning decisions; it moves records and reports
//! what happened to each one.
//!
//! # The API the sync uses
//!
//! Once per run, from the model and the configuration:
//! - `Model::fields_used()` (in `scoring`) gives a `domain::FieldsUsed`;
//!   [`wire::SelectList::new`]`(object, &used, &map, &categories)` (or
//!   [`wire::SelectList::all`]) gives each object's select list, and
//!   [`wire::SelectList::fingerprint`] the text the store compares to decide a full reload.
//! - [`Client::write_context`]`(&categories) -> Result<WriteContext, _>` resolves the
//!   Renewal record type (one query, cached for the client's life).
//!
//! Extraction, per object ([`extract`]):
//! - [`Client::read_replica`]`(&select, ReadMode::Full | ReadMode::Since(t), expected:
//!   Option<u64>, &map, &categories) -> Result<ReplicaReader, _>`. Full reads `query`
//!   (a `COUNT()` first unless `expected` is given); `Since(watermark − overlap)` reads
//!   `queryAll` with `SystemModstamp >= t`, one call when nothing changed, moving to a Bulk
//!   `queryAll` job when the first page says the change is above `bulk_read_threshold`.
//! - [`extract::ReplicaReader::next_page`]`() -> Result<Option<ReplicaPage>, _>`: one page
//!   at a time, `rows: Vec<store::ReplicaRow>` to upsert, `deleted: Vec<SfId>` to remove,
//!   `skipped`/`warnings: Vec<wire::DecodeError>` to report, `max_modstamp` and `records`.
//! - [`extract::ReplicaReader::source`]`() -> &ReadSource`: `Rest` pages are ordered by
//!   `SystemModstamp, Id`, so each committed page may advance the watermark to its
//!   `max_modstamp`; `Bulk { job_id, created }` pages are unordered, so the watermark moves
//!   after the last page, and a full load takes `created` (the job's `createdDate`).
//! - [`wire::decode_row`]`(object, &record, &map, &categories) -> Result<Decoded<DecodedRow>,
//!   DecodeError>` is what the reader applies to each record, for a caller with records of
//!   its own.
//!
//! The delete log, once per incremental cycle ([`replication`]):
//! - [`Client::delete_log`]`(&[(object, start)], end) -> Result<BTreeMap<SyncedObject,
//!   Result<DeleteLog, SubrequestError>>, _>`: one Composite call for every object;
//!   `DeleteLog { deleted, earliest_date_available, latest_date_covered }`. An object whose
//!   `earliest_date_available` is after its watermark, or whose result is an error with
//!   [`replication::SubrequestError::is_replication_date`], needs a full reload.
//! - [`Client::deleted`]`(object, start, end) -> Result<DeleteLog, _>` for one object.
//!
//! Applying:
//! - [`wire::encode`]`(&PlannedWrite, &map, &context) -> Result<EncodedWrite, EncodeError>`
//!   with `EncodedWrite { object: SObject, kind: records::WriteKind, record: WriteRecord }`;
//!   an error names the write and the field and is the write's rejection, not the run's.
//! - [`Client::write`]`(object.api_name(), &kind, records: Vec<WriteRecord>) -> WriteReport`:
//!   one outcome per input row (`RecordOutcome { index, result: Delivered | Errored |
//!   Rejected }`) by its position in `records`; `stopped` says why a write ended early
//!   (budget or daily limit; the rest are `Errored`). Group by (object, kind) and send
//!   bounded chunks: the input is taken, not copied; Bulk jobs stream it up and parse their
//!   results as they download, so a write holds its input plus about 100 bytes per row of
//!   outcomes and one job's key index (see `examples/write_bench.rs`).
//! - [`Client::find_keys`]`(kind, &keys, &map) -> Result<BTreeMap<String, SfId>, _>`: which
//!   create keys the org holds (`queryAll`), to settle creates left in doubt without
//!   sending them again.
//! - [`Client::usage`] and [`Client::limits`] for the run summary and the budget;
//!   [`Client::restart_budget`]`(earlier_calls)` starts each run's window of a long-lived
//!   client with the calls the state store counted in the last 24 hours.

pub mod auth;
pub mod budget;
pub mod bulk;
pub mod csv_stream;
pub mod error;
pub mod extract;
pub mod http;
pub mod keys;
pub mod preflight;
pub mod records;
pub mod replication;
pub mod response;
pub mod rest;
pub mod retrier;
pub mod retry;
pub mod soql;
pub mod transfer;
pub mod wire;

pub use auth::Credentials;
pub use error::{ApiError, SalesforceError};
pub use http::{Client, ClientSettings};
