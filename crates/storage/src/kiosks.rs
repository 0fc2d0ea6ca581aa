//! Rating kiosks: set up per counter, the official on duty, the invitation to rate, and the
//! ratings each took.

use domain::audit::AuditAction;
use domain::auth::{Access, Permission};
use domain::surveys::Channel;
use domain::text;
use serde_json::json;
use sqlx::AssertSqlSafe;

use crate::audit::{Entry, record};
use crate::crypto::{digest, short_token};
use crate::db::scope_sql;
use crate::{Actor, Error, Result, Store};

#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Kiosk {
    pub id: i64,
    pub unit_id: i64,
    pub unit_code: String,
    pub unit_name: String,
    pub survey_code: String,
    pub counter: String,
    pub staff_user_id: Option<i64>,
    pub staff_username: Option<String>,
    pub staff_name: Option<String>,
    pub armed_until: Option<i64>,
    pub ticket: String,
    pub last_rating_at: Option<i64>,
    pub created_at: i64,
    pub disabled_at: Option<i64>,
}

const KIOSK_SELECT: &str = "SELECT k.id, k.unit_id, u.code AS unit_code, u.name AS unit_name, k.survey_code, k.counter, k.staff_user_id,
        s.username AS staff_username, s.full_name AS staff_name, k.armed_until, k.ticket, k.last_rating_at, k.created_at, k.disabled_at
     FROM kiosks k JOIN units u ON u.id = k.unit_id LEFT JOIN users s ON s.id = k.staff_user_id";

impl Store {
    /// Sets up a kiosk for a counter of `unit_id` asking `survey_code`; returns its id and the
    /// secret key of its address, shown once.
    pub async fn create_kiosk(&self, actor: &Actor, access: &Access, unit_id: i64, survey_code: &str, counter: &str) -> Result<(i64, String)> {
        self.require_on(access, Permission::RunKiosks, unit_id).await?;
        let counter = text::clean(counter);
        let survey = self.survey_by_code(survey_code.trim(), actor.at).await.map_err(|_| Error::Invalid(vec!["Không tìm thấy cuộc khảo sát.".into()]))?;
        let mut errors = Vec::new();
        if counter.is_empty() || counter.chars().count() > 100 {
            errors.push("Hãy đặt tên quầy (tối đa 100 ký tự), ví dụ «Quầy số 2 — Hộ tịch».".to_string());
        }
        if !survey.channels.contains(&Channel::Kiosk) {
            errors.push("Cuộc khảo sát này không nhận đánh giá qua máy đánh giá tại quầy.".to_string());
        }
        if !self.survey_targets(survey.id).await?.iter().any(|(id, _, _)| *id == unit_id) {
            errors.push("Cuộc khảo sát này không đánh giá đơn vị đã chọn.".to_string());
        }
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        let key = format!("{}{}", short_token(), short_token());
        let id = on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO kiosks (key_hash, unit_id, survey_code, counter, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(digest(&key))
            .bind(unit_id)
            .bind(&survey.series)
            .bind(&counter)
            .bind(actor.user_id)
            .bind(actor.at)
            .fetch_one(&mut *tx)
            .await?;
            let entry = Entry::new(AuditAction::KioskCreated, "kiosk", id).unit(unit_id).details(json!({ "counter": counter, "survey": survey.series }));
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok::<_, Error>(id)
        })?;
        Ok((id, key))
    }

    /// The kiosks of the caller's units.
    pub async fn kiosks(&self, access: &Access) -> Result<Vec<Kiosk>> {
        let scope = scope_sql(&access.roots(Permission::RunKiosks));
        let sql = format!("{scope} {KIOSK_SELECT} WHERE k.unit_id IN (SELECT id FROM scope) ORDER BY u.sort_key, k.counter");
        Ok(on_db!(self, read, |pool| sqlx::query_as(AssertSqlSafe(sql.as_str())).fetch_all(pool).await)?)
    }

    pub async fn kiosk(&self, access: &Access, id: i64) -> Result<Kiosk> {
        let sql = format!("{KIOSK_SELECT} WHERE k.id = $1");
        let kiosk: Kiosk =
            on_db!(self, read, |pool| sqlx::query_as(AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(pool).await)?.ok_or(Error::NotFound)?;
        match self.require_on(access, Permission::RunKiosks, kiosk.unit_id).await {
            Err(Error::Forbidden) => Err(Error::NotFound),
            other => other.map(|()| kiosk),
        }
    }

    /// The kiosk behind a tablet's address, unless it has been stopped.
    pub async fn kiosk_by_key(&self, key: &str) -> Result<Kiosk> {
        let sql = format!("{KIOSK_SELECT} WHERE k.key_hash = $1 AND k.disabled_at IS NULL");
        on_db!(self, read, |pool| sqlx::query_as(AssertSqlSafe(sql.as_str())).bind(digest(key)).fetch_optional(pool).await)?.ok_or(Error::NotFound)
    }

    /// The caller takes duty at the kiosk's counter: ratings from now on are about them.
    pub async fn take_kiosk_duty(&self, actor: &Actor, access: &Access, id: i64) -> Result<()> {
        let kiosk = self.kiosk(access, id).await?;
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query("UPDATE kiosks SET staff_user_id = $1, armed_until = NULL, ticket = '' WHERE id = $2")
                .bind(actor.user_id)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            record!(&mut *tx, actor, &Entry::new(AuditAction::KioskDutyTaken, "kiosk", id).unit(kiosk.unit_id))?;
            tx.commit().await?;
            Ok::<_, Error>(())
        })
    }

    /// The official on duty invites the citizen just served to rate, until `until`.
    pub async fn invite_kiosk_rating(&self, actor: &Actor, access: &Access, id: i64, ticket: &str, until: i64) -> Result<()> {
        let kiosk = self.kiosk(access, id).await?;
        if kiosk.staff_user_id.is_none() || kiosk.staff_user_id != actor.user_id {
            return Err(Error::Invalid(vec!["Hãy nhận trực quầy này trước khi mời đánh giá.".into()]));
        }
        let ticket = text::clean(ticket);
        if ticket.chars().count() > 20 {
            return Err(Error::Invalid(vec!["Số thứ tự tối đa 20 ký tự.".into()]));
        }
        on_db!(self, write, |pool| {
            sqlx::query("UPDATE kiosks SET armed_until = $1, ticket = $2 WHERE id = $3").bind(until).bind(&ticket).bind(id).execute(pool).await.map(|_| ())
        })?;
        Ok(())
    }

    /// Ratings a kiosk took since `since`.
    pub async fn kiosk_ratings_since(&self, kiosk_id: i64, since: i64) -> Result<i64> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_scalar("SELECT COUNT(*) FROM kiosk_ratings WHERE kiosk_id = $1 AND at >= $2").bind(kiosk_id).bind(since).fetch_one(pool).await
        })?)
    }

    /// Stops a kiosk: its address no longer works.
    pub async fn disable_kiosk(&self, actor: &Actor, access: &Access, id: i64) -> Result<()> {
        let kiosk = self.kiosk(access, id).await?;
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query("UPDATE kiosks SET disabled_at = $1, armed_until = NULL WHERE id = $2").bind(actor.at).bind(id).execute(&mut *tx).await?;
            record!(&mut *tx, actor, &Entry::new(AuditAction::KioskDisabled, "kiosk", id).unit(kiosk.unit_id))?;
            tx.commit().await?;
            Ok::<_, Error>(())
        })
    }
}
