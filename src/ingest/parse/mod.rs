//! Payload parsing: broker bytes → a tick or a log line, or the reason why
//! not. Pure functions, so every rule of API.md is unit-tested here.
//!
//! A mapped value is read from a top-level field, a JSON Pointer or a
//! level of the topic (see [`FieldPath`]); numbers may come as strings,
//! times as RFC 3339 or epoch seconds to nanoseconds, and log lines as
//! JSON, logfmt or plain text.

mod logfmt;
mod time;

use crate::model::{FeedKind, FieldPath, LogLevel, Mapping, MappingField as Field, NewLog, NewTick};
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::borrow::Cow;

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
    /// MQTT topic or AMQP routing key: the default log `source`, and the
    /// levels `topic[N]` reads.
    pub origin: &'a str,
    pub received_at: DateTime<Utc>,
    /// What the transport said besides the payload.
    pub envelope: &'a Envelope,
}

impl<'a> Arrival<'a> {
    /// A payload that came on `origin` at `received_at`, with nothing besides.
    pub fn at(origin: &'a str, received_at: DateTime<Utc>) -> Self {
        const NOTHING: &Envelope = &Envelope { id: None, sent_at: None };
        Arrival { origin, received_at, envelope: NOTHING }
    }

    /// The time the envelope gives, else the time of arrival.
    fn sent_or_received(&self) -> DateTime<Utc> {
        self.envelope.sent_at.and_then(time::in_range).unwrap_or(self.received_at)
    }
}

/// What a broker tells of a message besides its payload (AMQP's
/// `message_id` and `timestamp` properties): the message's `id` and `ts`
/// when the payload has none.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Envelope {
    pub id: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
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
        FeedKind::Ticks => parse_tick(&Fields::new(&json_object(text)?, mapping, arrival)).map(Parsed::Tick),
        FeedKind::Logs if text.trim_start().starts_with('{') => {
            parse_json_log(&Fields::new(&json_object(text)?, mapping, arrival)).map(Parsed::Log)
        }
        FeedKind::Logs => match logfmt::object(text, |key| {
            key == mapping.field(Field::Message) || aliases(mapping, Field::Message).contains(&key)
        }) {
            Some(pairs) => parse_json_log(&Fields::new(&pairs, mapping, arrival)).map(Parsed::Log),
            None => parse_text_log(text, arrival).map(Parsed::Log),
        },
    }
}

/// `text` as a JSON object.
fn json_object(text: &str) -> Result<Value, String> {
    match serde_json::from_str::<Value>(text) {
        Ok(map @ Value::Object(_)) => Ok(map),
        Ok(other) => Err(format!("expected a JSON object, got {}", type_name(&other))),
        Err(e) => Err(format!("invalid JSON: {e}")),
    }
}

fn parse_tick(fields: &Fields<'_>) -> Result<NewTick, String> {
    let symbol = fields.string(Field::Symbol, MAX_SYMBOL)?.ok_or_else(|| fields.missing(Field::Symbol))?;
    if symbol.trim().is_empty() {
        return Err(format!("field {:?} must not be empty", fields.mapping.field(Field::Symbol)));
    }
    let price = fields.number(Field::Price)?.ok_or_else(|| fields.missing(Field::Price))?;
    let size = fields.number(Field::Size)?.unwrap_or(0.0);
    Ok(NewTick {
        symbol,
        price,
        size,
        ts: fields.timestamp(Field::Ts)?.unwrap_or_else(|| fields.arrival.sent_or_received()),
        publisher_id: fields.publisher_id()?,
    })
}

fn parse_json_log(fields: &Fields<'_>) -> Result<NewLog, String> {
    let arrival = fields.arrival;
    let message = fields.string(Field::Message, usize::MAX)?.ok_or_else(|| fields.missing(Field::Message))?;
    let level = match fields.string(Field::Level, MAX_LEVEL)? {
        Some(level) => LogLevel::normalize(&level).ok_or_else(|| format!("unknown level {level:?}"))?,
        None => LogLevel::Info,
    };
    Ok(NewLog {
        ts: fields.timestamp(Field::Ts)?.unwrap_or_else(|| arrival.sent_or_received()),
        level: level.as_str().to_owned(),
        source: fields.string(Field::Source, MAX_SOURCE)?.unwrap_or_else(|| origin_source(arrival.origin)),
        message,
        publisher_id: fields.publisher_id()?,
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
        ts: arrival.sent_or_received(),
        level: level.as_str().to_owned(),
        source: origin_source(arrival.origin),
        message: message.to_owned(),
        publisher_id: envelope_id(arrival)?,
    })
}

/// Typed access to the mapped fields of one JSON object.
struct Fields<'a> {
    root: &'a Value,
    mapping: &'a Mapping,
    arrival: Arrival<'a>,
}

impl<'a> Fields<'a> {
    fn new(root: &'a Value, mapping: &'a Mapping, arrival: Arrival<'a>) -> Self {
        Fields { root, mapping, arrival }
    }

    /// The value `field` maps to; `None` when absent or null. A field left
    /// at its default also answers to its usual aliases.
    fn get(&self, field: Field) -> Result<Option<Cow<'a, Value>>, String> {
        let path = self.mapping.path(field).map_err(|e| format!("mapping.{field}: {e}"))?;
        let found = match path {
            FieldPath::Key(name) => self
                .root
                .get(name)
                .or_else(|| aliases(self.mapping, field).iter().find_map(|alias| self.root.get(*alias)))
                .map(Cow::Borrowed),
            FieldPath::Pointer(pointer) => self.root.pointer(pointer).map(Cow::Borrowed),
            FieldPath::TopicLevel(n) => topic_levels(self.arrival.origin).nth(n).map(|l| Cow::Owned(l.into())),
        };
        Ok(found.filter(|v| !v.is_null()))
    }

    /// The payload's id, else the envelope's.
    fn publisher_id(&self) -> Result<Option<String>, String> {
        match self.string(Field::Id, MAX_ID)? {
            Some(id) => Ok(Some(id)),
            None => envelope_id(self.arrival),
        }
    }

    fn missing(&self, field: Field) -> String {
        format!("missing field {:?}", self.mapping.field(field))
    }

    fn string(&self, field: Field, max_chars: usize) -> Result<Option<String>, String> {
        let name = self.mapping.field(field);
        match self.get(field)?.as_deref() {
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

    /// A JSON number, or a string holding one (`"189.52"`).
    fn number(&self, field: Field) -> Result<Option<f64>, String> {
        let name = self.mapping.field(field);
        let x = match self.get(field)?.as_deref() {
            None => return Ok(None),
            Some(Value::Number(n)) => n.as_f64(),
            Some(Value::String(s)) => Some(
                s.trim()
                    .parse::<f64>()
                    .map_err(|_| format!("field {name:?} must be a number, got a string that is not one"))?,
            ),
            Some(other) => return Err(format!("field {name:?} must be a number, got {}", type_name(other))),
        };
        x.filter(|x| x.is_finite()).map(Some).ok_or_else(|| format!("field {name:?} is not a finite number"))
    }

    /// RFC 3339 text, or epoch seconds, milliseconds, microseconds or
    /// nanoseconds (as a number or a string), told apart by magnitude.
    fn timestamp(&self, field: Field) -> Result<Option<DateTime<Utc>>, String> {
        let name = self.mapping.field(field);
        let bad = || format!("field {name:?} must be an RFC 3339 time or epoch seconds, ms, µs or ns (1970–9999)");
        match self.get(field)?.as_deref() {
            None => Ok(None),
            Some(Value::String(s)) => time::from_text(s).map(Some).ok_or_else(bad),
            Some(Value::Number(n)) => time::from_number(n).map(Some).ok_or_else(bad),
            Some(_) => Err(bad()),
        }
    }
}

/// The envelope's message id, held to the payload's rules.
fn envelope_id(arrival: Arrival<'_>) -> Result<Option<String>, String> {
    match &arrival.envelope.id {
        Some(id) if id.chars().count() > MAX_ID => Err(format!("message id is longer than {MAX_ID} characters")),
        Some(id) => check_text(id, "message id").map(|()| Some(id.clone())),
        None => Ok(None),
    }
}

/// Other names a field left at its default is commonly sent under.
fn aliases(mapping: &Mapping, field: Field) -> &'static [&'static str] {
    if !mapping.is_default(field) {
        return &[];
    }
    match field {
        Field::Message => &["msg"],
        Field::Level => &["severity", "lvl"],
        Field::Ts => &["@timestamp", "timestamp", "time"],
        _ => &[],
    }
}

/// The levels of an MQTT topic (`/`) or, without a `/`, of an AMQP routing key (`.`).
fn topic_levels(origin: &str) -> std::str::Split<'_, char> {
    origin.split(if origin.contains('/') { '/' } else { '.' })
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
