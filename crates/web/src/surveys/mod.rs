//! Surveys on the web: the public answer pages, and the API to author questionnaires, run
//! surveys, submit answers and read live results. Every answer goes through [`intake`].

pub mod api;
mod export;
pub mod intake;
mod pages;
mod respond;

use axum::Router;
use axum::routing::get;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/s/{code}", get(respond::form).post(respond::submit))
        .route("/s/{code}/cam-on", get(respond::done))
        .route("/t/{token}", get(respond::token_form).post(respond::token_submit))
        .route("/admin/surveys", get(pages::list))
        .route("/admin/surveys/{id}", get(pages::results))
        .route("/admin/surveys/{id}/export.csv", get(export::csv))
        .route("/admin/surveys/{id}/export.xlsx", get(export::xlsx))
}
