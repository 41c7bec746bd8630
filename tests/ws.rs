//! The interaction WebSocket against the real server: rooms, presence, chat,
//! annotations, and every security limit, with a real WebSocket client.

mod common;

use common::{TestApp, assert_error, spawn_app, spawn_app_with, ws::*};
use futures::SinkExt;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::{
    connect_async,
    tungstenite::{Message, protocol::frame::coding::CloseCode},
};

#[tokio::test]
async fn two_users_chat_and_see_each_other_come_and_go() {
    let app = spawn_app().await;
    let room = dashboard(&app, json!([])).await;
    let (alice_cookie, bob_cookie) = (viewer(&app, "alice").await, viewer(&app, "bob").await);
    let mut alice = connect(&app, Some(&alice_cookie)).await;
    assert_eq!(join(&mut alice, &room).await["users"], json!(["alice"]));

    let mut bob = connect(&app, Some(&bob_cookie)).await;
    assert_eq!(join(&mut bob, &room).await["users"], json!(["alice", "bob"]));
    presence_becomes(&mut alice, &["alice", "bob"]).await;

    // A second tab of bob's does not make two bobs.
    let mut bob_tab = connect(&app, Some(&bob_cookie)).await;
    assert_eq!(join(&mut bob_tab, &room).await["users"], json!(["alice", "bob"]));
    let mut anonymous = connect(&app, None).await;
    let seen = join(&mut anonymous, &room).await;
    assert_eq!((seen["users"].clone(), seen["anonymous"].clone()), (json!(["alice", "bob"]), json!(1)));

    send(&mut bob, json!({"type": "chat", "dashboard": room, "text": "hi alice"})).await;
    for ws in [&mut alice, &mut bob, &mut bob_tab, &mut anonymous] {
        let chat = next_of(ws, "chat").await;
        assert_eq!((chat["user"].as_str(), chat["text"].as_str()), (Some("bob"), Some("hi alice")));
        assert_eq!(chat["dashboard"], room.as_str());
        assert!(chat["id"].as_i64().is_some() && chat["ts"].as_str().unwrap().ends_with('Z'));
    }
    send(&mut alice, json!({"type": "chat", "dashboard": room, "text": "hello bob"})).await;
    assert_eq!(next_of(&mut bob, "chat").await["text"], "hello bob");

    // Bob leaves with one tab: still here. Closing the other removes him.
    send(&mut bob, json!({"type": "leave", "dashboard": room})).await;
    drop(bob);
    bob_tab.close(None).await.unwrap();
    assert_eq!(presence_becomes(&mut alice, &["alice"]).await["anonymous"], 1);
    app.stop().await;
}

#[tokio::test]
async fn foreign_or_missing_origins_are_refused_before_the_upgrade() {
    let app = spawn_app().await;
    for origin in ["http://evil.example", ""] {
        let err = connect_async(request(&app, None, Some(origin))).await.expect_err("refused");
        let tokio_tungstenite::tungstenite::Error::Http(response) = err else {
            panic!("expected an HTTP refusal: {err}")
        };
        assert_eq!(response.status(), 403);
        let body: Value = serde_json::from_slice(response.body().as_deref().unwrap_or_default()).unwrap();
        assert_eq!(body["error"]["code"], "forbidden", "{body}");
    }
    // The same request from our own origin is fine.
    connect(&app, None).await;
    app.stop().await;
}

#[tokio::test]
async fn without_a_session_one_may_watch_but_not_write() {
    let app = spawn_app().await;
    let room = dashboard(&app, json!([])).await;
    let mut ws = connect(&app, None).await;
    assert_eq!(join(&mut ws, &room).await["anonymous"], 1);
    send(&mut ws, json!({"type": "chat", "dashboard": room, "text": "hi"})).await;
    let error = next_of(&mut ws, "error").await;
    assert_eq!((error["code"].as_str(), error["request"].as_str()), (Some("forbidden"), Some("chat")));
    let target = json!({"feed": "x", "seq": 1});
    send(&mut ws, json!({"type": "annotate", "dashboard": room, "target": target, "text": "hi"})).await;
    assert_eq!(next_of(&mut ws, "error").await["code"], "forbidden");
    app.stop().await;
}

#[tokio::test]
async fn malformed_and_out_of_room_messages_get_bad_request() {
    let app = spawn_app().await;
    let room = dashboard(&app, json!([])).await;
    let cookie = viewer(&app, "carol").await;
    let mut ws = connect(&app, Some(&cookie)).await;
    ws.send(Message::text("{not json")).await.unwrap();
    assert_eq!(next_of(&mut ws, "error").await["code"], "bad_request");
    send(&mut ws, json!({"type": "chat", "dashboard": room, "text": "before joining"})).await;
    assert_eq!(next_of(&mut ws, "error").await["code"], "bad_request");
    send(&mut ws, json!({"type": "join", "dashboard": "no-such-room"})).await;
    assert_eq!(next_of(&mut ws, "error").await["code"], "bad_request");
    join(&mut ws, &room).await;
    send(&mut ws, json!({"type": "chat", "dashboard": room, "text": "x".repeat(2001)})).await;
    assert_eq!(next_of(&mut ws, "error").await["code"], "too_large");
    send(&mut ws, json!({"type": "chat", "dashboard": room, "text": "é".repeat(2000)})).await;
    assert_eq!(next_of(&mut ws, "chat").await["text"].as_str().unwrap().chars().count(), 2000);
    app.stop().await;
}

#[tokio::test]
async fn a_frame_over_64_kib_closes_the_socket_with_1009() {
    let app = spawn_app().await;
    let mut ws = connect(&app, None).await;
    let _ = ws.send(Message::text("x".repeat(100 * 1024))).await;
    assert_eq!(close_code(&mut ws).await, Some(CloseCode::Size));
    app.stop().await;
}

#[tokio::test]
async fn a_flood_is_rate_limited_and_the_accepted_rest_arrives_in_order() {
    // A burst of 5, then one message per 2 s: the flood of 50 hits the limit
    // however slowly this machine sends it.
    let app = spawn_app_with(|c| {
        c.ws.burst = 5;
        c.ws.per_second = 0.5;
    })
    .await;
    let room = dashboard(&app, json!([])).await;
    let (dave, erin) = (viewer(&app, "dave").await, viewer(&app, "erin").await);
    let mut flooder = connect(&app, Some(&dave)).await;
    let mut listener = connect(&app, Some(&erin)).await;
    join(&mut flooder, &room).await;
    join(&mut listener, &room).await;

    for i in 0..50 {
        send(&mut flooder, json!({"type": "chat", "dashboard": room, "text": format!("m{i}")})).await;
    }
    let (mut accepted, mut limited) = (Vec::new(), 0);
    while accepted.len() + limited < 50 {
        let message = next(&mut flooder).await;
        match message["type"].as_str() {
            Some("chat") => accepted.push(message["text"].as_str().unwrap()[1..].parse::<u32>().unwrap()),
            Some("error") => {
                assert_eq!(message["code"], "rate_limited", "{message}");
                limited += 1;
            }
            _ => {}
        }
    }
    assert!(limited > 0, "a flood of 50 is limited");
    assert!(accepted.len() >= 5 && accepted.len() < 50, "the burst goes through: {accepted:?}");
    assert!(accepted.windows(2).all(|w| w[0] < w[1]), "in order: {accepted:?}");
    let mut heard = Vec::new();
    while heard.len() < accepted.len() {
        heard.push(next_of(&mut listener, "chat").await["text"].as_str().unwrap()[1..].parse::<u32>().unwrap());
    }
    assert_eq!(heard, accepted, "the others hear exactly what was accepted, in order");
    // Still connected: a limit is not a disconnect.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    send(&mut flooder, json!({"type": "chat", "dashboard": room, "text": "m99"})).await;
    assert_eq!(next_of(&mut flooder, "chat").await["text"], "m99");
    app.stop().await;
}

#[tokio::test]
async fn signing_out_closes_the_sessions_sockets() {
    let app = spawn_app().await;
    let room = dashboard(&app, json!([])).await;
    let cookie = viewer(&app, "frank").await;
    let mut ws = connect(&app, Some(&cookie)).await;
    let mut other = connect(&app, None).await;
    join(&mut ws, &room).await;
    join(&mut other, &room).await;
    let logout = reqwest::Client::new().post(app.url("/api/v1/logout")).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    assert_eq!(close_code(&mut ws).await, Some(CloseCode::Policy));
    presence_becomes(&mut other, &[]).await;
    app.stop().await;
}

#[tokio::test]
async fn chat_history_returns_what_was_said_in_pages() {
    let app = spawn_app().await;
    let room = dashboard(&app, json!([])).await;
    let cookie = viewer(&app, "gina").await;
    let mut ws = connect(&app, Some(&cookie)).await;
    join(&mut ws, &room).await;
    let mut ids = Vec::new();
    for i in 0..5 {
        send(&mut ws, json!({"type": "chat", "dashboard": room, "text": format!("<b>line {i}</b>")})).await;
        ids.push(next_of(&mut ws, "chat").await["id"].as_i64().unwrap());
    }
    let texts = |body: Value| -> Vec<String> {
        body["items"].as_array().unwrap().iter().map(|m| m["text"].as_str().unwrap().to_owned()).collect()
    };
    let client = app.client();
    let all: Value =
        client.get(app.url(&format!("/api/v1/dashboards/{room}/chat"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(texts(all.clone()), (0..5).map(|i| format!("<b>line {i}</b>")).collect::<Vec<_>>());
    assert_eq!(all["items"][0]["user"], "gina");
    let newest: Value = client
        .get(app.url(&format!("/api/v1/dashboards/{room}/chat?limit=2")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(texts(newest), ["<b>line 3</b>", "<b>line 4</b>"]);
    let older = format!("/api/v1/dashboards/{room}/chat?limit=2&before_id={}", ids[3]);
    assert_eq!(
        texts(client.get(app.url(&older)).send().await.unwrap().json().await.unwrap()),
        ["<b>line 1</b>", "<b>line 2</b>"]
    );
    let after = format!("/api/v1/dashboards/{room}/chat?after_id={}", ids[2]);
    assert_eq!(
        texts(client.get(app.url(&after)).send().await.unwrap().json().await.unwrap()),
        ["<b>line 3</b>", "<b>line 4</b>"]
    );
    let missing = client.get(app.url("/api/v1/dashboards/nope/chat")).send().await.unwrap();
    assert_error(missing, StatusCode::NOT_FOUND, "not_found").await;
    app.stop().await;
}

#[tokio::test]
async fn annotations_are_stored_broadcast_listed_and_deleted() {
    let app = spawn_app().await;
    let (ticks, logs, elsewhere) = (unique("wsticks"), unique("wslogs"), unique("wsother"));
    for (name, kind) in [(&ticks, "ticks"), (&logs, "logs"), (&elsewhere, "logs")] {
        app.feed(json!({"name": name, "kind": kind,
                        "source": {"protocol": "mqtt", "url": common::brokers::MQTT_URL, "topic": format!("{name}/#")}}))
            .await;
    }
    let room =
        dashboard(&app, json!([{"type": "chart", "feed": ticks, "symbol": "AAPL"}, {"type": "log", "feed": logs}]))
            .await;
    let (hank, ivy) = (viewer(&app, "hank").await, viewer(&app, "ivy").await);
    let mut author = connect(&app, Some(&hank)).await;
    let mut reader = connect(&app, Some(&ivy)).await;
    join(&mut author, &room).await;
    join(&mut reader, &room).await;

    let point = json!({"feed": ticks, "symbol": "AAPL", "ts": "2026-11-24T12:00:00.123Z"});
    send(&mut author, json!({"type": "annotate", "dashboard": room, "target": point, "text": "peak"})).await;
    let on_point = next_of(&mut reader, "annotation").await;
    assert_eq!(next_of(&mut author, "annotation").await, on_point, "the sender gets it too");
    assert_eq!((on_point["target"].clone(), on_point["user"].as_str()), (point.clone(), Some("hank")));
    let line = json!({"feed": logs, "seq": 7});
    send(&mut author, json!({"type": "annotate", "dashboard": room, "target": line, "text": "why?"})).await;
    let on_line = next_of(&mut reader, "annotation").await;
    next_of(&mut author, "annotation").await;
    assert_eq!(on_line["target"], line);
    send(&mut reader, json!({"type": "reply", "dashboard": room, "parent_id": on_line["id"], "text": "deploy"})).await;
    let reply = next_of(&mut author, "annotation").await;
    assert_eq!((reply["parent_id"].clone(), reply["target"].clone()), (on_line["id"].clone(), line.clone()));

    // Only feeds the dashboard shows, with targets of the right kind.
    let wrong = json!({"feed": elsewhere, "seq": 1});
    send(&mut author, json!({"type": "annotate", "dashboard": room, "target": wrong, "text": "x"})).await;
    assert_eq!(next_of(&mut author, "error").await["code"], "bad_request");
    let wrong_kind = json!({"feed": logs, "symbol": "AAPL", "ts": "2026-11-24T12:00:00Z"});
    send(&mut author, json!({"type": "annotate", "dashboard": room, "target": wrong_kind, "text": "x"})).await;
    assert_eq!(next_of(&mut author, "error").await["code"], "bad_request");

    let client = app.client();
    let list = |path: String| {
        let client = client.clone();
        let url = app.url(&path);
        async move {
            let body: Value = client.get(url).send().await.unwrap().json().await.unwrap();
            body["items"].as_array().unwrap().iter().map(|a| a["text"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
        }
    };
    assert_eq!(list(format!("/api/v1/feeds/{ticks}/annotations")).await, ["peak"]);
    let window = "from=2026-11-24T11:00:00Z&to=2026-11-24T13:00:00Z";
    assert_eq!(list(format!("/api/v1/feeds/{ticks}/annotations?{window}&dashboard={room}")).await, ["peak"]);
    assert!(list(format!("/api/v1/feeds/{ticks}/annotations?from=2026-11-25T00:00:00Z")).await.is_empty());
    assert_eq!(list(format!("/api/v1/feeds/{logs}/annotations")).await, ["why?", "deploy"]);
    assert_eq!(list(format!("/api/v1/dashboards/{room}/annotations")).await, ["peak", "why?", "deploy"]);

    // Only the author (or an admin) deletes; replies go along.
    send(&mut reader, json!({"type": "delete_annotation", "dashboard": room, "id": on_line["id"]})).await;
    assert_eq!(next_of(&mut reader, "error").await["code"], "forbidden");
    send(&mut author, json!({"type": "delete_annotation", "dashboard": room, "id": on_line["id"]})).await;
    let deleted = next_of(&mut reader, "annotation_deleted").await;
    assert_eq!(deleted["id"], on_line["id"]);
    assert!(list(format!("/api/v1/feeds/{logs}/annotations")).await.is_empty());
    assert_eq!(list(format!("/api/v1/dashboards/{room}/annotations")).await, ["peak"]);
    app.stop().await;
}

#[tokio::test]
async fn the_openapi_document_lists_the_interaction_endpoints() {
    let app = spawn_app().await;
    let doc: Value = app.client().get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    for path in ["/api/v1/ws", "/api/v1/dashboards/{slug}/chat", "/api/v1/feeds/{name}/annotations"] {
        assert!(doc["paths"].get(path).is_some(), "{path} missing");
    }
    app.stop().await;
}

/// Signs in with an existing session cookie (the same browser signing in
/// again) and returns the new cookie.
async fn sign_in_again(app: &TestApp, cookie: &str, username: &str, password: &str) -> String {
    let res = reqwest::Client::new()
        .post(app.url("/api/v1/login"))
        .header("cookie", cookie)
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.headers().get("set-cookie").unwrap().to_str().unwrap().split(';').next().unwrap().to_owned()
}

/// Whether the socket still answers: joining `room` gets a presence back.
async fn still_open(ws: &mut Ws, room: &str) {
    send(ws, json!({"type": "join", "dashboard": room})).await;
    next_of(ws, "presence").await;
}

#[tokio::test]
async fn signing_in_again_then_out_still_closes_the_sockets_of_the_login() {
    let app = spawn_app().await;
    let room = dashboard(&app, json!([])).await;
    let first = viewer(&app, "gus").await;
    let mut ws = connect(&app, Some(&first)).await;
    join(&mut ws, &room).await;
    // The same browser signs in again: the session id changes.
    let second = sign_in_again(&app, &first, "gus", "password-123").await;
    assert_ne!(first, second, "a fresh session id on sign-in");
    still_open(&mut ws, &room).await;
    let logout = reqwest::Client::new().post(app.url("/api/v1/logout")).header("cookie", &second).send().await.unwrap();
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    assert_eq!(close_code(&mut ws).await, Some(CloseCode::Policy), "the socket opened before the second sign-in");
    app.stop().await;
}

#[tokio::test]
async fn signing_in_as_someone_else_closes_the_previous_users_sockets() {
    let app = spawn_app().await;
    let room = dashboard(&app, json!([])).await;
    let hugo = viewer(&app, "hugo").await;
    app.user("iris", "viewer").await;
    let mut ws = connect(&app, Some(&hugo)).await;
    join(&mut ws, &room).await;
    sign_in_again(&app, &hugo, "iris", "password-123").await;
    assert_eq!(close_code(&mut ws).await, Some(CloseCode::Policy), "hugo's socket does not become iris's");
    app.stop().await;
}

#[tokio::test]
async fn password_changes_resets_and_deletion_close_the_users_other_sockets() {
    let app = spawn_app().await;
    let room = dashboard(&app, json!([])).await;
    let here = viewer(&app, "jade").await;
    let elsewhere = session_cookie(&app, "jade", "password-123").await;
    let (mut mine, mut other) = (connect(&app, Some(&here)).await, connect(&app, Some(&elsewhere)).await);
    join(&mut mine, &room).await;
    join(&mut other, &room).await;

    let change = reqwest::Client::new()
        .put(app.url("/api/v1/me/password"))
        .header("cookie", &here)
        .json(&json!({"current": "password-123", "new": "jade's new password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(change.status(), StatusCode::NO_CONTENT);
    let here = change
        .headers()
        .get("set-cookie")
        .map(|c| c.to_str().unwrap().split(';').next().unwrap().to_owned())
        .unwrap_or(here);
    assert_eq!(close_code(&mut other).await, Some(CloseCode::Policy), "the other session's socket closes");
    still_open(&mut mine, &room).await;

    // An admin's reset closes all of them.
    let admin = app.admin().await;
    let reset = admin.put(app.url("/api/v1/users/jade")).json(&json!({"password": "reset by the admin"})).send().await;
    assert_eq!(reset.unwrap().status(), StatusCode::OK);
    assert_eq!(close_code(&mut mine).await, Some(CloseCode::Policy));
    let me = reqwest::Client::new().get(app.url("/api/v1/me")).header("cookie", &here).send().await.unwrap();
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);

    // Deleting the user closes the sockets of their new sign-in too.
    let again = session_cookie(&app, "jade", "reset by the admin").await;
    let mut ws = connect(&app, Some(&again)).await;
    join(&mut ws, &room).await;
    assert_eq!(admin.delete(app.url("/api/v1/users/jade")).send().await.unwrap().status(), StatusCode::NO_CONTENT);
    assert_eq!(close_code(&mut ws).await, Some(CloseCode::Policy));
    app.stop().await;
}

/// Pings every 200 ms, closes after 1.5 s without traffic.
async fn spawn_quick_pinging_app() -> TestApp {
    spawn_app_with(|c| {
        c.ws.ping_every = Duration::from_millis(200);
        c.ws.idle_timeout = Duration::from_millis(1500);
    })
    .await
}

#[tokio::test]
async fn a_quiet_socket_is_pinged_and_stays_open_while_it_answers() {
    let app = spawn_quick_pinging_app().await;
    let mut ws = connect(&app, None).await;
    // Reading answers each ping (the client library replies with a pong).
    let (mut pings, until) = (0, tokio::time::Instant::now() + Duration::from_secs(4));
    while let Ok(frame) = tokio::time::timeout_at(until, futures::StreamExt::next(&mut ws)).await {
        match frame {
            Some(Ok(Message::Ping(_))) => pings += 1,
            other => panic!("the socket stays open with nothing but pings, got {other:?}"),
        }
    }
    assert!(pings >= 3, "pinged while quiet: {pings} pings in 4 s");
    // Still open, well past the idle timeout.
    let room = dashboard(&app, json!([])).await;
    assert_eq!(join(&mut ws, &room).await["anonymous"], 1);
    app.stop().await;
}

#[tokio::test]
async fn a_socket_that_stops_answering_is_closed_as_idle() {
    let app = spawn_quick_pinging_app().await;
    let mut ws = connect(&app, None).await;
    // Not reading: no pong goes back, so the server hears nothing, and ends
    // the socket (1001). The client may not get to read that close frame:
    // answering the pings queued before it fails once the server is gone.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let ended = close_code(&mut ws).await;
    assert!(matches!(ended, Some(CloseCode::Away) | None), "closed as idle, not {ended:?}");
    app.stop().await;
}
