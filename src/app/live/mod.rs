//! The browser's live runtime: one SSE connection per tab, shared by every
//! widget on the page through context. Events are parsed as they arrive,
//! queued, and handed to widgets in batches once per animation frame, so
//! thousands of messages a second cost one render per frame.

#[cfg(any(feature = "hydrate", test))]
mod health;
#[cfg(any(feature = "hydrate", test))]
mod queue;
#[cfg(feature = "hydrate")]
mod replay;
#[cfg(feature = "hydrate")]
mod runtime;

pub use crate::model::ConnectionState;
use crate::model::{FeedStatus, Firing, LogLine, Tick};
use leptos::prelude::*;

/// What a widget is told about its feed, in order.
#[derive(Clone, Copy, Debug)]
pub enum FeedEvent<'a> {
    /// Live delivery starts after `seq`: load history up to and including
    /// it. Sent on the first connection and after a `reset`.
    Load { seq: i64 },
    /// New ticks, oldest first.
    Ticks(&'a [Tick]),
    /// New log lines, oldest first.
    Logs(&'a [LogLine]),
    /// The feed's ingest status changed.
    Status(&'a FeedStatus),
    /// An alert rule on the feed fired.
    Alert(&'a Firing),
    /// Ticks this tab dropped because it could not keep up (lossy views).
    Dropped(u64),
    /// A replay starts (or jumps): forget what is shown; what follows is
    /// the replayed window from its start, `seq`s from the beginning.
    Replay,
}

/// A past window to play back (times in ms since the epoch).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReplayWindow {
    pub from_ms: f64,
    pub to_ms: f64,
    /// 1 to 100 times as fast as it happened.
    pub speed: u32,
}

/// Where a replay stands, for its controls.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReplayStatus {
    pub window: ReplayWindow,
    /// The time of the last event played (the window's start before any).
    pub position_ms: f64,
    pub playing: bool,
    /// The server said `end`.
    pub ended: bool,
}

/// The page's live connection; cheap to copy, provided as context.
#[derive(Clone, Copy)]
pub struct LiveStream {
    /// Connection state for the badge.
    pub state: ReadSignal<ConnectionState>,
    /// The replay being played, if any.
    pub replay: ReadSignal<Option<ReplayStatus>>,
    /// Since when (ms since the epoch) nothing has arrived, if that is long.
    pub stale_since: ReadSignal<Option<f64>>,
    #[cfg(feature = "hydrate")]
    runtime: StoredValue<std::rc::Rc<std::cell::RefCell<runtime::Runtime>>, LocalStorage>,
}

impl LiveStream {
    /// A stream over `feeds`; it connects when [`LiveStream::start`] runs
    /// in the browser.
    pub fn new(feeds: Vec<String>) -> Self {
        let (state, set_state) = signal(ConnectionState::Reconnecting);
        let (stale_since, set_stale_since) = signal(None);
        let (replay, set_replay) = signal(None);
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = (feeds, set_state, set_stale_since, set_replay);
            LiveStream { state, replay, stale_since }
        }
        #[cfg(feature = "hydrate")]
        {
            let runtime = runtime::Runtime::new(feeds, set_state, set_stale_since, set_replay);
            LiveStream { state, replay, stale_since, runtime: StoredValue::new_local(runtime) }
        }
    }

    /// Whether a replay is shown instead of live (tracked).
    pub fn is_replaying(&self) -> bool {
        self.replay.with(Option::is_some)
    }

    /// What an empty widget says: `live` normally, another text in a replay.
    pub fn empty_text(self, live: &'static str) -> impl Fn() -> &'static str + Copy {
        move || if self.is_replaying() { "Nothing in the replay yet." } else { live }
    }

    /// Plays `window` from `position_ms` (browser only).
    pub fn play_from(&self, window: ReplayWindow, position_ms: f64) {
        #[cfg(feature = "hydrate")]
        self.runtime.with_value(|rt| replay::play_from(rt, window, position_ms));
        #[cfg(not(feature = "hydrate"))]
        let _ = (window, position_ms);
    }

    /// Pauses the replay (browser only).
    pub fn pause(&self) {
        #[cfg(feature = "hydrate")]
        self.runtime.with_value(replay::pause);
    }

    /// Resumes the paused replay (browser only).
    pub fn resume(&self) {
        #[cfg(feature = "hydrate")]
        self.runtime.with_value(replay::resume);
    }

    /// Leaves the replay and follows live again (browser only).
    pub fn back_to_live(&self) {
        #[cfg(feature = "hydrate")]
        self.runtime.with_value(replay::back_to_live);
    }

    /// Calls `handler` with every event of `feed` (in the browser only).
    pub fn subscribe(&self, feed: &str, handler: impl Fn(FeedEvent<'_>) + 'static) {
        #[cfg(feature = "hydrate")]
        self.runtime.with_value(|r| r.borrow_mut().subscribe(feed, std::rc::Rc::new(handler)));
        #[cfg(not(feature = "hydrate"))]
        let _ = (feed, handler);
    }

    /// Opens the connection (browser only); closes it when the owner (the
    /// page) is dropped.
    pub fn start(&self) {
        #[cfg(feature = "hydrate")]
        {
            self.runtime.with_value(runtime::start);
            let stored = self.runtime;
            on_cleanup(move || {
                stored.try_with_value(runtime::stop);
            });
        }
    }
}

/// The badge showing the connection state (and staleness).
#[component]
pub fn ConnectionBadge() -> impl IntoView {
    let live = expect_context::<LiveStream>();
    let dot = move || match live.state.get() {
        ConnectionState::Live if live.stale_since.get().is_some() => "bg-amber-500",
        ConnectionState::Live => "bg-emerald-500 animate-pulse motion-reduce:animate-none",
        ConnectionState::Connecting | ConnectionState::Reconnecting => "bg-amber-500",
        ConnectionState::Offline => "bg-rose-500",
        ConnectionState::Replay => "bg-violet-500",
    };
    let clock = crate::app::clock::use_clock();
    let stale = move || {
        live.stale_since.get().map(|ms| {
            let when = chrono::DateTime::from_timestamp_millis(ms as i64).unwrap_or_default();
            format!("stale since {}", clock.at(when).format("%H:%M:%S"))
        })
    };
    view! {
        <span class="inline-flex items-center gap-2 rounded-full border border-slate-200 px-2.5 py-1 text-xs dark:border-slate-700" role="status">
            <span class=move || format!("h-2 w-2 rounded-full {}", dot()) aria-hidden="true"></span>
            <span data-testid="connection-status">{move || live.state.get().label()}</span>
            {move || stale().map(|s| view! { <span class="text-amber-600 dark:text-amber-400">{s}</span> })}
        </span>
    }
}
