//! Dashboard rooms: who is in which, presence, and fan-out to members.
//!
//! Each member has a bounded outbox. Broadcasting never waits: a member
//! whose outbox is full is kicked (its socket closes, the browser
//! reconnects and catches up from history), so one slow reader never holds
//! up the room. Presence changes are announced at most once per
//! `presence_every`: a thousand arrivals make a few updates, not a million.

use super::settings::{WsLimiter, WsSettings};
use crate::model::{Presence, ServerMessage};
use axum::extract::ws::Utf8Bytes;
use std::{
    collections::{BTreeSet, HashMap},
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Identifies one socket for the life of the process.
pub type SocketId = u64;

/// How the rooms reach one socket.
#[derive(Clone, Debug)]
pub struct Member {
    /// The signed-in user's name; `None` for an anonymous viewer.
    pub user: Option<String>,
    /// The socket's bounded queue of outgoing JSON texts.
    pub outbox: mpsc::Sender<Utf8Bytes>,
    /// Cancelled when the socket cannot keep up.
    pub kick: CancellationToken,
}

impl Member {
    /// Queues `text` without waiting; kicks the socket when its queue is full.
    pub fn send(&self, text: Utf8Bytes) {
        match self.outbox.try_send(text) {
            Ok(()) => metrics::counter!("feedboard_ws_messages_total", "direction" => "out").increment(1),
            Err(mpsc::error::TrySendError::Full(_)) => {
                if !self.kick.is_cancelled() {
                    metrics::counter!("feedboard_ws_slow_closed_total").increment(1);
                    tracing::info!(user = ?self.user, "closing a WebSocket that cannot keep up");
                }
                self.kick.cancel();
            }
            // The socket is closing; it leaves its rooms on the way out.
            Err(mpsc::error::TrySendError::Closed(_)) => {}
        }
    }
}

/// Every room, the shared rate limiter and the socket settings; cheap to clone.
#[derive(Clone)]
pub struct Rooms {
    inner: Arc<Inner>,
}

struct Inner {
    settings: WsSettings,
    limiter: WsLimiter,
    next_id: AtomicU64,
    rooms: Mutex<HashMap<String, Room>>,
}

/// One dashboard's room.
#[derive(Default)]
struct Room {
    members: HashMap<SocketId, Member>,
    /// The presence the members were last told.
    announced: Presence,
    /// An announcement is scheduled.
    announcing: bool,
}

impl Default for Rooms {
    fn default() -> Self {
        Self::new(WsSettings::default())
    }
}

/// Serializes a server message once for any number of sockets.
pub fn encode(message: &ServerMessage) -> Utf8Bytes {
    match serde_json::to_string(message) {
        Ok(json) => json.into(),
        // Our own types always serialize; keep the socket alive regardless.
        Err(e) => {
            tracing::error!(error = %e, "cannot encode a WebSocket message");
            Utf8Bytes::from_static(r#"{"type":"error","code":"unavailable","message":"internal error"}"#)
        }
    }
}

impl Rooms {
    /// Rooms whose sockets follow `settings`.
    pub fn new(settings: WsSettings) -> Self {
        let limiter = WsLimiter::new(settings.burst, settings.per_second);
        Rooms { inner: Arc::new(Inner { settings, limiter, next_id: AtomicU64::new(1), rooms: Mutex::default() }) }
    }

    pub fn settings(&self) -> &WsSettings {
        &self.inner.settings
    }

    /// The limiter every socket's messages pass through.
    pub fn limiter(&self) -> &WsLimiter {
        &self.inner.limiter
    }

    /// A fresh socket id.
    pub fn next_id(&self) -> SocketId {
        self.inner.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Adds the socket to `room` and tells it who is there; the others hear
    /// of the change with the next presence announcement.
    pub fn join(&self, room: &str, id: SocketId, member: Member) {
        let presence = self.change(room, |members| {
            members.insert(id, member.clone());
        });
        member.send(encode(&ServerMessage::Presence(presence)));
    }

    /// Removes the socket from `room`; the others hear of it soon.
    pub fn leave(&self, room: &str, id: SocketId) {
        self.change(room, |members| {
            members.remove(&id);
        });
    }

    /// Applies `edit` to a room's members and schedules an announcement if
    /// presence changed; returns the presence after the edit.
    fn change(&self, room: &str, edit: impl FnOnce(&mut HashMap<SocketId, Member>)) -> Presence {
        let mut rooms = self.inner.rooms.lock().unwrap_or_else(|p| p.into_inner());
        let entry = rooms.entry(room.to_owned()).or_default();
        edit(&mut entry.members);
        let presence = presence_of(room, &entry.members);
        if entry.members.is_empty() {
            rooms.remove(room);
        } else if presence != entry.announced && !entry.announcing {
            entry.announcing = true;
            drop(rooms);
            self.announce_later(room);
        }
        presence
    }

    /// Announces the room's presence after `presence_every` (at once when
    /// there is no runtime to wait on, as in unit tests).
    fn announce_later(&self, room: &str) {
        let (rooms, room, delay) = (self.clone(), room.to_owned(), self.inner.settings.presence_every);
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move {
                    tokio::time::sleep(delay).await;
                    rooms.announce(&room);
                });
            }
            Err(_) => rooms.announce(&room),
        }
    }

    /// Sends the room's current presence to every member, if it changed.
    fn announce(&self, room: &str) {
        let mut rooms = self.inner.rooms.lock().unwrap_or_else(|p| p.into_inner());
        let Some(entry) = rooms.get_mut(room) else { return };
        entry.announcing = false;
        let presence = presence_of(room, &entry.members);
        if presence != entry.announced {
            let text = encode(&ServerMessage::Presence(presence.clone()));
            entry.members.values().for_each(|m| m.send(text.clone()));
            entry.announced = presence;
        }
    }

    /// Sends `message` to every socket in `room`, the sender included.
    pub fn broadcast(&self, room: &str, message: &ServerMessage) {
        let text = encode(message);
        let rooms = self.inner.rooms.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(entry) = rooms.get(room) {
            entry.members.values().for_each(|m| m.send(text.clone()));
        }
    }

    /// Who is in `room` now.
    pub fn presence(&self, room: &str) -> Presence {
        let rooms = self.inner.rooms.lock().unwrap_or_else(|p| p.into_inner());
        rooms
            .get(room)
            .map(|r| presence_of(room, &r.members))
            .unwrap_or_else(|| Presence { dashboard: room.to_owned(), ..Presence::default() })
    }
}

fn presence_of(room: &str, members: &HashMap<SocketId, Member>) -> Presence {
    let users: BTreeSet<&str> = members.values().filter_map(|m| m.user.as_deref()).collect();
    let anonymous = members.values().filter(|m| m.user.is_none()).count();
    Presence {
        dashboard: room.to_owned(),
        users: users.into_iter().map(str::to_owned).collect(),
        anonymous: u32::try_from(anonymous).unwrap_or(u32::MAX),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(user: Option<&str>, capacity: usize) -> (Member, mpsc::Receiver<Utf8Bytes>) {
        let (outbox, rx) = mpsc::channel(capacity);
        (Member { user: user.map(str::to_owned), outbox, kick: CancellationToken::new() }, rx)
    }

    fn drain(rx: &mut mpsc::Receiver<Utf8Bytes>) -> Vec<serde_json::Value> {
        std::iter::from_fn(|| rx.try_recv().ok()).map(|t| serde_json::from_str(t.as_str()).unwrap()).collect()
    }

    #[test]
    fn presence_counts_users_once_across_tabs_and_anonymous_viewers_apart() {
        let rooms = Rooms::default();
        let (alice1, mut rx1) = member(Some("alice"), 16);
        let (alice2, mut rx2) = member(Some("alice"), 16);
        let (anon, _rx3) = member(None, 16);
        rooms.join("m", 1, alice1);
        // The joiner's own snapshot, then the room's announcement.
        assert_eq!(drain(&mut rx1).len(), 2);
        rooms.join("m", 2, alice2);
        assert_eq!(rooms.presence("m").users, ["alice"]);
        // The second tab changed nothing: only the joiner heard about it.
        assert_eq!(drain(&mut rx1).len(), 0);
        assert_eq!(drain(&mut rx2).len(), 1);
        rooms.join("m", 3, anon);
        assert_eq!(rooms.presence("m").anonymous, 1);
        assert_eq!(drain(&mut rx1)[0]["anonymous"], 1);
        rooms.leave("m", 1);
        assert_eq!(rooms.presence("m").users, ["alice"], "alice still has a tab open");
        rooms.leave("m", 2);
        assert!(rooms.presence("m").users.is_empty());
        rooms.leave("m", 3);
        assert!(rooms.inner.rooms.lock().unwrap().is_empty(), "empty rooms are forgotten");
    }

    #[test]
    fn a_full_outbox_kicks_only_that_member() {
        let rooms = Rooms::default();
        let (slow, _slow_rx) = member(Some("slow"), 1);
        let (fast, mut fast_rx) = member(Some("fast"), 64);
        let (slow_kick, fast_kick) = (slow.kick.clone(), fast.kick.clone());
        rooms.join("m", 1, slow);
        rooms.join("m", 2, fast);
        for _ in 0..10 {
            rooms.broadcast("m", &ServerMessage::AnnotationDeleted { dashboard: "m".into(), id: 1 });
        }
        assert!(slow_kick.is_cancelled());
        assert!(!fast_kick.is_cancelled());
        assert_eq!(drain(&mut fast_rx).iter().filter(|m| m["type"] == "annotation_deleted").count(), 10);
    }

    #[tokio::test]
    async fn a_crowd_arriving_makes_one_announcement() {
        let rooms =
            Rooms::new(WsSettings { presence_every: std::time::Duration::from_millis(50), ..WsSettings::default() });
        let (first, mut rx) = member(Some("first"), 1024);
        rooms.join("m", 0, first);
        let mut crowd = Vec::new();
        for id in 1..=100 {
            let (m, rx) = member(None, 1024);
            rooms.join("m", id, m);
            crowd.push(rx);
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let heard = drain(&mut rx);
        assert!(heard.len() <= 3, "a few announcements, not one per arrival: {}", heard.len());
        assert_eq!(heard.last().unwrap()["anonymous"], 100, "the last one is the truth");
    }
}
