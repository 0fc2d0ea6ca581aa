//! Security headers on every response, and the fixed-window rate limiter used by public
//! endpoints (login now; survey submission and Q&A later).

use std::collections::HashMap;
use std::sync::Mutex;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::AppState;

const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
    object-src 'none'; base-uri 'none'; form-action 'self'";

pub async fn headers(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let is_static = path.starts_with("/static/");
    // The widget's pages may be framed by the agency portals allowed; its loader script may be
    // fetched by any page. Everything else stays out of frames.
    let is_widget = path.starts_with("/w/");
    let is_loader = path == "/static/embed.js";
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    if is_widget {
        let policy = format!("{CSP}; frame-ancestors {}", state.config.widget_origins);
        h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_str(&policy).unwrap_or(HeaderValue::from_static(CSP)));
    } else {
        h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_str(&format!("{CSP}; frame-ancestors 'none'")).expect("a fixed header"));
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    if is_loader {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
        h.insert("cross-origin-resource-policy", HeaderValue::from_static("cross-origin"));
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert("permissions-policy", HeaderValue::from_static("camera=(), microphone=(), geolocation=()"));
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    if state.config.secure_cookies {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000; includeSubDomains"));
    }
    if !is_static && !h.contains_key(header::CACHE_CONTROL) {
        // Pages may carry personal data and CSRF tokens: never cache them.
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// At most `limit` events per key per window. Memory stays bounded: when the table grows past
/// its cap, windows that have ended are dropped.
pub struct RateLimiter {
    limit: u32,
    window_ms: i64,
    windows: Mutex<HashMap<String, (i64, u32)>>,
}

const MAX_KEYS: usize = 100_000;

impl RateLimiter {
    pub fn new(limit: u32, window_ms: i64) -> Self {
        Self { limit, window_ms, windows: Mutex::new(HashMap::new()) }
    }

    /// Counts one event for `key` at `now_ms`; false when the key is over its limit.
    pub fn allow(&self, key: &str, now_ms: i64) -> bool {
        self.record(key, now_ms);
        !self.is_limited_after(key, now_ms, 0)
    }

    /// Whether `key` has used up its window (without counting anything).
    pub fn is_limited(&self, key: &str, now_ms: i64) -> bool {
        self.is_limited_after(key, now_ms, 1)
    }

    fn is_limited_after(&self, key: &str, now_ms: i64, more: u32) -> bool {
        let windows = self.windows.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        windows.get(key).is_some_and(|(start, count)| now_ms - start < self.window_ms && count + more > self.limit)
    }

    /// Counts one event for `key` at `now_ms`.
    pub fn record(&self, key: &str, now_ms: i64) {
        let mut windows = self.windows.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if windows.len() >= MAX_KEYS {
            windows.retain(|_, (start, _)| now_ms - *start < self.window_ms);
        }
        let entry = windows.entry(key.to_string()).or_insert((now_ms, 0));
        if now_ms - entry.0 >= self.window_ms {
            *entry = (now_ms, 0);
        }
        entry.1 += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_key_and_window() {
        let limiter = RateLimiter::new(3, 60_000);
        assert!((0..3).all(|_| limiter.allow("a", 0)));
        assert!(!limiter.allow("a", 1_000));
        assert!(limiter.allow("b", 1_000));
        assert!(limiter.allow("a", 60_000));
        assert!(!limiter.is_limited("c", 0));
        (0..3).for_each(|_| limiter.record("c", 0));
        assert!(limiter.is_limited("c", 1));
        assert!(!limiter.is_limited("c", 60_000));
    }
}
