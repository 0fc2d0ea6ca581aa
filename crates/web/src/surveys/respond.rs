//! The public response page: one light, script-free form per survey, for a cheap phone on a
//! slow network. Open links carry the unit in `?u=`; invitation links carry a one-time token;
//! the widget (`/w/…`) is the same form in a compact frame for agency portals, protected by a
//! signed form token instead of a cookie.

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use domain::invitations::InvitationStatus;
use domain::procedures::{self, Procedure};
use domain::surveys::Survey;
use domain::surveys::admission::{self, Door};
use domain::surveys::{Answer, AnswerError, Answers, Condition, QuestionKind, Questionnaire};
use serde::Deserialize;
use storage::responses::FollowUp;

use super::intake::{self, Refusal, Submission};
use crate::AppState;
use crate::auth::csrf;
use crate::auth::session::ClientMeta;
use crate::auth::tokens;
use crate::error::{Failure, PageResult};
use crate::extract::{Path, Query};
use crate::layout::{Frame, Layout};

/// An option as a radio button or checkbox.
pub struct OptionView {
    pub code: String,
    pub label: String,
    pub checked: bool,
}

pub struct RowView {
    pub code: String,
    pub label: String,
    pub options: Vec<OptionView>,
}

/// A question ready to render: its control, current value and error.
pub struct FieldView {
    pub code: String,
    pub number: usize,
    pub text: String,
    pub help: String,
    /// Required wherever the form is shown: marked, and the browser asks for it.
    pub required: bool,
    /// Required only when its condition (or its section's) holds: marked so, and left to the
    /// server, which judges the condition; a page without script shows every question.
    pub required_if_shown: bool,
    /// `radio`, `checkbox`, `matrix`, `text`, `textarea`, `number`, `date`, `unit`, `procedure`.
    pub control: &'static str,
    /// A satisfaction scale: its options side by side.
    pub scale: bool,
    /// The same scale as the question just before, both always shown: on a phone its options
    /// stand in the first one's columns without their labels (still read out by screen readers),
    /// as in the paper form's table, so that a short form fits about one screen.
    pub scale_echo: bool,
    pub options: Vec<OptionView>,
    pub rows: Vec<RowView>,
    pub value: String,
    pub condition: String,
    pub error: Option<String>,
}

pub struct SectionView {
    pub title: String,
    pub description: String,
    pub condition: String,
    pub fields: Vec<FieldView>,
}

#[derive(Template, WebTemplate)]
#[template(path = "surveys/respond.html")]
pub struct RespondPage {
    layout: Layout,
    survey: Survey,
    intro: String,
    action: String,
    sections: Vec<SectionView>,
    errors: Vec<(String, String)>,
    pub(crate) notice: Option<String>,
    pub(crate) started_at: i64,
    pub(crate) submission_id: String,
    /// The unit the link carries (code, name), shown instead of asked.
    fixed_unit: Option<(String, String)>,
    /// The units the survey asks about (code, name), for the unit question.
    units: Vec<(String, String)>,
    /// The names of the fixed unit's procedures, offered by the procedure question.
    procedures: Vec<String>,
    /// The form's skip logic for the device (JSON, safe inside a script element); empty when
    /// no question has a condition.
    logic: String,
    /// The secret of the saved draft being continued, if any.
    draft: String,
    /// A paper form's serial number, asked of the clerk keying it.
    serial: Option<String>,
    /// What became of the paper form keyed just before.
    outcome: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "surveys/respond_saved.html")]
pub struct SavedPage {
    layout: Layout,
    title: String,
    link: String,
}

/// What "save and continue" keeps: enough to show the form again as it was left.
#[derive(serde::Serialize, Deserialize)]
struct Draft {
    pub(crate) answers: Answers,
    unit: Option<String>,
    token: Option<String>,
    started_at: i64,
    submission_id: String,
}

/// Drafts are kept thirty days.
const DRAFT_DAYS: i64 = 30;

#[derive(Template, WebTemplate)]
#[template(path = "surveys/respond_done.html")]
pub struct DonePage {
    layout: Layout,
    title: String,
}

/// The skip logic the device runs (respond.js): every question by its code, and the questions
/// with a condition (their own and their section's) in the form's order. `<` is escaped so that
/// no text can close the script element.
fn skip_logic(form: &Questionnaire) -> String {
    let visible: Vec<(&str, Condition)> = form
        .sections
        .iter()
        .flat_map(|s| s.questions.iter().map(move |q| (s, q)))
        .filter_map(|(s, q)| {
            let condition = match (&s.visible_if, &q.visible_if) {
                (Some(a), Some(b)) => Condition::All { conditions: vec![a.clone(), b.clone()] },
                (Some(c), None) | (None, Some(c)) => c.clone(),
                (None, None) => return None,
            };
            Some((q.code.as_str(), condition))
        })
        .collect();
    if visible.is_empty() {
        return String::new();
    }
    let questions: BTreeMap<&str, &domain::surveys::Question> = form.questions().map(|(_, q)| (q.code.as_str(), q)).collect();
    serde_json::json!({ "questions": questions, "visible": visible }).to_string().replace('<', "\\u003c")
}

fn question_text(form: &Questionnaire, code: &str) -> String {
    form.question(code).map(|q| q.text.clone()).unwrap_or_else(|| code.to_string())
}

fn option_label(form: &Questionnaire, question: &str, option: &str) -> String {
    form.question(question).and_then(|q| q.kind.options().iter().find(|o| o.code == option)).map(|o| o.label.clone()).unwrap_or_else(|| option.to_string())
}

/// Skip logic in words, since the page has no script to hide questions.
fn condition_text(form: &Questionnaire, condition: &Option<Condition>) -> String {
    match condition {
        None => String::new(),
        Some(Condition::Equals { question, option }) => {
            format!("Chỉ trả lời nếu ở câu «{}» anh/chị chọn «{}».", question_text(form, question), option_label(form, question, option))
        }
        Some(Condition::AnyOf { question, options }) => format!(
            "Chỉ trả lời nếu ở câu «{}» anh/chị chọn {}.",
            question_text(form, question),
            options.iter().map(|o| format!("«{}»", option_label(form, question, o))).collect::<Vec<_>>().join(" hoặc ")
        ),
        Some(Condition::AtMost { question, value }) => {
            format!("Chỉ trả lời nếu ở câu «{}» anh/chị chọn mức {} trở xuống.", question_text(form, question), value)
        }
        Some(Condition::AtLeast { question, value }) => {
            format!("Chỉ trả lời nếu ở câu «{}» anh/chị chọn mức {} trở lên.", question_text(form, question), value)
        }
        Some(_) => "Chỉ trả lời nếu câu này phù hợp với các câu trả lời trước.".into(),
    }
}

fn options(choices: &[domain::surveys::Choice], chosen: &[&str]) -> Vec<OptionView> {
    choices.iter().map(|c| OptionView { code: c.code.clone(), label: c.label.clone(), checked: chosen.contains(&c.code.as_str()) }).collect()
}

/// The form as sections of fields, filled with `answers` and marked with `errors`.
pub fn sections(form: &Questionnaire, answers: &Answers, errors: &[AnswerError], skip_unit: bool) -> Vec<SectionView> {
    let mut number = 0;
    form.sections
        .iter()
        .map(|section| SectionView {
            title: section.title.clone(),
            description: section.description.clone(),
            condition: condition_text(form, &section.visible_if),
            fields: section
                .questions
                .iter()
                .filter(|q| !(skip_unit && matches!(q.kind, QuestionKind::Unit { .. })))
                .map(|q| {
                    number += 1;
                    let answer = answers.get(&q.code);
                    let text_value = match answer {
                        Some(Answer::Text(t)) => t.clone(),
                        Some(Answer::Number(n)) => n.to_string(),
                        _ => String::new(),
                    };
                    let chosen: Vec<&str> = match answer {
                        Some(Answer::Text(t)) => vec![t.as_str()],
                        Some(Answer::List(l)) => l.iter().map(String::as_str).collect(),
                        _ => Vec::new(),
                    };
                    let (control, opts, rows) = match &q.kind {
                        QuestionKind::SingleChoice { options: o } | QuestionKind::Likert { scale: o } => ("radio", options(o, &chosen), Vec::new()),
                        QuestionKind::MultipleChoice { options: o, .. } => ("checkbox", options(o, &chosen), Vec::new()),
                        QuestionKind::Matrix { rows, scale } => {
                            let cells = match answer {
                                Some(Answer::Map(m)) => m.clone(),
                                _ => BTreeMap::new(),
                            };
                            let rows = rows
                                .iter()
                                .map(|r| RowView {
                                    code: r.code.clone(),
                                    label: r.label.clone(),
                                    options: options(scale, &cells.get(&r.code).map(|c| vec![c.as_str()]).unwrap_or_default()),
                                })
                                .collect();
                            ("matrix", Vec::new(), rows)
                        }
                        QuestionKind::Text { multiline: true, .. } => ("textarea", Vec::new(), Vec::new()),
                        QuestionKind::Text { .. } => ("text", Vec::new(), Vec::new()),
                        QuestionKind::Number { .. } => ("number", Vec::new(), Vec::new()),
                        QuestionKind::Date { .. } => ("date", Vec::new(), Vec::new()),
                        QuestionKind::Unit { .. } => ("unit", Vec::new(), Vec::new()),
                        QuestionKind::Procedure => ("procedure", Vec::new(), Vec::new()),
                    };
                    let conditional = q.visible_if.is_some() || section.visible_if.is_some();
                    FieldView {
                        code: q.code.clone(),
                        number,
                        text: q.text.clone(),
                        help: q.help.clone(),
                        required: q.required && !conditional,
                        required_if_shown: q.required && conditional,
                        control,
                        scale: matches!(q.kind, QuestionKind::Likert { .. }),
                        scale_echo: false,
                        options: opts,
                        rows,
                        value: text_value,
                        condition: condition_text(form, &q.visible_if),
                        error: errors.iter().find(|e| e.question == q.code).map(|e| e.message.clone()),
                    }
                })
                .collect(),
        })
        .filter(|s: &SectionView| !s.fields.is_empty())
        .map(|mut s| {
            mark_scale_echoes(&mut s.fields);
            s
        })
        .collect()
}

/// Marks each scale that repeats, label for label, the one just before it, neither of them
/// conditional (a question that can be hidden must keep its own labels, and so must the one after).
fn mark_scale_echoes(fields: &mut [FieldView]) {
    let shown_scale = |f: &FieldView| f.scale && f.condition.is_empty();
    for i in 1..fields.len() {
        let (before, after) = fields.split_at_mut(i);
        let (previous, field) = (&before[i - 1], &mut after[0]);
        field.scale_echo = shown_scale(previous) && shown_scale(field) && previous.options.iter().map(|o| &o.label).eq(field.options.iter().map(|o| &o.label));
    }
}

/// Reads `a.CODE` (repeated for multiple choice) and `a.CODE/ROW` fields into answers.
pub(crate) fn read_answers(form: &Questionnaire, body: &[u8]) -> Answers {
    let mut answers = Answers::new();
    for (key, value) in form_urlencoded::parse(body) {
        let Some(name) = key.strip_prefix("a.") else { continue };
        let value = value.into_owned();
        if let Some((code, row)) = name.split_once('/') {
            if let Answer::Map(cells) = answers.entry(code.to_string()).or_insert_with(|| Answer::Map(BTreeMap::new())) {
                cells.insert(row.to_string(), value);
            }
            continue;
        }
        match form.question(name).map(|q| &q.kind) {
            Some(QuestionKind::MultipleChoice { .. }) => {
                if let Answer::List(list) = answers.entry(name.to_string()).or_insert_with(|| Answer::List(Vec::new())) {
                    list.push(value);
                }
            }
            _ => {
                answers.insert(name.to_string(), Answer::Text(value));
            }
        }
    }
    answers
}

#[derive(Deserialize)]
pub struct LinkQuery {
    /// The unit's code, carried by the link or QR code.
    u: Option<String>,
    /// The procedure (its code or name), carried by a link from the one-stop system.
    tthc: Option<String>,
    /// The dossier's code, carried by the QR code on its receipt: the form fills in its
    /// procedure (and unit).
    hs: Option<String>,
}

/// The procedures of the unit with `code`; none without a unit.
async fn catalogue(state: &AppState, code: Option<&str>) -> Result<Vec<Procedure>, Failure> {
    let Some(code) = code else { return Ok(Vec::new()) };
    match state.store.public_unit_by_code(code).await {
        Ok(unit) => Ok(state.store.unit_procedures(unit.id).await?),
        Err(storage::Error::NotFound) => Ok(Vec::new()),
        Err(e) => Err(e.into()),
    }
}

/// What a link fills in by itself: the procedure named by `tthc` (shown by its name when the
/// unit's catalogue has it) or that of the dossier `hs`, and the dossier's unit when the link
/// names none.
async fn prefill(state: &AppState, form: &Questionnaire, q: &LinkQuery) -> Result<(Answers, Option<String>), Failure> {
    let mut unit = q.u.as_deref().map(str::trim).filter(|u| !u.is_empty()).map(String::from);
    let mut procedure = q.tthc.as_deref().map(domain::text::clean).filter(|p| !p.is_empty());
    if let Some(dossier) = q.hs.as_deref().filter(|d| !d.trim().is_empty())
        && let Some((unit_id, name)) = state.store.dossier_procedure(dossier).await?
    {
        procedure = procedure.or(Some(name));
        if unit.is_none() {
            unit = Some(state.store.public_unit(unit_id).await?.code);
        }
    }
    let mut answers = Answers::new();
    if let Some(typed) = procedure {
        let procedures = catalogue(state, unit.as_deref()).await?;
        let name = procedures::shown(&typed, &procedures).to_string();
        for (_, question) in form.questions().filter(|(_, q)| q.kind == QuestionKind::Procedure) {
            answers.insert(question.code.clone(), Answer::Text(name.clone()));
        }
    }
    Ok((answers, unit))
}

/// How a person reached the form: it decides the channel, where the form posts, and how the
/// form is protected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Arrival {
    /// The public link or QR code (`/s/{code}`).
    Link,
    /// An invitation's one-time link (`/t/{token}`).
    Invitation(String),
    /// The widget embedded in an agency portal (`/w/{code}`): no cookies, a compact frame.
    Widget,
    /// The rating tablet at a counter (`/kiosk/{key}`).
    Kiosk(String),
    /// A clerk keying a paper form with this serial number, among the officials' pages, told
    /// what became of the form keyed before.
    Paper { serial: String, outcome: Option<String> },
}

impl Arrival {
    fn action(&self, survey: &Survey) -> String {
        match self {
            Self::Link => format!("/s/{}", survey.code),
            Self::Invitation(token) => format!("/t/{token}"),
            Self::Widget => format!("/w/{}", survey.code),
            Self::Kiosk(key) => format!("/kiosk/{key}"),
            Self::Paper { .. } => format!("/admin/paper/{}", survey.id),
        }
    }

    fn frame(&self) -> Frame {
        match self {
            Self::Widget => Frame::Embedded,
            Self::Kiosk(_) => Frame::Kiosk,
            _ => Frame::Site,
        }
    }

    fn done(&self, survey: &Survey) -> String {
        match self {
            Self::Widget => format!("/w/{}/cam-on", survey.code),
            Self::Kiosk(key) => format!("/kiosk/{key}/cam-on"),
            _ => format!("/s/{}/cam-on", survey.code),
        }
    }
}

pub(crate) struct PageInput<'a> {
    pub(crate) arrival: Arrival,
    /// The frame around the form, when not the public one (a clerk's page).
    pub(crate) layout: Option<Layout>,
    pub(crate) survey: Survey,
    pub(crate) form: &'a Questionnaire,
    pub(crate) fixed_unit: Option<String>,
    pub(crate) answers: Answers,
    pub(crate) errors: Vec<AnswerError>,
    pub(crate) notice: Option<String>,
    pub(crate) started_at: i64,
    pub(crate) submission_id: String,
    pub(crate) draft: Option<String>,
}

pub(crate) async fn render(state: &AppState, headers: &HeaderMap, input: PageInput<'_>, status: StatusCode) -> Response {
    let targets = state.survey_cache.targets(state, input.survey.id).await.map(|t| t.to_vec()).unwrap_or_default();
    let fixed = input.fixed_unit.as_ref().and_then(|code| targets.iter().find(|(_, c, _)| c == code)).map(|(_, c, n)| (c.clone(), n.clone()));
    let errors = input.errors.iter().map(|e| (e.question.clone(), format!("{}: {}", question_text(input.form, &e.question), e.message))).collect();
    let mut layout = input.layout.unwrap_or_else(|| Layout::public(input.survey.title.clone()));
    layout.frame = input.arrival.frame();
    if let Arrival::Kiosk(key) = &input.arrival {
        // A form left half-done goes back to the kiosk's waiting screen.
        layout.refresh = Some((state.config.kiosk_idle_seconds, format!("/kiosk/{key}")));
    }
    let procedures = match catalogue(state, fixed.as_ref().map(|(code, _)| code.as_str())).await {
        Ok(procedures) => procedures.into_iter().map(|p| p.name).collect(),
        Err(failure) => return crate::error::PageError(failure).into_response(),
    };
    let page = RespondPage {
        logic: skip_logic(input.form),
        layout,
        intro: input.form.description.clone(),
        action: input.arrival.action(&input.survey),
        sections: sections(input.form, &input.answers, &input.errors, fixed.is_some()),
        errors,
        notice: input.notice,
        started_at: input.started_at,
        submission_id: input.submission_id,
        fixed_unit: fixed,
        units: targets.into_iter().map(|(_, code, name)| (code, name)).collect(),
        procedures,
        draft: input.draft.unwrap_or_default(),
        serial: match &input.arrival {
            Arrival::Paper { serial, .. } => Some(serial.clone()),
            _ => None,
        },
        outcome: match &input.arrival {
            Arrival::Paper { outcome, .. } => outcome.clone(),
            _ => None,
        },
        survey: input.survey,
    };
    let mut page = page;
    if page.layout.frame == Frame::Embedded {
        page.layout.csrf = csrf::widget_token(state, page.survey.id, state.clock.now_ms());
        return (status, page).into_response();
    }
    let visitor = csrf::VisitorToken::new(state, headers);
    page.layout.csrf = visitor.token.clone();
    visitor.attach((status, page).into_response())
}

async fn open_survey(state: &AppState, code: &str) -> Result<Survey, Failure> {
    state.survey_cache.survey(state, code).await.map_err(|_| Failure::not_found())
}

/// The answer page of an open link.
pub async fn form(State(state): State<AppState>, headers: HeaderMap, Path(code): Path<String>, Query(q): Query<LinkQuery>) -> PageResult<Response> {
    open_form(state, headers, code, q, Arrival::Link).await
}

/// The answer page inside an agency portal's frame.
pub async fn widget_form(State(state): State<AppState>, headers: HeaderMap, Path(code): Path<String>, Query(q): Query<LinkQuery>) -> PageResult<Response> {
    open_form(state, headers, code, q, Arrival::Widget).await
}

async fn open_form(state: AppState, headers: HeaderMap, code: String, q: LinkQuery, arrival: Arrival) -> PageResult<Response> {
    let survey = open_survey(&state, &code).await?;
    let form = state.store.version(survey.version_id).await?;
    let now = state.clock.now_ms();
    let notice = admission::open(&survey, now).err().map(|r| r.to_string());
    let (answers, fixed_unit) = prefill(&state, &form, &q).await?;
    let input = PageInput {
        layout: None,
        arrival,
        fixed_unit,
        survey,
        form: &form,
        answers,
        errors: Vec::new(),
        notice,
        started_at: now,
        submission_id: tokens::random_token(),
        draft: None,
    };
    Ok(render(&state, &headers, input, StatusCode::OK).await)
}

/// The rating form of a counter's kiosk (reached at `/kiosk/{key}`), for the unit it stands in;
/// shown once the official on duty has invited a rating.
pub(crate) async fn kiosk_form(state: AppState, headers: HeaderMap, key: String, kiosk: &storage::kiosks::Kiosk) -> PageResult<Response> {
    let query = LinkQuery { u: Some(kiosk.unit_code.clone()), tthc: None, hs: None };
    open_form(state, headers, kiosk.survey_code.clone(), query, Arrival::Kiosk(key)).await
}

/// A rating sent from a counter's kiosk.
pub(crate) async fn kiosk_submit(
    state: AppState,
    headers: HeaderMap,
    client: ClientMeta,
    key: String,
    kiosk: &storage::kiosks::Kiosk,
    body: axum::body::Bytes,
) -> PageResult<Response> {
    let survey = open_survey(&state, &kiosk.survey_code).await?;
    receive(state, headers, client, survey, Arrival::Kiosk(key), body).await
}

/// The answer page again, as it was saved half-way.
pub async fn resume(State(state): State<AppState>, headers: HeaderMap, Path((code, secret)): Path<(String, String)>) -> PageResult<Response> {
    let survey = open_survey(&state, &code).await?;
    let now = state.clock.now_ms();
    let payload = state.store.draft(&tokens::digest(&secret), survey.id, now).await?;
    let draft: Draft = payload.and_then(|p| serde_json::from_str(&p).ok()).ok_or_else(|| Failure {
        status: StatusCode::NOT_FOUND,
        ..Failure::invalid("Không tìm thấy phiếu đã lưu, hoặc phiếu đã được gửi hay đã quá 30 ngày.")
    })?;
    let form = state.store.version(survey.version_id).await?;
    let input = PageInput {
        layout: None,
        arrival: draft.token.clone().map_or(Arrival::Link, Arrival::Invitation),
        fixed_unit: draft.unit,
        survey,
        form: &form,
        answers: draft.answers,
        errors: Vec::new(),
        notice: None,
        started_at: draft.started_at,
        submission_id: draft.submission_id,
        draft: Some(secret),
    };
    Ok(render(&state, &headers, input, StatusCode::OK).await)
}

/// The answer page of an invitation link.
pub async fn token_form(State(state): State<AppState>, headers: HeaderMap, Path(token): Path<String>) -> PageResult<Response> {
    let now = state.clock.now_ms();
    let token_hash = tokens::digest(&token);
    let (survey_id, unit_code) = match state.store.token_state(&token_hash, now).await? {
        storage::surveys::TokenState::Valid { survey_id, unit_id, .. } => (survey_id, unit_id),
        other => return Err(Failure::invalid(Refusal::Token(other).message()).into()),
    };
    state.store.invitation_event(&token_hash, InvitationStatus::Opened, now).await?;
    let survey_code = state.store.survey_code(survey_id).await?;
    let survey = open_survey(&state, &survey_code).await?;
    let targets = state.survey_cache.targets(&state, survey.id).await?;
    let unit = targets.iter().find(|(id, _, _)| *id == unit_code).map(|(_, code, _)| code.clone());
    let form = state.store.version(survey.version_id).await?;
    let input = PageInput {
        layout: None,
        arrival: Arrival::Invitation(token),
        fixed_unit: unit,
        survey,
        form: &form,
        answers: Answers::new(),
        errors: Vec::new(),
        notice: None,
        started_at: now,
        submission_id: tokens::random_token(),
        draft: None,
    };
    Ok(render(&state, &headers, input, StatusCode::OK).await)
}

/// The answers as stored: a typed procedure that names one of the unit's procedures becomes its
/// code; any other text stays as typed. The unit is the link's, or the one the person chose.
async fn with_procedure_codes(state: &AppState, form: &Questionnaire, answers: &Answers, unit: Option<&str>) -> Result<Answers, Failure> {
    let questions: Vec<&str> = form.questions().filter(|(_, q)| q.kind == QuestionKind::Procedure).map(|(_, q)| q.code.as_str()).collect();
    if questions.iter().all(|q| !answers.contains_key(*q)) {
        return Ok(answers.clone());
    }
    let chosen = form.questions().find(|(_, q)| matches!(q.kind, QuestionKind::Unit { .. })).and_then(|(_, q)| match answers.get(&q.code) {
        Some(Answer::Text(code)) => Some(code.as_str()),
        _ => None,
    });
    let procedures = catalogue(state, unit.or(chosen)).await?;
    let mut stored = answers.clone();
    for code in questions {
        if let Some(Answer::Text(typed)) = stored.get_mut(code) {
            *typed = procedures::resolve(typed, &procedures);
        }
    }
    Ok(stored)
}

fn field(body: &[u8], name: &str) -> Option<String> {
    form_urlencoded::parse(body).find(|(k, _)| k == name).map(|(_, v)| v.into_owned()).filter(|v| !v.is_empty())
}

/// Receives a posted answer, however the person arrived at the form: checks the form's own
/// protection (CSRF, or the widget's signed token), then hands it to intake.
async fn receive(state: AppState, headers: HeaderMap, client: ClientMeta, survey: Survey, arrival: Arrival, body: axum::body::Bytes) -> PageResult<Response> {
    let is_form = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(Failure::unsupported_media("Biểu mẫu phải được gửi dạng application/x-www-form-urlencoded.").into());
    }
    let now = state.clock.now_ms();
    let protected = field(&body, "csrf").is_some_and(|t| match arrival {
        Arrival::Widget => csrf::verify_widget(&state, survey.id, &t, now),
        _ => csrf::verify(&state, &headers, &t),
    });
    if !protected {
        return Err(Failure::csrf().into());
    }
    if let Err(wait) = state.submit_limiter.check(&client.ip, now) {
        // A resend of a form already stored is told so, limited or not.
        if intake::stored_before(&state, survey.id, field(&body, "submission_id").as_deref()).await?.is_some() {
            return Ok(Redirect::to(&arrival.done(&survey)).into_response());
        }
        return Err(Failure::too_many("Có quá nhiều phiếu gửi từ địa chỉ này. Vui lòng thử lại sau ít phút.", wait).into());
    }
    let form = state.store.version(survey.version_id).await?;
    let answers = read_answers(&form, &body);
    let started_at = field(&body, "started_at").and_then(|s| s.parse().ok());
    let submission_id = field(&body, "submission_id").filter(|s| s.len() <= 64).unwrap_or_else(tokens::random_token);
    let token = match &arrival {
        Arrival::Invitation(token) => Some(token.clone()),
        _ => None,
    };
    let fixed_unit = field(&body, "unit").filter(|_| token.is_none());
    let draft = field(&body, "draft");
    if field(&body, "action").as_deref() == Some("save") {
        let secret = draft.clone().unwrap_or_else(tokens::random_token);
        let saved = Draft { answers, unit: fixed_unit, token, started_at: started_at.unwrap_or(now), submission_id };
        let payload = serde_json::to_string(&saved).map_err(|_| Failure::internal())?;
        state.store.save_draft(&tokens::digest(&secret), survey.id, &payload, now, now + DRAFT_DAYS * 86_400_000).await?;
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
        let scheme = if state.config.secure_cookies { "https" } else { "http" };
        let link = format!("{scheme}://{host}/s/{}/tiep-tuc/{secret}", survey.code);
        return Ok(SavedPage { layout: Layout::public("Đã lưu phiếu"), title: survey.title, link }.into_response());
    }
    // A kiosk takes a rating only when invited, and attributes it to the official on duty.
    let kiosk = match &arrival {
        Arrival::Kiosk(key) => match crate::kiosks::admit(&state, &headers, key, now).await? {
            Ok(kiosk) => Some(kiosk),
            Err(waiting) => return Ok(waiting),
        },
        _ => None,
    };
    // An invitation's token proves its door at intake.
    let door = match &kiosk {
        Some(kiosk) => Door::Kiosk { staff: kiosk.staff_username.clone() },
        None if matches!(arrival, Arrival::Widget) => Door::Widget,
        None => Door::Public,
    };
    // The kiosk's attribution and the end of the saved draft go in with the answer.
    let kiosk_rating = kiosk.as_ref().map(|k| FollowUp::KioskRating { kiosk_id: k.id, staff_user_id: k.staff_user_id, ticket: k.ticket.clone() });
    let draft_sent = draft.as_ref().map(|secret| FollowUp::DraftSent { token_hash: tokens::digest(secret) });
    // A kiosk stands in one unit, whatever the form says.
    let unit_code = kiosk.as_ref().map(|k| k.unit_code.clone()).or_else(|| fixed_unit.clone());
    let submission = Submission {
        survey: survey.clone(),
        door,
        claimed: None,
        answers: with_procedure_codes(&state, &form, &answers, unit_code.as_deref()).await?,
        unit_code,
        token,
        started_at,
        submission_id: Some(submission_id.clone()),
        dossier_code: None,
        follow_ups: kiosk_rating.into_iter().chain(draft_sent).collect(),
    };
    match intake::submit(&state, &client, submission).await {
        Ok(_) => Ok(Redirect::to(&arrival.done(&survey)).into_response()),
        Err(refusal) => {
            let (errors, status) = match refusal {
                Refusal::Invalid(errors) => (errors, StatusCode::UNPROCESSABLE_ENTITY),
                Refusal::Store(e) => return Err(e.into()),
                Refusal::Admission(admission::Refusal::UnknownUnit) => {
                    (vec![AnswerError { question: "DV".into(), message: refusal.message() }], StatusCode::UNPROCESSABLE_ENTITY)
                }
                other => return Err(Failure { status: StatusCode::CONFLICT, ..Failure::invalid(other.message()) }.into()),
            };
            let input = PageInput {
                layout: None,
                arrival,
                survey,
                form: &form,
                fixed_unit,
                answers,
                errors,
                notice: None,
                started_at: started_at.unwrap_or(now),
                submission_id,
                draft,
            };
            Ok(render(&state, &headers, input, status).await)
        }
    }
}

pub async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    client: ClientMeta,
    Path(code): Path<String>,
    body: axum::body::Bytes,
) -> PageResult<Response> {
    let survey = open_survey(&state, &code).await?;
    receive(state, headers, client, survey, Arrival::Link, body).await
}

pub async fn widget_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    client: ClientMeta,
    Path(code): Path<String>,
    body: axum::body::Bytes,
) -> PageResult<Response> {
    let survey = open_survey(&state, &code).await?;
    receive(state, headers, client, survey, Arrival::Widget, body).await
}

pub async fn token_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    client: ClientMeta,
    Path(token): Path<String>,
    body: axum::body::Bytes,
) -> PageResult<Response> {
    let now = state.clock.now_ms();
    let token_hash = tokens::digest(&token);
    let survey_id = match state.store.token_state(&token_hash, now).await? {
        storage::surveys::TokenState::Valid { survey_id, .. } => survey_id,
        other => return Err(Failure { status: StatusCode::CONFLICT, ..Failure::invalid(Refusal::Token(other).message()) }.into()),
    };
    // Sent, or saved to finish later: either way the person has begun.
    state.store.invitation_event(&token_hash, InvitationStatus::Started, now).await?;
    let survey = open_survey(&state, &state.store.survey_code(survey_id).await?).await?;
    receive(state, headers, client, survey, Arrival::Invitation(token), body).await
}

/// A tap on a rating button of a ZNS message (`/t/{token}/danh-gia/{point}`): the form's
/// overall rating (the 766 rating) recorded at once for the invitation. Zalo may open the link
/// again and people tap twice: the answer's id follows from the token, so it is stored once, and
/// a later tap is thanked as the first. A form that asks for more opens instead.
pub async fn tap(State(state): State<AppState>, client: ClientMeta, Path((token, point)): Path<(String, String)>) -> PageResult<Response> {
    let now = state.clock.now_ms();
    let token_hash = tokens::digest(&token);
    let thanked = |title: String| Ok(DonePage { layout: Layout::public("Cảm ơn anh/chị"), title }.into_response());
    let survey_id = match state.store.token_state(&token_hash, now).await? {
        storage::surveys::TokenState::Valid { survey_id, .. } => survey_id,
        storage::surveys::TokenState::Used => return thanked(String::new()),
        other => return Err(Failure::invalid(Refusal::Token(other).message()).into()),
    };
    let survey = open_survey(&state, &state.store.survey_code(survey_id).await?).await?;
    let form = state.store.version(survey.version_id).await?;
    let Some(answers) = domain::invitations::oa::one_tap(&form, &point) else {
        return Ok(Redirect::to(&format!("/t/{token}")).into_response());
    };
    crate::rate_limit::submission(&state, &client)?;
    state.store.invitation_event(&token_hash, InvitationStatus::Started, now).await?;
    let submission = Submission {
        survey: survey.clone(),
        door: Door::Public,
        claimed: None,
        unit_code: None,
        token: Some(token.clone()),
        answers,
        started_at: None,
        submission_id: Some(format!("cham-{}", &token_hash[..40.min(token_hash.len())])),
        dossier_code: None,
        follow_ups: Vec::new(),
    };
    match intake::submit(&state, &client, submission).await {
        Ok(_) | Err(Refusal::Token(storage::surveys::TokenState::Used)) => thanked(survey.title),
        Err(Refusal::Invalid(_)) => Ok(Redirect::to(&format!("/t/{token}")).into_response()),
        Err(Refusal::Store(e)) => Err(e.into()),
        Err(other) => Err(Failure { status: StatusCode::CONFLICT, ..Failure::invalid(other.message()) }.into()),
    }
}

pub async fn done(State(state): State<AppState>, Path(code): Path<String>) -> PageResult<DonePage> {
    let survey = open_survey(&state, &code).await?;
    Ok(DonePage { layout: Layout::public("Cảm ơn anh/chị"), title: survey.title })
}

pub async fn widget_done(State(state): State<AppState>, Path(code): Path<String>) -> PageResult<DonePage> {
    let survey = open_survey(&state, &code).await?;
    let mut layout = Layout::public("Cảm ơn anh/chị");
    layout.frame = Frame::Embedded;
    Ok(DonePage { layout, title: survey.title })
}
