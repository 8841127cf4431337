//! The model presets shipped inside the binary, so they work from any directory.
//!
//! The files live in `config/models/`; this module only embeds their text. It must never
//! hold a model in code: a preset is data like any model a user writes.

/// Preset names, the default first.
pub const NAMES: [&str; 3] = [
    "csm-nine",
    "four-signal",
    "usage-support-engagement-expansion",
];

/// The TOML text of a preset.
pub fn text(name: &str) -> Option<&'static str> {
    match name {
        "csm-nine" => Some(include_str!("../../config/models/csm-nine.toml")),
        "four-signal" => Some(include_str!("../../config/models/four-signal.toml")),
        "usage-support-engagement-expansion" => Some(include_str!(
            "../../config/models/usage-support-engagement-expansion.toml"
        )),
        _ => None,
    }
}
