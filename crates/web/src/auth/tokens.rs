//! Random secrets and their stored digests. Session and API tokens are 256-bit random values;
//! the database keeps only their SHA-256, so a leaked table opens no session.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
pub use storage::crypto::digest;

pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    rand::rng().fill_bytes(&mut bytes);
    bytes
}

/// A fresh URL-safe token of 256 random bits.
pub fn random_token() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<32>())
}

/// A new API token (`td_…`) and its digest for the database.
pub fn new_api_token() -> (String, String) {
    let token = format!("td_{}", random_token());
    let hash = digest(&token);
    (token, hash)
}
