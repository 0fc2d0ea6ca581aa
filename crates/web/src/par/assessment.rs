//! A unit's assessment page: every item with its points at each stage, evidence and notes;
//! one form per item for whatever the marking rules let the caller write now (self-assessment,
//! appraisal, explanation, final appraisal), and the buttons they offer (submit, approve, return).

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use domain::par::marking::{self, ItemPost, NewFile};
use domain::par::round::progress;
use domain::par::scoring::score;
use domain::par::{Action, Points, Stage, Tree};
use domain::text;
use serde::Deserialize;
use storage::par::{AssessmentRecord, HistoryRow};

use crate::AppState;
use crate::auth::csrf::{CheckedForm, CheckedUpload};
use crate::auth::session::CurrentUser;
use crate::error::{Failure, PageResult};
use crate::extract::{Path, Query};
use crate::layout::Layout;

pub struct StageMark {
    pub label: &'static str,
    pub points: String,
    pub note: String,
}

pub struct ItemView {
    pub code: String,
    pub name: String,
    pub max: String,
    pub guide: String,
    pub evidence_required: bool,
    /// Measured by a module (a survey, plan tracking): never self-scored.
    pub measured: bool,
    pub marks: Vec<StageMark>,
    pub documents: Vec<(i64, String)>,
    /// Every change to the item's marks, oldest first.
    pub history: Vec<HistoryLine>,
    /// The form for what the caller may write now.
    pub form: Option<ItemForm>,
}

pub struct HistoryLine {
    pub at: String,
    pub stage: &'static str,
    pub points: String,
    pub note: String,
    pub by: String,
}

pub struct ItemForm {
    pub stage: &'static str,
    pub points: String,
    pub note: String,
    /// Points are given (not in an explanation, which is words and files).
    pub takes_points: bool,
    /// The unit's stages take evidence files.
    pub takes_files: bool,
    pub points_label: &'static str,
    pub note_label: &'static str,
}

pub struct CriterionView {
    pub code: String,
    pub name: String,
    pub items: Vec<ItemView>,
}

pub struct FieldView {
    pub code: String,
    pub name: String,
    pub max: String,
    pub own: String,
    pub standing: String,
    pub scored: usize,
    pub to_score: usize,
    pub criteria: Vec<CriterionView>,
}

#[derive(Template, WebTemplate)]
#[template(path = "par/par_assessment.html")]
pub struct AssessmentPage {
    layout: Layout,
    id: i64,
    round_id: i64,
    round: String,
    unit: String,
    phase: &'static str,
    deadline: String,
    state: &'static str,
    returned_note: String,
    fields: Vec<FieldView>,
    adjustments: Vec<ItemView>,
    documents: Vec<(i64, String)>,
    total: String,
    max: String,
    index: String,
    class: &'static str,
    may_submit: bool,
    may_approve: bool,
    notice: Option<String>,
    errors: Vec<String>,
}

fn points_text(points: Option<i64>) -> String {
    points.map(|p| Points(p).display()).unwrap_or_default()
}

fn item_view(
    record: &AssessmentRecord,
    rules: &marking::Assessment<'_>,
    history: &[HistoryRow],
    code: &str,
    name: &str,
    max: Points,
    measured: bool,
) -> ItemView {
    let history = history
        .iter()
        .filter(|h| h.item_code == code)
        .map(|h| HistoryLine {
            at: text::format_timestamp_ms(h.at),
            stage: Stage::parse(&h.stage).map_or("", Stage::label),
            points: points_text(h.points),
            note: h.note.clone(),
            by: h.by_name.clone(),
        })
        .collect();
    let marks = Stage::ALL
        .into_iter()
        .filter_map(|stage| {
            let mark = record.mark(code, stage)?;
            Some(StageMark { label: stage.label(), points: points_text(mark.points), note: mark.note.clone() })
        })
        .collect();
    let documents = record
        .evidence
        .iter()
        .filter(|(_, item)| item == code)
        .filter_map(|(id, _)| record.documents.iter().find(|d| d.id == *id).map(|d| (d.id, d.name.clone())))
        .collect();
    let form = rules.form_stage(code).map(|stage| {
        let current = record.mark(code, stage);
        let unit = matches!(stage, Stage::SelfAssessment | Stage::Explanation);
        ItemForm {
            stage: stage.code(),
            points: points_text(current.and_then(|m| m.points)),
            note: current.map(|m| m.note.clone()).unwrap_or_default(),
            takes_points: stage != Stage::Explanation,
            takes_files: unit,
            points_label: if stage == Stage::SelfAssessment { "Điểm tự chấm" } else { "Điểm thẩm định" },
            note_label: match stage {
                Stage::SelfAssessment => "Ghi chú (giải thích khi chưa có tài liệu kiểm chứng)",
                Stage::Explanation => "Nội dung giải trình",
                _ => "Nhận xét của hội đồng",
            },
        }
    });
    ItemView {
        code: code.into(),
        name: name.into(),
        max: max.display(),
        guide: String::new(),
        evidence_required: false,
        measured,
        marks,
        documents,
        history,
        form,
    }
}

fn page(user: &CurrentUser, record: &AssessmentRecord, history: &[HistoryRow], now: i64) -> AssessmentPage {
    let tree: &Tree = &record.round.tree;
    let phase = record.round.deadlines.phase(now);
    let rules = record.rules(now);
    let own_marks = record.self_marks();
    let own: BTreeMap<String, Points> = own_marks.iter().filter_map(|(c, m)| Some((c.clone(), m.points?))).collect();
    let stands = record.standing_points();
    let own_score = score(tree, &own, &record.round.classes);
    let standing_score = score(tree, &stands, &record.round.classes);
    let progress = progress(tree, &own_marks);
    let fields = tree
        .fields
        .iter()
        .enumerate()
        .map(|(i, f)| FieldView {
            code: f.code.clone(),
            name: f.name.clone(),
            max: own_score.fields[i].max.display(),
            own: own_score.fields[i].points.display(),
            standing: standing_score.fields[i].points.display(),
            scored: progress[i].2,
            to_score: progress[i].3,
            criteria: f
                .criteria
                .iter()
                .map(|c| CriterionView {
                    code: c.code.clone(),
                    name: c.name.clone(),
                    items: c
                        .items
                        .iter()
                        .map(|item| ItemView {
                            guide: item.guide.clone(),
                            evidence_required: item.evidence_required,
                            ..item_view(record, &rules, history, &item.code, &item.name, item.max, !item.self_assessed())
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect();
    let adjustments = tree
        .bonus
        .iter()
        .map(|a| (a, "Điểm thưởng"))
        .chain(tree.penalties.iter().map(|a| (a, "Điểm trừ")))
        .map(|(a, kind)| ItemView { guide: a.guide.clone(), ..item_view(record, &rules, history, &a.code, &format!("{kind}: {}", a.name), a.max, false) })
        .collect();
    let state = record.assessment.state();
    AssessmentPage {
        layout: Layout::admin(user, format!("{} — {}", record.assessment.unit_name, record.round.title), "/admin/par"),
        id: record.assessment.id,
        round_id: record.round.id,
        round: record.round.title.clone(),
        unit: record.assessment.unit_name.clone(),
        phase: phase.label(),
        deadline: text::format_timestamp_ms(record.round.deadlines.end_of(phase)),
        state: state.label(),
        returned_note: record.assessment.returned_note.clone(),
        fields,
        adjustments,
        documents: record
            .documents
            .iter()
            .filter(|d| d.stage == Stage::SelfAssessment.code() || d.stage == Stage::Explanation.code())
            .map(|d| (d.id, d.name.clone()))
            .collect(),
        total: standing_score.total.display(),
        max: standing_score.max.display(),
        index: standing_score.index.display(),
        class: standing_score.class.label(),
        may_submit: rules.offers(Action::Submit),
        may_approve: rules.offers(Action::Approve),
        notice: None,
        errors: Vec::new(),
    }
}

#[derive(Deserialize)]
pub struct Saved {
    saved: Option<String>,
    done: Option<String>,
}

pub async fn show(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>, Query(saved): Query<Saved>) -> PageResult<AssessmentPage> {
    super::require_par(&user.principal.access)?;
    let record = state.store.par_assessment(&user.actor(&state), &user.principal.access, id).await?;
    let history = state.store.par_history(&record).await?;
    let mut page = page(&user, &record, &history, state.clock.now_ms());
    page.notice = saved.saved.map(|code| format!("Đã lưu mục {code}.")).or(saved.done);
    Ok(page)
}

/// The page again, with what went wrong, under the failure's status.
async fn refused(state: &AppState, user: &CurrentUser, id: i64, failure: Failure) -> PageResult<Response> {
    let record = state.store.par_assessment(&user.actor(state), &user.principal.access, id).await?;
    let history = state.store.par_history(&record).await?;
    let mut page = page(user, &record, &history, state.clock.now_ms());
    page.errors = if failure.errors.is_empty() { vec![failure.detail.clone()] } else { failure.errors.iter().map(|e| e.message.clone()).collect() };
    Ok((failure.status, page).into_response())
}

/// Points typed by an official: empty for none.
fn typed_points(value: Option<&String>) -> Result<Option<Points>, Failure> {
    match value.map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => Points::parse(v)
            .map(Some)
            .ok_or_else(|| Failure::invalid(format!("Điểm «{v}» không hợp lệ: nhập số không âm, tối đa hai chữ số thập phân, ví dụ 1,25."))),
    }
}

/// Saves one item's form: points and note at the current stage, and an evidence file or an
/// earlier document for it. A file of the wrong type is refused before anything is written.
pub async fn save_item(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, code)): Path<(i64, String)>,
    headers: HeaderMap,
    multipart: Multipart,
) -> PageResult<Response> {
    let upload = CheckedUpload::read(&state, &headers, multipart).await?;
    let result = save(&state, &user, id, &code, upload).await;
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/admin/par/assessments/{id}?saved={code}#item-{code}")).into_response()),
        Err(failure) if failure.status.is_client_error() && failure.status != StatusCode::NOT_FOUND && failure.status != StatusCode::FORBIDDEN => {
            refused(&state, &user, id, failure).await
        }
        Err(failure) => Err(failure.into()),
    }
}

async fn save(state: &AppState, user: &CurrentUser, id: i64, code: &str, mut upload: CheckedUpload) -> Result<(), Failure> {
    let stage = upload.fields.get("stage").and_then(|s| Stage::parse(s)).ok_or_else(|| Failure::invalid("Biểu mẫu thiếu giai đoạn chấm."))?;
    let document = match upload.fields.get("document").map(|d| d.trim()).filter(|d| !d.is_empty()) {
        None => None,
        Some(d) => Some(d.parse::<i64>().map_err(|_| Failure::invalid("Tài liệu đã chọn không hợp lệ."))?),
    };
    let post = ItemPost {
        stage,
        item: code.to_string(),
        points: typed_points(upload.fields.get("points"))?,
        note: upload.fields.get("note").cloned().unwrap_or_default(),
        file: upload.take_file().map(|(name, bytes)| NewFile { name, bytes }),
        document,
    };
    Ok(state.store.save_par_items(&user.actor(state), &user.principal.access, id, &[post]).await?)
}

#[derive(Deserialize)]
pub struct ActForm {
    action: String,
    #[serde(default)]
    note: String,
}

pub async fn act(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>, CheckedForm(form): CheckedForm<ActForm>) -> PageResult<Response> {
    let action = match form.action.as_str() {
        "submit" => Action::Submit,
        "approve" => Action::Approve,
        "return" => Action::Return,
        _ => return Err(Failure::invalid("Thao tác không hợp lệ.").into()),
    };
    match state.store.act_on_par_assessment(&user.actor(&state), &user.principal.access, id, action, &form.note).await {
        Ok(next) => {
            let done = format!("Đã chuyển trạng thái: {}.", next.label());
            Ok(Redirect::to(&format!("/admin/par/assessments/{id}?done={}", form_urlencoded::byte_serialize(done.as_bytes()).collect::<String>()))
                .into_response())
        }
        Err(e @ (storage::Error::Invalid(_) | storage::Error::Conflict(_))) => refused(&state, &user, id, e.into()).await,
        Err(e) => Err(e.into()),
    }
}

pub async fn download(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> PageResult<Response> {
    super::require_par(&user.principal.access)?;
    let file = state.store.par_evidence_file(&user.actor(&state), &user.principal.access, id).await?;
    Ok(attachment(file))
}

/// A stored file offered for download under its original name.
pub fn attachment(file: storage::par::EvidenceFile) -> Response {
    let ascii: String = file.name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' { c } else { '_' }).collect();
    let utf8: String = form_urlencoded::byte_serialize(file.name.as_bytes()).collect::<String>().replace('+', "%20");
    let disposition = format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{utf8}");
    ([(header::CONTENT_TYPE, file.media_type), (header::CONTENT_DISPOSITION, disposition), (header::CACHE_CONTROL, "private, no-store".into())], file.bytes)
        .into_response()
}
