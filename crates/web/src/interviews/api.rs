//! `/api/v1/interviews/assignments`: what the interviewer's device keeps (assignments with the
//! contact to reach, and the forms to fill); `/api/v1/interviews/sync`: what it sends back.

use std::collections::BTreeMap;

use axum::extract::State;
use domain::auth::Permission;
use domain::interviews::CallOutcome;
use domain::surveys::admission::Door;
use domain::surveys::{Answers, Channel};
use serde::{Deserialize, Serialize};
use storage::interviews::CallRecord;
use storage::responses::{FollowUp, Stored};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::require;
use crate::auth::session::ApiUser;
use crate::error::{ApiJson, ApiResult, ProblemDocument};
use crate::surveys::intake::{self, Refusal, Submission};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(assignments)).routes(routes!(sync))
}

#[derive(Serialize, ToSchema)]
pub struct AssignmentDto {
    id: i64,
    survey_id: i64,
    dossier_code: String,
    unit_code: String,
    unit_name: String,
    procedure: String,
    /// `phone` or `face_to_face`.
    mode: String,
    name: String,
    phone: String,
}

#[derive(Serialize, ToSchema)]
pub struct FormDto {
    survey_code: String,
    survey_title: String,
    /// The questionnaire version, as `/api/v1/questionnaires` describes it.
    #[schema(value_type = Object)]
    questionnaire: serde_json::Value,
}

#[derive(Serialize, ToSchema)]
pub struct Work {
    assignments: Vec<AssignmentDto>,
    /// The forms of the assignments' surveys, by survey id.
    forms: BTreeMap<i64, FormDto>,
}

/// The caller's open assignments with the contacts to reach each person (the opening is
/// audited), and the forms to fill.
#[utoipa::path(get, path = "/api/v1/interviews/assignments", tag = "interviews", responses((status = 200, body = Work), (status = 403, body = ProblemDocument)))]
async fn assignments(State(state): State<AppState>, caller: ApiUser) -> ApiResult<axum::Json<Work>> {
    require(&caller.principal.access, Permission::ConductInterviews)?;
    let list = state.store.my_assignments(&caller.actor(&state), &caller.principal.access).await?;
    let mut forms = BTreeMap::new();
    for a in &list {
        if forms.contains_key(&a.survey_id) {
            continue;
        }
        let code = state.store.survey_code(a.survey_id).await?;
        let survey = state.survey_cache.survey(&state, &code).await?;
        let questionnaire = serde_json::to_value(&*state.store.version(survey.version_id).await?).unwrap_or_default();
        forms.insert(a.survey_id, FormDto { survey_code: survey.code, survey_title: survey.title, questionnaire });
    }
    let assignments = list
        .into_iter()
        .map(|a| AssignmentDto {
            id: a.id,
            survey_id: a.survey_id,
            dossier_code: a.dossier_code,
            unit_code: a.unit_code,
            unit_name: a.unit_name,
            procedure: a.procedure,
            mode: a.mode.code().into(),
            name: a.name,
            phone: a.phone,
        })
        .collect();
    Ok(axum::Json(Work { assignments, forms }))
}

#[derive(Deserialize, ToSchema)]
pub struct CallDto {
    /// Chosen on the device; sending the same call again records nothing new.
    client_id: String,
    assignment_id: i64,
    /// `no_answer`, `refused`, `call_back` or `completed`.
    outcome: String,
    #[serde(default)]
    note: String,
    /// Unix milliseconds, by the device's clock.
    at: i64,
    #[serde(default)]
    callback_at: Option<i64>,
}

#[derive(Deserialize, ToSchema)]
pub struct InterviewDto {
    /// Chosen on the device; sending the same interview again stores it once.
    submission_id: String,
    assignment_id: i64,
    #[schema(value_type = Object)]
    answers: Answers,
    #[serde(default)]
    started_at: Option<i64>,
}

#[derive(Deserialize, ToSchema)]
pub struct Batch {
    #[serde(default)]
    calls: Vec<CallDto>,
    #[serde(default)]
    interviews: Vec<InterviewDto>,
}

#[derive(Serialize, ToSchema)]
pub struct ItemResult {
    /// The call's `client_id` or the interview's `submission_id`.
    id: String,
    /// `recorded` (new), `already` (sent before: nothing changed) or `refused`.
    status: &'static str,
    #[serde(skip_serializing_if = "String::is_empty")]
    message: String,
    /// For a refused interview, what is wrong with which question, to correct on the device.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<QuestionError>,
}

#[derive(Serialize, ToSchema)]
pub struct QuestionError {
    question: String,
    message: String,
}

#[derive(Serialize, ToSchema)]
pub struct Synced {
    calls: Vec<ItemResult>,
    interviews: Vec<ItemResult>,
}

fn item(id: String, status: &'static str, message: String) -> ItemResult {
    ItemResult { id, status, message, errors: Vec::new() }
}

fn refused(id: String, refusal: Refusal) -> ItemResult {
    let errors = match &refusal {
        Refusal::Invalid(errors) => errors.iter().map(|e| QuestionError { question: e.question.clone(), message: e.message.clone() }).collect(),
        _ => Vec::new(),
    };
    ItemResult { errors, ..item(id, "refused", refusal.message()) }
}

/// Records what the device kept: call outcomes and interviews, each once. Items refused (not the
/// caller's assignment, answers that do not pass the form's rules) are told back one by one;
/// the others are recorded regardless.
#[utoipa::path(post, path = "/api/v1/interviews/sync", tag = "interviews", request_body = Batch, responses((status = 200, body = Synced), (status = 403, body = ProblemDocument)))]
async fn sync(State(state): State<AppState>, caller: ApiUser, ApiJson(batch): ApiJson<Batch>) -> ApiResult<axum::Json<Synced>> {
    require(&caller.principal.access, Permission::ConductInterviews)?;
    let actor = caller.actor(&state);
    let mut synced = Synced { calls: Vec::new(), interviews: Vec::new() };
    for interview in batch.interviews {
        let id = interview.submission_id.clone();
        if !(1..=64).contains(&id.len()) {
            synced.interviews.push(item(id, "refused", "Mã phiếu (submission_id) phải từ 1 đến 64 ký tự.".into()));
            continue;
        }
        let (survey_id, unit_code, dossier_code, mode) = match state.store.my_assignment(&actor, interview.assignment_id).await {
            Ok(found) => found,
            Err(_) => {
                synced.interviews.push(item(id, "refused", "Không phải phiếu được giao cho tài khoản này.".into()));
                continue;
            }
        };
        let code = state.store.survey_code(survey_id).await?;
        let survey = state.survey_cache.survey(&state, &code).await?;
        let submission = Submission {
            survey,
            door: Door::Interview { face_to_face: mode.channel() == Channel::FaceToFace },
            claimed: None,
            unit_code: Some(unit_code),
            token: None,
            answers: interview.answers,
            started_at: interview.started_at,
            submission_id: Some(id.clone()),
            dossier_code: Some(dossier_code),
            follow_ups: vec![FollowUp::Interview { assignment_id: interview.assignment_id, interviewer_id: actor.user_id }],
        };
        match intake::submit(&state, &caller.meta, submission).await {
            Ok(stored) => {
                synced.interviews.push(item(id, if matches!(stored, Stored::New(_)) { "recorded" } else { "already" }, String::new()));
            }
            Err(refusal) => synced.interviews.push(refused(id, refusal)),
        }
    }
    for call in batch.calls {
        let Some(outcome) = CallOutcome::parse(&call.outcome) else {
            synced.calls.push(item(call.client_id, "refused", format!("Kết quả cuộc gọi «{}» không hợp lệ.", call.outcome)));
            continue;
        };
        if !(1..=64).contains(&call.client_id.len()) {
            synced.calls.push(item(call.client_id, "refused", "Mã (client_id) phải từ 1 đến 64 ký tự.".into()));
            continue;
        }
        let record = CallRecord {
            client_id: call.client_id.clone(),
            assignment_id: call.assignment_id,
            outcome,
            note: call.note,
            callback_at: call.callback_at,
            at: call.at,
        };
        synced.calls.push(match state.store.record_call(&actor, &record).await {
            Ok(true) => item(call.client_id, "recorded", String::new()),
            Ok(false) => item(call.client_id, "already", String::new()),
            Err(storage::Error::NotFound) => item(call.client_id, "refused", "Không phải phiếu được giao cho tài khoản này.".into()),
            Err(e) => return Err(e.into()),
        });
    }
    Ok(axum::Json(synced))
}
