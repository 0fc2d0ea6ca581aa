//! The editors' side of the portal: a unit's officials write articles and documents in its
//! section and hand them over; the unit's head and the reform office publish, schedule, return
//! with a reason or withdraw. Every save is a revision, every step is in the audit log (storage).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use domain::auth::Permission;
use domain::portal::{Category, DocFields, DocType, Draft, Kind, Status, Step};
use domain::text;
use serde::Deserialize;
use storage::Paging;
use storage::portal::{EditorFilter, ItemPage, Upload};

use super::{Picture, item_path};
use crate::AppState;
use crate::auth::csrf::{CheckedForm, CheckedUpload};
use crate::auth::session::CurrentUser;
use crate::error::{Failure, PageResult};
use crate::extract::{Path, Query};
use crate::layout::{Layout, Pager};
use crate::units::picker::{self, UnitChoice};
use crate::uploads;

const PER_PAGE: i64 = 30;
/// Where a picture uploaded here is served to editors before publication.
const EDITOR_FILES: &str = "/admin/portal/tep/";

pub(super) fn require_editor(user: &CurrentUser) -> Result<(), Failure> {
    if user.principal.access.has_any(&[Permission::WriteContent, Permission::PublishContent]) { Ok(()) } else { Err(Failure::forbidden()) }
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    kind: Option<String>,
    status: Option<String>,
    page: Option<i64>,
}

pub struct Row {
    pub id: i64,
    pub title: String,
    pub kind: &'static str,
    pub unit: String,
    pub status: &'static str,
    pub updated: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/editor_list.html")]
pub struct ListPage {
    layout: Layout,
    rows: Vec<Row>,
    total: String,
    pager: Pager,
    kind: String,
    status: String,
    statuses: Vec<(&'static str, &'static str)>,
}

pub async fn list(State(state): State<AppState>, user: CurrentUser, Query(q): Query<ListQuery>) -> PageResult<ListPage> {
    require_editor(&user)?;
    let filter = EditorFilter { kind: q.kind.as_deref().and_then(Kind::parse), status: q.status.as_deref().and_then(Status::parse) };
    let page = q.page.unwrap_or(1);
    let found = state.store.editor_items(&user.principal.access, &filter, Paging::new(page, PER_PAGE)).await?;
    let kind = filter.kind.map_or("", Kind::code).to_string();
    let status = filter.status.map_or("", Status::code).to_string();
    let base = format!("/admin/portal?kind={kind}&status={status}");
    Ok(ListPage {
        layout: Layout::admin(&user, "Bài viết và văn bản", "/admin/portal"),
        rows: found
            .items
            .iter()
            .map(|i| Row {
                id: i.id,
                title: i.draft.title.clone(),
                kind: i.kind().label(),
                unit: i.unit_name.clone(),
                status: status_label(i.status, i.published_at, state.clock.now_ms()),
                updated: text::format_timestamp_ms(i.updated_at),
            })
            .collect(),
        total: text::format_count(found.total.max(0) as u64),
        pager: Pager::new(page, PER_PAGE, found.total, &base),
        kind,
        status,
        statuses: Status::ALL.iter().map(|s| (s.code(), s.label())).collect(),
    })
}

/// A published item that waits for its time is "scheduled" to the people who scheduled it.
fn status_label(status: Status, published_at: Option<i64>, now: i64) -> &'static str {
    match (status, published_at) {
        (Status::Published, Some(at)) if at > now => "Hẹn giờ đăng",
        _ => status.label(),
    }
}

/// The fields of an item as typed, before any checking.
#[derive(Deserialize, Default, Clone)]
pub struct ItemForm {
    #[serde(default)]
    kind: String,
    /// The section (unit code), when the item is new.
    #[serde(default)]
    unit: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    summary: String,
    /// HTML, or plain text whose blank lines part paragraphs.
    #[serde(default)]
    body: String,
    #[serde(default)]
    video_url: String,
    #[serde(default)]
    doc_number: String,
    #[serde(default)]
    doc_type: String,
    #[serde(default)]
    doc_issuer: String,
    #[serde(default)]
    doc_issued_on: String,
    #[serde(default)]
    doc_effective_on: String,
}

impl ItemForm {
    fn from_draft(draft: &Draft) -> Self {
        let doc = draft.doc.as_ref();
        Self {
            kind: draft.kind.code().into(),
            unit: String::new(),
            category: draft.category.map_or("", Category::code).into(),
            title: draft.title.clone(),
            summary: draft.summary.clone(),
            body: draft.body_html.clone(),
            video_url: draft.video_url.clone().unwrap_or_default(),
            doc_number: doc.map(|d| d.number.clone()).unwrap_or_default(),
            doc_type: doc.map_or("", |d| d.doc_type.code()).into(),
            doc_issuer: doc.map(|d| d.issuer.clone()).unwrap_or_default(),
            doc_issued_on: doc.map(|d| text::format_date(d.issued_on)).unwrap_or_default(),
            doc_effective_on: doc.and_then(|d| d.effective_on).map(text::format_date).unwrap_or_default(),
        }
    }

    fn kind(&self) -> Kind {
        Kind::parse(&self.kind).unwrap_or(Kind::Article)
    }

    /// The draft the form describes, its body sanitised; or what is wrong with the dates.
    fn draft(&self) -> Result<Draft, Vec<String>> {
        let kind = self.kind();
        let doc = match kind {
            Kind::Article => None,
            Kind::Document => {
                let mut problems = Vec::new();
                let issued_on = text::parse_date(&self.doc_issued_on);
                if issued_on.is_none() {
                    problems.push("Ngày ban hành không hợp lệ; nhập theo dạng dd/mm/yyyy.".to_string());
                }
                let effective_on = match self.doc_effective_on.trim() {
                    "" => None,
                    typed => {
                        let parsed = text::parse_date(typed);
                        if parsed.is_none() {
                            problems.push("Ngày hiệu lực không hợp lệ; nhập theo dạng dd/mm/yyyy.".into());
                        }
                        parsed
                    }
                };
                let doc_type = DocType::parse(&self.doc_type).unwrap_or(DocType::Other);
                match issued_on {
                    Some(issued_on) if problems.is_empty() => {
                        Some(DocFields { number: self.doc_number.clone(), doc_type, issuer: self.doc_issuer.clone(), issued_on, effective_on })
                    }
                    _ => return Err(problems),
                }
            }
        };
        Ok(Draft {
            kind,
            category: Category::parse(&self.category),
            title: self.title.clone(),
            summary: self.summary.clone(),
            body_html: media::richtext::sanitise(&paragraphs(&self.body)),
            video_url: Some(self.video_url.clone()),
            doc,
        })
    }
}

/// Text typed without block tags becomes paragraphs (at blank lines) and line breaks; the
/// sanitiser then reads it as HTML (so `a & b` and inline tags come out right). A body written
/// in blocks (`<p>`, `<h2>`, lists, tables) is left as written.
fn paragraphs(body: &str) -> String {
    const BLOCKS: [&str; 10] = ["<p", "<h2", "<h3", "<h4", "<ul", "<ol", "<table", "<blockquote", "<figure", "<div"];
    let lower = body.to_lowercase();
    if BLOCKS.iter().any(|b| lower.contains(b)) {
        return body.to_string();
    }
    text::clean_multiline(body)
        .split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .map(|p| format!("<p>{}</p>", p.lines().collect::<Vec<_>>().join("<br>")))
        .collect()
}

pub struct ImageRow {
    pub picture: Picture,
    /// What to paste in the body to show the picture there.
    pub snippet: String,
    pub is_cover: bool,
}

pub struct FileRow {
    pub name: String,
    pub href: String,
    pub size: String,
}

/// What an editor may do to the item now.
#[derive(Default)]
pub struct Actions {
    pub edit: bool,
    pub submit: bool,
    pub publish: bool,
    pub give_back: bool,
    pub withdraw: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/editor_item.html")]
pub struct ItemPageView {
    layout: Layout,
    id: Option<i64>,
    kind: Kind,
    form: ItemForm,
    errors: Vec<String>,
    notice: Option<String>,
    categories: Vec<(&'static str, &'static str)>,
    doc_types: Vec<(&'static str, &'static str)>,
    sections: Vec<UnitChoice>,
    status: &'static str,
    return_reason: String,
    published: Option<String>,
    public_link: Option<String>,
    actions: Actions,
    images: Vec<ImageRow>,
    attachments: Vec<FileRow>,
    video: Option<String>,
    revisions: Vec<(i64, String, String)>,
}

impl ItemPageView {
    fn blank(user: &CurrentUser, kind: Kind, form: ItemForm) -> Self {
        let title = match kind {
            Kind::Article => "Viết bài mới",
            Kind::Document => "Thêm văn bản",
        };
        Self {
            layout: Layout::admin(user, title, "/admin/portal"),
            id: None,
            kind,
            form,
            errors: Vec::new(),
            notice: None,
            categories: Category::ALL.iter().map(|c| (c.code(), c.label())).collect(),
            doc_types: DocType::ALL.iter().map(|t| (t.code(), t.label())).collect(),
            sections: Vec::new(),
            status: Status::Draft.label(),
            return_reason: String::new(),
            published: None,
            public_link: None,
            actions: Actions { edit: true, ..Actions::default() },
            images: Vec::new(),
            attachments: Vec::new(),
            video: None,
            revisions: Vec::new(),
        }
    }
}

async fn new_page(state: &AppState, user: &CurrentUser, form: ItemForm, errors: Vec<String>) -> Result<ItemPageView, Failure> {
    let mut page = ItemPageView::blank(user, form.kind(), form);
    let roots = user.principal.access.roots(Permission::WriteContent);
    let choices = picker::unit_choices(&state.store, &roots, state.clock.now_ms()).await?;
    // An official of one unit writes in its section without choosing.
    if page.form.unit.trim().is_empty()
        && let Some(first) = choices.first()
    {
        page.form.unit = first.code.clone();
    }
    page.sections = picker::picked(&choices, &page.form.unit);
    page.errors = errors;
    Ok(page)
}

#[derive(Deserialize)]
pub struct NewQuery {
    kind: Option<String>,
}

pub async fn new_form(State(state): State<AppState>, user: CurrentUser, Query(q): Query<NewQuery>) -> PageResult<ItemPageView> {
    require_editor(&user)?;
    let form = ItemForm { kind: q.kind.unwrap_or_default(), category: Category::News.code().into(), ..ItemForm::default() };
    Ok(new_page(&state, &user, form, Vec::new()).await?)
}

pub async fn create(State(state): State<AppState>, user: CurrentUser, CheckedForm(form): CheckedForm<ItemForm>) -> PageResult<Response> {
    require_editor(&user)?;
    let refuse = async |form: ItemForm, errors: Vec<String>| -> PageResult<Response> {
        Ok((StatusCode::UNPROCESSABLE_ENTITY, new_page(&state, &user, form, errors).await?).into_response())
    };
    let Ok(unit) = state.store.public_unit_by_code(form.unit.trim()).await else {
        return refuse(form, vec!["Chọn chuyên trang (đơn vị) của bài.".into()]).await;
    };
    let draft = match form.draft() {
        Ok(draft) => draft,
        Err(errors) => return refuse(form, errors).await,
    };
    match state.store.create_item(&user.actor(&state), &user.principal.access, unit.id, draft).await {
        Ok(id) => Ok(Redirect::to(&format!("/admin/portal/{id}?saved=1")).into_response()),
        Err(storage::Error::Invalid(errors)) => refuse(form, errors).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct ShowQuery {
    saved: Option<String>,
}

pub async fn show(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>, Query(q): Query<ShowQuery>) -> PageResult<ItemPageView> {
    require_editor(&user)?;
    let stored = state.store.editor_item(&user.principal.access, id).await?;
    let form = ItemForm::from_draft(&stored.item.draft);
    let mut page = item_page(&state, &user, stored, form).await?;
    page.notice = q.saved.map(|_| "Đã lưu.".to_string());
    Ok(page)
}

async fn item_page(state: &AppState, user: &CurrentUser, stored: ItemPage, form: ItemForm) -> Result<ItemPageView, Failure> {
    let access = &user.principal.access;
    let item = &stored.item;
    let now = state.clock.now_ms();
    let publisher = state.store.publishes_item(access, item).await?;
    let writer = access.can(Permission::WriteContent, &state.store.unit_ancestry(item.unit_id).await?);
    let mut page = ItemPageView::blank(user, item.kind(), form);
    page.layout.title = item.draft.title.clone();
    page.id = Some(item.id);
    page.status = status_label(item.status, item.published_at, now);
    page.return_reason = if item.status == Status::Returned { item.return_reason.clone() } else { String::new() };
    page.published = item.published_at.filter(|_| item.status == Status::Published).map(text::format_timestamp_ms);
    page.public_link = item.is_visible(now).then(|| item_path(item.kind(), &item.slug));
    page.actions = Actions {
        edit: domain::portal::may_edit(item.status, publisher).is_ok(),
        submit: writer && matches!(item.status, Status::Draft | Status::Returned),
        publish: publisher && item.status != Status::Published,
        give_back: publisher && item.status == Status::Submitted,
        withdraw: publisher && item.status == Status::Published,
    };
    page.images = stored
        .images
        .iter()
        .filter_map(|image| {
            let public = Picture::new(image, "/tep/")?;
            let snippet =
                format!("<img src=\"{}\" alt=\"{}\" width=\"{}\" height=\"{}\">", public.src, image.alt.replace('"', "&quot;"), public.width, public.height);
            Some(ImageRow { picture: Picture::new(image, EDITOR_FILES)?, snippet, is_cover: item.cover_image_id == Some(image.id) })
        })
        .collect();
    page.attachments =
        stored.attachments.iter().map(|a| FileRow { name: a.name.clone(), href: format!("{EDITOR_FILES}{}", a.sha256), size: file_size(a.size) }).collect();
    page.video = item.video_sha256.as_ref().map(|sha| format!("{EDITOR_FILES}{sha}"));
    page.revisions = state.store.item_revisions(item.id).await?.into_iter().map(|r| (r.revision, r.by_name, text::format_timestamp_ms(r.at))).collect();
    Ok(page)
}

/// A size as people read it: `820 KB`, `12,4 MB`.
pub fn file_size(bytes: i64) -> String {
    let kb = bytes as f64 / 1024.0;
    if kb < 1024.0 { format!("{} KB", text::format_number(kb.ceil(), 0)) } else { format!("{} MB", text::format_number(kb / 1024.0, 1)) }
}

pub async fn update(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>, CheckedForm(form): CheckedForm<ItemForm>) -> PageResult<Response> {
    require_editor(&user)?;
    let stored = state.store.editor_item(&user.principal.access, id).await?;
    let form = ItemForm { kind: stored.item.kind().code().into(), ..form };
    let saved = match form.draft() {
        Ok(draft) => state.store.update_item(&user.actor(&state), &user.principal.access, id, draft).await,
        Err(errors) => Err(storage::Error::Invalid(errors)),
    };
    match saved {
        Ok(()) => Ok(Redirect::to(&format!("/admin/portal/{id}?saved=1")).into_response()),
        Err(e @ (storage::Error::Invalid(_) | storage::Error::Conflict(_))) => {
            let failure = Failure::from(e);
            let mut page = item_page(&state, &user, stored, form).await?;
            page.errors = if failure.errors.is_empty() { vec![failure.detail] } else { failure.errors.into_iter().map(|e| e.message).collect() };
            Ok((failure.status, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct StepForm {
    step: String,
    #[serde(default)]
    reason: String,
    /// dd/mm/yyyy and HH:MM of a scheduled publication; empty for now.
    #[serde(default)]
    publish_on: String,
    #[serde(default)]
    publish_time: String,
}

pub async fn step(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>, CheckedForm(form): CheckedForm<StepForm>) -> PageResult<Response> {
    require_editor(&user)?;
    let step = match form.step.as_str() {
        "submit" => Step::Submit,
        "publish" => Step::Publish { at: crate::error::moment(&form.publish_on, &form.publish_time)?.unwrap_or(0) },
        "return" => Step::Return { reason: form.reason },
        "withdraw" => Step::Withdraw,
        _ => return Err(Failure::malformed("Thao tác không hợp lệ.").into()),
    };
    state.store.item_step(&user.actor(&state), &user.principal.access, id, &step).await?;
    Ok(Redirect::to(&format!("/admin/portal/{id}")).into_response())
}

/// The moment typed for a scheduled publication, Vietnam time; `None` when left empty.
pub async fn upload(State(state): State<AppState>, user: CurrentUser, headers: HeaderMap, Path(id): Path<i64>, multipart: Multipart) -> PageResult<Response> {
    require_editor(&user)?;
    let mut upload = CheckedUpload::read(&state, &headers, multipart).await?;
    let (name, bytes) = upload.take_file().ok_or_else(|| Failure::invalid("Hãy chọn một tệp để tải lên."))?;
    let what = upload.fields.get("what").map(String::as_str).unwrap_or("attachment");
    let name = media::files::safe_name(&name);
    let alt = upload.fields.get("alt").cloned().unwrap_or_default();
    let file = match what {
        "image" => {
            if text::clean(&alt).is_empty() {
                return Err(Failure::invalid("Hãy mô tả ảnh (lời thay thế) cho người không xem được ảnh.").into());
            }
            let variants = uploads::image_variants(bytes).await.map_err(|e| Failure::invalid(e.to_string()))?;
            Upload::Image { alt: &alt, widths: variants.into_iter().map(|v| (v.width, v.height, v.jpeg)).collect() }
        }
        "video" => {
            media::files::check_video(&bytes).map_err(|e| Failure::invalid(e.to_string()))?;
            Upload::Video { bytes }
        }
        _ => {
            let media_type = media::files::attachment_type(&name, &bytes).map_err(|e| Failure::invalid(e.to_string()))?;
            Upload::Attachment { name: &name, media_type, bytes }
        }
    };
    state.store.add_item_file(&user.actor(&state), &user.principal.access, id, file).await?;
    Ok(Redirect::to(&format!("/admin/portal/{id}?saved=1")).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_becomes_paragraphs() {
        assert_eq!(paragraphs("<p>Đã có thẻ</p>"), "<p>Đã có thẻ</p>");
        assert_eq!(paragraphs("Dòng một\nDòng hai\n\n\nĐoạn <b>hai</b> & ba"), "<p>Dòng một<br>Dòng hai</p><p>Đoạn <b>hai</b> & ba</p>");
        assert_eq!(media::richtext::sanitise(&paragraphs("a & b")), "<p>a &amp; b</p>");
    }
}
