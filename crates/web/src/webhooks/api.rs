//! `/api/v1/webhooks`: another system subscribes itself to events of its units, reads the
//! delivery log and asks for a delivery again: what the webhook pages do, for administrators'
//! tokens.

use axum::extract::State;
use axum::http::StatusCode;
use domain::auth::Permission;
use serde::{Deserialize, Serialize};
use storage::Paging;
use storage::webhooks::Subscription;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Requested, subscribe};
use crate::AppState;
use crate::api::Listed;
use crate::auth::require;
use crate::auth::session::ApiUser;
use crate::error::{ApiJson, ApiResult, ProblemDocument};
use crate::extract::{Path, Query};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list, create)).routes(routes!(show)).routes(routes!(set_active)).routes(routes!(deliveries)).routes(routes!(replay))
}

#[derive(Serialize, ToSchema)]
pub struct SubscriptionDocument {
    id: i64,
    name: String,
    url: String,
    /// Events of this unit and the units under it are sent.
    unit_id: i64,
    unit_name: String,
    /// Event codes, e.g. `response.stored`, `alert.opened`, `par.published`.
    events: Vec<&'static str>,
    /// A paused subscription is sent nothing; its events wait.
    active: bool,
    /// Unix milliseconds.
    created_at: i64,
    /// Deliveries waiting or being retried.
    pending: i64,
    /// Deliveries given up after every retry.
    failed: i64,
}

impl From<Subscription> for SubscriptionDocument {
    fn from(s: Subscription) -> Self {
        Self {
            id: s.id,
            name: s.name,
            url: s.url,
            unit_id: s.unit_id,
            unit_name: s.unit_name,
            events: s.events.iter().map(|k| k.code()).collect(),
            active: s.active,
            created_at: s.created_at,
            pending: s.pending,
            failed: s.failed,
        }
    }
}

/// The subscriptions of the caller's units.
#[utoipa::path(get, path = "/api/v1/webhooks", tag = "webhooks", responses((status = 200, body = [SubscriptionDocument]), (status = 403, body = ProblemDocument)))]
async fn list(State(state): State<AppState>, caller: ApiUser) -> ApiResult<axum::Json<Vec<SubscriptionDocument>>> {
    let access = &caller.principal.access;
    require(access, Permission::ManageIntegrations)?;
    Ok(axum::Json(state.store.webhooks(access).await?.into_iter().map(Into::into).collect()))
}

#[derive(Deserialize, ToSchema)]
pub struct NewSubscriptionBody {
    /// The receiving system, as people will recognise it.
    name: String,
    /// HTTPS address that receives the events (plain HTTP only to this machine).
    url: String,
    /// Code of the unit whose events (its own and its units') are sent.
    unit_code: String,
    /// Event codes.
    events: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedSubscription {
    #[serde(flatten)]
    subscription: SubscriptionDocument,
    /// The signing secret, given this once: keep it in the receiver.
    secret: String,
}

/// Subscribes a receiver. The answer carries the signing secret, which is never shown again.
#[utoipa::path(post, path = "/api/v1/webhooks", tag = "webhooks", request_body = NewSubscriptionBody,
    responses((status = 201, body = CreatedSubscription), (status = 403, body = ProblemDocument), (status = 404, body = ProblemDocument), (status = 422, body = ProblemDocument)))]
async fn create(
    State(state): State<AppState>,
    caller: ApiUser,
    ApiJson(body): ApiJson<NewSubscriptionBody>,
) -> ApiResult<(StatusCode, axum::Json<CreatedSubscription>)> {
    let access = &caller.principal.access;
    let requested = Requested { name: body.name, url: body.url, unit: body.unit_code, events: body.events };
    let (id, secret) = subscribe(&state, &caller.actor(&state), access, requested).await?;
    let subscription = state.store.webhook(access, id).await?.into();
    Ok((StatusCode::CREATED, axum::Json(CreatedSubscription { subscription, secret })))
}

/// One subscription.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}", tag = "webhooks", params(("id" = i64, Path, description = "The subscription")),
    responses((status = 200, body = SubscriptionDocument), (status = 404, body = ProblemDocument)))]
async fn show(State(state): State<AppState>, caller: ApiUser, Path(id): Path<i64>) -> ApiResult<axum::Json<SubscriptionDocument>> {
    let access = &caller.principal.access;
    require(access, Permission::ManageIntegrations)?;
    Ok(axum::Json(state.store.webhook(access, id).await?.into()))
}

#[derive(Deserialize, ToSchema)]
pub struct ActiveBody {
    active: bool,
}

/// Pauses a subscription (`false`) or resumes it (`true`).
#[utoipa::path(put, path = "/api/v1/webhooks/{id}/active", tag = "webhooks", params(("id" = i64, Path, description = "The subscription")), request_body = ActiveBody,
    responses((status = 204), (status = 404, body = ProblemDocument)))]
async fn set_active(State(state): State<AppState>, caller: ApiUser, Path(id): Path<i64>, ApiJson(body): ApiJson<ActiveBody>) -> ApiResult<StatusCode> {
    let access = &caller.principal.access;
    require(access, Permission::ManageIntegrations)?;
    state.store.set_webhook_active(&caller.actor(&state), access, id, body.active).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams)]
pub struct DeliveryQuery {
    /// From 1.
    page: Option<i64>,
    /// At most 200; 50 unless given.
    per_page: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct TryDocument {
    /// Unix milliseconds.
    at: i64,
    /// The receiver's HTTP status, when it answered.
    status: Option<i64>,
    /// What went wrong, when something did.
    error: Option<String>,
    duration_ms: i64,
}

#[derive(Serialize, ToSchema)]
pub struct DeliveryDocument {
    id: i64,
    /// The receiver saw `webhook-id: evt_{event_id}`, the same for every try and replay.
    event_id: i64,
    event: String,
    object_type: String,
    object_id: String,
    /// Unix milliseconds.
    at: i64,
    /// `pending`, `delivered` or `failed`.
    state: String,
    attempts: i64,
    /// When the next try is due (unix milliseconds), while pending.
    next_at: i64,
    delivered_at: Option<i64>,
    tries: Vec<TryDocument>,
}

/// A subscription's deliveries, each with every try and what the receiver answered.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries", tag = "webhooks", params(("id" = i64, Path, description = "The subscription"), DeliveryQuery),
    responses((status = 200, body = Listed<DeliveryDocument>), (status = 404, body = ProblemDocument)))]
async fn deliveries(
    State(state): State<AppState>,
    caller: ApiUser,
    Path(id): Path<i64>,
    Query(q): Query<DeliveryQuery>,
) -> ApiResult<axum::Json<Listed<DeliveryDocument>>> {
    let access = &caller.principal.access;
    require(access, Permission::ManageIntegrations)?;
    let paging = Paging::asked(q.page, q.per_page, 50, 200);
    let (found, attempts) = state.store.webhook_deliveries(access, id, paging).await?;
    Ok(axum::Json(Listed::of(found, paging, |d| DeliveryDocument {
        tries: attempts
            .iter()
            .filter(|a| a.delivery_id == d.id)
            .map(|a| TryDocument { at: a.at, status: a.status, error: a.error.clone(), duration_ms: a.duration_ms })
            .collect(),
        id: d.id,
        event_id: d.event_id,
        event: d.kind,
        object_type: d.object_type,
        object_id: d.object_id,
        at: d.at,
        state: d.state,
        attempts: d.attempts,
        next_at: d.next_at,
        delivered_at: d.delivered_at,
    })))
}

/// Sends a delivery again now, under its own id (a receiver that already has it sees a repeat).
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/deliveries/{delivery}/replay", tag = "webhooks",
    params(("id" = i64, Path, description = "The subscription"), ("delivery" = i64, Path, description = "The delivery")),
    responses((status = 202), (status = 404, body = ProblemDocument)))]
async fn replay(State(state): State<AppState>, caller: ApiUser, Path((id, delivery)): Path<(i64, i64)>) -> ApiResult<StatusCode> {
    let access = &caller.principal.access;
    require(access, Permission::ManageIntegrations)?;
    state.store.replay_delivery(&caller.actor(&state), access, id, delivery).await?;
    Ok(StatusCode::ACCEPTED)
}
