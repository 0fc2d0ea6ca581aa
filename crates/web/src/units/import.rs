//! Bulk import of units from CSV or XLSX: upload → preview (a dry run of the real import, with
//! errors per row) → confirm. Nothing is written unless every row is accepted.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::auth::Permission;
use domain::units::{RawUnitRow, rows_from_table};
use serde::Deserialize;
use storage::units::ImportReport;

use crate::AppState;
use crate::auth::csrf::{self, CheckedForm};
use crate::auth::require;
use crate::auth::session::CurrentUser;
use crate::error::{Failure, PageResult};
use crate::layout::Layout;
use crate::uploads;
use sheets::Limits;

#[derive(Template, WebTemplate)]
#[template(path = "units/units_import.html")]
pub struct ImportPage {
    layout: Layout,
    file_name: String,
    error: Option<String>,
    report: Option<ImportReport>,
    /// The parsed rows, carried to the confirmation as JSON.
    rows_json: String,
}

impl ImportPage {
    fn new(user: &CurrentUser) -> Self {
        Self {
            layout: Layout::admin(user, "Nhập đơn vị từ tệp", "/admin/units"),
            file_name: String::new(),
            error: None,
            report: None,
            rows_json: String::new(),
        }
    }

    /// The upload form stays until an import has been applied.
    fn show_upload(&self) -> bool {
        !self.report.as_ref().is_some_and(|r| r.applied)
    }
}

pub async fn form(user: CurrentUser) -> PageResult<ImportPage> {
    require(&user.principal.access, Permission::ManageUnits)?;
    Ok(ImportPage::new(&user))
}

pub async fn preview(State(state): State<AppState>, user: CurrentUser, headers: HeaderMap, multipart: Multipart) -> PageResult<Response> {
    require(&user.principal.access, Permission::ManageUnits)?;
    let mut upload = csrf::CheckedUpload::read(&state, &headers, multipart).await?;
    let (file_name, bytes) = upload.take_file().ok_or_else(|| Failure::invalid("Hãy chọn một tệp .xlsx hoặc .csv để nhập."))?;
    let mut page = ImportPage::new(&user);
    page.file_name = file_name.clone();
    let rows = uploads::read_table(file_name.clone(), bytes, Limits::UNITS).await.map_err(|e| e.to_string()).and_then(|table| rows_from_table(&table));
    let rows = match rows {
        Ok(rows) if rows.is_empty() => Err("Tệp không có dòng dữ liệu nào dưới dòng tiêu đề.".to_string()),
        other => other,
    };
    match rows {
        Err(message) => {
            page.error = Some(message);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Ok(rows) => {
            let report = state.store.import_units(&user.actor(&state), &user.principal.access, &rows, false).await?;
            let status = if report.error_count() > 0 { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
            page.rows_json = serde_json::to_string(&rows).unwrap_or_default();
            page.report = Some(report);
            Ok((status, page).into_response())
        }
    }
}

#[derive(Deserialize)]
pub struct ApplyForm {
    rows: String,
    #[serde(default)]
    file_name: String,
}

pub async fn apply(State(state): State<AppState>, user: CurrentUser, CheckedForm(form): CheckedForm<ApplyForm>) -> PageResult<Response> {
    require(&user.principal.access, Permission::ManageUnits)?;
    let rows: Vec<RawUnitRow> = serde_json::from_str(&form.rows).map_err(|_| Failure::malformed("Dữ liệu xác nhận không hợp lệ; hãy tải tệp lên lại."))?;
    let report = state.store.import_units(&user.actor(&state), &user.principal.access, &rows, true).await?;
    let mut page = ImportPage::new(&user);
    page.file_name = form.file_name;
    let status = if report.applied { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    if !report.applied {
        page.rows_json = form.rows;
    }
    page.report = Some(report);
    Ok((status, page).into_response())
}
