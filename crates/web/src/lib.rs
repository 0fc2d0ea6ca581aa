//! The HTTP face of Thước Đo: server-rendered Vietnamese pages for officials and the public, the
//! JSON API under `/api/v1` with its OpenAPI document, and the operational endpoints.
//!
//! Handlers stay thin: they read the request, call the Store (which applies the rules and the
//! caller's unit scope) and render. Areas have the same names as in `domain` and `storage`.

mod alerts;
mod analytics;
mod api;
mod audit;
mod auth;
mod caching;
mod consultation;
mod error;
mod extract;
mod guides;
mod home;
mod interviews;
mod invitations;
mod jobs;
mod kiosks;
mod layout;
mod ops;
mod paper;
mod par;
mod portal;
mod procedures;
mod qa;
mod results;

mod rate_limit;
mod reports;
mod sampling;
mod search;
mod security;
mod sipas;
mod state;
mod surveys;
mod units;
mod uploads;
mod webhooks;

use std::net::SocketAddr;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use tokio::task::JoinHandle;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

pub use api::openapi_json;
pub use auth::password::hash_password;
pub use auth::tokens::new_api_token;
/// The settings of a single sign-on provider, for `thuocdo serve`.
pub use notify::oidc::ProviderConfig as SsoProvider;
pub use security::TrustedProxies;
pub use state::{AppState, Clock, Config, DEFAULT_WIDGET_ORIGINS};

/// Request bodies are small forms and JSON documents; imports get their own, larger limit.
const BODY_LIMIT: usize = 1024 * 1024;

/// The whole application as one router over `state`.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(home::routes())
        .merge(auth::routes())
        .merge(units::routes())
        .merge(audit::routes())
        .merge(surveys::routes())
        .merge(sipas::routes())
        .merge(alerts::routes())
        .merge(analytics::routes())
        .merge(sampling::routes())
        .merge(invitations::routes())
        .merge(kiosks::routes())
        .merge(paper::routes())
        .merge(par::routes())
        .merge(procedures::routes())
        .merge(portal::routes())
        .merge(consultation::routes())
        .merge(qa::routes())
        .merge(results::routes())
        .merge(reports::routes())
        .merge(search::routes())
        .merge(interviews::routes())
        .merge(webhooks::routes())
        .merge(guides::routes())
        .merge(api::routes())
        .merge(ops::routes())
        .fallback(error::not_found)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn(caching::revalidate))
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::session::refusals_in_frame))
        .layer(axum::middleware::from_fn_with_state(state.clone(), security::headers))
        .layer(axum::middleware::from_fn(ops::track))
        .layer(TraceLayer::new_for_http())
        .layer(CatchPanicLayer::custom(error::panic_response))
        .with_state(state)
}

/// Serves until Ctrl-C or SIGTERM, finishing requests in flight.
pub async fn serve(state: AppState, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    serve_until(state, listener, shutdown_signal()).await
}

/// Serves until `stop` completes: the jobs stop at once (another server may take over theirs
/// at once), the requests under way are finished.
pub async fn serve_until(state: AppState, listener: tokio::net::TcpListener, stop: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
    let jobs = jobs::start(&state);
    let (store, instance) = (state.store.clone(), state.instance.clone());
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    let stop = async move {
        stop.await;
        jobs.iter().for_each(JoinHandle::abort);
        if let Err(e) = store.release_leases(&instance).await {
            tracing::error!(error = %e, "the jobs' leases could not be given back");
        }
    };
    axum::serve(listener, app).with_graceful_shutdown(stop).await
}

/// Serves `/metrics` alone on a listener of its own, on an address only the monitoring reaches.
pub async fn serve_metrics(listener: tokio::net::TcpListener) -> std::io::Result<()> {
    axum::serve(listener, ops::metrics_router()).await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
