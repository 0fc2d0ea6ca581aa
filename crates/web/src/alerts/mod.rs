//! Alerts on the web: the step that runs every few seconds (new cases, escalations, e-mails),
//! the officials' case pages and statistics, each survey's rules, and the API.

pub mod api;
mod pages;

use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};

use crate::AppState;

/// One pass: cases for what arrived, escalation of what is overdue, then the outbox and the
/// invitations due.
pub async fn step(state: &AppState) {
    let now = state.clock.now_ms();
    let base = state.config.public_url.trim_end_matches('/').to_string();
    let link = move |id: i64| format!("{base}/admin/alerts/{id}");
    match state.store.process_alerts(now, &link).await {
        Ok(run) if run.opened + run.escalated > 0 => tracing::info!(opened = run.opened, escalated = run.escalated, "alerts"),
        Ok(_) => {}
        Err(e) => tracing::error!(error = %e, "the alert step failed"),
    }
    if let Some(mailer) = &state.senders.mailer
        && let Err(e) = notify::deliver_due(&state.store, mailer, now).await
    {
        tracing::error!(error = %e, "the outbox could not be read");
    }
    if let Err(e) = notify::invitations::deliver_invitations(&state.store, &state.senders, &state.config.public_url, now).await {
        tracing::error!(error = %e, "the invitations could not be read");
    }
}

/// Runs [`step`] for as long as the server runs.
pub async fn keep_watching(state: AppState) {
    let mut ticks = tokio::time::interval(Duration::from_millis(state.config.alert_interval_ms.max(100)));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        step(&state).await;
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/alerts", get(pages::list))
        .route("/admin/alerts/stats", get(pages::stats))
        .route("/admin/alerts/stats.xlsx", get(pages::stats_xlsx))
        .route("/admin/alerts/stats.csv", get(pages::stats_csv))
        .route("/admin/alerts/{id}", get(pages::detail))
        .route("/admin/alerts/{id}/take", post(pages::take))
        .route("/admin/alerts/{id}/note", post(pages::note))
        .route("/admin/alerts/{id}/resolve", post(pages::resolve))
        .route("/admin/surveys/{id}/alerts", get(pages::rules).post(pages::save_rules))
}
