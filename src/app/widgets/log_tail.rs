//! The log tail: a virtualized list (only the visible rows are in the DOM)
//! that follows the feed live, with pause/resume and an "N new" counter,
//! level/source filters, search over history, loading older lines on scroll
//! up, and permalinks to a line (`?log=<feed>:<seq>`).

use super::{WidgetExtras, gate::Gate};
use crate::{
    app::{
        api::live::{log_page, log_sources},
        components::ui::INPUT,
        live::{FeedEvent, LiveStream},
    },
    model::{LogFilter, LogLine},
};
use leptos::{html::Div, prelude::*};
use leptos_router::hooks::use_query_map;
use std::collections::VecDeque;

const ROW_H: f64 = 24.0;
const VIEWPORT_ROWS: usize = 16;
const OVERSCAN: usize = 8;
/// Lines kept in memory; older ones are dropped while following live.
const MAX_LINES: usize = 10_000;
/// Lines loaded per history page.
const PAGE: i64 = 200;
const LEVELS: [&str; 6] = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"];

/// Which part of the feed the list shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Following new lines as they arrive.
    Following,
    /// Paused by the user: new lines are counted, not shown.
    Paused,
    /// Showing a permalinked line in its context.
    Permalink,
}

/// Log tail widget over a logs feed.
#[component]
pub fn LogTail(feed: String, slug: String) -> impl IntoView {
    let lines: StoredValue<VecDeque<LogLine>> = StoredValue::new(VecDeque::new());
    let version = RwSignal::new(0u64);
    let head = StoredValue::new(0i64);
    let gate = StoredValue::new(Gate::<LogLine>::new(MAX_LINES));
    let filter = RwSignal::new(LogFilter::default());
    let held: StoredValue<Vec<LogLine>> = StoredValue::new(Vec::new());
    let new_count = RwSignal::new(0usize);
    let selected = RwSignal::new(None::<i64>);
    let scroll_top = RwSignal::new(0.0f64);
    let at_bottom = StoredValue::new(true);
    let loading = RwSignal::new(true);
    let older_done = RwSignal::new(false);
    let older_loading = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let container = NodeRef::<Div>::new();

    let permalink = use_query_map().with_untracked(|q| q.get("log")).and_then(|p| {
        let (f, seq) = p.split_once(':')?;
        (f == feed).then(|| seq.parse::<i64>().ok()).flatten()
    });
    let mode = RwSignal::new(if permalink.is_some() { Mode::Permalink } else { Mode::Following });
    selected.set(permalink);

    let scroll_to_bottom = move || {
        request_animation_frame(move || {
            if let Some(el) = container.get_untracked() {
                el.set_scroll_top(el.scroll_height());
            }
        })
    };
    let replace = move |new_lines: Vec<LogLine>| {
        lines.set_value(new_lines.into());
        version.update(|v| *v += 1);
    };
    let append = move |more: Vec<LogLine>| {
        if more.is_empty() {
            return;
        }
        let follow = at_bottom.get_value();
        lines.update_value(|l| {
            l.extend(more);
            while follow && l.len() > MAX_LINES {
                l.pop_front();
            }
        });
        version.update(|v| *v += 1);
        if follow {
            scroll_to_bottom();
        }
    };

    // Newest page up to `upto` (inclusive), under the current filter.
    let feed_name = StoredValue::new(feed.clone());
    let load_latest = move |upto: i64| {
        let generation = gate.try_update_value(|g| g.start_load()).unwrap_or_default();
        loading.set(true);
        older_done.set(false);
        let current = filter.get_untracked();
        leptos::task::spawn_local(async move {
            let result = log_page(feed_name.get_value(), current.clone(), Some(upto + 1), None, PAGE).await;
            match result {
                Ok(mut page) => {
                    page.reverse();
                    older_done.set(page.len() < PAGE as usize);
                    replace(page);
                    error.set(None);
                    if let Some((late, _)) = gate.try_update_value(|g| g.loaded(generation, upto)).flatten() {
                        append(late.into_iter().filter(|l| current.matches(l)).collect());
                    }
                    at_bottom.set_value(true);
                    scroll_to_bottom();
                }
                Err(e) => error.set(Some(e.message)),
            }
            loading.set(false);
        });
    };

    // A permalinked line with the lines around it.
    let load_around = move |seq: i64| {
        loading.set(true);
        leptos::task::spawn_local(async move {
            let feed = feed_name.get_value();
            let before = log_page(feed.clone(), LogFilter::default(), Some(seq + 1), None, 100).await;
            let after = log_page(feed, LogFilter::default(), None, Some(seq), 100).await;
            match (before, after) {
                (Ok(mut before), Ok(after)) => {
                    before.reverse();
                    let index = before.len().saturating_sub(1);
                    before.extend(after);
                    if !before.iter().any(|l| l.seq == seq) {
                        error.set(Some(format!("line {seq} is not in this feed (any more)")));
                    }
                    replace(before);
                    at_bottom.set_value(false);
                    request_animation_frame(move || {
                        if let Some(el) = container.get_untracked() {
                            el.set_scroll_top(((index as f64) * ROW_H - 6.0 * ROW_H).max(0.0) as i32);
                        }
                    });
                }
                (Err(e), _) | (_, Err(e)) => error.set(Some(e.message)),
            }
            loading.set(false);
        });
    };
    if let Some(seq) = permalink {
        Effect::new(move |_| load_around(seq));
    }

    let live = expect_context::<LiveStream>();
    live.subscribe(&feed, move |event| match event {
        FeedEvent::Load { seq } => {
            head.set_value(seq);
            if mode.get_untracked() == Mode::Following {
                load_latest(seq);
            } else {
                gate.update_value(|g| {
                    let generation = g.start_load();
                    g.loaded(generation, seq);
                });
            }
        }
        FeedEvent::Logs(batch) => {
            if let Some(last) = batch.last() {
                head.update_value(|h| *h = (*h).max(last.seq));
            }
            let current = filter.get_untracked();
            let fresh: Vec<LogLine> = gate
                .try_update_value(|g| g.live(batch.iter().cloned()))
                .unwrap_or_default()
                .into_iter()
                .filter(|l| current.matches(l))
                .collect();
            if mode.get_untracked() == Mode::Following {
                append(fresh);
            } else if !fresh.is_empty() {
                new_count.update(|n| *n += fresh.len());
                held.update_value(|h| {
                    h.extend(fresh);
                    if h.len() > MAX_LINES {
                        h.drain(..h.len() - MAX_LINES);
                    }
                });
            }
        }
        _ => {}
    });

    let resume = move || {
        let was = mode.get_untracked();
        mode.set(Mode::Following);
        new_count.set(0);
        let waiting = held.try_update_value(std::mem::take).unwrap_or_default();
        if was == Mode::Paused && waiting.len() < MAX_LINES {
            at_bottom.set_value(true);
            append(waiting);
            scroll_to_bottom();
        } else {
            load_latest(head.get_value());
        }
    };
    let toggle_pause = move |_| match mode.get_untracked() {
        Mode::Following => mode.set(Mode::Paused),
        _ => resume(),
    };

    // Reload whenever the filter changes (not on first run).
    Effect::new(move |previous: Option<LogFilter>| {
        let current = filter.get();
        if previous.is_some_and(|p| p != current) {
            mode.set(Mode::Following);
            new_count.set(0);
            held.set_value(Vec::new());
            load_latest(head.get_value());
        }
        current
    });

    let load_older = move || {
        if older_loading.get_untracked() || older_done.get_untracked() || loading.get_untracked() {
            return;
        }
        let Some(oldest) = lines.with_value(|l| l.front().map(|l| l.seq)) else { return };
        if lines.with_value(VecDeque::len) >= MAX_LINES {
            older_done.set(true);
            return;
        }
        older_loading.set(true);
        let current = filter.get_untracked();
        leptos::task::spawn_local(async move {
            if let Ok(page) = log_page(feed_name.get_value(), current, Some(oldest), None, PAGE).await {
                let added = page.len();
                older_done.set(added < PAGE as usize);
                lines.update_value(|l| page.into_iter().for_each(|line| l.push_front(line)));
                version.update(|v| *v += 1);
                request_animation_frame(move || {
                    if let Some(el) = container.get_untracked() {
                        el.set_scroll_top(el.scroll_top() + (added as f64 * ROW_H) as i32);
                    }
                });
            }
            older_loading.set(false);
        });
    };

    let on_scroll = move |_| {
        let Some(el) = container.get_untracked() else { return };
        let top = f64::from(el.scroll_top());
        scroll_top.set(top);
        at_bottom.set_value(top + f64::from(el.client_height()) >= f64::from(el.scroll_height()) - ROW_H / 2.0);
        if top < ROW_H * 3.0 {
            load_older();
        }
    };

    let window = Memo::new(move |_| {
        version.track();
        let first = ((scroll_top.get() / ROW_H) as usize).saturating_sub(OVERSCAN);
        lines.with_value(|l| {
            let first = first.min(l.len());
            let end = (first + VIEWPORT_ROWS + 2 * OVERSCAN).min(l.len());
            let rows: Vec<(usize, LogLine)> =
                l.range(first..end).cloned().enumerate().map(|(i, line)| (first + i, line)).collect();
            (rows, l.len())
        })
    });
    let total_height = move || format!("{}px", window.with(|w| w.1) as f64 * ROW_H);
    let selected_line = Memo::new(move |_| {
        version.track();
        let seq = selected.get()?;
        lines.with_value(|l| l.iter().find(|line| line.seq == seq).cloned())
    });
    let slug = StoredValue::new(slug);

    view! {
        <div class="flex flex-col gap-2">
            <Toolbar feed=feed.clone() filter mode new_count on_pause=toggle_pause on_live=Callback::new(move |_| resume()) />
            {move || error.get().map(|e| view! { <p role="alert" class="text-sm text-rose-600">{e}</p> })}
            <div
                node_ref=container
                on:scroll=on_scroll
                class="relative h-96 overflow-y-auto rounded border border-slate-100 bg-slate-50 font-mono text-xs dark:border-slate-800 dark:bg-slate-950"
                role="log"
                aria-live="off"
                aria-label="Log lines"
            >
                <Show when=move || older_loading.get()>
                    <p class="sticky top-0 z-10 bg-slate-100 px-2 text-center text-slate-500 dark:bg-slate-900">"Loading older lines…"</p>
                </Show>
                <div class="relative" style:height=total_height>
                    <For each=move || window.get().0 key=|(i, l)| (*i, l.seq) let:item>
                        <LogRow index=item.0 line=item.1 feed=feed_name.get_value() slug=slug.get_value() selected />
                    </For>
                </div>
                <Show when=move || !loading.get() && window.with(|w| w.1 == 0)>
                    <p class="absolute inset-0 flex items-center justify-center text-sm text-slate-500">
                        {move || if filter.with(LogFilter::is_empty) { "No log lines yet." } else { "No lines match the filter." }}
                    </p>
                </Show>
                <Show when=move || loading.get() && window.with(|w| w.1 == 0)>
                    <p class="absolute inset-0 flex animate-pulse items-center justify-center text-sm text-slate-500">"Loading…"</p>
                </Show>
            </div>
            {move || selected_line.get().map(|line| view! { <LineDetails line feed=feed_name.get_value() slug=slug.get_value() on_close=move || selected.set(None) /> })}
        </div>
    }
}

/// Pause/resume, "N new", level chips, source menu, search box.
#[component]
fn Toolbar(
    feed: String,
    filter: RwSignal<LogFilter>,
    mode: RwSignal<Mode>,
    new_count: RwSignal<usize>,
    on_pause: impl Fn(leptos::ev::MouseEvent) + 'static,
    on_live: Callback<()>,
) -> impl IntoView {
    let sources = LocalResource::new({
        let feed = feed.clone();
        move || log_sources(feed.clone())
    });
    let search_handle = StoredValue::new(None::<TimeoutHandle>);
    let on_search = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        if let Some(h) = search_handle.get_value() {
            h.clear();
        }
        let handle = set_timeout_with_handle(
            move || filter.update(|f| f.text = Some(text.trim().to_owned()).filter(|t| !t.is_empty())),
            std::time::Duration::from_millis(300),
        )
        .ok();
        search_handle.set_value(handle);
    };
    let toggle_level = move |level: &'static str| {
        filter.update(|f| {
            if let Some(i) = f.levels.iter().position(|l| l == level) {
                f.levels.remove(i);
            } else {
                f.levels.push(level.to_owned());
            }
        })
    };
    view! {
        <div class="flex flex-wrap items-center gap-2 text-xs">
            <button
                type="button"
                class="rounded border border-slate-300 px-2 py-1 font-medium hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800"
                data-testid="log-pause"
                aria-pressed=move || (mode.get() == Mode::Paused).to_string()
                on:click=on_pause
            >
                {move || if mode.get() == Mode::Following { "Pause" } else { "Resume" }}
            </button>
            <Show when=move || { new_count.get() > 0 }>
                <button type="button" class="rounded bg-sky-600 px-2 py-1 font-medium text-white" data-testid="log-new-count" on:click=move |_| on_live.run(())>
                    {move || format!("{} new", new_count.get())}
                </button>
            </Show>
            <Show when=move || mode.get() == Mode::Permalink>
                <button type="button" class="rounded border border-sky-500 px-2 py-1 text-sky-700 dark:text-sky-300" on:click=move |_| on_live.run(())>
                    "Jump to live"
                </button>
            </Show>
            <div class="flex flex-wrap gap-1" role="group" aria-label="Levels">
                {LEVELS.into_iter().map(|level| view! {
                    <button
                        type="button"
                        class=move || format!("rounded px-1.5 py-0.5 font-medium {}", if filter.with(|f| f.levels.iter().any(|l| l == level)) { level_classes(level) } else { "text-slate-500 hover:bg-slate-100 dark:hover:bg-slate-800" })
                        aria-pressed=move || filter.with(|f| f.levels.iter().any(|l| l == level)).to_string()
                        on:click=move |_| toggle_level(level)
                    >
                        {level}
                    </button>
                }).collect_view()}
            </div>
            <label class="sr-only" for=format!("source-{feed}")>"Source"</label>
            <select
                id=format!("source-{feed}")
                class=format!("{INPUT} !w-auto !py-1 text-xs")
                on:change=move |ev| {
                    let v = event_target_value(&ev);
                    filter.update(|f| f.source = (!v.is_empty()).then_some(v));
                }
            >
                <option value="">"All sources"</option>
                <Suspense>
                    {move || sources.get().and_then(Result::ok).map(|list| list.into_iter().map(|s| view! { <option value=s.clone()>{s.clone()}</option> }).collect_view())}
                </Suspense>
            </select>
            <label class="sr-only" for=format!("search-{feed}")>"Search"</label>
            <input
                id=format!("search-{feed}")
                type="search"
                placeholder="Search history…"
                class=format!("{INPUT} !w-48 !py-1 text-xs")
                data-testid="log-search"
                on:input=on_search
            />
        </div>
    }
}

#[component]
fn LogRow(index: usize, line: LogLine, feed: String, slug: String, selected: RwSignal<Option<i64>>) -> impl IntoView {
    let seq = line.seq;
    let first_line = line.message.lines().next().unwrap_or_default().to_owned();
    let more = line.message.lines().count().saturating_sub(1);
    let time = line.ts.with_timezone(&chrono::Local).format("%H:%M:%S%.3f").to_string();
    let extras = use_context::<WidgetExtras>();
    let badge = extras.and_then(|e| e.log_badge).map(|badge| badge(feed.clone(), seq));
    view! {
        <div
            class=move || format!(
                "absolute inset-x-0 flex h-6 cursor-pointer items-center gap-2 px-2 hover:bg-slate-100 dark:hover:bg-slate-900 {}",
                if selected.get() == Some(seq) { "bg-amber-100 ring-1 ring-amber-400 dark:bg-amber-900/40" } else { "" },
            )
            style:top=format!("{}px", index as f64 * ROW_H)
            data-testid="log-line"
            data-seq=seq
            on:click=move |_| selected.set(Some(seq))
        >
            <span class="shrink-0 text-slate-500">{time}</span>
            <span class=format!("w-12 shrink-0 rounded px-1 text-center font-semibold {}", level_classes(&line.level))>{line.level.clone()}</span>
            <span class="w-24 shrink-0 truncate text-slate-500" title=line.source.clone()>{line.source.clone()}</span>
            <span class="min-w-0 flex-1 truncate" data-testid="log-message">{first_line}</span>
            {(more > 0).then(|| view! { <span class="shrink-0 text-slate-400">{format!("+{more} lines")}</span> })}
            {badge}
            <a
                href=format!("/d/{slug}?log={feed}:{seq}")
                class="shrink-0 text-slate-400 hover:text-sky-600"
                title="Permalink to this line"
                aria-label=format!("Permalink to line {seq}")
                on:click=|ev| ev.stop_propagation()
            >
                "#"
            </a>
        </div>
    }
}

/// The selected line in full (multi-line messages, annotations).
#[component]
fn LineDetails(line: LogLine, feed: String, slug: String, on_close: impl Fn() + 'static) -> impl IntoView {
    let extras = use_context::<WidgetExtras>();
    let details = extras.and_then(|e| e.log_details).map(|d| d(feed.clone(), line.seq));
    let link = format!("/d/{slug}?log={feed}:{}", line.seq);
    view! {
        <div class="rounded border border-slate-200 p-2 text-xs dark:border-slate-700" data-testid="log-details">
            <div class="mb-1 flex flex-wrap items-center gap-2 text-slate-500">
                <span class=format!("rounded px-1 font-semibold {}", level_classes(&line.level))>{line.level.clone()}</span>
                <span>{crate::model::time::format(&line.ts)}</span>
                <span>{line.source.clone()}</span>
                <span>{format!("seq {}", line.seq)}</span>
                <a href=link class="text-sky-600 hover:underline">"Permalink"</a>
                <button type="button" class="ml-auto hover:text-slate-900 dark:hover:text-white" on:click=move |_| on_close() aria-label="Close details">"✕"</button>
            </div>
            <pre class="max-h-48 overflow-auto whitespace-pre-wrap break-words font-mono">{line.message.clone()}</pre>
            {details}
        </div>
    }
}

/// Colours of a level label; the label text always names the level.
fn level_classes(level: &str) -> &'static str {
    match level {
        "TRACE" | "DEBUG" => "bg-slate-200 text-slate-700 dark:bg-slate-800 dark:text-slate-300",
        "INFO" => "bg-sky-100 text-sky-800 dark:bg-sky-900/60 dark:text-sky-200",
        "WARN" => "bg-amber-100 text-amber-800 dark:bg-amber-900/60 dark:text-amber-200",
        "ERROR" => "bg-rose-100 text-rose-800 dark:bg-rose-900/60 dark:text-rose-200",
        "FATAL" => "bg-fuchsia-200 text-fuchsia-900 dark:bg-fuchsia-900/70 dark:text-fuchsia-100",
        _ => "bg-slate-100 text-slate-700",
    }
}
