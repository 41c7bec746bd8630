//! The nodes of a cluster as the admin API and page show them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What a node reports about itself with each heartbeat.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NodeStats {
    /// Feeds it ingests.
    #[serde(default)]
    pub ingesting: u32,
    /// Live-stream subscriptions (one per feed per open stream).
    #[serde(default)]
    pub live_subscriptions: u32,
    /// Dashboard rooms with WebSocket members.
    #[serde(default)]
    pub ws_rooms: u32,
    /// Followed feeds whose newest commit this node had not carried at its
    /// last check (0 when caught up).
    #[serde(default)]
    pub behind: u32,
}

/// One live node.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NodeInfo {
    pub id: String,
    #[serde(with = "super::time")]
    pub started_at: DateTime<Utc>,
    #[serde(with = "super::time")]
    pub last_seen: DateTime<Utc>,
    /// The feeds it ingests (holds the lease of), by name.
    pub feeds: Vec<String>,
    #[serde(flatten)]
    pub stats: NodeStats,
    /// The node that answered the request.
    #[serde(default)]
    pub this_node: bool,
}

/// `GET /api/v1/cluster`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ClusterInfo {
    pub nodes: Vec<NodeInfo>,
}
