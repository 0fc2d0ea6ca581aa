//! The reform office's import of published results: pick the index, download its template,
//! upload the filled file → preview (a dry run of the real import, every problem named by its
//! line) → confirm. Nothing is written unless every row passes.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::auth::Permission;
use domain::results::{IndexCode, header_for, parse_table, versions};
use serde::Deserialize;
use sheets::Limits;
use storage::results::ImportOutcome;

use super::index_of;
use crate::AppState;
use crate::auth::csrf::{CheckedForm, CheckedUpload};
use crate::auth::require;
use crate::auth::session::CurrentUser;
use crate::error::{Failure, PageResult};
use crate::extract::Path;
use crate::layout::Layout;
use crate::uploads;

/// The years held for an index and scope, for the page to show what is there already.
pub struct Held {
    pub index: &'static str,
    pub scope: &'static str,
    pub years: String,
    pub results: i64,
}

/// An import as the page lists it.
pub struct ImportView {
    pub id: i64,
    pub index: &'static str,
    pub file_name: String,
    pub rows: i32,
    pub at: String,
    pub by: String,
    pub withdrawn: Option<String>,
}

/// Imports listed on the page: the newest ones.
const IMPORTS_LISTED: i64 = 50;

#[derive(Template, WebTemplate)]
#[template(path = "results/import.html")]
pub struct ImportPage {
    layout: Layout,
    indices: Vec<(&'static str, &'static str)>,
    index: String,
    file_name: String,
    problems: Vec<String>,
    outcome: Option<ImportOutcome>,
    /// The uploaded table, carried to the confirmation as JSON.
    table_json: String,
    held: Vec<Held>,
    imports: Vec<ImportView>,
    notice: Option<String>,
}

impl ImportPage {
    async fn new(state: &AppState, user: &CurrentUser) -> Result<Self, Failure> {
        let mut held: Vec<Held> = Vec::new();
        for (index, scope, year, count) in state.store.index_editions(None).await? {
            let scope = scope.label();
            match held.last_mut() {
                Some(h) if h.index == index.short() && h.scope == scope => {
                    h.years.push_str(&format!(", {year}"));
                    h.results += count;
                }
                _ => held.push(Held { index: index.short(), scope, years: year.to_string(), results: count }),
            }
        }
        Ok(Self {
            layout: Layout::admin(user, "Nhập kết quả các chỉ số", "/admin/chi-so"),
            indices: IndexCode::ALL.iter().map(|i| (i.code(), i.short())).collect(),
            index: String::new(),
            file_name: String::new(),
            problems: Vec::new(),
            outcome: None,
            table_json: String::new(),
            held,
            imports: state
                .store
                .index_imports(IMPORTS_LISTED)
                .await?
                .into_iter()
                .map(|i| ImportView {
                    id: i.id,
                    index: IndexCode::parse(&i.index_code).map_or("", IndexCode::short),
                    file_name: i.file_name,
                    rows: i.row_count,
                    at: domain::text::format_timestamp_ms(i.imported_at),
                    by: i.imported_by.unwrap_or_default(),
                    withdrawn: i.removed_at.map(domain::text::format_timestamp_ms),
                })
                .collect(),
            notice: None,
        })
    }

    fn number(&self, value: &f64) -> String {
        domain::text::format_number(*value, 2)
    }
}

pub async fn form(State(state): State<AppState>, user: CurrentUser) -> PageResult<ImportPage> {
    require(&user.principal.access, Permission::PublishResults)?;
    Ok(ImportPage::new(&state, &user).await?)
}

/// Checks a table (a dry run, or the real import when `apply` and nothing is wrong): every
/// problem, in the file's line order, and what the import did or would do. The page and the API
/// both import through here.
pub(super) async fn run(
    state: &AppState,
    actor: &storage::Actor,
    access: &domain::auth::Access,
    index: IndexCode,
    file_name: &str,
    table: &[Vec<String>],
    apply: bool,
) -> Result<(Vec<String>, Option<ImportOutcome>), Failure> {
    let limits = Limits::RESULTS;
    let cells: usize = table.iter().map(Vec::len).sum();
    if table.len() > limits.rows as usize || table.iter().any(|r| r.len() > limits.columns as usize) || cells as u64 > limits.cells {
        let most = domain::text::format_count;
        return Err(Failure::invalid(format!(
            "Bảng vượt giới hạn: tối đa {} dòng, {} cột, {} ô.",
            most(limits.rows.into()),
            most(limits.columns.into()),
            most(limits.cells)
        )));
    }
    Ok(match parse_table(index, table) {
        Err(problems) => (problems, None),
        Ok((rows, mut problems)) => {
            // The rows that passed their own checks are checked against the database too, so
            // that every problem is told at once; nothing is written while any remains.
            let apply = apply && problems.is_empty();
            let outcome = state.store.import_index_results(actor, access, index, file_name, &rows, apply).await?;
            problems.extend(outcome.problems.iter().cloned());
            problems.sort_by_key(|p| line_of(p));
            (problems, Some(outcome))
        }
    })
}

/// Checks a table (a dry run, or the real import when `apply`) and shows what came of it.
async fn check(state: &AppState, user: &CurrentUser, index: IndexCode, file_name: String, table: Vec<Vec<String>>, apply: bool) -> PageResult<Response> {
    let (problems, outcome) = run(state, &user.actor(state), &user.principal.access, index, &file_name, &table, apply).await?;
    // Built after the import, so that the years held and the imports listed include it.
    let mut page = ImportPage::new(state, user).await?;
    if outcome.as_ref().is_some_and(|o| !o.applied) {
        page.table_json = serde_json::to_string(&table).unwrap_or_default();
    }
    page.index = index.code().into();
    page.file_name = file_name;
    page.problems = problems;
    page.outcome = outcome;
    let status = if page.problems.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, page).into_response())
}

/// The line a problem names ("Dòng 12: …"), to tell them in the file's order.
fn line_of(problem: &str) -> usize {
    problem.strip_prefix("Dòng ").and_then(|rest| rest.split(':').next()).and_then(|n| n.parse().ok()).unwrap_or(0)
}

pub async fn preview(State(state): State<AppState>, user: CurrentUser, headers: HeaderMap, multipart: Multipart) -> PageResult<Response> {
    require(&user.principal.access, Permission::PublishResults)?;
    let mut upload = CheckedUpload::read(&state, &headers, multipart).await?;
    let index = IndexCode::parse(upload.fields.get("index").map_or("", String::as_str)).ok_or_else(|| Failure::invalid("Hãy chọn chỉ số của tệp."))?;
    let (file_name, bytes) = upload.take_file().ok_or_else(|| Failure::invalid("Hãy chọn một tệp .xlsx hoặc .csv để nhập."))?;
    let table = uploads::read_table(file_name.clone(), bytes, Limits::RESULTS).await.map_err(|e| Failure::invalid(e.to_string()))?;
    check(&state, &user, index, file_name, table, false).await
}

#[derive(Deserialize)]
pub struct ApplyForm {
    index: String,
    table: String,
    #[serde(default)]
    file_name: String,
}

pub async fn apply(State(state): State<AppState>, user: CurrentUser, CheckedForm(form): CheckedForm<ApplyForm>) -> PageResult<Response> {
    require(&user.principal.access, Permission::PublishResults)?;
    let index = IndexCode::parse(&form.index).ok_or_else(|| Failure::invalid("Hãy chọn chỉ số của tệp."))?;
    let table: Vec<Vec<String>> = serde_json::from_str(&form.table).map_err(|_| Failure::malformed("Dữ liệu xác nhận không hợp lệ; hãy tải tệp lên lại."))?;
    check(&state, &user, index, form.file_name, table, true).await
}

/// Withdraws a mistaken import whole (its results go; the record of it stays).
pub async fn withdraw(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>, CheckedForm(_): CheckedForm<Confirm>) -> PageResult<ImportPage> {
    require(&user.principal.access, Permission::PublishResults)?;
    let removed = state.store.withdraw_index_import(&user.actor(&state), &user.principal.access, id).await?;
    let mut page = ImportPage::new(&state, &user).await?;
    page.notice = Some(format!("Đã gỡ lần nhập số {id}: {removed} kết quả đã bị xoá khỏi cơ sở dữ liệu."));
    Ok(page)
}

/// A form with nothing but its token.
#[derive(Deserialize)]
pub struct Confirm {}

/// The template of an index: the header of its newest version, as XLSX.
pub async fn template(user: CurrentUser, Path(code): Path<String>) -> PageResult<Response> {
    require(&user.principal.access, Permission::PublishResults)?;
    let index = index_of(&code)?;
    let newest = versions(index).last().ok_or_else(Failure::not_found)?;
    let header = header_for(newest);
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let body = sheets::write_xlsx(index.short(), &header, &[]).map_err(|_| Failure::internal())?;
    let disposition = format!("attachment; filename=\"mau-ket-qua-{}.xlsx\"", index.code());
    Ok((
        [(header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()), (header::CONTENT_DISPOSITION, disposition)],
        body,
    )
        .into_response())
}
