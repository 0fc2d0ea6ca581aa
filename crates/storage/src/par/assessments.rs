//! A unit's assessment in a round: who may see it (domain::par::marking decides what they may
//! do), its marks at every stage with their history, the head's approval, the council.

use std::collections::BTreeMap;

use domain::audit::AuditAction;
use domain::auth::{Access, Permission};
use domain::par::marking::{self, Viewer};
use domain::par::round::{SelfMark, standing_points};
use domain::par::{Action, Points, Stage, State};
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

/// Told when two officials change the same assessment at once and the other was first.
pub(super) const CHANGED_MEANWHILE: &str = "Bản tự đánh giá vừa được người khác thay đổi; hãy tải lại trang.";

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

/// An assessment as its page shows it and the rules read it: the unit's row, its round, how
/// the caller stands to it, its marks, documents and council.
#[derive(Clone, Debug)]
pub struct AssessmentRecord {
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

impl AssessmentRecord {
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

    /// The points that stand for every item and adjustment, by the latest stage that set them
    /// (an explanation gives words, not points).
    pub fn standing_points(&self) -> BTreeMap<String, Points> {
        standing_points(self.marks.iter().filter_map(|m| Some((m.item_code.as_str(), Stage::parse(&m.stage)?, Points(m.points?)))))
    }

    /// The assessment as the marking rules read it at `now`.
    pub fn rules(&self, now: i64) -> marking::Assessment<'_> {
        marking::Assessment {
            viewer: self.viewer,
            deadlines: &self.round.deadlines,
            state: self.assessment.state(),
            tree: &self.round.tree,
            documents: self.documents.iter().map(|d| d.id).collect(),
            now,
        }
    }
}

impl Assessment {
    pub fn state(&self) -> State {
        State::parse(&self.state).unwrap_or(State::Draft)
    }
}

impl From<marking::Refusal> for Error {
    fn from(refusal: marking::Refusal) -> Self {
        match refusal {
            marking::Refusal::Forbidden => Error::Forbidden,
            marking::Refusal::NotFound => Error::NotFound,
            marking::Refusal::Locked(why) => Error::Conflict(why),
            marking::Refusal::Invalid(problems) => Error::Invalid(problems),
        }
    }
}

impl Store {
    pub(super) async fn assessment_row(&self, id: i64) -> Result<Assessment> {
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
        Ok(Viewer::of(access, &ancestry, assigned.is_some()))
    }

    /// The records of a round's assessments the caller may see, in the units' order; the round
    /// is read once for all of them.
    pub async fn par_assessments(&self, actor: &Actor, access: &Access, round_id: i64) -> Result<Vec<AssessmentRecord>> {
        let round = self.par_round(round_id).await?;
        let sql = format!("{ASSESSMENT_SELECT} WHERE a.round_id = $1 ORDER BY u.sort_key");
        let all: Vec<Assessment> = on_db!(self, read, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(round_id).fetch_all(pool).await)?;
        let mut records = Vec::new();
        for assessment in all {
            if let Some(viewer) = self.viewer(actor, access, &assessment).await? {
                records.push(self.record_of(assessment, viewer, round.clone()).await?);
            }
        }
        Ok(records)
    }

    /// One assessment with its marks, documents and council; not found for those who may not see it.
    pub async fn par_assessment(&self, actor: &Actor, access: &Access, id: i64) -> Result<AssessmentRecord> {
        let assessment = self.assessment_row(id).await?;
        let viewer = self.viewer(actor, access, &assessment).await?.ok_or(Error::NotFound)?;
        let round = self.par_round(assessment.round_id).await?;
        self.record_of(assessment, viewer, round).await
    }

    async fn record_of(&self, assessment: Assessment, viewer: Viewer, round: Round) -> Result<AssessmentRecord> {
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
        Ok(AssessmentRecord { assessment, round, viewer, marks, documents, evidence, council })
    }

    /// Every change to the assessment's marks, oldest first: each item's full history. The
    /// record proves the caller may see it.
    pub async fn par_history(&self, record: &AssessmentRecord) -> Result<Vec<HistoryRow>> {
        let id = record.assessment.id;
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
        let record = self.par_assessment(actor, access, id).await?;
        let (next, note) = record.rules(actor.at).act(action, note, &record.self_marks())?;
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
                .bind(record.assessment.state().code())
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if changed == 0 {
                return Err(Error::Conflict(CHANGED_MEANWHILE.into()));
            }
            let entry = Entry::new(audit, "par_assessment", id).unit(record.assessment.unit_id).details(json!({ "note": note }));
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
