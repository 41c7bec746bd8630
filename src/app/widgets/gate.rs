//! Stitching history and live data without holes or duplicates: while a
//! history load is in flight, live items wait; when it lands, only items
//! newer than what the history covered go on.

/// Something with a feed sequence number.
pub trait Sequenced {
    fn seq(&self) -> i64;
}

impl Sequenced for crate::model::Tick {
    fn seq(&self) -> i64 {
        self.seq
    }
}

impl Sequenced for crate::model::LogLine {
    fn seq(&self) -> i64 {
        self.seq
    }
}

/// The gate between live items and a widget.
#[derive(Debug)]
pub struct Gate<T> {
    generation: u64,
    loading: bool,
    pending: Vec<T>,
    /// History covers every item up to this `seq`.
    covered: i64,
    /// Most items held while loading; beyond that, the oldest are dropped
    /// and the load is marked incomplete.
    limit: usize,
    overflowed: bool,
}

impl<T: Sequenced> Gate<T> {
    pub fn new(limit: usize) -> Self {
        Gate { generation: 0, loading: true, pending: Vec::new(), covered: 0, limit, overflowed: false }
    }

    /// The latest load's generation (a replay starts one, too).
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// A history load starts; returns its generation (to pass to `loaded`).
    pub fn start_load(&mut self) -> u64 {
        self.generation += 1;
        self.loading = true;
        self.pending.clear();
        self.overflowed = false;
        self.generation
    }

    /// Live items: returned at once when no load is in flight, else held.
    pub fn live(&mut self, items: impl IntoIterator<Item = T>) -> Vec<T> {
        if self.loading {
            self.pending.extend(items);
            if self.pending.len() > self.limit {
                let excess = self.pending.len() - self.limit;
                self.pending.drain(..excess);
                self.overflowed = true;
            }
            return Vec::new();
        }
        let covered = self.covered;
        let fresh: Vec<T> = items.into_iter().filter(|i| i.seq() > covered).collect();
        if let Some(last) = fresh.last() {
            self.covered = last.seq();
        }
        fresh
    }

    /// A replay starts: nothing is loaded, everything from `seq` 1 passes
    /// (a load in flight is superseded).
    pub fn open_from_start(&mut self) {
        let generation = self.start_load();
        let _ = self.loaded(generation, 0);
    }

    /// The load of `generation` covered items up to `covered`: returns the
    /// held items that come after it and whether they are complete (false
    /// when some were dropped while waiting: lossless views reload). `None`
    /// if a newer load superseded this one.
    pub fn loaded(&mut self, generation: u64, covered: i64) -> Option<(Vec<T>, bool)> {
        if generation != self.generation {
            return None;
        }
        self.loading = false;
        self.covered = covered;
        let pending = std::mem::take(&mut self.pending);
        let complete = !(self.overflowed && pending.first().is_some_and(|p| p.seq() > covered + 1));
        Some((self.live(pending), complete))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    struct Item(i64);
    impl Sequenced for Item {
        fn seq(&self) -> i64 {
            self.0
        }
    }

    #[test]
    fn holds_live_items_while_loading_and_drops_what_history_covered() {
        let mut gate = Gate::new(100);
        let generation = gate.start_load();
        assert!(gate.live([Item(9), Item(10), Item(11)]).is_empty());
        let (released, complete) = gate.loaded(generation, 10).unwrap();
        assert!(complete);
        assert_eq!(released, [Item(11)]);
        assert_eq!(gate.live([Item(11), Item(12)]), [Item(12)], "no duplicate after the seam");
    }

    #[test]
    fn a_superseded_load_is_ignored() {
        let mut gate: Gate<Item> = Gate::new(100);
        let old = gate.start_load();
        let new = gate.start_load();
        assert!(gate.loaded(old, 5).is_none());
        assert!(gate.loaded(new, 5).is_some());
    }

    #[test]
    fn overflow_while_loading_asks_for_a_reload() {
        let mut gate = Gate::new(2);
        let generation = gate.start_load();
        gate.live([Item(6), Item(7), Item(8)]);
        assert_eq!(gate.loaded(generation, 5), Some((vec![Item(7), Item(8)], false)));
        let generation = gate.start_load();
        gate.live([Item(6), Item(7)]);
        assert_eq!(gate.loaded(generation, 5), Some((vec![Item(6), Item(7)], true)));
    }
}
