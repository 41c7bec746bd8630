//! Broker secrets against the real server, Postgres and brokers: never in
//! errors, listings, probes or the audit trail; encrypted at rest (and
//! still used to connect); restored only for the broker they belong to.

mod common;

use common::{
    TestApp,
    brokers::{AMQP_URL, amqp_publish, mqtt_publish, unique},
    spawn_app,
};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

/// A second key, for the rotation and wrong-key cases.
const OTHER_KEY: &str = "c9L75MQ9WPo96oDi8xl+ErBwWhYIYjKDnwX73sRvoWk=";

fn amqp_feed(name: &str, url: &str) -> Value {
    json!({"name": name, "kind": "logs",
           "source": {"protocol": "amqp", "url": url, "exchange": name, "binding_key": "#"}})
}

fn mqtt_feed(name: &str, url: &str) -> Value {
    json!({"name": name, "kind": "ticks", "source": {"protocol": "mqtt", "url": url, "topic": format!("{name}/#")}})
}

/// Runs `sql` with one text parameter on the app's database; one text column back.
async fn query_texts(app: &TestApp, sql: &str, param: &str) -> Vec<String> {
    let pool = sqlx::PgPool::connect(&app.database_url).await.expect("connect to the test database");
    let rows: Vec<String> = sqlx::query_scalar(sql).bind(param).fetch_all(&pool).await.expect("query");
    pool.close().await;
    rows
}

/// `feeds.source` of a feed as Postgres holds it.
async fn stored_source(app: &TestApp, name: &str) -> String {
    query_texts(app, "SELECT source::text FROM feeds WHERE name = $1", name).await.remove(0)
}

/// The state and last error of a feed, read anonymously.
async fn status(app: &TestApp, name: &str) -> (String, Option<String>) {
    let feed: Value =
        app.client().get(app.url(&format!("/api/v1/feeds/{name}"))).send().await.unwrap().json().await.unwrap();
    let state = feed["status"]["state"].as_str().unwrap_or_default().to_owned();
    (state, feed["status"]["last_error"].as_str().map(str::to_owned))
}

async fn wait_state(app: &TestApp, name: &str, wanted: &str) -> Option<String> {
    app.wait_for(&format!("{name} {wanted}"), || async {
        let (state, error) = status(app, name).await;
        (state == wanted).then_some(error)
    })
    .await
}

#[tokio::test]
async fn broker_errors_never_show_the_password() {
    const PASSWORD: &str = "Hunter2-never-shown";
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (refused_mqtt, refused_amqp, bad_port) = (unique("leak-mq"), unique("leak-am"), unique("leak-port"));
    // Nothing listens on port 1: the session fails and says why.
    let mut failing = vec![refused_mqtt.clone(), refused_amqp.clone()];
    for body in [
        mqtt_feed(&refused_mqtt, &format!("mqtt://fbuser:{PASSWORD}@127.0.0.1:1")),
        amqp_feed(&refused_amqp, &format!("amqp://fbuser:{PASSWORD}@127.0.0.1:1/%2f")),
    ] {
        let res = admin.post(app.url("/api/v1/feeds")).json(&body).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
    }
    // A URL the clients cannot read: refused with a reason, or (as before) failing later.
    let res = admin
        .post(app.url("/api/v1/feeds"))
        .json(&mqtt_feed(&bad_port, &format!("mqtt://fbuser:{PASSWORD}@127.0.0.1:99999")))
        .send()
        .await
        .unwrap();
    let status = res.status();
    let body = res.text().await.unwrap();
    assert!(!body.contains(PASSWORD), "{body}");
    match status {
        StatusCode::CREATED => failing.push(bad_port.clone()),
        other => assert_eq!(other, StatusCode::UNPROCESSABLE_ENTITY, "{body}"),
    }
    for name in &failing {
        let error = app
            .wait_for(&format!("{name} failing"), || async {
                let (state, error) = self::status(&app, name).await;
                (state == "error").then_some(error).flatten()
            })
            .await;
        assert!(!error.contains(PASSWORD), "{name}: {error}");
    }

    let anonymous = app.client();
    let listing = anonymous.get(app.url("/api/v1/feeds")).send().await.unwrap().text().await.unwrap();
    assert!(listing.contains("last_error") && !listing.contains(PASSWORD), "{listing}");
    let ready = anonymous.get(app.url("/readyz")).send().await.unwrap().text().await.unwrap();
    assert!(ready.contains(&refused_amqp) && !ready.contains(PASSWORD), "{ready}");
    let names: Vec<&str> = failing.iter().map(String::as_str).collect();
    let mut stream = common::sse::connect(&app.url(""), &names, None).await;
    let (mut statuses, until) = (0, tokio::time::Instant::now() + Duration::from_secs(3));
    while let Some(event) = stream.next(until - tokio::time::Instant::now()).await {
        assert!(!event.data.to_string().contains(PASSWORD), "{event:?}");
        statuses += usize::from(event.event == "status");
    }
    assert!(statuses >= failing.len(), "a status per feed at least");

    for url in
        [format!("mqtt://fbuser:{PASSWORD}@127.0.0.1:99999"), format!("amqp://fbuser:{PASSWORD}@127.0.0.1:1/%2f")]
    {
        let protocol = &url[..4];
        let body = json!({"kind": "logs", "source": {"protocol": protocol, "url": url, "topic": "#", "exchange": "x", "binding_key": "#"}});
        let res = admin.post(app.url("/api/v1/feeds/preview?wait_ms=500")).json(&body).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let text = res.text().await.unwrap();
        assert!(!text.contains(PASSWORD), "preview of {protocol}: {text}");
    }
    app.stop().await;
}

#[tokio::test]
async fn broker_passwords_are_encrypted_at_rest_and_still_connect() {
    let app = spawn_app().await;
    let amqp = unique("sealed-am");
    let shown = app.feed(amqp_feed(&amqp, AMQP_URL)).await;
    assert_eq!(shown["source"]["url"], "amqp://guest:********@127.0.0.1:5672/%2f");
    let stored = stored_source(&app, &amqp).await;
    assert!(stored.contains("enc:v1:"), "{stored}");
    assert!(!stored.contains("guest:guest"), "{stored}");
    assert_eq!(stored.matches("guest").count(), 1, "only the user name is readable: {stored}");

    // Mosquitto here lets any credentials in; the password still travels sealed.
    let mqtt = unique("sealed-mq");
    let password = format!("Sup3r%40{}", unique("secret"));
    app.feed(mqtt_feed(&mqtt, &format!("mqtt://fbuser:{password}@127.0.0.1:1883"))).await;
    let stored = stored_source(&app, &mqtt).await;
    assert!(!stored.contains(&password) && !stored.contains("Sup3r"), "{stored}");

    amqp_publish(&amqp, "k", vec![b"INFO sealed".to_vec()]).await;
    mqtt_publish(&format!("{mqtt}/x"), vec![br#"{"symbol":"A","price":1}"#.to_vec()]).await;
    assert_eq!(app.wait_items(&format!("/api/v1/feeds/{amqp}/logs"), 1).await[0]["message"], "INFO sealed");
    app.wait_items(&format!("/api/v1/feeds/{mqtt}/ticks"), 1).await;

    // After a restart (same key) the stored passwords still open.
    let app = app.restart().await;
    wait_state(&app, &amqp, "connected").await;
    wait_state(&app, &mqtt, "connected").await;
    amqp_publish(&amqp, "k", vec![b"INFO again".to_vec()]).await;
    app.wait_items(&format!("/api/v1/feeds/{amqp}/logs"), 2).await;
    app.stop().await;
}

#[tokio::test]
async fn a_wrong_key_shows_an_error_and_an_old_key_is_rotated_out() {
    let app = spawn_app().await;
    let name = unique("rotate");
    app.feed(amqp_feed(&name, AMQP_URL)).await;
    let sealed_with = |stored: &str| stored.split("enc:v1:").nth(1).map(|rest| rest[..8].to_owned());
    let first_key = sealed_with(&stored_source(&app, &name).await).expect("sealed");

    // Another key: the feed says why it cannot connect; the server serves on.
    let app = app.restart_with_env(&[("FEEDBOARD_SECRET_KEY", OTHER_KEY)]).await;
    let error = wait_state(&app, &name, "error").await.unwrap_or_default();
    assert!(error.starts_with("cannot decrypt the broker password: wrong FEEDBOARD_SECRET_KEY?"), "{error}");
    let ready = app.client().get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    assert!(ready.text().await.unwrap().contains("cannot decrypt the broker password"));
    assert_eq!(sealed_with(&stored_source(&app, &name).await).as_deref(), Some(first_key.as_str()), "left as it was");
    // Saving the form as shown cannot keep a password nobody can read.
    let admin = app.admin().await;
    let mut shown: Value =
        admin.get(app.url(&format!("/api/v1/feeds/{name}"))).send().await.unwrap().json().await.unwrap();
    shown.as_object_mut().unwrap().remove("status");
    let res = admin.put(app.url(&format!("/api/v1/feeds/{name}"))).json(&shown).send().await.unwrap();
    let body = common::assert_error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid").await;
    assert_eq!(body["error"]["fields"][0]["field"], "source.url", "{body}");

    // The new key with the old one beside it: everything is sealed again with the new key.
    let app = app
        .restart_with_env(&[("FEEDBOARD_SECRET_KEY", OTHER_KEY), ("FEEDBOARD_SECRET_KEY_OLD", common::TEST_SECRET_KEY)])
        .await;
    wait_state(&app, &name, "connected").await;
    let second_key = sealed_with(&stored_source(&app, &name).await).expect("sealed");
    assert_ne!(second_key, first_key);

    // The old key retired: still readable.
    let app = app.restart_with_env(&[("FEEDBOARD_SECRET_KEY", OTHER_KEY)]).await;
    wait_state(&app, &name, "connected").await;
    amqp_publish(&name, "k", vec![b"INFO rotated".to_vec()]).await;
    app.wait_items(&format!("/api/v1/feeds/{name}/logs"), 1).await;
    app.stop().await;
}

#[tokio::test]
async fn plaintext_rows_from_before_encryption_are_sealed_at_start() {
    let app = spawn_app().await;
    let name = unique("legacy");
    app.feed(amqp_feed(&name, AMQP_URL)).await;
    // As an older feedboard stored it: the password in the URL.
    let legacy = json!({"protocol": "amqp", "url": AMQP_URL, "exchange": name, "binding_key": "#"}).to_string();
    let sql = "UPDATE feeds SET source = $1::jsonb WHERE name = $1::jsonb->>'exchange' RETURNING name";
    assert_eq!(query_texts(&app, sql, &legacy).await, std::slice::from_ref(&name));
    assert!(stored_source(&app, &name).await.contains("guest:guest"));

    let app = app.restart().await;
    let stored = stored_source(&app, &name).await;
    assert!(!stored.contains("guest:guest") && stored.contains("enc:v1:"), "{stored}");
    wait_state(&app, &name, "connected").await;
    amqp_publish(&name, "k", vec![b"INFO migrated".to_vec()]).await;
    app.wait_items(&format!("/api/v1/feeds/{name}/logs"), 1).await;
    app.stop().await;
}

#[tokio::test]
async fn the_audit_trail_holds_no_password() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let name = unique("audited");
    let (first, second) = (unique("first"), unique("second"));
    // `@` inside the password: the user info ends at the last `@`.
    let mut body = amqp_feed(&name, &format!("amqp://guest:p@ss-{first}@127.0.0.1:5672/%2f"));
    body["enabled"] = json!(false);
    let res = admin.post(app.url("/api/v1/feeds")).json(&body).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let shown: Value = res.json().await.unwrap();
    assert_eq!(shown["source"]["url"], "amqp://guest:********@127.0.0.1:5672/%2f");

    let one = app.url(&format!("/api/v1/feeds/{name}"));
    let mut edit = shown.clone();
    edit.as_object_mut().unwrap().remove("status");
    edit["source"]["binding_key"] = json!("app.#");
    assert_eq!(admin.put(&one).json(&edit).send().await.unwrap().status(), StatusCode::OK);
    edit["source"]["url"] = json!(format!("amqp://guest:n3w:{second}@127.0.0.1:5672/%2f"));
    assert_eq!(admin.put(&one).json(&edit).send().await.unwrap().status(), StatusCode::OK);

    let audit =
        query_texts(&app, "SELECT details::text FROM audit_log WHERE target = $1", &format!("feed:{name}")).await;
    assert_eq!(audit.len(), 3, "{audit:?}");
    for details in &audit {
        assert!(!details.contains(&first) && !details.contains(&second), "{details}");
        assert!(details.contains("guest:********@127.0.0.1"), "{details}");
    }
    app.stop().await;
}

/// A TCP listener standing in for someone else's broker; counts connections.
async fn foreign_broker() -> (u16, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let connections = Arc::new(AtomicUsize::new(0));
    let counter = connections.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            drop(socket);
        }
    });
    (port, connections)
}

#[tokio::test]
async fn a_stored_password_is_restored_only_for_the_same_broker() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let name = unique("moved");
    let shown = app.feed(amqp_feed(&name, AMQP_URL)).await;
    let (port, connections) = foreign_broker().await;
    let one = app.url(&format!("/api/v1/feeds/{name}"));
    for url in [
        format!("amqp://guest:********@127.0.0.1:{port}/%2f"),
        "amqp://guest:********@localhost:5672/%2f".to_owned(),
        "amqp://other:********@127.0.0.1:5672/%2f".to_owned(),
        "amqps://guest:********@127.0.0.1:5672/%2f".to_owned(),
    ] {
        let mut edit = shown.clone();
        edit.as_object_mut().unwrap().remove("status");
        edit["source"]["url"] = json!(url);
        let res = admin.put(&one).json(&edit).send().await.unwrap();
        let body = common::assert_error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid").await;
        assert_eq!(body["error"]["fields"][0]["field"], "source.url", "{url}: {body}");
        assert_eq!(body["error"]["fields"][0]["message"], "re-enter the password: the broker address changed");
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(connections.load(Ordering::SeqCst), 0, "nothing went to the other broker");
    let feed: Value = admin.get(&one).send().await.unwrap().json().await.unwrap();
    assert_eq!(feed["source"]["url"], shown["source"]["url"], "the stored feed is unchanged");
    assert_eq!(feed["status"]["state"], "connected");

    // A password typed in for the new address is taken.
    let mut edit = shown.clone();
    edit.as_object_mut().unwrap().remove("status");
    edit["source"]["url"] = json!("amqp://guest:guest@localhost:5672/%2f");
    assert_eq!(admin.put(&one).json(&edit).send().await.unwrap().status(), StatusCode::OK);
    app.stop().await;
}
