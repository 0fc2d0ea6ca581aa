//! The clerks' keying page, the list of surveys and forms waiting for reconciliation, the
//! supervisor's reconciliation page, and the choice between double entry and a verification
//! sample.

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use domain::auth::Permission;
use domain::paper::{PaperMode, differences, is_serial, reconcile as merge};
use domain::surveys::Survey;
use domain::surveys::admission::Door;
use domain::surveys::{Answer, Answers, Channel, Questionnaire, validate};
use domain::text;
use serde::Deserialize;
use storage::paper::{Conflict, Keyed, NewKeying};
use storage::responses::FollowUp;

use crate::AppState;
use crate::auth::csrf::{self, CheckedForm};
use crate::auth::require;
use crate::auth::session::{ClientMeta, CurrentUser};
use crate::auth::tokens;
use crate::error::{Failure, PageResult};
use crate::extract::Path;
use crate::layout::Layout;
use crate::surveys::intake::{self, Submission};
use crate::surveys::respond::{self, Arrival, PageInput};

pub struct SurveyRow {
    pub id: i64,
    pub title: String,
    pub waiting: i64,
    pub conflicts: i64,
    pub stored: i64,
    pub mode: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "paper/paper.html")]
pub struct ListPage {
    layout: Layout,
    surveys: Vec<SurveyRow>,
    conflicts: Vec<Conflict>,
    supervises: bool,
}

pub async fn list(State(state): State<AppState>, user: CurrentUser) -> PageResult<ListPage> {
    let access = &user.principal.access;
    if !access.has(Permission::EnterPaper) && !access.has(Permission::ManageSurveys) {
        return Err(Failure::forbidden().into());
    }
    let mut surveys = Vec::new();
    for (id, _, title) in state.store.paper_surveys(access, state.clock.now_ms()).await? {
        let (waiting, conflicts, stored) = state.store.paper_counts(id).await?;
        surveys.push(SurveyRow { id, title, waiting, conflicts, stored, mode: state.store.paper_mode(id).await?.label() });
    }
    Ok(ListPage {
        layout: Layout::admin(&user, "Nhập phiếu giấy", "/admin/paper"),
        surveys,
        conflicts: if access.has(Permission::ManageSurveys) { state.store.paper_conflicts(access).await? } else { Vec::new() },
        supervises: access.has(Permission::ManageSurveys),
    })
}

/// An open survey that takes paper forms, looked up without the results permission clerks lack.
async fn paper_survey(state: &AppState, id: i64) -> Result<Survey, Failure> {
    let code = state.store.survey_code(id).await.map_err(|_| Failure::not_found())?;
    let survey = state.survey_cache.survey(state, &code).await.map_err(|_| Failure::not_found())?;
    if survey.id != id || !survey.channels.contains(&Channel::Paper) {
        return Err(Failure::not_found());
    }
    Ok(survey)
}

/// The keying form, empty or as sent back with its errors, with a notice about the last form.
async fn keying_page(state: &AppState, user: &CurrentUser, headers: &HeaderMap, survey: Survey, keyed: Keying, status: StatusCode) -> PageResult<Response> {
    let form = state.store.version(survey.version_id).await?;
    let layout = Layout::admin(user, format!("Nhập phiếu giấy — {}", survey.title), "/admin/paper");
    let input = PageInput {
        arrival: Arrival::Paper { serial: keyed.serial, outcome: keyed.message },
        layout: Some(layout),
        survey,
        form: &form,
        fixed_unit: None,
        answers: keyed.answers,
        errors: keyed.errors,
        notice: None,
        started_at: state.clock.now_ms(),
        submission_id: tokens::random_token(),
        draft: None,
    };
    Ok(respond::render(state, headers, input, status).await)
}

/// What the keying page shows again.
#[derive(Default)]
struct Keying {
    serial: String,
    answers: Answers,
    errors: Vec<domain::surveys::AnswerError>,
    message: Option<String>,
}

pub async fn form(State(state): State<AppState>, user: CurrentUser, headers: HeaderMap, Path(survey): Path<i64>) -> PageResult<Response> {
    require(&user.principal.access, Permission::EnterPaper)?;
    let survey = paper_survey(&state, survey).await?;
    keying_page(&state, &user, &headers, survey, Keying::default(), StatusCode::OK).await
}

fn field(body: &[u8], name: &str) -> String {
    form_urlencoded::parse(body).find(|(k, _)| k == name).map(|(_, v)| v.trim().to_string()).unwrap_or_default()
}

/// The unit a form is about: its unit question's answer, or the survey's only unit.
async fn unit_of(state: &AppState, survey: &Survey, form: &Questionnaire, answers: &Answers) -> Result<Option<(i64, String)>, Failure> {
    let targets = state.survey_cache.targets(state, survey.id).await?;
    let question = form.questions().map(|(_, q)| q).find(|q| matches!(q.kind, domain::surveys::QuestionKind::Unit { .. }));
    let chosen = question.and_then(|q| match answers.get(&q.code) {
        Some(Answer::Text(code)) => Some(code.clone()),
        _ => None,
    });
    Ok(match chosen {
        Some(code) => targets.iter().find(|(_, c, _)| *c == code).map(|(id, c, _)| (*id, c.clone())),
        None if targets.len() == 1 => Some((targets[0].0, targets[0].1.clone())),
        None => None,
    })
}

/// A form ready to go into the responses.
struct Settled<'a> {
    survey: &'a Survey,
    serial: &'a str,
    unit_code: String,
    answers: Answers,
    /// By a supervisor's choices, rather than two agreeing keyings.
    reconciled: bool,
}

/// Sends an agreed or reconciled form into the responses, once (its submission id is the serial).
async fn store_form(state: &AppState, user: &CurrentUser, client: &ClientMeta, form: Settled<'_>) -> PageResult<()> {
    let submission = Submission {
        survey: form.survey.clone(),
        door: Door::PaperEntry,
        claimed: None,
        unit_code: Some(form.unit_code),
        token: None,
        answers: form.answers,
        started_at: None,
        submission_id: Some(format!("paper-{}-{}", form.survey.id, form.serial)),
        dossier_code: None,
        follow_ups: vec![FollowUp::PaperForm { serial: form.serial.to_string(), reconciled_by: form.reconciled.then(|| user.actor(state)) }],
    };
    intake::submit(state, client, submission).await.map_err(|refusal| Failure::conflict(refusal.message()))?;
    Ok(())
}

/// A clerk's keying of one form.
pub async fn key(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    client: ClientMeta,
    Path(survey): Path<i64>,
    body: Bytes,
) -> PageResult<Response> {
    let access = &user.principal.access;
    require(access, Permission::EnterPaper)?;
    if !csrf::verify(&state, &headers, &field(&body, "csrf")) {
        return Err(Failure::csrf().into());
    }
    let survey = paper_survey(&state, survey).await?;
    let form = state.store.version(survey.version_id).await?;
    let answers = respond::read_answers(&form, &body);
    let serial = field(&body, "serial");
    let mut keying = Keying { serial: serial.clone(), answers: answers.clone(), ..Keying::default() };
    if !is_serial(&serial) {
        keying
            .errors
            .push(domain::surveys::AnswerError {
                question: "serial".into(), message: "Số phiếu gồm 1–20 chữ số, chữ cái không dấu, - hoặc /.".into()
            });
    }
    let validated = match validate(&form, &answers) {
        Ok(valid) if keying.errors.is_empty() => valid,
        Ok(_) => return keying_page(&state, &user, &headers, survey, keying, StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(errors) => {
            keying.errors.extend(errors);
            return keying_page(&state, &user, &headers, survey, keying, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let Some((unit_id, unit_code)) = unit_of(&state, &survey, &form, &validated).await? else {
        keying.errors.push(domain::surveys::AnswerError { question: "DV".into(), message: "Hãy chọn đơn vị được đánh giá.".into() });
        return keying_page(&state, &user, &headers, survey, keying, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    // The verification sample's draw: fixed for the serial, unknown to clerks (a keyed hash).
    let draw = u8::from_str_radix(&csrf::token_for(&state, &format!("paper:{}:{serial}", survey.id))[..2], 16).unwrap_or(0) % 100;
    let keying = NewKeying { survey_id: survey.id, serial: &serial, unit_id, answers: &validated, draw };
    let message = match state.store.key_paper(&user.actor(&state), access, &keying).await? {
        Keyed::AwaitingSecond => format!("Đã lưu phiếu số {serial}. Phiếu cần một người khác nhập lần hai để đối chiếu."),
        Keyed::Agreed(answers) => {
            store_form(&state, &user, &client, Settled { survey: &survey, serial: &serial, unit_code, answers, reconciled: false }).await?;
            format!("Phiếu số {serial} đã được ghi nhận.")
        }
        Keyed::Conflict(questions) => {
            format!("Phiếu số {serial}: lần nhập này khác lần trước ở {} câu ({}); phiếu chờ đối chiếu.", questions.len(), questions.join(", "))
        }
    };
    let done = Keying { message: Some(message), ..Keying::default() };
    keying_page(&state, &user, &headers, survey, done, StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct ModeForm {
    mode: String,
    #[serde(default)]
    percent: String,
}

pub async fn set_mode(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(survey): Path<i64>,
    CheckedForm(form): CheckedForm<ModeForm>,
) -> PageResult<Response> {
    let mode = match form.mode.as_str() {
        "sample" => PaperMode::Sample {
            percent: form.percent.trim().parse().map_err(|_| Failure::invalid("Tỷ lệ phiếu nhập lại phải là số từ 0 đến 100."))?
        },
        _ => PaperMode::Double,
    };
    state.store.set_paper_mode(&user.actor(&state), &user.principal.access, survey, mode).await?;
    Ok(Redirect::to("/admin/paper").into_response())
}

pub struct DifferenceRow {
    pub code: String,
    pub question: String,
    pub first: String,
    pub second: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "paper/paper_conflict.html")]
pub struct ConflictPage {
    layout: Layout,
    survey_id: i64,
    survey_title: String,
    serial: String,
    clerks: (String, String),
    rows: Vec<DifferenceRow>,
}

/// An answer as a person reads it: option labels rather than codes.
fn shown(form: &Questionnaire, code: &str, answer: Option<&Answer>) -> String {
    let label = |option: &str| {
        form.question(code).and_then(|q| q.kind.options().iter().find(|o| o.code == option)).map_or_else(|| option.to_string(), |o| o.label.clone())
    };
    match answer {
        None => "(để trống)".into(),
        Some(Answer::Text(t)) => label(t),
        Some(Answer::Number(n)) => text::format_number(*n, 2),
        Some(Answer::List(items)) => items.iter().map(|i| label(i)).collect::<Vec<_>>().join("; "),
        Some(Answer::Map(cells)) => cells.iter().map(|(row, v)| format!("{row}: {}", label(v))).collect::<Vec<_>>().join("; "),
    }
}

async fn keyings(state: &AppState, user: &CurrentUser, survey_id: i64, serial: &str) -> PageResult<(Survey, Questionnaire, [(String, Answers); 2])> {
    let keyings = state.store.paper_keyings(&user.principal.access, survey_id, serial).await?;
    let survey = paper_survey(state, survey_id).await?;
    let form = (*state.store.version(survey.version_id).await?).clone();
    let parse = |k: &storage::paper::Keying| serde_json::from_str::<Answers>(&k.answers).map(|a| (k.clerk.clone(), a)).map_err(|_| Failure::internal());
    Ok((survey, form, [parse(&keyings[0])?, parse(&keyings[1])?]))
}

pub async fn conflict(State(state): State<AppState>, user: CurrentUser, Path((survey_id, serial)): Path<(i64, String)>) -> PageResult<ConflictPage> {
    require(&user.principal.access, Permission::ManageSurveys)?;
    let (survey, form, [(first_clerk, first), (second_clerk, second)]) = keyings(&state, &user, survey_id, &serial).await?;
    let rows = differences(&first, &second)
        .into_iter()
        .map(|code| DifferenceRow {
            question: form.question(&code).map_or_else(|| code.clone(), |q| q.text.clone()),
            first: shown(&form, &code, first.get(&code)),
            second: shown(&form, &code, second.get(&code)),
            code,
        })
        .collect();
    Ok(ConflictPage {
        layout: Layout::admin(&user, format!("Đối chiếu phiếu số {serial}"), "/admin/paper"),
        survey_id,
        survey_title: survey.title,
        serial,
        clerks: (first_clerk, second_clerk),
        rows,
    })
}

/// The supervisor's choice for each differing question; the form then goes into the responses.
pub async fn reconcile(
    State(state): State<AppState>,
    user: CurrentUser,
    client: ClientMeta,
    Path((survey_id, serial)): Path<(i64, String)>,
    CheckedForm(fields): CheckedForm<Vec<(String, String)>>,
) -> PageResult<Response> {
    require(&user.principal.access, Permission::ManageSurveys)?;
    let (survey, form, [(_, first), (_, second)]) = keyings(&state, &user, survey_id, &serial).await?;
    let mut choices = Vec::new();
    for code in differences(&first, &second) {
        let pick = fields.iter().find(|(k, _)| *k == format!("pick.{code}")).map(|(_, v)| v.as_str());
        match pick {
            Some("a") => choices.push((code, false)),
            Some("b") => choices.push((code, true)),
            _ => return Err(Failure::invalid(format!("Hãy chọn câu trả lời đúng cho câu {code}.")).into()),
        }
    }
    let merged = validate(&form, &merge(&first, &second, &choices)).map_err(|errors| {
        Failure::invalid(format!("Phiếu sau đối chiếu chưa hợp lệ: {}", errors.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; ")))
    })?;
    let (_, unit_code) =
        unit_of(&state, &survey, &form, &merged).await?.ok_or_else(|| Failure::invalid("Phiếu sau đối chiếu chưa có đơn vị được đánh giá."))?;
    store_form(&state, &user, &client, Settled { survey: &survey, serial: &serial, unit_code, answers: merged, reconciled: true }).await?;
    Ok(Redirect::to("/admin/paper").into_response())
}
