//! Criteria trees: the built-in template, a tree read in full, and the tree as XLSX both ways:
//! the office downloads a tree, adapts it in Excel to the province's decision and uploads it
//! (under a new code once a round uses the old one).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use domain::auth::Permission;
use domain::par::workbook::{CRITERIA_SHEET, INFO_SHEET, from_tables, to_tables};
use domain::par::{Source, Tree};
use domain::text;
use domain::units::UnitLevel;
use serde::Deserialize;

use crate::AppState;
use crate::auth::csrf::{CheckedForm, CheckedUpload};
use crate::auth::require;
use crate::auth::session::CurrentUser;
use crate::error::{Failure, FieldError, PageResult};
use crate::extract::Path;
use crate::layout::Layout;
use crate::uploads;
use sheets::Limits;

#[derive(Deserialize)]
pub struct TemplateForm {
    level: String,
    year: i32,
}

pub async fn create_from_template(State(state): State<AppState>, user: CurrentUser, CheckedForm(form): CheckedForm<TemplateForm>) -> PageResult<Response> {
    let level = UnitLevel::parse(&form.level).map_err(|_| Failure::invalid("Hãy chọn cấp đơn vị."))?;
    let tree = domain::par::template::provincial(level, form.year);
    let id = state.store.save_par_tree(&user.actor(&state), &user.principal.access, &tree).await?;
    Ok(Redirect::to(&format!("/admin/par/trees/{id}")).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "par/par_tree.html")]
pub struct TreePage {
    layout: Layout,
    id: i64,
    tree: Tree,
    max: String,
    level: &'static str,
    /// Each sub-criterion's source in words, by code.
    sources: Vec<(String, String)>,
}

impl TreePage {
    fn source_of(&self, code: &str) -> &str {
        self.sources.iter().find(|(c, _)| c == code).map_or("", |(_, s)| s.as_str())
    }
}

pub async fn show(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> PageResult<TreePage> {
    require(&user.principal.access, Permission::ManagePar)?;
    let tree = state.store.par_tree(id).await?;
    let sources = tree
        .items()
        .map(|(_, _, i)| {
            let words = match &i.source {
                Source::SelfAssessed => "Tự chấm, thẩm định".to_string(),
                Source::Measured { module, measure, .. } if measure.is_empty() => module.label().to_string(),
                Source::Measured { module, measure, .. } => format!("{} — yếu tố {measure}", module.label()),
            };
            (i.code.clone(), words)
        })
        .collect();
    Ok(TreePage { layout: Layout::admin(&user, tree.title.clone(), "/admin/par"), id, max: tree.max().display(), level: tree.level.label(), tree, sources })
}

pub async fn export(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> PageResult<Response> {
    require(&user.principal.access, Permission::ManagePar)?;
    let tree = state.store.par_tree(id).await?;
    let (info, criteria) = to_tables(&tree);
    let body = sheets::write_sheets(&[(INFO_SHEET, &info), (CRITERIA_SHEET, &criteria)]).map_err(|_| Failure::internal())?;
    let disposition = format!("attachment; filename=\"{}.xlsx\"", tree.code.replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_"));
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
            (axum::http::header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}

pub async fn import(State(state): State<AppState>, user: CurrentUser, headers: HeaderMap, multipart: Multipart) -> PageResult<Response> {
    let mut upload = CheckedUpload::read(&state, &headers, multipart).await?;
    require(&user.principal.access, Permission::ManagePar)?;
    let (name, bytes) = upload.take_file().ok_or_else(|| Failure::invalid("Hãy chọn tệp XLSX của bộ tiêu chí."))?;
    if !text::fold(&name).ends_with(".xlsx") {
        return Err(Failure::unsupported_media("Bộ tiêu chí nhận tệp .xlsx (tải bộ có sẵn về để xem mẫu).").into());
    }
    let workbook = uploads::read_sheets(bytes, Limits::PAR_TREE).await.map_err(|e| Failure::invalid(e.to_string()))?;
    let sheet = |wanted: &str| workbook.iter().find(|(n, _)| text::fold(n) == text::fold(wanted)).map(|(_, rows)| rows.as_slice());
    let (Some(info), Some(criteria)) = (sheet(INFO_SHEET), sheet(CRITERIA_SHEET)) else {
        return Err(Failure::invalid(format!("Tệp cần hai trang «{INFO_SHEET}» và «{CRITERIA_SHEET}».")).into());
    };
    let tree = from_tables(info, criteria)
        .map_err(|errors| Failure::fields(errors.into_iter().map(|message| FieldError { field: String::new(), message }).collect()))?;
    let id = state.store.save_par_tree(&user.actor(&state), &user.principal.access, &tree).await?;
    Ok(Redirect::to(&format!("/admin/par/trees/{id}")).into_response())
}
