//! Record Ids as an org allocates and reads them: 18 characters, where the last three
//! encode the case of the first fifteen, so that a 15-character Id pasted from the browser
//! and an 18-character Id in any case name the same record.
//!
//! The emulator keeps its own Id type on purpose: it must not share code with the client it
//! is a test double for, so an Id the client spells wrongly cannot pass because both sides
//! made the same mistake. Nothing here knows an object; key prefixes are plain text.

use std::fmt;

/// The 32 characters of the case-encoding suffix: the value of five case bits.
const CASE_CHARS: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";

/// The 62 digits of the serial part of an allocated Id.
const SERIAL_DIGITS: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// An 18-character record Id in its canonical case.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SfId([u8; 18]);

/// Text that is not a record Id: the wrong length, a character other than a letter or
/// digit, or an 18-character Id whose suffix no org would write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a 15- or 18-character record Id")]
pub struct InvalidId;

impl SfId {
    /// Reads a 15-character (case-sensitive) or 18-character (case-insensitive) Id.
    ///
    /// # Errors
    /// [`InvalidId`] for anything else.
    pub fn parse(text: &str) -> Result<Self, InvalidId> {
        let bytes = text.as_bytes();
        if !bytes.iter().all(u8::is_ascii_alphanumeric) {
            return Err(InvalidId);
        }
        let head: [u8; 15] = match bytes.len() {
            15 => bytes.try_into().map_err(|_| InvalidId)?,
            18 => restore_case(bytes)?,
            _ => return Err(InvalidId),
        };
        Ok(Self::with_suffix(head))
    }

    /// The Id an org would give the `serial`-th record of the object with key prefix
    /// `prefix`: the serial in base 62 right-aligned after the prefix. A prefix that is not
    /// three letters or digits becomes `000`.
    pub fn from_parts(prefix: &str, serial: u64) -> Self {
        let mut head = [b'0'; 15];
        if prefix.len() == 3 && prefix.bytes().all(|b| b.is_ascii_alphanumeric()) {
            head[..3].copy_from_slice(prefix.as_bytes());
        }
        let mut rest = serial;
        for slot in head[3..].iter_mut().rev() {
            // The remainder is below 62, so it always indexes a digit.
            *slot = SERIAL_DIGITS[usize::try_from(rest % 62).unwrap_or(0)];
            rest /= 62;
        }
        Self::with_suffix(head)
    }

    /// Appends the case suffix to a case-sensitive 15-character Id.
    fn with_suffix(head: [u8; 15]) -> Self {
        let mut id = [0u8; 18];
        id[..15].copy_from_slice(&head);
        for (slot, chunk) in id[15..].iter_mut().zip(head.chunks(5)) {
            let bits = chunk.iter().rev().fold(0usize, |bits, b| {
                (bits << 1) | usize::from(b.is_ascii_uppercase())
            });
            *slot = CASE_CHARS[bits];
        }
        Self(id)
    }

    /// The Id as its 18 characters.
    pub fn as_str(&self) -> &str {
        // Letters and digits only, by construction.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The case-sensitive first 15 characters.
    pub fn short(&self) -> &str {
        self.as_str().get(..15).unwrap_or_default()
    }

    /// The 3-character key prefix that names the object (`001` Account, `750` a Bulk job).
    pub fn key_prefix(&self) -> &str {
        self.as_str().get(..3).unwrap_or_default()
    }
}

/// The case-sensitive 15 characters of an 18-character Id, read from its suffix: each
/// suffix character holds five bits, one per character of its chunk, set for upper case.
fn restore_case(bytes: &[u8]) -> Result<[u8; 15], InvalidId> {
    let (head, suffix) = bytes.split_at(15);
    let mut out: [u8; 15] = head.try_into().map_err(|_| InvalidId)?;
    for (chunk, code) in out.chunks_mut(5).zip(suffix) {
        let bits = CASE_CHARS
            .iter()
            .position(|c| *c == code.to_ascii_uppercase())
            .ok_or(InvalidId)?;
        for (at, byte) in chunk.iter_mut().enumerate() {
            let upper = bits & (1 << at) != 0;
            if upper && !byte.is_ascii_alphabetic() {
                // An org never marks a digit as upper case.
                return Err(InvalidId);
            }
            *byte = if upper {
                byte.to_ascii_uppercase()
            } else {
                byte.to_ascii_lowercase()
            };
        }
    }
    Ok(out)
}

impl fmt::Display for SfId {
    /// The 18 characters, honouring width and alignment (`{:>20}`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl fmt::Debug for SfId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SfId").field(&self.as_str()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_spellings_name_one_record() {
        // The Id of the REST API guide's query example, in its three spellings.
        let canonical = SfId::parse("001D000000IRFmaIAH").unwrap();
        assert_eq!(SfId::parse("001D000000IRFma").unwrap(), canonical);
        assert_eq!(SfId::parse("001d000000irfmaiah").unwrap(), canonical);
        assert_eq!(canonical.as_str(), "001D000000IRFmaIAH");
        assert_eq!(canonical.short(), "001D000000IRFma");
        assert_eq!(canonical.key_prefix(), "001");
    }

    #[test]
    fn each_five_characters_set_one_suffix_character() {
        // Worked out by hand: the n-th character of a five-character chunk sets bit n of
        // its suffix character, so `ABcDe` (bits 0, 1 and 3: 11) gives `L`, and a chunk
        // without upper case gives `A`.
        for (short, full) in [
            ("0035e00000ABcDe", "0035e00000ABcDeAAL"),
            ("a0B5e000001xYzQ", "a0B5e000001xYzQEAU"),
            ("7505e00000Kq9Zt", "7505e00000Kq9ZtAAJ"),
            ("00T5e00000hH8gW", "00T5e00000hH8gWEAS"),
        ] {
            let id = SfId::parse(short).unwrap();
            assert_eq!(id.as_str(), full);
            assert_eq!(SfId::parse(&full.to_ascii_uppercase()).unwrap(), id);
        }
    }

    #[test]
    fn what_no_org_writes_is_refused() {
        for text in [
            "",
            "001D000000IRF",
            "001D000000IRF-a",
            "001D000000IRFmaIAHX",
            // A suffix marking a digit as upper case.
            "001D000000IRFma555",
            "001D000000IRFma!!!",
        ] {
            assert_eq!(SfId::parse(text), Err(InvalidId), "{text:?}");
        }
    }

    #[test]
    fn allocated_ids_are_distinct_and_read_back() {
        let first = SfId::from_parts("001", 1);
        assert_ne!(first, SfId::from_parts("001", 2));
        assert_eq!(SfId::parse(first.as_str()).unwrap(), first);
        assert_eq!(SfId::from_parts("00T", 61).short(), "00T00000000000z");
        assert_eq!(SfId::from_parts("750", 62).short(), "750000000000010");
        assert_eq!(SfId::from_parts("bad prefix", 1).key_prefix(), "000");
    }
}
