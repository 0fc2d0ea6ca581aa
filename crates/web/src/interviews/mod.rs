//! Interviewer mode: the reform office assigns a draw's sample to interviewers; each interviewer
//! works in an installable web app (`/interviewer/`) that keeps assignments, forms, call outcomes
//! and answers on the device and sends them when the network allows, each carrying an id chosen
//! on the device so that sending twice stores once; the supervisor reviews what arrives and draws
//! a re-contact check sample.

mod api;
mod app;
mod review;

use axum::Router;
use axum::routing::{get, post};
use utoipa_axum::router::OpenApiRouter;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/interviewer/", get(app::shell))
        .route("/interviewer/sw.js", get(app::service_worker))
        .route("/interviewer/app.webmanifest", get(app::manifest))
        .route("/admin/sampling/draws/{id}/assign", post(app::assign))
        .route("/admin/interviews", get(review::list))
        .route("/admin/interviews/recheck", post(review::recheck))
        .route("/admin/interviews/{id}/review", post(review::review))
}

pub fn api_routes() -> OpenApiRouter<AppState> {
    api::routes()
}
