use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use domain::audit::AuditAction;
use domain::auth::check_new_password;
use serde::Deserialize;
use storage::Actor;
use storage::audit::Entry;
use storage::auth::{Credentials, NewSession};

use super::csrf::{CheckedForm, Empty, VisitorToken};
use super::password::{hash_password, verify_password};
use super::session::{ClientMeta, CurrentUser, SESSION_COOKIE, set_cookie};
use super::sso::{IdentityLine, identity_lines};
use super::tokens;
use crate::AppState;
use crate::error::{Failure, PageResult, with_retry_after};
use crate::extract::Query;
use crate::layout::Layout;

#[derive(Template, WebTemplate)]
#[template(path = "auth/login.html")]
pub struct LoginPage {
    layout: Layout,
    next: String,
    username: String,
    notice: Option<&'static str>,
    error: Option<String>,
    /// The single sign-on button's words, when a provider is set up.
    sso: Option<String>,
}

impl LoginPage {
    fn new(state: &AppState, next: String, username: String) -> Self {
        Self { layout: Layout::public("Đăng nhập"), next, username, notice: None, error: None, sso: state.sso.as_ref().map(|c| c.config.label.clone()) }
    }
}

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    expired: Option<String>,
}

/// Where to go after signing in (or proving who one is): a path of this site only, else
/// `fallback`, so that a link never bounces anyone to another host. Browsers drop tabs and line
/// breaks from a URL and read `\` as `/`, so `/<tab>/evil.example` would leave the site, and a
/// line break cannot go in a header: only printable ASCII is taken.
pub(super) fn safe_next(next: Option<&str>, fallback: &str) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && n.bytes().all(|b| b.is_ascii_graphic() && b != b'\\') => n.to_string(),
        _ => fallback.to_string(),
    }
}

/// Renders the login form with a CSRF token bound to the pre-login cookie, creating it first.
fn login_page(state: &AppState, headers: &HeaderMap, mut page: LoginPage, status: StatusCode) -> Response {
    let visitor = VisitorToken::new(state, headers);
    page.layout.csrf = visitor.token.clone();
    visitor.attach((status, page).into_response())
}

pub async fn form(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<LoginQuery>) -> Response {
    let mut page = LoginPage::new(&state, safe_next(q.next.as_deref(), "/admin"), String::new());
    page.notice = q.expired.map(|_| "Phiên làm việc đã hết hạn hoặc đã bị thu hồi. Vui lòng đăng nhập lại.");
    login_page(&state, &headers, page, StatusCode::OK)
}

/// The login form again, with why signing in did not go through.
pub(super) fn refused(state: &AppState, headers: &HeaderMap, next: String, username: String, message: String, status: StatusCode) -> Response {
    let mut page = LoginPage::new(state, next, username);
    page.error = Some(message);
    login_page(state, headers, page, status)
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

pub async fn submit(State(state): State<AppState>, meta: ClientMeta, headers: HeaderMap, CheckedForm(form): CheckedForm<LoginForm>) -> PageResult<Response> {
    let username = form.username.trim().to_lowercase();
    let next = safe_next(form.next.as_deref(), "/admin");
    let refuse = |message: String, status: StatusCode| Ok(refused(&state, &headers, next.clone(), username.clone(), message, status));
    let now = state.clock.now_ms();
    // Only failures count: a whole commune office may sign in from behind one address. The
    // address and the login name are throttled alike, with one message, so that being held
    // back says nothing of whether the account exists or why.
    let held_back = |wait: u64| {
        let page = refuse(format!("Có quá nhiều lần đăng nhập sai. Vui lòng thử lại sau {} phút.", wait.div_ceil(60)), StatusCode::TOO_MANY_REQUESTS)?;
        Ok(with_retry_after(page, Some(wait)))
    };
    // The limits kept in memory first, so that a flood costs no database read.
    let name_key = domain::text::fold(&username);
    if let Some(wait) = state.login_limiter.limited(&meta.ip, now).or(state.account_limiter.limited(&name_key, now)) {
        return held_back(wait);
    }
    let account = state.store.credentials(&username).await?;
    if let Some(until) = account.as_ref().and_then(|a| a.locked_until).filter(|until| *until > now) {
        return held_back((until - now) as u64 / 1000 + 1);
    }
    let mut actor = meta.actor(&state, None);
    actor.name = username.clone();
    let verified = verify_password(form.password, account.as_ref().map(|a| a.password_hash.clone())).await;
    if !verified {
        state.login_limiter.record(&meta.ip, now);
        state.account_limiter.record(&name_key, now);
    }
    let account = match account {
        Some(account) if verified && !account.disabled && !account.password_login => {
            actor.user_id = Some(account.id);
            let entry = Entry::new(AuditAction::LoginFailed, "user", account.id).unit(account.unit_id).details(serde_json::json!({ "password_login": false }));
            state.store.audit(&actor, &entry).await?;
            let how = state.sso.as_ref().map(|c| format!(" bằng nút “{}”", c.config.label)).unwrap_or_default();
            return refuse(format!("Tài khoản này không đăng nhập bằng mật khẩu. Vui lòng đăng nhập một lần{how}."), StatusCode::FORBIDDEN);
        }
        Some(account) if verified && !account.disabled => account,
        Some(account) => {
            actor.user_id = Some(account.id);
            // Counted and audited; the fifth in a row locks the account in the register too.
            state.store.record_login_failure(&actor, account.id, account.unit_id).await?;
            return refuse("Tên đăng nhập hoặc mật khẩu không đúng.".into(), StatusCode::UNAUTHORIZED);
        }
        None => {
            let entry = Entry::new(AuditAction::LoginFailed, "user", "").details(serde_json::json!({ "unknown_user": true }));
            state.store.audit(&actor, &entry).await?;
            return refuse("Tên đăng nhập hoặc mật khẩu không đúng.".into(), StatusCode::UNAUTHORIZED);
        }
    };
    actor.user_id = Some(account.id);
    start_session(&state, &meta, &actor, &account, None, &next).await
}

/// Opens a session for an official who proved who they are (a password, or an identity at the
/// provider) and sends the browser on.
pub(super) async fn start_session(
    state: &AppState,
    meta: &ClientMeta,
    actor: &Actor,
    account: &Credentials,
    identity_id: Option<i64>,
    next: &str,
) -> PageResult<Response> {
    let token = tokens::random_token();
    let max_age_s = state.config.session_max_hours * 3600;
    let session = NewSession {
        token_hash: tokens::digest(&token),
        user_id: account.id,
        ip: meta.ip.clone(),
        user_agent: meta.user_agent.clone(),
        expires_at: state.clock.now_ms() + max_age_s * 1000,
        identity_id,
    };
    state.store.open_session(actor, account.unit_id, &session).await?;
    let mut response = Redirect::to(next).into_response();
    response.headers_mut().append(header::SET_COOKIE, set_cookie(state, SESSION_COOKIE, &token, max_age_s));
    Ok(response)
}

pub async fn logout(State(state): State<AppState>, user: CurrentUser, CheckedForm(_): CheckedForm<Empty>) -> PageResult<Response> {
    if let Some(session_id) = user.principal.session_id {
        state.store.close_session(&user.actor(&state), session_id, user.principal.unit_id).await?;
    }
    let mut response = Redirect::to("/").into_response();
    response.headers_mut().append(header::SET_COOKIE, set_cookie(&state, SESSION_COOKIE, "x", 0));
    Ok(response)
}

#[derive(Template, WebTemplate)]
#[template(path = "auth/password.html")]
pub struct PasswordPage {
    layout: Layout,
    errors: Vec<String>,
    notice: Option<&'static str>,
    /// The single sign-on button's words, when a provider is set up.
    sso: Option<String>,
    identities: Vec<IdentityLine>,
}

impl PasswordPage {
    async fn new(state: &AppState, user: &CurrentUser, errors: Vec<String>, notice: Option<&'static str>) -> Result<Self, Failure> {
        Ok(Self {
            layout: Layout::admin(user, "Tài khoản của tôi", ""),
            errors,
            notice,
            sso: state.sso.as_ref().map(|c| c.config.label.clone()),
            identities: identity_lines(state, user.principal.user_id).await?,
        })
    }
}

#[derive(Deserialize)]
pub struct PasswordQuery {
    done: Option<String>,
    linked: Option<String>,
}

pub async fn password_form(State(state): State<AppState>, user: CurrentUser, Query(q): Query<PasswordQuery>) -> PageResult<PasswordPage> {
    let notice = if q.done.is_some() {
        Some("Đã đổi mật khẩu. Các phiên đăng nhập khác của bạn đã được đăng xuất.")
    } else if q.linked.is_some() {
        Some("Đã liên kết tài khoản đăng nhập một lần. Từ nay bạn có thể đăng nhập bằng nút đăng nhập một lần.")
    } else {
        None
    };
    Ok(PasswordPage::new(&state, &user, Vec::new(), notice).await?)
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirm: String,
}

pub async fn password_submit(State(state): State<AppState>, user: CurrentUser, CheckedForm(form): CheckedForm<PasswordForm>) -> PageResult<Response> {
    let mut errors = Vec::new();
    let stored = state.store.password_hash(user.principal.user_id).await?;
    if !verify_password(form.current, Some(stored)).await {
        errors.push("Mật khẩu hiện tại không đúng.".to_string());
    }
    if form.new != form.confirm {
        errors.push("Mật khẩu mới và phần nhập lại không khớp.".to_string());
    }
    if let Err(e) = check_new_password(&user.principal.username, &form.new) {
        errors.push(e.to_string());
    }
    if !errors.is_empty() {
        let page = PasswordPage::new(&state, &user, errors, None).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let hash = hash_password(form.new).await.map_err(|_| Failure::internal())?;
    state.store.change_password(&user.actor(&state), &user.principal, &hash).await?;
    Ok(Redirect::to("/account/password?done=1").into_response())
}
