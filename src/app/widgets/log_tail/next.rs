//! What the view must do after a change of the log tail's model: nothing,
//! scroll, or load a page of history.

use crate::model::LogFilter;

/// Where the list must scroll to after a change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scroll {
    /// To the newest line.
    Bottom,
    /// So that this row is at the top.
    ToRow(usize),
    /// Down by this many rows (older lines were put above).
    Down(usize),
}

/// The newest page of lines up to `upto` (inclusive) under `filter`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LatestLoad {
    /// Which page load this is; a newer one supersedes it.
    pub(super) serial: u64,
    /// The gate's load, releasing the live lines held meanwhile.
    pub(super) generation: u64,
    /// The newest `seq` the page covers (the live stream goes on after it).
    pub upto: i64,
    /// The filter the page is read with.
    pub filter: LogFilter,
}

/// The page of lines before `before` (exclusive) under `filter`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OlderLoad {
    /// The oldest `seq` in memory.
    pub before: i64,
    /// The filter the page is read with.
    pub filter: LogFilter,
}

/// What the view does after a change of the model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Next {
    /// Nothing.
    Stay,
    /// Scroll the list.
    Scroll(Scroll),
    /// Load the newest page (`TailModel::finish_latest` when it lands).
    Load(LatestLoad),
}
