//! The log-level histogram: lines per time bucket, stacked by level, over
//! the dashboard's time range, live while the range follows. Clicking a
//! bar's level (or a legend entry) filters the page's log tail to it.

mod model;

use super::{export::ExportControl, gate::Gate};
use crate::{
    app::{
        api::live::level_counts,
        clock::use_clock,
        live::{FeedEvent, LiveStream},
        range::{TimeRange, ViewState, reload_on_change},
    },
    model::{LogLevel, LogLine},
};
use chrono::{Duration, Utc};
use leptos::prelude::*;
use model::{BUCKETS, Counts, Histogram, width_for};

/// Level histogram widget over a logs feed.
#[component]
pub fn LevelHistogram(feed: String) -> impl IntoView {
    let view = expect_context::<ViewState>();
    let gate = StoredValue::new(Gate::<LogLine>::new(50_000));
    let histogram = StoredValue::new(Histogram::default());
    let version = RwSignal::new(0u64);
    let (loading, set_loading) = signal(true);
    let (error, set_error) = signal(None::<String>);
    let stream_ready = RwSignal::new(false);
    let feed_name = StoredValue::new(feed.clone());
    let live = expect_context::<LiveStream>();

    let apply = move |lines: Vec<LogLine>| {
        let follow = view.range.get_untracked().follows() && !live.is_replaying();
        if !lines.is_empty() {
            histogram.update_value(|h| lines.iter().for_each(|l| h.add(l, follow)));
            version.update(|v| *v += 1);
        }
    };
    let load = move || {
        let generation = gate.try_update_value(|g| g.start_load()).unwrap_or_default();
        set_loading.set(true);
        let range = view.range.get_untracked();
        let width = width_for(range);
        let now = Utc::now();
        let (from, to) = match range.bounds(now) {
            (Some(from), to) => (from, to.unwrap_or(now)),
            (None, _) => (now - Duration::seconds(width * BUCKETS), now),
        };
        leptos::task::spawn_local(async move {
            match level_counts(feed_name.get_value(), width, Some(from), Some(to)).await {
                Ok(page) => {
                    let mut fresh = Histogram::new(width, from, to);
                    fresh.load(&page.items);
                    histogram.set_value(fresh);
                    version.update(|v| *v += 1);
                    set_error.set(None);
                    if let Some((held, _)) = gate.try_update_value(|g| g.loaded(generation, page.last_seq)).flatten() {
                        apply(held);
                    }
                }
                Err(e) => set_error.set(Some(e.message)),
            }
            set_loading.set(false);
        });
    };
    live.subscribe(&feed, move |event| match event {
        FeedEvent::Load { .. } => {
            stream_ready.set(true);
            load();
        }
        FeedEvent::Replay => {
            // The replay's window, counted as its lines play.
            gate.update_value(Gate::open_from_start);
            let window = live.replay.get_untracked().map(|r| r.window);
            let at = |ms: f64| chrono::DateTime::from_timestamp_millis(ms as i64).unwrap_or_default();
            let fresh = window.map(|w| {
                let (from, to) = (at(w.from_ms), at(w.to_ms));
                Histogram::new(width_for(TimeRange::Fixed { from, to }), from, to)
            });
            histogram.set_value(fresh.unwrap_or_default());
            version.update(|v| *v += 1);
            set_loading.set(false);
        }
        FeedEvent::Logs(lines) => {
            let fresh = gate.try_update_value(|g| g.live(lines.iter().cloned())).unwrap_or_default();
            apply(fresh);
        }
        _ => {}
    });
    reload_on_change(move || view.range.get(), stream_ready, load);

    let bars = Memo::new(move |_| {
        version.track();
        histogram.with_value(|h| (h.bars(), h.totals(), h.width()))
    });
    let choose = move |level: LogLevel| view.set("level", Some(level.as_str().to_owned()));
    let query = Signal::derive(move || {
        version.track();
        histogram.with_value(Histogram::query)
    });
    view! {
        <div class="flex flex-col gap-2" data-testid="histogram" aria-busy=move || loading.get().to_string()>
            {move || error.get().map(|e| view! { <p role="alert" class="text-sm text-rose-600">{e}</p> })}
            <div class="flex flex-wrap items-center justify-between gap-2">
                <Legend totals=Signal::derive(move || bars.get().1) choose />
                <ExportControl path=format!("/api/v1/feeds/{feed}/levels") query what="level counts" />
            </div>
            <Bars bars=Signal::derive(move || bars.get().0) width=Signal::derive(move || bars.get().2) choose />
        </div>
    }
}

/// One button per level with its lines in the range: shows only that level.
#[component]
fn Legend(totals: Signal<Counts>, choose: impl Fn(LogLevel) + Copy + Send + Sync + 'static) -> impl IntoView {
    view! {
        <div class="flex flex-wrap gap-1 text-xs" role="group" aria-label="Show only a level in the log tail">
            {LogLevel::ALL.into_iter().enumerate().map(|(i, level)| view! {
                <button type="button" class="inline-flex items-center gap-1 rounded px-1.5 py-0.5 hover:bg-slate-100 dark:hover:bg-slate-800"
                    data-testid="histogram-level" data-level=level.as_str() on:click=move |_| choose(level)>
                    <span class=format!("inline-block h-2.5 w-2.5 rounded-sm {}", bar_colour(level)) aria-hidden="true"></span>
                    {level.as_str()}
                    <span class="tabular-nums text-slate-600 dark:text-slate-300" data-testid="histogram-total">{move || totals.get()[i]}</span>
                </button>
            }).collect_view()}
        </div>
    }
}

/// The stacked bars, tallest full height; each level's part is clickable.
#[component]
fn Bars(
    bars: Signal<Vec<(i64, Counts)>>,
    width: Signal<i64>,
    choose: impl Fn(LogLevel) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let clock = use_clock();
    let time = move |secs: i64| {
        let at = chrono::DateTime::from_timestamp(secs, 0).unwrap_or_default();
        let pattern = if width.get() >= 86_400 { "%d %b" } else { "%H:%M" };
        clock.at(at).format(pattern).to_string()
    };
    let most = move || bars.with(|b| b.iter().map(|(_, c)| c.iter().sum::<u64>()).max().unwrap_or(0)).max(1);
    view! {
        <div class="flex h-32 items-end gap-px" aria-hidden="true">
            {move || {
                let most = most();
                bars.get().into_iter().map(|(t, counts)| {
                    let title = format!("{}: {}", time(t), describe(&counts));
                    let lines: u64 = counts.iter().sum();
                    view! {
                        <div class="flex h-full min-w-0 flex-1 flex-col-reverse" title=title data-testid="histogram-bar" data-t=t
                            data-lines=lines>
                            {LogLevel::ALL.into_iter().zip(counts).filter(|(_, n)| *n > 0).map(|(level, n)| view! {
                                <div class=format!("w-full cursor-pointer {}", bar_colour(level))
                                    style=format!("height: {:.2}%", n as f64 / most as f64 * 100.0)
                                    on:click=move |_| choose(level)></div>
                            }).collect_view()}
                        </div>
                    }
                }).collect_view()
            }}
        </div>
        <div class="flex justify-between text-xs text-slate-600 dark:text-slate-300">
            <span>{move || bars.with(|b| b.first().map(|(t, _)| time(*t))).unwrap_or_default()}</span>
            <span>{move || bars.with(|b| b.last().map(|(t, _)| time(*t))).unwrap_or_default()}</span>
        </div>
    }
}

/// "3 ERROR, 10 INFO" (most severe first), or "no lines".
fn describe(counts: &Counts) -> String {
    let parts: Vec<String> = LogLevel::ALL
        .iter()
        .zip(counts)
        .rev()
        .filter(|(_, n)| **n > 0)
        .map(|(level, n)| format!("{n} {}", level.as_str()))
        .collect();
    if parts.is_empty() { "no lines".to_owned() } else { parts.join(", ") }
}

fn bar_colour(level: LogLevel) -> &'static str {
    match level {
        LogLevel::Trace => "bg-slate-300 dark:bg-slate-600",
        LogLevel::Debug => "bg-slate-400 dark:bg-slate-500",
        LogLevel::Info => "bg-sky-500",
        LogLevel::Warn => "bg-amber-500",
        LogLevel::Error => "bg-rose-600",
        LogLevel::Fatal => "bg-fuchsia-700",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_describe_their_lines_most_severe_first() {
        assert_eq!(describe(&[0, 0, 10, 0, 3, 0]), "3 ERROR, 10 INFO");
        assert_eq!(describe(&[0; 6]), "no lines");
    }
}
