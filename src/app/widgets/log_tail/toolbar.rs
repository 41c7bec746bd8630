//! The log tail's toolbar: pause/resume, "N new", "Jump to live", level
//! chips, the source menu, the search box and the export.

use super::{model::Mode, row::level_classes, tail::Tail};
use crate::{
    app::{api::live::log_sources, components::ui::INPUT, widgets::export::ExportControl},
    model::LogLevel,
};
use leptos::prelude::*;
use std::time::Duration;

/// How long typing must pause before the search runs.
const SEARCH_DEBOUNCE: Duration = Duration::from_millis(300);

/// Pause/resume, "N new", level chips, source menu, search box, export.
#[component]
pub fn Toolbar(tail: Tail) -> impl IntoView {
    let (mode, new_count) = (tail.mode, tail.new_count);
    view! {
        <div class="flex flex-wrap items-center gap-2 text-xs">
            <button
                type="button"
                class="rounded border border-slate-300 px-2 py-1 font-medium hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800"
                data-testid="log-pause"
                aria-pressed=move || (mode.get() == Mode::Paused).to_string()
                on:click=move |_| tail.toggle_pause()
            >
                {move || if mode.get() == Mode::Following { "Pause" } else { "Resume" }}
            </button>
            <Show when=move || { new_count.get() > 0 }>
                <button type="button" class="rounded bg-sky-700 px-2 py-1 font-medium text-white" data-testid="log-new-count" on:click=move |_| tail.resume()>
                    {move || format!("{} new", new_count.get())}
                </button>
            </Show>
            <Show when=move || mode.get() == Mode::Permalink>
                <button type="button" class="rounded border border-sky-500 px-2 py-1 text-sky-700 dark:text-sky-300" on:click=move |_| tail.resume()>
                    "Jump to live"
                </button>
            </Show>
            <LevelChips tail />
            <SourceMenu tail />
            <SearchBox tail />
            <span class="ml-auto"><LogExport tail /></span>
        </div>
    }
}

/// Every line that passes the tail's current filter, oldest first.
#[component]
fn LogExport(tail: Tail) -> impl IntoView {
    let query = Signal::derive(move || {
        tail.filter.with(|f| {
            let window =
                [("from", f.from), ("to", f.to)].map(|(key, t)| (key, t.map(|t| crate::model::time::format(&t))));
            f.to_query().into_iter().chain(window).filter_map(|(key, value)| Some((key, value?))).collect()
        })
    });
    view! { <ExportControl path=format!("/api/v1/feeds/{}/logs", tail.feed()) query what="log lines" /> }
}

/// One toggle per level; none pressed shows every level.
#[component]
fn LevelChips(tail: Tail) -> impl IntoView {
    let chosen = move |level: LogLevel| tail.filter.with(|f| f.levels.iter().any(|l| l == level.as_str()));
    let toggle = move |level: LogLevel| {
        tail.change_filter(|f| {
            if let Some(i) = f.levels.iter().position(|l| l == level.as_str()) {
                f.levels.remove(i);
            } else {
                f.levels.push(level.as_str().to_owned());
            }
        })
    };
    view! {
        <div class="flex flex-wrap gap-1" role="group" aria-label="Levels">
            {LogLevel::ALL.into_iter().map(|level| view! {
                <button
                    type="button"
                    class=move || format!("rounded px-1.5 py-0.5 font-medium {}", if chosen(level) { level_classes(Some(level)) } else { "text-slate-500 dark:text-slate-400 hover:bg-slate-100 dark:hover:bg-slate-800" })
                    aria-pressed=move || chosen(level).to_string()
                    on:click=move |_| toggle(level)
                >
                    {level.as_str()}
                </button>
            }).collect_view()}
        </div>
    }
}

/// The sources seen recently in the feed; the first entry shows them all.
#[component]
fn SourceMenu(tail: Tail) -> impl IntoView {
    let feed = tail.feed();
    let sources = LocalResource::new({
        let feed = feed.clone();
        move || log_sources(feed.clone())
    });
    view! {
        <label class="sr-only" for=format!("source-{feed}")>"Source"</label>
        <select
            id=format!("source-{feed}")
            class=format!("{INPUT} !w-auto !py-1 text-xs")
            on:change=move |ev| {
                let v = event_target_value(&ev);
                tail.change_filter(|f| f.source = (!v.is_empty()).then_some(v));
            }
        >
            <option value="">"All sources"</option>
            <Suspense>
                {move || sources.get().and_then(Result::ok).map(|list| list.into_iter().map(|s| {
                    let chosen = s.clone();
                    view! { <option value=s.clone() selected=move || tail.filter.with(|f| f.source.as_ref() == Some(&chosen))>{s.clone()}</option> }
                }).collect_view())}
            </Suspense>
        </select>
    }
}

/// Text to find in the history, applied once typing pauses.
#[component]
fn SearchBox(tail: Tail) -> impl IntoView {
    let feed = tail.feed();
    let pending = StoredValue::new(None::<TimeoutHandle>);
    let input = NodeRef::<leptos::html::Input>::new();
    // The box shows the filter's text when it changes from elsewhere (a
    // link, back/forward), not while the user's own typing is pending.
    Effect::new(move |_| {
        let text = tail.filter.with(|f| f.text.clone().unwrap_or_default());
        if let Some(el) = input.get()
            && el.value().trim() != text
        {
            el.set_value(&text);
        }
    });
    let on_search = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        if let Some(h) = pending.get_value() {
            h.clear();
        }
        let search = move || tail.change_filter(|f| f.text = Some(text.trim().to_owned()).filter(|t| !t.is_empty()));
        pending.set_value(set_timeout_with_handle(search, SEARCH_DEBOUNCE).ok());
    };
    view! {
        <label class="sr-only" for=format!("search-{feed}")>"Search"</label>
        <input
            id=format!("search-{feed}")
            type="search"
            placeholder="Search history…"
            class=format!("{INPUT} !w-48 !py-1 text-xs")
            data-testid="log-search"
            node_ref=input
            on:input=on_search
        />
    }
}
