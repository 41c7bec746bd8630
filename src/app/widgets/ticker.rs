//! The ticker: every symbol's last price, change since open and a sparkline;
//! a row flashes when its price moves; today's ticks as a download. As the
//! table widget it shows when each symbol last traded instead of the
//! sparkline, and sorts by any column.

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
    /// When the latest tick was made (ms since the epoch).
    ts_ms: i64,
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
            ts_ms: 0,
            flash: None,
            flashed_at: 0.0,
        }
    }

    fn from_summary(s: SymbolSummary) -> Self {
        let ts_ms = s.ts.timestamp_millis();
        Row {
            symbol: s.symbol,
            last: s.last,
            open: s.open,
            recent: s.recent.into(),
            ts_ms,
            flash: None,
            flashed_at: 0.0,
        }
    }

    /// Change since the open, absolute and in percent.
    fn change(&self) -> Option<(f64, f64)> {
        self.open.map(|o| (self.last - o, if o != 0.0 { (self.last - o) / o * 100.0 } else { 0.0 }))
    }

    fn apply(&mut self, tick: &Tick, now: f64) {
        let price = tick.price;
        self.ts_ms = self.ts_ms.max(tick.ts.timestamp_millis());
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

/// Ticker widget over a ticks feed; with `table`, the table widget.
#[component]
pub fn Ticker(feed: String, #[prop(optional)] table: bool) -> impl IntoView {
    let rows: RwSignal<Vec<RwSignal<Row>>> = RwSignal::new(Vec::new());
    let index: StoredValue<HashMap<String, RwSignal<Row>>> = StoredValue::new(HashMap::new());
    let gate = StoredValue::new(Gate::<Tick>::new(20_000));
    let (loading, set_loading) = signal(true);
    let (error, set_error) = signal(None::<String>);

    let apply = move |ticks: Vec<Tick>| {
        let now = now_ms();
        let mut added = false;
        // Only the rows that moved re-render.
        let mut latest: HashMap<&str, Vec<&Tick>> = HashMap::new();
        for t in &ticks {
            latest.entry(t.symbol.as_str()).or_default().push(t);
        }
        for (symbol, prices) in latest {
            let existing = index.with_value(|i| i.get(symbol).copied());
            let row = existing.unwrap_or_else(|| {
                added = true;
                let row = RwSignal::new(Row::first(symbol, prices[0].price));
                index.update_value(|i| {
                    i.insert(symbol.to_owned(), row);
                });
                row
            });
            row.update(|r| prices.iter().for_each(|t| r.apply(t, now)));
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
    let sort = RwSignal::new((SortBy::Symbol, false));
    // Sorted by symbol as rows come; other orders follow every row's changes.
    let sorted = Memo::new(move |_| {
        let mut all = rows.get();
        let (by, descending) = sort.get();
        if by != SortBy::Symbol || descending {
            all.sort_by(|a, b| a.with(|a| b.with(|b| by.compare(a, b))));
            if descending {
                all.reverse();
            }
        }
        all
    });
    view! {
        <div class="overflow-x-auto">
            <div class="mb-1 flex justify-end">
                // The change window: since 00:00 UTC.
                <ExportControl path=export query=vec![("from", today_utc())] what="today's ticks" />
            </div>
            {move || error.get().map(|e| view! { <p role="alert" class="text-sm text-rose-600">{e}</p> })}
            <table class="w-full text-sm tabular-nums" data-testid=if table { "table" } else { "ticker" }>
                <thead class="text-left text-xs uppercase text-slate-600 dark:text-slate-300">
                    <tr>
                        {SortBy::ALL.into_iter().filter(|by| table || *by != SortBy::Updated).map(|by| {
                            view! { <Header by sort sortable=table /> }
                        }).collect_view()}
                        {(!table).then(|| view! { <th class="py-1 font-medium"><span class="sr-only">"Trend"</span></th> })}
                    </tr>
                </thead>
                <tbody>
                    <For each=move || sorted.get() key=|r| r.with_untracked(|r| r.symbol.clone()) let:row>
                        <TickerRow row table />
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

/// The columns, and how rows compare by each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SortBy {
    Symbol,
    Last,
    Change,
    Percent,
    Updated,
}

impl SortBy {
    const ALL: [SortBy; 5] = [SortBy::Symbol, SortBy::Last, SortBy::Change, SortBy::Percent, SortBy::Updated];

    fn label(self) -> &'static str {
        match self {
            SortBy::Symbol => "Symbol",
            SortBy::Last => "Last",
            SortBy::Change => "Change",
            SortBy::Percent => "%",
            SortBy::Updated => "Updated",
        }
    }

    /// Ascending order by this column (rows without a change sort first).
    fn compare(self, a: &Row, b: &Row) -> std::cmp::Ordering {
        let by_change = |pick: fn((f64, f64)) -> f64| {
            let (a, b) = (a.change().map(pick), b.change().map(pick));
            a.partial_cmp(&b).unwrap_or(std::cmp::Ordering::Equal)
        };
        let order = match self {
            SortBy::Symbol => std::cmp::Ordering::Equal,
            SortBy::Last => a.last.total_cmp(&b.last),
            SortBy::Change => by_change(|c| c.0),
            SortBy::Percent => by_change(|c| c.1),
            SortBy::Updated => a.ts_ms.cmp(&b.ts_ms),
        };
        order.then_with(|| a.symbol.cmp(&b.symbol))
    }
}

/// A column header; in the table widget a button that sorts by it (again: the other way).
#[component]
fn Header(by: SortBy, sort: RwSignal<(SortBy, bool)>, sortable: bool) -> impl IntoView {
    let align = if by == SortBy::Symbol { "" } else { "text-right" };
    let aria_sort = move || match sort.get() {
        (current, descending) if current == by && sortable => {
            if descending {
                "descending"
            } else {
                "ascending"
            }
        }
        _ => "none",
    };
    let click = move |_| {
        sort.update(|(current, descending)| {
            *descending = *current == by && !*descending;
            *current = by;
        })
    };
    view! {
        <th class=format!("py-1 pr-2 font-medium {align}") aria-sort=aria_sort>
            {if sortable {
                view! {
                    <button type="button" class="uppercase hover:underline" on:click=click>
                        {by.label()}
                        <span aria-hidden="true">{move || match aria_sort() { "ascending" => " ▲", "descending" => " ▼", _ => "" }}</span>
                    </button>
                }.into_any()
            } else {
                by.label().into_any()
            }}
        </th>
    }
}

#[component]
fn TickerRow(row: RwSignal<Row>, table: bool) -> impl IntoView {
    let symbol = row.with_untracked(|r| r.symbol.clone());
    let change = move || row.with(Row::change);
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
            {if table {
                let clock = crate::app::clock::use_clock();
                let at = move || chrono::DateTime::from_timestamp_millis(row.with(|r| r.ts_ms)).unwrap_or_default();
                view! { <td class="py-1 pr-2 text-right text-xs" data-testid="ticker-updated">{move || clock.at(at()).format("%H:%M:%S").to_string()}</td> }.into_any()
            } else {
                view! { <td class="py-1"><Sparkline values=recent /></td> }.into_any()
            }}
        </tr>
    }
}

fn now_ms() -> f64 {
    chrono::Utc::now().timestamp_millis() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(symbol: &str, open: Option<f64>, last: f64, ts_ms: i64) -> Row {
        Row { open, ts_ms, ..Row::first(symbol, last) }
    }

    #[test]
    fn rows_sort_by_each_column_with_the_symbol_breaking_ties() {
        let rows = [row("MSFT", Some(400.0), 404.0, 3), row("AAPL", Some(100.0), 98.0, 2), row("IBM", None, 98.0, 1)];
        let order = |by: SortBy| {
            let mut sorted = rows.to_vec();
            sorted.sort_by(|a, b| by.compare(a, b));
            sorted.into_iter().map(|r| r.symbol).collect::<Vec<_>>()
        };
        assert_eq!(order(SortBy::Last), ["AAPL", "IBM", "MSFT"]);
        assert_eq!(order(SortBy::Change), ["IBM", "AAPL", "MSFT"], "no change yet sorts first");
        assert_eq!(order(SortBy::Percent), ["IBM", "AAPL", "MSFT"]);
        assert_eq!(order(SortBy::Updated), ["IBM", "AAPL", "MSFT"]);
        assert_eq!(order(SortBy::Symbol), ["AAPL", "IBM", "MSFT"]);
    }
}
