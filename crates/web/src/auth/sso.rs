//! Single sign-on for officials through the province's OpenID Connect provider: the button on the
//! login page sends the browser there with a PKCE challenge; the provider sends it back with a
//! code, traded here for a signed ID token whose subject names an official linked before (from
//! their account page, or at their first sign-in by a claim the province chose). Passwords can
//! then be turned off for an official, except the first administrator. The same steps serve
//! VNeID, through which a citizen proves who they are where a consultation asks for it: their
//! browser then holds a citizen's session for a few hours.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::audit::AuditAction;
use domain::sso::{CITIZEN_HOURS, Claims, PENDING_MINUTES, Purpose};
use notify::oidc::{Client, SsoError};
use serde::Deserialize;
use serde_json::json;
use storage::Actor;
use storage::audit::Entry;
use storage::auth::Credentials;
use storage::sso::{Citizen, PendingSignIn};

use super::csrf::{CheckedForm, Empty};
use super::login::{refused, safe_next, start_session};
use super::session::{ClientMeta, CurrentUser, cookie, session_principal, set_cookie};
use super::tokens;
use crate::AppState;
use crate::error::{Failure, PageResult};
use crate::extract::{Path, Query};

/// Binds a sign-in to the browser that began it, so that nobody can slip their own code into
/// someone else's browser (login CSRF).
const BROWSER_COOKIE: &str = "td_sso";
/// The citizen's session, once VNeID said who they are.
const CITIZEN_COOKIE: &str = "td_cd";
const CALLBACK: &str = "/login/sso/callback";
const CITIZEN_CALLBACK: &str = "/xac-thuc/vneid/callback";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login/sso", get(sign_in))
        .route(CALLBACK, get(callback))
        .route("/xac-thuc/vneid", get(identify))
        .route(CITIZEN_CALLBACK, get(identified))
        .route("/account/sso", get(link))
        .route("/account/sso/{identity}/unlink", post(unlink_own))
}

/// Forgets the sign-ins whose browser never came back.
pub async fn tidy(state: &AppState) {
    if let Err(e) = state.store.tidy_sign_ins(state.clock.now_ms()).await {
        tracing::error!(error = %e, "old single sign-on attempts could not be removed");
    }
}

/// The provider a purpose signs in with, and the address it sends the browser back to.
fn provider(state: &AppState, purpose: Purpose) -> Result<(&Client, String), Failure> {
    let (client, path) = match purpose {
        Purpose::SignIn | Purpose::Link => (state.sso.as_ref(), CALLBACK),
        Purpose::Citizen => (state.vneid.as_ref(), CITIZEN_CALLBACK),
    };
    Ok((client.ok_or_else(Failure::not_found)?, format!("{}{path}", state.config.public_url.trim_end_matches('/'))))
}

#[derive(Deserialize)]
struct SignInQuery {
    next: Option<String>,
}

async fn sign_in(State(state): State<AppState>, client: ClientMeta, Query(q): Query<SignInQuery>) -> PageResult<Response> {
    begin(&state, &client, Purpose::SignIn, None, safe_next(q.next.as_deref(), "/admin")).await
}

async fn link(State(state): State<AppState>, user: CurrentUser) -> PageResult<Response> {
    begin(&state, &user.meta, Purpose::Link, Some(user.principal.user_id), "/account/password?linked=1".into()).await
}

/// A citizen proves who they are with VNeID, then comes back to `next` (a page of this site;
/// the consultations when none is given).
async fn identify(State(state): State<AppState>, client: ClientMeta, Query(q): Query<SignInQuery>) -> PageResult<Response> {
    begin(&state, &client, Purpose::Citizen, None, safe_next(q.next.as_deref(), "/y-kien")).await
}

/// Remembers the sign-in and sends the browser to the provider. Each start writes a row, so an
/// address starts no more than it may send answers.
async fn begin(state: &AppState, visitor: &ClientMeta, purpose: Purpose, user_id: Option<i64>, next: String) -> PageResult<Response> {
    crate::rate_limit::submission(state, visitor)?;
    let (client, redirect_uri) = provider(state, purpose)?;
    let (secret_state, nonce, verifier, browser) = (tokens::random_token(), tokens::random_token(), tokens::random_token(), tokens::random_token());
    let url = client.authorization_url(&redirect_uri, &secret_state, &nonce, &verifier).await.map_err(unreachable)?;
    let pending = PendingSignIn {
        state_hash: tokens::digest(&secret_state),
        browser_hash: tokens::digest(&browser),
        purpose,
        user_id,
        nonce,
        verifier,
        next,
        expires_at: state.clock.now_ms() + PENDING_MINUTES * 60_000,
    };
    state.store.begin_sign_in(&pending).await?;
    let mut response = Redirect::to(&url).into_response();
    response.headers_mut().append(header::SET_COOKIE, set_cookie(state, BROWSER_COOKIE, &browser, PENDING_MINUTES * 60));
    Ok(response)
}

fn unreachable(error: SsoError) -> Failure {
    tracing::warn!(%error, "identity provider");
    Failure::unavailable(error.to_string())
}

#[derive(Deserialize)]
struct CallbackQuery {
    state: Option<String>,
    code: Option<String>,
    error: Option<String>,
}

/// Why a return from the provider proves nothing, and with what status.
type Refused = (String, StatusCode);

/// Checks a browser's return from a provider: a state it began (for one of `accepted`), in
/// this very browser, brought back with a code the provider trades for a token that passes
/// every check. A refusal of the token itself is audited.
async fn returned(
    state: &AppState,
    accepted: &[Purpose],
    meta: &ClientMeta,
    headers: &HeaderMap,
    q: CallbackQuery,
) -> PageResult<Result<(PendingSignIn, Claims), Refused>> {
    let now = state.clock.now_ms();
    let pending = match &q.state {
        Some(secret) => state.store.take_sign_in(&tokens::digest(secret), now).await?,
        None => None,
    };
    let browser = cookie(headers, BROWSER_COOKIE).map(|b| tokens::digest(&b));
    let Some(pending) = pending.filter(|p| browser.as_ref() == Some(&p.browser_hash) && accepted.contains(&p.purpose)) else {
        let why = "Lần xác thực này đã hết hạn, đã được dùng, hoặc được bắt đầu ở trình duyệt khác. Vui lòng bắt đầu lại.";
        return Ok(Err((why.into(), StatusCode::BAD_REQUEST)));
    };
    let (Some(code), None) = (&q.code, &q.error) else {
        let reason = q.error.as_deref().unwrap_or("không có mã xác thực").chars().take(60).collect::<String>();
        return Ok(Err((format!("Nhà cung cấp định danh không xác nhận ({reason})."), StatusCode::UNAUTHORIZED)));
    };
    let (client, redirect_uri) = provider(state, pending.purpose)?;
    match client.sign_in(code, &redirect_uri, &pending.verifier, &pending.nonce, now / 1000).await {
        Ok(claims) => Ok(Ok((pending, claims))),
        Err(SsoError::Refused(refusal)) => {
            let entry = Entry::new(AuditAction::LoginFailed, "user", "").details(json!({ "sso": refusal.to_string(), "purpose": pending.purpose.code() }));
            state.store.audit(&meta.actor(state, None), &entry).await?;
            Ok(Err((refusal.to_string(), StatusCode::UNAUTHORIZED)))
        }
        Err(error) => Err(unreachable(error).into()),
    }
}

/// The browser-binding cookie, spent.
fn spent(state: &AppState, mut response: Response) -> Response {
    response.headers_mut().append(header::SET_COOKIE, set_cookie(state, BROWSER_COOKIE, "x", 0));
    response
}

async fn callback(State(state): State<AppState>, meta: ClientMeta, headers: HeaderMap, Query(q): Query<CallbackQuery>) -> PageResult<Response> {
    let refuse = |message: String, status: StatusCode| Ok(spent(&state, refused(&state, &headers, "/admin".into(), String::new(), message, status)));
    // Signing in and linking come back to the same address; the state tells which it was.
    let (pending, claims) = match returned(&state, &[Purpose::SignIn, Purpose::Link], &meta, &headers, q).await? {
        Ok(found) => found,
        Err((message, status)) => return refuse(message, status),
    };
    let client = provider(&state, pending.purpose)?.0;
    let mut actor = meta.actor(&state, None);
    match pending.purpose {
        Purpose::Link => {
            let signed_in = session_principal(&state, &headers).await?.map(|(p, _)| p);
            let Some(principal) = signed_in.filter(|p| Some(p.user_id) == pending.user_id) else {
                return refuse("Phiên làm việc đã kết thúc trước khi liên kết xong. Vui lòng đăng nhập rồi liên kết lại.".into(), StatusCode::FORBIDDEN);
            };
            let account = state.store.credentials(&principal.username).await?.ok_or_else(Failure::not_found)?;
            let actor = meta.actor(&state, Some(&principal));
            state.store.link_identity(&actor, &account, &client.config.issuer, &claims.subject).await?;
            Ok(spent(&state, Redirect::to(&pending.next).into_response()))
        }
        _ => {
            let Some((identity, account)) = official_of(&state, client, &claims, &actor).await? else {
                let entry = Entry::new(AuditAction::LoginFailed, "user", "").details(json!({ "sso_subject": claims.subject, "linked": false }));
                state.store.audit(&actor, &entry).await?;
                return refuse(
                    "Tài khoản của bạn ở nhà cung cấp định danh chưa được liên kết với cán bộ nào trong Thước Đo. Hãy đăng nhập bằng mật khẩu rồi liên kết ở trang tài khoản, hoặc đề nghị quản trị viên hỗ trợ.".into(),
                    StatusCode::FORBIDDEN,
                );
            };
            actor.user_id = Some(account.id);
            actor.name = account.username.clone();
            if account.disabled {
                state
                    .store
                    .audit(&actor, &Entry::new(AuditAction::LoginFailed, "user", account.id).unit(account.unit_id).details(json!({ "disabled": true })))
                    .await?;
                return refuse("Tài khoản này đã bị khóa. Vui lòng liên hệ quản trị viên.".into(), StatusCode::FORBIDDEN);
            }
            Ok(spent(&state, start_session(&state, &meta, &actor, &account, Some(identity), &pending.next).await?))
        }
    }
}

/// VNeID sent the citizen back: their browser now holds a citizen's session.
async fn identified(State(state): State<AppState>, meta: ClientMeta, headers: HeaderMap, Query(q): Query<CallbackQuery>) -> PageResult<Response> {
    let (pending, claims) = match returned(&state, &[Purpose::Citizen], &meta, &headers, q).await? {
        Ok(found) => found,
        Err((message, status)) => return Err(Failure { status, ..Failure::invalid(message) }.into()),
    };
    let issuer = &provider(&state, Purpose::Citizen)?.0.config.issuer;
    let token = tokens::random_token();
    let now = state.clock.now_ms();
    let expires_at = now + CITIZEN_HOURS * 3_600_000;
    state.store.open_citizen_session(&tokens::digest(&token), issuer, &claims.subject, claims.text("name"), now, expires_at).await?;
    let mut response = spent(&state, Redirect::to(&pending.next).into_response());
    response.headers_mut().append(header::SET_COOKIE, set_cookie(&state, CITIZEN_COOKIE, &token, CITIZEN_HOURS * 3600));
    Ok(response)
}

/// The citizen this browser proved to be, if it did and it still holds.
pub async fn citizen(state: &AppState, headers: &HeaderMap) -> Option<Citizen> {
    let token = cookie(headers, CITIZEN_COOKIE)?;
    state.store.citizen_session(&tokens::digest(&token), state.clock.now_ms()).await.unwrap_or_else(|e| {
        tracing::error!(error = %e, "citizen session");
        None
    })
}

/// The official behind an identity: linked before, or, where the province names a claim that
/// carries login names here, the official of that name, linked now.
async fn official_of(state: &AppState, client: &Client, claims: &Claims, actor: &Actor) -> PageResult<Option<(i64, Credentials)>> {
    if let Some(found) = state.store.official_of_identity(&client.config.issuer, &claims.subject).await? {
        return Ok(Some(found));
    }
    let Some(username) = client.config.username_claim.as_deref().and_then(|claim| claims.text(claim)) else { return Ok(None) };
    let Some(account) = state.store.credentials(&username.to_lowercase()).await? else { return Ok(None) };
    let mut actor = actor.clone();
    actor.user_id = Some(account.id);
    actor.name = account.username.clone();
    let identity = state.store.link_identity(&actor, &account, &client.config.issuer, &claims.subject).await?;
    Ok(Some((identity, account)))
}

/// An identity as an official's pages list it.
pub struct IdentityLine {
    pub id: i64,
    pub issuer: String,
    pub subject: String,
    pub linked: String,
    pub last_used: String,
}

pub async fn identity_lines(state: &AppState, user_id: i64) -> Result<Vec<IdentityLine>, Failure> {
    let stamp = |ms: Option<i64>| ms.map(domain::text::format_timestamp_ms).unwrap_or_else(|| "—".into());
    Ok(state
        .store
        .identities(user_id)
        .await?
        .into_iter()
        .map(|i| IdentityLine { id: i.id, linked: stamp(Some(i.linked_at)), last_used: stamp(i.last_used_at), issuer: i.issuer, subject: i.subject })
        .collect())
}

async fn unlink_own(State(state): State<AppState>, user: CurrentUser, Path(identity): Path<i64>, CheckedForm(_): CheckedForm<Empty>) -> PageResult<Redirect> {
    state.store.unlink_identity(&user.actor(&state), &user.principal.access, user.principal.user_id, identity).await?;
    Ok(Redirect::to("/account/password"))
}
