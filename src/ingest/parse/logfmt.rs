//! logfmt lines (`level=warn msg="disk almost full" source=api-1`): read
//! as a JSON object of strings, so the mapping and the JSON log rules apply
//! to them unchanged.

use serde_json::{Map, Value};

/// The line as an object, if the whole of it is `key=value` pairs (values
/// bare or double-quoted with `\"` and `\\` escapes) and one key holds the
/// message (`is_message`); else `None`, and the line is plain text.
pub fn object(line: &str, is_message: impl Fn(&str) -> bool) -> Option<Value> {
    let mut map = Map::new();
    let mut rest = line.trim();
    while !rest.is_empty() {
        let (key, after) = rest.split_once('=')?;
        if key.is_empty() || key.contains(|c: char| c.is_whitespace() || c == '"') {
            return None;
        }
        let (value, after) = match after.strip_prefix('"') {
            Some(quoted) => unquote(quoted)?,
            None => {
                let end = after.find(char::is_whitespace).unwrap_or(after.len());
                (after[..end].to_owned(), &after[end..])
            }
        };
        if !after.is_empty() && !after.starts_with(char::is_whitespace) {
            return None;
        }
        map.insert(key.to_owned(), Value::String(value));
        rest = after.trim_start();
    }
    map.keys().any(|k| is_message(k)).then_some(Value::Object(map))
}

/// A quoted value up to its closing quote, and what follows it.
fn unquote(quoted: &str) -> Option<(String, &str)> {
    let mut value = String::new();
    let mut chars = quoted.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((value, &quoted[i + 1..])),
            '\\' => value.push(chars.next()?.1),
            c => value.push(c),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(line: &str) -> Option<Value> {
        object(line, |k| k == "msg" || k == "message")
    }

    #[test]
    fn pairs_bare_and_quoted() {
        let got = read(r#"level=warn msg="disk \"/\" almost full" source=api-1 ts=1764000000"#);
        assert_eq!(
            got,
            Some(json!({"level": "warn", "msg": "disk \"/\" almost full", "source": "api-1", "ts": "1764000000"}))
        );
        assert_eq!(read("msg= level=info"), Some(json!({"msg": "", "level": "info"})));
    }

    #[test]
    fn anything_else_is_plain_text() {
        for line in [
            "user=bob logged in",
            "level=info no message key",
            r#"msg="never closed"#,
            r#"msg="x"y"#,
            "=value msg=x",
            "ERROR something broke",
            "",
        ] {
            assert_eq!(read(line), None, "{line}");
        }
    }
}
