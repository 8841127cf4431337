//! Salesforce record Ids.
//!
//! Salesforce Ids come in two spellings: 15 characters, case-sensitive, and 18 characters,
//! case-insensitive, where the last three characters encode the case of the first fifteen.
//! The API always returns 18; people paste 15 from the browser. [`SfId`] accepts both and
//! always holds the 18-character form, so two spellings of one record compare equal.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The alphabet of the 3-character case-encoding suffix.
const SUFFIX_ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";

/// An 18-character Salesforce record Id.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SfId([u8; 18]);

/// Why a string is not a Salesforce Id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// Neither 15 nor 18 characters long.
    #[error("id {value:?} has {len} characters; a Salesforce Id has 15 or 18")]
    Length {
        /// The offending text, cut to 40 characters.
        value: String,
        /// Its length in characters.
        len: usize,
    },
    /// A character outside `[0-9A-Za-z]`.
    #[error("id {value:?} contains a character other than letters and digits")]
    Charset {
        /// The offending text.
        value: String,
    },
    /// An 18-character Id whose suffix does not describe its first 15 characters.
    #[error("id {value:?} has a case-check suffix that does not match its first 15 characters")]
    Checksum {
        /// The offending text.
        value: String,
    },
}

impl SfId {
    /// Parses a 15- or 18-character Id.
    ///
    /// An 18-character Id is case-insensitive: its case is restored from the suffix, so
    /// `001d000000irfmaiah` and `001D000000IRFmaIAH` are the same record.
    ///
    /// # Errors
    /// [`IdError`] when the text is not a well-formed Id.
    pub fn parse(text: &str) -> Result<Self, IdError> {
        let bytes = text.as_bytes();
        if !bytes.iter().all(u8::is_ascii_alphanumeric) {
            return Err(IdError::Charset { value: clip(text) });
        }
        match bytes.len() {
            15 => {
                let mut head = [0u8; 15];
                head.copy_from_slice(bytes);
                Ok(Self::from_head(head))
            }
            18 => {
                let mut head = [0u8; 15];
                head.copy_from_slice(&bytes[..15]);
                // Restore the case of the first 15 characters from the suffix.
                for chunk in 0..3 {
                    let suffix = bytes[15 + chunk].to_ascii_uppercase();
                    let Some(flags) = SUFFIX_ALPHABET.iter().position(|c| *c == suffix) else {
                        return Err(IdError::Checksum { value: clip(text) });
                    };
                    for bit in 0..5 {
                        let byte = &mut head[chunk * 5 + bit];
                        if flags & (1 << bit) != 0 {
                            if !byte.is_ascii_alphabetic() {
                                return Err(IdError::Checksum { value: clip(text) });
                            }
                            *byte = byte.to_ascii_uppercase();
                        } else {
                            *byte = byte.to_ascii_lowercase();
                        }
                    }
                }
                Ok(Self::from_head(head))
            }
            len => Err(IdError::Length {
                value: clip(text),
                len,
            }),
        }
    }

    /// Builds the 18-character Id from its case-sensitive first 15 characters.
    ///
    /// The caller guarantees the bytes are ASCII letters and digits.
    fn from_head(head: [u8; 15]) -> Self {
        let mut full = [0u8; 18];
        full[..15].copy_from_slice(&head);
        for chunk in 0..3 {
            let mut flags = 0usize;
            for bit in 0..5 {
                if head[chunk * 5 + bit].is_ascii_uppercase() {
                    flags |= 1 << bit;
                }
            }
            full[15 + chunk] = SUFFIX_ALPHABET[flags];
        }
        Self(full)
    }

    /// Builds an Id from a 3-character key prefix and a serial number, as an org would
    /// allocate them. Used by the emulator and by generated test data.
    ///
    /// The serial is written in base 62 into the 12 characters after the prefix; a prefix
    /// that is not three ASCII letters or digits is replaced by `000`.
    pub fn from_parts(prefix: &str, serial: u64) -> Self {
        const DIGITS: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        let mut head = [b'0'; 15];
        let prefix = prefix.as_bytes();
        if prefix.len() == 3 && prefix.iter().all(u8::is_ascii_alphanumeric) {
            head[..3].copy_from_slice(prefix);
        }
        let mut rest = serial;
        for slot in head[3..].iter_mut().rev() {
            // `rest % 62` is below 62, so the index is always in range.
            *slot = DIGITS[(rest % 62) as usize];
            rest /= 62;
        }
        Self::from_head(head)
    }

    /// The Id as its 18-character text.
    pub fn as_str(&self) -> &str {
        // The bytes are ASCII letters and digits by construction, so this never fails.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The first 15 characters: the case-sensitive form.
    pub fn short(&self) -> &str {
        &self.as_str()[..15]
    }

    /// The 3-character key prefix that names the object type (`001` Account, `500` Case, ...).
    pub fn key_prefix(&self) -> &str {
        &self.as_str()[..3]
    }
}

fn clip(text: &str) -> String {
    text.chars().take(40).collect()
}

impl fmt::Display for SfId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for SfId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SfId({})", self.as_str())
    }
}

impl FromStr for SfId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for SfId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for SfId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifteen_and_eighteen_character_forms_agree() {
        // The example Id from the REST API guide's query response.
        let long = SfId::parse("001D000000IRFmaIAH").unwrap();
        let short = SfId::parse("001D000000IRFma").unwrap();
        assert_eq!(long, short);
        assert_eq!(short.as_str(), "001D000000IRFmaIAH");
        assert_eq!(long.short(), "001D000000IRFma");
        assert_eq!(long.key_prefix(), "001");
    }

    #[test]
    fn eighteen_character_ids_are_case_insensitive() {
        let lower = SfId::parse("001d000000irfmaiah").unwrap();
        assert_eq!(lower.as_str(), "001D000000IRFmaIAH");
    }

    #[test]
    fn more_known_ids_round_trip() {
        for id in [
            "00Dxx0000001gPLEAY",
            "005xx000001SwiUAAS",
            "001xx0000004GxDAAU",
        ] {
            let parsed = SfId::parse(id).unwrap();
            assert_eq!(parsed.as_str(), id);
            assert_eq!(SfId::parse(parsed.short()).unwrap(), parsed);
        }
    }

    #[test]
    fn bad_ids_are_rejected_with_a_reason() {
        assert!(matches!(
            SfId::parse("001D000000IRF"),
            Err(IdError::Length { len: 13, .. })
        ));
        assert!(matches!(
            SfId::parse("001D000000IRF-a"),
            Err(IdError::Charset { .. })
        ));
        // A suffix that marks a digit as upper case cannot come from Salesforce.
        assert!(matches!(
            SfId::parse("001D000000IRFma555"),
            Err(IdError::Checksum { .. })
        ));
    }

    #[test]
    fn generated_ids_are_valid_and_distinct() {
        let a = SfId::from_parts("001", 1);
        let b = SfId::from_parts("001", 2);
        assert_ne!(a, b);
        assert_eq!(SfId::parse(a.as_str()).unwrap(), a);
        assert_eq!(
            SfId::from_parts("00T", 61).as_str()[..15],
            *"00T00000000000z"
        );
    }
}
