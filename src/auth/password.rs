//! Password hashing with argon2id (OWASP parameters, per-hash salt).

use argon2::{
    Argon2,
    password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng},
};

/// Hashes `password` into a PHC string. Slow on purpose: runs off the async
/// threads.
pub async fn hash(password: String) -> String {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .expect("argon2 with default parameters cannot fail on a generated salt")
    })
    .await
    .expect("hashing task panicked")
}

/// Whether `password` matches the PHC string `hash`. A malformed hash never
/// matches.
pub async fn verify(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// A hash of a random password: compared against when the user does not
/// exist, so a wrong username takes as long as a wrong password.
pub fn dummy_hash() -> &'static str {
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2bHmsvW0oYbQC7J1SRYoTzT2TQ2Wz9tcIlbEdDu9KIw"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_wrong_passwords_do_not() {
        let h = hash("s3cret!".into()).await;
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("s3cret!".into(), h.clone()).await);
        assert!(!verify("s3cret".into(), h).await);
        assert!(!verify("x".into(), "not a hash".into()).await);
        assert!(!verify("x".into(), dummy_hash().into()).await);
    }
}
