//! Officials' survey pages: the surveys they may follow, and each survey's live results read
//! from the counters (responses by unit, channel and month; every question's distribution).

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use domain::auth::Permission;
use domain::surveys::Survey;
use domain::surveys::{QuestionKind, Questionnaire};
use domain::text;
use serde::Deserialize;
use storage::responses::CellFilter;

use super::api::survey_results;
use crate::AppState;
use crate::auth::require;
use crate::auth::session::CurrentUser;
use crate::error::PageResult;
use crate::extract::{Path, Query};
use crate::layout::Layout;
use crate::units::picker::{self, UnitChoice, picked};

pub struct SurveyRow {
    pub id: i64,
    pub title: String,
    pub code: String,
    pub period: String,
    pub window: String,
    pub open: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "surveys/surveys_list.html")]
pub struct ListPage {
    layout: Layout,
    rows: Vec<SurveyRow>,
    can_create: bool,
}

fn window(survey: &Survey) -> String {
    format!("{} – {}", text::format_timestamp_ms(survey.opens_at), text::format_timestamp_ms(survey.closes_at))
}

pub async fn list(State(state): State<AppState>, user: CurrentUser) -> PageResult<ListPage> {
    require(&user.principal.access, Permission::ViewResults)?;
    let now = state.clock.now_ms();
    let rows = state
        .store
        .surveys(&user.principal.access)
        .await?
        .into_iter()
        .map(|s| SurveyRow { id: s.id, period: s.period_label(), window: window(&s), open: s.is_open(now), title: s.title, code: s.code })
        .collect();
    Ok(ListPage { layout: Layout::admin(&user, "Khảo sát", "/admin/surveys"), rows, can_create: user.principal.access.has(Permission::ManageSurveys) })
}

/// One bar of a distribution: label, count, share of the answers in per cent.
pub struct Bar {
    pub label: String,
    pub count: String,
    pub percent: String,
    /// The share rounded to a whole per cent, for the bar (`<meter>`).
    pub width: i64,
}

pub struct QuestionResult {
    pub code: String,
    pub text: String,
    pub answered: String,
    pub bars: Vec<Bar>,
}

#[derive(Template, WebTemplate)]
#[template(path = "surveys/survey_results.html")]
pub struct ResultsPage {
    layout: Layout,
    survey: SurveyRow,
    responses: String,
    by_unit: Vec<(String, String)>,
    by_channel: Vec<(&'static str, String)>,
    by_month: Vec<(String, String)>,
    questions: Vec<QuestionResult>,
    /// Raw responses are for the roles that need them.
    can_export: bool,
}

fn bars(options: &[domain::surveys::Choice], counts: &BTreeMap<String, u64>, base: u64) -> Vec<Bar> {
    options
        .iter()
        .map(|o| {
            let count = counts.get(&o.code).copied().unwrap_or(0);
            let share = if base > 0 { count as f64 * 100.0 / base as f64 } else { 0.0 };
            Bar { label: o.label.clone(), count: text::format_count(count), percent: text::format_number(share, 1), width: share.round() as i64 }
        })
        .collect()
}

/// Distributions of the choice questions, in the order of the form.
fn distributions(form: &Questionnaire, questions: &BTreeMap<String, BTreeMap<String, u64>>) -> Vec<QuestionResult> {
    let empty = BTreeMap::new();
    let mut results = Vec::new();
    for (_, q) in form.questions() {
        let counts = questions.get(&q.code).unwrap_or(&empty);
        match &q.kind {
            QuestionKind::SingleChoice { options } | QuestionKind::Likert { scale: options } => {
                let answered: u64 = counts.values().sum();
                results.push(QuestionResult {
                    code: q.code.clone(),
                    text: q.text.clone(),
                    answered: text::format_count(answered),
                    bars: bars(options, counts, answered),
                });
            }
            QuestionKind::MultipleChoice { options, .. } => {
                // Shares of those who answered: the options of one answer add up to more than 100 %.
                let answered = counts.get("").copied().unwrap_or(0);
                results.push(QuestionResult {
                    code: q.code.clone(),
                    text: q.text.clone(),
                    answered: text::format_count(answered),
                    bars: bars(options, counts, answered),
                });
            }
            QuestionKind::Matrix { rows, scale } => {
                for row in rows {
                    let counts = questions.get(&format!("{}/{}", q.code, row.code)).unwrap_or(&empty);
                    let answered: u64 = counts.values().sum();
                    let text = format!("{} — {}", q.text, row.label);
                    results.push(QuestionResult {
                        code: format!("{}/{}", q.code, row.code),
                        text,
                        answered: text::format_count(answered),
                        bars: bars(scale, counts, answered),
                    });
                }
            }
            _ => {}
        }
    }
    results
}

pub async fn results(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> PageResult<ResultsPage> {
    require(&user.principal.access, Permission::ViewResults)?;
    let access = &user.principal.access;
    let survey = state.store.survey(access, id).await?;
    let form = state.store.version(survey.version_id).await?;
    let filter = CellFilter { version_id: survey.version_id, survey_id: Some(id), ..Default::default() };
    let summary = survey_results(&state, access, &filter).await?;
    let names: BTreeMap<i64, String> = state.survey_cache.targets(&state, id).await?.iter().map(|(id, _, name)| (*id, name.clone())).collect();
    Ok(ResultsPage {
        layout: Layout::admin(&user, survey.title.clone(), "/admin/surveys"),
        responses: text::format_count(summary.responses),
        by_unit: summary.by_unit.iter().map(|(unit, n)| (names.get(unit).cloned().unwrap_or_else(|| format!("#{unit}")), text::format_count(*n))).collect(),
        by_channel: summary
            .by_channel
            .iter()
            .map(|(c, n)| (domain::surveys::Channel::parse(c).map(|c| c.label()).unwrap_or("Khác"), text::format_count(*n)))
            .collect(),
        by_month: summary.by_month.iter().map(|(m, n)| (m.to_string(), text::format_count(*n))).collect(),
        questions: distributions(&form, &summary.questions),
        can_export: access.has(Permission::ViewResponses),
        survey: SurveyRow {
            id: survey.id,
            period: survey.period_label(),
            window: window(&survey),
            open: survey.is_open(state.clock.now_ms()),
            title: survey.title,
            code: survey.code,
        },
    })
}

/// The survey form as typed (every field text, so it can be shown again as it was).
#[derive(serde::Deserialize, Default)]
pub struct SurveyForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    version_id: String,
    #[serde(default)]
    recurrence: String,
    #[serde(default)]
    period_start: String,
    #[serde(default)]
    period_end: String,
    #[serde(default)]
    unit_code: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "surveys/survey_form.html")]
pub struct FormPage {
    layout: Layout,
    form: SurveyForm,
    errors: Vec<String>,
    versions: Vec<(i64, String)>,
    recurrences: Vec<(&'static str, &'static str)>,
    channels: Vec<(&'static str, &'static str, bool)>,
    levels: Vec<(&'static str, &'static str, bool)>,
    /// The units the lead unit is chosen from: those the official manages surveys in.
    owners: Vec<UnitChoice>,
}

async fn form_page(
    state: &AppState,
    user: &CurrentUser,
    form: SurveyForm,
    chosen_channels: &[String],
    chosen_levels: &[String],
    errors: Vec<String>,
) -> Result<FormPage, crate::error::Failure> {
    use domain::surveys::{Channel, Recurrence};
    use domain::units::UnitLevel;
    let access = &user.principal.access;
    let mut versions = Vec::new();
    for q in state.store.questionnaires(access).await? {
        for (id, number, _) in state.store.questionnaire(access, q.id).await?.versions {
            versions.push((id, format!("{} — {} (phiên bản {number})", q.code, q.title)));
        }
    }
    let owners = picker::unit_choices(&state.store, &access.roots(Permission::ManageSurveys), state.clock.now_ms()).await?;
    Ok(FormPage {
        layout: Layout::admin(user, "Tạo cuộc khảo sát", "/admin/surveys"),
        owners: picked(&owners, &form.unit_code),
        versions,
        recurrences: [Recurrence::Once, Recurrence::Monthly, Recurrence::Yearly].iter().map(|r| (r.code(), r.label())).collect(),
        channels: Channel::ALL.iter().map(|c| (c.code(), c.label(), chosen_channels.iter().any(|x| x == c.code()))).collect(),
        levels: [UnitLevel::Department, UnitLevel::VerticalAgency, UnitLevel::District, UnitLevel::Commune]
            .iter()
            .map(|l| (l.code(), l.label(), chosen_levels.iter().any(|x| x == l.code())))
            .collect(),
        form,
        errors,
    })
}

pub async fn new_form(State(state): State<AppState>, user: CurrentUser) -> PageResult<FormPage> {
    require(&user.principal.access, Permission::ManageSurveys)?;
    let unit_code = match user.principal.access.roots(Permission::ManageSurveys).first() {
        Some(unit) => state.store.public_unit(*unit).await?.code,
        None => String::new(),
    };
    let form = SurveyForm { recurrence: "once".into(), unit_code, ..Default::default() };
    Ok(form_page(&state, &user, form, &["web".into()], &["department".into(), "commune".into()], Vec::new()).await?)
}

pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    crate::auth::csrf::CheckedForm(raw): crate::auth::csrf::CheckedForm<Vec<(String, String)>>,
) -> PageResult<axum::response::Response> {
    use axum::response::IntoResponse;
    use domain::surveys::{Channel, Recurrence};
    use domain::units::UnitLevel;
    require(&user.principal.access, Permission::ManageSurveys)?;
    let value = |name: &str| raw.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    let all = |name: &str| raw.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect::<Vec<_>>();
    let form = SurveyForm {
        title: value("title"),
        code: value("code"),
        version_id: value("version_id"),
        recurrence: value("recurrence"),
        period_start: value("period_start"),
        period_end: value("period_end"),
        unit_code: value("unit_code"),
    };
    let (channels, levels) = (all("channels"), all("levels"));
    let mut errors = Vec::new();
    let start = text::parse_date(&form.period_start);
    let end = text::parse_date(&form.period_end);
    if start.is_none() || end.is_none() {
        errors.push("Ngày đầu và ngày cuối kỳ khảo sát phải có dạng dd/mm/yyyy.".to_string());
    }
    let owner = state.store.public_unit_by_code(form.unit_code.trim()).await.ok();
    if owner.is_none() {
        errors.push(format!("Không tìm thấy đơn vị có mã «{}».", form.unit_code.trim()));
    }
    let chosen_levels: Vec<UnitLevel> = levels.iter().filter_map(|l| UnitLevel::parse(l).ok()).collect();
    let mut targets = Vec::new();
    if let (Some(owner), Some(start)) = (&owner, start) {
        let filter = storage::units::UnitFilter { valid_on: Some(start), ..Default::default() };
        let units = state.store.units(&[owner.id], &filter, storage::Paging::new(1, 500)).await?;
        targets = units.items.iter().filter(|u| chosen_levels.contains(&u.level)).map(|u| u.id).collect();
    }
    let (Some(start), Some(end), Some(owner), true) = (start, end, owner, errors.is_empty()) else {
        let page = form_page(&state, &user, form, &channels, &levels, errors).await?;
        return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let survey = storage::surveys::NewSurvey {
        code: form.code.trim().to_string(),
        title: form.title.clone(),
        unit_id: owner.id,
        version_id: form.version_id.parse().unwrap_or(0),
        recurrence: Recurrence::parse(&form.recurrence).unwrap_or(Recurrence::Once),
        period_start: start,
        period_end: end,
        opens_at: text::vn_midnight_ms(start),
        closes_at: text::vn_midnight_ms(end + time::Duration::days(1)),
        channels: channels.iter().filter_map(|c| Channel::parse(c)).collect(),
        targets,
    };
    match state.store.create_survey(&user.actor(&state), &user.principal.access, &survey).await {
        Ok(id) => Ok(axum::response::Redirect::to(&format!("/admin/surveys/{id}")).into_response()),
        Err(e @ (storage::Error::Invalid(_) | storage::Error::Conflict(_) | storage::Error::Forbidden | storage::Error::NotFound)) => {
            let message = match e {
                storage::Error::Invalid(messages) => messages,
                storage::Error::NotFound => vec!["Hãy chọn một mẫu phiếu đã phát hành.".to_string()],
                other => vec![other.to_string()],
            };
            let page = form_page(&state, &user, form, &channels, &levels, message).await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "surveys/widget.html")]
pub struct WidgetPage {
    layout: Layout,
    survey_id: i64,
    survey_title: String,
    units: Vec<(String, String)>,
    unit: String,
    origins: String,
    script_snippet: String,
    iframe_snippet: String,
    preview: String,
}

#[derive(Deserialize)]
pub struct WidgetQuery {
    u: Option<String>,
}

/// The snippets an agency portal pastes to embed the survey for one unit.
pub async fn widget(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>, Query(q): Query<WidgetQuery>) -> PageResult<WidgetPage> {
    require(&user.principal.access, Permission::ViewResults)?;
    let survey = state.store.survey(&user.principal.access, id).await?;
    let units: Vec<(String, String)> = state.survey_cache.targets(&state, id).await?.iter().map(|(_, code, name)| (code.clone(), name.clone())).collect();
    let unit = q.u.filter(|u| units.iter().any(|(code, _)| code == u)).or_else(|| units.first().map(|(code, _)| code.clone())).unwrap_or_default();
    let base = state.config.public_url.trim_end_matches('/');
    let preview = format!("/w/{}?u={}", survey.code, crate::layout::encode(&unit));
    Ok(WidgetPage {
        layout: Layout::admin(&user, "Nhúng phiếu khảo sát", "/admin/surveys"),
        script_snippet: format!("<script src=\"{base}/static/embed.js\" data-survey=\"{}\" data-unit=\"{unit}\" async></script>", survey.code),
        iframe_snippet: format!(
            "<iframe src=\"{base}{preview}\" title=\"{}\" style=\"width:100%;height:1400px;border:0\" loading=\"lazy\"></iframe>",
            survey.title
        ),
        preview,
        survey_id: survey.id,
        survey_title: survey.title,
        units,
        unit,
        origins: state.config.widget_origins.clone(),
    })
}
