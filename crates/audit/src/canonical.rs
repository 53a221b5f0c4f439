//! RFC 8785 (JSON Canonicalization Scheme) writer for integer-only JSON.
//!
//! Objects are written with members sorted by the UTF-16 code units of their names, no
//! insignificant whitespace, strings escaped as RFC 8785 section 3.2.2.2 prescribes and
//! numbers restricted to integers within +-(2^53 - 1), whose ECMAScript form is the plain
//! decimal. Floating-point numbers are rejected rather than formatted, which keeps the
//! writer small and exact for the audit structures.

use serde_json::Value;

/// Largest integer that JSON consumers using IEEE 754 doubles represent exactly.
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// Deepest nesting accepted.
pub const MAX_DEPTH: usize = 32;

/// A value that has no canonical form under this writer's restrictions.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CanonicalError {
    /// A non-integer number.
    #[error("only integers are supported in canonical JSON")]
    NonInteger,
    /// An integer beyond +-(2^53 - 1).
    #[error("integer outside +-(2^53 - 1)")]
    IntegerOutOfRange,
    /// Nesting deeper than [`MAX_DEPTH`].
    #[error("value nested deeper than {MAX_DEPTH} levels")]
    TooDeep,
}

/// Writes `value` as RFC 8785 canonical JSON.
pub fn to_canonical_json(value: &Value) -> Result<String, CanonicalError> {
    let mut out = String::with_capacity(512);
    write_value(value, &mut out, 0)?;
    Ok(out)
}

fn write_value(value: &Value, out: &mut String, depth: usize) -> Result<(), CanonicalError> {
    if depth > MAX_DEPTH {
        return Err(CanonicalError::TooDeep);
    }
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                if u > MAX_SAFE_INTEGER {
                    return Err(CanonicalError::IntegerOutOfRange);
                }
                out.push_str(&u.to_string());
            } else if let Some(i) = n.as_i64() {
                if i.unsigned_abs() > MAX_SAFE_INTEGER {
                    return Err(CanonicalError::IntegerOutOfRange);
                }
                out.push_str(&i.to_string());
            } else {
                return Err(CanonicalError::NonInteger);
            }
        }
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(item, out, depth + 1)?;
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut members: Vec<(&String, &Value)> = map.iter().collect();
            members.sort_by(|(a, _), (b, _)| a.encode_utf16().cmp(b.encode_utf16()));
            out.push('{');
            for (i, (name, member)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(name, out);
                out.push(':');
                write_value(member, out, depth + 1)?;
            }
            out.push('}');
        }
    }
    Ok(())
}

/// RFC 8785 section 3.2.2.2 string serialisation. Runs of characters that need no escape
/// (everything but `"`, `\\` and controls below U+0020) are copied in one piece: signatures
/// and certificates in base64 make most strings long and escape-free.
pub(crate) fn write_string(s: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.reserve(s.len() + 2);
    out.push('"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            0x08 => "\\b",
            0x09 => "\\t",
            0x0a => "\\n",
            0x0c => "\\f",
            0x0d => "\\r",
            b if b < 0x20 => "",
            _ => continue,
        };
        // `i` is at an ASCII byte, so both slices end on character boundaries.
        out.push_str(s.get(start..i).unwrap_or_default());
        start = i + 1;
        if escape.is_empty() {
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xf)]));
        } else {
            out.push_str(escape);
        }
    }
    out.push_str(s.get(start..).unwrap_or_default());
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn escapes_strings_like_rfc8785() {
        // RFC 8785 section 3.2.2.2 example (without the number part).
        let v = json!({"string": "\u{20ac}$\u{000F}\u{000a}A'\u{0042}\u{0022}\u{005c}\\\"/"});
        assert_eq!(
            to_canonical_json(&v).unwrap(),
            "{\"string\":\"\u{20ac}$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}"
        );
        let v = json!("\u{7f}\u{2028}\u{8}\u{9}\u{c}\u{d}\u{1f}");
        assert_eq!(
            to_canonical_json(&v).unwrap(),
            "\"\u{7f}\u{2028}\\b\\t\\f\\r\\u001f\""
        );
    }

    #[test]
    fn sorts_members_by_utf16_code_units() {
        // RFC 8785 section 3.2.3 sorting example.
        let v = json!({
            "\u{20ac}": "Euro Sign",
            "\r": "Carriage Return",
            "\u{fb33}": "Hebrew Letter Dalet With Dagesh",
            "1": "One",
            "\u{1f600}": "Emoji: Grinning Face",
            "\u{0080}": "Control",
            "\u{00f6}": "Latin Small Letter O With Diaeresis"
        });
        let text = to_canonical_json(&v).unwrap();
        let order: Vec<&str> = [
            "Carriage Return",
            "One",
            "Control",
            "Latin Small",
            "Euro Sign",
            "Emoji",
            "Hebrew",
        ]
        .into_iter()
        .collect();
        let positions: Vec<usize> = order.iter().map(|k| text.find(k).unwrap()).collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{text}");
    }

    #[test]
    fn numbers_are_integers_in_safe_range() {
        assert_eq!(
            to_canonical_json(&json!([0, -1, 9007199254740991_u64, true, null])).unwrap(),
            "[0,-1,9007199254740991,true,null]"
        );
        assert_eq!(
            to_canonical_json(&json!(9007199254740992_u64)),
            Err(CanonicalError::IntegerOutOfRange)
        );
        assert_eq!(
            to_canonical_json(&json!(1.5)),
            Err(CanonicalError::NonInteger)
        );
    }

    #[test]
    fn depth_is_limited() {
        let mut v = json!(1);
        for _ in 0..40 {
            v = json!([v]);
        }
        assert_eq!(to_canonical_json(&v), Err(CanonicalError::TooDeep));
    }

    /// The escaping rule of RFC 8785 section 3.2.2.2, one character at a time.
    fn escaped_one_by_one(s: &str) -> String {
        let mut out = String::from("\"");
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\u{08}' => out.push_str("\\b"),
                '\u{09}' => out.push_str("\\t"),
                '\u{0a}' => out.push_str("\\n"),
                '\u{0c}' => out.push_str("\\f"),
                '\u{0d}' => out.push_str("\\r"),
                c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }

    proptest::proptest! {
        #[test]
        fn runs_are_copied_exactly_as_escaping_one_character_at_a_time(
            s in r#"(\PC|["\\\x00-\x1f\x7f\x{2028}\x{20ac}\x{1f600}]){0,64}"#
        ) {
            let mut out = String::new();
            write_string(&s, &mut out);
            proptest::prop_assert_eq!(out, escaped_one_by_one(&s));
        }
    }

    #[test]
    fn long_escape_free_strings_pass_through() {
        let b64 = "QUJD".repeat(1200);
        let mut out = String::new();
        write_string(&format!("{b64}\n{b64}\u{1}"), &mut out);
        assert_eq!(out, format!("\"{b64}\\n{b64}\\u0001\""));
    }
}
