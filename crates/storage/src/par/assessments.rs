//! A unit's assessment in a round: who may see it and do what, its marks at every stage with
//! their history, and the head's approval.

use std::collections::BTreeMap;

use domain::audit::AuditAction;
use domain::auth::{Access, Permission};
use domain::par::round::{SelfMark, standing_points, unfinished};
use domain::par::scoring::{check_points, measured_marks};
use domain::par::{Action, Module, Points, Stage, State};
use serde_json::json;

use super::evidence::Document;
use super::rounds::Round;
use crate::audit::{Entry, record};
use crate::{Actor, Error, Result, Store};

#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct Assessment {
    pub id: i64,
    pub round_id: i64,
    pub unit_id: i64,
    pub unit_code: String,
    pub unit_name: String,
    pub state: String,
    pub submitted_at: Option<i64>,
    pub approved_at: Option<i64>,
    pub returned_note: String,
}

pub(super) const ASSESSMENT_SELECT: &str = "SELECT a.id, a.round_id, a.unit_id, u.code AS unit_code, u.name AS unit_name, a.state, a.submitted_at,
        a.approved_at, a.returned_note FROM par_assessments a JOIN units u ON u.id = a.unit_id";

/// How the caller stands to an assessment; decides what they see and may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Viewer {
    /// The reform office: sees everything, sets measured points, assigns the council.
    pub office: bool,
    /// The unit's own officials: self-assess and explain.
    pub unit: bool,
    /// The unit's head: approves or returns.
    pub head: bool,
    /// A council member assigned to this unit: appraises.
    pub council: bool,
}

impl Viewer {
    fn may_write(&self, stage: Stage) -> bool {
        match stage {
            Stage::SelfAssessment | Stage::Explanation => self.unit,
            Stage::Appraisal | Stage::FinalAppraisal => self.council,
            Stage::Measured => self.office,
        }
    }
}

#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct MarkRow {
    pub item_code: String,
    pub stage: String,
    pub points: Option<i64>,
    pub note: String,
    pub updated_at: i64,
}

#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct HistoryRow {
    pub item_code: String,
    pub stage: String,
    pub points: Option<i64>,
    pub note: String,
    pub by_name: String,
    pub at: i64,
}

/// Points and a note for one item (or bonus or penalty) at one stage.
#[derive(Clone, Copy, Debug)]
pub struct Mark<'a> {
    pub stage: Stage,
    pub item: &'a str,
    pub points: Option<Points>,
    pub note: &'a str,
}

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

struct MarkWrite {
    assessment_id: i64,
    unit_id: i64,
    item: String,
    stage: Stage,
    points: Option<i64>,
    note: String,
}

/// Everything on an assessment's page.
#[derive(Clone, Debug)]
pub struct AssessmentSheet {
    pub assessment: Assessment,
    pub round: Round,
    pub viewer: Viewer,
    pub marks: Vec<MarkRow>,
    pub documents: Vec<Document>,
    /// (document id, item code): which document serves which items.
    pub evidence: Vec<(i64, String)>,
    /// Council members assigned: (user id, full name).
    pub council: Vec<(i64, String)>,
}

impl AssessmentSheet {
    pub fn mark(&self, item: &str, stage: Stage) -> Option<&MarkRow> {
        self.marks.iter().find(|m| m.item_code == item && m.stage == stage.code())
    }

    /// The unit's own entries, as the submission rules read them.
    pub fn self_marks(&self) -> BTreeMap<String, SelfMark> {
        let mut marks: BTreeMap<String, SelfMark> = BTreeMap::new();
        for m in self.marks.iter().filter(|m| m.stage == Stage::SelfAssessment.code()) {
            let entry = marks.entry(m.item_code.clone()).or_default();
            entry.points = m.points.map(Points);
            entry.note = m.note.clone();
        }
        for (_, item) in &self.evidence {
            marks.entry(item.clone()).or_default().evidence += 1;
        }
        marks
    }
}

impl AssessmentSheet {
    /// The points that stand for every item and adjustment, by the latest stage that set them
    /// (an explanation gives words, not points).
    pub fn standing_points(&self) -> BTreeMap<String, Points> {
        standing_points(self.marks.iter().filter_map(|m| Some((m.item_code.as_str(), Stage::parse(&m.stage)?, Points(m.points?)))))
    }
}

impl Assessment {
    pub fn state(&self) -> State {
        State::parse(&self.state).unwrap_or(State::Draft)
    }
}

/// A mark as it will be written, or what is wrong with its content; the outer error (not
/// found, forbidden, locked) stops the whole write.
fn checked_mark(sheet: &AssessmentSheet, mark: &Mark<'_>, now: i64) -> Result<std::result::Result<MarkWrite, Vec<String>>> {
    let Mark { stage, item: code, points, note } = *mark;
    if !sheet.viewer.may_write(stage) {
        return Err(Error::Forbidden);
    }
    sheet.round.deadlines.open_for(stage, now).map_err(Error::Conflict)?;
    if stage == Stage::SelfAssessment {
        sheet.assessment.state().editable().map_err(Error::Conflict)?;
    }
    let tree = &sheet.round.tree;
    let note = domain::text::clean_multiline(note);
    let max = match (tree.item(code), tree.adjustment(code)) {
        (Some(item), _) => {
            let fits = match stage {
                Stage::Measured => !item.self_assessed(),
                Stage::SelfAssessment | Stage::Explanation => item.self_assessed(),
                Stage::Appraisal | Stage::FinalAppraisal => true,
            };
            if !fits {
                let why = if item.self_assessed() {
                    "được tự chấm và thẩm định"
                } else {
                    "lấy điểm từ kết quả điều tra hoặc theo dõi kế hoạch, không tự chấm"
                };
                return Ok(Err(vec![format!("Tiêu chí thành phần {code} {why}.")]));
            }
            item.max
        }
        (None, Some((adjustment, _))) if stage == Stage::FinalAppraisal => adjustment.max,
        (None, Some(_)) => return Ok(Err(vec![format!("Điểm thưởng, điểm trừ {code} do hội đồng chấm ở vòng thẩm định 2.")])),
        (None, None) => return Err(Error::NotFound),
    };
    let mut errors = Vec::new();
    if let Some(points) = points {
        errors.extend(check_points(code, points, max).err());
    } else if matches!(stage, Stage::Appraisal | Stage::FinalAppraisal | Stage::Measured) {
        errors.push(format!("Hãy cho điểm mục {code}."));
    }
    if stage == Stage::Explanation && note.is_empty() {
        errors.push("Hãy ghi nội dung giải trình.".into());
    }
    if note.chars().count() > 4000 {
        errors.push("Ghi chú dài tối đa 4.000 ký tự.".into());
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    Ok(Ok(MarkWrite {
        assessment_id: sheet.assessment.id,
        unit_id: sheet.assessment.unit_id,
        item: code.to_string(),
        stage,
        points: points.map(|p| p.0),
        note,
    }))
}

impl Store {
    async fn assessment_row(&self, id: i64) -> Result<Assessment> {
        let sql = format!("{ASSESSMENT_SELECT} WHERE a.id = $1");
        on_db!(self, read, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(pool).await)?.ok_or(Error::NotFound)
    }

    async fn viewer(&self, actor: &Actor, access: &Access, assessment: &Assessment) -> Result<Option<Viewer>> {
        let ancestry = self.unit_ancestry(assessment.unit_id).await?;
        let assigned: Option<i64> = on_db!(self, read, |pool| {
            sqlx::query_scalar("SELECT user_id FROM par_council WHERE assessment_id = $1 AND user_id = $2")
                .bind(assessment.id)
                .bind(actor.user_id.unwrap_or(0))
                .fetch_optional(pool)
                .await
        })?;
        let viewer = Viewer {
            office: access.can(Permission::ManagePar, &ancestry),
            unit: access.can(Permission::SelfAssess, &ancestry),
            head: access.can(Permission::ApproveAssessment, &ancestry),
            council: assigned.is_some() && access.has(Permission::Appraise),
        };
        Ok((viewer.office || viewer.unit || viewer.head || viewer.council).then_some(viewer))
    }

    /// The sheets of a round's assessments the caller may see, in the units' order; the round
    /// is read once for all of them.
    pub async fn par_sheets(&self, actor: &Actor, access: &Access, round_id: i64) -> Result<Vec<AssessmentSheet>> {
        let round = self.par_round(round_id).await?;
        let sql = format!("{ASSESSMENT_SELECT} WHERE a.round_id = $1 ORDER BY u.sort_key");
        let all: Vec<Assessment> = on_db!(self, read, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(round_id).fetch_all(pool).await)?;
        let mut sheets = Vec::new();
        for assessment in all {
            if let Some(viewer) = self.viewer(actor, access, &assessment).await? {
                sheets.push(self.sheet_of(assessment, viewer, round.clone()).await?);
            }
        }
        Ok(sheets)
    }

    /// One assessment with its marks, documents and council; not found for those who may not see it.
    pub async fn par_assessment(&self, actor: &Actor, access: &Access, id: i64) -> Result<AssessmentSheet> {
        let assessment = self.assessment_row(id).await?;
        let viewer = self.viewer(actor, access, &assessment).await?.ok_or(Error::NotFound)?;
        let round = self.par_round(assessment.round_id).await?;
        self.sheet_of(assessment, viewer, round).await
    }

    async fn sheet_of(&self, assessment: Assessment, viewer: Viewer, round: Round) -> Result<AssessmentSheet> {
        let id = assessment.id;
        let marks: Vec<MarkRow> = on_db!(self, read, |pool| {
            sqlx::query_as("SELECT item_code, stage, points, note, updated_at FROM par_marks WHERE assessment_id = $1").bind(id).fetch_all(pool).await
        })?;
        let evidence: Vec<(i64, String)> = on_db!(self, read, |pool| {
            sqlx::query_as("SELECT e.document_id, e.item_code FROM par_evidence e JOIN par_documents d ON d.id = e.document_id WHERE d.assessment_id = $1 ORDER BY e.document_id")
                .bind(id)
                .fetch_all(pool)
                .await
        })?;
        let council: Vec<(i64, String)> = on_db!(self, read, |pool| {
            sqlx::query_as("SELECT u.id, u.full_name FROM par_council c JOIN users u ON u.id = c.user_id WHERE c.assessment_id = $1 ORDER BY u.full_name")
                .bind(id)
                .fetch_all(pool)
                .await
        })?;
        let documents = self.par_documents(id).await?;
        Ok(AssessmentSheet { assessment, round, viewer, marks, documents, evidence, council })
    }

    /// Writes items' points and notes, each at its stage, if the caller may and the stages are
    /// open; all or nothing. Bonus and penalty items are written by the council in the final round.
    pub async fn mark_par_items(&self, actor: &Actor, access: &Access, id: i64, marks: &[Mark<'_>]) -> Result<()> {
        let sheet = self.par_assessment(actor, access, id).await?;
        let mut rows = Vec::new();
        let mut errors = Vec::new();
        for mark in marks {
            match checked_mark(&sheet, mark, actor.at)? {
                Ok(row) => rows.push(row),
                Err(mut problems) => errors.append(&mut problems),
            }
        }
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        self.write_marks(actor, &rows).await
    }

    /// Writes marks in one transaction, each with its history line and audit entry.
    async fn write_marks(&self, actor: &Actor, rows: &[MarkWrite]) -> Result<()> {
        on_db!(self, write, |pool| {
            async {
            let mut tx = pool.begin().await?;
            for row in rows {
                sqlx::query(
                    "INSERT INTO par_marks (assessment_id, item_code, stage, points, note, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
                     ON CONFLICT (assessment_id, item_code, stage) DO UPDATE SET points = excluded.points, note = excluded.note,
                         updated_by = excluded.updated_by, updated_at = excluded.updated_at",
                )
                .bind(row.assessment_id)
                .bind(&row.item)
                .bind(row.stage.code())
                .bind(row.points)
                .bind(&row.note)
                .bind(actor.user_id)
                .bind(actor.at)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO par_mark_history (assessment_id, item_code, stage, points, note, by_user, by_name, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(row.assessment_id)
                .bind(&row.item)
                .bind(row.stage.code())
                .bind(row.points)
                .bind(&row.note)
                .bind(actor.user_id)
                .bind(&actor.name)
                .bind(actor.at)
                .execute(&mut *tx)
                .await?;
                let entry = Entry::new(AuditAction::ParMarked, "par_assessment", row.assessment_id)
                    .unit(row.unit_id)
                    .details(json!({ "item": row.item, "stage": row.stage.code(), "points": row.points }));
                record!(&mut *tx, actor, &entry)?;
            }
            tx.commit().await?;
            Ok::<_, Error>(())
        }
        .await
        })
    }

    /// Sets the points of every item `module` measures, for each unit of the round with a
    /// result (unit id → index per measure); the reform office's, in the final appraisal.
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
        let mut rows = Vec::new();
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
            rows.extend(marks.into_iter().map(|m| MarkWrite {
                assessment_id: assessment.id,
                unit_id: assessment.unit_id,
                note: format!("Chỉ số {} %: {}", domain::text::format_number(m.index, 2), results.source),
                item: m.item,
                stage: Stage::Measured,
                points: Some(m.points.0),
            }));
        }
        if rows.is_empty() {
            return Err(Error::Invalid(vec![format!("Không có đơn vị nào của đợt có kết quả {} để tính điểm.", module.label())]));
        }
        self.write_marks(actor, &rows).await?;
        Ok(report)
    }

    /// Every change to the assessment's marks, oldest first: each item's full history.
    pub async fn par_history(&self, actor: &Actor, access: &Access, id: i64) -> Result<Vec<HistoryRow>> {
        self.par_assessment(actor, access, id).await?;
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as("SELECT item_code, stage, points, note, by_name, at FROM par_mark_history WHERE assessment_id = $1 ORDER BY id")
                .bind(id)
                .fetch_all(pool)
                .await
        })?)
    }

    /// Submits a finished self-assessment to the head, or the head approves or returns it;
    /// only while self-assessment is open.
    pub async fn act_on_par_assessment(&self, actor: &Actor, access: &Access, id: i64, action: Action, note: &str) -> Result<State> {
        let sheet = self.par_assessment(actor, access, id).await?;
        let allowed = match action {
            Action::Submit => sheet.viewer.unit,
            Action::Approve | Action::Return => sheet.viewer.head,
        };
        if !allowed {
            return Err(Error::Forbidden);
        }
        sheet.round.deadlines.open_for(Stage::SelfAssessment, actor.at).map_err(Error::Conflict)?;
        let next = sheet.assessment.state().after(action).map_err(Error::Conflict)?;
        if action == Action::Submit {
            let problems = unfinished(&sheet.round.tree, &sheet.self_marks());
            if !problems.is_empty() {
                return Err(Error::Invalid(problems));
            }
        }
        let note = domain::text::clean_multiline(note);
        if action == Action::Return && note.is_empty() {
            return Err(Error::Invalid(vec!["Hãy ghi lý do trả lại để đơn vị sửa.".into()]));
        }
        let (sql, audit) = match action {
            Action::Submit => (
                "UPDATE par_assessments SET state = $1, submitted_at = $2, submitted_by = $3, returned_note = $4 WHERE id = $5 AND state = $6",
                AuditAction::ParSubmitted,
            ),
            Action::Approve => (
                "UPDATE par_assessments SET state = $1, approved_at = $2, approved_by = $3, returned_note = $4 WHERE id = $5 AND state = $6",
                AuditAction::ParApproved,
            ),
            Action::Return => (
                "UPDATE par_assessments SET state = $1, submitted_at = NULL, submitted_by = NULL, approved_at = $2, approved_by = $3, returned_note = $4 WHERE id = $5 AND state = $6",
                AuditAction::ParReturned,
            ),
        };
        on_db!(self, write, |pool| async {
            let mut tx = pool.begin().await?;
            // The state in the WHERE clause: of two clicks at once, one changes it.
            let changed = sqlx::query(sql)
                .bind(next.code())
                .bind(if action == Action::Return { None } else { Some(actor.at) })
                .bind(if action == Action::Return { None } else { actor.user_id })
                .bind(&note)
                .bind(id)
                .bind(sheet.assessment.state().code())
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if changed == 0 {
                return Err(Error::Conflict("Bản tự đánh giá vừa được người khác thay đổi; hãy tải lại trang.".into()));
            }
            let entry = Entry::new(audit, "par_assessment", id).unit(sheet.assessment.unit_id).details(json!({ "note": note }));
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok::<_, Error>(next)
        }
        .await)
    }

    /// Assigns council members to an assessment (replacing the previous ones); each must hold
    /// the appraisal council's role.
    pub async fn assign_par_council(&self, actor: &Actor, access: &Access, id: i64, user_ids: &[i64]) -> Result<()> {
        let assessment = self.assessment_row(id).await?;
        self.require_on(access, Permission::ManagePar, assessment.unit_id).await?;
        for user in user_ids {
            let member: Option<i64> = on_db!(self, read, |pool| {
                sqlx::query_scalar("SELECT user_id FROM user_roles WHERE user_id = $1 AND role = 'appraisal_council'").bind(user).fetch_optional(pool).await
            })?;
            if member.is_none() {
                return Err(Error::Invalid(vec!["Chỉ phân công được thành viên hội đồng thẩm định.".into()]));
            }
        }
        on_db!(self, write, |pool| async {
            let mut tx = pool.begin().await?;
            sqlx::query("DELETE FROM par_council WHERE assessment_id = $1").bind(id).execute(&mut *tx).await?;
            for user in user_ids {
                sqlx::query("INSERT INTO par_council (assessment_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                    .bind(id)
                    .bind(user)
                    .execute(&mut *tx)
                    .await?;
            }
            let entry = Entry::new(AuditAction::ParCouncilAssigned, "par_assessment", id).unit(assessment.unit_id).details(json!({ "members": user_ids }));
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok::<_, Error>(())
        }
        .await)
    }
}
