//! Alerts: rules per survey, the step that turns new responses (and units' figures) into cases
//! and escalates overdue ones (`step`), the cases themselves, and the e-mails about them, sent
//! at once or gathered into a digest (`mail`).

use domain::alerts::{self, AlertKind, AlertRules, CaseStatus};
use domain::audit::AuditAction;
use domain::auth::{Access, Permission};
use domain::surveys::Questionnaire;
use domain::text;
use serde_json::json;
use sqlx::AssertSqlSafe;

use crate::audit::{Entry, record};
use crate::db::scope_sql;
use crate::{Actor, Error, Page, Paging, Result, Store};

pub(crate) mod mail;
mod step;

pub(crate) use mail::tell_unit;

pub use mail::Mail;
pub(crate) use step::Found;
pub use step::{AlertRun, STEP};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CaseRow {
    pub id: i64,
    pub survey_id: i64,
    pub survey_title: String,
    pub origin_unit_id: i64,
    pub origin_unit_name: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub response_id: Option<i64>,
    pub kind: String,
    pub detail: String,
    /// The answers the case holds (none for a month's low figure).
    pub responses: i64,
    pub status: String,
    pub opened_at: i64,
    pub deadline_at: i64,
    pub escalations: i64,
    pub assignee_name: Option<String>,
    pub resolution: Option<String>,
    pub resolved_at: Option<i64>,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Note {
    pub author: Option<String>,
    pub body: String,
    pub at: i64,
}

#[derive(Clone, Debug, Default)]
pub struct CaseFilter {
    pub status: Option<CaseStatus>,
    pub kind: Option<AlertKind>,
    /// Only open cases past their deadline (at `now`).
    pub overdue_at: Option<i64>,
}

/// Cases by the unit where they arose.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct UnitAlertStats {
    pub unit_id: i64,
    pub unit_name: String,
    pub total: i64,
    pub open: i64,
    pub overdue: i64,
    pub resolved: i64,
    pub escalated: i64,
    /// Mean time from opening to resolution, in milliseconds.
    pub mean_resolution_ms: Option<f64>,
}

const CASE_COLUMNS: &str = "c.id, c.survey_id, s.title AS survey_title, c.origin_unit_id, o.name AS origin_unit_name, c.unit_id,
     u.name AS unit_name, c.response_id, c.kind, c.detail, c.responses, c.status, c.opened_at, c.deadline_at, c.escalations,
     a.full_name AS assignee_name, c.resolution, c.resolved_at
     FROM alert_cases c JOIN surveys s ON s.id = c.survey_id JOIN units o ON o.id = c.origin_unit_id
     JOIN units u ON u.id = c.unit_id LEFT JOIN users a ON a.id = c.assignee_id";

impl Store {
    /// The rules of a survey: as saved, or the defaults for its form.
    pub async fn alert_rules(&self, survey_id: i64) -> Result<AlertRules> {
        let version: i64 =
            on_db!(self, read, |pool| { sqlx::query_scalar("SELECT version_id FROM surveys WHERE id = $1").bind(survey_id).fetch_one(pool).await })?;
        self.rules_for(survey_id, &*self.version(version).await?).await
    }

    /// The rules of a survey asked with `form`: as saved, or the defaults for the form.
    pub(crate) async fn rules_for(&self, survey_id: i64, form: &Questionnaire) -> Result<AlertRules> {
        let body: Option<String> =
            on_db!(self, read, |pool| { sqlx::query_scalar("SELECT body FROM alert_rules WHERE survey_id = $1").bind(survey_id).fetch_optional(pool).await })?;
        match body {
            Some(body) => serde_json::from_str(&body).map_err(|e| Error::Invalid(vec![format!("quy tắc cảnh báo hỏng: {e}")])),
            None => Ok(AlertRules::for_form(form)),
        }
    }

    pub async fn set_alert_rules(&self, actor: &Actor, access: &Access, survey_id: i64, rules: &AlertRules) -> Result<()> {
        let survey = self.survey(access, survey_id).await?;
        if !access.can(Permission::ManageSurveys, &self.unit_ancestry(survey.unit_id).await?) {
            return Err(Error::Forbidden);
        }
        rules.check(&*self.version(survey.version_id).await?).map_err(Error::Invalid)?;
        let body = serde_json::to_string(rules).map_err(|e| Error::Invalid(vec![e.to_string()]))?;
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO alert_rules (survey_id, body, updated_at, updated_by) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (survey_id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            )
            .bind(survey_id)
            .bind(&body)
            .bind(actor.at)
            .bind(actor.user_id)
            .execute(&mut *tx)
            .await?;
            let entry = Entry::new(AuditAction::AlertRulesSaved, "survey", survey_id).unit(survey.unit_id).details(json!(rules));
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok::<_, Error>(())
        })
    }

    /// Cases the caller follows: responsible now, or arisen, in their subtree.
    pub async fn alert_cases(&self, access: &Access, filter: &CaseFilter, paging: Paging) -> Result<Page<CaseRow>> {
        let scope = scope_sql(&access.roots(Permission::ViewAlerts));
        let conditions = "WHERE (c.unit_id IN (SELECT id FROM scope) OR c.origin_unit_id IN (SELECT id FROM scope))
               AND ($1 IS NULL OR c.status = $1) AND ($2 IS NULL OR c.kind = $2)
               AND ($3 IS NULL OR (c.status = 'open' AND c.deadline_at <= $3))";
        let list = format!("{scope} SELECT {CASE_COLUMNS} {conditions} ORDER BY c.status DESC, c.deadline_at, c.id DESC LIMIT $4 OFFSET $5");
        let count = format!("{scope} SELECT COUNT(*) FROM alert_cases c {conditions}");
        let (status, kind) = (filter.status.map(CaseStatus::code), filter.kind.map(AlertKind::code));
        on_db!(self, read, |pool| {
            let items = sqlx::query_as::<_, CaseRow>(AssertSqlSafe(list.as_str()))
                .bind(status)
                .bind(kind)
                .bind(filter.overdue_at)
                .bind(paging.limit)
                .bind(paging.offset)
                .fetch_all(pool)
                .await?;
            let total: i64 = sqlx::query_scalar(AssertSqlSafe(count.as_str())).bind(status).bind(kind).bind(filter.overdue_at).fetch_one(pool).await?;
            Ok(Page { items, total })
        })
    }

    /// A case and its notes, if the caller handles it.
    pub async fn alert_case(&self, access: &Access, id: i64) -> Result<(CaseRow, Vec<Note>)> {
        let sql = format!("SELECT {CASE_COLUMNS} WHERE c.id = $1");
        let case: CaseRow = on_db!(self, read, |pool| sqlx::query_as(AssertSqlSafe(sql.as_str())).bind(id).fetch_one(pool).await)?;
        self.require_case(access, &case, Permission::ViewAlerts).await?;
        let notes = on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT u.full_name AS author, n.body, n.at FROM alert_notes n LEFT JOIN users u ON u.id = n.author_id
                 WHERE n.case_id = $1 ORDER BY n.at, n.id",
            )
            .bind(id)
            .fetch_all(pool)
            .await
        })?;
        Ok((case, notes))
    }

    /// Whether the caller holds `permission` where the case is now or where it arose.
    async fn require_case(&self, access: &Access, case: &CaseRow, permission: Permission) -> Result<()> {
        for unit in [case.unit_id, case.origin_unit_id] {
            if access.can(permission, &self.unit_ancestry(unit).await?) {
                return Ok(());
            }
        }
        Err(Error::NotFound)
    }

    /// The caller takes the case on.
    pub async fn take_case(&self, actor: &Actor, access: &Access, id: i64) -> Result<()> {
        self.change_case(actor, access, id, AuditAction::AlertTaken, None).await
    }

    pub async fn note_case(&self, actor: &Actor, access: &Access, id: i64, note: &str) -> Result<()> {
        let note = text::clean_multiline(note);
        if note.is_empty() || note.chars().count() > 4000 {
            return Err(Error::Invalid(vec!["Ghi chú cần có nội dung, tối đa 4.000 ký tự.".into()]));
        }
        self.change_case(actor, access, id, AuditAction::AlertNoted, Some(note)).await
    }

    pub async fn resolve_case(&self, actor: &Actor, access: &Access, id: i64, resolution: &str) -> Result<()> {
        let resolution = alerts::check_resolution(resolution).map_err(|e| Error::Invalid(vec![e]))?;
        self.change_case(actor, access, id, AuditAction::AlertResolved, Some(resolution)).await
    }

    /// Taking on, noting or resolving, with its note and audit entry; a resolved case is closed
    /// to all three.
    async fn change_case(&self, actor: &Actor, access: &Access, id: i64, action: AuditAction, text: Option<String>) -> Result<()> {
        let (case, _) = self.alert_case(access, id).await?;
        // Those who only read the case (the province's leaders) change nothing in it.
        self.require_case(access, &case, Permission::HandleAlerts).await.map_err(|_| Error::Forbidden)?;
        if case.status != CaseStatus::Open.code() {
            return Err(Error::Conflict("Vụ việc đã kết thúc xử lý.".into()));
        }
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let changed = match action {
                AuditAction::AlertTaken => {
                    sqlx::query("UPDATE alert_cases SET assignee_id = $1 WHERE id = $2 AND status = 'open'").bind(actor.user_id).bind(id)
                }
                // A resolved case gives its cause up (see `alerts::frees_cause`): the key is
                // made unique to the case, so the next answer of that cause opens a new one.
                AuditAction::AlertResolved => sqlx::query(
                    "UPDATE alert_cases SET status = 'resolved', resolution = $1, resolved_at = $2, resolved_by = $3,
                         dedupe_key = CASE WHEN $5 THEN dedupe_key || '#' || CAST(id AS TEXT) ELSE dedupe_key END
                     WHERE id = $4 AND status = 'open'",
                )
                .bind(text.clone())
                .bind(actor.at)
                .bind(actor.user_id)
                .bind(id)
                .bind(AlertKind::parse(&case.kind).is_some_and(alerts::frees_cause)),
                _ => sqlx::query("UPDATE alert_cases SET status = status WHERE id = $1 AND status = 'open'").bind(id),
            }
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if changed == 0 {
                return Err(Error::Conflict("Vụ việc đã kết thúc xử lý.".into()));
            }
            let note = match action {
                AuditAction::AlertTaken => "Nhận xử lý vụ việc.".to_string(),
                AuditAction::AlertResolved => format!("Kết thúc xử lý: {}", text.clone().unwrap_or_default()),
                _ => text.clone().unwrap_or_default(),
            };
            sqlx::query("INSERT INTO alert_notes (case_id, author_id, body, at) VALUES ($1, $2, $3, $4)")
                .bind(id)
                .bind(actor.user_id)
                .bind(&note)
                .bind(actor.at)
                .execute(&mut *tx)
                .await?;
            record!(&mut *tx, actor, &Entry::new(action, "alert_case", id).unit(case.unit_id))?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Cases by the unit where they arose, for the caller's subtree.
    pub async fn alert_stats(&self, access: &Access, now: i64) -> Result<Vec<UnitAlertStats>> {
        let scope = scope_sql(&access.roots(Permission::ViewAlerts));
        let sql = format!(
            "{scope} SELECT c.origin_unit_id AS unit_id, u.name AS unit_name, COUNT(*) AS total,
                    CAST(SUM(CASE WHEN c.status = 'open' THEN 1 ELSE 0 END) AS BIGINT) AS open,
                    CAST(SUM(CASE WHEN c.status = 'open' AND c.deadline_at <= $1 THEN 1 ELSE 0 END) AS BIGINT) AS overdue,
                    CAST(SUM(CASE WHEN c.status = 'resolved' THEN 1 ELSE 0 END) AS BIGINT) AS resolved,
                    CAST(SUM(CASE WHEN c.escalations > 0 THEN 1 ELSE 0 END) AS BIGINT) AS escalated,
                    CAST(AVG(CASE WHEN c.status = 'resolved' THEN c.resolved_at - c.opened_at END) AS DOUBLE PRECISION) AS mean_resolution_ms
             FROM alert_cases c JOIN units u ON u.id = c.origin_unit_id
             WHERE c.origin_unit_id IN (SELECT id FROM scope)
             GROUP BY c.origin_unit_id, u.name ORDER BY total DESC, u.name"
        );
        Ok(on_db!(self, read, |pool| sqlx::query_as(AssertSqlSafe(sql.as_str())).bind(now).fetch_all(pool).await)?)
    }
}
