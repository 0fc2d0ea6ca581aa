//! The interviewer app's shell, its service worker and manifest, and the assignment form on a
//! draw's page.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use domain::auth::Permission;
use domain::interviews::InterviewMode;
use serde::Deserialize;

use crate::AppState;
use crate::auth::csrf::CheckedForm;
use crate::auth::require;
use crate::auth::session::CurrentUser;
use crate::error::{Failure, PageResult};
use crate::extract::Path;
use crate::layout::Layout;

/// Caches the shell so that the app opens without a network.
const SERVICE_WORKER: &str = include_str!("../../static/interviewer-sw.js");

#[derive(Template, WebTemplate)]
#[template(path = "interviews/interviewer.html")]
pub struct Shell {
    layout: Layout,
}

pub async fn shell(user: CurrentUser) -> PageResult<Shell> {
    require(&user.principal.access, Permission::ConductInterviews)?;
    Ok(Shell { layout: Layout::admin(&user, "Phỏng vấn", "/interviewer/") })
}

pub async fn service_worker() -> Response {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "no-cache")], SERVICE_WORKER).into_response()
}

pub async fn manifest() -> Response {
    let manifest = serde_json::json!({
        "name": "Thước Đo — Phỏng vấn",
        "short_name": "Phỏng vấn",
        "lang": "vi",
        "start_url": "/interviewer/",
        "scope": "/interviewer/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#a11d21",
        "icons": [{ "src": "/static/icon.svg", "sizes": "any", "type": "image/svg+xml" }],
    });
    ([(header::CONTENT_TYPE, "application/manifest+json")], manifest.to_string()).into_response()
}

#[derive(Deserialize)]
pub struct AssignForm {
    interviewer: i64,
    mode: String,
    #[serde(default)]
    unit: String,
}

pub async fn assign(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(draw): Path<i64>,
    CheckedForm(form): CheckedForm<AssignForm>,
) -> PageResult<Response> {
    let access = &user.principal.access;
    require(access, Permission::ManageSurveys)?;
    let mode = InterviewMode::parse(&form.mode).ok_or_else(|| Failure::invalid("Hãy chọn phỏng vấn qua điện thoại hoặc trực tiếp."))?;
    let unit = form.unit.trim().parse().ok();
    state.store.assign_interviews(&user.actor(&state), access, draw, form.interviewer, mode, unit).await?;
    Ok(Redirect::to(&format!("/admin/sampling/draws/{draw}")).into_response())
}
