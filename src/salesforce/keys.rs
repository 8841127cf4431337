//! Finding records by the external keys Vitals creates them with.
//!
//! A process that dies while a create is on the wire leaves the write in doubt: the org
//! may or may not hold the record. Sending the upsert again would be safe against
//! duplicates, but it would overwrite whatever a CSM changed since (an upsert that finds
//! the record updates every field it carries, a renewal's stage included). So the sync
//! first asks which keys exist, with [`Client::find_keys`], and sends again only the
//! missing ones.
//!
//! The query is `queryAll`, so a record a CSM deleted after it was created still counts as
//! created (and is never created again). Keys go into `IN (...)` lists of
//! [`KEYS_PER_QUERY`], escaped as literals, so no URI grows past Salesforce's limit. This
//! module decides nothing about the outbox; the sync does.

use std::collections::BTreeMap;

use super::error::SalesforceError;
use super::http::Client;
use super::soql::{Condition, Literal, Soql};
use super::wire::{ApiRecord, FieldMap, ID, Raw, upsert_key};
use crate::domain::{SfId, WriteKind};

/// Keys per query: a key is at most 120 characters (the history's `Key__c`), about 150 URI
/// bytes once quoted and encoded, so 80 keep a query far below the 16,384-byte URI limit
/// (salesforce-api.md 3.4).
pub const KEYS_PER_QUERY: usize = 80;

impl Client {
    /// The records of `kind`'s object that carry these external keys, deleted ones
    /// included: key as the org holds it -> record Id. A key the org does not hold is
    /// absent. An update kind has no key and finds nothing.
    ///
    /// # Errors
    /// Any [`SalesforceError`] of the queries.
    pub async fn find_keys(
        &self,
        kind: WriteKind,
        keys: &[String],
        map: &FieldMap,
    ) -> Result<BTreeMap<String, SfId>, SalesforceError> {
        let mut found = BTreeMap::new();
        let Some((object, key_field)) = upsert_key(kind, map) else {
            return Ok(found);
        };
        for chunk in keys.chunks(KEYS_PER_QUERY) {
            let query = Soql::select(object.api_name(), [ID.to_owned(), key_field.clone()]).filter(
                Condition::In {
                    field: key_field.clone(),
                    values: chunk.iter().cloned().map(Literal::Text).collect(),
                    negated: false,
                },
            );
            let mut pager = self.query(&query.to_text(), true);
            while let Some(records) = pager.next_page().await? {
                for record in &records {
                    if let (Raw::Str(key), Raw::Str(id)) = (record.raw(&key_field), record.raw(ID))
                        && let Ok(id) = SfId::parse(id)
                    {
                        found.insert(key.to_owned(), id);
                    }
                }
            }
        }
        Ok(found)
    }
}
