//! Embeds the SFDX metadata under the repository's `salesforce-metadata/` into the
//! emulator, so that `vitals emulator` serves Vitals' custom fields from any working
//! directory.
//!
//! It reads `../../salesforce-metadata/force-app/main/default` and
//! `../../salesforce-metadata/standard-value-sets/force-app/main/default` (relative to this
//! crate) and writes
//! `$OUT_DIR/embedded_metadata.rs`: a static list of (path relative to
//! `force-app/main/default`, file text) pairs. A checkout without the directory embeds nothing.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};

fn collect(dir: &Path, root: &Path, out: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            collect(&path, root, out);
        } else if let (true, Ok(relative)) = (
            path.to_string_lossy().ends_with("-meta.xml"),
            path.strip_prefix(root),
        ) {
            out.push((relative.to_string_lossy().replace('\\', "/"), path.clone()));
        }
    }
}

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    println!("cargo:rerun-if-changed=../../salesforce-metadata");
    println!("cargo:rerun-if-changed=build.rs");
    let mut files = Vec::new();
    // The package and its separately deployed standard value sets share one layout below
    // `force-app/main/default`.
    for source in [
        "../../salesforce-metadata",
        "../../salesforce-metadata/standard-value-sets",
    ] {
        let root = manifest.join(source).join("force-app/main/default");
        collect(&root, &root, &mut files);
    }
    let mut code = String::from(
        "/// Embedded SFDX metadata files: (relative path, text).\npub static FILES: &[(&str, &str)] = &[\n",
    );
    for (relative, path) in files {
        code.push_str(&format!(
            "    ({relative:?}, include_str!({:?})),\n",
            path.to_string_lossy()
        ));
    }
    code.push_str("];\n");
    let out = PathBuf::from(env::var("OUT_DIR").unwrap_or_default()).join("embedded_metadata.rs");
    if let Err(error) = fs::write(&out, code) {
        println!("cargo:warning=could not write {}: {error}", out.display());
    }
}
