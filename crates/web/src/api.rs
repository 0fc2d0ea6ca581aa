//! The JSON API under `/api/v1` and its OpenAPI document, assembled from the areas' routers so
//! the document cannot drift from the routes.

use std::sync::OnceLock;

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use utoipa::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;

use crate::AppState;

/// One page of a listing, in the same shape on every paged list of the API: how many there are
/// in all, which page this is and its size (as asked, within the list's bounds), and the items.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Listed<T> {
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    pub items: Vec<T>,
}

impl<T> Listed<T> {
    /// The page `found` for `paging`, each item shown by `show`.
    pub fn of<U>(found: storage::Page<U>, paging: storage::Paging, show: impl FnMut(U) -> T) -> Self {
        Self { total: found.total, page: paging.page(), per_page: paging.limit, items: found.items.into_iter().map(show).collect() }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Thước Đo API",
        description = "API của hệ thống đánh giá cải cách hành chính và đo lường sự hài lòng. \
            Xác thực bằng `Authorization: Bearer <mã truy cập>` (tạo bằng `thuocdo token create`), \
            hoặc bằng phiên đăng nhập trình duyệt kèm tiêu đề `X-CSRF-Token` cho các yêu cầu thay đổi dữ liệu. \
            Lỗi được trả về dạng RFC 9457 (application/problem+json) với thông báo tiếng Việt.",
        version = "1"
    ),
    modifiers(&Security),
    tags(
        (name = "units", description = "Đơn vị hành chính, hiệu lực và lịch sử sắp xếp"),
        (name = "auth", description = "Người dùng và vai trò"),
        (name = "audit", description = "Nhật ký hệ thống"),
        (name = "surveys", description = "Mẫu phiếu, cuộc khảo sát, trả lời và kết quả trực tiếp"),
        (name = "sipas", description = "Chỉ số hài lòng: số liệu tổng hợp, xếp hạng, kết quả đã công bố"),
        (name = "alerts", description = "Cảnh báo và vụ việc cần xử lý"),
        (name = "sampling", description = "Khung mẫu từ hệ thống một cửa và tiến độ mẫu khảo sát"),
        (name = "invitations", description = "Lời mời khảo sát: xếp lời mời cho mẫu đã chọn theo kênh, theo dõi tham gia theo đơn vị, kênh và trạng thái"),
        (name = "interviews", description = "Phỏng vấn: phiếu được giao và đồng bộ từ máy của điều tra viên"),
        (name = "consultation", description = "Lấy ý kiến: dự thảo theo điều, khoản; ý kiến, nhóm ý kiến, biểu quyết; duyệt và tiếp thu, giải trình"),
        (name = "par", description = "Chỉ số cải cách hành chính: bộ tiêu chí, đợt đánh giá đang diễn ra và phiếu tự đánh giá (chỉ đọc, trong phạm vi đơn vị), kế hoạch cải cách hành chính, kết quả đã công bố, danh sách khảo sát cán bộ, công chức và tỷ lệ tham gia theo cơ quan"),
        (name = "webhooks", description = "Thông báo sự kiện: đăng ký hệ thống nhận, nhật ký gửi và gửi lại"),
        (name = "qa", description = "Hỏi đáp, phản ánh, kiến nghị: tiếp nhận từ hệ thống khác, tra cứu theo mã, phân công, trả lời, duyệt, công khai, thống kê"),
        (name = "open-data", description = "Dữ liệu mở: kết quả các chỉ số (PAR INDEX, SIPAS, PAPI, PCI, ICT Index, DTI, 766) qua các năm, không cần đăng nhập")
    )
)]
struct ApiDoc;

struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()));
        components.add_security_scheme("session", SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("td_session"))));
        openapi.security = Some(vec![
            utoipa::openapi::security::SecurityRequirement::new("bearer", Vec::<String>::new()),
            utoipa::openapi::security::SecurityRequirement::new("session", Vec::<String>::new()),
        ]);
    }
}

fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(crate::units::api::routes())
        .merge(crate::auth::api::routes())
        .merge(crate::audit::api_routes())
        .merge(crate::surveys::api::routes())
        .merge(crate::sipas::api::routes())
        .merge(crate::alerts::api::routes())
        .merge(crate::sampling::api::routes())
        .merge(crate::interviews::api_routes())
        .merge(crate::results::api::routes())
        .merge(crate::consultation::api_routes())
        .merge(crate::qa::api_routes())
        .merge(crate::par::api::routes())
        .merge(crate::webhooks::api::routes())
        .merge(crate::invitations::api::routes())
}

/// The OpenAPI document as JSON (also printed by `thuocdo openapi`).
pub fn openapi_json() -> &'static str {
    static DOC: OnceLock<String> = OnceLock::new();
    DOC.get_or_init(|| api().into_openapi().to_pretty_json().unwrap_or_default())
}

pub fn routes() -> Router<AppState> {
    let (router, _) = api().split_for_parts();
    router.route("/api/openapi.json", get(|| async { ([(header::CONTENT_TYPE, "application/json")], openapi_json()).into_response() }))
}
