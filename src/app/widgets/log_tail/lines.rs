//! The log tail's scrolled list: only the visible rows (and a few around
//! them) are in the DOM, placed at their row's height.

use super::{row::LogRow, tail::Tail};
use crate::model::LogFilter;
use leptos::prelude::*;

/// The height of one row, in pixels.
pub const ROW_H: f64 = 24.0;
/// Rows the list shows at once.
const VIEWPORT_ROWS: usize = 16;
/// Rows rendered beyond each edge of the viewport.
const OVERSCAN: usize = 8;

/// The virtualized list of the tail's lines, with its loading and empty
/// states; clicking a row selects it. From the keyboard: the arrows (and
/// Home, End, Page Up, Page Down) move through the lines, Enter opens one,
/// Escape closes it, Space pauses or resumes.
#[component]
pub fn LineList(tail: Tail, slug: String, selected: RwSignal<Option<i64>>) -> impl IntoView {
    // The line the keyboard is on.
    let active = RwSignal::new(None::<i64>);
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        let step = match ev.key().as_str() {
            "ArrowDown" => 1,
            "ArrowUp" => -1,
            "PageDown" => VIEWPORT_ROWS as isize,
            "PageUp" => -(VIEWPORT_ROWS as isize),
            "Home" => isize::MIN / 2,
            "End" => isize::MAX / 2,
            "Enter" => {
                if let Some(seq) = active.get_untracked() {
                    selected.set(Some(seq));
                }
                return;
            }
            "Escape" => return selected.set(None),
            " " => {
                ev.prevent_default();
                return tail.toggle_pause();
            }
            _ => return,
        };
        ev.prevent_default();
        if let Some(seq) = tail.step(active.get_untracked(), step) {
            active.set(Some(seq));
        }
    };
    let no_lines = expect_context::<crate::app::live::LiveStream>().empty_text("No log lines yet.");
    let scroll_top = RwSignal::new(0.0f64);
    let window = Memo::new(move |_| {
        let first = ((scroll_top.get() / ROW_H) as usize).saturating_sub(OVERSCAN);
        tail.model.with(|m| (m.window(first, VIEWPORT_ROWS + 2 * OVERSCAN), m.len()))
    });
    let on_scroll = move |_| {
        let Some(el) = tail.container.get_untracked() else { return };
        let top = f64::from(el.scroll_top());
        scroll_top.set(top);
        let at_bottom = top + f64::from(el.client_height()) >= f64::from(el.scroll_height()) - ROW_H / 2.0;
        tail.scrolled(at_bottom, top < ROW_H * 3.0);
    };
    let total_height = move || format!("{}px", window.with(|w| w.1) as f64 * ROW_H);
    let empty = move || window.with(|w| w.1 == 0);
    let (feed, slug) = (StoredValue::new(tail.feed()), StoredValue::new(slug));
    view! {
        <div
            node_ref=tail.container
            on:scroll=on_scroll
            class="relative h-96 overflow-y-auto rounded border border-slate-100 bg-slate-50 font-mono text-xs dark:border-slate-800 dark:bg-slate-950"
            role="log"
            aria-live="off"
            aria-label="Log lines: arrows move, Enter opens a line, Space pauses"
            tabindex="0"
            on:keydown=on_keydown
        >
            <Show when=move || tail.older_loading.get()>
                <p class="sticky top-0 z-10 bg-slate-100 px-2 text-center text-slate-500 dark:text-slate-400 dark:bg-slate-900">"Loading older lines…"</p>
            </Show>
            <SearchFurther tail />
            <div class="relative" style:height=total_height>
                <For each=move || window.get().0 key=|(i, l)| (*i, l.seq) let:item>
                    <LogRow index=item.0 line=item.1 feed=feed.get_value() slug=slug.get_value() selected active />
                </For>
            </div>
            <Show when=move || !tail.loading.get() && empty()>
                <p class="absolute inset-0 flex items-center justify-center text-sm text-slate-500 dark:text-slate-400">
                    {move || if tail.filter.with(LogFilter::is_empty) { no_lines() } else { "No lines match the filter." }}
                </p>
            </Show>
            <Show when=move || tail.loading.get() && empty()>
                <p class="absolute inset-0 flex animate-pulse motion-reduce:animate-none items-center justify-center text-sm text-slate-500 dark:text-slate-400">"Loading…"</p>
            </Show>
        </div>
    }
}

/// Where a search stopped looking back, and the button that goes on.
#[component]
fn SearchFurther(tail: Tail) -> impl IntoView {
    view! {
        {move || {
            tail.search_paused_at.get().map(|seq| {
                view! {
                    <p class="sticky top-0 z-10 bg-amber-50 px-2 py-1 text-center text-xs text-slate-700 dark:bg-slate-900 dark:text-slate-300">
                        {format!("Searched back to line {seq}. ")}
                        <button
                            type="button"
                            data-testid="log-search-further"
                            class="underline hover:no-underline focus-visible:outline-2 focus-visible:outline-sky-600"
                            on:click=move |_| tail.search_further()
                        >
                            "Search further back"
                        </button>
                    </p>
                }
            })
        }}
    }
}
