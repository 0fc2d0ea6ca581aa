//! The results database on the web: public pages of every index across the years (the
//! province among the provinces, the units within it, one unit's history across mergers),
//! their tables as CSV and XLSX, the open-data API, and the reform office's import.

pub mod api;
mod import;
mod public;

use axum::Router;
use axum::routing::{get, post};
use domain::results::{IndexCode, IndexResult};
use sheets::{ReportSheet, Value};

use crate::AppState;
use crate::error::Failure;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/chi-so", get(public::list))
        .route("/chi-so/{index}", get(public::index))
        .route("/chi-so/{index}/bang.csv", get(public::table_csv))
        .route("/chi-so/{index}/bang.xlsx", get(public::table_xlsx))
        .route("/chi-so/{index}/don-vi/{code}", get(public::unit))
        .route("/chi-so/{index}/so-sanh", get(public::compare))
        .route("/admin/chi-so", get(import::form).post(import::preview))
        .route("/admin/chi-so/apply", post(import::apply))
        .route("/admin/chi-so/imports/{id}/withdraw", post(import::withdraw))
        .route("/admin/chi-so/mau/{index}", get(import::template))
}

/// The index of an address, or a 404 for one that names none.
fn index_of(code: &str) -> Result<IndexCode, Failure> {
    IndexCode::parse(code).ok_or_else(Failure::not_found)
}

/// The components met in `results`, in the order they first appear: (code, name).
fn component_columns<'a>(results: impl IntoIterator<Item = &'a IndexResult>) -> Vec<(String, String)> {
    let mut columns: Vec<(String, String)> = Vec::new();
    for c in results.into_iter().flat_map(|r| &r.components) {
        if !columns.iter().any(|(code, _)| *code == c.code) {
            columns.push((c.code.clone(), c.name.clone()));
        }
    }
    columns
}

/// Every result of a table as one sheet: one row per result, the components after the fixed
/// columns.
fn results_sheet(name: &str, results: &[IndexResult]) -> ReportSheet {
    let components = component_columns(results);
    let mut header: Vec<String> =
        ["Chỉ số", "Năm", "Phạm vi", "Mã đơn vị", "Đơn vị (tên khi công bố)", "Điểm", "Xếp hạng", "Số đơn vị được xếp hạng", "Xếp loại"]
            .iter()
            .map(|s| s.to_string())
            .collect();
    header.extend(["Phiên bản phương pháp".into(), "Văn bản công bố".into()]);
    header.extend(components.iter().map(|(code, label)| format!("{label} ({code})")));
    let rows = results
        .iter()
        .map(|r| {
            let mut cells = vec![
                Value::Text(r.index.short().into()),
                Value::Text(r.year.to_string()),
                Value::Text(r.scope.label().into()),
                Value::Text(r.unit_code.clone()),
                Value::Text(r.unit_name.clone()),
                Value::Hundredths(r.score),
                r.rank.map_or(Value::Empty, |n| Value::Count(i64::from(n))),
                r.ranked.map_or(Value::Empty, |n| Value::Count(i64::from(n))),
                Value::Text(r.class.clone()),
                Value::Text(r.version.clone()),
                Value::Text(r.source.clone()),
            ];
            cells.extend(components.iter().map(|(code, _)| r.components.iter().find(|c| c.code == *code).map_or(Value::Empty, |c| Value::Hundredths(c.score))));
            cells
        })
        .collect();
    ReportSheet { name: name.into(), header, rows, chart: None }
}
