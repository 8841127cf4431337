//! The org checks: the describe-based preflight (`salesforce::preflight`) as one line per
//! check: the login, the API version, each object Vitals reads or writes with its fields,
//! and the limits a run draws on. A passed object is one line; a failed one lists each
//! problem with its fix, as the preflight found them.

use std::collections::BTreeMap;
use std::sync::Arc;

use vitals::salesforce::budget::UsageReport;
use vitals::salesforce::preflight::{self, CheckReport, Problem, Severity};
use vitals::salesforce::retrier::TokioSleeper;
use vitals::salesforce::{Client, ClientSettings, SalesforceError};

use super::Line;
use crate::cli::common::{Exit, Failure, Setup};

/// What the org's checks found, and the API calls they made.
pub struct OrgLines {
    /// One line per check.
    pub lines: Vec<Line>,
    /// The API calls the check made and the org's usage.
    pub usage: UsageReport,
}

/// Maps a Salesforce error to the exit codes: 3 when Salesforce cannot be reached or will
/// not let Vitals in, 1 otherwise.
fn salesforce_failure(error: &SalesforceError) -> Failure {
    Failure {
        exit: if error.is_unreachable_or_unauthorised() {
            Exit::Unreachable
        } else {
            Exit::FailedRecords
        },
        // The admin who ran the check reads this answer, so it keeps what Salesforce said
        // (an OAuth error description, an error's message); it is printed, never logged.
        message: error.for_report(),
    }
}

/// Logs in and runs the preflight.
///
/// # Errors
/// Exit 3 when Salesforce cannot be reached or refuses the login, 1 for another failure
/// that leaves nothing to check.
pub async fn lines(setup: &Setup) -> Result<OrgLines, Failure> {
    let Setup {
        config,
        model,
        fields,
    } = setup;
    let settings = ClientSettings::from_config(&config.salesforce);
    let login = Line::ok(
        "login",
        format!(
            "{} accepted the {} flow",
            settings.login_url,
            config.salesforce.auth.name()
        ),
    );
    let version = settings.api_version.clone();
    let client =
        Client::new(settings, Arc::new(TokioSleeper)).map_err(|e| salesforce_failure(&e))?;
    let categories = model.category_keys();
    let report = preflight::check(&client, fields, &categories)
        .await
        .map_err(|e| salesforce_failure(&e))?;
    let mut lines = vec![login];
    let mut problems = report.problems.clone();
    lines.extend(
        take(&mut problems, |p| p.subject == "API version").unwrap_or_else(|| {
            vec![Line::ok(
                "API version",
                format!("{version} is offered by the org"),
            )]
        }),
    );
    lines.extend(objects(fields, &categories, &mut problems));
    lines.extend(limits(&report, &mut problems));
    // Anything the groups above did not claim is still shown, as the preflight gave it.
    lines.extend(problems.iter().map(problem_line));
    Ok(OrgLines {
        lines,
        usage: client.usage(),
    })
}

/// One line per object when everything Vitals needs of it is in place, else one per
/// problem.
fn objects(
    fields: &vitals::salesforce::wire::FieldMap,
    categories: &[&str],
    problems: &mut Vec<Problem>,
) -> Vec<Line> {
    let mut needed: BTreeMap<&'static str, usize> = BTreeMap::new();
    for requirement in preflight::requirements(fields, categories) {
        *needed.entry(requirement.object.api_name()).or_default() += 1;
    }
    let mut lines = Vec::new();
    for (object, count) in needed {
        let about = |p: &Problem| {
            let subject = p.subject.to_ascii_lowercase();
            let object = object.to_ascii_lowercase();
            subject == object
                || subject.starts_with(&format!("{object}."))
                || subject.starts_with(&format!("{object} "))
        };
        let found = take(problems, about);
        let blocking = found
            .as_ref()
            .is_some_and(|lines| lines.iter().any(|l| l.status == super::Status::Error));
        if !blocking {
            lines.push(Line::ok(
                object,
                format!("{count} fields with the types and access Vitals needs"),
            ));
        }
        lines.extend(found.unwrap_or_default());
    }
    lines
}

/// One line per watched limit, with the preflight's warnings about them.
fn limits(report: &CheckReport, problems: &mut Vec<Problem>) -> Vec<Line> {
    let mut lines: Vec<Line> = report
        .limits
        .iter()
        .map(|(name, max, remaining)| {
            Line::ok(
                format!("limit {name}"),
                format!("{remaining} of {max} left in the rolling 24 hours"),
            )
        })
        .collect();
    let watched = |p: &Problem| {
        p.subject == "/limits" || preflight::WATCHED_LIMITS.contains(&p.subject.as_str())
    };
    lines.extend(take(problems, watched).unwrap_or_default());
    lines
}

/// Removes the problems `about` selects and turns them into lines; `None` when there were
/// none.
fn take(problems: &mut Vec<Problem>, about: impl Fn(&Problem) -> bool) -> Option<Vec<Line>> {
    let (found, rest): (Vec<Problem>, Vec<Problem>) = problems.drain(..).partition(|p| about(p));
    *problems = rest;
    (!found.is_empty()).then(|| found.iter().map(problem_line).collect())
}

fn problem_line(problem: &Problem) -> Line {
    match problem.severity {
        Severity::Error => Line::error(&problem.subject, &problem.problem, &problem.fix),
        Severity::Warning => Line::warning(&problem.subject, &problem.problem, &problem.fix),
    }
}

/// Prints the API calls this check made against the org's usage and Vitals' share of it.
pub fn print_usage(usage: &UsageReport, max_api_share: f64) {
    if let (Some(used), Some(max), Some(allowed)) =
        (usage.org_used_at_end, usage.org_max, usage.allowed)
    {
        println!(
            "API usage: this check made {} calls; the org has used {used} of {max} requests in the last 24 hours; Vitals may use {allowed} (salesforce.max_api_share = {max_api_share}).",
            usage.calls
        );
    }
}
