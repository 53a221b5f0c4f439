//! People-facing names and credentials: [`Username`], [`Email`], [`LegalName`], [`Password`].

use std::fmt;
use std::str::FromStr;

use zeroize::Zeroizing;

use crate::text::{InputError, check_free_text};

/// A login name.
///
/// 3..=32 ASCII characters from `a-z`, `0-9`, `.`, `_`, `-`; starts with a letter, ends with a
/// letter or digit, and never has two separators (`.`, `_`, `-`) in a row.
///
/// Usernames are case-insensitive: [`Username::parse`] lower-cases ASCII letters first, so
/// `"Alice"` and `"alice"` are the same user, and the stored/displayed form is always lower case.
/// Non-ASCII input is rejected rather than folded (no look-alike Unicode usernames).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Username(String);

impl Username {
    /// Minimum length.
    pub const MIN_LEN: usize = 3;
    /// Maximum length.
    pub const MAX_LEN: usize = 32;

    /// Normalises (ASCII lower case) and validates.
    pub fn parse(input: &str) -> Result<Username, InputError> {
        const WHAT: &str = "username";
        if input.len() > Self::MAX_LEN {
            return Err(InputError::TooLong {
                what: WHAT,
                max: Self::MAX_LEN,
            });
        }
        if input.len() < Self::MIN_LEN {
            // Non-ASCII input may be short in bytes yet invalid anyway; length is reported first.
            return Err(InputError::TooShort {
                what: WHAT,
                min: Self::MIN_LEN,
            });
        }
        let name = input.to_ascii_lowercase();
        let is_sep = |b: u8| matches!(b, b'.' | b'_' | b'-');
        let bytes = name.as_bytes();
        for (position, &b) in bytes.iter().enumerate() {
            if !(b.is_ascii_lowercase() || b.is_ascii_digit() || is_sep(b)) {
                // For ASCII input, byte position == char position; otherwise report the char index.
                let position = name[..position].chars().count();
                return Err(InputError::InvalidChar {
                    what: WHAT,
                    position,
                });
            }
        }
        if !bytes.first().is_some_and(u8::is_ascii_lowercase) {
            return Err(InputError::Structure {
                what: WHAT,
                rule: "must start with a letter",
            });
        }
        if !bytes.last().is_some_and(u8::is_ascii_alphanumeric) {
            return Err(InputError::Structure {
                what: WHAT,
                rule: "must end with a letter or digit",
            });
        }
        if bytes.windows(2).any(|w| is_sep(w[0]) && is_sep(w[1])) {
            return Err(InputError::Structure {
                what: WHAT,
                rule: "must not contain two separators in a row",
            });
        }
        Ok(Username(name))
    }

    /// The normalised name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Username({})", self.0)
    }
}

impl FromStr for Username {
    type Err = InputError;
    fn from_str(s: &str) -> Result<Self, InputError> {
        Username::parse(s)
    }
}

crate::serde_str::serde_via_str!(Username, "a username");

/// An e-mail address, validated pragmatically.
///
/// * at most 254 characters, ASCII only (internationalised domains must be given in their
///   `xn--` A-label form; SMTPUTF8 local parts are not supported);
/// * local part: 1..=64 characters of RFC 5322 `atext` and dots, no leading, trailing or double
///   dot (no quoted strings, no comments);
/// * domain: at least two dot-separated labels of 1..=63 letters, digits and hyphens, not starting
///   or ending with a hyphen; the last label has at least two characters and is not all digits
///   (no IP literals).
///
/// The domain is lower-cased; the local part is kept as given (it is case-sensitive by RFC 5321).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Email(String);

impl Email {
    /// Maximum length in characters.
    pub const MAX_LEN: usize = 254;
    /// Maximum local-part length.
    pub const MAX_LOCAL_LEN: usize = 64;

    /// Validates and normalises (domain to lower case).
    pub fn parse(input: &str) -> Result<Email, InputError> {
        const WHAT: &str = "e-mail address";
        if input.len() > Self::MAX_LEN {
            return Err(InputError::TooLong {
                what: WHAT,
                max: Self::MAX_LEN,
            });
        }
        if let Some(position) = input.chars().position(|c| !c.is_ascii_graphic()) {
            return Err(InputError::InvalidChar {
                what: WHAT,
                position,
            });
        }
        let (local, domain) = input.rsplit_once('@').ok_or(InputError::Structure {
            what: WHAT,
            rule: "must contain '@'",
        })?;
        let bad = |rule| InputError::Structure { what: WHAT, rule };
        if local.is_empty() || local.len() > Self::MAX_LOCAL_LEN {
            return Err(bad("local part must have 1 to 64 characters"));
        }
        let atext = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+/=?^_`{|}~-".contains(&b);
        if !local
            .split('.')
            .all(|atom| !atom.is_empty() && atom.bytes().all(atext))
        {
            return Err(bad("invalid local part"));
        }
        let labels: Vec<&str> = domain.split('.').collect();
        let label_ok = |l: &&str| {
            (1..=63).contains(&l.len())
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        };
        if labels.len() < 2 || !labels.iter().all(label_ok) {
            return Err(bad("invalid domain"));
        }
        if labels
            .last()
            .is_none_or(|tld| tld.len() < 2 || tld.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(bad("invalid top-level domain"));
        }
        Ok(Email(format!("{local}@{}", domain.to_ascii_lowercase())))
    }

    /// The normalised address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Email({})", self.0)
    }
}

impl FromStr for Email {
    type Err = InputError;
    fn from_str(s: &str) -> Result<Self, InputError> {
        Email::parse(s)
    }
}

crate::serde_str::serde_via_str!(Email, "an e-mail address");

/// A person's or organisation's legal name, as printed on statements.
///
/// 1..=200 Unicode characters, at least one of them a letter; no control, bidirectional
/// formatting or other invisible formatting characters (see the crate docs for the exact set); no
/// leading or trailing whitespace (input is never trimmed silently). NFC normalisation is not
/// applied: the name is stored as given.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LegalName(String);

impl LegalName {
    /// Maximum length in characters.
    pub const MAX_LEN: usize = 200;

    /// Validates.
    pub fn parse(input: &str) -> Result<LegalName, InputError> {
        const WHAT: &str = "legal name";
        check_free_text(WHAT, input, 1, Self::MAX_LEN)?;
        if !input.chars().any(char::is_alphabetic) {
            return Err(InputError::Structure {
                what: WHAT,
                rule: "must contain a letter",
            });
        }
        Ok(LegalName(input.to_owned()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for LegalName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for LegalName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LegalName({:?})", self.0)
    }
}

impl FromStr for LegalName {
    type Err = InputError;
    fn from_str(s: &str) -> Result<Self, InputError> {
        LegalName::parse(s)
    }
}

crate::serde_str::serde_via_str!(LegalName, "a legal name");

/// A password as entered by a user, before hashing.
///
/// 12..=128 Unicode characters (any characters; NFC normalisation is not applied). The text is
/// zeroized on drop, `Debug` is redacted, and there is no `Display`, `Clone`, `PartialEq` or
/// `Serialize`: the only thing to do with it is hand [`Password::expose`] to the password hasher.
/// `Deserialize` exists for request bodies; note that the deserializer's own buffers are outside
/// this type's control.
pub struct Password(Zeroizing<String>);

impl Password {
    /// Minimum length in characters.
    pub const MIN_LEN: usize = 12;
    /// Maximum length in characters.
    pub const MAX_LEN: usize = 128;

    /// Takes ownership of the text (so no copy is left behind) and validates its length. On error
    /// the text is zeroized too.
    pub fn new(text: String) -> Result<Password, InputError> {
        const WHAT: &str = "password";
        let text = Zeroizing::new(text);
        if text.len() > Self::MAX_LEN * 4 {
            return Err(InputError::TooLong {
                what: WHAT,
                max: Self::MAX_LEN,
            });
        }
        let count = text.chars().count();
        if count < Self::MIN_LEN {
            return Err(InputError::TooShort {
                what: WHAT,
                min: Self::MIN_LEN,
            });
        }
        if count > Self::MAX_LEN {
            return Err(InputError::TooLong {
                what: WHAT,
                max: Self::MAX_LEN,
            });
        }
        Ok(Password(text))
    }

    /// The password text, for hashing or verification only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

impl<'de> serde::Deserialize<'de> for Password {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Password::new(text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn username_accepts_and_normalises() {
        assert_eq!(Username::parse("alice").unwrap().as_str(), "alice");
        assert_eq!(
            Username::parse("Alice.Smith-2").unwrap().as_str(),
            "alice.smith-2"
        );
        assert_eq!(Username::parse("abc").unwrap().as_str(), "abc");
        assert_eq!(Username::parse("a_b").unwrap().as_str(), "a_b");
        let max = format!("a{}", "1".repeat(31));
        assert_eq!(Username::parse(&max).unwrap().as_str(), max);
        assert_eq!("Bob99".parse::<Username>().unwrap().to_string(), "bob99");
        assert_eq!(
            serde_json::to_string(&Username::parse("bob99").unwrap()).unwrap(),
            "\"bob99\""
        );
        assert_eq!(
            serde_json::from_str::<Username>("\"BOB99\"")
                .unwrap()
                .as_str(),
            "bob99"
        );
    }

    #[test]
    fn username_rejects() {
        let too_long = format!("a{}", "1".repeat(32));
        for (bad, err) in [
            (
                "ab",
                InputError::TooShort {
                    what: "username",
                    min: 3,
                },
            ),
            (
                "",
                InputError::TooShort {
                    what: "username",
                    min: 3,
                },
            ),
            (
                too_long.as_str(),
                InputError::TooLong {
                    what: "username",
                    max: 32,
                },
            ),
            (
                "al ice",
                InputError::InvalidChar {
                    what: "username",
                    position: 2,
                },
            ),
            (
                "alicé",
                InputError::InvalidChar {
                    what: "username",
                    position: 4,
                },
            ),
            (
                "al@ce",
                InputError::InvalidChar {
                    what: "username",
                    position: 2,
                },
            ),
            (
                "1alice",
                InputError::Structure {
                    what: "username",
                    rule: "must start with a letter",
                },
            ),
            (
                "_alice",
                InputError::Structure {
                    what: "username",
                    rule: "must start with a letter",
                },
            ),
            (
                "alice.",
                InputError::Structure {
                    what: "username",
                    rule: "must end with a letter or digit",
                },
            ),
            (
                "al..ice",
                InputError::Structure {
                    what: "username",
                    rule: "must not contain two separators in a row",
                },
            ),
            (
                "al-_ice",
                InputError::Structure {
                    what: "username",
                    rule: "must not contain two separators in a row",
                },
            ),
        ] {
            assert_eq!(Username::parse(bad), Err(err), "{bad:?}");
        }
        // Kelvin sign lower-cases to 'k' under Unicode rules; ASCII-only folding rejects it.
        assert!(Username::parse("\u{212a}elvin").is_err());
    }

    #[test]
    fn email_accepts() {
        assert_eq!(
            Email::parse("alice@example.com").unwrap().as_str(),
            "alice@example.com"
        );
        assert_eq!(
            Email::parse("Alice.B+tag@Example.COM").unwrap().as_str(),
            "Alice.B+tag@example.com"
        );
        assert!(Email::parse("a@b.co").is_ok());
        assert!(Email::parse("x@xn--bcher-kva.example").is_ok());
        assert!(Email::parse("o'brien@mail.example.ie").is_ok());
        let local = "a".repeat(64);
        let domain = format!("{}.{}.{}", "b".repeat(63), "c".repeat(63), "d".repeat(61));
        let max = format!("{local}@{domain}");
        assert_eq!(max.len(), 254);
        assert!(Email::parse(&max).is_ok());
        assert_eq!(
            serde_json::from_str::<Email>("\"a@B.co\"")
                .unwrap()
                .as_str(),
            "a@b.co"
        );
    }

    #[test]
    fn email_rejects() {
        let long_local = format!("{}@example.com", "a".repeat(65));
        let too_long = format!(
            "{}@{}.{}.{}",
            "a".repeat(64),
            "b".repeat(63),
            "c".repeat(63),
            "d".repeat(62)
        );
        let long_label = format!("a@{}.com", "b".repeat(64));
        for bad in [
            "",
            "alice",
            "@example.com",
            "alice@",
            "alice@example",
            "alice@@example.com",
            "alice@exa mple.com",
            " alice@example.com",
            "alice@example.com ",
            "al ice@example.com",
            ".alice@example.com",
            "alice.@example.com",
            "al..ice@example.com",
            "alice@-example.com",
            "alice@example-.com",
            "alice@example..com",
            "alice@.example.com",
            "alice@example.c",
            "alice@127.0.0.1",
            "alice@[127.0.0.1]",
            "\"alice\"@example.com",
            "alicé@example.com",
            "alice@exämple.com",
            "alice(c)@example.com",
            "alice@exa_mple.com",
            "a\n@example.com",
            &long_local,
            &too_long,
            &long_label,
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn legal_name() {
        assert_eq!(
            LegalName::parse("Zoë O'Brien-Łukasiewicz")
                .unwrap()
                .as_str(),
            "Zoë O'Brien-Łukasiewicz"
        );
        assert!(LegalName::parse("李小龍").is_ok());
        assert!(LegalName::parse("X").is_ok());
        assert!(LegalName::parse("ACME Holdings AG").is_ok());
        assert!(LegalName::parse(&"é".repeat(200)).is_ok());
        assert_eq!(
            LegalName::parse(&"é".repeat(201)),
            Err(InputError::TooLong {
                what: "legal name",
                max: 200
            })
        );
        assert_eq!(
            LegalName::parse(""),
            Err(InputError::TooShort {
                what: "legal name",
                min: 1
            })
        );
        assert_eq!(
            LegalName::parse("Bob\tSmith"),
            Err(InputError::InvalidChar {
                what: "legal name",
                position: 3
            })
        );
        assert!(LegalName::parse("Bob\u{202e}htimS").is_err());
        assert!(LegalName::parse(" Bob").is_err());
        assert!(LegalName::parse("Bob ").is_err());
        assert!(LegalName::parse("1234").is_err());
        assert!(LegalName::parse("   ").is_err());
        assert_eq!(
            format!("{:?}", LegalName::parse("Ann").unwrap()),
            "LegalName(\"Ann\")"
        );
    }

    #[test]
    fn password() {
        let p = Password::new("correct horse".to_owned()).unwrap();
        assert_eq!(p.expose(), "correct horse");
        assert_eq!(format!("{p:?}"), "Password(<redacted>)");
        assert!(Password::new("ääääääääääää".to_owned()).is_ok()); // 12 chars, 24 bytes
        assert_eq!(
            Password::new("elevenchars".to_owned()).unwrap_err(),
            InputError::TooShort {
                what: "password",
                min: 12
            }
        );
        assert!(Password::new("x".repeat(128)).is_ok());
        assert!(Password::new("😀".repeat(128)).is_ok());
        assert_eq!(
            Password::new("x".repeat(129)).unwrap_err(),
            InputError::TooLong {
                what: "password",
                max: 128
            }
        );
        assert!(Password::new("x".repeat(100_000)).is_err());
        let err = Password::new("short".to_owned()).unwrap_err();
        assert!(!err.to_string().contains("short"));
        let from_json: Password = serde_json::from_str("\"a long enough secret\"").unwrap();
        assert_eq!(from_json.expose(), "a long enough secret");
        assert!(serde_json::from_str::<Password>("\"too short\"").is_err());
    }

    proptest! {
        #[test]
        fn username_parse_is_idempotent(s in "[a-zA-Z0-9._-]{0,40}") {
            if let Ok(u) = Username::parse(&s) {
                prop_assert_eq!(Username::parse(u.as_str()), Ok(u.clone()));
                prop_assert_eq!(u.as_str(), s.to_ascii_lowercase());
            }
        }

        #[test]
        fn text_parsers_never_panic(s in "\\PC{0,300}") {
            let _ = Username::parse(&s);
            let _ = Email::parse(&s);
            let _ = LegalName::parse(&s);
            let _ = Password::new(s.clone());
        }

        #[test]
        fn email_parse_is_idempotent(local in "[a-zA-Z0-9+_-]{1,20}", domain in "[a-zA-Z]{1,20}\\.[a-zA-Z]{2,6}") {
            let e = Email::parse(&format!("{local}@{domain}")).unwrap();
            prop_assert_eq!(Email::parse(e.as_str()), Ok(e.clone()));
        }
    }
}
