//! Writing marks: one item's form (points, a note, an evidence file or an earlier document) and
//! a module's measured points for a whole round. The record is read once, domain::par::marking
//! judges every part, and everything is written in one transaction, each part with its history
//! line and audit entry.

use std::collections::BTreeMap;

use domain::audit::AuditAction;
use domain::auth::{Access, Permission};
use domain::par::marking::{ItemPost, ItemWrite, Mark, Refusal};
use domain::par::scoring::measured_marks;
use domain::par::{Module, Stage, State};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::assessments::{ASSESSMENT_SELECT, Assessment, CHANGED_MEANWHILE};
use super::evidence::STORE_FILE;
use crate::audit::{Entry, record};
use crate::{Actor, Error, Result, Store};

/// A module's results for a round's units, and where they come from (shown beside the points).
#[derive(Clone, Debug, Default)]
pub struct MeasuredResults {
    /// Unit code → index per measure ("" for the overall index).
    pub indices: BTreeMap<String, BTreeMap<String, f64>>,
    pub source: String,
}

/// What setting a module's points did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MeasuredReport {
    /// Units whose points were set.
    pub units: usize,
    /// Units of the round without a result.
    pub missing: Vec<String>,
    /// Unit codes with a result that are not in the round (left aside).
    pub unknown: Vec<String>,
}

/// One item's write on one assessment, with the bytes of its new file if it brings one.
struct Write<'a> {
    assessment_id: i64,
    unit_id: i64,
    item: ItemWrite,
    bytes: Option<&'a [u8]>,
}

impl Store {
    /// Saves items' forms on one assessment (the page posts one; the demo several): each mark
    /// at its stage, with its file or earlier document. All or nothing: every problem of every
    /// form is told, and nothing is written unless all pass.
    pub async fn save_par_items(&self, actor: &Actor, access: &Access, id: i64, posts: &[ItemPost]) -> Result<()> {
        let record = self.par_assessment(actor, access, id).await?;
        let rules = record.rules(actor.at);
        let mut writes = Vec::new();
        let mut problems = Vec::new();
        for post in posts {
            match rules.item(post) {
                Ok(item) => {
                    writes.push(Write { assessment_id: id, unit_id: record.assessment.unit_id, item, bytes: post.file.as_ref().map(|f| f.bytes.as_slice()) })
                }
                Err(Refusal::Invalid(mut more)) => problems.append(&mut more),
                Err(refusal) => return Err(refusal.into()),
            }
        }
        if !problems.is_empty() {
            return Err(Error::Invalid(problems));
        }
        self.write_items(actor, &writes).await
    }

    /// Sets the points of every item `module` measures, for each unit of the round with a
    /// result (unit code → index per measure); the reform office's, in the final appraisal.
    pub async fn set_par_measured_points(
        &self,
        actor: &Actor,
        access: &Access,
        round_id: i64,
        module: Module,
        results: &MeasuredResults,
    ) -> Result<MeasuredReport> {
        self.require_province_wide(access, Permission::ManagePar).await?;
        let round = self.par_round(round_id).await?;
        round.deadlines.open_for(Stage::Measured, actor.at).map_err(Error::Conflict)?;
        let sql = format!("{ASSESSMENT_SELECT} WHERE a.round_id = $1 ORDER BY u.sort_key");
        let assessments: Vec<Assessment> = on_db!(self, read, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(round_id).fetch_all(pool).await)?;
        let mut writes = Vec::new();
        let mut report = MeasuredReport {
            unknown: results.indices.keys().filter(|code| !assessments.iter().any(|a| &a.unit_code == *code)).cloned().collect(),
            ..MeasuredReport::default()
        };
        for assessment in &assessments {
            let marks = results.indices.get(&assessment.unit_code).map(|indices| measured_marks(&round.tree, module, indices)).unwrap_or_default();
            if marks.is_empty() {
                report.missing.push(assessment.unit_name.clone());
            } else {
                report.units += 1;
            }
            writes.extend(marks.into_iter().map(|m| Write {
                assessment_id: assessment.id,
                unit_id: assessment.unit_id,
                item: ItemWrite {
                    mark: Mark {
                        note: format!("Chỉ số {} %: {}", domain::text::format_number(m.index, 2), results.source),
                        item: m.item,
                        stage: Stage::Measured,
                        points: Some(m.points),
                    },
                    file: None,
                    document: None,
                },
                bytes: None,
            }));
        }
        if writes.is_empty() {
            return Err(Error::Invalid(vec![format!("Không có đơn vị nào của đợt có kết quả {} để tính điểm.", module.label())]));
        }
        self.write_items(actor, &writes).await?;
        Ok(report)
    }

    /// Writes items in one transaction: each mark with its history line, each file once by its
    /// checksum with its document, each link, every one audited.
    async fn write_items(&self, actor: &Actor, writes: &[Write<'_>]) -> Result<()> {
        on_db!(self, write, |pool| {
            async {
            let mut tx = pool.begin().await?;
            for write in writes {
                let Write { assessment_id, unit_id, item, bytes } = write;
                let mark = &item.mark;
                if mark.stage == Stage::SelfAssessment {
                    // The rules read a draft; a head who approved it meanwhile wins. The update
                    // also holds the row until this transaction ends.
                    let draft = sqlx::query("UPDATE par_assessments SET state = state WHERE id = $1 AND state = $2")
                        .bind(assessment_id)
                        .bind(State::Draft.code())
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                    if draft == 0 {
                        return Err(Error::Conflict(CHANGED_MEANWHILE.into()));
                    }
                }
                let points = mark.points.map(|p| p.0);
                sqlx::query(
                    "INSERT INTO par_marks (assessment_id, item_code, stage, points, note, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
                     ON CONFLICT (assessment_id, item_code, stage) DO UPDATE SET points = excluded.points, note = excluded.note,
                         updated_by = excluded.updated_by, updated_at = excluded.updated_at",
                )
                .bind(assessment_id)
                .bind(&mark.item)
                .bind(mark.stage.code())
                .bind(points)
                .bind(&mark.note)
                .bind(actor.user_id)
                .bind(actor.at)
                .execute(&mut *tx)
                .await?;
                sqlx::query("INSERT INTO par_mark_history (assessment_id, item_code, stage, points, note, by_user, by_name, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                    .bind(assessment_id)
                    .bind(&mark.item)
                    .bind(mark.stage.code())
                    .bind(points)
                    .bind(&mark.note)
                    .bind(actor.user_id)
                    .bind(&actor.name)
                    .bind(actor.at)
                    .execute(&mut *tx)
                    .await?;
                let entry = Entry::new(AuditAction::ParMarked, "par_assessment", *assessment_id)
                    .unit(*unit_id)
                    .details(json!({ "item": mark.item, "stage": mark.stage.code(), "points": points }));
                record!(&mut *tx, actor, &entry)?;
                if let (Some(file), Some(bytes)) = (&item.file, bytes) {
                    let sha256 = hex::encode(Sha256::digest(bytes));
                    let size = bytes.len() as i64;
                    sqlx::query(STORE_FILE).bind(&sha256).bind(size).bind(*bytes).bind(actor.at).execute(&mut *tx).await?;
                    let document: i64 = sqlx::query_scalar(
                        "INSERT INTO par_documents (assessment_id, sha256, name, media_type, size, stage, uploaded_by, uploaded_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                    )
                    .bind(assessment_id)
                    .bind(&sha256)
                    .bind(&file.name)
                    .bind(file.media_type)
                    .bind(size)
                    .bind(mark.stage.code())
                    .bind(actor.user_id)
                    .bind(actor.at)
                    .fetch_one(&mut *tx)
                    .await?;
                    sqlx::query("INSERT INTO par_evidence (document_id, item_code) VALUES ($1, $2)").bind(document).bind(&mark.item).execute(&mut *tx).await?;
                    let entry = Entry::new(AuditAction::ParEvidenceUploaded, "par_document", document)
                        .unit(*unit_id)
                        .details(json!({ "assessment": assessment_id, "name": file.name, "sha256": sha256, "items": [mark.item] }));
                    record!(&mut *tx, actor, &entry)?;
                }
                if let Some(document) = item.document {
                    sqlx::query("INSERT INTO par_evidence (document_id, item_code) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                        .bind(document)
                        .bind(&mark.item)
                        .execute(&mut *tx)
                        .await?;
                    let entry = Entry::new(AuditAction::ParEvidenceLinked, "par_document", document)
                        .unit(*unit_id)
                        .details(json!({ "assessment": assessment_id, "item": mark.item, "linked": true }));
                    record!(&mut *tx, actor, &entry)?;
                }
            }
            tx.commit().await?;
            Ok::<_, Error>(())
        }
        .await
        })
    }
}
