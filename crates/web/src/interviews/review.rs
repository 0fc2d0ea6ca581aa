//! The supervisor's side: interviews waiting for review (approve, or reject with a reason, which
//! takes the answers out of every figure), and the re-contact check sample (phúc tra).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use domain::auth::Permission;
use domain::surveys::Channel;
use domain::text;
use serde::Deserialize;
use storage::interviews::ReviewRow;

use crate::AppState;
use crate::auth::csrf::CheckedForm;
use crate::auth::require;
use crate::auth::session::CurrentUser;
use crate::auth::tokens;
use crate::error::{Failure, PageResult};
use crate::extract::Path;
use crate::layout::Layout;

pub struct Row {
    pub response_id: i64,
    pub entry_id: i64,
    pub dossier_code: String,
    pub unit_name: String,
    pub interviewer: String,
    pub submitted: String,
    pub review: &'static str,
    pub reason: String,
    pub recheck: bool,
}

impl From<ReviewRow> for Row {
    fn from(r: ReviewRow) -> Self {
        Self {
            response_id: r.response_id,
            entry_id: r.entry_id,
            submitted: text::format_timestamp_ms(r.submitted_at),
            review: match r.review.as_str() {
                "approved" => "Đã duyệt",
                "rejected" => "Đã loại",
                _ => "Chờ duyệt",
            },
            dossier_code: r.dossier_code,
            unit_name: r.unit_name,
            interviewer: r.interviewer,
            reason: r.reason,
            recheck: r.recheck,
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "interviews/interviews_review.html")]
pub struct ReviewPage {
    layout: Layout,
    pending: Vec<Row>,
    recheck: Vec<Row>,
    /// Surveys asked by interview: (id, title).
    surveys: Vec<(i64, String)>,
    notice: Option<String>,
}

async fn page(state: &AppState, user: &CurrentUser, notice: Option<String>) -> PageResult<ReviewPage> {
    let access = &user.principal.access;
    require(access, Permission::ManageSurveys)?;
    let surveys = state
        .store
        .surveys(access)
        .await?
        .into_iter()
        .filter(|s| s.channels.contains(&Channel::Phone) || s.channels.contains(&Channel::FaceToFace))
        .map(|s| (s.id, s.title))
        .collect();
    Ok(ReviewPage {
        layout: Layout::admin(user, "Duyệt phiếu phỏng vấn", "/admin/interviews"),
        pending: state.store.interviews_to_review(access, false).await?.into_iter().map(Row::from).collect(),
        recheck: state.store.interviews_to_review(access, true).await?.into_iter().map(Row::from).collect(),
        surveys,
        notice,
    })
}

pub async fn list(State(state): State<AppState>, user: CurrentUser) -> PageResult<ReviewPage> {
    page(&state, &user, None).await
}

#[derive(Deserialize)]
pub struct ReviewForm {
    decision: String,
    #[serde(default)]
    reason: String,
}

pub async fn review(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(response): Path<i64>,
    CheckedForm(form): CheckedForm<ReviewForm>,
) -> PageResult<Response> {
    require(&user.principal.access, Permission::ManageSurveys)?;
    let approve = match form.decision.as_str() {
        "approve" => true,
        "reject" => false,
        _ => return Err(Failure::invalid("Hãy chọn duyệt hoặc loại phiếu.").into()),
    };
    state.store.review_interview(&user.actor(&state), &user.principal.access, response, approve, &form.reason).await?;
    Ok(Redirect::to("/admin/interviews").into_response())
}

#[derive(Deserialize)]
pub struct RecheckForm {
    survey: i64,
    percent: String,
}

pub async fn recheck(State(state): State<AppState>, user: CurrentUser, CheckedForm(form): CheckedForm<RecheckForm>) -> PageResult<ReviewPage> {
    require(&user.principal.access, Permission::ManageSurveys)?;
    let percent: u8 = form.percent.trim().parse().map_err(|_| Failure::invalid("Tỷ lệ phúc tra phải là số từ 0 đến 100."))?;
    let seed = u64::from_le_bytes(tokens::random_bytes::<8>());
    let drawn = state.store.draw_recheck(&user.actor(&state), &user.principal.access, form.survey, percent, seed).await?;
    page(&state, &user, Some(format!("Đã chọn {drawn} phiếu để phúc tra (hạt giống {seed}, ghi trong nhật ký)."))).await
}
