//! Revalidation of the public pages a visitor reads without signing in: each page (HTML, XML or a feed,
//! not a download) carries an ETag of its body, and a browser (or a proxy) that has it asks again
//! with `If-None-Match` and gets a bodyless 304 when nothing changed, which matters on a slow
//! network. Pages of a signed-in official, forms with a CSRF token and everything else keep
//! `no-store` (`security::headers`).

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::auth::session::SESSION_COOKIE;

/// The public pages that hold neither a form token nor anything personal.
const PUBLIC: [&str; 11] =
    ["/danh-gia", "/units", "/don-vi", "/ket-qua", "/chi-so-cchc", "/chi-so", "/phuong-phap", "/sitemap.xml", "/tin-tuc", "/van-ban", "/tim-kiem"];
/// Public pages are a few tens of kilobytes and the sitemap of a province a few hundred: far
/// within this.
const LARGEST: usize = 8 * 1024 * 1024;

fn is_public(path: &str) -> bool {
    path == "/" || PUBLIC.iter().any(|p| path.strip_prefix(p).is_some_and(|rest| rest.is_empty() || rest.starts_with('/')))
}

pub async fn revalidate(request: Request, next: Next) -> Response {
    let signed_in = request.headers().get_all(header::COOKIE).iter().any(|c| c.to_str().is_ok_and(|c| c.contains(SESSION_COOKIE)));
    if request.method() != Method::GET || signed_in || !is_public(request.uri().path()) {
        return next.run(request).await;
    }
    let asked = request.headers().get(header::IF_NONE_MATCH).cloned();
    let response = next.run(request).await;
    let page = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|t| t.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html") || t.starts_with("application/xml") || t.starts_with("application/rss+xml"));
    if response.status() != StatusCode::OK || !page || response.headers().contains_key(header::SET_COOKIE) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, LARGEST).await else { return StatusCode::INTERNAL_SERVER_ERROR.into_response() };
    let Ok(text) = std::str::from_utf8(&bytes) else { return Response::from_parts(parts, Body::from(bytes)) };
    let tag = format!("\"{}\"", &crate::auth::tokens::digest(text)[..32]);
    let Ok(etag) = HeaderValue::from_str(&tag) else { return Response::from_parts(parts, Body::from(bytes)) };
    parts.headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    parts.headers.insert(header::ETAG, etag.clone());
    if asked.is_some_and(|a| a.to_str().is_ok_and(|a| a.split(',').any(|t| t.trim().trim_start_matches("W/") == tag))) {
        parts.status = StatusCode::NOT_MODIFIED;
        parts.headers.remove(header::CONTENT_LENGTH);
        return Response::from_parts(parts, Body::empty());
    }
    Response::from_parts(parts, Body::from(bytes))
}
