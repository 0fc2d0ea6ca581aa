//! The satisfaction index on the web: officials' dashboards (overview, drill-down, the
//! responses behind a number), their exports, targets, methodology versions, publication, the
//! public pages of published results, and the API of all of it.

pub mod api;
mod dashboard;
pub(crate) mod export;
pub(crate) mod figures;
mod manage;
mod public;

use axum::Router;
use axum::routing::{get, post};

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/sipas", get(dashboard::overview))
        .route("/admin/sipas/export.xlsx", get(export::overview_xlsx))
        .route("/admin/sipas/export.csv", get(export::overview_csv))
        .route("/admin/sipas/units/{id}", get(dashboard::unit))
        .route("/admin/sipas/units/{id}/export.xlsx", get(export::unit_xlsx))
        .route("/admin/sipas/units/{id}/export.csv", get(export::unit_csv))
        .route("/admin/sipas/responses", get(dashboard::responses))
        .route("/admin/sipas/targets", post(manage::set_targets))
        .route("/admin/sipas/publish", post(manage::publish))
        .route("/admin/sipas/methodologies", get(manage::methodologies).post(manage::save_methodology))
        .route("/ket-qua", get(public::list))
        .route("/ket-qua/{id}", get(public::show))
}
