//! Payload mapping: which JSON field of a broker message holds each value
//! a feed reads ([`MappingField`]), with the field's own name as default.

use super::FeedKind;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A value a feed reads from a JSON payload; its name is both the default
/// JSON field and the key in [`Mapping`] (`mapping.price`, …).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MappingField {
    Symbol,
    Price,
    Size,
    Ts,
    Id,
    Level,
    Source,
    Message,
}

impl MappingField {
    /// Every field, in the order of [`Mapping`]'s keys.
    pub const ALL: [MappingField; 8] = [
        MappingField::Symbol,
        MappingField::Price,
        MappingField::Size,
        MappingField::Ts,
        MappingField::Id,
        MappingField::Level,
        MappingField::Source,
        MappingField::Message,
    ];

    /// The field's name (`symbol`, `price`, …).
    pub const fn as_str(self) -> &'static str {
        match self {
            MappingField::Symbol => "symbol",
            MappingField::Price => "price",
            MappingField::Size => "size",
            MappingField::Ts => "ts",
            MappingField::Id => "id",
            MappingField::Level => "level",
            MappingField::Source => "source",
            MappingField::Message => "message",
        }
    }

    /// The fields a feed of `kind` reads, in the admin form's order.
    pub const fn for_kind(kind: FeedKind) -> &'static [MappingField] {
        use MappingField::*;
        match kind {
            FeedKind::Ticks => &[Symbol, Price, Size, Ts, Id],
            FeedKind::Logs => &[Message, Level, Source, Ts, Id],
        }
    }
}

impl fmt::Display for MappingField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a mapped value is read from, as written in a [`Mapping`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldPath<'a> {
    /// A top-level field of the JSON object: `px`.
    Key(&'a str),
    /// A JSON Pointer (RFC 6901) into the object: `/data/last/px`.
    Pointer(&'a str),
    /// Level N (0-based) of the MQTT topic or AMQP routing key: `topic[1]`.
    TopicLevel(usize),
}

impl<'a> FieldPath<'a> {
    /// Reads a mapping value: `/…` is a JSON Pointer, `topic[N]` a topic
    /// level, anything else a top-level field name.
    pub fn parse(text: &'a str) -> Result<Self, String> {
        if text.starts_with('/') {
            let bad_escape = text.split('~').skip(1).any(|rest| !rest.starts_with(['0', '1']));
            if bad_escape {
                return Err("in a JSON Pointer, \"~\" must be followed by 0 or 1".into());
            }
            return Ok(FieldPath::Pointer(text));
        }
        if let Some(rest) = text.strip_prefix("topic[") {
            let level = rest.strip_suffix(']').and_then(|n| n.parse::<usize>().ok()).filter(|n| *n < 64);
            return level
                .map(FieldPath::TopicLevel)
                .ok_or_else(|| "a topic level is written topic[N], N from 0 to 63".into());
        }
        Ok(FieldPath::Key(text))
    }
}

/// Which JSON field holds each value; unset means the field's own name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbol: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ts: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl Mapping {
    /// The JSON field name used for `field`: the custom one if set and not
    /// empty, else the field's own name.
    pub fn field(&self, field: MappingField) -> &str {
        self.custom(field).as_deref().filter(|s| !s.is_empty()).unwrap_or(field.as_str())
    }

    /// Where `field` is read from (see [`FieldPath`]).
    pub fn path(&self, field: MappingField) -> Result<FieldPath<'_>, String> {
        FieldPath::parse(self.field(field))
    }

    /// Whether `field` keeps its default (its own name, where the parser
    /// also accepts the usual aliases such as `msg` for `message`).
    pub fn is_default(&self, field: MappingField) -> bool {
        self.field(field) == field.as_str()
    }

    /// Sets (or, with `None`, clears) the custom name of `field`.
    pub fn set(&mut self, field: MappingField, name: Option<String>) {
        *self.custom_mut(field) = name;
    }

    fn custom(&self, field: MappingField) -> &Option<String> {
        match field {
            MappingField::Symbol => &self.symbol,
            MappingField::Price => &self.price,
            MappingField::Size => &self.size,
            MappingField::Ts => &self.ts,
            MappingField::Id => &self.id,
            MappingField::Level => &self.level,
            MappingField::Source => &self.source,
            MappingField::Message => &self.message,
        }
    }

    fn custom_mut(&mut self, field: MappingField) -> &mut Option<String> {
        match field {
            MappingField::Symbol => &mut self.symbol,
            MappingField::Price => &mut self.price,
            MappingField::Size => &mut self.size,
            MappingField::Ts => &mut self.ts,
            MappingField::Id => &mut self.id,
            MappingField::Level => &mut self.level,
            MappingField::Source => &mut self.source,
            MappingField::Message => &mut self.message,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapping_defaults_to_field_names() {
        let m = Mapping { price: Some("p".into()), symbol: Some(String::new()), ..Mapping::default() };
        assert_eq!(m.field(MappingField::Price), "p");
        assert_eq!(m.field(MappingField::Symbol), "symbol", "an empty name means the default");
        assert_eq!(m.field(MappingField::Message), "message");
    }

    #[test]
    fn each_field_has_its_own_key() {
        let mut m = Mapping::default();
        for field in MappingField::ALL {
            m.set(field, Some(format!("x_{field}")));
        }
        for field in MappingField::ALL {
            assert_eq!(m.field(field), format!("x_{}", field.as_str()));
        }
        let json = serde_json::to_value(&m).expect("a mapping serializes");
        let mut keys: Vec<&str> = json.as_object().into_iter().flat_map(|o| o.keys()).map(String::as_str).collect();
        let mut names = MappingField::ALL.map(MappingField::as_str);
        keys.sort_unstable();
        names.sort_unstable();
        assert_eq!(keys, names, "the JSON keys are the field names");
    }

    #[test]
    fn the_json_form_is_unchanged() {
        let mut m = Mapping::default();
        m.set(MappingField::Price, Some("p".into()));
        assert_eq!(serde_json::to_string(&m).ok().as_deref(), Some(r#"{"price":"p"}"#));
        assert!(serde_json::from_str::<Mapping>(r#"{"colour":"x"}"#).is_err(), "unknown keys are refused");
    }

    #[test]
    fn paths_are_field_names_pointers_or_topic_levels() {
        assert_eq!(FieldPath::parse("px"), Ok(FieldPath::Key("px")));
        assert_eq!(FieldPath::parse("/data/last/px"), Ok(FieldPath::Pointer("/data/last/px")));
        assert_eq!(FieldPath::parse("/a~1b/c~0"), Ok(FieldPath::Pointer("/a~1b/c~0")));
        assert_eq!(FieldPath::parse("topic[2]"), Ok(FieldPath::TopicLevel(2)));
        for bad in ["topic[]", "topic[x]", "topic[-1]", "topic[64]", "topic[1", "/a~2"] {
            assert!(FieldPath::parse(bad).is_err(), "{bad} was accepted");
        }
        let m = Mapping { symbol: Some("topic[1]".into()), ..Mapping::default() };
        assert_eq!(m.path(MappingField::Symbol), Ok(FieldPath::TopicLevel(1)));
        assert!(!m.is_default(MappingField::Symbol) && m.is_default(MappingField::Price));
    }

    #[test]
    fn each_kind_reads_its_own_fields() {
        let names = |kind| MappingField::for_kind(kind).iter().map(|f| f.as_str()).collect::<Vec<_>>();
        assert_eq!(names(FeedKind::Ticks), ["symbol", "price", "size", "ts", "id"]);
        assert_eq!(names(FeedKind::Logs), ["message", "level", "source", "ts", "id"]);
    }
}
