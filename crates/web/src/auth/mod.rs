//! Officials: login (password or single sign-on), logout, sessions, password change, API tokens, CSRF, and the
//! administration of accounts and role grants.

pub mod api;
mod api_tokens;
pub mod csrf;
mod login;
pub mod password;
pub mod session;
pub mod sso;
pub mod tokens;
pub mod users;

use axum::Router;
use axum::routing::{get, post};
use domain::auth::{Access, Permission};

use crate::AppState;
use crate::error::Failure;

/// Refuses (403) an official whose roles carry `permission` nowhere. Which units it reaches is
/// then the Store's business.
pub fn require(access: &Access, permission: Permission) -> Result<(), Failure> {
    if access.has(permission) { Ok(()) } else { Err(Failure::forbidden()) }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/account/password", get(login::password_form).post(login::password_submit))
        .route("/admin/ma-api", get(api_tokens::list).post(api_tokens::create))
        .route("/admin/ma-api/{id}/thu-hoi", post(api_tokens::revoke))
        .merge(users::routes())
        .merge(sso::routes())
}
