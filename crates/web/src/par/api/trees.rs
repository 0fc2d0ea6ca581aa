//! `/api/v1/par/trees`: the criteria trees, each in full: fields, criteria, the items scored
//! with their maximum points, how each is scored and whether a module measures it.

use axum::extract::State;
use domain::par::{Adjustment, Source, Tree};
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::session::ApiUser;
use crate::error::{ApiResult, ProblemDocument};
use crate::extract::Path;
use crate::par::require_par;

#[derive(Serialize, ToSchema)]
pub struct TreeSummary {
    id: i64,
    /// Stable code, e.g. `PAR-XA-2026`.
    code: String,
    year: i32,
    /// The level of the units it assesses (`province_department`, `commune`…).
    level: String,
    title: String,
    /// Unix milliseconds.
    updated_at: i64,
}

/// Every tree, the newest first.
#[utoipa::path(get, path = "/api/v1/par/trees", tag = "par", responses((status = 200, body = [TreeSummary]), (status = 403, body = ProblemDocument)))]
pub(super) async fn trees(State(state): State<AppState>, caller: ApiUser) -> ApiResult<axum::Json<Vec<TreeSummary>>> {
    require_par(&caller.principal.access)?;
    let trees = state.store.par_trees().await?;
    Ok(axum::Json(
        trees.into_iter().map(|t| TreeSummary { id: t.id, code: t.code, year: t.year, level: t.level, title: t.title, updated_at: t.updated_at }).collect(),
    ))
}

/// An item scored (tiêu chí thành phần).
#[derive(Serialize, ToSchema)]
pub struct ItemDocument {
    code: String,
    name: String,
    max: f64,
    /// How points are given.
    guide: String,
    /// Points without an evidence document need an explanation.
    evidence_required: bool,
    /// Null when the unit scores it and the council appraises it; otherwise the module whose
    /// figure gives the points: `sipas`, `civil_servants`, `leaders`, `deputies`, `plan`.
    measured_by: Option<&'static str>,
    /// The element of the module's methodology measured; empty for its overall index.
    measure: String,
}

#[derive(Serialize, ToSchema)]
pub struct CriterionDocument {
    code: String,
    name: String,
    max: f64,
    items: Vec<ItemDocument>,
}

#[derive(Serialize, ToSchema)]
pub struct FieldDocument {
    code: String,
    name: String,
    max: f64,
    criteria: Vec<CriterionDocument>,
}

/// A bonus or penalty item.
#[derive(Serialize, ToSchema)]
pub struct AdjustmentDocument {
    code: String,
    name: String,
    max: f64,
    guide: String,
}

impl From<&Adjustment> for AdjustmentDocument {
    fn from(a: &Adjustment) -> Self {
        Self { code: a.code.clone(), name: a.name.clone(), max: a.max.as_f64(), guide: a.guide.clone() }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TreeDocument {
    id: i64,
    code: String,
    title: String,
    year: i32,
    level: &'static str,
    /// The built-in template, a starting point rather than a province's decision.
    template: bool,
    /// The most points a unit can have (bonus points do not raise it).
    max: f64,
    fields: Vec<FieldDocument>,
    bonus: Vec<AdjustmentDocument>,
    /// At most this many bonus points count.
    bonus_cap: f64,
    penalties: Vec<AdjustmentDocument>,
    /// At most this many points are taken off.
    penalty_cap: f64,
}

fn document(id: i64, tree: Tree) -> TreeDocument {
    let fields = tree
        .fields
        .iter()
        .map(|f| FieldDocument {
            code: f.code.clone(),
            name: f.name.clone(),
            max: f.max().as_f64(),
            criteria: f
                .criteria
                .iter()
                .map(|c| CriterionDocument {
                    code: c.code.clone(),
                    name: c.name.clone(),
                    max: c.max().as_f64(),
                    items: c
                        .items
                        .iter()
                        .map(|i| {
                            let (measured_by, measure) = match &i.source {
                                Source::SelfAssessed => (None, String::new()),
                                Source::Measured { module, measure, .. } => (Some(module.code()), measure.clone()),
                            };
                            ItemDocument {
                                code: i.code.clone(),
                                name: i.name.clone(),
                                max: i.max.as_f64(),
                                guide: i.guide.clone(),
                                evidence_required: i.evidence_required,
                                measured_by,
                                measure,
                            }
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect();
    TreeDocument {
        id,
        max: tree.max().as_f64(),
        level: tree.level.code(),
        bonus: tree.bonus.iter().map(Into::into).collect(),
        penalties: tree.penalties.iter().map(Into::into).collect(),
        bonus_cap: tree.bonus_cap.as_f64(),
        penalty_cap: tree.penalty_cap.as_f64(),
        fields,
        code: tree.code,
        title: tree.title,
        year: tree.year,
        template: tree.template,
    }
}

/// A tree in full.
#[utoipa::path(get, path = "/api/v1/par/trees/{id}", tag = "par", params(("id" = i64, Path, description = "The tree")),
    responses((status = 200, body = TreeDocument), (status = 403, body = ProblemDocument), (status = 404, body = ProblemDocument)))]
pub(super) async fn tree(State(state): State<AppState>, caller: ApiUser, Path(id): Path<i64>) -> ApiResult<axum::Json<TreeDocument>> {
    require_par(&caller.principal.access)?;
    Ok(axum::Json(document(id, state.store.par_tree(id).await?)))
}
