//! Who is in the cluster, and which node should ingest each feed.
//!
//! Every node writes a heartbeat to `cluster_nodes` and reads the list of
//! live nodes back. A feed's preferred node is chosen by rendezvous
//! hashing over that list: every node computes the same answer from the
//! same list, feeds spread evenly, and a node joining or leaving moves only
//! its own share. The lease (see `ingest::lease`) stays the arbiter; the
//! preference only decides who tries first and who hands a feed over.

use std::sync::{Arc, RwLock};

/// This node's view of the live nodes; cheap to clone.
#[derive(Clone)]
pub struct Members {
    inner: Arc<Inner>,
}

struct Inner {
    node: String,
    /// Sorted ids of the live nodes, this one included.
    live: RwLock<Vec<String>>,
}

impl Members {
    /// A view that knows only `node` itself (until the first heartbeat).
    pub fn new(node: String) -> Self {
        let live = RwLock::new(vec![node.clone()]);
        Members { inner: Arc::new(Inner { node, live }) }
    }

    /// This node's id.
    pub fn node(&self) -> &str {
        &self.inner.node
    }

    /// The live nodes, sorted.
    pub fn live(&self) -> Vec<String> {
        self.inner.live.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Replaces the list of live nodes (this one is always in it); `true`
    /// when it changed.
    pub fn set_live(&self, mut ids: Vec<String>) -> bool {
        if !ids.contains(&self.inner.node) {
            ids.push(self.inner.node.clone());
        }
        ids.sort();
        ids.dedup();
        let mut live = self.inner.live.write().unwrap_or_else(|p| p.into_inner());
        let changed = *live != ids;
        *live = ids;
        changed
    }

    /// The node that should ingest `feed_id`.
    pub fn preferred(&self, feed_id: i64) -> String {
        let live = self.inner.live.read().unwrap_or_else(|p| p.into_inner());
        live.iter().max_by_key(|node| score(node, feed_id)).cloned().unwrap_or_else(|| self.inner.node.clone())
    }

    /// Whether this node should ingest `feed_id`.
    pub fn prefers_me(&self, feed_id: i64) -> bool {
        self.preferred(feed_id) == self.inner.node
    }
}

/// A stable pseudo-random score of (node, feed): FNV-1a, then a 64-bit
/// finaliser. The same on every node and every build.
fn score(node: &str, feed_id: i64) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in node.bytes().chain(feed_id.to_le_bytes()) {
        h = (h ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members(me: &str, all: &[&str]) -> Members {
        let m = Members::new(me.into());
        m.set_live(all.iter().map(|s| s.to_string()).collect());
        m
    }

    #[test]
    fn every_node_agrees_and_feeds_spread_evenly() {
        let nodes = ["node-a", "node-b", "node-c"];
        let views: Vec<_> = nodes.iter().map(|n| members(n, &nodes)).collect();
        let mut share = [0; 3];
        for feed in 1..=3000 {
            let owner = views[0].preferred(feed);
            assert!(views.iter().all(|v| v.preferred(feed) == owner));
            share[nodes.iter().position(|n| *n == owner).unwrap()] += 1;
        }
        assert!(share.iter().all(|&s| (800..=1200).contains(&s)), "{share:?}");
    }

    #[test]
    fn a_node_leaving_moves_only_its_own_feeds() {
        let three = members("node-a", &["node-a", "node-b", "node-c"]);
        let two = members("node-a", &["node-a", "node-b"]);
        for feed in 1..=1000 {
            let before = three.preferred(feed);
            if before != "node-c" {
                assert_eq!(two.preferred(feed), before, "feed {feed} moved without need");
            }
        }
    }

    #[test]
    fn a_node_alone_prefers_itself() {
        let alone = Members::new("solo".into());
        assert!((1..100).all(|f| alone.prefers_me(f)));
        assert!(!alone.set_live(vec![]), "it is always in its own list");
    }
}
