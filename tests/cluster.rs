//! Two feedboard nodes on one database, as behind a load balancer: a viewer
//! on either node sees every feed live, whichever node ingests it; feeds
//! spread over the nodes and move when one leaves; chat, presence and
//! logouts span the nodes.

mod common;

use common::{
    TestApp,
    brokers::{MQTT_URL, mqtt_publish, unique},
    spawn_node, sse,
    ws::*,
};
use feedboard::cluster::Members;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

/// Two nodes on one database, each knowing the other.
async fn pair() -> (TestApp, TestApp) {
    let a = spawn_node("node-a", None).await;
    let b = spawn_node("node-b", Some(a.database_url.clone())).await;
    for app in [&a, &b] {
        app.wait_for_long("both nodes live", || async {
            let ready = app.get_json("/readyz").await;
            (ready["cluster"]["nodes"] == json!(["node-a", "node-b"])).then_some(())
        })
        .await;
    }
    (a, b)
}

async fn mqtt_feed(app: &TestApp, name: &str) -> String {
    let topic = format!("{name}/x");
    app.feed(json!({"name": name, "kind": "ticks", "source": {"protocol": "mqtt", "url": MQTT_URL, "topic": topic}}))
        .await;
    topic
}

/// The node ingesting `feed` once it is connected, as `app` sees it.
async fn ingesting_node(app: &TestApp, feed: &str) -> String {
    app.wait_for_long(&format!("{feed} connected"), || async {
        let f = app.get_json(&format!("/api/v1/feeds/{feed}")).await;
        let holder = f["status"]["ingested_by"].as_str().map(str::to_owned);
        holder.filter(|_| f["status"]["state"] == "connected")
    })
    .await
}

async fn feed_id(app: &TestApp, feed: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM feeds WHERE name = $1").bind(feed).fetch_one(app.db()).await.unwrap()
}

/// Stored and rejected counters of `feed`'s status, as `app` shows them.
async fn counters(app: &TestApp, feed: &str) -> (u64, u64) {
    let f = app.get_json(&format!("/api/v1/feeds/{feed}")).await;
    (f["status"]["stored"].as_u64().unwrap_or(0), f["status"]["rejected"].as_u64().unwrap_or(0))
}

fn ticks(from: usize, to: usize) -> Vec<Vec<u8>> {
    (from..to).map(|i| json!({"symbol": "C", "price": i, "id": format!("c{i}")}).to_string().into_bytes()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_on_either_node_sees_every_tick_once_in_order() {
    let (a, b) = pair().await;
    let name = unique("spread");
    let topic = mqtt_feed(&a, &name).await;
    let holder = ingesting_node(&a, &name).await;
    let (ingester, other) = if holder == "node-a" { (&a, &b) } else { (&b, &a) };
    let mut far = sse::connect(&other.url(""), &[&name], None).await;
    let mut near = sse::connect(&ingester.url(""), &[&name], None).await;
    for stream in [&mut far, &mut near] {
        assert_eq!(stream.next_data(Duration::from_secs(10)).await.unwrap().event, "ready");
    }

    mqtt_publish(&topic, ticks(0, 300)).await;
    let mut last_id = None;
    for (stream, label) in [(&mut far, "the other node"), (&mut near, "the ingesting node")] {
        for seq in 1..=300 {
            let event =
                stream.next_data(Duration::from_secs(20)).await.unwrap_or_else(|| panic!("tick {seq} on {label}"));
            assert_eq!(event.event, "tick", "{label}: {event:?}");
            assert_eq!(event.data["seq"], seq, "{label}: no gap, no duplicate");
            last_id = event.id;
        }
    }
    // A cursor from one node is valid on the other: nothing is replayed twice.
    let mut resumed = sse::connect(&other.url(""), &[&name], last_id.as_deref()).await;
    let ready = resumed.next_data(Duration::from_secs(10)).await.unwrap();
    assert_eq!((ready.event.as_str(), &ready.data["resumed"]), ("ready", &json!(true)));
    mqtt_publish(&topic, ticks(300, 301)).await;
    assert_eq!(resumed.next_data(Duration::from_secs(20)).await.unwrap().data["seq"], 301);
    a.stop_keeping_database().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feeds_go_to_their_preferred_node_and_move_when_it_leaves() {
    let (a, b) = pair().await;
    let names: Vec<String> = (0..4).map(|_| unique("placed")).collect();
    for name in &names {
        mqtt_feed(&b, name).await; // created on b: every node hears of it
    }
    let view = Members::new("node-a".into());
    view.set_live(vec!["node-a".into(), "node-b".into()]);
    for name in &names {
        let preferred = view.preferred(feed_id(&a, name).await);
        a.wait_for_long(&format!("{name} on {preferred}"), || async {
            (ingesting_node(&a, name).await == preferred).then_some(())
        })
        .await;
    }
    let cluster = a.admin().await.get(a.url("/api/v1/cluster")).send().await.unwrap();
    assert_eq!(cluster.status(), StatusCode::OK);
    let cluster: Value = cluster.json().await.unwrap();
    let nodes = cluster["nodes"].as_array().unwrap();
    assert_eq!(nodes.iter().map(|n| n["id"].as_str().unwrap()).collect::<Vec<_>>(), ["node-a", "node-b"]);
    assert_eq!(nodes[0]["this_node"], true);
    let listed: usize = nodes.iter().map(|n| n["feeds"].as_array().unwrap().len()).sum();
    assert_eq!(listed, names.len(), "each feed is listed under one node: {cluster}");
    assert_eq!(a.client().get(a.url("/api/v1/cluster")).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);

    // b leaves: a takes every feed.
    b.stop_keeping_database().await;
    for name in &names {
        a.wait_for_long(&format!("{name} back on node-a"), || async {
            (ingesting_node(&a, name).await == "node-a").then_some(())
        })
        .await;
    }
    a.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_presence_and_logout_span_the_nodes() {
    let (a, b) = pair().await;
    let room = dashboard(&a, json!([])).await;
    let alice_cookie = viewer(&a, "alice").await;
    let bob_cookie = viewer(&a, "bob").await;
    let mut alice = connect(&a, Some(&alice_cookie)).await;
    let mut bob = connect(&b, Some(&bob_cookie)).await;
    join(&mut alice, &room).await;
    join(&mut bob, &room).await;
    presence_becomes(&mut alice, &["alice", "bob"]).await;
    presence_becomes(&mut bob, &["alice", "bob"]).await;

    send(&mut alice, json!({"type": "chat", "dashboard": room, "text": "hi from a"})).await;
    let chat = next_of(&mut bob, "chat").await;
    assert_eq!((chat["user"].as_str(), chat["text"].as_str()), (Some("alice"), Some("hi from a")));
    assert_eq!(next_of(&mut alice, "chat").await["text"], "hi from a", "the sender hears itself once");
    send(&mut bob, json!({"type": "chat", "dashboard": room, "text": "hi from b"})).await;
    assert_eq!(next_of(&mut alice, "chat").await["text"], "hi from b");
    assert_eq!(next_of(&mut bob, "chat").await["text"], "hi from b");
    // A message too large for one notification crosses through the outbox.
    let long = "😀".repeat(2000);
    send(&mut alice, json!({"type": "chat", "dashboard": room, "text": long})).await;
    assert_eq!(next_of(&mut bob, "chat").await["text"], long.as_str());

    // bob signs out through node a: his socket on node b closes.
    let logout =
        reqwest::Client::new().post(a.url("/api/v1/logout")).header("cookie", &bob_cookie).send().await.unwrap();
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    assert_eq!(close_code(&mut bob).await, Some(CloseCode::Policy));
    presence_becomes(&mut alice, &["alice"]).await;

    // A viewer on b, then b goes away: a's room forgets b's viewers.
    let mut carol = connect(&b, Some(&viewer(&a, "carol").await)).await;
    join(&mut carol, &room).await;
    presence_becomes(&mut alice, &["alice", "carol"]).await;
    b.stop_keeping_database().await;
    assert_eq!(close_code(&mut carol).await, Some(CloseCode::Restart), "a retryable close");
    presence_becomes(&mut alice, &["alice"]).await;
    a.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_feed_moves_to_a_node_that_joins_later_and_the_first_keeps_it_live() {
    let a = spawn_node("node-a", None).await;
    let view = Members::new("node-a".into());
    view.set_live(vec!["node-a".into(), "node-b".into()]);
    // A feed that node-b will be preferred for, ingested by node-a alone first.
    let (name, topic) = loop {
        let name = unique("moving");
        let topic = mqtt_feed(&a, &name).await;
        if view.preferred(feed_id(&a, &name).await) == "node-b" {
            break (name, topic);
        }
    };
    assert_eq!(ingesting_node(&a, &name).await, "node-a");
    let b = spawn_node("node-b", Some(a.database_url.clone())).await;
    a.wait_for_long(&format!("{name} moved to node-b"), || async {
        (ingesting_node(&a, &name).await == "node-b").then_some(())
    })
    .await;
    // It stays there: the lease is not taken back and forth (its token,
    // which grows with every takeover, stands still over several renewals).
    let lease = || async {
        let (holder, token): (String, i64) = sqlx::query_as("SELECT holder, token FROM feed_leases WHERE feed_id = $1")
            .bind(feed_id(&a, &name).await)
            .fetch_one(a.db())
            .await
            .unwrap();
        (holder, token)
    };
    let settled = lease().await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(lease().await, settled, "the feed stays on node-b");
    assert_eq!(settled.0, "node-b");
    // node-a no longer ingests it, yet its viewers still get every tick.
    let mut stream = sse::connect(&a.url(""), &[&name], None).await;
    assert_eq!(stream.next_data(Duration::from_secs(10)).await.unwrap().event, "ready");
    mqtt_publish(&topic, ticks(0, 50)).await;
    for seq in 1..=50 {
        let event = stream.next_data(Duration::from_secs(20)).await.unwrap_or_else(|| panic!("tick {seq} on node-a"));
        assert_eq!((event.event.as_str(), &event.data["seq"]), ("tick", &json!(seq)));
    }
    a.stop_keeping_database().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reparse_on_one_node_moves_the_counters_of_the_node_that_ingests() {
    let (a, b) = pair().await;
    let name = unique("reparsed");
    let mut feed = json!({"name": name, "kind": "ticks", "source": {"protocol": "mqtt", "url": MQTT_URL, "topic": format!("{name}/x")}});
    a.feed(feed.clone()).await;
    let holder = ingesting_node(&a, &name).await;
    // The re-parse runs on the node that does not ingest the feed.
    let (ingester, other) = if holder == "node-a" { (&a, &b) } else { (&b, &a) };
    let payloads = (0..5).map(|i| json!({"sym": "R", "px": i}).to_string().into_bytes()).collect();
    mqtt_publish(&format!("{name}/x"), payloads).await;
    ingester.wait_for_long("5 rejected", || async { (counters(ingester, &name).await == (0, 5)).then_some(()) }).await;

    feed["mapping"] = json!({"symbol": "sym", "price": "px"});
    let admin = other.admin().await;
    let res = admin.put(other.url(&format!("/api/v1/feeds/{name}"))).json(&feed).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = admin.post(other.url(&format!("/api/v1/feeds/{name}/rejected/reparse"))).send().await.unwrap();
    assert_eq!(res.json::<Value>().await.unwrap(), json!({"accepted": 5, "still_rejected": 0}));
    for app in [ingester, other] {
        app.wait_for_long("the counters moved over", || async { (counters(app, &name).await == (5, 0)).then_some(()) })
            .await;
    }
    a.stop_keeping_database().await;
    b.stop().await;
}
