//! The integrators' guides, served by the system itself (`/tai-lieu/tich-hop`): how the one-stop
//! system registers dossiers and prints receipts, how to receive and verify webhooks, how to set
//! up single sign-on and VNeID, and how to connect the province's Zalo OA. The addresses shown
//! are this server's own, and the lists (events, retries) are read from the rules in force, so
//! a guide never drifts from what the system does.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use domain::webhooks::{EventKind, RETRY_WAITS_MS};

use crate::AppState;
use crate::error::{Failure, PageResult};
use crate::extract::Path;
use crate::layout::Layout;

/// Every guide: its address under `/tai-lieu/tich-hop/` and its title.
const GUIDES: [(&str, &str); 4] = [
    ("mot-cua", "Hệ thống một cửa: đăng ký hồ sơ đã giải quyết, in mã QR trên giấy biên nhận"),
    ("webhook", "Nhận thông báo sự kiện (webhook) và kiểm tra chữ ký"),
    ("dang-nhap-mot-lan", "Đăng nhập một lần cho cán bộ và xác thực VNeID cho người dân"),
    ("zalo", "Kết nối Zalo OA của tỉnh: tin ZNS có nút đánh giá, trả lời người quan tâm"),
];

pub fn routes() -> Router<AppState> {
    Router::new().route("/tai-lieu/tich-hop", get(index)).route("/tai-lieu/tich-hop/{slug}", get(guide))
}

#[derive(Template, WebTemplate)]
#[template(path = "guides/index.html")]
pub struct IndexPage {
    layout: Layout,
    guides: Vec<(&'static str, &'static str)>,
    base: String,
}

async fn index(State(state): State<AppState>) -> IndexPage {
    IndexPage { layout: Layout::public("Tài liệu tích hợp"), guides: GUIDES.to_vec(), base: base(&state) }
}

#[derive(Template, WebTemplate)]
#[template(path = "guides/guide.html")]
pub struct GuidePage {
    layout: Layout,
    slug: &'static str,
    title: &'static str,
    guides: Vec<(&'static str, &'static str)>,
    /// This server's address, as the guides' examples call it.
    base: String,
    /// The webhook events, with their words.
    events: Vec<(&'static str, &'static str)>,
    /// The pauses before each new try of a webhook delivery, in words.
    retries: String,
    sso_configured: bool,
    vneid_configured: bool,
}

fn base(state: &AppState) -> String {
    state.config.public_url.trim_end_matches('/').to_string()
}

/// A pause in words: "10 giây", "5 phút", "2 giờ".
fn pause(ms: i64) -> String {
    match ms / 1000 {
        s if s < 60 => format!("{s} giây"),
        s if s < 3600 => format!("{} phút", s / 60),
        s => format!("{} giờ", s / 3600),
    }
}

async fn guide(State(state): State<AppState>, Path(slug): Path<String>) -> PageResult<GuidePage> {
    let (slug, title) = GUIDES.iter().copied().find(|(s, _)| *s == slug).ok_or_else(Failure::not_found)?;
    Ok(GuidePage {
        layout: Layout::public(title),
        slug,
        title,
        guides: GUIDES.to_vec(),
        base: base(&state),
        events: EventKind::ALL.iter().map(|e| (e.code(), e.label())).collect(),
        retries: RETRY_WAITS_MS.iter().map(|ms| pause(*ms)).collect::<Vec<_>>().join(", "),
        sso_configured: state.sso.is_some(),
        vneid_configured: state.vneid.is_some(),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn pauses_read_in_the_largest_whole_unit() {
        assert_eq!(super::pause(10_000), "10 giây");
        assert_eq!(super::pause(300_000), "5 phút");
        assert_eq!(super::pause(86_400_000), "24 giờ");
    }
}
