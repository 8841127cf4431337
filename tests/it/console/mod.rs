//! The web console: its pages called in-process over a seeded store.

mod pages;
mod seed;
