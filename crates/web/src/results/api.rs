//! `/api/v1/open`: the results database as open data, without login, at stable addresses: the
//! indices with their methodology versions, and the results as JSON pages or one CSV.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use domain::results::{Definition, IndexCode, IndexResult, Scope, catalog};
use serde::{Deserialize, Serialize};
use sheets::CsvDialect;
use storage::Paging;
use storage::results::ResultQuery;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::results_sheet;
use crate::AppState;
use crate::error::{ApiResult, Failure, ProblemDocument};
use crate::extract::Query;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(indices)).routes(routes!(results)).routes(routes!(results_csv))
}

#[derive(Serialize, ToSchema)]
pub struct IndexDocument {
    /// Stable code used in addresses: par-index, sipas, papi, pci, ict-index, dti, 766.
    code: &'static str,
    short: &'static str,
    name: &'static str,
    publisher: &'static str,
    /// Methodology versions, oldest first: years in force, scale, components.
    #[schema(value_type = Vec<Object>)]
    versions: Vec<&'static Definition>,
}

/// Every index held, with each methodology version's years, scale and components. Public.
#[utoipa::path(get, path = "/api/v1/open/indices", tag = "open-data", security(()), responses((status = 200, body = Vec<IndexDocument>)))]
async fn indices() -> axum::Json<Vec<IndexDocument>> {
    axum::Json(
        IndexCode::ALL
            .into_iter()
            .map(|index| IndexDocument {
                code: index.code(),
                short: index.short(),
                name: index.name(),
                publisher: index.publisher(),
                versions: catalog().iter().filter(|d| d.index == index).collect(),
            })
            .collect(),
    )
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct ResultsQuery {
    /// Index code (see /api/v1/open/indices); required for CSV.
    index: Option<String>,
    /// Edition year.
    year: Option<i32>,
    /// `national` (the province among provinces, and the national average) or `provincial`
    /// (units within the province).
    scope: Option<String>,
    /// A unit's code: its results and those of the units it was formed from.
    unit: Option<String>,
    /// Page, from 1 (JSON only).
    page: Option<i64>,
    /// Results per page, at most 500 (JSON only).
    per_page: Option<i64>,
}

impl ResultsQuery {
    async fn to_query(&self, state: &AppState) -> Result<ResultQuery, Failure> {
        let index = match &self.index {
            None => None,
            Some(code) => Some(IndexCode::parse(code).ok_or_else(|| Failure::invalid(format!("Không có chỉ số «{code}»; xem /api/v1/open/indices.")))?),
        };
        let scope = match &self.scope {
            None => None,
            Some(code) => Some(Scope::parse(code).ok_or_else(|| Failure::invalid("Phạm vi là «national» hoặc «provincial».".to_string()))?),
        };
        let units = match &self.unit {
            None => None,
            Some(code) => {
                let unit = state.store.public_unit_by_code(code).await?;
                Some(state.store.unit_with_predecessors(unit.id).await?)
            }
        };
        Ok(ResultQuery { index, scope, year: self.year, units })
    }
}

#[derive(Serialize, ToSchema)]
pub struct ResultsPage {
    /// Each result with its edition, methodology version, unit as it was named then, score,
    /// rank, class, source document, components and origin (import, PAR round, publication).
    #[schema(value_type = Vec<Object>)]
    items: Vec<IndexResult>,
    page: i64,
    per_page: i64,
    /// The address of the next page, when this one is full.
    next: Option<String>,
}

/// Published results, by index, year, scope and unit, in year order. Public.
#[utoipa::path(get, path = "/api/v1/open/results", tag = "open-data", security(()), params(ResultsQuery),
    responses((status = 200, body = ResultsPage), (status = 404, body = ProblemDocument), (status = 422, body = ProblemDocument)))]
async fn results(State(state): State<AppState>, Query(query): Query<ResultsQuery>) -> ApiResult<axum::Json<ResultsPage>> {
    let filter = query.to_query(&state).await?;
    let paging = Paging::new(query.page.unwrap_or(1), query.per_page.unwrap_or(100));
    let items = state.store.index_results(&filter, Some(paging)).await?;
    let page = paging.offset / paging.limit + 1;
    let next = (items.len() as i64 == paging.limit).then(|| {
        let mut params: Vec<(String, String)> = Vec::new();
        let mut push = |k: &str, v: Option<String>| {
            if let Some(v) = v {
                params.push((k.into(), v));
            }
        };
        push("index", query.index.clone());
        push("year", query.year.map(|y| y.to_string()));
        push("scope", query.scope.clone());
        push("unit", query.unit.clone());
        push("page", Some((page + 1).to_string()));
        push("per_page", Some(paging.limit.to_string()));
        format!("/api/v1/open/results?{}", serde_urlencoded::to_string(&params).unwrap_or_default())
    });
    Ok(axum::Json(ResultsPage { items, page, per_page: paging.limit, next }))
}

/// The results of one index as CSV (UTF-8 with BOM, comma, decimal point), every page at once.
/// Public.
#[utoipa::path(get, path = "/api/v1/open/results.csv", tag = "open-data", security(()), params(ResultsQuery),
    responses((status = 200, content_type = "text/csv", body = String), (status = 422, body = ProblemDocument)))]
async fn results_csv(State(state): State<AppState>, Query(query): Query<ResultsQuery>) -> ApiResult<Response> {
    let filter = query.to_query(&state).await?;
    let Some(index) = filter.index else {
        return Err(Failure::invalid("Hãy chọn một chỉ số (index=…) để tải CSV.").into());
    };
    let results = state.store.index_results(&filter, None).await?;
    let body = results_sheet(index.short(), &results).to_csv(CsvDialect::Machine);
    let disposition = format!("attachment; filename=\"ket-qua-{}.csv\"", index.code());
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()), (header::CONTENT_DISPOSITION, disposition)], body).into_response())
}
