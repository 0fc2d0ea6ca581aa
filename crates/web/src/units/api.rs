//! `/api/v1/units`: the unit register for machine clients (one-stop systems, LGSP).

use axum::extract::State;
use axum::http::StatusCode;
use domain::auth::Permission;
use domain::text;
use domain::units::Unit;
use domain::units::{UnitId, UnitLevel};
use serde::{Deserialize, Serialize};
use storage::Paging;
use storage::units::{LineageEntry, LineageInput, UnitFilter};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::UnitFields;
use crate::AppState;
use crate::api::Listed;
use crate::auth::require;
use crate::auth::session::ApiUser;
use crate::error::{ApiJson, ApiResult, Failure, Problem, ProblemDocument};
use crate::extract::{Path, Query};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_units, create_unit)).routes(routes!(get_unit, update_unit)).routes(routes!(get_lineage, add_lineage))
}

#[derive(Serialize, ToSchema)]
pub struct UnitDto {
    id: i64,
    code: String,
    name: String,
    /// `province`, `department`, `vertical_agency`, `district` or `commune`.
    level: String,
    level_label: String,
    parent_id: Option<i64>,
    parent_code: Option<String>,
    /// ISO date.
    valid_from: String,
    /// ISO date; absent while in force.
    valid_to: Option<String>,
}

impl From<Unit> for UnitDto {
    fn from(u: Unit) -> Self {
        Self {
            id: u.id,
            level: u.level.code().into(),
            level_label: u.level.label().into(),
            parent_id: u.parent_id,
            parent_code: u.parent_code,
            valid_from: text::iso_date(u.validity.from),
            valid_to: u.validity.to.map(text::iso_date),
            code: u.code,
            name: u.name,
        }
    }
}

#[derive(Deserialize, IntoParams)]
pub struct UnitQuery {
    /// Level code.
    level: Option<String>,
    /// Part of the code or name, accents optional.
    q: Option<String>,
    /// Only units in force on this day (yyyy-mm-dd or dd/mm/yyyy).
    on: Option<String>,
    parent_id: Option<i64>,
    page: Option<i64>,
    /// At most 500.
    per_page: Option<i64>,
}

/// Units in the caller's scope.
#[utoipa::path(get, path = "/api/v1/units", tag = "units", params(UnitQuery),
    responses((status = 200, body = Listed<UnitDto>), (status = 401, body = ProblemDocument), (status = 403, body = ProblemDocument)))]
async fn list_units(State(state): State<AppState>, caller: ApiUser, Query(q): Query<UnitQuery>) -> ApiResult<axum::Json<Listed<UnitDto>>> {
    require(&caller.principal.access, Permission::ViewUnits)?;
    let access = &caller.principal.access;
    let level = match q.level.as_deref() {
        Some(l) => Some(UnitLevel::parse(l).map_err(|e| Failure::invalid(e.to_string()))?),
        None => None,
    };
    let valid_on = match q.on.as_deref() {
        Some(d) => Some(text::parse_date(d).ok_or_else(|| Failure::invalid(format!("Ngày «{d}» không hợp lệ.")))?),
        None => None,
    };
    let filter = UnitFilter { level, parent_id: q.parent_id, search: q.q, valid_on };
    let paging = Paging::asked(q.page, q.per_page, 100, 500);
    let found = state.store.units(&access.roots(Permission::ViewUnits), &filter, paging).await?;
    Ok(axum::Json(Listed::of(found, paging, UnitDto::from)))
}

/// Creates a unit under a parent in the caller's scope (a province: system administrators only).
#[utoipa::path(post, path = "/api/v1/units", tag = "units", request_body = UnitFields,
    responses((status = 201, body = UnitDto), (status = 409, body = ProblemDocument), (status = 422, body = ProblemDocument)))]
async fn create_unit(State(state): State<AppState>, caller: ApiUser, ApiJson(fields): ApiJson<UnitFields>) -> ApiResult<(StatusCode, axum::Json<UnitDto>)> {
    require(&caller.principal.access, Permission::ManageUnits)?;
    let input = fields.parse(&state.store).await.map_err(|e| Problem::from(Failure::fields(e)))?;
    let unit = state.store.create_unit(&caller.actor(&state), &caller.principal.access, &input).await?;
    Ok((StatusCode::CREATED, axum::Json(unit.into())))
}

/// One unit in the caller's scope.
#[utoipa::path(get, path = "/api/v1/units/{id}", tag = "units",
    responses((status = 200, body = UnitDto), (status = 404, body = ProblemDocument)))]
async fn get_unit(State(state): State<AppState>, caller: ApiUser, Path(id): Path<UnitId>) -> ApiResult<axum::Json<UnitDto>> {
    require(&caller.principal.access, Permission::ViewUnits)?;
    Ok(axum::Json(state.store.unit(&caller.principal.access, id).await?.into()))
}

/// Replaces a unit's fields.
#[utoipa::path(put, path = "/api/v1/units/{id}", tag = "units", request_body = UnitFields,
    responses((status = 200, body = UnitDto), (status = 404, body = ProblemDocument), (status = 422, body = ProblemDocument)))]
async fn update_unit(
    State(state): State<AppState>,
    caller: ApiUser,
    Path(id): Path<UnitId>,
    ApiJson(fields): ApiJson<UnitFields>,
) -> ApiResult<axum::Json<UnitDto>> {
    require(&caller.principal.access, Permission::ManageUnits)?;
    let input = fields.parse(&state.store).await.map_err(|e| Problem::from(Failure::fields(e)))?;
    let unit = state.store.update_unit(&caller.actor(&state), &caller.principal.access, id, &input).await?;
    Ok(axum::Json(unit.into()))
}

#[derive(Serialize, ToSchema)]
pub struct LineageLinkDto {
    unit_id: i64,
    code: String,
    name: String,
    /// ISO date the reorganisation took effect.
    effective: String,
    share: Option<f64>,
    note: String,
}

impl From<LineageEntry> for LineageLinkDto {
    fn from(e: LineageEntry) -> Self {
        Self { unit_id: e.unit_id, code: e.code, name: e.name, effective: e.effective, share: e.share, note: e.note }
    }
}

#[derive(Serialize, ToSchema)]
pub struct LineageDto {
    predecessors: Vec<LineageLinkDto>,
    successors: Vec<LineageLinkDto>,
}

/// The units a unit was formed from and the units it became.
#[utoipa::path(get, path = "/api/v1/units/{id}/lineage", tag = "units",
    responses((status = 200, body = LineageDto), (status = 404, body = ProblemDocument)))]
async fn get_lineage(State(state): State<AppState>, caller: ApiUser, Path(id): Path<UnitId>) -> ApiResult<axum::Json<LineageDto>> {
    require(&caller.principal.access, Permission::ViewUnits)?;
    Ok(axum::Json(lineage_dto(&state, &caller, id).await?))
}

async fn lineage_dto(state: &AppState, caller: &ApiUser, id: UnitId) -> Result<LineageDto, storage::Error> {
    let (before, after) = state.store.lineage(&caller.principal.access, id).await?;
    Ok(LineageDto { predecessors: before.into_iter().map(Into::into).collect(), successors: after.into_iter().map(Into::into).collect() })
}

#[derive(Deserialize, ToSchema)]
pub struct NewLineage {
    predecessor_code: String,
    /// yyyy-mm-dd or dd/mm/yyyy.
    effective: String,
    /// Share of the predecessor's population, in (0, 1].
    share: Option<f64>,
    #[serde(default)]
    note: String,
}

/// Records that the predecessor became (part of) this unit.
#[utoipa::path(post, path = "/api/v1/units/{id}/lineage", tag = "units", request_body = NewLineage,
    responses((status = 201, body = LineageDto), (status = 422, body = ProblemDocument)))]
async fn add_lineage(
    State(state): State<AppState>,
    caller: ApiUser,
    Path(id): Path<UnitId>,
    ApiJson(body): ApiJson<NewLineage>,
) -> ApiResult<(StatusCode, axum::Json<LineageDto>)> {
    require(&caller.principal.access, Permission::ManageUnits)?;
    let predecessor = state
        .store
        .public_unit_by_code(body.predecessor_code.trim())
        .await
        .map_err(|_| Failure::invalid(format!("Không tìm thấy đơn vị tiền thân có mã «{}».", body.predecessor_code.trim())))?;
    let effective = text::parse_date(&body.effective).ok_or_else(|| Failure::invalid("Ngày sắp xếp không hợp lệ."))?;
    let input = LineageInput { predecessor_id: predecessor.id, successor_id: id, effective, share: body.share, note: text::clean(&body.note) };
    state.store.add_lineage(&caller.actor(&state), &caller.principal.access, &input).await?;
    Ok((StatusCode::CREATED, axum::Json(lineage_dto(&state, &caller, id).await?)))
}
