//! The rooms across nodes: this node's presence shares written for the
//! others, theirs read back, and their broadcasts delivered here.

use super::{Rooms, presence_of};
use crate::{
    cluster::{Event, RoomLink},
    model::Presence,
};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

impl Rooms {
    /// Queues this node's share of a room's presence for the other nodes.
    pub(super) fn share(&self, share: Presence) {
        if let Some(shares) = &self.inner.shares {
            let _ = shares.send(share);
        }
    }

    /// Re-reads who the other nodes have in `room`, then announces.
    pub(super) fn refresh_elsewhere(&self, room: &str) {
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
pub(super) async fn write_shares(link: RoomLink, mut shares: mpsc::UnboundedReceiver<Presence>) {
    while let Some(share) = shares.recv().await {
        if let Err(e) = link.share_presence(&share.dashboard, &share.users, share.anonymous).await {
            tracing::warn!(error = %e, "cannot share presence with the other nodes");
        }
    }
}
