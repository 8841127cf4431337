//! The `[salesforce]` credentials: the login URL, the OAuth flow, and the secrets each flow
//! needs, read from their files at load time.
//!
//! Part of validation (see `validate`). It reads secret files and the private key but never
//! puts their contents into a message: errors name the key and the file's path only.

use std::fs;
use std::path::{Path, PathBuf};

use url::{Host, Url};

use super::error::Origin;
use super::layers::env_var_name;
use super::raw::{RawSalesforce, RawValue};
use super::sections::Auth;
use super::validate::Checker;
use crate::secret::Secret;

/// Secret files and private keys larger than this are refused: a real one is a few
/// kilobytes, so a bigger file is almost certainly the wrong path.
const MAX_SECRET_FILE_BYTES: u64 = 64 * 1024;

/// The OAuth flows, before their credentials are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum AuthKind {
    Jwt,
    ClientCredentials,
    RefreshToken,
}

impl AuthKind {
    const ALL: [AuthKind; 3] = [
        AuthKind::Jwt,
        AuthKind::ClientCredentials,
        AuthKind::RefreshToken,
    ];

    fn name(self) -> &'static str {
        match self {
            AuthKind::Jwt => "jwt",
            AuthKind::ClientCredentials => "client_credentials",
            AuthKind::RefreshToken => "refresh_token",
        }
    }
}

impl Checker<'_> {
    pub(super) fn auth_kind(&mut self, raw: Option<&RawValue>) -> Option<AuthKind> {
        const KEY: &str = "salesforce.auth";
        let allowed = "one of \"jwt\", \"client_credentials\" or \"refresh_token\"";
        let text = self.required_text(KEY, raw, allowed)?;
        match AuthKind::ALL.into_iter().find(|k| k.name() == text) {
            Some(kind) => Some(kind),
            None => self.fail(KEY, format!("must be {allowed}, found {text:?}")),
        }
    }

    pub(super) fn login_url(
        &mut self,
        raw: Option<&RawValue>,
        kind: Option<AuthKind>,
    ) -> Option<Url> {
        const KEY: &str = "salesforce.login_url";
        let allowed = "an https URL such as https://login.salesforce.com, https://test.salesforce.com or https://mycompany.my.salesforce.com";
        let text = self.required_text(KEY, raw, allowed)?;
        let url = match Url::parse(text.trim()) {
            Ok(url) => url,
            Err(error) => return self.fail(KEY, format!("must be {allowed}: {error}")),
        };
        // Checked first, and without echoing the value, which holds a password.
        if !url.username().is_empty() || url.password().is_some() {
            return self.fail(
                KEY,
                "must not contain a user name or password; credentials go in their own keys",
            );
        }
        let loopback = match url.host() {
            Some(Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
            Some(Host::Ipv4(ip)) => ip.is_loopback(),
            Some(Host::Ipv6(ip)) => ip.is_loopback(),
            None => return self.fail(KEY, format!("must be {allowed}, found {text:?}")),
        };
        match url.scheme() {
            "https" => {}
            "http" if loopback => {}
            "http" => {
                return self.fail(
                    KEY,
                    format!("must use https (plain http is allowed only on loopback, for the emulator), found {text:?}"),
                );
            }
            _ => return self.fail(KEY, format!("must be {allowed}, found {text:?}")),
        }
        if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
            return self.fail(
                KEY,
                format!("must be only the scheme and host (and port); Vitals adds /services/oauth2/token itself, found {text:?}"),
            );
        }
        let generic_host = matches!(
            url.host_str(),
            Some("login.salesforce.com" | "test.salesforce.com")
        );
        if kind == Some(AuthKind::ClientCredentials) && generic_host {
            return self.fail(
                KEY,
                format!("must be the org's My Domain URL (https://mycompany.my.salesforce.com) with auth = \"client_credentials\": Salesforce refuses that flow on login/test.salesforce.com, found {text:?}"),
            );
        }
        Some(url)
    }

    pub(super) fn auth(&mut self, raw: &RawSalesforce, kind: Option<AuthKind>) -> Option<Auth> {
        let kind = kind?;
        let stray = self.stray_flow_keys(raw, kind);
        let auth = match kind {
            AuthKind::Jwt => self.jwt_auth(raw),
            AuthKind::ClientCredentials => self
                .secret_pair(
                    "salesforce.client_secret",
                    raw.client_secret.as_ref(),
                    raw.client_secret_file.as_ref(),
                    kind,
                )
                .map(|client_secret| Auth::ClientCredentials { client_secret }),
            AuthKind::RefreshToken => self.refresh_token_auth(raw, kind),
        };
        if stray { None } else { auth }
    }

    /// Fails every key set for another flow than `kind`; true when there was one.
    fn stray_flow_keys(&mut self, raw: &RawSalesforce, kind: AuthKind) -> bool {
        use AuthKind::{ClientCredentials, Jwt, RefreshToken};
        let flow_keys: [(&str, Option<&RawValue>, &[AuthKind]); 6] = [
            ("salesforce.username", raw.username.as_ref(), &[Jwt]),
            (
                "salesforce.private_key_file",
                raw.private_key_file.as_ref(),
                &[Jwt],
            ),
            (
                "salesforce.client_secret",
                raw.client_secret.as_ref(),
                &[ClientCredentials, RefreshToken],
            ),
            (
                "salesforce.client_secret_file",
                raw.client_secret_file.as_ref(),
                &[ClientCredentials, RefreshToken],
            ),
            (
                "salesforce.refresh_token",
                raw.refresh_token.as_ref(),
                &[RefreshToken],
            ),
            (
                "salesforce.refresh_token_file",
                raw.refresh_token_file.as_ref(),
                &[RefreshToken],
            ),
        ];
        let mut stray = false;
        for (key, value, flows) in flow_keys {
            if value.is_some() && !flows.contains(&kind) {
                let names: Vec<String> = flows.iter().map(|f| format!("{:?}", f.name())).collect();
                self.fail::<()>(
                    key,
                    format!(
                        "is only used with auth = {}, but salesforce.auth is {:?}; remove it",
                        names.join(" or "),
                        kind.name()
                    ),
                );
                stray = true;
            }
        }
        stray
    }

    /// `auth = "jwt"`: the username and a readable RSA private key.
    fn jwt_auth(&mut self, raw: &RawSalesforce) -> Option<Auth> {
        let username = self.username(raw.username.as_ref());
        let key_file = self.secret_path(
            "salesforce.private_key_file",
            raw.private_key_file.as_ref(),
            "the path of the PEM private key whose certificate is on the connected app (auth = \"jwt\")",
        );
        let private_key = key_file
            .as_ref()
            .and_then(|(path, shown)| self.private_key("salesforce.private_key_file", path, shown));
        Some(Auth::Jwt {
            username: username?,
            private_key: private_key?,
            private_key_file: key_file?.0,
        })
    }

    /// `auth = "refresh_token"`: the client secret and the refresh token, each given inline
    /// or in a file.
    fn refresh_token_auth(&mut self, raw: &RawSalesforce, kind: AuthKind) -> Option<Auth> {
        let client_secret = self.secret_pair(
            "salesforce.client_secret",
            raw.client_secret.as_ref(),
            raw.client_secret_file.as_ref(),
            kind,
        );
        let refresh_token = self.secret_pair(
            "salesforce.refresh_token",
            raw.refresh_token.as_ref(),
            raw.refresh_token_file.as_ref(),
            kind,
        );
        Some(Auth::RefreshToken {
            client_secret: client_secret?,
            refresh_token: refresh_token?,
        })
    }

    fn username(&mut self, raw: Option<&RawValue>) -> Option<String> {
        const KEY: &str = "salesforce.username";
        let allowed = "the integration user's Salesforce username, e.g. integration@example.com (auth = \"jwt\")";
        let text = self.required_text(KEY, raw, allowed)?;
        if !text.contains('@') || text.trim() != text {
            return self.fail(KEY, format!("must be {allowed}, found {text:?}"));
        }
        Some(text)
    }

    /// A secret given inline (`key`) or in a file (`key_file`): exactly one of the two.
    fn secret_pair(
        &mut self,
        key: &str,
        inline: Option<&RawValue>,
        file: Option<&RawValue>,
        kind: AuthKind,
    ) -> Option<Secret> {
        match self.secret_choice(key, inline, file)? {
            Some(secret) => Some(secret),
            None => self.fail(
                key,
                format!(
                    "is required with auth = {:?}: set {key}_file (a file holding it) or {key}, e.g. as {}",
                    kind.name(),
                    env_var_name(key)
                ),
            ),
        }
    }

    /// A secret given inline (`key`) or in a file (`key_file`): at most one of the two.
    /// `Some(None)` when neither is set; `None` after recording a problem.
    pub(super) fn secret_choice(
        &mut self,
        key: &str,
        inline: Option<&RawValue>,
        file: Option<&RawValue>,
    ) -> Option<Option<Secret>> {
        let file_key = format!("{key}_file");
        // `key` and `key_file` are one setting: an environment variable overrides the file
        // whichever of the two spellings each uses. Only two values from the same layer
        // are a contradiction.
        let (inline, file) = match (inline, file) {
            (Some(i), Some(f)) => {
                let from_env = |k: &str| matches!(self.origin(k), Origin::Env(_));
                match (from_env(key), from_env(&file_key)) {
                    (true, false) => (Some(i), None),
                    (false, true) => (None, Some(f)),
                    _ => (Some(i), Some(f)),
                }
            }
            other => other,
        };
        match (inline, file) {
            (Some(_), Some(_)) => {
                self.fail(key, format!("set either {key} or {file_key}, not both"))
            }
            (None, None) => Some(None),
            (Some(raw), None) => match raw {
                RawValue::Text(text) if !text.is_empty() => Some(Some(Secret::new(text.clone()))),
                RawValue::Text(_) => self.fail(key, "is empty"),
                other => {
                    let found = Self::found(key, other);
                    self.fail(key, format!("must be a string, found {found}"))
                }
            },
            (None, Some(raw)) => {
                let (path, shown) = self.secret_path(
                    &file_key,
                    Some(raw),
                    "the path of a file holding the secret",
                )?;
                let text = self.read_secret_file(&file_key, &path, &shown)?;
                let text = text.trim_end_matches(['\n', '\r']);
                if text.is_empty() {
                    return self.fail(&file_key, format!("{shown} is empty"));
                }
                Some(Some(Secret::new(text)))
            }
        }
    }

    /// The path a `*_file` key names, and how messages may show it: the path itself when
    /// the value looks like one, else a placeholder, because an operator may have pasted the
    /// secret itself (a client secret, a whole PEM key) into the `*_file` key, and messages
    /// reach terminals and journald.
    fn secret_path(
        &mut self,
        key: &str,
        raw: Option<&RawValue>,
        what: &str,
    ) -> Option<(PathBuf, String)> {
        let text = self.required_text(key, raw, what)?;
        let looks_like_path = !text.is_empty()
            && text.len() <= 1024
            && !text.chars().any(char::is_whitespace)
            && !text.contains("-----")
            && (text.contains('/') || text.contains('\\') || text.contains('.'));
        let path = self.resolve(&text);
        let shown = if looks_like_path {
            path.display().to_string()
        } else {
            "the file it names (the value is not shown: it does not look like a path, and it may be the secret itself)".to_owned()
        };
        Some((path, shown))
    }

    /// Reads a file that holds a secret. Messages name the path as `shown`, never the
    /// contents.
    fn read_secret_file(&mut self, key: &str, path: &Path, shown: &str) -> Option<String> {
        let metadata = match fs::metadata(path) {
            Ok(metadata) => metadata,
            Err(error) => {
                return self.fail(key, format!("cannot read {shown}: {error}"));
            }
        };
        if !metadata.is_file() {
            return self.fail(key, format!("{shown} is not a file"));
        }
        if metadata.len() > MAX_SECRET_FILE_BYTES {
            return self.fail(
                key,
                format!(
                    "{shown} is larger than {} KiB; a secret or key file is a few kilobytes at most",
                    MAX_SECRET_FILE_BYTES / 1024
                ),
            );
        }
        match fs::read(path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => Some(text),
                Err(_) => self.fail(key, format!("{shown} is not UTF-8 text")),
            },
            Err(error) => self.fail(key, format!("cannot read {shown}: {error}")),
        }
    }

    /// Reads the JWT signing key and checks that it is an unencrypted PEM private key.
    fn private_key(&mut self, key: &str, path: &Path, shown: &str) -> Option<Secret> {
        let text = self.read_secret_file(key, path, shown)?;
        let expected = "an unencrypted RSA private key in PEM form (-----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----)";
        // The first BEGIN line counts: `openssl pkcs12` exports put "Bag Attributes" text
        // before it. Only its label is inspected and quoted; it is a header, not key material.
        let label = text
            .lines()
            .map(str::trim_end)
            .find_map(|line| line.strip_prefix("-----BEGIN "))
            .and_then(|rest| rest.strip_suffix("-----"));
        match label {
            Some(label @ ("PRIVATE KEY" | "RSA PRIVATE KEY")) => {
                if text.contains(&format!("-----END {label}-----")) {
                    Some(Secret::new(text))
                } else {
                    self.fail(key, format!("{shown} is cut short: it has no -----END {label}----- line"))
                }
            }
            Some("ENCRYPTED PRIVATE KEY") => self.fail(
                key,
                format!("{shown} is encrypted; Vitals needs {expected} (decrypt it with `openssl pkey`)"),
            ),
            Some(label) if label.contains("PRIVATE KEY") => self.fail(
                key,
                format!("{shown} holds a {label}; Salesforce's JWT flow signs with RS256 and needs {expected}"),
            ),
            Some(label @ ("CERTIFICATE" | "PUBLIC KEY")) => self.fail(
                key,
                format!("{shown} holds a {label}, which belongs on the connected app; this key must be {expected}"),
            ),
            _ => self.fail(key, format!("{shown} does not look like {expected}")),
        }
    }
}
