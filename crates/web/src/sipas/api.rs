//! `/api/v1/sipas` (the dashboards' figures, scoped to the caller) and `/api/v1/publications`
//! (published results: open data, no login).

use axum::extract::State;
use domain::auth::Permission;
use domain::sipas::index::Report;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use domain::calendar::Month;
use domain::sipas::figures::{Overview, Row, Slice};

use super::figures::{self, DashboardQuery};
use super::public::frozen;
use crate::AppState;
use crate::auth::require;
use crate::auth::session::ApiUser;
use crate::error::{ApiResult, ProblemDocument};
use crate::extract::{Path, Query};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(overview)).routes(routes!(unit)).routes(routes!(publications)).routes(routes!(publication))
}

/// The ranked overview of one level: each unit's index with n, valid n, margin of error, rank,
/// change against the previous period and target; the methodology version that produced them.
#[utoipa::path(get, path = "/api/v1/sipas/overview", tag = "sipas", params(DashboardQuery),
    responses((status = 200, body = Object), (status = 422, body = ProblemDocument)))]
async fn overview(State(state): State<AppState>, caller: ApiUser, Query(query): Query<DashboardQuery>) -> ApiResult<axum::Json<Overview>> {
    let access = &caller.principal.access;
    require(access, Permission::ViewResults)?;
    let selection = figures::select(&state, access, &query).await?;
    Ok(axum::Json(state.store.sipas_overview(access, &selection).await?))
}

#[derive(Serialize, ToSchema)]
pub struct UnitFigures {
    unit_id: i64,
    code: String,
    name: String,
    period: String,
    methodology: String,
    methodology_id: i64,
    /// Criterion, element, part and overall figures, with the rules used.
    #[schema(value_type = Object)]
    report: Report,
    previous: Option<f64>,
    target: Option<f64>,
    #[schema(value_type = Vec<Object>)]
    children: Vec<Row>,
    #[schema(value_type = Vec<Object>)]
    trend: Vec<Slice>,
    #[schema(value_type = Vec<Object>)]
    channels: Vec<Slice>,
    /// Kiosk ratings by counter officer.
    #[schema(value_type = Vec<Object>)]
    staff: Vec<Slice>,
}

/// One unit in depth: elements and criteria, the units below it, months, channels, counter officers.
#[utoipa::path(get, path = "/api/v1/sipas/units/{id}", tag = "sipas", params(DashboardQuery),
    responses((status = 200, body = UnitFigures), (status = 404, body = ProblemDocument)))]
async fn unit(State(state): State<AppState>, caller: ApiUser, Path(id): Path<i64>, Query(query): Query<DashboardQuery>) -> ApiResult<axum::Json<UnitFigures>> {
    let access = &caller.principal.access;
    require(access, Permission::ViewResults)?;
    let selection = figures::select(&state, access, &query).await?;
    let d = super::figures::drilldown(&state, access, &selection, id).await?;
    Ok(axum::Json(UnitFigures {
        unit_id: d.unit.id,
        code: d.unit.code,
        name: d.unit.name,
        period: selection.period.label(),
        methodology: selection.methodology_label(),
        methodology_id: selection.methodology.id,
        report: d.report,
        previous: d.previous,
        target: d.target,
        children: d.children,
        trend: d.trend,
        channels: d.channels,
        staff: d.staff,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct PublicationSummary {
    id: i64,
    title: String,
    unit_id: i64,
    unit_name: String,
    /// yyyy-mm
    #[schema(value_type = String)]
    from_month: Month,
    /// yyyy-mm
    #[schema(value_type = String)]
    to_month: Month,
    /// Unix milliseconds.
    published_at: i64,
}

/// Every publication, newest first. Public.
#[utoipa::path(get, path = "/api/v1/publications", tag = "sipas", security(()), responses((status = 200, body = Vec<PublicationSummary>)))]
async fn publications(State(state): State<AppState>) -> ApiResult<axum::Json<Vec<PublicationSummary>>> {
    Ok(axum::Json(
        state
            .store
            .publications()
            .await?
            .into_iter()
            .map(|p| PublicationSummary {
                id: p.id,
                title: p.title,
                unit_id: p.unit_id,
                unit_name: p.unit_name,
                from_month: p.from_month,
                to_month: p.to_month,
                published_at: p.published_at,
            })
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct PublicationFigures {
    #[serde(flatten)]
    summary: PublicationSummary,
    version_id: i64,
    methodology_id: i64,
    /// The figures exactly as published.
    #[schema(value_type = Object)]
    figures: Overview,
}

/// One publication with its frozen figures. Public.
#[utoipa::path(get, path = "/api/v1/publications/{id}", tag = "sipas", security(()),
    responses((status = 200, body = PublicationFigures), (status = 404, body = ProblemDocument)))]
async fn publication(State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<axum::Json<PublicationFigures>> {
    let p = state.store.publication(id).await?;
    Ok(axum::Json(PublicationFigures {
        figures: frozen(&p)?,
        version_id: p.version_id,
        methodology_id: p.methodology_id,
        summary: PublicationSummary {
            id: p.id,
            title: p.title,
            unit_id: p.unit_id,
            unit_name: p.unit_name,
            from_month: p.from_month,
            to_month: p.to_month,
            published_at: p.published_at,
        },
    }))
}
