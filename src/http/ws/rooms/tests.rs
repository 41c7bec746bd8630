use super::*;
use tokio_util::sync::CancellationToken;

fn member(user: Option<&str>, capacity: usize) -> (Member, mpsc::Receiver<Utf8Bytes>) {
    let (outbox, rx) = mpsc::channel(capacity);
    (Member { user: user.map(str::to_owned), outbox, kick: CancellationToken::new() }, rx)
}

fn drain(rx: &mut mpsc::Receiver<Utf8Bytes>) -> Vec<serde_json::Value> {
    std::iter::from_fn(|| rx.try_recv().ok()).map(|t| serde_json::from_str(t.as_str()).unwrap()).collect()
}

#[test]
fn presence_counts_users_once_across_tabs_and_anonymous_viewers_apart() {
    let rooms = Rooms::default();
    let (alice1, mut rx1) = member(Some("alice"), 16);
    let (alice2, mut rx2) = member(Some("alice"), 16);
    let (anon, _rx3) = member(None, 16);
    rooms.join("m", 1, alice1);
    // The joiner's own snapshot, then the room's announcement.
    assert_eq!(drain(&mut rx1).len(), 2);
    rooms.join("m", 2, alice2);
    assert_eq!(rooms.presence("m").users, ["alice"]);
    // The second tab changed nothing: only the joiner heard about it.
    assert_eq!(drain(&mut rx1).len(), 0);
    assert_eq!(drain(&mut rx2).len(), 1);
    rooms.join("m", 3, anon);
    assert_eq!(rooms.presence("m").anonymous, 1);
    assert_eq!(drain(&mut rx1)[0]["anonymous"], 1);
    rooms.leave("m", 1);
    assert_eq!(rooms.presence("m").users, ["alice"], "alice still has a tab open");
    rooms.leave("m", 2);
    assert!(rooms.presence("m").users.is_empty());
    rooms.leave("m", 3);
    assert!(rooms.inner.rooms.lock().unwrap().is_empty(), "empty rooms are forgotten");
}

#[test]
fn a_full_outbox_kicks_only_that_member() {
    let rooms = Rooms::default();
    let (slow, _slow_rx) = member(Some("slow"), 1);
    let (fast, mut fast_rx) = member(Some("fast"), 64);
    let (slow_kick, fast_kick) = (slow.kick.clone(), fast.kick.clone());
    rooms.join("m", 1, slow);
    rooms.join("m", 2, fast);
    for _ in 0..10 {
        rooms.broadcast("m", &ServerMessage::AnnotationDeleted { dashboard: "m".into(), id: 1 });
    }
    assert!(slow_kick.is_cancelled());
    assert!(!fast_kick.is_cancelled());
    assert_eq!(drain(&mut fast_rx).iter().filter(|m| m["type"] == "annotation_deleted").count(), 10);
}

#[tokio::test]
async fn a_crowd_arriving_makes_one_announcement() {
    let rooms =
        Rooms::new(WsSettings { presence_every: std::time::Duration::from_millis(50), ..WsSettings::default() });
    let (first, mut rx) = member(Some("first"), 1024);
    rooms.join("m", 0, first);
    let mut crowd = Vec::new();
    for id in 1..=100 {
        let (m, rx) = member(None, 1024);
        rooms.join("m", id, m);
        crowd.push(rx);
    }
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let heard = drain(&mut rx);
    assert!(heard.len() <= 3, "a few announcements, not one per arrival: {}", heard.len());
    assert_eq!(heard.last().unwrap()["anonymous"], 100, "the last one is the truth");
}
