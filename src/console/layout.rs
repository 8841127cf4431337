//! The one layout every console page uses, its embedded stylesheet, and the small pieces
//! several pages show the same way: status badges, numbers, instants and record links.
//!
//! Formatting only: nothing here reads the store or scores.

use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::OrgLinks;
use crate::domain::{HealthStatus, HealthTrend, SfId, SyncedObject};
use crate::scoring::{num, signed};

/// The stylesheet, embedded so that the console is one binary with no files to serve.
const CSS: &str = "\
body{font-family:system-ui,sans-serif;margin:0;color:#1b1b1b;background:#f6f7f9}\
header{background:#16325c;color:#fff;padding:.6rem 1.5rem;display:flex;gap:1.5rem;align-items:baseline}\
header a{color:#fff;text-decoration:none;font-weight:600}header a.here{text-decoration:underline}\
header .brand{font-size:1.15rem;font-weight:700;margin-right:1rem}\
main{padding:1rem 1.5rem;max-width:1200px}\
h1{font-size:1.4rem;margin:.4rem 0 .8rem}h2{font-size:1.1rem;margin:1.6rem 0 .5rem}\
table{border-collapse:collapse;background:#fff;width:100%}\
th,td{border-bottom:1px solid #dde1e6;padding:.35rem .5rem;text-align:left;vertical-align:top}\
th{background:#eef1f5;font-weight:600}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}\
th a{color:inherit}a{color:#0b5cab}\
.status{display:inline-block;padding:.05rem .45rem;border-radius:.6rem;font-size:.85rem;white-space:nowrap}\
.healthy{background:#2e7d32;color:#fff}.monitor{background:#f0a500;color:#1b1b1b}\
.at-risk{background:#c62828;color:#fff}.insufficient-data{background:#757575;color:#fff}\
.not-scored,.other{background:#fff;color:#555;border:1px solid #aaa}\
.tiles{display:flex;flex-wrap:wrap;gap:.6rem;margin:.5rem 0 1rem}\
.tile{background:#fff;border:1px solid #dde1e6;padding:.5rem .8rem;min-width:8rem}\
.tile b{display:block;font-size:1.3rem}.tile a{text-decoration:none;color:inherit}\
form.filters{display:flex;gap:.8rem;align-items:end;margin:.5rem 0 1rem;flex-wrap:wrap}\
form.filters label{display:flex;flex-direction:column;font-size:.85rem}\
.muted{color:#5f6670}.note{background:#fff8e1;border:1px solid #f0d58a;padding:.5rem .8rem}\
.flag{color:#8a1c1c}.reason{margin:.15rem 0}.evidence{font-size:.85rem}\
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;background:#fff;padding:.6rem .8rem;border:1px solid #dde1e6}\
dl.facts dt{font-weight:600}dl.facts dd{margin:0}\
.chart svg{max-width:100%;height:auto;background:#fff;border:1px solid #dde1e6}\
.pager{margin:.8rem 0;display:flex;gap:1rem}\
footer{padding:1rem 1.5rem;color:#5f6670;font-size:.8rem}";

/// The page a route belongs to, for the navigation bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Section {
    /// The accounts list and account pages.
    Accounts,
    /// The runs list and run pages.
    Runs,
    /// Error pages.
    None,
}

/// Wraps a page's content in the layout.
pub(super) fn page(title: &str, section: Section, content: Markup) -> Markup {
    let here = |s: Section| (s == section).then_some("here");
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Vitals" }
                style { (PreEscaped(CSS)) }
            }
            body {
                header {
                    span.brand { "Vitals" }
                    a href="/" class=[here(Section::Accounts)] { "Accounts" }
                    a href="/runs" class=[here(Section::Runs)] { "Runs" }
                }
                main { (content) }
                footer {
                    "Read-only view of Vitals' state store: the accounts as the org holds them "
                    "after the last sync, and what each run did."
                }
            }
        }
    }
}

/// The page shown for a missing page or a failure.
pub(super) fn error_page(status: StatusCode, title: &str, text: &str) -> Markup {
    page(
        title,
        Section::None,
        html! {
            h1 { (title) }
            p { (text) }
            p.muted { "HTTP " (status.as_u16()) ". " a href="/" { "Back to the accounts" } }
        },
    )
}

/// The CSS class and words of a status as the org holds it (`None`: never scored).
pub(super) fn status_class(status: Option<&HealthStatus>) -> (&'static str, &str) {
    match status {
        Some(HealthStatus::Healthy) => ("healthy", "Healthy"),
        Some(HealthStatus::Monitor) => ("monitor", "Monitor"),
        Some(HealthStatus::AtRisk) => ("at-risk", "At Risk"),
        Some(HealthStatus::InsufficientData) => ("insufficient-data", "Insufficient Data"),
        Some(HealthStatus::Other(text)) => ("other", text),
        None => ("not-scored", "Not scored"),
    }
}

/// A status as a coloured badge.
pub(super) fn status_badge(status: Option<&HealthStatus>) -> Markup {
    let (class, words) = status_class(status);
    html! { span class={ "status " (class) } { (words) } }
}

/// A trend in words, or a dash.
pub(super) fn trend(trend: Option<&HealthTrend>) -> Markup {
    match trend {
        Some(trend) => html! { (trend.as_api()) },
        None => dash(),
    }
}

/// A score or other number with at most one decimal, or a dash.
pub(super) fn number(value: Option<f64>) -> Markup {
    match value {
        Some(value) => html! { (num(value)) },
        None => dash(),
    }
}

/// A change with its sign, or a dash.
pub(super) fn change(value: Option<f64>) -> Markup {
    match value {
        Some(value) => html! { (signed(value)) },
        None => dash(),
    }
}

/// A percentage, or a dash.
pub(super) fn percent(value: Option<f64>) -> Markup {
    match value {
        Some(value) => html! { (num(value)) "%" },
        None => dash(),
    }
}

/// An amount in whole units with thousands separators (ARR), or a dash.
pub(super) fn money(value: Option<f64>) -> Markup {
    match value {
        Some(value) => html! { (whole(value)) },
        None => dash(),
    }
}

/// A whole number with thousands separators: `1,234,567`.
pub(super) fn whole(value: f64) -> String {
    let rounded = format!("{:.0}", value.abs());
    let mut out = String::with_capacity(rounded.len() + rounded.len() / 3 + 1);
    for (i, digit) in rounded.chars().enumerate() {
        if i > 0 && (rounded.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    if value < 0.0 && rounded != "0" {
        out.insert(0, '-');
    }
    out
}

/// An instant to the minute, in UTC.
pub(super) fn instant(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// A day, or a dash.
pub(super) fn day(value: Option<NaiveDate>) -> Markup {
    match value {
        Some(day) => html! { (day.format("%Y-%m-%d").to_string()) },
        None => dash(),
    }
}

fn dash() -> Markup {
    html! { span.muted { "–" } }
}

/// A record Id, linked to its page in the org when the org's address is known.
pub(super) fn record(org: &OrgLinks, object: SyncedObject, id: SfId, text: &str) -> Markup {
    match org.record_url(object, id) {
        Some(url) => html! { a href=(url) { (text) } },
        None => html! { (text) },
    }
}
