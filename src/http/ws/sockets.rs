//! Which WebSockets belong to which session, so signing out closes them.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};
use tokio_util::sync::CancellationToken;

/// Open sockets per session id.
#[derive(Clone, Default)]
pub struct SessionSockets {
    inner: Arc<Mutex<HashMap<String, Vec<CancellationToken>>>>,
}

impl SessionSockets {
    /// Registers a socket of `session`; the token fires when the session ends.
    pub fn register(&self, session: &str) -> CancellationToken {
        let token = CancellationToken::new();
        let mut map = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let tokens = map.entry(session.to_owned()).or_default();
        tokens.retain(|t| !t.is_cancelled());
        tokens.push(token.clone());
        token
    }

    /// Closes every socket of `session`.
    pub fn close_session(&self, session: &str) {
        let tokens = self.inner.lock().unwrap_or_else(|p| p.into_inner()).remove(session);
        for token in tokens.into_iter().flatten() {
            token.cancel();
        }
    }

    /// Forgets a socket that has closed by itself.
    pub fn unregister(&self, session: &str, token: &CancellationToken) {
        token.cancel();
        let mut map = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(tokens) = map.get_mut(session) {
            tokens.retain(|t| !t.is_cancelled());
            if tokens.is_empty() {
                map.remove(session);
            }
        }
    }
}
