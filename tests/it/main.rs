//! The integration tests: one binary, one module per area (see the style guide, 2.9).

// `cfg(test)` marks the modules as test code for clippy, which then allows `unwrap` in
// their helpers as it does in `#[test]` functions (clippy.toml).
#[cfg(test)]
mod cli_config;
#[cfg(test)]
mod metadata_drift;
