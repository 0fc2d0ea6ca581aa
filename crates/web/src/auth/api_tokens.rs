//! `/admin/ma-api`: an official's own API tokens. Each reaches no further than its owner, and
//! often much less: one unit's subtree, a few permissions, so many requests a minute, and it
//! expires. The token is shown once; the database keeps its digest.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::auth::Permission;
use domain::text;
use storage::auth::{ApiToken, TokenScope};

use super::csrf::{CheckedForm, Empty};
use super::session::CurrentUser;
use super::tokens::new_api_token;
use crate::AppState;
use crate::error::{Failure, FieldError, PageResult};
use crate::extract::Path;
use crate::layout::Layout;
use crate::units::picker::{UnitChoice, unit_choices};

/// The longest a token made here may live.
const MAX_DAYS: i64 = 365;
const MAX_PER_MINUTE: u32 = 6_000;

pub struct TokenLine {
    pub id: i64,
    pub name: String,
    pub reach: String,
    pub permissions: String,
    pub limits: String,
    pub state: String,
    pub live: bool,
}

fn line(t: ApiToken, now: i64) -> TokenLine {
    let live = t.revoked_at.is_none() && t.expires_at.is_none_or(|at| at > now);
    let state = match (t.revoked_at, t.expires_at) {
        (Some(at), _) => format!("đã thu hồi lúc {}", text::format_timestamp_ms(at)),
        (None, Some(at)) if at <= now => format!("đã hết hạn lúc {}", text::format_timestamp_ms(at)),
        (None, Some(at)) => format!("còn hạn đến {}", text::format_timestamp_ms(at)),
        (None, None) => "không thời hạn".into(),
    };
    let used = t.last_used_at.map_or("chưa dùng".into(), |at| format!("dùng gần nhất {}", text::format_timestamp_ms(at)));
    TokenLine {
        id: t.id,
        name: t.name,
        reach: t.unit_name.unwrap_or_else(|| "mọi đơn vị của tài khoản".into()),
        permissions: if t.scope.permissions.is_empty() {
            "mọi quyền của tài khoản".into()
        } else {
            t.scope.permissions.iter().map(|p| p.label()).collect::<Vec<_>>().join("; ")
        },
        limits: format!("{} lượt/phút; {used}", text::format_number(f64::from(t.scope.per_minute), 0)),
        state,
        live,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "auth/api_tokens.html")]
pub struct TokensPage {
    layout: Layout,
    tokens: Vec<TokenLine>,
    units: Vec<UnitChoice>,
    /// The permissions the official holds: (code, label).
    permissions: Vec<(&'static str, &'static str)>,
    /// The token just made, shown this once.
    created: Option<String>,
}

async fn page(state: &AppState, user: &CurrentUser, created: Option<String>) -> Result<TokensPage, Failure> {
    let access = &user.principal.access;
    let now = state.clock.now_ms();
    let tokens = state.store.api_tokens(user.principal.user_id).await?.into_iter().map(|t| line(t, now)).collect();
    let mut roots: Vec<i64> = access.grants().iter().map(|g| g.unit).collect();
    roots.sort_unstable();
    roots.dedup();
    let units = unit_choices(&state.store, &roots, now).await?;
    let permissions = Permission::ALL.iter().filter(|p| access.has(**p)).map(|p| (p.code(), p.label())).collect();
    Ok(TokensPage { layout: Layout::admin(user, "Mã truy cập API", "/admin/ma-api"), tokens, units, permissions, created })
}

pub async fn list(State(state): State<AppState>, user: CurrentUser) -> PageResult<TokensPage> {
    Ok(page(&state, &user, None).await?)
}

/// The form: `name`, `unit` (a code, or empty), one `permission` per box ticked, `days`,
/// `per_minute`.
fn scope_of(pairs: &[(String, String)]) -> Result<(String, String, Vec<Permission>, i64, u32), Failure> {
    let field = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim().to_string()).unwrap_or_default();
    let name = field("name");
    let permissions: Vec<Permission> = pairs.iter().filter(|(k, _)| k == "permission").filter_map(|(_, v)| Permission::parse(v)).collect();
    let days = field("days").parse::<i64>().ok().filter(|d| (1..=MAX_DAYS).contains(d));
    let per_minute = field("per_minute").parse::<u32>().ok().filter(|n| (1..=MAX_PER_MINUTE).contains(n));
    let mut errors = Vec::new();
    if name.is_empty() || name.chars().count() > 100 {
        errors.push(FieldError { field: "name".into(), message: "Hãy đặt tên cho mã (hệ thống nào dùng nó), tối đa 100 ký tự.".into() });
    }
    if permissions.is_empty() {
        errors.push(FieldError { field: "permission".into(), message: "Hãy chọn ít nhất một quyền cho mã.".into() });
    }
    if days.is_none() {
        errors.push(FieldError { field: "days".into(), message: format!("Thời hạn là số ngày từ 1 đến {MAX_DAYS}.") });
    }
    if per_minute.is_none() {
        errors.push(FieldError { field: "per_minute".into(), message: format!("Số lượt gọi mỗi phút từ 1 đến {MAX_PER_MINUTE}.") });
    }
    match (errors.is_empty(), days, per_minute) {
        (true, Some(days), Some(per_minute)) => Ok((name, field("unit"), permissions, days, per_minute)),
        _ => Err(Failure::fields(errors)),
    }
}

pub async fn create(State(state): State<AppState>, user: CurrentUser, CheckedForm(pairs): CheckedForm<Vec<(String, String)>>) -> PageResult<Response> {
    let (name, unit, permissions, days, per_minute) = scope_of(&pairs)?;
    let unit_id = if unit.is_empty() { None } else { Some(state.store.public_unit_by_code(&unit).await?.id) };
    let actor = user.actor(&state);
    let (token, hash) = new_api_token();
    let scope = TokenScope { unit_id, permissions, per_minute };
    state.store.create_api_token(&actor, user.principal.user_id, &name, &hash, Some(actor.at + days * 86_400_000), &scope).await?;
    Ok((StatusCode::CREATED, page(&state, &user, Some(token)).await?).into_response())
}

pub async fn revoke(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>, CheckedForm(_): CheckedForm<Empty>) -> PageResult<Redirect> {
    state.store.revoke_api_token(&user.actor(&state), user.principal.user_id, id).await?;
    Ok(Redirect::to("/admin/ma-api"))
}
