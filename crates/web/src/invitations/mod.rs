//! Invitations on the web: queueing a draw's invitations, the participation report with the
//! list of who has not answered and the contact rules, the respondent's opt-out page, and the
//! delivery reports of the SMS gateway and Zalo; the same queueing and following through the API.

pub(crate) mod api;
mod hooks;
mod pages;

use axum::Router;
use axum::routing::{get, post};

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/sampling/draws/{id}/invite", post(pages::invite))
        .route("/admin/surveys/{id}/participation", get(pages::participation))
        .route("/admin/surveys/{id}/participation/settings", post(pages::save_settings))
        .route("/t/{token}/tu-choi", get(pages::opt_out_form).post(pages::opt_out))
        .route("/hooks/sms", post(hooks::sms))
        .route("/hooks/zalo", post(hooks::zalo))
}
