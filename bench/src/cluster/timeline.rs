//! Which node ingested each feed when, so a viewer can tell whether a
//! message it received came from its own node's writer ("near") or through
//! the cluster relay from another node ("far").
//!
//! The run is cut into settled phases with known ingesters. From a fault
//! until a phase is opened again (after the takeover, plus a margin for the
//! backlog) messages belong to no phase: they count as "unsettled".

use std::sync::RwLock;

/// How a delivery relates to the node that served it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    /// The viewer's node ingested the message.
    Near,
    /// Another node ingested it; the viewer's node relayed it.
    Far,
    /// Sent while a takeover was under way.
    Unsettled,
}

/// One stretch of stable ingestion.
#[derive(Clone, Debug)]
struct Phase {
    /// Send times (µs, [`feedboard_bench::stats::micros`]) it covers: `from..until`.
    from: u64,
    until: Option<u64>,
    /// The node ingesting each feed, by index.
    ingesters: Vec<usize>,
}

/// The phases of a run; shared by every viewer.
#[derive(Debug, Default)]
pub struct Timeline {
    phases: RwLock<Vec<Phase>>,
}

impl Timeline {
    /// From send time `from` on, feed `f` is ingested by node `ingesters[f]`.
    pub fn settled(&self, from: u64, ingesters: Vec<usize>) {
        let mut phases = self.phases.write().unwrap_or_else(|p| p.into_inner());
        if let Some(open) = phases.last_mut().filter(|p| p.until.is_none()) {
            open.until = Some(from);
        }
        phases.push(Phase { from, until: None, ingesters });
    }

    /// A fault at send time `at`: the open phase ends.
    pub fn disrupted(&self, at: u64) {
        let mut phases = self.phases.write().unwrap_or_else(|p| p.into_inner());
        if let Some(open) = phases.last_mut().filter(|p| p.until.is_none()) {
            open.until = Some(at);
        }
    }

    /// Where a message of feed `feed` sent at `sent` stood for a viewer on node `node`.
    pub fn place(&self, sent: u64, feed: usize, node: usize) -> Placement {
        let phases = self.phases.read().unwrap_or_else(|p| p.into_inner());
        let phase = phases.iter().rev().find(|p| p.from <= sent && p.until.is_none_or(|until| sent < until));
        match phase.and_then(|p| p.ingesters.get(feed)) {
            Some(&ingester) if ingester == node => Placement::Near,
            Some(_) => Placement::Far,
            None => Placement::Unsettled,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deliveries_are_placed_by_their_send_time() {
        let timeline = Timeline::default();
        timeline.settled(0, vec![0, 1]);
        timeline.disrupted(100);
        timeline.settled(150, vec![2, 1]);
        assert_eq!(timeline.place(50, 0, 0), Placement::Near);
        assert_eq!(timeline.place(50, 1, 0), Placement::Far);
        assert_eq!(timeline.place(120, 0, 2), Placement::Unsettled);
        assert_eq!(timeline.place(200, 0, 2), Placement::Near);
        assert_eq!(timeline.place(200, 0, 0), Placement::Far);
        timeline.settled(300, vec![2, 2]);
        assert_eq!(timeline.place(250, 1, 1), Placement::Near);
        assert_eq!(timeline.place(350, 1, 1), Placement::Far);
    }
}
