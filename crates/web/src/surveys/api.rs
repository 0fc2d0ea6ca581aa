//! `/api/v1/questionnaires` and `/api/v1/surveys`: author questionnaires in the JSON format,
//! publish versions, create surveys, issue one-time tokens, submit responses, read live results.

use axum::extract::State;
use axum::http::StatusCode;
use domain::auth::Permission;
use domain::calendar::Month;
use domain::surveys::Survey;
use domain::surveys::admission::{self, Door};
use domain::surveys::{Answers, Channel, Questionnaire, Recurrence};
use domain::text;
use serde::{Deserialize, Serialize};
use storage::responses::{CellFilter, Stored};
use storage::surveys::{NewSurvey, TokenBatch};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::intake::{self, Refusal, Submission};

use crate::AppState;
use crate::auth::require;
use crate::auth::session::{ApiUser, ClientMeta};
use crate::error::{ApiJson, ApiResult, Failure, FieldError, Problem, ProblemDocument};
use crate::extract::{Path, Query, typed_channel, typed_month};
use crate::uploads;
use sheets::Limits;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(templates))
        .routes(routes!(create_questionnaire))
        .routes(routes!(get_questionnaire, update_questionnaire))
        .routes(routes!(publish))
        .routes(routes!(export_xlsform))
        .routes(routes!(import_xlsform))
        .routes(routes!(list_surveys, create_survey))
        .routes(routes!(issue_tokens))
        .routes(routes!(submit_response))
        .routes(routes!(results))
}

/// The built-in questionnaires (SIPAS 2017, SIPAS 2023), to copy.
#[utoipa::path(get, path = "/api/v1/questionnaire-templates", tag = "surveys",
    responses((status = 200, description = "Questionnaires in the JSON format", body = Vec<Object>)))]
async fn templates(_caller: ApiUser) -> axum::Json<Vec<Questionnaire>> {
    axum::Json(domain::sipas::templates())
}

#[derive(Deserialize, ToSchema)]
pub struct NewQuestionnaire {
    /// Code of the owning unit.
    unit_code: String,
    /// The questionnaire in the JSON format (as `GET /api/v1/questionnaire-templates` returns).
    #[schema(value_type = Object)]
    questionnaire: Questionnaire,
}

#[derive(Serialize, ToSchema)]
pub struct QuestionnaireDto {
    id: i64,
    code: String,
    title: String,
    unit_id: i64,
    #[schema(value_type = Object)]
    draft: Questionnaire,
    /// Published versions, newest first.
    versions: Vec<VersionDto>,
}

#[derive(Serialize, ToSchema)]
pub struct VersionDto {
    id: i64,
    version: i64,
    /// Unix milliseconds.
    published_at: i64,
}

async fn questionnaire_dto(state: &AppState, caller: &ApiUser, id: i64) -> Result<QuestionnaireDto, storage::Error> {
    let q = state.store.questionnaire(&caller.principal.access, id).await?;
    Ok(QuestionnaireDto {
        id: q.id,
        code: q.code,
        title: q.title,
        unit_id: q.unit_id,
        draft: q.draft,
        versions: q.versions.into_iter().map(|(id, version, published_at)| VersionDto { id, version, published_at }).collect(),
    })
}

/// Saves a questionnaire draft owned by a unit the caller manages surveys for.
#[utoipa::path(post, path = "/api/v1/questionnaires", tag = "surveys", request_body = NewQuestionnaire,
    responses((status = 201, body = QuestionnaireDto), (status = 409, body = ProblemDocument), (status = 422, body = ProblemDocument)))]
async fn create_questionnaire(
    State(state): State<AppState>,
    caller: ApiUser,
    ApiJson(body): ApiJson<NewQuestionnaire>,
) -> ApiResult<(StatusCode, axum::Json<QuestionnaireDto>)> {
    require(&caller.principal.access, Permission::ManageSurveys)?;
    let unit = unit_by_code(&state, &body.unit_code).await?;
    let id = state.store.create_questionnaire(&caller.actor(&state), &caller.principal.access, unit, &body.questionnaire).await?;
    Ok((StatusCode::CREATED, axum::Json(questionnaire_dto(&state, &caller, id).await?)))
}

#[utoipa::path(get, path = "/api/v1/questionnaires/{id}", tag = "surveys",
    responses((status = 200, body = QuestionnaireDto), (status = 404, body = ProblemDocument)))]
async fn get_questionnaire(State(state): State<AppState>, caller: ApiUser, Path(id): Path<i64>) -> ApiResult<axum::Json<QuestionnaireDto>> {
    require(&caller.principal.access, Permission::ManageSurveys)?;
    Ok(axum::Json(questionnaire_dto(&state, &caller, id).await?))
}

/// Replaces the draft; published versions never change.
#[utoipa::path(put, path = "/api/v1/questionnaires/{id}", tag = "surveys", request_body = Object,
    responses((status = 200, body = QuestionnaireDto), (status = 422, body = ProblemDocument)))]
async fn update_questionnaire(
    State(state): State<AppState>,
    caller: ApiUser,
    Path(id): Path<i64>,
    ApiJson(form): ApiJson<Questionnaire>,
) -> ApiResult<axum::Json<QuestionnaireDto>> {
    require(&caller.principal.access, Permission::ManageSurveys)?;
    state.store.update_questionnaire(&caller.actor(&state), &caller.principal.access, id, &form).await?;
    Ok(axum::Json(questionnaire_dto(&state, &caller, id).await?))
}

/// Publishes the draft as a new, immutable version (after checking every schema rule).
#[utoipa::path(post, path = "/api/v1/questionnaires/{id}/publish", tag = "surveys",
    responses((status = 201, body = QuestionnaireDto), (status = 422, body = ProblemDocument)))]
async fn publish(State(state): State<AppState>, caller: ApiUser, Path(id): Path<i64>) -> ApiResult<(StatusCode, axum::Json<QuestionnaireDto>)> {
    require(&caller.principal.access, Permission::ManageSurveys)?;
    state.store.publish_questionnaire(&caller.actor(&state), &caller.principal.access, id).await?;
    Ok((StatusCode::CREATED, axum::Json(questionnaire_dto(&state, &caller, id).await?)))
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The draft as an XLSForm-style workbook (sheets `survey`, `choices`, `settings`) to edit in Excel.
#[utoipa::path(get, path = "/api/v1/questionnaires/{id}/xlsform", tag = "surveys",
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
              (status = 404, body = ProblemDocument)))]
async fn export_xlsform(State(state): State<AppState>, caller: ApiUser, Path(id): Path<i64>) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    require(&caller.principal.access, Permission::ManageSurveys)?;
    let record = state.store.questionnaire(&caller.principal.access, id).await?;
    let (survey, choices, settings) = domain::surveys::xlsform::to_sheets(&record.draft);
    let bytes = sheets::write_sheets(&[("survey", &survey), ("choices", &choices), ("settings", &settings)]).map_err(|_| Failure::internal())?;
    let disposition = format!("attachment; filename=\"{}.xlsx\"", record.code);
    Ok(([(axum::http::header::CONTENT_TYPE, XLSX.to_string()), (axum::http::header::CONTENT_DISPOSITION, disposition)], bytes).into_response())
}

#[derive(Deserialize, IntoParams)]
pub struct ImportQuery {
    /// Code of the owning unit.
    unit_code: String,
}

/// Creates a questionnaire draft from an XLSForm-style workbook; problems come back by sheet
/// and row.
#[utoipa::path(post, path = "/api/v1/questionnaires/xlsform", tag = "surveys", params(ImportQuery),
    request_body(content = Vec<u8>, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    responses((status = 201, body = QuestionnaireDto), (status = 422, body = ProblemDocument)))]
async fn import_xlsform(
    State(state): State<AppState>,
    caller: ApiUser,
    Query(q): Query<ImportQuery>,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, axum::Json<QuestionnaireDto>)> {
    require(&caller.principal.access, Permission::ManageSurveys)?;
    let workbook = uploads::read_sheets(body, Limits::QUESTIONNAIRE).await.map_err(|e| Failure::invalid(e.to_string()))?;
    let form = domain::surveys::xlsform::from_workbook(&workbook).map_err(|problems| {
        let errors: Vec<FieldError> = problems.iter().map(|p| FieldError { field: format!("{}!{}", p.sheet, p.row), message: p.to_string() }).collect();
        Problem::from(Failure { errors, ..Failure::invalid(format!("Tệp có {} chỗ cần sửa.", problems.len())) })
    })?;
    let unit = unit_by_code(&state, &q.unit_code).await?;
    let id = state.store.create_questionnaire(&caller.actor(&state), &caller.principal.access, unit, &form).await?;
    Ok((StatusCode::CREATED, axum::Json(questionnaire_dto(&state, &caller, id).await?)))
}

#[derive(Deserialize, ToSchema)]
pub struct NewSurveyBody {
    /// Public code, used in the link `/s/{code}`.
    code: String,
    title: String,
    /// Owning unit.
    unit_code: String,
    /// A published questionnaire version.
    version_id: i64,
    /// `once`, `monthly` or `yearly`.
    recurrence: String,
    /// First and last day of the survey period (yyyy-mm-dd or dd/mm/yyyy).
    period_start: String,
    period_end: String,
    /// Opening and closing moments, unix milliseconds.
    opens_at: i64,
    closes_at: i64,
    /// Channel codes: web, invitation, widget, kiosk, phone, face_to_face, paper, api.
    channels: Vec<String>,
    /// Codes of the units the survey asks about.
    target_unit_codes: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SurveyDto {
    id: i64,
    code: String,
    title: String,
    unit_id: i64,
    version_id: i64,
    recurrence: String,
    period: String,
    opens_at: i64,
    closes_at: i64,
    channels: Vec<String>,
    /// The public answer link.
    link: String,
}

impl From<Survey> for SurveyDto {
    fn from(s: Survey) -> Self {
        Self {
            period: s.period_label(),
            link: format!("/s/{}", s.code),
            id: s.id,
            title: s.title,
            unit_id: s.unit_id,
            version_id: s.version_id,
            recurrence: s.recurrence.code().into(),
            opens_at: s.opens_at,
            closes_at: s.closes_at,
            channels: s.channels.iter().map(|c| c.code().to_string()).collect(),
            code: s.code,
        }
    }
}

async fn unit_by_code(state: &AppState, code: &str) -> Result<i64, Failure> {
    state.store.public_unit_by_code(code.trim()).await.map(|u| u.id).map_err(|_| Failure::invalid(format!("Không tìm thấy đơn vị có mã «{}».", code.trim())))
}

/// Creates a survey of a published version for target units in the caller's scope.
#[utoipa::path(post, path = "/api/v1/surveys", tag = "surveys", request_body = NewSurveyBody,
    responses((status = 201, body = SurveyDto), (status = 409, body = ProblemDocument), (status = 422, body = ProblemDocument)))]
async fn create_survey(
    State(state): State<AppState>,
    caller: ApiUser,
    ApiJson(body): ApiJson<NewSurveyBody>,
) -> ApiResult<(StatusCode, axum::Json<SurveyDto>)> {
    require(&caller.principal.access, Permission::ManageSurveys)?;
    let mut errors = Vec::new();
    let mut fail = |field: &str, message: String| errors.push(FieldError { field: field.into(), message });
    let recurrence = Recurrence::parse(&body.recurrence);
    if recurrence.is_none() {
        fail("recurrence", "Chu kỳ phải là once, monthly hoặc yearly.".into());
    }
    let start = text::parse_date(&body.period_start);
    let end = text::parse_date(&body.period_end);
    if start.is_none() || end.is_none() {
        fail("period_start", "Ngày đầu và ngày cuối kỳ khảo sát phải có dạng dd/mm/yyyy.".into());
    }
    let channels: Vec<Channel> = body.channels.iter().filter_map(|c| Channel::parse(c)).collect();
    if channels.len() != body.channels.len() {
        fail("channels", "Có kênh khảo sát không hợp lệ.".into());
    }
    let mut targets = Vec::new();
    for code in &body.target_unit_codes {
        match state.store.public_unit_by_code(code.trim()).await {
            Ok(unit) => targets.push(unit.id),
            Err(_) => fail("target_unit_codes", format!("Không tìm thấy đơn vị có mã «{}».", code.trim())),
        }
    }
    let owner = state.store.public_unit_by_code(body.unit_code.trim()).await.ok();
    if owner.is_none() {
        fail("unit_code", format!("Không tìm thấy đơn vị có mã «{}».", body.unit_code.trim()));
    }
    let (Some(recurrence), Some(period_start), Some(period_end), Some(owner), true) = (recurrence, start, end, owner, errors.is_empty()) else {
        return Err(Failure::fields(errors).into());
    };
    let survey = NewSurvey {
        code: body.code.trim().to_string(),
        title: body.title,
        unit_id: owner.id,
        version_id: body.version_id,
        recurrence,
        period_start,
        period_end,
        opens_at: body.opens_at,
        closes_at: body.closes_at,
        channels,
        targets,
    };
    let id = state.store.create_survey(&caller.actor(&state), &caller.principal.access, &survey).await?;
    Ok((StatusCode::CREATED, axum::Json(state.store.survey(&caller.principal.access, id).await?.into())))
}

/// Surveys whose results the caller may read.
#[utoipa::path(get, path = "/api/v1/surveys", tag = "surveys", responses((status = 200, body = Vec<SurveyDto>)))]
async fn list_surveys(State(state): State<AppState>, caller: ApiUser) -> ApiResult<axum::Json<Vec<SurveyDto>>> {
    require(&caller.principal.access, Permission::ViewResults)?;
    Ok(axum::Json(state.store.surveys(&caller.principal.access).await?.into_iter().map(Into::into).collect()))
}

#[derive(Deserialize, ToSchema)]
pub struct TokenRequest {
    unit_code: String,
    count: usize,
    /// Unix milliseconds; never if absent.
    expires_at: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct TokenList {
    /// One-time answer links, shown only now.
    links: Vec<String>,
}

/// Issues one-time answer links for a target unit.
#[utoipa::path(post, path = "/api/v1/surveys/{id}/tokens", tag = "surveys", request_body = TokenRequest,
    responses((status = 201, body = TokenList), (status = 422, body = ProblemDocument)))]
async fn issue_tokens(
    State(state): State<AppState>,
    caller: ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<TokenRequest>,
) -> ApiResult<(StatusCode, axum::Json<TokenList>)> {
    require(&caller.principal.access, Permission::ManageSurveys)?;
    let unit_id = unit_by_code(&state, &body.unit_code).await?;
    let batch = TokenBatch { survey_id: id, unit_id, count: body.count, expires_at: body.expires_at };
    let tokens = state.store.issue_tokens(&caller.actor(&state), &caller.principal.access, &batch).await?;
    Ok((StatusCode::CREATED, axum::Json(TokenList { links: tokens.into_iter().map(|t| format!("/t/{t}")).collect() })))
}

#[derive(Deserialize, ToSchema)]
pub struct ResponseBody {
    /// A client-chosen id (≤ 64 characters): resending the same one stores nothing twice.
    submission_id: Option<String>,
    /// The unit rated, when the form does not ask it.
    unit_code: Option<String>,
    /// A one-time token, for invitation links.
    token: Option<String>,
    /// The channel, if the client names it; it must be the one its credentials prove: `web`
    /// without any, `invitation` with a valid `token`, `api` with a bearer token that may
    /// submit responses. Kiosk, paper and interview answers come only through their own screens.
    channel: Option<String>,
    /// Dossier code from the one-stop system.
    dossier_code: Option<String>,
    /// When answering started, unix milliseconds.
    started_at: Option<i64>,
    /// Answers by question code: a text or option code, a number, a list of option codes, or
    /// an object from matrix row to scale point.
    #[schema(value_type = Object)]
    answers: Answers,
}

#[derive(Serialize, ToSchema)]
pub struct ResponseReceipt {
    id: i64,
    /// False when this submission id had been stored before.
    created: bool,
}

fn refusal_problem(refusal: Refusal) -> Problem {
    match refusal {
        Refusal::Invalid(errors) => {
            let fields = errors.iter().map(|e| FieldError { field: e.question.clone(), message: e.message.clone() }).collect();
            Failure { errors: fields, ..Failure::invalid(Refusal::Invalid(errors).message()) }.into()
        }
        Refusal::Store(e) => e.into(),
        Refusal::Ingest(storage::responses::IngestError::Failed) => Failure::internal().into(),
        refusal @ (Refusal::Admission(admission::Refusal::UnknownUnit) | Refusal::BadDossier) => Failure::invalid(refusal.message()).into(),
        refusal @ Refusal::Admission(admission::Refusal::WrongDoor(_) | admission::Refusal::OutsideScope) => {
            Failure { status: StatusCode::FORBIDDEN, ..Failure::invalid(refusal.message()) }.into()
        }
        other => Failure::conflict(other.message()).into(),
    }
}

/// Submits one response. Public: no login is needed to answer. The answer is acknowledged only
/// once it is durably stored.
#[utoipa::path(post, path = "/api/v1/surveys/{code}/responses", tag = "surveys", request_body = ResponseBody, security(()),
    responses((status = 201, body = ResponseReceipt), (status = 200, body = ResponseReceipt), (status = 409, body = ProblemDocument),
              (status = 422, body = ProblemDocument), (status = 429, body = ProblemDocument)))]
async fn submit_response(
    State(state): State<AppState>,
    client: ClientMeta,
    Path(code): Path<String>,
    parts: axum::http::request::Parts,
    ApiJson(body): ApiJson<ResponseBody>,
) -> ApiResult<(StatusCode, axum::Json<ResponseReceipt>)> {
    if body.submission_id.as_ref().is_some_and(|s| s.is_empty() || s.len() > 64) {
        return Err(Failure::invalid("submission_id phải có từ 1 đến 64 ký tự.").into());
    }
    let survey = state.survey_cache.survey(&state, &code).await?;
    if let Err(wait) = state.submit_limiter.check(&client.ip, state.clock.now_ms()) {
        // A client resending to learn whether its answer is in is told, limited or not.
        if let Some(id) = intake::stored_before(&state, survey.id, body.submission_id.as_deref()).await? {
            return Ok((StatusCode::OK, axum::Json(ResponseReceipt { id, created: false })));
        }
        return Err(Failure::too_many("Có quá nhiều phiếu gửi từ địa chỉ này. Vui lòng thử lại sau ít phút.", wait).into());
    }
    let claimed = match body.channel.as_deref() {
        None => None,
        Some(c) => Some(Channel::parse(c).ok_or_else(|| Failure::invalid(format!("Kênh «{c}» không hợp lệ.")))?),
    };
    let submission = Submission {
        survey,
        door: api_door(&state, parts).await?,
        claimed,
        unit_code: body.unit_code,
        token: body.token,
        answers: body.answers,
        started_at: body.started_at,
        submission_id: body.submission_id,
        dossier_code: body.dossier_code,
        follow_ups: Vec::new(),
    };
    match intake::submit(&state, &client, submission).await.map_err(refusal_problem)? {
        Stored::New(id) => Ok((StatusCode::CREATED, axum::Json(ResponseReceipt { id, created: true }))),
        Stored::AlreadyStored(id) => Ok((StatusCode::OK, axum::Json(ResponseReceipt { id, created: false }))),
    }
}

/// A caller with a bearer token comes in as an API client, which its token must allow;
/// anyone else through the public door.
async fn api_door(state: &AppState, mut parts: axum::http::request::Parts) -> Result<Door, Problem> {
    if !parts.headers.contains_key(axum::http::header::AUTHORIZATION) {
        return Ok(Door::Public);
    }
    let caller = <ApiUser as axum::extract::FromRequestParts<AppState>>::from_request_parts(&mut parts, state).await?;
    require(&caller.principal.access, Permission::SubmitResponses)?;
    Ok(Door::ApiClient(caller.principal.access))
}

#[derive(Deserialize, IntoParams)]
pub struct ResultQuery {
    unit_id: Option<i64>,
    /// First month, mm/yyyy or yyyy-mm.
    from: Option<String>,
    /// Last month, included.
    to: Option<String>,
    channel: Option<String>,
}

#[derive(Serialize, ToSchema, Default)]
pub struct Results {
    pub responses: u64,
    /// (unit id, responses)
    pub by_unit: Vec<(i64, u64)>,
    pub by_channel: Vec<(String, u64)>,
    /// (yyyy-mm, responses)
    #[schema(value_type = Vec<(String, u64)>)]
    pub by_month: Vec<(Month, u64)>,
    /// question → option → count (`""` as option: answered).
    #[schema(value_type = Object)]
    pub questions: std::collections::BTreeMap<String, std::collections::BTreeMap<String, u64>>,
}

/// Live results from the counters, limited to the caller's units.
#[utoipa::path(get, path = "/api/v1/surveys/{id}/results", tag = "surveys", params(ResultQuery),
    responses((status = 200, body = Results), (status = 404, body = ProblemDocument)))]
async fn results(State(state): State<AppState>, caller: ApiUser, Path(id): Path<i64>, Query(q): Query<ResultQuery>) -> ApiResult<axum::Json<Results>> {
    require(&caller.principal.access, Permission::ViewResults)?;
    let survey = state.store.survey(&caller.principal.access, id).await?;
    let filter = CellFilter {
        version_id: survey.version_id,
        survey_id: Some(id),
        from_month: typed_month(&q.from)?,
        to_month: typed_month(&q.to)?,
        channel: typed_channel(&q.channel)?,
        unit_id: q.unit_id,
    };
    Ok(axum::Json(survey_results(&state, &caller.principal.access, &filter).await?))
}

/// Totals by unit, channel, month and question of the cells a filter selects.
pub async fn survey_results(state: &AppState, access: &domain::auth::Access, filter: &CellFilter) -> Result<Results, Failure> {
    use std::collections::BTreeMap;
    let layout = state.store.layout(filter.version_id).await?;
    let cells = state.store.cells(access, filter, &layout).await?;
    let mut by_unit: BTreeMap<i64, u64> = BTreeMap::new();
    let mut by_channel: BTreeMap<String, u64> = BTreeMap::new();
    let mut by_month: BTreeMap<Month, u64> = BTreeMap::new();
    let mut total = domain::surveys::Counts::zero(&layout);
    for cell in &cells {
        let n = cell.counts.responses();
        *by_unit.entry(cell.unit_id).or_default() += n;
        *by_channel.entry(cell.channel.code().to_string()).or_default() += n;
        *by_month.entry(cell.month).or_default() += n;
        total.add(&cell.counts);
    }
    let mut results = Results { responses: total.responses(), ..Results::default() };
    for (i, (question, option)) in layout.keys().iter().enumerate().skip(1) {
        if total.get(i) > 0 {
            results.questions.entry(question.clone()).or_default().insert(option.clone(), total.get(i));
        }
    }
    results.by_unit = by_unit.into_iter().collect();
    results.by_channel = by_channel.into_iter().collect();
    results.by_month = by_month.into_iter().collect();
    Ok(results)
}
