//! Tests of the whole configuration layer: loading, every validation rule, layering and
//! attribution, secrets. Configurations are built as text with [`Toml`]; files they point
//! to live in `fixtures/config/`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::layers::DEFAULTS;
use super::raw::SECTIONS;
use super::*;
use crate::domain::Playbook;

mod state;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/config")
}

/// The configuration file the texts below pretend to be; it is never read, but relative
/// paths resolve against its directory, `fixtures/config/`.
fn file() -> PathBuf {
    fixtures().join("vitals.toml")
}

/// The check of `[fields]` against the field table belongs to the Salesforce client and is
/// tested there (`salesforce::wire::overrides`); these tests check the configuration's own
/// rules, so they pass a check that finds nothing.
fn no_field_table(_: &FieldsConfig) -> Vec<ConfigError> {
    Vec::new()
}

/// A configuration as `section.key = value` lines, rendered to TOML with one table per
/// section, so a test can change one key of a valid configuration.
#[derive(Clone)]
struct Toml(Vec<(String, String, String)>);

impl Toml {
    /// A minimal valid JWT configuration.
    fn jwt() -> Self {
        Self(Vec::new())
            .set("salesforce.login_url", r#""https://login.salesforce.com""#)
            .set("salesforce.auth", r#""jwt""#)
            .set("salesforce.client_id", r#""3MVG9fixture""#)
            .set("salesforce.username", r#""integration@example.com""#)
            .set("salesforce.private_key_file", r#""keys/jwt.pem""#)
    }

    /// A minimal valid client-credentials configuration.
    fn client_credentials() -> Self {
        Self::jwt()
            .set(
                "salesforce.login_url",
                r#""https://acme.my.salesforce.com""#,
            )
            .set("salesforce.auth", r#""client_credentials""#)
            .remove("salesforce.username")
            .remove("salesforce.private_key_file")
            .set(
                "salesforce.client_secret_file",
                r#""secrets/client-secret""#,
            )
    }

    /// Sets `path` (`section.key`, the key may itself be dotted) to a TOML value.
    fn set(mut self, path: &str, value: &str) -> Self {
        let (section, key) = path.split_once('.').unwrap();
        match self.0.iter_mut().find(|(s, k, _)| s == section && k == key) {
            Some(entry) => entry.2 = value.to_owned(),
            None => self.0.push((section.into(), key.into(), value.into())),
        }
        self
    }

    fn remove(mut self, path: &str) -> Self {
        let (section, key) = path.split_once('.').unwrap();
        self.0.retain(|(s, k, _)| !(s == section && k == key));
        self
    }

    fn render(&self) -> String {
        let mut sections: Vec<&str> = Vec::new();
        for (section, _, _) in &self.0 {
            if !sections.contains(&section.as_str()) {
                sections.push(section);
            }
        }
        let mut text = String::new();
        for section in sections {
            text.push_str(&format!("[{section}]\n"));
            for (_, key, value) in self.0.iter().filter(|(s, _, _)| s == section) {
                text.push_str(&format!("{key} = {value}\n"));
            }
        }
        text
    }

    fn load(&self) -> Result<Config, ConfigErrors> {
        self.load_with(&[])
    }

    fn load_with(&self, env: &[(&str, &str)]) -> Result<Config, ConfigErrors> {
        Config::from_toml(&self.render(), &file(), env_of(env), no_field_table)
    }

    fn errors(&self) -> ConfigErrors {
        self.errors_with(&[])
    }

    fn errors_with(&self, env: &[(&str, &str)]) -> ConfigErrors {
        match self.load_with(env) {
            Ok(_) => panic!("expected errors from:\n{}", self.render()),
            Err(errors) => errors,
        }
    }
}

fn env_of(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// The one error about `key`, failing with the whole list if there is none or several.
fn error_for<'a>(errors: &'a ConfigErrors, key: &str) -> &'a ConfigError {
    let matching: Vec<&ConfigError> = errors.iter().filter(|e| e.key == key).collect();
    match matching.as_slice() {
        [one] => one,
        _ => panic!("expected one error for {key}, got:\n{errors}"),
    }
}

/// Asserts that setting `path` to `value` in a valid configuration fails with exactly one
/// error, under `key`, attributed to the file, whose message contains `says`.
#[track_caller]
fn check_rejects(base: &Toml, path: &str, value: &str, key: &str, says: &str) {
    let errors = base.clone().set(path, value).errors();
    assert_eq!(
        errors.len(),
        1,
        "{path} = {value}: expected one error, got:\n{errors}"
    );
    let error = error_for(&errors, key);
    assert!(
        error.message.contains(says),
        "{path} = {value}: expected the message to contain {says:?}, got:\n{error}"
    );
    assert_eq!(error.origin, Origin::File(file()), "{path} = {value}");
}

#[test]
fn a_minimal_configuration_gets_every_default() {
    let config = Toml::jwt().load().unwrap();
    let sf = &config.salesforce;
    assert_eq!(sf.login_url.as_str(), "https://login.salesforce.com/");
    assert_eq!(sf.client_id, "3MVG9fixture");
    assert_eq!(sf.api_version.to_string(), "66.0");
    assert_eq!(sf.api_version.path_segment(), "v66.0");
    assert_eq!(sf.max_api_share, 0.25);
    assert_eq!(sf.request_timeout, Duration::from_secs(120));
    assert_eq!(sf.connect_timeout, Duration::from_secs(10));
    assert_eq!(
        sf.retry,
        RetryConfig {
            max_attempts: 5,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
        }
    );
    assert_eq!(
        sf.bulk,
        BulkConfig {
            read_threshold: 10_000,
            write_threshold: 2_000,
            poll_interval: Duration::from_secs(2),
            timeout: Duration::from_secs(30 * 60),
        }
    );
    match &sf.auth {
        Auth::Jwt {
            username,
            private_key,
            private_key_file,
        } => {
            assert_eq!(username, "integration@example.com");
            assert!(
                private_key
                    .expose()
                    .starts_with("-----BEGIN PRIVATE KEY-----")
            );
            assert_eq!(private_key_file, &fixtures().join("keys/jwt.pem"));
        }
        other => panic!("expected jwt, got {other:?}"),
    }
    assert_eq!(
        config.state,
        StateConfig::Sqlite {
            path: PathBuf::from("/var/lib/vitals/state.db")
        }
    );
    assert_eq!(config.schedule.incremental.expression(), "0 */15 * * * *");
    assert_eq!(config.schedule.full.expression(), "0 0 2 * * *");
    assert_eq!(config.schedule.timezone, chrono_tz::UTC);
    assert_eq!(config.daemon.listen.to_string(), "127.0.0.1:9184");
    assert_eq!(config.daemon.shutdown_timeout, Duration::from_secs(30));
    assert_eq!(config.daemon.ready_max_age, Duration::from_secs(3600));
    assert_eq!(config.scoring.model, ModelRef::Preset("csm-nine".into()));
    assert_eq!(config.scoring.period, Period::Monthly);
    assert_eq!(config.renewals.create_days_before_end, 120);
    assert_eq!(config.playbooks.enabled, Playbook::ALL.to_vec());
    assert!(config.fields.overrides.is_empty());
    assert_eq!(config.file, file());
}

#[test]
fn every_salesforce_value_is_checked_under_its_key() {
    let base = Toml::jwt();
    let cases: &[(&str, &str, &str)] = &[
        (
            "login_url",
            r#""http://login.salesforce.com""#,
            "must use https",
        ),
        (
            "login_url",
            r#""ftp://login.salesforce.com""#,
            "must be an https URL",
        ),
        (
            "login_url",
            r#""login.salesforce.com""#,
            "must be an https URL",
        ),
        (
            "login_url",
            r#""https://login.salesforce.com/services/oauth2/token""#,
            "only the scheme and host",
        ),
        (
            "login_url",
            r#""https://login.salesforce.com/?next=1""#,
            "only the scheme and host",
        ),
        ("login_url", "42", "found the number 42"),
        (
            "auth",
            r#""password""#,
            r#"must be one of "jwt", "client_credentials" or "refresh_token", found "password""#,
        ),
        ("client_id", r#""""#, "found an empty string"),
        ("client_id", "42", "found the number 42"),
        ("username", r#""integration""#, "Salesforce username"),
        ("api_version", r#""66""#, "NN.N"),
        ("api_version", r#""66.0.1""#, "NN.N"),
        ("api_version", r#""v66.0""#, "without the leading v"),
        ("api_version", r#""30.0""#, "31.0 or later"),
        ("api_version", "66.0", "quoted version"),
        ("max_api_share", "0", "greater than 0 and at most 1"),
        ("max_api_share", "1.5", "found the number 1.5"),
        ("max_api_share", "-0.1", "greater than 0 and at most 1"),
        ("max_api_share", r#""0.5""#, r#"found the string "0.5""#),
        ("max_api_share", "nan", "greater than 0 and at most 1"),
        ("request_timeout", r#""2 minutes""#, "a positive duration"),
        ("request_timeout", r#""30""#, "with the unit ms, s, m or h"),
        ("request_timeout", "30", "found the number 30"),
        ("connect_timeout", r#""0s""#, "a positive duration"),
        ("max_attempts", "0", "from 1 to 10"),
        ("max_attempts", "11", "from 1 to 10"),
        ("max_attempts", "2.5", "found the number 2.5"),
        ("max_attempts", r#""5""#, r#"found the string "5""#),
        ("retry_base_delay", r#""-1s""#, "a positive duration"),
        ("retry_max_delay", r#""1d""#, "a positive duration"),
        ("bulk_read_threshold", "-1", "0 or more"),
        ("bulk_write_threshold", "199", "at least 200"),
        ("bulk_poll_interval", r#""2""#, "a positive duration"),
        ("bulk_timeout", r#""0ms""#, "a positive duration"),
    ];
    for (key, value, says) in cases {
        let path = format!("salesforce.{key}");
        check_rejects(&base, &path, value, &path, says);
    }
}

#[test]
fn loopback_urls_may_use_plain_http_for_the_emulator() {
    for url in [
        "http://127.0.0.1:8080",
        "http://localhost:1234/",
        "http://[::1]:9",
        "https://127.0.0.1",
    ] {
        let config = Toml::jwt()
            .set("salesforce.login_url", &format!("{url:?}"))
            .load()
            .unwrap_or_else(|e| panic!("{url}: {e}"));
        assert_eq!(config.salesforce.login_url.path(), "/");
    }
    for url in [
        "https://acme.my.salesforce.com",
        "https://test.salesforce.com",
    ] {
        let config = Toml::jwt()
            .set("salesforce.login_url", &format!("{url:?}"))
            .load()
            .unwrap_or_else(|e| panic!("{url}: {e}"));
        assert_eq!(config.salesforce.login_url.as_str(), format!("{url}/"));
    }
}

#[test]
fn a_url_with_credentials_is_refused_without_echoing_them() {
    let errors = Toml::jwt()
        .set(
            "salesforce.login_url",
            r#""https://admin:hunter2pass@login.salesforce.com""#,
        )
        .errors();
    let error = error_for(&errors, "salesforce.login_url");
    assert!(
        error
            .message
            .contains("must not contain a user name or password")
    );
    assert!(!errors.to_string().contains("hunter2pass"));
}

#[test]
fn client_credentials_must_use_the_my_domain_host() {
    for host in [
        "https://login.salesforce.com",
        "https://test.salesforce.com",
    ] {
        check_rejects(
            &Toml::client_credentials(),
            "salesforce.login_url",
            &format!("{host:?}"),
            "salesforce.login_url",
            "My Domain",
        );
    }
}

#[test]
fn timeouts_and_delays_must_be_ordered_and_the_culprit_is_the_key_that_was_set() {
    let base = Toml::jwt();
    // The operator set the smaller value too high: the error is on it.
    check_rejects(
        &base,
        "salesforce.connect_timeout",
        r#""3m""#,
        "salesforce.connect_timeout",
        "at most salesforce.request_timeout (2m), found 3m",
    );
    // The operator set the larger value too low under a default: the error is on theirs.
    check_rejects(
        &base,
        "salesforce.request_timeout",
        r#""5s""#,
        "salesforce.request_timeout",
        "at least salesforce.connect_timeout (10s), found 5s",
    );
    check_rejects(
        &base,
        "salesforce.retry_base_delay",
        r#""1m""#,
        "salesforce.retry_base_delay",
        "at most salesforce.retry_max_delay (30s)",
    );
    check_rejects(
        &base.clone().set("salesforce.bulk_timeout", r#""5m""#),
        "salesforce.bulk_poll_interval",
        r#""6m""#,
        "salesforce.bulk_poll_interval",
        "less than salesforce.bulk_timeout (5m)",
    );
    // Equal is fine where the bound is inclusive.
    let config = base
        .clone()
        .set("salesforce.retry_base_delay", r#""30s""#)
        .load()
        .unwrap();
    assert_eq!(config.salesforce.retry.base_delay, Duration::from_secs(30));
}

#[test]
fn durations_accept_the_four_units() {
    let config = Toml::jwt()
        .set("salesforce.request_timeout", r#""1h""#)
        .set("salesforce.connect_timeout", r#""5m""#)
        .set("salesforce.retry_base_delay", r#""250ms""#)
        .set("daemon.shutdown_timeout", r#""45s""#)
        .load()
        .unwrap();
    assert_eq!(config.salesforce.request_timeout, Duration::from_secs(3600));
    assert_eq!(config.salesforce.connect_timeout, Duration::from_secs(300));
    assert_eq!(
        config.salesforce.retry.base_delay,
        Duration::from_millis(250)
    );
    assert_eq!(config.daemon.shutdown_timeout, Duration::from_secs(45));
    assert_eq!(
        validate::show_duration(Duration::from_millis(1500)),
        "1500ms"
    );
    assert_eq!(validate::parse_duration("99999999999999999999h"), None);
}

#[test]
fn the_jwt_key_file_must_be_an_unencrypted_pem_private_key() {
    let base = Toml::jwt();
    let key = "salesforce.private_key_file";
    let cases = [
        (r#""keys/missing.pem""#, "cannot read"),
        (r#""keys/encrypted.pem""#, "is encrypted"),
        (
            r#""keys/certificate.pem""#,
            "holds a CERTIFICATE, which belongs on the connected app",
        ),
        (
            r#""keys/truncated.pem""#,
            "no -----END RSA PRIVATE KEY----- line",
        ),
        (
            r#""keys/not-a-key.txt""#,
            "does not look like an unencrypted RSA private key",
        ),
        (r#""keys""#, "is not a file"),
        (r#""""#, "found an empty string"),
    ];
    for (value, says) in cases {
        check_rejects(&base, key, value, key, says);
    }
    let errors = base.clone().set(key, r#""keys/not-a-key.txt""#).errors();
    assert!(!errors.to_string().contains("password"), "{errors}");
    // Text that `openssl pkcs12` puts before the key does not matter.
    let config = base
        .set(key, r#""keys/exported.pem""#)
        .load()
        .unwrap_or_else(|e| panic!("{e}"));
    let Auth::Jwt { private_key, .. } = &config.salesforce.auth else {
        panic!("expected the jwt flow")
    };
    assert!(
        private_key.expose().contains("-----BEGIN PRIVATE KEY-----"),
        "the key is read whole"
    );
}

#[test]
fn each_flow_requires_its_own_credentials() {
    let errors = Toml::jwt()
        .remove("salesforce.username")
        .remove("salesforce.private_key_file")
        .remove("salesforce.client_id")
        .errors();
    assert_eq!(errors.len(), 3, "{errors}");
    for key in [
        "salesforce.username",
        "salesforce.private_key_file",
        "salesforce.client_id",
    ] {
        let error = error_for(&errors, key);
        assert!(error.message.starts_with("is required"), "{error}");
        assert_eq!(error.origin, Origin::Unset);
    }
    assert!(
        error_for(&errors, "salesforce.client_id")
            .message
            .contains("VITALS__SALESFORCE__CLIENT_ID")
    );

    let errors = Toml::client_credentials()
        .remove("salesforce.client_secret_file")
        .errors();
    let error = error_for(&errors, "salesforce.client_secret");
    assert!(error.message.contains("client_secret_file"), "{error}");

    let errors = Toml::client_credentials()
        .set("salesforce.auth", r#""refresh_token""#)
        .errors();
    let error = error_for(&errors, "salesforce.refresh_token");
    assert!(
        error.message.contains(r#"auth = "refresh_token""#),
        "{error}"
    );

    let errors = Toml::jwt().remove("salesforce.auth").errors();
    assert_eq!(errors.len(), 1, "{errors}");
    assert!(errors.names("salesforce.auth"));
}

#[test]
fn keys_of_another_flow_are_errors() {
    let errors = Toml::jwt()
        .set("salesforce.client_secret", r#""stray-secret-value""#)
        .set(
            "salesforce.refresh_token_file",
            r#""secrets/refresh-token""#,
        )
        .errors();
    assert_eq!(errors.len(), 2, "{errors}");
    let error = error_for(&errors, "salesforce.client_secret");
    assert!(
        error.message.contains(
            r#"only used with auth = "client_credentials" or "refresh_token", but salesforce.auth is "jwt""#
        ),
        "{error}"
    );
    assert!(errors.names("salesforce.refresh_token_file"));
    assert!(!errors.to_string().contains("stray-secret-value"));

    let errors = Toml::client_credentials()
        .set("salesforce.username", r#""integration@example.com""#)
        .errors();
    assert!(errors.names("salesforce.username"), "{errors}");
}

#[test]
fn a_secret_comes_inline_or_from_a_file_but_not_both() {
    let from_file = Toml::client_credentials().load().unwrap();
    let Auth::ClientCredentials { client_secret } = &from_file.salesforce.auth else {
        panic!("expected client credentials")
    };
    // The trailing newline of the file is not part of the secret.
    assert_eq!(client_secret.expose(), "fixture-client-secret-value");

    let inline = Toml::client_credentials()
        .remove("salesforce.client_secret_file")
        .set("salesforce.client_secret", r#""inline-secret""#)
        .load()
        .unwrap();
    let Auth::ClientCredentials { client_secret } = &inline.salesforce.auth else {
        panic!("expected client credentials")
    };
    assert_eq!(client_secret.expose(), "inline-secret");

    let both = Toml::client_credentials().set("salesforce.client_secret", r#""inline-secret""#);
    check_rejects(
        &both,
        "salesforce.client_secret",
        r#""inline-secret""#,
        "salesforce.client_secret",
        "set either salesforce.client_secret or salesforce.client_secret_file, not both",
    );

    let refresh = Toml::client_credentials()
        .set("salesforce.auth", r#""refresh_token""#)
        .set(
            "salesforce.refresh_token_file",
            r#""secrets/refresh-token""#,
        )
        .load()
        .unwrap();
    let Auth::RefreshToken {
        client_secret,
        refresh_token,
    } = &refresh.salesforce.auth
    else {
        panic!("expected refresh token")
    };
    assert_eq!(client_secret.expose(), "fixture-client-secret-value");
    // A CRLF line ending is trimmed too.
    assert_eq!(refresh_token.expose(), "fixture-refresh-token-value");
    assert_eq!(refresh.salesforce.auth.name(), "refresh_token");
}

#[test]
fn empty_or_missing_secret_files_name_their_key() {
    let base = Toml::client_credentials();
    let key = "salesforce.client_secret_file";
    check_rejects(&base, key, r#""secrets/empty""#, key, "is empty");
    check_rejects(&base, key, r#""secrets/nothing-here""#, key, "cannot read");
    check_rejects(
        &base.clone().remove(key),
        "salesforce.client_secret",
        r#""""#,
        "salesforce.client_secret",
        "is empty",
    );
    let errors = base
        .clone()
        .remove(key)
        .set("salesforce.client_secret", "123456789")
        .errors();
    let error = error_for(&errors, "salesforce.client_secret");
    assert_eq!(error.message, "must be a string, found a number");
}

#[test]
fn no_secret_or_key_material_reaches_debug_output() {
    let jwt = Toml::jwt().load().unwrap();
    let refresh = Toml::client_credentials()
        .set("salesforce.auth", r#""refresh_token""#)
        .remove("salesforce.client_secret_file")
        .set("salesforce.client_secret", r#""inline-client-secret""#)
        .set(
            "salesforce.refresh_token_file",
            r#""secrets/refresh-token""#,
        )
        .load()
        .unwrap();
    let printed = format!("{jwt:?}\n{jwt:#?}\n{refresh:?}\n{refresh:#?}");
    for secret in [
        "BEGIN PRIVATE KEY",
        "Rml4dHVyZUtleU1hdGVyaWFs",
        "inline-client-secret",
        "fixture-refresh-token-value",
    ] {
        assert!(!printed.contains(secret), "{secret} leaked");
    }
    assert!(printed.contains("[redacted]"));
    // The paths are not secret and help the operator.
    assert!(printed.contains("jwt.pem"));
}

#[test]
fn state_schedule_daemon_scoring_and_renewals_are_checked_under_their_keys() {
    let base = Toml::jwt();
    let cases: &[(&str, &str, &str)] = &[
        ("state.path", r#""""#, "found an empty string"),
        ("state.path", r#"".""#, "is a directory"),
        (
            "schedule.incremental",
            r#""*/15 * * * *""#,
            "six-field cron expression",
        ),
        (
            "schedule.incremental",
            r#""0 */15 * * * * * *""#,
            "six-field cron expression",
        ),
        (
            "schedule.full",
            r#""0 61 * * * *""#,
            "six-field cron expression",
        ),
        ("schedule.full", r#""0 0 0 30 2 *""#, "never fires"),
        (
            "schedule.full",
            r#""every night""#,
            "six-field cron expression",
        ),
        ("schedule.timezone", r#""Mars/Olympus""#, "IANA time zone"),
        ("schedule.timezone", r#""utc""#, "IANA time zone"),
        (
            "daemon.listen",
            r#""localhost:9184""#,
            "an IP address and port",
        ),
        ("daemon.listen", r#""127.0.0.1""#, "an IP address and port"),
        (
            "daemon.shutdown_timeout",
            r#""forever""#,
            "a positive duration",
        ),
        ("scoring.model", r#""csm-ten""#, "no file at"),
        ("scoring.model", r#""models/custom.toml""#, "no file at"),
        (
            "scoring.period",
            r#""hourly""#,
            r#"one of "daily", "weekly" or "monthly""#,
        ),
        ("renewals.create_days_before_end", "0", "from 1 to 730"),
        ("renewals.create_days_before_end", "731", "from 1 to 730"),
        (
            "renewals.create_days_before_end",
            r#""120""#,
            r#"found the string "120""#,
        ),
    ];
    for (path, value, says) in cases {
        check_rejects(&base, path, value, path, says);
    }
}

#[test]
fn cron_expressions_are_read_as_the_scheduler_reads_them() {
    let config = Toml::jwt()
        .set("schedule.incremental", r#""0 */30 8-18 * * MON-FRI""#)
        .set("schedule.full", r#""0 30 1 * * SUN""#)
        .set("schedule.timezone", r#""Europe/Berlin""#)
        .load()
        .unwrap();
    assert_eq!(
        config.schedule.incremental.expression(),
        "0 */30 8-18 * * MON-FRI"
    );
    assert_eq!(config.schedule.timezone, chrono_tz::Europe::Berlin);
    // Unset, the ready age spans the weekend between Friday 18:30 and Monday 08:00 (61.5
    // hours), plus 45 minutes.
    assert_eq!(
        config.daemon.ready_max_age,
        Duration::from_secs((61 * 60 + 30 + 45) * 60)
    );
    let monday = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 11, 23, 7, 59, 59).unwrap();
    let next = config
        .schedule
        .incremental
        .cron()
        .find_next_occurrence(&monday, false)
        .unwrap();
    assert_eq!(next.to_rfc3339(), "2026-11-23T08:00:00+00:00");
}

#[test]
fn the_model_is_a_preset_or_an_existing_file() {
    for preset in MODEL_PRESETS {
        let config = Toml::jwt()
            .set("scoring.model", &format!("{preset:?}"))
            .set("scoring.period", r#""weekly""#)
            .load()
            .unwrap();
        assert_eq!(config.scoring.model, ModelRef::Preset(preset.into()));
        assert_eq!(config.scoring.period, Period::Weekly);
    }
    let config = Toml::jwt()
        .set("scoring.model", r#""model.toml""#)
        .load()
        .unwrap();
    assert_eq!(
        config.scoring.model,
        ModelRef::File(fixtures().join("model.toml"))
    );
}

#[test]
fn relative_paths_resolve_against_the_config_files_directory() {
    let config = Toml::jwt()
        .set("state.path", r#""state/vitals.db""#)
        .load()
        .unwrap();
    assert_eq!(
        config.state,
        StateConfig::Sqlite {
            path: fixtures().join("state/vitals.db")
        }
    );
}

#[test]
fn playbooks_are_named_once_each() {
    let base = Toml::jwt();
    let key = "playbooks.enabled";
    check_rejects(
        &base,
        key,
        r#"["escalation", "churn-party"]"#,
        key,
        r#"has unknown playbook "churn-party"; the playbooks are health-review, escalation"#,
    );
    check_rejects(
        &base,
        key,
        r#"["escalation", "escalation"]"#,
        key,
        r#"lists "escalation" twice"#,
    );
    check_rejects(
        &base,
        key,
        r#""escalation""#,
        key,
        "must be a list of playbook names",
    );
    check_rejects(
        &base,
        key,
        r#"["escalation", 3]"#,
        key,
        "found the number 3 in the list",
    );

    let errors = base
        .clone()
        .set(
            key,
            r#"["churn-party", "escalation", "escalation", "party-two"]"#,
        )
        .errors();
    assert_eq!(errors.len(), 3, "{errors}");

    let config = base
        .clone()
        .set(key, r#"["qbr-cadence", "escalation"]"#)
        .load()
        .unwrap();
    assert_eq!(
        config.playbooks.enabled,
        vec![Playbook::QbrCadence, Playbook::Escalation]
    );
    assert!(config.playbooks.is_enabled(Playbook::Escalation));
    assert!(!config.playbooks.is_enabled(Playbook::Onboarding));
    let none = base.set(key, "[]").load().unwrap();
    assert!(none.playbooks.enabled.is_empty());
}

#[test]
fn field_overrides_are_flattened_and_must_be_text_given_once() {
    let config = Toml::jwt()
        .set("fields.account.arr", r#""Annual_Contract_Value__c""#)
        .set("fields.history", r#"{ adoption = "Usage__c" }"#)
        .load()
        .unwrap();
    assert_eq!(
        config.fields.overrides,
        BTreeMap::from([
            (
                "account.arr".to_owned(),
                "Annual_Contract_Value__c".to_owned()
            ),
            ("history.adoption".to_owned(), "Usage__c".to_owned()),
        ])
    );
    assert_eq!(config.fields.origin("account.arr"), Origin::File(file()));

    let base = Toml::jwt();
    check_rejects(
        &base,
        "fields.account.arr",
        "5",
        "fields.account.arr",
        "must be a Salesforce field API name in quotes, found the number 5",
    );
    let twice = base
        .set("fields.\"account.arr\"", r#""A__c""#)
        .set("fields.account", r#"{ arr = "B__c" }"#)
        .errors();
    assert_eq!(
        error_for(&twice, "fields.account.arr").message,
        "is given twice (as a dotted key and as a table)"
    );
    assert_eq!(twice.len(), 1, "{twice}");
}

#[test]
fn problems_of_the_field_check_join_the_list_with_their_key_and_origin() {
    // A check that refuses every override it is given, as the field table refuses
    // unknown fields.
    let refuse_all = |fields: &FieldsConfig| -> Vec<ConfigError> {
        fields
            .overrides
            .keys()
            .map(|key| fields.error(key, "is refused"))
            .collect()
    };
    let text = Toml::jwt()
        .set("salesforce.max_api_share", "2")
        .set("fields.account.acv", r#""X__c""#)
        .set("fields.account.arr", "5")
        .render();
    let env = env_of(&[("VITALS__FIELDS__CASE__PRIORITY", "Urgency__c")]);
    let errors = Config::from_toml(&text, &file(), env, refuse_all).unwrap_err();
    let found: Vec<(&str, &Origin, &str)> = errors
        .iter()
        .map(|e| (e.key.as_str(), &e.origin, e.message.as_str()))
        .collect();
    let priority = Origin::Env("VITALS__FIELDS__CASE__PRIORITY".into());
    // The override that is not text never reaches the check; the others do, in key order,
    // after every other section's problems.
    assert_eq!(found.len(), 4, "{errors}");
    assert_eq!(found[0].0, "salesforce.max_api_share", "{errors}");
    assert_eq!(found[1].0, "fields.account.arr", "{errors}");
    assert_eq!(
        found[2..],
        [
            ("fields.account.acv", &Origin::File(file()), "is refused"),
            ("fields.case.priority", &priority, "is refused"),
        ],
        "{errors}"
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let errors = Toml::jwt()
        .set("salesforce.login_url", r#""http://example.com""#)
        .set("salesforce.max_api_share", "2")
        .set("salesforce.max_attempts", "0")
        .set("salesforce.api_version", r#""65""#)
        .set("schedule.incremental", r#""* * * * *""#)
        .set("schedule.timezone", r#""Nowhere""#)
        .set("daemon.listen", r#""nope""#)
        .set("scoring.period", r#""yearly""#)
        .set("renewals.create_days_before_end", "1000")
        .set("playbooks.enabled", r#"["nope"]"#)
        .set("fields.account.arr", "5")
        .set("salesforce.colour", r#""blue""#)
        .errors();
    let keys: Vec<&str> = errors.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "salesforce.colour",
            "salesforce.login_url",
            "salesforce.api_version",
            "salesforce.max_api_share",
            "salesforce.max_attempts",
            "schedule.incremental",
            "schedule.timezone",
            "daemon.listen",
            "scoring.period",
            "renewals.create_days_before_end",
            "playbooks.enabled",
            "fields.account.arr",
        ],
        "{errors}"
    );
    assert_eq!(errors.to_string().lines().count(), keys.len());
}

#[test]
fn unknown_keys_are_all_reported_with_suggestions() {
    let text = r#"
[salesforce]
login_url = "https://login.salesforce.com"
auth = "jwt"
client_id = "3MVG9fixture"
username = "integration@example.com"
private_key_file = "keys/jwt.pem"
client_secrte = "oops"
timeout = "5s"

[salesforce.extra]
a = 1
b = 2

[schedul]
full = "0 0 2 * * *"

[telemetry]
endpoint = "https://example.com"

[daemon]
listen = "127.0.0.1:9184"
port = 9184
"#;
    let errors = Config::from_toml(text, &file(), Vec::new(), no_field_table).unwrap_err();
    let keys: Vec<&str> = errors.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "daemon.port",
            "salesforce.client_secrte",
            "salesforce.extra",
            "salesforce.timeout",
            "schedul",
            "telemetry",
        ],
        "{errors}"
    );
    let typo = error_for(&errors, "salesforce.client_secrte");
    assert!(
        typo.message
            .starts_with("unknown key (did you mean salesforce.client_secret?); [salesforce] takes login_url, auth,"),
        "{typo}"
    );
    assert!(
        error_for(&errors, "schedul")
            .message
            .contains("(did you mean schedule?)")
    );
    assert!(
        error_for(&errors, "telemetry")
            .message
            .contains("the sections are salesforce, state, schedule")
    );
    assert!(errors.iter().all(|e| e.origin == Origin::File(file())));
    // An unknown key's value is never echoed: it might be a misplaced secret.
    assert!(!errors.to_string().contains("oops"));
}

#[test]
fn a_section_must_be_a_table() {
    let text = format!("state = \"/tmp/state.db\"\n{}", Toml::jwt().render());
    let errors = Config::from_toml(&text, &file(), Vec::new(), no_field_table).unwrap_err();
    let error = error_for(&errors, "state");
    assert!(
        error.message.contains("must be a table ([state])"),
        "{error}"
    );
}

#[test]
fn syntax_errors_name_the_file_and_position() {
    let errors = Config::from_toml(
        "[salesforce\nauth = 1\n",
        &file(),
        Vec::new(),
        no_field_table,
    )
    .unwrap_err();
    assert_eq!(errors.len(), 1);
    let error = &errors.0[0];
    assert_eq!(error.key, "");
    assert_eq!(error.origin, Origin::File(file()));
    assert!(
        error.to_string().starts_with(&format!(
            "{}: not valid TOML at line 1, column",
            file().display()
        )),
        "{error}"
    );
    let missing =
        Config::load(&fixtures().join("absent.toml"), Vec::new(), no_field_table).unwrap_err();
    assert!(
        missing.0[0]
            .message
            .starts_with("cannot read the configuration file:"),
        "{missing}"
    );
}

#[test]
fn the_environment_overrides_the_file_and_parses_typed_values() {
    let config = Toml::jwt()
        .set("salesforce.max_api_share", "0.5")
        .set("salesforce.max_attempts", "3")
        .load_with(&[
            ("VITALS__SALESFORCE__MAX_API_SHARE", "0.1"),
            ("VITALS__SALESFORCE__MAX_ATTEMPTS", " 7 "),
            ("VITALS__SALESFORCE__BULK_TIMEOUT", "1h"),
            ("VITALS__SALESFORCE__CLIENT_ID", "from-env"),
            ("VITALS__SCHEDULE__TIMEZONE", "America/New_York"),
            ("VITALS__PLAYBOOKS__ENABLED", "escalation, qbr-cadence,"),
            ("VITALS__FIELDS__ACCOUNT__ARR", "Annual_Contract_Value__c"),
            ("VITALS__SCORING__MODEL", "model.toml"),
            // Not ours: a different prefix, and an empty value counts as unset.
            ("VITALSX__SALESFORCE__AUTH", "password"),
            ("VITALS__SALESFORCE__USERNAME", ""),
            ("PATH", "/usr/bin"),
        ])
        .unwrap();
    assert_eq!(config.salesforce.max_api_share, 0.1);
    assert_eq!(config.salesforce.retry.max_attempts, 7);
    assert_eq!(config.salesforce.bulk.timeout, Duration::from_secs(3600));
    assert_eq!(config.salesforce.client_id, "from-env");
    assert_eq!(config.schedule.timezone, chrono_tz::America::New_York);
    assert_eq!(
        config.playbooks.enabled,
        vec![Playbook::Escalation, Playbook::QbrCadence]
    );
    assert_eq!(
        config
            .fields
            .overrides
            .get("account.arr")
            .map(String::as_str),
        Some("Annual_Contract_Value__c")
    );
    assert_eq!(
        config.scoring.model,
        ModelRef::File(fixtures().join("model.toml"))
    );
    let Auth::Jwt { username, .. } = &config.salesforce.auth else {
        panic!("expected jwt")
    };
    assert_eq!(username, "integration@example.com");
}

#[test]
fn the_environment_alone_can_supply_required_keys() {
    let config = Config::from_toml(
        "",
        &file(),
        env_of(&[
            (
                "VITALS__SALESFORCE__LOGIN_URL",
                "https://acme.my.salesforce.com",
            ),
            ("VITALS__SALESFORCE__AUTH", "client_credentials"),
            ("VITALS__SALESFORCE__CLIENT_ID", "3MVG9fixture"),
            ("VITALS__SALESFORCE__CLIENT_SECRET", "env-secret"),
        ]),
        no_field_table,
    )
    .unwrap();
    let Auth::ClientCredentials { client_secret } = &config.salesforce.auth else {
        panic!("expected client credentials")
    };
    assert_eq!(client_secret.expose(), "env-secret");
}

#[test]
fn errors_in_environment_values_name_the_variable() {
    let errors = Toml::jwt()
        .set("salesforce.max_api_share", "0.5")
        .errors_with(&[
            ("VITALS__SALESFORCE__MAX_API_SHARE", "2"),
            ("VITALS__SALESFORCE__MAX_ATTEMPTS", "five"),
            ("VITALS__PLAYBOOKS__ENABLED", "escalation,nope"),
            ("VITALS__SALESFORCE__COLOUR", "blue"),
            // Names differ only in case: the second one sorted is the one reported.
            ("vitals__daemon__listen", "127.0.0.1:1"),
            ("VITALS__DAEMON__LISTEN", "127.0.0.1:2"),
        ]);
    let env = |name: &str| Origin::Env(name.to_owned());
    let expected = [
        (
            "salesforce.max_api_share",
            env("VITALS__SALESFORCE__MAX_API_SHARE"),
        ),
        (
            "salesforce.max_attempts",
            env("VITALS__SALESFORCE__MAX_ATTEMPTS"),
        ),
        ("playbooks.enabled", env("VITALS__PLAYBOOKS__ENABLED")),
        ("salesforce.colour", env("VITALS__SALESFORCE__COLOUR")),
        ("daemon.listen", env("vitals__daemon__listen")),
    ];
    assert_eq!(errors.len(), expected.len(), "{errors}");
    for (key, origin) in expected {
        assert_eq!(error_for(&errors, key).origin, origin, "{key}");
    }
    assert!(
        error_for(&errors, "daemon.listen")
            .message
            .contains("is also set by VITALS__DAEMON__LISTEN"),
        "{errors}"
    );
    assert!(errors.to_string().contains(
        "salesforce.max_api_share: must be a number greater than 0 and at most 1 (the share of the org's daily API allocation Vitals may use), found the string \"2\" (from environment variable VITALS__SALESFORCE__MAX_API_SHARE)"
    ), "{errors}");
}

#[test]
fn a_secret_in_the_environment_is_never_echoed() {
    let errors =
        Toml::jwt().errors_with(&[("VITALS__SALESFORCE__CLIENT_SECRET", "env-secret-value")]);
    let error = error_for(&errors, "salesforce.client_secret");
    assert_eq!(
        error.origin,
        Origin::Env("VITALS__SALESFORCE__CLIENT_SECRET".into())
    );
    assert!(!errors.to_string().contains("env-secret-value"));
    assert!(!format!("{errors:?}").contains("env-secret-value"));
}

#[test]
fn process_env_keeps_only_our_variables_and_never_panics_on_bad_unicode() {
    use std::ffi::OsString;
    use std::os::unix::ffi::OsStringExt;
    let vars = process_env([
        (
            OsString::from("VITALS__STATE__PATH"),
            OsString::from_vec(b"/tmp/\xff".to_vec()),
        ),
        (OsString::from("HOME"), OsString::from("/root")),
    ]);
    assert_eq!(vars.len(), 1);
    assert_eq!(vars["VITALS__STATE__PATH"], "/tmp/\u{fffd}");
}

// ---------------------------------------------------------------------------------------
// The example file
// ---------------------------------------------------------------------------------------

fn example_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("config/vitals.example.toml")
}

fn example_text() -> String {
    std::fs::read_to_string(example_path()).unwrap()
}

/// The example's lines with the section each is in, `[section]` headers tracked whether
/// or not they are commented out.
fn example_lines(text: &str) -> Vec<(String, String)> {
    let mut section = String::new();
    let mut lines = Vec::new();
    for line in text.lines() {
        let bare = line.trim_start_matches('#').trim();
        if bare.starts_with('[') && bare.ends_with(']') && !bare.contains('=') {
            section = bare.trim_matches(['[', ']']).to_owned();
        }
        lines.push((section.clone(), line.to_owned()));
    }
    lines
}

/// The key a line sets, commented out or not: `# api_version = "66.0"` -> `api_version`.
fn example_key(line: &str) -> Option<&str> {
    let bare = line.strip_prefix("# ").unwrap_or(line);
    let (key, _) = bare.split_once(" = ")?;
    (!key.contains(' ') && !key.is_empty()).then_some(key)
}

#[test]
fn the_example_file_loads() {
    let key = fixtures().join("keys/jwt.pem");
    let config = Config::load(
        &example_path(),
        env_of(&[(
            "VITALS__SALESFORCE__PRIVATE_KEY_FILE",
            key.to_str().unwrap(),
        )]),
        no_field_table,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.salesforce.auth.name(), "jwt");
}

#[test]
fn the_example_file_documents_every_key() {
    let text = example_text();
    let lines = example_lines(&text);
    for (section, keys) in SECTIONS {
        assert!(
            lines
                .iter()
                .any(|(_, line)| line == &format!("[{section}]")),
            "[{section}] missing"
        );
        for key in *keys {
            assert!(
                lines
                    .iter()
                    .any(|(s, line)| s == section && example_key(line) == Some(key)),
                "{section}.{key} is not documented"
            );
        }
    }
}

#[test]
fn the_example_file_states_the_true_defaults() {
    // Uncomment every `# key = value` line of a key that has a default; loading the result
    // must give exactly the defaults.
    let defaults: toml::Table = toml::from_str(DEFAULTS).unwrap();
    let has_default = |section: &str, key: &str| {
        defaults
            .get(section)
            .and_then(|s| s.as_table())
            .is_some_and(|s| s.contains_key(key))
    };
    let text = example_text();
    let mut uncommented = 0;
    let rewritten: Vec<String> = example_lines(&text)
        .into_iter()
        .map(|(section, line)| match line.strip_prefix("# ") {
            Some(rest) if example_key(&line).is_some_and(|k| has_default(&section, k)) => {
                uncommented += 1;
                rest.to_owned()
            }
            _ => line,
        })
        .collect();
    let default_count: usize = defaults
        .values()
        .filter_map(|s| s.as_table())
        .map(|s| s.len())
        .sum();
    assert_eq!(
        uncommented, default_count,
        "each default is shown once, commented out"
    );
    let key = fixtures().join("keys/jwt.pem");
    let env = env_of(&[(
        "VITALS__SALESFORCE__PRIVATE_KEY_FILE",
        key.to_str().unwrap(),
    )]);
    let mut explicit = Config::from_toml(
        &rewritten.join("\n"),
        &example_path(),
        env.clone(),
        no_field_table,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let mut implicit = Config::load(&example_path(), env, no_field_table).unwrap();
    // Where the values came from differs on purpose (the file here, the defaults there);
    // the values themselves must not.
    assert_eq!(
        explicit.origins.get("schedule.timezone"),
        Some(&Origin::File(example_path()))
    );
    assert_eq!(
        implicit.origins.get("schedule.timezone"),
        Some(&Origin::Default)
    );
    explicit.origins.clear();
    implicit.origins.clear();
    assert_eq!(format!("{explicit:?}"), format!("{implicit:?}"));
}

#[test]
fn durations_and_schedules_have_sane_bounds() {
    let base = Toml::jwt();
    check_rejects(
        &base,
        "salesforce.request_timeout",
        r#""5124095576030431h""#,
        "salesforce.request_timeout",
        "must be",
    );
    check_rejects(
        &base,
        "salesforce.request_timeout",
        r#""2h""#,
        "salesforce.request_timeout",
        "must be at most 1h, found \"2h\"",
    );
    check_rejects(
        &base,
        "daemon.shutdown_timeout",
        r#""99999h""#,
        "daemon.shutdown_timeout",
        "must be at most 1h",
    );
    check_rejects(
        &base,
        "daemon.ready_max_age",
        r#""200h""#,
        "daemon.ready_max_age",
        "must be at most",
    );
    check_rejects(
        &base,
        "daemon.ready_max_age",
        r#""15m""#,
        "daemon.ready_max_age",
        "must be longer than the longest gap between two incremental syncs (15m) of schedule.incremental = \"0 */15 * * * *\", found \"15m\"",
    );
    check_rejects(
        &base,
        "schedule.incremental",
        r#""* * * * * *""#,
        "schedule.incremental",
        "fires every 1 seconds; syncs must be at least 60 seconds apart",
    );
    check_rejects(
        &base,
        "schedule.full",
        r#""*/20 * * * * *""#,
        "schedule.full",
        "fires every 20 seconds",
    );
    // Once a minute is the fastest schedule allowed.
    base.clone()
        .set("schedule.incremental", r#""0 * * * * *""#)
        .load()
        .unwrap();
}

#[test]
fn a_secret_pasted_into_a_file_key_is_never_echoed() {
    let pem =
        "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----";
    let errors = Toml::client_credentials()
        .set("salesforce.client_secret_file", r#""Sup3rS3cretValue""#)
        .errors();
    let text = errors.to_string();
    assert!(text.contains("salesforce.client_secret_file"), "{text}");
    assert!(!text.contains("Sup3rS3cretValue"), "{text}");
    assert!(text.contains("the value is not shown"), "{text}");

    let errors = Toml::jwt().errors_with(&[("VITALS__SALESFORCE__PRIVATE_KEY_FILE", pem)]);
    let text = errors.to_string();
    assert!(
        text.contains("VITALS__SALESFORCE__PRIVATE_KEY_FILE"),
        "{text}"
    );
    assert!(!text.contains("MIIEvQ"), "{text}");
    assert!(!text.contains("BEGIN"), "{text}");

    // A real path is still shown, so the operator can find the file.
    let errors = Toml::client_credentials()
        .set(
            "salesforce.client_secret_file",
            r#""/nonexistent/secret.txt""#,
        )
        .errors();
    assert!(
        errors.to_string().contains("/nonexistent/secret.txt"),
        "{errors}"
    );
}

#[test]
fn the_environment_overrides_a_secret_whichever_spelling_each_layer_uses() {
    let secret_of = |config: &Config| match &config.salesforce.auth {
        crate::config::Auth::ClientCredentials { client_secret } => {
            client_secret.expose().to_owned()
        }
        other => panic!("{other:?}"),
    };
    let secret_file = fixtures().join("secrets/client-secret");
    let from_file = std::fs::read_to_string(&secret_file).unwrap();
    // The file has the secret inline; the environment names a file: the environment wins.
    let inline = Toml::client_credentials()
        .remove("salesforce.client_secret_file")
        .set("salesforce.client_secret", r#""inline-secret""#);
    let config = inline
        .load_with(&[(
            "VITALS__SALESFORCE__CLIENT_SECRET_FILE",
            secret_file.to_str().unwrap(),
        )])
        .unwrap();
    assert_eq!(secret_of(&config), from_file.trim_end());
    // The file names a file; the environment gives the value: the environment wins.
    let config = Toml::client_credentials()
        .load_with(&[("VITALS__SALESFORCE__CLIENT_SECRET", "from-the-environment")])
        .unwrap();
    assert_eq!(secret_of(&config), "from-the-environment");
    // Both spellings in the file itself are still a contradiction.
    let errors = inline
        .set(
            "salesforce.client_secret_file",
            r#""secrets/client-secret""#,
        )
        .errors();
    assert!(errors.to_string().contains("not both"), "{errors}");
}
