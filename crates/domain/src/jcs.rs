//! RFC 8785 JSON Canonicalization Scheme (JCS) for the value set the domain signs: a single flat
//! object whose members are all strings.
//!
//! For that set JCS reduces to:
//! * members sorted by key, comparing keys as sequences of UTF-16 code units (not UTF-8 bytes or
//!   code points: they differ for characters above U+FFFF versus U+E000..U+FFFF);
//! * no whitespace;
//! * strings escaped exactly like ECMAScript `JSON.stringify`: `\"`, `\\`, `\b`, `\t`, `\n`,
//!   `\f`, `\r`, other characters below U+0020 as `\u00xx` (lower-case hex), everything else
//!   (including `/`, DEL, U+2028/U+2029 and all non-ASCII) as literal UTF-8.
//!
//! A browser reproduces it with
//! `JSON.stringify(Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))))`
//! (JavaScript string comparison is by UTF-16 code units, as JCS requires). That one-liner holds
//! for keys that are not array indices such as `"1"`, which JavaScript objects always enumerate
//! first; pqbank's payload keys are fixed lower-case names.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Compares two keys in JCS order (UTF-16 code units).
pub fn compare_keys(a: &str, b: &str) -> Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

/// Appends `s` as a JCS / `JSON.stringify` string literal, quotes included.
pub fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if u32::from(c) < 0x20 => {
                // Writing to a String cannot fail.
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// The JCS serialisation of an object whose members are all strings. Keys are unique by
/// construction (a map); they are re-sorted in UTF-16 order.
pub fn string_object<K, V>(members: &BTreeMap<K, V>) -> String
where
    K: AsRef<str>,
    V: AsRef<str>,
{
    let mut sorted: Vec<(&str, &str)> = members
        .iter()
        .map(|(k, v)| (k.as_ref(), v.as_ref()))
        .collect();
    sorted.sort_by(|a, b| compare_keys(a.0, b.0));
    let capacity = sorted
        .iter()
        .map(|(k, v)| k.len() + v.len() + 6)
        .sum::<usize>()
        + 2;
    let mut out = String::with_capacity(capacity);
    out.push('{');
    for (i, (key, value)) in sorted.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_string(&mut out, key);
        out.push(':');
        write_string(&mut out, value);
    }
    out.push('}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn object(members: &[(&str, &str)]) -> String {
        string_object(&members.iter().copied().collect::<BTreeMap<_, _>>())
    }

    /// RFC 8785 §3.2.3, "Sorting of Object Properties" (the non-number part of the example).
    #[test]
    fn rfc8785_sorting_example() {
        let got = object(&[
            ("\u{20ac}", "Euro Sign"),
            ("\r", "Carriage Return"),
            ("\u{fb33}", "Hebrew Letter Dalet With Dagesh"),
            ("1", "One"),
            ("\u{1f600}", "Emoji: Grinning Face"),
            ("\u{80}", "Control"),
            ("\u{f6}", "Latin Small Letter O With Diaeresis"),
        ]);
        let expected = "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u{80}\":\"Control\",\
            \"\u{f6}\":\"Latin Small Letter O With Diaeresis\",\"\u{20ac}\":\"Euro Sign\",\
            \"\u{1f600}\":\"Emoji: Grinning Face\",\"\u{fb33}\":\"Hebrew Letter Dalet With Dagesh\"}";
        assert_eq!(got, expected);
    }

    /// RFC 8785 §3.2.2.2 string example: `"\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/"`
    /// canonicalises to `"€$\u000f\nA'B\"\\\\\"/"`.
    #[test]
    fn rfc8785_string_example() {
        let mut out = String::new();
        write_string(&mut out, "\u{20ac}$\u{f}\nA'B\"\\\\\"/");
        assert_eq!(out, "\"\u{20ac}$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"");
    }

    #[test]
    fn escapes_every_control_character() {
        let mut out = String::new();
        let all: String = (0u8..0x20).map(char::from).collect();
        write_string(&mut out, &all);
        assert_eq!(
            out,
            "\"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000b\\f\\r\
             \\u000e\\u000f\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018\\u0019\
             \\u001a\\u001b\\u001c\\u001d\\u001e\\u001f\""
        );
        let mut out = String::new();
        write_string(&mut out, "\u{7f}\u{2028}\u{2029}</script>&");
        assert_eq!(out, "\"\u{7f}\u{2028}\u{2029}</script>&\"");
    }

    #[test]
    fn utf16_order_differs_from_code_point_order() {
        // U+1F600 is D83D DE00 in UTF-16, which sorts before U+FB33.
        assert_eq!(compare_keys("\u{1f600}", "\u{fb33}"), Ordering::Less);
        assert!("\u{1f600}" > "\u{fb33}"); // Rust's own (code point) order disagrees.
        assert_eq!(compare_keys("a", "ab"), Ordering::Less);
        assert_eq!(compare_keys("", ""), Ordering::Equal);
        assert_eq!(object(&[]), "{}");
    }

    /// Any Unicode scalar values, controls included (`any::<String>()` excludes controls).
    fn any_text() -> impl Strategy<Value = String> {
        prop::collection::vec(any::<char>(), 0..12).prop_map(String::from_iter)
    }

    proptest! {
        #[test]
        fn output_is_json_that_round_trips(members in prop::collection::btree_map(any_text(), any_text(), 0..8)) {
            let json = string_object(&members);
            let parsed: BTreeMap<String, String> = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(&parsed, &members);
            // Idempotent: canonicalising the parsed value gives the same text.
            prop_assert_eq!(string_object(&parsed), json.clone());
            // Agrees with serde_json's escaping for strings when keys are sorted in UTF-16 order
            // (serde_json writes compact output and the same escapes).
            let mut sorted: Vec<_> = members.iter().collect();
            sorted.sort_by(|a, b| compare_keys(a.0, b.0));
            let via_serde = format!(
                "{{{}}}",
                sorted
                    .iter()
                    .map(|(k, v)| format!("{}:{}", serde_json::to_string(k).unwrap(), serde_json::to_string(v).unwrap()))
                    .collect::<Vec<_>>()
                    .join(",")
            );
            prop_assert_eq!(json, via_serde);
        }
    }
}
