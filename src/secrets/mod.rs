//! Secrets at rest: the key that encrypts broker passwords (and TLS
//! private keys) in the database, where it comes from, and the AEAD that
//! seals each value.
//!
//! A sealed value is the text `enc:v1:<key id>:<base64url(nonce ‖ ciphertext ‖ tag)>`:
//! ChaCha20-Poly1305 (ring) with a random 96-bit nonce per value, and
//! associated data naming the value's place, so a ciphertext moved to
//! another place does not open. The key id (8 hex digits of a hash of the
//! key) says which key sealed a value, so old keys still open it during a
//! rotation. The key: `FEEDBOARD_SECRET_KEY` (base64 of 32 bytes), else
//! the key file `FEEDBOARD_SECRET_KEY_FILE`, created at first start.

mod key_file;
#[cfg(test)]
mod tests;

use key_file::load_or_create;

use base64::{
    Engine,
    engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD},
};
use ring::{
    aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey},
    digest,
    rand::{SecureRandom, SystemRandom},
};
use std::{fmt, io, path::PathBuf, sync::Arc};

/// What stands for a secret wherever one would be shown.
pub const MASK: &str = crate::model::PASSWORD_MASK;

const PREFIX: &str = "enc:v1:";

/// A secret in plaintext. `Debug` and `Display` print the mask, so it
/// cannot end up in a log or an error by accident; [`Secret::expose`] is
/// the one way to the text.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(text: impl Into<String>) -> Self {
        Secret(text.into())
    }

    /// The plaintext, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

/// A 256-bit key; its `Debug` shows only the key id.
#[derive(Clone)]
pub struct SecretKey {
    bytes: [u8; 32],
    id: String,
}

impl SecretKey {
    /// Reads the base64 (standard or URL-safe, padded or not) of 32 bytes.
    pub fn from_base64(text: &str) -> Result<Self, KeyError> {
        let text = text.trim();
        let bytes = [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
            .iter()
            .find_map(|engine| engine.decode(text).ok())
            .ok_or(KeyError::Malformed)?;
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| KeyError::Malformed)?;
        Ok(Self::from_bytes(bytes))
    }

    /// A new random key.
    pub fn generate() -> Result<Self, KeyError> {
        let mut bytes = [0u8; 32];
        SystemRandom::new().fill(&mut bytes).map_err(|_| KeyError::Random)?;
        Ok(Self::from_bytes(bytes))
    }

    fn from_bytes(bytes: [u8; 32]) -> Self {
        let mut input = b"feedboard secret key id\0".to_vec();
        input.extend_from_slice(&bytes);
        let hash = digest::digest(&digest::SHA256, &input);
        let id = hash.as_ref()[..4].iter().map(|b| format!("{b:02x}")).collect();
        SecretKey { bytes, id }
    }

    /// The key as `FEEDBOARD_SECRET_KEY` and the key file spell it.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.bytes)
    }

    /// A short public name of the key (not secret), stored with each value.
    pub fn id(&self) -> &str {
        &self.id
    }

    fn aead(&self) -> LessSafeKey {
        // Cannot fail: the key has the algorithm's length.
        LessSafeKey::new(UnboundKey::new(&CHACHA20_POLY1305, &self.bytes).expect("32-byte ChaCha20-Poly1305 key"))
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey({})", self.id)
    }
}

/// Where the current key comes from.
#[derive(Clone, Debug)]
pub enum KeySource {
    /// `FEEDBOARD_SECRET_KEY`.
    Value(SecretKey),
    /// A file holding the key in base64, created (mode 0600) when missing.
    File(PathBuf),
    /// Neither the variable nor a place for the default key file (no `HOME`).
    Unset,
}

/// The key configuration: the current key, and old keys that may still
/// open values during a rotation (`FEEDBOARD_SECRET_KEY_OLD`).
#[derive(Clone, Debug)]
pub struct KeyConfig {
    pub current: KeySource,
    pub old: Vec<SecretKey>,
}

/// Why no key could be had at start-up.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("expected the base64 of 32 random bytes, e.g. from `head -c 32 /dev/urandom | base64`")]
    Malformed,
    #[error("the key file {} does not hold a key: expected the base64 of 32 bytes", path.display())]
    BadFile { path: PathBuf },
    #[error("cannot read the key file {}: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },
    #[error("cannot create the key file {}: {source}", path.display())]
    Create { path: PathBuf, source: io::Error },
    #[error(
        "no secret key: set FEEDBOARD_SECRET_KEY or FEEDBOARD_SECRET_KEY_FILE (without HOME there is no default key file)"
    )]
    Unset,
    #[error("the system gave no random numbers")]
    Random,
}

/// Why a value could not be sealed or opened. Never holds the value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error(
        "wrong FEEDBOARD_SECRET_KEY? it was encrypted with key {key_id}, the current key is {current}; \
         put the old key in FEEDBOARD_SECRET_KEY_OLD"
    )]
    UnknownKey { key_id: String, current: String },
    #[error("wrong FEEDBOARD_SECRET_KEY? key {key_id} does not open it (or the stored value was altered)")]
    Decrypt { key_id: String },
    #[error("the stored value is not a value sealed by feedboard")]
    Malformed,
    #[error("the system gave no random numbers")]
    Random,
}

/// The keys of this process: one to seal, any of them to open. Cheap to clone.
#[derive(Clone)]
pub struct Keyring {
    inner: Arc<Inner>,
}

struct Inner {
    current: SecretKey,
    old: Vec<SecretKey>,
    random: SystemRandom,
}

impl Keyring {
    pub fn new(current: SecretKey, old: Vec<SecretKey>) -> Self {
        Keyring { inner: Arc::new(Inner { current, old, random: SystemRandom::new() }) }
    }

    /// The keyring of `config`; reads the key file, or creates it with a
    /// new key (mode 0600) when it does not exist yet.
    pub fn load(config: &KeyConfig) -> Result<Self, KeyError> {
        let current = match &config.current {
            KeySource::Value(key) => key.clone(),
            KeySource::File(path) => load_or_create(path)?,
            KeySource::Unset => return Err(KeyError::Unset),
        };
        Ok(Keyring::new(current, config.old.clone()))
    }

    /// The id of the key new values are sealed with.
    pub fn current_id(&self) -> &str {
        self.inner.current.id()
    }

    /// Seals `secret` for the place named by `context` (associated data:
    /// the same context is needed to open it).
    pub fn seal(&self, secret: &Secret, context: &[u8]) -> Result<String, SecretError> {
        let key = &self.inner.current;
        let mut nonce = [0u8; NONCE_LEN];
        self.inner.random.fill(&mut nonce).map_err(|_| SecretError::Random)?;
        let mut data = secret.expose().as_bytes().to_vec();
        key.aead()
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(context), &mut data)
            .map_err(|_| SecretError::Random)?;
        let mut payload = nonce.to_vec();
        payload.extend_from_slice(&data);
        Ok(format!("{PREFIX}{}:{}", key.id(), URL_SAFE_NO_PAD.encode(payload)))
    }

    /// Opens a value sealed by [`Keyring::seal`] with the same `context`.
    pub fn open(&self, sealed: &str, context: &[u8]) -> Result<Secret, SecretError> {
        let (key_id, payload) = parse(sealed)?;
        let mut payload = URL_SAFE_NO_PAD.decode(payload).map_err(|_| SecretError::Malformed)?;
        if payload.len() < NONCE_LEN {
            return Err(SecretError::Malformed);
        }
        let mut candidates = self.keys().filter(|k| k.id() == key_id).peekable();
        if candidates.peek().is_none() {
            return Err(SecretError::UnknownKey { key_id: key_id.into(), current: self.current_id().into() });
        }
        let data = payload.split_off(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = payload.try_into().map_err(|_| SecretError::Malformed)?;
        for key in candidates {
            let mut attempt = data.clone();
            if let Ok(plain) =
                key.aead().open_in_place(Nonce::assume_unique_for_key(nonce), Aad::from(context), &mut attempt)
            {
                let text = std::str::from_utf8(plain).map(str::to_owned).map_err(|_| SecretError::Malformed);
                attempt.fill(0);
                return text.map(Secret);
            }
        }
        Err(SecretError::Decrypt { key_id: key_id.into() })
    }

    /// Whether `sealed` was sealed with the current key (else a rotation
    /// should seal it again).
    pub fn is_current(&self, sealed: &str) -> bool {
        parse(sealed).is_ok_and(|(id, _)| id == self.current_id())
    }

    fn keys(&self) -> impl Iterator<Item = &SecretKey> {
        std::iter::once(&self.inner.current).chain(&self.inner.old)
    }
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring").field("current", &self.inner.current).field("old", &self.inner.old).finish()
    }
}

/// Key id and payload of a sealed value.
fn parse(sealed: &str) -> Result<(&str, &str), SecretError> {
    sealed.strip_prefix(PREFIX).and_then(|rest| rest.split_once(':')).ok_or(SecretError::Malformed)
}
