//! The queue's rules, fed with events as the server writes them.

use super::*;

const TS: &str = "2026-12-01T10:00:00.000Z";

fn tick(feed: &str, seq: i64) -> String {
    format!(r#"{{"feed":"{feed}","seq":{seq},"symbol":"AAPL","price":1.5,"size":1,"ts":"{TS}"}}"#)
}

fn log(feed: &str, seq: i64) -> String {
    format!(r#"{{"feed":"{feed}","seq":{seq},"ts":"{TS}","level":"INFO","source":"api","message":"m{seq}"}}"#)
}

fn status(feed: &str) -> String {
    format!(
        r#"{{"feed":"{feed}","state":"connected","last_error":null,"last_message_at":null,"received":0,"stored":0,"rejected":0}}"#
    )
}

fn ready(feeds: &[(&str, i64)]) -> String {
    let feeds: Vec<String> =
        feeds.iter().map(|(feed, seq)| format!(r#"{{"feed":"{feed}","kind":"ticks","seq":{seq}}}"#)).collect();
    format!(r#"{{"feeds":[{}],"resumed":false}}"#, feeds.join(","))
}

fn reset(feed: &str) -> String {
    format!(r#"{{"feed":"{feed}","reason":"cursor too old"}}"#)
}

/// What the widgets would be told, one line per event: `feed: what`.
fn flush(queue: &mut LiveQueue) -> Vec<String> {
    let mut told = Vec::new();
    queue.take().dispatch(|feed, event| {
        let what = match event {
            FeedEvent::Load { seq } => format!("load {seq}"),
            FeedEvent::Ticks(t) => format!("ticks {:?}", t.iter().map(|t| t.seq).collect::<Vec<_>>()),
            FeedEvent::Logs(l) => format!("logs {:?}", l.iter().map(|l| l.seq).collect::<Vec<_>>()),
            FeedEvent::Status(s) => format!("status {}", s.state.as_str()),
            FeedEvent::Dropped(n) => format!("dropped {n}"),
            FeedEvent::Replay => "replay".to_owned(),
            FeedEvent::Alert(f) => format!("alert {} {}", f.alert_name, f.value),
        };
        told.push(format!("{feed}: {what}"));
    });
    told
}

/// A queue past its first `ready` for feeds `a` and `b` (at seq 0).
fn connected(cap: usize) -> LiveQueue {
    let mut queue = LiveQueue::new(cap);
    queue.push(LiveEvent::Ready, &ready(&[("a", 0), ("b", 0)]));
    flush(&mut queue);
    queue
}

#[test]
fn the_first_ready_loads_every_feed() {
    let mut queue = LiveQueue::new(MAX_QUEUE);
    queue.push(LiveEvent::Ready, &ready(&[("a", 10), ("b", 20)]));
    assert_eq!(flush(&mut queue), ["a: load 10", "b: load 20"]);
}

#[test]
fn a_later_ready_reloads_only_the_feeds_reset_meanwhile() {
    let mut queue = connected(MAX_QUEUE);
    queue.push(LiveEvent::Reset, &reset("b"));
    assert!(flush(&mut queue).is_empty(), "a reset waits for the next ready");
    queue.push(LiveEvent::Ready, &ready(&[("a", 5), ("b", 90)]));
    assert_eq!(flush(&mut queue), ["b: load 90"]);
    queue.push(LiveEvent::Ready, &ready(&[("a", 5), ("b", 90)]));
    assert!(flush(&mut queue).is_empty(), "each reset reloads once");
}

#[test]
fn an_event_with_a_seq_already_delivered_is_dropped() {
    let mut queue = connected(MAX_QUEUE);
    for seq in [1, 2, 2, 1, 3] {
        queue.push(LiveEvent::Tick, &tick("a", seq));
    }
    assert_eq!(flush(&mut queue), ["a: ticks [1, 2, 3]"]);
    queue.push(LiveEvent::Log, &log("b", 3));
    queue.push(LiveEvent::Log, &log("b", 3));
    queue.push(LiveEvent::Tick, &tick("a", 3));
    assert_eq!(flush(&mut queue), ["b: logs [3]"], "across flushes too");
}

#[test]
fn history_covers_up_to_the_ready_seq() {
    let mut queue = LiveQueue::new(MAX_QUEUE);
    queue.push(LiveEvent::Ready, &ready(&[("a", 10)]));
    queue.push(LiveEvent::Tick, &tick("a", 10));
    queue.push(LiveEvent::Tick, &tick("a", 11));
    assert_eq!(flush(&mut queue), ["a: load 10", "a: ticks [11]"]);
}

#[test]
fn a_gap_is_passed_on_as_it_came() {
    // The server fills gaps itself, or says `reset`: the queue invents nothing.
    let mut queue = connected(MAX_QUEUE);
    queue.push(LiveEvent::Tick, &tick("a", 1));
    queue.push(LiveEvent::Tick, &tick("a", 5));
    assert_eq!(flush(&mut queue), ["a: ticks [1, 5]"]);
}

#[test]
fn after_a_reset_the_feed_may_start_again_lower() {
    let mut queue = connected(MAX_QUEUE);
    queue.push(LiveEvent::Tick, &tick("a", 50));
    queue.push(LiveEvent::Reset, &reset("a"));
    queue.push(LiveEvent::Tick, &tick("a", 3));
    assert_eq!(flush(&mut queue), ["a: ticks [50, 3]"]);
    queue.push(LiveEvent::Ready, &ready(&[("a", 3)]));
    queue.push(LiveEvent::Tick, &tick("a", 4));
    assert_eq!(flush(&mut queue), ["a: load 3", "a: ticks [4]"]);
}

#[test]
fn each_feeds_order_is_kept_and_its_messages_between_other_events_are_one_run() {
    let mut queue = connected(MAX_QUEUE);
    queue.push(LiveEvent::Tick, &tick("a", 1));
    queue.push(LiveEvent::Tick, &tick("a", 2));
    queue.push(LiveEvent::Tick, &tick("b", 1));
    queue.push(LiveEvent::Tick, &tick("a", 3));
    queue.push(LiveEvent::Log, &log("c", 1));
    queue.push(LiveEvent::Log, &log("c", 2));
    queue.push(LiveEvent::Status, &status("a"));
    queue.push(LiveEvent::Tick, &tick("a", 4));
    assert_eq!(
        flush(&mut queue),
        ["a: ticks [1, 2, 3]", "a: status connected", "b: ticks [1]", "c: logs [1, 2]", "a: ticks [4]"]
    );
}

#[test]
fn beyond_the_cap_the_oldest_ticks_are_shed_and_counted_per_feed() {
    let mut queue = connected(10);
    queue.push(LiveEvent::Log, &log("c", 1));
    queue.push(LiveEvent::Status, &status("b"));
    for seq in 1..=4 {
        queue.push(LiveEvent::Tick, &tick("a", seq));
    }
    // The 5th tick of `b` is the 11th event: the 6 oldest ticks go (down
    // to half the cap), the log line and the status stay.
    for seq in 1..=5 {
        queue.push(LiveEvent::Tick, &tick("b", seq));
    }
    queue.push(LiveEvent::Log, &log("c", 2));
    let mut told = flush(&mut queue);
    told[..2].sort();
    assert_eq!(told, ["a: dropped 4", "b: dropped 2", "b: status connected", "c: logs [1, 2]", "b: ticks [3, 4, 5]"]);
}

#[test]
fn logs_and_statuses_are_never_shed() {
    let mut queue = connected(4);
    for seq in 1..=8 {
        queue.push(LiveEvent::Log, &log("c", seq));
    }
    queue.push(LiveEvent::Status, &status("c"));
    assert_eq!(flush(&mut queue), ["c: logs [1, 2, 3, 4, 5, 6, 7, 8]", "c: status connected"]);
}

#[test]
fn alerts_pass_in_order_between_messages_and_are_never_shed() {
    let mut queue = connected(4);
    queue.push(LiveEvent::Tick, &tick("a", 1));
    let firing = r#"{"id":3,"alert":1,"alert_name":"AAPL high","feed":"a","fired_at":"2026-12-06T10:00:00.000Z",
        "ts":"2026-12-06T10:00:00.000Z","seq_from":1,"seq_to":1,"value":191.0,"message":"m"}"#;
    queue.push(LiveEvent::Alert, firing);
    queue.push(LiveEvent::Alert, "{}");
    for seq in 2..=8 {
        queue.push(LiveEvent::Tick, &tick("a", seq));
    }
    let told = flush(&mut queue);
    assert!(told.contains(&"a: alert AAPL high 191".to_owned()), "{told:?}");
    assert_eq!(told.iter().filter(|t| t.contains("alert")).count(), 1, "unreadable alerts are ignored");
}

#[test]
fn heartbeats_and_unreadable_data_queue_nothing() {
    let mut queue = connected(MAX_QUEUE);
    queue.push(LiveEvent::Heartbeat, r#"{"ts":"now"}"#);
    queue.push(LiveEvent::Tick, "not json");
    queue.push(LiveEvent::Ready, "{}");
    assert!(!queue.has_pending());
    queue.push(LiveEvent::Tick, &tick("a", 1));
    assert!(queue.has_pending());
}

#[test]
fn a_replays_ready_loads_nothing_and_its_events_pass_from_seq_1() {
    let mut queue = LiveQueue::new(100);
    let ready =
        r#"{"feeds":[{"feed":"a","kind":"ticks"}],"resumed":false,"replay":{"from":"x","to":"y","speed":10.0}}"#;
    queue.push(LiveEvent::Ready, ready);
    queue.push(LiveEvent::Tick, &tick("a", 1));
    queue.push(LiveEvent::Tick, &tick("a", 2));
    queue.push(LiveEvent::End, r#"{"replay_to":"y"}"#);
    assert_eq!(flush(&mut queue), ["a: ticks [1, 2]"]);
}
