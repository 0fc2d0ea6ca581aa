//! The audit log for the reform office and administrators: a filterable page and the API.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use domain::audit::AuditAction;
use domain::auth::{Access, Permission};
use domain::text;
use serde::{Deserialize, Serialize};
use storage::audit::{Filter, Record};
use storage::{Page, Paging, Store};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::Listed;
use crate::auth::require;
use crate::auth::session::{ApiUser, CurrentUser};
use crate::error::{ApiResult, Failure, PageResult, ProblemDocument, day_range};
use crate::extract::Query;
use crate::layout::Layout;
use crate::layout::{Pager, encode};

pub fn routes() -> Router<AppState> {
    Router::new().route("/admin/audit", get(page))
}

pub fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list))
}

#[derive(Deserialize, Default, IntoParams)]
pub struct AuditQuery {
    /// First day, dd/mm/yyyy or yyyy-mm-dd (Vietnam time).
    from: Option<String>,
    /// Last day, included.
    to: Option<String>,
    /// Action code, e.g. `login.failed`.
    action: Option<String>,
    /// Part of the actor's login name.
    actor: Option<String>,
    unit_id: Option<i64>,
    page: Option<i64>,
    /// At most 500 (the API's default); the page shows 100.
    per_page: Option<i64>,
}

impl AuditQuery {
    fn filter(&self) -> Result<Filter, Failure> {
        let (from_ms, to_ms) = day_range(&self.from, &self.to)?;
        let action = match self.action.as_deref().filter(|a| !a.is_empty()) {
            None => None,
            Some(code) => Some(AuditAction::parse(code).ok_or_else(|| Failure::invalid(format!("Loại thao tác «{code}» không có.")))?),
        };
        Ok(Filter { from_ms, to_ms, action, actor: self.actor.as_deref().map(str::trim).filter(|a| !a.is_empty()).map(String::from), unit_id: self.unit_id })
    }

    fn query_string(&self) -> String {
        let v = |o: &Option<String>| encode(o.as_deref().unwrap_or(""));
        format!("from={}&to={}&action={}&actor={}", v(&self.from), v(&self.to), v(&self.action), v(&self.actor))
    }
}

async fn read(store: &Store, access: &Access, query: &AuditQuery, paging: Paging) -> Result<Page<Record>, Failure> {
    require(access, Permission::ViewAudit)?;
    Ok(store.audit_log(access, &query.filter()?, paging).await?)
}

pub struct RecordView {
    at: String,
    actor: String,
    action: &'static str,
    object: String,
    unit: String,
    ip: String,
    details: String,
}

/// The audited object in words: "phiếu khảo sát «Khảo sát SIPAS 2026»" when it has a name,
/// "vụ việc cảnh báo số 12" otherwise.
fn object_label(kind: &str, id: &str, name: Option<&String>) -> String {
    let kind = match kind {
        "unit" => "đơn vị",
        "unit_import" => "tệp nhập đơn vị (số dòng)",
        "user" => "người dùng",
        "survey" => "cuộc khảo sát",
        "questionnaire" => "mẫu phiếu",
        "questionnaire_version" => "phiên bản mẫu phiếu",
        "publication" => "kết quả công bố",
        "methodology" => "phương pháp tính",
        "alert_case" => "vụ việc cảnh báo",
        "response" => "phiếu trả lời",
        "kiosk" => "máy đánh giá",
        "sample_draw" => "lần chọn mẫu",
        "frame" | "frame_entry" => "danh sách hồ sơ để chọn mẫu",
        "assignments" => "phân công phỏng vấn",
        "par_tree" => "bộ tiêu chí CCHC",
        "par_round" => "đợt đánh giá Chỉ số CCHC",
        "par_assessment" => "bảng tự chấm Chỉ số CCHC của",
        "par_document" => "tài liệu kiểm chứng",
        "par_plan" => "kế hoạch CCHC",
        "par_task" => "nhiệm vụ kế hoạch CCHC",
        "setting" => "thiết lập",
        "demo" => "dữ liệu minh họa",
        other => other,
    };
    match (name, id.is_empty(), id.parse::<i64>().is_ok()) {
        (Some(name), _, _) => format!("{kind} «{name}»"),
        (None, true, _) => kind.to_string(),
        (None, false, true) => format!("{kind} số {id}"),
        (None, false, false) => format!("{kind} «{id}»"),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "audit/audit.html")]
pub struct AuditPage {
    layout: Layout,
    rows: Vec<RecordView>,
    total: String,
    actions: Vec<(&'static str, &'static str)>,
    query: AuditQuery,
    pager: Pager,
}

const PER_PAGE: i64 = 100;

async fn page(State(state): State<AppState>, user: CurrentUser, Query(query): Query<AuditQuery>) -> PageResult<AuditPage> {
    let page = read(&state.store, &user.principal.access, &query, Paging::new(query.page.unwrap_or(1), PER_PAGE)).await?;
    let objects: Vec<(&str, &str)> = page.items.iter().map(|r| (r.object_type.as_str(), r.object_id.as_str())).collect();
    let names = state.store.audit_object_names(&objects).await?;
    let rows = page
        .items
        .into_iter()
        .map(|r| RecordView {
            at: text::format_timestamp_ms(r.at),
            actor: r.actor_name,
            action: AuditAction::parse(&r.action).map(AuditAction::label).unwrap_or("Thao tác khác"),
            object: object_label(&r.object_type, &r.object_id, names.get(&(r.object_type.clone(), r.object_id.clone()))),
            unit: r.unit_name.unwrap_or_default(),
            ip: r.ip,
            details: serde_json::from_str(&r.details).map(|d| domain::audit::in_words(&d)).unwrap_or_default(),
        })
        .collect();
    Ok(AuditPage {
        layout: Layout::admin(&user, "Nhật ký hệ thống", "/admin/audit"),
        rows,
        total: domain::text::format_count(page.total as u64),
        actions: AuditAction::ALL.iter().map(|a| (a.code(), a.label())).collect(),
        pager: Pager::new(query.page.unwrap_or(1), PER_PAGE, page.total, &format!("/admin/audit?{}", query.query_string())),
        query,
    })
}

#[derive(Serialize, ToSchema)]
pub struct AuditRecordDto {
    id: i64,
    /// Unix milliseconds.
    at: i64,
    actor_user_id: Option<i64>,
    actor_name: String,
    action: String,
    object_type: String,
    object_id: String,
    unit_id: Option<i64>,
    ip: String,
    user_agent: String,
    details: serde_json::Value,
}

/// Audit entries of the caller's scope, newest first.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = Listed<AuditRecordDto>), (status = 403, body = ProblemDocument)))]
async fn list(State(state): State<AppState>, caller: ApiUser, Query(query): Query<AuditQuery>) -> ApiResult<axum::Json<Listed<AuditRecordDto>>> {
    let paging = Paging::asked(query.page, query.per_page, 500, 500);
    let found = read(&state.store, &caller.principal.access, &query, paging).await?;
    Ok(axum::Json(Listed::of(found, paging, |r| AuditRecordDto {
        details: serde_json::from_str(&r.details).unwrap_or(serde_json::Value::Null),
        id: r.id,
        at: r.at,
        actor_user_id: r.actor_user_id,
        actor_name: r.actor_name,
        action: r.action,
        object_type: r.object_type,
        object_id: r.object_id,
        unit_id: r.unit_id,
        ip: r.ip,
        user_agent: r.user_agent,
    })))
}
