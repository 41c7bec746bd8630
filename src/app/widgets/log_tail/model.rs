//! The log tail's state and rules, without the DOM: the lines in memory
//! (capped while following), pause and the lines held meanwhile, the
//! filter, and the history loads. Each change says what the view must do
//! next ([`Next`]): nothing, scroll, or load a page.

pub use super::next::{LatestLoad, Next, OlderLoad, Scroll};
use crate::{
    app::widgets::gate::Gate,
    model::{LogFilter, LogLine, LogPage},
};
pub use mode::Mode;
use older::Older;
use std::collections::VecDeque;

/// Lines kept in memory; older ones are dropped while following live.
pub const MAX_LINES: usize = 10_000;
/// Lines loaded per history page.
pub const PAGE: i64 = 200;
/// Rows kept above a permalinked line when scrolling to it.
const ROWS_ABOVE_PERMALINK: usize = 6;

/// The log tail of one feed.
#[derive(Debug)]
pub struct TailModel {
    /// The lines in the list, oldest first.
    lines: VecDeque<LogLine>,
    /// Live lines that came while paused (or on a permalink), at most
    /// [`MAX_LINES`] of them.
    held: Vec<LogLine>,
    /// How many lines came while paused, held or not.
    new_count: usize,
    /// The newest `seq` the stream has reached.
    head: i64,
    gate: Gate<LogLine>,
    mode: Mode,
    filter: LogFilter,
    /// Whether the list is scrolled to the bottom (then it follows).
    at_bottom: bool,
    loading: bool,
    older: Older,
    /// The serial of the latest page load started.
    latest_serial: u64,
}

impl TailModel {
    /// An empty tail, loading; on a permalink when `permalink`.
    pub fn new(permalink: bool) -> Self {
        TailModel {
            lines: VecDeque::new(),
            held: Vec::new(),
            new_count: 0,
            head: 0,
            gate: Gate::new(MAX_LINES),
            mode: if permalink { Mode::Permalink } else { Mode::Following },
            filter: LogFilter::default(),
            at_bottom: true,
            loading: true,
            older: Older::default(),
            latest_serial: 0,
        }
    }

    /// Which part of the feed the list shows.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// How many lines came while paused (the "N new" button).
    pub fn new_count(&self) -> usize {
        self.new_count
    }

    /// Starts with `filter` instead of showing every line.
    pub fn with_filter(self, filter: LogFilter) -> Self {
        TailModel { filter, ..self }
    }

    /// The filter the lines are shown with.
    pub fn filter(&self) -> &LogFilter {
        &self.filter
    }

    /// Whether the newest page (or a permalink's context) is loading.
    pub fn is_loading(&self) -> bool {
        self.loading
    }

    /// Whether older lines are loading.
    pub fn is_loading_older(&self) -> bool {
        self.older.is_loading()
    }

    /// Where a bounded search stopped, waiting for "search further".
    pub fn search_paused_at(&self) -> Option<i64> {
        self.older.paused_at()
    }

    /// How many lines are in the list.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// Up to `count` lines from row `first` on, with their row numbers.
    pub fn window(&self, first: usize, count: usize) -> Vec<(usize, LogLine)> {
        let first = first.min(self.lines.len());
        let end = (first + count).min(self.lines.len());
        self.lines.range(first..end).cloned().enumerate().map(|(i, line)| (first + i, line)).collect()
    }

    /// The row `step` rows from line `from` (from the last row when `from`
    /// is `None` or gone), kept within the list: its row number and `seq`.
    pub fn neighbour(&self, from: Option<i64>, step: isize) -> Option<(usize, i64)> {
        let last = self.lines.len().checked_sub(1)?;
        let at = from.and_then(|seq| self.lines.iter().position(|line| line.seq == seq));
        let row = match at {
            Some(at) => at.saturating_add_signed(step).min(last),
            None => last,
        };
        Some((row, self.lines[row].seq))
    }

    /// The line `seq`, if it is in the list.
    pub fn line(&self, seq: i64) -> Option<LogLine> {
        self.lines.iter().find(|line| line.seq == seq).cloned()
    }

    /// Records whether the user has the list scrolled to the bottom.
    pub fn set_at_bottom(&mut self, at_bottom: bool) {
        self.at_bottom = at_bottom;
    }

    /// A replay starts: the list empties and follows what the replay sends.
    pub fn on_replay(&mut self) -> Next {
        *self = TailModel { filter: std::mem::take(&mut self.filter), ..TailModel::new(false) };
        self.gate.open_from_start();
        self.loading = false;
        Next::Stay
    }

    /// The stream's `Load`: live delivery goes on after `seq`. Following,
    /// the newest page is loaded; otherwise only the stream is resumed.
    pub fn on_load(&mut self, seq: i64) -> Next {
        self.head = seq;
        if self.mode == Mode::Following {
            return Next::Load(self.start_latest(seq));
        }
        let generation = self.gate.start_load();
        self.gate.loaded(generation, seq);
        Next::Stay
    }

    /// Live lines: shown when following, else held and counted.
    pub fn on_lines(&mut self, batch: &[LogLine]) -> Next {
        if let Some(last) = batch.last() {
            self.head = self.head.max(last.seq);
        }
        let live = self.gate.live(batch.iter().cloned());
        let fresh: Vec<LogLine> = live.into_iter().filter(|l| self.filter.matches(l)).collect();
        if self.mode == Mode::Following {
            return self.append(fresh);
        }
        if !fresh.is_empty() {
            self.new_count += fresh.len();
            self.held.extend(fresh);
            if self.held.len() > MAX_LINES {
                self.held.drain(..self.held.len() - MAX_LINES);
            }
        }
        Next::Stay
    }

    /// The pause button: pauses while following, else resumes.
    pub fn toggle_pause(&mut self) -> Next {
        match self.mode {
            Mode::Following => {
                self.mode = Mode::Paused;
                Next::Stay
            }
            _ => self.resume(),
        }
    }

    /// Back to following: after a short pause the held lines are shown,
    /// else (a long pause, a permalink) the newest page is loaded.
    pub fn resume(&mut self) -> Next {
        let was = self.mode;
        self.mode = Mode::Following;
        self.new_count = 0;
        let waiting = std::mem::take(&mut self.held);
        if was == Mode::Paused && waiting.len() < MAX_LINES {
            self.at_bottom = true;
            self.append(waiting);
            Next::Scroll(Scroll::Bottom)
        } else {
            Next::Load(self.start_latest(self.head))
        }
    }

    /// A new filter: back to following, from the newest page under it.
    pub fn set_filter(&mut self, filter: LogFilter) -> Next {
        if filter == self.filter {
            return Next::Stay;
        }
        self.filter = filter;
        self.mode = Mode::Following;
        self.new_count = 0;
        self.held.clear();
        Next::Load(self.start_latest(self.head))
    }

    /// The newest page under `load` landed (newest line first); `None` if
    /// a newer load superseded it (its page is dropped).
    pub fn finish_latest(&mut self, load: LatestLoad, page: LogPage) -> Option<Next> {
        if load.serial != self.latest_serial {
            return None;
        }
        let LogPage { items: mut page, searched } = page;
        page.reverse();
        self.older.landed(page.len(), searched);
        self.lines = page.into();
        if let Some((late, _)) = self.gate.loaded(load.generation, load.upto) {
            let late = late.into_iter().filter(|l| load.filter.matches(l)).collect();
            self.append(late);
        }
        self.at_bottom = true;
        self.loading = false;
        Some(Next::Scroll(Scroll::Bottom))
    }

    /// The newest page under `load` could not be read; whether `load` was
    /// still the current one (then its error is worth showing).
    pub fn fail_latest(&mut self, load: &LatestLoad) -> bool {
        let current = load.serial == self.latest_serial;
        if current {
            self.loading = false;
        }
        current
    }

    /// A permalink's context starts loading.
    pub fn start_around(&mut self) {
        self.loading = true;
    }

    /// A permalink's context could not be read.
    pub fn fail_around(&mut self) {
        self.loading = false;
    }

    /// A permalink's context landed: the lines up to and including its
    /// line (newest first) and those after it (oldest first).
    pub fn finish_around(&mut self, mut before: Vec<LogLine>, after: Vec<LogLine>) -> Next {
        before.reverse();
        let index = before.len().saturating_sub(1);
        before.extend(after);
        self.lines = before.into();
        self.at_bottom = false;
        self.loading = false;
        Next::Scroll(Scroll::ToRow(index.saturating_sub(ROWS_ABOVE_PERMALINK)))
    }

    /// The page of older lines to load, if it is time for one.
    pub fn start_older(&mut self) -> Option<OlderLoad> {
        if !self.older.may_start() || self.loading {
            return None;
        }
        let before = self.lines.front()?.seq;
        if self.lines.len() >= MAX_LINES {
            self.older.finish();
            return None;
        }
        self.older.start();
        Some(OlderLoad { before, filter: self.filter.clone() })
    }

    /// The user asks a search that stopped to go further back.
    pub fn search_further(&mut self) -> Option<OlderLoad> {
        let before = self.older.search_further()?;
        Some(OlderLoad { before, filter: self.filter.clone() })
    }

    /// Older lines landed (newest first); `None` if they could not be read.
    pub fn finish_older(&mut self, page: Option<LogPage>) -> Next {
        let Some(LogPage { items: page, searched }) = page else {
            self.older.failed();
            return Next::Stay;
        };
        let added = page.len();
        self.older.landed(added, searched);
        for line in page {
            self.lines.push_front(line);
        }
        Next::Scroll(Scroll::Down(added))
    }

    /// Starts a load of the newest page up to `upto`.
    fn start_latest(&mut self, upto: i64) -> LatestLoad {
        self.loading = true;
        self.older.restart();
        self.latest_serial += 1;
        LatestLoad { serial: self.latest_serial, generation: self.gate.start_load(), upto, filter: self.filter.clone() }
    }

    /// Adds lines at the end; following, drops the oldest beyond the cap.
    fn append(&mut self, more: Vec<LogLine>) -> Next {
        if more.is_empty() {
            return Next::Stay;
        }
        self.lines.extend(more);
        if !self.at_bottom {
            return Next::Stay;
        }
        let excess = self.lines.len().saturating_sub(MAX_LINES);
        self.lines.drain(..excess);
        Next::Scroll(Scroll::Bottom)
    }
}

mod mode;
mod older;
#[cfg(test)]
mod tests;
