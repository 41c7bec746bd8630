//! The "Keep history" setting of the feed form: its named choices, the
//! custom duration, and the conversion to and from a feed's `Retention`.

use crate::{
    error::FieldError,
    model::{MaxAge, Retention},
};
use leptos::prelude::*;

/// The field the server names in its errors about a feed's retention.
pub const FIELD: &str = "retention.max_age";
/// The choice that leaves the retention to the server (new feeds only).
pub const DEFAULT: &str = "default";
/// The choice that keeps everything.
pub const FOREVER: &str = "forever";
/// The choice that reads the custom text.
pub const CUSTOM: &str = "custom";

/// The durations offered by name, as `(value, label)`; each value is
/// spelled as `MaxAge` prints it, so a stored retention finds its preset.
pub const PRESETS: [(&str, &str); 6] =
    [("1h", "1 hour"), ("1d", "1 day"), ("7d", "7 days"), ("30d", "30 days"), ("90d", "90 days"), ("365d", "1 year")];

/// The control's choice and custom text for a feed's retention (`None`:
/// the server's default).
pub fn choice_for(retention: Option<Retention>) -> (String, String) {
    match retention {
        None => (DEFAULT.into(), String::new()),
        Some(Retention { max_age: None }) => (FOREVER.into(), String::new()),
        Some(Retention { max_age: Some(age) }) => {
            let text = age.to_string();
            match PRESETS.iter().find(|(value, _)| *value == text) {
                Some((value, _)) => ((*value).into(), String::new()),
                None => (CUSTOM.into(), text),
            }
        }
    }
}

/// The retention a choice asks for; `Ok(None)` leaves it to the server.
/// The custom text is read with the same parser as the server's.
pub fn retention_for(choice: &str, custom: &str) -> Result<Option<Retention>, String> {
    let keep = |text: &str| text.parse::<MaxAge>().map(|age| Some(Retention::keep(age))).map_err(|e| e.to_string());
    match choice {
        DEFAULT => Ok(None),
        FOREVER => Ok(Some(Retention::default())),
        CUSTOM if custom.trim().is_empty() => Err("enter a duration, e.g. 36h or 14d".into()),
        CUSTOM => keep(custom),
        preset => keep(preset),
    }
}

/// A retention in words: `30 days`, `1 year`, `36 hours`, `forever`.
pub fn describe(retention: Retention) -> String {
    let Some(age) = retention.max_age else { return FOREVER.into() };
    let text = age.to_string();
    if let Some((_, label)) = PRESETS.iter().find(|(value, _)| *value == text) {
        return (*label).into();
    }
    let (count, unit) = text.split_at(text.len() - 1);
    let unit = match unit {
        "d" => "day",
        "h" => "hour",
        "m" => "minute",
        _ => "second",
    };
    format!("{count} {unit}{}", if count == "1" { "" } else { "s" })
}

/// A retention as the feeds list shows it: `7d`, `36h`, `forever`.
pub fn short(retention: Option<Retention>) -> String {
    match retention {
        None => "default".into(),
        Some(Retention { max_age: None }) => FOREVER.into(),
        Some(Retention { max_age: Some(age) }) => age.to_string(),
    }
}

/// The state of the "Keep history" control.
#[derive(Clone, Copy)]
pub struct KeepDraft {
    /// [`DEFAULT`], [`FOREVER`], [`CUSTOM`] or a preset's value.
    pub choice: RwSignal<String>,
    /// The custom duration as typed.
    pub custom: RwSignal<String>,
    /// Whether to show what is wrong with the custom text: once a save
    /// was tried, not while the first letters go in. (Not on leaving the
    /// input: the message appearing then would move the Save button away
    /// from under the pointer between mouse down and up.)
    pub checked: RwSignal<bool>,
}

impl KeepDraft {
    pub fn new(retention: Option<Retention>) -> Self {
        let (choice, custom) = choice_for(retention);
        KeepDraft { choice: RwSignal::new(choice), custom: RwSignal::new(custom), checked: RwSignal::new(false) }
    }

    /// Shows `retention` (`None`: the server's default).
    pub fn load(&self, retention: Option<Retention>) {
        let (choice, custom) = choice_for(retention);
        self.choice.set(choice);
        self.custom.set(custom);
        self.checked.set(false);
    }

    /// Whether the custom input is shown (tracked).
    pub fn is_custom(&self) -> bool {
        self.choice.with(|c| c == CUSTOM)
    }

    /// The retention to send, or the field error (read without tracking).
    pub fn retention(&self) -> Result<Option<Retention>, FieldError> {
        untrack(|| self.read()).map_err(|message| FieldError { field: FIELD.into(), message })
    }

    /// What is wrong with the custom text, once checked (tracked).
    pub fn error(&self) -> Option<String> {
        if self.checked.get() && self.is_custom() { self.read().err() } else { None }
    }

    fn read(&self) -> Result<Option<Retention>, String> {
        let result = self.choice.with(|choice| self.custom.with(|custom| retention_for(choice, custom)));
        result.map_err(|e| format!("Keep history: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keep(text: &str) -> Option<Retention> {
        Some(Retention::keep(text.parse().unwrap()))
    }

    #[test]
    fn presets_and_custom_durations_map_both_ways() {
        for (retention, choice, custom) in [
            (None, DEFAULT, ""),
            (Some(Retention::default()), FOREVER, ""),
            (keep("24h"), "1d", ""),
            (keep("365d"), "365d", ""),
            (keep("36h"), CUSTOM, "36h"),
            (keep("14d"), CUSTOM, "14d"),
        ] {
            let (c, t) = choice_for(retention);
            assert_eq!((c.as_str(), t.as_str()), (choice, custom), "{retention:?}");
            assert_eq!(retention_for(&c, &t), Ok(retention), "{retention:?}");
        }
        for (value, _) in PRESETS {
            assert_eq!(retention_for(value, "ignored"), Ok(keep(value)), "{value}");
        }
        assert_eq!(retention_for(CUSTOM, " 36H "), Ok(keep("36h")));
    }

    #[test]
    fn bad_custom_text_is_refused_with_the_parsers_words() {
        let e = retention_for(CUSTOM, "a week").unwrap_err();
        assert!(e.starts_with("\"a week\" is not a duration"), "{e}");
        assert_eq!(retention_for(CUSTOM, "  ").unwrap_err(), "enter a duration, e.g. 36h or 14d");
        assert!(retention_for(CUSTOM, "0s").is_err());
        assert!(retention_for(CUSTOM, "36501d").is_err());
    }

    #[test]
    fn retentions_read_plainly() {
        assert_eq!(describe(Retention::default()), "forever");
        assert_eq!(describe(keep("30d").unwrap()), "30 days");
        assert_eq!(describe(keep("365d").unwrap()), "1 year");
        assert_eq!(describe(keep("36h").unwrap()), "36 hours");
        assert_eq!(describe(keep("1m").unwrap()), "1 minute");
        assert_eq!(describe(keep("90s").unwrap()), "90 seconds");
        assert_eq!(short(keep("24h")), "1d");
        assert_eq!(short(Some(Retention::default())), "forever");
        assert_eq!(short(None), "default");
    }

    #[test]
    fn the_draft_checks_custom_text_only_once_asked() {
        Owner::new().with(|| {
            let draft = KeepDraft::new(keep("7d"));
            assert_eq!(draft.retention(), Ok(keep("7d")));
            draft.choice.set(CUSTOM.into());
            draft.custom.set("a week".into());
            assert_eq!(draft.error(), None);
            let e = draft.retention().unwrap_err();
            assert_eq!(e.field, FIELD);
            assert!(e.message.starts_with("Keep history: \"a week\" is not a duration"), "{}", e.message);
            draft.checked.set(true);
            assert_eq!(draft.error(), Some(e.message));
            draft.custom.set("36h".into());
            assert_eq!((draft.error(), draft.retention()), (None, Ok(keep("36h"))));
            draft.load(None);
            assert_eq!((draft.choice.get(), draft.checked.get(), draft.retention()), (DEFAULT.into(), false, Ok(None)));
        });
    }
}
