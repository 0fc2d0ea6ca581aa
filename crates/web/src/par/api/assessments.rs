//! `/api/v1/par/assessments`: the rounds under way with the assessments (score sheets) the
//! caller sees in them, one assessment read-only with every item's marks at each stage, and its
//! evidence files. Writing stays on the pages, where the marking rules show what is open.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::response::Response;
use domain::par::round::Deadlines;
use domain::par::scoring::{Scorecard, score};
use domain::par::{Points, Stage};
use serde::Serialize;
use storage::par::Assessment;
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::session::ApiUser;
use crate::error::{ApiResult, ProblemDocument};
use crate::extract::Path;
use crate::par::require_par;

/// Unix milliseconds: the end of each phase.
#[derive(Serialize, ToSchema)]
pub struct DeadlinesDocument {
    self_assessment: i64,
    appraisal: i64,
    explanation: i64,
    final_appraisal: i64,
}

impl From<&Deadlines> for DeadlinesDocument {
    fn from(d: &Deadlines) -> Self {
        Self { self_assessment: d.self_assessment, appraisal: d.appraisal, explanation: d.explanation, final_appraisal: d.final_appraisal }
    }
}

/// Where a round stands now.
#[derive(Serialize, ToSchema)]
pub struct PhaseDocument {
    /// `self_assessment`, `appraisal`, `explanation`, `final_appraisal` or `closed`.
    code: &'static str,
    label: &'static str,
    /// Unix milliseconds.
    ends_at: i64,
}

fn phase(deadlines: &Deadlines, now: i64) -> PhaseDocument {
    let phase = deadlines.phase(now);
    PhaseDocument { code: phase.code(), label: phase.label(), ends_at: deadlines.end_of(phase) }
}

#[derive(Serialize, ToSchema)]
pub struct AssessmentSummary {
    id: i64,
    unit_id: i64,
    unit_code: String,
    unit_name: String,
    /// `draft`, `submitted`, `approved`…
    state: &'static str,
    state_label: &'static str,
    /// Unix milliseconds.
    submitted_at: Option<i64>,
    approved_at: Option<i64>,
}

impl From<&Assessment> for AssessmentSummary {
    fn from(a: &Assessment) -> Self {
        let state = a.state();
        Self {
            id: a.id,
            unit_id: a.unit_id,
            unit_code: a.unit_code.clone(),
            unit_name: a.unit_name.clone(),
            state: state.code(),
            state_label: state.label(),
            submitted_at: a.submitted_at,
            approved_at: a.approved_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RoundUnderWay {
    id: i64,
    title: String,
    phase: PhaseDocument,
    deadlines: DeadlinesDocument,
    assessments: Vec<AssessmentSummary>,
}

/// The rounds not yet published, newest first, each with the assessments the caller sees: their
/// units' own, the ones they appraise, or every one for the reform office.
#[utoipa::path(get, path = "/api/v1/par/assessments", tag = "par", responses((status = 200, body = [RoundUnderWay]), (status = 403, body = ProblemDocument)))]
pub(super) async fn under_way(State(state): State<AppState>, caller: ApiUser) -> ApiResult<axum::Json<Vec<RoundUnderWay>>> {
    let access = &caller.principal.access;
    require_par(access)?;
    let now = state.clock.now_ms();
    let rounds = state.store.par_rounds_under_way(&caller.actor(&state), access).await?;
    Ok(axum::Json(
        rounds
            .into_iter()
            .map(|r| RoundUnderWay {
                id: r.id,
                phase: phase(&r.deadlines, now),
                deadlines: (&r.deadlines).into(),
                title: r.title,
                assessments: r.assessments.iter().map(Into::into).collect(),
            })
            .collect(),
    ))
}

/// What one stage gave an item.
#[derive(Serialize, ToSchema)]
pub struct MarkDocument {
    /// `self`, `appraisal`, `explanation`, `final_appraisal` or `measured`.
    stage: &'static str,
    /// Null for an explanation, which is words and files.
    points: Option<f64>,
    note: String,
    /// Unix milliseconds.
    updated_at: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ItemMarks {
    /// The item's code in the round's tree (see `/api/v1/par/trees/{id}`).
    code: String,
    /// `item`, `bonus` or `penalty`.
    kind: &'static str,
    max: f64,
    /// The points that stand, by the latest stage that gave some.
    standing: Option<f64>,
    marks: Vec<MarkDocument>,
    /// The evidence documents filed for it.
    documents: Vec<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct DocumentSummary {
    id: i64,
    name: String,
    media_type: String,
    size: i64,
    /// Hex SHA-256 of the file.
    sha256: String,
    /// `self` (evidence) or `explanation`.
    stage: String,
    /// Unix milliseconds.
    uploaded_at: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ScoreDocument {
    /// Items + bonus − penalty.
    total: f64,
    max: f64,
    /// Points ÷ maximum × 100.
    index: f64,
    /// `Tốt`, `Khá`, `Trung bình`, `Yếu`.
    class: &'static str,
}

impl From<Scorecard> for ScoreDocument {
    fn from(card: Scorecard) -> Self {
        Self { total: card.total.as_f64(), max: card.max.as_f64(), index: card.index.percent(), class: card.class.label() }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AssessmentDocument {
    #[serde(flatten)]
    summary: AssessmentSummary,
    round_id: i64,
    round_title: String,
    tree_id: i64,
    phase: PhaseDocument,
    /// Why the head sent it back, when they did.
    returned_note: String,
    /// The unit's own points alone.
    self_score: ScoreDocument,
    /// The points that stand now (appraised where the council has spoken).
    standing_score: ScoreDocument,
    items: Vec<ItemMarks>,
    documents: Vec<DocumentSummary>,
}

/// One assessment, read-only: every item and adjustment with its marks at each stage, its
/// evidence, and the scores. Not found for those who may not see it.
#[utoipa::path(get, path = "/api/v1/par/assessments/{id}", tag = "par", params(("id" = i64, Path, description = "The assessment")),
    responses((status = 200, body = AssessmentDocument), (status = 403, body = ProblemDocument), (status = 404, body = ProblemDocument)))]
pub(super) async fn assessment(State(state): State<AppState>, caller: ApiUser, Path(id): Path<i64>) -> ApiResult<axum::Json<AssessmentDocument>> {
    let access = &caller.principal.access;
    require_par(access)?;
    let record = state.store.par_assessment(&caller.actor(&state), access, id).await?;
    let tree = &record.round.tree;
    let own: BTreeMap<String, Points> = record.self_marks().into_iter().filter_map(|(code, m)| Some((code, m.points?))).collect();
    let standing = record.standing_points();
    let scored = tree.items().map(|(_, _, i)| (i.code.as_str(), "item", i.max));
    let adjustments = tree.bonus.iter().map(|a| (a.code.as_str(), "bonus", a.max)).chain(tree.penalties.iter().map(|a| (a.code.as_str(), "penalty", a.max)));
    let items = scored
        .chain(adjustments)
        .map(|(code, kind, max)| ItemMarks {
            code: code.to_string(),
            kind,
            max: max.as_f64(),
            standing: standing.get(code).map(|p| p.as_f64()),
            marks: Stage::ALL
                .into_iter()
                .filter_map(|stage| {
                    let mark = record.mark(code, stage)?;
                    Some(MarkDocument {
                        stage: stage.code(),
                        points: mark.points.map(|p| Points(p).as_f64()),
                        note: mark.note.clone(),
                        updated_at: mark.updated_at,
                    })
                })
                .collect(),
            documents: record.evidence.iter().filter(|(_, item)| item == code).map(|(document, _)| *document).collect(),
        })
        .collect();
    Ok(axum::Json(AssessmentDocument {
        summary: (&record.assessment).into(),
        round_id: record.round.id,
        round_title: record.round.title.clone(),
        tree_id: record.round.tree_id,
        phase: phase(&record.round.deadlines, state.clock.now_ms()),
        returned_note: record.assessment.returned_note.clone(),
        self_score: score(tree, &own, &record.round.classes).into(),
        standing_score: score(tree, &standing, &record.round.classes).into(),
        items,
        documents: record
            .documents
            .iter()
            .map(|d| DocumentSummary {
                id: d.id,
                name: d.name.clone(),
                media_type: d.media_type.clone(),
                size: d.size,
                sha256: d.sha256.clone(),
                stage: d.stage.clone(),
                uploaded_at: d.uploaded_at,
            })
            .collect(),
    }))
}

/// An evidence file of an assessment the caller sees, under its own name; refused (500) if the
/// stored bytes no longer match their checksum.
#[utoipa::path(get, path = "/api/v1/par/documents/{id}", tag = "par", params(("id" = i64, Path, description = "The document")),
    responses((status = 200, description = "The file", content_type = "application/octet-stream"), (status = 404, body = ProblemDocument)))]
pub(super) async fn document(State(state): State<AppState>, caller: ApiUser, Path(id): Path<i64>) -> ApiResult<Response> {
    let access = &caller.principal.access;
    require_par(access)?;
    let file = state.store.par_evidence_file(&caller.actor(&state), access, id).await?;
    Ok(crate::par::assessment::attachment(file))
}
