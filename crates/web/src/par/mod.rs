//! PAR INDEX on the web: the reform office's trees and rounds, each round's units, and a unit's
//! assessment page where the unit self-scores with evidence, the head approves, the council
//! appraises and the unit explains.

pub(crate) mod api;
pub(crate) mod assessment;
mod export;
mod measured;
mod plans;
mod results;
pub(crate) mod rosters;
mod rounds;
mod trees;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use domain::auth::{Access, PAR_PAGES};

use crate::AppState;
use crate::error::Failure;

/// An evidence file (20 MB) with the form around it.
const UPLOAD_LIMIT: usize = domain::par::evidence::MAX_BYTES + 64 * 1024;

/// A roster file: a few hundred rows, 2 MB is far more than enough.
const ROSTER_LIMIT: usize = 2 << 20;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/par", get(rounds::list))
        .route("/admin/par/trees/template", post(trees::create_from_template))
        .route("/admin/par/trees/import", post(trees::import).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)))
        .route("/admin/par/trees/{id}", get(trees::show))
        .route("/admin/par/trees/{id}/export.xlsx", get(trees::export))
        .route("/admin/par/rounds", post(rounds::open))
        .route("/admin/par/rounds/{id}", get(rounds::show))
        .route("/admin/par/rounds/{id}/publish", post(results::publish))
        .route("/admin/par/rounds/{id}/results.xlsx", get(results::xlsx))
        .route("/chi-so-cchc", get(results::public_list))
        .route("/chi-so-cchc/{id}", get(results::public_show))
        .route("/admin/par/rounds/{id}/measured", post(measured::set_points).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)))
        .route("/admin/par/assessments/{id}", get(assessment::show))
        .route("/admin/par/assessments/{id}/council", post(rounds::assign))
        .route("/admin/par/assessments/{id}/items/{code}", post(assessment::save_item).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)))
        .route("/admin/par/assessments/{id}/action", post(assessment::act))
        .route("/admin/par/assessments/{id}/print", get(export::print))
        .route("/admin/par/assessments/{id}/export.xlsx", get(export::xlsx))
        .route("/admin/par/documents/{id}", get(assessment::download))
        .route("/admin/par/plans", get(plans::list).post(plans::create))
        .route("/admin/par/plans/{id}", get(plans::show))
        .route("/admin/par/plans/{id}/tasks", post(plans::add_task))
        .route("/admin/par/tasks/{id}", post(plans::progress).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)))
        .route("/admin/par/task-files/{id}", get(plans::download))
        .route("/admin/par/danh-sach", get(rosters::list).post(rosters::open))
        .route("/admin/par/danh-sach/{id}", get(rosters::show))
        .route("/admin/par/danh-sach/{id}/nhap", post(rosters::upload).layer(DefaultBodyLimit::max(ROSTER_LIMIT)))
        .route("/admin/par/danh-sach/{id}/them", post(rosters::add))
        .route("/admin/par/danh-sach/{id}/bo/{member}", post(rosters::remove))
        .route("/admin/par/danh-sach/{id}/nhac/{member}", post(rosters::chase))
        .route("/admin/par/danh-sach/{id}/moi", post(rosters::invite))
        .route("/admin/par/danh-sach/{id}/tham-gia.xlsx", get(rosters::xlsx))
}

/// The PAR pages are for those who take part in a round in some way, and for the leaders who
/// read its results; the data each sees is then narrowed to their units (or, for the council,
/// the units assigned to them).
fn require_par(access: &Access) -> Result<(), Failure> {
    if access.has_any(&PAR_PAGES) { Ok(()) } else { Err(Failure::forbidden()) }
}
