//! `/api/v1/par/plans`: the reform plans the caller takes part in, each with its tasks, their
//! lead and coordinating units, progress and files.

use axum::extract::State;
use axum::response::Response;
use domain::par::plan::TaskStatus;
use serde::Serialize;
use storage::par::PlanRow;
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::session::ApiUser;
use crate::error::{ApiResult, ProblemDocument};
use crate::extract::Path;
use crate::par::require_par;

#[derive(Serialize, ToSchema)]
pub struct PlanSummary {
    id: i64,
    unit_id: i64,
    unit_name: String,
    year: i32,
    title: String,
    /// The province's own plan.
    province: bool,
}

impl From<PlanRow> for PlanSummary {
    fn from(p: PlanRow) -> Self {
        Self { id: p.id, unit_id: p.unit_id, unit_name: p.unit_name, year: p.year, title: p.title, province: p.province }
    }
}

/// The caller's units' plans, and the province's where one of their units leads or coordinates
/// a task; the newest year first.
#[utoipa::path(get, path = "/api/v1/par/plans", tag = "par", responses((status = 200, body = [PlanSummary]), (status = 403, body = ProblemDocument)))]
pub(super) async fn plans(State(state): State<AppState>, caller: ApiUser) -> ApiResult<axum::Json<Vec<PlanSummary>>> {
    let access = &caller.principal.access;
    require_par(access)?;
    Ok(axum::Json(state.store.par_plans(access).await?.into_iter().map(Into::into).collect()))
}

#[derive(Serialize, ToSchema)]
pub struct UnitRef {
    id: i64,
    name: String,
}

#[derive(Serialize, ToSchema)]
pub struct TaskFileSummary {
    /// Read at `/api/v1/par/task-files/{id}`.
    id: i64,
    name: String,
    size: i64,
}

#[derive(Serialize, ToSchema)]
pub struct TaskDocument {
    id: i64,
    content: String,
    lead: UnitRef,
    partners: Vec<UnitRef>,
    /// What the task delivers.
    product: String,
    /// `yyyy-mm-dd`.
    deadline: String,
    /// `not_started`, `in_progress` or `done`.
    status: String,
    status_label: &'static str,
    /// `yyyy-mm-dd`, when done.
    done_on: Option<String>,
    note: String,
    files: Vec<TaskFileSummary>,
}

#[derive(Serialize, ToSchema)]
pub struct PlanDocument {
    #[serde(flatten)]
    summary: PlanSummary,
    /// By deadline. Those who take part through some tasks alone see those tasks.
    tasks: Vec<TaskDocument>,
}

/// A plan with the tasks the caller sees. Not found for those who take no part in it.
#[utoipa::path(get, path = "/api/v1/par/plans/{id}", tag = "par", params(("id" = i64, Path, description = "The plan")),
    responses((status = 200, body = PlanDocument), (status = 403, body = ProblemDocument), (status = 404, body = ProblemDocument)))]
pub(super) async fn plan(State(state): State<AppState>, caller: ApiUser, Path(id): Path<i64>) -> ApiResult<axum::Json<PlanDocument>> {
    let access = &caller.principal.access;
    require_par(access)?;
    let plan = state.store.par_plan(access, id).await?;
    let tasks = plan
        .tasks
        .into_iter()
        .map(|t| TaskDocument {
            partners: plan.partners.iter().filter(|p| p.0 == t.id).map(|(_, id, name)| UnitRef { id: *id, name: name.clone() }).collect(),
            files: plan.files.iter().filter(|f| f.task_id == t.id).map(|f| TaskFileSummary { id: f.id, name: f.name.clone(), size: f.size }).collect(),
            status_label: TaskStatus::parse(&t.status).map_or("", TaskStatus::label),
            id: t.id,
            content: t.content,
            lead: UnitRef { id: t.lead_unit_id, name: t.lead_name },
            product: t.product,
            deadline: t.deadline,
            status: t.status,
            done_on: t.done_on,
            note: t.note,
        })
        .collect();
    Ok(axum::Json(PlanDocument { summary: plan.plan.into(), tasks }))
}

/// A file showing a task's progress, for those who see the task.
#[utoipa::path(get, path = "/api/v1/par/task-files/{id}", tag = "par", params(("id" = i64, Path, description = "The file")),
    responses((status = 200, description = "The file", content_type = "application/octet-stream"), (status = 404, body = ProblemDocument)))]
pub(super) async fn task_file(State(state): State<AppState>, caller: ApiUser, Path(id): Path<i64>) -> ApiResult<Response> {
    let access = &caller.principal.access;
    require_par(access)?;
    Ok(crate::par::assessment::attachment(state.store.par_task_file(access, id).await?))
}
