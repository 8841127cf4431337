//! The record store: one table per object, sparse rows of typed values, indexes on Id,
//! reference fields and external-ID/unique fields, and an undo log for all-or-none calls.
//!
//! It owns storage only: it never validates (that is [`super::write`]) and never renders JSON.
//! Records are soft-deleted (IsDeleted) so queryAll and getDeleted can still see them.
//! Rows are never removed except when a transaction that created them rolls back, so a row
//! position stays valid for as long as a query cursor can hold it.

use std::collections::HashSet;
use std::sync::Arc;

use crate::id::SfId;

use crate::fastmap::FastMap;

use super::schema::{FieldType, Schema};
use super::value::Value;

/// One stored record.
///
/// Fields are sparse: only non-null values are kept, in two parallel vectors sorted by field
/// index (26 bytes a field rather than 32 for a vector of pairs).
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// The 18-character Id.
    pub id: SfId,
    /// When it was deleted (milliseconds), if it is in the recycle bin.
    pub deleted_ms: Option<i64>,
    keys: Vec<u16>,
    values: Vec<Value>,
}

impl Record {
    /// A record with no fields yet.
    pub fn new(id: SfId) -> Self {
        Self {
            id,
            deleted_ms: None,
            keys: Vec::new(),
            values: Vec::new(),
        }
    }

    /// The value of a field, or `None` when null.
    pub fn get(&self, field: usize) -> Option<&Value> {
        let field = u16::try_from(field).ok()?;
        let at = self.keys.binary_search(&field).ok()?;
        self.values.get(at)
    }

    /// The value of a field as the API shows it: field 0 is always `Id` and field 1
    /// `IsDeleted` (see `ObjectDef::new`); neither is stored in the row.
    pub fn value(&self, field: usize) -> Option<Value> {
        match field {
            0 => Some(Value::Id(self.id)),
            1 => Some(Value::Bool(self.deleted_ms.is_some())),
            _ => self.get(field).cloned(),
        }
    }

    /// Sets a field (or nulls it with `None`).
    pub fn set(&mut self, field: usize, value: Option<Value>) {
        let Ok(field) = u16::try_from(field) else {
            return;
        };
        match (self.keys.binary_search(&field), value) {
            (Ok(at), Some(value)) => {
                if let Some(slot) = self.values.get_mut(at) {
                    *slot = value;
                }
            }
            (Ok(at), None) => {
                self.keys.remove(at);
                self.values.remove(at);
            }
            (Err(at), Some(value)) => {
                self.keys.insert(at, field);
                self.values.insert(at, value);
            }
            (Err(_), None) => {}
        }
    }

    /// Every non-null field as (field index, value).
    pub fn fields(&self) -> impl Iterator<Item = (usize, &Value)> {
        self.keys
            .iter()
            .zip(&self.values)
            .map(|(f, v)| (usize::from(*f), v))
    }

    /// Releases spare capacity.
    pub fn shrink(&mut self) {
        self.keys.shrink_to_fit();
        self.values.shrink_to_fit();
    }
}

/// An index key: Ids exactly, text case-insensitively (external IDs are case-insensitive
/// unless declared case-sensitive), numbers by their bits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum IndexKey {
    /// An Id.
    Id(SfId),
    /// Lower-cased text.
    Text(Box<str>),
    /// A number's bits.
    Number(u64),
}

impl IndexKey {
    /// The key of a stored value.
    pub fn of(value: &Value) -> Option<Self> {
        match value {
            Value::Id(id) => Some(IndexKey::Id(*id)),
            Value::Text(text) => Some(IndexKey::Text(text.to_lowercase().into_boxed_str())),
            Value::Number(n) => Some(IndexKey::Number(n.to_bits())),
            _ => None,
        }
    }
}

/// One object's records.
#[derive(Debug, Clone, Default)]
pub struct Table {
    rows: Vec<Record>,
    by_id: FastMap<SfId, u32>,
    indexes: FastMap<usize, FastMap<IndexKey, Vec<u32>>>,
    next_serial: u64,
    /// The Id `allocate_id` handed out last.
    last_allocated: Option<SfId>,
    /// Whether a record arrived with an Id of its own (seeding): only then can an
    /// allocated Id collide, so only then must allocation check.
    given_ids: bool,
    /// When records of this object were last removed from the recycle bin for good
    /// (emulator clock, ms): getDeleted cannot report deletes before it.
    purged_ms: Option<i64>,
}

impl Table {
    /// Every row, deleted ones included.
    pub fn rows(&self) -> &[Record] {
        &self.rows
    }

    /// A row by position.
    pub fn row(&self, at: u32) -> Option<&Record> {
        self.rows.get(usize::try_from(at).ok()?)
    }

    /// The position of a record by Id.
    pub fn position(&self, id: &SfId) -> Option<u32> {
        self.by_id.get(id).copied()
    }

    /// Rows whose indexed `field` has `key`, in insertion order.
    pub fn lookup(&self, field: usize, key: &IndexKey) -> &[u32] {
        self.indexes
            .get(&field)
            .and_then(|index| index.get(key))
            .map_or(&[], Vec::as_slice)
    }

    /// Whether `field` is indexed.
    pub fn is_indexed(&self, field: usize) -> bool {
        self.indexes.contains_key(&field)
    }

    /// When the recycle bin last lost records of this object for good.
    pub fn purged_ms(&self) -> Option<i64> {
        self.purged_ms
    }

    /// Removes the deleted rows for good and re-numbers the rest: positions change, so
    /// nothing may hold a row position across it. Returns how many rows went.
    fn purge_deleted(&mut self, now_ms: i64) -> usize {
        let before = self.rows.len();
        self.rows.retain(|r| r.deleted_ms.is_none());
        let purged = before - self.rows.len();
        if purged == 0 {
            return 0;
        }
        self.purged_ms = Some(now_ms);
        self.by_id.clear();
        for index in self.indexes.values_mut() {
            index.clear();
        }
        for at in 0..self.rows.len() {
            let Ok(at) = u32::try_from(at) else { break };
            if let Some(record) = self.rows.get(usize::try_from(at).unwrap_or(usize::MAX)) {
                self.by_id.insert(record.id, at);
            }
            self.index_row(at);
        }
        purged
    }

    fn index_row(&mut self, at: u32) {
        let Some(record) = self.rows.get(usize::try_from(at).unwrap_or(usize::MAX)) else {
            return;
        };
        for (field, index) in &mut self.indexes {
            if let Some(key) = record.get(*field).and_then(IndexKey::of) {
                index.entry(key).or_default().push(at);
            }
        }
    }

    fn unindex_row(&mut self, at: u32) {
        let Some(record) = self.rows.get(usize::try_from(at).unwrap_or(usize::MAX)) else {
            return;
        };
        for (field, index) in &mut self.indexes {
            if let Some(key) = record.get(*field).and_then(IndexKey::of)
                && let Some(list) = index.get_mut(&key)
            {
                list.retain(|r| *r != at);
                if list.is_empty() {
                    index.remove(&key);
                }
            }
        }
    }
}

/// One step of the undo log.
#[derive(Debug, Clone)]
enum Undo {
    Created { object: usize, at: u32 },
    Modified { object: usize, at: u32, old: Record },
}

/// Every table of the org.
#[derive(Debug, Clone)]
pub struct Store {
    schema: Arc<Schema>,
    tables: Vec<Table>,
    interner: HashSet<Arc<str>>,
    undo: Option<Vec<Undo>>,
    /// Undo-log lengths where nested transactions began (innermost last).
    savepoints: Vec<usize>,
}

impl Store {
    /// An empty store for `schema`, with indexes on every reference, external-ID and
    /// unique field.
    pub fn new(schema: Arc<Schema>) -> Self {
        let tables = schema
            .objects()
            .iter()
            .map(|object| {
                let mut table = Table {
                    next_serial: 1,
                    ..Table::default()
                };
                for (at, field) in object.fields.iter().enumerate() {
                    // Audit user fields point at a handful of users from millions of rows:
                    // an index on them would cost memory and load time and never narrow a
                    // scan much, so queries on them scan.
                    let audit = matches!(field.name.as_str(), "CreatedById" | "LastModifiedById");
                    if (field.field_type == FieldType::Reference && !audit)
                        || field.external_id
                        || field.unique
                    {
                        table.indexes.insert(at, FastMap::default());
                    }
                }
                table
            })
            .collect();
        Self {
            schema,
            tables,
            interner: HashSet::new(),
            undo: None,
            savepoints: Vec::new(),
        }
    }

    /// The schema the store was built for.
    pub fn schema(&self) -> &Arc<Schema> {
        &self.schema
    }

    /// One object's table.
    pub fn table(&self, object: usize) -> Option<&Table> {
        self.tables.get(object)
    }

    /// A shared copy of `text`: picklist values and other repeated strings are stored once.
    pub fn intern(&mut self, text: &str) -> Arc<str> {
        if let Some(shared) = self.interner.get(text) {
            return Arc::clone(shared);
        }
        let shared: Arc<str> = Arc::from(text);
        self.interner.insert(Arc::clone(&shared));
        shared
    }

    /// The object and row of an Id, whatever its object.
    pub fn locate(&self, id: &SfId) -> Option<(usize, u32)> {
        let object = self.schema.object_for_prefix(id.key_prefix())?;
        let at = self.tables.get(object)?.position(id)?;
        Some((object, at))
    }

    /// A record by object and Id.
    pub fn get(&self, object: usize, id: &SfId) -> Option<&Record> {
        let table = self.tables.get(object)?;
        table.row(table.position(id)?)
    }

    /// A record anywhere by Id.
    pub fn get_any(&self, id: &SfId) -> Option<(usize, &Record)> {
        let (object, at) = self.locate(id)?;
        Some((object, self.tables.get(object)?.row(at)?))
    }

    /// Allocates the next Id of an object.
    pub fn allocate_id(&mut self, object: usize) -> Option<SfId> {
        let prefix = self.schema.object_at(object)?.key_prefix.clone();
        let table = self.tables.get_mut(object)?;
        loop {
            let id = SfId::from_parts(&prefix, table.next_serial);
            table.next_serial += 1;
            if !table.given_ids || !table.by_id.contains_key(&id) {
                table.last_allocated = Some(id);
                return Some(id);
            }
        }
    }

    /// Adds a new record (its Id must be unused) and indexes it.
    pub fn insert(&mut self, object: usize, mut record: Record) -> Option<u32> {
        // Rows are sized exactly when stored: growth slack on millions of rows would
        // double the store's peak memory.
        record.shrink();
        let table = self.tables.get_mut(object)?;
        if table.last_allocated.take() != Some(record.id) {
            table.given_ids = true;
            if table.by_id.contains_key(&record.id) {
                return None;
            }
        }
        let at = u32::try_from(table.rows.len()).ok()?;
        table.by_id.insert(record.id, at);
        table.rows.push(record);
        table.index_row(at);
        if let Some(log) = &mut self.undo {
            log.push(Undo::Created { object, at });
        }
        Some(at)
    }

    /// Replaces a stored record with `record` (same Id), keeping indexes and the undo log.
    /// Only indexed fields whose value changed are re-indexed: an owner's index list can
    /// hold thousands of rows, and rewriting it on every update would be quadratic.
    pub fn replace(&mut self, object: usize, at: u32, mut record: Record) {
        record.shrink();
        let Some(table) = self.tables.get_mut(object) else {
            return;
        };
        let Some(slot) = usize::try_from(at).ok().filter(|i| *i < table.rows.len()) else {
            return;
        };
        let old = std::mem::replace(&mut table.rows[slot], record);
        for (field, index) in &mut table.indexes {
            let before = old.get(*field).and_then(IndexKey::of);
            let after = table.rows[slot].get(*field).and_then(IndexKey::of);
            if before == after {
                continue;
            }
            if let Some(key) = before
                && let Some(list) = index.get_mut(&key)
            {
                list.retain(|r| *r != at);
                if list.is_empty() {
                    index.remove(&key);
                }
            }
            if let Some(key) = after {
                index.entry(key).or_default().push(at);
            }
        }
        if let Some(log) = &mut self.undo {
            log.push(Undo::Modified { object, at, old });
        }
    }

    /// Starts a transaction (all-or-none calls). Transactions nest: a Composite request's
    /// transaction can hold a Collections call's.
    pub fn begin(&mut self) {
        let log = self.undo.get_or_insert_with(Vec::new);
        self.savepoints.push(log.len());
    }

    /// Ends the innermost transaction keeping its changes (they stay undoable by an outer
    /// one).
    pub fn commit(&mut self) {
        self.savepoints.pop();
        if self.savepoints.is_empty() {
            self.undo = None;
        }
    }

    /// Undoes every change of the innermost transaction, newest first.
    pub fn rollback(&mut self) {
        let Some(savepoint) = self.savepoints.pop() else {
            return;
        };
        let Some(log) = self.undo.as_mut() else {
            return;
        };
        let steps: Vec<Undo> = log.drain(savepoint.min(log.len())..).collect();
        if self.savepoints.is_empty() {
            self.undo = None;
        }
        for step in steps.into_iter().rev() {
            match step {
                Undo::Created { object, at } => {
                    if let Some(table) = self.tables.get_mut(object) {
                        table.unindex_row(at);
                        if usize::try_from(at).ok() == table.rows.len().checked_sub(1)
                            && let Some(record) = table.rows.pop()
                        {
                            table.by_id.remove(&record.id);
                        }
                    }
                }
                Undo::Modified { object, at, old } => {
                    if let Some(table) = self.tables.get_mut(object)
                        && let Some(slot) =
                            usize::try_from(at).ok().filter(|i| *i < table.rows.len())
                    {
                        table.unindex_row(at);
                        table.rows[slot] = old;
                        table.index_row(at);
                    }
                }
            }
        }
    }

    /// Releases spare capacity after a bulk load.
    pub fn shrink(&mut self) {
        for table in &mut self.tables {
            table.rows.shrink_to_fit();
            for row in &mut table.rows {
                row.shrink();
            }
            for index in table.indexes.values_mut() {
                for list in index.values_mut() {
                    list.shrink_to_fit();
                }
            }
        }
    }

    /// Empties the recycle bin: every deleted record of every object goes for good, as
    /// Salesforce's own purge does (15 days after the delete, or an admin emptying the bin).
    /// Returns how many records went. Refused inside a transaction, whose undo log holds
    /// row positions.
    pub fn purge_recycle_bin(&mut self, now_ms: i64) -> Option<usize> {
        if self.undo.is_some() {
            return None;
        }
        Some(
            self.tables
                .iter_mut()
                .map(|t| t.purge_deleted(now_ms))
                .sum(),
        )
    }

    /// Number of live (non-deleted) records per object, for the admin API.
    pub fn counts(&self) -> Vec<(String, usize)> {
        self.schema
            .objects()
            .iter()
            .zip(&self.tables)
            .map(|(o, t)| {
                (
                    o.name.clone(),
                    t.rows.iter().filter(|r| r.deleted_ms.is_none()).count(),
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::standard::standard_schema;

    #[test]
    fn rollback_restores_rows_and_indexes() {
        let schema = Arc::new(standard_schema());
        let account = schema.object_index("Account").unwrap();
        let contact = schema.object_index("Contact").unwrap();
        let account_field = schema
            .object("Contact")
            .unwrap()
            .field_index("AccountId")
            .unwrap();
        let mut store = Store::new(Arc::clone(&schema));
        let a = store.allocate_id(account).unwrap();
        store.insert(account, Record::new(a)).unwrap();
        store.begin();
        let c = store.allocate_id(contact).unwrap();
        let mut record = Record::new(c);
        record.set(account_field, Some(Value::Id(a)));
        store.insert(contact, record).unwrap();
        assert_eq!(
            store
                .table(contact)
                .unwrap()
                .lookup(account_field, &IndexKey::Id(a))
                .len(),
            1
        );
        store.rollback();
        assert!(store.get(contact, &c).is_none());
        assert!(
            store
                .table(contact)
                .unwrap()
                .lookup(account_field, &IndexKey::Id(a))
                .is_empty()
        );
        assert!(store.get(account, &a).is_some());
    }
}
