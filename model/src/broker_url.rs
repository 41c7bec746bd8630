//! Passwords in broker URLs: masked wherever a source is shown, restored
//! from the stored feed when a form sends the mask back, but only to the
//! same broker. URLs are read with the `url` crate, the parser the broker
//! clients use, so a password holding `@`, `:` or `%40` is found exactly
//! where the clients find it.

use super::Source;
use crate::FieldError;
use std::fmt;

/// What a broker URL's password shows as when feeds are read back.
pub const PASSWORD_MASK: &str = "********";

/// `url` with its password (if any) replaced by [`PASSWORD_MASK`]. A URL
/// without a password comes back unchanged; one that does not parse as
/// `scheme://host…` loses everything before its last `@`, so nothing that
/// may be a password shows.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            // Cannot fail: a URL with a password has a host.
            let _ = parsed.set_password(Some(PASSWORD_MASK));
            parsed.into()
        }
        Ok(parsed) if parsed.has_host() => url.to_owned(),
        _ => match url.rsplit_once('@') {
            None => url.to_owned(),
            Some((before, host)) => match before.split_once("://") {
                Some((scheme, _)) => format!("{scheme}://{PASSWORD_MASK}@{host}"),
                None => format!("{PASSWORD_MASK}@{host}"),
            },
        },
    }
}

/// Whether `url` carries the mask where its password goes.
pub fn has_masked_password(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|u| u.password() == Some(PASSWORD_MASK))
}

/// The port a client connects to: the URL's, else its scheme's default.
fn effective_port(url: &url::Url) -> Option<u16> {
    url.port().or(match url.scheme() {
        "mqtt" | "tcp" => Some(1883),
        "mqtts" | "ssl" => Some(8883),
        "ws" => Some(80),
        "wss" => Some(443),
        "amqp" => Some(5672),
        "amqps" => Some(5671),
        _ => None,
    })
}

/// Whether two URLs point at the same broker account: scheme, host, port
/// and user name. A stored password may only travel where it came from.
fn same_account(a: &url::Url, b: &url::Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str().unwrap_or_default().eq_ignore_ascii_case(b.host_str().unwrap_or_default())
        && effective_port(a) == effective_port(b)
        && a.username() == b.username()
}

fn url_field(message: &str) -> FieldError {
    FieldError { field: "source.url".into(), message: message.into() }
}

impl Source {
    /// The broker URL, to change it in place.
    pub fn url_mut(&mut self) -> &mut String {
        match self {
            Source::Mqtt { url, .. } | Source::Amqp { url, .. } => url,
        }
    }

    /// The source with its secrets (the URL's password, the TLS client key)
    /// masked, for showing to anyone.
    pub fn redacted(&self) -> Source {
        let mut copy = self.clone();
        *copy.url_mut() = redact_url(self.url());
        if let Some(tls) = copy.tls_mut()
            && tls.client_key().is_some()
        {
            tls.client_key_pem = Some(PASSWORD_MASK.into());
        }
        copy
    }

    /// Whether a secret is the mask (a form sent back what it was shown).
    pub fn has_masked_secret(&self) -> bool {
        has_masked_password(self.url()) || self.tls().is_some_and(|t| t.has_masked_key())
    }

    /// This source with masked secrets replaced by `previous`'s, so a form
    /// that sends back what it was shown keeps the stored password and key.
    /// Only when scheme, host, port and user are unchanged: else the stored
    /// secrets would go to another broker, and the answer is an error
    /// asking for them again.
    pub fn unmasked(&self, previous: &Source) -> Result<Source, FieldError> {
        let mut copy = self.clone();
        if let Some(url) = url::Url::parse(self.url()).ok().filter(|u| u.password() == Some(PASSWORD_MASK)) {
            *copy.url_mut() = unmasked_url(url, previous)?;
        }
        if self.tls().is_some_and(|t| t.has_masked_key()) {
            let key = previous.tls().and_then(|t| t.client_key()).filter(|k| *k != PASSWORD_MASK);
            let Some(key) = key else {
                return Err(key_field("re-enter the client key: none is stored for this feed"));
            };
            if !same_account_urls(self.url(), previous.url()) {
                return Err(key_field("re-enter the client key: the broker address changed"));
            }
            if let Some(tls) = copy.tls_mut() {
                tls.client_key_pem = Some(key.to_owned());
            }
        }
        Ok(copy)
    }
}

/// `url` (whose password is the mask) with `previous`'s password.
fn unmasked_url(mut url: url::Url, previous: &Source) -> Result<String, FieldError> {
    let old = url::Url::parse(previous.url()).ok();
    let Some((old, old_password)) = old.as_ref().and_then(|o| Some((o, o.password()?))) else {
        return Err(url_field("re-enter the password: none is stored for this feed"));
    };
    if !same_account(&url, old) {
        return Err(url_field("re-enter the password: the broker address changed"));
    }
    // The stored form is already percent-encoded; `set_password` keeps `%XX` as it is.
    url.set_password(Some(old_password)).map_err(|()| url_field("re-enter the password"))?;
    Ok(url.into())
}

/// Whether two URLs point at the same broker account (see [`same_account`]).
fn same_account_urls(a: &str, b: &str) -> bool {
    matches!((url::Url::parse(a), url::Url::parse(b)), (Ok(a), Ok(b)) if same_account(&a, &b))
}

fn key_field(message: &str) -> FieldError {
    FieldError { field: "source.tls.client_key_pem".into(), message: message.into() }
}

/// Debug output never shows a secret: `{:?}` of a feed is safe to log.
impl fmt::Debug for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Mqtt { url, topic, mqtt_version, tls } => f
                .debug_struct("Mqtt")
                .field("url", &redact_url(url))
                .field("topic", topic)
                .field("mqtt_version", mqtt_version)
                .field("tls", tls)
                .finish(),
            Source::Amqp { url, exchange, binding_key, queue, tls } => f
                .debug_struct("Amqp")
                .field("url", &redact_url(url))
                .field("exchange", exchange)
                .field("binding_key", binding_key)
                .field("queue", queue)
                .field("tls", tls)
                .finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn amqp(url: &str) -> Source {
        Source::Amqp { url: url.into(), exchange: "x".into(), binding_key: "#".into(), queue: None, tls: None }
    }

    fn mqtt(url: &str) -> Source {
        Source::mqtt(url, "#")
    }

    #[test]
    fn passwords_are_masked_and_restored() {
        let stored = amqp("amqp://guest:s3cret@127.0.0.1:5672/%2f");
        let shown = stored.redacted();
        assert_eq!(shown.url(), "amqp://guest:********@127.0.0.1:5672/%2f");
        assert_eq!(shown.unmasked(&stored), Ok(stored.clone()));
        let plain = mqtt("mqtt://127.0.0.1:1883");
        assert_eq!(plain.redacted(), plain);
        let changed = mqtt("mqtt://u:new@h");
        assert_eq!(changed.unmasked(&stored), Ok(changed.clone()), "a new password is kept");
    }

    #[test]
    fn awkward_passwords_and_hosts_are_masked() {
        for (url, shown, hidden) in [
            // Unencoded `@` in the password: the user info ends at the last `@`.
            ("amqp://guest:p@ss@127.0.0.1:5672/%2f", "amqp://guest:********@127.0.0.1:5672/%2f", "ss"),
            ("amqp://guest:pa:ss@h/%2f", "amqp://guest:********@h/%2f", "pa"),
            ("mqtt://user:p%40ss@h:1883", "mqtt://user:********@h:1883", "p%40ss"),
            ("mqtt://us%40er:hunter2@h", "mqtt://us%40er:********@h", "hunter2"),
            ("mqtt://:hunter2@h", "mqtt://:********@h", "hunter2"),
            ("mqtt://user:hunter2@[::1]:1883", "mqtt://user:********@[::1]:1883", "hunter2"),
            ("amqps://user:hunter2@[2001:db8::1]/vh", "amqps://user:********@[2001:db8::1]/vh", "hunter2"),
        ] {
            let redacted = redact_url(url);
            assert_eq!(redacted, shown, "{url}");
            assert!(!redacted.contains(hidden), "{url}");
        }
        // Nothing to hide: unchanged, whatever the spelling.
        for url in ["mqtt://user@h:1883", "mqtt://h", "amqp://[::1]:5672/%2f", "mqtt://User@Host:1883/"] {
            assert_eq!(redact_url(url), url);
        }
        // Not a URL the clients would accept: everything before the last `@` goes.
        assert_eq!(redact_url("mqtt://user:hunter2@h:99999"), "mqtt://********@h:99999");
        assert_eq!(redact_url("garbage:hunter2@h"), "********@h");
        assert_eq!(redact_url("not a url"), "not a url");
    }

    #[test]
    fn debug_output_masks_the_password() {
        let text = format!("{:?}", amqp("amqp://guest:hunter2@h/%2f"));
        assert!(text.contains("guest:********@h") && !text.contains("hunter2"), "{text}");
    }

    #[test]
    fn a_masked_password_is_restored_only_for_the_same_broker_account() {
        let stored = amqp("amqp://guest:s%40cret@broker.example:5672/%2f");
        let same = [
            "amqp://guest:********@broker.example:5672/%2f",
            "amqp://guest:********@BROKER.example:5672/other-vhost",
            "amqp://guest:********@broker.example/%2f",
        ];
        for url in same {
            let restored = amqp(url).unmasked(&stored).unwrap();
            assert!(restored.url().contains("guest:s%40cret@"), "{url} → {}", restored.url());
        }
        let moved = [
            "amqp://guest:********@evil.example:5672/%2f",
            "amqp://guest:********@broker.example:5673/%2f",
            "amqps://guest:********@broker.example:5672/%2f",
            "amqp://admin:********@broker.example:5672/%2f",
            "amqp://:********@broker.example:5672/%2f",
        ];
        for url in moved {
            let err = amqp(url).unmasked(&stored).unwrap_err();
            assert_eq!(err.field, "source.url");
            assert_eq!(err.message, "re-enter the password: the broker address changed", "{url}");
        }
        let mqtt_stored = mqtt("mqtt://u:pw@broker.example:1883");
        assert!(amqp("amqp://u:********@broker.example:1883").unmasked(&mqtt_stored).is_err(), "protocol changed");
        let err = amqp("amqp://guest:********@h/%2f").unmasked(&amqp("amqp://guest@h/%2f")).unwrap_err();
        assert!(err.message.contains("none is stored"), "{err:?}");
    }

    #[test]
    fn a_masked_client_key_is_restored_only_for_the_same_broker() {
        let with_key = |url: &str, key: &str| {
            let mut source = mqtt(url);
            *source.tls_mut() = Some(crate::TlsSettings { client_key_pem: Some(key.into()), ..Default::default() });
            source
        };
        let stored = with_key("mqtts://broker.example:8883", "-----BEGIN PRIVATE KEY-----");
        let shown = stored.redacted();
        assert_eq!(shown.tls().and_then(|t| t.client_key()), Some(PASSWORD_MASK));
        assert!(shown.has_masked_secret());
        assert_eq!(shown.unmasked(&stored), Ok(stored.clone()));
        let moved = with_key("mqtts://evil.example:8883", PASSWORD_MASK).unmasked(&stored).unwrap_err();
        assert_eq!(moved.field, "source.tls.client_key_pem");
        assert!(
            with_key("mqtts://broker.example:8883", PASSWORD_MASK).unmasked(&mqtt("mqtts://broker.example")).is_err()
        );
        assert!(!format!("{stored:?}").contains("BEGIN PRIVATE"), "Debug hides the key");
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn redaction_hides_any_password_and_keeps_the_address(
                password in "[ -~]{4,24}",
                user in "[a-z0-9._%-]{0,8}",
                host in prop_oneof!["[a-z]{1,10}(\\.[a-z]{2,5})?", Just("[::1]".to_owned()), Just("10.0.0.7".to_owned())],
                port in proptest::option::of(1u16..),
            ) {
                // The password as a URL carries it: percent-encoded where it must be.
                let mut url = url::Url::parse(&format!("amqp://{host}/")).unwrap();
                url.set_port(port).unwrap();
                url.set_username(&user).unwrap();
                url.set_password(Some(&password)).unwrap();
                let encoded = url.password().unwrap().to_owned();
                // Skip passwords that also spell part of the rest of the redacted URL.
                let port_text = port.map(|p| p.to_string()).unwrap_or_default();
                let elsewhere = format!("amqp://{user}:{PASSWORD_MASK}@{host}:{port_text}/");
                prop_assume!(![&password, &encoded].iter().any(|p| elsewhere.contains(p.as_str())));
                prop_assume!(!PASSWORD_MASK.contains(&encoded));
                let redacted = redact_url(url.as_str());
                prop_assert!(!redacted.contains(&password) && !redacted.contains(&encoded), "{redacted} shows {password:?}");
                let parsed = url::Url::parse(&redacted).unwrap();
                prop_assert_eq!(parsed.host_str(), url.host_str());
                prop_assert_eq!(parsed.port(), url.port());
                prop_assert_eq!(parsed.username(), url.username());
                prop_assert_eq!(parsed.password(), Some(PASSWORD_MASK));
                // And sending the mask back restores exactly what was stored.
                let stored = amqp(url.as_str());
                prop_assert_eq!(amqp(&redacted).unmasked(&stored).unwrap(), stored);
            }
        }
    }
}
