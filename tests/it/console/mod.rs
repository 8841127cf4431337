//! The web console: its pages called in-process over a seeded store, and (with the
//! `browser-tests` feature) the same console in headless Chromium.

#[cfg(feature = "browser-tests")]
mod browser;
mod pages;
mod seed;
