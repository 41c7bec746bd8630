//! Feed sources as stored: each secret sealed with the [`Keyring`], the
//! mask in its place. A stored source reads back masked, fit to show;
//! [`StoredSecrets::open`] gives the plaintext to the code that connects.
//!
//! In `feeds.source` (JSONB) the sealed values sit beside the source's
//! fields, by [`Slot`]:
//! `{"protocol":"amqp","url":"amqp://guest:********@host/%2f",…,"secrets":{"url.password":"enc:v1:…"}}`.
//! Another secret field (the TLS client key, `tls.client_key_pem`) is one
//! more slot: taken out and masked on write, put back on open, sealed alike.

use crate::{
    model::{PASSWORD_MASK, Source},
    secrets::{Keyring, Secret, SecretError},
};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The key of the sealed values in the stored JSON.
const SECRETS_FIELD: &str = "secrets";

/// A place in a source that holds a secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Slot {
    /// The broker URL's password, percent-encoded as in the URL.
    UrlPassword,
    /// The private key of the TLS client certificate (PEM).
    TlsClientKey,
}

impl Slot {
    const ALL: [Slot; 2] = [Slot::UrlPassword, Slot::TlsClientKey];

    /// Its key under `secrets` in the stored JSON.
    pub fn key(self) -> &'static str {
        match self {
            Slot::UrlPassword => "url.password",
            Slot::TlsClientKey => "tls.client_key_pem",
        }
    }

    /// What the secret is, for messages.
    pub fn what(self) -> &'static str {
        match self {
            Slot::UrlPassword => "broker password",
            Slot::TlsClientKey => "TLS client key",
        }
    }

    fn from_key(key: &str) -> Option<Slot> {
        Self::ALL.into_iter().find(|slot| slot.key() == key)
    }

    /// Takes the plaintext out of `source`, leaving the mask; `None` when
    /// the slot holds nothing (or only the mask).
    fn take(self, source: &mut Source) -> Option<Secret> {
        match self {
            Slot::UrlPassword => {
                let mut url = url::Url::parse(source.url()).ok()?;
                let password = url.password().filter(|p| *p != PASSWORD_MASK)?.to_owned();
                url.set_password(Some(PASSWORD_MASK)).ok()?;
                *source.url_mut() = url.into();
                Some(Secret::new(password))
            }
            Slot::TlsClientKey => {
                let tls = source.tls_mut().as_mut()?;
                let key = tls.client_key().filter(|k| *k != PASSWORD_MASK)?.to_owned();
                tls.client_key_pem = Some(PASSWORD_MASK.into());
                Some(Secret::new(key))
            }
        }
    }

    /// Puts `secret` back where the mask is; `false` when the mask is not there.
    fn put(self, source: &mut Source, secret: &Secret) -> bool {
        match self {
            Slot::UrlPassword => {
                let Ok(mut url) = url::Url::parse(source.url()) else { return false };
                if url.password() != Some(PASSWORD_MASK) || url.set_password(Some(secret.expose())).is_err() {
                    return false;
                }
                *source.url_mut() = url.into();
                true
            }
            Slot::TlsClientKey => match source.tls_mut() {
                Some(tls) if tls.has_masked_key() => {
                    tls.client_key_pem = Some(secret.expose().to_owned());
                    true
                }
                _ => false,
            },
        }
    }

    /// Associated data of a sealed value: its slot and the stored (masked)
    /// URL, so it opens only for the broker address it was written for.
    fn context(self, masked: &Source) -> Vec<u8> {
        format!("feedboard feed secret\0{}\0{}", self.key(), masked.url()).into_bytes()
    }
}

/// The secrets of one stored source, by slot.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StoredSecrets(BTreeMap<Slot, Stored>);

#[derive(Clone, Debug, PartialEq, Eq)]
enum Stored {
    Sealed(String),
    /// In a row written before secrets were encrypted, until it is sealed.
    Plain(Secret),
}

/// A stored secret that the keys of this process cannot open.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("cannot decrypt the {what}: {reason}")]
pub struct Unreadable {
    pub what: &'static str,
    pub reason: SecretError,
}

/// The stored form of `source`: its JSON for `feeds.source`, the masked
/// source and its sealed secrets.
pub fn seal(source: &Source, keys: &Keyring) -> Result<(Value, Source, StoredSecrets), SecretError> {
    let mut masked = source.clone();
    let plain: Vec<(Slot, Secret)> =
        Slot::ALL.into_iter().filter_map(|slot| Some((slot, slot.take(&mut masked)?))).collect();
    let mut secrets = BTreeMap::new();
    let mut sealed = Map::new();
    for (slot, secret) in plain {
        let text = keys.seal(&secret, &slot.context(&masked))?;
        sealed.insert(slot.key().into(), Value::String(text.clone()));
        secrets.insert(slot, Stored::Sealed(text));
    }
    let mut json = serde_json::to_value(&masked).unwrap_or(Value::Null);
    if let Value::Object(fields) = &mut json
        && !sealed.is_empty()
    {
        fields.insert(SECRETS_FIELD.into(), Value::Object(sealed));
    }
    Ok((json, masked, StoredSecrets(secrets)))
}

/// Reads `feeds.source`: the masked source and its secrets. A row from
/// before encryption holds the password in its URL: it comes back masked,
/// with the password as a plaintext secret until the row is sealed.
pub fn unpack(mut json: Value) -> Result<(Source, StoredSecrets), serde_json::Error> {
    let sealed = match &mut json {
        Value::Object(fields) => fields.remove(SECRETS_FIELD),
        _ => None,
    };
    let mut source: Source = serde_json::from_value(json)?;
    let mut secrets = BTreeMap::new();
    if let Some(Value::Object(sealed)) = sealed {
        for (key, value) in sealed {
            if let (Some(slot), Value::String(text)) = (Slot::from_key(&key), value) {
                secrets.insert(slot, Stored::Sealed(text));
            }
        }
    }
    for slot in Slot::ALL {
        if !secrets.contains_key(&slot)
            && let Some(plain) = slot.take(&mut source)
        {
            secrets.insert(slot, Stored::Plain(plain));
        }
    }
    Ok((source, StoredSecrets(secrets)))
}

impl StoredSecrets {
    /// `masked` with every secret decrypted and put back in its place.
    pub fn open(&self, masked: &Source, keys: &Keyring) -> Result<Source, Unreadable> {
        let mut source = masked.clone();
        for (slot, stored) in &self.0 {
            let unreadable = |reason| Unreadable { what: slot.what(), reason };
            let secret = match stored {
                Stored::Plain(secret) => secret.clone(),
                Stored::Sealed(text) => keys.open(text, &slot.context(masked)).map_err(unreadable)?,
            };
            if !slot.put(&mut source, &secret) {
                return Err(unreadable(SecretError::Malformed));
            }
        }
        Ok(source)
    }

    /// Whether sealing again would change the stored form: a plaintext
    /// secret, or one sealed with a key other than the current one.
    pub fn needs_reseal(&self, keys: &Keyring) -> bool {
        self.0.values().any(|stored| match stored {
            Stored::Plain(_) => true,
            Stored::Sealed(text) => !keys.is_current(text),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::SecretKey;

    fn keys() -> Keyring {
        Keyring::new(SecretKey::generate().unwrap(), vec![])
    }

    fn amqp(url: &str) -> Source {
        Source::Amqp { url: url.into(), exchange: "x".into(), binding_key: "#".into(), queue: None, tls: None }
    }

    #[test]
    fn the_stored_form_holds_no_password_and_opens_to_the_original() {
        let keys = keys();
        let source = amqp("amqp://guest:p%40ss-w0rd@127.0.0.1:5672/%2f");
        let (json, masked, secrets) = seal(&source, &keys).unwrap();
        let text = json.to_string();
        assert!(!text.contains("p%40ss") && !text.contains("w0rd"), "{text}");
        assert_eq!(json["url"], "amqp://guest:********@127.0.0.1:5672/%2f");
        assert!(json["secrets"]["url.password"].as_str().unwrap().starts_with("enc:v1:"));
        assert_eq!(masked, source.redacted());
        let (read, read_secrets) = unpack(json).unwrap();
        assert_eq!((&read, &read_secrets), (&masked, &secrets));
        assert_eq!(read_secrets.open(&read, &keys).unwrap(), source);
        assert!(!read_secrets.needs_reseal(&keys));
    }

    #[test]
    fn a_tls_client_key_is_sealed_like_a_password() {
        let keys = keys();
        let key_pem = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAsecret\n-----END PRIVATE KEY-----";
        let mut source = Source::mqtt("mqtts://user:pw@broker.example:8883", "t/#");
        *source.tls_mut() =
            Some(crate::model::TlsSettings { client_key_pem: Some(key_pem.into()), ..Default::default() });
        let (json, masked, _) = seal(&source, &keys).unwrap();
        let text = json.to_string();
        assert!(!text.contains("MIGHAgEAsecret") && !text.contains(":pw@"), "{text}");
        assert_eq!(json["tls"]["client_key_pem"], PASSWORD_MASK);
        assert!(json["secrets"]["tls.client_key_pem"].as_str().unwrap().starts_with("enc:v1:"));
        assert_eq!(masked, source.redacted());
        let (read, secrets) = unpack(json).unwrap();
        assert_eq!(secrets.open(&read, &keys).unwrap(), source);
    }

    #[test]
    fn sources_without_a_password_are_stored_as_they_are() {
        let source = Source::mqtt("mqtt://user@h:1883", "#");
        let (json, masked, secrets) = seal(&source, &keys()).unwrap();
        assert_eq!(json, serde_json::to_value(&source).unwrap());
        assert_eq!(masked, source);
        assert_eq!(secrets, StoredSecrets::default());
    }

    #[test]
    fn rows_from_before_encryption_read_masked_and_ask_to_be_sealed() {
        let keys = keys();
        let legacy = amqp("amqp://guest:guest@127.0.0.1:5672/%2f");
        let (masked, secrets) = unpack(serde_json::to_value(&legacy).unwrap()).unwrap();
        assert_eq!(masked.url(), "amqp://guest:********@127.0.0.1:5672/%2f");
        assert!(secrets.needs_reseal(&keys));
        assert_eq!(secrets.open(&masked, &keys).unwrap(), legacy);
        assert!(!format!("{secrets:?}").contains("guest@"), "plaintext secrets print masked");
    }

    #[test]
    fn a_wrong_key_or_a_moved_value_gives_a_clear_error() {
        let (json, ..) = seal(&amqp("amqp://guest:guest@127.0.0.1:5672/%2f"), &keys()).unwrap();
        let (masked, secrets) = unpack(json.clone()).unwrap();
        let err = secrets.open(&masked, &keys()).unwrap_err();
        assert!(
            err.to_string().starts_with("cannot decrypt the broker password: wrong FEEDBOARD_SECRET_KEY?"),
            "{err}"
        );

        // The sealed password copied next to another host does not open there.
        let keys = keys();
        let (mut json, ..) = seal(&amqp("amqp://guest:guest@127.0.0.1:5672/%2f"), &keys).unwrap();
        json["url"] = "amqp://guest:********@evil.example:5672/%2f".into();
        let (masked, secrets) = unpack(json).unwrap();
        let err = secrets.open(&masked, &keys).unwrap_err();
        assert!(matches!(err.reason, SecretError::Decrypt { .. }), "{err}");
    }

    #[test]
    fn an_old_key_opens_and_asks_for_sealing_again() {
        let old = SecretKey::generate().unwrap();
        let source = amqp("amqp://guest:guest@127.0.0.1:5672/%2f");
        let (json, ..) = seal(&source, &Keyring::new(old.clone(), vec![])).unwrap();
        let rotated = Keyring::new(SecretKey::generate().unwrap(), vec![old]);
        let (masked, secrets) = unpack(json).unwrap();
        assert!(secrets.needs_reseal(&rotated));
        let opened = secrets.open(&masked, &rotated).unwrap();
        assert_eq!(opened, source);
        let (_, _, resealed) = seal(&opened, &rotated).unwrap();
        assert!(!resealed.needs_reseal(&rotated));
    }
}
