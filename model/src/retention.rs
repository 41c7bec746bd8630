//! How long a feed's messages are kept, and how much of it is kept now.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::{fmt, str::FromStr};

/// A feed's retention (`"retention": {"max_age": "7d"}`): messages whose
/// `ts` is older than `max_age` leave history; `None` keeps everything.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Retention {
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>, example = "7d"))]
    pub max_age: Option<MaxAge>,
}

impl Retention {
    /// Keeps messages for `max_age`.
    pub fn keep(max_age: MaxAge) -> Self {
        Retention { max_age: Some(max_age) }
    }

    /// Candle rollups outlive the raw ticks: ten times as long.
    pub fn rollups(self) -> Retention {
        Retention { max_age: self.max_age.map(|age| MaxAge(age.0.saturating_mul(10).min(MaxAge::LONGEST.0))) }
    }

    /// The oldest `ts` kept at `now`; `None` when everything is kept.
    pub fn cutoff(self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let age = chrono::Duration::seconds(i64::try_from(self.max_age?.0).ok()?);
        now.checked_sub_signed(age)
    }
}

/// A duration of whole seconds written with one unit: `90s`, `15m`, `12h`,
/// `7d`. Between one second and 100 years.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MaxAge(u64);

const UNITS: [(char, u64); 4] = [('d', 86_400), ('h', 3_600), ('m', 60), ('s', 1)];

impl MaxAge {
    /// 100 years.
    pub const LONGEST: MaxAge = MaxAge(100 * 365 * 86_400);

    /// `secs` seconds, if between one second and [`MaxAge::LONGEST`].
    pub fn from_secs(secs: u64) -> Option<Self> {
        (1..=Self::LONGEST.0).contains(&secs).then_some(MaxAge(secs))
    }

    pub fn as_secs(self) -> u64 {
        self.0
    }
}

impl fmt::Display for MaxAge {
    /// With the largest unit that divides it: `7d`, `36h`, `90s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (unit, size) = UNITS.into_iter().find(|(_, size)| self.0.is_multiple_of(*size)).unwrap_or(('s', 1));
        write!(f, "{}{unit}", self.0 / size)
    }
}

impl fmt::Debug for MaxAge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MaxAge({self})")
    }
}

/// Why a `max_age` could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a duration: write a whole number and a unit (s, m, h or d), e.g. 7d, between 1s and 36500d")]
pub struct MaxAgeError(pub String);

impl FromStr for MaxAge {
    type Err = MaxAgeError;

    fn from_str(s: &str) -> Result<Self, MaxAgeError> {
        let error = || MaxAgeError(s.to_owned());
        let text = s.trim();
        let unit = text.chars().last().ok_or_else(error)?;
        let size =
            UNITS.iter().find(|(u, _)| *u == unit.to_ascii_lowercase()).map(|(_, size)| *size).ok_or_else(error)?;
        let number = &text[..text.len() - unit.len_utf8()];
        if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(error());
        }
        let count: u64 = number.parse().map_err(|_| error())?;
        count.checked_mul(size).and_then(MaxAge::from_secs).ok_or_else(error)
    }
}

impl Serialize for MaxAge {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for MaxAge {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// What a feed keeps right now (`storage` in the feeds API).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FeedStorage {
    /// Messages kept (stored minus pruned).
    pub rows: i64,
    /// Their share of the table's size on disk, indexes included (estimated
    /// from the table's average row size).
    pub bytes: i64,
    /// When the oldest kept message happened (`ts` of the first one kept).
    #[serde(with = "crate::time::option")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub oldest: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_and_write_with_one_unit() {
        for (text, secs, shown) in [
            ("7d", 604_800, "7d"),
            ("36h", 129_600, "36h"),
            ("90s", 90, "90s"),
            ("120m", 7_200, "2h"),
            ("1D", 86_400, "1d"),
        ] {
            let age: MaxAge = text.parse().unwrap();
            assert_eq!((age.as_secs(), age.to_string().as_str()), (secs, shown), "{text}");
        }
        for bad in ["", "d", "7", "7w", "-1d", "0s", "1.5h", "7 d", "36501d", "99999999999999999999d"] {
            assert!(bad.parse::<MaxAge>().is_err(), "{bad:?}");
        }
        assert_eq!("36500d".parse::<MaxAge>().unwrap(), MaxAge::LONGEST);
    }

    #[test]
    fn retention_reads_like_the_api_writes_it() {
        let r: Retention = serde_json::from_str(r#"{"max_age":"7d"}"#).unwrap();
        assert_eq!(r, Retention::keep(MaxAge::from_secs(604_800).unwrap()));
        assert_eq!(serde_json::to_string(&r).unwrap(), r#"{"max_age":"7d"}"#);
        let forever: Retention = serde_json::from_str(r#"{"max_age":null}"#).unwrap();
        assert_eq!(forever.max_age, None);
        let e = serde_json::from_str::<Retention>(r#"{"max_age":"a week"}"#).unwrap_err().to_string();
        assert!(e.contains("is not a duration"), "{e}");
    }

    #[test]
    fn cutoffs_and_rollups_follow_max_age() {
        let now = DateTime::parse_from_rfc3339("2026-12-04T12:00:00Z").unwrap().with_timezone(&Utc);
        let day = Retention::keep("1d".parse().unwrap());
        assert_eq!(day.cutoff(now).unwrap().to_rfc3339(), "2026-12-03T12:00:00+00:00");
        assert_eq!(day.rollups().max_age.unwrap().to_string(), "10d");
        assert_eq!(Retention::default().cutoff(now), None);
        assert_eq!(Retention::keep(MaxAge::LONGEST).rollups().max_age, Some(MaxAge::LONGEST));
    }
}
