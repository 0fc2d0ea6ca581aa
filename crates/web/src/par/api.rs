//! `/api/v1/par/rounds` and `/api/v1/par/rounds/{id}/results`: the published PAR INDEX rounds and
//! every unit's scorecard (the address the `par.published` webhook names);
//! `/api/v1/par/rosters/{survey}`: the participation of a PAR INDEX survey of officials per
//! agency (what ministries compile by hand), and an agency's list sent from another system.

use axum::extract::State;
use axum::http::StatusCode;
use domain::par::roster::{Participation, RawMember};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::session::ApiUser;
use crate::error::{ApiJson, ApiResult, ProblemDocument};
use crate::extract::Path;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(rounds)).routes(routes!(results)).routes(routes!(participation)).routes(routes!(add_members))
}

/// A round whose results are published.
#[derive(Serialize, ToSchema)]
pub struct PublishedRound {
    id: i64,
    title: String,
    year: i32,
    /// The level of the units assessed (`province_department`, `commune`…).
    level: String,
    /// Unix milliseconds.
    published_at: i64,
}

/// The published rounds, the newest year first. Public, as the results are.
#[utoipa::path(get, path = "/api/v1/par/rounds", tag = "par", security(()), responses((status = 200, body = [PublishedRound])))]
async fn rounds(State(state): State<AppState>) -> ApiResult<axum::Json<Vec<PublishedRound>>> {
    let rounds = state.store.published_par_rounds().await?;
    Ok(axum::Json(
        rounds.into_iter().map(|r| PublishedRound { id: r.id, title: r.title, year: r.year, level: r.level, published_at: r.published_at }).collect(),
    ))
}

/// A field's points in a unit's scorecard.
#[derive(Serialize, ToSchema)]
pub struct FieldPoints {
    code: String,
    name: String,
    points: f64,
    max: f64,
}

/// A unit's scorecard in a round.
#[derive(Serialize, ToSchema)]
pub struct UnitScore {
    unit_id: i64,
    unit_code: String,
    unit_name: String,
    /// Within the round (the units of one level), 1 the best.
    rank: u32,
    /// Points ÷ maximum × 100, two decimals.
    index: f64,
    /// `Tốt`, `Khá`, `Trung bình`, `Yếu`.
    class: &'static str,
    /// Items + bonus − penalty.
    total: f64,
    max: f64,
    bonus: f64,
    penalty: f64,
    fields: Vec<FieldPoints>,
    /// Last year's index; for a unit formed since, carried from the units it came from.
    previous_index: Option<f64>,
    previous_carried_from: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RoundResults {
    id: i64,
    title: String,
    /// Unix milliseconds.
    published_at: Option<i64>,
    /// The round of the year before, same level, the previous indices come from.
    previous_round_id: Option<i64>,
    /// Best first.
    units: Vec<UnitScore>,
}

/// A published round's results: every unit's scorecard and rank. A round not published is not
/// found (404). Public, as the results are.
#[utoipa::path(get, path = "/api/v1/par/rounds/{id}/results", tag = "par", security(()), params(("id" = i64, Path, description = "The round")),
    responses((status = 200, body = RoundResults), (status = 404, body = ProblemDocument)))]
async fn results(State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<axum::Json<RoundResults>> {
    let found = state.store.published_par_results(id).await?;
    let units = found
        .units
        .into_iter()
        .map(|u| {
            let card = u.scorecard;
            UnitScore {
                unit_id: u.unit_id,
                unit_code: u.unit_code,
                unit_name: u.unit_name,
                rank: u.rank,
                index: card.index.percent(),
                class: card.class.label(),
                total: card.total.as_f64(),
                max: card.max.as_f64(),
                bonus: card.bonus.as_f64(),
                penalty: card.penalty.as_f64(),
                fields: card.fields.into_iter().map(|f| FieldPoints { code: f.code, name: f.name, points: f.points.as_f64(), max: f.max.as_f64() }).collect(),
                previous_index: u.previous.as_ref().map(|p| p.index.percent()),
                previous_carried_from: u.previous.map(|p| p.carried_from).unwrap_or_default(),
            }
        })
        .collect();
    Ok(axum::Json(RoundResults {
        id: found.round.id,
        title: found.round.title,
        published_at: found.round.published_at,
        previous_round_id: found.previous_round.map(|(id, _)| id),
        units,
    }))
}

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
async fn participation(State(state): State<AppState>, caller: ApiUser, Path(survey_id): Path<i64>) -> ApiResult<axum::Json<RosterParticipation>> {
    let access = &caller.principal.access;
    super::require_par(access)?;
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
async fn add_members(
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
