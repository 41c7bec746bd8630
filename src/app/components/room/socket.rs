//! The browser's WebSocket to `/api/v1/ws`: connects (ws/wss by page
//! protocol, same origin), joins the room, catches up from history, and
//! reconnects with capped exponential backoff and jitter.

use super::context::RoomContext;
use crate::model::{Backoff, ClientMessage, ConnectionState, ServerMessage};
use leptos::{prelude::*, task::spawn_local};
use std::{cell::RefCell, rc::Rc, time::Duration};
use wasm_bindgen::{JsCast, closure::Closure};
use web_sys::{CloseEvent, Event, MessageEvent, WebSocket};

/// Reconnect delays: 0.5 s, 1 s, 2 s, … up to 16 s, with ±25 % jitter.
const RETRY: Backoff = Backoff::new(Duration::from_millis(500), Duration::from_secs(16)).with_jitter(0.25);

/// The current socket of a room and the callbacks it holds; shared by the
/// callbacks themselves, hence `Rc<RefCell<…>>`.
#[derive(Clone, Default)]
pub struct Link(Rc<RefCell<Inner>>);

struct Inner {
    socket: Option<(WebSocket, Handlers)>,
    /// Delays of the next attempts; reset by a successful open.
    retry: Backoff,
    /// Set when the page leaves the room: no more reconnecting.
    stopped: bool,
}

impl Default for Inner {
    fn default() -> Self {
        Inner { socket: None, retry: RETRY, stopped: false }
    }
}

/// Kept alive as long as the socket that calls them.
struct Handlers {
    _open: Closure<dyn FnMut(Event)>,
    _message: Closure<dyn FnMut(MessageEvent)>,
    _close: Closure<dyn FnMut(CloseEvent)>,
}

/// Opens the room's socket (called once per page).
pub fn start(room: RoomContext) {
    open(room, room.link());
}

/// Sends a JSON text if the socket is open.
pub fn send(link: &Link, json: &str) -> bool {
    let inner = link.0.borrow();
    match &inner.socket {
        Some((ws, _)) if ws.ready_state() == WebSocket::OPEN => ws.send_with_str(json).is_ok(),
        _ => false,
    }
}

/// Closes the socket for good (the page is going away).
pub fn stop(link: &Link) {
    let mut inner = link.0.borrow_mut();
    inner.stopped = true;
    if let Some((ws, _handlers)) = inner.socket.take() {
        detach(&ws);
        let _ = ws.close_with_code(1000);
    }
}

fn detach(ws: &WebSocket) {
    ws.set_onopen(None);
    ws.set_onmessage(None);
    ws.set_onclose(None);
}

fn url() -> Option<String> {
    let location = window().location();
    let scheme = if location.protocol().ok()? == "https:" { "wss" } else { "ws" };
    Some(format!("{scheme}://{}/api/v1/ws", location.host().ok()?))
}

fn open(room: RoomContext, link: Link) {
    if link.0.borrow().stopped {
        return;
    }
    let Some(ws) = url().and_then(|url| WebSocket::new(&url).ok()) else {
        return schedule(room, link);
    };

    let on_open = {
        let (link, ws) = (link.clone(), ws.clone());
        Closure::<dyn FnMut(Event)>::new(move |_| {
            link.0.borrow_mut().retry.reset();
            let join = ClientMessage::Join { dashboard: room.slug() };
            if let Ok(json) = serde_json::to_string(&join) {
                let _ = ws.send_with_str(&json);
            }
            room.connection.try_set(ConnectionState::Live);
            spawn_local(room.catch_up());
        })
    };
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let text = event.data().as_string().unwrap_or_default();
        if let Ok(message) = serde_json::from_str::<ServerMessage>(&text) {
            room.apply(message);
        }
    });
    let on_close = {
        let link = link.clone();
        Closure::<dyn FnMut(CloseEvent)>::new(move |_| {
            if let Some((ws, _handlers)) = link.0.borrow_mut().socket.take() {
                detach(&ws);
            }
            schedule(room, link.clone());
        })
    };
    ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
    let handlers = Handlers { _open: on_open, _message: on_message, _close: on_close };
    link.0.borrow_mut().socket = Some((ws, handlers));
}

/// Tries again after the next [`RETRY`] delay.
fn schedule(room: RoomContext, link: Link) {
    let delay = {
        let mut inner = link.0.borrow_mut();
        if inner.stopped {
            return;
        }
        inner.retry.next_delay(js_sys::Math::random())
    };
    room.connection.try_set(ConnectionState::Reconnecting);
    set_timeout(move || open(room, link), delay);
}
