//! The frame every page shares: title, navigation by permission, the signed-in official and
//! the logout form. Modules plug their pages into the navigation here.

use askama::Template;
use askama_web::WebTemplate;
use domain::auth::Permission;
use storage::auth::Principal;

use crate::auth::session::CurrentUser;
use crate::error::Failure;

pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub active: bool,
}

/// Entries of one area under its name; a group with a single entry shows as that entry.
pub struct NavGroup {
    pub label: &'static str,
    pub items: Vec<NavItem>,
}

impl NavGroup {
    pub fn active(&self) -> bool {
        self.items.iter().any(|item| item.active)
    }
}

pub struct Layout {
    pub title: String,
    /// Full name of the signed-in official.
    pub user: Option<String>,
    pub csrf: String,
    pub nav: Vec<NavGroup>,
    pub frame: Frame,
    /// Reload the page, or go to the address, after so many seconds (kiosk screens reset so).
    pub refresh: Option<(u32, String)>,
    pub share: Share,
}

/// What a link to the page shows when shared (Open Graph, read by Zalo and Facebook), the page's
/// one address (canonical) and its feed. Addresses are absolute.
#[derive(Default)]
pub struct Share {
    pub canonical: Option<String>,
    pub description: Option<String>,
    pub image: Option<String>,
    /// (title, address) of the page's RSS feed.
    pub feed: Option<(String, String)>,
    /// An article rather than a page of the site.
    pub article: bool,
}

/// What surrounds a page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Frame {
    /// The site: header with navigation, footer.
    Site,
    /// Inside another site's frame (the widget): no header or footer, and a script that tells
    /// the frame its height.
    Embedded,
    /// The rating tablet at a counter: nothing but the page, large to touch.
    Kiosk,
}

impl Layout {
    /// Whether the site's header and footer are left out.
    pub fn bare(&self) -> bool {
        self.frame != Frame::Site
    }

    /// The page body's class for a bare frame.
    pub fn frame_class(&self) -> &'static str {
        match self.frame {
            Frame::Site => "",
            Frame::Embedded => "embedded",
            Frame::Kiosk => "kiosk",
        }
    }

    pub fn frame_is(&self, class: &str) -> bool {
        self.frame_class() == class
    }
}

/// The officials' navigation: areas, each with its entries and who sees them (those holding any
/// of the permissions; everyone signed in, when none are listed). An area shows only the entries
/// its reader may open.
type NavEntry = (&'static str, &'static str, &'static [Permission]);
const ADMIN_NAV: [(&str, &[NavEntry]); 7] = {
    use Permission::*;
    [
        ("Tổng quan", &[("/admin", "Tổng quan", &[])]),
        (
            "Sự hài lòng",
            &[
                ("/admin/sipas", "Chỉ số hài lòng", &[ViewResults]),
                ("/admin/alerts", "Cảnh báo", &[ViewAlerts]),
                ("/admin/phan-tich-y-kien", "Phân tích ý kiến", &[ViewResults]),
                ("/admin/surveys", "Khảo sát", &[ViewResults]),
                ("/admin/sampling", "Chọn mẫu", &[ManageSurveys]),
                ("/admin/questionnaires", "Mẫu phiếu", &[ManageSurveys]),
            ],
        ),
        (
            "Thu thập phiếu",
            &[
                ("/admin/kiosks", "Máy đánh giá", &[RunKiosks]),
                ("/admin/paper", "Nhập phiếu giấy", &[EnterPaper]),
                ("/interviewer/", "Phỏng vấn", &[ConductInterviews]),
                ("/admin/interviews", "Duyệt phỏng vấn", &[ManageSurveys]),
            ],
        ),
        ("Chỉ số CCHC", &[("/admin/par", "Chỉ số CCHC", &domain::auth::PAR_PAGES), ("/admin/chi-so", "Kết quả các chỉ số", &[PublishResults])]),
        ("Báo cáo", &[("/admin/bao-cao", "Báo cáo", &[ViewResults])]),
        (
            "Cổng thông tin",
            &[
                ("/admin/portal", "Bài viết, văn bản", &[WriteContent, PublishContent]),
                ("/admin/y-kien", "Lấy ý kiến", &[RunConsultations]),
                ("/admin/hoi-dap", "Hỏi đáp", &[ViewQuestions, AnswerQuestions, DispatchQuestions]),
            ],
        ),
        (
            "Quản trị",
            &[
                ("/admin/units", "Đơn vị", &[ViewUnits]),
                ("/admin/users", "Người dùng", &[ViewUsers]),
                ("/admin/audit", "Nhật ký", &[ViewAudit]),
                ("/admin/tich-hop", "Tích hợp", &[ManageIntegrations]),
                ("/admin/ma-api", "Mã truy cập API", &[]),
            ],
        ),
    ]
};

impl Layout {
    pub fn shared(mut self, share: Share) -> Self {
        self.share = share;
        self
    }

    pub fn public(title: impl Into<String>) -> Self {
        let nav = [
            ("/", "Trang chủ"),
            ("/danh-gia", "Đánh giá"),
            ("/tin-tuc", "Tin tức"),
            ("/van-ban", "Văn bản"),
            ("/y-kien", "Góp ý dự thảo"),
            ("/hoi-dap", "Hỏi đáp"),
            ("/units", "Cơ quan, đơn vị"),
            ("/ket-qua", "Kết quả công bố"),
            ("/chi-so-cchc", "Chỉ số CCHC"),
            ("/chi-so", "Các chỉ số qua các năm"),
            ("/phuong-phap", "Phương pháp tính"),
            ("/tim-kiem", "Tìm kiếm"),
        ]
        .into_iter()
        .map(|(href, label)| NavGroup { label, items: vec![NavItem { href, label, active: false }] })
        .collect();
        Self { title: title.into(), user: None, csrf: String::new(), nav, frame: Frame::Site, refresh: None, share: Share::default() }
    }

    /// The officials' frame; `active` is the navigation entry to mark as current.
    pub fn admin(user: &CurrentUser, title: impl Into<String>, active: &str) -> Self {
        Self::signed_in(&user.principal, user.csrf.clone(), title, active)
    }

    /// The frame of a signed-in official, from their principal and their session's CSRF token.
    pub fn signed_in(principal: &Principal, csrf: String, title: impl Into<String>, active: &str) -> Self {
        let access = &principal.access;
        let nav = ADMIN_NAV
            .iter()
            .map(|(label, entries)| NavGroup {
                label,
                items: entries
                    .iter()
                    .filter(|(_, _, permissions)| permissions.is_empty() || access.has_any(permissions))
                    .map(|(href, label, _)| NavItem { href, label, active: *href == active })
                    .collect(),
            })
            .filter(|group| !group.items.is_empty())
            .collect();
        Self { title: title.into(), user: Some(principal.full_name.clone()), csrf, nav, frame: Frame::Site, refresh: None, share: Share::default() }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "layout/error.html")]
pub struct ErrorPage {
    pub layout: Layout,
    pub failure: Failure,
}

impl ErrorPage {
    pub fn new(failure: Failure) -> Self {
        Self { layout: Layout::public(failure.title), failure }
    }
}

/// Percent-encodes a query value.
pub fn encode(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// Previous/next links of a paged listing; `base` is the listing URL with its filters.
pub struct Pager {
    pub page: i64,
    pub pages: i64,
    pub prev: Option<String>,
    pub next: Option<String>,
}

impl Pager {
    pub fn new(page: i64, per_page: i64, total: i64, base: &str) -> Self {
        let pages = ((total + per_page - 1) / per_page).max(1);
        let page = page.clamp(1, pages);
        let sep = if base.contains('?') { '&' } else { '?' };
        let link = |p: i64| format!("{base}{sep}page={p}");
        Self { page, pages, prev: (page > 1).then(|| link(page - 1)), next: (page < pages).then(|| link(page + 1)) }
    }
}
