//! The browser side of the live stream: the `EventSource` and its
//! callbacks, the flush once per animation frame, and the badge's timer.
//! What happens to the events in between is [`LiveQueue`]'s job.

use super::{
    FeedEvent, ReplayStatus,
    health::{connection_state, stale_since},
    queue::{LiveQueue, MAX_QUEUE},
};
use crate::model::{Backoff, ConnectionState, LiveEvent};
use leptos::prelude::*;
use std::{cell::RefCell, collections::HashMap, rc::Rc, time::Duration};
use wasm_bindgen::{JsCast, closure::Closure};
use web_sys::{EventSource, MessageEvent};

type Handler = Rc<dyn Fn(FeedEvent<'_>)>;

/// Delays of manual reconnects (after the server refused): 1 s doubling to
/// 10 s, ±25 % so that tabs do not all come back at once after a restart.
const RETRY: Backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(10)).with_jitter(0.25);

/// The connection and everything waiting to be rendered.
pub struct Runtime {
    feeds: Vec<String>,
    pub(super) handlers: HashMap<String, Vec<Handler>>,
    pub(super) set_state: WriteSignal<ConnectionState>,
    set_stale_since: WriteSignal<Option<f64>>,
    pub(super) source: Option<EventSource>,
    listeners: Vec<Closure<dyn FnMut(MessageEvent)>>,
    pub(super) queue: LiveQueue,
    flush_scheduled: bool,
    /// The id of the last event received, for a manual reconnect.
    pub(super) last_id: Option<String>,
    last_event_ms: f64,
    stopped: bool,
    retry: Backoff,
    /// The replay being played, if any; else the stream follows live.
    pub(super) replay: Option<ReplayStatus>,
    pub(super) set_replay: WriteSignal<Option<ReplayStatus>>,
}

impl Runtime {
    /// A runtime over `feeds`, telling the badge through the two signals.
    pub fn new(
        feeds: Vec<String>,
        set_state: WriteSignal<ConnectionState>,
        set_stale_since: WriteSignal<Option<f64>>,
        set_replay: WriteSignal<Option<ReplayStatus>>,
    ) -> Rc<RefCell<Runtime>> {
        Rc::new(RefCell::new(Runtime {
            feeds,
            handlers: HashMap::new(),
            set_state,
            set_stale_since,
            source: None,
            listeners: Vec::new(),
            queue: LiveQueue::new(MAX_QUEUE),
            flush_scheduled: false,
            last_id: None,
            last_event_ms: js_sys::Date::now(),
            stopped: false,
            retry: RETRY,
            replay: None,
            set_replay,
        }))
    }

    /// Calls `handler` with every event of `feed`.
    pub fn subscribe(&mut self, feed: &str, handler: Handler) {
        self.handlers.entry(feed.to_owned()).or_default().push(handler);
    }

    fn is_open(&self) -> bool {
        self.source.as_ref().is_some_and(|s| s.ready_state() == EventSource::OPEN)
    }

    /// Closes the connection (a new one may follow).
    pub(super) fn close(&mut self) {
        if let Some(source) = self.source.take() {
            source.close();
        }
        self.listeners.clear();
    }

    /// The stream to open: the replay from where it stands, or live
    /// (resuming after the last event received, if any).
    fn url(&self) -> String {
        let mut url = format!("/api/v1/stream?feeds={}", self.feeds.join(","));
        let iso = |ms: f64| String::from(js_sys::Date::new(&ms.into()).to_iso_string());
        if let Some(replay) = &self.replay {
            let window = replay.window;
            url.push_str(&format!(
                "&replay_from={}&replay_to={}&speed={}",
                iso(replay.position_ms),
                iso(window.to_ms),
                window.speed
            ));
        } else if let Some(id) = &self.last_id {
            url.push_str(&format!("&last_event_id={}", js_sys::encode_uri_component(id)));
        }
        url
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
        let open = r.is_open();
        r.set_state.set(if r.replay.is_some() { ConnectionState::Replay } else { connection_state(online, open) });
        r.set_stale_since.set(stale_since(open, r.last_event_ms, js_sys::Date::now()));
    };
    if let Ok(handle) = set_interval_with_handle(tick, Duration::from_millis(1000)) {
        on_cleanup(move || handle.clear());
    }
}

/// Closes the connection for good.
pub fn stop(rt: &Rc<RefCell<Runtime>>) {
    let mut r = rt.borrow_mut();
    r.stopped = true;
    r.close();
}

/// A closure that calls `f` with the runtime, while it exists.
fn callback(
    rt: &Rc<RefCell<Runtime>>,
    f: impl Fn(&Rc<RefCell<Runtime>>, MessageEvent) + 'static,
) -> Closure<dyn FnMut(MessageEvent)> {
    let weak = Rc::downgrade(rt);
    Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        if let Some(rt) = weak.upgrade() {
            f(&rt, event);
        }
    })
}

pub(super) fn connect(rt: &Rc<RefCell<Runtime>>) {
    let url = rt.borrow().url();
    let Ok(source) = EventSource::new(&url) else {
        retry_later(rt);
        return;
    };
    let mut listeners = Vec::new();
    for kind in LiveEvent::ALL {
        let listener = callback(rt, move |rt, event| on_event(rt, kind, &event));
        let _ = source.add_event_listener_with_callback(kind.as_str(), listener.as_ref().unchecked_ref());
        listeners.push(listener);
    }
    let on_open = callback(rt, |rt, _| {
        let mut r = rt.borrow_mut();
        r.retry.reset();
        r.last_event_ms = js_sys::Date::now();
        r.set_state.set(if r.replay.is_some() { ConnectionState::Replay } else { ConnectionState::Live });
    });
    source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    listeners.push(on_open);
    let on_error = callback(rt, |rt, _| {
        let closed = {
            let r = rt.borrow();
            r.set_state.set(ConnectionState::Reconnecting);
            r.source.as_ref().is_some_and(|s| s.ready_state() == EventSource::CLOSED)
        };
        // The browser retries by itself unless the server refused (CLOSED).
        if closed {
            retry_later(rt);
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

fn on_event(rt: &Rc<RefCell<Runtime>>, kind: LiveEvent, event: &MessageEvent) {
    let data = event.data().as_string().unwrap_or_default();
    let mut r = rt.borrow_mut();
    r.last_event_ms = js_sys::Date::now();
    if r.replay.is_some() && super::replay::on_replay_event(&mut r, kind, &data) {
        return;
    }
    let id = event.last_event_id();
    if !id.is_empty() {
        r.last_id = Some(id);
    }
    r.queue.push(kind, &data);
    if r.queue.has_pending() && !r.flush_scheduled {
        r.flush_scheduled = true;
        drop(r);
        schedule_flush(rt);
    }
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

/// Hands everything queued to the handlers of its feed.
fn flush(rt: &Rc<RefCell<Runtime>>) {
    let (batch, handlers) = {
        let mut r = rt.borrow_mut();
        r.flush_scheduled = false;
        if r.replay.is_some() {
            r.set_replay.set(r.replay);
        }
        (r.queue.take(), r.handlers.clone())
    };
    batch.dispatch(|feed, event| {
        for handler in handlers.get(feed).into_iter().flatten() {
            handler(event);
        }
    });
}
