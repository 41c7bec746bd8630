//! The ticker: every symbol's last price, change since open and a sparkline;
//! a row flashes when its price moves; today's ticks as a download.

use super::{
    export::{ExportControl, today_utc},
    gate::Gate,
    sparkline::Sparkline,
};
use crate::{
    app::{
        api::live::ticker_snapshot,
        live::{FeedEvent, LiveStream},
    },
    model::{SymbolSummary, Tick},
};
use leptos::prelude::*;
use std::collections::{HashMap, VecDeque};

/// Prices kept per symbol for the sparkline.
const RECENT: usize = 60;
/// How long a price stays highlighted after a move.
const FLASH_MS: f64 = 450.0;
/// The least time between two flashes of one row, so a busy symbol pulses
/// now and then instead of blinking constantly.
const FLASH_EVERY_MS: f64 = 1500.0;

#[derive(Clone, Debug, PartialEq)]
struct Row {
    symbol: String,
    last: f64,
    open: Option<f64>,
    recent: VecDeque<f64>,
    /// Direction of the latest move, while the flash lasts.
    flash: Option<bool>,
    flashed_at: f64,
}

impl Row {
    /// The row of a symbol first seen live, at `price`.
    fn first(symbol: &str, price: f64) -> Self {
        Row {
            symbol: symbol.to_owned(),
            last: price,
            open: None,
            recent: VecDeque::new(),
            flash: None,
            flashed_at: 0.0,
        }
    }

    fn from_summary(s: SymbolSummary) -> Self {
        Row { symbol: s.symbol, last: s.last, open: s.open, recent: s.recent.into(), flash: None, flashed_at: 0.0 }
    }

    fn apply(&mut self, price: f64, now: f64) {
        let moved = price != self.last;
        if moved && now - self.flashed_at > FLASH_EVERY_MS {
            self.flash = Some(price > self.last);
            self.flashed_at = now;
        }
        self.last = price;
        self.open.get_or_insert(price);
        self.recent.push_back(price);
        if self.recent.len() > RECENT {
            self.recent.pop_front();
        }
    }
}

/// Ticker widget over a ticks feed.
#[component]
pub fn Ticker(feed: String) -> impl IntoView {
    let rows: RwSignal<Vec<RwSignal<Row>>> = RwSignal::new(Vec::new());
    let index: StoredValue<HashMap<String, RwSignal<Row>>> = StoredValue::new(HashMap::new());
    let gate = StoredValue::new(Gate::<Tick>::new(20_000));
    let (loading, set_loading) = signal(true);
    let (error, set_error) = signal(None::<String>);

    let apply = move |ticks: Vec<Tick>| {
        let now = now_ms();
        let mut added = false;
        // Only the rows that moved re-render.
        let mut latest: HashMap<&str, Vec<f64>> = HashMap::new();
        for t in &ticks {
            latest.entry(t.symbol.as_str()).or_default().push(t.price);
        }
        for (symbol, prices) in latest {
            let existing = index.with_value(|i| i.get(symbol).copied());
            let row = existing.unwrap_or_else(|| {
                added = true;
                let row = RwSignal::new(Row::first(symbol, prices[0]));
                index.update_value(|i| {
                    i.insert(symbol.to_owned(), row);
                });
                row
            });
            row.update(|r| prices.iter().for_each(|p| r.apply(*p, now)));
            if row.with_untracked(|r| r.flash.is_some()) {
                fade_flash(row);
            }
        }
        if added {
            let mut all: Vec<RwSignal<Row>> = index.with_value(|i| i.values().copied().collect());
            all.sort_by_key(|r| r.with_untracked(|r| r.symbol.clone()));
            rows.set(all);
        }
    };

    let load = move |feed: String| {
        let generation = gate.try_update_value(|g| g.start_load()).unwrap_or_default();
        set_loading.set(true);
        leptos::task::spawn_local(async move {
            match ticker_snapshot(feed.clone()).await {
                Ok(page) => {
                    let signals: Vec<RwSignal<Row>> =
                        page.items.into_iter().map(|s| RwSignal::new(Row::from_summary(s))).collect();
                    index.set_value(signals.iter().map(|r| (r.with_untracked(|r| r.symbol.clone()), *r)).collect());
                    rows.set(signals);
                    set_error.set(None);
                    // A lossy view: ticks dropped while loading are superseded by later ones.
                    if let Some((held, _)) = gate.try_update_value(|g| g.loaded(generation, page.last_seq)).flatten() {
                        apply(held);
                    }
                }
                Err(e) => set_error.set(Some(e.message)),
            }
            set_loading.set(false);
        });
    };

    let live = expect_context::<LiveStream>();
    live.subscribe(&feed, {
        let feed = feed.clone();
        move |event| match event {
            FeedEvent::Load { .. } => load(feed.clone()),
            FeedEvent::Replay => {
                gate.update_value(Gate::open_from_start);
                index.set_value(Default::default());
                rows.set(Vec::new());
                set_error.set(None);
                set_loading.set(false);
            }
            FeedEvent::Ticks(ticks) => {
                let fresh = gate.try_update_value(|g| g.live(ticks.iter().cloned())).unwrap_or_default();
                if !fresh.is_empty() {
                    apply(fresh);
                }
            }
            _ => {}
        }
    });

    let export = format!("/api/v1/feeds/{feed}/ticks");
    view! {
        <div class="overflow-x-auto">
            <div class="mb-1 flex justify-end">
                // The change window: since 00:00 UTC.
                <ExportControl path=export query=vec![("from", today_utc())] what="today's ticks" />
            </div>
            {move || error.get().map(|e| view! { <p role="alert" class="text-sm text-rose-600">{e}</p> })}
            <table class="w-full text-sm tabular-nums">
                <thead class="text-left text-xs uppercase text-slate-500 dark:text-slate-400">
                    <tr>
                        <th class="py-1 pr-2 font-medium">"Symbol"</th>
                        <th class="py-1 pr-2 text-right font-medium">"Last"</th>
                        <th class="py-1 pr-2 text-right font-medium">"Change"</th>
                        <th class="py-1 pr-2 text-right font-medium">"%"</th>
                        <th class="py-1 font-medium"><span class="sr-only">"Trend"</span></th>
                    </tr>
                </thead>
                <tbody>
                    <For each=move || rows.get() key=|r| r.with_untracked(|r| r.symbol.clone()) let:row>
                        <TickerRow row />
                    </For>
                </tbody>
            </table>
            <Show when=move || !loading.get() && rows.with(Vec::is_empty)>
                <p class="py-6 text-center text-sm text-slate-500 dark:text-slate-400">
                    {live.empty_text("No ticks yet. They appear here as soon as the feed delivers.")}
                </p>
            </Show>
            <Show when=move || loading.get() && rows.with(Vec::is_empty)>
                <p class="animate-pulse motion-reduce:animate-none py-6 text-center text-sm text-slate-500 dark:text-slate-400">"Loading…"</p>
            </Show>
        </div>
    }
}

/// Ends `row`'s flash once it has lasted [`FLASH_MS`] (unless a newer one
/// started meanwhile).
fn fade_flash(row: RwSignal<Row>) {
    let fade = move || {
        row.update(|r| {
            if now_ms() - r.flashed_at >= FLASH_MS {
                r.flash = None
            }
        })
    };
    set_timeout(fade, std::time::Duration::from_millis(FLASH_MS as u64));
}

#[component]
fn TickerRow(row: RwSignal<Row>) -> impl IntoView {
    let symbol = row.with_untracked(|r| r.symbol.clone());
    let change =
        move || row.with(|r| r.open.map(|o| (r.last - o, if o != 0.0 { (r.last - o) / o * 100.0 } else { 0.0 })));
    let tone = move || match change() {
        Some((c, _)) if c > 0.0 => "text-emerald-700 dark:text-emerald-400",
        Some((c, _)) if c < 0.0 => "text-rose-600 dark:text-rose-400",
        _ => "text-slate-500 dark:text-slate-400",
    };
    let flash = move || match row.with(|r| r.flash) {
        Some(true) => "bg-emerald-500/25",
        Some(false) => "bg-rose-500/25",
        None => "",
    };
    let recent = Signal::derive(move || row.with(|r| r.recent.iter().copied().collect::<Vec<_>>()));
    view! {
        <tr class="border-t border-slate-100 dark:border-slate-800" data-testid="ticker-row" data-symbol=symbol.clone()>
            <td class="py-1 pr-2 font-medium">{symbol.clone()}</td>
            <td class="py-1 pr-2 text-right">
                <span
                    class=move || format!("rounded px-1 transition-colors duration-300 motion-reduce:transition-none {}", flash())
                    data-testid="ticker-price"
                >
                    {move || format!("{:.2}", row.with(|r| r.last))}
                </span>
            </td>
            <td class=move || format!("py-1 pr-2 text-right {}", tone())>
                {move || change().map(|(c, _)| format!("{c:+.2}")).unwrap_or_else(|| "—".into())}
            </td>
            <td class=move || format!("py-1 pr-2 text-right {}", tone())>
                {move || change().map(|(_, p)| format!("{p:+.2}%")).unwrap_or_else(|| "—".into())}
            </td>
            <td class="py-1"><Sparkline values=recent /></td>
        </tr>
    }
}

fn now_ms() -> f64 {
    chrono::Utc::now().timestamp_millis() as f64
}
