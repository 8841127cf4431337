//! The commands of the `vitals` binary, one module each.
//!
//! `main` parses the arguments and hands each command its own arguments; a command loads
//! what it needs (through [`common`]), does its work and returns an [`common::Exit`] or a
//! [`common::Failure`], which `main` turns into the exit code. Commands print to stdout and
//! stderr; they never install tracing (only `main` does) and never call
//! `std::process::exit`, so every outcome passes through one place.

pub mod backfill;
pub mod check;
pub mod common;
pub mod demo;
pub mod emulator;
pub mod explain;
pub mod run;
pub mod sync;
