//! `/api/v1/par/rounds` and `/api/v1/par/rounds/{id}/results`: the published PAR INDEX rounds and
//! every unit's scorecard (the address the `par.published` webhook names). Public, as the
//! results are.

use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{ApiResult, ProblemDocument};
use crate::extract::Path;

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
pub(super) async fn rounds(State(state): State<AppState>) -> ApiResult<axum::Json<Vec<PublishedRound>>> {
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
pub(super) async fn results(State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<axum::Json<RoundResults>> {
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
