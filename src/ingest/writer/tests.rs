//! The writer's commit policy against a scripted store: which deliveries
//! are handed on for acknowledgement after which database answers.

use super::*;
use crate::{
    hub::Hub,
    ingest::source::Ack,
    model::{FeedKind, LogLine, Mapping},
};
use std::{borrow::Cow, collections::VecDeque, sync::Mutex, time::Duration};

/// A database error with a given SQLSTATE.
#[derive(Debug)]
struct Sqlstate(&'static str);

impl std::fmt::Display for Sqlstate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SQLSTATE {}", self.0)
    }
}

impl std::error::Error for Sqlstate {}

impl sqlx::error::DatabaseError for Sqlstate {
    fn message(&self) -> &str {
        "scripted failure"
    }
    fn code(&self) -> Option<Cow<'_, str>> {
        Some(Cow::Borrowed(self.0))
    }
    fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        self
    }
    fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
        self
    }
    fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
        self
    }
    fn kind(&self) -> sqlx::error::ErrorKind {
        sqlx::error::ErrorKind::Other
    }
}

fn db_error(code: &'static str) -> StoreError {
    StoreError::Db(sqlx::Error::Database(Box::new(Sqlstate(code))))
}

/// What the scripted store answers to one write.
enum Answer {
    Commit,
    /// Fails, but the batch is in the database (the COMMIT's answer was lost).
    CommitThenFail(&'static str),
    Fail(&'static str),
    Fenced,
}

/// A log feed's store that answers writes from a script (then commits),
/// refuses any batch holding a line whose message is "poison", and
/// remembers what committed.
#[derive(Default)]
struct Scripted {
    answers: Mutex<VecDeque<Answer>>,
    stored: Mutex<Vec<String>>,
    rejected: Mutex<Vec<String>>,
    committed_ids: Mutex<Vec<(i64, Stored)>>,
    writes: Mutex<usize>,
}

impl Scripted {
    fn with(answers: Vec<Answer>) -> Arc<Self> {
        Arc::new(Scripted { answers: Mutex::new(answers.into()), ..Default::default() })
    }

    fn apply(&self, id: i64, rows: Rows<'_>, rejected: &[NewRejected]) -> Stored {
        self.rejected.lock().unwrap().extend(rejected.iter().map(|r| r.reason.clone()));
        let logs = if let Rows::Logs(logs) = rows { logs } else { &[] };
        let mut stored = self.stored.lock().unwrap();
        let mut out = Stored::default();
        for (log, _) in logs {
            stored.push(log.message.clone());
            out.logs.push(LogLine {
                seq: stored.len() as i64,
                ts: log.ts,
                level: log.level.clone(),
                source: log.source.clone(),
                message: log.message.clone(),
            });
        }
        self.committed_ids.lock().unwrap().push((id, Stored { ticks: vec![], logs: out.logs.clone() }));
        out
    }
}

impl BatchStore for Arc<Scripted> {
    async fn write(&self, id: i64, rows: Rows<'_>, rejected: &[NewRejected]) -> Result<Stored, StoreError> {
        *self.writes.lock().unwrap() += 1;
        let answer = self.answers.lock().unwrap().pop_front().unwrap_or(Answer::Commit);
        let poisoned = matches!(rows, Rows::Logs(l) if l.iter().any(|(log, _)| log.message == "poison"));
        match answer {
            Answer::Fenced => Err(StoreError::Fenced(1)),
            Answer::Fail(code) => Err(db_error(code)),
            _ if poisoned => Err(db_error("22021")),
            Answer::Commit => Ok(self.apply(id, rows, rejected)),
            Answer::CommitThenFail(code) => {
                self.apply(id, rows, rejected);
                Err(db_error(code))
            }
        }
    }

    async fn committed(&self, id: i64) -> Result<Option<Stored>, StoreError> {
        let ids = self.committed_ids.lock().unwrap();
        Ok(ids.iter().find(|(i, _)| *i == id).map(|(_, s)| Stored { ticks: vec![], logs: s.logs.clone() }))
    }
}

fn delivery(n: u64, text: &str) -> Delivery {
    Delivery {
        payload: bytes::Bytes::from(text.to_owned()),
        origin: "app".into(),
        envelope: Default::default(),
        received_at: Utc::now(),
        ack: Ack::Test(n),
        held: None,
    }
}

fn writer(store: Arc<Scripted>, batch_bytes: usize) -> (Writer<Arc<Scripted>>, Arc<FeedMonitor>) {
    let monitor = Arc::new(FeedMonitor::new(1, "logs".into(), Hub::new(16), 0, 0));
    let writer = Writer {
        store,
        feed_name: "logs".into(),
        rules: Rules { kind: FeedKind::Logs, mapping: Mapping::default(), max_payload: 64, panic_on: None },
        limits: Limits { batch_max: 100, batch_bytes },
        monitor: monitor.clone(),
        abandon: CancellationToken::new(),
    };
    (writer, monitor)
}

/// Sends `texts` as one burst, closes the channel, runs the writer; returns
/// how it ended and the acknowledged deliveries, batch by batch.
async fn run(writer: Writer<Arc<Scripted>>, texts: &[&str]) -> (Exit, Vec<Vec<u64>>) {
    let (tx, rx) = mpsc::channel(texts.len().max(1));
    for (n, text) in texts.iter().enumerate() {
        tx.send(delivery(n as u64, text)).await.unwrap();
    }
    drop(tx);
    let (done_tx, mut done_rx) = mpsc::channel(100);
    let exit = writer.run(rx, done_tx).await;
    let mut batches = Vec::new();
    while let Ok(c) = done_rx.try_recv() {
        batches.push(c.acks.iter().map(|a| if let Ack::Test(n) = a { *n } else { u64::MAX }).collect());
    }
    (exit, batches)
}

#[tokio::test(start_paused = true)]
async fn resource_and_concurrency_errors_hold_the_batch_until_it_commits() {
    // Disk full, out of memory, too many connections, statement timeout, deadlock, serialization.
    for code in ["53100", "53200", "53300", "57014", "40P01", "40001", "08006", "57P01"] {
        let store = Scripted::with(vec![Answer::Fail(code), Answer::Fail(code)]);
        let (w, monitor) = writer(store.clone(), 1 << 20);
        let (exit, acked) = run(w, &["a", "b", "c"]).await;
        assert_eq!(exit, Exit::Drained, "{code}");
        assert_eq!(acked, vec![vec![0, 1, 2]], "{code}: acknowledged once committed");
        assert_eq!(*store.stored.lock().unwrap(), ["a", "b", "c"], "{code}: stored once, nothing rejected");
        assert!(store.rejected.lock().unwrap().is_empty(), "{code}");
        assert_eq!(monitor.snapshot().state, FeedState::Connected, "{code}: recovered");
        assert!(monitor.snapshot().last_error.unwrap().contains(code), "{code}: the reason was shown");
    }
}

#[tokio::test(start_paused = true)]
async fn a_commit_whose_answer_was_lost_is_not_written_twice() {
    let store = Scripted::with(vec![Answer::CommitThenFail("08006")]);
    let (w, _) = writer(store.clone(), 1 << 20);
    let (exit, acked) = run(w, &["a", "b"]).await;
    assert_eq!(exit, Exit::Drained);
    assert_eq!(acked, vec![vec![0, 1]]);
    assert_eq!(*store.stored.lock().unwrap(), ["a", "b"], "no duplicate");
    assert_eq!(*store.writes.lock().unwrap(), 1, "the store was asked, not written again");
}

#[tokio::test(start_paused = true)]
async fn a_refused_batch_rejects_only_the_culprit() {
    let store = Scripted::with(vec![]);
    let (w, _) = writer(store.clone(), 1 << 20);
    let (exit, acked) = run(w, &["a", "poison", "c"]).await;
    assert_eq!(exit, Exit::Drained);
    assert_eq!(acked, vec![vec![0, 1, 2]], "all three acknowledged, in order");
    assert_eq!(*store.stored.lock().unwrap(), ["a", "c"]);
    let rejected = store.rejected.lock().unwrap();
    assert_eq!(rejected.len(), 1);
    assert!(rejected[0].starts_with("the database refused the message"), "{rejected:?}");
}

#[tokio::test(start_paused = true)]
async fn a_hold_while_storing_one_by_one_is_retried_not_rejected() {
    // The batch is refused, then the first single write meets a full connection table.
    let store = Scripted::with(vec![Answer::Fail("22021"), Answer::Fail("53300")]);
    let (w, _) = writer(store.clone(), 1 << 20);
    let (exit, acked) = run(w, &["a", "b"]).await;
    assert_eq!(exit, Exit::Drained);
    assert_eq!(acked, vec![vec![0, 1]]);
    assert_eq!(*store.stored.lock().unwrap(), ["a", "b"], "nothing lost to the transient failure");
    assert!(store.rejected.lock().unwrap().is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_lost_lease_stops_the_writer_without_acknowledging() {
    let store = Scripted::with(vec![Answer::Fenced]);
    let (w, _) = writer(store.clone(), 1 << 20);
    let (exit, acked) = run(w, &["a", "b"]).await;
    assert_eq!(exit, Exit::Fenced);
    assert!(acked.is_empty());
    assert!(store.stored.lock().unwrap().is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_batch_held_at_the_end_of_the_drain_time_is_left_unacknowledged() {
    let store = Scripted::with((0..1000).map(|_| Answer::Fail("53100")).collect());
    let (w, _) = writer(store.clone(), 1 << 20);
    let abandon = w.abandon.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(30)).await;
        abandon.cancel();
    });
    let (exit, acked) = run(w, &["a"]).await;
    assert_eq!(exit, Exit::Abandoned);
    assert!(acked.is_empty());
}

#[tokio::test(start_paused = true)]
async fn batches_close_at_their_byte_budget() {
    let store = Scripted::with(vec![]);
    let (w, _) = writer(store.clone(), 10);
    let (_, acked) = run(w, &["aaaaaa", "bbbbbb", "cccccc", "dddddd", "e"]).await;
    assert_eq!(acked, vec![vec![0, 1], vec![2, 3], vec![4]]);
}

#[tokio::test(start_paused = true)]
async fn an_oversized_payload_is_rejected_with_a_bounded_prefix_and_its_size() {
    let rules = Rules { kind: FeedKind::Logs, mapping: Mapping::default(), max_payload: 64, panic_on: None };
    let huge = "x".repeat(10 << 20);
    let item = rules.parse(delivery(0, &huge));
    let Outcome::Rejected(reject) = item.outcome else { panic!("accepted an oversized payload") };
    assert_eq!(reject.payload.len(), 64);
    assert_eq!(reject.size, 10 << 20);
    assert!(reject.reason.contains("over the 64-byte limit"), "{}", reject.reason);
}
