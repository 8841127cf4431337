//! The Salesforce API emulator: a generated org served to the demo, the tests and the benchmarks.

pub mod generate;
