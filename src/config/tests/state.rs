//! `[state]`: the SQLite path or a PostgreSQL URL, never both, and the URL's password
//! never in a message.

use super::*;
use crate::secret::Secret;

const PASSWORD: &str = "s3cret-pw";

fn url_with_password() -> String {
    format!("postgres://vitals:{PASSWORD}@db.example.com:5432/vitals")
}

fn postgres_url(config: &Config) -> &Secret {
    match &config.state {
        StateConfig::Postgres { url } => url,
        other => panic!("expected PostgreSQL, got {other:?}"),
    }
}

/// Every message of `errors`, checked to hold no password.
fn assert_no_password(errors: &ConfigErrors) {
    let printed = format!("{errors} {errors:?}");
    assert!(
        !printed.contains(PASSWORD),
        "the password leaked: {printed}"
    );
}

#[test]
fn a_url_in_the_environment_chooses_postgres_over_the_default_path() {
    let config = Toml::jwt()
        .load_with(&[("VITALS__STATE__URL", &url_with_password())])
        .unwrap();
    assert_eq!(postgres_url(&config).expose(), url_with_password());
    let printed = format!("{:?}", config.state);
    assert!(!printed.contains(PASSWORD), "{printed}");
}

#[test]
fn a_url_file_is_read_and_its_newline_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("postgres-url");
    std::fs::write(&path, format!("{}\n", url_with_password())).unwrap();
    let config = Toml::jwt()
        .set(
            "state.url_file",
            &format!("{:?}", path.display().to_string()),
        )
        .load()
        .unwrap();
    assert_eq!(postgres_url(&config).expose(), url_with_password());
}

#[test]
fn a_url_without_a_password_may_stand_in_the_file() {
    let url = "postgresql://vitals@db.example.com/vitals?sslmode=disable";
    let config = Toml::jwt()
        .set("state.url", &format!("{url:?}"))
        .load()
        .unwrap();
    assert_eq!(postgres_url(&config).expose(), url);
}

#[test]
fn path_and_url_together_are_refused_naming_both_keys() {
    let errors = Toml::jwt()
        .set("state.path", r#""/var/lib/vitals/state.db""#)
        .errors_with(&[("VITALS__STATE__URL", &url_with_password())]);
    let error = error_for(&errors, "state.path");
    assert!(error.message.contains("state.url"), "{}", error.message);
    assert_no_password(&errors);

    let errors = Toml::jwt()
        .set("state.path", r#""/var/lib/vitals/state.db""#)
        .set("state.url_file", r#""/etc/vitals/postgres-url""#)
        .errors();
    let error = error_for(&errors, "state.path");
    assert!(
        error.message.contains("state.url_file"),
        "{}",
        error.message
    );
}

#[test]
fn url_and_url_file_in_one_layer_are_refused() {
    let errors = Toml::jwt()
        .set("state.url", r#""postgres://vitals@db/vitals""#)
        .set("state.url_file", r#""/etc/vitals/postgres-url""#)
        .errors();
    let error = error_for(&errors, "state.url");
    assert!(error.message.contains("not both"), "{}", error.message);
}

#[test]
fn a_password_in_the_file_is_refused_without_quoting_it() {
    let errors = Toml::jwt()
        .set("state.url", &format!("{:?}", url_with_password()))
        .errors();
    let error = error_for(&errors, "state.url");
    assert!(
        error.message.contains("VITALS__STATE__URL"),
        "{}",
        error.message
    );
    assert_no_password(&errors);
}

#[test]
fn bad_urls_are_named_by_their_problem_never_quoted() {
    let cases = [
        (format!("mysql://vitals:{PASSWORD}@db/vitals"), "\"mysql\""),
        (
            format!("postgres://vitals:{PASSWORD}@db.example.com"),
            "name the database",
        ),
        (format!("postgres://vitals:{PASSWORD}@/vitals"), "host"),
        (
            format!("db.example.com/vitals?password={PASSWORD}"),
            "not a URL",
        ),
    ];
    for (url, says) in cases {
        let errors = Toml::jwt().errors_with(&[("VITALS__STATE__URL", &url)]);
        let error = error_for(&errors, "state.url");
        assert!(error.message.contains(says), "{url}: {}", error.message);
        assert_no_password(&errors);
    }
}

#[test]
fn a_unix_socket_url_names_its_host_in_the_query() {
    let url = "postgresql:///vitals?host=/run/postgresql";
    let config = Toml::jwt()
        .load_with(&[("VITALS__STATE__URL", url)])
        .unwrap();
    assert_eq!(postgres_url(&config).expose(), url);
}
