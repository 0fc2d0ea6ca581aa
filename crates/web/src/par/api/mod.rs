//! PAR INDEX through the API: the criteria trees, the rounds under way and their assessments
//! (read-only), the reform plans, the published results, and the rosters of the surveys of
//! officials. Each reads within the caller's units, as the pages do.

mod assessments;
mod plans;
mod results;
mod rosters;
mod trees;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(trees::trees))
        .routes(routes!(trees::tree))
        .routes(routes!(assessments::under_way))
        .routes(routes!(assessments::assessment))
        .routes(routes!(assessments::document))
        .routes(routes!(plans::plans))
        .routes(routes!(plans::plan))
        .routes(routes!(plans::task_file))
        .routes(routes!(results::rounds))
        .routes(routes!(results::results))
        .routes(routes!(rosters::participation))
        .routes(routes!(rosters::add_members))
}
