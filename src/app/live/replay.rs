//! Replay in the browser: the runtime plays a past window instead of
//! following live (the same widgets, fed by the server's paced replay),
//! pauses, jumps, and goes back to live without a gap.

use super::{
    FeedEvent, ReplayStatus, ReplayWindow,
    queue::{LiveQueue, MAX_QUEUE},
    runtime::{Runtime, connect},
};
use crate::model::{ConnectionState, LiveEvent};
use leptos::prelude::*;
use std::{cell::RefCell, rc::Rc};

/// Plays `window` from `position_ms`: what is shown is forgotten first.
pub fn play_from(rt: &Rc<RefCell<Runtime>>, window: ReplayWindow, position_ms: f64) {
    let handlers = {
        let mut r = rt.borrow_mut();
        r.close();
        r.queue = LiveQueue::new(MAX_QUEUE);
        r.replay = Some(ReplayStatus { window, position_ms, playing: true, ended: false });
        r.set_replay.set(r.replay);
        r.set_state.set(ConnectionState::Replay);
        r.handlers.clone()
    };
    for handler in handlers.values().flatten() {
        handler(FeedEvent::Replay);
    }
    connect(rt);
}

/// Stops reading the replay where it stands.
pub fn pause(rt: &Rc<RefCell<Runtime>>) {
    let mut r = rt.borrow_mut();
    r.close();
    if let Some(replay) = r.replay.as_mut() {
        replay.playing = false;
    }
    r.set_replay.set(r.replay);
}

/// Goes on from where the replay paused (what was shown stays; events sent
/// again are dropped by `seq`).
pub fn resume(rt: &Rc<RefCell<Runtime>>) {
    {
        let mut r = rt.borrow_mut();
        let Some(replay) = r.replay.as_mut().filter(|r| !r.ended) else { return };
        replay.playing = true;
        r.set_replay.set(r.replay);
    }
    connect(rt);
}

/// Follows live again: a fresh stream, whose `ready` makes every widget
/// load its history up to where live delivery starts, so nothing is missed.
pub fn back_to_live(rt: &Rc<RefCell<Runtime>>) {
    {
        let mut r = rt.borrow_mut();
        r.close();
        r.replay = None;
        r.queue = LiveQueue::new(MAX_QUEUE);
        r.last_id = None;
        r.set_replay.set(None);
        r.set_state.set(ConnectionState::Connecting);
    }
    connect(rt);
}

/// Takes a replay's event: `end` closes the stream (the browser would start
/// the replay again otherwise); ticks and lines move the position. `true`
/// when the event is used up here.
pub(super) fn on_replay_event(r: &mut Runtime, kind: LiveEvent, data: &str) -> bool {
    match kind {
        LiveEvent::End => {
            r.close();
            if let Some(replay) = r.replay.as_mut() {
                replay.ended = true;
                replay.playing = false;
                replay.position_ms = replay.window.to_ms;
            }
            r.set_replay.set(r.replay);
            true
        }
        LiveEvent::Tick | LiveEvent::Log => {
            if let (Some(replay), Some(ms)) = (r.replay.as_mut(), event_ms(data)) {
                replay.position_ms = ms;
            }
            false
        }
        _ => false,
    }
}

/// The `ts` of a tick's or line's data, in ms since the epoch.
fn event_ms(data: &str) -> Option<f64> {
    #[derive(serde::Deserialize)]
    struct At<'a> {
        ts: &'a str,
    }
    let at: At = serde_json::from_str(data).ok()?;
    let ms = js_sys::Date::parse(at.ts);
    (!ms.is_nan()).then_some(ms)
}
