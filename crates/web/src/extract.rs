//! Axum's path and query extractors, refusing in Vietnamese: a path parameter that does not
//! parse (an id that is not a number) names nothing and is "not found"; a query that does not
//! parse is a malformed request. Pages get the error page, `/api` a problem document. And the
//! values typed into query fields that every area shares: months and channels.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use domain::calendar::Month;
use domain::surveys::Channel;
use serde::de::DeserializeOwned;

use crate::error::{Failure, PageError, Problem};

pub struct Path<T>(pub T);

pub struct Query<T>(pub T);

fn refusal(parts: &Parts, failure: Failure) -> Response {
    if parts.uri.path().starts_with("/api/") { Problem(failure).into_response() } else { PageError(failure).into_response() }
}

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Path<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Self(value)),
            Err(_) => Err(refusal(parts, Failure::not_found())),
        }
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Self(value)),
            Err(e) => Err(refusal(parts, Failure::malformed(format!("Tham số trên đường dẫn không hợp lệ: {}.", e.body_text())))),
        }
    }
}

/// A query field, absent when empty.
fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// A month typed as mm/yyyy (or yyyy-mm).
pub fn typed_month(value: &Option<String>) -> Result<Option<Month>, Failure> {
    match given(value) {
        None => Ok(None),
        Some(v) => Month::parse(v).map(Some).ok_or_else(|| Failure::invalid(format!("Tháng «{v}» không hợp lệ; dùng dạng mm/yyyy."))),
    }
}

/// A channel given by its code.
pub fn typed_channel(value: &Option<String>) -> Result<Option<Channel>, Failure> {
    match given(value) {
        None => Ok(None),
        Some(c) => Channel::parse(c).map(Some).ok_or_else(|| Failure::invalid(format!("Kênh «{c}» không hợp lệ."))),
    }
}
