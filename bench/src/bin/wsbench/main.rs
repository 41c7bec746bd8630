//! `wsbench`: how many interaction WebSockets one server holds in a room and
//! how fast a chat message reaches all of them.
//!
//! Connects `--clients` anonymous viewers to one dashboard room of a running
//! server (loopback only), lets `--senders` signed-in users each say one
//! message a second for `--seconds`, and measures, for every (message,
//! receiver) pair, the time from send to receipt. A first phase with a
//! single receiver is the baseline the table compares against.
//!
//! ```text
//! cargo run --release -p feedboard-bench --bin wsbench -- --url http://127.0.0.1:3411 \
//!     --password <admin password> --clients 1000 --senders 4 --seconds 20
//! ```

mod http;
mod options;

use options::Options;

use feedboard::model::{ClientMessage, ServerMessage};
use feedboard_bench::stats::Samples;
use futures::{SinkExt, StreamExt};
use std::{
    sync::Arc,
    time::{Duration, Instant},
};
use tokio::{sync::Semaphore, task::JoinSet};
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest, http::HeaderValue};

const ROOM: &str = "wsbench";

/// What one phase measured.
struct Outcome {
    clients: usize,
    connected: usize,
    held: usize,
    connect_secs: f64,
    sent: usize,
    expected: usize,
    latencies: Samples,
}

#[tokio::main]
async fn main() {
    let options = match Options::parse(std::env::args().skip(1)) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    if let Err(e) = run(&options).await {
        eprintln!("wsbench: {e}");
        std::process::exit(1);
    }
}

async fn run(o: &Options) -> Result<(), String> {
    let admin = http::login(&o.host, "admin", &o.password).await?;
    let room = serde_json::json!({"slug": ROOM, "title": "wsbench", "widgets": []});
    http::ensure(&o.host, &admin, "/api/v1/dashboards", room).await?;
    let mut senders = Vec::new();
    for i in 0..o.senders {
        let name = format!("wsbench-{i}");
        let user = serde_json::json!({"username": name, "password": "wsbench-password", "role": "viewer"});
        http::ensure(&o.host, &admin, "/api/v1/users", user).await?;
        let cookie = http::login(&o.host, &name, "wsbench-password").await?;
        senders.push((name, cookie));
    }
    let baseline_secs = o.seconds.clamp(1, 5);
    println!("baseline: 1 receiver, {} sender(s), {baseline_secs} s …", o.senders);
    let mut baseline = phase(o, &senders, 1, baseline_secs).await?;
    println!("load: {} receivers, {} sender(s), {} s …", o.clients, o.senders, o.seconds);
    let mut load = phase(o, &senders, o.clients, o.seconds).await?;
    print_table(&mut baseline, &mut load);
    Ok(())
}

/// Connects `clients` receivers, has the senders talk for `seconds`, and
/// collects every receiver's latencies.
async fn phase(o: &Options, senders: &[(String, String)], clients: usize, seconds: u64) -> Result<Outcome, String> {
    let started = Instant::now();
    let epoch = Instant::now();
    let deadline = Duration::from_secs(seconds + 5);
    // Open sockets a hundred at a time, as a crowd arriving, not a SYN flood.
    let gate = Arc::new(Semaphore::new(100));
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel::<bool>(clients);
    let mut receivers = JoinSet::new();
    for _ in 0..clients {
        let (host, gate, ready) = (o.host.clone(), gate.clone(), ready_tx.clone());
        receivers.spawn(async move { receive(&host, gate, ready, epoch, deadline).await });
    }
    drop(ready_tx);
    let mut connected = 0;
    while let Some(ok) = ready_rx.recv().await {
        connected += usize::from(ok);
    }
    let connect_secs = started.elapsed().as_secs_f64();

    let mut talkers = JoinSet::new();
    for (name, cookie) in senders {
        let (host, name, cookie) = (o.host.clone(), name.clone(), cookie.clone());
        talkers.spawn(async move { talk(&host, &name, &cookie, seconds, epoch).await });
    }
    let mut sent = 0;
    while let Some(result) = talkers.join_next().await {
        sent += result.map_err(|e| e.to_string())??;
    }
    let (mut latencies, mut held) = (Samples::default(), 0);
    while let Some(result) = receivers.join_next().await {
        if let Ok(Some((samples, still_open))) = result {
            latencies.extend(samples);
            held += usize::from(still_open);
        }
    }
    Ok(Outcome { clients, connected, held, connect_secs, sent, expected: sent * connected, latencies })
}

/// The upgrade request for `host`, from its own origin.
fn request(
    host: &str,
    cookie: Option<&str>,
) -> Result<tokio_tungstenite::tungstenite::handshake::client::Request, String> {
    let mut req = format!("ws://{host}/api/v1/ws").into_client_request().map_err(|e| e.to_string())?;
    let origin = HeaderValue::from_str(&format!("http://{host}")).map_err(|e| e.to_string())?;
    req.headers_mut().insert("origin", origin);
    if let Some(cookie) = cookie {
        req.headers_mut().insert("cookie", HeaderValue::from_str(cookie).map_err(|e| e.to_string())?);
    }
    Ok(req)
}

fn join_text() -> String {
    serde_json::to_string(&ClientMessage::Join { dashboard: ROOM.into() }).unwrap_or_default()
}

/// One receiver: connects, joins, reports readiness, then records how long
/// each bench message took to arrive until `deadline`. Returns the samples
/// and whether the socket was still open at the end.
async fn receive(
    host: &str,
    gate: Arc<Semaphore>,
    ready: tokio::sync::mpsc::Sender<bool>,
    epoch: Instant,
    deadline: Duration,
) -> Option<(Vec<u64>, bool)> {
    let permit = gate.acquire_owned().await.ok()?;
    let connected = async {
        let (mut ws, _) = tokio_tungstenite::connect_async(request(host, None).ok()?).await.ok()?;
        ws.send(Message::text(join_text())).await.ok()?;
        // Joined once the room tells us who is here.
        while let Some(Ok(frame)) = ws.next().await {
            match serde_json::from_str::<ServerMessage>(frame.to_text().unwrap_or_default()) {
                Ok(ServerMessage::Presence(_)) => return Some(ws),
                Ok(ServerMessage::Error { .. }) => return None,
                _ => {}
            }
        }
        None
    }
    .await;
    drop(permit);
    let _ = ready.send(connected.is_some()).await;
    drop(ready);
    let mut ws = connected?;
    let mut samples = Vec::new();
    let end = tokio::time::Instant::from_std(epoch + deadline);
    let still_open = loop {
        match tokio::time::timeout_at(end, ws.next()).await {
            Err(_) => break true,
            Ok(Some(Ok(Message::Text(text)))) => {
                if let Some((sent_at, _)) = bench_stamp(text.as_str()) {
                    samples.push((epoch.elapsed().as_micros() as u64).saturating_sub(sent_at));
                }
            }
            Ok(Some(Ok(_))) => {}
            Ok(Some(Err(_)) | None) => break false,
        }
    };
    let _ = ws.close(None).await;
    Some((samples, still_open))
}

/// The send time (µs since the phase began) a bench chat message carries,
/// and who sent it.
fn bench_stamp(text: &str) -> Option<(u64, String)> {
    match serde_json::from_str::<ServerMessage>(text).ok()? {
        ServerMessage::Chat(chat) => Some((chat.text.strip_prefix("bench ")?.parse().ok()?, chat.user)),
        _ => None,
    }
}

/// One sender (`name`): one chat message a second for `seconds`; returns how
/// many the server accepted (its own copies come back to it).
async fn talk(host: &str, name: &str, cookie: &str, seconds: u64, epoch: Instant) -> Result<usize, String> {
    let (mut ws, _) =
        tokio_tungstenite::connect_async(request(host, Some(cookie))?).await.map_err(|e| e.to_string())?;
    ws.send(Message::text(join_text())).await.map_err(|e| e.to_string())?;
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let (mut sent, mut accepted) = (0, 0);
    let stop = tokio::time::Instant::now() + Duration::from_secs(seconds);
    loop {
        tokio::select! {
            _ = tick.tick(), if sent < seconds => {
                let text = format!("bench {}", epoch.elapsed().as_micros());
                let chat = ClientMessage::Chat { dashboard: ROOM.into(), text };
                ws.send(Message::text(serde_json::to_string(&chat).unwrap_or_default())).await.map_err(|e| e.to_string())?;
                sent += 1;
            }
            frame = ws.next() => match frame {
                Some(Ok(Message::Text(text))) => {
                    accepted += usize::from(bench_stamp(text.as_str()).is_some_and(|(_, user)| user == name));
                }
                Some(Ok(_)) => {}
                _ => return Err("a sender lost its socket".into()),
            },
            _ = tokio::time::sleep_until(stop + Duration::from_secs(2)) => break,
        }
    }
    let _ = ws.close(None).await;
    Ok(accepted)
}

fn print_table(baseline: &mut Outcome, load: &mut Outcome) {
    let ratio = |a: f64, b: f64| if b > 0.0 { format!("{:.1}x", a / b) } else { "-".into() };
    println!();
    println!(
        "| phase    | clients | connected | held  | connect s | msgs | deliveries      | p50 ms | p90 ms | p99 ms | max ms |"
    );
    println!(
        "|----------|---------|-----------|-------|-----------|------|-----------------|--------|--------|--------|--------|"
    );
    for (name, o) in [("baseline", &mut *baseline), ("load", &mut *load)] {
        println!(
            "| {name:<8} | {:>7} | {:>9} | {:>5} | {:>9.2} | {:>4} | {:>7}/{:<7} | {:>6.2} | {:>6.2} | {:>6.2} | {:>6.2} |",
            o.clients,
            o.connected,
            o.held,
            o.connect_secs,
            o.sent,
            o.latencies.len(),
            o.expected,
            o.latencies.percentile_ms(50.0),
            o.latencies.percentile_ms(90.0),
            o.latencies.percentile_ms(99.0),
            o.latencies.percentile_ms(100.0),
        );
    }
    println!(
        "\nload vs baseline: p50 {}, p99 {}",
        ratio(load.latencies.percentile_ms(50.0), baseline.latencies.percentile_ms(50.0)),
        ratio(load.latencies.percentile_ms(99.0), baseline.latencies.percentile_ms(99.0)),
    );
    // One machine-readable line for `feedboard-bench perf`.
    let summary = serde_json::json!({
        "clients": load.clients, "connected": load.connected, "held": load.held,
        "deliveries": load.latencies.len(), "expected": load.expected,
        "p50_ms": load.latencies.percentile_ms(50.0), "p99_ms": load.latencies.percentile_ms(99.0),
        "baseline_p50_ms": baseline.latencies.percentile_ms(50.0), "baseline_p99_ms": baseline.latencies.percentile_ms(99.0),
    });
    println!("WSBENCH_JSON {summary}");
}
