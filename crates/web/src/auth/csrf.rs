//! CSRF protection for every state-changing request made with cookies: the token is an HMAC of
//! what ties the browser to the server (its session token, or before login a random `td_pre`
//! cookie), so a page on another site can neither read nor forge it. API calls with a bearer
//! token carry no ambient credentials and need none.

use axum::body::Bytes;
use axum::extract::{FromRef, FromRequest, Request};
use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, Mac};
use serde::de::DeserializeOwned;
use sha2::Sha256;

use super::session::{PRE_COOKIE, SESSION_COOKIE, cookie};
use crate::AppState;
use crate::error::{Failure, PageError};

fn mac(key: &[u8], binding: &str) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(binding.as_bytes());
    mac
}

/// The browser's binding: its session cookie, else its pre-login cookie.
pub fn binding(headers: &HeaderMap) -> Option<String> {
    cookie(headers, SESSION_COOKIE).map(|s| format!("s:{s}")).or_else(|| cookie(headers, PRE_COOKIE).map(|p| format!("a:{p}")))
}

pub fn token_for(state: &AppState, binding: &str) -> String {
    hex::encode(mac(&state.csrf_key, binding).finalize().into_bytes())
}

/// Constant-time check of a submitted token against the request's binding.
pub fn verify(state: &AppState, headers: &HeaderMap, given: &str) -> bool {
    let (Some(binding), Ok(given)) = (binding(headers), hex::decode(given.trim())) else { return false };
    mac(&state.csrf_key, &binding).verify_slice(&given).is_ok()
}

/// How long a widget's form token stays good.
const WIDGET_TOKEN_MS: i64 = 24 * 3_600_000;

/// A moment signed for `purpose`: `issued.tag`, the tag an HMAC of both, so that a form can
/// carry when it was served and the server can trust it when the form comes back.
pub fn stamp(state: &AppState, purpose: &str, now: i64) -> String {
    format!("{now}.{}", hex::encode(mac(&state.csrf_key, &format!("{purpose}:{now}")).finalize().into_bytes()))
}

/// The moment a stamp for `purpose` was issued, if its tag holds and it is neither older than
/// `max_age_ms` nor from the future (a minute's leeway between servers' clocks).
pub fn stamped_at(state: &AppState, purpose: &str, given: &str, max_age_ms: i64, now: i64) -> Option<i64> {
    let (issued, tag) = given.trim().split_once('.')?;
    let (issued, tag) = (issued.parse::<i64>().ok()?, hex::decode(tag).ok()?);
    let fresh = (now - max_age_ms..=now + 60_000).contains(&issued);
    (fresh && mac(&state.csrf_key, &format!("{purpose}:{issued}")).verify_slice(&tag).is_ok()).then_some(issued)
}

/// The form token of a page embedded on another site, where a cookie of ours cannot be relied
/// on (browsers block third-party cookies): a stamp of the survey and the time it was issued.
pub fn widget_token(state: &AppState, survey_id: i64, now: i64) -> String {
    stamp(state, &format!("w:{survey_id}"), now)
}

pub fn verify_widget(state: &AppState, survey_id: i64, given: &str, now: i64) -> bool {
    stamped_at(state, &format!("w:{survey_id}"), given, WIDGET_TOKEN_MS, now).is_some()
}

/// The CSRF token for a visitor's form, with the pre-login cookie to set when the visitor has
/// none yet (login and public answer pages).
pub struct VisitorToken {
    pub token: String,
    cookie: Option<axum::http::HeaderValue>,
}

impl VisitorToken {
    pub fn new(state: &AppState, headers: &HeaderMap) -> Self {
        match binding(headers) {
            Some(binding) => Self { token: token_for(state, &binding), cookie: None },
            None => {
                let pre = super::tokens::random_token();
                let cookie = super::session::set_cookie(state, super::session::PRE_COOKIE, &pre, 12 * 3600);
                Self { token: token_for(state, &format!("a:{pre}")), cookie: Some(cookie) }
            }
        }
    }

    /// Sets the pre-login cookie on the response that carries the form, if one was made.
    pub fn attach(self, mut response: axum::response::Response) -> axum::response::Response {
        if let Some(cookie) = self.cookie {
            response.headers_mut().append(axum::http::header::SET_COOKIE, cookie);
        }
        response
    }
}

/// A URL-encoded form whose `csrf` field was verified before `T` was read from it.
pub struct CheckedForm<T>(pub T);

/// A form with nothing but its token: a button that changes something.
#[derive(serde::Deserialize)]
pub struct Empty {}

impl<S, T> FromRequest<S> for CheckedForm<T>
where
    S: Send + Sync,
    AppState: FromRef<S>,
    T: DeserializeOwned,
{
    type Rejection = PageError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        let headers = req.headers().clone();
        let is_form =
            headers.get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(Failure::unsupported_media("Biểu mẫu phải được gửi dạng application/x-www-form-urlencoded.").into());
        }
        let bytes = Bytes::from_request(req, &state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE { Failure::too_large() } else { Failure::malformed("Không đọc được biểu mẫu.") }
        })?;
        let token = form_urlencoded::parse(&bytes).find(|(k, _)| k == "csrf").map(|(_, v)| v.into_owned());
        if !token.is_some_and(|t| verify(&state, &headers, &t)) {
            return Err(Failure::csrf().into());
        }
        serde_urlencoded::from_bytes(&bytes).map(Self).map_err(|e| Failure::malformed(format!("Biểu mẫu không đúng định dạng: {e}.")).into())
    }
}

/// Most files one form may carry.
const MAX_UPLOAD_FILES: usize = 10;

/// A multipart upload whose `csrf` field (sent before the files) was verified: its text fields
/// and its files (name and bytes), the empty file inputs left out.
pub struct CheckedUpload {
    pub fields: std::collections::HashMap<String, String>,
    pub files: Vec<(String, Vec<u8>)>,
}

impl CheckedUpload {
    pub async fn read(state: &AppState, headers: &HeaderMap, mut multipart: axum::extract::Multipart) -> Result<Self, Failure> {
        let mut token_ok = false;
        let mut fields = std::collections::HashMap::new();
        let mut files = Vec::new();
        let unreadable = |e: axum::extract::multipart::MultipartError| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE { Failure::too_large() } else { Failure::malformed("Không đọc được tệp tải lên.") }
        };
        while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
            let name = field.name().unwrap_or_default().to_string();
            if name == "csrf" {
                token_ok = verify(state, headers, &field.text().await.unwrap_or_default());
            } else if !token_ok {
                // Nothing is read before the token has been checked.
                continue;
            } else if let Some(file_name) = field.file_name().map(str::to_string) {
                let bytes = field.bytes().await.map_err(unreadable)?;
                if !file_name.is_empty() && !bytes.is_empty() {
                    if files.len() == MAX_UPLOAD_FILES {
                        return Err(Failure::invalid(format!("Gửi tối đa {MAX_UPLOAD_FILES} tệp một lần.")));
                    }
                    // Taken over without a copy: an upload may be tens of megabytes.
                    files.push((file_name, Vec::from(bytes)));
                }
            } else {
                fields.insert(name, field.text().await.map_err(unreadable)?);
            }
        }
        if !token_ok {
            return Err(Failure::csrf());
        }
        Ok(Self { fields, files })
    }

    /// The first file, taken out of the upload (the forms that send one).
    pub fn take_file(&mut self) -> Option<(String, Vec<u8>)> {
        (!self.files.is_empty()).then(|| self.files.remove(0))
    }
}
