//! Reform plan tracking: the plans a caller takes part in, a plan's tasks with their progress
//! and evidence; the plan's keeper adds tasks, the keeper or the lead unit reports progress.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use domain::auth::Permission;
use domain::par::plan::{Completion, TaskStatus};
use domain::text;
use serde::Deserialize;
use storage::Paging;
use storage::par::{NewTask, TaskUpdate};
use storage::units::UnitFilter;

use crate::AppState;
use crate::auth::csrf::{CheckedForm, CheckedUpload};
use crate::auth::session::CurrentUser;
use crate::error::{Failure, PageResult};
use crate::extract::Path;
use crate::layout::Layout;

pub struct PlanLine {
    pub id: i64,
    pub title: String,
    pub unit: String,
    pub year: i32,
}

#[derive(Template, WebTemplate)]
#[template(path = "par/par_plans.html")]
pub struct ListPage {
    layout: Layout,
    plans: Vec<PlanLine>,
    /// Units the caller may start a plan for: (id, name).
    units: Vec<(i64, String)>,
    year: i32,
}

pub async fn list(State(state): State<AppState>, user: CurrentUser) -> PageResult<ListPage> {
    let access = &user.principal.access;
    super::require_par(access)?;
    let plans = state.store.par_plans(access).await?;
    let mut units = Vec::new();
    for id in access.roots(Permission::ManagePar).into_iter().chain(access.roots(Permission::SelfAssess)) {
        if !units.iter().any(|(u, _)| *u == id) {
            units.push((id, state.store.public_unit(id).await?.name));
        }
    }
    Ok(ListPage {
        layout: Layout::admin(&user, "Kế hoạch cải cách hành chính", "/admin/par"),
        plans: plans.into_iter().map(|p| PlanLine { id: p.id, title: p.title, unit: p.unit_name, year: p.year }).collect(),
        units,
        year: text::vn_datetime(state.clock.now_ms()).year(),
    })
}

#[derive(Deserialize)]
pub struct NewPlanForm {
    unit: i64,
    year: i32,
    title: String,
}

pub async fn create(State(state): State<AppState>, user: CurrentUser, CheckedForm(form): CheckedForm<NewPlanForm>) -> PageResult<Response> {
    let id = state.store.create_par_plan(&user.actor(&state), &user.principal.access, form.unit, form.year, &form.title).await?;
    Ok(Redirect::to(&format!("/admin/par/plans/{id}")).into_response())
}

pub struct TaskLine {
    pub id: i64,
    pub content: String,
    pub lead: String,
    pub partners: String,
    pub product: String,
    pub deadline: String,
    pub status: &'static str,
    pub status_code: &'static str,
    pub done_on: String,
    pub note: String,
    pub overdue: bool,
    pub files: Vec<(i64, String)>,
    pub may_progress: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "par/par_plan.html")]
pub struct PlanPage {
    layout: Layout,
    id: i64,
    title: String,
    unit: String,
    year: i32,
    completion: Completion,
    rate: String,
    tasks: Vec<TaskLine>,
    owner: bool,
    statuses: Vec<(&'static str, &'static str)>,
    /// Units by code, for the lead and coordinating unit fields: (code, name).
    units: Vec<(String, String)>,
    notice: Option<String>,
}

#[derive(Deserialize)]
pub struct Saved {
    saved: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    crate::extract::Query(saved): crate::extract::Query<Saved>,
) -> PageResult<PlanPage> {
    let access = &user.principal.access;
    super::require_par(access)?;
    let plan = state.store.par_plan(access, id).await?;
    let today = text::vn_datetime(state.clock.now_ms()).date();
    let progress: Vec<_> = plan.tasks.iter().filter_map(|t| t.progress()).collect();
    let completion = Completion::of(&progress, today);
    let shown = |iso: &str| text::parse_date(iso).map(text::format_date).unwrap_or_default();
    let tasks = plan
        .tasks
        .iter()
        .map(|t| {
            let status = TaskStatus::parse(&t.status).unwrap_or(TaskStatus::NotStarted);
            TaskLine {
                id: t.id,
                content: t.content.clone(),
                lead: t.lead_name.clone(),
                partners: plan.partners.iter().filter(|(task, _, _)| *task == t.id).map(|(_, _, name)| name.as_str()).collect::<Vec<_>>().join(", "),
                product: t.product.clone(),
                deadline: shown(&t.deadline),
                status: status.label(),
                status_code: status.code(),
                done_on: t.done_on.as_deref().map(shown).unwrap_or_default(),
                note: t.note.clone(),
                overdue: t.progress().is_some_and(|p| p.overdue(today)),
                files: plan.files.iter().filter(|f| f.task_id == t.id).map(|f| (f.id, f.name.clone())).collect(),
                may_progress: plan.may_progress(t.id),
            }
        })
        .collect();
    let units = if plan.owner {
        let roots = state.store.root_units().await?;
        let filter = UnitFilter { valid_on: Some(today), ..UnitFilter::default() };
        state.store.units(&roots, &filter, Paging::ALL).await?.items.into_iter().map(|u| (u.code, u.name)).collect()
    } else {
        Vec::new()
    };
    Ok(PlanPage {
        layout: Layout::admin(&user, plan.plan.title.clone(), "/admin/par"),
        id,
        title: plan.plan.title.clone(),
        unit: plan.plan.unit_name.clone(),
        year: plan.plan.year,
        rate: completion.rate().map(|r| text::format_number(r, 1)).unwrap_or_else(|| "—".into()),
        completion,
        tasks,
        owner: plan.owner,
        statuses: TaskStatus::ALL.iter().map(|s| (s.code(), s.label())).collect(),
        units,
        notice: saved.saved.map(|_| "Đã lưu.".to_string()),
    })
}

#[derive(Deserialize)]
pub struct TaskForm {
    content: String,
    lead: String,
    #[serde(default)]
    partners: String,
    product: String,
    deadline: String,
}

async fn unit_by_code(state: &AppState, code: &str) -> Result<i64, Failure> {
    state.store.public_unit_by_code(code.trim()).await.map(|u| u.id).map_err(|_| Failure::invalid(format!("Không có đơn vị mã «{}».", code.trim())))
}

pub async fn add_task(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>, CheckedForm(form): CheckedForm<TaskForm>) -> PageResult<Response> {
    let lead_unit_id = unit_by_code(&state, &form.lead).await?;
    let mut partner_ids = Vec::new();
    for code in form.partners.split([',', ';']).filter(|c| !c.trim().is_empty()) {
        partner_ids.push(unit_by_code(&state, code).await?);
    }
    let task = NewTask { content: form.content, lead_unit_id, partner_ids, product: form.product, deadline: text::parse_date(&form.deadline) };
    state.store.add_par_task(&user.actor(&state), &user.principal.access, id, &task).await?;
    Ok(Redirect::to(&format!("/admin/par/plans/{id}?saved=1")).into_response())
}

pub async fn progress(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(task): Path<i64>,
    headers: HeaderMap,
    multipart: Multipart,
) -> PageResult<Response> {
    let mut upload = CheckedUpload::read(&state, &headers, multipart).await?;
    let field = |name: &str| upload.fields.get(name).map_or("", |v| v.trim());
    let status = TaskStatus::parse(field("status")).ok_or_else(|| Failure::invalid("Hãy chọn tình trạng nhiệm vụ."))?;
    let done_on = match field("done_on") {
        "" => None,
        typed => Some(text::parse_date(typed).ok_or_else(|| Failure::invalid(format!("Ngày hoàn thành «{typed}» không hợp lệ; nhập theo dạng dd/mm/yyyy.")))?),
    };
    let update = TaskUpdate { status, done_on, note: field("note").to_string(), file: upload.take_file() };
    let plan = state.store.progress_par_task(&user.actor(&state), &user.principal.access, task, &update).await?;
    Ok(Redirect::to(&format!("/admin/par/plans/{plan}?saved=1#task-{task}")).into_response())
}

pub async fn download(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> PageResult<Response> {
    super::require_par(&user.principal.access)?;
    let file = state.store.par_task_file(&user.principal.access, id).await?;
    Ok(super::assessment::attachment(file))
}
