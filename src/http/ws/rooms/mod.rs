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

mod across_nodes;
mod member;
#[cfg(test)]
mod tests;

pub use member::{Member, encode};

use across_nodes::write_shares;

use crate::{
    cluster::RoomLink,
    domain::interaction::settings::{WsLimiter, WsSettings},
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

/// Identifies one socket for the life of the process.
pub type SocketId = u64;

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
}

pub(super) fn presence_of(room: &str, members: &HashMap<SocketId, Member>) -> Presence {
    let users: BTreeSet<&str> = members.values().filter_map(|m| m.user.as_deref()).collect();
    let anonymous = members.values().filter(|m| m.user.is_none()).count();
    Presence {
        dashboard: room.to_owned(),
        users: users.into_iter().map(str::to_owned).collect(),
        anonymous: u32::try_from(anonymous).unwrap_or(u32::MAX),
    }
}
