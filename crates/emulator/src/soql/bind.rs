//! The binder: a parsed [`Query`] plus the org's [`Catalog`] becomes a [`BoundQuery`].
//!
//! It owns name resolution (objects, fields, parent and child relationships, in canonical
//! spelling), the type rules of WHERE literals, relative dates resolved against `now`, the
//! OFFSET ceiling, and the preparation of every per-row constant. After binding, evaluation
//! never looks a name up again. It must never read rows or the clock.

use std::borrow::Cow;
use std::cmp::Ordering;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

use super::ast::{
    Comparison, Condition, Literal, LiteralKind, Nulls, Operator, Path, Query, QueryBody,
    SelectItem, SelectList, StringLiteral,
};
use super::dates::{self, DayRange};
use super::error::{
    INVALID_FIELD, INVALID_QUERY_FILTER_OPERATOR, INVALID_TYPE, MALFORMED_QUERY,
    NUMBER_OUTSIDE_VALID_RANGE, SoqlError, Stage, text,
};
use super::eval::{
    Cmp, IdSet, Leaf, LikeItem, LikePattern, Membership, OrderKey, Pred, Test, TextSet,
    compare_rows, fold, fold_string,
};
use super::lexer::Piece;
use super::{Catalog, MAX_OFFSET, Row, SoqlType, SoqlValue};
use crate::id::SfId;

/// A resolved field: canonical path segments and the field's type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldPath {
    segments: Vec<String>,
    ty: SoqlType,
}

impl FieldPath {
    /// Canonical names: `["Name"]` or `["Account", "Name"]` (relationship, then field).
    pub fn segments(&self) -> &[String] {
        &self.segments
    }

    /// The field's type.
    pub fn ty(&self) -> SoqlType {
        self.ty
    }

    /// The parent relationship, for a parent path.
    pub fn relationship(&self) -> Option<&str> {
        match self.segments.as_slice() {
            [relationship, _] => Some(relationship),
            _ => None,
        }
    }

    /// The field name (the last segment).
    pub fn field(&self) -> &str {
        self.segments.last().map_or("", String::as_str)
    }

    /// Reads this field from a row without allocating.
    pub(crate) fn read<'r, R: Row + ?Sized>(&self, row: &'r R) -> SoqlValue<'r> {
        match self.segments.as_slice() {
            [field] => row.value(&[field.as_str()]),
            [relationship, field] => row.value(&[relationship.as_str(), field.as_str()]),
            other => {
                let path: Vec<&str> = other.iter().map(String::as_str).collect();
                row.value(&path)
            }
        }
    }
}

/// One entry of the SELECT list, in SELECT order.
#[derive(Debug, Clone)]
pub enum Selected {
    /// A field of the object or of a parent.
    Field(FieldPath),
    /// A parent-to-child subquery; the emulator renders it per parent row.
    Subquery(Box<Subquery>),
}

/// A bound parent-to-child subquery.
#[derive(Debug, Clone)]
pub struct Subquery {
    /// Canonical child relationship name (`Contacts`): the key in the parent's JSON.
    pub relationship: String,
    /// The child's field that points at the parent (`AccountId`).
    pub child_field: String,
    /// The subquery; its [`BoundQuery::object`] is the child object.
    pub query: BoundQuery,
}

/// A query whose names, types and literals are resolved, ready to run over rows.
#[derive(Debug, Clone)]
pub struct BoundQuery {
    object: String,
    select: Vec<Selected>,
    count: bool,
    filter: Option<Pred>,
    order: Vec<OrderKey>,
    limit: Option<u64>,
    offset: Option<u64>,
    hint: Option<(String, Vec<String>)>,
    where_fields: Vec<FieldPath>,
}

impl BoundQuery {
    /// The canonical name of the queried object.
    pub fn object(&self) -> &str {
        &self.object
    }

    /// The SELECT list, canonical names, in SELECT order (empty for `COUNT()`).
    pub fn select(&self) -> &[Selected] {
        &self.select
    }

    /// Whether this is `SELECT COUNT() FROM ...`.
    pub fn is_count(&self) -> bool {
        self.count
    }

    /// Whether `row` satisfies the WHERE clause (always, without one).
    pub fn matches<R: Row + ?Sized>(&self, row: &R) -> bool {
        self.filter.as_ref().is_none_or(|filter| filter.eval(row))
    }

    /// ORDER BY: how `a` sorts against `b`. Ties are `Equal`; sort stably.
    pub fn compare<A, B>(&self, a: &A, b: &B) -> Ordering
    where
        A: Row + ?Sized,
        B: Row + ?Sized,
    {
        compare_rows(&self.order, a, b)
    }

    /// Whether the query has an ORDER BY clause.
    pub fn is_ordered(&self) -> bool {
        !self.order.is_empty()
    }

    /// LIMIT.
    pub fn limit(&self) -> Option<u64> {
        self.limit
    }

    /// OFFSET (at most [`MAX_OFFSET`]).
    pub fn offset(&self) -> Option<u64> {
        self.offset
    }

    /// An index hint: a top-level Id or reference field that every match must equal one of
    /// the returned 18-character Ids (a conjunct `F = '...'` or `F IN (...)` of the WHERE).
    /// The emulator may fetch those rows by index instead of scanning; it must still call
    /// [`BoundQuery::matches`] on them. `Id` is preferred over reference fields.
    pub fn lookup_hint(&self) -> Option<(&str, Vec<SoqlValue<'_>>)> {
        self.hint.as_ref().map(|(field, ids)| {
            let values = ids
                .iter()
                .map(|id| SoqlValue::String(Cow::Borrowed(id.as_str())))
                .collect();
            (field.as_str(), values)
        })
    }

    /// The fields the WHERE clause reads, each once, for the emulator's FLS checks.
    pub fn where_fields(&self) -> &[FieldPath] {
        &self.where_fields
    }

    /// The ORDER BY fields, for the emulator's FLS checks.
    pub fn order_fields(&self) -> impl Iterator<Item = &FieldPath> {
        self.order.iter().map(|key| &key.path)
    }
}

/// Resolves `query` against `catalog`; relative date literals use `now`'s UTC day.
///
/// # Errors
/// Salesforce's errors for unknown objects (INVALID_TYPE), fields and relationships
/// (INVALID_FIELD), literals of the wrong type (INVALID_FIELD), operators a type lacks and
/// malformed Ids (INVALID_QUERY_FILTER_OPERATOR), duplicate fields (INVALID_FIELD) and
/// OFFSET above 2,000 (NUMBER_OUTSIDE_VALID_RANGE).
pub fn bind(
    query: Query,
    catalog: &impl Catalog,
    now: DateTime<Utc>,
) -> Result<BoundQuery, SoqlError> {
    let binder = Binder {
        source: &query.source,
        catalog,
        today: now.date_naive(),
    };
    let from = &query.body.from;
    let object = catalog.object(&from.text).ok_or_else(|| {
        binder.semantic(
            INVALID_TYPE,
            from.offset,
            text::unsupported_sobject(&from.text),
        )
    })?;
    binder.body(&query.body, object)
}

struct Binder<'a, C> {
    source: &'a str,
    catalog: &'a C,
    today: NaiveDate,
}

impl<C: Catalog> Binder<'_, C> {
    fn semantic(&self, code: &'static str, offset: usize, message: String) -> SoqlError {
        SoqlError::at(code, self.source, offset, Stage::Semantic, message)
    }

    fn body(&self, body: &QueryBody, object: String) -> Result<BoundQuery, SoqlError> {
        let mut select = Vec::new();
        let mut seen: Vec<String> = Vec::new();
        let count = match &body.select {
            SelectList::Count => true,
            SelectList::Items(items) => {
                for item in items {
                    let (key, selected) = match item {
                        SelectItem::Field(path) => {
                            let field = self.resolve(&object, path)?;
                            (field.segments.join("."), Selected::Field(field))
                        }
                        SelectItem::Subquery(sub) => {
                            let subquery = self.subquery(&object, sub)?;
                            (
                                subquery.relationship.clone(),
                                Selected::Subquery(Box::new(subquery)),
                            )
                        }
                    };
                    if seen.iter().any(|s| s.eq_ignore_ascii_case(&key)) {
                        return Err(SoqlError::plain(INVALID_FIELD, text::duplicate_field(&key)));
                    }
                    seen.push(key);
                    select.push(selected);
                }
                false
            }
        };
        let mut where_fields = Vec::new();
        let filter = match &body.filter {
            Some(condition) => Some(self.condition(&object, condition, &mut where_fields)?),
            None => None,
        };
        let order = body
            .order_by
            .iter()
            .map(|item| {
                Ok(OrderKey {
                    path: self.resolve(&object, &item.field)?,
                    descending: item.descending,
                    // Default: nulls first ascending, last descending (nulls sort as the
                    // lowest value; soqlskills.com "SOQL ORDER BY"). The SOQL reference only
                    // says "By default, null values are sorted first". [verify] for DESC.
                    nulls_first: match item.nulls {
                        Some(Nulls::First) => true,
                        Some(Nulls::Last) => false,
                        None => !item.descending,
                    },
                })
            })
            .collect::<Result<Vec<_>, SoqlError>>()?;
        let offset = body.offset.map(|offset| offset.value);
        if offset.is_some_and(|offset| offset > MAX_OFFSET) {
            return Err(SoqlError::plain(
                NUMBER_OUTSIDE_VALID_RANGE,
                text::offset_too_large(MAX_OFFSET),
            ));
        }
        let hint = filter.as_ref().and_then(lookup_hint);
        Ok(BoundQuery {
            object,
            select,
            count,
            filter,
            order,
            limit: body.limit.map(|limit| limit.value),
            offset,
            hint,
            where_fields,
        })
    }

    fn subquery(&self, parent: &str, body: &QueryBody) -> Result<Subquery, SoqlError> {
        let from = &body.from;
        let (relationship, child, child_field) = self
            .catalog
            .child_relationship(parent, &from.text)
            .ok_or_else(|| {
                self.semantic(
                    INVALID_TYPE,
                    from.offset,
                    text::unknown_child_relationship(&from.text),
                )
            })?;
        Ok(Subquery {
            relationship,
            child_field,
            query: self.body(body, child)?,
        })
    }

    /// Resolves a field or one-level parent path on `object`.
    fn resolve(&self, object: &str, path: &Path) -> Result<FieldPath, SoqlError> {
        match path.segments.as_slice() {
            [field] => self.field(object, field, path.offset),
            [first, rest @ ..] => {
                let Some((relationship, parent)) = self.catalog.parent_relationship(object, first)
                else {
                    // `SELECT Account.Name FROM Account`: SOQL allows the object's own name
                    // as a prefix.
                    if first.eq_ignore_ascii_case(object) {
                        let rest = Path {
                            segments: rest.to_vec(),
                            offset: path.offset,
                        };
                        return self.resolve(object, &rest);
                    }
                    return Err(self.semantic(
                        INVALID_FIELD,
                        path.offset,
                        text::unknown_parent_relationship(first),
                    ));
                };
                match rest {
                    [field] => {
                        let resolved = self.field(&parent, field, path.offset)?;
                        Ok(FieldPath {
                            segments: vec![relationship, resolved.field().to_owned()],
                            ty: resolved.ty,
                        })
                    }
                    [next, ..] if self.catalog.parent_relationship(&parent, next).is_some() => {
                        Err(SoqlError::unsupported(
                            self.source,
                            path.offset,
                            "a relationship path deeper than one parent",
                        ))
                    }
                    [next, ..] => Err(self.semantic(
                        INVALID_FIELD,
                        path.offset,
                        text::unknown_parent_relationship(next),
                    )),
                    [] => Err(SoqlError::unexpected_token(self.source, path.offset, first)),
                }
            }
            [] => Err(SoqlError::unexpected_token(
                self.source,
                path.offset,
                "<EOF>",
            )),
        }
    }

    fn field(&self, object: &str, field: &str, offset: usize) -> Result<FieldPath, SoqlError> {
        match self.catalog.field(object, field) {
            Some((name, ty)) => Ok(FieldPath {
                segments: vec![name],
                ty,
            }),
            // Every object has an Id; a catalog need not list it.
            None if field.eq_ignore_ascii_case("Id") => Ok(FieldPath {
                segments: vec!["Id".to_owned()],
                ty: SoqlType::Id,
            }),
            None => Err(self.semantic(INVALID_FIELD, offset, text::no_such_column(field, object))),
        }
    }

    fn condition(
        &self,
        object: &str,
        condition: &Condition,
        fields: &mut Vec<FieldPath>,
    ) -> Result<Pred, SoqlError> {
        let all = |parts: &[Condition], fields: &mut Vec<FieldPath>| {
            parts
                .iter()
                .map(|part| self.condition(object, part, fields))
                .collect::<Result<Vec<_>, SoqlError>>()
        };
        Ok(match condition {
            Condition::And(parts) => Pred::And(all(parts, fields)?),
            Condition::Or(parts) => Pred::Or(all(parts, fields)?),
            Condition::Not(inner) => Pred::Not(Box::new(self.condition(object, inner, fields)?)),
            Condition::Compare(comparison) => {
                let path = self.resolve(object, &comparison.field)?;
                if !fields.contains(&path) {
                    fields.push(path.clone());
                }
                let test = self.test(&path, comparison)?;
                Pred::Leaf(Leaf { path, test })
            }
        })
    }

    /// Type-checks one comparison and prepares its constants.
    fn test(&self, path: &FieldPath, comparison: &Comparison) -> Result<Test, SoqlError> {
        let offset = comparison.field.offset;
        let ty = path.ty;
        let op = comparison.op;
        let operator_allowed = match op {
            Operator::Like => ty == SoqlType::String,
            Operator::Lt | Operator::Le | Operator::Gt | Operator::Ge => ty != SoqlType::Boolean,
            Operator::Eq | Operator::Ne | Operator::In | Operator::NotIn => true,
        };
        if !operator_allowed {
            return Err(self.semantic(
                INVALID_QUERY_FILTER_OPERATOR,
                offset,
                text::invalid_operator(operator_type_name(ty)),
            ));
        }
        let cmp = match op {
            Operator::Eq => Cmp::Eq,
            Operator::Ne => Cmp::Ne,
            Operator::Lt => Cmp::Lt,
            Operator::Le => Cmp::Le,
            Operator::Gt => Cmp::Gt,
            Operator::Ge => Cmp::Ge,
            Operator::Like => return self.like(path, offset, &comparison.value),
            Operator::In | Operator::NotIn => {
                let items = match &comparison.value.kind {
                    LiteralKind::List(items) => items.as_slice(),
                    _ => std::slice::from_ref(&comparison.value),
                };
                return self.membership(path, offset, items, op == Operator::NotIn);
            }
        };
        let value = &comparison.value;
        if value.kind == LiteralKind::Null {
            return Ok(match (ty, cmp) {
                // "WHERE Test_c = null is equivalent to WHERE Test_c = false" (SOQL
                // reference "Use null in WHERE").
                (SoqlType::Boolean, Cmp::Eq) => Test::Boolean(false),
                (SoqlType::Boolean, _) => Test::Boolean(true),
                (_, Cmp::Eq) => Test::IsNull,
                (_, Cmp::Ne) => Test::NotNull,
                _ => Test::Never,
            });
        }
        self.value_test(path, offset, cmp, value)
    }

    /// A comparison with one non-null literal.
    fn value_test(
        &self,
        path: &FieldPath,
        offset: usize,
        cmp: Cmp,
        value: &Literal,
    ) -> Result<Test, SoqlError> {
        let wrong = || self.wrong_type(path, offset);
        Ok(match (path.ty, &value.kind) {
            (SoqlType::Id | SoqlType::Reference, LiteralKind::String(s)) => {
                Test::Id(cmp, self.id(s, offset)?)
            }
            (SoqlType::String, LiteralKind::String(s)) => Test::Text(cmp, fold_string(&s.value())),
            (SoqlType::Boolean, LiteralKind::Boolean(b)) => Test::Boolean(*b == (cmp == Cmp::Eq)),
            (SoqlType::Integer | SoqlType::Double, LiteralKind::Number(n)) => Test::Number(cmp, *n),
            (SoqlType::Date, LiteralKind::Date(d)) => Test::Date(cmp, *d),
            (SoqlType::DateTime, LiteralKind::DateTime(dt)) => Test::DateTime(cmp, *dt),
            (SoqlType::Date, LiteralKind::Relative(r)) => {
                let range = self.range(*r, value.offset)?;
                Test::DateRange(cmp, range.start, range.end)
            }
            (SoqlType::DateTime, LiteralKind::Relative(r)) => {
                let range = self.range(*r, value.offset)?;
                Test::DateTimeRange(cmp, midnight(range.start), midnight(range.end))
            }
            _ => return Err(wrong()),
        })
    }

    fn like(&self, path: &FieldPath, offset: usize, value: &Literal) -> Result<Test, SoqlError> {
        match &value.kind {
            LiteralKind::Null => Ok(Test::Never),
            LiteralKind::String(s) => {
                let items = s
                    .pieces
                    .iter()
                    .map(|piece| match piece {
                        Piece::Char('%') => LikeItem::Any,
                        Piece::Char('_') => LikeItem::One,
                        Piece::Char(c) | Piece::EscapedWildcard(c) => LikeItem::Char(fold(*c)),
                    })
                    .collect();
                Ok(Test::Like(LikePattern::new(items)))
            }
            _ => Err(self.wrong_type(path, offset)),
        }
    }

    fn membership(
        &self,
        path: &FieldPath,
        offset: usize,
        items: &[Literal],
        negated: bool,
    ) -> Result<Test, SoqlError> {
        let null_listed = items.iter().any(|item| item.kind == LiteralKind::Null);
        let values = items.iter().filter(|item| item.kind != LiteralKind::Null);
        Ok(match path.ty {
            SoqlType::Id | SoqlType::Reference => {
                let ids = values
                    .map(|item| match &item.kind {
                        LiteralKind::String(s) => self.id(s, offset),
                        _ => Err(self.wrong_type(path, offset)),
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Test::IdIn(Membership {
                    set: IdSet::new(ids),
                    negated,
                    null_listed,
                })
            }
            SoqlType::String => {
                let folded = values
                    .map(|item| match &item.kind {
                        LiteralKind::String(s) => Ok(fold_string(&s.value())),
                        _ => Err(self.wrong_type(path, offset)),
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Test::TextIn(Membership {
                    set: TextSet::new(folded),
                    negated,
                    null_listed,
                })
            }
            _ => {
                let tests = values
                    .map(|item| self.value_test(path, offset, Cmp::Eq, item))
                    .collect::<Result<Vec<_>, _>>()?;
                Test::AnyOf(Membership {
                    set: tests,
                    negated,
                    null_listed,
                })
            }
        })
    }

    /// An Id literal in its 18-character form. Salesforce compares 15-character Ids
    /// case-sensitively and 18-character ones case-insensitively; normalising both to the
    /// 18-character form gives exactly that (salesforce-api.md 2.5).
    fn id(&self, literal: &StringLiteral, offset: usize) -> Result<[u8; 18], SoqlError> {
        let value = literal.value();
        SfId::parse(&value)
            .ok()
            .and_then(|id| <[u8; 18]>::try_from(id.as_str().as_bytes()).ok())
            .ok_or_else(|| {
                self.semantic(
                    INVALID_QUERY_FILTER_OPERATOR,
                    offset,
                    text::invalid_id(&value),
                )
            })
    }

    fn range(&self, literal: super::RelativeDate, offset: usize) -> Result<DayRange, SoqlError> {
        dates::resolve(literal, self.today).ok_or_else(|| {
            // Only reachable with an absurd n; the wording is [verify].
            SoqlError::at(
                MALFORMED_QUERY,
                self.source,
                offset,
                Stage::Syntax,
                format_args!("numeric value out of range: {literal}"),
            )
        })
    }

    fn wrong_type(&self, path: &FieldPath, offset: usize) -> SoqlError {
        let (name, quoted) = literal_type_name(path.ty);
        self.semantic(
            INVALID_FIELD,
            offset,
            text::wrong_literal_type(path.field(), name, quoted),
        )
    }
}

fn midnight(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(NaiveTime::MIN).and_utc()
}

/// The type name in "must be of type X", and whether such literals are quoted.
fn literal_type_name(ty: SoqlType) -> (&'static str, bool) {
    match ty {
        SoqlType::Id | SoqlType::Reference => ("id", true),
        SoqlType::String => ("string", true),
        SoqlType::Boolean => ("boolean", false),
        SoqlType::Integer => ("int", false),
        SoqlType::Double => ("double", false),
        SoqlType::Date => ("date", false),
        SoqlType::DateTime => ("dateTime", false),
    }
}

/// The type name in "invalid operator on X field".
fn operator_type_name(ty: SoqlType) -> &'static str {
    match ty {
        SoqlType::Id | SoqlType::Reference => "id",
        SoqlType::String => "string",
        SoqlType::Boolean => "boolean",
        SoqlType::Integer => "int",
        SoqlType::Double => "double",
        SoqlType::Date => "date",
        SoqlType::DateTime => "dateTime",
    }
}

/// The index hint: a top-level conjunct testing a top-level Id or reference field for
/// equality with, or membership in, known Ids. `Id` wins over reference fields.
fn lookup_hint(filter: &Pred) -> Option<(String, Vec<String>)> {
    let conjuncts = match filter {
        Pred::And(parts) => parts.as_slice(),
        single => std::slice::from_ref(single),
    };
    let mut best: Option<(String, Vec<String>)> = None;
    for conjunct in conjuncts {
        let Pred::Leaf(leaf) = conjunct else { continue };
        let [field] = leaf.path.segments() else {
            continue;
        };
        let ids: Vec<String> = match &leaf.test {
            Test::Id(Cmp::Eq, id) => vec![id_text(id)],
            Test::IdIn(m) if !m.negated && !m.null_listed => {
                let mut ids: Vec<String> = m.set.ids().map(id_text).collect();
                ids.sort();
                ids
            }
            _ => continue,
        };
        let is_id = leaf.path.ty() == SoqlType::Id;
        if is_id {
            return Some((field.clone(), ids));
        }
        best.get_or_insert((field.clone(), ids));
    }
    best
}

fn id_text(id: &[u8; 18]) -> String {
    String::from_utf8_lossy(id).into_owned()
}
