//! Axum's path and query extractors, refusing in Vietnamese: a path parameter that does not
//! parse (an id that is not a number) names nothing and is "not found"; a query that does not
//! parse is a malformed request. Pages get the error page, `/api` a problem document.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
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
