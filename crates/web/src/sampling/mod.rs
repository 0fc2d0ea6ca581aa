//! Sampling on the web: the frame register (upload, list, contacts, erasure, retention), draws
//! with their quotas and replacements, and the API the one-stop system calls.

pub mod api;
mod draws;
mod frame;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::AppState;

/// A year's frame of a province as a spreadsheet fits within this.
const UPLOAD_LIMIT: usize = 32 * 1024 * 1024;

/// Erases the contacts whose retention period has passed (a job, see `jobs`).
pub async fn tidy(state: &AppState) {
    let actor = storage::Actor::system("thời hạn lưu giữ", state.clock.now_ms());
    match state.store.apply_frame_retention(&actor).await {
        Ok(0) => {}
        Ok(erased) => tracing::info!(erased, "contacts past their retention period erased"),
        Err(e) => tracing::error!(error = %e, "applying the retention period failed"),
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/sampling", get(frame::overview))
        .route("/admin/sampling/import", post(frame::import).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)))
        .route("/admin/sampling/retention", post(frame::set_retention))
        .route("/admin/sampling/frame", get(frame::entries))
        .route("/admin/sampling/frame/{id}", get(frame::entry))
        .route("/admin/sampling/frame/{id}/contact", post(frame::contact))
        .route("/admin/sampling/frame/{id}/erase", post(frame::erase))
        .route("/admin/sampling/draws", post(draws::create))
        .route("/admin/sampling/draws/{id}", get(draws::show))
        .route("/admin/sampling/draws/{id}/replace", post(draws::replace))
        .route("/admin/sampling/draws/{id}/members.csv", get(draws::members_csv))
}
