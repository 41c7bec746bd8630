//! Re-parse of rejected messages (API.md "Payload mapping paths"): after a
//! feed's mapping is fixed, its stored rejected messages that parse now are
//! stored once, in the order they were received, and leave the rejected
//! list, however often (or concurrently) the re-parse runs.

mod common;

use common::{
    brokers::{MQTT_URL, mqtt_publish, unique},
    spawn_app,
};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn a_fixed_mapping_reingests_every_rejected_message_once() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let name = unique("reparse");
    let mut feed = json!({"name": name, "kind": "ticks",
                          "source": {"protocol": "mqtt", "url": MQTT_URL, "topic": format!("{name}/#")}});
    app.feed(feed.clone()).await;
    let payload = |i: u64| json!({"sym": "R", "px": i, "id": format!("r-{i}")}).to_string().into_bytes();
    mqtt_publish(&format!("{name}/t"), (0..1000).map(payload).collect()).await;
    let rejected = app.wait_items(&format!("/api/v1/feeds/{name}/rejected?limit=1000"), 1000).await;
    assert!(rejected[0]["reason"].as_str().unwrap().contains(r#"missing field "symbol""#));

    let reparse = |dry_run: bool| {
        let url = app.url(&format!("/api/v1/feeds/{name}/rejected/reparse?dry_run={dry_run}"));
        let admin = admin.clone();
        async move {
            let res = admin.post(url).send().await.expect("reparse");
            assert_eq!(res.status(), StatusCode::OK);
            res.json::<Value>().await.expect("reparse body")
        }
    };
    assert_eq!(reparse(true).await, json!({"would_accept": 0, "still_rejected": 1000}), "the mapping is still wrong");

    feed["mapping"] = json!({"symbol": "sym", "price": "px"});
    let res = admin.put(app.url(&format!("/api/v1/feeds/{name}"))).json(&feed).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(reparse(true).await, json!({"would_accept": 1000, "still_rejected": 0}));
    assert_eq!(app.wait_items(&format!("/api/v1/feeds/{name}/ticks"), 0).await.len(), 0, "a dry run stores nothing");

    // Two at once: the second waits for the pages the first holds, then finds them gone.
    let (a, b) = tokio::join!(reparse(false), reparse(false));
    let accepted = a["accepted"].as_u64().unwrap() + b["accepted"].as_u64().unwrap();
    assert_eq!(accepted, 1000, "{a} {b}");
    assert_eq!(reparse(false).await, json!({"accepted": 0, "still_rejected": 0}), "a repeat finds nothing left");

    let ticks = app.wait_items(&format!("/api/v1/feeds/{name}/ticks?limit=2000"), 1000).await;
    assert_eq!(ticks.len(), 1000, "stored once");
    let prices: Vec<u64> = ticks.iter().map(|t| t["price"].as_f64().unwrap() as u64).collect();
    assert_eq!(prices, (0..1000).collect::<Vec<_>>(), "new seq numbers in the order received");
    let left = app.get_json(&format!("/api/v1/feeds/{name}/rejected")).await;
    assert_eq!(left["items"], json!([]), "they left the rejected list");
    let status = app.get_json(&format!("/api/v1/feeds/{name}")).await;
    assert_eq!((status["status"]["stored"].as_u64(), status["status"]["rejected"].as_u64()), (Some(1000), Some(0)));

    // The ids are remembered: the same messages published again are duplicates.
    mqtt_publish(&format!("{name}/t"), (0..10).map(payload).collect()).await;
    mqtt_publish(&format!("{name}/t"), vec![json!({"sym": "R", "px": 1000}).to_string().into_bytes()]).await;
    let ticks = app.wait_items(&format!("/api/v1/feeds/{name}/ticks?limit=2000"), 1001).await;
    assert_eq!(ticks.len(), 1001);
    app.stop().await;
}
