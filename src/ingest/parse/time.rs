//! Times in payloads: RFC 3339, or epoch seconds, milliseconds,
//! microseconds or nanoseconds, told apart by magnitude (a value below
//! 10¹¹ is seconds, below 10¹⁴ milliseconds, below 10¹⁷ microseconds,
//! else nanoseconds), so every unit covers 1973 to 5138.

use chrono::{DateTime, Utc};
use serde_json::Number;

/// An RFC 3339 time, or an epoch number written as text.
pub fn from_text(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return in_range(t.with_timezone(&Utc));
    }
    let text = text.trim();
    match text.parse::<i64>() {
        Ok(n) => from_int(n),
        Err(_) => from_float(text.parse().ok()?),
    }
}

/// An epoch number.
pub fn from_number(n: &Number) -> Option<DateTime<Utc>> {
    match n.as_i64() {
        Some(n) => from_int(n),
        None => from_float(n.as_f64()?),
    }
}

/// Integers stay exact, nanoseconds included.
fn from_int(n: i64) -> Option<DateTime<Utc>> {
    let micros = match n.unsigned_abs() {
        a if a < 100_000_000_000 => n.checked_mul(1_000_000)?,
        a if a < 100_000_000_000_000 => n.checked_mul(1_000)?,
        a if a < 100_000_000_000_000_000 => n,
        _ => n.div_euclid(1_000),
    };
    in_range(DateTime::from_timestamp_micros(micros)?)
}

fn from_float(x: f64) -> Option<DateTime<Utc>> {
    let scale = match x.abs() {
        a if !a.is_finite() || a >= 1e20 => return None,
        a if a < 1e11 => 1e6,
        a if a < 1e14 => 1e3,
        a if a < 1e17 => 1.0,
        _ => 1e-3,
    };
    in_range(DateTime::from_timestamp_micros((x * scale).round() as i64)?)
}

/// Postgres keeps years 4713 BC to 294276 AD; we accept 1970 to 9999.
pub fn in_range(t: DateTime<Utc>) -> Option<DateTime<Utc>> {
    (t.timestamp() >= 0 && t.timestamp() < 253_402_300_800).then_some(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn every_unit_names_the_same_instant() {
        let t = DateTime::parse_from_rfc3339("2025-11-24T16:00:00.123456Z").unwrap().with_timezone(&Utc);
        let s = t.timestamp();
        for text in ["2025-11-24T16:00:00.123456Z", "1764000000.123456", "1764000000123.456", "1764000000123456"] {
            assert_eq!(from_text(text), Some(t), "{text}");
        }
        assert_eq!(from_int(1_764_000_000_123_456_789), Some(t), "nanoseconds are exact");
        assert_eq!(from_int(s), Some(t - chrono::Duration::microseconds(123_456)));
        assert_eq!(
            from_number(&Number::from(1_764_000_000_123_i64)).map(|t| t.timestamp_millis()),
            Some(s * 1000 + 123)
        );
    }

    #[test]
    fn out_of_range_and_junk_are_refused() {
        for text in ["-5", "1e300", "NaN", "inf", "yesterday", "", "99999999999999999999"] {
            assert_eq!(from_text(text), None, "{text}");
        }
    }

    proptest! {
        /// Any instant from 1973 to 2255 reads back the same from seconds,
        /// milliseconds, microseconds and nanoseconds.
        #[test]
        fn units_round_trip(micros in 100_000_000_000_000_i64..9_000_000_000_000_000) {
            let t = DateTime::from_timestamp_micros(micros).unwrap();
            prop_assert_eq!(from_int(micros), Some(t));
            prop_assert_eq!(from_int(micros * 1000 + 999), Some(t));
            let ms = micros.div_euclid(1000);
            prop_assert_eq!(from_int(ms), DateTime::from_timestamp_millis(ms));
            let s = micros.div_euclid(1_000_000);
            prop_assert_eq!(from_int(s), DateTime::from_timestamp(s, 0));
        }
    }
}
