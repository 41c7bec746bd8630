//! One time zone for every time the page shows (the `timezone` control):
//! the browser's by default, or UTC, or a named zone; the choice is kept in
//! `localStorage`, and with the account of a signed-in user (which wins).
//! The log tail, chat, notes, toasts and the chart's axis all read it
//! through [`Clock`], so they change together.
//!
//! Named zones are computed by the browser's `Intl` (no zone data is
//! shipped); the server, which renders before the choice is known, uses UTC.

use chrono::{DateTime, FixedOffset, Utc};
use leptos::prelude::*;

pub use crate::model::NAMED_ZONES;

/// Where times are shown.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Zone {
    /// The browser's time zone.
    #[default]
    Browser,
    Utc,
    /// One of [`NAMED_ZONES`].
    Named(&'static str),
}

impl Zone {
    /// The value stored and offered (`browser`, `UTC`, `Asia/Tokyo`).
    pub fn key(&self) -> &'static str {
        match self {
            Zone::Browser => "browser",
            Zone::Utc => "UTC",
            Zone::Named(name) => name,
        }
    }

    /// The zone's name after a time: `UTC`, `Tokyo`, or the browser's offset (`+01:00`).
    pub fn short_label(&self) -> String {
        match self {
            Zone::Utc => "UTC".to_owned(),
            Zone::Named(name) => name.rsplit('/').next().unwrap_or(name).replace('_', " "),
            Zone::Browser => self.offset(chrono::Utc::now()).to_string(),
        }
    }

    /// What the zone is called on the page.
    pub fn label(&self) -> String {
        match self {
            Zone::Browser => "Browser time".to_owned(),
            Zone::Utc => "UTC".to_owned(),
            Zone::Named(name) => name.replace('_', " "),
        }
    }

    /// The zone stored as `key`; `None` for anything not offered.
    pub fn parse(key: &str) -> Option<Zone> {
        match key {
            "browser" => Some(Zone::Browser),
            "UTC" => Some(Zone::Utc),
            name => NAMED_ZONES.iter().find(|z| **z == name).map(|z| Zone::Named(z)),
        }
    }

    /// The offset from UTC at `ts`.
    pub fn offset(&self, ts: DateTime<Utc>) -> FixedOffset {
        let utc = FixedOffset::east_opt(0).expect("0 is a valid offset");
        match self {
            Zone::Utc => utc,
            #[cfg(feature = "hydrate")]
            Zone::Browser => *ts.with_timezone(&chrono::Local).offset(),
            #[cfg(feature = "hydrate")]
            Zone::Named(name) => named_offset(name, ts).unwrap_or(utc),
            #[cfg(not(feature = "hydrate"))]
            Zone::Browser | Zone::Named(_) => {
                let _ = ts;
                utc
            }
        }
    }
}

/// The page's time zone; `Copy`, provided by the app.
#[derive(Clone, Copy)]
pub struct Clock {
    pub zone: RwSignal<Zone>,
    /// Who is signed in: their account keeps the choice too.
    session: Option<crate::app::Session>,
}

/// Where the choice is kept in `localStorage`.
#[cfg(feature = "hydrate")]
const STORAGE_KEY: &str = "timezone";

impl Clock {
    /// Provides the page's clock, with the stored choice once hydrated:
    /// this browser's, then the signed-in user's (after each sign-in).
    pub fn provide() -> Clock {
        let clock = Clock { zone: RwSignal::new(Zone::Browser), session: use_context() };
        provide_context(clock);
        Effect::new(move |_| {
            #[cfg(feature = "hydrate")]
            if let Some(zone) =
                storage().and_then(|s| s.get_item(STORAGE_KEY).ok().flatten()).and_then(|k| Zone::parse(&k))
            {
                clock.zone.set(zone);
            }
        });
        Effect::new(move |_| {
            let saved = clock.session.and_then(|s| s.current()).and_then(|u| u.time_zone);
            if let Some(zone) = saved.and_then(|k| Zone::parse(&k)) {
                clock.remember_here(&zone);
                clock.zone.set(zone);
            }
        });
        clock
    }

    /// Shows times in `zone` from now on, and remembers it in this browser
    /// and, for a signed-in user, in their account.
    pub fn choose(self, zone: Zone) {
        self.remember_here(&zone);
        #[cfg(feature = "hydrate")]
        if self.session.and_then(|s| s.user.get_untracked()).and_then(Result::ok).flatten().is_some() {
            let key = zone.key().to_owned();
            leptos::task::spawn_local(async move {
                // The choice holds in this browser anyway; the account keeps it when it can.
                if let Err(e) = crate::app::api::save_time_zone(key).await {
                    leptos::logging::warn!("could not keep the time zone with the account: {e}");
                }
            });
        }
        self.zone.set(zone);
    }

    /// Keeps `zone` in this browser's `localStorage`.
    fn remember_here(self, zone: &Zone) {
        #[cfg(feature = "hydrate")]
        if let Some(storage) = storage() {
            let _ = storage.set_item(STORAGE_KEY, zone.key());
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = zone;
    }

    /// `ts` as a `datetime-local` input shows it, in the chosen zone (untracked).
    pub fn input_value(self, ts: DateTime<Utc>) -> String {
        let offset = self.zone.with_untracked(|z| z.offset(ts));
        ts.with_timezone(&offset).format(INPUT_FORMAT).to_string()
    }

    /// The instant a `datetime-local` input's value means in the chosen zone.
    pub fn parse_input(self, value: &str) -> Option<DateTime<Utc>> {
        let local = chrono::NaiveDateTime::parse_from_str(value, INPUT_FORMAT)
            .or_else(|_| chrono::NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M"))
            .ok()?;
        // The offset at the instant itself: guess with the offset at the
        // local time read as UTC, then correct once (exact but at DST jumps).
        let shift = |t: DateTime<Utc>| {
            chrono::Duration::seconds(self.zone.with_untracked(|z| z.offset(t)).local_minus_utc().into())
        };
        let guess = local.and_utc() - shift(local.and_utc());
        Some(local.and_utc() - shift(guess))
    }

    /// `ts` in the chosen zone (tracked).
    pub fn at(self, ts: DateTime<Utc>) -> DateTime<FixedOffset> {
        let offset = self.zone.with(|z| z.offset(ts));
        ts.with_timezone(&offset)
    }
}

/// A `<time>` showing `at` in the page's zone: UTC as the server renders
/// it, then the chosen zone once the page runs (so hydration matches).
#[component]
pub fn ZonedTime(
    at: DateTime<Utc>,
    /// A `chrono` format; the zone's label follows it.
    #[prop(default = "%Y-%m-%d %H:%M:%S")]
    format: &'static str,
    #[prop(optional)] class: &'static str,
) -> impl IntoView {
    let clock = use_clock();
    let running = RwSignal::new(false);
    Effect::new(move |_| running.set(true));
    let text = move || match running.get() {
        true => format!("{} {}", clock.at(at).format(format), clock.zone.with(|z| z.short_label())),
        false => format!("{} UTC", at.format(format)),
    };
    view! { <time datetime=crate::model::time::format(&at) class=class>{text}</time> }
}

/// What `datetime-local` inputs hold.
const INPUT_FORMAT: &str = "%Y-%m-%dT%H:%M:%S";

/// The page's clock (UTC where none is provided, e.g. in unit tests).
pub fn use_clock() -> Clock {
    use_context::<Clock>().unwrap_or_else(|| Clock { zone: RwSignal::new(Zone::Utc), session: None })
}

#[cfg(feature = "hydrate")]
fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The offset of the named zone at `ts`, from the browser's `Intl` (one
/// formatter per zone, kept).
#[cfg(feature = "hydrate")]
fn named_offset(name: &'static str, ts: DateTime<Utc>) -> Option<FixedOffset> {
    use chrono::Timelike;
    use std::{cell::RefCell, collections::HashMap};
    use wasm_bindgen::JsValue;
    thread_local! {
        static FORMATTERS: RefCell<HashMap<&'static str, js_sys::Intl::DateTimeFormat>> = RefCell::new(HashMap::new());
    }
    let parts = FORMATTERS.with(|cache| {
        let mut cache = cache.borrow_mut();
        let format = cache.entry(name).or_insert_with(|| {
            let options = js_sys::Object::new();
            for (key, value) in [
                ("timeZone", name),
                ("hourCycle", "h23"),
                ("year", "numeric"),
                ("month", "numeric"),
                ("day", "numeric"),
                ("hour", "numeric"),
                ("minute", "numeric"),
                ("second", "numeric"),
            ] {
                let _ = js_sys::Reflect::set(&options, &key.into(), &value.into());
            }
            js_sys::Intl::DateTimeFormat::new(&js_sys::Array::of1(&"en-US".into()), &options)
        });
        let date = js_sys::Date::new(&JsValue::from_f64(ts.timestamp_millis() as f64));
        format.format_to_parts(&date)
    });
    let mut fields = [0i64; 6];
    for part in parts.iter() {
        let kind = js_sys::Reflect::get(&part, &"type".into()).ok()?.as_string()?;
        let value = js_sys::Reflect::get(&part, &"value".into()).ok()?.as_string()?;
        let slot = ["year", "month", "day", "hour", "minute", "second"].iter().position(|k| *k == kind);
        if let Some(slot) = slot {
            fields[slot] = value.parse().ok()?;
        }
    }
    let date = chrono::NaiveDate::from_ymd_opt(fields[0] as i32, fields[1] as u32, fields[2] as u32)?;
    let wall = date.and_hms_opt(fields[3] as u32, fields[4] as u32, fields[5] as u32)?;
    let seconds = (wall - ts.naive_utc().with_nanosecond(0)?).num_seconds();
    FixedOffset::east_opt(i32::try_from(seconds).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_round_trip_through_their_keys() {
        for zone in [Zone::Browser, Zone::Utc, Zone::Named("Asia/Tokyo")] {
            assert_eq!(Zone::parse(zone.key()), Some(zone));
        }
        assert_eq!(Zone::parse("Mars/Olympus"), None, "only offered zones are taken back");
    }

    #[test]
    fn utc_shows_the_time_as_stored() {
        let ts: DateTime<Utc> = "2026-12-06T10:15:30.250Z".parse().unwrap();
        let owner = Owner::new();
        owner.with(|| {
            let clock = Clock { zone: RwSignal::new(Zone::Utc), session: None };
            assert_eq!(clock.at(ts).format("%H:%M:%S%.3f").to_string(), "10:15:30.250");
        });
    }

    #[test]
    fn date_inputs_read_back_what_they_show() {
        let ts: DateTime<Utc> = "2026-12-06T10:15:00Z".parse().unwrap();
        let owner = Owner::new();
        owner.with(|| {
            let clock = Clock { zone: RwSignal::new(Zone::Utc), session: None };
            assert_eq!(clock.input_value(ts), "2026-12-06T10:15:00");
            assert_eq!(clock.parse_input("2026-12-06T10:15"), Some(ts));
            assert_eq!(clock.parse_input("2026-12-06T10:15:00"), Some(ts));
            assert_eq!(clock.parse_input(""), None);
            assert_eq!(clock.parse_input("tomorrow"), None);
        });
    }
}
