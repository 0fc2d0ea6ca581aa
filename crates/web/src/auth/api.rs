//! `/api/v1/me` and `/api/v1/users`: the caller, and officials in the caller's scope.

use axum::extract::State;
use axum::http::StatusCode;
use domain::auth::Permission;
use serde::{Deserialize, Serialize};
use storage::Paging;
use storage::auth::User;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::require;
use super::session::ApiUser;
use super::users::{self, CreateError, UserForm};
use crate::AppState;
use crate::api::Listed;
use crate::error::{ApiJson, ApiResult, Failure, ProblemDocument};
use crate::extract::{Path, Query};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(me)).routes(routes!(list_users, create_user)).routes(routes!(get_user))
}

#[derive(Serialize, ToSchema)]
pub struct GrantDto {
    /// Role code, e.g. `reform_office`.
    role: String,
    role_label: String,
    /// The role reaches this unit and every unit below it.
    unit_id: i64,
}

#[derive(Serialize, ToSchema)]
pub struct MeDto {
    id: i64,
    username: String,
    full_name: String,
    unit_id: i64,
    grants: Vec<GrantDto>,
}

/// The caller and their role grants.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", responses((status = 200, body = MeDto), (status = 401, body = ProblemDocument)))]
async fn me(caller: ApiUser) -> axum::Json<MeDto> {
    let p = caller.principal;
    axum::Json(MeDto {
        grants: p.access.grants().iter().map(|g| GrantDto { role: g.role.code().into(), role_label: g.role.label().into(), unit_id: g.unit }).collect(),
        id: p.user_id,
        username: p.username,
        full_name: p.full_name,
        unit_id: p.unit_id,
    })
}

#[derive(Serialize, ToSchema)]
pub struct UserDto {
    id: i64,
    username: String,
    full_name: String,
    unit_id: i64,
    unit_name: String,
    disabled: bool,
    /// Personal data: present only on the single-user endpoint, whose every call is audited.
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    phone: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    grants: Vec<GrantDto>,
}

impl UserDto {
    fn summary(u: User) -> Self {
        Self {
            id: u.id,
            username: u.username,
            full_name: u.full_name,
            unit_id: u.unit_id,
            unit_name: u.unit_name,
            disabled: u.disabled,
            email: None,
            phone: None,
            grants: Vec::new(),
        }
    }
}

#[derive(Deserialize, IntoParams)]
pub struct UserQuery {
    q: Option<String>,
    page: Option<i64>,
    per_page: Option<i64>,
}

/// Officials whose unit is in the caller's scope.
#[utoipa::path(get, path = "/api/v1/users", tag = "auth", params(UserQuery),
    responses((status = 200, body = Listed<UserDto>), (status = 403, body = ProblemDocument)))]
async fn list_users(State(state): State<AppState>, caller: ApiUser, Query(q): Query<UserQuery>) -> ApiResult<axum::Json<Listed<UserDto>>> {
    require(&caller.principal.access, Permission::ViewUsers)?;
    let paging = Paging::asked(q.page, q.per_page, 100, 500);
    let found = state.store.users(&caller.principal.access, q.q.as_deref(), paging).await?;
    Ok(axum::Json(Listed::of(found, paging, UserDto::summary)))
}

/// One official with contact data and grants; the view is recorded in the audit log.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "auth",
    responses((status = 200, body = UserDto), (status = 404, body = ProblemDocument)))]
async fn get_user(State(state): State<AppState>, caller: ApiUser, Path(id): Path<i64>) -> ApiResult<axum::Json<UserDto>> {
    require(&caller.principal.access, Permission::ViewUsers)?;
    let (user, grants) = state.store.user_viewed(&caller.actor(&state), &caller.principal.access, id).await?;
    let (email, phone) = (user.email.clone(), user.phone.clone());
    let mut dto = UserDto::summary(user);
    dto.email = email;
    dto.phone = phone;
    dto.grants = grants.iter().filter_map(|g| g.role().map(|r| GrantDto { role: r.code().into(), role_label: r.label().into(), unit_id: g.unit_id })).collect();
    Ok(axum::Json(dto))
}

/// Creates an official in the caller's scope with one initial role on their unit.
#[utoipa::path(post, path = "/api/v1/users", tag = "auth", request_body = UserForm,
    responses((status = 201, body = UserDto), (status = 409, body = ProblemDocument), (status = 422, body = ProblemDocument)))]
async fn create_user(State(state): State<AppState>, caller: ApiUser, ApiJson(form): ApiJson<UserForm>) -> ApiResult<(StatusCode, axum::Json<UserDto>)> {
    let access = &caller.principal.access;
    require(access, Permission::ManageUsers)?;
    let id = match users::create_user(&state, &caller.actor(&state), access, &form).await {
        Ok(id) => id,
        Err(CreateError::Invalid(errors)) => return Err(Failure::fields(errors).into()),
        Err(CreateError::Store(e)) => return Err(e.into()),
        Err(CreateError::Hashing) => return Err(Failure::internal().into()),
    };
    let (user, _) = state.store.user(access, id).await?;
    Ok((StatusCode::CREATED, axum::Json(UserDto::summary(user))))
}
