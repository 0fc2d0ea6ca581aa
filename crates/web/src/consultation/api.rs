//! `/api/v1/consultations`: the published consultations, a draft's parts with their counts,
//! the positions and the statistics (public, no login); comments and votes from other
//! channels (an app, a one-stop kiosk), with the participant's own token; and, for the drafting
//! unit, the moderation queue, decisions and answers.

use axum::extract::State;
use domain::auth::Permission;
use domain::consultation::{CommentForm, CommentStatus, Decision, ParticipantKind, Verdict, Vote};
use serde::{Deserialize, Serialize};
use storage::Paging;
use storage::consultation::{Consultation, Visitor};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::part_label;
use crate::AppState;
use crate::api::Listed;
use crate::auth::require;
use crate::auth::session::{ApiUser, ClientMeta};
use crate::error::{ApiJson, ApiResult, Failure, ProblemDocument};
use crate::extract::{Path, Query};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(detail))
        .routes(routes!(positions))
        .routes(routes!(statistics))
        .routes(routes!(comment))
        .routes(routes!(vote))
        .routes(routes!(queue))
        .routes(routes!(moderate))
        .routes(routes!(answer))
}

#[derive(Serialize, ToSchema)]
pub struct Summary {
    id: i64,
    title: String,
    unit: String,
    /// chinh-sach, du-thao-van-ban, ke-hoach, sang-kien.
    subject: &'static str,
    /// moi-nguoi, doanh-nghiep, don-vi-duoc-moi.
    audience: &'static str,
    /// upcoming, open, closed, reported.
    phase: &'static str,
    /// Unix milliseconds; comments are taken from `opens_at` until before `closes_at`.
    opens_at: i64,
    closes_at: i64,
    /// Published comments.
    comments: i64,
}

impl Summary {
    fn new(c: &Consultation, comments: i64, now: i64) -> Self {
        Self {
            id: c.id,
            title: c.settings.title.clone(),
            unit: c.unit_name.clone(),
            subject: c.settings.subject.code(),
            audience: c.settings.audience.code(),
            phase: c.phase(now).code(),
            opens_at: c.settings.opens_at,
            closes_at: c.settings.closes_at,
            comments,
        }
    }
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    page: Option<i64>,
    per_page: Option<i64>,
    /// Only the positions on this part and the parts inside it (an anchor such as `dieu-3`).
    part: Option<String>,
}

impl PageQuery {
    fn paging(&self) -> Paging {
        Paging::asked(self.page, self.per_page, 50, 200)
    }
}

/// Published consultations: open ones first, then the most recently closed. Public.
#[utoipa::path(get, path = "/api/v1/consultations", tag = "consultation", security(()), params(PageQuery), responses((status = 200, body = Listed<Summary>)))]
async fn list(State(state): State<AppState>, Query(q): Query<PageQuery>) -> ApiResult<axum::Json<Listed<Summary>>> {
    let now = state.clock.now_ms();
    let paging = q.paging();
    let found = state.store.public_consultations(now, paging).await?;
    Ok(axum::Json(Listed::of(found, paging, |(c, n)| Summary::new(&c, n, now))))
}

#[derive(Serialize, ToSchema)]
pub struct PartDocument {
    /// Unique in the draft: `toan-van`, `chuong-i`, `dieu-3`, `dieu-3-khoan-1-diem-a`.
    anchor: String,
    /// toan-van, phan, chuong, muc, dieu, khoan, diem.
    level: String,
    /// `Khoản 1 Điều 3`.
    label: String,
    heading: String,
    body: String,
    parent: Option<String>,
    /// Published comments on the part itself.
    comments: i64,
}

#[derive(Serialize, ToSchema)]
pub struct Detail {
    #[serde(flatten)]
    summary: Summary,
    summary_text: String,
    moderation: &'static str,
    parts: Vec<PartDocument>,
    /// The revised text, once the report is published.
    final_text: Option<String>,
}

/// A published consultation with its draft's parts. Public.
#[utoipa::path(get, path = "/api/v1/consultations/{id}", tag = "consultation", security(()),
    responses((status = 200, body = Detail), (status = 404, body = ProblemDocument)))]
async fn detail(State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<axum::Json<Detail>> {
    let c = state.store.public_consultation(id).await?;
    let draft = state.store.consultation_draft(id).await?;
    let parts = draft
        .parts
        .iter()
        .enumerate()
        .map(|(i, p)| PartDocument {
            anchor: p.anchor.clone(),
            level: p.level.clone(),
            label: draft.outline.label(i),
            heading: p.heading.clone(),
            body: p.body.clone(),
            parent: draft.outline.parts[i].parent.map(|parent| draft.parts[parent].anchor.clone()),
            comments: p.published,
        })
        .collect();
    Ok(axum::Json(Detail {
        summary: Summary::new(&c, draft.comments(), state.clock.now_ms()),
        summary_text: c.settings.summary.clone(),
        moderation: c.settings.moderation.code(),
        parts,
        final_text: c.reported_at.map(|_| c.final_text.clone()),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct PositionDocument {
    /// The position (group of near-identical comments).
    group: i64,
    /// The comment shown for it, to vote on.
    comment: i64,
    part: String,
    part_label: String,
    text: String,
    kind: String,
    organisation: Option<String>,
    supporters: i64,
    agree: i64,
    disagree: i64,
    pass: i64,
    /// tiep-thu, giai-trinh, khong-tiep-thu.
    verdict: Option<String>,
    answer: String,
    created_at: i64,
}

fn position_document(draft: &storage::consultation::Draft, p: storage::consultation::Position) -> PositionDocument {
    PositionDocument {
        group: p.group_id,
        comment: p.comment_id,
        part: draft.index_of_id(p.part_id).map(|i| draft.parts[i].anchor.clone()).unwrap_or_default(),
        part_label: part_label(draft, p.part_id),
        text: p.text,
        kind: p.kind,
        organisation: p.organisation,
        supporters: p.supporters,
        agree: p.agree,
        disagree: p.disagree,
        pass: p.pass,
        verdict: p.verdict,
        answer: p.answer,
        created_at: p.created_at,
    }
}

/// The published positions, the most supported first. Public.
#[utoipa::path(get, path = "/api/v1/consultations/{id}/positions", tag = "consultation", security(()), params(PageQuery),
    responses((status = 200, body = Listed<PositionDocument>), (status = 404, body = ProblemDocument)))]
async fn positions(State(state): State<AppState>, Path(id): Path<i64>, Query(q): Query<PageQuery>) -> ApiResult<axum::Json<Listed<PositionDocument>>> {
    state.store.public_consultation(id).await?;
    let draft = state.store.consultation_draft(id).await?;
    let parts: Vec<i64> = match q.part.as_deref() {
        None => Vec::new(),
        Some(anchor) => {
            let index = draft.index_of_anchor(anchor).ok_or_else(|| Failure::invalid(format!("Không có phần «{anchor}» trong dự thảo.")))?;
            std::iter::once(index).chain(draft.outline.descendants(index)).map(|i| draft.parts[i].id).collect()
        }
    };
    let paging = q.paging();
    let found = state.store.positions(id, &parts, paging).await?;
    Ok(axum::Json(Listed::of(found, paging, |p| position_document(&draft, p))))
}

#[derive(Serialize, ToSchema)]
pub struct StatisticsDocument {
    /// (kind, participants).
    participants: Vec<(String, i64)>,
    /// Of them, those who verified a telephone number or an e-mail address.
    verified: i64,
    /// Of them, those who proved who they are with their electronic identity (VNeID).
    identified: i64,
    /// (day as yyyy-mm-dd in Vietnam time, new participants).
    by_day: Vec<(String, i64)>,
    /// (status, comments).
    comments: Vec<(String, i64)>,
    /// (part anchor, published comments on it and inside it) for the whole and each article.
    by_article: Vec<(String, i64)>,
    positions: i64,
    answered: i64,
    agree: i64,
    disagree: i64,
    pass: i64,
}

/// Participants by kind and day, comments by status and article, agreement. Public.
#[utoipa::path(get, path = "/api/v1/consultations/{id}/statistics", tag = "consultation", security(()),
    responses((status = 200, body = StatisticsDocument), (status = 404, body = ProblemDocument)))]
async fn statistics(State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<axum::Json<StatisticsDocument>> {
    state.store.public_consultation(id).await?;
    let draft = state.store.consultation_draft(id).await?;
    let s = state.store.consultation_statistics(id).await?;
    let by_article = draft
        .outline
        .parts
        .iter()
        .enumerate()
        .filter(|(_, p)| matches!(p.level, domain::consultation::Level::Whole | domain::consultation::Level::Article))
        .map(|(i, p)| (p.anchor.clone(), if i == 0 { draft.parts[0].published } else { draft.comments_within(i) }))
        .collect();
    Ok(axum::Json(StatisticsDocument {
        participants: s.participants.iter().map(|(k, n)| (k.code().to_string(), *n)).collect(),
        verified: s.verified,
        identified: s.identified,
        by_day: s.by_day.iter().map(|(day, n)| (domain::text::iso_date(*day), *n)).collect(),
        comments: s.comments.iter().map(|(st, n)| (st.code().to_string(), *n)).collect(),
        by_article,
        positions: s.positions,
        answered: s.answered,
        agree: s.agree,
        disagree: s.disagree,
        pass: s.pass,
    }))
}

/// The participant's own secret, made by the app once and kept: it stands for the person in
/// this consultation (one vote per comment), as the browser's cookie does on the pages.
fn participant_token(token: &str) -> Result<&str, Failure> {
    let ok = (16..=64).contains(&token.len()) && token.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok { Ok(token) } else { Err(Failure::invalid("participant_token phải gồm 16–64 ký tự chữ, số, '-' hoặc '_'.")) }
}

#[derive(Deserialize, ToSchema)]
pub struct NewComment {
    participant_token: String,
    /// The part commented on (an anchor such as `dieu-3-khoan-1`, or `toan-van`).
    part: String,
    body: String,
    /// ca-nhan, doanh-nghiep, to-chuc.
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    organisation: String,
    #[serde(default)]
    contact: String,
}

#[derive(Serialize, ToSchema)]
pub struct CommentReceipt {
    id: i64,
    /// pending (waits for moderation) or published.
    status: &'static str,
}

/// Sends a comment while the consultation is open; personal data in the text is masked.
#[utoipa::path(post, path = "/api/v1/consultations/{id}/comments", tag = "consultation", security(()), request_body = NewComment,
    responses((status = 201, body = CommentReceipt), (status = 409, body = ProblemDocument), (status = 422, body = ProblemDocument), (status = 429, body = ProblemDocument)))]
async fn comment(
    State(state): State<AppState>,
    client: ClientMeta,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<NewComment>,
) -> ApiResult<(axum::http::StatusCode, axum::Json<CommentReceipt>)> {
    state.submit_limiter.check(&client.ip, state.clock.now_ms()).map_err(|wait| Failure::too_many("Có quá nhiều lượt gửi từ địa chỉ này.", wait))?;
    let kind = ParticipantKind::parse(&body.kind).ok_or_else(|| Failure::invalid("kind phải là ca-nhan, doanh-nghiep hoặc to-chuc."))?;
    let token = participant_token(&body.participant_token)?;
    let form = CommentForm { body: body.body, name: body.name, organisation: body.organisation, contact: body.contact };
    let receipt = state.store.submit_comment(id, Visitor { token, units: &[], identity: None }, kind, &body.part, &form, state.clock.now_ms()).await?;
    Ok((axum::http::StatusCode::CREATED, axum::Json(CommentReceipt { id: receipt.id, status: receipt.status.code() })))
}

#[derive(Deserialize, ToSchema)]
pub struct NewVote {
    participant_token: String,
    /// dong-y, khong-dong-y, bo-qua.
    vote: String,
}

/// Weighs a published comment, once per participant (a second vote replaces the first).
#[utoipa::path(post, path = "/api/v1/consultations/{id}/comments/{comment}/vote", tag = "consultation", security(()), request_body = NewVote,
    responses((status = 204), (status = 409, body = ProblemDocument), (status = 422, body = ProblemDocument)))]
async fn vote(
    State(state): State<AppState>,
    client: ClientMeta,
    Path((id, comment)): Path<(i64, i64)>,
    ApiJson(body): ApiJson<NewVote>,
) -> ApiResult<axum::http::StatusCode> {
    state.submit_limiter.check(&client.ip, state.clock.now_ms()).map_err(|wait| Failure::too_many("Có quá nhiều lượt gửi từ địa chỉ này.", wait))?;
    let vote = Vote::parse(&body.vote).ok_or_else(|| Failure::invalid("vote phải là dong-y, khong-dong-y hoặc bo-qua."))?;
    let token = participant_token(&body.participant_token)?;
    state.store.vote(id, Visitor { token, units: &[], identity: None }, comment, vote, state.clock.now_ms()).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// pending (the default), published, rejected, or all.
    status: Option<String>,
    /// The id of the last comment of the page before (0 or none for the start).
    after: Option<i64>,
    per_page: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct QueuedComment {
    id: i64,
    part_label: String,
    text: String,
    status: String,
    reason: String,
    kind: String,
    organisation: Option<String>,
    verified: bool,
    /// The position, once placed (a second or so after the comment arrives).
    group: Option<i64>,
    created_at: i64,
}

#[derive(Serialize, ToSchema)]
pub struct Queue {
    total: i64,
    items: Vec<QueuedComment>,
}

/// The drafting unit's moderation queue.
#[utoipa::path(get, path = "/api/v1/consultations/{id}/moderation", tag = "consultation", params(QueueQuery),
    responses((status = 200, body = Queue), (status = 404, body = ProblemDocument)))]
async fn queue(State(state): State<AppState>, caller: ApiUser, Path(id): Path<i64>, Query(q): Query<QueueQuery>) -> ApiResult<axum::Json<Queue>> {
    require(&caller.principal.access, Permission::RunConsultations)?;
    let status = match q.status.as_deref() {
        None => Some(CommentStatus::Pending),
        Some("all") => None,
        Some(code) => Some(CommentStatus::parse(code).ok_or_else(|| Failure::invalid(format!("Trạng thái «{code}» không hợp lệ.")))?),
    };
    let access = &caller.principal.access;
    let draft = state.store.consultation_draft(id).await?;
    let found = state.store.moderation_queue(access, id, status, q.after.unwrap_or(0), q.per_page.unwrap_or(50).min(200)).await?;
    let items = found
        .items
        .into_iter()
        .map(|m| QueuedComment {
            id: m.id,
            part_label: part_label(&draft, m.part_id),
            text: m.text,
            status: m.status,
            reason: m.reason,
            kind: m.kind,
            organisation: m.organisation,
            verified: m.verified,
            group: m.group_id,
            created_at: m.created_at,
        })
        .collect();
    Ok(axum::Json(Queue { total: found.total, items }))
}

#[derive(Deserialize, ToSchema)]
pub struct ModerationDecision {
    /// publish or reject.
    decision: String,
    /// Why it is not published (required to reject).
    #[serde(default)]
    reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct ModerationResult {
    status: &'static str,
}

/// Publishes or rejects a comment (audited).
#[utoipa::path(post, path = "/api/v1/consultations/{id}/moderation/{comment}", tag = "consultation", request_body = ModerationDecision,
    responses((status = 200, body = ModerationResult), (status = 404, body = ProblemDocument), (status = 422, body = ProblemDocument)))]
async fn moderate(
    State(state): State<AppState>,
    caller: ApiUser,
    Path((id, comment)): Path<(i64, i64)>,
    ApiJson(body): ApiJson<ModerationDecision>,
) -> ApiResult<axum::Json<ModerationResult>> {
    require(&caller.principal.access, Permission::RunConsultations)?;
    let decision = match body.decision.as_str() {
        "publish" => Decision::Publish,
        "reject" => Decision::Reject { reason: body.reason },
        _ => return Err(Failure::invalid("decision phải là publish hoặc reject.").into()),
    };
    let status = state.store.moderate_comment(&caller.actor(&state), &caller.principal.access, id, comment, &decision).await?;
    Ok(axum::Json(ModerationResult { status: status.code() }))
}

#[derive(Deserialize, ToSchema)]
pub struct Answer {
    /// tiep-thu, giai-trinh, khong-tiep-thu.
    verdict: String,
    answer: String,
}

/// The drafting unit's answer to a position (audited), until the report is published.
#[utoipa::path(put, path = "/api/v1/consultations/{id}/positions/{group}/answer", tag = "consultation", request_body = Answer,
    responses((status = 204), (status = 404, body = ProblemDocument), (status = 409, body = ProblemDocument), (status = 422, body = ProblemDocument)))]
async fn answer(
    State(state): State<AppState>,
    caller: ApiUser,
    Path((id, group)): Path<(i64, i64)>,
    ApiJson(body): ApiJson<Answer>,
) -> ApiResult<axum::http::StatusCode> {
    require(&caller.principal.access, Permission::RunConsultations)?;
    let verdict = Verdict::parse(&body.verdict).ok_or_else(|| Failure::invalid("verdict phải là tiep-thu, giai-trinh hoặc khong-tiep-thu."))?;
    state.store.answer_position(&caller.actor(&state), &caller.principal.access, id, group, verdict, &body.answer).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}
