//! The log tail: a virtualized list (only the visible rows are in the DOM)
//! that follows the feed live, with pause/resume and an "N new" counter,
//! level/source filters, search over history, loading older lines on scroll
//! up, and permalinks to a line (`?log=<feed>:<seq>`).
//!
//! `model::TailModel` holds the state and rules; `tail::Tail` runs the
//! loads and scrolling they ask for; the rest are views.

mod lines;
mod model;
mod next;
mod row;
mod tail;
mod toolbar;

use crate::{
    app::{
        live::LiveStream,
        range::{TimeRange, ViewState, use_view_state},
    },
    model::LogFilter,
};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use lines::LineList;
use row::LineDetails;
use tail::Tail;
use toolbar::Toolbar;

/// Log tail widget over a logs feed.
#[component]
pub fn LogTail(feed: String, slug: String) -> impl IntoView {
    let permalink = permalink_seq(&feed);
    let view = use_view_state();
    let filter = view.map(|v| untrack(|| in_view(v))).unwrap_or_default();
    let tail = Tail::new(feed.clone(), permalink.is_some(), filter);
    if let Some(view) = view {
        follow_url(tail, view);
    }
    let selected = RwSignal::new(permalink);
    if let Some(seq) = permalink {
        Effect::new(move |_| tail.load_around(seq));
    }
    expect_context::<LiveStream>().subscribe(&feed, move |event| tail.on_event(event));
    let selected_line = Memo::new(move |_| {
        let seq = selected.get()?;
        tail.model.with(|m| m.line(seq))
    });
    let slug = StoredValue::new(slug);
    view! {
        <div class="flex flex-col gap-2">
            <Toolbar tail />
            {move || tail.error.get().map(|e| view! { <p role="alert" class="text-sm text-rose-600">{e}</p> })}
            <LineList tail slug=slug.get_value() selected />
            {move || selected_line.get().map(|line| view! { <LineDetails line feed=tail.feed() slug=slug.get_value() on_close=move || selected.set(None) /> })}
        </div>
    }
}

/// Keeps the filter and the page's URL in step: a change here is written
/// there (a history entry), and a link or back/forward changes the filter.
fn follow_url(tail: Tail, view: ViewState) {
    let in_url = Memo::new(move |_| in_view(view));
    Effect::new(move |_| {
        let wanted = in_url.get();
        if tail.filter.with_untracked(|f| *f != wanted) {
            tail.change_filter(|f| *f = wanted);
        }
    });
    Effect::new(move |_| {
        let filter = tail.filter.get();
        if in_url.with_untracked(|u| *u != filter) {
            view.set_all(filter.to_query());
        }
    });
}

/// The filter the page's URL asks for: its levels, source and text, within
/// the time range when that is fixed (a following range shows the tail live).
fn in_view(view: ViewState) -> LogFilter {
    let window = match view.range.get() {
        TimeRange::Fixed { from, to } => (Some(from), Some(to)),
        _ => (None, None),
    };
    LogFilter::from_query(|key| view.get(key)).within(window)
}

/// The `seq` of a `?log=<feed>:<seq>` permalink to this feed, if any.
fn permalink_seq(feed: &str) -> Option<i64> {
    use_query_map().with_untracked(|q| q.get("log")).and_then(|p| {
        let (f, seq) = p.split_once(':')?;
        (f == feed).then(|| seq.parse::<i64>().ok()).flatten()
    })
}
