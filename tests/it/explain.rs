//! `vitals explain --input FILE`: runs the real binary on `fixtures/explain/acme.json`.

use std::path::PathBuf;
use std::process::Command;

fn acme() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/explain/acme.json")
}

/// What a run should produce: the exit code and text each stream must contain.
struct Expect<'a> {
    code: i32,
    stdout: &'a [&'a str],
    stderr: &'a [&'a str],
}

fn check(args: &[&str], expect: Expect<'_>) {
    let output = Command::new(env!("CARGO_BIN_EXE_vitals"))
        .args(args)
        .env("RUST_LOG", "off")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(expect.code),
        "{args:?}\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    for want in expect.stdout {
        assert!(
            stdout.contains(want),
            "{args:?}: stdout lacks {want:?}:\n{stdout}"
        );
    }
    for want in expect.stderr {
        assert!(
            stderr.contains(want),
            "{args:?}: stderr lacks {want:?}:\n{stderr}"
        );
    }
}

#[test]
fn explain_prints_the_breakdown_of_an_account_by_name_or_id() {
    let input = acme();
    let input = input.to_str().unwrap();
    let breakdown: &[&str] = &[
        "Acme Corporation (001000000001001AAA): model csm-nine, profile default, as of 2026-06-30 23:59 UTC",
        "Product adoption          20     20%      60      12",
        "Case health               15     15%      75    11.3",
        "    case health: starts at 100; 1 open high-severity case (-25) -> 75",
        "    evidence: 500000000000001AAA",
        "Business reviews          10     10%      50       5",
        "1 of 2 milestones due since 2026-01-01 were completed on time, scores 50 (1 open and overdue)",
        "    evidence: 00U000000000003EAA, 00U000000000004EAA",
        "overall: 72.0",
        "status: Healthy since 2026-01-15: 72 is in the Healthy band (70 or more)",
        "coverage: 100%",
        "trend: Declining: -12.5 against 84.5 in the previous period (from 2026-05-01)",
        "    Business reviews fell from 100 to 50 (-5 points)",
    ];
    // The CSAT "five" is reported, named by record and field, and read as empty; the case
    // itself is kept (a bad value drops the value, not the record).
    let warning = "warning: ignored a value: Case 500000000000003AAA: field CSAT_Score__c: expected a number, found text";
    for account in ["Acme Corporation", "001000000001001", "001000000001001AAA"] {
        check(
            &[
                "explain",
                "--input",
                input,
                "--as-of",
                "2026-06-30",
                account,
            ],
            Expect {
                code: 0,
                stdout: breakdown,
                stderr: &[warning],
            },
        );
    }
    check(
        &[
            "explain",
            "--input",
            input,
            "--as-of",
            "2026-06-30",
            "--model",
            "four-signal",
            "Acme Corporation",
        ],
        Expect {
            code: 0,
            stdout: &[
                "model four-signal",
                "CSM sentiment",
                "CSM sentiment is Green and scores 100",
            ],
            stderr: &[],
        },
    );
}

#[test]
fn unknown_or_ambiguous_accounts_are_bad_input_with_candidates() {
    let input = acme();
    let input = input.to_str().unwrap();
    check(
        &["explain", "--input", input, "Globex"],
        Expect {
            code: 2,
            stdout: &[],
            stderr: &[
                "2 accounts are named \"Globex\"; pass one of their Ids",
                "Globex (001000000001002AAA)",
                "Globex (001000000001003AAA)",
            ],
        },
    );
    check(
        &["explain", "--input", input, "acme"],
        Expect {
            code: 2,
            stdout: &[],
            stderr: &[
                "no account with Id or Name \"acme\"",
                "Acme Corporation (001000000001001AAA)",
            ],
        },
    );
    check(
        &["explain", "Acme Corporation"],
        Expect {
            code: 2,
            stdout: &[],
            stderr: &["`vitals explain` needs --config FILE", "or --input FILE"],
        },
    );
}

#[test]
fn a_bad_model_file_exits_2_naming_every_bad_key() {
    let model = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bad-model.toml");
    std::fs::write(
        &model,
        r#"
name = "bad"
min_coverage = 150
[bands]
healthy = 70
monitor = 40
[[categories]]
key = "adoption"
label = "Adoption"
weight = -2
measure = { kind = "ratio", numerator = "account.active_users", denominator = "account.seats", scale = { kind = "linear", zero_at = 25, full_at = 75 } }
[[categories]]
key = "cases"
label = "Cases"
weight = 1
colour = "red"
measure = { kind = "mean", object = "case", field = "csat_score", scale = { kind = "linear", zero_at = 1, full_at = 5 }, where = [{ field = "closed_date", within_days = 0 }] }
"#,
    )
    .unwrap();
    check(
        &[
            "explain",
            "--input",
            acme().to_str().unwrap(),
            "--model",
            model.to_str().unwrap(),
            "Acme Corporation",
        ],
        Expect {
            code: 2,
            stdout: &[],
            stderr: &[
                "min_coverage: must be between 0 and 100",
                "categories[0].weight: must be positive",
                "categories[0].measure.denominator: unknown field \"account.seats\"",
                "categories[1].measure.where[0].within_days: must be positive",
                "categories[1].colour: unknown key",
            ],
        },
    );
}
