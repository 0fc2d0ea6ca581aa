//! Officials' questionnaire pages: copy a built-in questionnaire, import one authored in Excel
//! (XLSForm) or JSON, check it, preview it in a phone-sized frame, download it, publish it.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use domain::auth::Permission;
use domain::surveys::{Questionnaire, edit, xlsform};
use domain::text;
use serde::Deserialize;

use super::respond::{SectionView, sections};
use crate::AppState;
use crate::auth::csrf::{CheckedForm, CheckedUpload};
use crate::auth::require;
use crate::auth::session::CurrentUser;
use crate::error::{Failure, PageResult};
use crate::extract::{Path, Query};
use crate::layout::Layout;
use crate::units::picker::{self, UnitChoice, picked};
use crate::uploads;
use sheets::Limits;

pub struct Row {
    id: i64,
    title: String,
    code: String,
    latest_version: Option<i64>,
    updated: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "surveys/questionnaires_list.html")]
pub struct ListPage {
    layout: Layout,
    rows: Vec<Row>,
    templates: Vec<(String, String)>,
    /// The units a questionnaire's owner is chosen from, the official's first marked.
    owners: Vec<UnitChoice>,
    notice: Option<&'static str>,
    errors: Vec<String>,
}

async fn list_page(state: &AppState, user: &CurrentUser, errors: Vec<String>) -> Result<ListPage, Failure> {
    let rows = state
        .store
        .questionnaires(&user.principal.access)
        .await?
        .into_iter()
        .map(|q| Row { id: q.id, title: q.title, code: q.code, latest_version: q.latest_version, updated: text::format_timestamp_ms(q.updated_at) })
        .collect();
    let managed = user.principal.access.roots(Permission::ManageSurveys);
    let default_unit = match managed.first() {
        Some(unit) => state.store.public_unit(*unit).await?.code,
        None => String::new(),
    };
    let owners = picked(&picker::unit_choices(&state.store, &managed, state.clock.now_ms()).await?, &default_unit);
    Ok(ListPage {
        layout: Layout::admin(user, "Mẫu phiếu", "/admin/questionnaires"),
        rows,
        templates: starting_points().into_iter().map(|q| (q.code, q.title)).collect(),
        owners,
        notice: None,
        errors,
    })
}

pub async fn list(State(state): State<AppState>, user: CurrentUser) -> PageResult<ListPage> {
    require(&user.principal.access, Permission::ManageSurveys)?;
    Ok(list_page(&state, &user, Vec::new()).await?)
}

/// Saves a new draft, or shows the list again with what went wrong.
async fn create(state: &AppState, user: &CurrentUser, unit_code: &str, form: Result<Questionnaire, Vec<String>>) -> PageResult<Response> {
    let errors: Vec<String> = match form {
        Err(problems) => problems,
        Ok(form) => match state.store.public_unit_by_code(unit_code.trim()).await {
            Err(_) => vec![format!("Không tìm thấy đơn vị có mã «{}».", unit_code.trim())],
            Ok(unit) => match state.store.create_questionnaire(&user.actor(state), &user.principal.access, unit.id, &form).await {
                Ok(id) => return Ok(Redirect::to(&format!("/admin/questionnaires/{id}?created=1")).into_response()),
                Err(e @ (storage::Error::Conflict(_) | storage::Error::Forbidden | storage::Error::Invalid(_))) => vec![e.to_string()],
                Err(e) => return Err(e.into()),
            },
        },
    };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, list_page(state, user, errors).await?).into_response())
}

#[derive(Deserialize)]
pub struct CopyForm {
    #[serde(default)]
    template: String,
    #[serde(default)]
    code: String,
    /// The new title; the template's when left empty.
    #[serde(default)]
    title: String,
    #[serde(default)]
    unit_code: String,
}

/// The starting points offered: a blank form and the built-in questionnaires.
fn starting_points() -> Vec<Questionnaire> {
    let blank = Questionnaire {
        code: "TRONG".into(),
        title: "Phiếu trống (tự thêm câu hỏi)".into(),
        description: String::new(),
        methodology: None,
        sections: vec![domain::surveys::Section {
            code: "A".into(),
            title: "Phần 1".into(),
            description: String::new(),
            visible_if: None,
            questions: Vec::new(),
        }],
        index: Default::default(),
    };
    std::iter::once(blank).chain(domain::sipas::templates()).collect()
}

pub async fn copy(State(state): State<AppState>, user: CurrentUser, CheckedForm(form): CheckedForm<CopyForm>) -> PageResult<Response> {
    require(&user.principal.access, Permission::ManageSurveys)?;
    let copied = starting_points()
        .into_iter()
        .find(|q| q.code == form.template)
        .map(|mut q| {
            q.code = form.code.trim().to_string();
            if !form.title.trim().is_empty() {
                q.title = text::clean(&form.title);
            }
            q
        })
        .ok_or_else(|| vec!["Hãy chọn một mẫu có sẵn.".to_string()]);
    create(&state, &user, &form.unit_code, copied).await
}

/// A questionnaire from an uploaded `.json` or XLSForm `.xlsx` file.
async fn parse_file(name: &str, bytes: Vec<u8>) -> Result<Questionnaire, Vec<String>> {
    if name.to_lowercase().ends_with(".json") {
        return serde_json::from_slice(&bytes).map_err(|e| vec![format!("Tệp JSON không đúng định dạng mẫu phiếu: {e}")]);
    }
    let workbook = uploads::read_sheets(bytes, Limits::QUESTIONNAIRE).await.map_err(|e| vec![e.to_string()])?;
    xlsform::from_workbook(&workbook).map_err(|problems| problems.iter().map(ToString::to_string).collect())
}

pub async fn import(State(state): State<AppState>, user: CurrentUser, headers: HeaderMap, multipart: Multipart) -> PageResult<Response> {
    require(&user.principal.access, Permission::ManageSurveys)?;
    let mut upload = CheckedUpload::read(&state, &headers, multipart).await?;
    let unit_code = upload.fields.get("unit_code").cloned().unwrap_or_default();
    let form = match upload.take_file() {
        None => Err(vec!["Hãy chọn một tệp .xlsx hoặc .json để nhập.".to_string()]),
        Some((name, bytes)) => parse_file(&name, bytes).await,
    };
    create(&state, &user, &unit_code, form).await
}

/// A question as the designer lists it.
pub struct QuestionRow {
    code: String,
    text: String,
    help: String,
    required: bool,
    kind: &'static str,
    /// `code | label` lines, for questions with options.
    options: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "surveys/questionnaire_detail.html")]
pub struct DetailPage {
    layout: Layout,
    id: i64,
    code: String,
    title: String,
    questions: usize,
    sections: usize,
    versions: Vec<(i64, String)>,
    problems: Vec<String>,
    notice: Option<&'static str>,
    /// (section code, title, its questions)
    outline: Vec<(String, String, Vec<QuestionRow>)>,
    types: Vec<(&'static str, &'static str)>,
}

fn kind_label(kind: &domain::surveys::QuestionKind) -> &'static str {
    use domain::surveys::QuestionKind as K;
    match kind {
        K::SingleChoice { .. } => "Chọn một",
        K::MultipleChoice { .. } => "Chọn nhiều",
        K::Likert { .. } => "Thang đo mức độ",
        K::Matrix { .. } => "Bảng nhiều dòng",
        K::Text { .. } => "Trả lời chữ",
        K::Number { .. } => "Số",
        K::Date { .. } => "Ngày",
        K::Unit { .. } => "Chọn đơn vị",
        K::Procedure => "Thủ tục hành chính",
    }
}

const NEW_TYPES: [(&str, &str); 8] = [
    ("single_choice", "Chọn một"),
    ("multiple_choice", "Chọn nhiều"),
    ("likert", "Thang đo mức độ hài lòng"),
    ("text", "Trả lời chữ"),
    ("number", "Số"),
    ("date", "Ngày"),
    ("unit", "Chọn đơn vị"),
    ("procedure", "Thủ tục hành chính"),
];

#[derive(Deserialize)]
pub struct DetailQuery {
    created: Option<String>,
    published: Option<String>,
    saved: Option<String>,
}

pub async fn detail(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>, Query(q): Query<DetailQuery>) -> PageResult<DetailPage> {
    require(&user.principal.access, Permission::ManageSurveys)?;
    let record = state.store.questionnaire(&user.principal.access, id).await?;
    let problems = record.draft.check().err().unwrap_or_default().iter().map(ToString::to_string).collect();
    Ok(DetailPage {
        layout: Layout::admin(&user, record.title.clone(), "/admin/questionnaires"),
        id,
        questions: record.draft.questions().count(),
        sections: record.draft.sections.len(),
        versions: record.versions.iter().map(|(_, number, at)| (*number, text::format_timestamp_ms(*at))).collect(),
        outline: record
            .draft
            .sections
            .iter()
            .map(|section| {
                let rows = section
                    .questions
                    .iter()
                    .map(|q| QuestionRow {
                        code: q.code.clone(),
                        text: q.text.clone(),
                        help: q.help.clone(),
                        required: q.required,
                        kind: kind_label(&q.kind),
                        options: (!q.kind.options().is_empty()).then(|| edit::options_text(q.kind.options())),
                    })
                    .collect();
                (section.code.clone(), section.title.clone(), rows)
            })
            .collect(),
        types: NEW_TYPES.to_vec(),
        problems,
        notice: if q.created.is_some() {
            Some("Đã tạo bản nháp mẫu phiếu.")
        } else if q.published.is_some() {
            Some("Đã phát hành phiên bản mới.")
        } else if q.saved.is_some() {
            Some("Đã lưu bản nháp.")
        } else {
            None
        },
        code: record.code,
        title: record.title,
    })
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn publish(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>, CheckedForm(_): CheckedForm<Empty>) -> PageResult<Response> {
    require(&user.principal.access, Permission::ManageSurveys)?;
    state.store.publish_questionnaire(&user.actor(&state), &user.principal.access, id).await?;
    Ok(Redirect::to(&format!("/admin/questionnaires/{id}?published=1")).into_response())
}

pub async fn json(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> PageResult<Response> {
    require(&user.principal.access, Permission::ManageSurveys)?;
    let record = state.store.questionnaire(&user.principal.access, id).await?;
    let body = serde_json::to_vec_pretty(&record.draft).map_err(|_| Failure::internal())?;
    let disposition = format!("attachment; filename=\"{}.json\"", record.code);
    Ok(([(header::CONTENT_TYPE, "application/json".to_string()), (header::CONTENT_DISPOSITION, disposition)], body).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "surveys/questionnaire_preview.html")]
pub struct PreviewPage {
    layout: Layout,
    id: i64,
    title: String,
    intro: String,
    sections: Vec<SectionView>,
    units: Vec<(String, String)>,
    procedures: Vec<String>,
}

pub async fn preview(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> PageResult<PreviewPage> {
    require(&user.principal.access, Permission::ManageSurveys)?;
    let record = state.store.questionnaire(&user.principal.access, id).await?;
    Ok(PreviewPage {
        layout: Layout::admin(&user, format!("Xem trước: {}", record.title), "/admin/questionnaires"),
        id,
        intro: record.draft.description.clone(),
        sections: sections(&record.draft, &Default::default(), &[], false),
        units: Vec::new(),
        procedures: Vec::new(),
        title: record.title,
    })
}

/// Applies one edit to the draft and saves it; refuses (422) an edit that changes nothing.
async fn edit_draft(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    anchor: &str,
    apply: impl FnOnce(&mut Questionnaire) -> Result<(), String>,
) -> PageResult<Response> {
    require(&user.principal.access, Permission::ManageSurveys)?;
    let mut draft = state.store.questionnaire(&user.principal.access, id).await?.draft;
    apply(&mut draft).map_err(Failure::invalid)?;
    state.store.update_questionnaire(&user.actor(state), &user.principal.access, id, &draft).await?;
    Ok(Redirect::to(&format!("/admin/questionnaires/{id}?saved=1#q-{anchor}")).into_response())
}

#[derive(Deserialize)]
pub struct MoveForm {
    #[serde(default)]
    direction: String,
}

pub async fn move_question(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, code)): Path<(i64, String)>,
    CheckedForm(form): CheckedForm<MoveForm>,
) -> PageResult<Response> {
    edit_draft(&state, &user, id, &code, |draft| {
        if edit::move_question(draft, &code, form.direction == "up") { Ok(()) } else { Err("Câu hỏi đã ở đầu hoặc cuối phiếu.".into()) }
    })
    .await
}

pub async fn remove_question(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, code)): Path<(i64, String)>,
    CheckedForm(_): CheckedForm<Empty>,
) -> PageResult<Response> {
    edit_draft(&state, &user, id, "", |draft| if edit::remove_question(draft, &code) { Ok(()) } else { Err("Không có câu hỏi này.".into()) }).await
}

#[derive(Deserialize)]
pub struct QuestionForm {
    #[serde(default)]
    text: String,
    #[serde(default)]
    help: String,
    #[serde(default)]
    required: Option<String>,
    #[serde(default)]
    options: String,
}

pub async fn change_question(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, code)): Path<(i64, String)>,
    CheckedForm(form): CheckedForm<QuestionForm>,
) -> PageResult<Response> {
    edit_draft(&state, &user, id, &code, |draft| {
        if form.text.trim().is_empty() {
            return Err("Câu hỏi chưa có nội dung.".into());
        }
        if edit::change_question(draft, &code, &form.text, &form.help, form.required.is_some(), &form.options) {
            Ok(())
        } else {
            Err("Không có câu hỏi này.".into())
        }
    })
    .await
}

#[derive(Deserialize)]
pub struct NewQuestionForm {
    #[serde(default)]
    section: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    text: String,
}

pub async fn add_question(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CheckedForm(form): CheckedForm<NewQuestionForm>,
) -> PageResult<Response> {
    let code = form.code.trim().to_string();
    edit_draft(&state, &user, id, &code.clone(), |draft| {
        if !domain::surveys::is_code(&code) || draft.question(&code).is_some() {
            return Err(format!("Mã câu hỏi «{code}» không hợp lệ hoặc đã có trong phiếu."));
        }
        let question = edit::new_question(&code, &form.text, &form.kind).ok_or("Hãy chọn loại câu hỏi.")?;
        let section = draft.sections.iter_mut().find(|s| s.code == form.section).ok_or("Hãy chọn phần của phiếu.")?;
        section.questions.push(question);
        Ok(())
    })
    .await
}
