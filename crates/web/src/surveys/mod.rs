//! Surveys on the web: the public answer pages, and the API to author questionnaires, run
//! surveys, submit answers and read live results. Every answer goes through [`intake`].

pub mod api;
mod export;
pub mod intake;
mod pages;
mod questionnaires;
pub(crate) mod respond;

use axum::Router;
use axum::routing::{get, post};

use crate::AppState;

/// Starts the next period of the regular surveys whose period has ended (a job, see `jobs`).
pub async fn roll(state: &AppState) {
    let actor = storage::Actor::system("lịch khảo sát", state.clock.now_ms());
    match state.store.roll_regular_surveys(&actor).await {
        Ok(created) if !created.is_empty() => tracing::info!(?created, "next periods of regular surveys started"),
        Ok(_) => {}
        Err(e) => tracing::error!(error = %e, "starting the next periods of regular surveys failed"),
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/s/{code}", get(respond::form).post(respond::submit))
        .route("/s/{code}/cam-on", get(respond::done))
        .route("/s/{code}/tiep-tuc/{secret}", get(respond::resume))
        .route("/t/{token}", get(respond::token_form).post(respond::token_submit))
        .route("/t/{token}/danh-gia/{point}", get(respond::tap))
        .route("/w/{code}", get(respond::widget_form).post(respond::widget_submit))
        .route("/w/{code}/cam-on", get(respond::widget_done))
        .route("/admin/questionnaires", get(questionnaires::list))
        .route("/admin/questionnaires/copy", post(questionnaires::copy))
        .route("/admin/questionnaires/import", post(questionnaires::import))
        .route("/admin/questionnaires/{id}", get(questionnaires::detail))
        .route("/admin/questionnaires/{id}/preview", get(questionnaires::preview))
        .route("/admin/questionnaires/{id}/json", get(questionnaires::json))
        .route("/admin/questionnaires/{id}/publish", post(questionnaires::publish))
        .route("/admin/questionnaires/{id}/questions", post(questionnaires::add_question))
        .route("/admin/questionnaires/{id}/questions/{code}", post(questionnaires::change_question))
        .route("/admin/questionnaires/{id}/questions/{code}/move", post(questionnaires::move_question))
        .route("/admin/questionnaires/{id}/questions/{code}/delete", post(questionnaires::remove_question))
        .route("/admin/surveys", get(pages::list).post(pages::create))
        .route("/admin/surveys/new", get(pages::new_form))
        .route("/admin/surveys/{id}", get(pages::results))
        .route("/admin/surveys/{id}/export.csv", get(export::csv))
        .route("/admin/surveys/{id}/export.xlsx", get(export::xlsx))
        .route("/admin/surveys/{id}/widget", get(pages::widget))
}
