//! The public side: the list of consultations, a draft's table of contents with the comment
//! count of each article, an article's page (its text, its clauses and points, the comment
//! form, the positions with their votes and answers), the statistics and the final text.
//! Script-free forms for a cheap phone; every write re-checks the period on the server.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use domain::consultation::{self, Audience, CommentForm, CommentStatus, Level, ParticipantKind, Phase, Vote};
use domain::personal::Contact;
use domain::text;
use serde::Deserialize;
use storage::Paging;
use storage::consultation::{Consultation, Draft, Visitor};

use super::{OutlineEntry, ParticipantToken, PositionView, outline_entries, part_label, period, phase_class};
use crate::AppState;
use crate::auth::csrf::{CheckedForm, VisitorToken};
use crate::auth::session::{ClientMeta, session_principal};
use crate::error::{Failure, PageResult};
use crate::extract::{Path, Query};
use crate::layout::{Layout, Pager};

const PER_PAGE: i64 = 20;

#[derive(Deserialize, Default)]
pub struct PageQuery {
    page: Option<i64>,
    /// What the last form did: `cho-duyet`, `da-dang`, `binh-chon`, `ma`, `xac-thuc`.
    xong: Option<String>,
}

pub struct Card {
    pub href: String,
    pub title: String,
    pub unit: String,
    pub subject: &'static str,
    pub phase: &'static str,
    pub phase_class: &'static str,
    pub period: String,
    pub comments: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "consultation/list.html")]
pub struct ListPage {
    layout: Layout,
    cards: Vec<Card>,
    pager: Pager,
}

pub async fn list(State(state): State<AppState>, Query(q): Query<PageQuery>) -> PageResult<ListPage> {
    let now = state.clock.now_ms();
    let page = q.page.unwrap_or(1);
    let found = state.store.public_consultations(now, Paging::new(page, PER_PAGE)).await?;
    let cards = found
        .items
        .iter()
        .map(|(c, comments)| {
            let phase = c.phase(now);
            Card {
                href: format!("/y-kien/{}", c.id),
                title: c.settings.title.clone(),
                unit: c.unit_name.clone(),
                subject: c.settings.subject.label(),
                phase: phase.label(),
                phase_class: phase_class(phase),
                period: period(c),
                comments: text::format_count(*comments as u64),
            }
        })
        .collect();
    Ok(ListPage { layout: Layout::public("Lấy ý kiến người dân, doanh nghiệp"), cards, pager: Pager::new(page, PER_PAGE, found.total, "/y-kien") })
}

/// What heads every page of a consultation.
pub struct Header {
    pub id: i64,
    pub title: String,
    pub unit: String,
    pub subject: &'static str,
    pub audience: &'static str,
    pub period: String,
    pub phase: &'static str,
    pub phase_class: &'static str,
    pub open: bool,
    pub reported: bool,
    pub moderated_before: bool,
    pub businesses_only: bool,
    /// Only those who proved who they are with VNeID take part.
    pub identity_required: bool,
}

impl Header {
    fn new(c: &Consultation, now: i64) -> Self {
        let phase = c.phase(now);
        Self {
            id: c.id,
            title: c.settings.title.clone(),
            unit: c.unit_name.clone(),
            subject: c.settings.subject.label(),
            audience: c.settings.audience.label(),
            period: period(c),
            phase: phase.label(),
            phase_class: phase_class(phase),
            open: phase == Phase::Open,
            reported: phase == Phase::Reported,
            moderated_before: c.settings.moderation == consultation::Moderation::Before,
            businesses_only: c.settings.audience == Audience::Businesses,
            identity_required: c.settings.audience == Audience::Identified,
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "consultation/overview.html")]
pub struct OverviewPage {
    layout: Layout,
    head: Header,
    summary: String,
    entries: Vec<OutlineEntry>,
    whole_comments: String,
    comments: String,
    participants: String,
}

pub async fn overview(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<i64>) -> PageResult<Response> {
    let c = state.store.public_consultation(id).await?;
    let draft = state.store.consultation_draft(id).await?;
    let statistics = state.store.consultation_statistics(id).await?;
    let page = OverviewPage {
        layout: Layout::public(c.settings.title.clone()),
        head: Header::new(&c, state.clock.now_ms()),
        summary: c.settings.summary.clone(),
        entries: outline_entries(&draft),
        whole_comments: text::format_count(draft.parts.first().map_or(0, |p| p.published) as u64),
        comments: text::format_count(draft.comments() as u64),
        participants: text::format_count(statistics.participants_total() as u64),
    };
    Ok(ParticipantToken::of(&state, &headers).attach(page.into_response()))
}

/// A clause or point of the article shown, as a choice of what to comment on and as text.
pub struct Piece {
    pub anchor: String,
    pub label: String,
    pub body: String,
    pub depth: usize,
    pub comments: String,
}

pub struct OwnView {
    pub part: String,
    pub text: String,
    pub status: &'static str,
    pub status_class: &'static str,
    pub reason: String,
    pub at: String,
}

/// What was typed into the comment form, to show again with the errors.
#[derive(Deserialize, Default, Clone)]
pub struct CommentFields {
    #[serde(default)]
    part: String,
    #[serde(default)]
    page: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    organisation: String,
    #[serde(default)]
    contact: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "consultation/part.html")]
pub struct PartPage {
    layout: Layout,
    head: Header,
    csrf: String,
    anchor: String,
    label: String,
    heading: String,
    body: String,
    pieces: Vec<Piece>,
    kinds: Vec<(&'static str, &'static str)>,
    form: CommentFields,
    errors: Vec<String>,
    notice: Option<&'static str>,
    positions: Vec<PositionView>,
    total: String,
    pager: Pager,
    own: Vec<OwnView>,
    verified: bool,
    code_sent: bool,
    /// The signed-in official's units are among those asked.
    official: bool,
    /// The visitor proved who they are with VNeID on this browser: the name it gave.
    identified: Option<String>,
}

fn notice(done: Option<&str>) -> Option<&'static str> {
    match done? {
        "cho-duyet" => Some("Cảm ơn bạn! Ý kiến đã được ghi nhận và sẽ được đăng sau khi cơ quan soạn thảo duyệt."),
        "da-dang" => Some("Cảm ơn bạn! Ý kiến đã được ghi nhận và đăng công khai."),
        "binh-chon" => Some("Đã ghi nhận lựa chọn của bạn."),
        "ma" => Some("Đã gửi mã xác thực. Hãy nhập mã gồm 6 chữ số vào ô dưới đây (mã có hiệu lực 10 phút)."),
        "xac-thuc" => Some("Đã xác thực số điện thoại hoặc thư điện tử của bạn."),
        _ => None,
    }
}

async fn official_units(state: &AppState, headers: &HeaderMap) -> Vec<i64> {
    match session_principal(state, headers).await {
        Ok(Some((principal, _))) => principal.access.grants().iter().map(|g| g.unit).collect(),
        _ => Vec::new(),
    }
}

struct Shown<'a> {
    form: CommentFields,
    errors: Vec<String>,
    /// What the last form did (`xong`), if anything.
    done: Option<String>,
    page: i64,
    status: StatusCode,
    token: &'a ParticipantToken,
}

async fn part_page(state: &AppState, headers: &HeaderMap, c: &Consultation, draft: &Draft, index: usize, shown: Shown<'_>) -> PageResult<Response> {
    let now = state.clock.now_ms();
    let part = &draft.outline.parts[index];
    // The whole draft's page holds the comments on the whole; any other part's, those on it and
    // on everything inside it.
    let inside = if part.level == Level::Whole { Vec::new() } else { draft.outline.descendants(index) };
    let ids: Vec<i64> = std::iter::once(index).chain(inside.iter().copied()).map(|i| draft.parts[i].id).collect();
    let found = state.store.positions(c.id, &ids, Paging::new(shown.page, PER_PAGE)).await?;
    let depth_of = |mut i: usize| {
        let mut depth = 0;
        while let Some(parent) = draft.outline.parts[i].parent {
            if parent == index {
                break;
            }
            depth += 1;
            i = parent;
        }
        depth
    };
    let pieces = inside
        .iter()
        .map(|&i| Piece {
            anchor: draft.parts[i].anchor.clone(),
            label: draft.outline.label(i),
            body: draft.parts[i].body.clone(),
            depth: depth_of(i),
            comments: text::format_count(draft.parts[i].published as u64),
        })
        .collect();
    let own = state
        .store
        .own_comments(c.id, &shown.token.token, 20)
        .await?
        .into_iter()
        .map(|o| {
            let status = CommentStatus::parse(&o.status).unwrap_or(CommentStatus::Pending);
            OwnView {
                part: draft.index_of_anchor(&o.anchor).map_or_else(String::new, |i| draft.outline.label(i)),
                text: o.text,
                status: status.label(),
                status_class: match status {
                    CommentStatus::Published => "tag ok",
                    CommentStatus::Rejected => "tag warn",
                    CommentStatus::Pending => "tag",
                },
                reason: o.reason,
                at: text::format_timestamp_ms(o.created_at),
            }
        })
        .collect();
    let units = official_units(state, headers).await;
    let visitor_token = VisitorToken::new(state, headers);
    let official = consultation::speaks_for(&c.settings.invited, &units).is_some();
    let mut form = shown.form;
    if form.kind.is_empty() {
        form.kind = if official { ParticipantKind::Organisation } else { ParticipantKind::Person }.code().into();
    }
    let path = format!("/y-kien/{}/{}", c.id, part.anchor);
    let page = PartPage {
        layout: Layout::public(format!("{} — {}", draft.outline.label(index), c.settings.title)),
        head: Header::new(c, now),
        csrf: visitor_token.token.clone(),
        anchor: part.anchor.clone(),
        label: draft.outline.label(index),
        heading: part.heading.clone(),
        body: part.body.clone(),
        pieces,
        kinds: ParticipantKind::ALL.iter().map(|k| (k.code(), k.label())).collect(),
        form,
        errors: shown.errors,
        notice: notice(shown.done.as_deref()),
        positions: found.items.iter().map(|p| PositionView::new(draft, p)).collect(),
        total: text::format_count(found.total as u64),
        pager: Pager::new(shown.page, PER_PAGE, found.total, &path),
        own,
        verified: state.store.is_verified(c.id, &shown.token.token).await?,
        code_sent: shown.done.as_deref() == Some("ma"),
        official,
        identified: crate::auth::sso::citizen(state, headers).await.map(|c| c.name.unwrap_or_default()),
    };
    Ok(visitor_token.attach((shown.status, page).into_response()))
}

pub async fn part(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((id, anchor)): Path<(i64, String)>,
    Query(q): Query<PageQuery>,
) -> PageResult<Response> {
    let c = state.store.public_consultation(id).await?;
    let draft = state.store.consultation_draft(id).await?;
    let index = draft.index_of_anchor(&anchor).ok_or_else(Failure::not_found)?;
    let token = ParticipantToken::of(&state, &headers);
    let shown = Shown {
        form: CommentFields { part: anchor.clone(), ..CommentFields::default() },
        errors: Vec::new(),
        done: q.xong,
        page: q.page.unwrap_or(1),
        status: StatusCode::OK,
        token: &token,
    };
    let response = part_page(&state, &headers, &c, &draft, index, shown).await?;
    Ok(token.attach(response))
}

/// The page a form goes back to: the one it was sent from, if it is a part of this draft.
fn back(draft: &Draft, page: &str, fallback: &str) -> usize {
    draft.index_of_anchor(page).or_else(|| draft.index_of_anchor(fallback)).unwrap_or(0)
}

pub async fn comment(
    State(state): State<AppState>,
    headers: HeaderMap,
    client: ClientMeta,
    Path(id): Path<i64>,
    CheckedForm(fields): CheckedForm<CommentFields>,
) -> PageResult<Response> {
    crate::rate_limit::submission(&state, &client)?;
    let c = state.store.public_consultation(id).await?;
    let draft = state.store.consultation_draft(id).await?;
    let token = ParticipantToken::of(&state, &headers);
    let units = official_units(&state, &headers).await;
    let index = back(&draft, &fields.page, &fields.part);
    let refuse = async |fields: CommentFields, errors: Vec<String>, status| -> PageResult<Response> {
        let shown = Shown { form: fields, errors, done: None, page: 1, status, token: &token };
        part_page(&state, &headers, &c, &draft, index, shown).await
    };
    let Some(kind) = ParticipantKind::parse(&fields.kind) else {
        return refuse(fields, vec!["Hãy chọn bạn góp ý với tư cách cá nhân, doanh nghiệp hay tổ chức.".into()], StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let form = CommentForm { body: fields.body.clone(), name: fields.name.clone(), organisation: fields.organisation.clone(), contact: fields.contact.clone() };
    let citizen = crate::auth::sso::citizen(&state, &headers).await;
    let visitor = Visitor { token: &token.token, units: &units, identity: citizen.as_ref().map(|c| c.identity_digest.as_str()) };
    let result = state.store.submit_comment(id, visitor, kind, &fields.part, &form, state.clock.now_ms()).await;
    let response = match result {
        Ok(receipt) => {
            let done = if receipt.status == CommentStatus::Published { "da-dang" } else { "cho-duyet" };
            Redirect::to(&format!("/y-kien/{id}/{}?xong={done}#thong-bao", draft.parts[index].anchor)).into_response()
        }
        Err(storage::Error::Invalid(errors)) => refuse(fields, errors, StatusCode::UNPROCESSABLE_ENTITY).await?,
        Err(storage::Error::Conflict(message)) => refuse(fields, vec![message], StatusCode::CONFLICT).await?,
        Err(e) => return Err(e.into()),
    };
    Ok(token.attach(response))
}

#[derive(Deserialize)]
pub struct VoteFields {
    comment: i64,
    vote: String,
    #[serde(default)]
    page: String,
}

pub async fn vote(
    State(state): State<AppState>,
    headers: HeaderMap,
    client: ClientMeta,
    Path(id): Path<i64>,
    CheckedForm(fields): CheckedForm<VoteFields>,
) -> PageResult<Response> {
    crate::rate_limit::submission(&state, &client)?;
    let draft = state.store.consultation_draft(id).await?;
    let vote = Vote::parse(&fields.vote).ok_or_else(|| Failure::invalid("Lựa chọn không hợp lệ."))?;
    let token = ParticipantToken::of(&state, &headers);
    let units = official_units(&state, &headers).await;
    let citizen = crate::auth::sso::citizen(&state, &headers).await;
    let visitor = Visitor { token: &token.token, units: &units, identity: citizen.as_ref().map(|c| c.identity_digest.as_str()) };
    state.store.vote(id, visitor, fields.comment, vote, state.clock.now_ms()).await?;
    let anchor = &draft.parts[back(&draft, &fields.page, "")].anchor;
    Ok(token.attach(Redirect::to(&format!("/y-kien/{id}/{anchor}?xong=binh-chon#y-{}", fields.comment)).into_response()))
}

#[derive(Deserialize)]
pub struct CodeRequest {
    contact: String,
    #[serde(default)]
    page: String,
}

/// Sends a one-time code to the phone or address given, through the server's senders.
pub async fn send_code(
    State(state): State<AppState>,
    headers: HeaderMap,
    client: ClientMeta,
    Path(id): Path<i64>,
    CheckedForm(fields): CheckedForm<CodeRequest>,
) -> PageResult<Response> {
    let now = state.clock.now_ms();
    let contact = Contact::parse(&fields.contact)
        .ok_or_else(|| Failure::invalid("Số điện thoại hoặc địa chỉ thư điện tử không đúng (ví dụ 0912345678 hoặc ten@vi-du.vn)."))?;
    // Each code costs an SMS: few per address and per phone or mailbox.
    for key in [format!("ip:{}", client.ip), format!("to:{}", contact.value())] {
        state.code_limiter.check(&key, now).map_err(|wait| Failure::too_many("Đã gửi nhiều mã trong ít phút. Vui lòng đợi rồi thử lại.", wait))?;
    }
    let c = state.store.public_consultation(id).await?;
    let draft = state.store.consultation_draft(id).await?;
    let token = ParticipantToken::of(&state, &headers);
    let code = state.store.request_code(id, Visitor { token: &token.token, units: &[], identity: None }, &contact, now).await?;
    let message = consultation::code_message(&code, &c.settings.title);
    let sent = state.senders.to_contact(&contact, &message, &format!("gopy-{id}")).await.map_err(|e| e.message);
    if let Err(why) = sent {
        tracing::warn!(consultation = id, error = %why, "a one-time code was not sent");
        return Err(Failure::unavailable(format!("Chưa gửi được mã xác thực: {why}. Bạn vẫn có thể góp ý không cần xác thực, hoặc thử lại sau.")).into());
    }
    let anchor = &draft.parts[back(&draft, &fields.page, "")].anchor;
    Ok(token.attach(Redirect::to(&format!("/y-kien/{id}/{anchor}?xong=ma#xac-thuc")).into_response()))
}

#[derive(Deserialize)]
pub struct CodeAnswer {
    code: String,
    #[serde(default)]
    page: String,
}

pub async fn confirm_code(
    State(state): State<AppState>,
    headers: HeaderMap,
    client: ClientMeta,
    Path(id): Path<i64>,
    CheckedForm(fields): CheckedForm<CodeAnswer>,
) -> PageResult<Response> {
    crate::rate_limit::submission(&state, &client)?;
    let draft = state.store.consultation_draft(id).await?;
    let token = ParticipantToken::of(&state, &headers);
    state.store.confirm_code(id, Visitor { token: &token.token, units: &[], identity: None }, &fields.code, state.clock.now_ms()).await?;
    let anchor = &draft.parts[back(&draft, &fields.page, "")].anchor;
    Ok(token.attach(Redirect::to(&format!("/y-kien/{id}/{anchor}?xong=xac-thuc#xac-thuc")).into_response()))
}

#[derive(Template, WebTemplate)]
#[template(path = "consultation/positions.html")]
pub struct PositionsPage {
    layout: Layout,
    head: Header,
    heading: String,
    intro: String,
    positions: Vec<PositionView>,
    pager: Pager,
}

/// Every published position of the draft, the most supported first.
pub async fn all_positions(State(state): State<AppState>, Path(id): Path<i64>, Query(q): Query<PageQuery>) -> PageResult<PositionsPage> {
    let c = state.store.public_consultation(id).await?;
    let draft = state.store.consultation_draft(id).await?;
    let page = q.page.unwrap_or(1);
    let found = state.store.positions(id, &[], Paging::new(page, PER_PAGE)).await?;
    Ok(PositionsPage {
        layout: Layout::public(format!("Các ý kiến — {}", c.settings.title)),
        head: Header::new(&c, state.clock.now_ms()),
        heading: "Tất cả ý kiến đã đăng".into(),
        intro: format!(
            "{} nhóm ý kiến; các ý kiến có cùng nội dung được gộp thành một nhóm, kèm số người cùng ý kiến.",
            text::format_count(found.total as u64)
        ),
        positions: found.items.iter().map(|p| PositionView::new(&draft, p)).collect(),
        pager: Pager::new(page, PER_PAGE, found.total, &format!("/y-kien/{id}/tat-ca")),
    })
}

/// Each comment of one position, as its sender wrote it (masked).
pub async fn members(State(state): State<AppState>, Path((id, group)): Path<(i64, i64)>, Query(q): Query<PageQuery>) -> PageResult<PositionsPage> {
    let c = state.store.public_consultation(id).await?;
    let draft = state.store.consultation_draft(id).await?;
    let page = q.page.unwrap_or(1);
    let found = state.store.position_members(id, group, Paging::new(page, PER_PAGE)).await?;
    let first = found.items.first().ok_or_else(Failure::not_found)?;
    Ok(PositionsPage {
        layout: Layout::public(format!("Nhóm ý kiến — {}", c.settings.title)),
        head: Header::new(&c, state.clock.now_ms()),
        heading: format!("{} người cùng ý kiến về {}", text::format_count(found.total as u64), part_label(&draft, first.part_id)),
        intro: "Từng ý kiến trong nhóm, theo thứ tự gửi; thông tin cá nhân đã được ẩn.".into(),
        positions: found.items.iter().map(|p| PositionView::new(&draft, p)).collect(),
        pager: Pager::new(page, PER_PAGE, found.total, &format!("/y-kien/{id}/nhom/{group}")),
    })
}

/// A row of the statistics: label, count, share.
pub struct Share {
    pub label: String,
    pub count: String,
    pub percent: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "consultation/statistics.html")]
pub struct StatisticsPage {
    layout: Layout,
    head: Header,
    kinds: Vec<Share>,
    verified: String,
    identified: String,
    statuses: Vec<Share>,
    articles: Vec<Share>,
    articles_chart: String,
    days_chart: String,
    days: Vec<(String, String)>,
    positions: String,
    answered: String,
    votes: (String, String, String),
}

pub async fn statistics(State(state): State<AppState>, Path(id): Path<i64>) -> PageResult<StatisticsPage> {
    let c = state.store.public_consultation(id).await?;
    let draft = state.store.consultation_draft(id).await?;
    let s = state.store.consultation_statistics(id).await?;
    let count = |n: i64| text::format_count(n.max(0) as u64);
    let share = |label: String, n: i64, total: i64| Share {
        label,
        count: count(n),
        percent: if total > 0 { format!("{} %", text::format_number(100.0 * n as f64 / total as f64, 1)) } else { "—".into() },
    };
    let participants = s.participants_total();
    let comments = draft.comments();
    let articles: Vec<(String, i64)> = draft
        .outline
        .parts
        .iter()
        .enumerate()
        .filter(|(_, p)| matches!(p.level, Level::Whole | Level::Article))
        .map(|(i, p)| (draft.outline.label(i), if p.level == Level::Whole { draft.parts[i].published } else { draft.comments_within(i) }))
        .collect();
    let points: Vec<reports::charts::Point> = articles
        .iter()
        .map(|(label, n)| reports::charts::Point { label: label.clone(), value: (comments > 0).then(|| 100.0 * *n as f64 / comments as f64), few: false })
        .collect();
    let labels: Vec<String> = s.by_day.iter().map(|(day, _)| text::format_date(*day)).collect();
    let most = s.by_day.iter().map(|(_, n)| *n).max().unwrap_or(1).max(1) as f64;
    let line = reports::charts::Line {
        name: "Người tham gia mới".into(),
        points: s.by_day.iter().map(|(day, n)| reports::charts::Point { label: text::format_date(*day), value: Some(*n as f64), few: false }).collect(),
    };
    let axis = reports::charts::Axis { min: 0.0, max: most, decimals: 0, unit: "người" };
    Ok(StatisticsPage {
        layout: Layout::public(format!("Thống kê — {}", c.settings.title)),
        head: Header::new(&c, state.clock.now_ms()),
        kinds: s.participants.iter().map(|(k, n)| share(k.label().into(), *n, participants)).collect(),
        verified: count(s.verified),
        identified: count(s.identified),
        statuses: s.comments.iter().map(|(st, n)| share(st.label().into(), *n, s.comments_total())).collect(),
        articles: articles.iter().map(|(label, n)| share(label.clone(), *n, comments)).collect(),
        articles_chart: reports::charts::bars("Tỷ lệ ý kiến đã đăng theo điều (%)", &points, None),
        days_chart: if s.by_day.len() > 1 {
            reports::charts::lines("Người tham gia mới theo ngày", &labels, &[line], axis, None, &[])
        } else {
            String::new()
        },
        days: s.by_day.iter().map(|(day, n)| (text::format_date(*day), count(*n))).collect(),
        positions: count(s.positions),
        answered: count(s.answered),
        votes: (count(s.agree), count(s.disagree), count(s.pass)),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "consultation/final.html")]
pub struct FinalPage {
    layout: Layout,
    head: Header,
    final_text: String,
    reported: String,
}

pub async fn final_text(State(state): State<AppState>, Path(id): Path<i64>) -> PageResult<FinalPage> {
    let c = state.store.public_consultation(id).await?;
    let reported = c.reported_at.ok_or_else(Failure::not_found)?;
    Ok(FinalPage {
        layout: Layout::public(format!("Văn bản đã chỉnh lý — {}", c.settings.title)),
        head: Header::new(&c, state.clock.now_ms()),
        final_text: c.final_text.clone(),
        reported: text::format_timestamp_ms(reported),
    })
}
