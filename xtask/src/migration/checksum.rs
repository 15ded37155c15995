//! The checksum contract.
//!
//! `sha256:<hex>` over the executable part of a migration (body, verify and
//! rollback sections: everything after the header block), after removing a
//! UTF-8 BOM and turning CRLF into LF. The header is excluded so that ticking
//! a stamp never changes the checksum, and line endings are normalised so a
//! checkout with `core.autocrlf` is not a "changed" migration (sqlx #2659).

use std::fmt;

use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Checksum(pub [u8; 32]);

/// Hex digits of the checksum a stamp carries.
pub const STAMP_PREFIX_LEN: usize = 12;

impl Checksum {
    /// `normalized` must already be BOM-free with LF line endings.
    pub fn of_normalized(normalized: &str) -> Checksum {
        let digest = Sha256::digest(normalized.as_bytes());
        let mut bytes = [0u8; 32];
        bytes.copy_from_slice(&digest);
        Checksum(bytes)
    }

    pub fn hex(&self) -> String {
        let mut s = String::with_capacity(64);
        for b in self.0 {
            s.push(char::from_digit(u32::from(b >> 4), 16).unwrap());
            s.push(char::from_digit(u32::from(b & 0xf), 16).unwrap());
        }
        s
    }

    /// The first 12 hex digits, as written in stamps.
    pub fn prefix(&self) -> String {
        self.hex()[..STAMP_PREFIX_LEN].to_string()
    }

    pub fn parse(text: &str) -> Option<Checksum> {
        let hex = text.strip_prefix("sha256:")?;
        if hex.len() != 64 {
            return None;
        }
        let mut bytes = [0u8; 32];
        for (i, byte) in bytes.iter_mut().enumerate() {
            *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
        }
        Some(Checksum(bytes))
    }
}

impl fmt::Display for Checksum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sha256:{}", self.hex())
    }
}

/// Removes a leading BOM and turns CRLF into LF; borrows when nothing changes.
pub fn normalize(text: &str) -> std::borrow::Cow<'_, str> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.contains("\r\n") {
        std::borrow::Cow::Owned(text.replace("\r\n", "\n"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_vector() {
        // sha256("") is a published test vector.
        assert_eq!(
            Checksum::of_normalized("").to_string(),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(Checksum::of_normalized("").prefix(), "e3b0c44298fc");
    }

    #[test]
    fn round_trips_through_text() {
        let c = Checksum::of_normalized("select 1;\n");
        assert_eq!(Checksum::parse(&c.to_string()), Some(c));
        assert_eq!(Checksum::parse("sha256:abc"), None);
        assert_eq!(Checksum::parse(&c.hex()), None);
    }

    #[test]
    fn normalize_removes_bom_and_crlf_only() {
        assert_eq!(normalize("\u{feff}a\r\nb\r\n"), "a\nb\n");
        assert_eq!(normalize("a\rb\n"), "a\rb\n");
        assert!(matches!(normalize("a\nb"), std::borrow::Cow::Borrowed(_)));
    }
}
