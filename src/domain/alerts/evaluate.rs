//! The rules' state machine: what a rule remembers between evaluations and
//! which observation makes it fire. Pure (no clock, no I/O), so the engine
//! runs it inside the transaction that stores its result, and tests run it
//! on made-up data.
//!
//! Every rule fires on an edge: when its condition starts to hold, never
//! again while it keeps holding.

use crate::model::{AlertRule, LogLevel};
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// One stored message a rule looks at, in `seq` order.
#[derive(Clone, Debug)]
pub enum Observation<'a> {
    /// A tick of the rule's symbol.
    Tick { seq: i64, ts: DateTime<Utc>, price: f64 },
    /// A log line at or above the rule's level, with the time this node's
    /// cluster received it (rates are counted on the server's clock).
    Log { seq: i64, ts: DateTime<Utc>, received_at: DateTime<Utc>, level: LogLevel, message: &'a str },
}

/// A rule's condition began to hold.
#[derive(Clone, Debug, PartialEq)]
pub struct Trigger {
    pub seq_from: i64,
    pub seq_to: i64,
    pub ts: DateTime<Utc>,
    pub value: f64,
    pub message: String,
}

/// Everything a rule remembers between evaluations (stored as JSON with
/// the rule, committed with its watermark).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Memory {
    /// Whether the condition held at the last observation.
    #[serde(default)]
    pub firing: bool,
    /// The last message the rule looked at.
    #[serde(default)]
    pub last_seq: Option<i64>,
    /// `no_data`: when data was last seen (or the rule started watching).
    #[serde(default)]
    pub last_data_at: Option<DateTime<Utc>>,
    /// `change_pct`: the first tick of each slice of the window (slice
    /// start in ms, price, seq), oldest first; at most [`SLICES`] + 1.
    #[serde(default)]
    pub slices: VecDeque<(i64, f64, i64)>,
    /// `log_rate`: the last `count` matching lines (received ms, seq).
    #[serde(default)]
    pub matches: VecDeque<(i64, i64)>,
}

/// How finely `change_pct` remembers its window.
const SLICES: i64 = 60;

impl Memory {
    /// The memory of a rule that starts watching at `now`.
    pub fn starting(now: DateTime<Utc>) -> Memory {
        Memory { last_data_at: Some(now), ..Memory::default() }
    }

    /// Looks at one message; `Some` when the condition starts to hold.
    pub fn observe(&mut self, rule: &AlertRule, observation: &Observation) -> Option<Trigger> {
        let previous = self.last_seq;
        match (rule, observation) {
            (AlertRule::PriceAbove { symbol, level }, &Observation::Tick { seq, ts, price }) => {
                self.last_seq = Some(seq);
                let message = format!("{symbol} at {price} crossed above {level}");
                self.edge(price > *level, || Trigger {
                    seq_from: previous.unwrap_or(seq),
                    seq_to: seq,
                    ts,
                    value: price,
                    message,
                })
            }
            (AlertRule::PriceBelow { symbol, level }, &Observation::Tick { seq, ts, price }) => {
                self.last_seq = Some(seq);
                let message = format!("{symbol} at {price} crossed below {level}");
                self.edge(price < *level, || Trigger {
                    seq_from: previous.unwrap_or(seq),
                    seq_to: seq,
                    ts,
                    value: price,
                    message,
                })
            }
            (AlertRule::ChangePct { symbol, pct, window }, &Observation::Tick { seq, ts, price }) => {
                self.last_seq = Some(seq);
                let (from_seq, change) = self.change(window.as_secs(), seq, ts, price)?;
                let direction = if change >= 0.0 { "up" } else { "down" };
                let message = format!("{symbol} {direction} {:.2}% within {window} (at {price})", change.abs());
                let value = (change * 100.0).round() / 100.0;
                self.edge(change.abs() >= *pct, || Trigger { seq_from: from_seq, seq_to: seq, ts, value, message })
            }
            (AlertRule::LogRate { q, count, window, .. }, &Observation::Log { seq, ts, received_at, message, .. }) => {
                self.last_seq = Some(seq);
                if q.as_deref().is_some_and(|q| !contains_ignoring_case(message, q)) {
                    return None;
                }
                let count = *count as usize;
                self.matches.push_back((received_at.timestamp_millis(), seq));
                while self.matches.len() > count {
                    self.matches.pop_front();
                }
                let (oldest_at, oldest_seq) = *self.matches.front()?;
                let within = received_at.timestamp_millis() - oldest_at <= window_ms(window.as_secs());
                let description = rule.describe();
                self.edge(self.matches.len() == count && within, || Trigger {
                    seq_from: oldest_seq,
                    seq_to: seq,
                    ts,
                    value: count as f64,
                    message: format!("{description}: {message}"),
                })
            }
            _ => None,
        }
    }

    /// Data arrived up to `head` (evaluated at `now`): a `no_data` rule
    /// starts counting again and stops firing.
    pub fn saw_data(&mut self, rule: &AlertRule, head: i64, now: DateTime<Utc>) {
        if let AlertRule::NoData { .. } = rule {
            self.last_data_at = Some(now);
            self.last_seq = Some(head);
            self.firing = false;
        }
    }

    /// What the passing of time does at `now`: `no_data` fires once the
    /// feed has been quiet for the window (and clears on data, see
    /// [`Memory::saw_data`]); `log_rate` stops firing once fewer than
    /// `count` lines remain in the window.
    pub fn on_clock(&mut self, rule: &AlertRule, now: DateTime<Utc>) -> Option<Trigger> {
        match rule {
            AlertRule::NoData { window } => {
                let since = *self.last_data_at.get_or_insert(now);
                let quiet = now - since;
                let holds = quiet >= TimeDelta::seconds(window.as_secs() as i64);
                let seq = self.last_seq.unwrap_or(0);
                let secs = quiet.num_milliseconds() as f64 / 1000.0;
                self.edge(holds, || Trigger {
                    seq_from: seq,
                    seq_to: seq,
                    ts: now,
                    value: secs.floor(),
                    message: format!("no data for {}s (window {window})", secs.floor()),
                })
            }
            AlertRule::LogRate { count, window, .. } if self.firing => {
                let oldest = self.matches.front().map(|(at, _)| *at);
                let cutoff = now.timestamp_millis() - window_ms(window.as_secs());
                if self.matches.len() < *count as usize || oldest.is_none_or(|at| at < cutoff) {
                    self.firing = false;
                }
                None
            }
            _ => None,
        }
    }

    /// Records whether the condition holds; a trigger only on the change
    /// from not holding to holding.
    fn edge(&mut self, holds: bool, trigger: impl FnOnce() -> Trigger) -> Option<Trigger> {
        let fires = holds && !self.firing;
        self.firing = holds;
        fires.then(trigger)
    }

    /// `change_pct`: the percentage change of `price` against the first
    /// tick still inside the window, and that tick's `seq`.
    fn change(&mut self, window_secs: u64, seq: i64, ts: DateTime<Utc>, price: f64) -> Option<(i64, f64)> {
        let window = window_ms(window_secs);
        let width = (window / SLICES).max(1000);
        let at = ts.timestamp_millis();
        let slice = at - at.rem_euclid(width);
        while self.slices.front().is_some_and(|(start, _, _)| *start + width <= at - window) {
            self.slices.pop_front();
        }
        if self.slices.back().is_none_or(|(start, _, _)| *start < slice) {
            self.slices.push_back((slice, price, seq));
        }
        let (_, reference, from_seq) = *self.slices.front()?;
        (reference != 0.0).then(|| (from_seq, (price - reference) / reference * 100.0))
    }
}

fn window_ms(secs: u64) -> i64 {
    i64::try_from(secs).unwrap_or(i64::MAX / 1000) * 1000
}

fn contains_ignoring_case(text: &str, needle: &str) -> bool {
    text.to_lowercase().contains(&needle.to_lowercase())
}

#[cfg(test)]
mod tests;
