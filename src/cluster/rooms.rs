//! How the interaction rooms of this node reach those of the other nodes:
//! broadcasts over the bus, and presence shares in `room_presence` (each
//! node writes its own; a reader unions the live nodes' shares).

use super::{Bus, Event};
use crate::store::{self, StoreError};
use sqlx::PgPool;
use std::time::Duration;

/// This node's link to the other nodes' rooms; cheap to clone.
#[derive(Clone)]
pub struct RoomLink {
    pub bus: Bus,
    pub db: PgPool,
    /// Presence of nodes silent for longer no longer counts.
    pub node_ttl: Duration,
}

impl RoomLink {
    /// This node's name.
    pub fn node(&self) -> &str {
        self.bus.node()
    }

    /// Sends an encoded room message to the other nodes' rooms.
    pub fn broadcast(&self, dashboard: &str, text: &str) {
        self.bus.send(Event::Room {
            node: self.node().to_owned(),
            dashboard: dashboard.to_owned(),
            text: text.to_owned(),
        });
    }

    /// Who the other live nodes have in the room of `dashboard`: the
    /// distinct users and the number of anonymous viewers.
    pub async fn presence_elsewhere(&self, dashboard: &str) -> Result<(Vec<String>, u32), StoreError> {
        store::nodes::presence_elsewhere(&self.db, self.node(), dashboard, self.node_ttl).await
    }

    /// Records who this node has in the room of `dashboard`, then tells the
    /// other nodes to re-read.
    pub async fn share_presence(&self, dashboard: &str, users: &[String], anonymous: u32) -> Result<(), StoreError> {
        store::nodes::set_presence(&self.db, self.node(), dashboard, users, anonymous).await?;
        self.bus.send(Event::Presence { node: self.node().to_owned(), dashboard: dashboard.to_owned() });
        Ok(())
    }
}
