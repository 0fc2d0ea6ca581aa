//! Draw pages: a new draw from the overview's form, a draw with its parameters, quota progress
//! per unit and drawn dossiers, replacements, the replay check and the list as CSV.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use domain::auth::Permission;
use domain::sampling::draw::{DrawParams, Strata};
use domain::text;
use serde::Deserialize;
use storage::Paging;
use storage::sampling::{DrawCheck, DrawMember, DrawRecord, DrawRequest, QuotaProgress};

use super::frame::show_date;
use crate::AppState;
use crate::auth::csrf::CheckedForm;
use crate::auth::require;
use crate::auth::session::CurrentUser;
use crate::auth::tokens;
use crate::error::{Failure, PageResult};
use crate::extract::{Path, Query};
use crate::layout::Layout;
use crate::layout::Pager;

#[derive(Deserialize)]
pub struct DrawForm {
    survey: i64,
    from: String,
    to: String,
    total: String,
    #[serde(default)]
    minimum: String,
    #[serde(default)]
    seed: String,
    #[serde(default)]
    strata: String,
    #[serde(default)]
    reserves: String,
}

fn count(input: &str, default: u64, what: &str) -> Result<u64, Failure> {
    let input = input.trim().replace('.', "");
    if input.is_empty() {
        return Ok(default);
    }
    input.parse().map_err(|_| Failure::invalid(format!("{what} phải là số nguyên không âm.")))
}

/// Most reserves kept per sampled respondent, whatever is asked.
const MOST_RESERVES: u64 = 10;

/// A draw's parameters as asked on the page or through the API; the seed is chosen here when
/// none is given.
pub(super) fn draw_params(total: u64, minimum: u64, strata: Strata, reserves: u64, seed: Option<u64>) -> DrawParams {
    DrawParams {
        total,
        minimum,
        strata,
        reserves_per_sample: reserves.min(MOST_RESERVES),
        seed: seed.unwrap_or_else(|| u64::from_le_bytes(tokens::random_bytes::<8>())),
    }
}

impl DrawForm {
    fn request(&self) -> Result<DrawRequest, Failure> {
        let date = |s: &str, what: &str| text::parse_date(s).ok_or_else(|| Failure::invalid(format!("{what} phải có dạng dd/mm/yyyy.")));
        let seed = match self.seed.trim() {
            "" => None,
            given => Some(given.parse().map_err(|_| Failure::invalid("Hạt giống phải là số nguyên không âm (để trống: hệ thống tự chọn)."))?),
        };
        Ok(DrawRequest {
            survey_id: self.survey,
            from: date(&self.from, "Ngày bắt đầu")?,
            to: date(&self.to, "Ngày kết thúc")?,
            params: draw_params(
                count(&self.total, 0, "Cỡ mẫu")?,
                count(&self.minimum, 0, "Số phiếu tối thiểu mỗi đơn vị")?,
                if self.strata == "field" { Strata::Field } else { Strata::Unit },
                count(&self.reserves, 1, "Số người dự phòng")?,
                seed,
            ),
        })
    }
}

pub async fn create(State(state): State<AppState>, user: CurrentUser, CheckedForm(form): CheckedForm<DrawForm>) -> PageResult<Response> {
    require(&user.principal.access, Permission::ManageSurveys)?;
    let id = state.store.create_draw(&user.actor(&state), &user.principal.access, &form.request()?).await?;
    Ok(Redirect::to(&format!("/admin/sampling/draws/{id}")).into_response())
}

#[derive(Deserialize, Default)]
pub struct DrawQuery {
    unit: Option<String>,
    status: Option<String>,
    page: Option<i64>,
    check: Option<String>,
}

pub struct QuotaView {
    pub progress: QuotaProgress,
    /// Share of the quota answered, 0–100, for the bar.
    pub percent: f64,
}

#[derive(Template, WebTemplate)]
#[template(path = "sampling/sampling_draw.html")]
pub struct DrawPage {
    layout: Layout,
    draw: DrawRecord,
    from: String,
    to: String,
    created: String,
    quotas: Vec<QuotaView>,
    allocated: i64,
    responded: i64,
    members: Vec<DrawMember>,
    unit: Option<i64>,
    status: String,
    pager: Pager,
    check: Option<DrawCheck>,
    /// Interviewers the sample can be assigned to: (id, name).
    interviewers: Vec<(i64, String)>,
}

impl DrawPage {
    fn chosen(&self, unit: impl std::borrow::Borrow<i64>) -> bool {
        self.unit == Some(*unit.borrow())
    }
}

const PER_PAGE: i64 = 100;

pub fn status_label(status: &str, responded: impl std::borrow::Borrow<bool>) -> &'static str {
    match (status, *responded.borrow()) {
        (_, true) => "Đã trả lời",
        ("selected", _) => "Trong mẫu",
        ("reserve", _) => "Dự phòng",
        ("unreachable", _) => "Không liên hệ được",
        _ => "—",
    }
}

pub async fn show(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>, Query(query): Query<DrawQuery>) -> PageResult<DrawPage> {
    let access = &user.principal.access;
    require(access, Permission::ManageSurveys)?;
    let draw = state.store.draw(access, id).await?;
    let unit = query.unit.as_deref().and_then(|u| u.parse().ok());
    let status = query.status.clone().filter(|s| ["selected", "reserve", "unreachable"].contains(&s.as_str())).unwrap_or_default();
    let page = query.page.unwrap_or(1);
    let members = state.store.draw_members(access, id, unit, &status, Paging::new(page, PER_PAGE)).await?;
    let progress = state.store.draw_progress(access, id).await?;
    let check = match query.check {
        Some(_) => Some(state.store.check_draw(access, id).await?),
        None => None,
    };
    let base = format!("/admin/sampling/draws/{id}?unit={}&status={status}", unit.map(|u| u.to_string()).unwrap_or_default());
    Ok(DrawPage {
        layout: Layout::admin(&user, format!("Mẫu số {id}"), "/admin/sampling"),
        from: show_date(&draw.from),
        to: show_date(&draw.to),
        created: text::format_timestamp_ms(draw.created_at),
        allocated: progress.iter().map(|q| q.allocated).sum(),
        responded: progress.iter().map(|q| q.responded).sum(),
        quotas: progress
            .into_iter()
            .map(|p| QuotaView { percent: if p.allocated > 0 { (p.responded as f64 * 100.0 / p.allocated as f64).min(100.0) } else { 0.0 }, progress: p })
            .collect(),
        draw,
        members: members.items,
        unit,
        status,
        pager: Pager::new(page, PER_PAGE, members.total, &base),
        check,
        interviewers: state.store.interviewers(access).await?,
    })
}

#[derive(Deserialize)]
pub struct ReplaceForm {
    entry: i64,
    #[serde(default)]
    reason: String,
}

pub async fn replace(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CheckedForm(form): CheckedForm<ReplaceForm>,
) -> PageResult<Response> {
    let access = &user.principal.access;
    require(access, Permission::ManageSurveys)?;
    let replacement = state.store.replace_member(&user.actor(&state), access, id, form.entry, &form.reason).await?;
    if replacement.is_none() {
        return Err(Failure::conflict("Đã ghi nhận không liên hệ được, nhưng đơn vị này đã hết người dự phòng; hãy rút thêm mẫu.").into());
    }
    Ok(Redirect::to(&format!("/admin/sampling/draws/{id}?status=selected")).into_response())
}

/// The drawn dossiers as CSV (no personal data), for planning the fieldwork.
pub async fn members_csv(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> PageResult<Response> {
    let access = &user.principal.access;
    require(access, Permission::ManageSurveys)?;
    let members = state.store.draw_members(access, id, None, "", Paging::ALL).await?;
    let rows: Vec<Vec<String>> = members
        .items
        .iter()
        .map(|m| {
            vec![
                m.unit_name.clone(),
                m.stratum.clone(),
                (m.rank + 1).to_string(),
                m.dossier_code.clone(),
                status_label(&m.status, m.responded).to_string(),
                m.replaces_code.clone().unwrap_or_default(),
                m.reason.clone(),
            ]
        })
        .collect();
    let body = sheets::write_csv(&["Đơn vị", "Tầng", "Thứ tự rút", "Mã hồ sơ", "Trạng thái", "Thay cho hồ sơ", "Lý do"], &rows);
    let disposition = format!("attachment; filename=\"mau-{id}.csv\"");
    Ok((StatusCode::OK, [(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()), (header::CONTENT_DISPOSITION, disposition)], body).into_response())
}
