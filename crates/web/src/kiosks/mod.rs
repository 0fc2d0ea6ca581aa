//! Rating kiosks on the web: the officials' pages to set one up per counter, take duty and
//! invite a rating; and the tablet's screens at `/kiosk/{key}` (waiting, the rating form, thanks),
//! which reset themselves and need no script.

mod pages;
mod screen;

use axum::Router;
use axum::routing::{get, post};

use crate::AppState;

pub(crate) use screen::admit;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/kiosks", get(pages::list).post(pages::create))
        .route("/admin/kiosks/{id}", get(pages::detail))
        .route("/admin/kiosks/{id}/duty", post(pages::take_duty))
        .route("/admin/kiosks/{id}/invite", post(pages::invite))
        .route("/admin/kiosks/{id}/disable", post(pages::disable))
        .route("/kiosk/{key}", get(screen::show).post(screen::rate))
        .route("/kiosk/{key}/cam-on", get(screen::thanks))
}
