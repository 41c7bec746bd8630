//! Property tests: `parse` never panics, whatever the bytes, JSON, mapping
//! or origin; whatever it accepts can be stored (no NUL, lengths within the
//! limits); valid ticks and log lines round-trip; the size limit holds.

use super::*;
use crate::model::MappingField;
use chrono::TimeZone;
use proptest::prelude::*;
use serde_json::json;

/// The names of every mapping field.
fn field_names() -> Vec<&'static str> {
    MappingField::ALL.map(MappingField::as_str).to_vec()
}

fn kind() -> impl Strategy<Value = FeedKind> {
    prop_oneof![Just(FeedKind::Ticks), Just(FeedKind::Logs)]
}

/// Any mapping: each field default, renamed to another field, or to anything.
fn mapping() -> impl Strategy<Value = Mapping> {
    let name =
        proptest::option::of(prop_oneof![proptest::sample::select(field_names()).prop_map(str::to_owned), ".{0,8}"]);
    proptest::array::uniform8(name).prop_map(|names| {
        let mut mapping = Mapping::default();
        for (field, name) in MappingField::ALL.into_iter().zip(names) {
            mapping.set(field, name);
        }
        mapping
    })
}

/// Any JSON value, biased towards objects holding the fields we read.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(|x| serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)),
        ".{0,80}".prop_map(Value::from),
        "(TRACE|debug|Info|WARNING|error|FATAL|LOUD)".prop_map(Value::from),
        "20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9](\\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})"
            .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map(proptest::sample::select(field_names()), inner.clone(), 0..8)
                .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
            proptest::collection::btree_map(".{0,6}", inner, 0..4).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn arrival(origin: &str) -> Arrival<'_> {
    Arrival::at(origin, Utc.with_ymd_and_hms(2026, 11, 26, 12, 0, 0).unwrap())
}

/// What Postgres needs of an accepted message.
fn assert_storable(parsed: &Parsed) {
    let texts: Vec<(&str, &str, usize)> = match parsed {
        Parsed::Tick(t) => {
            assert!(t.price.is_finite() && t.size.is_finite(), "{t:?}");
            assert!(!t.symbol.trim().is_empty(), "{t:?}");
            vec![("symbol", &t.symbol, MAX_SYMBOL), ("id", t.publisher_id.as_deref().unwrap_or(""), MAX_ID)]
        }
        Parsed::Log(l) => vec![
            ("level", &l.level, MAX_LEVEL),
            ("source", &l.source, MAX_SOURCE),
            ("message", &l.message, usize::MAX),
            ("id", l.publisher_id.as_deref().unwrap_or(""), MAX_ID),
        ],
    };
    for (name, text, max) in texts {
        assert!(!text.contains('\0'), "{name} holds a NUL: {parsed:?}");
        assert!(text.chars().count() <= max, "{name} is too long: {parsed:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn arbitrary_bytes_never_panic(
        kind in kind(),
        mapping in mapping(),
        payload in proptest::collection::vec(any::<u8>(), 0..512),
        origin in "(\\x00|.){0,300}",
        max in 0usize..1024,
    ) {
        if let Ok(parsed) = parse(kind, &mapping, &payload, arrival(&origin), max) {
            assert_storable(&parsed);
        }
    }

    #[test]
    fn arbitrary_json_never_panics(kind in kind(), mapping in mapping(), value in json_value(), origin in ".{0,20}") {
        let payload = serde_json::to_vec(&value).unwrap();
        if let Ok(parsed) = parse(kind, &mapping, &payload, arrival(&origin), DEFAULT_MAX_PAYLOAD) {
            assert_storable(&parsed);
        }
    }

    #[test]
    fn valid_ticks_round_trip(
        symbol in "[A-Za-z0-9.<>/\"' -]{0,63}[A-Z]",
        price in -1.0e12f64..1.0e12,
        size in 0.0f64..1.0e9,
        ms in 100_000_000_000_i64..100_000_000_000_000,
        id in proptest::option::of("[ -~]{1,256}"),
    ) {
        let mut tick = json!({"symbol": symbol, "price": price, "size": size, "ts": ms});
        if let Some(id) = &id {
            tick["id"] = json!(id);
        }
        let parsed = parse(FeedKind::Ticks, &Mapping::default(), tick.to_string().as_bytes(), arrival("t"), DEFAULT_MAX_PAYLOAD);
        let Ok(Parsed::Tick(t)) = parsed else { panic!("{tick} did not parse: {parsed:?}") };
        prop_assert_eq!(&t.symbol, &symbol);
        prop_assert!((t.price - price).abs() <= price.abs() * 1e-15);
        prop_assert!((t.size - size).abs() <= size * 1e-15);
        prop_assert_eq!(t.ts.timestamp_millis(), ms);
        prop_assert_eq!(t.publisher_id, id);
    }

    #[test]
    fn valid_logs_round_trip(
        message in "\\PC{0,200}",
        level in "(TRACE|DEBUG|INFO|WARN|ERROR|FATAL)",
        source in "[a-z0-9/-]{1,40}",
        id in proptest::option::of("[ -~]{1,64}"),
    ) {
        let message = message.replace('\0', "");
        let mut line = json!({"message": message, "level": level.to_lowercase(), "source": source});
        if let Some(id) = &id {
            line["id"] = json!(id);
        }
        let parsed = parse(FeedKind::Logs, &Mapping::default(), line.to_string().as_bytes(), arrival("o"), DEFAULT_MAX_PAYLOAD);
        let Ok(Parsed::Log(l)) = parsed else { panic!("{line} did not parse: {parsed:?}") };
        prop_assert_eq!((&l.message, &l.level, &l.source, &l.publisher_id), (&message, &level, &source, &id));
    }

    #[test]
    fn text_lines_keep_their_text(line in "[^\\s\\x00{][^\\x00\\r\\n]{0,200}") {
        let parsed = parse(FeedKind::Logs, &Mapping::default(), line.as_bytes(), arrival("app"), DEFAULT_MAX_PAYLOAD);
        let Ok(Parsed::Log(l)) = parsed else { panic!("{line:?} did not parse: {parsed:?}") };
        prop_assert_eq!(l.message, line);
    }

    #[test]
    fn size_limit_holds(kind in kind(), len in 1usize..4096, max in 0usize..4096) {
        let payload = vec![b'x'; len];
        let result = parse(kind, &Mapping::default(), &payload, arrival("o"), max);
        if len > max {
            prop_assert_eq!(result, Err(format!("payload of {len} bytes is over the {max}-byte limit")));
        }
    }
}
