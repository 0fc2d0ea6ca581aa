//! `/api/v1/sampling/draws/{id}/invitations` queues a draw's invitations on a channel;
//! `/api/v1/surveys/{id}/participation` and `/api/v1/surveys/{id}/invitations` follow them: counts
//! per unit, channel and status, and the invitations not yet answered (never a contact).

use std::collections::BTreeMap;

use axum::extract::State;
use domain::auth::Permission;
use domain::invitations::{InvitationStatus, InviteChannel};
use serde::{Deserialize, Serialize};
use storage::Paging;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::Listed;
use crate::auth::require;
use crate::auth::session::ApiUser;
use crate::error::{ApiJson, ApiResult, Failure, ProblemDocument};
use crate::extract::{Path, Query};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(invite)).routes(routes!(participation)).routes(routes!(pending))
}

#[derive(Deserialize, ToSchema)]
pub struct InviteBody {
    /// `email`, `sms` or `zalo`.
    channel: String,
}

#[derive(Serialize, ToSchema)]
pub struct Invited {
    queued: usize,
    /// Invited before on this channel, or answered already.
    already: usize,
    /// No address for the channel.
    no_contact: usize,
    opted_out: usize,
    /// Asked within the contact window, by any survey.
    recently_asked: usize,
}

/// Queues an invitation for every sampled respondent of the draw reachable on the channel; the
/// sending, the reminders and the contact rules follow the survey's policy. Asking again is
/// harmless: those invited already are counted, not invited twice.
#[utoipa::path(post, path = "/api/v1/sampling/draws/{id}/invitations", tag = "invitations", params(("id" = i64, Path, description = "The draw")),
    request_body = InviteBody, responses((status = 200, body = Invited), (status = 404, body = ProblemDocument), (status = 422, body = ProblemDocument)))]
async fn invite(State(state): State<AppState>, caller: ApiUser, Path(id): Path<i64>, ApiJson(body): ApiJson<InviteBody>) -> ApiResult<axum::Json<Invited>> {
    let access = &caller.principal.access;
    require(access, Permission::ManageSurveys)?;
    let channel = InviteChannel::parse(&body.channel)
        .filter(|c| c.sends())
        .ok_or_else(|| Failure::invalid(format!("Kênh «{}» không gửi được lời mời: dùng email, sms hoặc zalo.", body.channel)))?;
    let report = state.store.invite(&caller.actor(&state), access, id, channel).await?;
    Ok(axum::Json(Invited {
        queued: report.queued,
        already: report.already,
        no_contact: report.no_contact,
        opted_out: report.opted_out,
        recently_asked: report.recently_asked,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct UnitChannelCounts {
    unit_id: i64,
    unit_name: String,
    channel: &'static str,
    /// Invitations by status: `queued`, `sent`, `delivered`, `opened`, `started`, `completed`,
    /// `bounced`, `failed`, `opted_out` (absent means none).
    counts: BTreeMap<&'static str, i64>,
    total: i64,
    /// Answered among those invited, in percent.
    rate: f64,
}

/// A survey's invitations per unit in the caller's scope and channel, counted by status.
#[utoipa::path(get, path = "/api/v1/surveys/{id}/participation", tag = "invitations", params(("id" = i64, Path, description = "The survey")),
    responses((status = 200, body = [UnitChannelCounts]), (status = 404, body = ProblemDocument)))]
async fn participation(State(state): State<AppState>, caller: ApiUser, Path(id): Path<i64>) -> ApiResult<axum::Json<Vec<UnitChannelCounts>>> {
    let access = &caller.principal.access;
    require(access, Permission::ViewResults)?;
    let report = state.store.participation(access, id).await?;
    Ok(axum::Json(
        report
            .into_iter()
            .map(|p| {
                let total = p.total();
                let completed = p.count(InvitationStatus::Completed);
                UnitChannelCounts {
                    rate: if total > 0 { (completed as f64 * 1000.0 / total as f64).round() / 10.0 } else { 0.0 },
                    unit_id: p.unit_id,
                    unit_name: p.unit_name,
                    channel: p.channel.code(),
                    counts: p.counts,
                    total,
                }
            })
            .collect(),
    ))
}

#[derive(Deserialize, IntoParams)]
pub struct PendingQuery {
    /// Only this unit's.
    unit_id: Option<i64>,
    /// From 1.
    page: Option<i64>,
    /// At most 500; 100 unless given.
    per_page: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct PendingInvitation {
    id: i64,
    dossier_code: String,
    unit_name: String,
    channel: String,
    status: String,
    /// Unix milliseconds.
    last_sent_at: Option<i64>,
    reminders: i64,
    /// What the channel last answered when it failed.
    last_error: String,
}

/// A survey's invitations not yet answered, for follow-up: the dossier and where its message
/// stands, never the person's contact.
#[utoipa::path(get, path = "/api/v1/surveys/{id}/invitations", tag = "invitations", params(("id" = i64, Path, description = "The survey"), PendingQuery),
    responses((status = 200, body = Listed<PendingInvitation>), (status = 404, body = ProblemDocument)))]
async fn pending(
    State(state): State<AppState>,
    caller: ApiUser,
    Path(id): Path<i64>,
    Query(q): Query<PendingQuery>,
) -> ApiResult<axum::Json<Listed<PendingInvitation>>> {
    let access = &caller.principal.access;
    require(access, Permission::ViewResults)?;
    let paging = Paging::asked(q.page, q.per_page, 100, 500);
    let found = state.store.pending_invitations(access, id, q.unit_id, paging).await?;
    Ok(axum::Json(Listed::of(found, paging, |p| PendingInvitation {
        id: p.id,
        dossier_code: p.dossier_code,
        unit_name: p.unit_name,
        channel: p.channel,
        status: p.status,
        last_sent_at: p.last_sent_at,
        reminders: p.reminders,
        last_error: p.last_error,
    })))
}
