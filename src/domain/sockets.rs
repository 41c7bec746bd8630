//! Which WebSockets belong to which login, so signing out, a password
//! change and deleting a user close them, on every node when linked to the
//! cluster bus.

use crate::cluster::{Bus, Event};
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};
use tokio_util::sync::CancellationToken;

/// Open sockets per login token (see `auth::session`), with their user.
#[derive(Clone, Default)]
pub struct SessionSockets {
    inner: Arc<Mutex<HashMap<String, Login>>>,
    /// Tells the other nodes to close theirs too.
    bus: Option<Bus>,
}

struct Login {
    user_id: i64,
    sockets: Vec<CancellationToken>,
}

impl SessionSockets {
    /// A registry whose closings reach every node; follow the bus with
    /// [`SessionSockets::follow`].
    pub fn linked(bus: Bus) -> Self {
        SessionSockets { inner: Arc::default(), bus: Some(bus) }
    }

    /// Applies the other nodes' closings until `shutdown`.
    pub async fn follow(self, shutdown: CancellationToken) {
        let Some(bus) = self.bus.clone() else { return };
        let mut events = bus.subscribe();
        loop {
            let event = tokio::select! {
                _ = shutdown.cancelled() => return,
                event = events.recv() => event,
            };
            match event.as_deref() {
                Ok(Event::CloseLogin { login, .. }) => self.close_login_here(login),
                Ok(Event::CloseUser { user_id, keep, .. }) => self.close_user_here(*user_id, keep.as_deref()),
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                _ => {}
            }
        }
    }

    /// Registers a socket of the login `login` of user `user_id`; the token
    /// fires when the login ends.
    pub fn register(&self, login: &str, user_id: i64) -> CancellationToken {
        let token = CancellationToken::new();
        let mut map = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let entry = map.entry(login.to_owned()).or_insert_with(|| Login { user_id, sockets: Vec::new() });
        entry.sockets.retain(|t| !t.is_cancelled());
        entry.sockets.push(token.clone());
        token
    }

    /// Closes every socket of the login `login`, on every node.
    pub fn close_login(&self, login: &str) {
        self.close_login_here(login);
        if let Some(bus) = &self.bus {
            bus.send(Event::CloseLogin { node: bus.node().to_owned(), login: login.to_owned() });
        }
    }

    fn close_login_here(&self, login: &str) {
        let removed = self.inner.lock().unwrap_or_else(|p| p.into_inner()).remove(login);
        for token in removed.into_iter().flat_map(|l| l.sockets) {
            token.cancel();
        }
    }

    /// Closes every socket of user `user_id`, except those of the login
    /// `keep` (the caller's own, when a user changes their own password),
    /// on every node.
    pub fn close_user(&self, user_id: i64, keep: Option<&str>) {
        self.close_user_here(user_id, keep);
        if let Some(bus) = &self.bus {
            let (node, keep) = (bus.node().to_owned(), keep.map(str::to_owned));
            bus.send(Event::CloseUser { node, user_id, keep });
        }
    }

    fn close_user_here(&self, user_id: i64, keep: Option<&str>) {
        let mut closing = Vec::new();
        {
            let mut map = self.inner.lock().unwrap_or_else(|p| p.into_inner());
            map.retain(|login, entry| {
                let close = entry.user_id == user_id && Some(login.as_str()) != keep;
                if close {
                    closing.append(&mut entry.sockets);
                }
                !close
            });
        }
        for token in closing {
            token.cancel();
        }
    }

    /// Forgets a socket that has closed by itself.
    pub fn unregister(&self, login: &str, token: &CancellationToken) {
        token.cancel();
        let mut map = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(entry) = map.get_mut(login) {
            entry.sockets.retain(|t| !t.is_cancelled());
            if entry.sockets.is_empty() {
                map.remove(login);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_and_users_close_their_own_sockets_only() {
        let sockets = SessionSockets::default();
        let (a1, a2) = (sockets.register("login-a", 1), sockets.register("login-a", 1));
        let b = sockets.register("login-b", 1);
        let other = sockets.register("login-c", 2);
        sockets.close_user(1, Some("login-b"));
        assert!(a1.is_cancelled() && a2.is_cancelled(), "the user's other login is closed");
        assert!(!b.is_cancelled(), "the kept login stays");
        assert!(!other.is_cancelled(), "another user's socket stays");
        sockets.close_login("login-b");
        assert!(b.is_cancelled());
        sockets.unregister("login-c", &other);
        assert!(sockets.inner.lock().unwrap().is_empty());
    }
}
