//! Log levels: the six a stored log line may have, how ingest reads them
//! from what publishers write, and how the log tail offers them.

use std::fmt;

/// The level of a log line; stored and sent as its upper-case name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LogLevel {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
    Fatal,
}

impl LogLevel {
    /// Every level, least severe first.
    pub const ALL: [LogLevel; 6] =
        [LogLevel::Trace, LogLevel::Debug, LogLevel::Info, LogLevel::Warn, LogLevel::Error, LogLevel::Fatal];

    /// The name as stored and sent (`TRACE`, …, `FATAL`).
    pub const fn as_str(self) -> &'static str {
        match self {
            LogLevel::Trace => "TRACE",
            LogLevel::Debug => "DEBUG",
            LogLevel::Info => "INFO",
            LogLevel::Warn => "WARN",
            LogLevel::Error => "ERROR",
            LogLevel::Fatal => "FATAL",
        }
    }

    /// The level stored as `name`, spelled exactly ([`LogLevel::as_str`]).
    pub fn parse(name: &str) -> Option<LogLevel> {
        LogLevel::ALL.into_iter().find(|level| level.as_str() == name)
    }

    /// The level a publisher meant by `word`: any case, and `WARNING` for
    /// `WARN`; `None` for anything else.
    pub fn normalize(word: &str) -> Option<LogLevel> {
        match word.to_ascii_uppercase().as_str() {
            "WARNING" => Some(LogLevel::Warn),
            upper => LogLevel::parse(upper),
        }
    }
}

impl fmt::Display for LogLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for level in LogLevel::ALL {
            assert_eq!(LogLevel::parse(level.as_str()), Some(level));
            assert_eq!(level.to_string(), level.as_str());
        }
        let names: Vec<&str> = LogLevel::ALL.iter().map(|l| l.as_str()).collect();
        assert_eq!(names, ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"]);
    }

    #[test]
    fn parse_takes_only_the_stored_spelling() {
        assert_eq!(LogLevel::parse("info"), None);
        assert_eq!(LogLevel::parse("WARNING"), None);
        assert_eq!(LogLevel::parse(""), None);
    }

    #[test]
    fn normalize_upper_cases_known_levels() {
        let cases = [
            ("trace", Some(LogLevel::Trace)),
            ("Debug", Some(LogLevel::Debug)),
            ("INFO", Some(LogLevel::Info)),
            ("warn", Some(LogLevel::Warn)),
            ("warning", Some(LogLevel::Warn)),
            ("WARNING", Some(LogLevel::Warn)),
            ("eRRoR", Some(LogLevel::Error)),
            ("fatal", Some(LogLevel::Fatal)),
        ];
        for (word, level) in cases {
            assert_eq!(LogLevel::normalize(word), level, "{word}");
        }
    }

    #[test]
    fn normalize_refuses_anything_else() {
        for word in ["", "LOUD", "errors", "ERR", "crit", " INFO", "INFO:", "ınfo"] {
            assert_eq!(LogLevel::normalize(word), None, "{word:?}");
        }
    }
}
