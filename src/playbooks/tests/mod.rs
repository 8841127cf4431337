//! Tests of the planner: table-driven cases through one `check` helper, whole plans as insta
//! snapshots, hand-computed accounts, and properties over generated accounts.
//!
//! Every test scores its snapshot with the real engine (csm-nine) and plans from that
//! score, the way the sync does; `org` applies a plan to a snapshot the way the org and the
//! state store would, so that "plan, apply, plan again" can be checked.

mod cases;
mod fixture;
mod hand;
mod org;
mod properties;
mod snapshots;

/// The planner's boundary: no state store, no clock, no I/O, no Salesforce API names. The
/// files are read as text, every one under `src/playbooks/` but this one.
#[test]
fn the_planner_imports_no_store_and_reads_no_clock() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/playbooks");
    let mut dirs = vec![root];
    let mut checked = 0;
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") || path.ends_with("tests/mod.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for banned in [
                "crate::store",
                "Utc::now",
                "std::fs",
                "tokio",
                "crate::salesforce",
                "__c\"",
            ] {
                assert!(!text.contains(banned), "{} uses {banned}", path.display());
            }
            checked += 1;
        }
    }
    assert!(checked > 15, "only {checked} files read");
}
