//! `/api/v1/open`: the results database as open data, without login, at stable addresses: the
//! indices with their methodology versions, and the results as JSON pages or one CSV.
//! `/api/v1/results/imports`: the reform office's imports of published results from another
//! system, checked whole as on the import page, and their withdrawal.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::auth::Permission;
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
use crate::auth::require;
use crate::auth::session::ApiUser;
use crate::error::{ApiJson, ApiResult, Failure, FieldError, ProblemDocument};
use crate::extract::{Path, Query};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(indices))
        .routes(routes!(results))
        .routes(routes!(results_csv))
        .routes(routes!(imports, import))
        .routes(routes!(withdraw))
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

/// The shape of [`crate::api::Listed`] with the next page's address; its own type because the
/// results are the domain's, described here as objects.
#[derive(Serialize, ToSchema)]
pub struct ResultsPage {
    total: i64,
    /// Each result with its edition, methodology version, unit as it was named then, score,
    /// rank, class, source document, components and origin (import, PAR round, publication).
    #[schema(value_type = Vec<Object>)]
    items: Vec<IndexResult>,
    page: i64,
    per_page: i64,
    /// The address of the next page, when there is one.
    next: Option<String>,
}

/// Published results, by index, year, scope and unit, in year order. Public.
#[utoipa::path(get, path = "/api/v1/open/results", tag = "open-data", security(()), params(ResultsQuery),
    responses((status = 200, body = ResultsPage), (status = 404, body = ProblemDocument), (status = 422, body = ProblemDocument)))]
async fn results(State(state): State<AppState>, Query(query): Query<ResultsQuery>) -> ApiResult<axum::Json<ResultsPage>> {
    let filter = query.to_query(&state).await?;
    let paging = Paging::asked(query.page, query.per_page, 100, 500);
    let found = state.store.index_results_page(&filter, paging).await?;
    let page = paging.page();
    let next = (paging.offset + paging.limit < found.total).then(|| {
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
    Ok(axum::Json(ResultsPage { total: found.total, items: found.items, page, per_page: paging.limit, next }))
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
    let results = state.store.index_results(&filter).await?;
    let body = results_sheet(index.short(), &results).to_csv(CsvDialect::Machine);
    let disposition = format!("attachment; filename=\"ket-qua-{}.csv\"", index.code());
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()), (header::CONTENT_DISPOSITION, disposition)], body).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct ImportSummary {
    id: i64,
    /// The index's code (`papi`, `pci`…).
    index: String,
    file_name: String,
    rows: i32,
    /// Unix milliseconds.
    imported_at: i64,
    imported_by: Option<String>,
    /// When it was withdrawn, if it was.
    withdrawn_at: Option<i64>,
}

/// The newest imports (at most 200), withdrawn ones included.
#[utoipa::path(get, path = "/api/v1/results/imports", tag = "open-data", responses((status = 200, body = [ImportSummary]), (status = 403, body = ProblemDocument)))]
async fn imports(State(state): State<AppState>, caller: ApiUser) -> ApiResult<axum::Json<Vec<ImportSummary>>> {
    require(&caller.principal.access, Permission::PublishResults)?;
    let imports = state.store.index_imports(200).await?;
    Ok(axum::Json(
        imports
            .into_iter()
            .map(|i| ImportSummary {
                id: i.id,
                index: i.index_code,
                file_name: i.file_name,
                rows: i.row_count,
                imported_at: i.imported_at,
                imported_by: i.imported_by,
                withdrawn_at: i.removed_at,
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct ImportBody {
    /// The index's code (`par-index`, `sipas`, `papi`, `pci`, `ict-index`, `dti`, `766`).
    index: String,
    /// Where the table came from, for the record.
    #[serde(default)]
    file_name: String,
    /// The table as the index's template lays it out: the header row first, then one row per
    /// result, every cell as text.
    table: Vec<Vec<String>>,
    /// Write the results; otherwise only check them (a dry run).
    #[serde(default)]
    apply: bool,
}

#[derive(Serialize, ToSchema)]
pub struct PlannedResult {
    /// The line in the table (the header is line 1).
    line: usize,
    year: i32,
    scope: &'static str,
    /// "code — name", or the national average.
    unit: String,
    score: f64,
}

#[derive(Serialize, ToSchema)]
pub struct ImportReport {
    /// Whether the results were written.
    applied: bool,
    results: Vec<PlannedResult>,
}

/// Checks a table of published results against the methodology and the unit register, and with
/// `apply` writes all of it in one transaction. Any problem: 422 naming every one by its line,
/// and nothing written.
#[utoipa::path(post, path = "/api/v1/results/imports", tag = "open-data", request_body = ImportBody,
    responses((status = 200, body = ImportReport), (status = 201, body = ImportReport), (status = 403, body = ProblemDocument), (status = 422, body = ProblemDocument)))]
async fn import(State(state): State<AppState>, caller: ApiUser, ApiJson(body): ApiJson<ImportBody>) -> ApiResult<(StatusCode, axum::Json<ImportReport>)> {
    let access = &caller.principal.access;
    require(access, Permission::PublishResults)?;
    let index = IndexCode::parse(&body.index).ok_or_else(|| Failure::invalid(format!("Không có chỉ số mã «{}».", body.index)))?;
    let file_name = if body.file_name.trim().is_empty() { "api".to_string() } else { body.file_name.trim().chars().take(200).collect() };
    let (problems, outcome) = super::import::run(&state, &caller.actor(&state), access, index, &file_name, &body.table, body.apply).await?;
    let outcome = match outcome {
        Some(outcome) if problems.is_empty() => outcome,
        _ => return Err(Failure::fields(problems.into_iter().map(|message| FieldError { field: "table".into(), message }).collect()).into()),
    };
    let status = if outcome.applied { StatusCode::CREATED } else { StatusCode::OK };
    let results = outcome.rows.into_iter().map(|r| PlannedResult { line: r.line, year: r.year, scope: r.scope.code(), unit: r.unit, score: r.score }).collect();
    Ok((status, axum::Json(ImportReport { applied: outcome.applied, results })))
}

#[derive(Serialize, ToSchema)]
pub struct Withdrawn {
    /// Results removed from the database.
    removed: u64,
}

/// Withdraws a mistaken import whole: its results go, the record of it stays.
#[utoipa::path(post, path = "/api/v1/results/imports/{id}/withdraw", tag = "open-data", params(("id" = i64, Path, description = "The import")),
    responses((status = 200, body = Withdrawn), (status = 403, body = ProblemDocument), (status = 404, body = ProblemDocument)))]
async fn withdraw(State(state): State<AppState>, caller: ApiUser, Path(id): Path<i64>) -> ApiResult<axum::Json<Withdrawn>> {
    let access = &caller.principal.access;
    require(access, Permission::PublishResults)?;
    let removed = state.store.withdraw_index_import(&caller.actor(&state), access, id).await?;
    Ok(axum::Json(Withdrawn { removed }))
}
