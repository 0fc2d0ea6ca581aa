//! Signing in through an OpenID Connect provider (authorisation code with PKCE): its discovery
//! document, its token endpoint, its keys (JWKS), and the signature of the ID token it returns,
//! RS256 or ES256, checked with ring. What the token must say to be believed is
//! `domain::sso::check`; the same client serves the province's provider and VNeID.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use domain::sso::{AuthRequest, Claims, Expected, Refusal};
use ring::signature::{self, RsaPublicKeyComponents, UnparsedPublicKey};
use serde::Deserialize;

use crate::http::Http;

/// The longest ID token read: a token is a few kilobytes; a flood is not read.
const TOKEN_LIMIT: usize = 16 * 1024;
/// How long the discovery document is trusted before it is read again.
const METADATA_FOR: Duration = Duration::from_secs(3600);
/// A token signed by a key we do not know makes us read the keys again (the provider may have
/// rotated them), but not more often than this.
const KEYS_AT_MOST_EVERY: Duration = Duration::from_secs(60);

/// One provider as the operator set it up.
#[derive(Clone, Debug)]
pub struct ProviderConfig {
    /// The issuer, exactly as the provider names itself (`https://id.tinh.gov.vn/realms/tinh`).
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// What the sign-in button says (`Đăng nhập bằng tài khoản công vụ`).
    pub label: String,
    /// The claim whose value is an official's login name here (`preferred_username`), to link
    /// an official at their first sign-in; none: officials link themselves from their account.
    pub username_claim: Option<String>,
}

/// Why a sign-in did not go through.
#[derive(Debug, thiserror::Error)]
pub enum SsoError {
    /// The provider could not be reached or answered what it should not.
    #[error("Không kết nối được với nhà cung cấp định danh: {0}")]
    Provider(String),
    /// The provider answered, but its answer does not prove who signed in.
    #[error("{0}")]
    Refused(#[from] Refusal),
}

#[derive(Clone, Debug, Deserialize)]
struct Metadata {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
}

/// One public key of the provider (RFC 7517), RSA or P-256.
#[derive(Clone, Debug, Deserialize)]
pub struct Jwk {
    kty: String,
    kid: Option<String>,
    alg: Option<String>,
    #[serde(rename = "use")]
    usage: Option<String>,
    n: Option<String>,
    e: Option<String>,
    crv: Option<String>,
    x: Option<String>,
    y: Option<String>,
}

#[derive(Deserialize)]
struct KeySet {
    keys: Vec<Jwk>,
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    kid: Option<String>,
}

fn decode(part: &str) -> Result<Vec<u8>, Refusal> {
    URL_SAFE_NO_PAD.decode(part).map_err(|_| Refusal::Malformed)
}

impl Jwk {
    /// Whether this key may have signed a token with this header.
    fn fits(&self, header: &Header, kty: &str) -> bool {
        self.kty == kty
            && self.usage.as_deref().is_none_or(|u| u == "sig")
            && self.alg.as_deref().is_none_or(|a| a == header.alg)
            && (header.kid.is_none() || self.kid == header.kid)
    }

    fn verify(&self, alg: &str, message: &[u8], signature: &[u8]) -> Result<(), Refusal> {
        let part = |value: &Option<String>| value.as_deref().ok_or(Refusal::UnknownKey).and_then(|v| decode(v).map_err(|_| Refusal::UnknownKey));
        let valid = match alg {
            "RS256" => {
                let key = RsaPublicKeyComponents { n: part(&self.n)?, e: part(&self.e)? };
                key.verify(&signature::RSA_PKCS1_2048_8192_SHA256, message, signature).is_ok()
            }
            _ => {
                if self.crv.as_deref() != Some("P-256") {
                    return Err(Refusal::UnknownKey);
                }
                let point = [vec![4u8], part(&self.x)?, part(&self.y)?].concat();
                UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point).verify(message, signature).is_ok()
            }
        };
        if valid { Ok(()) } else { Err(Refusal::Signature) }
    }
}

/// The claims of a compact JWS once its signature by one of `keys` is checked. Only RS256 and
/// ES256 are taken: never `none`, never a shared-secret HS256 a public key could be passed off as.
pub fn verified_claims(token: &str, keys: &[Jwk]) -> Result<Claims, Refusal> {
    if token.len() > TOKEN_LIMIT {
        return Err(Refusal::Malformed);
    }
    let mut parts = token.split('.');
    let (Some(head), Some(payload), Some(signature), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(Refusal::Malformed);
    };
    let header: Header = serde_json::from_slice(&decode(head)?).map_err(|_| Refusal::Malformed)?;
    let kty = match header.alg.as_str() {
        "RS256" => "RSA",
        "ES256" => "EC",
        other => return Err(Refusal::Algorithm(other.chars().take(20).collect())),
    };
    let signature = decode(signature)?;
    let message = format!("{head}.{payload}");
    let mut candidates = keys.iter().filter(|k| k.fits(&header, kty)).peekable();
    if candidates.peek().is_none() {
        return Err(Refusal::UnknownKey);
    }
    // Without a `kid` any of the provider's keys of the kind may have signed.
    if !candidates.any(|key| key.verify(&header.alg, message.as_bytes(), &signature).is_ok()) {
        return Err(Refusal::Signature);
    }
    Claims::parse(&decode(payload)?)
}

#[derive(Clone)]
struct Known {
    metadata: Metadata,
    metadata_at: Instant,
    keys: Vec<Jwk>,
    keys_at: Instant,
}

/// A provider's client: what it learnt of the provider is kept between sign-ins.
pub struct Client {
    pub config: ProviderConfig,
    http: Http,
    known: Mutex<Option<Known>>,
}

impl Client {
    pub fn new(config: ProviderConfig, http: Http) -> Self {
        Self { config, http, known: Mutex::new(None) }
    }

    fn remembered(&self) -> Option<Known> {
        self.known.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn remember(&self, known: Known) {
        *self.known.lock().unwrap_or_else(|p| p.into_inner()) = Some(known);
    }

    async fn fetch<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T, SsoError> {
        let (status, body) = self.http.get(url, &[("accept", "application/json")]).await.map_err(SsoError::Provider)?;
        if !status.is_success() {
            return Err(SsoError::Provider(format!("{url} trả lời {status}")));
        }
        serde_json::from_slice(&body).map_err(|e| SsoError::Provider(format!("{url}: {e}")))
    }

    /// What the provider says of itself and its keys; read again after an hour, and the keys
    /// again when `key_missing` (at most once a minute).
    async fn known(&self, key_missing: bool) -> Result<Known, SsoError> {
        let now = Instant::now();
        match self.remembered() {
            Some(known) if now - known.metadata_at < METADATA_FOR && !(key_missing && now - known.keys_at >= KEYS_AT_MOST_EVERY) => Ok(known),
            remembered => {
                let metadata = match remembered {
                    Some(known) if now - known.metadata_at < METADATA_FOR => known.metadata,
                    _ => {
                        let url = format!("{}/.well-known/openid-configuration", self.config.issuer.trim_end_matches('/'));
                        let metadata: Metadata = self.fetch(&url).await?;
                        // OpenID Connect Discovery §4.3: a document naming another issuer is not ours.
                        if metadata.issuer != self.config.issuer {
                            return Err(SsoError::Provider(format!("tài liệu khám phá mang tên nhà cung cấp khác ({})", metadata.issuer)));
                        }
                        metadata
                    }
                };
                let keys: KeySet = self.fetch(&metadata.jwks_uri).await?;
                let known = Known { metadata, metadata_at: now, keys: keys.keys, keys_at: now };
                self.remember(known.clone());
                Ok(known)
            }
        }
    }

    /// Where to send the browser to sign in.
    pub async fn authorization_url(&self, redirect_uri: &str, state: &str, nonce: &str, verifier: &str) -> Result<String, SsoError> {
        let known = self.known(false).await?;
        let request = AuthRequest { client_id: &self.config.client_id, redirect_uri, scope: "openid profile email", state, nonce, verifier };
        Ok(domain::sso::authorization_url(&known.metadata.authorization_endpoint, &request))
    }

    /// Trades the code the browser brought back for an ID token, and checks it: signed by the
    /// provider's key, from the provider, for us, for this sign-in, not expired.
    pub async fn sign_in(&self, code: &str, redirect_uri: &str, verifier: &str, nonce: &str, now_s: i64) -> Result<Claims, SsoError> {
        let known = self.known(false).await?;
        let id = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let basic = format!("Basic {}", STANDARD.encode(format!("{}:{}", id(&self.config.client_id), id(&self.config.client_secret))));
        let fields = [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirect_uri), ("code_verifier", verifier)];
        let (status, body) = self.http.post_form(&known.metadata.token_endpoint, &[("authorization", &basic)], &fields).await.map_err(SsoError::Provider)?;
        let answer: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        if !status.is_success() {
            let error = answer["error"].as_str().unwrap_or("không rõ lỗi");
            return Err(SsoError::Provider(format!("nhà cung cấp từ chối mã đăng nhập ({status}, {error})")));
        }
        let token = answer["id_token"].as_str().ok_or(Refusal::Malformed)?;
        let claims = match verified_claims(token, &known.keys) {
            Err(Refusal::UnknownKey) => verified_claims(token, &self.known(true).await?.keys)?,
            claims => claims?,
        };
        domain::sso::check(&claims, &Expected { issuer: &self.config.issuer, client_id: &self.config.client_id, nonce, now: now_s })?;
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use ring::rand::SystemRandom;
    use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
    use serde_json::json;

    use super::*;

    fn b64(bytes: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// A P-256 key, its JWK, and a token it signs.
    fn ec_key() -> (EcdsaKeyPair, Jwk) {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).unwrap();
        let point = pair.public_key().as_ref();
        let jwk = json!({ "kty": "EC", "crv": "P-256", "kid": "ec-1", "x": b64(&point[1..33]), "y": b64(&point[33..]) });
        (pair, serde_json::from_value(jwk).unwrap())
    }

    fn signed(pair: &EcdsaKeyPair, header: serde_json::Value, claims: serde_json::Value) -> String {
        let message = format!("{}.{}", b64(header.to_string().as_bytes()), b64(claims.to_string().as_bytes()));
        let signature = pair.sign(&SystemRandom::new(), message.as_bytes()).unwrap();
        format!("{message}.{}", b64(signature.as_ref()))
    }

    fn claims() -> serde_json::Value {
        json!({ "iss": "https://id.example", "sub": "u-1", "aud": "thuoc-do", "exp": 2_000_000_000 })
    }

    #[test]
    fn an_es256_token_signed_by_a_published_key_is_read() {
        let (pair, jwk) = ec_key();
        let keys = &[jwk];
        let token = signed(&pair, json!({ "alg": "ES256", "kid": "ec-1" }), claims());
        assert_eq!(verified_claims(&token, keys).unwrap().subject, "u-1");
        let no_kid = signed(&pair, json!({ "alg": "ES256" }), claims());
        assert_eq!(verified_claims(&no_kid, keys).unwrap().subject, "u-1");
    }

    #[test]
    fn another_key_a_changed_payload_or_a_weak_algorithm_is_refused() {
        let (pair, jwk) = ec_key();
        let keys = &[jwk];
        let (other, _) = ec_key();
        let forged = signed(&other, json!({ "alg": "ES256", "kid": "ec-1" }), claims());
        assert_eq!(verified_claims(&forged, keys).unwrap_err(), Refusal::Signature);
        let token = signed(&pair, json!({ "alg": "ES256", "kid": "ec-1" }), claims());
        let parts: Vec<&str> = token.split('.').collect();
        let changed = format!("{}.{}.{}", parts[0], b64(json!({ "sub": "quantri" }).to_string().as_bytes()), parts[2]);
        assert_eq!(verified_claims(&changed, keys).unwrap_err(), Refusal::Signature);
        let unsigned = format!("{}.{}.", b64(br#"{"alg":"none"}"#), parts[1]);
        assert_eq!(verified_claims(&unsigned, keys).unwrap_err(), Refusal::Algorithm("none".into()));
        let hs = format!("{}.{}.{}", b64(br#"{"alg":"HS256","kid":"ec-1"}"#), parts[1], parts[2]);
        assert_eq!(verified_claims(&hs, keys).unwrap_err(), Refusal::Algorithm("HS256".into()));
        let unknown = signed(&pair, json!({ "alg": "ES256", "kid": "ec-9" }), claims());
        assert_eq!(verified_claims(&unknown, keys).unwrap_err(), Refusal::UnknownKey);
        assert_eq!(verified_claims("a.b", keys).unwrap_err(), Refusal::Malformed);
        assert_eq!(verified_claims(&"a".repeat(TOKEN_LIMIT + 1), keys).unwrap_err(), Refusal::Malformed);
    }
}
