//! The log tail's handle, shared by its components: the model in a signal
//! (read through memos), and the effects the model asks for, history loads
//! through the server functions and scrolling.

use super::{
    lines::ROW_H,
    model::{LatestLoad, Mode, Next, PAGE, Scroll, TailModel},
};
use crate::{
    app::{api::live::log_lines, live::FeedEvent},
    model::LogFilter,
};
use leptos::{html::Div, prelude::*, task::spawn_local};

/// Lines loaded on each side of a permalinked line.
const AROUND: i64 = 100;

/// One log tail; `Copy`, handed to each of its components.
#[derive(Clone, Copy)]
pub struct Tail {
    /// The state and its rules.
    pub model: RwSignal<TailModel>,
    /// Which part of the feed the list shows.
    pub mode: Memo<Mode>,
    /// Lines that came while paused.
    pub new_count: Memo<usize>,
    /// The filter the lines are shown with.
    pub filter: Memo<LogFilter>,
    /// The newest page (or a permalink's context) is loading.
    pub loading: Memo<bool>,
    /// Older lines are loading.
    pub older_loading: Memo<bool>,
    /// A search stopped at this `seq`, waiting for "search further".
    pub search_paused_at: Memo<Option<i64>>,
    /// Why the last load failed.
    pub error: RwSignal<Option<String>>,
    /// The scrolled list.
    pub container: NodeRef<Div>,
    feed: StoredValue<String>,
}

impl Tail {
    /// The tail of `feed` shown with `filter`, opening on a permalink when `permalink`.
    pub fn new(feed: String, permalink: bool, filter: LogFilter) -> Self {
        let model = RwSignal::new(TailModel::new(permalink).with_filter(filter));
        Tail {
            model,
            mode: Memo::new(move |_| model.with(TailModel::mode)),
            new_count: Memo::new(move |_| model.with(TailModel::new_count)),
            filter: Memo::new(move |_| model.with(|m| m.filter().clone())),
            loading: Memo::new(move |_| model.with(TailModel::is_loading)),
            older_loading: Memo::new(move |_| model.with(TailModel::is_loading_older)),
            search_paused_at: Memo::new(move |_| model.with(TailModel::search_paused_at)),
            error: RwSignal::new(None),
            container: NodeRef::new(),
            feed: StoredValue::new(feed),
        }
    }

    /// The feed's name.
    pub fn feed(&self) -> String {
        self.feed.get_value()
    }

    /// Takes an event of the feed from the live stream.
    pub fn on_event(self, event: FeedEvent<'_>) {
        let next = match event {
            FeedEvent::Load { seq } => self.update(|m| m.on_load(seq)),
            FeedEvent::Replay => self.update(TailModel::on_replay),
            FeedEvent::Logs(batch) => self.update(|m| m.on_lines(batch)),
            _ => return,
        };
        self.run(next);
    }

    /// Pauses, or resumes when paused.
    pub fn toggle_pause(self) {
        self.run(self.update(TailModel::toggle_pause));
    }

    /// Back to following live.
    pub fn resume(self) {
        self.run(self.update(TailModel::resume));
    }

    /// Changes the filter; a new one reloads the newest page.
    pub fn change_filter(self, change: impl FnOnce(&mut LogFilter)) {
        self.run(self.update(|m| {
            let mut filter = m.filter().clone();
            change(&mut filter);
            m.set_filter(filter)
        }));
    }

    /// The user scrolled: to the bottom (the list follows) or not, and near
    /// the top (time to load older lines) or not.
    pub fn scrolled(self, at_bottom: bool, near_top: bool) {
        self.model.update_untracked(|m| m.set_at_bottom(at_bottom));
        if near_top {
            self.load_older();
        }
    }

    /// Loads the permalinked line `seq` with the lines around it.
    pub fn load_around(self, seq: i64) {
        self.model.update(TailModel::start_around);
        spawn_local(async move {
            let feed = self.feed();
            let before = log_lines(feed.clone(), LogFilter::default(), Some(seq + 1), None, AROUND).await;
            let after = log_lines(feed, LogFilter::default(), None, Some(seq), AROUND).await;
            match (before, after) {
                (Ok(before), Ok(after)) => {
                    let next = self.update(|m| m.finish_around(before.items, after.items));
                    if self.model.with_untracked(|m| m.line(seq).is_none()) {
                        self.error.try_set(Some(format!("line {seq} is not in this feed (any more)")));
                    }
                    self.run(next);
                }
                (Err(e), _) | (_, Err(e)) => {
                    self.model.try_update(TailModel::fail_around);
                    self.error.try_set(Some(e.message));
                }
            }
        });
    }

    fn load_latest(self, load: LatestLoad) {
        spawn_local(async move {
            let page = log_lines(self.feed(), load.filter.clone(), Some(load.upto + 1), None, PAGE).await;
            match page {
                Ok(page) => {
                    if let Some(next) = self.model.try_update(|m| m.finish_latest(load, page)).flatten() {
                        self.error.try_set(None);
                        self.run(next);
                    }
                }
                Err(e) => {
                    if self.model.try_update(|m| m.fail_latest(&load)).unwrap_or(false) {
                        self.error.try_set(Some(e.message));
                    }
                }
            }
        });
    }

    fn load_older(self) {
        let Some(older) = self.model.try_update(TailModel::start_older).flatten() else { return };
        self.fetch_older(older);
    }

    /// Takes a search that stopped further back.
    pub fn search_further(self) {
        let Some(older) = self.model.try_update(TailModel::search_further).flatten() else { return };
        self.fetch_older(older);
    }

    fn fetch_older(self, older: super::model::OlderLoad) {
        spawn_local(async move {
            let page = log_lines(self.feed(), older.filter, Some(older.before), None, PAGE).await.ok();
            self.run(self.update(|m| m.finish_older(page)));
        });
    }

    /// Applies `change` to the model (nothing once the tail is gone).
    fn update(self, change: impl FnOnce(&mut TailModel) -> Next) -> Next {
        self.model.try_update(change).unwrap_or(Next::Stay)
    }

    /// Moves the keyboard's line `step` rows from `active` (see
    /// [`TailModel::neighbour`]), scrolls it into view and focuses it; the
    /// line it moved to.
    pub fn step(self, active: Option<i64>, step: isize) -> Option<i64> {
        let (row, seq) = self.model.with_untracked(|m| m.neighbour(active, step))?;
        let container = self.container;
        request_animation_frame(move || {
            let Some(el) = container.get_untracked() else { return };
            let (top, bottom) = (row as f64 * ROW_H, (row + 1) as f64 * ROW_H);
            let (shown_top, height) = (f64::from(el.scroll_top()), f64::from(el.client_height()));
            if top < shown_top + ROW_H {
                el.set_scroll_top((top - ROW_H).max(0.0) as i32);
            } else if bottom > shown_top + height {
                el.set_scroll_top((bottom - height) as i32);
            }
            // The row is rendered once scrolled into the window.
            request_animation_frame(move || focus_row(&container, seq));
        });
        Some(seq)
    }

    /// Does what the model asked for.
    fn run(self, next: Next) {
        match next {
            Next::Stay => {}
            Next::Scroll(scroll) => self.scroll(scroll),
            Next::Load(load) => self.load_latest(load),
        }
    }

    /// Scrolls the list once the browser has laid out the change.
    fn scroll(self, scroll: Scroll) {
        let container = self.container;
        request_animation_frame(move || {
            let Some(el) = container.get_untracked() else { return };
            let rows = |n: usize| (n as f64 * ROW_H) as i32;
            match scroll {
                Scroll::Bottom => el.set_scroll_top(el.scroll_height()),
                Scroll::ToRow(row) => el.set_scroll_top(rows(row)),
                Scroll::Down(added) => el.set_scroll_top(el.scroll_top() + rows(added)),
            }
        });
    }
}

/// Gives keyboard focus to the row of `seq` in `container`, if rendered.
fn focus_row(container: &NodeRef<Div>, seq: i64) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let row =
            container.get_untracked().and_then(|el| el.query_selector(&format!("[data-seq=\"{seq}\"]")).ok().flatten());
        if let Some(row) = row.and_then(|r| r.dyn_into::<web_sys::HtmlElement>().ok()) {
            let _ = row.focus();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (container, seq);
}
