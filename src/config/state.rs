//! The `[state]` section: the SQLite file (`path`, the default) or a PostgreSQL database
//! (`url`, `url_file`, or `VITALS__STATE__URL`), never both.
//!
//! Part of validation (see `validate`). The URL may hold a password, so it is read into a
//! [`Secret`] and never quoted: messages name the key, the scheme or the missing part,
//! never the URL. A password written into the configuration file itself is refused; it
//! belongs in `url_file` or the environment.

use std::path::PathBuf;

use url::Url;

use super::error::Origin;
use super::raw::{RawState, RawValue};
use super::sections::StateConfig;
use super::validate::Checker;
use crate::secret::Secret;

/// What a state URL may look like, for messages.
const URL_RULE: &str = "a PostgreSQL URL such as postgres://vitals@db.example.com:5432/vitals";

impl Checker<'_> {
    /// Chooses the backend: PostgreSQL when a URL is given, else the SQLite file.
    pub(super) fn state(&mut self, raw: &RawState) -> Option<StateConfig> {
        let url_key = match (&raw.url, &raw.url_file) {
            (None, None) => {
                return self
                    .state_path("state.path", raw.path.as_ref())
                    .map(|path| StateConfig::Sqlite { path });
            }
            (Some(_), _) => "state.url",
            (None, Some(_)) => "state.url_file",
        };
        // The built-in default path does not count: setting a URL is how PostgreSQL is
        // chosen. A path the operator set next to a URL is a contradiction.
        if raw.path.is_some() && self.origin("state.path") != Origin::Default {
            return self.fail(
                "state.path",
                format!(
                    "and {url_key} are both set: set state.path for the embedded SQLite store or {url_key} for PostgreSQL, not both"
                ),
            );
        }
        let url = self.secret_choice("state.url", raw.url.as_ref(), raw.url_file.as_ref())??;
        self.postgres_url(url)
            .map(|url| StateConfig::Postgres { url })
    }

    fn state_path(&mut self, key: &str, raw: Option<&RawValue>) -> Option<PathBuf> {
        let path = self.path(key, raw, "the path of the state database file")?;
        if path.is_dir() {
            return self.fail(
                key,
                format!("{} is a directory; give the database file's path, e.g. /var/lib/vitals/state.db", path.display()),
            );
        }
        Some(path)
    }

    /// Checks the URL's shape without ever quoting it. Problems are reported on
    /// `state.url_file` when the URL came from that file.
    fn postgres_url(&mut self, url: Secret) -> Option<Secret> {
        let key = if self.origin("state.url") == Origin::Unset {
            "state.url_file"
        } else {
            "state.url"
        };
        let parsed = match Url::parse(url.expose().trim()) {
            Ok(parsed) => parsed,
            Err(error) => {
                return self.fail(
                    key,
                    format!("must be {URL_RULE}; the value is not a URL ({error})"),
                );
            }
        };
        if !matches!(parsed.scheme(), "postgres" | "postgresql") {
            let scheme = parsed.scheme().to_owned();
            return self.fail(
                key,
                format!(
                    "must start with postgres:// or postgresql://, found the scheme {scheme:?}"
                ),
            );
        }
        let socket = parsed.query_pairs().any(|(name, _)| name == "host");
        if parsed.host_str().is_none_or(str::is_empty) && !socket {
            return self.fail(
                key,
                format!("must name the database server's host: {URL_RULE}"),
            );
        }
        if parsed.path().trim_start_matches('/').is_empty() {
            return self.fail(
                key,
                format!("must name the database after the host: {URL_RULE}"),
            );
        }
        let inline_in_file = matches!(self.origin("state.url"), Origin::File(_));
        if parsed.password().is_some() && key == "state.url" && inline_in_file {
            return self.fail(
                key,
                "must not hold a password in the configuration file: put the URL in the file that state.url_file names, or in VITALS__STATE__URL",
            );
        }
        Some(url)
    }
}
