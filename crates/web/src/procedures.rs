//! A unit's catalogue of administrative procedures: the list, and its replacement from a file
//! of the national procedure database (CSV or Excel), checked whole with every bad line named.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use domain::auth::Permission;
use domain::procedures::{LineError, Procedure, read_catalogue};
use sheets::Limits;

use crate::AppState;
use crate::auth::csrf::CheckedUpload;
use crate::auth::session::CurrentUser;
use crate::error::{Failure, PageResult};
use crate::extract::Path;
use crate::layout::Layout;
use crate::uploads;

/// The national list of a commune's procedures is a few hundred lines.
const UPLOAD_LIMIT: usize = 8 * 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new().route("/admin/units/{id}/procedures", get(list).post(import).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)))
}

#[derive(Template, WebTemplate)]
#[template(path = "procedures/procedures.html")]
pub struct CataloguePage {
    layout: Layout,
    unit_id: i64,
    unit_name: String,
    procedures: Vec<Procedure>,
    count: String,
    can_import: bool,
    file_name: String,
    errors: Vec<LineError>,
    notice: Option<String>,
}

async fn page(state: &AppState, user: &CurrentUser, unit_id: i64) -> Result<CataloguePage, Failure> {
    let access = &user.principal.access;
    let unit = state.store.unit(access, unit_id).await?;
    let procedures = state.store.unit_procedures(unit_id).await?;
    Ok(CataloguePage {
        layout: Layout::admin(user, format!("Thủ tục hành chính — {}", unit.name), "/admin/units"),
        can_import: access.can(Permission::ManageUnits, &state.store.unit_ancestry(unit_id).await?),
        count: domain::text::format_count(procedures.len() as u64),
        procedures,
        unit_name: unit.name,
        unit_id,
        file_name: String::new(),
        errors: Vec::new(),
        notice: None,
    })
}

async fn list(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> PageResult<CataloguePage> {
    Ok(page(&state, &user, id).await?)
}

async fn import(State(state): State<AppState>, user: CurrentUser, headers: HeaderMap, Path(id): Path<i64>, multipart: Multipart) -> PageResult<Response> {
    let mut upload = CheckedUpload::read(&state, &headers, multipart).await?;
    let (file_name, bytes) = upload.take_file().ok_or_else(|| Failure::invalid("Hãy chọn một tệp .xlsx hoặc .csv để nhập."))?;
    let read = match uploads::read_table(file_name.clone(), bytes, Limits::PROCEDURES).await {
        Ok(table) => read_catalogue(&table),
        Err(e) => Err(vec![LineError { line: 1, message: e.to_string() }]),
    };
    match read {
        Ok(procedures) => {
            state.store.import_procedures(&user.actor(&state), &user.principal.access, id, &procedures).await?;
            let mut page = page(&state, &user, id).await?;
            page.notice = Some(format!("Đã nhập {} thủ tục từ tệp «{file_name}».", domain::text::format_count(procedures.len() as u64)));
            Ok(page.into_response())
        }
        Err(errors) => {
            let mut page = page(&state, &user, id).await?;
            if !page.can_import {
                return Err(Failure::forbidden().into());
            }
            page.file_name = file_name;
            page.errors = errors;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}
