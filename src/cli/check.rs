//! `vitals check`: the describe-based preflight against the configured org.
//!
//! Prints every problem with its fix, the org's limits and the API calls the check used.
//! Exits 0 when nothing blocks a run (warnings allowed), 1 when something does, 3 when
//! Salesforce cannot be reached or refuses the login. It only reads from the org.

use std::sync::Arc;

use vitals::salesforce::preflight::{self, CheckReport, Severity};
use vitals::salesforce::retrier::TokioSleeper;
use vitals::salesforce::{Client, ClientSettings, SalesforceError};

use super::common::{ConfigArg, Exit, Failure, Setup, runtime};

/// Loads the setup and runs the preflight.
pub fn execute(args: &ConfigArg) -> Result<Exit, Failure> {
    let setup = Setup::load(args)?;
    runtime()?.block_on(check_org(&setup))
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

/// Runs the preflight and prints its report.
async fn check_org(setup: &Setup) -> Result<Exit, Failure> {
    let Setup {
        config,
        model,
        fields,
    } = setup;
    let settings = ClientSettings::from_config(&config.salesforce);
    println!(
        "Checking {} with the {} flow, API version {}, model {}.",
        settings.login_url,
        config.salesforce.auth.name(),
        settings.api_version,
        model.name
    );
    let client =
        Client::new(settings, Arc::new(TokioSleeper)).map_err(|e| salesforce_failure(&e))?;
    let report = preflight::check(&client, fields, &model.category_keys())
        .await
        .map_err(|e| salesforce_failure(&e))?;
    let (errors, warnings) = print_report(&report);
    print_usage(&client, config.salesforce.max_api_share);
    if errors == 0 {
        println!("OK: everything Vitals reads and writes is in place ({warnings} warnings).");
        Ok(Exit::Success)
    } else {
        println!("{errors} problems block Vitals, {warnings} warnings.");
        Ok(Exit::FailedRecords)
    }
}

/// Prints every problem with its fix and every limit; returns the number of errors and of
/// warnings.
fn print_report(report: &CheckReport) -> (usize, usize) {
    let problems = &report.problems;
    let errors = problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .count();
    for problem in problems {
        let tag = match problem.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        println!("{tag}: {}: {}", problem.subject, problem.problem);
        println!("  fix: {}", problem.fix);
    }
    for (name, max, remaining) in &report.limits {
        println!("limit: {name}: {remaining} of {max} left in the rolling 24 hours");
    }
    (errors, problems.len() - errors)
}

/// Prints the API calls this check made against the org's usage and Vitals' share of it.
fn print_usage(client: &Client, max_api_share: f64) {
    let usage = client.usage();
    if let (Some(used), Some(max), Some(allowed)) =
        (usage.org_used_at_end, usage.org_max, usage.allowed)
    {
        println!(
            "API usage: this check made {} calls; the org has used {used} of {max} requests in the last 24 hours; Vitals may use {allowed} (salesforce.max_api_share = {max_api_share}).",
            usage.calls
        );
    }
}
