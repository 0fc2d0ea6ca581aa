//! Consultation on the web: the public pages where people read a draft article by article,
//! comment, weigh others' comments and verify their contact (`public`), the drafting unit's
//! pages to set up, moderate, answer and report (`manage`), the summary report's files
//! (`report`) and the JSON API (`api`).

mod api;
mod manage;
mod public;
mod report;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use axum::routing::{get, post};
use domain::auth::Permission;
use domain::consultation::{Level, Phase, Verdict};
use domain::text;
use storage::consultation::{Consultation, Draft, Position};

use crate::AppState;
use crate::auth::session::{CurrentUser, cookie, set_cookie};
use crate::auth::tokens::random_token;
use crate::error::Failure;

pub use api::routes as api_routes;

/// A draft uploaded as DOCX: a long law with its tables, and the form around it.
const UPLOAD_LIMIT: usize = 16 << 20;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/y-kien", get(public::list))
        .route("/y-kien/{id}", get(public::overview))
        .route("/y-kien/{id}/gop-y", post(public::comment))
        .route("/y-kien/{id}/bieu-quyet", post(public::vote))
        .route("/y-kien/{id}/xac-thuc", post(public::send_code))
        .route("/y-kien/{id}/xac-thuc/ma", post(public::confirm_code))
        .route("/y-kien/{id}/tat-ca", get(public::all_positions))
        .route("/y-kien/{id}/nhom/{group}", get(public::members))
        .route("/y-kien/{id}/thong-ke", get(public::statistics))
        .route("/y-kien/{id}/van-ban-cuoi", get(public::final_text))
        .route("/y-kien/{id}/tai/{file}", get(report::public_file))
        .route("/y-kien/{id}/{anchor}", get(public::part))
        .route("/admin/y-kien", get(manage::list).post(manage::create))
        .route("/admin/y-kien/moi", get(manage::new_form))
        .route("/admin/y-kien/{id}", get(manage::show).post(manage::update))
        .route("/admin/y-kien/{id}/toan-van", post(manage::upload_text).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)))
        .route("/admin/y-kien/{id}/cong-bo", post(manage::publish))
        .route("/admin/y-kien/{id}/kiem-duyet", get(manage::queue))
        .route("/admin/y-kien/{id}/kiem-duyet/{comment}", post(manage::moderate))
        .route("/admin/y-kien/{id}/nguyen-van/{comment}", get(manage::original))
        .route("/admin/y-kien/{id}/tiep-thu", get(manage::answers))
        .route("/admin/y-kien/{id}/tiep-thu/{group}", post(manage::answer))
        .route("/admin/y-kien/{id}/bao-cao", post(manage::report))
        .route("/admin/y-kien/{id}/tai/{file}", get(report::draft_file))
}

/// Places the comments that arrived in their positions (a job, see `jobs`), step after step
/// while a backlog waits.
pub async fn group(state: &AppState) {
    for _ in 0..50 {
        match state.store.group_comments(storage::consultation::GROUPING_STEP).await {
            Ok(placed) if placed < storage::consultation::GROUPING_STEP as usize => return,
            Ok(_) => {}
            Err(e) => return tracing::error!(error = %e, "the grouping of comments failed"),
        }
    }
}

/// The drafting unit's pages are for those who run consultations.
fn require(user: &CurrentUser) -> Result<(), Failure> {
    if user.principal.access.has(Permission::RunConsultations) { Ok(()) } else { Err(Failure::forbidden()) }
}

/// The cookie that tells a participant's browser apart: one random token, kept a year, that
/// the server stores only as a digest. Nothing else identifies an anonymous participant.
const PARTICIPANT_COOKIE: &str = "td_gopy";
const PARTICIPANT_DAYS: i64 = 365;

/// The visitor's participant token, with the cookie to set when the browser had none.
pub struct ParticipantToken {
    pub token: String,
    cookie: Option<HeaderValue>,
}

impl ParticipantToken {
    pub fn of(state: &AppState, headers: &HeaderMap) -> Self {
        match cookie(headers, PARTICIPANT_COOKIE)
            .filter(|t| (16..=64).contains(&t.len()) && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        {
            Some(token) => Self { token, cookie: None },
            None => {
                let token = random_token();
                let cookie = set_cookie(state, PARTICIPANT_COOKIE, &token, PARTICIPANT_DAYS * 86_400);
                Self { token, cookie: Some(cookie) }
            }
        }
    }

    pub fn attach(self, mut response: Response) -> Response {
        if let Some(cookie) = self.cookie {
            response.headers_mut().append(header::SET_COOKIE, cookie);
        }
        response
    }
}

/// `Khoản 1 Điều 3`, or the whole draft.
pub fn part_label(draft: &Draft, part_id: i64) -> String {
    draft.index_of_id(part_id).map_or_else(|| "Dự thảo".into(), |i| draft.outline.label(i))
}

/// How a consultation's period reads: `08:00 01/11/2026 – 08:00 01/12/2026`.
pub fn period(c: &Consultation) -> String {
    format!("{} – {}", text::format_timestamp_ms(c.settings.opens_at), text::format_timestamp_ms(c.settings.closes_at))
}

/// A position as a page shows it.
pub struct PositionView {
    pub group: i64,
    pub comment: i64,
    pub part: String,
    pub anchor: String,
    pub text: String,
    pub by: String,
    pub supporters: i64,
    pub supporters_text: String,
    pub agree: String,
    pub disagree: String,
    pub verdict: Option<&'static str>,
    pub verdict_class: &'static str,
    pub answer: String,
    pub at: String,
}

impl PositionView {
    pub fn new(draft: &Draft, p: &Position) -> Self {
        let anchor = draft.index_of_id(p.part_id).map_or_else(String::new, |i| draft.parts[i].anchor.clone());
        let verdict = p.verdict();
        Self {
            group: p.group_id,
            comment: p.comment_id,
            part: part_label(draft, p.part_id),
            anchor,
            text: p.text.clone(),
            by: p.organisation.clone().unwrap_or_else(|| p.kind().label().to_string()),
            supporters: p.supporters,
            supporters_text: text::format_count(p.supporters as u64),
            agree: text::format_count(p.agree as u64),
            disagree: text::format_count(p.disagree as u64),
            verdict: verdict.map(Verdict::label),
            verdict_class: match verdict {
                Some(Verdict::Accepted) => "tag ok",
                Some(Verdict::Explained) => "tag",
                Some(Verdict::NotAccepted) => "tag warn",
                None => "",
            },
            answer: p.answer.clone(),
            at: text::format_timestamp_ms(p.created_at),
        }
    }
}

/// An article (or chapter, section) in the draft's table of contents, with its comment count.
pub struct OutlineEntry {
    pub anchor: String,
    pub label: String,
    pub heading: String,
    /// Chapters and parts are headings of the list; articles are its entries.
    pub is_heading: bool,
    pub comments: String,
}

pub fn outline_entries(draft: &Draft) -> Vec<OutlineEntry> {
    draft
        .outline
        .parts
        .iter()
        .enumerate()
        .filter(|(_, p)| matches!(p.level, Level::Part | Level::Chapter | Level::Section | Level::Article))
        .map(|(i, p)| OutlineEntry {
            anchor: p.anchor.clone(),
            label: draft.outline.label(i),
            heading: p.heading.clone(),
            is_heading: p.level != Level::Article,
            comments: text::format_count(draft.comments_within(i) as u64),
        })
        .collect()
}

/// The phase as a tag's class: open in green, closed plain.
pub fn phase_class(phase: Phase) -> &'static str {
    match phase {
        Phase::Open => "tag ok",
        Phase::Upcoming | Phase::Draft => "tag",
        Phase::Closed | Phase::Reported => "tag muted",
    }
}
