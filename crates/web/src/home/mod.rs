//! The province's public home page, the officials' start page and the stylesheet.

mod dashboard;
mod methodology;
mod sitemap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use domain::text;
use domain::units::UnitLevel;
use storage::Paging;
use storage::units::UnitFilter;

use crate::AppState;
use crate::error::PageResult;
use crate::layout::{Layout, Share};

const STYLESHEET: &str = include_str!("../../static/app.css");
/// Runs inside the widget's frame.
const WIDGET_SCRIPT: &str = include_str!("../../static/widget.js");
/// Runs on the agency portal that embeds the widget.
const EMBED_SCRIPT: &str = include_str!("../../static/embed.js");
/// The interviewer app, its skip logic and its icon.
const INTERVIEWER_SCRIPT: &str = include_str!("../../static/interviewer.js");
const SKIP_LOGIC_SCRIPT: &str = include_str!("../../static/skip-logic.js");
/// The answer page's skip logic on the device.
const RESPOND_SCRIPT: &str = include_str!("../../static/respond.js");
const ASK_SCRIPT: &str = include_str!("../../static/ask.js");
const ICON: &str = include_str!("../../static/icon.svg");

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/admin", get(dashboard::dashboard))
        .route("/phuong-phap", get(methodology::page))
        .route("/sitemap.xml", get(sitemap::sitemap))
        .route("/robots.txt", get(sitemap::robots))
        .route("/static/app.css", get(|| async { asset("text/css; charset=utf-8", STYLESHEET) }))
        .route("/static/widget.js", get(|| async { asset("text/javascript; charset=utf-8", WIDGET_SCRIPT) }))
        .route("/static/embed.js", get(|| async { asset("text/javascript; charset=utf-8", EMBED_SCRIPT) }))
        .route("/static/interviewer.js", get(|| async { asset("text/javascript; charset=utf-8", INTERVIEWER_SCRIPT) }))
        .route("/static/skip-logic.js", get(|| async { asset("text/javascript; charset=utf-8", SKIP_LOGIC_SCRIPT) }))
        .route("/static/respond.js", get(|| async { asset("text/javascript; charset=utf-8", RESPOND_SCRIPT) }))
        .route("/static/ask.js", get(|| async { asset("text/javascript; charset=utf-8", ASK_SCRIPT) }))
        .route("/static/icon.svg", get(|| async { asset("image/svg+xml", ICON) }))
}

/// The stylesheet's version in its address: pages ask for the stylesheet they were made with,
/// and a browser holding yesterday's for a day (`asset`) fetches the new one at once.
pub fn stylesheet_version() -> &'static str {
    static VERSION: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| crate::auth::tokens::digest(STYLESHEET)[..12].to_string());
    &VERSION
}

fn asset(content_type: &'static str, body: &'static str) -> axum::response::Response {
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "public, max-age=86400")], body).into_response()
}

#[derive(Template, WebTemplate)]
#[template(path = "home/home.html")]
pub struct HomePage {
    layout: Layout,
    province: Option<String>,
    counts: Vec<(&'static str, i64)>,
    /// The newest articles of the portal.
    news: Vec<crate::portal::Card>,
}

/// Articles the home page shows.
const NEWS_ON_HOME: i64 = 4;

/// Units in force today under `roots`, counted by level.
async fn counts_by_level(state: &AppState, roots: &[i64]) -> Result<Vec<(&'static str, i64)>, storage::Error> {
    let today = text::vn_datetime(state.clock.now_ms()).date();
    let mut counts = Vec::new();
    for level in UnitLevel::ALL {
        let filter = UnitFilter { level: Some(level), valid_on: Some(today), ..Default::default() };
        let total = state.store.units(roots, &filter, Paging::new(1, 1)).await?.total;
        if total > 0 {
            counts.push((level.label(), total));
        }
    }
    Ok(counts)
}

async fn home(State(state): State<AppState>) -> PageResult<HomePage> {
    let roots = state.store.root_units().await?;
    let province = match roots.first() {
        Some(id) => Some(state.store.public_unit(*id).await?.name),
        None => None,
    };
    let articles = storage::portal::PublicFilter { kind: Some(domain::portal::Kind::Article), ..Default::default() };
    let news = state.store.recent_items(&articles, state.clock.now_ms(), NEWS_ON_HOME).await?;
    let share = Share {
        canonical: Some(format!("{}/", state.config.public_url.trim_end_matches('/'))),
        description: Some("Đánh giá sự hài lòng với cơ quan hành chính nhà nước; tin tức, văn bản và kết quả cải cách hành chính.".into()),
        feed: Some(("Tin tức cải cách hành chính".into(), "/tin-tuc/rss.xml".into())),
        ..Share::default()
    };
    Ok(HomePage {
        layout: Layout::public("Trang chủ").shared(share),
        counts: counts_by_level(&state, &roots).await?,
        news: news.iter().map(|(item, cover)| crate::portal::Card::new(item, cover.as_ref())).collect(),
        province,
    })
}
