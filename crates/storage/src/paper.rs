//! Paper forms keyed in by clerks: each keying kept, compared with the other clerk's, the form
//! marked waiting, in conflict or stored; conflicts listed for a supervisor.

use domain::audit::AuditAction;
use domain::auth::{Access, Permission};
use domain::paper::{PaperMode, differences};
use domain::surveys::Answers;
use serde_json::json;
use sqlx::AssertSqlSafe;

use crate::audit::{Entry, record};
use crate::db::scope_sql;
use crate::{Actor, Error, Result, Store};

/// What a keying leads to.
#[derive(Clone, Debug, PartialEq)]
pub enum Keyed {
    /// Kept; the form waits for a second clerk.
    AwaitingSecond,
    /// The form can go into the responses with these answers (both keyings agree, or the form
    /// needed only one).
    Agreed(Answers),
    /// The keyings differ in these questions; the form waits for a supervisor.
    Conflict(Vec<String>),
}

/// One clerk's keying of a paper form, checked against its questionnaire.
#[derive(Clone, Debug)]
pub struct NewKeying<'a> {
    pub survey_id: i64,
    pub serial: &'a str,
    pub unit_id: i64,
    pub answers: &'a Answers,
    /// 0–99, fixed for the serial: in a verification sample, whether a second keying is needed.
    pub draw: u8,
}

/// A form waiting for a supervisor.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Conflict {
    pub survey_id: i64,
    pub survey_title: String,
    pub serial: String,
    pub updated_at: i64,
}

/// One clerk's keying of a form.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Keying {
    pub unit_id: i64,
    pub clerk: String,
    pub answers: String,
    pub entered_at: i64,
}

fn parse(answers: &str) -> Result<Answers> {
    serde_json::from_str(answers).map_err(|e| Error::Invalid(vec![format!("Phiếu đã nhập không đọc được: {e}")]))
}

impl Store {
    pub async fn paper_mode(&self, survey_id: i64) -> Result<PaperMode> {
        let mode: Option<String> =
            on_db!(self, read, |pool| { sqlx::query_scalar("SELECT mode FROM paper_modes WHERE survey_id = $1").bind(survey_id).fetch_optional(pool).await })?;
        Ok(mode.and_then(|m| serde_json::from_str(&m).ok()).unwrap_or_default())
    }

    pub async fn set_paper_mode(&self, actor: &Actor, access: &Access, survey_id: i64, mode: PaperMode) -> Result<()> {
        let survey = self.survey(access, survey_id).await?;
        self.require_on(access, Permission::ManageSurveys, survey.unit_id).await?;
        if let PaperMode::Sample { percent } = mode
            && percent > 100
        {
            return Err(Error::Invalid(vec!["Tỷ lệ phiếu nhập lại phải từ 0 đến 100 %.".into()]));
        }
        let body = serde_json::to_string(&mode).map_err(|e| Error::Invalid(vec![e.to_string()]))?;
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query("INSERT INTO paper_modes (survey_id, mode) VALUES ($1, $2) ON CONFLICT (survey_id) DO UPDATE SET mode = excluded.mode")
                .bind(survey_id)
                .bind(&body)
                .execute(&mut *tx)
                .await?;
            record!(&mut *tx, actor, &Entry::new(AuditAction::PaperModeSet, "survey", survey_id).unit(survey.unit_id).details(json!({ "mode": mode })))?;
            tx.commit().await?;
            Ok::<_, Error>(())
        })
    }

    /// Keeps a clerk's keying of a form and compares it with the other clerk's. The form row is
    /// locked first, so two clerks keying the same form at once are compared, not both left
    /// waiting.
    pub async fn key_paper(&self, actor: &Actor, access: &Access, keying: &NewKeying<'_>) -> Result<Keyed> {
        let NewKeying { survey_id, serial, unit_id, answers, draw } = *keying;
        self.require_on(access, Permission::EnterPaper, unit_id).await?;
        let clerk = actor.user_id.ok_or(Error::Forbidden)?;
        let mode = self.paper_mode(survey_id).await?;
        let body = serde_json::to_string(answers).map_err(|e| Error::Invalid(vec![e.to_string()]))?;
        let lock = self.row_lock();
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO paper_forms (survey_id, serial, status, updated_at) VALUES ($1, $2, 'waiting', $3) ON CONFLICT (survey_id, serial) DO NOTHING",
            )
            .bind(survey_id)
            .bind(serial)
            .bind(actor.at)
            .execute(&mut *tx)
            .await?;
            let status: String = sqlx::query_scalar(AssertSqlSafe(format!("SELECT status FROM paper_forms WHERE survey_id = $1 AND serial = $2{lock}")))
                .bind(survey_id)
                .bind(serial)
                .fetch_one(&mut *tx)
                .await?;
            match status.as_str() {
                "stored" => return Err(Error::Conflict(format!("Phiếu số {serial} đã được nhập xong."))),
                "conflict" => return Err(Error::Conflict(format!("Phiếu số {serial} có hai lần nhập khác nhau, đang chờ đối chiếu."))),
                _ => {}
            }
            let earlier: Vec<(i64, String)> = sqlx::query_as("SELECT clerk_id, answers FROM paper_entries WHERE survey_id = $1 AND serial = $2")
                .bind(survey_id)
                .bind(serial)
                .fetch_all(&mut *tx)
                .await?;
            if earlier.iter().any(|(id, _)| *id == clerk) {
                return Err(Error::Conflict(format!("Bạn đã nhập phiếu số {serial}; lần nhập thứ hai phải do một người khác thực hiện.")));
            }
            sqlx::query("INSERT INTO paper_entries (survey_id, serial, unit_id, clerk_id, answers, entered_at) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(survey_id)
                .bind(serial)
                .bind(unit_id)
                .bind(clerk)
                .bind(&body)
                .bind(actor.at)
                .execute(&mut *tx)
                .await?;
            let keyed = match earlier.first() {
                None if mode.needs_second_entry(draw) => Keyed::AwaitingSecond,
                None => Keyed::Agreed(answers.clone()),
                Some((_, first)) => match differences(&parse(first)?, answers) {
                    diff if diff.is_empty() => Keyed::Agreed(answers.clone()),
                    diff => Keyed::Conflict(diff),
                },
            };
            if let Keyed::Conflict(_) = keyed {
                sqlx::query("UPDATE paper_forms SET status = 'conflict', updated_at = $1 WHERE survey_id = $2 AND serial = $3")
                    .bind(actor.at)
                    .bind(survey_id)
                    .bind(serial)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(keyed)
        })
    }

    /// Forms waiting for a supervisor, in the surveys the caller runs.
    pub async fn paper_conflicts(&self, access: &Access) -> Result<Vec<Conflict>> {
        let scope = scope_sql(&access.roots(Permission::ManageSurveys));
        let sql = format!(
            "{scope} SELECT f.survey_id, s.title AS survey_title, f.serial, f.updated_at FROM paper_forms f JOIN surveys s ON s.id = f.survey_id
             WHERE f.status = 'conflict' AND s.unit_id IN (SELECT id FROM scope) ORDER BY f.updated_at, f.serial"
        );
        Ok(on_db!(self, read, |pool| sqlx::query_as(AssertSqlSafe(sql.as_str())).fetch_all(pool).await)?)
    }

    /// The two keyings of a form in conflict, first keyed first, for a supervisor of its survey.
    pub async fn paper_keyings(&self, access: &Access, survey_id: i64, serial: &str) -> Result<Vec<Keying>> {
        let survey = self.survey(access, survey_id).await?;
        self.require_on(access, Permission::ManageSurveys, survey.unit_id).await?;
        let keyings: Vec<Keying> = on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT e.unit_id, u.full_name AS clerk, e.answers, e.entered_at FROM paper_entries e JOIN users u ON u.id = e.clerk_id
                 JOIN paper_forms f ON f.survey_id = e.survey_id AND f.serial = e.serial
                 WHERE e.survey_id = $1 AND e.serial = $2 AND f.status = 'conflict' ORDER BY e.entered_at, e.id",
            )
            .bind(survey_id)
            .bind(serial)
            .fetch_all(pool)
            .await
        })?;
        if keyings.len() < 2 { Err(Error::NotFound) } else { Ok(keyings) }
    }

    /// Open surveys taking paper forms about units the caller keys in for: (id, code, title).
    pub async fn paper_surveys(&self, access: &Access, now: i64) -> Result<Vec<(i64, String, String)>> {
        let scope = scope_sql(&access.roots(Permission::EnterPaper));
        let sql = format!(
            "{scope} SELECT s.id, s.code, s.title FROM surveys s
             WHERE s.opens_at <= $1 AND s.closes_at > $1 AND s.channels LIKE '%\"paper\"%'
               AND EXISTS (SELECT 1 FROM survey_units t WHERE t.survey_id = s.id AND t.unit_id IN (SELECT id FROM scope))
             ORDER BY s.opens_at DESC, s.id DESC"
        );
        Ok(on_db!(self, read, |pool| sqlx::query_as(AssertSqlSafe(sql.as_str())).bind(now).fetch_all(pool).await)?)
    }

    /// Counts of a survey's paper forms by status: waiting, conflict, stored.
    pub async fn paper_counts(&self, survey_id: i64) -> Result<(i64, i64, i64)> {
        let rows: Vec<(String, i64)> = on_db!(self, read, |pool| {
            sqlx::query_as("SELECT status, COUNT(*) FROM paper_forms WHERE survey_id = $1 GROUP BY status").bind(survey_id).fetch_all(pool).await
        })?;
        let count = |status: &str| rows.iter().find(|(s, _)| s == status).map_or(0, |(_, n)| *n);
        Ok((count("waiting"), count("conflict"), count("stored")))
    }
}
