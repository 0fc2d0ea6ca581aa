//! Measured criteria: the reform office takes each unit's figure in a module — its index in a
//! survey run in this system (the same figures as the SIPAS dashboards), its plan completion
//! rate, or either from a table of results gathered elsewhere — and the items of that module get
//! their points by their mapping.

use std::collections::BTreeMap;

use axum::extract::{Multipart, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use domain::calendar::Month;
use domain::par::Module;
use domain::sipas::figures::Period;
use domain::text;
use storage::par::{MeasuredResults, Round};
use storage::sipas::FigureRequest;

use crate::AppState;
use crate::auth::csrf::CheckedUpload;
use crate::auth::session::CurrentUser;
use crate::error::{Failure, PageResult};
use crate::extract::Path;
use crate::uploads;
use sheets::Limits;

pub async fn set_points(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    headers: HeaderMap,
    multipart: Multipart,
) -> PageResult<Response> {
    let mut upload = CheckedUpload::read(&state, &headers, multipart).await?;
    let access = &user.principal.access;
    let file = upload.take_file();
    let field = |name: &str| upload.fields.get(name).map_or("", |v| v.trim());
    let module = Module::parse(field("module")).ok_or_else(|| Failure::invalid("Hãy chọn nguồn đo để lấy điểm."))?;
    let round = state.store.par_round(id).await?;
    let results = match (file, module) {
        (Some((name, bytes)), _) => from_table(name, bytes).await?,
        (None, Module::Plan) => from_plans(&state, &round).await?,
        (None, _) => from_survey(&state, access, &round, field("version"), field("from"), field("to")).await?,
    };
    let report = state.store.set_par_measured_points(&user.actor(&state), access, id, module, &results).await?;
    let to =
        format!("/admin/par/rounds/{id}?measured={}&units={}&missing={}&unknown={}", module.code(), report.units, report.missing.len(), report.unknown.len());
    Ok(Redirect::to(&to).into_response())
}

/// Each unit's overall index and element (or part) indices in a survey of this system, over a
/// period, for the units of the round's level: the figures the SIPAS dashboards show.
async fn from_survey(state: &AppState, access: &domain::auth::Access, round: &Round, version: &str, from: &str, to: &str) -> Result<MeasuredResults, Failure> {
    let version = version.parse().map_err(|_| Failure::invalid("Hãy chọn mẫu phiếu khảo sát, hoặc tải lên bảng kết quả."))?;
    let month = |typed: &str| Month::parse(typed).ok_or_else(|| Failure::invalid(format!("Tháng «{typed}» không hợp lệ; dùng dạng mm/yyyy.")));
    let period = Period::new(month(from)?, month(to)?).map_err(Failure::invalid)?;
    let request = FigureRequest { version: Some(version), period: Some(period), level: Some(round.tree.level), ..FigureRequest::default() };
    let selection = state.store.sipas_selection(access, &request, period.to).await?;
    let overview = state.store.sipas_overview(access, &selection).await?;
    let mut indices = BTreeMap::new();
    for row in &overview.rows {
        let mut measures: BTreeMap<String, f64> =
            overview.columns.iter().zip(&row.columns).filter_map(|((code, _), value)| Some((code.clone(), (*value)?))).collect();
        if let Some(value) = row.figure.value {
            measures.insert(String::new(), value);
        }
        if !measures.is_empty() {
            indices.insert(row.code.clone(), measures);
        }
    }
    Ok(MeasuredResults { indices, source: format!("{}, kỳ {}, {}", selection.version_label(), period.label(), selection.methodology_label()) })
}

/// Each unit's share of its tasks of the tree's year done on time, as tracked today.
async fn from_plans(state: &AppState, round: &Round) -> Result<MeasuredResults, Failure> {
    let today = text::vn_datetime(state.clock.now_ms()).date();
    let completion = state.store.par_plan_completion(round.tree.year, today).await?;
    let indices = completion.into_iter().filter_map(|(unit, c)| Some((unit, BTreeMap::from([(String::new(), c.rate()?)])))).collect();
    let source = format!("tỷ lệ nhiệm vụ kế hoạch CCHC năm {} hoàn thành đúng hạn, tính đến {}", round.tree.year, text::format_date(today));
    Ok(MeasuredResults { indices, source })
}

/// A table of results: the unit's code, its overall index, then one column per measure headed
/// by the measure's code. Every mistake is reported with its line; nothing is taken from a
/// table with mistakes.
async fn from_table(name: String, bytes: Vec<u8>) -> Result<MeasuredResults, Failure> {
    let rows = uploads::read_table(name.clone(), bytes, Limits::RESULTS).await.map_err(|e| Failure::invalid(e.to_string()))?;
    let Some((header, lines)) = rows.split_first() else { return Err(Failure::invalid("Bảng kết quả trống.")) };
    if header.len() < 2 {
        return Err(Failure::invalid("Bảng kết quả cần cột mã đơn vị và cột chỉ số."));
    }
    let measures: Vec<String> = std::iter::once(String::new()).chain(header[2..].iter().map(|h| h.trim().to_string())).collect();
    let mut indices = BTreeMap::new();
    let mut errors = Vec::new();
    for (n, line) in lines.iter().enumerate() {
        let code = line.first().map_or("", |c| c.trim());
        if code.is_empty() {
            continue;
        }
        let mut values = BTreeMap::new();
        for (measure, cell) in measures.iter().zip(&line[1..]) {
            if cell.trim().is_empty() {
                continue;
            }
            match text::parse_percent(cell).filter(|v| (0.0..=100.0).contains(v)) {
                Some(value) => {
                    values.insert(measure.clone(), value);
                }
                None => errors.push(format!("Dòng {}: chỉ số «{}» phải là một số từ 0 đến 100.", n + 2, cell.trim())),
            }
        }
        if indices.insert(code.to_string(), values).is_some() {
            errors.push(format!("Dòng {}: mã đơn vị {code} xuất hiện hai lần.", n + 2));
        }
    }
    if !errors.is_empty() {
        return Err(Failure::fields(errors.into_iter().map(|message| crate::error::FieldError { field: String::new(), message }).collect()));
    }
    Ok(MeasuredResults { indices, source: format!("bảng {}", text::clean(&name)) })
}
