//! Officials' survey pages: the surveys they may follow, and each survey's live results read
//! from the counters (responses by unit, channel and day; every question's distribution).

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use domain::auth::Permission;
use domain::surveys::{QuestionKind, Questionnaire};
use domain::text;
use storage::responses::ResultFilter;
use storage::surveys::Survey;

use super::api::summarise;
use crate::AppState;
use crate::auth::require;
use crate::auth::session::CurrentUser;
use crate::error::PageResult;
use crate::layout::Layout;

pub struct SurveyRow {
    pub id: i64,
    pub title: String,
    pub code: String,
    pub period: String,
    pub window: String,
    pub open: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "surveys_list.html")]
pub struct ListPage {
    layout: Layout,
    rows: Vec<SurveyRow>,
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
    Ok(ListPage { layout: Layout::admin(&user, "Khảo sát", "/admin/surveys"), rows })
}

/// One bar of a distribution: label, count, share of the answers in per cent.
pub struct Bar {
    pub label: String,
    pub count: i64,
    pub percent: String,
    /// The share rounded to a whole per cent, for the bar (`<meter>`).
    pub width: i64,
}

pub struct QuestionResult {
    pub code: String,
    pub text: String,
    pub answered: i64,
    pub bars: Vec<Bar>,
}

#[derive(Template, WebTemplate)]
#[template(path = "survey_results.html")]
pub struct ResultsPage {
    layout: Layout,
    survey: SurveyRow,
    responses: i64,
    by_unit: Vec<(String, i64)>,
    by_channel: Vec<(&'static str, i64)>,
    by_day: Vec<(String, i64)>,
    questions: Vec<QuestionResult>,
    /// Raw responses are for the roles that need them.
    can_export: bool,
}

fn bars(options: &[domain::surveys::Choice], counts: &BTreeMap<String, i64>, base: i64) -> Vec<Bar> {
    options
        .iter()
        .map(|o| {
            let count = counts.get(&o.code).copied().unwrap_or(0);
            let share = if base > 0 { count as f64 * 100.0 / base as f64 } else { 0.0 };
            Bar { label: o.label.clone(), count, percent: text::format_number(share, 1), width: share.round() as i64 }
        })
        .collect()
}

/// Distributions of the choice questions, in the order of the form.
fn distributions(form: &Questionnaire, questions: &BTreeMap<String, BTreeMap<String, i64>>) -> Vec<QuestionResult> {
    let empty = BTreeMap::new();
    let mut results = Vec::new();
    for (_, q) in form.questions() {
        let counts = questions.get(&q.code).unwrap_or(&empty);
        match &q.kind {
            QuestionKind::SingleChoice { options } | QuestionKind::Likert { scale: options } => {
                let answered: i64 = counts.values().sum();
                results.push(QuestionResult { code: q.code.clone(), text: q.text.clone(), answered, bars: bars(options, counts, answered) });
            }
            QuestionKind::MultipleChoice { options, .. } => {
                // Shares of those who answered: the options of one answer add up to more than 100 %.
                let answered = counts.get("").copied().unwrap_or(0);
                results.push(QuestionResult { code: q.code.clone(), text: q.text.clone(), answered, bars: bars(options, counts, answered) });
            }
            QuestionKind::Matrix { rows, scale } => {
                for row in rows {
                    let counts = questions.get(&format!("{}/{}", q.code, row.code)).unwrap_or(&empty);
                    let answered: i64 = counts.values().sum();
                    let text = format!("{} — {}", q.text, row.label);
                    results.push(QuestionResult { code: format!("{}/{}", q.code, row.code), text, answered, bars: bars(scale, counts, answered) });
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
    let form = state.surveys.form(&state, survey.version_id).await?;
    let summary = summarise(&state.store.results(access, id, &ResultFilter::default()).await?);
    let names: BTreeMap<i64, String> = state.surveys.targets(&state, id).await?.iter().map(|(id, _, name)| (*id, name.clone())).collect();
    Ok(ResultsPage {
        layout: Layout::admin(&user, survey.title.clone(), "/admin/surveys"),
        responses: summary.responses,
        by_unit: summary.by_unit.iter().map(|(unit, n)| (names.get(unit).cloned().unwrap_or_else(|| format!("#{unit}")), *n)).collect(),
        by_channel: summary.by_channel.iter().map(|(c, n)| (domain::surveys::Channel::parse(c).map(|c| c.label()).unwrap_or("Khác"), *n)).collect(),
        by_day: summary.by_day.iter().map(|(d, n)| (text::parse_date(d).map(text::format_date).unwrap_or_else(|| d.clone()), *n)).collect(),
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
