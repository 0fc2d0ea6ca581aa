//! The public side: the form where a citizen or business asks (script-free; the page's script
//! only adds the light proof of work), the tracking page a code opens, the archive with its
//! frequently asked questions and its search, and each published answer with "was this useful?".

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use domain::qa::{self, AskForm, Channel, Kind, Screened};
use domain::search::Query as SearchQuery;
use domain::text;
use serde::Deserialize;
use storage::Paging;
use storage::portal::PublicFilter;
use storage::qa::{ArchiveFilter, Archived, NewFile};

use super::{EventView, deadline_text, periods, status_class};
use crate::AppState;
use crate::auth::csrf::{CheckedForm, CheckedUpload, VisitorToken, stamp, stamped_at};
use crate::auth::session::ClientMeta;
use crate::consultation::ParticipantToken;
use crate::error::{Failure, PageResult};
use crate::extract::{Path, Query};
use crate::layout::{Layout, Pager, encode};
use crate::search::Found;
use crate::units::picker::{UnitChoice, picked, unit_choices};

const PER_PAGE: i64 = 20;
/// What the ask form's stamp is signed for.
const STAMP: &str = "hoi-dap";

/// What was typed, to show again with the errors.
#[derive(Default, Clone)]
pub struct AskFields {
    kind: String,
    topic: String,
    unit: String,
    title: String,
    body: String,
    name: String,
    address: String,
    contact: String,
    consent: bool,
    zalo: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "qa/ask.html")]
pub struct AskPage {
    layout: Layout,
    csrf: String,
    stamp: String,
    work_bits: u32,
    kinds: Vec<(&'static str, &'static str, String)>,
    topics: Vec<(i64, String)>,
    units: Vec<UnitChoice>,
    form: AskFields,
    /// The name VNeID gave, once the asker proved who they are (empty when it gave none).
    identified: Option<String>,
    /// VNeID is connected: the page offers to prove one's identity.
    vneid: bool,
    errors: Vec<String>,
}

async fn ask_page(state: &AppState, headers: &HeaderMap, mut form: AskFields, errors: Vec<String>, status: StatusCode) -> PageResult<Response> {
    let now = state.clock.now_ms();
    let topics = state
        .store
        .qa_topics(true)
        .await?
        .into_iter()
        .map(|t| (t.id, if t.requires_identity { format!("{} (cần xác thực VNeID)", t.name) } else { t.name }))
        .collect();
    let identified = crate::auth::sso::citizen(state, headers).await.map(|c| c.name.unwrap_or_default());
    if form.name.is_empty() {
        form.name = identified.clone().unwrap_or_default();
    }
    let units = picked(&unit_choices(&state.store, &state.store.root_units().await?, now).await?, &form.unit);
    let token = VisitorToken::new(state, headers);
    let kinds = Kind::ALL.iter().map(|k| (k.code(), k.label(), format!("trả lời trong {} ngày làm việc", periods(state).days(*k)))).collect();
    let page = AskPage {
        layout: Layout::public("Gửi câu hỏi, phản ánh, kiến nghị"),
        csrf: token.token.clone(),
        stamp: stamp(state, STAMP, now),
        work_bits: qa::WORK_BITS,
        kinds,
        topics,
        units,
        form,
        identified,
        vneid: state.vneid.is_some(),
        errors,
    };
    Ok(token.attach((status, page).into_response()))
}

pub async fn ask_form(State(state): State<AppState>, headers: HeaderMap) -> PageResult<Response> {
    ask_page(&state, &headers, AskFields { kind: Kind::Question.code().into(), consent: true, ..AskFields::default() }, Vec::new(), StatusCode::OK).await
}

/// Takes a question in. Spam is screened before anything is read into the store: the honeypot,
/// the form's age, and the sender's limit (tighter for a form sent without the proof of work).
pub async fn ask(State(state): State<AppState>, headers: HeaderMap, client: ClientMeta, multipart: Multipart) -> PageResult<Response> {
    let now = state.clock.now_ms();
    crate::rate_limit::submission(&state, &client)?;
    let upload = CheckedUpload::read(&state, &headers, multipart).await?;
    let field = |name: &str| upload.fields.get(name).cloned().unwrap_or_default();
    let fields = AskFields {
        kind: field("kind"),
        topic: field("topic"),
        unit: field("unit"),
        title: field("title"),
        body: field("body"),
        name: field("name"),
        address: field("address"),
        contact: field("contact"),
        consent: field("consent") == "co",
        zalo: field("zalo") == "co",
    };
    let refuse = async |fields: AskFields, errors: Vec<String>, status| ask_page(&state, &headers, fields, errors, status).await;
    let Some(issued) = stamped_at(&state, STAMP, &field("stamp"), qa::MAX_FORM_AGE_MS, now) else {
        return refuse(fields, vec!["Biểu mẫu đã hết hạn. Vui lòng gửi lại.".into()], StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let worked = qa::work_done(&field("stamp"), &field("nonce"), qa::WORK_BITS);
    match qa::screen(&field("website"), issued, now, worked) {
        Err(message) => return refuse(fields, vec![message.into()], StatusCode::UNPROCESSABLE_ENTITY).await,
        Ok(Screened::Unworked) => {
            state.ask_limiter.check(&client.ip, now).map_err(|wait| {
                Failure::too_many("Có nhiều câu hỏi được gửi từ địa chỉ này. Vui lòng thử lại sau, hoặc bật JavaScript trên trình duyệt.", wait)
            })?;
        }
        Ok(Screened::Worked) => {}
    }
    let form = AskForm {
        kind: fields.kind.clone(),
        title: fields.title.clone(),
        body: fields.body.clone(),
        name: fields.name.clone(),
        address: fields.address.clone(),
        contact: fields.contact.clone(),
        consent: fields.consent,
        zalo: fields.zalo,
        identity: crate::auth::sso::citizen(&state, &headers).await.map(|c| c.identity_digest),
    };
    let mut errors = match form.checked() {
        Ok(_) => Vec::new(),
        Err(errors) => errors,
    };
    let topic = fields.topic.trim().parse::<i64>().ok();
    if topic.is_none() {
        errors.push("Hãy chọn lĩnh vực của câu hỏi.".into());
    }
    let unit = match fields.unit.trim() {
        "" => None,
        code => match state.store.public_unit_by_code(code).await {
            Ok(unit) => Some(unit.id),
            Err(_) => {
                errors.push("Không có cơ quan, đơn vị này.".into());
                None
            }
        },
    };
    let mut files = Vec::new();
    if upload.files.len() > qa::MAX_FILES {
        errors.push(format!("Đính kèm tối đa {} tệp.", qa::MAX_FILES));
    }
    for (name, bytes) in upload.files.iter().take(qa::MAX_FILES) {
        if bytes.len() > qa::MAX_FILE_BYTES {
            errors.push(format!("Tệp «{}» lớn quá 10 MB.", media::files::safe_name(name)));
            continue;
        }
        match media::files::attachment_type(name, bytes) {
            Ok(media_type) => files.push(NewFile { name: media::files::safe_name(name), media_type, bytes: bytes.clone() }),
            Err(e) => errors.push(format!("Tệp «{}»: {e}", media::files::safe_name(name))),
        }
    }
    let (Ok(asked), Some(topic), true) = (form.checked(), topic, errors.is_empty()) else {
        return refuse(fields, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let code = storage::crypto::short_token();
    let actor = client.actor(&state, None);
    match state.store.ask(&actor, &asked, topic, unit, Channel::Web, &files, &code, periods(&state)).await {
        Ok(_) => Ok(Redirect::to(&format!("/hoi-dap/tra-cuu?ma={code}&xong=1")).into_response()),
        Err(storage::Error::Invalid(errors)) => refuse(fields, errors, StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
pub struct TrackQuery {
    ma: Option<String>,
    xong: Option<String>,
}

/// The question a code opens, as its asker sees it.
pub struct Tracked {
    pub code: String,
    pub title: String,
    pub body: String,
    pub kind: &'static str,
    pub topic: String,
    pub status: &'static str,
    pub status_class: &'static str,
    pub unit: String,
    pub received: String,
    pub deadline: String,
    pub answer: Option<String>,
    pub answered: String,
    pub answer_unit: String,
    pub reason: Option<String>,
    pub public_link: Option<String>,
    pub events: Vec<EventView>,
}

#[derive(Template, WebTemplate)]
#[template(path = "qa/track.html")]
pub struct TrackPage {
    layout: Layout,
    typed: String,
    tracked: Option<Tracked>,
    just_sent: bool,
    error: Option<String>,
}

pub async fn track(State(state): State<AppState>, client: ClientMeta, Query(q): Query<TrackQuery>) -> PageResult<Response> {
    let now = state.clock.now_ms();
    let typed = q.ma.unwrap_or_default().chars().take(40).collect::<String>();
    let mut page = TrackPage { layout: Layout::public("Tra cứu câu hỏi"), typed: typed.clone(), tracked: None, just_sent: q.xong.is_some(), error: None };
    if typed.trim().is_empty() {
        return Ok(page.into_response());
    }
    let found = match qa::parse_code(&typed) {
        Some(code) => state.store.track_question(&code).await.ok().map(|found| (code, found)),
        None => None,
    };
    let Some((code, (question, events))) = found else {
        // A wrong code costs a try: codes cannot be guessed one after another.
        state.code_limiter.check(&client.ip, now).map_err(|wait| Failure::too_many("Tra cứu sai quá nhiều lần. Vui lòng thử lại sau ít phút.", wait))?;
        page.error = Some("Không tìm thấy câu hỏi với mã này. Hãy kiểm tra lại mã theo dõi (16 ký tự, trong thư hoặc tin nhắn xác nhận).".into());
        return Ok((StatusCode::NOT_FOUND, page).into_response());
    };
    let status = question.status();
    page.tracked = Some(Tracked {
        code: qa::format_code(&code),
        kind: question.kind().label(),
        topic: question.topic_name.clone(),
        status: status.label(),
        status_class: status_class(status),
        unit: question.unit_name.clone().unwrap_or_else(|| "Sở Nội vụ (đang phân công)".into()),
        received: text::format_timestamp_ms(question.received_at),
        deadline: deadline_text(&question, now),
        answered: question.answered_at.map(text::format_timestamp_ms).unwrap_or_default(),
        answer_unit: question.answer_unit_name.clone().unwrap_or_default(),
        answer: question.answer.clone(),
        reason: question.reason.clone(),
        public_link: question.published_at.map(|_| format!("/hoi-dap/{}", question.id)),
        events: events.iter().map(EventView::new).collect(),
        title: question.title,
        body: question.body,
    });
    Ok(page.into_response())
}

#[derive(Deserialize, Default)]
pub struct ArchiveQuery {
    q: Option<String>,
    /// A topic's id; empty for all (the form's first choice).
    linh_vuc: Option<String>,
    /// The answering unit's id; empty for all.
    don_vi: Option<String>,
    page: Option<i64>,
}

/// A published question as a list shows it.
pub struct Card {
    pub href: String,
    pub title: String,
    pub topic: String,
    pub unit: String,
    pub date: String,
    pub excerpt: String,
}

impl Card {
    fn new(a: &Archived) -> Self {
        let mut excerpt: String = a.answer.chars().take(240).collect();
        if excerpt.len() < a.answer.len() {
            excerpt.push('…');
        }
        Self {
            href: format!("/hoi-dap/{}", a.id),
            title: a.title.clone(),
            topic: a.topic_name.clone(),
            unit: a.unit_name.clone().unwrap_or_default(),
            date: a.answered_at.map(|at| text::format_date(text::vn_datetime(at).date())).unwrap_or_default(),
            excerpt,
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "qa/archive.html")]
pub struct ArchivePage {
    layout: Layout,
    q: String,
    /// The topic and the unit chosen, 0 for all.
    topic: i64,
    topics: Vec<(i64, String)>,
    unit: i64,
    units: Vec<(i64, String)>,
    pinned: Vec<Card>,
    cards: Vec<Card>,
    total: String,
    found: Option<Found>,
    pager: Pager,
}

pub async fn archive(State(state): State<AppState>, Query(params): Query<ArchiveQuery>) -> PageResult<ArchivePage> {
    let q: String = params.q.unwrap_or_default().trim().chars().take(domain::search::MAX_QUERY_CHARS).collect();
    let page = params.page.unwrap_or(1);
    let topics = state.store.qa_topics(false).await?.into_iter().map(|t| (t.id, t.name)).collect();
    let units = state.store.archive_units().await?;
    let layout = Layout::public("Hỏi đáp");
    if let Some(query) = SearchQuery::parse(&q) {
        let filter = PublicFilter { entry_kind: Some("question"), ..PublicFilter::default() };
        let found = crate::search::found(&state, &query, &filter, page, PER_PAGE).await?;
        let pager = Pager::new(page, PER_PAGE, found.ranked, &format!("/hoi-dap?q={}", encode(&q)));
        return Ok(ArchivePage {
            layout,
            q,
            topic: 0,
            topics,
            unit: 0,
            units,
            pinned: Vec::new(),
            cards: Vec::new(),
            total: found.total_text(),
            found: Some(found),
            pager,
        });
    }
    let chosen = |typed: &Option<String>| typed.as_deref().and_then(|t| t.trim().parse::<i64>().ok());
    let filter = ArchiveFilter { topic: chosen(&params.linh_vuc), unit: chosen(&params.don_vi), pinned: false };
    let listed = state.store.archive(&filter, Paging::new(page, PER_PAGE)).await?;
    let pinned = if page == 1 && filter.topic.is_none() && filter.unit.is_none() {
        state.store.archive(&ArchiveFilter { pinned: true, ..ArchiveFilter::default() }, Paging::new(1, 10)).await?.items.iter().map(Card::new).collect()
    } else {
        Vec::new()
    };
    let base = format!(
        "/hoi-dap?linh_vuc={}&don_vi={}",
        filter.topic.map(|t| t.to_string()).unwrap_or_default(),
        filter.unit.map(|u| u.to_string()).unwrap_or_default()
    );
    Ok(ArchivePage {
        layout,
        q,
        topic: filter.topic.unwrap_or(0),
        unit: filter.unit.unwrap_or(0),
        units,
        topics,
        pinned,
        cards: listed.items.iter().map(Card::new).collect(),
        total: text::format_count_at_most(listed.total, listed.more),
        found: None,
        pager: Pager::new(page, PER_PAGE, listed.total, &base),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "qa/question.html")]
pub struct QuestionPage {
    layout: Layout,
    csrf: String,
    id: i64,
    title: String,
    body: String,
    answer: String,
    kind: &'static str,
    topic: String,
    unit: String,
    asked: String,
    answered: String,
    useful: String,
    not_useful: String,
    voted: bool,
}

#[derive(Deserialize, Default)]
pub struct VotedQuery {
    xong: Option<String>,
}

pub async fn question(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<i64>, Query(q): Query<VotedQuery>) -> PageResult<Response> {
    let a = state.store.archived_question(id).await?;
    let token = VisitorToken::new(&state, &headers);
    let page = QuestionPage {
        layout: Layout::public(a.title.clone()),
        csrf: token.token.clone(),
        id,
        kind: Kind::parse(&a.kind).map_or("", Kind::label),
        topic: a.topic_name.clone(),
        unit: a.unit_name.clone().unwrap_or_default(),
        asked: text::format_date(text::vn_datetime(a.received_at).date()),
        answered: a.answered_at.map(|at| text::format_date(text::vn_datetime(at).date())).unwrap_or_default(),
        useful: text::format_count(a.useful as u64),
        not_useful: text::format_count(a.not_useful as u64),
        voted: q.xong.is_some(),
        title: a.title,
        body: a.body,
        answer: a.answer,
    };
    let voter = ParticipantToken::of(&state, &headers);
    Ok(voter.attach(token.attach(page.into_response())))
}

#[derive(Deserialize)]
pub struct VoteFields {
    useful: String,
}

pub async fn vote(
    State(state): State<AppState>,
    headers: HeaderMap,
    client: ClientMeta,
    Path(id): Path<i64>,
    CheckedForm(fields): CheckedForm<VoteFields>,
) -> PageResult<Response> {
    let now = state.clock.now_ms();
    crate::rate_limit::submission(&state, &client)?;
    let useful = match fields.useful.as_str() {
        "co" => true,
        "khong" => false,
        _ => return Err(Failure::invalid("Lựa chọn không hợp lệ.").into()),
    };
    let voter = ParticipantToken::of(&state, &headers);
    state.store.vote_useful(id, &voter.token, useful, now).await?;
    Ok(voter.attach(Redirect::to(&format!("/hoi-dap/{id}?xong=1#danh-gia")).into_response()))
}
