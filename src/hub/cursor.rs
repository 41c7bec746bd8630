//! Stream cursors: the SSE `id:` of every event. A cursor lists, for each
//! feed of the connection, the last `seq` delivered (`3:42.7:10` = feed #3
//! up to seq 42, feed #7 up to seq 10). Opaque to clients; exact, because
//! `seq` is gap-free per feed.

use std::collections::BTreeMap;

/// Positions per feed id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cursor(pub BTreeMap<i64, i64>);

impl Cursor {
    /// Parses a cursor; `None` if it is malformed (the caller resets).
    pub fn parse(s: &str) -> Option<Cursor> {
        let s = s.trim();
        if s.is_empty() {
            return Some(Cursor::default());
        }
        let mut map = BTreeMap::new();
        for part in s.split('.') {
            let (feed, seq) = part.split_once(':')?;
            let (feed, seq) = (feed.parse::<i64>().ok()?, seq.parse::<i64>().ok()?);
            if feed <= 0 || seq < 0 || map.insert(feed, seq).is_some() {
                return None;
            }
        }
        Some(Cursor(map))
    }

    pub fn get(&self, feed_id: i64) -> Option<i64> {
        self.0.get(&feed_id).copied()
    }

    pub fn set(&mut self, feed_id: i64, seq: i64) {
        self.0.insert(feed_id, seq);
    }
}

impl std::fmt::Display for Cursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, (feed, seq)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "{feed}:{seq}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_what_it_prints() {
        let mut c = Cursor::default();
        c.set(7, 10);
        c.set(3, 42);
        assert_eq!(c.to_string(), "3:42.7:10");
        assert_eq!(Cursor::parse("3:42.7:10"), Some(c));
        assert_eq!(Cursor::parse(""), Some(Cursor::default()));
    }

    #[test]
    fn rejects_malformed_cursors() {
        for bad in ["x", "3", "3:", ":4", "3:4.", "3:-1", "0:1", "3:1.3:2", "3:1;7:2", "99999999999999999999:1"] {
            assert_eq!(Cursor::parse(bad), None, "{bad}");
        }
    }

    proptest! {
        #[test]
        fn round_trips(entries in proptest::collection::btree_map(1i64..1_000_000, 0i64..i64::MAX, 0..8)) {
            let c = Cursor(entries);
            prop_assert_eq!(Cursor::parse(&c.to_string()), Some(c));
        }

        #[test]
        fn never_panics(s in ".{0,64}") {
            let _ = Cursor::parse(&s);
        }
    }
}
