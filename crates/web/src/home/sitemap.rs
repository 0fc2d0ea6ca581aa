//! What search engines are told: the public pages in a sitemap (the home page, the citizen's way
//! in, every unit in force, every publication, every index, every published article and document) and, in
//! robots.txt, where it is and that the officials' side and the API are not for them.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use domain::text;
use storage::Paging;
use storage::units::UnitFilter;

use crate::AppState;
use crate::error::PageResult;

/// The public pages that are always there.
const PAGES: [&str; 9] = ["/", "/danh-gia", "/units", "/ket-qua", "/chi-so-cchc", "/chi-so", "/phuong-phap", "/tin-tuc", "/van-ban"];
/// Articles and documents listed: a sitemap holds at most 50,000 addresses.
const ITEMS: i64 = 40_000;

pub async fn sitemap(State(state): State<AppState>) -> PageResult<Response> {
    let today = text::vn_datetime(state.clock.now_ms()).date();
    let roots = state.store.root_units().await?;
    let units = state.store.units(&roots, &UnitFilter { valid_on: Some(today), ..UnitFilter::default() }, Paging::ALL).await?.items;
    let mut paths: Vec<String> = PAGES.iter().map(|p| p.to_string()).collect();
    paths.extend(units.iter().map(|u| format!("/don-vi/{}", crate::layout::encode(&u.code))));
    paths.extend(state.store.publications().await?.iter().map(|p| format!("/ket-qua/{}", p.id)));
    paths.extend(state.store.published_par_rounds().await?.iter().map(|r| format!("/chi-so-cchc/{}", r.id)));
    paths.extend(domain::results::IndexCode::ALL.iter().map(|i| format!("/chi-so/{}", i.code())));
    paths.extend(domain::portal::Category::ALL.iter().map(|c| crate::portal::category_path(*c)));
    let items = state.store.published_addresses(state.clock.now_ms(), ITEMS).await?;
    paths.extend(items.iter().map(|(kind, slug)| crate::portal::item_path(*kind, slug)));
    let base = state.config.public_url.trim_end_matches('/');
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    for path in paths {
        // Paths are percent-encoded: only `&` could still need escaping in XML.
        xml.push_str(&format!("<url><loc>{}{}</loc></url>\n", base, path.replace('&', "&amp;")));
    }
    xml.push_str("</urlset>\n");
    Ok(([(header::CONTENT_TYPE, "application/xml; charset=utf-8")], xml).into_response())
}

pub async fn robots(State(state): State<AppState>) -> Response {
    let base = state.config.public_url.trim_end_matches('/');
    let body = format!("User-agent: *\nDisallow: /admin\nDisallow: /api/\nDisallow: /s/\nSitemap: {base}/sitemap.xml\n");
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response()
}
