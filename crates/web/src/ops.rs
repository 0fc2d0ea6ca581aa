//! Operations: liveness, readiness, Prometheus metrics and per-request measurements. The
//! metrics tell the routes and their load, so they are not public: on the main port they need
//! the configured token, or they are served on an address of their own (`metrics_router`).

use std::sync::OnceLock;
use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/healthz", get(healthz)).route("/readyz", get(readyz)).route("/metrics", get(metrics))
}

/// The process-wide Prometheus recorder, installed on first use.
pub fn metrics_handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        // Another recorder may already be installed (several apps in one test process): the
        // handle then renders only what this one saw, which is still a valid exposition.
        let _ = metrics::set_global_recorder(recorder);
        handle
    })
}

/// The process is up.
async fn healthz() -> &'static str {
    "ok"
}

/// The process can serve: the database answers.
async fn readyz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => "ready".into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

/// The metrics on the main port, for a scraper that sends `Authorization: Bearer <token>`;
/// not there at all without a configured token.
async fn metrics(State(state): State<AppState>, headers: axum::http::HeaderMap) -> Response {
    let Some(expected) = &state.config.metrics_token else {
        return crate::error::not_found(axum::http::Uri::from_static("/metrics")).await;
    };
    let given = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer ")).unwrap_or("");
    // Compared as digests, so the time taken tells nothing of how much matched.
    if crate::auth::tokens::digest(given) != crate::auth::tokens::digest(expected) {
        return (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Bearer")], "metrics need the configured token").into_response();
    }
    exposition().await
}

async fn exposition() -> Response {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], metrics_handle().render()).into_response()
}

/// The metrics alone, without a token, for a listener of their own on an address that only
/// the monitoring can reach.
pub fn metrics_router() -> Router {
    Router::new().route("/metrics", get(exposition))
}

/// Counts requests and measures their latency by route pattern (never by raw path, which would
/// make one time series per unit id).
pub async fn track(request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "unmatched".into());
    let method = request.method().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    let labels = [("method", method), ("route", route), ("status", status)];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels).record(started.elapsed().as_secs_f64());
    response
}
