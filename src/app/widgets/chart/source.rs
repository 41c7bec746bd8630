//! Candles of one symbol over the dashboard's time range, kept current:
//! loaded from the candles history at the range's interval, grown by live
//! ticks (unless the range is fixed), extended into the past on request.
//! The chart draws them; the stats block sums them up.

use super::{bar::Bar, series::Series};
use crate::{
    app::{
        api::live::candle_page,
        live::{FeedEvent, LiveStream},
        range::{ViewState, reload_on_change},
        widgets::gate::Gate,
    },
    model::Tick,
};
use chrono::{DateTime, Utc};
use leptos::prelude::*;

/// What changed in the candles, for whoever draws them.
pub enum Change {
    /// Every bar is new (a load, a replay, old bars trimmed).
    All,
    /// These bars changed or came after the last, in order.
    Last(Vec<Bar>),
    /// This many older bars came before the first.
    Prepended(usize),
}

/// The candles of one symbol of a feed; `Copy`.
#[derive(Clone, Copy)]
pub struct CandleSource {
    pub series: StoredValue<Series>,
    pub loading: ReadSignal<bool>,
    pub older_loading: RwSignal<bool>,
    pub error: ReadSignal<Option<String>>,
    /// How many bars there are, and where the first starts.
    pub extent: ReadSignal<(usize, Option<DateTime<Utc>>)>,
}

impl CandleSource {
    /// Follows `symbol` of `feed` on the page's live stream and view state;
    /// `on_change` hears of each change after it is made, with the bars as
    /// they are then; each change of `older_wanted` asks for the page before
    /// the first bar.
    pub fn follow(
        feed: String,
        symbol: String,
        older_wanted: Option<RwSignal<u64>>,
        on_change: impl Fn(Change, &Series) + Copy + 'static,
    ) -> Self {
        let view = expect_context::<ViewState>();
        let gate = StoredValue::new(Gate::<Tick>::new(50_000));
        let series = StoredValue::new(Series::default());
        let (error, set_error) = signal(None::<String>);
        let (loading, set_loading) = signal(true);
        let older_loading = RwSignal::new(false);
        let (extent, set_extent) = signal((0usize, None::<DateTime<Utc>>));
        let stream_ready = RwSignal::new(false);
        let (feed_name, symbol_name) = (StoredValue::new(feed.clone()), StoredValue::new(symbol));
        let changed = move |change: Change| {
            series.with_value(|s| {
                let now = (s.bars().len(), s.bars().first().and_then(|b| DateTime::from_timestamp(b.time, 0)));
                if extent.get_untracked() != now {
                    set_extent.set(now);
                }
                on_change(change, s);
            })
        };

        // Folds a batch of live ticks in (a fixed range takes none).
        let apply = move |ticks: Vec<Tick>| {
            if !view.range.get_untracked().follows() {
                return;
            }
            let secs = view.interval.get_untracked().1;
            let (touched, trimmed) =
                series.try_update_value(|s| s.fold(&ticks, &symbol_name.get_value(), secs)).unwrap_or_default();
            match (trimmed, touched.is_empty()) {
                (true, _) => changed(Change::All),
                (false, false) => changed(Change::Last(touched)),
                (false, true) => {}
            }
        };

        let load = move || {
            let load_generation = gate.try_update_value(|g| g.start_load()).unwrap_or_default();
            set_loading.set(true);
            let (interval, _) = view.interval.get_untracked();
            let (from, to) = view.range.get_untracked().bounds(Utc::now());
            leptos::task::spawn_local(async move {
                match candle_page(feed_name.get_value(), symbol_name.get_value(), interval.to_owned(), from, to).await {
                    Ok(page) => {
                        series.update_value(|s| s.replace(page.items.iter().map(Bar::from_candle).collect()));
                        changed(Change::All);
                        set_error.set(None);
                        let released = gate.try_update_value(|g| g.loaded(load_generation, page.last_seq)).flatten();
                        if let Some((held, _)) = released {
                            apply(held);
                        }
                    }
                    Err(e) => set_error.set(Some(e.message)),
                }
                set_loading.set(false);
            });
        };

        let source = CandleSource { series, loading, older_loading, error, extent };
        let load_older = move || {
            let secs = view.interval.get_untracked().1;
            let Some((from, to)) = series.with_value(|s| s.older_page(secs)) else { return };
            if older_loading.get_untracked() || loading.get_untracked() {
                return;
            }
            older_loading.set(true);
            // A page asked for before a newer load (or a replay) is dropped.
            let (asked_in, interval) = (gate.with_value(Gate::generation), view.interval.get_untracked().0);
            leptos::task::spawn_local(async move {
                let at = |secs| DateTime::from_timestamp(secs, 0);
                let page =
                    candle_page(feed_name.get_value(), symbol_name.get_value(), interval.to_owned(), at(from), at(to));
                match page.await {
                    Ok(page) if gate.with_value(Gate::generation) == asked_in => {
                        let older = page.items.iter().map(Bar::from_candle).collect();
                        if let Some(added @ 1..) = series.try_update_value(|s| s.prepend(older)) {
                            changed(Change::Prepended(added));
                        }
                    }
                    Ok(_) => {}
                    Err(e) => set_error.set(Some(e.message)),
                }
                older_loading.set(false);
            });
        };
        if let Some(wanted) = older_wanted {
            Effect::new(move |first: Option<()>| {
                wanted.track();
                if first.is_some() {
                    load_older();
                }
            });
        }

        expect_context::<LiveStream>().subscribe(&feed, move |event| match event {
            FeedEvent::Load { .. } => {
                stream_ready.set(true);
                load();
            }
            FeedEvent::Replay => {
                gate.update_value(Gate::open_from_start);
                series.update_value(|s| s.replace(Vec::new()));
                changed(Change::All);
                set_loading.set(false);
            }
            FeedEvent::Ticks(ticks) => {
                let fresh = gate.try_update_value(|g| g.live(ticks.iter().cloned())).unwrap_or_default();
                apply(fresh);
            }
            _ => {}
        });
        reload_on_change(move || (view.interval.get(), view.range.get()), stream_ready, load);
        source
    }
}
