//! Alerts on the web: the step that runs every few seconds (new cases, escalations), the
//! officials' case pages and statistics, each survey's rules, and the API.

pub mod api;
mod pages;

use axum::Router;
use axum::routing::{get, post};

use crate::AppState;

/// Steps taken in one pass before the other jobs get their turn.
const STEPS_PER_PASS: usize = 50;

/// A case's address, for e-mails.
pub fn case_link(state: &AppState) -> impl Fn(i64) -> String + Sync + use<> {
    let base = state.config.public_url.trim_end_matches('/').to_string();
    move |id: i64| format!("{base}/admin/alerts/{id}")
}

/// One pass: cases for what arrived and escalation of what is overdue (a job, see `jobs`),
/// step after step while a backlog waits.
pub async fn step(state: &AppState) {
    let link = case_link(state);
    for _ in 0..STEPS_PER_PASS {
        match state.store.process_alerts(state.clock.now_ms(), &link).await {
            Ok(run) => {
                if run.opened + run.grown + run.escalated > 0 {
                    tracing::info!(read = run.read, opened = run.opened, grown = run.grown, escalated = run.escalated, "alerts");
                }
                if run.read < storage::alerts::STEP {
                    return;
                }
            }
            Err(e) => return tracing::error!(error = %e, "the alert step failed"),
        }
    }
}

/// The digests of the cases that are not urgent: one e-mail per official (a job).
pub async fn digest(state: &AppState) {
    match state.store.queue_digests(state.clock.now_ms(), &case_link(state)).await {
        Ok(0) => {}
        Ok(sent) => tracing::info!(officials = sent, "alert digests queued"),
        Err(e) => tracing::error!(error = %e, "the alert digest failed"),
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/alerts", get(pages::list))
        .route("/admin/alerts/stats", get(pages::stats))
        .route("/admin/alerts/stats.xlsx", get(pages::stats_xlsx))
        .route("/admin/alerts/stats.csv", get(pages::stats_csv))
        .route("/admin/alerts/{id}", get(pages::detail))
        .route("/admin/alerts/{id}/take", post(pages::take_case))
        .route("/admin/alerts/{id}/note", post(pages::note))
        .route("/admin/alerts/{id}/resolve", post(pages::resolve))
        .route("/admin/surveys/{id}/alerts", get(pages::rules).post(pages::save_rules))
}
