//! Shared rules for human-entered text: length limits and the "printable" character policy.

use thiserror::Error;

/// Why a text input (name, username, e-mail, password, reference, branch code) was rejected.
///
/// Errors never echo the input itself (it may be a secret or arbitrarily large); they name the
/// field and, where useful, a character position (counted in Unicode scalar values from 0).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum InputError {
    /// Fewer characters than allowed.
    #[error("{what} must have at least {min} characters")]
    TooShort {
        /// The kind of input.
        what: &'static str,
        /// Minimum length in characters.
        min: usize,
    },
    /// More characters (or bytes, for ASCII-only inputs) than allowed.
    #[error("{what} must have at most {max} characters")]
    TooLong {
        /// The kind of input.
        what: &'static str,
        /// Maximum length in characters.
        max: usize,
    },
    /// A character outside the allowed set.
    #[error("{what} contains a character that is not allowed at position {position}")]
    InvalidChar {
        /// The kind of input.
        what: &'static str,
        /// Position of the first offending character.
        position: usize,
    },
    /// Leading or trailing whitespace (it is never trimmed silently).
    #[error("{what} must not start or end with whitespace")]
    SurroundingWhitespace {
        /// The kind of input.
        what: &'static str,
    },
    /// The input violates a structural rule described by `rule`.
    #[error("{what}: {rule}")]
    Structure {
        /// The kind of input.
        what: &'static str,
        /// The rule that was broken.
        rule: &'static str,
    },
}

/// Characters never allowed in displayed free text (legal names, transfer references):
/// C0/C1 controls (incl. DEL), bidirectional formatting characters (which can make text display
/// differently from what is signed), line/paragraph separators, zero-width space, BOM, and
/// Unicode noncharacters. ZWJ/ZWNJ (U+200C/U+200D) stay allowed: emoji sequences and several
/// scripts need them.
pub(crate) fn is_forbidden_in_text(c: char) -> bool {
    let cp = u32::from(c);
    c.is_control()
        || matches!(
            cp,
            0x061C | 0x200B | 0x200E | 0x200F | 0x2028 | 0x2029 | 0xFEFF
        )
        || (0x202A..=0x202E).contains(&cp)
        || (0x2066..=0x2069).contains(&cp)
        || (0xFDD0..=0xFDEF).contains(&cp)
        || (cp & 0xFFFE) == 0xFFFE
}

/// Checks free text: length in chars within `min..=max`, no forbidden characters, and no leading
/// or trailing whitespace.
pub(crate) fn check_free_text(
    what: &'static str,
    s: &str,
    min: usize,
    max: usize,
) -> Result<(), InputError> {
    // A char is at most 4 bytes: reject huge inputs before walking them.
    if s.len() > max.saturating_mul(4) {
        return Err(InputError::TooLong { what, max });
    }
    let count = s.chars().count();
    if count < min {
        return Err(InputError::TooShort { what, min });
    }
    if count > max {
        return Err(InputError::TooLong { what, max });
    }
    if let Some(position) = s.chars().position(is_forbidden_in_text) {
        return Err(InputError::InvalidChar { what, position });
    }
    if s.starts_with(char::is_whitespace) || s.ends_with(char::is_whitespace) {
        return Err(InputError::SurroundingWhitespace { what });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_chars() {
        for c in [
            '\0',
            '\n',
            '\r',
            '\t',
            '\u{7f}',
            '\u{85}',
            '\u{9f}',
            '\u{61c}',
            '\u{200b}',
            '\u{200e}',
            '\u{200f}',
            '\u{202a}',
            '\u{202e}',
            '\u{2066}',
            '\u{2069}',
            '\u{2028}',
            '\u{2029}',
            '\u{feff}',
            '\u{fdd0}',
            '\u{fdef}',
            '\u{fffe}',
            '\u{ffff}',
            '\u{1fffe}',
            '\u{10ffff}',
        ] {
            assert!(is_forbidden_in_text(c), "{:?} should be forbidden", c);
        }
        for c in [
            'a', ' ', '\u{a0}', 'é', 'ß', '€', '\u{200c}', '\u{200d}', '😀', '中', '\u{fffd}',
            '\u{e000}', '"', '\\', '/',
        ] {
            assert!(!is_forbidden_in_text(c), "{:?} should be allowed", c);
        }
    }

    #[test]
    fn free_text_limits() {
        assert_eq!(check_free_text("x", "", 0, 3), Ok(()));
        assert_eq!(check_free_text("x", "€€€", 1, 3), Ok(()));
        assert_eq!(
            check_free_text("x", "€€€€", 1, 3),
            Err(InputError::TooLong { what: "x", max: 3 })
        );
        assert_eq!(
            check_free_text("x", "", 1, 3),
            Err(InputError::TooShort { what: "x", min: 1 })
        );
        assert_eq!(
            check_free_text("x", "ab\u{202e}", 1, 3),
            Err(InputError::InvalidChar {
                what: "x",
                position: 2
            })
        );
        assert_eq!(
            check_free_text("x", " ab", 1, 3),
            Err(InputError::SurroundingWhitespace { what: "x" })
        );
        assert_eq!(
            check_free_text("x", "ab\u{a0}", 1, 3),
            Err(InputError::SurroundingWhitespace { what: "x" })
        );
        let huge = "a".repeat(10_000);
        assert_eq!(
            check_free_text("x", &huge, 1, 3),
            Err(InputError::TooLong { what: "x", max: 3 })
        );
    }
}
