//! Every dashboard table as XLSX (numbers as numbers, with native Excel charts) and as CSV.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use domain::auth::Permission;
use domain::sipas::index::Figure;
use sheets::{Chart, CsvDialect, ReportSheet, Value};

use domain::sipas::figures::{Drilldown, Overview, Row, Slice};

use super::figures::{self, DashboardQuery};
use crate::AppState;
use crate::auth::require;
use crate::auth::session::CurrentUser;
use crate::error::{Failure, PageResult};
use crate::extract::{Path, Query};

fn number(value: Option<f64>) -> Value {
    value.map_or(Value::Empty, Value::Number)
}

fn figure_cells(figure: &Figure) -> [Value; 4] {
    [number(figure.value), number(figure.margin), Value::Count(figure.n as i64), Value::Count(figure.valid as i64)]
}

const FIGURE_HEADER: [&str; 4] = ["Chỉ số (%)", "Sai số ± (điểm %)", "Số phiếu", "Trả lời hợp lệ"];

fn index_chart(title: &str, line: bool) -> Option<Chart> {
    Some(Chart { title: title.to_string(), line, category_column: 0, value_column: 1, value_axis: "Chỉ số (%)".into() })
}

/// The ranked table: the area's total, then one row per unit.
pub fn ranking_sheet(name: &str, columns: &[(String, String)], rows: &[Row], total: Option<&Row>) -> ReportSheet {
    let mut header: Vec<String> = vec!["Đơn vị".into()];
    header.extend(FIGURE_HEADER.iter().map(|h| h.to_string()));
    header.extend(["Hạng".into(), "Mã đơn vị".into()]);
    header.extend(columns.iter().map(|(code, label)| format!("{code} — {label}")));
    header.extend(["Kỳ trước (%)".into(), "Thay đổi (điểm %)".into(), "Chỉ tiêu (%)".into(), "Đạt chỉ tiêu".into()]);
    let line = |row: &Row| {
        let mut cells = vec![Value::Text(row.name.clone())];
        cells.extend(figure_cells(&row.figure));
        cells.push(row.rank.map_or(Value::Empty, |r| Value::Count(i64::from(r))));
        cells.push(Value::Text(row.code.clone()));
        cells.extend(row.columns.iter().map(|v| number(*v)));
        cells.extend([number(row.previous), number(row.change), number(row.target)]);
        cells.push(match row.meets_target {
            Some(true) => Value::Text("Đạt".into()),
            Some(false) => Value::Text("Chưa đạt".into()),
            None => Value::Empty,
        });
        cells
    };
    // The total of the area first: its bar in the chart is the yardstick for the units.
    let lines: Vec<Vec<Value>> = total.into_iter().chain(rows).map(line).collect();
    let chart = index_chart(&format!("Chỉ số hài lòng — {name}"), false);
    ReportSheet { name: name.into(), header, rows: lines, chart }
}

fn slice_sheet(name: &str, first: &str, slices: &[Slice], line: bool) -> ReportSheet {
    let mut header: Vec<String> = vec![first.into()];
    header.extend(FIGURE_HEADER.iter().map(|h| h.to_string()));
    let rows = slices
        .iter()
        .map(|s| {
            let mut cells = vec![Value::Text(s.label.clone())];
            cells.extend(figure_cells(&s.figure));
            cells
        })
        .collect();
    ReportSheet { name: name.into(), header, rows, chart: index_chart(name, line) }
}

pub fn overview_sheets(overview: &Overview) -> Vec<ReportSheet> {
    vec![ranking_sheet("Xếp hạng", &overview.columns, &overview.rows, Some(&overview.total))]
}

pub fn drilldown_sheets(d: &Drilldown) -> Vec<ReportSheet> {
    let mut header: Vec<String> = vec!["Yếu tố / tiêu chí".into()];
    header.extend(FIGURE_HEADER.iter().map(|h| h.to_string()));
    header.push("Mã".into());
    let mut rows = Vec::new();
    let mut push = |label: String, code: &str, figure: &Figure| {
        let mut cells = vec![Value::Text(label)];
        cells.extend(figure_cells(figure));
        cells.push(Value::Text(code.to_string()));
        rows.push(cells);
    };
    push("Chỉ số hài lòng chung".into(), "", &d.report.overall);
    for part in &d.report.parts {
        push(part.label.clone(), &part.code, &part.figure);
    }
    for element in &d.report.elements {
        push(element.label.clone(), &element.code, &element.figure);
        for criterion in &element.criteria {
            push(format!("    {}", criterion.label), &criterion.code, &criterion.figure);
        }
    }
    let columns: Vec<(String, String)> = if d.report.parts.is_empty() {
        d.report.elements.iter().map(|e| (e.code.clone(), e.label.clone())).collect()
    } else {
        d.report.parts.iter().map(|p| (p.code.clone(), p.label.clone())).collect()
    };
    let mut sheets = vec![ReportSheet { name: "Yếu tố, tiêu chí".into(), header, rows, chart: None }];
    if !d.children.is_empty() {
        sheets.push(ranking_sheet("Đơn vị trực thuộc", &columns, &d.children, None));
    }
    sheets.push(slice_sheet("Theo tháng", "Tháng", &d.trend, true));
    sheets.push(slice_sheet("Theo kênh", "Kênh", &d.channels, false));
    if !d.staff.is_empty() {
        sheets.push(slice_sheet("Theo công chức", "Công chức", &d.staff, false));
    }
    sheets
}

/// The drill-down's tables by the key CSV links use (a CSV file holds one table).
pub const TABLES: [(&str, &str); 5] =
    [("yeu-to", "Yếu tố, tiêu chí"), ("truc-thuoc", "Đơn vị trực thuộc"), ("thang", "Theo tháng"), ("kenh", "Theo kênh"), ("cong-chuc", "Theo công chức")];

/// What a CSV link asks for.
#[derive(serde::Deserialize, Default)]
pub struct CsvQuery {
    /// Which table (see [`TABLES`]); the first when absent.
    table: Option<String>,
    /// Present (`excel=1`): for Excel set to Vietnamese, with semicolons and decimal commas.
    excel: Option<String>,
}

impl CsvQuery {
    pub fn dialect(&self) -> CsvDialect {
        if self.excel.is_some() { CsvDialect::ExcelVietnamese } else { CsvDialect::Machine }
    }
}

/// A report as a download: the whole workbook, or one of its tables as CSV.
pub(crate) enum ReportFile<'a> {
    Xlsx,
    Csv(&'a CsvQuery),
}

pub(crate) fn download(sheets: &[ReportSheet], name: &str, file: ReportFile) -> Result<Response, Failure> {
    let (body, content_type, extension) = match file {
        ReportFile::Xlsx => {
            (sheets::write_report(sheets).map_err(|_| Failure::internal())?, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx")
        }
        ReportFile::Csv(query) => {
            let sheet = match query.table.as_deref() {
                None => sheets.first(),
                Some(key) => {
                    let title = TABLES.iter().find(|(k, _)| *k == key).map(|(_, t)| *t).ok_or_else(|| Failure::invalid(format!("Không có bảng «{key}».")))?;
                    sheets.iter().find(|s| s.name == title)
                }
            };
            (sheet.ok_or_else(Failure::not_found)?.to_csv(query.dialect()), "text/csv; charset=utf-8", "csv")
        }
    };
    let disposition = format!("attachment; filename=\"{name}.{extension}\"");
    Ok(([(header::CONTENT_TYPE, content_type.to_string()), (header::CONTENT_DISPOSITION, disposition)], body).into_response())
}

async fn overview_file(state: AppState, user: CurrentUser, query: DashboardQuery, file: ReportFile<'_>) -> PageResult<Response> {
    let access = &user.principal.access;
    require(access, Permission::ViewResults)?;
    let selection = figures::select(&state, access, &query).await?;
    let overview = state.store.sipas_overview(access, &selection).await?;
    let period = selection.period;
    Ok(download(&overview_sheets(&overview), &format!("chi-so-hai-long-{}-{}", period.from.iso(), period.to.iso()), file)?)
}

async fn unit_file(state: AppState, user: CurrentUser, unit_id: i64, query: DashboardQuery, file: ReportFile<'_>) -> PageResult<Response> {
    let access = &user.principal.access;
    require(access, Permission::ViewResults)?;
    let selection = figures::select(&state, access, &query).await?;
    let drilldown = super::figures::drilldown(&state, access, &selection, unit_id).await?;
    let (from, to) = (selection.period.from.iso(), selection.period.to.iso());
    let table = match &file {
        ReportFile::Csv(csv) => csv.table.as_deref().map(|t| format!("-{t}")).unwrap_or_default(),
        ReportFile::Xlsx => String::new(),
    };
    let name = format!("chi-so-hai-long-{}-{from}-{to}{table}", drilldown.unit.code);
    Ok(download(&drilldown_sheets(&drilldown), &name, file)?)
}

pub async fn overview_xlsx(State(state): State<AppState>, user: CurrentUser, Query(query): Query<DashboardQuery>) -> PageResult<Response> {
    overview_file(state, user, query, ReportFile::Xlsx).await
}

pub async fn overview_csv(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<DashboardQuery>,
    Query(csv): Query<CsvQuery>,
) -> PageResult<Response> {
    overview_file(state, user, query, ReportFile::Csv(&csv)).await
}

pub async fn unit_xlsx(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>, Query(query): Query<DashboardQuery>) -> PageResult<Response> {
    unit_file(state, user, id, query, ReportFile::Xlsx).await
}

pub async fn unit_csv(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(query): Query<DashboardQuery>,
    Query(csv): Query<CsvQuery>,
) -> PageResult<Response> {
    unit_file(state, user, id, query, ReportFile::Csv(&csv)).await
}
