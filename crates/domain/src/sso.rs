//! Single sign-on with OpenID Connect, authorisation code with PKCE (RFC 7636): the rules an
//! identity provider's answer must pass, the same for the province's provider (officials) and
//! VNeID (citizens). Fetching and checking signatures is the client's business (`notify::oidc`);
//! what a signed ID token must say to be believed is decided here.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Clocks drift: a token a minute past its expiry, or issued a minute ahead, is still taken.
pub const LEEWAY_S: i64 = 60;
/// How long a browser may take at the provider before the sign-in it began is forgotten.
pub const PENDING_MINUTES: i64 = 10;
/// How long a citizen who proved who they are stays known on their browser.
pub const CITIZEN_HOURS: i64 = 2;
/// The longest subject kept (OpenID Connect: at most 255 ASCII characters).
const SUBJECT_LIMIT: usize = 255;

vocabulary!(Purpose {
    /// An official signs in.
    SignIn = "sign_in", "Đăng nhập";
    /// A signed-in official links their identity at the provider to their account.
    Link = "link", "Liên kết tài khoản";
    /// A citizen proves who they are (VNeID) where a consultation asks for it.
    Citizen = "citizen", "Người dân xác thực danh tính";
});

/// Why a sign-in was refused, in words for the person who tried.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("Mã định danh (ID token) không đúng định dạng.")]
    Malformed,
    #[error("Mã định danh được ký bằng thuật toán không được chấp nhận ({0}).")]
    Algorithm(String),
    #[error("Mã định danh được ký bằng một khóa không có trong danh sách khóa của nhà cung cấp.")]
    UnknownKey,
    #[error("Chữ ký của mã định danh không hợp lệ.")]
    Signature,
    #[error("Mã định danh do một nhà cung cấp khác cấp.")]
    Issuer,
    #[error("Mã định danh không cấp cho hệ thống này.")]
    Audience,
    #[error("Mã định danh đã hết hạn. Vui lòng đăng nhập lại.")]
    Expired,
    #[error("Mã định danh có thời điểm cấp ở tương lai; đồng hồ của nhà cung cấp có thể bị lệch.")]
    NotYetValid,
    #[error("Mã định danh không thuộc lần đăng nhập này.")]
    Nonce,
    #[error("Mã định danh không cho biết người đăng nhập là ai.")]
    Subject,
}

/// `aud` is one client or several.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum Audience {
    One(String),
    Many(Vec<String>),
}

impl Audience {
    fn names(&self) -> Vec<&str> {
        match self {
            Self::One(one) => vec![one.as_str()],
            Self::Many(many) => many.iter().map(String::as_str).collect(),
        }
    }
}

/// What an ID token says, as far as the checks need; every claim stays in `all` so that a
/// province may match officials on a claim of its choosing.
#[derive(Clone, Debug)]
pub struct Claims {
    pub issuer: String,
    pub subject: String,
    pub audience: Audience,
    pub authorized_party: Option<String>,
    pub expires: i64,
    pub issued: Option<i64>,
    pub nonce: Option<String>,
    pub all: serde_json::Map<String, Value>,
}

#[derive(Deserialize)]
struct Required {
    iss: String,
    sub: String,
    aud: Audience,
    exp: i64,
    iat: Option<i64>,
    nonce: Option<String>,
    azp: Option<String>,
}

impl Claims {
    /// The payload of an ID token, read (its signature is checked before).
    pub fn parse(payload: &[u8]) -> Result<Self, Refusal> {
        let all: serde_json::Map<String, Value> = serde_json::from_slice(payload).map_err(|_| Refusal::Malformed)?;
        let r: Required = serde_json::from_value(Value::Object(all.clone())).map_err(|_| Refusal::Malformed)?;
        Ok(Self { issuer: r.iss, subject: r.sub, audience: r.aud, authorized_party: r.azp, expires: r.exp, issued: r.iat, nonce: r.nonce, all })
    }

    /// A text claim (`preferred_username`, `email`, `name` …), trimmed, when there is one.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.all.get(name).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty())
    }
}

/// What this sign-in expects of the token: from our provider, for us, for this very sign-in.
pub struct Expected<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub nonce: &'a str,
    /// Unix seconds.
    pub now: i64,
}

/// The checks of OpenID Connect Core §3.1.3.7 that the signature does not make: issuer,
/// audience (and the authorised party when there are several), expiry, issue time, nonce.
pub fn check(claims: &Claims, expected: &Expected) -> Result<(), Refusal> {
    if claims.issuer != expected.issuer {
        return Err(Refusal::Issuer);
    }
    let audience = claims.audience.names();
    if !audience.contains(&expected.client_id) {
        return Err(Refusal::Audience);
    }
    if (audience.len() > 1 || claims.authorized_party.is_some()) && claims.authorized_party.as_deref() != Some(expected.client_id) {
        return Err(Refusal::Audience);
    }
    if claims.expires + LEEWAY_S <= expected.now {
        return Err(Refusal::Expired);
    }
    if claims.issued.is_some_and(|iat| iat > expected.now + LEEWAY_S) {
        return Err(Refusal::NotYetValid);
    }
    if claims.nonce.as_deref() != Some(expected.nonce) {
        return Err(Refusal::Nonce);
    }
    if claims.subject.is_empty() || claims.subject.len() > SUBJECT_LIMIT {
        return Err(Refusal::Subject);
    }
    Ok(())
}

/// The PKCE challenge of a verifier, method S256: `BASE64URL(SHA256(verifier))`.
pub fn pkce_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// What the browser is sent to the provider with.
pub struct AuthRequest<'a> {
    pub client_id: &'a str,
    pub redirect_uri: &'a str,
    pub scope: &'a str,
    pub state: &'a str,
    pub nonce: &'a str,
    pub verifier: &'a str,
}

/// The provider's authorisation address with the request in its query.
pub fn authorization_url(endpoint: &str, request: &AuthRequest) -> String {
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("response_type", "code")
        .append_pair("client_id", request.client_id)
        .append_pair("redirect_uri", request.redirect_uri)
        .append_pair("scope", request.scope)
        .append_pair("state", request.state)
        .append_pair("nonce", request.nonce)
        .append_pair("code_challenge", &pkce_challenge(request.verifier))
        .append_pair("code_challenge_method", "S256")
        .finish();
    let joint = if endpoint.contains('?') { '&' } else { '?' };
    format!("{endpoint}{joint}{query}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims(value: Value) -> Claims {
        Claims::parse(value.to_string().as_bytes()).unwrap()
    }

    fn good() -> Value {
        json!({ "iss": "https://id.tinh.gov.vn", "sub": "a1b2", "aud": "thuoc-do", "exp": 2_000, "iat": 1_000, "nonce": "n-1" })
    }

    fn expected(now: i64) -> Expected<'static> {
        Expected { issuer: "https://id.tinh.gov.vn", client_id: "thuoc-do", nonce: "n-1", now }
    }

    fn with(field: &str, value: Value) -> Claims {
        let mut v = good();
        v[field] = value;
        claims(v)
    }

    #[test]
    fn a_token_for_us_from_our_provider_for_this_sign_in_passes() {
        assert_eq!(check(&claims(good()), &expected(1_500)), Ok(()));
        assert_eq!(claims(good()).text("sub"), Some("a1b2"));
    }

    #[test]
    fn each_claim_that_does_not_fit_is_refused_for_its_own_reason() {
        assert_eq!(check(&with("iss", json!("https://khac.example")), &expected(1_500)), Err(Refusal::Issuer));
        assert_eq!(check(&with("aud", json!("ung-dung-khac")), &expected(1_500)), Err(Refusal::Audience));
        assert_eq!(check(&with("nonce", json!("n-2")), &expected(1_500)), Err(Refusal::Nonce));
        assert_eq!(check(&with("sub", json!("")), &expected(1_500)), Err(Refusal::Subject));
        assert_eq!(check(&with("sub", json!("x".repeat(256))), &expected(1_500)), Err(Refusal::Subject));
        let mut no_nonce = good();
        no_nonce.as_object_mut().unwrap().remove("nonce");
        assert_eq!(check(&claims(no_nonce), &expected(1_500)), Err(Refusal::Nonce));
    }

    #[test]
    fn expiry_and_issue_time_allow_a_minute_of_drift_and_no_more() {
        assert_eq!(check(&claims(good()), &expected(2_000 + LEEWAY_S - 1)), Ok(()));
        assert_eq!(check(&claims(good()), &expected(2_000 + LEEWAY_S)), Err(Refusal::Expired));
        assert_eq!(check(&with("iat", json!(1_500 + LEEWAY_S)), &expected(1_500)), Ok(()));
        assert_eq!(check(&with("iat", json!(1_500 + LEEWAY_S + 1)), &expected(1_500)), Err(Refusal::NotYetValid));
    }

    #[test]
    fn several_audiences_need_us_as_the_authorised_party() {
        assert_eq!(check(&with("aud", json!(["thuoc-do", "cong-dvc"])), &expected(1_500)), Err(Refusal::Audience));
        let mut v = good();
        v["aud"] = json!(["thuoc-do", "cong-dvc"]);
        v["azp"] = json!("thuoc-do");
        assert_eq!(check(&claims(v.clone()), &expected(1_500)), Ok(()));
        v["azp"] = json!("cong-dvc");
        assert_eq!(check(&claims(v), &expected(1_500)), Err(Refusal::Audience));
    }

    #[test]
    fn a_payload_without_the_required_claims_is_malformed() {
        assert!(matches!(Claims::parse(b"{\"sub\":\"x\"}"), Err(Refusal::Malformed)));
        assert!(matches!(Claims::parse(b"not json"), Err(Refusal::Malformed)));
        assert!(matches!(Claims::parse(b"{\"iss\":\"a\",\"sub\":\"b\",\"aud\":\"c\",\"exp\":\"soon\"}"), Err(Refusal::Malformed)));
    }

    #[test]
    fn the_pkce_challenge_is_the_one_of_rfc_7636_appendix_b() {
        assert_eq!(pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    }

    #[test]
    fn the_authorisation_address_carries_the_request_encoded() {
        let request = AuthRequest {
            client_id: "thuoc-do",
            redirect_uri: "https://td.tinh.gov.vn/login/sso/callback",
            scope: "openid profile",
            state: "s",
            nonce: "n",
            verifier: "v",
        };
        let url = authorization_url("https://id.tinh.gov.vn/auth?kc=1", &request);
        assert!(url.starts_with("https://id.tinh.gov.vn/auth?kc=1&response_type=code&client_id=thuoc-do"));
        assert!(url.contains("redirect_uri=https%3A%2F%2Ftd.tinh.gov.vn%2Flogin%2Fsso%2Fcallback"));
        assert!(url.contains("scope=openid+profile"));
        assert!(url.contains(&format!("code_challenge={}&code_challenge_method=S256", pkce_challenge("v"))));
    }
}
