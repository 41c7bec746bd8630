//! What a feed's mapping would make of live messages (the feed form's preview).

use serde::{Deserialize, Serialize};

/// How one live message would be stored: `parsed` or `error`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PreviewMessage {
    /// The payload as lossy UTF-8 (cut at 4 KiB).
    pub raw: String,
    #[cfg_attr(feature = "ssr", schema(value_type = Option<Object>))]
    pub parsed: Option<serde_json::Value>,
    pub error: Option<String>,
    /// The MQTT topic or AMQP routing key it came with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
}

/// A mapping path found in previewed messages, with a value it had there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathSuggestion {
    /// A field name, a JSON Pointer (`/data/px`) or a topic level (`topic[1]`).
    pub path: String,
    pub example: String,
}

/// How deep into nested objects suggestions go.
const MAX_DEPTH: usize = 4;
/// How many suggestions at most.
const MAX_SUGGESTIONS: usize = 60;

impl Preview {
    /// The paths a mapping field could use, from the previewed messages:
    /// top-level fields by name, nested ones as JSON Pointers, and the
    /// levels of their topic; each once, in the order first seen.
    pub fn path_suggestions(&self) -> Vec<PathSuggestion> {
        let mut found: Vec<PathSuggestion> = Vec::new();
        let mut add = |path: String, example: String| {
            if found.len() < MAX_SUGGESTIONS && !found.iter().any(|s| s.path == path) {
                found.push(PathSuggestion { path, example });
            }
        };
        for message in &self.messages {
            if let Ok(serde_json::Value::Object(fields)) = serde_json::from_str(&message.raw) {
                for (key, value) in &fields {
                    walk(&mut add, key.clone(), &format!("/{}", escape(key)), value, 1);
                }
            }
            if let Some(origin) = &message.origin {
                let separator = if origin.contains('/') { '/' } else { '.' };
                for (i, level) in origin.split(separator).enumerate().take(8) {
                    add(format!("topic[{i}]"), level.to_owned());
                }
            }
        }
        found
    }
}

/// Adds `value`'s leaves: under `name` at the top level, else under `pointer`.
fn walk(add: &mut impl FnMut(String, String), name: String, pointer: &str, value: &serde_json::Value, depth: usize) {
    match value {
        serde_json::Value::Object(fields) if depth < MAX_DEPTH => {
            for (key, inner) in fields {
                walk(add, String::new(), &format!("{pointer}/{}", escape(key)), inner, depth + 1);
            }
        }
        serde_json::Value::Object(_) | serde_json::Value::Array(_) => {}
        leaf => {
            let example = match leaf {
                serde_json::Value::String(s) => s.chars().take(40).collect(),
                other => other.to_string(),
            };
            add(if depth == 1 { name } else { pointer.to_owned() }, example);
        }
    }
}

/// A key as a JSON Pointer segment (`~` → `~0`, `/` → `~1`).
fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(raw: &str, origin: &str) -> PreviewMessage {
        PreviewMessage { raw: raw.into(), parsed: None, error: None, origin: Some(origin.into()) }
    }

    #[test]
    fn suggestions_cover_fields_nested_values_and_topic_levels() {
        let preview = Preview {
            messages: vec![
                message(r#"{"sym":"AAPL","data":{"last":{"px":"189.5"},"a/b":1},"tags":[1]}"#, "ticks/NASDAQ/AAPL"),
                message(r#"{"sym":"MSFT"}"#, "ticks/NASDAQ/MSFT"),
                message("level=warn msg=hi", "logs.app"),
            ],
            note: None,
        };
        let paths: Vec<(String, String)> =
            preview.path_suggestions().into_iter().map(|s| (s.path, s.example)).collect();
        // Fields in key order (serde_json's maps are sorted).
        let expected = [
            ("/data/a~1b", "1"),
            ("/data/last/px", "189.5"),
            ("sym", "AAPL"),
            ("topic[0]", "ticks"),
            ("topic[1]", "NASDAQ"),
            ("topic[2]", "AAPL"),
        ];
        assert_eq!(paths, expected.map(|(p, e)| (p.to_owned(), e.to_owned())));
    }
}

/// Result of `POST /api/v1/feeds/preview`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Preview {
    pub messages: Vec<PreviewMessage>,
    /// Something worth knowing, e.g. that the exchange does not exist yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Result of `POST /api/v1/feeds/{name}/rejected/reparse`: with
/// `dry_run`, how many stored rejected messages the feed's rules accept now
/// (`would_accept`); otherwise how many were stored (`accepted`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Reparse {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub would_accept: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted: Option<u64>,
    /// Messages that still fail; they stay rejected.
    pub still_rejected: u64,
}
