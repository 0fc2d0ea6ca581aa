//! `/api/v1/par/rosters/{survey}`: the participation of a PAR INDEX survey of officials per
//! agency (what ministries compile by hand), and an agency's list sent from another system.

use axum::extract::State;
use axum::http::StatusCode;
use domain::par::roster::{Participation, RawMember};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::session::ApiUser;
use crate::error::{ApiJson, ApiResult, ProblemDocument};
use crate::extract::Path;

/// People, not messages.
#[derive(Serialize, ToSchema)]
pub struct Counts {
    chosen: u64,
    invited: u64,
    /// An invitation went out and was not refused.
    reached: u64,
    answered: u64,
    /// Answered among the chosen, in percent; null when no one was chosen.
    rate: Option<f64>,
    /// People with an invitation refused or given up.
    bounced: u64,
    /// Of those, reached by another channel after all.
    rescued: u64,
    answered_by_email: u64,
    answered_by_sms: u64,
    answered_by_zalo: u64,
}

impl From<&Participation> for Counts {
    fn from(p: &Participation) -> Self {
        let [answered_by_email, answered_by_sms, answered_by_zalo] = p.answered_by;
        Self {
            chosen: p.chosen,
            invited: p.invited,
            reached: p.reached,
            answered: p.answered,
            rate: p.rate().map(|r| (r * 10.0).round() / 10.0),
            bounced: p.bounced,
            rescued: p.rescued,
            answered_by_email,
            answered_by_sms,
            answered_by_zalo,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AgencyCounts {
    unit_id: i64,
    unit_name: String,
    #[serde(flatten)]
    counts: Counts,
}

#[derive(Serialize, ToSchema)]
pub struct RosterParticipation {
    survey_id: i64,
    title: String,
    /// When the agencies' lists lock (unix milliseconds).
    roster_closes_at: i64,
    agencies: Vec<AgencyCounts>,
    total: Counts,
}

/// Participation per agency in the caller's scope and the total. Never an answer, never a name.
#[utoipa::path(get, path = "/api/v1/par/rosters/{survey_id}", tag = "par",
    responses((status = 200, body = RosterParticipation), (status = 404, body = ProblemDocument)))]
pub(super) async fn participation(State(state): State<AppState>, caller: ApiUser, Path(survey_id): Path<i64>) -> ApiResult<axum::Json<RosterParticipation>> {
    let access = &caller.principal.access;
    super::super::require_par(access)?;
    let roster = state.store.roster(access, survey_id).await?;
    let participation = state.store.roster_participation(access, survey_id).await?;
    Ok(axum::Json(RosterParticipation {
        survey_id,
        title: roster.survey_title,
        roster_closes_at: roster.closes_at,
        agencies: participation
            .rows
            .iter()
            .map(|(unit_id, unit_name, p)| AgencyCounts { unit_id: *unit_id, unit_name: unit_name.clone(), counts: p.into() })
            .collect(),
        total: (&participation.total).into(),
    }))
}

/// An agency's chosen officials.
#[derive(Deserialize, ToSchema)]
pub struct NewMembers {
    unit_id: i64,
    /// Each with `name`, `position`, `workplace`, `email`, `phone` (one contact at least).
    #[schema(value_type = Vec<Object>)]
    members: Vec<RawMember>,
}

#[derive(Serialize, ToSchema)]
pub struct Added {
    added: usize,
}

/// Adds people to an agency's list before the deadline: all of them, or none and a 422 naming
/// each item's problems (items counted from 1).
#[utoipa::path(post, path = "/api/v1/par/rosters/{survey_id}/members", tag = "par", request_body = NewMembers,
    responses((status = 201, body = Added), (status = 403, body = ProblemDocument), (status = 422, body = ProblemDocument)))]
pub(super) async fn add_members(
    State(state): State<AppState>,
    caller: ApiUser,
    Path(survey_id): Path<i64>,
    ApiJson(body): ApiJson<NewMembers>,
) -> ApiResult<(StatusCode, axum::Json<Added>)> {
    if body.members.len() > domain::par::roster::MAX_ROWS {
        return Err(crate::error::Failure::invalid(format!("Mỗi lần gửi tối đa {} người.", domain::par::roster::MAX_ROWS)).into());
    }
    let rows: Vec<(usize, RawMember)> = body.members.into_iter().enumerate().map(|(i, m)| (i + 1, m)).collect();
    let added = state.store.add_roster_members(&caller.actor(&state), &caller.principal.access, survey_id, body.unit_id, &rows).await?;
    Ok((StatusCode::CREATED, axum::Json(Added { added })))
}
