//! Caps on long-lived connections per client address: live streams and
//! WebSockets each count separately, keyed by IPv4 address or IPv6 /64 (one
//! host's usual allocation, so rotating privacy addresses do not escape the
//! cap). Over the cap the request is refused with 429 before the stream or
//! upgrade starts; a slot is given back when its connection ends.

use crate::error::{AppError, ErrorCode};
use std::{
    collections::HashMap,
    net::{IpAddr, Ipv4Addr},
    sync::{Arc, Mutex},
};

/// Which kind of connection a slot counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Channel {
    /// `GET /api/v1/stream`.
    Stream,
    /// `GET /api/v1/ws`.
    Socket,
}

impl Channel {
    fn describe(self) -> &'static str {
        match self {
            Channel::Stream => "live streams",
            Channel::Socket => "WebSockets",
        }
    }
}

/// Whom a cap counts: an IPv4 address, or the /64 an IPv6 address is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ClientKey {
    V4(Ipv4Addr),
    V6Prefix(u64),
}

impl From<IpAddr> for ClientKey {
    fn from(ip: IpAddr) -> Self {
        match ip {
            IpAddr::V4(v4) => ClientKey::V4(v4),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => ClientKey::V4(v4),
                None => ClientKey::V6Prefix((u128::from(v6) >> 64) as u64),
            },
        }
    }
}

/// The open connections per client; cheap to clone.
#[derive(Clone, Debug)]
pub struct ClientCaps {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    /// Most connections of one channel per client; 0: no cap.
    cap: usize,
    open: Mutex<HashMap<(Channel, ClientKey), usize>>,
}

/// One admitted connection; dropping it frees the slot.
#[derive(Debug)]
pub struct ClientSlot {
    inner: Arc<Inner>,
    key: (Channel, ClientKey),
}

impl ClientCaps {
    /// At most `cap` connections of each channel per client (`0`: no cap).
    pub fn new(cap: usize) -> Self {
        Self { inner: Arc::new(Inner { cap, open: Mutex::new(HashMap::new()) }) }
    }

    /// Takes a slot for a new connection from `ip`, or refuses with 429.
    pub fn admit(&self, channel: Channel, ip: IpAddr) -> Result<ClientSlot, AppError> {
        let key = (channel, ClientKey::from(ip));
        let mut open = self.inner.open.lock().unwrap_or_else(|p| p.into_inner());
        let count = open.entry(key).or_insert(0);
        if self.inner.cap > 0 && *count >= self.inner.cap {
            metrics::counter!("feedboard_client_cap_refusals_total").increment(1);
            return Err(AppError::new(
                ErrorCode::RateLimited,
                format!(
                    "too many open {} from your address (at most {}); close some and try again",
                    channel.describe(),
                    self.inner.cap
                ),
            ));
        }
        *count += 1;
        Ok(ClientSlot { inner: self.inner.clone(), key })
    }

    /// Connections of `channel` open from `ip`'s client right now.
    pub fn open(&self, channel: Channel, ip: IpAddr) -> usize {
        let open = self.inner.open.lock().unwrap_or_else(|p| p.into_inner());
        open.get(&(channel, ClientKey::from(ip))).copied().unwrap_or(0)
    }
}

impl Drop for ClientSlot {
    fn drop(&mut self) {
        let mut open = self.inner.open.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(count) = open.get_mut(&self.key) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn caps_each_channel_per_client_and_frees_slots_on_drop() {
        let caps = ClientCaps::new(2);
        let a = caps.admit(Channel::Stream, ip("10.0.0.1")).unwrap();
        let _b = caps.admit(Channel::Stream, ip("10.0.0.1")).unwrap();
        let e = caps.admit(Channel::Stream, ip("10.0.0.1")).unwrap_err();
        assert_eq!(e.code, ErrorCode::RateLimited);
        assert!(e.message.contains("at most 2"), "{}", e.message);
        let _other_client = caps.admit(Channel::Stream, ip("10.0.0.2")).unwrap();
        let _other_channel = caps.admit(Channel::Socket, ip("10.0.0.1")).unwrap();
        drop(a);
        assert_eq!(caps.open(Channel::Stream, ip("10.0.0.1")), 1);
        let _c = caps.admit(Channel::Stream, ip("10.0.0.1")).unwrap();
    }

    #[test]
    fn ipv6_counts_per_64_and_mapped_ipv4_as_ipv4() {
        let caps = ClientCaps::new(1);
        let _a = caps.admit(Channel::Socket, ip("2001:db8:1:2::1")).unwrap();
        assert!(caps.admit(Channel::Socket, ip("2001:db8:1:2:ffff::9")).is_err(), "same /64");
        assert!(caps.admit(Channel::Socket, ip("2001:db8:1:3::1")).is_ok(), "another /64");
        let _v4 = caps.admit(Channel::Socket, ip("192.0.2.7")).unwrap();
        assert!(caps.admit(Channel::Socket, ip("::ffff:192.0.2.7")).is_err(), "IPv4-mapped is the same client");
    }

    #[test]
    fn zero_means_no_cap() {
        let caps = ClientCaps::new(0);
        let slots: Vec<_> = (0..100).map(|_| caps.admit(Channel::Stream, ip("127.0.0.1")).unwrap()).collect();
        assert_eq!(caps.open(Channel::Stream, ip("127.0.0.1")), 100);
        drop(slots);
        assert_eq!(caps.open(Channel::Stream, ip("127.0.0.1")), 0);
    }
}
