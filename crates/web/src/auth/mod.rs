//! Officials: login, logout, sessions, password change, API tokens, CSRF, and the
//! administration of accounts and role grants.

pub mod csrf;
mod login;
pub mod password;
pub mod session;
pub mod tokens;
pub mod users;
pub mod api;

use axum::Router;
use axum::routing::{get, post};

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/account/password", get(login::password_form).post(login::password_submit))
        .merge(users::routes())
}
