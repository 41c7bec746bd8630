//! The time range a dashboard shows (the `range-picker`) and the chart
//! interval, both kept in the page's URL (`?range=1h&interval=5m`, or
//! `?from=…&to=…`), so a reload, a shared link and back/forward give the
//! same view. Every widget reads them through [`ViewState`].

use chrono::{DateTime, Duration, Utc};
use leptos::prelude::*;
#[cfg(feature = "hydrate")]
use leptos_router::{NavigateOptions, hooks::use_navigate};
use leptos_router::{
    hooks::{use_location, use_query_map},
    params::ParamsMap,
};

/// Quick ranges offered, ending now and still following the live stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Span {
    M15,
    H1,
    H24,
    D7,
}

impl Span {
    pub const ALL: [Span; 4] = [Span::M15, Span::H1, Span::H24, Span::D7];

    /// The URL value and button label: `15m`, `1h`, `24h`, `7d`.
    pub fn key(self) -> &'static str {
        match self {
            Span::M15 => "15m",
            Span::H1 => "1h",
            Span::H24 => "24h",
            Span::D7 => "7d",
        }
    }

    pub fn duration(self) -> Duration {
        match self {
            Span::M15 => Duration::minutes(15),
            Span::H1 => Duration::hours(1),
            Span::H24 => Duration::hours(24),
            Span::D7 => Duration::days(7),
        }
    }

    fn parse(key: &str) -> Option<Span> {
        Span::ALL.into_iter().find(|s| s.key() == key)
    }
}

/// What part of history the widgets show.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TimeRange {
    /// Follow the live stream; each widget shows its own recent window.
    #[default]
    Live,
    /// The last `Span`, still following the live stream.
    Last(Span),
    /// A fixed window: nothing live is added to it.
    Fixed { from: DateTime<Utc>, to: DateTime<Utc> },
}

impl TimeRange {
    /// Reads the range from URL query values (`get("range")`, …); anything
    /// unreadable is `Live`, so a mangled link still opens the dashboard.
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> TimeRange {
        let time = |key: &str| get(key).and_then(|v| DateTime::parse_from_rfc3339(&v).ok()).map(|t| t.to_utc());
        if let (Some(from), Some(to)) = (time("from"), time("to"))
            && from < to
        {
            return TimeRange::Fixed { from, to };
        }
        get("range").as_deref().and_then(Span::parse).map_or(TimeRange::Live, TimeRange::Last)
    }

    /// The query values that give this range back (empty for `Live`).
    pub fn to_query(self) -> Vec<(&'static str, String)> {
        match self {
            TimeRange::Live => Vec::new(),
            TimeRange::Last(span) => vec![("range", span.key().to_owned())],
            TimeRange::Fixed { from, to } => {
                vec![("from", crate::model::time::format(&from)), ("to", crate::model::time::format(&to))]
            }
        }
    }

    /// Whether live data is added as it arrives.
    pub fn follows(self) -> bool {
        !matches!(self, TimeRange::Fixed { .. })
    }

    /// Where the range starts and ends at `now` (`None`: the widget's default).
    pub fn bounds(self, now: DateTime<Utc>) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
        match self {
            TimeRange::Live => (None, None),
            TimeRange::Last(span) => (Some(now - span.duration()), None),
            TimeRange::Fixed { from, to } => (Some(from), Some(to)),
        }
    }

    /// The range's length, if it has one.
    pub fn length(self) -> Option<Duration> {
        match self {
            TimeRange::Live => None,
            TimeRange::Last(span) => Some(span.duration()),
            TimeRange::Fixed { from, to } => Some(to - from),
        }
    }
}

/// Chart intervals offered, with their length in seconds.
pub const INTERVALS: [(&str, i64); 4] = [("1s", 1), ("1m", 60), ("5m", 300), ("1h", 3600)];

/// Most candles a range is drawn with; finer intervals are not offered.
pub const MOST_CANDLES: i64 = 5_000;

/// Whether `interval` (seconds) is fine enough for the range yet not too fine.
pub fn interval_fits(range: TimeRange, interval: i64) -> bool {
    range.length().is_none_or(|len| len.num_seconds() / interval.max(1) <= MOST_CANDLES)
}

/// The interval to draw with: the one asked for, or the finest that fits.
pub fn interval_for(range: TimeRange, wanted: &str) -> (&'static str, i64) {
    let wanted = INTERVALS.into_iter().find(|iv| iv.0 == wanted).unwrap_or(INTERVALS[1]);
    if interval_fits(range, wanted.1) {
        return wanted;
    }
    INTERVALS.into_iter().find(|iv| interval_fits(range, iv.1)).unwrap_or(INTERVALS[INTERVALS.len() - 1])
}

/// Goes to a URL in the app (the router's `navigate`, kept for later).
#[cfg(feature = "hydrate")]
type Navigate = Box<dyn Fn(&str)>;

/// The dashboard's range and interval, read from and written to the URL.
#[derive(Clone, Copy)]
pub struct ViewState {
    pub range: Memo<TimeRange>,
    /// The interval in effect (what the URL asks for, if it fits the range).
    pub interval: Memo<(&'static str, i64)>,
    query: Memo<ParamsMap>,
    path: Memo<String>,
    /// Only in the browser: the server never navigates, and a local value
    /// must not be dropped on another of its threads.
    #[cfg(feature = "hydrate")]
    navigate: StoredValue<Navigate, LocalStorage>,
}

impl ViewState {
    /// Follows the current URL; call once per dashboard page.
    pub fn provide() -> ViewState {
        let query = use_query_map();
        let range = Memo::new(move |_| query.with(|q| TimeRange::from_query(|k| q.get(k))));
        let interval = Memo::new(move |_| {
            let wanted = query.with(|q| q.get("interval")).unwrap_or_default();
            interval_for(range.get(), &wanted)
        });
        let path = use_location().pathname;
        let state = ViewState {
            range,
            interval,
            query,
            path,
            #[cfg(feature = "hydrate")]
            navigate: {
                let go = use_navigate();
                let navigate: Navigate =
                    Box::new(move |url| go(url, NavigateOptions { scroll: false, ..NavigateOptions::default() }));
                StoredValue::new_local(navigate)
            },
        };
        provide_context(state);
        state
    }

    /// A query value of the URL (a widget's filter).
    pub fn get(&self, key: &str) -> Option<String> {
        self.query.with(|q| q.get(key))
    }

    /// Shows `range`, as a new history entry.
    pub fn set_range(&self, range: TimeRange) {
        self.replace(&["range", "from", "to"], range.to_query());
    }

    /// Sets (or, with `None`, clears) one query value, keeping the others.
    pub fn set(&self, key: &'static str, value: Option<String>) {
        self.set_all([(key, value)]);
    }

    /// Sets or clears several query values at once (one history entry).
    pub fn set_all(&self, values: impl IntoIterator<Item = (&'static str, Option<String>)>) {
        let values: Vec<_> = values.into_iter().collect();
        let keys: Vec<&str> = values.iter().map(|(k, _)| *k).collect();
        let pairs = values.iter().filter_map(|(k, v)| Some((*k, v.clone()?))).collect();
        self.replace(&keys, pairs);
    }

    /// Goes to this page with the `replaced` keys set to `pairs`.
    fn replace(&self, replaced: &[&str], pairs: Vec<(&'static str, String)>) {
        let mut query: Vec<(String, String)> = self.query.with_untracked(|q| {
            q.into_iter()
                .filter(|(k, _)| !replaced.contains(&k.as_ref()))
                .map(|(k, v)| (k.to_string(), v.to_owned()))
                .collect()
        });
        query.extend(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)));
        let (path, search) = (self.path.get_untracked(), query_string(&query));
        let url = if search.is_empty() { path } else { format!("{path}?{search}") };
        #[cfg(feature = "hydrate")]
        self.navigate.with_value(|go| go(&url));
        #[cfg(not(feature = "hydrate"))]
        let _ = url;
    }
}

/// Runs `reload` whenever what `watch` reads changes, once `ready` (the live
/// stream said where live data starts; before that its first load is due).
pub fn reload_on_change<T: PartialEq + 'static>(
    watch: impl Fn() -> T + 'static,
    ready: RwSignal<bool>,
    reload: impl Fn() + 'static,
) {
    Effect::new(move |previous: Option<T>| {
        let now = watch();
        if previous.is_some_and(|p| p != now) && ready.get_untracked() {
            reload();
        }
        now
    });
}

/// The page's view state (a dashboard provides it; elsewhere `None`).
pub fn use_view_state() -> Option<ViewState> {
    use_context::<ViewState>()
}

/// `a=1&b=x+y`, in the given order.
pub fn query_string(pairs: &[(String, String)]) -> String {
    url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |key| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
    }

    #[test]
    fn ranges_round_trip_through_the_query() {
        let from = DateTime::parse_from_rfc3339("2026-12-01T10:00:00Z").unwrap().to_utc();
        let to = DateTime::parse_from_rfc3339("2026-12-01T12:30:00Z").unwrap().to_utc();
        for range in
            [TimeRange::Live, TimeRange::Last(Span::H1), TimeRange::Last(Span::D7), TimeRange::Fixed { from, to }]
        {
            let pairs: Vec<(String, String)> = range.to_query().into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
            let back = TimeRange::from_query(|key| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()));
            assert_eq!(back, range);
        }
    }

    #[test]
    fn unreadable_ranges_fall_back_to_live() {
        assert_eq!(TimeRange::from_query(query(&[("range", "3w")])), TimeRange::Live);
        let backwards = [("from", "2026-12-01T12:00:00Z"), ("to", "2026-12-01T10:00:00Z")];
        assert_eq!(TimeRange::from_query(query(&backwards)), TimeRange::Live);
        assert_eq!(TimeRange::from_query(query(&[("from", "yesterday"), ("to", "now")])), TimeRange::Live);
        assert_eq!(TimeRange::from_query(query(&[("range", "24h")])), TimeRange::Last(Span::H24));
    }

    #[test]
    fn intervals_too_fine_for_the_range_give_way() {
        assert_eq!(interval_for(TimeRange::Live, "1s"), ("1s", 1));
        assert_eq!(interval_for(TimeRange::Last(Span::H1), "1s"), ("1s", 1));
        assert_eq!(interval_for(TimeRange::Last(Span::H24), "1s"), ("1m", 60));
        assert_eq!(interval_for(TimeRange::Last(Span::D7), "1m"), ("5m", 300));
        assert_eq!(interval_for(TimeRange::Last(Span::D7), "1h"), ("1h", 3600));
        assert_eq!(interval_for(TimeRange::Live, "nonsense"), ("1m", 60));
        assert!(!interval_fits(TimeRange::Last(Span::D7), 60));
    }

    #[test]
    fn query_strings_are_encoded() {
        let pairs = vec![("q".to_owned(), "a b&c".to_owned()), ("range".to_owned(), "1h".to_owned())];
        assert_eq!(query_string(&pairs), "q=a+b%26c&range=1h");
    }
}
