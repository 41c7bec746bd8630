//! Paging back through history: whether older lines are loading, whether
//! any are left, and where a bounded search stopped to ask before going on.

use super::PAGE;
use crate::model::SeqRange;

/// The state of loading older lines.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Older {
    loading: bool,
    done: bool,
    /// A search looked back to this `seq` and found less than a page: the
    /// lines before it are not searched yet, and the user decides.
    paused_at: Option<i64>,
}

impl Older {
    pub fn is_loading(&self) -> bool {
        self.loading
    }

    /// Where a bounded search stopped, waiting for "search further".
    pub fn paused_at(&self) -> Option<i64> {
        self.paused_at
    }

    /// Whether scrolling up may load a page now.
    pub fn may_start(&self) -> bool {
        !self.loading && !self.done && self.paused_at.is_none()
    }

    /// A new newest page is loading: older lines are wanted again (a load
    /// still under way keeps its turn).
    pub fn restart(&mut self) {
        *self = Older { loading: self.loading, ..Older::default() };
    }

    pub fn start(&mut self) {
        self.loading = true;
    }

    /// Nothing older is wanted (no room for it).
    pub fn finish(&mut self) {
        self.done = true;
    }

    /// A load failed: scrolling may try again.
    pub fn failed(&mut self) {
        self.loading = false;
    }

    /// A page landed with `found` lines; a search says which lines it
    /// looked at (`from_seq` 1: back to the start).
    pub fn landed(&mut self, found: usize, searched: Option<SeqRange>) {
        self.loading = false;
        let unsearched = searched.map(|r| r.from_seq).filter(|from| *from > 1);
        let short = found < PAGE as usize;
        self.paused_at = if short { unsearched } else { None };
        self.done = short && unsearched.is_none();
    }

    /// The user asks to search further: the `seq` to continue before.
    pub fn search_further(&mut self) -> Option<i64> {
        let at = self.paused_at.take()?;
        self.loading = true;
        Some(at)
    }
}
