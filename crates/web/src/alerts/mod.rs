//! Alerts on the web: the step that runs every few seconds (new cases, escalations), the
//! officials' case pages and statistics, each survey's rules, and the API.

pub mod api;
mod pages;

use axum::Router;
use axum::routing::{get, post};

use crate::AppState;

/// One pass: cases for what arrived and escalation of what is overdue (a job, see `jobs`).
pub async fn step(state: &AppState) {
    let now = state.clock.now_ms();
    let base = state.config.public_url.trim_end_matches('/').to_string();
    let link = move |id: i64| format!("{base}/admin/alerts/{id}");
    match state.store.process_alerts(now, &link).await {
        Ok(run) if run.opened + run.escalated > 0 => tracing::info!(opened = run.opened, escalated = run.escalated, "alerts"),
        Ok(_) => {}
        Err(e) => tracing::error!(error = %e, "the alert step failed"),
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
