//! The browser side of the live stream: an `EventSource`, a queue flushed
//! once per animation frame, and the widgets' handlers.

use super::{FeedEvent, WireLog, WireStatus, WireTick};
use crate::model::{Backoff, ConnectionState, LiveEvent, LogLine, Tick};
use leptos::prelude::*;
use std::{
    cell::RefCell,
    collections::{HashMap, HashSet, VecDeque},
    rc::Rc,
    time::Duration,
};
use wasm_bindgen::{JsCast, closure::Closure};
use web_sys::{EventSource, MessageEvent};

type Handler = Rc<dyn Fn(FeedEvent<'_>)>;

/// Queued events beyond this are dropped (ticks) rather than let memory
/// grow while the tab cannot render.
const MAX_QUEUE: usize = 50_000;
/// Without any event for this long, the badge says "stale since".
const STALE_AFTER_MS: f64 = 25_000.0;
/// Delays of manual reconnects (after the server refused): 1 s doubling to
/// 10 s, ±25 % so that tabs do not all come back at once after a restart.
const RETRY: Backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(10)).with_jitter(0.25);

enum Queued {
    Load { feed: String, seq: i64 },
    Tick(WireTick),
    Log(WireLog),
    Status(WireStatus),
}

impl Queued {
    fn feed(&self) -> &str {
        match self {
            Queued::Load { feed, .. } => feed,
            Queued::Tick(t) => &t.feed,
            Queued::Log(l) => &l.feed,
            Queued::Status(s) => &s.feed,
        }
    }
}

/// The connection and everything waiting to be rendered.
pub struct Runtime {
    feeds: Vec<String>,
    handlers: HashMap<String, Vec<Handler>>,
    set_state: WriteSignal<ConnectionState>,
    set_stale_since: WriteSignal<Option<f64>>,
    source: Option<EventSource>,
    listeners: Vec<Closure<dyn FnMut(MessageEvent)>>,
    queue: VecDeque<Queued>,
    dropped: HashMap<String, u64>,
    flush_scheduled: bool,
    /// The id of the last event received, for a manual reconnect.
    last_id: Option<String>,
    /// Feeds reset by the server: reload at the next `ready`.
    reset: HashSet<String>,
    loaded_once: bool,
    last_event_ms: f64,
    stopped: bool,
    retry: Backoff,
}

impl Runtime {
    pub fn new(
        feeds: Vec<String>,
        set_state: WriteSignal<ConnectionState>,
        set_stale_since: WriteSignal<Option<f64>>,
    ) -> Rc<RefCell<Runtime>> {
        Rc::new(RefCell::new(Runtime {
            feeds,
            handlers: HashMap::new(),
            set_state,
            set_stale_since,
            source: None,
            listeners: Vec::new(),
            queue: VecDeque::new(),
            dropped: HashMap::new(),
            flush_scheduled: false,
            last_id: None,
            reset: HashSet::new(),
            loaded_once: false,
            last_event_ms: js_sys::Date::now(),
            stopped: false,
            retry: RETRY,
        }))
    }

    pub fn subscribe(&mut self, feed: &str, handler: Handler) {
        self.handlers.entry(feed.to_owned()).or_default().push(handler);
    }
}

/// Connects and keeps the badge honest.
pub fn start(rt: &Rc<RefCell<Runtime>>) {
    connect(rt);
    let weak = Rc::downgrade(rt);
    let tick = move || {
        let Some(rt) = weak.upgrade() else { return };
        let r = rt.borrow();
        let online = web_sys::window().map(|w| w.navigator().on_line()).unwrap_or(true);
        let open = r.source.as_ref().is_some_and(|s| s.ready_state() == EventSource::OPEN);
        r.set_state.set(match (online, open) {
            (false, _) => ConnectionState::Offline,
            (true, true) => ConnectionState::Live,
            (true, false) => ConnectionState::Reconnecting,
        });
        let quiet = js_sys::Date::now() - r.last_event_ms;
        r.set_stale_since.set((open && quiet > STALE_AFTER_MS).then_some(r.last_event_ms));
    };
    if let Ok(handle) = set_interval_with_handle(tick, Duration::from_millis(1000)) {
        on_cleanup(move || handle.clear());
    }
}

/// Closes the connection for good.
pub fn stop(rt: &Rc<RefCell<Runtime>>) {
    let mut r = rt.borrow_mut();
    r.stopped = true;
    if let Some(source) = r.source.take() {
        source.close();
    }
    r.listeners.clear();
}

fn connect(rt: &Rc<RefCell<Runtime>>) {
    let url = {
        let r = rt.borrow();
        let mut url = format!("/api/v1/stream?feeds={}", r.feeds.join(","));
        if let Some(id) = &r.last_id {
            url.push_str(&format!("&last_event_id={}", js_sys::encode_uri_component(id)));
        }
        url
    };
    let Ok(source) = EventSource::new(&url) else {
        retry_later(rt);
        return;
    };
    let mut listeners = Vec::new();
    for kind in LiveEvent::ALL {
        let weak = Rc::downgrade(rt);
        let listener = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            if let Some(rt) = weak.upgrade() {
                on_event(&rt, kind, &event);
            }
        });
        let _ = source.add_event_listener_with_callback(kind.as_str(), listener.as_ref().unchecked_ref());
        listeners.push(listener);
    }
    let weak = Rc::downgrade(rt);
    let on_open = Closure::<dyn FnMut(MessageEvent)>::new(move |_| {
        if let Some(rt) = weak.upgrade() {
            let mut r = rt.borrow_mut();
            r.retry.reset();
            r.last_event_ms = js_sys::Date::now();
            r.set_state.set(ConnectionState::Live);
        }
    });
    source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    listeners.push(on_open);
    let weak = Rc::downgrade(rt);
    let on_error = Closure::<dyn FnMut(MessageEvent)>::new(move |_| {
        let Some(rt) = weak.upgrade() else { return };
        let closed = {
            let r = rt.borrow();
            r.set_state.set(ConnectionState::Reconnecting);
            r.source.as_ref().is_some_and(|s| s.ready_state() == EventSource::CLOSED)
        };
        // The browser retries by itself unless the server refused (CLOSED).
        if closed {
            retry_later(&rt);
        }
    });
    source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    listeners.push(on_error);
    let mut r = rt.borrow_mut();
    r.source = Some(source);
    r.listeners = listeners;
}

fn retry_later(rt: &Rc<RefCell<Runtime>>) {
    let delay = {
        let mut r = rt.borrow_mut();
        if r.stopped {
            return;
        }
        if let Some(source) = r.source.take() {
            source.close();
        }
        r.retry.next_delay(js_sys::Math::random())
    };
    let weak = Rc::downgrade(rt);
    set_timeout(
        move || {
            if let Some(rt) = weak.upgrade()
                && !rt.borrow().stopped
            {
                connect(&rt);
            }
        },
        delay,
    );
}

#[derive(serde::Deserialize)]
struct Ready {
    feeds: Vec<ReadyFeed>,
}

#[derive(serde::Deserialize)]
struct ReadyFeed {
    feed: String,
    seq: i64,
}

#[derive(serde::Deserialize)]
struct Reset {
    feed: String,
}

fn on_event(rt: &Rc<RefCell<Runtime>>, kind: LiveEvent, event: &MessageEvent) {
    let data = event.data().as_string().unwrap_or_default();
    let mut r = rt.borrow_mut();
    r.last_event_ms = js_sys::Date::now();
    let id = event.last_event_id();
    if !id.is_empty() {
        r.last_id = Some(id);
    }
    match kind {
        LiveEvent::Ready => {
            let Ok(ready) = serde_json::from_str::<Ready>(&data) else { return };
            let first = !r.loaded_once;
            r.loaded_once = true;
            for f in ready.feeds {
                if first || r.reset.remove(&f.feed) {
                    r.queue.push_back(Queued::Load { feed: f.feed, seq: f.seq });
                }
            }
        }
        LiveEvent::Reset => {
            if let Ok(reset) = serde_json::from_str::<Reset>(&data) {
                r.reset.insert(reset.feed);
            }
        }
        LiveEvent::Tick => {
            if let Ok(t) = serde_json::from_str::<WireTick>(&data) {
                r.queue.push_back(Queued::Tick(t));
            }
        }
        LiveEvent::Log => {
            if let Ok(l) = serde_json::from_str::<WireLog>(&data) {
                r.queue.push_back(Queued::Log(l));
            }
        }
        LiveEvent::Status => {
            if let Ok(s) = serde_json::from_str::<WireStatus>(&data) {
                r.queue.push_back(Queued::Status(s));
            }
        }
        LiveEvent::Heartbeat => return, // only proves the connection is alive
    }
    if r.queue.len() > MAX_QUEUE {
        shed_ticks(&mut r);
    }
    if !r.flush_scheduled {
        r.flush_scheduled = true;
        drop(r);
        schedule_flush(rt);
    }
}

/// Drops the oldest queued ticks (lossy views), counting them per feed.
fn shed_ticks(r: &mut Runtime) {
    let excess = r.queue.len() - MAX_QUEUE / 2;
    let mut shed = 0;
    let mut kept = VecDeque::with_capacity(r.queue.len());
    for q in r.queue.drain(..) {
        if shed < excess && matches!(q, Queued::Tick(_)) {
            *r.dropped.entry(q.feed().to_owned()).or_default() += 1;
            shed += 1;
        } else {
            kept.push_back(q);
        }
    }
    r.queue = kept;
}

/// Flushes at the next animation frame, or soon when the tab is hidden
/// (browsers pause animation frames there).
fn schedule_flush(rt: &Rc<RefCell<Runtime>>) {
    let rt = rt.clone();
    let hidden = web_sys::window().and_then(|w| w.document()).is_some_and(|d| d.hidden());
    if hidden {
        set_timeout(move || flush(&rt), Duration::from_millis(250));
    } else {
        request_animation_frame(move || flush(&rt));
    }
}

/// Hands everything queued to the handlers, in order, batching runs of the
/// same feed and kind.
fn flush(rt: &Rc<RefCell<Runtime>>) {
    let (queue, dropped, handlers) = {
        let mut r = rt.borrow_mut();
        r.flush_scheduled = false;
        (std::mem::take(&mut r.queue), std::mem::take(&mut r.dropped), r.handlers.clone())
    };
    let call = |feed: &str, event: FeedEvent<'_>| {
        for h in handlers.get(feed).into_iter().flatten() {
            h(FeedEvent::clone_ref(&event));
        }
    };
    for (feed, n) in &dropped {
        call(feed, FeedEvent::Dropped(*n));
    }
    let mut ticks: Vec<Tick> = Vec::new();
    let mut logs: Vec<LogLine> = Vec::new();
    let mut run_feed = String::new();
    let mut pending = queue.into_iter().peekable();
    while let Some(item) = pending.next() {
        match item {
            Queued::Tick(t) => {
                run_feed = t.feed;
                ticks.push(t.tick);
            }
            Queued::Log(l) => {
                run_feed = l.feed;
                logs.push(l.log);
            }
            Queued::Load { feed, seq } => call(&feed, FeedEvent::Load { seq }),
            Queued::Status(s) => call(&s.feed, FeedEvent::Status(&s.status)),
        }
        let same_run = match pending.peek() {
            Some(Queued::Tick(t)) => !ticks.is_empty() && t.feed == run_feed,
            Some(Queued::Log(l)) => !logs.is_empty() && l.feed == run_feed,
            _ => false,
        };
        if !same_run {
            if !ticks.is_empty() {
                call(&run_feed, FeedEvent::Ticks(&ticks));
                ticks.clear();
            }
            if !logs.is_empty() {
                call(&run_feed, FeedEvent::Logs(&logs));
                logs.clear();
            }
        }
    }
}

impl FeedEvent<'_> {
    /// A copy borrowing the same data (for calling several handlers).
    fn clone_ref(&self) -> FeedEvent<'_> {
        match self {
            FeedEvent::Load { seq } => FeedEvent::Load { seq: *seq },
            FeedEvent::Ticks(t) => FeedEvent::Ticks(t),
            FeedEvent::Logs(l) => FeedEvent::Logs(l),
            FeedEvent::Status(s) => FeedEvent::Status(s),
            FeedEvent::Dropped(n) => FeedEvent::Dropped(*n),
        }
    }
}
