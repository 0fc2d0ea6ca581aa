//! The officials' pages (queue a draw's invitations, the participation report and its rules)
//! and the respondent's opt-out page.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use domain::auth::Permission;
use domain::invitations::{InvitationStatus, InviteChannel, ReminderPolicy};
use domain::text;
use serde::Deserialize;
use storage::invitations::{Participation, Pending};

use crate::AppState;
use crate::auth::csrf::{self, CheckedForm};
use crate::auth::require;
use crate::auth::session::CurrentUser;
use crate::auth::tokens;
use crate::error::{Failure, PageResult};
use crate::extract::{Path, Query};
use crate::layout::Layout;
use crate::layout::Pager;

#[derive(Deserialize)]
pub struct InviteForm {
    channel: String,
}

/// Queues invitations for a draw's sample and shows what happened on the participation page.
pub async fn invite(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(draw_id): Path<i64>,
    CheckedForm(form): CheckedForm<InviteForm>,
) -> PageResult<Response> {
    let access = &user.principal.access;
    require(access, Permission::ManageSurveys)?;
    let channel = InviteChannel::parse(&form.channel).filter(|c| c.sends()).ok_or_else(|| Failure::invalid("Hãy chọn kênh gửi lời mời."))?;
    let report = state.store.invite(&user.actor(&state), access, draw_id, channel).await?;
    let survey = state.store.draw(access, draw_id).await?.survey_id;
    let query = format!(
        "queued={}&already={}&no_contact={}&opted_out={}&recently_asked={}",
        report.queued, report.already, report.no_contact, report.opted_out, report.recently_asked
    );
    Ok(Redirect::to(&format!("/admin/surveys/{survey}/participation?{query}")).into_response())
}

#[derive(Deserialize, Default)]
pub struct ParticipationQuery {
    unit: Option<String>,
    page: Option<i64>,
    queued: Option<usize>,
    already: Option<usize>,
    no_contact: Option<usize>,
    opted_out: Option<usize>,
    recently_asked: Option<usize>,
}

pub struct ParticipationRow {
    pub unit: String,
    pub channel: &'static str,
    pub total: i64,
    /// Counts in the order of [`InvitationStatus::ALL`].
    pub counts: Vec<i64>,
    pub rate: String,
}

impl From<&Participation> for ParticipationRow {
    fn from(p: &Participation) -> Self {
        let completed = p.count(InvitationStatus::Completed);
        Self {
            unit: p.unit_name.clone(),
            channel: p.channel.label(),
            total: p.total(),
            counts: InvitationStatus::ALL.iter().map(|s| p.count(*s)).collect(),
            rate: format!("{} %", text::format_number(if p.total() > 0 { completed as f64 * 100.0 / p.total() as f64 } else { 0.0 }, 1)),
        }
    }
}

pub struct PendingRow {
    pub dossier_code: String,
    pub entry_id: i64,
    pub unit: String,
    pub channel: &'static str,
    pub status: &'static str,
    pub last_sent: String,
    pub reminders: i64,
    pub error: String,
}

impl From<Pending> for PendingRow {
    fn from(p: Pending) -> Self {
        Self {
            channel: InviteChannel::parse(&p.channel).map_or("—", InviteChannel::label),
            status: InvitationStatus::parse(&p.status).map_or("—", InvitationStatus::label),
            last_sent: p.last_sent_at.map(text::format_timestamp_ms).unwrap_or_default(),
            dossier_code: p.dossier_code,
            entry_id: p.entry_id,
            unit: p.unit_name,
            reminders: p.reminders,
            error: p.last_error,
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "invitations/participation.html")]
pub struct ParticipationPage {
    layout: Layout,
    survey_id: i64,
    survey_title: String,
    statuses: Vec<&'static str>,
    rows: Vec<ParticipationRow>,
    pending: Vec<PendingRow>,
    pending_total: i64,
    pager: Pager,
    queued: Option<String>,
    manages: bool,
    window_days: i64,
    policy: ReminderPolicy,
}

const PER_PAGE: i64 = 100;

pub async fn participation(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<ParticipationQuery>,
) -> PageResult<ParticipationPage> {
    let access = &user.principal.access;
    require(access, Permission::ViewResults)?;
    let survey = state.store.survey(access, id).await?;
    let report = state.store.participation(access, id).await?;
    let unit = q.unit.as_deref().and_then(|u| u.parse().ok());
    let page = q.page.unwrap_or(1);
    let pending = state.store.pending_invitations(access, id, unit, storage::Paging::new(page, PER_PAGE)).await?;
    let (window_days, policy) = state.store.invitation_policy().await?;
    let queued = q.queued.map(|queued| {
        format!(
            "Đã xếp {queued} lời mời vào hàng gửi. Bỏ qua: {} đã mời trước đó, {} không có địa chỉ cho kênh này, {} đã từ chối nhận, {} vừa được hỏi trong {window_days} ngày qua.",
            q.already.unwrap_or(0),
            q.no_contact.unwrap_or(0),
            q.opted_out.unwrap_or(0),
            q.recently_asked.unwrap_or(0)
        )
    });
    Ok(ParticipationPage {
        layout: Layout::admin(&user, format!("Theo dõi tham gia — {}", survey.title), "/admin/surveys"),
        survey_id: survey.id,
        survey_title: survey.title,
        statuses: InvitationStatus::ALL.iter().map(|s| s.label()).collect(),
        rows: report.iter().map(ParticipationRow::from).collect(),
        pager: Pager::new(
            page,
            PER_PAGE,
            pending.total,
            &format!("/admin/surveys/{id}/participation?unit={}", unit.map(|u| u.to_string()).unwrap_or_default()),
        ),
        pending_total: pending.total,
        pending: pending.items.into_iter().map(PendingRow::from).collect(),
        queued,
        manages: access.has(Permission::ManageSurveys),
        window_days,
        policy,
    })
}

#[derive(Deserialize)]
pub struct SettingsForm {
    window_days: String,
    after_days: String,
    max_reminders: String,
}

pub async fn save_settings(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CheckedForm(form): CheckedForm<SettingsForm>,
) -> PageResult<Response> {
    let number = |s: &str, what: &str| s.trim().parse::<i64>().map_err(|_| Failure::invalid(format!("{what} phải là một số nguyên.")));
    let window = number(&form.window_days, "Khoảng cách giữa hai lần hỏi")?;
    let policy = ReminderPolicy {
        after_days: number(&form.after_days, "Số ngày trước khi nhắc")?, max: number(&form.max_reminders, "Số lần nhắc tối đa")?
    };
    state.store.set_invitation_policy(&user.actor(&state), &user.principal.access, window, policy).await?;
    Ok(Redirect::to(&format!("/admin/surveys/{id}/participation")).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "invitations/opt_out.html")]
pub struct OptOutPage {
    layout: Layout,
    token: String,
    done: bool,
}

pub async fn opt_out_form(State(state): State<AppState>, headers: HeaderMap, Path(token): Path<String>) -> Response {
    let visitor = csrf::VisitorToken::new(&state, &headers);
    let mut page = OptOutPage { layout: Layout::public("Từ chối nhận lời mời khảo sát"), token, done: false };
    page.layout.csrf = visitor.token.clone();
    visitor.attach(page.into_response())
}

/// The opt-out form carries nothing but its CSRF token.
#[derive(Deserialize)]
pub struct Confirmation {}

pub async fn opt_out(State(state): State<AppState>, Path(token): Path<String>, CheckedForm(_): CheckedForm<Confirmation>) -> PageResult<Response> {
    match state.store.opt_out(&tokens::digest(&token), state.clock.now_ms()).await {
        Err(storage::Error::NotFound) => Err(Failure::invalid("Đường dẫn không hợp lệ.").into()),
        Err(e) => Err(e.into()),
        Ok(()) => Ok((StatusCode::OK, OptOutPage { layout: Layout::public("Đã ghi nhận"), token, done: true }).into_response()),
    }
}
