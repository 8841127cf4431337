//! Per-row evaluation: WHERE predicates, LIKE matching and ORDER BY comparison.
//!
//! Everything here runs once per row over up to millions of rows, so the binder prepares
//! every constant beforehand (folded strings, 18-character Id bytes, LIKE programs, hash
//! sets for long IN lists) and this module only reads row values and compares. It must never
//! allocate on the common paths (ASCII strings, Ids, numbers, dates) and never resolve a name.
//!
//! Null semantics follow SOQL, not SQL, as far as we could confirm them:
//! - `= null` / `!= null` test for null; `<`, `>`, `LIKE` never match a null
//!   (SOQL reference "Use null in WHERE").
//! - A boolean field is never null: null reads as FALSE, so `= null` equals `= false`
//!   (same page: "WHERE Test_c = null is equivalent to WHERE Test_c = false").
//! - A missing parent reads as null, so `Contact.LastName = null` matches a Case without a
//!   contact (same page).
//! - `!= 'x'` matches nulls, while `NOT IN ('x')` does not (sfdcdevelopers.com "SOQL NOT IN,
//!   NOT EQUAL & NOT LIKE": the two treat null rows differently). `[verify]` on a real org.

use std::cmp::Ordering;
use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, Utc};

use super::{SoqlType, SoqlValue};

/// Lists longer than this are looked up in a hash set instead of scanned.
const SET_THRESHOLD: usize = 8;

/// An ordered comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Cmp {
    fn holds(self, ordering: Ordering) -> bool {
        match self {
            Cmp::Eq => ordering == Ordering::Equal,
            Cmp::Ne => ordering != Ordering::Equal,
            Cmp::Lt => ordering == Ordering::Less,
            Cmp::Le => ordering != Ordering::Greater,
            Cmp::Gt => ordering == Ordering::Greater,
            Cmp::Ge => ordering != Ordering::Less,
        }
    }

    /// What the comparison yields for a null field value: only `!=` matches.
    fn on_null(self) -> bool {
        self == Cmp::Ne
    }
}

/// A predicate over one row.
#[derive(Debug, Clone)]
pub(crate) enum Pred {
    And(Vec<Pred>),
    Or(Vec<Pred>),
    Not(Box<Pred>),
    Leaf(Leaf),
}

/// One test of one field.
#[derive(Debug, Clone)]
pub(crate) struct Leaf {
    pub path: super::FieldPath,
    pub test: Test,
}

/// What a leaf checks, with its constants prepared.
#[derive(Debug, Clone)]
pub(crate) enum Test {
    IsNull,
    NotNull,
    /// Never true (`Amount > null`, `Name LIKE null`).
    Never,
    /// Id and reference fields: the 18-character form.
    Id(Cmp, [u8; 18]),
    IdIn(Membership<IdSet>),
    /// Case-insensitive text: the literal is folded (see [`fold`]).
    Text(Cmp, String),
    TextIn(Membership<TextSet>),
    Like(LikePattern),
    /// A boolean field equals this value (null reads as false).
    Boolean(bool),
    Number(Cmp, f64),
    Date(Cmp, NaiveDate),
    DateTime(Cmp, DateTime<Utc>),
    /// A date field against a relative literal's days `[start, end)`.
    DateRange(Cmp, NaiveDate, NaiveDate),
    /// A dateTime field against a relative literal's whole UTC days `[start, end)`.
    DateTimeRange(Cmp, DateTime<Utc>, DateTime<Utc>),
    /// IN / NOT IN over values without a dedicated set (numbers, dates, booleans, ranges):
    /// any of the equality tests holds.
    AnyOf(Membership<Vec<Test>>),
}

/// IN or NOT IN over a prepared collection.
#[derive(Debug, Clone)]
pub(crate) struct Membership<S> {
    pub set: S,
    pub negated: bool,
    /// Whether `null` is in the list (IN then matches nulls).
    pub null_listed: bool,
}

impl<S> Membership<S> {
    fn on_null(&self) -> bool {
        !self.negated && self.null_listed
    }

    fn decide(&self, found: bool) -> bool {
        found != self.negated
    }
}

/// A set of 18-character Ids.
#[derive(Debug, Clone)]
pub(crate) struct IdSet(HashSet<[u8; 18]>);

impl IdSet {
    pub(crate) fn new(ids: impl IntoIterator<Item = [u8; 18]>) -> Self {
        Self(ids.into_iter().collect())
    }

    /// The Ids, for the lookup hint.
    pub(crate) fn ids(&self) -> impl Iterator<Item = &[u8; 18]> {
        self.0.iter()
    }
}

/// A set of folded strings: scanned when short, hashed when long.
#[derive(Debug, Clone)]
pub(crate) enum TextSet {
    Short(Vec<String>),
    Long(HashSet<String>),
}

impl TextSet {
    pub(crate) fn new(folded: Vec<String>) -> Self {
        if folded.len() <= SET_THRESHOLD {
            Self::Short(folded)
        } else {
            Self::Long(folded.into_iter().collect())
        }
    }

    fn contains(&self, value: &str) -> bool {
        match self {
            TextSet::Short(items) => items.iter().any(|item| fold_eq(value, item)),
            TextSet::Long(items) => {
                // Fold into a stack buffer when we can, so the lookup does not allocate.
                let mut buffer = [0u8; 128];
                if value.is_ascii() && value.len() <= buffer.len() {
                    let folded = buffer.get_mut(..value.len()).unwrap_or_default();
                    for (slot, byte) in folded.iter_mut().zip(value.bytes()) {
                        *slot = byte.to_ascii_lowercase();
                    }
                    std::str::from_utf8(folded).is_ok_and(|key| items.contains(key))
                } else {
                    items.contains(&fold_string(value))
                }
            }
        }
    }
}

/// Folds one character for case-insensitive comparison: its first lower-case mapping.
/// Used for literals and row values alike, so both sides fold the same way.
pub(crate) fn fold(c: char) -> char {
    if c.is_ascii() {
        c.to_ascii_lowercase()
    } else {
        c.to_lowercase().next().unwrap_or(c)
    }
}

/// Folds a literal once, at bind time.
pub(crate) fn fold_string(text: &str) -> String {
    text.chars().map(fold).collect()
}

/// Whether `value` equals the already-folded `folded`, ignoring case.
fn fold_eq(value: &str, folded: &str) -> bool {
    if value.is_ascii() && folded.is_ascii() {
        value.len() == folded.len()
            && value
                .bytes()
                .zip(folded.bytes())
                .all(|(a, b)| a.to_ascii_lowercase() == b)
    } else {
        value.chars().map(fold).eq(folded.chars())
    }
}

fn fold_cmp(value: &str, folded: &str) -> Ordering {
    value.chars().map(fold).cmp(folded.chars())
}

/// A compiled LIKE pattern: folded literal characters and the two wildcards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LikePattern {
    items: Vec<LikeItem>,
    ascii: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LikeItem {
    /// One character, folded.
    Char(char),
    /// `_`: exactly one character.
    One,
    /// `%`: any run of characters.
    Any,
}

impl LikePattern {
    pub(crate) fn new(items: Vec<LikeItem>) -> Self {
        let ascii = items.iter().all(|item| match item {
            LikeItem::Char(c) => c.is_ascii(),
            LikeItem::One | LikeItem::Any => true,
        });
        Self { items, ascii }
    }

    /// Case-insensitive match of the whole value (SOQL reference "Comparison Operators":
    /// "The LIKE operator performs a case-insensitive match").
    pub(crate) fn matches(&self, value: &str) -> bool {
        if self.ascii && value.is_ascii() {
            wildcard_match(&self.items, value.as_bytes(), |b| {
                char::from(b.to_ascii_lowercase())
            })
        } else {
            let chars: Vec<char> = value.chars().collect();
            wildcard_match(&self.items, &chars, fold)
        }
    }
}

/// Glob matching with one backtrack point (the last `%`): linear for the common patterns.
fn wildcard_match<T: Copy>(items: &[LikeItem], text: &[T], fold: impl Fn(T) -> char) -> bool {
    let (mut p, mut t) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        let step = match (items.get(p), text.get(t)) {
            (Some(LikeItem::Any), _) => {
                star = Some((p, t));
                p += 1;
                continue;
            }
            (Some(LikeItem::One), Some(_)) => true,
            (Some(LikeItem::Char(want)), Some(got)) => *want == fold(*got),
            _ => false,
        };
        if step {
            p += 1;
            t += 1;
        } else if let Some((star_p, star_t)) = star {
            p = star_p + 1;
            t = star_t + 1;
            star = Some((star_p, star_t + 1));
        } else {
            return false;
        }
    }
    items
        .get(p..)
        .is_some_and(|rest| rest.iter().all(|item| *item == LikeItem::Any))
}

impl Pred {
    pub(crate) fn eval<R: super::Row + ?Sized>(&self, row: &R) -> bool {
        match self {
            Pred::And(parts) => parts.iter().all(|part| part.eval(row)),
            Pred::Or(parts) => parts.iter().any(|part| part.eval(row)),
            Pred::Not(inner) => !inner.eval(row),
            Pred::Leaf(leaf) => {
                let value = leaf.path.read(row);
                let value =
                    if leaf.path.ty() == SoqlType::Boolean && matches!(value, SoqlValue::Null) {
                        SoqlValue::Boolean(false)
                    } else {
                        value
                    };
                leaf.test.eval(&value)
            }
        }
    }
}

impl Test {
    pub(crate) fn eval(&self, value: &SoqlValue<'_>) -> bool {
        if matches!(value, SoqlValue::Null) {
            return self.on_null();
        }
        match (self, value) {
            (Test::IsNull | Test::Never, _) => false,
            (Test::NotNull, _) => true,
            (Test::Id(cmp, want), SoqlValue::String(got)) => {
                id_bytes(got).is_some_and(|got| cmp.holds(got.cmp(want)))
            }
            (Test::IdIn(m), SoqlValue::String(got)) => {
                id_bytes(got).is_some_and(|got| m.decide(m.set.0.contains(&got)))
            }
            (Test::Text(Cmp::Eq, want), SoqlValue::String(got)) => fold_eq(got, want),
            (Test::Text(Cmp::Ne, want), SoqlValue::String(got)) => !fold_eq(got, want),
            (Test::Text(cmp, want), SoqlValue::String(got)) => cmp.holds(fold_cmp(got, want)),
            (Test::TextIn(m), SoqlValue::String(got)) => m.decide(m.set.contains(got)),
            (Test::Like(pattern), SoqlValue::String(got)) => pattern.matches(got),
            (Test::Boolean(want), SoqlValue::Boolean(got)) => want == got,
            (Test::Number(cmp, want), SoqlValue::Number(got)) => {
                got.partial_cmp(want).is_some_and(|o| cmp.holds(o))
            }
            (Test::Date(cmp, want), SoqlValue::Date(got)) => cmp.holds(got.cmp(want)),
            (Test::DateTime(cmp, want), SoqlValue::DateTime(got)) => cmp.holds(got.cmp(want)),
            (Test::DateRange(cmp, start, end), SoqlValue::Date(got)) => {
                in_range(*cmp, got, start, end)
            }
            (Test::DateTimeRange(cmp, start, end), SoqlValue::DateTime(got)) => {
                in_range(*cmp, got, start, end)
            }
            (Test::AnyOf(m), _) => m.decide(m.set.iter().any(|test| test.eval(value))),
            // A row value of the wrong kind for its field never matches.
            _ => false,
        }
    }

    fn on_null(&self) -> bool {
        match self {
            Test::IsNull => true,
            Test::NotNull | Test::Never | Test::Like(_) | Test::Boolean(_) => false,
            Test::Id(cmp, _)
            | Test::Text(cmp, _)
            | Test::Number(cmp, _)
            | Test::Date(cmp, _)
            | Test::DateTime(cmp, _)
            | Test::DateRange(cmp, _, _)
            | Test::DateTimeRange(cmp, _, _) => cmp.on_null(),
            Test::IdIn(m) => m.on_null(),
            Test::TextIn(m) => m.on_null(),
            Test::AnyOf(m) => m.on_null(),
        }
    }
}

/// A relative literal as a range: `=` means inside, `<` before its start, `>` after its end
/// (SOQL reference "Date Formats and Date Literals": `CreatedDate > TODAY` is after today).
fn in_range<T: Ord>(cmp: Cmp, value: &T, start: &T, end: &T) -> bool {
    let inside = value >= start && value < end;
    match cmp {
        Cmp::Eq => inside,
        Cmp::Ne => !inside,
        Cmp::Lt => value < start,
        Cmp::Le => value < end,
        Cmp::Gt => value >= end,
        Cmp::Ge => value >= start,
    }
}

/// The 18-character form of a row's Id value. The emulator stores 18-character Ids, so the
/// common case is a byte copy; a 15-character value is normalised.
fn id_bytes(value: &str) -> Option<[u8; 18]> {
    if let Ok(bytes) = <[u8; 18]>::try_from(value.as_bytes()) {
        return Some(bytes);
    }
    let id = crate::id::SfId::parse(value).ok()?;
    <[u8; 18]>::try_from(id.as_str().as_bytes()).ok()
}

/// One ORDER BY key.
#[derive(Debug, Clone)]
pub(crate) struct OrderKey {
    pub path: super::FieldPath,
    pub descending: bool,
    pub nulls_first: bool,
}

/// Compares two rows by the ORDER BY keys; equal keys give `Equal` (the caller's sort is
/// stable, so ties keep their order).
pub(crate) fn compare_rows<A, B>(keys: &[OrderKey], a: &A, b: &B) -> Ordering
where
    A: super::Row + ?Sized,
    B: super::Row + ?Sized,
{
    for key in keys {
        let left = normalise_null(key, key.path.read(a));
        let right = normalise_null(key, key.path.read(b));
        let ordering = match (
            matches!(left, SoqlValue::Null),
            matches!(right, SoqlValue::Null),
        ) {
            (true, true) => Ordering::Equal,
            (true, false) if key.nulls_first => Ordering::Less,
            (true, false) => Ordering::Greater,
            (false, true) if key.nulls_first => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) => {
                let ordering = compare_values(key.path.ty(), &left, &right);
                if key.descending {
                    ordering.reverse()
                } else {
                    ordering
                }
            }
        };
        if ordering != Ordering::Equal {
            return ordering;
        }
    }
    Ordering::Equal
}

fn normalise_null<'r>(key: &OrderKey, value: SoqlValue<'r>) -> SoqlValue<'r> {
    if key.path.ty() == SoqlType::Boolean && matches!(value, SoqlValue::Null) {
        SoqlValue::Boolean(false)
    } else {
        value
    }
}

/// Orders two non-null values of one field. Text sorts case-insensitively and Ids by their
/// bytes (`[verify]`: Salesforce sorts text by the user's locale).
fn compare_values(ty: SoqlType, a: &SoqlValue<'_>, b: &SoqlValue<'_>) -> Ordering {
    match (a, b) {
        (SoqlValue::String(x), SoqlValue::String(y)) => match ty {
            SoqlType::Id | SoqlType::Reference => x.as_bytes().cmp(y.as_bytes()),
            _ => x.chars().map(fold).cmp(y.chars().map(fold)),
        },
        (SoqlValue::Number(x), SoqlValue::Number(y)) => x.partial_cmp(y).unwrap_or(Ordering::Equal),
        (SoqlValue::Boolean(x), SoqlValue::Boolean(y)) => x.cmp(y),
        (SoqlValue::Date(x), SoqlValue::Date(y)) => x.cmp(y),
        (SoqlValue::DateTime(x), SoqlValue::DateTime(y)) => x.cmp(y),
        _ => rank(a).cmp(&rank(b)),
    }
}

/// A stable order between values of different kinds (a row that breaks its schema).
fn rank(value: &SoqlValue<'_>) -> u8 {
    match value {
        SoqlValue::Null => 0,
        SoqlValue::Boolean(_) => 1,
        SoqlValue::Number(_) => 2,
        SoqlValue::String(_) => 3,
        SoqlValue::Date(_) => 4,
        SoqlValue::DateTime(_) => 5,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn like(pattern: &str) -> LikePattern {
        LikePattern::new(
            pattern
                .chars()
                .map(|c| match c {
                    '%' => LikeItem::Any,
                    '_' => LikeItem::One,
                    other => LikeItem::Char(fold(other)),
                })
                .collect(),
        )
    }

    #[test]
    fn like_wildcards_and_case() {
        let cases = [
            ("appl_%", "Appleton", true),
            ("appl_%", "Apple", true),
            ("appl_%", "Appl", false),
            ("appl%", "Appl", true),
            ("%tech%", "BigTECHCo", true),
            ("%tech", "TechCo", false),
            ("a%b%c", "aXXbYYc", true),
            ("a%b%c", "aXXbYY", false),
            ("%", "", true),
            ("_", "", false),
            ("é%", "Éclair", true),
            ("%SSE", "Straße", false),
            ("%ẞe", "Straße", true),
            ("%ß", "Straße", false),
        ];
        for (pattern, value, expected) in cases {
            assert_eq!(
                like(pattern).matches(value),
                expected,
                "{pattern} ~ {value}"
            );
        }
    }

    #[test]
    fn text_sets_fold_both_short_and_long() {
        let short = TextSet::new(vec!["open".into(), "closed".into()]);
        let long = TextSet::new((0..20).map(|i| format!("value {i}")).collect());
        assert!(short.contains("OPEN"));
        assert!(!short.contains("opened"));
        assert!(long.contains("VALUE 7"));
        assert!(!long.contains("value 70"));
    }
}
