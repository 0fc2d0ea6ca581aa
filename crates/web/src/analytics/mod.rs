//! Text analytics on the officials' side (SPEC §3.2, action programme 3441 part 2 item 2): the
//! job that reads every new comment and classifies it, and classifies all kept ones again when
//! the model or the taxonomy changes; the dashboard of sentiment and topics per unit, month and
//! counter officer with the comments behind each number; the taxonomy the reform office edits.

use axum::Router;
use axum::routing::{get, post};

use crate::AppState;

mod pages;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/phan-tich-y-kien", get(pages::dashboard))
        .route("/admin/phan-tich-y-kien.xlsx", get(pages::export))
        .route("/admin/phan-tich-y-kien/y-kien", get(pages::comments))
        .route("/admin/phan-tich-y-kien/chu-de", get(pages::topics).post(pages::save_topic))
        .route("/admin/phan-tich-y-kien/chu-de/xoa", post(pages::delete_topic))
}

/// How long a server holds the comment analysis after a pass: another takes it over this long
/// after the holder stops.
const LEASE_MS: i64 = 60_000;

/// One pass of the job, on one server at a time: new comments first, then a reclassification
/// under way. Every server could do it correctly (a comment is kept once), but each would
/// classify the same backlog.
pub async fn process(state: &AppState) {
    match state.store.hold_lease("analytics", &state.instance, state.clock.now_ms(), LEASE_MS).await {
        Ok(true) => {}
        Ok(false) => return,
        Err(e) => return tracing::error!(error = %e, "the comment analysis' lease could not be read"),
    }
    if let Err(e) = state.store.read_new_comments(state.config.sentiment, state.clock.now_ms(), &crate::alerts::case_link(state)).await {
        tracing::error!(error = %e, "reading new comments failed");
    }
    if let Err(e) = state.store.reclassify_comments(state.config.sentiment).await {
        tracing::error!(error = %e, "classifying comments again failed");
    }
}
