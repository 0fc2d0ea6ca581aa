//! `/api/v1/questions`: the one-stop and hotline systems create questions they received (the
//! asker's code comes back, to be told to them); anyone tracks one by its code and reads the
//! archive; officials list, read, move and answer the questions of their units, and read each
//! unit's statistics. Every right is checked in storage, as on the pages.

use axum::extract::State;
use axum::http::StatusCode;
use domain::auth::Permission;
use domain::qa::{self, AskForm, Channel};
use serde::{Deserialize, Serialize};
use storage::Paging;
use storage::qa::{ArchiveFilter, Question, QuestionFilter, Review};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{may_read, periods};
use crate::AppState;
use crate::api::Listed;
use crate::auth::require;
use crate::auth::session::{ApiUser, ClientMeta};
use crate::error::{ApiJson, ApiResult, Failure, ProblemDocument};
use crate::extract::{Path, Query};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create, list))
        .routes(routes!(detail))
        .routes(routes!(step))
        .routes(routes!(track))
        .routes(routes!(archive))
        .routes(routes!(statistics))
        .routes(routes!(topics))
}

#[derive(Serialize, ToSchema)]
pub struct TopicDocument {
    id: i64,
    name: String,
    /// The unit a question of this topic goes to; none: the reform office dispatches it.
    unit: Option<String>,
}

/// The topics a question may be asked under (their ids are what `topic_id` takes).
#[utoipa::path(get, path = "/api/v1/questions/topics", tag = "qa", security(()), responses((status = 200, body = Vec<TopicDocument>)))]
async fn topics(State(state): State<AppState>) -> ApiResult<axum::Json<Vec<TopicDocument>>> {
    let topics = state.store.qa_topics(true).await?;
    Ok(axum::Json(topics.into_iter().map(|t| TopicDocument { id: t.id, name: t.name, unit: t.unit_name }).collect()))
}

#[derive(Deserialize, ToSchema)]
pub struct NewQuestion {
    /// hoi-dap, phan-anh, kien-nghi.
    kind: String,
    topic_id: i64,
    /// The unit the asker named, by its code (optional).
    #[serde(default)]
    unit_code: String,
    title: String,
    body: String,
    name: String,
    #[serde(default)]
    address: String,
    /// A phone number or an e-mail address, for the answer.
    contact: String,
    /// The asker agrees to publication with personal data hidden.
    #[serde(default)]
    consent: bool,
    /// The asker would rather be told on Zalo (with a phone number).
    #[serde(default)]
    zalo: bool,
    /// mot-cua, duong-day-nong or he-thong-khac (the default).
    #[serde(default)]
    channel: String,
}

#[derive(Serialize, ToSchema)]
pub struct Created {
    id: i64,
    /// The tracking code to tell the asker; it is not kept in clear and cannot be read again.
    tracking_code: String,
    /// cho-phan-cong or dang-xu-ly.
    status: &'static str,
    /// Unix milliseconds: the end of the last working day of the answering period.
    deadline_at: i64,
}

/// Enters a question received by another channel (audited).
#[utoipa::path(post, path = "/api/v1/questions", tag = "qa", request_body = NewQuestion,
    responses((status = 201, body = Created), (status = 403, body = ProblemDocument), (status = 422, body = ProblemDocument)))]
async fn create(State(state): State<AppState>, caller: ApiUser, ApiJson(body): ApiJson<NewQuestion>) -> ApiResult<(StatusCode, axum::Json<Created>)> {
    require(&caller.principal.access, Permission::ReceiveQuestions)?;
    let channel = match body.channel.as_str() {
        "" => Channel::System,
        code => Channel::parse(code)
            .filter(|c| *c != Channel::Web)
            .ok_or_else(|| Failure::invalid("channel phải là mot-cua, duong-day-nong hoặc he-thong-khac."))?,
    };
    let form = AskForm {
        kind: body.kind,
        title: body.title,
        body: body.body,
        name: body.name,
        address: body.address,
        contact: body.contact,
        consent: body.consent,
        zalo: body.zalo,
        identity: None,
    };
    let asked = form.checked().map_err(storage::Error::Invalid)?;
    let unit = match body.unit_code.trim() {
        "" => None,
        code => Some(state.store.public_unit_by_code(code).await.map_err(|_| Failure::invalid(format!("Không có đơn vị mã «{code}».")))?.id),
    };
    let code = storage::crypto::short_token();
    let receipt = state.store.ask(&caller.actor(&state), &asked, body.topic_id, unit, channel, &[], &code, periods(&state)).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(Created { id: receipt.id, tracking_code: qa::format_code(&code), status: receipt.status.code(), deadline_at: receipt.deadline_at }),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct QuestionDocument {
    id: i64,
    kind: String,
    channel: String,
    topic: String,
    title: String,
    body: String,
    /// The unit holding it now (none while it waits for the dispatcher).
    unit: Option<String>,
    status: String,
    received_at: i64,
    deadline_at: i64,
    first_deadline_at: i64,
    escalations: i64,
    /// When the asker proved who they are with VNeID (unix milliseconds), if they did.
    identified_at: Option<i64>,
    draft: String,
    answer: Option<String>,
    answered_at: Option<i64>,
    reason: Option<String>,
    published: bool,
}

impl QuestionDocument {
    fn new(q: Question) -> Self {
        Self {
            id: q.id,
            published: q.published_at.is_some(),
            kind: q.kind,
            channel: q.channel,
            topic: q.topic_name,
            title: q.title,
            body: q.body,
            unit: q.unit_name,
            status: q.status,
            received_at: q.received_at,
            deadline_at: q.deadline_at,
            first_deadline_at: q.first_deadline_at,
            escalations: q.escalations,
            identified_at: q.identified_at,
            draft: q.draft,
            answer: q.answer,
            answered_at: q.answered_at,
            reason: q.reason,
        }
    }
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// cho-phan-cong, dang-xu-ly, cho-duyet, da-tra-loi, khong-thu-ly.
    status: Option<String>,
    /// Only those past their deadline.
    overdue: Option<bool>,
    page: Option<i64>,
    per_page: Option<i64>,
}

/// The questions of the caller's units, waiting ones first by deadline.
#[utoipa::path(get, path = "/api/v1/questions", tag = "qa", params(ListQuery), responses((status = 200, body = Listed<QuestionDocument>)))]
async fn list(State(state): State<AppState>, caller: ApiUser, Query(q): Query<ListQuery>) -> ApiResult<axum::Json<Listed<QuestionDocument>>> {
    may_read(&caller.principal.access)?;
    let status = match q.status.as_deref() {
        None => None,
        Some(code) => Some(qa::Status::parse(code).ok_or_else(|| Failure::invalid(format!("Trạng thái «{code}» không hợp lệ.")))?),
    };
    let filter = QuestionFilter { status, overdue_at: q.overdue.filter(|o| *o).map(|_| state.clock.now_ms()), unassigned: false };
    let paging = Paging::asked(q.page, q.per_page, 50, 200);
    let found = state.store.questions(&caller.principal.access, &filter, paging).await?;
    Ok(axum::Json(Listed::of(found, paging, QuestionDocument::new)))
}

/// A question of the caller's units.
#[utoipa::path(get, path = "/api/v1/questions/{id}", tag = "qa", responses((status = 200, body = QuestionDocument), (status = 404, body = ProblemDocument)))]
async fn detail(State(state): State<AppState>, caller: ApiUser, Path(id): Path<i64>) -> ApiResult<axum::Json<QuestionDocument>> {
    may_read(&caller.principal.access)?;
    let (question, _, _) = state.store.question(&caller.principal.access, id).await?;
    Ok(axum::Json(QuestionDocument::new(question)))
}

#[derive(Deserialize, ToSchema)]
pub struct StepRequest {
    /// dispatch (unit_code), return (note), draft (answer), approve (answer optional, publish),
    /// send_back (note), decline (note), publish, withdraw, pin, unpin.
    action: String,
    #[serde(default)]
    unit_code: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    answer: String,
    #[serde(default)]
    publish: bool,
}

/// One step on a question (audited); 409 when the question is not at a step that allows it.
#[utoipa::path(post, path = "/api/v1/questions/{id}/steps", tag = "qa", request_body = StepRequest,
    responses((status = 204), (status = 403, body = ProblemDocument), (status = 404, body = ProblemDocument), (status = 409, body = ProblemDocument), (status = 422, body = ProblemDocument)))]
async fn step(State(state): State<AppState>, caller: ApiUser, Path(id): Path<i64>, ApiJson(body): ApiJson<StepRequest>) -> ApiResult<StatusCode> {
    let (actor, access, store) = (caller.actor(&state), &caller.principal.access, &state.store);
    match body.action.as_str() {
        "dispatch" => {
            let unit = store.public_unit_by_code(body.unit_code.trim()).await.map_err(|_| Failure::invalid("unit_code không phải mã đơn vị."))?;
            store.dispatch_question(&actor, access, id, unit.id, &body.note).await?
        }
        "return" => store.return_question(&actor, access, id, &body.note).await?,
        "draft" => store.draft_answer(&actor, access, id, &body.answer).await?,
        "approve" => {
            let answer = Some(body.answer).filter(|a| !a.trim().is_empty());
            store.review_answer(&actor, access, id, &Review::Approve { answer, publish: body.publish }).await?
        }
        "send_back" => store.review_answer(&actor, access, id, &Review::SendBack { note: body.note }).await?,
        "decline" => store.decline_question(&actor, access, id, &body.note).await?,
        "publish" | "withdraw" => store.publish_question(&actor, access, id, body.action == "publish").await?,
        "pin" | "unpin" => store.pin_question(&actor, access, id, body.action == "pin").await?,
        other => return Err(Failure::invalid(format!("action «{other}» không hợp lệ.")).into()),
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct TrackedDocument {
    title: String,
    status: String,
    unit: Option<String>,
    deadline_at: i64,
    answer: Option<String>,
    answered_at: Option<i64>,
    reason: Option<String>,
    /// The steps so far: (step code, unix milliseconds).
    steps: Vec<(String, i64)>,
}

/// A question by its tracking code, for its asker (no login; wrong codes are limited).
#[utoipa::path(get, path = "/api/v1/questions/track/{code}", tag = "qa", security(()),
    responses((status = 200, body = TrackedDocument), (status = 404, body = ProblemDocument), (status = 429, body = ProblemDocument)))]
async fn track(State(state): State<AppState>, client: ClientMeta, Path(code): Path<String>) -> ApiResult<axum::Json<TrackedDocument>> {
    let found = match qa::parse_code(&code) {
        Some(code) => state.store.track_question(&code).await.ok(),
        None => None,
    };
    let Some((q, events)) = found else {
        state.code_limiter.check(&client.ip, state.clock.now_ms()).map_err(|wait| Failure::too_many("Tra cứu sai quá nhiều lần.", wait))?;
        return Err(Failure::not_found().into());
    };
    Ok(axum::Json(TrackedDocument {
        title: q.title,
        status: q.status,
        unit: q.unit_name,
        deadline_at: q.deadline_at,
        answer: q.answer,
        answered_at: q.answered_at,
        reason: q.reason,
        steps: events.into_iter().map(|e| (e.step, e.at)).collect(),
    }))
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct ArchiveQuery {
    topic_id: Option<i64>,
    /// Only the frequently asked.
    pinned: Option<bool>,
    page: Option<i64>,
    per_page: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct ArchivedDocument {
    id: i64,
    kind: String,
    topic: String,
    unit: Option<String>,
    title: String,
    body: String,
    answer: String,
    answered_at: Option<i64>,
    pinned: bool,
    useful: i64,
    not_useful: i64,
}

/// The published questions and answers (personal data hidden), the pinned first.
#[utoipa::path(get, path = "/api/v1/questions/archive", tag = "qa", security(()), params(ArchiveQuery), responses((status = 200, body = Listed<ArchivedDocument>)))]
async fn archive(State(state): State<AppState>, Query(q): Query<ArchiveQuery>) -> ApiResult<axum::Json<Listed<ArchivedDocument>>> {
    let filter = ArchiveFilter { topic: q.topic_id, unit: None, pinned: q.pinned.unwrap_or(false) };
    let paging = Paging::asked(q.page, q.per_page, 20, 100);
    // The archive counts up to a bound: `total` is at most that.
    let found = state.store.archive(&filter, paging).await?;
    let found = storage::Page { items: found.items, total: found.total };
    Ok(axum::Json(Listed::of(found, paging, |a| ArchivedDocument {
        id: a.id,
        kind: a.kind,
        topic: a.topic_name,
        unit: a.unit_name,
        title: a.title,
        body: a.body,
        answer: a.answer,
        answered_at: a.answered_at,
        pinned: a.pinned,
        useful: a.useful,
        not_useful: a.not_useful,
    })))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodQuery {
    /// Unix milliseconds: questions received from this moment…
    from: i64,
    /// …until before this one.
    to: i64,
}

#[derive(Serialize, ToSchema)]
pub struct UnitStatistics {
    /// 0 for what no unit was sent yet.
    unit_id: i64,
    unit: String,
    received: u64,
    answered: u64,
    on_time: u64,
    overdue: u64,
    pending: u64,
    declined: u64,
    /// Mean working days to an answer.
    mean_days: Option<f64>,
    useful: u64,
    not_useful: u64,
}

/// Each unit's record for the questions received in the period, counted against the unit they
/// were first sent to.
#[utoipa::path(get, path = "/api/v1/questions/statistics", tag = "qa", params(PeriodQuery), responses((status = 200, body = Vec<UnitStatistics>)))]
async fn statistics(State(state): State<AppState>, caller: ApiUser, Query(q): Query<PeriodQuery>) -> ApiResult<axum::Json<Vec<UnitStatistics>>> {
    require(&caller.principal.access, Permission::ViewQuestions)?;
    let tallies = state.store.qa_tallies(&caller.principal.access, q.from, q.to, state.clock.now_ms()).await?;
    Ok(axum::Json(
        tallies
            .into_iter()
            .map(|t| UnitStatistics {
                unit_id: t.unit_id,
                unit: t.unit_name,
                received: t.tally.received,
                answered: t.tally.answered,
                on_time: t.tally.on_time,
                overdue: t.tally.overdue,
                pending: t.tally.pending,
                declined: t.tally.declined,
                mean_days: t.tally.mean_days(),
                useful: t.tally.useful,
                not_useful: t.tally.not_useful,
            })
            .collect(),
    ))
}
