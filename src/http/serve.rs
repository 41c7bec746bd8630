//! Accepting connections: HTTP/1.1 with a header-read timeout (a client
//! that connects and sends its request slowly, or not at all, is cut off),
//! a write timeout on every socket (see [`super::write_timeout`]), WebSocket
//! upgrades, the client address for `ConnectInfo`, and graceful shutdown.
//!
//! `axum::serve` offers none of the timeouts, so this is its accept loop
//! with them added. HTTP/2 without TLS (h2c) is not offered: browsers never
//! use it, and its preface read has no timeout of its own.

use super::write_timeout::WriteTimeout;
use axum::{Router, body::Body, extract::Request};
use hyper::{body::Incoming, server::conn::http1};
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    service::TowerToHyperService,
};
use std::{io, net::SocketAddr, time::Duration};
use tokio::net::TcpListener;
use tokio_util::{sync::CancellationToken, task::TaskTracker};
use tower::{Service, ServiceExt};

/// The connection timeouts.
#[derive(Clone, Copy, Debug)]
pub struct ServeSettings {
    /// Time a client has to send a complete request head; also how long an
    /// idle keep-alive connection is kept.
    pub header_timeout: Duration,
    /// How long a write may stay blocked because the client reads nothing.
    pub write_timeout: Duration,
}

/// Serves `app` on `listener` until `shutdown` fires, then stops accepting,
/// lets open requests finish (live streams end on the same token) and
/// returns when every connection is closed.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    settings: ServeSettings,
    shutdown: CancellationToken,
) -> io::Result<()> {
    let mut make_service = app.into_make_service_with_connect_info::<SocketAddr>();
    let connections = TaskTracker::new();
    loop {
        let (tcp, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    accept_error(e).await;
                    continue;
                }
            },
            _ = shutdown.cancelled() => break,
        };
        let service = make_service.call(remote).await.unwrap_or_else(|never| match never {});
        let service = TowerToHyperService::new(service.map_request(|req: Request<Incoming>| req.map(Body::new)));
        let io = TokioIo::new(WriteTimeout::new(tcp, settings.write_timeout));
        let shutdown = shutdown.clone();
        connections.spawn(async move {
            let connection = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(settings.header_timeout)
                .serve_connection(io, service)
                .with_upgrades();
            tokio::pin!(connection);
            let result = tokio::select! {
                result = connection.as_mut() => result,
                _ = shutdown.cancelled() => {
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            };
            if let Err(e) = result {
                tracing::debug!(error = %e, %remote, "connection ended with an error");
            }
        });
    }
    drop(listener);
    connections.close();
    connections.wait().await;
    Ok(())
}

/// Like `axum::serve`: per-connection errors are the client's business;
/// anything else (out of file descriptors) waits a second before retrying.
async fn accept_error(e: io::Error) {
    use io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(e.kind(), ConnectionRefused | ConnectionAborted | ConnectionReset) {
        return;
    }
    tracing::error!(error = %e, "accept failed");
    tokio::time::sleep(Duration::from_secs(1)).await;
}
