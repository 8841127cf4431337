//! The state-store checks, from [`Store::inspect`]: the store can be reached and read, its
//! schema is current (or will be created or migrated, which is said), not newer than this
//! binary; Vitals can write what it must; and an SQLite file has room to grow.
//!
//! Only the verdicts and fixes live here; what is looked at, and how, is the store's.
//! Locations are the store's own (a path, or a PostgreSQL server and database), never a
//! password.

use std::path::Path;

use vitals::config::StateConfig;
use vitals::store::{
    DiskSpace, Inspection, Location, SchemaStatus, Store, StoreError, Writability, WriteProblem,
    WriteTarget,
};

use super::Line;

/// Below this much free space beside the state file, the check warns.
const MIN_FREE_BYTES: u64 = 1 << 30;

/// One line per state-store check.
pub fn lines(config: &StateConfig) -> Vec<Line> {
    let inspection = match Store::inspect(config) {
        Ok(inspection) => inspection,
        Err(error) => return vec![unreadable(config, &error)],
    };
    let reached = match (&inspection.location, inspection.schema) {
        (Location::Postgres { .. }, _) => "accepts the connection",
        (Location::File(_), SchemaStatus::Absent { .. }) => {
            "does not exist yet; the first `vitals sync` or `vitals run` creates it"
        }
        (Location::File(_), _) => "can be read",
    };
    let mut lines = vec![Line::ok(
        "state store",
        format!("{} {reached}", inspection.location),
    )];
    lines.push(schema(&inspection));
    lines.extend(inspection.writes.iter().map(writable));
    if let (Some(space), StateConfig::Sqlite { path }) = (inspection.space, config) {
        lines.push(disk_space(space, path));
    }
    lines
}

/// The store cannot be reached, or is not Vitals' state.
fn unreadable(config: &StateConfig, error: &StoreError) -> Line {
    let fix = match (config, error) {
        (_, StoreError::Corrupt { .. }) => {
            "restore the state from a backup, or point [state] at a new location to start from an empty state"
        }
        (StateConfig::Sqlite { .. }, _) => {
            "check [state] path: the file must be readable by the user that runs Vitals"
        }
        (StateConfig::Postgres { .. }, _) => {
            "check [state] url (or url_file, or VITALS__STATE__URL): the server must be reachable from here and accept the user and its password"
        }
    };
    Line::error("state store", error.to_string(), fix)
}

fn schema(inspection: &Inspection) -> Line {
    match inspection.schema {
        SchemaStatus::Absent { known } => Line::ok(
            "schema",
            format!("none yet: it is created at version {known}, this release's"),
        ),
        SchemaStatus::Current { version } => {
            Line::ok("schema", format!("version {version}, current"))
        }
        SchemaStatus::Older { found, known } => Line::ok(
            "schema",
            format!(
                "version {found}: the next `vitals sync` or `vitals run` migrates it to version {known}"
            ),
        )
        .note("back up the state before upgrading; a migrated store cannot be opened by this release's predecessors"),
        SchemaStatus::Unreadable => Line::error(
            "schema",
            "this user may not look into the schema vitals, so its version is unknown",
            "grant the user [state] url names USAGE on the schema vitals (the README's `vitals check` section lists what Vitals needs)",
        ),
        SchemaStatus::Newer { found, known } => Line::error(
            "schema",
            format!(
                "version {found} was written by a newer Vitals; this one knows versions up to {known} and will not open it"
            ),
            match inspection.location {
                Location::File(_) => "upgrade Vitals or point [state] at another file",
                Location::Postgres { .. } => "upgrade Vitals or point [state] at another database",
            },
        ),
    }
}

fn writable(write: &Writability) -> Line {
    let subject = match &write.target {
        WriteTarget::Directory(path) => format!("state directory {}", path.display()),
        WriteTarget::File(path) => format!("state file {}", path.display()),
        WriteTarget::Database => "state database".to_owned(),
    };
    let Some(problem) = &write.problem else {
        return Line::ok(subject, "writable");
    };
    let (detail, fix) = match (problem, &write.target) {
        (WriteProblem::Missing, WriteTarget::Directory(path)) => (
            "does not exist".to_owned(),
            format!(
                "create it for the user that runs Vitals (`mkdir -p {}`; under systemd, StateDirectory=vitals makes /var/lib/vitals)",
                path.display()
            ),
        ),
        (WriteProblem::Denied(reason), WriteTarget::Directory(path)) => (
            format!("not writable ({reason})"),
            format!(
                "give the user that runs Vitals write access to {}: SQLite creates the state file and its -wal and -shm files there",
                path.display()
            ),
        ),
        (WriteProblem::ReadOnlyServer, _) => (
            "the server only reads (a standby, or default_transaction_read_only = on)".to_owned(),
            "point [state] url at the primary server".to_owned(),
        ),
        (WriteProblem::NoPrivilege(missing), _) => (
            format!("the user lacks {missing}"),
            "grant those privileges to the user [state] url names (the README's `vitals check` section lists what Vitals needs)".to_owned(),
        ),
        (WriteProblem::Missing | WriteProblem::Denied(_), _) => (
            format!("not writable ({})", describe(problem)),
            "give the user that runs Vitals read and write access to it (e.g. chown it to that user)".to_owned(),
        ),
    };
    Line::error(subject, detail, fix)
}

fn describe(problem: &WriteProblem) -> &str {
    match problem {
        WriteProblem::Denied(reason) | WriteProblem::NoPrivilege(reason) => reason,
        WriteProblem::Missing => "missing",
        WriteProblem::ReadOnlyServer => "read-only server",
    }
}

/// Free space against what the state may need: a full load writes a new copy of the
/// replica before it removes the old one, so twice the store's size, and never less than
/// [`MIN_FREE_BYTES`].
fn disk_space(space: DiskSpace, path: &Path) -> Line {
    let wanted = MIN_FREE_BYTES.max(space.store_bytes.saturating_mul(2));
    let detail = format!(
        "{} free beside the state, which takes {}",
        size(space.available),
        size(space.store_bytes)
    );
    if space.available >= wanted {
        return Line::ok("disk space", detail);
    }
    Line::warning(
        "disk space",
        format!(
            "{detail}; Vitals wants at least {} (a full load writes a new copy of the replica before it removes the old one)",
            size(wanted)
        ),
        format!(
            "free space on the disk holding {}, or point [state] path at a larger one",
            path.display()
        ),
    )
}

/// A byte count for people: `512 KiB`, `3.2 GiB` (tenths below ten, rounded down).
fn size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} bytes");
    }
    let (mut unit, mut scale) = (0, 1024_u64);
    while unit + 1 < UNITS.len() && bytes / scale >= 1024 {
        unit += 1;
        scale *= 1024;
    }
    let tenths = bytes.saturating_mul(10) / scale;
    if tenths < 100 {
        format!("{}.{} {}", tenths / 10, tenths % 10, UNITS[unit])
    } else {
        format!("{} {}", (tenths + 5) / 10, UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(size(0), "0 bytes");
        assert_eq!(size(1023), "1023 bytes");
        assert_eq!(size(1536), "1.5 KiB");
        assert_eq!(size(300 << 20), "300 MiB");
        assert_eq!(size(3 << 30), "3.0 GiB");
    }

    #[test]
    fn a_state_that_would_outgrow_the_disk_warns_and_never_fails() {
        let path = Path::new("/var/lib/vitals/state.db");
        let roomy = DiskSpace {
            available: 10 << 30,
            store_bytes: 2 << 30,
        };
        assert_eq!(disk_space(roomy, path).status, super::super::Status::Ok);
        // 3 GiB free, 2 GiB of state: a full load may need 4.
        let tight = DiskSpace {
            available: 3 << 30,
            store_bytes: 2 << 30,
        };
        let line = disk_space(tight, path);
        assert_eq!(line.status, super::super::Status::Warning);
        assert!(line.detail.contains("at least 4.0 GiB"), "{line}");
        // A new, small state still wants the floor.
        let small = DiskSpace {
            available: 500 << 20,
            store_bytes: 0,
        };
        assert_eq!(
            disk_space(small, path).status,
            super::super::Status::Warning
        );
    }
}
