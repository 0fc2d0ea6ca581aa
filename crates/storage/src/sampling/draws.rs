//! Draws: a survey's sample taken from the frame with a recorded seed, parameters and frame
//! digest; quota progress per unit; reserves called in for the unreachable; a replay that
//! checks a recorded draw against the register.

use domain::audit::AuditAction;
use domain::auth::{Access, Permission};
use domain::sampling::draw::{DrawParams, FrameItem, plan};
use domain::text;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::AssertSqlSafe;
use time::Date;

use crate::audit::{Entry, record};
use crate::db::scope_sql;
use crate::{Actor, Error, Page, Paging, Result, Store};

#[derive(Clone, Debug)]
pub struct DrawRequest {
    pub survey_id: i64,
    /// Dossiers completed from … to … (inclusive) make the frame.
    pub from: Date,
    pub to: Date,
    pub params: DrawParams,
}

/// What is stored as a draw's parameters.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Recorded {
    from: String,
    to: String,
    #[serde(flatten)]
    params: DrawParams,
}

#[derive(Clone, Debug)]
pub struct DrawRecord {
    pub id: i64,
    pub survey_id: i64,
    pub survey_title: String,
    /// ISO dates of the frame's completion window.
    pub from: String,
    pub to: String,
    pub params: DrawParams,
    pub frame_size: i64,
    pub frame_digest: String,
    pub created_at: i64,
    pub created_by: String,
}

/// A unit's quota and how far it has got.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct QuotaProgress {
    pub unit_id: i64,
    pub code: String,
    pub name: String,
    pub dossiers: i64,
    pub allocated: i64,
    /// In the sample now (drawn or called in as replacements).
    pub selected: i64,
    /// Of those, how many have answered.
    pub responded: i64,
    pub unreachable: i64,
    pub reserves_left: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct DrawMember {
    pub entry_id: i64,
    pub dossier_code: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub stratum: String,
    pub rank: i64,
    /// `selected`, `reserve` or `unreachable`.
    pub status: String,
    pub replaces_code: Option<String>,
    pub reason: String,
    pub responded: bool,
}

/// The outcome of replaying a draw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DrawCheck {
    /// The register still lists the same eligible dossiers as when the draw was made.
    pub same_frame: bool,
    /// The replay picks the same dossiers in the same order.
    pub same_members: bool,
}

#[derive(sqlx::FromRow)]
struct DrawRow {
    id: i64,
    survey_id: i64,
    survey_title: String,
    seed: String,
    params: String,
    frame_size: i64,
    frame_digest: String,
    created_at: i64,
    created_by: Option<String>,
}

impl DrawRow {
    fn record(self) -> Result<DrawRecord> {
        let recorded: Recorded = serde_json::from_str(&self.params).map_err(|e| Error::Invalid(vec![e.to_string()]))?;
        let mut params = recorded.params;
        params.seed = self.seed.parse().map_err(|_| Error::Invalid(vec!["hạt giống không hợp lệ".into()]))?;
        Ok(DrawRecord {
            id: self.id,
            survey_id: self.survey_id,
            survey_title: self.survey_title,
            from: recorded.from,
            to: recorded.to,
            params,
            frame_size: self.frame_size,
            frame_digest: self.frame_digest,
            created_at: self.created_at,
            created_by: self.created_by.unwrap_or_default(),
        })
    }
}

const DRAW_COLUMNS: &str = "d.id, d.survey_id, s.title AS survey_title, d.seed, d.params, d.frame_size, d.frame_digest, d.created_at,
     us.full_name AS created_by";
const DRAW_FROM: &str = "FROM sample_draws d JOIN surveys s ON s.id = d.survey_id LEFT JOIN users us ON us.id = d.created_by";

impl Store {
    /// The eligible frame of a survey as it stood at `at`: dossiers of its target units completed
    /// in the window, with consent, not erased by then.
    async fn eligible_frame(&self, survey_id: i64, from: &str, to: &str, at: i64) -> Result<Vec<FrameItem>> {
        let rows: Vec<(i64, i64, String, String)> = on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT f.id, f.unit_id, f.field, f.dossier_code FROM frame_entries f
                 JOIN survey_units t ON t.unit_id = f.unit_id AND t.survey_id = $1
                 WHERE f.consent <> 0 AND f.completed_on >= $2 AND f.completed_on <= $3 AND f.received_at <= $4
                   AND (f.erased_at IS NULL OR f.erased_at > $4)",
            )
            .bind(survey_id)
            .bind(from)
            .bind(to)
            .bind(at)
            .fetch_all(pool)
            .await
        })?;
        Ok(rows.into_iter().map(|(id, unit, field, dossier_code)| FrameItem { id, unit, field, dossier_code }).collect())
    }

    /// The target units of a survey as (id, code), in their register order.
    async fn draw_units(&self, survey_id: i64) -> Result<Vec<(i64, String)>> {
        Ok(self.survey_targets(survey_id).await?.into_iter().map(|(id, code, _)| (id, code)).collect())
    }

    /// Draws a survey's sample and its reserves, records it and returns its id.
    pub async fn create_draw(&self, actor: &Actor, access: &Access, request: &DrawRequest) -> Result<i64> {
        let survey = self.survey(access, request.survey_id).await?;
        self.require_on(access, Permission::ManageSurveys, survey.unit_id).await?;
        if request.from > request.to {
            return Err(Error::Invalid(vec!["Ngày bắt đầu của khung mẫu phải trước ngày kết thúc.".into()]));
        }
        let (from, to) = (text::iso_date(request.from), text::iso_date(request.to));
        let units = self.draw_units(survey.id).await?;
        let frame = self.eligible_frame(survey.id, &from, &to, actor.at).await?;
        let drawn = plan(&units, &frame, &request.params).map_err(|e| Error::Invalid(vec![e.to_string()]))?;
        let recorded = serde_json::to_string(&Recorded { from, to, params: request.params.clone() }).map_err(|e| Error::Invalid(vec![e.to_string()]))?;
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO sample_draws (survey_id, seed, params, frame_size, frame_digest, created_by, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(survey.id)
            .bind(request.params.seed.to_string())
            .bind(&recorded)
            .bind(drawn.frame_size as i64)
            .bind(&drawn.frame_digest)
            .bind(actor.user_id)
            .bind(actor.at)
            .fetch_one(&mut *tx)
            .await?;
            for quota in &drawn.quotas {
                sqlx::query("INSERT INTO draw_quotas (draw_id, unit_id, dossiers, allocated) VALUES ($1, $2, $3, $4)")
                    .bind(id)
                    .bind(quota.unit)
                    .bind(quota.dossiers as i64)
                    .bind(quota.allocated as i64)
                    .execute(&mut *tx)
                    .await?;
            }
            for pick in &drawn.picks {
                sqlx::query("INSERT INTO draw_members (draw_id, entry_id, unit_id, stratum, rank, status) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(id)
                    .bind(pick.id)
                    .bind(pick.unit)
                    .bind(&pick.stratum)
                    .bind(pick.rank as i64)
                    .bind(if pick.selected { "selected" } else { "reserve" })
                    .execute(&mut *tx)
                    .await?;
            }
            let entry = Entry::new(AuditAction::SampleDrawn, "sample_draw", id).unit(survey.unit_id).details(json!({
                "survey_id": survey.id,
                "params": serde_json::from_str::<serde_json::Value>(&recorded).unwrap_or_default(),
                "frame_size": drawn.frame_size,
                "frame_digest": drawn.frame_digest,
            }));
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok::<_, Error>(id)
        })
    }

    /// Draws of the surveys the caller runs, newest first.
    pub async fn draws(&self, access: &Access) -> Result<Vec<DrawRecord>> {
        let scope = scope_sql(&access.roots(Permission::ManageSurveys));
        let sql = format!("{scope} SELECT {DRAW_COLUMNS} {DRAW_FROM} WHERE s.unit_id IN (SELECT id FROM scope) ORDER BY d.id DESC");
        let rows: Vec<DrawRow> = on_db!(self, read, |pool| sqlx::query_as(AssertSqlSafe(sql.as_str())).fetch_all(pool).await)?;
        rows.into_iter().map(DrawRow::record).collect()
    }

    pub async fn draw(&self, access: &Access, id: i64) -> Result<DrawRecord> {
        let sql = format!("SELECT {DRAW_COLUMNS} {DRAW_FROM} WHERE d.id = $1");
        let row: DrawRow =
            on_db!(self, read, |pool| sqlx::query_as(AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(pool).await)?.ok_or(Error::NotFound)?;
        let survey = self.survey(access, row.survey_id).await?;
        match self.require_on(access, Permission::ManageSurveys, survey.unit_id).await {
            Err(Error::Forbidden) => Err(Error::NotFound),
            other => other.and_then(|()| row.record()),
        }
    }

    /// Each unit's quota, sample, answers, unreachable and reserves left.
    pub async fn draw_progress(&self, access: &Access, id: i64) -> Result<Vec<QuotaProgress>> {
        let draw = self.draw(access, id).await?;
        let count = |condition: &str| {
            format!(
                "(SELECT COUNT(*) FROM draw_members m JOIN frame_entries f ON f.id = m.entry_id WHERE m.draw_id = q.draw_id AND m.unit_id = q.unit_id AND {condition})"
            )
        };
        let sql = format!(
            "SELECT q.unit_id, u.code, u.name, q.dossiers, q.allocated, {} AS selected, {} AS responded, {} AS unreachable,
                    {} AS reserves_left
             FROM draw_quotas q JOIN units u ON u.id = q.unit_id WHERE q.draw_id = $1 ORDER BY u.sort_key",
            count("m.status = 'selected'"),
            count(&format!("m.status = 'selected' AND {RESPONDED}")),
            count("m.status = 'unreachable'"),
            count("m.status = 'reserve'"),
        );
        Ok(on_db!(self, read, |pool| sqlx::query_as(AssertSqlSafe(sql.as_str())).bind(id).bind(draw.survey_id).fetch_all(pool).await)?)
    }

    /// The drawn dossiers (no personal data), by unit, stratum and draw order.
    pub async fn draw_members(&self, access: &Access, id: i64, unit_id: Option<i64>, status: &str, paging: Paging) -> Result<Page<DrawMember>> {
        let draw = self.draw(access, id).await?;
        let from = "FROM draw_members m JOIN frame_entries f ON f.id = m.entry_id JOIN units u ON u.id = m.unit_id
             LEFT JOIN frame_entries rf ON rf.id = m.replaces
             WHERE m.draw_id = $1 AND ($3 IS NULL OR m.unit_id = $3) AND ($4 = '' OR m.status = $4)";
        let list = format!(
            "SELECT m.entry_id, f.dossier_code, m.unit_id, u.name AS unit_name, m.stratum, m.rank, m.status,
                    rf.dossier_code AS replaces_code, m.reason, {RESPONDED} AS responded
             {from} ORDER BY u.sort_key, m.stratum, m.rank LIMIT $5 OFFSET $6"
        );
        // The count binds $2 too, so that both statements number their parameters alike.
        let count = format!("SELECT COUNT(*) {from} AND $2 = $2");
        let (items, total) = on_db!(self, read, |pool| {
            let items: Vec<DrawMember> = sqlx::query_as(AssertSqlSafe(list.as_str()))
                .bind(id)
                .bind(draw.survey_id)
                .bind(unit_id)
                .bind(status)
                .bind(paging.limit)
                .bind(paging.offset)
                .fetch_all(pool)
                .await?;
            let total: i64 = sqlx::query_scalar(AssertSqlSafe(count.as_str())).bind(id).bind(draw.survey_id).bind(unit_id).bind(status).fetch_one(pool).await?;
            Ok::<_, sqlx::Error>((items, total))
        })?;
        Ok(Page { items, total })
    }

    /// Records that a sampled respondent cannot be reached and calls in the next reserve of the
    /// same stratum; returns the replacement's dossier code, or `None` when the reserves are
    /// used up.
    pub async fn replace_member(&self, actor: &Actor, access: &Access, draw_id: i64, entry_id: i64, reason: &str) -> Result<Option<String>> {
        let draw = self.draw(access, draw_id).await?;
        let reason = text::clean(reason);
        if reason.is_empty() {
            return Err(Error::Invalid(vec!["Hãy ghi lý do không liên hệ được (ví dụ: gọi 3 lần không nghe máy).".into()]));
        }
        let lock = self.row_lock();
        let responded_sql =
            format!("SELECT {RESPONDED} FROM draw_members m JOIN frame_entries f ON f.id = m.entry_id WHERE m.draw_id = $1 AND m.entry_id = $3");
        let reserve_sql = format!(
            "SELECT m.entry_id, f.dossier_code FROM draw_members m JOIN frame_entries f ON f.id = m.entry_id
             WHERE m.draw_id = $1 AND m.stratum = $2 AND m.status = 'reserve' ORDER BY m.rank LIMIT 1{lock}"
        );
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let member: Option<(String, i64, String)> =
                sqlx::query_as(AssertSqlSafe(format!("SELECT stratum, unit_id, status FROM draw_members WHERE draw_id = $1 AND entry_id = $2{lock}")))
                    .bind(draw_id)
                    .bind(entry_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some((stratum, unit_id, status)) = member else { return Err(Error::NotFound) };
            if status != "selected" {
                return Err(Error::Invalid(vec!["Chỉ thay thế được người đang trong mẫu.".into()]));
            }
            let responded: bool =
                sqlx::query_scalar(AssertSqlSafe(responded_sql.as_str())).bind(draw_id).bind(draw.survey_id).bind(entry_id).fetch_one(&mut *tx).await?;
            if responded {
                return Err(Error::Invalid(vec!["Người này đã trả lời phiếu; không thay thế.".into()]));
            }
            sqlx::query("UPDATE draw_members SET status = 'unreachable', reason = $1, changed_at = $2 WHERE draw_id = $3 AND entry_id = $4")
                .bind(&reason)
                .bind(actor.at)
                .bind(draw_id)
                .bind(entry_id)
                .execute(&mut *tx)
                .await?;
            let reserve: Option<(i64, String)> =
                sqlx::query_as(AssertSqlSafe(reserve_sql.as_str())).bind(draw_id).bind(&stratum).fetch_optional(&mut *tx).await?;
            if let Some((reserve_id, _)) = &reserve {
                sqlx::query("UPDATE draw_members SET status = 'selected', replaces = $1, changed_at = $2 WHERE draw_id = $3 AND entry_id = $4")
                    .bind(entry_id)
                    .bind(actor.at)
                    .bind(draw_id)
                    .bind(reserve_id)
                    .execute(&mut *tx)
                    .await?;
            }
            let entry = Entry::new(AuditAction::SampleReplaced, "sample_draw", draw_id).unit(unit_id).details(json!({
                "entry_id": entry_id,
                "replacement_entry_id": reserve.as_ref().map(|(id, _)| *id),
                "reason": reason,
            }));
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok(reserve.map(|(_, code)| code))
        })
    }

    /// Replays a recorded draw on the register as it stood when the draw was made.
    pub async fn check_draw(&self, access: &Access, id: i64) -> Result<DrawCheck> {
        let draw = self.draw(access, id).await?;
        let units = self.draw_units(draw.survey_id).await?;
        let frame = self.eligible_frame(draw.survey_id, &draw.from, &draw.to, draw.created_at).await?;
        let replay = plan(&units, &frame, &draw.params).map_err(|e| Error::Invalid(vec![e.to_string()]))?;
        let mut stored: Vec<(i64, String, i64)> = on_db!(self, read, |pool| {
            sqlx::query_as("SELECT entry_id, stratum, rank FROM draw_members WHERE draw_id = $1").bind(id).fetch_all(pool).await
        })?;
        let mut replayed: Vec<(i64, String, i64)> = replay.picks.iter().map(|p| (p.id, p.stratum.clone(), p.rank as i64)).collect();
        stored.sort();
        replayed.sort();
        Ok(DrawCheck { same_frame: replay.frame_digest == draw.frame_digest, same_members: stored == replayed })
    }
}

/// Whether the dossier `f` has answered the draw's survey (`$2`).
const RESPONDED: &str = "EXISTS (SELECT 1 FROM responses r WHERE r.survey_id = $2 AND r.dossier_code = f.dossier_code)";
