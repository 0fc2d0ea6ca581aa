//! Case pages: the list of cases an official handles, one case with its notes and the forms to
//! take it on, note and resolve it; statistics per unit; a survey's alert rules.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::alerts::{AlertKind, AlertRules, CaseStatus, is_overdue};
use domain::auth::Permission;
use domain::text;
use serde::Deserialize;
use storage::alerts::{CaseFilter, CaseRow, UnitAlertStats};

use crate::AppState;
use crate::auth::csrf::CheckedForm;
use crate::auth::require;
use crate::auth::session::CurrentUser;
use crate::error::{Failure, PageResult};
use crate::extract::{Path, Query};
use crate::layout::Layout;
use crate::layout::Pager;
use crate::sipas::export::CsvQuery;

const PER_PAGE: i64 = 50;

/// A case as a line of the list or the head of its page.
pub struct CaseView {
    pub id: i64,
    pub kind: &'static str,
    pub detail: String,
    pub survey: String,
    pub origin: String,
    pub unit: String,
    pub opened: String,
    pub deadline: String,
    pub status: &'static str,
    pub open: bool,
    pub overdue: bool,
    pub escalations: i64,
    pub assignee: String,
    pub resolution: String,
    pub resolved: String,
    /// The answers the case holds, as shown: `1.234`; empty for a month's low figure.
    pub responses: String,
}

impl CaseView {
    pub fn new(case: &CaseRow, now: i64) -> Self {
        let status = CaseStatus::parse(&case.status).unwrap_or(CaseStatus::Open);
        Self {
            id: case.id,
            kind: AlertKind::parse(&case.kind).map_or("Cảnh báo", AlertKind::label),
            detail: case.detail.clone(),
            survey: case.survey_title.clone(),
            origin: case.origin_unit_name.clone(),
            unit: case.unit_name.clone(),
            opened: text::format_timestamp_ms(case.opened_at),
            deadline: text::format_timestamp_ms(case.deadline_at),
            status: status.label(),
            open: status == CaseStatus::Open,
            overdue: is_overdue(status, case.deadline_at, now),
            escalations: case.escalations,
            assignee: case.assignee_name.clone().unwrap_or_default(),
            resolution: case.resolution.clone().unwrap_or_default(),
            resolved: case.resolved_at.map(text::format_timestamp_ms).unwrap_or_default(),
            responses: if case.responses > 0 { text::format_number(case.responses as f64, 0) } else { String::new() },
        }
    }
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    status: Option<String>,
    kind: Option<String>,
    overdue: Option<String>,
    page: Option<i64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "alerts/alerts_list.html")]
pub struct ListPage {
    layout: Layout,
    rows: Vec<CaseView>,
    total: i64,
    status: String,
    kind: String,
    overdue: bool,
    kinds: Vec<(&'static str, &'static str)>,
    pager: Pager,
}

pub async fn list(State(state): State<AppState>, user: CurrentUser, Query(q): Query<ListQuery>) -> PageResult<ListPage> {
    let access = &user.principal.access;
    require(access, Permission::ViewAlerts)?;
    let now = state.clock.now_ms();
    let status = q.status.as_deref().filter(|s| !s.is_empty());
    let kind = q.kind.as_deref().filter(|k| !k.is_empty());
    let filter = CaseFilter {
        status: match status {
            None => None,
            Some(s) => Some(CaseStatus::parse(s).ok_or_else(|| Failure::invalid("Trạng thái không hợp lệ."))?),
        },
        kind: match kind {
            None => None,
            Some(k) => Some(AlertKind::parse(k).ok_or_else(|| Failure::invalid("Loại cảnh báo không hợp lệ."))?),
        },
        overdue_at: q.overdue.is_some().then_some(now),
    };
    let page = q.page.unwrap_or(1).max(1);
    let cases = state.store.alert_cases(access, &filter, storage::Paging::new(page, PER_PAGE)).await?;
    let query =
        serde_urlencoded::to_string([("status", status.unwrap_or("")), ("kind", kind.unwrap_or("")), ("overdue", if q.overdue.is_some() { "1" } else { "" })])
            .unwrap_or_default();
    Ok(ListPage {
        layout: Layout::admin(&user, "Cảnh báo", "/admin/alerts"),
        rows: cases.items.iter().map(|c| CaseView::new(c, now)).collect(),
        total: cases.total,
        status: status.unwrap_or("").to_string(),
        kind: kind.unwrap_or("").to_string(),
        overdue: q.overdue.is_some(),
        kinds: AlertKind::ALL.iter().map(|k| (k.code(), k.label())).collect(),
        pager: Pager::new(page, PER_PAGE, cases.total, &format!("/admin/alerts?{query}")),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "alerts/alert_detail.html")]
pub struct DetailPage {
    layout: Layout,
    case: CaseView,
    notes: Vec<(String, String, String)>,
    errors: Vec<String>,
    /// The answers the case holds, for those who may read answers.
    responses_link: Option<String>,
    /// Whether the caller handles cases (a leader only reads them).
    may_handle: bool,
}

async fn detail_page(state: &AppState, user: &CurrentUser, id: i64, errors: Vec<String>) -> Result<DetailPage, Failure> {
    let access = &user.principal.access;
    require(access, Permission::ViewAlerts)?;
    let (case, notes) = state.store.alert_case(access, id).await?;
    let survey = state.store.survey(access, case.survey_id).await.ok();
    let responses_link = survey
        .filter(|_| case.responses > 0 && access.has(Permission::ViewResponses))
        .map(|survey| format!("/admin/sipas/responses?version={}&case={id}", survey.version_id));
    Ok(DetailPage {
        layout: Layout::admin(user, format!("Vụ việc #{id}"), "/admin/alerts"),
        case: CaseView::new(&case, state.clock.now_ms()),
        notes: notes.into_iter().map(|n| (text::format_timestamp_ms(n.at), n.author.unwrap_or_else(|| "Hệ thống".into()), n.body)).collect(),
        errors,
        responses_link,
        may_handle: access.has(Permission::HandleAlerts),
    })
}

pub async fn detail(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> PageResult<DetailPage> {
    Ok(detail_page(&state, &user, id, Vec::new()).await?)
}

#[derive(Deserialize)]
pub struct TextForm {
    #[serde(default)]
    text: String,
}

/// After a change: back to the case, or the case again with the problem told.
async fn after(state: &AppState, user: &CurrentUser, id: i64, outcome: storage::Result<()>) -> PageResult<Response> {
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!("/admin/alerts/{id}")).into_response()),
        Err(storage::Error::Invalid(errors)) => Ok((StatusCode::UNPROCESSABLE_ENTITY, detail_page(state, user, id, errors).await?).into_response()),
        Err(storage::Error::Conflict(message)) => Ok((StatusCode::CONFLICT, detail_page(state, user, id, vec![message]).await?).into_response()),
        Err(e) => Err(e.into()),
    }
}

pub async fn take_case(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CheckedForm(_): CheckedForm<Vec<(String, String)>>,
) -> PageResult<Response> {
    require(&user.principal.access, Permission::HandleAlerts)?;
    let outcome = state.store.take_case(&user.actor(&state), &user.principal.access, id).await;
    after(&state, &user, id, outcome).await
}

pub async fn note(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>, CheckedForm(form): CheckedForm<TextForm>) -> PageResult<Response> {
    require(&user.principal.access, Permission::HandleAlerts)?;
    let outcome = state.store.note_case(&user.actor(&state), &user.principal.access, id, &form.text).await;
    after(&state, &user, id, outcome).await
}

pub async fn resolve(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>, CheckedForm(form): CheckedForm<TextForm>) -> PageResult<Response> {
    require(&user.principal.access, Permission::HandleAlerts)?;
    let outcome = state.store.resolve_case(&user.actor(&state), &user.principal.access, id, &form.text).await;
    after(&state, &user, id, outcome).await
}

pub struct StatsView {
    pub unit: String,
    pub total: i64,
    pub open: i64,
    pub overdue: i64,
    pub resolved: i64,
    pub escalated: i64,
    pub mean_hours: String,
}

fn hours(stats: &UnitAlertStats) -> Option<f64> {
    stats.mean_resolution_ms.map(|ms| ms / 3_600_000.0)
}

#[derive(Template, WebTemplate)]
#[template(path = "alerts/alert_stats.html")]
pub struct StatsPage {
    layout: Layout,
    rows: Vec<StatsView>,
}

pub async fn stats(State(state): State<AppState>, user: CurrentUser) -> PageResult<StatsPage> {
    require(&user.principal.access, Permission::ViewAlerts)?;
    let rows = state.store.alert_stats(&user.principal.access, state.clock.now_ms()).await?;
    Ok(StatsPage {
        layout: Layout::admin(&user, "Thống kê cảnh báo", "/admin/alerts"),
        rows: rows
            .iter()
            .map(|s| StatsView {
                unit: s.unit_name.clone(),
                total: s.total,
                open: s.open,
                overdue: s.overdue,
                resolved: s.resolved,
                escalated: s.escalated,
                mean_hours: hours(s).map_or_else(|| "–".into(), |h| text::format_number(h, 1)),
            })
            .collect(),
    })
}

async fn stats_sheet(state: &AppState, user: &CurrentUser) -> Result<sheets::ReportSheet, Failure> {
    use sheets::Value;
    require(&user.principal.access, Permission::ViewAlerts)?;
    let rows = state.store.alert_stats(&user.principal.access, state.clock.now_ms()).await?;
    Ok(sheets::ReportSheet {
        name: "Cảnh báo theo đơn vị".into(),
        header: ["Đơn vị", "Tổng số vụ việc", "Đang xử lý", "Quá hạn", "Đã xử lý xong", "Đã chuyển cấp trên", "Thời gian xử lý trung bình (giờ)"]
            .map(String::from)
            .to_vec(),
        rows: rows
            .iter()
            .map(|s| {
                vec![
                    Value::Text(s.unit_name.clone()),
                    Value::Count(s.total),
                    Value::Count(s.open),
                    Value::Count(s.overdue),
                    Value::Count(s.resolved),
                    Value::Count(s.escalated),
                    hours(s).map_or(Value::Empty, Value::Number),
                ]
            })
            .collect(),
        chart: None,
    })
}

fn file(body: Vec<u8>, content_type: &'static str, name: &str) -> Response {
    (
        [(axum::http::header::CONTENT_TYPE, content_type.to_string()), (axum::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\""))],
        body,
    )
        .into_response()
}

pub async fn stats_xlsx(State(state): State<AppState>, user: CurrentUser) -> PageResult<Response> {
    let sheet = stats_sheet(&state, &user).await?;
    let bytes = sheets::write_report(&[sheet]).map_err(|_| Failure::internal())?;
    Ok(file(bytes, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "canh-bao.xlsx"))
}

pub async fn stats_csv(State(state): State<AppState>, user: CurrentUser, Query(csv): Query<CsvQuery>) -> PageResult<Response> {
    let sheet = stats_sheet(&state, &user).await?;
    Ok(file(sheet.to_csv(csv.dialect()), "text/csv; charset=utf-8", "canh-bao.csv"))
}

/// The rules form, as typed.
#[derive(Deserialize, Default)]
pub struct RulesForm {
    #[serde(default)]
    very_dissatisfied: Option<String>,
    #[serde(default)]
    problem_answers: String,
    #[serde(default)]
    problem_words: String,
    #[serde(default)]
    threshold: String,
    #[serde(default)]
    min_responses: String,
    #[serde(default)]
    burst: String,
    #[serde(default)]
    deadline_days: String,
    #[serde(default)]
    negative_share: String,
    #[serde(default)]
    topic_spike: String,
    #[serde(default)]
    min_comments: String,
}

impl RulesForm {
    fn from_rules(rules: &AlertRules) -> Self {
        Self {
            very_dissatisfied: rules.very_dissatisfied.then(|| "on".into()),
            problem_answers: rules.problem_answers.iter().map(|(q, o)| format!("{q} = {o}")).collect::<Vec<_>>().join("\n"),
            problem_words: rules.problem_words.join("\n"),
            threshold: rules.threshold.map(|t| text::format_number(t, 1)).unwrap_or_default(),
            min_responses: rules.min_responses.to_string(),
            burst: rules.burst.map(|b| b.to_string()).unwrap_or_default(),
            deadline_days: rules.deadline_days.to_string(),
            negative_share: rules.negative_share.map(|t| text::format_number(t, 1)).unwrap_or_default(),
            topic_spike: rules.topic_spike.map(|t| text::format_number(t, 1)).unwrap_or_default(),
            min_comments: rules.min_comments.to_string(),
        }
    }

    fn parse(&self) -> Result<AlertRules, Vec<String>> {
        let mut errors = Vec::new();
        let mut problem_answers = Vec::new();
        for line in self.problem_answers.lines().map(str::trim).filter(|l| !l.is_empty()) {
            match line.split_once('=') {
                Some((q, o)) => problem_answers.push((q.trim().to_string(), o.trim().to_string())),
                None => errors.push(format!("Dòng «{line}» cần có dạng MÃ_CÂU = MÃ_LỰA_CHỌN.")),
            }
        }
        let decimal = |s: &str, what: &str, errors: &mut Vec<String>| match s.trim() {
            "" => None,
            t => domain::text::parse_number(t).or_else(|| {
                errors.push(format!("{what} phải là một số, ví dụ 70."));
                None
            }),
        };
        let threshold = decimal(&self.threshold, "Ngưỡng", &mut errors);
        let negative_share = decimal(&self.negative_share, "Ngưỡng tỷ lệ ý kiến tiêu cực", &mut errors);
        let topic_spike = decimal(&self.topic_spike, "Mức tăng đột biến của một chủ đề", &mut errors);
        let whole = |s: &str, what: &str, errors: &mut Vec<String>| match s.trim().parse::<u64>() {
            Ok(n) => Some(n),
            Err(_) => {
                errors.push(format!("{what} phải là một số nguyên."));
                None
            }
        };
        let min_responses = whole(&self.min_responses, "Số phiếu tối thiểu", &mut errors).unwrap_or(0);
        let burst = if self.burst.trim().is_empty() { None } else { whole(&self.burst, "Số phiếu dồn dập", &mut errors) };
        let deadline_days = whole(&self.deadline_days, "Thời hạn xử lý", &mut errors).unwrap_or(0) as u32;
        let min_comments = whole(&self.min_comments, "Số ý kiến tối thiểu", &mut errors).unwrap_or(0);
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(AlertRules {
            very_dissatisfied: self.very_dissatisfied.is_some(),
            problem_answers,
            problem_words: self.problem_words.lines().map(text::clean).filter(|w| !w.is_empty()).collect(),
            threshold,
            min_responses,
            burst,
            deadline_days,
            negative_share,
            topic_spike,
            min_comments,
        })
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "alerts/alert_rules.html")]
pub struct RulesPage {
    layout: Layout,
    survey_id: i64,
    survey_title: String,
    form: RulesForm,
    errors: Vec<String>,
}

pub async fn rules(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> PageResult<RulesPage> {
    require(&user.principal.access, Permission::ManageSurveys)?;
    let survey = state.store.survey(&user.principal.access, id).await?;
    let rules = state.store.alert_rules(id).await?;
    Ok(RulesPage {
        layout: Layout::admin(&user, "Quy tắc cảnh báo", "/admin/surveys"),
        survey_id: id,
        survey_title: survey.title,
        form: RulesForm::from_rules(&rules),
        errors: Vec::new(),
    })
}

pub async fn save_rules(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CheckedForm(form): CheckedForm<RulesForm>,
) -> PageResult<Response> {
    require(&user.principal.access, Permission::ManageSurveys)?;
    let survey = state.store.survey(&user.principal.access, id).await?;
    let errors = match form.parse() {
        Ok(rules) => match state.store.set_alert_rules(&user.actor(&state), &user.principal.access, id, &rules).await {
            Ok(()) => return Ok(Redirect::to(&format!("/admin/surveys/{id}/alerts")).into_response()),
            Err(storage::Error::Invalid(errors)) => errors,
            Err(e) => return Err(e.into()),
        },
        Err(errors) => errors,
    };
    let page = RulesPage { layout: Layout::admin(&user, "Quy tắc cảnh báo", "/admin/surveys"), survey_id: id, survey_title: survey.title, form, errors };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}
