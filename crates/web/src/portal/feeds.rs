//! RSS feeds of the news, all together and per category, for readers and for the agencies'
//! own portals that show the province's reform news.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use domain::portal::{Category, Kind};
use storage::portal::PublicFilter;
use time::format_description::well_known::Rfc2822;

use super::{Card, category_path};
use crate::AppState;
use crate::error::{Failure, PageResult};
use crate::extract::Path;

/// Items in a feed: the newest, as readers poll often.
const ITEMS: i64 = 30;

pub async fn all(State(state): State<AppState>) -> PageResult<Response> {
    feed(&state, None).await
}

pub async fn category(State(state): State<AppState>, Path(code): Path<String>) -> PageResult<Response> {
    let category = Category::parse(&code).ok_or_else(Failure::not_found)?;
    feed(&state, Some(category)).await
}

async fn feed(state: &AppState, category: Option<Category>) -> PageResult<Response> {
    // Documents are listed in the library, not in the news.
    let filter = PublicFilter { kind: Some(Kind::Article), category, ..PublicFilter::default() };
    let items = state.store.recent_items(&filter, state.clock.now_ms(), ITEMS).await?;
    let base = state.config.public_url.trim_end_matches('/');
    let path = category.map_or("/tin-tuc".to_string(), category_path);
    let title = category.map_or("Tin tức cải cách hành chính", Category::label);
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\">\n<channel>\n");
    xml.push_str(&format!(
        "<title>{}</title>\n<link>{base}{path}</link>\n<description>{}</description>\n<language>vi</language>\n<atom:link href=\"{base}{path}/rss.xml\" rel=\"self\" type=\"application/rss+xml\"/>\n",
        escape(title),
        escape(&format!("{title} — Thước Đo")),
    ));
    for (item, _) in &items {
        let card = Card::new(item, None);
        let link = format!("{base}{}", card.href);
        let date = item.published_at.and_then(|ms| time::OffsetDateTime::from_unix_timestamp(ms / 1000).ok()).and_then(|d| d.format(&Rfc2822).ok());
        xml.push_str(&format!(
            "<item>\n<title>{}</title>\n<link>{link}</link>\n<guid isPermaLink=\"true\">{link}</guid>\n<description>{}</description>\n",
            escape(&card.title),
            escape(&card.summary)
        ));
        if let Some((_, label)) = card.category {
            xml.push_str(&format!("<category>{}</category>\n", escape(label)));
        }
        if let Some(date) = date {
            xml.push_str(&format!("<pubDate>{date}</pubDate>\n"));
        }
        xml.push_str("</item>\n");
    }
    xml.push_str("</channel>\n</rss>\n");
    Ok(([(header::CONTENT_TYPE, "application/rss+xml; charset=utf-8")], xml).into_response())
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
