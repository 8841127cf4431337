//! `/`: every account in the replica with the health values the org holds, a count per
//! status and the ARR at risk, sorted, filtered and paged by query parameters.
//!
//! The values are the replica Account's health fields, what CSMs see on the record, not a
//! fresh computation. The whole list is read (one scan of the accounts, no related
//! records), then filtered, sorted and cut into pages in memory: sorting by a health field
//! needs every account anyway, and the order is total (ties go by Id), so a page holds the
//! same accounts every time it is asked for. Query parameters:
//!
//! | parameter | values | default |
//! |---|---|---|
//! | `sort` | `name`, `score`, `status`, `trend`, `change`, `coverage`, `owner`, `arr` | `name` |
//! | `dir` | `asc`, `desc` | `asc` |
//! | `status` | `healthy`, `monitor`, `at-risk`, `insufficient-data`, `not-scored`, `other` | all |
//! | `owner` | an owner's user Id, or `none` (the form shows the owner's name) | all |
//! | `page` | 1, 2, ... ([`PAGE_SIZE`] accounts each) | 1 |
//!
//! Empty values mean the default, so the filter form can send every field. Statuses sort
//! by severity (At Risk first when ascending), trends from Declining to Improving; empty
//! values come last in both directions. This page never scores: it shows what the org
//! holds, which is what CSMs and the org's dashboards see.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use maud::{Markup, html};
use serde::Deserialize;
use url::form_urlencoded;

use super::layout::{self, Section};
use super::{ConsoleState, PageError};
use crate::domain::{Account, HealthStatus, HealthTrend, SfId};

/// Accounts per page.
pub(super) const PAGE_SIZE: usize = 200;

/// The query parameters as sent; read by [`Listing::parse`].
#[derive(Debug, Default, Deserialize)]
pub(super) struct ListQuery {
    sort: Option<String>,
    dir: Option<String>,
    status: Option<String>,
    owner: Option<String>,
    page: Option<String>,
}

/// A column of the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Name,
    Score,
    Status,
    Trend,
    Change,
    Coverage,
    Owner,
    Arr,
}

impl Column {
    const ALL: [Column; 8] = [
        Column::Name,
        Column::Score,
        Column::Status,
        Column::Trend,
        Column::Change,
        Column::Coverage,
        Column::Owner,
        Column::Arr,
    ];

    fn key(self) -> &'static str {
        match self {
            Column::Name => "name",
            Column::Score => "score",
            Column::Status => "status",
            Column::Trend => "trend",
            Column::Change => "change",
            Column::Coverage => "coverage",
            Column::Owner => "owner",
            Column::Arr => "arr",
        }
    }

    fn heading(self) -> &'static str {
        match self {
            Column::Name => "Account",
            Column::Score => "Score",
            Column::Status => "Status",
            Column::Trend => "Trend",
            Column::Change => "Change",
            Column::Coverage => "Coverage",
            Column::Owner => "Owner",
            Column::Arr => "ARR",
        }
    }

    fn numeric(self) -> bool {
        matches!(
            self,
            Column::Score | Column::Change | Column::Coverage | Column::Arr
        )
    }
}

/// The status buckets the list counts and filters by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Bucket {
    AtRisk,
    Monitor,
    Healthy,
    InsufficientData,
    Other,
    NotScored,
}

impl Bucket {
    const ALL: [Bucket; 6] = [
        Bucket::Healthy,
        Bucket::Monitor,
        Bucket::AtRisk,
        Bucket::InsufficientData,
        Bucket::NotScored,
        Bucket::Other,
    ];

    fn of(status: Option<&HealthStatus>) -> Self {
        match status {
            Some(HealthStatus::AtRisk) => Bucket::AtRisk,
            Some(HealthStatus::Monitor) => Bucket::Monitor,
            Some(HealthStatus::Healthy) => Bucket::Healthy,
            Some(HealthStatus::InsufficientData) => Bucket::InsufficientData,
            Some(HealthStatus::Other(_)) => Bucket::Other,
            None => Bucket::NotScored,
        }
    }

    fn key(self) -> &'static str {
        match self {
            Bucket::AtRisk => "at-risk",
            Bucket::Monitor => "monitor",
            Bucket::Healthy => "healthy",
            Bucket::InsufficientData => "insufficient-data",
            Bucket::Other => "other",
            Bucket::NotScored => "not-scored",
        }
    }

    fn words(self) -> &'static str {
        match self {
            Bucket::AtRisk => "At Risk",
            Bucket::Monitor => "Monitor",
            Bucket::Healthy => "Healthy",
            Bucket::InsufficientData => "Insufficient Data",
            Bucket::Other => "Other status",
            Bucket::NotScored => "Not scored",
        }
    }
}

/// Whose accounts to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OwnerFilter {
    User(SfId),
    Nobody,
}

impl OwnerFilter {
    fn key(self) -> String {
        match self {
            OwnerFilter::User(id) => id.to_string(),
            OwnerFilter::Nobody => "none".to_owned(),
        }
    }

    fn admits(self, owner: Option<SfId>) -> bool {
        match self {
            OwnerFilter::User(id) => owner == Some(id),
            OwnerFilter::Nobody => owner.is_none(),
        }
    }
}

/// The list asked for: sort, filters and page, read from the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Listing {
    sort: Column,
    descending: bool,
    status: Option<Bucket>,
    owner: Option<OwnerFilter>,
    page: usize,
}

impl Listing {
    fn parse(query: &ListQuery) -> Result<Self, PageError> {
        let given = |value: &Option<String>| value.clone().filter(|v| !v.trim().is_empty());
        let bad = |what: &str| PageError::BadRequest(format!("unknown {what} in the address"));
        let sort = match given(&query.sort) {
            None => Column::Name,
            Some(key) => Column::ALL
                .into_iter()
                .find(|c| c.key() == key)
                .ok_or_else(|| bad("sort column"))?,
        };
        let descending = match given(&query.dir).as_deref() {
            None | Some("asc") => false,
            Some("desc") => true,
            Some(_) => return Err(bad("sort direction")),
        };
        let status = match given(&query.status) {
            None => None,
            Some(key) => Some(
                Bucket::ALL
                    .into_iter()
                    .find(|b| b.key() == key)
                    .ok_or_else(|| bad("status"))?,
            ),
        };
        let owner = match given(&query.owner).as_deref() {
            None => None,
            Some("none") => Some(OwnerFilter::Nobody),
            Some(id) => Some(OwnerFilter::User(
                SfId::parse(id.trim()).map_err(|_| bad("owner"))?,
            )),
        };
        let page = match given(&query.page) {
            None => 1,
            Some(text) => text
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|&p| p >= 1)
                .ok_or_else(|| bad("page number"))?,
        };
        Ok(Self {
            sort,
            descending,
            status,
            owner,
            page,
        })
    }

    /// The address of this listing with some parts changed.
    fn href(self) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        if self.sort != Column::Name {
            query.append_pair("sort", self.sort.key());
        }
        if self.descending {
            query.append_pair("dir", "desc");
        }
        if let Some(status) = self.status {
            query.append_pair("status", status.key());
        }
        if let Some(owner) = self.owner {
            query.append_pair("owner", &owner.key());
        }
        if self.page > 1 {
            query.append_pair("page", &self.page.to_string());
        }
        let query = query.finish();
        if query.is_empty() {
            "/".to_owned()
        } else {
            format!("/?{query}")
        }
    }

    /// The listing sorted by `column`: the other direction when already sorted by it.
    fn sorted_by(self, column: Column) -> Self {
        Self {
            sort: column,
            descending: self.sort == column && !self.descending,
            page: 1,
            ..self
        }
    }
}

/// One account as the list shows it: the org's values.
#[derive(Debug, Clone)]
struct Row {
    id: SfId,
    name: String,
    /// The name lower-cased once, for sorting.
    sort_name: String,
    owner: Option<SfId>,
    /// The owner's name as the org holds it, when the replica has it.
    owner_name: Option<String>,
    arr: Option<f64>,
    score: Option<f64>,
    status: Option<HealthStatus>,
    trend: Option<HealthTrend>,
    change: Option<f64>,
    coverage: Option<f64>,
}

impl From<Account> for Row {
    fn from(account: Account) -> Self {
        let health = account.health;
        Self {
            id: account.id,
            sort_name: account.name.to_lowercase(),
            name: account.name,
            owner: account.owner_id,
            owner_name: account.owner_name,
            arr: account.arr,
            score: health.score,
            status: health.status,
            trend: health.trend,
            change: health.score_change,
            coverage: health.coverage,
        }
    }
}

/// Builds the accounts page.
pub(super) fn page(state: &ConsoleState, query: &ListQuery) -> Result<Markup, PageError> {
    let listing = Listing::parse(query)?;
    let mut rows = Vec::new();
    state.store.each_account(&mut |account| {
        rows.push(Row::from(account));
        Ok(())
    })?;
    let owners = owners(&rows);
    let summary = Summary::of(&rows, listing.owner);
    let mut shown: Vec<Row> = rows
        .into_iter()
        .filter(|row| listing.owner.is_none_or(|o| o.admits(row.owner)))
        .filter(|row| {
            listing
                .status
                .is_none_or(|b| Bucket::of(row.status.as_ref()) == b)
        })
        .collect();
    shown.sort_by(|a, b| compare(listing, a, b));
    let pages = shown.len().div_ceil(PAGE_SIZE).max(1);
    let listing = Listing {
        page: listing.page.min(pages),
        ..listing
    };
    let start = (listing.page - 1) * PAGE_SIZE;
    let end = (start + PAGE_SIZE).min(shown.len());
    let slice = shown.get(start..end).unwrap_or_default();
    let content = html! {
        h1 { "Accounts" }
        (summary.view(listing))
        (filters(listing, &owners))
        (pager(listing, start, end, shown.len(), pages))
        (table(listing, slice))
        (pager(listing, start, end, shown.len(), pages))
    };
    Ok(layout::page("Accounts", Section::Accounts, content))
}

/// The counts at the top: accounts per status and the ARR of the accounts At Risk, for
/// every status (the status filter does not narrow them) and the chosen owner.
struct Summary {
    counts: BTreeMap<Bucket, usize>,
    total: usize,
    arr_at_risk: f64,
}

impl Summary {
    fn of(rows: &[Row], owner: Option<OwnerFilter>) -> Self {
        let mut summary = Summary {
            counts: BTreeMap::new(),
            total: 0,
            arr_at_risk: 0.0,
        };
        for row in rows
            .iter()
            .filter(|r| owner.is_none_or(|o| o.admits(r.owner)))
        {
            let bucket = Bucket::of(row.status.as_ref());
            *summary.counts.entry(bucket).or_default() += 1;
            summary.total += 1;
            if bucket == Bucket::AtRisk {
                summary.arr_at_risk += row.arr.unwrap_or(0.0);
            }
        }
        summary
    }

    fn view(&self, listing: Listing) -> Markup {
        let filtered = |bucket| {
            Listing {
                status: Some(bucket),
                page: 1,
                ..listing
            }
            .href()
        };
        html! {
            section.tiles id="summary" {
                div.tile {
                    a href=(Listing { status: None, page: 1, ..listing }.href()) {
                        "All accounts" b { (self.total) }
                    }
                }
                @for bucket in Bucket::ALL {
                    @let count = self.counts.get(&bucket).copied().unwrap_or(0);
                    @if count > 0 || bucket <= Bucket::InsufficientData {
                        div.tile data-status=(bucket.key()) {
                            a href=(filtered(bucket)) {
                                span class={ "status " (bucket.key()) } { (bucket.words()) }
                                b { (count) }
                            }
                        }
                    }
                }
                div.tile id="arr-at-risk" {
                    "ARR at risk" b { (layout::whole(self.arr_at_risk)) }
                }
            }
        }
    }
}

/// One owner in the filter: the user Id (the filter's value), the name shown, and how many
/// accounts they own.
struct Owner {
    id: Option<SfId>,
    name: Option<String>,
    accounts: usize,
}

impl Owner {
    /// What the form shows: the name, else the Id, else "No owner".
    fn label(&self) -> String {
        match (&self.name, self.id) {
            (Some(name), _) => name.clone(),
            (None, Some(id)) => id.to_string(),
            (None, None) => "No owner".to_owned(),
        }
    }
}

/// Every owner with their number of accounts, by name (then Id); accounts without an
/// owner last.
fn owners(rows: &[Row]) -> Vec<Owner> {
    let mut counts: BTreeMap<Option<SfId>, Owner> = BTreeMap::new();
    for row in rows {
        let owner = counts.entry(row.owner).or_insert_with(|| Owner {
            id: row.owner,
            name: None,
            accounts: 0,
        });
        owner.accounts += 1;
        if owner.name.is_none() {
            owner.name.clone_from(&row.owner_name);
        }
    }
    let mut owners: Vec<Owner> = counts.into_values().collect();
    owners.sort_by_key(|o| {
        (
            o.id.is_none(),
            o.name.as_ref().map(|n| n.to_lowercase()),
            o.id,
        )
    });
    owners
}

/// The GET form filtering by status and owner; it keeps the sort.
fn filters(listing: Listing, owners: &[Owner]) -> Markup {
    let owner_key =
        |owner: Option<SfId>| owner.map_or_else(|| "none".to_owned(), |id| id.to_string());
    let chosen_owner = listing.owner.map(OwnerFilter::key);
    html! {
        form.filters method="get" action="/" {
            @if listing.sort != Column::Name { input type="hidden" name="sort" value=(listing.sort.key()); }
            @if listing.descending { input type="hidden" name="dir" value="desc"; }
            label {
                "Status"
                select name="status" {
                    option value="" { "All statuses" }
                    @for bucket in Bucket::ALL {
                        option value=(bucket.key()) selected[listing.status == Some(bucket)] { (bucket.words()) }
                    }
                }
            }
            label {
                "Owner"
                select name="owner" {
                    option value="" { "All owners" }
                    @for owner in owners {
                        @let key = owner_key(owner.id);
                        option value=(key) selected[chosen_owner.as_deref() == Some(key.as_str())] {
                            (owner.label())
                            " (" (owner.accounts) ")"
                        }
                    }
                }
            }
            button type="submit" { "Filter" }
            a href="/" { "Clear" }
        }
    }
}

/// "Accounts 201–400 of 950" with links to the pages before and after.
fn pager(listing: Listing, start: usize, end: usize, total: usize, pages: usize) -> Markup {
    let to = |page| Listing { page, ..listing }.href();
    html! {
        div.pager {
            @if total == 0 {
                span { "No accounts match." }
            } @else {
                span { "Accounts " (start + 1) "–" (end) " of " (total) }
            }
            @if listing.page > 1 { a rel="prev" href=(to(listing.page - 1)) { "← Previous" } }
            @if listing.page < pages { a rel="next" href=(to(listing.page + 1)) { "Next →" } }
        }
    }
}

/// The accounts table; each heading links to the list sorted by its column.
fn table(listing: Listing, rows: &[Row]) -> Markup {
    html! {
        table id="accounts" {
            thead { tr {
                @for column in Column::ALL {
                    @let sorted = listing.sort == column;
                    @let aria = sorted.then_some(if listing.descending { "descending" } else { "ascending" });
                    th class=[column.numeric().then_some("n")] aria-sort=[aria] {
                        a href=(listing.sorted_by(column).href()) { (column.heading()) }
                        @if sorted { (if listing.descending { " ▼" } else { " ▲" }) }
                    }
                }
            } }
            tbody {
                @for row in rows {
                    tr data-account=(row.id) {
                        td { a href={ "/accounts/" (row.id) } { (row.name) } }
                        td.n { (layout::number(row.score)) }
                        td { (layout::status_badge(row.status.as_ref())) }
                        td { (layout::trend(row.trend.as_ref())) }
                        td.n { (layout::change(row.change)) }
                        td.n { (layout::percent(row.coverage)) }
                        td { (owner(row.owner, row.owner_name.as_deref())) }
                        td.n { (layout::money(row.arr)) }
                    }
                }
            }
        }
    }
}

/// The owner's name (read through the Account's owner lookup), with the user Id as its
/// tooltip; the Id alone when the replica has no name (read before names were).
fn owner(owner: Option<SfId>, name: Option<&str>) -> Markup {
    match (owner, name) {
        (Some(id), Some(name)) => html! { span title=(id) { (name) } },
        (Some(id), None) => html! { code { (id) } },
        (None, _) => html! { span.muted { "none" } },
    }
}

/// The list's order: the chosen column (empty values last either way), then the Id.
fn compare(listing: Listing, a: &Row, b: &Row) -> Ordering {
    let descending = listing.descending;
    let by_column = match listing.sort {
        Column::Name => nulls_last(Some(&a.sort_name), Some(&b.sort_name), descending, Ord::cmp),
        Column::Score => nulls_last(a.score, b.score, descending, f64::total_cmp),
        Column::Status => nulls_last(
            a.status.as_ref().map(status_rank),
            b.status.as_ref().map(status_rank),
            descending,
            Ord::cmp,
        ),
        Column::Trend => nulls_last(
            a.trend.as_ref().map(trend_rank),
            b.trend.as_ref().map(trend_rank),
            descending,
            Ord::cmp,
        ),
        Column::Change => nulls_last(a.change, b.change, descending, f64::total_cmp),
        Column::Coverage => nulls_last(a.coverage, b.coverage, descending, f64::total_cmp),
        Column::Owner => nulls_last(
            a.owner
                .map(|id| (a.owner_name.as_deref().map(str::to_lowercase), id)),
            b.owner
                .map(|id| (b.owner_name.as_deref().map(str::to_lowercase), id)),
            descending,
            Ord::cmp,
        ),
        Column::Arr => nulls_last(a.arr, b.arr, descending, f64::total_cmp),
    };
    by_column.then_with(|| a.id.cmp(&b.id))
}

/// Compares present values in the chosen direction; an empty value comes after a present
/// one in both directions, so "lowest score first" does not start with unscored accounts.
fn nulls_last<T>(
    a: Option<T>,
    b: Option<T>,
    descending: bool,
    cmp: impl Fn(&T, &T) -> Ordering,
) -> Ordering {
    match (a, b) {
        (Some(x), Some(y)) if descending => cmp(&x, &y).reverse(),
        (Some(x), Some(y)) => cmp(&x, &y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// Severity order: At Risk first, then Monitor, Healthy, Insufficient Data, others.
fn status_rank(status: &HealthStatus) -> (Bucket, String) {
    let text = match status {
        HealthStatus::Other(text) => text.clone(),
        _ => String::new(),
    };
    (Bucket::of(Some(status)), text)
}

fn trend_rank(trend: &HealthTrend) -> (u8, String) {
    match trend {
        HealthTrend::Declining => (0, String::new()),
        HealthTrend::Stable => (1, String::new()),
        HealthTrend::Improving => (2, String::new()),
        HealthTrend::Other(text) => (3, text.clone()),
    }
}
