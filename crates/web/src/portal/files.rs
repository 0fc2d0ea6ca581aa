//! The portal's files: pictures, attachments and videos, stored once by their hash and so
//! cached by browsers for good. A video is sent in the pieces a player asks for (`Range`), read
//! from the database a piece at a time, so that no request holds a whole film in memory.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use storage::portal::FileInfo;

use crate::AppState;
use crate::auth::session::CurrentUser;
use crate::error::PageResult;
use crate::extract::Path;

/// What one read from the database brings.
const PIECE: u64 = 1024 * 1024;

pub async fn public(State(state): State<AppState>, Path(sha256): Path<String>, headers: HeaderMap) -> PageResult<Response> {
    let info = state.store.public_file(&sha256, state.clock.now_ms()).await?;
    Ok(send(&state, &sha256, &info, &headers, None))
}

/// The same file, offered under its name (`Content-Disposition`), for attachments.
pub async fn public_named(State(state): State<AppState>, Path((sha256, name)): Path<(String, String)>, headers: HeaderMap) -> PageResult<Response> {
    let info = state.store.public_file(&sha256, state.clock.now_ms()).await?;
    Ok(send(&state, &sha256, &info, &headers, Some(&name)))
}

/// A file of an item the official edits, before it is published.
pub async fn for_editor(State(state): State<AppState>, user: CurrentUser, Path(sha256): Path<String>, headers: HeaderMap) -> PageResult<Response> {
    super::editor::require_editor(&user)?;
    let info = state.store.editor_file(&user.principal.access, &sha256).await?;
    let mut response = send(&state, &sha256, &info, &headers, None);
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    Ok(response)
}

fn send(state: &AppState, sha256: &str, info: &FileInfo, headers: &HeaderMap, name: Option<&str>) -> Response {
    let size = u64::try_from(info.size).unwrap_or(0);
    let tag = format!("\"{sha256}\"");
    let mut response = if headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).is_some_and(|v| v.split(',').any(|t| t.trim() == tag)) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        match byte_range(headers.get(header::RANGE).and_then(|v| v.to_str().ok()), size) {
            Err(()) => {
                let mut refused = StatusCode::RANGE_NOT_SATISFIABLE.into_response();
                refused.headers_mut().insert(header::CONTENT_RANGE, header_value(&format!("bytes */{size}")));
                return refused;
            }
            Ok(None) => {
                let mut whole = (StatusCode::OK, pieces(state, sha256, 0, size)).into_response();
                whole.headers_mut().insert(header::CONTENT_LENGTH, header_value(&size.to_string()));
                whole
            }
            Ok(Some((start, end))) => {
                let mut part = (StatusCode::PARTIAL_CONTENT, pieces(state, sha256, start, end + 1)).into_response();
                let h = part.headers_mut();
                h.insert(header::CONTENT_RANGE, header_value(&format!("bytes {start}-{end}/{size}")));
                h.insert(header::CONTENT_LENGTH, header_value(&(end + 1 - start).to_string()));
                part
            }
        }
    };
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, header_value(&info.media_type));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(header::ETAG, header_value(&tag));
    // The address is the content's hash: what it names never changes.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable"));
    if let Some(name) = name {
        let safe = media::files::safe_name(name);
        let encoded: String = form_urlencoded::byte_serialize(safe.as_bytes()).collect::<String>().replace('+', "%20");
        h.insert(header::CONTENT_DISPOSITION, header_value(&format!("attachment; filename=\"tep\"; filename*=UTF-8''{encoded}")));
    }
    response
}

fn header_value(s: &str) -> HeaderValue {
    HeaderValue::from_str(s).unwrap_or(HeaderValue::from_static(""))
}

/// The bytes `[from, to)` of a file, read from the database a piece at a time as the client
/// takes them.
fn pieces(state: &AppState, sha256: &str, from: u64, to: u64) -> Body {
    let store = state.store.clone();
    let sha256 = sha256.to_string();
    let stream = futures_util::stream::unfold(from, move |at| {
        let (store, sha256) = (store.clone(), sha256.clone());
        async move {
            if at >= to {
                return None;
            }
            let len = PIECE.min(to - at);
            match store.file_bytes(&sha256, at, len).await {
                Ok(bytes) if !bytes.is_empty() => Some((Ok::<_, std::io::Error>(bytes::Bytes::from(bytes)), at + len)),
                Ok(_) => None,
                Err(e) => Some((Err(std::io::Error::other(e.to_string())), to)),
            }
        }
    });
    Body::from_stream(stream)
}

/// The one byte range a `Range` header asks for, inclusive, within a file of `size` bytes:
/// `None` for the whole file (no header, or one this server does not split: several ranges,
/// another unit), `Err` when the range lies past the end (416).
fn byte_range(header: Option<&str>, size: u64) -> Result<Option<(u64, u64)>, ()> {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else { return Ok(None) };
    if spec.contains(',') {
        return Ok(None);
    }
    let Some((first, last)) = spec.split_once('-') else { return Ok(None) };
    let (first, last) = (first.trim(), last.trim());
    let range = match (first.parse::<u64>(), last.parse::<u64>()) {
        // The last n bytes.
        (Err(_), Ok(n)) if first.is_empty() => {
            if n == 0 || size == 0 {
                return Err(());
            }
            (size.saturating_sub(n), size - 1)
        }
        (Ok(start), Err(_)) if last.is_empty() => (start, size.saturating_sub(1)),
        (Ok(start), Ok(end)) if end >= start => (start, end.min(size.saturating_sub(1))),
        _ => return Ok(None),
    };
    if range.0 >= size { Err(()) } else { Ok(Some(range)) }
}

#[cfg(test)]
mod tests {
    use super::byte_range;

    #[test]
    fn ranges_as_players_ask_for_them() {
        assert_eq!(byte_range(None, 100), Ok(None));
        assert_eq!(byte_range(Some("bytes=0-"), 100), Ok(Some((0, 99))));
        assert_eq!(byte_range(Some("bytes=10-19"), 100), Ok(Some((10, 19))));
        assert_eq!(byte_range(Some("bytes=90-200"), 100), Ok(Some((90, 99))));
        assert_eq!(byte_range(Some("bytes=-10"), 100), Ok(Some((90, 99))));
        assert_eq!(byte_range(Some("bytes=-500"), 100), Ok(Some((0, 99))));
        assert_eq!(byte_range(Some("bytes=100-"), 100), Err(()));
        assert_eq!(byte_range(Some("bytes=-0"), 100), Err(()));
        // What is not one plain range is answered with the whole file.
        assert_eq!(byte_range(Some("bytes=0-1,5-6"), 100), Ok(None));
        assert_eq!(byte_range(Some("items=0-1"), 100), Ok(None));
        assert_eq!(byte_range(Some("bytes=5-2"), 100), Ok(None));
    }
}
