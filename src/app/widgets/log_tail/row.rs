//! One line of the log tail, and the selected line in full.

use super::lines::ROW_H;
use crate::{
    app::widgets::WidgetExtras,
    model::{LogLevel, LogLine},
};
use leptos::prelude::*;

/// A row of the virtualized list: time, level, source, the message's first
/// line, extras, and a permalink; a click selects it. The keyboard's line
/// (`active`) is the one row in the tab order, with a visible focus ring.
#[component]
pub fn LogRow(
    index: usize,
    line: LogLine,
    feed: String,
    slug: String,
    selected: RwSignal<Option<i64>>,
    active: RwSignal<Option<i64>>,
) -> impl IntoView {
    let seq = line.seq;
    let first_line = line.message.lines().next().unwrap_or_default().to_owned();
    let more = line.message.lines().count().saturating_sub(1);
    let (clock, ts) = (crate::app::clock::use_clock(), line.ts);
    let time = move || clock.at(ts).format("%H:%M:%S%.3f").to_string();
    let extras = use_context::<WidgetExtras>();
    let badge = extras.and_then(|e| e.log_badge).map(|badge| badge(feed.clone(), seq));
    view! {
        <div
            class=move || format!(
                "absolute inset-x-0 flex h-6 cursor-pointer items-center gap-2 px-2 outline-none hover:bg-slate-100 focus-visible:ring-2 focus-visible:ring-inset focus-visible:ring-sky-600 dark:hover:bg-slate-900 {}",
                if selected.get() == Some(seq) { "bg-amber-100 ring-1 ring-amber-400 dark:bg-amber-900/40" } else { "" },
            )
            style:top=format!("{}px", index as f64 * ROW_H)
            data-testid="log-line"
            data-seq=seq
            tabindex=move || if active.get() == Some(seq) { "0" } else { "-1" }
            on:click=move |_| {
                active.set(Some(seq));
                selected.set(Some(seq));
            }
        >
            <span class="shrink-0 text-slate-500 dark:text-slate-400" data-testid="log-time">{time}</span>
            <span class=format!("w-12 shrink-0 rounded px-1 text-center font-semibold {}", line_level_classes(&line))>{line.level.clone()}</span>
            <span class="w-24 shrink-0 truncate text-slate-500 dark:text-slate-400" title=line.source.clone()>{line.source.clone()}</span>
            <span class="min-w-0 flex-1 truncate" data-testid="log-message">{first_line}</span>
            {(more > 0).then(|| view! { <span class="shrink-0 text-slate-500 dark:text-slate-400">{format!("+{more} lines")}</span> })}
            {badge}
            <a
                href=format!("/d/{slug}?log={feed}:{seq}")
                class="shrink-0 text-slate-500 hover:text-sky-700 dark:text-slate-400 dark:hover:text-sky-400"
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
pub fn LineDetails(line: LogLine, feed: String, slug: String, on_close: impl Fn() + 'static) -> impl IntoView {
    let extras = use_context::<WidgetExtras>();
    let details = extras.and_then(|e| e.log_details).map(|d| d(feed.clone(), line.seq));
    let link = format!("/d/{slug}?log={feed}:{}", line.seq);
    view! {
        <div class="rounded border border-slate-200 p-2 text-xs dark:border-slate-700" data-testid="log-details">
            <div class="mb-1 flex flex-wrap items-center gap-2 text-slate-500 dark:text-slate-400">
                <span class=format!("rounded px-1 font-semibold {}", line_level_classes(&line))>{line.level.clone()}</span>
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

/// Colours of a level label (`None`: a level this page does not know);
/// the label text always names the level.
pub fn level_classes(level: Option<LogLevel>) -> &'static str {
    match level {
        Some(LogLevel::Trace | LogLevel::Debug) => "bg-slate-200 text-slate-700 dark:bg-slate-800 dark:text-slate-300",
        Some(LogLevel::Info) => "bg-sky-100 text-sky-800 dark:bg-sky-900/60 dark:text-sky-200",
        Some(LogLevel::Warn) => "bg-amber-100 text-amber-800 dark:bg-amber-900/60 dark:text-amber-200",
        Some(LogLevel::Error) => "bg-rose-100 text-rose-800 dark:bg-rose-900/60 dark:text-rose-200",
        Some(LogLevel::Fatal) => "bg-fuchsia-200 text-fuchsia-900 dark:bg-fuchsia-900/70 dark:text-fuchsia-100",
        None => "bg-slate-100 text-slate-700",
    }
}

/// The colours of a stored line's level.
fn line_level_classes(line: &LogLine) -> &'static str {
    level_classes(LogLevel::parse(&line.level))
}
