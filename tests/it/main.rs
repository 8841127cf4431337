//! The one integration-test binary: every file here is a module of it, so the crate is
//! linked once.

mod explain;
mod scoring_fixtures;
mod scoring_properties;
