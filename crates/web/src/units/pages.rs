use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use domain::auth::Permission;
use domain::text;
use domain::units::{Contact, Unit};
use domain::units::{UnitId, UnitLevel};
use serde::Deserialize;
use storage::units::{LineageEntry, LineageInput, UnitFilter};
use storage::{Page, Paging, Store};
use time::OffsetDateTime;

use super::UnitFields;
use super::picker::{self, UnitChoice, picked};
use crate::AppState;
use crate::auth::csrf::CheckedForm;
use crate::auth::require;
use crate::auth::session::CurrentUser;
use crate::error::{Failure, FieldError, PageResult};
use crate::extract::{Path, Query};
use crate::layout::Layout;
use crate::layout::{Pager, encode};

const PER_PAGE: i64 = 50;

/// A unit as a row of a table.
pub struct UnitView {
    pub id: UnitId,
    pub code: String,
    pub name: String,
    pub level: &'static str,
    pub parent: String,
    pub from: String,
    pub to: String,
    pub in_force: bool,
}

impl UnitView {
    pub(super) fn new(unit: &Unit, today: time::Date) -> Self {
        Self {
            id: unit.id,
            code: unit.code.clone(),
            name: unit.name.clone(),
            level: unit.level.label(),
            parent: unit.parent_name.clone().unwrap_or_default(),
            from: text::format_date(unit.validity.from),
            to: unit.validity.to.map(text::format_date).unwrap_or_default(),
            in_force: unit.is_valid_on(today),
        }
    }
}

fn today(state: &AppState) -> time::Date {
    text::vn_datetime(state.clock.now_ms()).date()
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    level: Option<String>,
    q: Option<String>,
    /// Only units in force on this day (dd/mm/yyyy).
    on: Option<String>,
    page: Option<i64>,
}

impl ListQuery {
    fn filter(&self) -> Result<UnitFilter, Failure> {
        let level = match self.level.as_deref().filter(|l| !l.is_empty()) {
            Some(l) => Some(UnitLevel::parse(l).map_err(|e| Failure::invalid(e.to_string()))?),
            None => None,
        };
        let valid_on = match self.on.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
            Some(d) => Some(text::parse_date(d).ok_or_else(|| Failure::invalid(format!("Ngày «{d}» không hợp lệ; nhập theo dạng dd/mm/yyyy.")))?),
            None => None,
        };
        let search = self.q.as_deref().map(str::trim).filter(|q| !q.is_empty()).map(String::from);
        Ok(UnitFilter { level, parent_id: None, search, valid_on })
    }

    fn query_string(&self) -> String {
        format!(
            "level={}&q={}&on={}",
            encode(self.level.as_deref().unwrap_or("")),
            encode(self.q.as_deref().unwrap_or("")),
            encode(self.on.as_deref().unwrap_or(""))
        )
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "units/units_list.html")]
pub struct ListPage {
    layout: Layout,
    rows: Vec<UnitView>,
    total: i64,
    levels: Vec<(&'static str, &'static str)>,
    level: String,
    q: String,
    on: String,
    query: String,
    can_manage: bool,
    pager: Pager,
}

pub async fn list(State(state): State<AppState>, user: CurrentUser, Query(query): Query<ListQuery>) -> PageResult<ListPage> {
    require(&user.principal.access, Permission::ViewUnits)?;
    let filter = query.filter()?;
    let page_no = query.page.unwrap_or(1);
    let roots = user.principal.access.roots(Permission::ViewUnits);
    let page = state.store.units(&roots, &filter, Paging::new(page_no, PER_PAGE)).await?;
    let today = today(&state);
    let query_string = query.query_string();
    Ok(ListPage {
        layout: Layout::admin(&user, "Đơn vị hành chính", "/admin/units"),
        rows: page.items.iter().map(|u| UnitView::new(u, today)).collect(),
        total: page.total,
        levels: UnitLevel::ALL.iter().map(|l| (l.code(), l.label())).collect(),
        level: query.level.clone().unwrap_or_default(),
        q: query.q.clone().unwrap_or_default(),
        on: query.on.clone().unwrap_or_default(),
        pager: Pager::new(page_no, PER_PAGE, page.total, &format!("/admin/units?{query_string}")),
        query: query_string,
        can_manage: user.principal.access.has(Permission::ManageUnits),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "units/units_directory.html")]
pub struct DirectoryPage {
    layout: Layout,
    groups: Vec<(&'static str, Vec<UnitView>)>,
    q: String,
}

#[derive(Deserialize)]
pub struct DirectoryQuery {
    q: Option<String>,
}

/// The public directory: units in force today, by level.
pub async fn directory(State(state): State<AppState>, Query(query): Query<DirectoryQuery>) -> PageResult<DirectoryPage> {
    let today = today(&state);
    let roots = state.store.root_units().await?;
    let search = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty()).map(String::from);
    let filter = UnitFilter { valid_on: Some(today), search, ..Default::default() };
    let units = all_pages(&state.store, &roots, &filter).await?;
    let mut groups: Vec<(&'static str, Vec<UnitView>)> = Vec::new();
    for level in UnitLevel::ALL {
        let rows: Vec<UnitView> = units.iter().filter(|u| u.level == level).map(|u| UnitView::new(u, today)).collect();
        if !rows.is_empty() {
            groups.push((level.label(), rows));
        }
    }
    Ok(DirectoryPage { layout: Layout::public("Cơ quan, đơn vị"), groups, q: query.q.unwrap_or_default() })
}

/// Every unit matching the filter, read page by page.
async fn all_pages(store: &Store, roots: &[UnitId], filter: &UnitFilter) -> Result<Vec<Unit>, Failure> {
    let mut all = Vec::new();
    for page_no in 1.. {
        let Page { items, total } = store.units(roots, filter, Paging::new(page_no, 500)).await?;
        let done = items.is_empty() || all.len() + items.len() >= total as usize;
        all.extend(items);
        if done {
            break;
        }
    }
    Ok(all)
}

const EXPORT_HEADER: [&str; 6] = ["Mã", "Tên", "Cấp", "Mã cấp trên", "Hiệu lực từ", "Hiệu lực đến"];

/// The scoped register as rows in the import format, so an export can be edited and re-imported.
async fn export_rows(state: &AppState, user: &CurrentUser, query: &ListQuery) -> Result<Vec<Vec<String>>, Failure> {
    require(&user.principal.access, Permission::ViewUnits)?;
    let roots = user.principal.access.roots(Permission::ViewUnits);
    let units = all_pages(&state.store, &roots, &query.filter()?).await?;
    Ok(units
        .iter()
        .map(|u| {
            let f = UnitFields::from_unit(u);
            vec![f.code, f.name, u.level.label().to_string(), f.parent_code, f.valid_from, f.valid_to]
        })
        .collect())
}

fn download(content_type: &str, file_name: &str, body: Vec<u8>) -> Response {
    let disposition = format!("attachment; filename=\"{file_name}\"");
    ([(header::CONTENT_TYPE, content_type.to_string()), (header::CONTENT_DISPOSITION, disposition)], body).into_response()
}

fn export_name(state: &AppState, ext: &str) -> String {
    let now = OffsetDateTime::from_unix_timestamp(state.clock.now_ms() / 1000).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    format!("don-vi-{}.{ext}", text::iso_date(now.to_offset(text::VN_OFFSET).date()))
}

pub async fn export_csv(State(state): State<AppState>, user: CurrentUser, Query(query): Query<ListQuery>) -> PageResult<Response> {
    let rows = export_rows(&state, &user, &query).await?;
    Ok(download("text/csv; charset=utf-8", &export_name(&state, "csv"), sheets::write_csv(&EXPORT_HEADER, &rows)))
}

pub async fn export_xlsx(State(state): State<AppState>, user: CurrentUser, Query(query): Query<ListQuery>) -> PageResult<Response> {
    let rows = export_rows(&state, &user, &query).await?;
    let bytes = sheets::write_xlsx("Đơn vị", &EXPORT_HEADER, &rows).map_err(|_| Failure::internal())?;
    Ok(download("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", &export_name(&state, "xlsx"), bytes))
}

#[derive(Template, WebTemplate)]
#[template(path = "units/unit_detail.html")]
pub struct DetailPage {
    layout: Layout,
    unit: UnitView,
    parent_id: Option<UnitId>,
    children: Vec<UnitView>,
    children_total: i64,
    predecessors: Vec<(LineageEntry, String)>,
    successors: Vec<(LineageEntry, String)>,
    can_manage: bool,
    contact: Contact,
    notice: Option<&'static str>,
    errors: Vec<String>,
}

#[derive(Deserialize)]
pub struct DetailQuery {
    saved: Option<String>,
    linked: Option<String>,
    contact: Option<String>,
}

async fn detail_page(state: &AppState, user: &CurrentUser, id: UnitId, notice: Option<&'static str>, errors: Vec<String>) -> Result<DetailPage, Failure> {
    let access = &user.principal.access;
    let unit = state.store.unit(access, id).await?;
    let filter = UnitFilter { parent_id: Some(id), ..Default::default() };
    let children = state.store.units(&access.roots(Permission::ViewUnits), &filter, Paging::new(1, 200)).await?;
    let (predecessors, successors) = state.store.lineage(access, id).await?;
    let dated = |entries: Vec<LineageEntry>| {
        entries
            .into_iter()
            .map(|e| {
                let date = text::parse_date(&e.effective).map(text::format_date).unwrap_or_default();
                (e, date)
            })
            .collect()
    };
    let today = today(state);
    Ok(DetailPage {
        layout: Layout::admin(user, unit.name.clone(), "/admin/units"),
        can_manage: access.can(Permission::ManageUnits, &state.store.unit_ancestry(id).await?),
        parent_id: unit.parent_id,
        unit: UnitView::new(&unit, today),
        children: children.items.iter().map(|u| UnitView::new(u, today)).collect(),
        children_total: children.total,
        predecessors: dated(predecessors),
        successors: dated(successors),
        contact: state.store.unit_contact(id).await?,
        notice,
        errors,
    })
}

pub async fn detail(State(state): State<AppState>, user: CurrentUser, Path(id): Path<UnitId>, Query(q): Query<DetailQuery>) -> PageResult<DetailPage> {
    require(&user.principal.access, Permission::ViewUnits)?;
    let notice = if q.saved.is_some() {
        Some("Đã lưu đơn vị.")
    } else if q.linked.is_some() {
        Some("Đã thêm liên kết sắp xếp.")
    } else if q.contact.is_some() {
        Some("Đã lưu địa chỉ, điện thoại và giờ làm việc.")
    } else {
        None
    };
    Ok(detail_page(&state, &user, id, notice, Vec::new()).await?)
}

#[derive(Template, WebTemplate)]
#[template(path = "units/unit_form.html")]
pub struct FormPage {
    layout: Layout,
    /// The unit being edited; `None` for a new one.
    editing: Option<UnitId>,
    form: UnitFields,
    errors: Vec<FieldError>,
    levels: Vec<(&'static str, &'static str)>,
    /// The units the parent is chosen from: those the official manages.
    parents: Vec<UnitChoice>,
}

async fn form_page(state: &AppState, user: &CurrentUser, editing: Option<UnitId>, form: UnitFields, errors: Vec<FieldError>) -> Result<FormPage, Failure> {
    let title = if editing.is_some() { "Sửa đơn vị" } else { "Thêm đơn vị" };
    let managed = user.principal.access.roots(Permission::ManageUnits);
    let choices = picker::unit_choices(&state.store, &managed, state.clock.now_ms()).await?;
    Ok(FormPage {
        layout: Layout::admin(user, title, "/admin/units"),
        editing,
        parents: picked(&choices, &form.parent_code).into_iter().filter(|c| editing.is_none() || c.code != form.code).collect(),
        form,
        errors,
        levels: UnitLevel::ALL.iter().map(|l| (l.code(), l.label())).collect(),
    })
}

#[derive(Deserialize)]
pub struct NewQuery {
    parent: Option<String>,
}

pub async fn new_form(State(state): State<AppState>, user: CurrentUser, Query(q): Query<NewQuery>) -> PageResult<FormPage> {
    require(&user.principal.access, Permission::ManageUnits)?;
    let form = UnitFields { parent_code: q.parent.unwrap_or_default(), level: UnitLevel::Commune.code().into(), ..Default::default() };
    Ok(form_page(&state, &user, None, form, Vec::new()).await?)
}

pub async fn edit_form(State(state): State<AppState>, user: CurrentUser, Path(id): Path<UnitId>) -> PageResult<FormPage> {
    require(&user.principal.access, Permission::ManageUnits)?;
    let unit = state.store.unit(&user.principal.access, id).await?;
    Ok(form_page(&state, &user, Some(id), UnitFields::from_unit(&unit), Vec::new()).await?)
}

/// Saves a new (`id = None`) or edited unit; re-renders the form with the problems if refused.
async fn save(state: &AppState, user: &CurrentUser, id: Option<UnitId>, form: UnitFields) -> PageResult<Response> {
    require(&user.principal.access, Permission::ManageUnits)?;
    let refuse = async |status: StatusCode, form: UnitFields, errors: Vec<FieldError>| -> PageResult<Response> {
        Ok((status, form_page(state, user, id, form, errors).await?).into_response())
    };
    let input = match form.parse(&state.store).await {
        Ok(input) => input,
        Err(errors) => return refuse(StatusCode::UNPROCESSABLE_ENTITY, form, errors).await,
    };
    let actor = user.actor(state);
    let access = &user.principal.access;
    let saved = match id {
        None => state.store.create_unit(&actor, access, &input).await,
        Some(id) => state.store.update_unit(&actor, access, id, &input).await,
    };
    match saved {
        Ok(unit) => Ok(Redirect::to(&format!("/admin/units/{}?saved=1", unit.id)).into_response()),
        Err(e @ (storage::Error::Conflict(_) | storage::Error::Forbidden | storage::Error::Unit(_))) => {
            let failure = Failure::from(e);
            refuse(failure.status, form, vec![FieldError { field: String::new(), message: failure.detail }]).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn create(State(state): State<AppState>, user: CurrentUser, CheckedForm(form): CheckedForm<UnitFields>) -> PageResult<Response> {
    save(&state, &user, None, form).await
}

pub async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<UnitId>,
    CheckedForm(form): CheckedForm<UnitFields>,
) -> PageResult<Response> {
    save(&state, &user, Some(id), form).await
}

#[derive(Deserialize)]
pub struct LineageForm {
    #[serde(default)]
    predecessor_code: String,
    #[serde(default)]
    effective: String,
    /// Percent of the predecessor's population, optional.
    #[serde(default)]
    share: String,
    #[serde(default)]
    note: String,
}

pub async fn add_lineage(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<UnitId>,
    CheckedForm(form): CheckedForm<LineageForm>,
) -> PageResult<Response> {
    require(&user.principal.access, Permission::ManageUnits)?;
    let mut errors = Vec::new();
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    let predecessor = state.store.public_unit_by_code(form.predecessor_code.trim()).await.ok();
    if predecessor.is_none() {
        errors.push(format!("Không tìm thấy đơn vị tiền thân có mã «{}».", form.predecessor_code.trim()));
    }
    let effective = text::parse_date(&form.effective);
    if effective.is_none() {
        errors.push("Ngày sắp xếp không hợp lệ; nhập theo dạng dd/mm/yyyy.".into());
    }
    let share = match form.share.trim() {
        "" => Ok(None),
        s => text::parse_percent(s).map(|p| Some(p / 100.0)).ok_or(()),
    };
    if share.is_err() {
        errors.push("Tỷ lệ dân số phải là một số phần trăm, ví dụ 35 hoặc 35,5.".into());
    }
    if let (Some(predecessor), Some(effective), Ok(share), true) = (predecessor, effective, share, errors.is_empty()) {
        let input = LineageInput { predecessor_id: predecessor.id, successor_id: id, effective, share, note: text::clean(&form.note) };
        match state.store.add_lineage(&user.actor(&state), &user.principal.access, &input).await {
            Ok(()) => return Ok(Redirect::to(&format!("/admin/units/{id}?linked=1")).into_response()),
            Err(e @ (storage::Error::Conflict(_) | storage::Error::Forbidden | storage::Error::Unit(_) | storage::Error::NotFound)) => {
                let failure = Failure::from(e);
                status = failure.status;
                errors.push(failure.detail);
            }
            Err(e) => return Err(e.into()),
        }
    }
    let page = detail_page(&state, &user, id, None, errors).await?;
    Ok((status, page).into_response())
}

#[derive(Deserialize)]
pub struct ContactForm {
    #[serde(default)]
    address: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    hours: String,
}

/// Sets the unit's address, telephone and working hours, shown on its public page.
pub async fn set_contact(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<UnitId>,
    CheckedForm(form): CheckedForm<ContactForm>,
) -> PageResult<Response> {
    require(&user.principal.access, Permission::ManageUnits)?;
    let contact = Contact { address: form.address, phone: form.phone, hours: form.hours };
    match state.store.set_unit_contact(&user.actor(&state), &user.principal.access, id, contact).await {
        Ok(_) => Ok(Redirect::to(&format!("/admin/units/{id}?contact=1")).into_response()),
        Err(storage::Error::Invalid(errors)) => Ok((StatusCode::UNPROCESSABLE_ENTITY, detail_page(&state, &user, id, None, errors).await?).into_response()),
        Err(e) => Err(e.into()),
    }
}
