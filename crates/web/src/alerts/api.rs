//! `/api/v1/alerts`: the cases the caller handles, one case with its notes, taking it, a note,
//! its resolution, and the statistics per unit.

use axum::extract::State;
use domain::alerts::{AlertKind, CaseStatus};
use domain::auth::Permission;
use serde::{Deserialize, Serialize};
use storage::alerts::{CaseFilter, CaseRow};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::Listed;
use crate::auth::require;
use crate::auth::session::ApiUser;
use crate::error::{ApiJson, ApiResult, Failure, ProblemDocument};
use crate::extract::{Path, Query};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(statistics))
        .routes(routes!(detail))
        .routes(routes!(take))
        .routes(routes!(add_note))
        .routes(routes!(resolve))
}

#[derive(Serialize, ToSchema)]
pub struct Case {
    id: i64,
    kind: String,
    detail: String,
    survey_id: i64,
    origin_unit_id: i64,
    unit_id: i64,
    /// The first answer that set the case off.
    response_id: Option<i64>,
    /// How many answers the case holds (all of the same cause that day).
    responses: i64,
    status: String,
    /// Unix milliseconds.
    opened_at: i64,
    deadline_at: i64,
    escalations: i64,
    assignee: Option<String>,
    resolution: Option<String>,
    resolved_at: Option<i64>,
}

impl From<CaseRow> for Case {
    fn from(c: CaseRow) -> Self {
        Self {
            id: c.id,
            kind: c.kind,
            detail: c.detail,
            survey_id: c.survey_id,
            origin_unit_id: c.origin_unit_id,
            unit_id: c.unit_id,
            response_id: c.response_id,
            responses: c.responses,
            status: c.status,
            opened_at: c.opened_at,
            deadline_at: c.deadline_at,
            escalations: c.escalations,
            assignee: c.assignee_name,
            resolution: c.resolution,
            resolved_at: c.resolved_at,
        }
    }
}

#[derive(Deserialize, IntoParams)]
pub struct ListQuery {
    /// `open` or `resolved`.
    status: Option<String>,
    /// `very_dissatisfied`, `problem`, `below_threshold`, `burst`.
    kind: Option<String>,
    page: Option<i64>,
    per_page: Option<i64>,
}

/// Cases arisen in, or handled by, the caller's units.
#[utoipa::path(get, path = "/api/v1/alerts", tag = "alerts", params(ListQuery), responses((status = 200, body = Listed<Case>)))]
async fn list(State(state): State<AppState>, caller: ApiUser, Query(q): Query<ListQuery>) -> ApiResult<axum::Json<Listed<Case>>> {
    require(&caller.principal.access, Permission::ViewAlerts)?;
    let filter = CaseFilter {
        status: q.status.as_deref().map(|s| CaseStatus::parse(s).ok_or_else(|| Failure::invalid(format!("Trạng thái «{s}» không hợp lệ.")))).transpose()?,
        kind: q.kind.as_deref().map(|k| AlertKind::parse(k).ok_or_else(|| Failure::invalid(format!("Loại «{k}» không hợp lệ.")))).transpose()?,
        overdue_at: None,
    };
    let paging = storage::Paging::asked(q.page, q.per_page, 50, 500);
    let found = state.store.alert_cases(&caller.principal.access, &filter, paging).await?;
    Ok(axum::Json(Listed::of(found, paging, Case::from)))
}

#[derive(Serialize, ToSchema)]
pub struct CaseDetail {
    #[serde(flatten)]
    case: Case,
    /// (unix ms, author, text), oldest first.
    notes: Vec<(i64, Option<String>, String)>,
}

#[utoipa::path(get, path = "/api/v1/alerts/{id}", tag = "alerts", responses((status = 200, body = CaseDetail), (status = 404, body = ProblemDocument)))]
async fn detail(State(state): State<AppState>, caller: ApiUser, Path(id): Path<i64>) -> ApiResult<axum::Json<CaseDetail>> {
    require(&caller.principal.access, Permission::ViewAlerts)?;
    let (case, notes) = state.store.alert_case(&caller.principal.access, id).await?;
    Ok(axum::Json(CaseDetail { case: case.into(), notes: notes.into_iter().map(|n| (n.at, n.author, n.body)).collect() }))
}

#[derive(Deserialize, ToSchema)]
pub struct Resolution {
    /// What was done (at least 10 characters).
    resolution: String,
}

/// Closes a case with what was done.
#[utoipa::path(post, path = "/api/v1/alerts/{id}/resolve", tag = "alerts", request_body = Resolution,
    responses((status = 200, body = CaseDetail), (status = 409, body = ProblemDocument), (status = 422, body = ProblemDocument)))]
async fn resolve(State(state): State<AppState>, caller: ApiUser, Path(id): Path<i64>, ApiJson(body): ApiJson<Resolution>) -> ApiResult<axum::Json<CaseDetail>> {
    require(&caller.principal.access, Permission::HandleAlerts)?;
    state.store.resolve_case(&caller.actor(&state), &caller.principal.access, id, &body.resolution).await?;
    detail(State(state), caller, Path(id)).await
}

/// Takes a case: the caller becomes the one handling it.
#[utoipa::path(post, path = "/api/v1/alerts/{id}/take", tag = "alerts",
    responses((status = 200, body = CaseDetail), (status = 404, body = ProblemDocument), (status = 409, body = ProblemDocument)))]
async fn take(State(state): State<AppState>, caller: ApiUser, Path(id): Path<i64>) -> ApiResult<axum::Json<CaseDetail>> {
    require(&caller.principal.access, Permission::HandleAlerts)?;
    state.store.take_case(&caller.actor(&state), &caller.principal.access, id).await?;
    detail(State(state), caller, Path(id)).await
}

#[derive(Deserialize, ToSchema)]
pub struct NewNote {
    text: String,
}

/// Adds a note to a case (what was learnt, who was called).
#[utoipa::path(post, path = "/api/v1/alerts/{id}/notes", tag = "alerts", request_body = NewNote,
    responses((status = 200, body = CaseDetail), (status = 404, body = ProblemDocument), (status = 422, body = ProblemDocument)))]
async fn add_note(State(state): State<AppState>, caller: ApiUser, Path(id): Path<i64>, ApiJson(body): ApiJson<NewNote>) -> ApiResult<axum::Json<CaseDetail>> {
    require(&caller.principal.access, Permission::HandleAlerts)?;
    state.store.note_case(&caller.actor(&state), &caller.principal.access, id, &body.text).await?;
    detail(State(state), caller, Path(id)).await
}

#[derive(Serialize, ToSchema)]
pub struct UnitAlertStatistics {
    unit_id: i64,
    unit_name: String,
    total: i64,
    open: i64,
    /// Open past their deadline.
    overdue: i64,
    resolved: i64,
    escalated: i64,
    /// Mean time from opening to resolution, in hours.
    mean_resolution_hours: Option<f64>,
}

/// Cases per unit in the caller's scope: open, overdue, resolved, escalated, and how long they
/// take to resolve.
#[utoipa::path(get, path = "/api/v1/alerts/statistics", tag = "alerts", responses((status = 200, body = [UnitAlertStatistics]), (status = 403, body = ProblemDocument)))]
async fn statistics(State(state): State<AppState>, caller: ApiUser) -> ApiResult<axum::Json<Vec<UnitAlertStatistics>>> {
    require(&caller.principal.access, Permission::ViewAlerts)?;
    let rows = state.store.alert_stats(&caller.principal.access, state.clock.now_ms()).await?;
    Ok(axum::Json(
        rows.into_iter()
            .map(|s| UnitAlertStatistics {
                unit_id: s.unit_id,
                unit_name: s.unit_name,
                total: s.total,
                open: s.open,
                overdue: s.overdue,
                resolved: s.resolved,
                escalated: s.escalated,
                mean_resolution_hours: s.mean_resolution_ms.map(|ms| (ms / 36_000.0).round() / 100.0),
            })
            .collect(),
    ))
}
