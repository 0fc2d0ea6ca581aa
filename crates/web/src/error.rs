//! One description of what went wrong ([`Failure`]) and its two renderings: an RFC 9457 problem
//! document for the API ([`Problem`]) and a Vietnamese error page for people ([`PageError`]).

use std::any::Any;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use domain::text;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::layout::ErrorPage;

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// The field (or import line) the message is about.
    pub field: String,
    pub message: String,
}

#[derive(Clone, Debug)]
pub struct Failure {
    pub status: StatusCode,
    pub kind: &'static str,
    pub title: &'static str,
    pub detail: String,
    pub errors: Vec<FieldError>,
    /// Seconds to wait before trying again (`Retry-After`), for a refusal that passes.
    pub retry_after: Option<u64>,
}

impl Failure {
    fn new(status: StatusCode, kind: &'static str, title: &'static str, detail: impl Into<String>) -> Self {
        Self { status, kind, title, detail: detail.into(), errors: Vec::new(), retry_after: None }
    }

    pub fn invalid(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid-input", "Dữ liệu không hợp lệ", detail)
    }

    /// Invalid input with one message per field; the detail joins them.
    pub fn fields(errors: Vec<FieldError>) -> Self {
        let detail = errors.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join(" ");
        Self { errors, ..Self::invalid(detail) }
    }

    pub fn malformed(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "malformed-request", "Yêu cầu không đúng định dạng", detail)
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", "Chưa đăng nhập", detail)
    }

    pub fn forbidden() -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", "Không có quyền", "Tài khoản của bạn không có quyền thực hiện chức năng này.")
    }

    pub fn csrf() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "csrf",
            "Phiên biểu mẫu không hợp lệ",
            "Biểu mẫu đã hết hạn hoặc không được gửi từ trang của hệ thống. Vui lòng tải lại trang và thử lại.",
        )
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not-found", "Không tìm thấy", "Không tìm thấy trang hoặc dữ liệu yêu cầu.")
    }

    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", "Xung đột dữ liệu", detail)
    }

    /// Too many requests; try again in `retry_after` seconds.
    pub fn too_many(detail: impl Into<String>, retry_after: u64) -> Self {
        Self { retry_after: Some(retry_after), ..Self::new(StatusCode::TOO_MANY_REQUESTS, "rate-limited", "Quá nhiều yêu cầu", detail) }
    }

    pub fn too_large() -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large", "Dữ liệu quá lớn", "Dữ liệu gửi lên vượt quá dung lượng cho phép.")
    }

    pub fn unsupported_media(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type", "Định dạng không được hỗ trợ", detail)
    }

    /// A service the request needs (a message gateway) did not answer; nothing was lost.
    pub fn unavailable(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "Dịch vụ tạm thời chưa sẵn sàng", detail)
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Lỗi hệ thống",
            "Hệ thống gặp sự cố khi xử lý yêu cầu. Vui lòng thử lại sau; nếu lỗi còn tiếp diễn, hãy báo quản trị hệ thống.",
        )
    }
}

impl From<storage::Error> for Failure {
    fn from(err: storage::Error) -> Self {
        use storage::Error as E;
        match err {
            E::NotFound => Self::not_found(),
            E::Forbidden => Self { detail: err.to_string(), ..Self::forbidden() },
            E::Conflict(message) => Self::conflict(message),
            E::Unit(e) => Self::invalid(e.to_string()),
            E::Auth(e) => Self::invalid(e.to_string()),
            E::Invalid(messages) => Self::fields(messages.into_iter().map(|message| FieldError { field: String::new(), message }).collect()),
            E::Database(_) | E::Migration(_) | E::Sealed | E::WrongKey | E::Cells(_) | E::Task(_) | E::Classifier(_) => {
                tracing::error!(error = %err, "storage failure");
                Self::internal()
            }
        }
    }
}

/// A moment typed as a day (`dd/mm/yyyy`) and a time (`HH:MM`, midnight when empty), in
/// Vietnam time; `None` when no day is typed.
pub fn moment(day: &str, at: &str) -> Result<Option<i64>, Failure> {
    if day.trim().is_empty() {
        return Ok(None);
    }
    let date = text::parse_date(day).ok_or_else(|| Failure::invalid(format!("Ngày «{}» không hợp lệ; nhập theo dạng dd/mm/yyyy.", day.trim())))?;
    let (hours, minutes) = match at.trim() {
        "" => (0, 0),
        typed => typed
            .split_once(':')
            .and_then(|(h, m)| Some((h.parse::<i64>().ok().filter(|h| (0..24).contains(h))?, m.parse::<i64>().ok().filter(|m| (0..60).contains(m))?)))
            .ok_or_else(|| Failure::invalid(format!("Giờ «{typed}» không hợp lệ; nhập theo dạng HH:MM.")))?,
    };
    Ok(Some(text::vn_midnight_ms(date) + (hours * 60 + minutes) * 60_000))
}

/// A period typed by an official as first and last day (dd/mm/yyyy, either may be empty), as
/// unix milliseconds from the first day's midnight to the midnight after the last, Vietnam time.
pub fn day_range(from: &Option<String>, to: &Option<String>) -> Result<(Option<i64>, Option<i64>), Failure> {
    let day = |value: &Option<String>| match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => domain::text::parse_date(v).map(Some).ok_or_else(|| Failure::invalid(format!("Ngày «{v}» không hợp lệ; nhập theo dạng dd/mm/yyyy."))),
    };
    let from = day(from)?.map(domain::text::vn_midnight_ms);
    let to = day(to)?.map(|d| domain::text::vn_midnight_ms(d + time::Duration::days(1)));
    Ok((from, to))
}

/// A failure rendered as `application/problem+json` (RFC 9457).
#[derive(Debug)]
pub struct Problem(pub Failure);

pub type ApiResult<T> = Result<T, Problem>;

impl<E: Into<Failure>> From<E> for Problem {
    fn from(err: E) -> Self {
        Self(err.into())
    }
}

/// The problem document, as described in the OpenAPI document.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ProblemDocument {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let f = self.0;
        let body = ProblemDocument {
            kind: format!("/problems/{}", f.kind),
            title: f.title.to_string(),
            status: f.status.as_u16(),
            detail: f.detail,
            errors: f.errors,
        };
        let json = serde_json::to_vec(&body).unwrap_or_default();
        with_retry_after((f.status, [(header::CONTENT_TYPE, "application/problem+json")], json).into_response(), f.retry_after)
    }
}

/// A failure rendered as a Vietnamese page.
#[derive(Debug)]
pub struct PageError(pub Failure);

pub type PageResult<T> = Result<T, PageError>;

impl<E: Into<Failure>> From<E> for PageError {
    fn from(err: E) -> Self {
        Self(err.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, retry_after) = (self.0.status, self.0.retry_after);
        let refused = (status == StatusCode::FORBIDDEN).then(|| Refused(self.0.clone()));
        let mut response = with_retry_after((status, ErrorPage::new(self.0)).into_response(), retry_after);
        if let Some(refused) = refused {
            response.extensions_mut().insert(refused);
        }
        response
    }
}

/// A page's refusal, kept with its response so that it can be shown again in the signed-in
/// official's frame ([`crate::auth::session::refusals_in_frame`]).
#[derive(Clone)]
pub struct Refused(pub Failure);

pub fn with_retry_after(mut response: Response, seconds: Option<u64>) -> Response {
    if let Some(seconds) = seconds {
        response.headers_mut().insert(header::RETRY_AFTER, seconds.into());
    }
    response
}

/// JSON body for the API; every way it can be wrong becomes a problem document. Read with
/// `serde_json` directly: it is on the path of every submission.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json") || (v.starts_with("application/") && v.contains("+json")));
        if !is_json {
            return Err(Problem(Failure::unsupported_media("Yêu cầu phải có Content-Type: application/json.")));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            Problem(if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                Failure::too_large()
            } else {
                Failure::malformed("Không đọc được nội dung yêu cầu.")
            })
        })?;
        serde_json::from_slice(&bytes).map(Self).map_err(|e| {
            Problem(match e.classify() {
                serde_json::error::Category::Data => Failure::invalid(format!("Dữ liệu JSON không đúng cấu trúc: {e}")),
                _ => Failure::malformed(format!("JSON không đúng cú pháp: {e}")),
            })
        })
    }
}

/// Unknown paths: a problem document under `/api`, a page elsewhere.
pub async fn not_found(uri: Uri) -> Response {
    if uri.path().starts_with("/api/") { Problem(Failure::not_found()).into_response() } else { PageError(Failure::not_found()).into_response() }
}

pub fn panic_response(_: Box<dyn Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    Problem(Failure::internal()).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scheduled_moment_is_vietnam_time() {
        assert_eq!(moment("", "").unwrap(), None);
        let at = moment("02/12/2026", "08:30").unwrap().unwrap();
        assert_eq!(text::format_timestamp_ms(at), "02/12/2026 08:30");
        assert!(moment("31/02/2026", "").is_err());
        assert!(moment("01/12/2026", "25:00").is_err());
    }
}
