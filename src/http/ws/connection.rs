//! One open socket: reads frames, writes its outbox, pings, times out, and
//! closes with a meaningful code when it must.

use super::{handle::Conn, rooms::Member};
use crate::{auth::UserRow, http::AppState};
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use futures::{SinkExt, StreamExt, stream::SplitSink};
use std::{collections::HashMap, net::IpAddr, time::Duration};
use tokio::{sync::mpsc, time::Instant};
use tokio_util::sync::CancellationToken;

/// Who opened the socket, as the upgrade found out.
pub struct Peer {
    pub user: Option<UserRow>,
    pub ip: IpAddr,
    /// The login the socket belongs to (signed-in sockets only), so
    /// signing out closes it.
    pub login: Option<String>,
}

/// Why a socket ends, and the close frame it gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ending {
    /// The client closed, vanished, or a write failed: nothing to send.
    Gone,
    /// A frame or message over 64 KiB (1009).
    TooLarge,
    /// The session signed out (1008).
    SignedOut,
    /// Its outbox overflowed (1013: reconnect and catch up from history).
    TooSlow,
    /// No traffic for the idle timeout (1001).
    Idle,
    /// The server is shutting down (1001).
    Shutdown,
}

impl Ending {
    fn close_frame(self) -> Option<CloseFrame> {
        let (code, reason) = match self {
            Ending::Gone => return None,
            Ending::TooLarge => (1009, "message too big"),
            Ending::SignedOut => (1008, "signed out"),
            Ending::TooSlow => (1013, "too slow; reconnect"),
            Ending::Idle => (1001, "idle"),
            Ending::Shutdown => (1012, "server restarting; reconnect"),
        };
        Some(CloseFrame { code, reason: Utf8Bytes::from_static(reason) })
    }
}

/// Runs a socket until it ends, then takes it out of its rooms.
pub async fn serve(state: AppState, socket: WebSocket, peer: Peer) {
    let settings = *state.rooms.settings();
    let signed_out = match (&peer.login, &peer.user) {
        (Some(login), Some(user)) => state.core.sockets.register(login, user.id),
        _ => CancellationToken::new(),
    };
    let (outbox, mut outgoing) = mpsc::channel(settings.outbox);
    let member =
        Member { user: peer.user.as_ref().map(|u| u.username.clone()), outbox, kick: CancellationToken::new() };
    let kick = member.kick.clone();
    let mut conn = Conn {
        id: state.rooms.next_id(),
        user: peer.user,
        ip: peer.ip,
        member,
        joined: HashMap::new(),
        state: state.clone(),
    };
    metrics::gauge!("feedboard_ws_clients").increment(1.0);

    let (mut sink, mut stream) = socket.split();
    let mut ping = tokio::time::interval_at(Instant::now() + settings.ping_every, settings.ping_every);
    let mut idle_deadline = Instant::now() + settings.idle_timeout;
    let ending = loop {
        tokio::select! {
            biased;
            _ = signed_out.cancelled() => break Ending::SignedOut,
            _ = kick.cancelled() => break Ending::TooSlow,
            _ = state.core.shutdown.cancelled() => break Ending::Shutdown,
            Some(text) = outgoing.recv() => {
                if !write(&mut sink, Message::Text(text), settings.write_timeout).await {
                    break Ending::Gone;
                }
            }
            _ = ping.tick() => {
                if !write(&mut sink, Message::Ping(Default::default()), settings.write_timeout).await {
                    break Ending::Gone;
                }
            }
            frame = tokio::time::timeout_at(idle_deadline, stream.next()) => {
                idle_deadline = Instant::now() + settings.idle_timeout;
                match frame {
                    Err(_) => break Ending::Idle,
                    Ok(None | Some(Ok(Message::Close(_)))) => break Ending::Gone,
                    Ok(Some(Err(e))) => break if is_too_large(e) { Ending::TooLarge } else { Ending::Gone },
                    Ok(Some(Ok(Message::Text(text)))) => conn.handle_text(text.as_str()).await,
                    Ok(Some(Ok(Message::Binary(_)))) => conn.reply_error(
                        crate::domain::interaction::Refusal::bad_request("send JSON in text frames"),
                        None,
                    ),
                    // Pings are answered by the protocol layer; pongs just count as traffic.
                    Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => {}
                }
            }
        }
    };

    if let Some(frame) = ending.close_frame() {
        let _ = write(&mut sink, Message::Close(Some(frame)), Duration::from_secs(1)).await;
    }
    for room in conn.joined.keys() {
        state.rooms.leave(room, conn.id);
    }
    if let Some(login) = &peer.login {
        state.core.sockets.unregister(login, &signed_out);
    }
    metrics::gauge!("feedboard_ws_clients").decrement(1.0);
    tracing::debug!(?ending, "WebSocket closed");
}

/// Sends one message within `limit`; `false` when the socket is gone.
async fn write(sink: &mut SplitSink<WebSocket, Message>, message: Message, limit: Duration) -> bool {
    matches!(tokio::time::timeout(limit, sink.send(message)).await, Ok(Ok(())))
}

/// Whether a read failed because a frame or message exceeded the limits.
fn is_too_large(e: axum::Error) -> bool {
    use tokio_tungstenite::tungstenite::Error;
    e.into_inner().downcast_ref::<Error>().is_some_and(|e| matches!(e, Error::Capacity(_)))
}
