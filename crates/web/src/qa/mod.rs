//! Questions and feedback on the web: the public side where people ask, follow their question
//! by its code and read the archive (`public`), the officials' side where questions are
//! dispatched, answered, approved and counted, and the calendar kept (`manage`), and the JSON
//! API the one-stop and hotline systems use (`api`).

mod api;
mod manage;
mod public;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use domain::auth::{Access, Permission};
use domain::qa::{Periods, Status, Step};
use domain::text;
use storage::qa::{Event, Question};

use crate::AppState;
use crate::error::Failure;

pub use api::routes as api_routes;

/// A question with its files: three of 10 MB, and the form around them.
const UPLOAD_LIMIT: usize = 32 << 20;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/hoi-dap", get(public::archive))
        .route("/hoi-dap/gui", get(public::ask_form).post(public::ask).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)))
        .route("/hoi-dap/tra-cuu", get(public::track))
        .route("/hoi-dap/{id}", get(public::question))
        .route("/hoi-dap/{id}/danh-gia", post(public::vote))
        .route("/admin/hoi-dap", get(manage::list))
        .route("/admin/hoi-dap/linh-vuc", get(manage::topics).post(manage::save_topic))
        .route("/admin/hoi-dap/thong-ke", get(manage::statistics))
        .route("/admin/hoi-dap/thong-ke.xlsx", get(manage::statistics_xlsx))
        .route("/admin/hoi-dap/thong-ke.docx", get(manage::statistics_docx))
        .route("/admin/hoi-dap/{id}", get(manage::show))
        .route("/admin/hoi-dap/{id}/nguoi-hoi", post(manage::asker))
        .route("/admin/hoi-dap/{id}/tep/{file}", get(manage::file))
        .route("/admin/hoi-dap/{id}/{action}", post(manage::act))
        .route("/admin/lich-lam-viec", get(manage::calendar).post(manage::change_day))
}

/// Reminds and escalates what is due (a job, see `jobs`).
pub async fn process(state: &AppState) {
    let base = state.config.public_url.trim_end_matches('/').to_string();
    let link = move |id: i64| format!("{base}/admin/hoi-dap/{id}");
    if let Err(e) = state.store.process_questions(state.clock.now_ms(), &state.config.qa, &link).await {
        tracing::error!(error = %e, "reminding or escalating questions failed");
    }
}

/// Who may read questions at all: those who follow, answer, dispatch or enter them (each then
/// reads only their units' questions).
pub fn may_read(access: &Access) -> Result<(), Failure> {
    let readers = [Permission::ViewQuestions, Permission::AnswerQuestions, Permission::DispatchQuestions, Permission::ReceiveQuestions];
    if readers.iter().any(|p| access.has(*p)) { Ok(()) } else { Err(Failure::forbidden()) }
}

/// The answering periods in force.
pub fn periods(state: &AppState) -> &Periods {
    &state.config.qa
}

/// The status as a tag's class: waiting in amber, answered in green.
pub fn status_class(status: Status) -> &'static str {
    match status {
        Status::Answered => "tag ok",
        Status::Declined => "tag muted",
        Status::Dispatch | Status::Handling | Status::Review => "tag warn",
    }
}

/// One line of a question's history as shown.
pub struct EventView {
    pub step: &'static str,
    pub at: String,
    pub who: String,
    pub note: String,
}

impl EventView {
    pub fn new(event: &Event) -> Self {
        let units = match (&event.from_unit, &event.to_unit) {
            (Some(from), Some(to)) => format!("{from} → {to}"),
            (Some(from), None) => from.clone(),
            (None, Some(to)) => to.clone(),
            (None, None) => String::new(),
        };
        let who = [event.author.clone().unwrap_or_default(), units].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" · ");
        Self { step: event.step().map_or("", Step::label), at: text::format_timestamp_ms(event.at), who, note: event.note.clone() }
    }
}

/// The deadline as people read it, with "quá hạn" once it passed while the question waited.
pub fn deadline_text(question: &Question, now: i64) -> String {
    let lock = text::format_lock(question.deadline_at);
    if domain::qa::is_overdue(question.status(), question.deadline_at, now) { format!("Quá hạn ({lock})") } else { lock }
}
