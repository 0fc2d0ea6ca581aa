//! Criteria trees and evaluation rounds: kept by the reform office, province-wide.

use domain::audit::AuditAction;
use domain::auth::{Access, Permission};
use domain::par::{Classes, Deadlines, Tree};
use domain::units::UnitLevel;
use serde_json::json;

use super::assessments::{ASSESSMENT_SELECT, Assessment};
use crate::audit::{Entry, record};
use crate::{Actor, Error, Result, Store};

#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct TreeSummary {
    pub id: i64,
    pub code: String,
    pub year: i32,
    pub level: String,
    pub title: String,
    pub updated_at: i64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Round {
    pub id: i64,
    pub tree_id: i64,
    pub title: String,
    pub deadlines: Deadlines,
    pub classes: Classes,
    pub published_at: Option<i64>,
    pub tree: Tree,
}

#[derive(Clone, Debug)]
pub struct NewRound {
    pub tree_id: i64,
    pub title: String,
    pub deadlines: Deadlines,
    pub classes: Classes,
    /// The units assessed; each must be of the tree's level.
    pub unit_ids: Vec<i64>,
}

/// A round not yet published and the assessments a caller sees in it.
#[derive(Clone, Debug)]
pub struct RoundUnderWay {
    pub id: i64,
    pub title: String,
    pub deadlines: Deadlines,
    pub assessments: Vec<Assessment>,
}

#[derive(sqlx::FromRow)]
struct RoundHead {
    id: i64,
    title: String,
    published_at: Option<i64>,
    self_deadline: i64,
    appraisal_deadline: i64,
    explanation_deadline: i64,
    final_deadline: i64,
}

#[derive(sqlx::FromRow)]
struct RoundRow {
    id: i64,
    tree_id: i64,
    title: String,
    self_deadline: i64,
    appraisal_deadline: i64,
    explanation_deadline: i64,
    final_deadline: i64,
    classes: String,
    published_at: Option<i64>,
    body: String,
}

fn parse_tree(body: &str) -> Result<Tree> {
    serde_json::from_str(body).map_err(|e| Error::Invalid(vec![format!("Bộ tiêu chí lưu trữ không đọc được: {e}")]))
}

impl Store {
    /// Saves a tree under its code (a new one, or a change to one no round uses yet).
    pub async fn save_par_tree(&self, actor: &Actor, access: &Access, tree: &Tree) -> Result<i64> {
        self.require_province_wide(access, Permission::ManagePar).await?;
        tree.check().map_err(Error::Invalid)?;
        let body = serde_json::to_string(tree).map_err(|e| Error::Invalid(vec![e.to_string()]))?;
        let existing: Option<(i64, i64)> = on_db!(self, read, |pool| {
            sqlx::query_as("SELECT t.id, (SELECT COUNT(*) FROM par_rounds r WHERE r.tree_id = t.id) FROM par_trees t WHERE t.code = $1")
                .bind(&tree.code)
                .fetch_optional(pool)
                .await
        })?;
        if existing.is_some_and(|(_, rounds)| rounds > 0) {
            return Err(Error::Conflict(format!("Bộ tiêu chí {} đã được dùng cho một đợt đánh giá; hãy lưu thành bộ mới với mã khác.", tree.code)));
        }
        on_db!(self, write, |pool| async {
            let mut tx = pool.begin().await?;
            let id: i64 = match existing {
                Some((id, _)) => {
                    sqlx::query("UPDATE par_trees SET year = $1, level = $2, title = $3, body = $4, updated_at = $5 WHERE id = $6")
                        .bind(tree.year)
                        .bind(tree.level.code())
                        .bind(&tree.title)
                        .bind(&body)
                        .bind(actor.at)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    id
                }
                None => {
                    sqlx::query_scalar(
                        "INSERT INTO par_trees (code, year, level, title, body, created_by, created_at, updated_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
                    )
                    .bind(&tree.code)
                    .bind(tree.year)
                    .bind(tree.level.code())
                    .bind(&tree.title)
                    .bind(&body)
                    .bind(actor.user_id)
                    .bind(actor.at)
                    .fetch_one(&mut *tx)
                    .await?
                }
            };
            let entry = Entry::new(AuditAction::ParTreeSaved, "par_tree", id).details(json!({ "code": tree.code, "max": tree.max().0 }));
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok::<_, Error>(id)
        }
        .await)
    }

    pub async fn par_trees(&self) -> Result<Vec<TreeSummary>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as("SELECT id, code, year, level, title, updated_at FROM par_trees ORDER BY year DESC, level, code").fetch_all(pool).await
        })?)
    }

    pub async fn par_tree(&self, id: i64) -> Result<Tree> {
        let body: String = on_db!(self, read, |pool| sqlx::query_scalar("SELECT body FROM par_trees WHERE id = $1").bind(id).fetch_optional(pool).await)?
            .ok_or(Error::NotFound)?;
        parse_tree(&body)
    }

    /// Opens a round of `tree` for a group of units, each with a blank assessment.
    pub async fn open_par_round(&self, actor: &Actor, access: &Access, round: &NewRound) -> Result<i64> {
        self.require_province_wide(access, Permission::ManagePar).await?;
        let tree = self.par_tree(round.tree_id).await?;
        let mut errors = Vec::new();
        if round.title.trim().is_empty() {
            errors.push("Hãy đặt tên đợt đánh giá.".to_string());
        }
        errors.extend(round.deadlines.check().err());
        errors.extend(round.classes.check().err());
        if round.unit_ids.is_empty() {
            errors.push("Hãy chọn ít nhất một đơn vị được đánh giá.".into());
        }
        for unit in &round.unit_ids {
            let level: Option<(String, String)> =
                on_db!(self, read, |pool| sqlx::query_as("SELECT level, name FROM units WHERE id = $1").bind(unit).fetch_optional(pool).await)?;
            match level {
                None => errors.push(format!("Không có đơn vị mã số {unit}.")),
                Some((level, name)) if UnitLevel::parse(&level).ok() != Some(tree.level) => {
                    errors.push(format!("{name} không thuộc cấp đơn vị của bộ tiêu chí."))
                }
                Some(_) => {}
            }
        }
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        let classes = serde_json::to_string(&round.classes).unwrap_or_default();
        on_db!(self, write, |pool| {
            async {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO par_rounds (tree_id, title, self_deadline, appraisal_deadline, explanation_deadline, final_deadline, classes, created_by, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            )
            .bind(round.tree_id)
            .bind(domain::text::clean(&round.title))
            .bind(round.deadlines.self_assessment)
            .bind(round.deadlines.appraisal)
            .bind(round.deadlines.explanation)
            .bind(round.deadlines.final_appraisal)
            .bind(&classes)
            .bind(actor.user_id)
            .bind(actor.at)
            .fetch_one(&mut *tx)
            .await?;
            for unit in &round.unit_ids {
                sqlx::query("INSERT INTO par_assessments (round_id, unit_id) VALUES ($1, $2)").bind(id).bind(unit).execute(&mut *tx).await?;
            }
            let entry = Entry::new(AuditAction::ParRoundOpened, "par_round", id).details(json!({ "tree": tree.code, "units": round.unit_ids.len() }));
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok::<_, Error>(id)
        }
        .await
        })
    }

    pub async fn par_round(&self, id: i64) -> Result<Round> {
        let row: RoundRow = on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT r.id, r.tree_id, r.title, r.self_deadline, r.appraisal_deadline, r.explanation_deadline, r.final_deadline,
                        r.classes, r.published_at, t.body
                 FROM par_rounds r JOIN par_trees t ON t.id = r.tree_id WHERE r.id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await
        })?
        .ok_or(Error::NotFound)?;
        Ok(Round {
            id: row.id,
            tree_id: row.tree_id,
            title: row.title,
            deadlines: Deadlines {
                self_assessment: row.self_deadline,
                appraisal: row.appraisal_deadline,
                explanation: row.explanation_deadline,
                final_appraisal: row.final_deadline,
            },
            classes: serde_json::from_str(&row.classes).unwrap_or_default(),
            published_at: row.published_at,
            tree: parse_tree(&row.body)?,
        })
    }

    /// The rounds the caller takes part in or reads: all for the reform office; otherwise those
    /// with an assessment of one of their units (or below them, for a leader) or one they
    /// appraise: (id, title, self-assessment deadline, when published).
    pub async fn par_rounds(&self, actor: &Actor, access: &Access) -> Result<Vec<(i64, String, i64, Option<i64>)>> {
        let rounds = self.visible_rounds(actor, access, false).await?;
        Ok(rounds.into_iter().map(|r| (r.id, r.title, r.self_deadline, r.published_at)).collect())
    }

    /// The rounds of `par_rounds` not yet published, newest first, each with the assessments
    /// the caller sees in it (every one for the reform office), in the units' order: what the
    /// first screens show of work under way.
    pub async fn par_rounds_under_way(&self, actor: &Actor, access: &Access) -> Result<Vec<RoundUnderWay>> {
        let (all, scope) = self.round_scope(access).await?;
        let sql = format!(
            "{scope} {ASSESSMENT_SELECT} WHERE a.round_id = $1 AND ($2 OR a.unit_id IN (SELECT id FROM scope)
                 OR EXISTS (SELECT 1 FROM par_council c WHERE c.assessment_id = a.id AND c.user_id = $3))
             ORDER BY u.sort_key"
        );
        let mut under_way = Vec::new();
        for round in self.visible_rounds(actor, access, true).await? {
            let assessments = on_db!(self, read, |pool| {
                sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(round.id).bind(all).bind(actor.user_id.unwrap_or(0)).fetch_all(pool).await
            })?;
            let deadlines = Deadlines {
                self_assessment: round.self_deadline,
                appraisal: round.appraisal_deadline,
                explanation: round.explanation_deadline,
                final_appraisal: round.final_deadline,
            };
            under_way.push(RoundUnderWay { id: round.id, title: round.title, deadlines, assessments });
        }
        Ok(under_way)
    }

    /// Whether the caller sees every round (the reform office), and the scope of the units whose
    /// rounds they take part in or read.
    async fn round_scope(&self, access: &Access) -> Result<(bool, String)> {
        let all = match self.require_province_wide(access, Permission::ManagePar).await {
            Ok(()) => true,
            Err(Error::Forbidden) => false,
            Err(other) => return Err(other),
        };
        let mut units = access.roots(Permission::SelfAssess);
        units.extend(access.roots(Permission::ApproveAssessment));
        units.extend(access.roots(Permission::ViewParResults));
        Ok((all, crate::db::scope_sql(&units)))
    }

    async fn visible_rounds(&self, actor: &Actor, access: &Access, unpublished: bool) -> Result<Vec<RoundHead>> {
        let (all, scope) = self.round_scope(access).await?;
        let sql = format!(
            "{scope} SELECT r.id, r.title, r.published_at, r.self_deadline, r.appraisal_deadline, r.explanation_deadline, r.final_deadline FROM par_rounds r
             WHERE ($1 OR EXISTS (SELECT 1 FROM par_assessments a WHERE a.round_id = r.id AND (a.unit_id IN (SELECT id FROM scope)
                   OR EXISTS (SELECT 1 FROM par_council c WHERE c.assessment_id = a.id AND c.user_id = $2))))
               AND (NOT $3 OR r.published_at IS NULL)
             ORDER BY r.self_deadline DESC, r.id DESC"
        );
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(all).bind(actor.user_id.unwrap_or(0)).bind(unpublished).fetch_all(pool).await
        })?)
    }
}

impl Store {
    /// Officials holding the appraisal council's role: (user id, full name).
    pub async fn par_council_members(&self) -> Result<Vec<(i64, String)>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT DISTINCT u.id, u.full_name FROM users u JOIN user_roles r ON r.user_id = u.id
                 WHERE r.role = 'appraisal_council' AND NOT u.disabled ORDER BY u.full_name",
            )
            .fetch_all(pool)
            .await
        })?)
    }

    /// The units of one level in force on `day` (ISO date): those a round may assess.
    pub async fn par_units_of_level(&self, level: UnitLevel, day: &str) -> Result<Vec<(i64, String)>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as("SELECT id, name FROM units WHERE level = $1 AND valid_from <= $2 AND (valid_to IS NULL OR valid_to >= $2) ORDER BY sort_key")
                .bind(level.code())
                .bind(day)
                .fetch_all(pool)
                .await
        })?)
    }
}
