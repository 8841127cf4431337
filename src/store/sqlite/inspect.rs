//! Inspecting a state file for `vitals check`: its schema version, whether this process can
//! write the directory and the files SQLite writes, and the free space beside them.
//!
//! It never creates, migrates or locks the state file: the version is read through a
//! connection that leaves no file behind (`schema::read_version`), files are opened for
//! writing without writing, and the directory is tried with one empty probe file that is
//! removed at once. It answers for the user running the check, which is why the README
//! says to run the check as the user the daemon runs as.

use std::fs::{self, OpenOptions};
use std::path::Path;

use super::schema;
use crate::store::StoreError;
use crate::store::error::Location;
use crate::store::inspect::{
    DiskSpace, Inspection, SchemaStatus, Writability, WriteProblem, WriteTarget,
};

/// Inspects the state file at `path` for a binary that knows schema versions up to `known`.
///
/// # Errors
/// [`StoreError`] naming the path when an existing file cannot be read as a state file
/// (not a database, damaged, another program's); a newer version is a status, not an error.
pub(super) fn inspect(path: &Path, known: i64) -> Result<Inspection, StoreError> {
    let directory = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut writes = vec![probe_directory(directory)];
    let files = [
        path.to_path_buf(),
        schema::companion(path, "-wal"),
        schema::companion(path, "-shm"),
    ];
    let existing: Vec<_> = files.iter().filter(|file| file.exists()).collect();
    let schema = if existing.iter().any(|file| *file == path) {
        SchemaStatus::of(Some(schema::read_version(path)?), known)
    } else {
        SchemaStatus::Absent { known }
    };
    writes.extend(existing.iter().map(|file| probe_file(file)));
    let store_bytes = existing
        .iter()
        .filter_map(|file| fs::metadata(file).ok())
        .map(|metadata| metadata.len())
        .sum();
    Ok(Inspection {
        location: Location::File(path.to_path_buf()),
        schema,
        writes,
        space: available(directory).map(|available| DiskSpace {
            available,
            store_bytes,
        }),
    })
}

/// Whether a file can be created (and removed) in `directory`: SQLite creates its `-wal`
/// and `-shm` files there.
fn probe_directory(directory: &Path) -> Writability {
    let target = WriteTarget::Directory(directory.to_path_buf());
    if !directory.is_dir() {
        return Writability {
            target,
            problem: Some(WriteProblem::Missing),
        };
    }
    let probe = directory.join(format!(".vitals-check-{}", std::process::id()));
    let problem = match OpenOptions::new().write(true).create_new(true).open(&probe) {
        Ok(file) => {
            drop(file);
            fs::remove_file(&probe).err().map(|error| {
                WriteProblem::Denied(format!(
                    "a probe file could be created but not removed ({error}); remove {}",
                    probe.display()
                ))
            })
        }
        Err(error) => Some(WriteProblem::Denied(error.to_string())),
    };
    Writability { target, problem }
}

/// Whether `file` opens for writing (nothing is written).
fn probe_file(file: &Path) -> Writability {
    Writability {
        target: WriteTarget::File(file.to_path_buf()),
        problem: OpenOptions::new()
            .write(true)
            .open(file)
            .err()
            .map(|error| WriteProblem::Denied(error.to_string())),
    }
}

/// Bytes available to this process on the file system holding `directory`; `None` when
/// the directory is missing (reported already) or the system will not say.
fn available(directory: &Path) -> Option<u64> {
    let stats = rustix::fs::statvfs(directory).ok()?;
    Some(stats.f_bavail.saturating_mul(stats.f_frsize))
}
