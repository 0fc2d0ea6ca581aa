//! Argon2id password hashing, off the async threads: a hash takes tens of milliseconds of CPU
//! and 19 MiB of memory by design.

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};

/// OWASP's recommended Argon2id parameters: 19 MiB, 2 passes, 1 lane.
fn hasher() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(19 * 1024, 2, 1, None).expect("valid parameters"))
}

/// Hashes a password into a PHC string (algorithm, parameters and salt included).
pub async fn hash_password(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || {
        let hash = hasher().hash_password(password.as_bytes()).map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(hash.to_string())
    })
    .await?
}

/// A valid hash of a random password, checked when the login name is unknown so that the
/// answer takes as long as for a real account and does not reveal which names exist.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0Bq0UR1d8oVpIl1rXa8m+KX+r1P5mUuEFqTvkLa9cX0";

/// Whether `password` matches `stored` (or the dummy hash when there is no account).
pub async fn verify_password(password: String, stored: Option<String>) -> bool {
    let known = stored.is_some();
    let stored = stored.unwrap_or_else(|| DUMMY_HASH.to_string());
    let matches = tokio::task::spawn_blocking(move || hasher().verify_password(password.as_bytes(), stored.as_str()).is_ok()).await.unwrap_or(false);
    known && matches
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_differ() {
        let a = hash_password("ThuocDo@2026".into()).await.unwrap();
        let b = hash_password("ThuocDo@2026".into()).await.unwrap();
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b, "each hash has its own salt");
        assert!(verify_password("ThuocDo@2026".into(), Some(a.clone())).await);
        assert!(!verify_password("thuocdo@2026".into(), Some(a)).await);
        assert!(!verify_password("ThuocDo@2026".into(), None).await);
    }

    #[test]
    fn dummy_hash_is_a_real_argon2id_hash() {
        // A wrong password is refused by verification, not by a parse error.
        let err = hasher().verify_password(b"x", DUMMY_HASH).unwrap_err();
        assert_eq!(err, argon2::password_hash::Error::PasswordInvalid);
    }
}
