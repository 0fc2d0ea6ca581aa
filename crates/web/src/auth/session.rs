//! Who is calling: the browser session behind the `td_session` cookie, or the API token in
//! `Authorization: Bearer`. Sessions live in the database, so they can be listed and revoked.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRef, FromRequestParts, OriginalUri};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::response::{IntoResponse, Redirect, Response};
use storage::Actor;
use storage::auth::{Principal, SessionPolicy};

use super::{csrf, tokens};
use crate::AppState;
use crate::error::{Failure, PageError, Problem};

pub const SESSION_COOKIE: &str = "td_session";
pub const PRE_COOKIE: &str = "td_pre";

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, v)| *k == name && !v.is_empty())
        .map(|(_, v)| v.to_string())
}

/// Forgets the sessions past their expiry.
pub async fn tidy(state: &AppState) {
    if let Err(e) = state.store.tidy_sessions(state.clock.now_ms()).await {
        tracing::error!(error = %e, "ended sessions could not be removed");
    }
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, Secure when served over HTTPS.
pub fn set_cookie(state: &AppState, name: &str, value: &str, max_age_s: i64) -> HeaderValue {
    let secure = if state.config.secure_cookies { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_s}{secure}")).expect("cookie values are URL-safe")
}

/// Where a request comes from, for the audit log and rate limits.
#[derive(Clone, Debug)]
pub struct ClientMeta {
    pub ip: String,
    pub user_agent: String,
}

impl<S: Send + Sync> FromRequestParts<S> for ClientMeta
where
    AppState: FromRef<S>,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        let forwarded: Vec<&str> = parts.headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).collect();
        let ip = peer.map(|peer| state.config.trusted_proxies.client(peer, &forwarded).to_string());
        let user_agent = parts.headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("");
        Ok(Self { ip: ip.unwrap_or_default(), user_agent: user_agent.chars().take(300).collect() })
    }
}

impl ClientMeta {
    pub fn actor(&self, state: &AppState, principal: Option<&Principal>) -> Actor {
        Actor {
            user_id: principal.map(|p| p.user_id),
            name: principal.map(|p| p.username.clone()).unwrap_or_else(|| "khách".into()),
            ip: self.ip.clone(),
            user_agent: self.user_agent.clone(),
            at: state.clock.now_ms(),
        }
    }
}

pub(crate) async fn session_principal(state: &AppState, headers: &HeaderMap) -> Result<Option<(Principal, String)>, Failure> {
    let Some(token) = cookie(headers, SESSION_COOKIE) else { return Ok(None) };
    let policy = SessionPolicy { idle_ms: state.config.session_idle_minutes * 60_000 };
    let principal = state.store.session_principal(&tokens::digest(&token), state.clock.now_ms(), policy).await?;
    Ok(principal.map(|p| (p, token)))
}

/// The official signed in on this browser. Pages that need one send everybody else to login.
#[derive(Clone, Debug)]
pub struct CurrentUser {
    pub principal: Principal,
    pub meta: ClientMeta,
    /// The CSRF token to put in this user's forms.
    pub csrf: String,
}

impl CurrentUser {
    pub fn actor(&self, state: &AppState) -> Actor {
        self.meta.actor(state, Some(&self.principal))
    }
}

/// Sends the browser to the login page, remembering where it wanted to go.
pub struct LoginRedirect {
    next: String,
    expired: bool,
}

impl IntoResponse for LoginRedirect {
    fn into_response(self) -> Response {
        let next: String = form_urlencoded::byte_serialize(self.next.as_bytes()).collect();
        let expired = if self.expired { "&expired=1" } else { "" };
        Redirect::to(&format!("/login?next={next}{expired}")).into_response()
    }
}

pub enum PageRejection {
    Login(LoginRedirect),
    Error(PageError),
}

impl IntoResponse for PageRejection {
    fn into_response(self) -> Response {
        match self {
            Self::Login(r) => r.into_response(),
            Self::Error(e) => e.into_response(),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser
where
    AppState: FromRef<S>,
{
    type Rejection = PageRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let app = AppState::from_ref(state);
        let meta = ClientMeta::from_request_parts(parts, state).await.unwrap_or_else(|never| match never {});
        match session_principal(&app, &parts.headers).await {
            Ok(Some((principal, token))) => {
                let csrf = csrf::token_for(&app, &format!("s:{token}"));
                Ok(Self { principal, meta, csrf })
            }
            Ok(None) => {
                let uri = parts.extensions.get::<OriginalUri>().map(|u| u.0.clone()).unwrap_or_else(|| parts.uri.clone());
                let next = uri.path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| "/admin".into());
                let next = if parts.method == Method::GET { next } else { "/admin".into() };
                Err(PageRejection::Login(LoginRedirect { next, expired: cookie(&parts.headers, SESSION_COOKIE).is_some() }))
            }
            Err(failure) => Err(PageRejection::Error(PageError(failure))),
        }
    }
}

/// The caller of an API endpoint: a bearer token, or a browser session that also sends the
/// CSRF token in `X-CSRF-Token` for anything but reads.
#[derive(Clone, Debug)]
pub struct ApiUser {
    pub principal: Principal,
    pub meta: ClientMeta,
}

impl ApiUser {
    pub fn actor(&self, state: &AppState) -> Actor {
        self.meta.actor(state, Some(&self.principal))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ApiUser
where
    AppState: FromRef<S>,
{
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let app = AppState::from_ref(state);
        let meta = ClientMeta::from_request_parts(parts, state).await.unwrap_or_else(|never| match never {});
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim);
        if let Some(token) = bearer {
            let principal = app.store.token_principal(&tokens::digest(token), app.clock.now_ms()).await?;
            return match principal {
                Some(principal) => {
                    if let Some((token_id, per_minute)) = principal.token {
                        app.token_limiter.check_within(&token_id.to_string(), per_minute, app.clock.now_ms()).map_err(|wait| {
                            Failure::too_many(format!("Mã truy cập API này đã dùng hết {per_minute} lượt gọi trong một phút. Vui lòng thử lại sau."), wait)
                        })?;
                    }
                    Ok(Self { principal, meta })
                }
                None => Err(Failure::unauthorized("Mã truy cập API không hợp lệ, đã hết hạn hoặc đã bị thu hồi.").into()),
            };
        }
        let Some((principal, _)) = session_principal(&app, &parts.headers).await? else {
            return Err(Failure::unauthorized("Cần đăng nhập hoặc gửi mã truy cập API trong tiêu đề Authorization: Bearer.").into());
        };
        if !parts.method.is_safe() {
            let given = parts.headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).unwrap_or("");
            if !csrf::verify(&app, &parts.headers, given) {
                return Err(Failure::csrf().into());
            }
        }
        Ok(Self { principal, meta })
    }
}

/// A refusal shown to a signed-in official keeps their frame: their name, their menu and the
/// way to sign out, so that they see whom they are signed in as rather than a public page that
/// looks as if they were signed out. Only a refused page costs the session lookup.
pub async fn refusals_in_frame(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let cookie = request.headers().get(header::COOKIE).cloned();
    let mut response = next.run(request).await;
    let (Some(cookie), Some(crate::error::Refused(failure))) = (cookie, response.extensions_mut().remove::<crate::error::Refused>()) else { return response };
    let headers = HeaderMap::from_iter([(header::COOKIE, cookie)]);
    match session_principal(&state, &headers).await {
        Ok(Some((principal, token))) => {
            let layout = crate::layout::Layout::signed_in(&principal, csrf::token_for(&state, &format!("s:{token}")), failure.title, "");
            (failure.status, crate::layout::ErrorPage { layout, failure }).into_response()
        }
        _ => response,
    }
}
