//! Loading a model: TOML text, a file or a preset, read by [`read_model`](super::read_model)
//! into a valid [`Model`].
//!
//! The loaders are `Model`'s associated functions, declared here on the reader's side so
//! that imports run one way: `schema` uses the model types, and `model` never uses the
//! reader. Reading a file ([`Model::from_file`]) is the only I/O in the scoring module, and
//! it happens when the model is loaded, never while scoring.

use std::path::Path;

use super::read_model;
use crate::scoring::model::{Model, ModelError};
use crate::scoring::presets;

impl Model {
    /// Reads a model from TOML text. `source_name` names the text in errors and becomes
    /// [`Model::source`].
    ///
    /// # Errors
    /// [`ModelError::Syntax`] for text that is not TOML; [`ModelError::Invalid`] listing
    /// every problem, each with its TOML path.
    pub fn from_toml_str(text: &str, source_name: &str) -> Result<Self, ModelError> {
        let table: toml::Table =
            toml::from_str(text).map_err(|error: toml::de::Error| ModelError::Syntax {
                source_name: source_name.to_owned(),
                message: error.to_string().trim_end().to_owned(),
            })?;
        read_model(&table, source_name).map_err(|issues| ModelError::Invalid {
            source_name: source_name.to_owned(),
            issues,
        })
    }

    /// Reads a model file.
    ///
    /// # Errors
    /// [`ModelError::Read`] when the file cannot be read, otherwise as
    /// [`Model::from_toml_str`].
    pub fn from_file(path: &Path) -> Result<Self, ModelError> {
        let text = std::fs::read_to_string(path).map_err(|source| ModelError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::from_toml_str(&text, &path.display().to_string())
    }

    /// Loads a preset shipped in the binary (`csm-nine`, `four-signal`,
    /// `usage-support-engagement-expansion`).
    ///
    /// # Errors
    /// [`ModelError::UnknownPreset`] for another name; a preset that fails to load is a
    /// bug caught by the tests.
    pub fn load_preset(name: &str) -> Result<Self, ModelError> {
        match presets::text(name) {
            Some(text) => Self::from_toml_str(text, name),
            None => Err(ModelError::UnknownPreset {
                name: name.to_owned(),
                known: presets::NAMES.join(", "),
            }),
        }
    }

    /// Loads a preset by name, or else a model file by path: the `[scoring] model` setting.
    ///
    /// # Errors
    /// As [`Model::load_preset`] and [`Model::from_file`]; a name that is neither a preset
    /// nor an existing file is [`ModelError::UnknownPreset`].
    pub fn load(name_or_path: &str) -> Result<Self, ModelError> {
        if presets::text(name_or_path).is_some() {
            return Self::load_preset(name_or_path);
        }
        let path = Path::new(name_or_path);
        let looks_like_path =
            name_or_path.contains(['/', '\\']) || path.extension().is_some_and(|ext| ext == "toml");
        if looks_like_path || path.is_file() {
            Self::from_file(path)
        } else {
            Self::load_preset(name_or_path)
        }
    }
}
