//! The officials' side: the list of questions (waiting first, by deadline), a question with its
//! history and the steps the caller may take (dispatch, give back, draft, approve or send back,
//! decline, publish, pin), the asker's contact and files opened on purpose (audited), the topics,
//! the working calendar, and each unit's statistics (also as XLSX). Storage checks every right.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use domain::auth::Permission;
use domain::calendar::DayChange;
use domain::qa::Status;
use domain::text;
use serde::Deserialize;
use sheets::{ReportSheet, Value};
use storage::Paging;
use storage::qa::{Asker, QuestionFilter, Review, UnitTally};

use super::{EventView, deadline_text, may_read, status_class};
use crate::AppState;
use crate::auth::csrf::CheckedForm;
use crate::auth::session::CurrentUser;
use crate::error::{Failure, PageResult};
use crate::extract::{Path, Query};
use crate::layout::{Layout, Pager};
use crate::reports::{Format, attachment, draw, office};
use crate::units::picker::{UnitChoice, unit_choices};

const PER_PAGE: i64 = 30;
const ACTIVE: &str = "/admin/hoi-dap";

fn require(user: &CurrentUser, permission: Permission) -> Result<(), Failure> {
    if user.principal.access.has(permission) { Ok(()) } else { Err(Failure::forbidden()) }
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    trang_thai: Option<String>,
    qua_han: Option<String>,
    cho_phan_cong: Option<String>,
    page: Option<i64>,
}

pub struct Row {
    pub id: i64,
    pub title: String,
    pub kind: &'static str,
    pub topic: String,
    pub unit: String,
    pub status: &'static str,
    pub status_class: &'static str,
    pub received: String,
    pub deadline: String,
    pub overdue: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "qa/list.html")]
pub struct ListPage {
    layout: Layout,
    rows: Vec<Row>,
    total: String,
    statuses: Vec<(&'static str, &'static str)>,
    status: String,
    overdue: bool,
    unassigned: bool,
    dispatches: bool,
    pager: Pager,
}

pub async fn list(State(state): State<AppState>, user: CurrentUser, Query(q): Query<ListQuery>) -> PageResult<ListPage> {
    may_read(&user.principal.access)?;
    let now = state.clock.now_ms();
    let page = q.page.unwrap_or(1);
    let status = q.trang_thai.as_deref().and_then(Status::parse);
    let filter = QuestionFilter { status, overdue_at: q.qua_han.as_ref().map(|_| now), unassigned: q.cho_phan_cong.is_some() };
    let found = state.store.questions(&user.principal.access, &filter, Paging::new(page, PER_PAGE)).await?;
    let rows = found
        .items
        .iter()
        .map(|question| Row {
            id: question.id,
            title: question.title.clone(),
            kind: question.kind().label(),
            topic: question.topic_name.clone(),
            unit: question.unit_name.clone().unwrap_or_else(|| "Chờ phân công".into()),
            status: question.status().label(),
            status_class: status_class(question.status()),
            received: text::format_timestamp_ms(question.received_at),
            deadline: deadline_text(question, now),
            overdue: domain::qa::is_overdue(question.status(), question.deadline_at, now),
        })
        .collect();
    Ok(ListPage {
        layout: Layout::admin(&user, "Hỏi đáp, phản ánh, kiến nghị", ACTIVE),
        rows,
        total: text::format_count(found.total as u64),
        statuses: Status::ALL.iter().map(|s| (s.code(), s.label())).collect(),
        status: status.map(Status::code).unwrap_or_default().into(),
        overdue: filter.overdue_at.is_some(),
        unassigned: filter.unassigned,
        dispatches: user.principal.access.has(Permission::DispatchQuestions),
        pager: Pager::new(page, PER_PAGE, found.total, ACTIVE),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "qa/show.html")]
pub struct ShowPage {
    layout: Layout,
    id: i64,
    title: String,
    body: String,
    kind: &'static str,
    channel: &'static str,
    topic: String,
    asked_unit: String,
    unit: String,
    status: &'static str,
    status_class: &'static str,
    received: String,
    deadline: String,
    escalations: i64,
    /// When the asker proved who they are with VNeID, if they did.
    identified: Option<String>,
    consent: bool,
    draft: String,
    answer: Option<String>,
    reason: Option<String>,
    published: bool,
    pinned: bool,
    useful: String,
    files: Vec<(i64, String, String)>,
    events: Vec<EventView>,
    asker: Option<Asker>,
    /// What the caller may do now.
    can_dispatch: bool,
    can_answer: bool,
    can_review: bool,
    can_decline: bool,
    can_publish: bool,
    units: Vec<UnitChoice>,
    errors: Vec<String>,
}

async fn show_page(state: &AppState, user: &CurrentUser, id: i64, asker: Option<Asker>, errors: Vec<String>) -> PageResult<ShowPage> {
    let access = &user.principal.access;
    let now = state.clock.now_ms();
    let (question, events, files) = state.store.question(access, id).await?;
    let status = question.status();
    let holds = |permission| async move {
        match question.unit_id {
            Some(unit) => state.store.unit_ancestry(unit).await.map(|a| access.can(permission, &a)).unwrap_or(false),
            None => false,
        }
    };
    let dispatcher = access.has(Permission::DispatchQuestions);
    let can_answer = holds(Permission::AnswerQuestions).await && matches!(status, Status::Handling | Status::Review);
    let can_review = holds(Permission::ApproveAnswers).await && status == Status::Review;
    let can_dispatch = dispatcher && status.is_pending();
    let units = if can_dispatch { unit_choices(&state.store, &state.store.root_units().await?, now).await? } else { Vec::new() };
    Ok(ShowPage {
        layout: Layout::admin(user, question.title.clone(), ACTIVE),
        id,
        kind: question.kind().label(),
        channel: question.channel().label(),
        topic: question.topic_name.clone(),
        asked_unit: question.asked_unit_name.clone().unwrap_or_default(),
        unit: question.unit_name.clone().unwrap_or_else(|| "Chờ phân công".into()),
        status: status.label(),
        status_class: status_class(status),
        received: text::format_timestamp_ms(question.received_at),
        deadline: deadline_text(&question, now),
        escalations: question.escalations,
        identified: question.identified_at.map(text::format_timestamp_ms),
        consent: question.consent,
        draft: question.draft.clone(),
        answer: question.answer.clone(),
        reason: question.reason.clone(),
        published: question.published_at.is_some(),
        pinned: question.pinned,
        useful: format!("{} hữu ích, {} chưa hữu ích", text::format_count(question.useful as u64), text::format_count(question.not_useful as u64)),
        files: files.iter().map(|f| (f.id, f.name.clone(), text::format_count(f.size as u64 / 1024 + 1))).collect(),
        events: events.iter().map(EventView::new).collect(),
        asker,
        can_dispatch,
        can_answer,
        can_review,
        can_decline: can_dispatch,
        can_publish: status == Status::Answered && question.consent && (dispatcher || holds(Permission::ApproveAnswers).await),
        units,
        errors,
        title: question.title,
        body: question.body,
    })
}

pub async fn show(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> PageResult<ShowPage> {
    may_read(&user.principal.access)?;
    show_page(&state, &user, id, None, Vec::new()).await
}

#[derive(Deserialize)]
pub struct Empty {}

/// Opens the asker's name and contact on the question's page (a deliberate act, audited).
pub async fn asker(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>, CheckedForm(_): CheckedForm<Empty>) -> PageResult<ShowPage> {
    let asker = state.store.open_asker(&user.actor(&state), &user.principal.access, id).await?;
    show_page(&state, &user, id, Some(asker), Vec::new()).await
}

pub async fn file(State(state): State<AppState>, user: CurrentUser, Path((id, file)): Path<(i64, i64)>) -> PageResult<Response> {
    let (file, bytes) = state.store.question_file(&user.actor(&state), &user.principal.access, id, file).await?;
    let disposition = format!("attachment; filename=\"{}\"", text::fold(&file.name).replace(['"', '\\'], ""));
    Ok(([(header::CONTENT_TYPE, file.media_type), (header::CONTENT_DISPOSITION, disposition), (header::CACHE_CONTROL, "private, no-store".into())], bytes)
        .into_response())
}

#[derive(Deserialize, Default)]
pub struct ActionFields {
    #[serde(default)]
    unit: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    answer: String,
    #[serde(default)]
    publish: Option<String>,
    #[serde(default)]
    decision: String,
}

/// One step on a question, named by the last part of the address.
pub async fn act(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, action)): Path<(i64, String)>,
    CheckedForm(fields): CheckedForm<ActionFields>,
) -> PageResult<Response> {
    let (actor, access) = (user.actor(&state), &user.principal.access);
    let store = &state.store;
    let result = match action.as_str() {
        "phan-cong" => match store.public_unit_by_code(fields.unit.trim()).await {
            Ok(unit) => store.dispatch_question(&actor, access, id, unit.id, &fields.note).await,
            Err(_) => Err(storage::Error::Invalid(vec!["Hãy chọn đơn vị được phân công.".into()])),
        },
        "tra-lai" => store.return_question(&actor, access, id, &fields.note).await,
        "du-thao" => store.draft_answer(&actor, access, id, &fields.answer).await,
        "duyet" => {
            let review = if fields.decision == "tra-lai" {
                Review::SendBack { note: fields.note.clone() }
            } else {
                let answer = Some(fields.answer.clone()).filter(|a| !a.trim().is_empty());
                Review::Approve { answer, publish: fields.publish.is_some() }
            };
            store.review_answer(&actor, access, id, &review).await
        }
        "khong-thu-ly" => store.decline_question(&actor, access, id, &fields.note).await,
        "cong-khai" => store.publish_question(&actor, access, id, true).await,
        "go-cong-khai" => store.publish_question(&actor, access, id, false).await,
        "ghim" => store.pin_question(&actor, access, id, true).await,
        "bo-ghim" => store.pin_question(&actor, access, id, false).await,
        _ => return Err(Failure::not_found().into()),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/admin/hoi-dap/{id}")).into_response()),
        Err(storage::Error::Invalid(errors)) => Ok(show_page(&state, &user, id, None, errors).await?.into_response()),
        Err(e) => Err(e.into()),
    }
}

pub struct TopicLine {
    pub id: i64,
    pub name: String,
    pub unit: String,
    pub code: String,
    pub active: bool,
    pub requires_identity: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "qa/topics.html")]
pub struct TopicsPage {
    layout: Layout,
    topics: Vec<TopicLine>,
    units: Vec<UnitChoice>,
    /// VNeID is connected, so a topic may ask for a verified identity.
    vneid: bool,
    errors: Vec<String>,
}

async fn topics_page(state: &AppState, user: &CurrentUser, errors: Vec<String>) -> PageResult<TopicsPage> {
    let units = unit_choices(&state.store, &state.store.root_units().await?, state.clock.now_ms()).await?;
    let topics = state.store.qa_topics(false).await?;
    let codes = state.store.units(&state.store.root_units().await?, &Default::default(), Paging::ALL).await?.items;
    let code_of = |id: Option<i64>| id.and_then(|id| codes.iter().find(|u| u.id == id)).map(|u| u.code.clone()).unwrap_or_default();
    Ok(TopicsPage {
        layout: Layout::admin(user, "Lĩnh vực hỏi đáp", ACTIVE),
        topics: topics
            .into_iter()
            .map(|t| TopicLine {
                code: code_of(t.unit_id),
                unit: t.unit_name.unwrap_or_else(|| "Sở Nội vụ phân công".into()),
                id: t.id,
                name: t.name,
                active: t.active,
                requires_identity: t.requires_identity,
            })
            .collect(),
        units,
        vneid: state.vneid.is_some(),
        errors,
    })
}

pub async fn topics(State(state): State<AppState>, user: CurrentUser) -> PageResult<TopicsPage> {
    require(&user, Permission::DispatchQuestions)?;
    topics_page(&state, &user, Vec::new()).await
}

#[derive(Deserialize, Default)]
pub struct TopicFields {
    #[serde(default)]
    id: Option<i64>,
    #[serde(default)]
    name: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    active: Option<String>,
    #[serde(default)]
    requires_identity: Option<String>,
}

pub async fn save_topic(State(state): State<AppState>, user: CurrentUser, CheckedForm(fields): CheckedForm<TopicFields>) -> PageResult<Response> {
    let unit = match fields.unit.trim() {
        "" => None,
        code => Some(state.store.public_unit_by_code(code).await.map_err(|_| Failure::invalid("Không có đơn vị này."))?.id),
    };
    let requires_identity = fields.requires_identity.is_some();
    if requires_identity && state.vneid.is_none() {
        return Ok(topics_page(&state, &user, vec!["Chưa kết nối VNeID nên chưa thể yêu cầu người hỏi xác thực danh tính.".into()]).await?.into_response());
    }
    let setting = storage::qa::TopicSetting { name: fields.name, unit_id: unit, active: fields.active.is_some() || fields.id.is_none(), requires_identity };
    let saved = state.store.save_qa_topic(&user.actor(&state), &user.principal.access, fields.id, &setting).await;
    match saved {
        Ok(_) => Ok(Redirect::to("/admin/hoi-dap/linh-vuc").into_response()),
        Err(storage::Error::Invalid(errors)) => Ok(topics_page(&state, &user, errors).await?.into_response()),
        Err(storage::Error::Conflict(message)) => Ok(topics_page(&state, &user, vec![message]).await?.into_response()),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
pub struct YearQuery {
    nam: Option<i32>,
}

#[derive(Template, WebTemplate)]
#[template(path = "qa/calendar.html")]
pub struct CalendarPage {
    layout: Layout,
    year: i32,
    days: Vec<(String, String, bool, String)>,
    errors: Vec<String>,
}

async fn calendar_page(state: &AppState, user: &CurrentUser, year: i32, errors: Vec<String>) -> PageResult<CalendarPage> {
    let days = state.store.working_days(year).await?;
    Ok(CalendarPage {
        layout: Layout::admin(user, format!("Lịch ngày làm việc năm {year}"), ACTIVE),
        year,
        days: days
            .into_iter()
            .filter_map(|d| {
                let date = d.date()?;
                Some((text::format_date(date), weekday(date), d.working, d.note))
            })
            .collect(),
        errors,
    })
}

fn weekday(date: time::Date) -> String {
    use time::Weekday::*;
    match date.weekday() {
        Monday => "Thứ Hai",
        Tuesday => "Thứ Ba",
        Wednesday => "Thứ Tư",
        Thursday => "Thứ Năm",
        Friday => "Thứ Sáu",
        Saturday => "Thứ Bảy",
        Sunday => "Chủ nhật",
    }
    .into()
}

pub async fn calendar(State(state): State<AppState>, user: CurrentUser, Query(q): Query<YearQuery>) -> PageResult<CalendarPage> {
    require(&user, Permission::DispatchQuestions)?;
    let year = q.nam.unwrap_or_else(|| text::vn_datetime(state.clock.now_ms()).year());
    calendar_page(&state, &user, year, Vec::new()).await
}

#[derive(Deserialize, Default)]
pub struct DayFields {
    day: String,
    /// `nghi`, `lam` or `bo` (back to the plain week).
    change: String,
    #[serde(default)]
    note: String,
}

pub async fn change_day(State(state): State<AppState>, user: CurrentUser, CheckedForm(fields): CheckedForm<DayFields>) -> PageResult<Response> {
    let date = text::parse_date(&fields.day).ok_or_else(|| Failure::invalid("Ngày không hợp lệ; nhập theo dạng dd/mm/yyyy."))?;
    let change = match fields.change.as_str() {
        "nghi" => Some(DayChange { date, working: false, note: fields.note.clone() }),
        "lam" => Some(DayChange { date, working: true, note: fields.note.clone() }),
        "bo" => None,
        _ => return Err(Failure::invalid("Hãy chọn ngày nghỉ, ngày làm bù hoặc trả về ngày thường.").into()),
    };
    match state.store.set_working_day(&user.actor(&state), &user.principal.access, change.as_ref(), date).await {
        Ok(()) => Ok(Redirect::to(&format!("/admin/lich-lam-viec?nam={}", date.year())).into_response()),
        Err(storage::Error::Invalid(errors)) => Ok(calendar_page(&state, &user, date.year(), errors).await?.into_response()),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
pub struct PeriodQuery {
    tu: Option<String>,
    den: Option<String>,
}

/// The period asked for (`tu`, `den` as dd/mm/yyyy, both included), this year by default.
fn period(state: &AppState, q: &PeriodQuery) -> Result<(i64, i64, String, String), Failure> {
    let today = text::vn_datetime(state.clock.now_ms()).date();
    let parse = |typed: &Option<String>, default: time::Date| match typed.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => text::parse_date(t).ok_or_else(|| Failure::invalid("Ngày không hợp lệ; nhập theo dạng dd/mm/yyyy.")),
        None => Ok(default),
    };
    let from = parse(&q.tu, time::Date::from_calendar_date(today.year(), time::Month::January, 1).unwrap_or(today))?;
    let to = parse(&q.den, today)?;
    Ok((text::vn_midnight_ms(from), text::vn_midnight_ms(to.next_day().unwrap_or(to)), text::format_date(from), text::format_date(to)))
}

pub struct TallyRow {
    pub unit: String,
    pub received: String,
    pub answered: String,
    pub on_time: String,
    pub overdue: String,
    pub pending: String,
    pub mean_days: String,
    pub useful: String,
}

fn percent(value: Option<f64>) -> String {
    value.map(|v| format!("{} %", text::format_number(v, 1))).unwrap_or_else(|| "—".into())
}

impl TallyRow {
    fn new(t: &UnitTally) -> Self {
        let tally = &t.tally;
        Self {
            unit: t.unit_name.clone(),
            received: text::format_count(tally.received),
            answered: text::format_count(tally.answered),
            on_time: percent(tally.on_time_percent()),
            overdue: text::format_count(tally.overdue),
            pending: text::format_count(tally.pending),
            mean_days: tally.mean_days().map(|d| text::format_number(d, 1)).unwrap_or_else(|| "—".into()),
            useful: percent(tally.useful_percent()),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "qa/statistics.html")]
pub struct StatisticsPage {
    layout: Layout,
    from: String,
    to: String,
    rows: Vec<TallyRow>,
    total: TallyRow,
}

async fn tallies(state: &AppState, user: &CurrentUser, q: &PeriodQuery) -> Result<(Vec<UnitTally>, UnitTally, String, String), Failure> {
    require(user, Permission::ViewQuestions)?;
    let (from, to, from_text, to_text) = period(state, q)?;
    let tallies = state.store.qa_tallies(&user.principal.access, from, to, state.clock.now_ms()).await?;
    let mut total = UnitTally { unit_id: 0, unit_name: "Tổng cộng".into(), tally: Default::default() };
    for t in &tallies {
        total.tally.merge(&t.tally);
    }
    Ok((tallies, total, from_text, to_text))
}

pub async fn statistics(State(state): State<AppState>, user: CurrentUser, Query(q): Query<PeriodQuery>) -> PageResult<StatisticsPage> {
    let (tallies, total, from, to) = tallies(&state, &user, &q).await?;
    Ok(StatisticsPage {
        layout: Layout::admin(&user, "Thống kê hỏi đáp, phản ánh, kiến nghị", ACTIVE),
        rows: tallies.iter().map(TallyRow::new).collect(),
        total: TallyRow::new(&total),
        from,
        to,
    })
}

/// The statistics as the reform office's report, in the official layout.
pub async fn statistics_docx(State(state): State<AppState>, user: CurrentUser, Query(q): Query<PeriodQuery>) -> PageResult<Response> {
    let (tallies, total, from, to) = tallies(&state, &user, &q).await?;
    let name = format!("bao-cao-hoi-dap-{}-{}.docx", from.replace('/', "-"), to.replace('/', "-"));
    let statistics = reports::qa::Statistics { units: tallies.into_iter().map(|t| (t.unit_name, t.tally)).collect(), total: total.tally, from, to };
    let office = office(&state).await?;
    let date = office.ymd();
    Ok(attachment(Format::Docx, &name, draw(reports::qa::report(&office, &statistics), Format::Docx, date).await?))
}

pub async fn statistics_xlsx(State(state): State<AppState>, user: CurrentUser, Query(q): Query<PeriodQuery>) -> PageResult<Response> {
    let (tallies, total, from, to) = tallies(&state, &user, &q).await?;
    let header = [
        "Đơn vị",
        "Tiếp nhận",
        "Đã trả lời",
        "Đúng hạn",
        "Tỷ lệ đúng hạn (%)",
        "Đang xử lý",
        "Quá hạn",
        "Không thụ lý",
        "Số ngày làm việc bình quân",
        "Tỷ lệ hữu ích (%)",
    ];
    let optional = |v: Option<f64>| v.map_or(Value::Empty, Value::Number);
    let rows = tallies
        .iter()
        .chain(std::iter::once(&total))
        .map(|t| {
            let tally = &t.tally;
            vec![
                Value::Text(t.unit_name.clone()),
                Value::Count(tally.received as i64),
                Value::Count(tally.answered as i64),
                Value::Count(tally.on_time as i64),
                optional(tally.on_time_percent()),
                Value::Count(tally.pending as i64),
                Value::Count(tally.overdue as i64),
                Value::Count(tally.declined as i64),
                optional(tally.mean_days()),
                optional(tally.useful_percent()),
            ]
        })
        .collect();
    let sheet = ReportSheet { name: "Hỏi đáp".into(), header: header.iter().map(|h| h.to_string()).collect(), rows, chart: None };
    let body = sheets::write_report(&[sheet]).map_err(|_| Failure::internal())?;
    let name = format!("thong-ke-hoi-dap-{}-{}.xlsx", from.replace('/', "-"), to.replace('/', "-"));
    Ok(attachment(Format::Xlsx, &name, body))
}
