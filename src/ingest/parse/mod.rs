//! Payload parsing: broker bytes → a tick or a log line, or the reason why
//! not. Pure functions, so every rule of API.md is unit-tested here.

use crate::model::{FeedKind, LogLevel, Mapping, MappingField as Field, NewLog, NewTick};
use chrono::{DateTime, TimeZone, Utc};
use serde_json::{Map, Value};

/// Default payload size limit (64 KiB).
pub const DEFAULT_MAX_PAYLOAD: usize = 64 * 1024;

const MAX_SYMBOL: usize = 64;
const MAX_ID: usize = 256;
const MAX_SOURCE: usize = 256;
const MAX_LEVEL: usize = 32;

/// A payload that parsed.
#[derive(Clone, Debug, PartialEq)]
pub enum Parsed {
    Tick(NewTick),
    Log(NewLog),
}

/// Where and when a payload arrived; supplies defaults.
#[derive(Clone, Copy, Debug)]
pub struct Arrival<'a> {
    /// MQTT topic or AMQP routing key: the default log `source`.
    pub origin: &'a str,
    pub received_at: DateTime<Utc>,
}

/// Parses `payload` as the feed's `kind`, or says why it cannot be stored.
pub fn parse(
    kind: FeedKind,
    mapping: &Mapping,
    payload: &[u8],
    arrival: Arrival<'_>,
    max_payload: usize,
) -> Result<Parsed, String> {
    if payload.len() > max_payload {
        return Err(format!("payload of {} bytes is over the {max_payload}-byte limit", payload.len()));
    }
    let text = std::str::from_utf8(payload).map_err(|e| format!("not valid UTF-8: {e}"))?;
    match kind {
        FeedKind::Ticks => parse_tick(mapping, &json_object(text)?, arrival).map(Parsed::Tick),
        FeedKind::Logs if text.trim_start().starts_with('{') => {
            parse_json_log(mapping, &json_object(text)?, arrival).map(Parsed::Log)
        }
        FeedKind::Logs => parse_text_log(text, arrival).map(Parsed::Log),
    }
}

fn json_object(text: &str) -> Result<Map<String, Value>, String> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(format!("expected a JSON object, got {}", type_name(&other))),
        Err(e) => Err(format!("invalid JSON: {e}")),
    }
}

fn parse_tick(mapping: &Mapping, obj: &Map<String, Value>, arrival: Arrival<'_>) -> Result<NewTick, String> {
    let fields = Fields { obj, mapping };
    let symbol = fields.string(Field::Symbol, MAX_SYMBOL)?.ok_or_else(|| fields.missing(Field::Symbol))?;
    if symbol.trim().is_empty() {
        return Err(format!("field {:?} must not be empty", mapping.field(Field::Symbol)));
    }
    let price = fields.number(Field::Price)?.ok_or_else(|| fields.missing(Field::Price))?;
    let size = fields.number(Field::Size)?.unwrap_or(0.0);
    Ok(NewTick {
        symbol,
        price,
        size,
        ts: fields.timestamp(Field::Ts)?.unwrap_or(arrival.received_at),
        publisher_id: fields.string(Field::Id, MAX_ID)?,
    })
}

fn parse_json_log(mapping: &Mapping, obj: &Map<String, Value>, arrival: Arrival<'_>) -> Result<NewLog, String> {
    let fields = Fields { obj, mapping };
    let message = fields.string(Field::Message, usize::MAX)?.ok_or_else(|| fields.missing(Field::Message))?;
    let level = match fields.string(Field::Level, MAX_LEVEL)? {
        Some(level) => LogLevel::normalize(&level).ok_or_else(|| format!("unknown level {level:?}"))?,
        None => LogLevel::Info,
    };
    Ok(NewLog {
        ts: fields.timestamp(Field::Ts)?.unwrap_or(arrival.received_at),
        level: level.as_str().to_owned(),
        source: fields.string(Field::Source, MAX_SOURCE)?.unwrap_or_else(|| origin_source(arrival.origin)),
        message,
        publisher_id: fields.string(Field::Id, MAX_ID)?,
    })
}

/// A plain text line: the level comes from a leading level word, else INFO.
fn parse_text_log(text: &str, arrival: Arrival<'_>) -> Result<NewLog, String> {
    let message = text.trim_end_matches(['\n', '\r']);
    if message.trim().is_empty() {
        return Err("empty log line".into());
    }
    check_text(message, "line")?;
    let first = message.split_whitespace().next().unwrap_or_default();
    let word = first.trim_start_matches('[').trim_end_matches([']', ':']);
    let level = LogLevel::normalize(word).unwrap_or(LogLevel::Info);
    Ok(NewLog {
        ts: arrival.received_at,
        level: level.as_str().to_owned(),
        source: origin_source(arrival.origin),
        message: message.to_owned(),
        publisher_id: None,
    })
}

/// Typed access to the mapped fields of one JSON object.
struct Fields<'a> {
    obj: &'a Map<String, Value>,
    mapping: &'a Mapping,
}

impl Fields<'_> {
    fn get(&self, field: Field) -> Option<&Value> {
        self.obj.get(self.mapping.field(field)).filter(|v| !v.is_null())
    }

    fn missing(&self, field: Field) -> String {
        format!("missing field {:?}", self.mapping.field(field))
    }

    fn string(&self, field: Field, max_chars: usize) -> Result<Option<String>, String> {
        let name = self.mapping.field(field);
        match self.get(field) {
            None => Ok(None),
            Some(Value::String(s)) => {
                check_text(s, name)?;
                if max_chars != usize::MAX && s.chars().count() > max_chars {
                    return Err(format!("field {name:?} is longer than {max_chars} characters"));
                }
                Ok(Some(s.clone()))
            }
            Some(other) => Err(format!("field {name:?} must be a string, got {}", type_name(other))),
        }
    }

    fn number(&self, field: Field) -> Result<Option<f64>, String> {
        let name = self.mapping.field(field);
        match self.get(field) {
            None => Ok(None),
            Some(Value::Number(n)) => match n.as_f64() {
                Some(x) if x.is_finite() => Ok(Some(x)),
                _ => Err(format!("field {name:?} is not a finite number")),
            },
            Some(other) => Err(format!("field {name:?} must be a number, got {}", type_name(other))),
        }
    }

    /// RFC 3339 text or epoch milliseconds.
    fn timestamp(&self, field: Field) -> Result<Option<DateTime<Utc>>, String> {
        let name = self.mapping.field(field);
        let bad = || format!("field {name:?} must be an RFC 3339 time or epoch milliseconds");
        match self.get(field) {
            None => Ok(None),
            Some(Value::String(s)) => {
                let t = DateTime::parse_from_rfc3339(s).map_err(|_| bad())?.with_timezone(&Utc);
                in_range(t).map(Some).ok_or_else(bad)
            }
            Some(Value::Number(n)) => {
                let ms = n.as_f64().filter(|x| x.is_finite()).ok_or_else(bad)?;
                if ms.abs() > 1.0e15 {
                    return Err(bad());
                }
                let t = Utc.timestamp_millis_opt(ms.trunc() as i64).single().ok_or_else(bad)?;
                let t = t + chrono::Duration::microseconds(((ms - ms.trunc()) * 1000.0) as i64);
                in_range(t).map(Some).ok_or_else(bad)
            }
            Some(_) => Err(bad()),
        }
    }
}

/// Postgres keeps years 4713 BC to 294276 AD; we accept 1970 to 9999.
fn in_range(t: DateTime<Utc>) -> Option<DateTime<Utc>> {
    (t.timestamp() >= 0 && t.timestamp() < 253_402_300_800).then_some(t)
}

/// Postgres text cannot hold NUL.
fn check_text(s: &str, name: &str) -> Result<(), String> {
    if s.contains('\0') { Err(format!("{name} contains a NUL character")) } else { Ok(()) }
}

/// The default log `source`: the topic / routing key, without NUL (an AMQP
/// routing key may hold one; Postgres text cannot), at most `MAX_SOURCE` characters.
fn origin_source(origin: &str) -> String {
    origin.chars().filter(|c| *c != '\0').take(MAX_SOURCE).collect()
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod fuzz;
#[cfg(test)]
mod tests;
