use super::*;
use crate::{
    hub::{replays::ReplayLimiter, stream::Replay},
    model::{FeedKind, Firing, LogLine, Tick},
    store::StoreError,
};
use std::sync::{
    Arc,
    atomic::{AtomicI64, Ordering},
};

/// A synthetic history: feed 1 has `ticks` ticks every `tick_ms`, feed 2
/// has `logs` lines every `log_ms`, from `T0`; messages are made as pages
/// are read, and `read` counts them.
#[derive(Clone)]
struct History {
    ticks: i64,
    tick_ms: i64,
    logs: i64,
    log_ms: i64,
    read: Arc<AtomicI64>,
    /// Alert firings on feed 1, at these times.
    firings: Vec<DateTime<Utc>>,
}

fn t0() -> DateTime<Utc> {
    "2026-11-30T10:00:00Z".parse().unwrap()
}

impl History {
    fn message(&self, feed: &StreamFeed, seq: i64) -> LiveMessage {
        match feed.kind {
            FeedKind::Ticks => {
                let ts = t0() + chrono::Duration::milliseconds((seq - 1) * self.tick_ms);
                let tick = Tick { seq, symbol: "ACME".into(), price: seq as f64, size: 1.0, ts };
                LiveMessage::tick(feed.id, &feed.name, &tick, None)
            }
            FeedKind::Logs => {
                let ts = t0() + chrono::Duration::milliseconds((seq - 1) * self.log_ms);
                let line =
                    LogLine { seq, ts, level: "INFO".into(), source: "app".into(), message: format!("line {seq}") };
                LiveMessage::log(feed.id, &feed.name, &line, None)
            }
        }
    }
}

impl Replay for History {
    async fn head(&self, _: &StreamFeed) -> Result<i64, StoreError> {
        unreachable!("replays read windows only")
    }

    async fn pruned(&self, _: &StreamFeed) -> Result<i64, StoreError> {
        unreachable!("replays read windows only")
    }

    async fn page(&self, _: &StreamFeed, _: i64, _: i64) -> Result<Vec<LiveMessage>, StoreError> {
        unreachable!("replays read windows only")
    }

    async fn window_page(
        &self,
        feed: &StreamFeed,
        window: &Window,
        after_seq: i64,
        limit: i64,
    ) -> Result<Vec<LiveMessage>, StoreError> {
        let count = if feed.kind == FeedKind::Ticks { self.ticks } else { self.logs };
        let page: Vec<LiveMessage> = (after_seq + 1..=count)
            .map(|seq| self.message(feed, seq))
            .filter(|m| m.ts >= window.from && m.ts < window.to)
            .take(limit as usize)
            .collect();
        self.read.fetch_add(page.len() as i64, Ordering::Relaxed);
        Ok(page)
    }

    async fn window_firings(&self, _: &[StreamFeed], window: &Window, limit: i64) -> Result<Vec<Firing>, StoreError> {
        let firing = |(i, ts): (usize, &DateTime<Utc>)| Firing {
            id: i as i64 + 1,
            alert: 1,
            alert_name: "ACME high".into(),
            feed: "ticks".into(),
            fired_at: *ts,
            ts: *ts,
            seq_from: 1,
            seq_to: 1,
            value: 1.0,
            symbol: Some("ACME".into()),
            message: "crossed".into(),
            acknowledged_at: None,
            acknowledged_by: None,
        };
        let in_window = |f: &Firing| f.ts >= window.from && f.ts < window.to;
        Ok(self.firings.iter().enumerate().map(firing).filter(in_window).take(limit as usize).collect())
    }
}

fn feeds() -> Vec<StreamFeed> {
    vec![
        StreamFeed { id: 1, name: "ticks".into(), kind: FeedKind::Ticks },
        StreamFeed { id: 2, name: "logs".into(), kind: FeedKind::Logs },
    ]
}

fn start(history: &History, window: Window, speed: f64) -> mpsc::Receiver<Outgoing> {
    let request = ReplayRequest { feeds: feeds(), window, speed };
    let limits = PumpLimits { replays: ReplayLimiter::new(2), send_timeout: Duration::from_secs(30) };
    spawn_replay(history.clone(), request, limits, CancellationToken::new())
}

fn whole_day() -> Window {
    Window { from: t0(), to: t0() + chrono::Duration::days(1) }
}

/// The `ts` of an event's data.
fn ts_of(out: &Outgoing) -> DateTime<Utc> {
    let data: serde_json::Value = serde_json::from_str(&out.data).unwrap();
    data["ts"].as_str().unwrap().parse().unwrap()
}

#[tokio::test(start_paused = true)]
async fn events_are_paced_by_their_time_divided_by_the_speed() {
    let history =
        History { ticks: 1000, tick_ms: 100, logs: 0, log_ms: 1, read: Default::default(), firings: Vec::new() };
    let mut events = start(&history, whole_day(), 10.0);
    let started = Instant::now();
    let ready = events.recv().await.unwrap();
    assert_eq!(ready.event, "ready");
    assert!(ready.data.contains(r#""speed":10.0"#), "{}", ready.data);
    let mut seen = 0;
    while let Some(out) = events.recv().await {
        match out.event {
            "tick" => {
                // Tick n is at (n-1) × 100 ms: due at (n-1) × 10 ms at 10×.
                let due = Duration::from_millis(seen * 10);
                assert_eq!(started.elapsed(), due, "tick {seen}");
                assert_eq!(out.id, None, "replays carry no resume position");
                seen += 1;
            }
            "end" => {
                assert_eq!(out.data, r#"{"replay_to":"2026-12-01T10:00:00.000Z"}"#);
                break;
            }
            _ => {}
        }
    }
    assert_eq!(seen, 1000);
    // (last.ts - first.ts) / speed = 99.9 s / 10.
    assert_eq!(started.elapsed(), Duration::from_millis(9990));
}

#[tokio::test(start_paused = true)]
async fn feeds_interleave_by_time_and_only_the_window_is_sent() {
    let history =
        History { ticks: 100, tick_ms: 300, logs: 100, log_ms: 200, read: Default::default(), firings: Vec::new() };
    let window = Window { from: t0() + chrono::Duration::seconds(3), to: t0() + chrono::Duration::seconds(9) };
    let mut events = start(&history, window, 100.0);
    let mut times = Vec::new();
    let mut kinds = std::collections::HashSet::new();
    while let Some(out) = events.recv().await {
        if out.event == "tick" || out.event == "log" {
            times.push(ts_of(&out));
            kinds.insert(out.event);
        }
        if out.event == "end" {
            break;
        }
    }
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "in time order across feeds");
    assert_eq!(kinds.len(), 2);
    assert_eq!(times.first(), Some(&window.from));
    assert!(times.iter().all(|t| *t >= window.from && *t < window.to));
    // 3 s ≤ ts < 9 s: ticks every 300 ms (20), lines every 200 ms (30).
    assert_eq!(times.len(), 50);
}

#[tokio::test(start_paused = true)]
async fn a_million_message_window_holds_one_page_per_feed() {
    let history =
        History { ticks: 1_000_000, tick_ms: 1, logs: 0, log_ms: 1, read: Default::default(), firings: Vec::new() };
    let mut events = start(&history, whole_day(), 100.0);
    let (mut received, mut most_ahead) = (0i64, 0i64);
    while let Some(out) = events.recv().await {
        match out.event {
            "tick" => {
                received += 1;
                most_ahead = most_ahead.max(history.read.load(Ordering::Relaxed) - received);
            }
            "end" => break,
            _ => {}
        }
    }
    assert_eq!(received, 1_000_000);
    // Read ahead of the client: at most the page being sent and the
    // client's buffer, never the window.
    assert!(most_ahead <= REPLAY_PAGE + super::super::CLIENT_BUFFER as i64, "read {most_ahead} ahead");
}

#[tokio::test(start_paused = true)]
async fn alert_firings_play_in_their_place_between_the_messages() {
    let at = |ms: i64| t0() + chrono::Duration::milliseconds(ms);
    let firings = vec![at(250), at(1000), at(99_999_999)];
    let history = History { ticks: 10, tick_ms: 100, logs: 0, log_ms: 1, read: Default::default(), firings };
    let mut events = start(&history, Window { from: t0(), to: at(2000) }, 10.0);
    let started = Instant::now();
    let mut order = Vec::new();
    while let Some(out) = events.recv().await {
        match out.event {
            "tick" | "alert" => order.push((out.event, ts_of(&out) - t0(), started.elapsed())),
            "end" => break,
            _ => {}
        }
    }
    let alerts: Vec<_> = order.iter().filter(|(e, ..)| *e == "alert").collect();
    assert_eq!(alerts.len(), 2, "the firing outside the window is left out");
    assert_eq!(alerts[0].2, Duration::from_millis(25), "paced like the messages");
    let names: Vec<&str> = order.iter().map(|(e, ..)| *e).collect();
    assert_eq!(&names[..5], ["tick", "tick", "tick", "alert", "tick"], "between the ticks at 200 and 300 ms");
    assert_eq!(names.last(), Some(&"alert"), "the one at 1 s comes after the last tick at 900 ms");
}
