//! Webhooks (SPEC §3.6): the administrators subscribe other systems (the one-stop system, the
//! data-sharing platform) to events of their units, on the pages or through the API, see every
//! delivery and what the receiver answered, pause a receiver and send a delivery again. The
//! sending itself is a job.

pub(crate) mod api;
mod pages;

use axum::Router;
use axum::routing::{get, post};
use domain::auth::{Access, Permission};
use domain::webhooks::{self, EventKind};
use storage::Actor;
use storage::webhooks::NewSubscription;

use crate::AppState;
use crate::auth::require;
use crate::auth::tokens::random_bytes;
use crate::error::{Failure, FieldError};
use pages::{create, list, replay, set_active, show};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/tich-hop", get(list).post(create))
        .route("/admin/tich-hop/{id}", get(show))
        .route("/admin/tich-hop/{id}/trang-thai", post(set_active))
        .route("/admin/tich-hop/{id}/gui-lai/{delivery}", post(replay))
}

/// Gathers new events and sends what is due (a job).
pub async fn deliver(state: &AppState) {
    let now = state.clock.now_ms();
    if let Err(e) = notify::webhooks::deliver_webhooks(&state.store, &state.senders.webhooks, &state.config.public_url, now).await {
        tracing::error!(error = %e, "the webhook deliveries could not be read");
    }
}

/// Forgets deliveries older than the log keeps (a job).
pub async fn tidy(state: &AppState) {
    if let Err(e) = state.store.tidy_webhooks(state.clock.now_ms()).await {
        tracing::error!(error = %e, "old webhook deliveries could not be removed");
    }
}

/// A subscription as an administrator typed it or another system sent it.
pub(crate) struct Requested {
    pub name: String,
    pub url: String,
    /// The unit's code: events of it and the units under it are sent.
    pub unit: String,
    /// Event codes (`response.stored`…).
    pub events: Vec<String>,
}

/// Checks a subscription whole, naming every problem, and stores it with a new secret; the
/// secret is returned this once, to be shown to the one who asked.
pub(crate) async fn subscribe(state: &AppState, actor: &Actor, access: &Access, requested: Requested) -> Result<(i64, String), Failure> {
    require(access, Permission::ManageIntegrations)?;
    let name = requested.name.trim().to_string();
    let url = requested.url.trim().to_string();
    let mut errors = Vec::new();
    let mut error = |field: &str, message: String| errors.push(FieldError { field: field.into(), message });
    if name.is_empty() || name.chars().count() > 200 {
        error("name", "Hãy đặt tên cho hệ thống nhận (tối đa 200 ký tự).".into());
    }
    if let Err(message) = webhooks::check_url(&url) {
        error("url", message.into());
    }
    if requested.unit.trim().is_empty() {
        error("unit", "Hãy chọn đơn vị có sự kiện cần báo.".into());
    }
    let mut events = Vec::new();
    for code in &requested.events {
        match EventKind::parse(code) {
            Some(kind) if !events.contains(&kind) => events.push(kind),
            Some(_) => {}
            None => error("event", format!("Không có loại sự kiện «{code}».")),
        }
    }
    if requested.events.is_empty() {
        error("event", "Hãy chọn ít nhất một loại sự kiện.".into());
    }
    if !errors.is_empty() {
        return Err(Failure::fields(errors));
    }
    let unit_id = state.store.public_unit_by_code(requested.unit.trim()).await?.id;
    let key = random_bytes::<32>().to_vec();
    let secret = webhooks::secret_text(&key);
    let id = state.store.create_webhook(actor, access, &NewSubscription { unit_id, name, url, events, key }).await?;
    Ok((id, secret))
}
