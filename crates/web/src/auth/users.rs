//! Administration of officials: list, create, view (an audited view of personal data), grant and
//! revoke roles, lock and unlock. The Store enforces the scope; pages only offer what it allows.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::auth::{Access, Grant, Permission, Role, check_new_password, parse_username};
use domain::text;
use serde::Deserialize;
use storage::auth::{NewUser, RoleGrant, User};
use storage::{Actor, Paging};

use super::csrf::{CheckedForm, Empty};
use super::password::hash_password;
use super::require;
use super::session::CurrentUser;
use super::sso::{IdentityLine, identity_lines};
use crate::AppState;
use crate::error::{Failure, FieldError, PageResult};
use crate::extract::{Path, Query};
use crate::layout::Layout;
use crate::units::picker::{self, UnitChoice, picked};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/users", get(list).post(create))
        .route("/admin/users/new", get(new_form))
        .route("/admin/users/{id}", get(detail))
        .route("/admin/users/{id}/roles", post(grant))
        .route("/admin/users/{id}/roles/{grant_id}/revoke", post(revoke))
        .route("/admin/users/{id}/status", post(set_status))
        .route("/admin/users/{id}/sessions/revoke", post(revoke_sessions))
        .route("/admin/users/{id}/password-login", post(password_login))
        .route("/admin/users/{id}/identities/{identity}/unlink", post(unlink_identity))
}

pub fn status_label(user: &User, now: i64) -> &'static str {
    if user.disabled {
        "Đã khóa"
    } else if user.locked_until.is_some_and(|t| t > now) {
        "Tạm khóa (đăng nhập sai)"
    } else {
        "Hoạt động"
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "auth/users_list.html")]
pub struct ListPage {
    layout: Layout,
    rows: Vec<(User, &'static str)>,
    q: String,
    total: i64,
    can_manage: bool,
    pager: crate::layout::Pager,
}

#[derive(Deserialize)]
struct ListQuery {
    q: Option<String>,
    page: Option<i64>,
}

async fn list(State(state): State<AppState>, user: CurrentUser, Query(query): Query<ListQuery>) -> PageResult<ListPage> {
    require(&user.principal.access, Permission::ViewUsers)?;
    let q = query.q.unwrap_or_default();
    let page_no = query.page.unwrap_or(1);
    let search = Some(q.trim()).filter(|s| !s.is_empty());
    let page = state.store.users(&user.principal.access, search, Paging::new(page_no, 50)).await?;
    let now = state.clock.now_ms();
    Ok(ListPage {
        layout: Layout::admin(&user, "Người dùng", "/admin/users"),
        rows: page
            .items
            .into_iter()
            .map(|u| {
                let s = status_label(&u, now);
                (u, s)
            })
            .collect(),
        total: page.total,
        can_manage: user.principal.access.has(Permission::ManageUsers),
        pager: crate::layout::Pager::new(page_no, 50, page.total, &format!("/admin/users?q={}", crate::layout::encode(&q))),
        q,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "auth/user_form.html")]
pub struct FormPage {
    layout: Layout,
    form: UserForm,
    errors: Vec<String>,
    roles: Vec<(&'static str, &'static str)>,
    unit_choices: Vec<UnitChoice>,
}

/// A new official as typed in the form or sent to the API.
#[derive(Deserialize, Default, utoipa::ToSchema)]
pub struct UserForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub full_name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: String,
    /// Code of the official's unit; the initial role is granted there.
    #[serde(default)]
    pub unit_code: String,
    /// Role code of the initial grant, e.g. `unit_official`.
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub password: String,
}

/// Why an official could not be created.
pub enum CreateError {
    Invalid(Vec<FieldError>),
    Store(storage::Error),
    Hashing,
}

impl From<storage::Error> for CreateError {
    fn from(e: storage::Error) -> Self {
        Self::Store(e)
    }
}

/// Checks the form, creates the official and grants the initial role, in the caller's scope.
pub async fn create_user(state: &AppState, actor: &Actor, access: &Access, form: &UserForm) -> Result<i64, CreateError> {
    let mut errors = Vec::new();
    let mut fail = |field: &str, message: String| errors.push(FieldError { field: field.into(), message });
    let username = parse_username(&form.username).map_err(|e| fail("username", e.to_string())).ok();
    let full_name = text::clean(&form.full_name);
    if full_name.is_empty() {
        fail("full_name", "Họ và tên không được để trống.".into());
    }
    if let Err(e) = check_new_password(&form.username, &form.password) {
        fail("password", e.to_string());
    }
    if !form.email.trim().is_empty() && !form.email.contains('@') {
        fail("email", "Địa chỉ thư điện tử không hợp lệ.".into());
    }
    let role = Role::parse(&form.role);
    if role.is_none() {
        fail("role", "Hãy chọn vai trò ban đầu.".into());
    }
    let unit = state.store.public_unit_by_code(form.unit_code.trim()).await.ok();
    if unit.is_none() {
        fail("unit_code", format!("Không tìm thấy đơn vị có mã «{}».", form.unit_code.trim()));
    }
    let (Some(username), Some(role), Some(unit), true) = (username, role, unit, errors.is_empty()) else {
        return Err(CreateError::Invalid(errors));
    };
    let new_user = NewUser {
        username,
        full_name,
        email: optional(&form.email),
        phone: optional(&form.phone),
        unit_id: unit.id,
        password_hash: hash_password(form.password.clone()).await.map_err(|_| CreateError::Hashing)?,
    };
    let id = state.store.create_user(actor, access, &new_user).await?;
    state.store.grant_role(actor, access, id, Grant { role, unit: unit.id }).await?;
    Ok(id)
}

/// Roles a form may offer to this official.
fn grantable_roles(user: &CurrentUser) -> Vec<(&'static str, &'static str)> {
    Role::ALL.into_iter().filter(|r| *r != Role::SystemAdmin || user.principal.access.has_role(Role::SystemAdmin)).map(|r| (r.code(), r.label())).collect()
}

/// Units a user's unit is chosen from: those the official manages users in, with `chosen` marked.
async fn unit_choices(state: &AppState, user: &CurrentUser, chosen: &str) -> Result<Vec<UnitChoice>, Failure> {
    let managed = user.principal.access.roots(Permission::ManageUsers);
    Ok(picked(&picker::unit_choices(&state.store, &managed, state.clock.now_ms()).await?, chosen))
}

async fn form_page(state: &AppState, user: &CurrentUser, form: UserForm, errors: Vec<String>) -> Result<FormPage, Failure> {
    Ok(FormPage {
        layout: Layout::admin(user, "Thêm người dùng", "/admin/users"),
        unit_choices: unit_choices(state, user, &form.unit_code).await?,
        form,
        errors,
        roles: grantable_roles(user),
    })
}

async fn new_form(State(state): State<AppState>, user: CurrentUser) -> PageResult<FormPage> {
    require(&user.principal.access, Permission::ManageUsers)?;
    Ok(form_page(&state, &user, UserForm { role: Role::UnitOfficial.code().into(), ..Default::default() }, Vec::new()).await?)
}

fn optional(s: &str) -> Option<String> {
    Some(text::clean(s)).filter(|s| !s.is_empty())
}

async fn create(State(state): State<AppState>, user: CurrentUser, CheckedForm(form): CheckedForm<UserForm>) -> PageResult<Response> {
    require(&user.principal.access, Permission::ManageUsers)?;
    let (status, errors) = match create_user(&state, &user.actor(&state), &user.principal.access, &form).await {
        Ok(id) => return Ok(Redirect::to(&format!("/admin/users/{id}?created=1")).into_response()),
        Err(CreateError::Invalid(errors)) => (StatusCode::UNPROCESSABLE_ENTITY, errors.into_iter().map(|e| e.message).collect()),
        Err(CreateError::Store(e @ (storage::Error::Conflict(_) | storage::Error::Forbidden))) => {
            let failure = Failure::from(e);
            (failure.status, vec![failure.detail])
        }
        Err(CreateError::Store(e)) => return Err(e.into()),
        Err(CreateError::Hashing) => return Err(Failure::internal().into()),
    };
    let page = form_page(&state, &user, form, errors).await?;
    Ok((status, page).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "auth/user_detail.html")]
pub struct DetailPage {
    layout: Layout,
    shown: User,
    /// The e-mail and phone were opened for this page.
    contacts: bool,
    status: &'static str,
    grants: Vec<(RoleGrant, &'static str, String)>,
    can_manage: bool,
    roles: Vec<(&'static str, &'static str)>,
    unit_choices: Vec<UnitChoice>,
    notice: Option<&'static str>,
    error: Option<String>,
    /// Identities at the single sign-on provider linked to the account.
    identities: Vec<IdentityLine>,
    identities_base: String,
    /// The first administrator keeps their password whatever happens.
    first_admin: bool,
}

#[derive(Deserialize)]
struct DetailQuery {
    /// Present: open the contact data (recorded in the audit log).
    lien_he: Option<String>,
    created: Option<String>,
    granted: Option<String>,
    revoked: Option<String>,
    status: Option<String>,
    signed_out: Option<String>,
}

/// An official's page; their e-mail and phone only when asked for (`contacts`), each time
/// recorded in the audit log.
async fn detail_page(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    contacts: bool,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<DetailPage, Failure> {
    let (shown, grants) = if contacts {
        state.store.user_viewed(&user.actor(state), &user.principal.access, id).await?
    } else {
        state.store.user(&user.principal.access, id).await?
    };
    let access = &user.principal.access;
    let can_manage = access.can(Permission::ManageUsers, &state.store.unit_ancestry(shown.unit_id).await?);
    let grants = grants
        .into_iter()
        .map(|g| {
            let label = g.role().map(Role::label).unwrap_or("Vai trò không xác định");
            let since = text::format_timestamp_ms(g.granted_at);
            (g, label, since)
        })
        .collect();
    Ok(DetailPage {
        layout: Layout::admin(user, shown.full_name.clone(), "/admin/users"),
        status: status_label(&shown, state.clock.now_ms()),
        shown,
        contacts,
        grants,
        can_manage,
        roles: grantable_roles(user),
        unit_choices: if can_manage { unit_choices(state, user, "").await? } else { Vec::new() },
        notice,
        error,
        identities: identity_lines(state, id).await?,
        identities_base: format!("/admin/users/{id}/identities"),
        first_admin: state.store.first_administrator().await? == Some(id),
    })
}

async fn detail(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>, Query(q): Query<DetailQuery>) -> PageResult<DetailPage> {
    require(&user.principal.access, Permission::ViewUsers)?;
    let notice = if q.created.is_some() {
        Some("Đã tạo tài khoản và giao vai trò ban đầu.")
    } else if q.granted.is_some() {
        Some("Đã giao vai trò.")
    } else if q.revoked.is_some() {
        Some("Đã thu hồi vai trò.")
    } else if q.status.is_some() {
        Some("Đã cập nhật trạng thái tài khoản.")
    } else if q.signed_out.is_some() {
        Some("Đã đăng xuất tài khoản khỏi mọi thiết bị.")
    } else {
        None
    };
    Ok(detail_page(&state, &user, id, q.lien_he.is_some(), notice, None).await?)
}

#[derive(Deserialize)]
struct GrantForm {
    #[serde(default)]
    role: String,
    #[serde(default)]
    unit_code: String,
}

/// Re-renders the user's page with the refusal when a grant or status change is not allowed.
async fn refused(state: &AppState, user: &CurrentUser, id: i64, err: storage::Error) -> PageResult<Response> {
    match err {
        storage::Error::Conflict(_) | storage::Error::Forbidden | storage::Error::Unit(_) => {
            let failure = Failure::from(err);
            let page = detail_page(state, user, id, false, None, Some(failure.detail)).await?;
            Ok((failure.status, page).into_response())
        }
        other => Err(other.into()),
    }
}

async fn grant(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>, CheckedForm(form): CheckedForm<GrantForm>) -> PageResult<Response> {
    require(&user.principal.access, Permission::ManageUsers)?;
    let Some(role) = Role::parse(&form.role) else {
        return Err(Failure::invalid("Vai trò không hợp lệ.").into());
    };
    let unit = state
        .store
        .public_unit_by_code(form.unit_code.trim())
        .await
        .map_err(|_| Failure::invalid(format!("Không tìm thấy đơn vị có mã «{}».", form.unit_code.trim())))?;
    match state.store.grant_role(&user.actor(&state), &user.principal.access, id, Grant { role, unit: unit.id }).await {
        Ok(()) => Ok(Redirect::to(&format!("/admin/users/{id}?granted=1")).into_response()),
        Err(e) => refused(&state, &user, id, e).await,
    }
}

async fn revoke(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, grant_id)): Path<(i64, i64)>,
    CheckedForm(_): CheckedForm<Empty>,
) -> PageResult<Response> {
    require(&user.principal.access, Permission::ManageUsers)?;
    match state.store.revoke_role(&user.actor(&state), &user.principal.access, id, grant_id).await {
        Ok(()) => Ok(Redirect::to(&format!("/admin/users/{id}?revoked=1")).into_response()),
        Err(e) => refused(&state, &user, id, e).await,
    }
}

#[derive(Deserialize)]
struct StatusForm {
    disabled: String,
}

async fn set_status(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>, CheckedForm(form): CheckedForm<StatusForm>) -> PageResult<Response> {
    require(&user.principal.access, Permission::ManageUsers)?;
    let disabled = form.disabled == "1";
    match state.store.set_user_disabled(&user.actor(&state), &user.principal.access, id, disabled).await {
        Ok(()) => Ok(Redirect::to(&format!("/admin/users/{id}?status=1")).into_response()),
        Err(e) => refused(&state, &user, id, e).await,
    }
}

async fn revoke_sessions(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>, CheckedForm(_): CheckedForm<Empty>) -> PageResult<Response> {
    require(&user.principal.access, Permission::ManageUsers)?;
    match state.store.revoke_sessions(&user.actor(&state), &user.principal.access, id).await {
        Ok(_) => Ok(Redirect::to(&format!("/admin/users/{id}?signed_out=1")).into_response()),
        Err(e) => refused(&state, &user, id, e).await,
    }
}

#[derive(Deserialize)]
struct PasswordLoginForm {
    #[serde(default)]
    allowed: String,
}

/// Turns password sign-in on or off (single sign-on only).
async fn password_login(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CheckedForm(form): CheckedForm<PasswordLoginForm>,
) -> PageResult<Response> {
    require(&user.principal.access, Permission::ManageUsers)?;
    match state.store.set_password_login(&user.actor(&state), &user.principal.access, id, form.allowed == "1").await {
        Ok(()) => Ok(Redirect::to(&format!("/admin/users/{id}?status=1")).into_response()),
        Err(e) => refused(&state, &user, id, e).await,
    }
}

async fn unlink_identity(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, identity)): Path<(i64, i64)>,
    CheckedForm(_): CheckedForm<Empty>,
) -> PageResult<Response> {
    require(&user.principal.access, Permission::ManageUsers)?;
    match state.store.unlink_identity(&user.actor(&state), &user.principal.access, id, identity).await {
        Ok(()) => Ok(Redirect::to(&format!("/admin/users/{id}?status=1")).into_response()),
        Err(e) => refused(&state, &user, id, e).await,
    }
}
