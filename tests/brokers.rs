//! Broker breadth against real brokers started by the tests (API.md "Feed
//! sources: versions, transports, TLS"): an MQTT broker that speaks only
//! 3.1.1, over TCP and WebSocket, across a restart; a Mosquitto that
//! requires a client certificate from a private CA; RabbitMQ behind a TLS
//! terminator with a private CA.

mod common;

use common::{
    TestApp,
    brokers::{amqp_publish, unique},
    spawn_app,
};
use feedboard_testkit::{
    brokers::{mqtt_publish, mqtt311_publish},
    pki::{SERVER_NAME, TestPki},
    processes,
};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn ticks(ids: std::ops::Range<usize>) -> Vec<Vec<u8>> {
    ids.map(|i| json!({"symbol": "BRK", "price": i as f64 + 0.5, "id": format!("m{i}")}).to_string().into_bytes())
        .collect()
}

/// Rows stored for feed `name`, and how many distinct publisher ids they carry.
async fn stored(app: &TestApp, name: &str) -> (i64, i64) {
    sqlx::query_as(
        "SELECT count(*), count(DISTINCT publisher_id) FROM ticks t JOIN feeds f ON f.id = t.feed_id WHERE f.name = $1",
    )
    .bind(name)
    .fetch_one(app.db())
    .await
    .unwrap()
}

async fn wait_stored(app: &TestApp, name: &str, n: i64) {
    app.wait_for_long(&format!("{n} ticks in {name}"), || async { (stored(app, name).await.0 >= n).then_some(()) })
        .await;
}

async fn status(app: &TestApp, name: &str) -> Value {
    app.get_json(&format!("/api/v1/feeds/{name}")).await["status"].clone()
}

fn mqtt_source(url: String, topic: &str, version: &str) -> Value {
    json!({"protocol": "mqtt", "url": url, "topic": topic, "mqtt_version": version})
}

#[tokio::test]
async fn a_broker_that_speaks_only_3_1_1_loses_nothing_over_tcp_and_websocket_across_a_restart() {
    let mut broker = processes::mqtt311_broker().unwrap();
    let (tcp, ws) = (broker.port(0), broker.port(1));
    let app = spawn_app().await;
    let topic = unique("v311");
    let feeds = [
        (unique("auto"), mqtt_source(format!("mqtt://127.0.0.1:{tcp}"), &topic, "auto")),
        (unique("v311"), mqtt_source(format!("mqtt://127.0.0.1:{tcp}"), &topic, "3.1.1")),
        (unique("ws"), mqtt_source(format!("ws://127.0.0.1:{ws}/mqtt"), &topic, "auto")),
    ];
    for (name, source) in &feeds {
        app.feed(json!({"name": name, "kind": "ticks", "source": source})).await;
        assert_eq!(status(&app, name).await["mqtt_version"], "3.1.1", "{name} speaks 3.1.1");
    }

    mqtt311_publish(tcp, &topic, ticks(0..300)).await.unwrap();
    for (name, _) in &feeds {
        wait_stored(&app, name, 300).await;
    }

    // The broker crashes and comes back empty (it keeps sessions in memory):
    // each feed reconnects, with 3.1.1 at once, and subscribes again.
    broker.restart().unwrap();
    for (name, _) in &feeds {
        app.wait_for_long(&format!("{name} reconnected"), || async {
            let status = status(&app, name).await;
            (status["state"] == "connected" && !status["last_error"].is_null()).then_some(())
        })
        .await;
    }
    // The publisher sends 200..300 again (it never saw them stored): kept once.
    mqtt311_publish(tcp, &topic, ticks(200..500)).await.unwrap();
    for (name, _) in &feeds {
        wait_stored(&app, name, 500).await;
        assert_eq!(stored(&app, name).await, (500, 500), "{name}: each id once");
        assert_eq!(status(&app, name).await["mqtt_version"], "3.1.1");
    }
    app.stop().await;
}

#[tokio::test]
async fn a_preview_of_a_3_1_1_broker_falls_back_and_shows_its_messages() {
    let broker = processes::mqtt311_broker().unwrap();
    let tcp = broker.port(0);
    let app = spawn_app().await;
    let topic = unique("preview311");
    let publishing = topic.clone();
    let publisher = tokio::spawn(async move {
        loop {
            mqtt311_publish(tcp, &publishing, ticks(0..1)).await.unwrap();
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
    });
    let body = json!({"kind": "ticks", "source": mqtt_source(format!("mqtt://127.0.0.1:{tcp}"), &topic, "auto")});
    let res =
        app.admin().await.post(app.url("/api/v1/feeds/preview?n=2&wait_ms=10000")).json(&body).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let preview: Value = res.json().await.unwrap();
    let messages = preview["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 2, "{preview}");
    assert_eq!(messages[0]["parsed"]["symbol"], "BRK");
    assert_eq!(messages[0]["origin"], topic.as_str());
    publisher.abort();
    app.stop().await;
}

#[tokio::test]
async fn mqtts_with_a_private_ca_and_a_client_certificate_stores_everything() {
    let pki = TestPki::generate().unwrap();
    let broker = processes::mosquitto_tls(&pki).unwrap();
    let (tls_port, plain_port) = (broker.port(0), broker.port(1));
    let app = spawn_app().await;
    let topic = unique("mtls");
    let tls = |client: &feedboard_testkit::pki::Identity| {
        json!({"ca_pem": pki.ca_pem, "client_cert_pem": client.cert_pem, "client_key_pem": client.key_pem,
               "server_name": SERVER_NAME})
    };
    let mut source = mqtt_source(format!("mqtts://127.0.0.1:{tls_port}"), &topic, "auto");
    source["tls"] = tls(&pki.client);
    let name = unique("mtls");
    let feed = app.feed(json!({"name": name, "kind": "ticks", "source": source})).await;
    assert_eq!(feed["status"]["mqtt_version"], "5");
    assert_eq!(feed["source"]["tls"]["client_key_pem"], "********", "the key is write-only");
    let row: String = sqlx::query_scalar("SELECT source::text FROM feeds WHERE name = $1")
        .bind(&name)
        .fetch_one(app.db())
        .await
        .unwrap();
    let key_body = pki.client.key_pem.lines().nth(1).unwrap();
    assert!(!row.contains(key_body), "the key is encrypted at rest");

    let payloads = ticks(0..300);
    mqtt_publish(plain_port, &topic, 300, None, |i| payloads[i as usize].clone()).await.unwrap();
    wait_stored(&app, &name, 300).await;
    assert_eq!(stored(&app, &name).await, (300, 300));

    // A certificate from another CA: the broker refuses it, and the status says so.
    let rogue = unique("rogue");
    let mut source = mqtt_source(format!("mqtts://127.0.0.1:{tls_port}"), &topic, "auto");
    source["tls"] = tls(&pki.rogue_client);
    let admin = app.admin().await;
    let res = admin
        .post(app.url("/api/v1/feeds"))
        .json(&json!({"name": rogue, "kind": "ticks", "source": source}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let error = app
        .wait_for_long("the rogue feed's TLS error", || async {
            let status = status(&app, &rogue).await;
            (status["state"] == "error").then(|| status["last_error"].as_str().unwrap_or_default().to_owned())
        })
        .await;
    assert!(
        error.ends_with("TLS: the broker does not trust the client certificate (issued by another CA?)"),
        "{error}"
    );
    assert!(!error.contains("PRIVATE KEY") && !error.contains("BEGIN"), "{error}");
    app.stop().await;
}

#[tokio::test]
async fn mqtt_over_secure_websocket_with_a_private_ca_stores_everything() {
    let pki = TestPki::generate().unwrap();
    let broker = processes::mqtt311_broker().unwrap();
    let terminator = processes::tls_terminator(&pki, broker.port(1)).unwrap();
    let app = spawn_app().await;
    let (name, topic) = (unique("wss"), unique("wss"));
    let mut source = mqtt_source(format!("wss://127.0.0.1:{}/mqtt", terminator.port(0)), &topic, "auto");
    source["tls"] = json!({"ca_pem": pki.ca_pem, "server_name": SERVER_NAME});
    app.feed(json!({"name": name, "kind": "ticks", "source": source})).await;
    assert_eq!(status(&app, &name).await["mqtt_version"], "3.1.1");
    mqtt311_publish(broker.port(0), &topic, ticks(0..300)).await.unwrap();
    wait_stored(&app, &name, 300).await;
    assert_eq!(stored(&app, &name).await, (300, 300));
    app.stop().await;
}

#[tokio::test]
async fn amqps_with_a_private_ca_stores_everything() {
    let pki = TestPki::generate().unwrap();
    let terminator = processes::amqps_terminator(&pki).unwrap();
    let app = spawn_app().await;
    let (name, exchange) = (unique("amqps"), unique("amqps-ex"));
    let source = json!({"protocol": "amqp", "url": format!("amqps://guest:guest@127.0.0.1:{}/%2f", terminator.port(0)),
                        "exchange": exchange, "binding_key": "#",
                        "tls": {"ca_pem": pki.ca_pem, "server_name": SERVER_NAME}});
    app.feed(json!({"name": name, "kind": "ticks", "source": source})).await;
    amqp_publish(&exchange, "k", ticks(0..300)).await;
    wait_stored(&app, &name, 300).await;
    assert_eq!(stored(&app, &name).await, (300, 300));
    app.stop().await;
}

#[tokio::test]
async fn bad_tls_settings_are_refused_naming_the_field() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let not_der = "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n";
    for (tls, field) in [
        (json!({"ca_pem": "my CA"}), "source.tls.ca_pem"),
        (json!({"ca_pem": not_der}), "source.tls.ca_pem"),
        (
            json!({"client_key_pem": "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----"}),
            "source.tls.client_cert_pem",
        ),
        (json!({"server_name": "not a name"}), "source.tls.server_name"),
    ] {
        let source = json!({"protocol": "mqtt", "url": "mqtts://127.0.0.1:8883", "topic": "t", "tls": tls});
        let res = admin
            .post(app.url("/api/v1/feeds"))
            .json(&json!({"name": unique("bad-tls"), "kind": "ticks", "source": source}))
            .send()
            .await
            .unwrap();
        let body = common::assert_error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid").await;
        assert_eq!(body["error"]["fields"][0]["field"], field, "{body}");
    }
    app.stop().await;
}
