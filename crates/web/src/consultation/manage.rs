//! The drafting unit's pages: set up a consultation, import the draft (DOCX or pasted text) and
//! check its structure, publish it; moderate the comments; answer each position; publish the
//! report with the final text. Storage checks the unit scope and the order of the steps.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use domain::auth::Permission;
use domain::consultation::{self, Audience, CommentStatus, Decision, Line, Moderation, ParticipantKind, Phase, Settings, Status, Subject, Verdict};
use domain::text;
use serde::Deserialize;
use storage::Paging;
use storage::consultation::Consultation;

use super::{OutlineEntry, PositionView, outline_entries, part_label, period, phase_class, require};
use crate::AppState;
use crate::auth::csrf::{CheckedForm, CheckedUpload};
use crate::auth::session::CurrentUser;
use crate::error::{Failure, PageResult, moment};
use crate::extract::{Path, Query};
use crate::layout::{Layout, Pager};
use crate::units::picker::{self, UnitChoice};

const PER_PAGE: i64 = 30;
const ACTIVE: &str = "/admin/y-kien";

#[derive(Deserialize, Default)]
pub struct ListQuery {
    page: Option<i64>,
}

pub struct Row {
    pub id: i64,
    pub title: String,
    pub unit: String,
    pub phase: &'static str,
    pub phase_class: &'static str,
    pub period: String,
    pub comments: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "consultation/manage_list.html")]
pub struct ListPage {
    layout: Layout,
    rows: Vec<Row>,
    pager: Pager,
}

pub async fn list(State(state): State<AppState>, user: CurrentUser, Query(q): Query<ListQuery>) -> PageResult<ListPage> {
    require(&user)?;
    let now = state.clock.now_ms();
    let page = q.page.unwrap_or(1);
    let found = state.store.managed_consultations(&user.principal.access, now, Paging::new(page, PER_PAGE)).await?;
    let rows = found
        .items
        .iter()
        .map(|(c, comments)| Row {
            id: c.id,
            title: c.settings.title.clone(),
            unit: c.unit_name.clone(),
            phase: c.phase(now).label(),
            phase_class: phase_class(c.phase(now)),
            period: period(c),
            comments: text::format_count(*comments as u64),
        })
        .collect();
    Ok(ListPage { layout: Layout::admin(&user, "Lấy ý kiến", ACTIVE), rows, pager: Pager::new(page, PER_PAGE, found.total, ACTIVE) })
}

/// The settings as typed.
#[derive(Deserialize, Default, Clone)]
pub struct SettingsFields {
    #[serde(default)]
    unit: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    audience: String,
    /// Unit codes, one per line or separated by commas.
    #[serde(default)]
    invited: String,
    #[serde(default)]
    moderation: String,
    #[serde(default)]
    opens_on: String,
    #[serde(default)]
    opens_time: String,
    #[serde(default)]
    closes_on: String,
    #[serde(default)]
    closes_time: String,
}

impl SettingsFields {
    fn of(c: &Consultation, invited_codes: String) -> Self {
        let (opens, closes) = (text::vn_datetime(c.settings.opens_at), text::vn_datetime(c.settings.closes_at));
        Self {
            unit: String::new(),
            title: c.settings.title.clone(),
            summary: c.settings.summary.clone(),
            subject: c.settings.subject.code().into(),
            audience: c.settings.audience.code().into(),
            invited: invited_codes,
            moderation: c.settings.moderation.code().into(),
            opens_on: text::format_date(opens.date()),
            opens_time: format!("{:02}:{:02}", opens.hour(), opens.minute()),
            closes_on: text::format_date(closes.date()),
            closes_time: format!("{:02}:{:02}", closes.hour(), closes.minute()),
        }
    }

    async fn settings(&self, state: &AppState) -> Result<Settings, Vec<String>> {
        let mut problems = Vec::new();
        let subject = Subject::parse(&self.subject).unwrap_or(Subject::Policy);
        let audience = Audience::parse(&self.audience).unwrap_or(Audience::Everyone);
        let moderation = Moderation::parse(&self.moderation).unwrap_or(Moderation::Before);
        if audience == Audience::Identified && state.vneid.is_none() {
            problems.push("Hệ thống chưa được kết nối với VNeID: chưa thể chỉ nhận ý kiến của người đã xác thực danh tính điện tử.".into());
        }
        let mut invited = Vec::new();
        for code in self.invited.split([',', ';', '\n']).map(str::trim).filter(|c| !c.is_empty()) {
            match state.store.public_unit_by_code(code).await {
                Ok(unit) => invited.push(unit.id),
                Err(_) => problems.push(format!("Không có đơn vị mã «{code}».")),
            }
        }
        let mut at = |day: &str, time: &str, what: &str| match moment(day, time) {
            Ok(Some(at)) => at,
            Ok(None) => {
                problems.push(format!("Cần ghi ngày {what} lấy ý kiến."));
                0
            }
            Err(e) => {
                problems.push(e.detail);
                0
            }
        };
        let opens_at = at(&self.opens_on, &self.opens_time, "bắt đầu");
        let closes_at = at(&self.closes_on, &self.closes_time, "kết thúc");
        if problems.is_empty() {
            Ok(Settings { title: self.title.clone(), summary: self.summary.clone(), subject, audience, invited, moderation, opens_at, closes_at })
        } else {
            Err(problems)
        }
    }
}

fn choices<T: Copy>(all: &[T], code: fn(T) -> &'static str, label: fn(T) -> &'static str) -> Vec<(&'static str, &'static str)> {
    all.iter().map(|v| (code(*v), label(*v))).collect()
}

/// What the unit may do with the consultation now.
#[derive(Default)]
pub struct Steps {
    pub edit: bool,
    pub publish: bool,
    pub report: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "consultation/manage.html")]
pub struct ManagePage {
    layout: Layout,
    id: Option<i64>,
    form: SettingsFields,
    errors: Vec<String>,
    notice: Option<String>,
    units: Vec<UnitChoice>,
    subjects: Vec<(&'static str, &'static str)>,
    audiences: Vec<(&'static str, &'static str)>,
    moderations: Vec<(&'static str, &'static str)>,
    min_days: i64,
    phase: &'static str,
    phase_class: &'static str,
    steps: Steps,
    entries: Vec<OutlineEntry>,
    parts: usize,
    preamble: String,
    pending: String,
    unanswered: String,
    comments: String,
    final_text: String,
}

impl ManagePage {
    fn blank(state: &AppState, user: &CurrentUser, title: &str) -> Self {
        Self {
            layout: Layout::admin(user, title, ACTIVE),
            id: None,
            form: SettingsFields {
                subject: Subject::LegalDraft.code().into(),
                moderation: Moderation::Before.code().into(),
                opens_time: "08:00".into(),
                closes_time: "17:00".into(),
                ..SettingsFields::default()
            },
            errors: Vec::new(),
            notice: None,
            units: Vec::new(),
            subjects: choices(Subject::ALL, Subject::code, Subject::label),
            audiences: choices(Audience::ALL, Audience::code, Audience::label),
            moderations: choices(Moderation::ALL, Moderation::code, Moderation::label),
            min_days: state.config.consultation.min_days_legal,
            phase: Phase::Draft.label(),
            phase_class: "tag",
            steps: Steps { edit: true, ..Steps::default() },
            entries: Vec::new(),
            parts: 0,
            preamble: String::new(),
            pending: "0".into(),
            unanswered: "0".into(),
            comments: "0".into(),
            final_text: String::new(),
        }
    }
}

async fn new_page(state: &AppState, user: &CurrentUser, form: Option<SettingsFields>, errors: Vec<String>) -> Result<ManagePage, Failure> {
    let mut page = ManagePage::blank(state, user, "Tạo đợt lấy ý kiến");
    if let Some(form) = form {
        page.form = form;
    }
    let roots = user.principal.access.roots(Permission::RunConsultations);
    let choices = picker::unit_choices(&state.store, &roots, state.clock.now_ms()).await?;
    if page.form.unit.trim().is_empty()
        && let Some(first) = choices.first()
    {
        page.form.unit = first.code.clone();
    }
    page.units = picker::picked(&choices, &page.form.unit);
    page.errors = errors;
    Ok(page)
}

pub async fn new_form(State(state): State<AppState>, user: CurrentUser) -> PageResult<ManagePage> {
    require(&user)?;
    Ok(new_page(&state, &user, None, Vec::new()).await?)
}

pub async fn create(State(state): State<AppState>, user: CurrentUser, CheckedForm(form): CheckedForm<SettingsFields>) -> PageResult<Response> {
    require(&user)?;
    let refuse = async |form: SettingsFields, errors: Vec<String>| -> PageResult<Response> {
        Ok((StatusCode::UNPROCESSABLE_ENTITY, new_page(&state, &user, Some(form), errors).await?).into_response())
    };
    let Ok(unit) = state.store.public_unit_by_code(form.unit.trim()).await else {
        return refuse(form, vec!["Chọn cơ quan soạn thảo.".into()]).await;
    };
    let settings = match form.settings(&state).await {
        Ok(settings) => settings,
        Err(errors) => return refuse(form, errors).await,
    };
    match state.store.create_consultation(&user.actor(&state), &user.principal.access, unit.id, settings, &state.config.consultation).await {
        Ok(id) => Ok(Redirect::to(&format!("/admin/y-kien/{id}?xong=luu")).into_response()),
        Err(storage::Error::Invalid(errors)) => refuse(form, errors).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
pub struct ShowQuery {
    xong: Option<String>,
}

async fn manage_page(state: &AppState, user: &CurrentUser, c: &Consultation, form: Option<SettingsFields>, errors: Vec<String>) -> Result<ManagePage, Failure> {
    let now = state.clock.now_ms();
    let phase = c.phase(now);
    let draft = state.store.consultation_draft(c.id).await?;
    let statistics = state.store.consultation_statistics(c.id).await?;
    let pending = statistics.comments_in(CommentStatus::Pending);
    let unanswered = statistics.positions - statistics.answered;
    let mut invited = Vec::new();
    for unit in &c.settings.invited {
        invited.push(state.store.public_unit(*unit).await?.code.to_string());
    }
    let mut page = ManagePage::blank(state, user, &c.settings.title);
    page.id = Some(c.id);
    page.form = form.unwrap_or_else(|| SettingsFields::of(c, invited.join(", ")));
    page.errors = errors;
    page.phase = phase.label();
    page.phase_class = phase_class(phase);
    page.steps = Steps { edit: c.status == Status::Draft, publish: c.status == Status::Draft && !draft.parts.is_empty(), report: phase == Phase::Closed };
    page.entries = outline_entries(&draft);
    page.parts = draft.parts.len();
    page.preamble = draft.outline.parts.first().map(|p| p.body.clone()).unwrap_or_default();
    page.pending = text::format_count(pending as u64);
    page.unanswered = text::format_count(unanswered as u64);
    page.comments = text::format_count(draft.comments() as u64);
    page.final_text = c.final_text.clone();
    Ok(page)
}

fn done(what: Option<&str>) -> Option<String> {
    Some(
        match what? {
            "luu" => "Đã lưu.",
            "toan-van" => "Đã nhập toàn văn dự thảo; hãy kiểm tra các chương, điều, khoản dưới đây.",
            "cong-bo" => "Đã công bố dự thảo; người dân góp ý được trong thời gian lấy ý kiến.",
            "bao-cao" => "Đã công bố báo cáo tiếp thu, giải trình và văn bản đã chỉnh lý; người góp ý có để lại liên hệ sẽ được thông báo.",
            _ => return None,
        }
        .to_string(),
    )
}

pub async fn show(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>, Query(q): Query<ShowQuery>) -> PageResult<ManagePage> {
    require(&user)?;
    let c = state.store.managed_consultation(&user.principal.access, id).await?;
    let mut page = manage_page(&state, &user, &c, None, Vec::new()).await?;
    page.notice = done(q.xong.as_deref());
    Ok(page)
}

pub async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CheckedForm(form): CheckedForm<SettingsFields>,
) -> PageResult<Response> {
    require(&user)?;
    let access = &user.principal.access;
    let c = state.store.managed_consultation(access, id).await?;
    let result = match form.settings(&state).await {
        Ok(settings) => state.store.update_consultation(&user.actor(&state), access, id, settings, &state.config.consultation).await,
        Err(errors) => Err(storage::Error::Invalid(errors)),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/admin/y-kien/{id}?xong=luu")).into_response()),
        Err(storage::Error::Invalid(errors)) => {
            Ok((StatusCode::UNPROCESSABLE_ENTITY, manage_page(&state, &user, &c, Some(form), errors).await?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// The draft's text, from a DOCX file or pasted: split into its parts and saved.
pub async fn upload_text(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> PageResult<Response> {
    require(&user)?;
    let access = &user.principal.access;
    let c = state.store.managed_consultation(access, id).await?;
    let mut upload = CheckedUpload::read(&state, &headers, multipart).await?;
    let lines = match upload.take_file() {
        Some((name, bytes)) if name.to_lowercase().ends_with(".docx") => tokio::task::spawn_blocking(move || sheets::read_docx(&bytes))
            .await
            .map_err(|_| Failure::internal())?
            .map_err(|e| Failure::invalid(e.to_string()))?,
        Some(_) => return Err(Failure::invalid("Chỉ nhận tệp .docx (Word). Tệp .doc cũ: hãy mở bằng Word và lưu lại dạng .docx.").into()),
        None => upload.fields.get("text").map(|t| t.lines().map(Line::paragraph).collect()).unwrap_or_default(),
    };
    let outline = match consultation::outline(&lines) {
        Ok(outline) => outline,
        Err(e) => return Ok((StatusCode::UNPROCESSABLE_ENTITY, manage_page(&state, &user, &c, None, vec![e.to_string()]).await?).into_response()),
    };
    state.store.save_consultation_text(&user.actor(&state), access, id, &outline).await?;
    Ok(Redirect::to(&format!("/admin/y-kien/{id}?xong=toan-van#cau-truc")).into_response())
}

pub async fn publish(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CheckedForm(_): CheckedForm<crate::auth::csrf::Empty>,
) -> PageResult<Response> {
    require(&user)?;
    state.store.publish_consultation(&user.actor(&state), &user.principal.access, id).await?;
    Ok(Redirect::to(&format!("/admin/y-kien/{id}?xong=cong-bo")).into_response())
}

#[derive(Deserialize, Default)]
pub struct QueueQuery {
    #[serde(rename = "trang-thai")]
    status: Option<String>,
    /// The last comment of the page before.
    sau: Option<i64>,
}

pub struct QueueRow {
    pub id: i64,
    pub part: String,
    pub text: String,
    pub status: &'static str,
    pub status_code: &'static str,
    pub reason: String,
    pub by: String,
    pub verified: bool,
    pub members: i64,
    pub at: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "consultation/queue.html")]
pub struct QueuePage {
    layout: Layout,
    id: i64,
    title: String,
    status: String,
    statuses: Vec<(&'static str, &'static str)>,
    rows: Vec<QueueRow>,
    total: String,
    /// The address of the next page, when this one is full.
    next: Option<String>,
    /// Not the first page: a link back to the start.
    later: bool,
}

pub async fn queue(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>, Query(q): Query<QueueQuery>) -> PageResult<QueuePage> {
    require(&user)?;
    let access = &user.principal.access;
    let c = state.store.managed_consultation(access, id).await?;
    let draft = state.store.consultation_draft(id).await?;
    let status = match q.status.as_deref() {
        None => Some(CommentStatus::Pending),
        Some("tat-ca") => None,
        Some(code) => Some(CommentStatus::parse(code).ok_or_else(|| Failure::invalid("Trạng thái không hợp lệ."))?),
    };
    let after = q.sau.unwrap_or(0);
    let found = state.store.moderation_queue(access, id, status, after, PER_PAGE).await?;
    let status_code = status.map_or("tat-ca", CommentStatus::code);
    let next = (found.items.len() as i64 == PER_PAGE)
        .then(|| found.items.last().map(|m| format!("/admin/y-kien/{id}/kiem-duyet?trang-thai={status_code}&sau={}", m.id)))
        .flatten();
    let rows = found
        .items
        .iter()
        .map(|m| QueueRow {
            id: m.id,
            part: part_label(&draft, m.part_id),
            text: m.text.clone(),
            status: m.status().label(),
            status_code: m.status().code(),
            reason: m.reason.clone(),
            by: m.organisation.clone().unwrap_or_else(|| ParticipantKind::parse(&m.kind).unwrap_or(ParticipantKind::Person).label().to_string()),
            verified: m.verified,
            members: m.members,
            at: text::format_timestamp_ms(m.created_at),
        })
        .collect();
    let mut statuses: Vec<(&'static str, &'static str)> = CommentStatus::ALL.iter().map(|s| (s.code(), s.label())).collect();
    statuses.push(("tat-ca", "Tất cả"));
    Ok(QueuePage {
        layout: Layout::admin(&user, format!("Duyệt ý kiến — {}", c.settings.title), ACTIVE),
        id,
        title: c.settings.title.clone(),
        status: status_code.to_string(),
        statuses,
        rows,
        total: text::format_count(found.total as u64),
        next,
        later: after > 0,
    })
}

#[derive(Deserialize)]
pub struct ModerationFields {
    decision: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    back: String,
}

pub async fn moderate(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, comment)): Path<(i64, i64)>,
    CheckedForm(form): CheckedForm<ModerationFields>,
) -> PageResult<Response> {
    require(&user)?;
    let decision = match form.decision.as_str() {
        "dang" => Decision::Publish,
        "khong-dang" => Decision::Reject { reason: form.reason.clone() },
        _ => return Err(Failure::invalid("Quyết định không hợp lệ.").into()),
    };
    state.store.moderate_comment(&user.actor(&state), &user.principal.access, id, comment, &decision).await?;
    let back = CommentStatus::parse(&form.back).map_or("tat-ca", CommentStatus::code);
    Ok(Redirect::to(&format!("/admin/y-kien/{id}/kiem-duyet?trang-thai={back}")).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "consultation/original.html")]
pub struct OriginalPage {
    layout: Layout,
    id: i64,
    text: String,
    name: String,
    contact: String,
}

/// What a participant typed, with their name and contact: opened for the drafting unit, and
/// recorded in the audit log.
pub async fn original(State(state): State<AppState>, user: CurrentUser, Path((id, comment)): Path<(i64, i64)>) -> PageResult<OriginalPage> {
    require(&user)?;
    let opened = state.store.original_comment(&user.actor(&state), &user.principal.access, id, comment).await?;
    Ok(OriginalPage {
        layout: Layout::admin(&user, "Nguyên văn ý kiến", ACTIVE),
        id,
        text: opened.text,
        name: opened.name.unwrap_or_else(|| "(không ghi)".into()),
        contact: opened.contact.unwrap_or_else(|| "(không để lại)".into()),
    })
}

#[derive(Deserialize, Default)]
pub struct AnswersQuery {
    #[serde(rename = "tat-ca")]
    all: Option<String>,
    page: Option<i64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "consultation/answers.html")]
pub struct AnswersPage {
    layout: Layout,
    id: i64,
    title: String,
    all: bool,
    positions: Vec<PositionView>,
    verdicts: Vec<(&'static str, &'static str)>,
    total: String,
    pager: Pager,
    can_answer: bool,
}

pub async fn answers(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>, Query(q): Query<AnswersQuery>) -> PageResult<AnswersPage> {
    require(&user)?;
    let access = &user.principal.access;
    let c = state.store.managed_consultation(access, id).await?;
    let draft = state.store.consultation_draft(id).await?;
    let all = q.all.is_some();
    let page = q.page.unwrap_or(1);
    let found = state.store.answer_queue(access, id, !all, Paging::new(page, PER_PAGE)).await?;
    let base = if all { format!("/admin/y-kien/{id}/tiep-thu?tat-ca=1") } else { format!("/admin/y-kien/{id}/tiep-thu") };
    Ok(AnswersPage {
        layout: Layout::admin(&user, format!("Tiếp thu, giải trình — {}", c.settings.title), ACTIVE),
        id,
        title: c.settings.title.clone(),
        all,
        positions: found.items.iter().map(|p| PositionView::new(&draft, p)).collect(),
        verdicts: choices(Verdict::ALL, Verdict::code, Verdict::label),
        total: text::format_count(found.total as u64),
        pager: Pager::new(page, PER_PAGE, found.total, &base),
        can_answer: c.status == Status::Published,
    })
}

#[derive(Deserialize)]
pub struct AnswerFields {
    verdict: String,
    #[serde(default)]
    answer: String,
}

pub async fn answer(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, group)): Path<(i64, i64)>,
    CheckedForm(form): CheckedForm<AnswerFields>,
) -> PageResult<Response> {
    require(&user)?;
    let verdict = Verdict::parse(&form.verdict).ok_or_else(|| Failure::invalid("Hãy chọn tiếp thu, giải trình hoặc không tiếp thu."))?;
    state.store.answer_position(&user.actor(&state), &user.principal.access, id, group, verdict, &form.answer).await?;
    Ok(Redirect::to(&format!("/admin/y-kien/{id}/tiep-thu#y-{group}")).into_response())
}

#[derive(Deserialize)]
pub struct ReportFields {
    #[serde(default)]
    final_text: String,
}

pub async fn report(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CheckedForm(form): CheckedForm<ReportFields>,
) -> PageResult<Response> {
    require(&user)?;
    let access = &user.principal.access;
    match state.store.publish_report(&user.actor(&state), access, id, &form.final_text, state.clock.now_ms()).await {
        Ok(_) => Ok(Redirect::to(&format!("/admin/y-kien/{id}?xong=bao-cao")).into_response()),
        Err(storage::Error::Invalid(errors)) => {
            let c = state.store.managed_consultation(access, id).await?;
            let mut page = manage_page(&state, &user, &c, None, errors).await?;
            page.final_text = form.final_text;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
