//! [`Secret`]: a string that never prints.
//!
//! Client secrets, refresh tokens, private keys and access tokens travel through the
//! program only inside this type. Its `Debug` and `Display` print `[redacted]`, so a secret
//! cannot reach a log line or an error message by accident; the one way to read it is the
//! explicit [`Secret::expose`], which the OAuth code calls when it builds a request.
//!
//! It has a module of its own because both sides use it: the configuration reads secrets
//! into it and the Salesforce client sends them, and neither should import the other for
//! it. This module must never gain a way to print or serialise the value.

use std::fmt;

/// A secret value: a client secret, refresh token or PEM private key.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself. Call this only where the value goes on the wire.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_prints_redacted_and_exposes_only_on_request() {
        let secret = Secret::new("hunter2");
        assert_eq!(format!("{secret}"), "[redacted]");
        assert_eq!(format!("{secret:?}"), "[redacted]");
        assert_eq!(format!("{:?}", Some(&secret)), "Some([redacted])");
        assert_eq!(secret.expose(), "hunter2");
    }
}
