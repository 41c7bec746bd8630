//! Checking who signs in: the password check and the throttles in front of
//! it, shaped so that neither the answer nor its cost tells which usernames
//! exist.

use super::rate_limit::RateLimiter;
use crate::{
    domain::Core,
    error::{AppError, ErrorCode},
    store::{self, users::UserRow},
};
use std::{
    net::{IpAddr, Ipv6Addr},
    time::Duration,
};

/// Longest username that can exist (see `users::validate_username`); longer
/// ones are refused before any lookup, hash or limiter key.
pub const MAX_USERNAME_BYTES: usize = 64;
/// Longest password accepted, so the work per attempt stays bounded.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// Throttles failed sign-in attempts per address (IPv6: per /64, what one
/// host usually holds) and per username (so many addresses cannot share
/// out the guessing). Only failures count: a right password gives its
/// tokens back.
#[derive(Debug)]
pub struct LoginLimiter {
    by_address: RateLimiter<IpAddr>,
    by_user: RateLimiter<String>,
}

impl Default for LoginLimiter {
    /// Per address: 10 quick failures, then one every 3 s. Per username: 30,
    /// then one a second, faster than one address may go, so a single
    /// address cannot keep someone else locked out.
    fn default() -> Self {
        Self { by_address: RateLimiter::new(10, 1.0 / 3.0), by_user: RateLimiter::new(30, 1.0) }
    }
}

impl LoginLimiter {
    /// Takes a token from both buckets; `Err(wait)` when either is empty.
    pub fn check(&self, ip: IpAddr, username: &str) -> Result<(), Duration> {
        let address = address_key(ip);
        self.by_address.check(&address)?;
        if let Err(wait) = self.by_user.check(&username.to_owned()) {
            self.by_address.refund(&address);
            return Err(wait);
        }
        Ok(())
    }

    /// Gives back what the last `check` took (the attempt did not fail).
    pub fn refund(&self, ip: IpAddr, username: &str) {
        self.by_address.refund(&address_key(ip));
        self.by_user.refund(&username.to_owned());
    }
}

/// The key an address is throttled under: IPv4 as it is, IPv6 by its /64
/// prefix (an IPv4-mapped IPv6 address counts as the IPv4 one).
pub fn address_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !((1u128 << 64) - 1))),
        },
    }
}

/// Checks a username and password. An unknown user and a wrong password get
/// the same 401 after the same work: the password is always verified, for a
/// missing user against a dummy hash. Too many failures: 429; too many
/// checks in flight on the server: 503.
pub async fn authenticate(core: &Core, ip: IpAddr, username: &str, password: &str) -> Result<UserRow, AppError> {
    if username.len() > MAX_USERNAME_BYTES || password.len() > MAX_PASSWORD_BYTES {
        return Err(wrong_credentials());
    }
    if let Err(wait) = core.login_limiter.check(ip, username) {
        return Err(AppError::new(
            ErrorCode::RateLimited,
            format!("too many sign-in attempts; try again in {} s", wait.as_secs() + 1),
        ));
    }
    let user = match store::users::by_name(&core.db, username).await {
        Ok(user) => user,
        Err(e) => {
            core.login_limiter.refund(ip, username);
            return Err(e.into());
        }
    };
    let hash = user.as_ref().map_or(super::password::dummy_hash(), |u| u.password_hash.as_str()).to_owned();
    let matches = match core.passwords.verify(password.to_owned(), hash).await {
        Ok(matches) => matches,
        Err(busy) => {
            // Not an attempt that failed: the server had no room to check it.
            core.login_limiter.refund(ip, username);
            return Err(busy);
        }
    };
    match user {
        Some(user) if matches => {
            core.login_limiter.refund(ip, username);
            Ok(user)
        }
        _ => Err(wrong_credentials()),
    }
}

fn wrong_credentials() -> AppError {
    AppError::new(ErrorCode::Unauthorized, "wrong username or password")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_addresses_count_per_64_and_ipv4_as_they_are() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff:ffff:ffff:ffff".parse().unwrap();
        let other: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(address_key(a), address_key(b), "one /64, one bucket");
        assert_eq!(address_key(a), "2001:db8:1:2::".parse::<IpAddr>().unwrap());
        assert_ne!(address_key(a), address_key(other));
        let v4: IpAddr = "192.0.2.7".parse().unwrap();
        assert_eq!(address_key(v4), v4);
        assert_eq!(address_key("::ffff:192.0.2.7".parse().unwrap()), v4, "mapped IPv4 is IPv4");
    }

    #[test]
    fn failures_count_per_address_and_per_username() {
        let limiter = LoginLimiter::default();
        let ip: IpAddr = "2001:db8::1".parse().unwrap();
        for _ in 0..10 {
            assert!(limiter.check(ip, "alice").is_ok());
        }
        // Another address in the same /64, another name: still this address.
        assert!(limiter.check("2001:db8::2".parse().unwrap(), "bob").is_err());
        // Many addresses against one name: the name runs out.
        let mut allowed = 0;
        for i in 0..100u8 {
            if limiter.check(IpAddr::from([198, 51, 100, i]), "carol").is_ok() {
                allowed += 1;
            }
        }
        assert_eq!(allowed, 30, "the per-username burst");
        // A refused name does not use up the address's tokens.
        let fresh: IpAddr = "203.0.113.9".parse().unwrap();
        for _ in 0..20 {
            assert!(limiter.check(fresh, "carol").is_err());
        }
        assert!(limiter.check(fresh, "dave").is_ok());
    }
}
