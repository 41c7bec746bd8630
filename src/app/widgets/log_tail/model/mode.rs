//! The tail's modes.

/// Which part of the feed the list shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Following new lines as they arrive.
    Following,
    /// Paused by the user: new lines are counted, not shown.
    Paused,
    /// Showing a permalinked line in its context.
    Permalink,
}
