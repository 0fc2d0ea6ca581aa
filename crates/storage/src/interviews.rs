//! Interviews: a draw's sampled dossiers assigned to interviewers, what each interviewer's device
//! needs (the assignments with the contact to call, opened and audited), and the call outcomes
//! and interviews it sends back, each recorded once however often it is sent.

use domain::audit::AuditAction;
use domain::auth::{Access, Permission, Role};
use domain::interviews::{AssignmentStatus, CallOutcome, InterviewMode, after_outcome};
use serde_json::json;

use crate::audit::{Entry, record};
use crate::{Actor, Error, Result, Store};

/// An assignment as the interviewer's device receives it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assignment {
    pub id: i64,
    pub survey_id: i64,
    pub dossier_code: String,
    pub unit_code: String,
    pub unit_name: String,
    pub procedure: String,
    pub mode: InterviewMode,
    pub status: AssignmentStatus,
    /// The applicant's name and phone, opened for the interviewer (empty once erased).
    pub name: String,
    pub phone: String,
}

#[derive(sqlx::FromRow)]
struct AssignmentRow {
    id: i64,
    survey_id: i64,
    dossier_code: String,
    unit_code: String,
    unit_name: String,
    procedure: String,
    mode: String,
    status: String,
    name_sealed: String,
    phone_sealed: String,
}

/// A call's outcome as recorded on the device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallRecord {
    /// Chosen on the device: the same record sent twice is kept once.
    pub client_id: String,
    pub assignment_id: i64,
    pub outcome: CallOutcome,
    pub note: String,
    pub callback_at: Option<i64>,
    /// When it happened, by the device's clock.
    pub at: i64,
}

impl Store {
    /// Assigns the sampled dossiers of a draw not yet assigned (of one unit, or all) to an
    /// interviewer, by phone or face to face; returns how many.
    pub async fn assign_interviews(
        &self,
        actor: &Actor,
        access: &Access,
        draw_id: i64,
        interviewer_id: i64,
        mode: InterviewMode,
        unit_id: Option<i64>,
    ) -> Result<u64> {
        let draw = self.draw(access, draw_id).await?;
        let roles: Vec<String> =
            on_db!(self, read, |pool| { sqlx::query_scalar("SELECT role FROM user_roles WHERE user_id = $1").bind(interviewer_id).fetch_all(pool).await })?;
        if !roles.iter().any(|r| Role::parse(r) == Some(Role::Interviewer)) {
            return Err(Error::Invalid(vec!["Người được giao phải có vai trò điều tra viên.".into()]));
        }
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let assigned = sqlx::query(
                "INSERT INTO assignments (survey_id, draw_id, entry_id, unit_id, interviewer_id, mode, status, created_by, created_at)
                 SELECT $1, m.draw_id, m.entry_id, m.unit_id, $2, $3, 'open', $4, $5 FROM draw_members m
                 WHERE m.draw_id = $6 AND m.status = 'selected' AND ($7 IS NULL OR m.unit_id = $7)
                   AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.survey_id = $1 AND a.entry_id = m.entry_id)
                 ON CONFLICT (survey_id, entry_id) DO NOTHING",
            )
            .bind(draw.survey_id)
            .bind(interviewer_id)
            .bind(mode.code())
            .bind(actor.user_id)
            .bind(actor.at)
            .bind(draw_id)
            .bind(unit_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            let entry = Entry::new(AuditAction::InterviewsAssigned, "sample_draw", draw_id)
                .details(json!({ "interviewer_id": interviewer_id, "mode": mode.code(), "unit_id": unit_id, "assigned": assigned }));
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok::<_, Error>(assigned)
        })
    }

    /// Interviewers the caller may assign work to: (id, full name), by name.
    pub async fn interviewers(&self, access: &Access) -> Result<Vec<(i64, String)>> {
        let scope = crate::db::scope_sql(&access.roots(Permission::ManageSurveys));
        let sql = format!(
            "{scope} SELECT DISTINCT u.id, u.full_name FROM users u JOIN user_roles r ON r.user_id = u.id
             WHERE r.role = 'interviewer' AND u.unit_id IN (SELECT id FROM scope) AND NOT u.disabled ORDER BY u.full_name"
        );
        Ok(on_db!(self, read, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).fetch_all(pool).await)?)
    }

    /// The open assignments of the interviewer acting, with the contacts to reach each person;
    /// the opening of those contacts is recorded.
    pub async fn my_assignments(&self, actor: &Actor, access: &Access) -> Result<Vec<Assignment>> {
        let interviewer = actor.user_id.ok_or(Error::Forbidden)?;
        if !access.has(Permission::ConductInterviews) {
            return Err(Error::Forbidden);
        }
        let rows: Vec<AssignmentRow> = on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT a.id, a.survey_id, f.dossier_code, u.code AS unit_code, u.name AS unit_name, f.procedure, a.mode, a.status,
                        f.name_sealed, f.phone_sealed
                 FROM assignments a JOIN frame_entries f ON f.id = a.entry_id JOIN units u ON u.id = a.unit_id
                 WHERE a.interviewer_id = $1 AND a.status = 'open' ORDER BY u.sort_key, f.dossier_code",
            )
            .bind(interviewer)
            .fetch_all(pool)
            .await
        })?;
        let open = |field: &str, sealed: &str| if sealed.is_empty() { Ok(String::new()) } else { self.sealer.open(field, sealed) };
        let mut assignments = Vec::with_capacity(rows.len());
        for r in rows {
            assignments.push(Assignment {
                id: r.id,
                survey_id: r.survey_id,
                dossier_code: r.dossier_code,
                unit_code: r.unit_code,
                unit_name: r.unit_name,
                procedure: r.procedure,
                mode: InterviewMode::parse(&r.mode).unwrap_or(InterviewMode::Phone),
                status: AssignmentStatus::parse(&r.status).unwrap_or(AssignmentStatus::Open),
                name: open("frame.name", &r.name_sealed)?,
                phone: open("frame.phone", &r.phone_sealed)?,
            });
        }
        if !assignments.is_empty() {
            let ids: Vec<i64> = assignments.iter().map(|a| a.id).collect();
            let entry = Entry::new(AuditAction::FrameContactViewed, "assignments", interviewer).details(json!({ "assignments": ids, "purpose": "phỏng vấn" }));
            self.audit(actor, &entry).await?;
        }
        Ok(assignments)
    }

    /// An assignment of the interviewer acting, open or not (for what the device sends back).
    pub async fn my_assignment(&self, actor: &Actor, id: i64) -> Result<(i64, String, String, InterviewMode)> {
        let row: Option<(i64, String, String, String)> = on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT a.survey_id, u.code, f.dossier_code, a.mode FROM assignments a JOIN units u ON u.id = a.unit_id
                 JOIN frame_entries f ON f.id = a.entry_id WHERE a.id = $1 AND a.interviewer_id = $2",
            )
            .bind(id)
            .bind(actor.user_id)
            .fetch_optional(pool)
            .await
        })?;
        let (survey_id, unit_code, dossier_code, mode) = row.ok_or(Error::NotFound)?;
        Ok((survey_id, unit_code, dossier_code, InterviewMode::parse(&mode).unwrap_or(InterviewMode::Phone)))
    }

    /// Records a call's outcome (once, whatever the re-sends) and moves the assignment on.
    /// Returns whether it was new.
    pub async fn record_call(&self, actor: &Actor, call: &CallRecord) -> Result<bool> {
        let lock = self.row_lock();
        self.my_assignment(actor, call.assignment_id).await?;
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let inserted = sqlx::query(
                "INSERT INTO call_outcomes (client_id, assignment_id, interviewer_id, outcome, note, callback_at, at, received_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (client_id) DO NOTHING",
            )
            .bind(&call.client_id)
            .bind(call.assignment_id)
            .bind(actor.user_id)
            .bind(call.outcome.code())
            .bind(&call.note)
            .bind(call.callback_at)
            .bind(call.at)
            .bind(actor.at)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
            if inserted {
                let status: String = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT status FROM assignments WHERE id = $1{lock}")))
                    .bind(call.assignment_id)
                    .fetch_one(&mut *tx)
                    .await?;
                let unanswered: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM call_outcomes WHERE assignment_id = $1 AND outcome = 'no_answer'")
                    .bind(call.assignment_id)
                    .fetch_one(&mut *tx)
                    .await?;
                let current = AssignmentStatus::parse(&status).unwrap_or(AssignmentStatus::Open);
                let next = after_outcome(current, call.outcome, unanswered);
                if next != current {
                    sqlx::query("UPDATE assignments SET status = $1 WHERE id = $2").bind(next.code()).bind(call.assignment_id).execute(&mut *tx).await?;
                }
            }
            tx.commit().await?;
            Ok::<_, Error>(inserted)
        })
    }
}

/// An interview as the supervisor reviews it.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ReviewRow {
    pub response_id: i64,
    pub survey_id: i64,
    pub entry_id: i64,
    pub dossier_code: String,
    pub unit_name: String,
    pub interviewer: String,
    pub channel: String,
    pub submitted_at: i64,
    /// `pending`, `approved` or `rejected`.
    pub review: String,
    pub reason: String,
    pub recheck: bool,
}

impl Store {
    /// Interviews of the surveys the caller runs: those waiting for review, or those drawn for
    /// the re-contact check.
    pub async fn interviews_to_review(&self, access: &Access, recheck: bool) -> Result<Vec<ReviewRow>> {
        let scope = crate::db::scope_sql(&access.roots(Permission::ManageSurveys));
        let condition = if recheck { "i.recheck <> 0" } else { "i.review = 'pending'" };
        let sql = format!(
            "{scope} SELECT i.response_id, r.survey_id, a.entry_id, f.dossier_code, u.name AS unit_name, w.full_name AS interviewer, r.channel,
                    r.submitted_at, i.review, i.reason, i.recheck <> 0 AS recheck
             FROM interviews i JOIN responses r ON r.id = i.response_id JOIN assignments a ON a.id = i.assignment_id
             JOIN frame_entries f ON f.id = a.entry_id JOIN units u ON u.id = r.unit_id JOIN users w ON w.id = i.interviewer_id
             JOIN surveys s ON s.id = r.survey_id
             WHERE {condition} AND s.unit_id IN (SELECT id FROM scope) ORDER BY r.submitted_at, i.response_id LIMIT 500"
        );
        Ok(on_db!(self, read, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).fetch_all(pool).await)?)
    }

    /// The supervisor approves an interview, or rejects it with a reason: a rejected interview
    /// is taken out of every figure (its counts leave its cell in the same transaction) and kept
    /// for the record.
    pub async fn review_interview(&self, actor: &Actor, access: &Access, response_id: i64, approve: bool, reason: &str) -> Result<()> {
        type Row = (i64, i64, String, String, i64, String, i64, String);
        let row: Option<Row> = on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT r.survey_id, r.unit_id, r.channel, r.staff, r.submitted_at, r.answers, s.version_id, i.review
                 FROM interviews i JOIN responses r ON r.id = i.response_id JOIN surveys s ON s.id = r.survey_id WHERE i.response_id = $1",
            )
            .bind(response_id)
            .fetch_optional(pool)
            .await
        })?;
        let (survey_id, unit_id, channel, staff, at, answers, version_id, review) = row.ok_or(Error::NotFound)?;
        let survey = self.survey(access, survey_id).await?;
        self.require_on(access, Permission::ManageSurveys, survey.unit_id).await?;
        let reason = domain::text::clean(reason);
        if !approve && reason.chars().count() < 5 {
            return Err(Error::Invalid(vec!["Hãy ghi lý do không duyệt phiếu (ít nhất 5 ký tự).".into()]));
        }
        if review == "rejected" {
            return Err(Error::Conflict("Phiếu này đã bị loại.".into()));
        }
        // The counts this response added, to take out of its cell when it is rejected.
        let form = self.version(version_id).await?;
        let layout = domain::surveys::Layout::of(&form);
        let parsed: domain::surveys::Answers = serde_json::from_str(&answers).map_err(|e| Error::Invalid(vec![e.to_string()]))?;
        let positions = layout.positions(&form, &parsed).map_err(|e| Error::Invalid(vec![e.to_string()]))?;
        let key: crate::responses::cells::Key = (survey_id, unit_id, crate::responses::month_of(at), channel, staff);
        let lock = self.row_lock();
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query("UPDATE interviews SET review = $1, reason = $2, reviewed_by = $3, reviewed_at = $4 WHERE response_id = $5")
                .bind(if approve { "approved" } else { "rejected" })
                .bind(&reason)
                .bind(actor.user_id)
                .bind(actor.at)
                .bind(response_id)
                .execute(&mut *tx)
                .await?;
            if !approve {
                sqlx::query("UPDATE responses SET excluded = 1 WHERE id = $1").bind(response_id).execute(&mut *tx).await?;
                let stored: (i64, Vec<u8>) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT layout, counts FROM response_cells WHERE survey_id = $1 AND unit_id = $2 AND month = $3 AND channel = $4 AND staff = $5{lock}"
                )))
                .bind(key.0)
                .bind(key.1)
                .bind(&key.2)
                .bind(&key.3)
                .bind(&key.4)
                .fetch_one(&mut *tx)
                .await?;
                if stored.0 != layout.fingerprint() {
                    return Err(domain::surveys::BadCell.into());
                }
                let mut counts = domain::surveys::Counts::zero(&layout);
                counts.add_encoded(&stored.1)?;
                counts.remove_positions(&positions)?;
                // The cell is written anew with a fresh generation, so every dashboard reloads it.
                sqlx::query("DELETE FROM response_cells WHERE survey_id = $1 AND unit_id = $2 AND month = $3 AND channel = $4 AND staff = $5")
                    .bind(key.0)
                    .bind(key.1)
                    .bind(&key.2)
                    .bind(&key.3)
                    .bind(&key.4)
                    .execute(&mut *tx)
                    .await?;
                let cells = vec![(key.clone(), (layout.fingerprint(), counts))];
                merge_cells!(tx, &cells, lock, false);
            }
            let entry =
                Entry::new(AuditAction::InterviewReviewed, "response", response_id).unit(unit_id).details(json!({ "approved": approve, "reason": reason }));
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok::<_, Error>(())
        })
    }

    /// Draws `percent` % of a survey's interviews not yet drawn for the re-contact check
    /// (phúc tra), repeatably from `seed`; returns how many.
    pub async fn draw_recheck(&self, actor: &Actor, access: &Access, survey_id: i64, percent: u8, seed: u64) -> Result<usize> {
        let survey = self.survey(access, survey_id).await?;
        self.require_on(access, Permission::ManageSurveys, survey.unit_id).await?;
        if percent > 100 {
            return Err(Error::Invalid(vec!["Tỷ lệ phúc tra phải từ 0 đến 100 %.".into()]));
        }
        let mut ids: Vec<i64> = on_db!(self, read, |pool| {
            sqlx::query_scalar("SELECT i.response_id FROM interviews i JOIN responses r ON r.id = i.response_id WHERE r.survey_id = $1 AND i.recheck = 0")
                .bind(survey_id)
                .fetch_all(pool)
                .await
        })?;
        ids.sort_unstable();
        let take = (ids.len() * percent as usize).div_ceil(100);
        let chosen: Vec<i64> = domain::sampling::draw_order(ids.len(), seed).into_iter().take(take).map(|i| ids[i]).collect();
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            for id in &chosen {
                sqlx::query("UPDATE interviews SET recheck = 1 WHERE response_id = $1").bind(id).execute(&mut *tx).await?;
            }
            let entry = Entry::new(AuditAction::RecheckDrawn, "survey", survey_id)
                .unit(survey.unit_id)
                .details(json!({ "percent": percent, "seed": seed.to_string(), "drawn": chosen.len() }));
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok::<_, Error>(())
        })?;
        Ok(chosen.len())
    }
}
