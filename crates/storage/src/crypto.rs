//! Encryption of personal data at rest. Fields such as an official's e-mail and phone are
//! stored as `v1:<base64(nonce ‖ ciphertext)>`, sealed with XChaCha20-Poly1305 under the data key,
//! with the field's name as associated data so a value cannot be moved to another column.
//!
//! The data key never enters the database: the operator keeps it in a key file or the
//! environment. The database keeps only a check value, so that starting with the wrong key fails
//! loudly instead of writing data nobody can read.

use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::{Error, Result};

/// What the database stores instead of a secret token (session, API or response token): its
/// SHA-256, so a leaked table opens nothing.
pub fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A secret for a link typed from a text message: 16 letters and digits of Crockford's base32
/// (80 bits; no I, L, O or U to misread).
pub fn short_token() -> String {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| ALPHABET[(b & 31) as usize] as char).collect()
}

/// 256 bits of key material.
#[derive(Clone)]
pub struct DataKey([u8; 32]);

impl DataKey {
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        Self(bytes)
    }

    /// Reads the 64 hexadecimal digits of a key file or environment variable.
    pub fn from_hex(text: &str) -> Option<Self> {
        let bytes = hex::decode(text.trim()).ok()?;
        Some(Self(bytes.try_into().ok()?))
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(…)")
    }
}

#[derive(Clone)]
pub struct Sealer {
    cipher: XChaCha20Poly1305,
    /// Key of the blind indexes, derived from the data key.
    index_key: [u8; 32],
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer")
    }
}

const PREFIX: &str = "v1:";

impl Sealer {
    pub fn new(key: &DataKey) -> Self {
        let index_key = Sha256::new().chain_update(b"thuocdo blind index").chain_update(key.0).finalize().into();
        Self { cipher: XChaCha20Poly1305::new(&Key::from(key.0)), index_key }
    }

    pub fn seal(&self, field: &str, plaintext: &str) -> String {
        let mut nonce = [0u8; 24];
        rand::rng().fill_bytes(&mut nonce);
        let ciphertext = self
            .cipher
            .encrypt(&XNonce::from(nonce), Payload { msg: plaintext.as_bytes(), aad: field.as_bytes() })
            .expect("XChaCha20-Poly1305 seals messages of any practical length");
        let mut sealed = nonce.to_vec();
        sealed.extend_from_slice(&ciphertext);
        format!("{PREFIX}{}", STANDARD_NO_PAD.encode(sealed))
    }

    pub fn open(&self, field: &str, sealed: &str) -> Result<String> {
        let bytes = sealed.strip_prefix(PREFIX).and_then(|b| STANDARD_NO_PAD.decode(b).ok()).ok_or(Error::Sealed)?;
        if bytes.len() < 24 {
            return Err(Error::Sealed);
        }
        let (nonce, ciphertext) = bytes.split_at(24);
        let nonce: [u8; 24] = nonce.try_into().map_err(|_| Error::Sealed)?;
        let plain = self.cipher.decrypt(&XNonce::from(nonce), Payload { msg: ciphertext, aad: field.as_bytes() }).map_err(|_| Error::Sealed)?;
        String::from_utf8(plain).map_err(|_| Error::Sealed)
    }

    pub fn seal_opt(&self, field: &str, plaintext: Option<&str>) -> Option<String> {
        plaintext.map(|p| self.seal(field, p))
    }

    pub fn open_opt(&self, field: &str, sealed: Option<&str>) -> Result<Option<String>> {
        sealed.map(|s| self.open(field, s)).transpose()
    }

    /// A blind index: the same value always gives the same string under this key, so sealed
    /// contacts (a phone number, an e-mail address) can be matched without opening them, while
    /// the table alone reveals nothing. HMAC-SHA-256 over the field's name and the value.
    pub fn blind_index(&self, field: &str, value: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.index_key).expect("HMAC takes a key of any length");
        mac.update(field.as_bytes());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        hex::encode(&mac.finalize().into_bytes()[..20])
    }

    /// A value that only this key produces, kept in the database to recognise the key.
    pub fn check_value(&self) -> String {
        // Deterministic on purpose: a fixed nonce for this one constant message.
        let ciphertext = self.cipher.encrypt(&XNonce::from([0u8; 24]), Payload { msg: b"thuocdo data key", aad: b"check" }).expect("a constant message seals");
        hex::encode(ciphertext)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_and_opens_per_field() {
        let sealer = Sealer::new(&DataKey::generate());
        let sealed = sealer.seal("users.email", "ha.nguyen@anlac.gov.vn");
        assert!(sealed.starts_with("v1:") && !sealed.contains("anlac"));
        assert_ne!(sealed, sealer.seal("users.email", "ha.nguyen@anlac.gov.vn"), "a fresh nonce every time");
        assert_eq!(sealer.open("users.email", &sealed).unwrap(), "ha.nguyen@anlac.gov.vn");
        assert!(sealer.open("users.phone", &sealed).is_err(), "bound to its field");
        assert!(Sealer::new(&DataKey::generate()).open("users.email", &sealed).is_err(), "bound to its key");
        assert!(sealer.open("users.email", "plain text").is_err());
    }

    #[test]
    fn blind_indexes_match_without_revealing() {
        let key = DataKey::generate();
        let sealer = Sealer::new(&key);
        let index = sealer.blind_index("frame.phone", "0912345678");
        assert_eq!(index, Sealer::new(&key).blind_index("frame.phone", "0912345678"));
        assert_ne!(index, sealer.blind_index("frame.email", "0912345678"));
        assert_ne!(index, Sealer::new(&DataKey::generate()).blind_index("frame.phone", "0912345678"));
        assert!(!index.contains("0912"));
    }

    #[test]
    fn keys_round_trip_as_hex_and_check_values_differ() {
        let key = DataKey::generate();
        let again = DataKey::from_hex(&key.to_hex()).unwrap();
        assert_eq!(Sealer::new(&key).check_value(), Sealer::new(&again).check_value());
        assert_ne!(Sealer::new(&key).check_value(), Sealer::new(&DataKey::generate()).check_value());
        assert!(DataKey::from_hex("abcd").is_none());
    }
}
