//! A minimal OpenID Connect provider for tests, on a free loopback port: discovery, a login page,
//! the token endpoint (client secret by HTTP Basic, authorisation code once, PKCE S256) and its
//! keys as JWKS; ID tokens are signed RS256, as the provinces' providers and VNeID sign them. It
//! can be told to misbehave once: a token for another client, an expired token, or a token
//! signed by a key it does not publish.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::rand::SystemRandom;
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair, RsaPublicKeyComponents};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

pub const CLIENT_ID: &str = "thuoc-do";
pub const CLIENT_SECRET: &str = "bi-mat-cua-thuoc-do";
const KEY_ID: &str = "khoa-1";

/// What the next ID token does wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Misbehaviour {
    WrongAudience,
    Expired,
    ForeignKey,
}

struct Grant {
    username: String,
    redirect_uri: String,
    challenge: String,
    nonce: String,
}

#[derive(Default)]
struct Inner {
    /// Login name at the provider → subject.
    users: HashMap<String, String>,
    redirect_uris: Vec<String>,
    codes: HashMap<String, Grant>,
    next: Option<Misbehaviour>,
}

#[derive(Clone)]
pub struct Provider {
    pub issuer: String,
    inner: Arc<Mutex<Inner>>,
    key: Arc<RsaKeyPair>,
    foreign: Arc<RsaKeyPair>,
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn now_s() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

impl Provider {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind a free port");
        let key = |der: &[u8]| Arc::new(RsaKeyPair::from_der(der).expect("the test kit's RSA key"));
        let provider = Self {
            issuer: format!("http://{}/realms/tinh", listener.local_addr().expect("local address")),
            inner: Arc::default(),
            key: key(include_bytes!("../keys/provider-rsa.der")),
            foreign: key(include_bytes!("../keys/foreign-rsa.der")),
        };
        let app = Router::new()
            .route("/realms/tinh/.well-known/openid-configuration", get(discovery))
            .route("/realms/tinh/keys", get(keys))
            .route("/realms/tinh/auth", get(login_page).post(login))
            .route("/realms/tinh/token", axum::routing::post(token))
            .with_state(provider.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        provider
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The settings a server needs to use this provider.
    pub fn config(&self, username_claim: Option<&str>) -> web::SsoProvider {
        web::SsoProvider {
            issuer: self.issuer.clone(),
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            label: "Đăng nhập bằng tài khoản công vụ".into(),
            username_claim: username_claim.map(Into::into),
        }
    }

    /// A person who can sign in here, under a subject of their own.
    pub fn add_user(&self, username: &str, subject: &str) {
        self.lock().users.insert(username.into(), subject.into());
    }

    /// Where the provider agrees to send browsers back (a client's registered redirect).
    pub fn register(&self, redirect_uri: &str) {
        self.lock().redirect_uris.push(redirect_uri.into());
    }

    pub fn misbehave_once(&self, how: Misbehaviour) {
        self.lock().next = Some(how);
    }

    /// Signs in without a browser: what the login page's form does, given the authorisation
    /// address the client sent the browser to; returns the address the browser is sent back to.
    pub async fn sign_in_at(&self, authorization_url: &str, username: &str) -> String {
        let query = authorization_url.split_once('?').map(|(_, q)| q).unwrap_or_default();
        let mut fields: HashMap<String, String> = form_urlencoded::parse(query.as_bytes()).into_owned().collect();
        fields.insert("username".into(), username.into());
        match self.authorise(&fields) {
            Ok(back) => back,
            Err((status, why)) => panic!("the provider refused the sign-in ({status}): {why}"),
        }
    }

    /// Checks the request of the login form and hands out a code.
    fn authorise(&self, fields: &HashMap<String, String>) -> Result<String, (StatusCode, String)> {
        let get = |name: &str| fields.get(name).cloned().unwrap_or_default();
        let mut inner = self.lock();
        if get("client_id") != CLIENT_ID || !inner.redirect_uris.contains(&get("redirect_uri")) {
            return Err((StatusCode::BAD_REQUEST, "client or redirect not registered".into()));
        }
        if get("response_type") != "code" || get("code_challenge_method") != "S256" || get("code_challenge").is_empty() {
            return Err((StatusCode::BAD_REQUEST, "only the code flow with PKCE S256".into()));
        }
        if !inner.users.contains_key(&get("username")) {
            return Err((StatusCode::UNAUTHORIZED, "unknown user".into()));
        }
        let code = b64(&rand_bytes());
        inner.codes.insert(
            code.clone(),
            Grant { username: get("username"), redirect_uri: get("redirect_uri"), challenge: get("code_challenge"), nonce: get("nonce") },
        );
        let query = form_urlencoded::Serializer::new(String::new()).append_pair("code", &code).append_pair("state", &get("state")).finish();
        Ok(format!("{}?{query}", get("redirect_uri")))
    }

    fn id_token(&self, grant: &Grant, subject: &str, misbehaviour: Option<Misbehaviour>) -> String {
        let now = now_s();
        let (exp, iat) = if misbehaviour == Some(Misbehaviour::Expired) { (now - 600, now - 900) } else { (now + 300, now) };
        let audience = if misbehaviour == Some(Misbehaviour::WrongAudience) { "ung-dung-khac" } else { CLIENT_ID };
        let claims = json!({
            "iss": self.issuer, "sub": subject, "aud": audience, "exp": exp, "iat": iat, "nonce": grant.nonce,
            "preferred_username": grant.username, "name": grant.username,
        });
        let header = json!({ "alg": "RS256", "typ": "JWT", "kid": KEY_ID });
        let message = format!("{}.{}", b64(header.to_string().as_bytes()), b64(claims.to_string().as_bytes()));
        let key = if misbehaviour == Some(Misbehaviour::ForeignKey) { &self.foreign } else { &self.key };
        let mut signature = vec![0; key.public().modulus_len()];
        key.sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), message.as_bytes(), &mut signature).expect("sign");
        format!("{message}.{}", b64(&signature))
    }
}

fn rand_bytes() -> [u8; 24] {
    let mut bytes = [0u8; 24];
    ring::rand::SecureRandom::fill(&SystemRandom::new(), &mut bytes).expect("random bytes");
    bytes
}

async fn discovery(State(p): State<Provider>) -> Json<Value> {
    Json(json!({
        "issuer": p.issuer,
        "authorization_endpoint": format!("{}/auth", p.issuer),
        "token_endpoint": format!("{}/token", p.issuer),
        "jwks_uri": format!("{}/keys", p.issuer),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic"],
    }))
}

async fn keys(State(p): State<Provider>) -> Json<Value> {
    let public = RsaPublicKeyComponents::<Vec<u8>>::from(p.key.public());
    Json(json!({ "keys": [{ "kty": "RSA", "use": "sig", "alg": "RS256", "kid": KEY_ID, "n": b64(&public.n), "e": b64(&public.e) }] }))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;")
}

/// The provider's own sign-in page: the request rides along in hidden fields.
async fn login_page(Query(query): Query<HashMap<String, String>>) -> Html<String> {
    let hidden: String = query.iter().map(|(k, v)| format!(r#"<input type="hidden" name="{}" value="{}">"#, escape(k), escape(v))).collect();
    Html(format!(
        r#"<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Cổng định danh của tỉnh</title></head>
<body><h1>Cổng định danh của tỉnh</h1><form method="post">{hidden}
<label for="provider-username">Tài khoản công vụ</label> <input id="provider-username" name="username">
<button type="submit" id="provider-submit">Đăng nhập</button></form></body></html>"#
    ))
}

async fn login(State(p): State<Provider>, Form(fields): Form<HashMap<String, String>>) -> Response {
    match p.authorise(&fields) {
        Ok(back) => Redirect::to(&back).into_response(),
        Err((status, why)) => (status, why).into_response(),
    }
}

fn token_error(status: StatusCode, error: &str) -> Response {
    (status, Json(json!({ "error": error }))).into_response()
}

async fn token(State(p): State<Provider>, headers: HeaderMap, Form(fields): Form<HashMap<String, String>>) -> Response {
    let expected = format!("Basic {}", STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}")));
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(expected.as_str()) {
        return token_error(StatusCode::UNAUTHORIZED, "invalid_client");
    }
    let get = |name: &str| fields.get(name).map(String::as_str).unwrap_or_default();
    if get("grant_type") != "authorization_code" {
        return token_error(StatusCode::BAD_REQUEST, "unsupported_grant_type");
    }
    let (grant, subject, misbehaviour) = {
        let mut inner = p.lock();
        // A code is good once.
        let Some(grant) = inner.codes.remove(get("code")) else { return token_error(StatusCode::BAD_REQUEST, "invalid_grant") };
        let subject = inner.users.get(&grant.username).cloned().unwrap_or_default();
        (grant, subject, inner.next.take())
    };
    let challenge = b64(&Sha256::digest(get("code_verifier").as_bytes()));
    if grant.redirect_uri != get("redirect_uri") || grant.challenge != challenge {
        return token_error(StatusCode::BAD_REQUEST, "invalid_grant");
    }
    let id_token = p.id_token(&grant, &subject, misbehaviour);
    Json(json!({ "access_token": b64(&rand_bytes()), "token_type": "Bearer", "expires_in": 300, "id_token": id_token })).into_response()
}
