//! A WebSocket client for the interaction socket: sign in, connect with an
//! origin, join rooms, wait for messages and close codes.

use super::TestApp;
use futures::{SinkExt, StreamExt};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream, connect_async,
    tungstenite::{Message, client::IntoClientRequest, http::HeaderValue, protocol::frame::coding::CloseCode},
};

pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

pub use super::brokers::unique;

/// Signs in through the API and returns the session cookie (`name=value`).
pub async fn session_cookie(app: &TestApp, username: &str, password: &str) -> String {
    let res = reqwest::Client::new()
        .post(app.url("/api/v1/login"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let cookie = res.headers().get("set-cookie").unwrap().to_str().unwrap();
    cookie.split(';').next().unwrap().to_owned()
}

/// Creates a viewer and returns its session cookie.
pub async fn viewer(app: &TestApp, username: &str) -> String {
    app.user(username, "viewer").await;
    session_cookie(app, username, "password-123").await
}

/// The upgrade request, with our own origin unless told otherwise.
pub fn request(
    app: &TestApp,
    cookie: Option<&str>,
    origin: Option<&str>,
) -> tokio_tungstenite::tungstenite::handshake::client::Request {
    let mut req = format!("ws://{}/api/v1/ws", app.addr).into_client_request().unwrap();
    let own = format!("http://{}", app.addr);
    if let Some(origin) = origin.or(Some(&own)).filter(|o| !o.is_empty()) {
        req.headers_mut().insert("origin", HeaderValue::from_str(origin).unwrap());
    }
    if let Some(cookie) = cookie {
        req.headers_mut().insert("cookie", HeaderValue::from_str(cookie).unwrap());
    }
    req
}

pub async fn connect(app: &TestApp, cookie: Option<&str>) -> Ws {
    connect_async(request(app, cookie, None)).await.expect("WebSocket connects").0
}

pub async fn send(ws: &mut Ws, message: Value) {
    ws.send(Message::text(message.to_string())).await.expect("send");
}

/// The next JSON message (skipping pings), within 10 s.
pub async fn next(ws: &mut Ws) -> Value {
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("a message within 10 s")
            .expect("the socket is open")
            .expect("a frame");
        match frame {
            Message::Text(text) => return serde_json::from_str(text.as_str()).unwrap(),
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("expected a text message, got {other:?}"),
        }
    }
}

/// The next message of `kind`, skipping others (e.g. presence updates).
pub async fn next_of(ws: &mut Ws, kind: &str) -> Value {
    loop {
        let message = next(ws).await;
        if message["type"] == kind {
            return message;
        }
    }
}

/// Joins `room` and returns the presence the server answers with.
pub async fn join(ws: &mut Ws, room: &str) -> Value {
    send(ws, json!({"type": "join", "dashboard": room})).await;
    next_of(ws, "presence").await
}

/// Waits for a presence message of `room` with exactly `users`.
pub async fn presence_becomes(ws: &mut Ws, users: &[&str]) -> Value {
    loop {
        let p = next_of(ws, "presence").await;
        if p["users"] == json!(users) {
            return p;
        }
    }
}

/// The close frame the server ends the socket with, within 10 s.
pub async fn close_code(ws: &mut Ws) -> Option<CloseCode> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        match tokio::time::timeout_at(deadline, ws.next()).await.expect("the server closes within 10 s") {
            Some(Ok(Message::Close(frame))) => return frame.map(|f| f.code),
            Some(Ok(_)) => continue,
            Some(Err(_)) | None => return None,
        }
    }
}

pub async fn dashboard(app: &TestApp, widgets: Value) -> String {
    let slug = unique("room");
    let res = app
        .admin()
        .await
        .post(app.url("/api/v1/dashboards"))
        .json(&json!({"slug": slug, "title": "Room", "widgets": widgets}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    slug
}
