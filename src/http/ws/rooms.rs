//! Dashboard rooms: who is in which, presence, and fan-out to members.
//!
//! Each member has a bounded outbox. Broadcasting never waits: a member
//! whose outbox is full is kicked (its socket closes, the browser
//! reconnects and catches up from history), so one slow reader never holds
//! up the room. Presence changes are announced at most once per
//! `presence_every`: a thousand arrivals make a few updates, not a million.
//!
//! With a cluster [`RoomLink`], broadcasts also go to the other nodes' rooms
//! over the bus, and presence is the union of every live node's: each node
//! writes its own share to `room_presence` and tells the others to re-read.

use crate::domain::interaction::settings::{WsLimiter, WsSettings};
use crate::{
    cluster::{Event, RoomLink},
    model::{Presence, ServerMessage},
};
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
    link: Option<RoomLink>,
    /// This node's presence per room, to be written for the other nodes
    /// (in order, by one task).
    shares: Option<mpsc::UnboundedSender<Presence>>,
}

/// One dashboard's room.
#[derive(Default)]
struct Room {
    members: HashMap<SocketId, Member>,
    /// Who the other nodes have in this room.
    elsewhere: Presence,
    /// The presence the members were last told.
    announced: Presence,
    /// This node's share the other nodes were last told.
    shared: Presence,
    /// An announcement is scheduled.
    announcing: bool,
}

impl Room {
    /// Everyone in the room, on every node.
    fn presence(&self, room: &str) -> Presence {
        let local = presence_of(room, &self.members);
        let users: BTreeSet<&String> = local.users.iter().chain(&self.elsewhere.users).collect();
        Presence {
            dashboard: room.to_owned(),
            users: users.into_iter().cloned().collect(),
            anonymous: local.anonymous.saturating_add(self.elsewhere.anonymous),
        }
    }
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
    /// Rooms of this node only, whose sockets follow `settings`.
    pub fn new(settings: WsSettings) -> Self {
        Self::build(settings, None)
    }

    /// Rooms that span the cluster through `link`; follow the bus with
    /// [`Rooms::follow`].
    pub fn linked(settings: WsSettings, link: RoomLink) -> Self {
        Self::build(settings, Some(link))
    }

    fn build(settings: WsSettings, link: Option<RoomLink>) -> Self {
        let limiter = WsLimiter::new(settings.burst, settings.per_second);
        let shares = link.clone().map(|link| {
            let (tx, rx) = mpsc::unbounded_channel();
            tokio::spawn(write_shares(link, rx));
            tx
        });
        let inner = Inner { settings, limiter, next_id: AtomicU64::new(1), rooms: Mutex::default(), link, shares };
        Rooms { inner: Arc::new(inner) }
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
        let fresh = !self.lock().contains_key(room);
        let presence = self.change(room, |members| {
            members.insert(id, member.clone());
        });
        member.send(encode(&ServerMessage::Presence(presence)));
        if fresh {
            self.refresh_elsewhere(room);
        }
    }

    /// Removes the socket from `room`; the others hear of it soon.
    pub fn leave(&self, room: &str, id: SocketId) {
        self.change(room, |members| {
            members.remove(&id);
        });
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Room>> {
        self.inner.rooms.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Applies `edit` to a room's members and schedules an announcement if
    /// presence changed; returns the presence after the edit.
    fn change(&self, room: &str, edit: impl FnOnce(&mut HashMap<SocketId, Member>)) -> Presence {
        let mut rooms = self.lock();
        let entry = rooms.entry(room.to_owned()).or_default();
        edit(&mut entry.members);
        let presence = entry.presence(room);
        if entry.members.is_empty() {
            rooms.remove(room);
            drop(rooms);
            self.share(Presence { dashboard: room.to_owned(), ..Presence::default() });
        } else if (presence_of(room, &entry.members) != entry.shared || presence != entry.announced)
            && !entry.announcing
        {
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

    /// Sends the room's current presence to every member, and this node's
    /// share to the other nodes, if they changed.
    fn announce(&self, room: &str) {
        let mut rooms = self.lock();
        let Some(entry) = rooms.get_mut(room) else { return };
        entry.announcing = false;
        let presence = entry.presence(room);
        if presence != entry.announced {
            let text = encode(&ServerMessage::Presence(presence.clone()));
            entry.members.values().for_each(|m| m.send(text.clone()));
            entry.announced = presence;
        }
        let share = presence_of(room, &entry.members);
        if share != entry.shared {
            entry.shared = share.clone();
            drop(rooms);
            self.share(share);
        }
    }

    /// Queues this node's share of a room's presence for the other nodes.
    fn share(&self, share: Presence) {
        if let Some(shares) = &self.inner.shares {
            let _ = shares.send(share);
        }
    }

    /// Re-reads who the other nodes have in `room`, then announces.
    fn refresh_elsewhere(&self, room: &str) {
        let Some(link) = self.inner.link.clone() else { return };
        let (rooms, room) = (self.clone(), room.to_owned());
        tokio::spawn(async move {
            match link.presence_elsewhere(&room).await {
                Ok((users, anonymous)) => {
                    let mut all = rooms.lock();
                    let Some(entry) = all.get_mut(&room) else { return };
                    entry.elsewhere = Presence { dashboard: room.clone(), users, anonymous };
                    let schedule = !entry.announcing;
                    entry.announcing = true;
                    drop(all);
                    if schedule {
                        rooms.announce_later(&room);
                    }
                }
                Err(e) => tracing::warn!(error = %e, "cannot read presence on the other nodes"),
            }
        });
    }

    /// Sends `message` to every socket in `room`, the sender included, on
    /// every node.
    pub fn broadcast(&self, room: &str, message: &ServerMessage) {
        let text = encode(message);
        self.deliver(room, &text);
        if let Some(link) = &self.inner.link {
            link.broadcast(room, text.as_str());
        }
    }

    /// Sends an encoded message to the sockets of `room` on this node.
    fn deliver(&self, room: &str, text: &Utf8Bytes) {
        if let Some(entry) = self.lock().get(room) {
            entry.members.values().for_each(|m| m.send(text.clone()));
        }
    }

    /// How many rooms have members on this node.
    pub fn count(&self) -> usize {
        self.lock().len()
    }

    /// Who is in `room` now, on every node.
    pub fn presence(&self, room: &str) -> Presence {
        self.lock()
            .get(room)
            .map(|r| r.presence(room))
            .unwrap_or_else(|| Presence { dashboard: room.to_owned(), ..Presence::default() })
    }

    /// Applies the other nodes' room events until `shutdown`.
    pub async fn follow(self, shutdown: CancellationToken) {
        let Some(link) = self.inner.link.clone() else { return };
        let mut events = link.bus.subscribe();
        loop {
            let event = tokio::select! {
                _ = shutdown.cancelled() => return,
                event = events.recv() => event,
            };
            match event.as_deref() {
                Ok(Event::Room { dashboard, text, .. }) => self.deliver(dashboard, &text.as_str().into()),
                Ok(Event::Presence { dashboard, .. }) => {
                    if self.lock().contains_key(dashboard) {
                        self.refresh_elsewhere(dashboard);
                    }
                }
                Ok(Event::Resync) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                    let names: Vec<String> = self.lock().keys().cloned().collect();
                    for room in names {
                        self.refresh_elsewhere(&room);
                        let share = self.lock().get(&room).map(|r| presence_of(&room, &r.members));
                        share.into_iter().for_each(|s| self.share(s));
                    }
                }
                Ok(_) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            }
        }
    }
}

/// Writes this node's presence shares in order, telling the other nodes
/// after each write.
async fn write_shares(link: RoomLink, mut shares: mpsc::UnboundedReceiver<Presence>) {
    while let Some(share) = shares.recv().await {
        if let Err(e) = link.share_presence(&share.dashboard, &share.users, share.anonymous).await {
            tracing::warn!(error = %e, "cannot share presence with the other nodes");
        }
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
