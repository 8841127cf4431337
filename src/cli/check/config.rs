//! The configuration checks: the file loaded and validated (listing which keys came from
//! the file and which from the environment, never a value), the scoring model, and the
//! field map. A configuration that does not load never gets here: `Setup::load` exits 2
//! naming every bad key.

use vitals::config::{Config, Origin};
use vitals::scoring::{Model, PRESET_NAMES};

use super::Line;
use crate::cli::common::Setup;

/// One line per configuration check.
pub fn lines(setup: &Setup) -> Vec<Line> {
    vec![
        sources(&setup.config),
        model(&setup.model),
        fields(&setup.config),
    ]
}

/// The scoring model `[scoring] model` names, and where it came from.
fn model(model: &Model) -> Line {
    let source = if PRESET_NAMES.contains(&model.source.as_str()) {
        "the built-in preset".to_owned()
    } else {
        format!("the file {}", model.source)
    };
    Line::ok(
        "scoring model",
        format!(
            "{} from {source}, {} categories",
            model.name,
            model.categories.len()
        ),
    )
}

/// The configuration and where each of its keys came from.
fn sources(config: &Config) -> Line {
    let mut from_file = Vec::new();
    let mut from_env = Vec::new();
    let mut defaults = 0;
    for (key, origin) in &config.origins {
        match origin {
            Origin::File(_) => from_file.push(key.clone()),
            Origin::Env(variable) => from_env.push(format!("{key} ({variable})")),
            Origin::Default => defaults += 1,
            Origin::Unset => {}
        }
    }
    let list = |keys: &[String]| {
        if keys.is_empty() {
            "nothing".to_owned()
        } else {
            keys.join(", ")
        }
    };
    Line::ok(
        "configuration",
        format!("{} is valid", config.file.display()),
    )
    .note(format!("read from the file: {}", list(&from_file)))
    .note(format!("read from the environment: {}", list(&from_env)))
    .note(format!(
        "{defaults} other keys keep their built-in defaults; values are not shown, since some are secrets"
    ))
}

/// The `[fields]` overrides (their sources are listed with the configuration's).
fn fields(config: &Config) -> Line {
    let keys: Vec<String> = config
        .fields
        .overrides
        .keys()
        .map(|key| format!("fields.{key}"))
        .collect();
    if keys.is_empty() {
        return Line::ok("field map", "Vitals' default Salesforce field names");
    }
    Line::ok(
        "field map",
        format!(
            "{} fields mapped to your own under [fields]: {}",
            keys.len(),
            keys.join(", ")
        ),
    )
}
