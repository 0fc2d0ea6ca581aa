//! The frame register's pages: the overview per unit with the upload form, the list of
//! dossiers, one dossier with its contacts opened on purpose (audited), erasure on request and
//! the retention period.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use domain::auth::Permission;
use domain::sampling::draw::Strata;
use domain::sampling::frame::rows_from_table;
use domain::surveys::Survey;
use domain::text;
use serde::Deserialize;
use storage::sampling::{DrawRecord, FrameContact, FrameEntry, FrameFilter, FrameImport, UnitFrame};

use crate::AppState;
use crate::auth::csrf::{self, CheckedForm};
use crate::auth::require;
use crate::auth::session::CurrentUser;
use crate::error::{Failure, PageResult};
use crate::extract::{Path, Query};
use crate::layout::Layout;
use crate::layout::{Pager, encode};
use crate::uploads;
use sheets::Limits;

/// `yyyy-mm-dd` as `dd/mm/yyyy`.
pub fn show_date(iso: &str) -> String {
    text::parse_date(iso).map(text::format_date).unwrap_or_else(|| iso.to_string())
}

pub fn show_count(n: impl std::borrow::Borrow<i64>) -> String {
    text::format_count((*n.borrow()).max(0) as u64)
}

#[derive(Template, WebTemplate)]
#[template(path = "sampling/sampling.html")]
pub struct OverviewPage {
    layout: Layout,
    units: Vec<UnitFrame>,
    total: i64,
    import: Option<FrameImport>,
    file_name: String,
    check_only: bool,
    error: Option<String>,
    may_open_contacts: bool,
    retention_days: i64,
    surveys: Vec<Survey>,
    draws: Vec<DrawRecord>,
    strata: [Strata; 2],
}

impl OverviewPage {
    async fn new(state: &AppState, user: &CurrentUser) -> PageResult<Self> {
        let access = &user.principal.access;
        let units = state.store.frame_summary(access).await?;
        let surveys = state.store.surveys(access).await?;
        Ok(Self {
            layout: Layout::admin(user, "Khung mẫu và chọn mẫu", "/admin/sampling"),
            total: units.iter().map(|u| u.dossiers).sum(),
            units,
            import: None,
            file_name: String::new(),
            check_only: false,
            error: None,
            may_open_contacts: access.has(Permission::ViewRespondents),
            retention_days: state.store.frame_retention_days().await?,
            surveys,
            draws: state.store.draws(access).await?,
            strata: [Strata::Unit, Strata::Field],
        })
    }
}

pub async fn overview(State(state): State<AppState>, user: CurrentUser) -> PageResult<OverviewPage> {
    require(&user.principal.access, Permission::ManageSurveys)?;
    OverviewPage::new(&state, &user).await
}

/// Checks an uploaded frame file row by row and imports it whole, or only checks it.
pub async fn import(State(state): State<AppState>, user: CurrentUser, headers: HeaderMap, multipart: Multipart) -> PageResult<Response> {
    require(&user.principal.access, Permission::ManageSurveys)?;
    let mut upload = csrf::CheckedUpload::read(&state, &headers, multipart).await?;
    let check_only = upload.fields.contains_key("check_only");
    let (file_name, bytes) = upload.take_file().ok_or_else(|| Failure::invalid("Hãy chọn một tệp .xlsx hoặc .csv để nhập."))?;
    let rows = uploads::read_table(file_name.clone(), bytes, Limits::FRAME).await.map_err(|e| e.to_string()).and_then(|table| rows_from_table(&table));
    let mut page = OverviewPage::new(&state, &user).await?;
    page.file_name = file_name;
    page.check_only = check_only;
    let rows = match rows {
        Ok(rows) if rows.is_empty() => Err("Tệp không có dòng hồ sơ nào dưới dòng tiêu đề.".to_string()),
        other => other,
    };
    let rows = match rows {
        Ok(rows) => rows,
        Err(message) => {
            page.error = Some(message);
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let report = state.store.import_frame(&user.actor(&state), &user.principal.access, &rows, "upload", !check_only).await?;
    let status = if report.error_count() > 0 { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    if report.applied {
        // The summary above the report shows the register as it now is.
        let fresh = OverviewPage::new(&state, &user).await?;
        page.units = fresh.units;
        page.total = fresh.total;
    }
    page.import = Some(report);
    Ok((status, page).into_response())
}

#[derive(Deserialize)]
pub struct RetentionForm {
    days: String,
}

pub async fn set_retention(State(state): State<AppState>, user: CurrentUser, CheckedForm(form): CheckedForm<RetentionForm>) -> PageResult<Response> {
    let days: i64 = form.days.trim().parse().map_err(|_| Failure::invalid("Thời hạn lưu giữ phải là một số ngày, ví dụ 365."))?;
    state.store.set_frame_retention_days(&user.actor(&state), &user.principal.access, days).await?;
    Ok(Redirect::to("/admin/sampling").into_response())
}

#[derive(Deserialize, Default)]
pub struct EntriesQuery {
    unit: Option<String>,
    dossier: Option<String>,
    page: Option<i64>,
}

pub struct EntryView {
    pub id: i64,
    pub dossier_code: String,
    pub unit: String,
    pub procedure: String,
    pub field: String,
    pub completed_on: String,
    pub consent: bool,
    pub contacts: String,
    pub erased: bool,
}

impl From<FrameEntry> for EntryView {
    fn from(e: FrameEntry) -> Self {
        let contacts = [(e.has_phone, "điện thoại"), (e.has_email, "thư điện tử")]
            .into_iter()
            .filter(|(has, _)| *has)
            .map(|(_, label)| label)
            .collect::<Vec<_>>()
            .join(", ");
        Self {
            id: e.id,
            completed_on: show_date(&e.completed_on),
            dossier_code: e.dossier_code,
            unit: e.unit_name,
            procedure: e.procedure,
            field: e.field,
            consent: e.consent,
            contacts,
            erased: e.erased_at.is_some(),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "sampling/sampling_entries.html")]
pub struct EntriesPage {
    layout: Layout,
    entries: Vec<EntryView>,
    total: i64,
    units: Vec<UnitFrame>,
    unit: Option<i64>,
    dossier: String,
    pager: Pager,
}

impl EntriesPage {
    fn chosen(&self, unit: impl std::borrow::Borrow<i64>) -> bool {
        self.unit == Some(*unit.borrow())
    }
}

const PER_PAGE: i64 = 50;

pub async fn entries(State(state): State<AppState>, user: CurrentUser, Query(query): Query<EntriesQuery>) -> PageResult<EntriesPage> {
    let access = &user.principal.access;
    require(access, Permission::ManageSurveys)?;
    let unit = query.unit.as_deref().and_then(|u| u.parse().ok());
    let filter = FrameFilter { unit_id: unit, dossier: query.dossier.clone().unwrap_or_default() };
    let page = query.page.unwrap_or(1);
    let found = state.store.frame_entries(access, &filter, storage::Paging::new(page, PER_PAGE)).await?;
    let base = format!("/admin/sampling/frame?unit={}&dossier={}", unit.map(|u| u.to_string()).unwrap_or_default(), encode(&filter.dossier));
    Ok(EntriesPage {
        layout: Layout::admin(&user, "Hồ sơ trong khung mẫu", "/admin/sampling"),
        entries: found.items.into_iter().map(EntryView::from).collect(),
        total: found.total,
        units: state.store.frame_summary(access).await?,
        unit,
        dossier: filter.dossier,
        pager: Pager::new(page, PER_PAGE, found.total, &base),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "sampling/sampling_entry.html")]
pub struct EntryPage {
    layout: Layout,
    entry: EntryView,
    source: String,
    received: String,
    contact: Option<FrameContact>,
    may_open_contacts: bool,
    error: Option<String>,
}

impl EntryPage {
    async fn new(state: &AppState, user: &CurrentUser, id: i64) -> PageResult<Self> {
        let access = &user.principal.access;
        let entry = state.store.frame_entry(access, id).await?;
        Ok(Self {
            layout: Layout::admin(user, format!("Hồ sơ {}", entry.dossier_code), "/admin/sampling"),
            source: if entry.source == "api" { "Hệ thống một cửa gửi" } else { "Tải tệp lên" }.into(),
            received: text::format_timestamp_ms(entry.received_at),
            entry: entry.into(),
            contact: None,
            may_open_contacts: access.has(Permission::ViewRespondents),
            error: None,
        })
    }
}

pub async fn entry(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> PageResult<EntryPage> {
    EntryPage::new(&state, &user, id).await
}

#[derive(Deserialize)]
pub struct PurposeForm {
    #[serde(default)]
    purpose: String,
}

/// Opens the contacts of one dossier: a deliberate act with a stated purpose, recorded.
pub async fn contact(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CheckedForm(form): CheckedForm<PurposeForm>,
) -> PageResult<Response> {
    let mut page = EntryPage::new(&state, &user, id).await?;
    let purpose = text::clean(&form.purpose);
    if purpose.is_empty() {
        page.error = Some("Hãy ghi mục đích xem thông tin liên hệ (ví dụ: gọi điện mời trả lời phiếu).".into());
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    page.contact = Some(state.store.frame_contact(&user.actor(&state), &user.principal.access, id, &purpose).await?);
    Ok(page.into_response())
}

#[derive(Deserialize)]
pub struct EraseForm {
    #[serde(default)]
    reason: String,
}

pub async fn erase(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>, CheckedForm(form): CheckedForm<EraseForm>) -> PageResult<Response> {
    state.store.erase_frame_entry(&user.actor(&state), &user.principal.access, id, &form.reason).await?;
    Ok(Redirect::to(&format!("/admin/sampling/frame/{id}")).into_response())
}
