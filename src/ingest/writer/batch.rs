//! One batch on its way to the database: each delivery parsed into a row
//! or a reject, in arrival order, with its acknowledgement and its share of
//! the byte budget.

use crate::{
    ingest::{
        budget::Held,
        parse::{self, Arrival, Envelope, Parsed},
        source::{Ack, Delivery},
    },
    model::{FeedKind, Mapping, NewLog, NewRejected, NewTick},
    store::batch::Rows,
};
use chrono::{DateTime, Utc};

/// Whether the injected fault has fired: once per process, so the
/// redelivered message passes after the restart.
static INJECTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// What a delivery became.
#[derive(Debug)]
pub enum Outcome {
    Tick(NewTick),
    Log(NewLog),
    Rejected(NewRejected),
}

/// A parsed delivery.
pub struct Item {
    pub outcome: Outcome,
    /// The payload as received, kept until the item is stored, so a row the
    /// database refuses can still be rejected with it.
    pub payload: bytes::Bytes,
    pub origin: String,
    pub envelope: Envelope,
    pub received_at: DateTime<Utc>,
    pub ack: Ack,
    pub held: Option<Held>,
}

impl Item {
    /// Where and when it arrived.
    pub fn arrival(&self) -> Arrival<'_> {
        Arrival { origin: &self.origin, received_at: self.received_at, envelope: &self.envelope }
    }
}

/// How a feed's payloads are read.
#[derive(Clone, Debug)]
pub struct Rules {
    pub kind: FeedKind,
    pub mapping: Mapping,
    /// Payloads above this many bytes are rejected; a rejected payload is
    /// kept up to this many bytes.
    pub max_payload: usize,
    /// Fault injection (`Settings::panic_on_payload`).
    pub panic_on: Option<&'static str>,
}

impl Rules {
    /// Parses one delivery.
    pub fn parse(&self, d: Delivery) -> Item {
        if let Some(poison) = self.panic_on
            && d.payload == poison.as_bytes()
            && !INJECTED.swap(true, std::sync::atomic::Ordering::Relaxed)
        {
            panic!("fault injection: the writer met {poison:?}");
        }
        let arrival = Arrival { origin: &d.origin, received_at: d.received_at, envelope: &d.envelope };
        let outcome = match parse::parse(self.kind, &self.mapping, &d.payload, arrival, self.max_payload) {
            Ok(Parsed::Tick(t)) => Outcome::Tick(t),
            Ok(Parsed::Log(l)) => Outcome::Log(l),
            Err(reason) => Outcome::Rejected(self.reject(&d.payload, arrival, reason)),
        };
        let Delivery { payload, origin, received_at, envelope, ack, held } = d;
        Item { outcome, payload, origin, envelope, received_at, ack, held }
    }

    /// A reject keeping at most `max_payload` bytes of the payload.
    pub fn reject(&self, payload: &[u8], arrival: Arrival<'_>, reason: String) -> NewRejected {
        let kept = payload.len().min(self.max_payload);
        NewRejected {
            received_at: arrival.received_at,
            reason,
            payload: payload[..kept].to_vec(),
            size: payload.len(),
            origin: arrival.origin.to_owned(),
        }
    }
}

/// The rows of some items, by kind, plus their rejects.
pub struct Parts {
    ticks: Vec<(NewTick, DateTime<Utc>)>,
    logs: Vec<(NewLog, DateTime<Utc>)>,
    pub rejected: Vec<NewRejected>,
}

impl Parts {
    /// Splits `items` into what the batch statement takes.
    pub fn of<'a>(items: impl IntoIterator<Item = &'a Item>) -> Parts {
        let mut parts = Parts { ticks: Vec::new(), logs: Vec::new(), rejected: Vec::new() };
        for item in items {
            match &item.outcome {
                Outcome::Tick(t) => parts.ticks.push((t.clone(), item.received_at)),
                Outcome::Log(l) => parts.logs.push((l.clone(), item.received_at)),
                Outcome::Rejected(r) => parts.rejected.push(r.clone()),
            }
        }
        parts
    }

    pub fn rows(&self) -> Rows<'_> {
        if self.logs.is_empty() { Rows::Ticks(&self.ticks) } else { Rows::Logs(&self.logs) }
    }

    /// When the earliest of these messages arrived from the broker.
    pub fn oldest(&self) -> Option<DateTime<Utc>> {
        let rows = self.ticks.iter().map(|t| t.1).chain(self.logs.iter().map(|l| l.1));
        rows.chain(self.rejected.iter().map(|r| r.received_at)).min()
    }
}
