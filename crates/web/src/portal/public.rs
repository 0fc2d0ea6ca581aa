//! The portal as citizens read it: news by category, an article, the documents library
//! (filtered by type and year, searched), a document with its files. Public, without
//! JavaScript; every page names its one address and what a shared link shows.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use domain::portal::{Category, DocType, Kind};
use domain::search::Query as SearchQuery;
use domain::text;
use serde::Deserialize;
use storage::Paging;
use storage::portal::{ItemPage, PublicFilter};

use super::editor::file_size;
use super::{Card, Picture, category_path, item_path};
use crate::AppState;
use crate::error::PageResult;
use crate::extract::{Path, Query};
use crate::layout::{Layout, Pager, Share, encode};
use crate::search::{Found, found};

const PER_PAGE: i64 = 12;

fn absolute(state: &AppState, path: &str) -> String {
    format!("{}{}", state.config.public_url.trim_end_matches('/'), path)
}

#[derive(Deserialize, Default)]
pub struct PageQuery {
    page: Option<i64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/news.html")]
pub struct NewsPage {
    layout: Layout,
    heading: String,
    categories: Vec<(String, &'static str, bool)>,
    cards: Vec<Card>,
    pager: Pager,
    feed: String,
}

pub async fn news(State(state): State<AppState>, Query(q): Query<PageQuery>) -> PageResult<NewsPage> {
    news_page(&state, None, q.page.unwrap_or(1)).await
}

pub async fn category(State(state): State<AppState>, Path(code): Path<String>, Query(q): Query<PageQuery>) -> PageResult<NewsPage> {
    let category = Category::parse(&code).ok_or_else(crate::error::Failure::not_found)?;
    news_page(&state, Some(category), q.page.unwrap_or(1)).await
}

async fn news_page(state: &AppState, category: Option<Category>, page: i64) -> PageResult<NewsPage> {
    let filter = PublicFilter { kind: Some(Kind::Article), category, ..PublicFilter::default() };
    let found = state.store.published_items(&filter, state.clock.now_ms(), Paging::new(page, PER_PAGE)).await?;
    let path = category.map_or("/tin-tuc".to_string(), category_path);
    let heading = category.map_or("Tin tức cải cách hành chính", Category::label).to_string();
    let feed = format!("{path}/rss.xml");
    let share = Share {
        canonical: Some(absolute(state, &path)),
        description: Some(format!("{heading}: tin, hướng dẫn và kết quả cải cách hành chính của tỉnh.")),
        feed: Some((heading.clone(), feed.clone())),
        ..Share::default()
    };
    Ok(NewsPage {
        layout: Layout::public(heading.clone()).shared(share),
        heading,
        categories: Category::ALL.iter().map(|c| (category_path(*c), c.label(), Some(*c) == category)).collect(),
        cards: found.items.iter().map(|(item, cover)| Card::new(item, cover.as_ref())).collect(),
        pager: Pager::new(page, PER_PAGE, found.total, &path),
        feed,
    })
}

pub struct AttachmentLink {
    pub name: String,
    pub href: String,
    pub size: String,
    pub kind: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/item.html")]
pub struct ItemView {
    layout: Layout,
    card: Card,
    /// Sanitised when saved (`media::richtext`), so shown as it is.
    body_html: String,
    picture: Option<Picture>,
    video_file: Option<String>,
    video_link: Option<String>,
    attachments: Vec<AttachmentLink>,
    /// (label, value) lines of a document.
    facts: Vec<(&'static str, String)>,
    back: (String, &'static str),
}

pub async fn article(State(state): State<AppState>, Path(slug): Path<String>) -> PageResult<ItemView> {
    let page = state.store.public_item(Kind::Article, &slug, state.clock.now_ms()).await?;
    Ok(item_view(&state, page))
}

pub async fn document(State(state): State<AppState>, Path(slug): Path<String>) -> PageResult<ItemView> {
    let page = state.store.public_item(Kind::Document, &slug, state.clock.now_ms()).await?;
    Ok(item_view(&state, page))
}

fn item_view(state: &AppState, page: ItemPage) -> ItemView {
    let item = &page.item;
    let d = &item.draft;
    let cover = page.cover();
    let card = Card::new(item, cover);
    let picture = cover.and_then(|c| Picture::new(c, "/tep/"));
    let share = Share {
        canonical: Some(absolute(state, &item_path(d.kind, &item.slug))),
        description: Some(card.summary.clone()).filter(|s| !s.is_empty()),
        image: picture.as_ref().map(|p| absolute(state, &p.src)),
        article: true,
        ..Share::default()
    };
    let facts = d
        .doc
        .as_ref()
        .map(|doc| {
            vec![
                ("Số/ký hiệu", doc.number.clone()),
                ("Loại văn bản", doc.doc_type.label().to_string()),
                ("Cơ quan ban hành", doc.issuer.clone()),
                ("Ngày ban hành", text::format_date(doc.issued_on)),
                ("Ngày hiệu lực", doc.effective_on.map_or("—".into(), text::format_date)),
            ]
        })
        .unwrap_or_default();
    let back = match d.kind {
        Kind::Article => d.category.map_or(("/tin-tuc".to_string(), "Tin tức"), |c| (category_path(c), c.label())),
        Kind::Document => ("/van-ban".to_string(), "Văn bản"),
    };
    ItemView {
        layout: Layout::public(d.title.clone()).shared(share),
        body_html: d.body_html.clone(),
        picture,
        video_file: item.video_sha256.as_ref().map(|sha| format!("/tep/{sha}")),
        video_link: d.video_url.clone(),
        attachments: page
            .attachments
            .iter()
            .map(|a| AttachmentLink {
                href: format!("/tep/{}/{}", a.sha256, encode(&a.name)),
                name: a.name.clone(),
                size: file_size(a.size),
                kind: a.name.rsplit_once('.').map(|(_, e)| e.to_uppercase()).unwrap_or_default(),
            })
            .collect(),
        facts,
        back,
        card,
    }
}

#[derive(Deserialize, Default)]
pub struct DocumentsQuery {
    q: Option<String>,
    #[serde(rename = "loai")]
    doc_type: Option<String>,
    #[serde(rename = "nam")]
    year: Option<String>,
    page: Option<i64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/documents.html")]
pub struct DocumentsPage {
    layout: Layout,
    q: String,
    doc_type: String,
    year: String,
    doc_types: Vec<(&'static str, &'static str)>,
    /// A search's results, when words were typed.
    found: Option<Found>,
    cards: Vec<Card>,
    total: String,
    pager: Pager,
}

pub async fn documents(State(state): State<AppState>, Query(q): Query<DocumentsQuery>) -> PageResult<DocumentsPage> {
    let page = q.page.unwrap_or(1);
    let now = state.clock.now_ms();
    let typed: String = q.q.unwrap_or_default().trim().chars().take(domain::search::MAX_QUERY_CHARS).collect();
    let doc_type = q.doc_type.as_deref().and_then(DocType::parse);
    let year = q.year.as_deref().and_then(|y| y.trim().parse::<i32>().ok()).filter(|y| (1945..=2100).contains(y));
    let base = format!("/van-ban?q={}&loai={}&nam={}", encode(&typed), doc_type.map_or("", DocType::code), year.map_or(String::new(), |y| y.to_string()));
    let filter = PublicFilter { kind: Some(Kind::Document), doc_type, issued_year: year, ..PublicFilter::default() };
    let (found, cards, pages, total) = match SearchQuery::parse(&typed) {
        Some(query) => {
            let result = found(&state, &query, &filter, page, PER_PAGE).await?;
            let pages = result.ranked;
            (Some(result), Vec::new(), pages, String::new())
        }
        None => {
            let listed = state.store.published_items(&filter, now, Paging::new(page, PER_PAGE)).await?;
            let cards = listed.items.iter().map(|(item, cover)| Card::new(item, cover.as_ref())).collect();
            (None, cards, listed.total, text::format_count_at_most(listed.total, listed.more))
        }
    };
    let share = Share {
        canonical: Some(absolute(&state, "/van-ban")),
        description: Some("Văn bản pháp luật và văn bản chỉ đạo, điều hành về cải cách hành chính của tỉnh.".into()),
        ..Share::default()
    };
    Ok(DocumentsPage {
        layout: Layout::public("Văn bản").shared(share),
        q: typed,
        doc_type: doc_type.map_or("", DocType::code).to_string(),
        year: year.map_or(String::new(), |y| y.to_string()),
        doc_types: DocType::ALL.iter().map(|t| (t.code(), t.label())).collect(),
        found,
        cards,
        total,
        pager: Pager::new(page, PER_PAGE, pages, &base),
    })
}
