//! Two feedboard processes on one database: one ingests each feed (it holds
//! the feed's lease; the feed's preferred node, once both know each other),
//! the other serves read-only and takes over when the first goes away; a
//! former holder can never write again.

mod common;

use common::{
    TestApp,
    brokers::{MQTT_URL, mqtt_publish, unique},
    spawn_node,
};
use feedboard::{
    cluster::Members,
    model::{NewTick, Tick},
    store::{
        StoreError,
        batch::{self, DEFAULT_ID_WINDOW, NewBatch, Rows},
        leases,
    },
};
use serde_json::{Value, json};
use std::time::Duration;

fn ticks(from: usize, to: usize) -> Vec<Vec<u8>> {
    (from..to).map(|i| json!({"symbol": "L", "price": i, "id": format!("l{i}")}).to_string().into_bytes()).collect()
}

async fn holder_seen_by(app: &TestApp, feed: &str, holder: &str) -> Value {
    app.wait_for_long(&format!("{holder} ingesting {feed}"), || async {
        let f = app.get_json(&format!("/api/v1/feeds/{feed}")).await;
        (f["status"]["ingested_by"] == holder && f["status"]["state"] == "connected").then_some(f)
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_process_ingests_a_feed_and_another_takes_over_when_it_stops() {
    let a = spawn_node("node-a", None).await;
    let name = unique("leased");
    let topic = format!("{name}/x");
    a.feed(json!({"name": name, "kind": "ticks", "source": {"protocol": "mqtt", "url": MQTT_URL, "topic": topic}}))
        .await;
    let b = spawn_node("node-b", Some(a.database_url.clone())).await;

    // The feed settles on its preferred node; the other one stands by.
    let id: i64 =
        sqlx::query_scalar("SELECT id FROM feeds WHERE name = $1").bind(&name).fetch_one(a.db()).await.unwrap();
    let view = Members::new("node-a".into());
    view.set_live(vec!["node-a".into(), "node-b".into()]);
    let (holder, standby) = if view.preferred(id) == "node-a" { (a, b) } else { (b, a) };
    let (holder_id, standby_id) = (holder_name(&holder), holder_name(&standby));
    holder_seen_by(&holder, &name, holder_id).await;
    holder_seen_by(&standby, &name, holder_id).await; // the standby shows the holder's status
    let ready: Value = standby.client().get(standby.url("/readyz")).send().await.unwrap().json().await.unwrap();
    assert_eq!(ready["ingest"]["node"], standby_id);
    assert_eq!(ready["ingest"]["standby"], json!([name]), "{ready}");

    mqtt_publish(&topic, ticks(0, 500)).await;
    holder.wait_items(&format!("/api/v1/feeds/{name}/ticks?limit=10000"), 500).await;

    // The holder stops (its lease is given up); the other takes the feed,
    // session and all.
    holder.stop_keeping_database().await;
    holder_seen_by(&standby, &name, standby_id).await;
    mqtt_publish(&topic, ticks(500, 1000)).await;
    let items = standby.wait_items(&format!("/api/v1/feeds/{name}/ticks?limit=10000"), 1000).await;
    let seqs: Vec<i64> = items.iter().map(|t| t["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, (1..=1000).collect::<Vec<_>>(), "each tick once, seq gap-free across the takeover");
    standby.stop().await;
}

/// The node id a test app was started with.
fn holder_name(app: &TestApp) -> &'static str {
    if app.state().core.members.node() == "node-a" { "node-a" } else { "node-b" }
}

#[tokio::test]
async fn a_former_lease_holder_is_fenced_out() {
    let app = spawn_node("node-f", None).await;
    let name = unique("fenced");
    let source = json!({"protocol": "mqtt", "url": MQTT_URL, "topic": format!("{name}/x"), });
    let res = app
        .admin()
        .await
        .post(app.url("/api/v1/feeds"))
        .json(&json!({"name": name, "kind": "ticks", "source": source, "enabled": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let db = sqlx::PgPool::connect(&app.database_url).await.unwrap();
    let feed_id: i64 =
        sqlx::query_scalar("SELECT id FROM feeds WHERE name = $1").bind(&name).fetch_one(&db).await.unwrap();

    let old = leases::acquire(&db, feed_id, "paused", Duration::from_millis(1)).await.unwrap().unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    let new = leases::acquire(&db, feed_id, "successor", Duration::from_secs(60)).await.unwrap().unwrap();
    assert!(new.token > old.token);
    assert!(leases::acquire(&db, feed_id, "third", Duration::from_secs(60)).await.unwrap().is_none(), "held");

    let tick = NewTick { symbol: "F".into(), price: 1.0, size: 0.0, ts: chrono::Utc::now(), publisher_id: None };
    let rows = [(tick, chrono::Utc::now())];
    let write = |fence| NewBatch {
        id: rand_id(),
        fence: Some(fence),
        rows: Rows::Ticks(&rows),
        rejected: &[],
        id_window: DEFAULT_ID_WINDOW,
    };
    let refused = batch::write(&db, feed_id, &write(old.token)).await;
    assert!(matches!(refused, Err(StoreError::Fenced(_))), "the paused holder cannot commit: {refused:?}");
    assert!(!leases::renew(&db, old, Duration::from_secs(60), &Default::default()).await.unwrap(), "nor renew");
    let stored = batch::write(&db, feed_id, &write(new.token)).await.unwrap();
    assert_eq!(stored.ticks.iter().map(|t: &Tick| t.seq).collect::<Vec<_>>(), [1]);
    app.stop().await;
}

#[tokio::test]
async fn a_released_lease_is_not_taken_straight_back_by_its_former_holder() {
    let app = spawn_node("node-r", None).await;
    let name = unique("released");
    let source = json!({"protocol": "mqtt", "url": MQTT_URL, "topic": format!("{name}/x"), });
    let body = json!({"name": name, "kind": "ticks", "source": source, "enabled": false});
    let res = app.admin().await.post(app.url("/api/v1/feeds")).json(&body).send().await.unwrap();
    assert_eq!(res.status(), 201);
    let db = sqlx::PgPool::connect(&app.database_url).await.unwrap();
    // An old feed, so only the lease decides (a new one waits out the grace).
    let feed_id: i64 =
        sqlx::query_scalar("UPDATE feeds SET created_at = now() - interval '1 hour' WHERE name = $1 RETURNING id")
            .bind(&name)
            .fetch_one(&db)
            .await
            .unwrap();
    let (ttl, grace) = (Duration::from_secs(60), Duration::from_secs(30));
    let lease = leases::acquire(&db, feed_id, "node-x", ttl).await.unwrap().unwrap();
    let renewed = leases::acquire_after(&db, feed_id, "node-x", ttl, grace).await.unwrap().unwrap();
    assert!(renewed.token > lease.token, "a holder may take its live lease again");
    leases::release(&db, renewed).await.unwrap();
    // Handed over: the former holder, which is not preferred, must wait out
    // the grace like anyone else, while the preferred node takes it at once.
    assert!(leases::acquire_after(&db, feed_id, "node-x", ttl, grace).await.unwrap().is_none(), "no flapping");
    assert!(leases::acquire_after(&db, feed_id, "node-y", ttl, Duration::ZERO).await.unwrap().is_some());
    app.stop().await;
}

fn rand_id() -> i64 {
    i64::from_le_bytes(uuid::Uuid::new_v4().as_bytes()[..8].try_into().unwrap())
}
