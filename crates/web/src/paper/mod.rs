//! Paper questionnaires on the web: clerks key forms in by serial number; agreeing keyings go
//! into the responses, differing ones wait on a supervisor's reconciliation page.

mod pages;

use axum::Router;
use axum::routing::{get, post};

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/paper", get(pages::list))
        .route("/admin/paper/{survey}", get(pages::form).post(pages::key))
        .route("/admin/paper/{survey}/mode", post(pages::set_mode))
        .route("/admin/paper/{survey}/conflicts/{serial}", get(pages::conflict).post(pages::reconcile))
}
