//! The portal's one search page: everything published, found with or without tones, ranked,
//! the words that matched marked in the title and in a few lines around them.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use domain::portal::Kind;
use domain::search::{Piece, Query as SearchQuery, highlight, snippet};
use domain::text;
use serde::Deserialize;
use storage::Paging;
use storage::portal::PublicFilter;

use crate::AppState;
use crate::error::PageResult;
use crate::extract::Query;
use crate::layout::{Layout, Pager, Share, encode};
use crate::portal::item_path;

const PER_PAGE: i64 = 10;
/// Words shown either side of the first match.
const AROUND: usize = 18;

pub fn routes() -> Router<AppState> {
    Router::new().route("/tim-kiem", get(page))
}

/// One result as shown.
pub struct Result {
    pub href: String,
    pub kind: &'static str,
    pub title: Vec<Piece>,
    pub snippet: Vec<Piece>,
    pub date: String,
    pub unit: String,
}

/// The results of a search, and how many there were.
pub struct Found {
    pub results: Vec<Result>,
    total: i64,
    more: bool,
    /// How many can be paged through: the best of the newest, when the words are common.
    pub ranked: i64,
}

impl Found {
    /// "12", or "hơn 1.000" past the count's limit.
    pub fn total_text(&self) -> String {
        text::format_count_at_most(self.total, self.more)
    }

    /// Whether some of what was found is not shown, for words found almost everywhere.
    pub fn narrowed(&self) -> bool {
        self.ranked < self.total
    }

    pub fn ranked_text(&self) -> String {
        text::format_count(self.ranked.max(0) as u64)
    }
}

/// A page of what `query` finds among what `filter` lets through, marked.
pub async fn found(state: &AppState, query: &SearchQuery, filter: &PublicFilter, page: i64, per_page: i64) -> std::result::Result<Found, storage::Error> {
    let hits = state.store.search(query, filter, state.clock.now_ms(), Paging::new(page, per_page)).await?;
    let results = hits
        .items
        .iter()
        .filter_map(|hit| {
            let (href, kind) = match hit.kind.as_str() {
                "question" => (format!("/hoi-dap/{}", hit.slug), "Hỏi đáp"),
                other => {
                    let kind = Kind::parse(other)?;
                    (item_path(kind, &hit.slug), kind.label())
                }
            };
            Some(Result {
                href,
                kind,
                title: highlight(&hit.title, query),
                snippet: snippet(&hit.body, query, AROUND),
                date: text::format_date(text::vn_datetime(hit.visible_from).date()),
                unit: hit.unit_name.clone(),
            })
        })
        .collect();
    Ok(Found { results, total: hits.total, more: hits.more, ranked: hits.ranked })
}

#[derive(Deserialize, Default)]
pub struct SearchParams {
    q: Option<String>,
    page: Option<i64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "search/search.html")]
pub struct SearchPage {
    layout: Layout,
    q: String,
    found: Option<Found>,
    pager: Pager,
}

async fn page(State(state): State<AppState>, Query(params): Query<SearchParams>) -> PageResult<SearchPage> {
    let q: String = params.q.unwrap_or_default().trim().chars().take(domain::search::MAX_QUERY_CHARS).collect();
    let page = params.page.unwrap_or(1);
    let found = match SearchQuery::parse(&q) {
        Some(query) => Some(found(&state, &query, &PublicFilter::default(), page, PER_PAGE).await?),
        None => None,
    };
    let pages = found.as_ref().map_or(0, |f| f.ranked);
    let title = if q.is_empty() { "Tìm kiếm".to_string() } else { format!("Tìm kiếm: {q}") };
    let share = Share { canonical: Some(format!("{}/tim-kiem", state.config.public_url.trim_end_matches('/'))), ..Share::default() };
    Ok(SearchPage { layout: Layout::public(title).shared(share), pager: Pager::new(page, PER_PAGE, pages, &format!("/tim-kiem?q={}", encode(&q))), q, found })
}
