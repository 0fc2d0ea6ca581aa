//! Alerts: rules per survey, the step that turns new responses (and units' figures) into cases
//! and escalates overdue ones, the cases themselves, and the outbox that carries the e-mails.
//!
//! The step runs off the answer path: it reads responses after a cursor, and opens cases, queues
//! their messages and moves the cursor in one transaction. The cursor moves only if no other
//! process moved it meanwhile, so two servers never open a case twice.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use domain::alerts::{self, AlertKind, AlertRules, CaseStatus};
use domain::audit::AuditAction;
use domain::auth::{Access, Grant, Permission, Role};
use domain::calendar::Month;
use domain::surveys::{Answers, Layout, Questionnaire};
use domain::text;
use serde_json::json;
use sqlx::AssertSqlSafe;

use crate::audit::{Entry, record};
use crate::db::scope_sql;
use crate::responses::CellFilter;
use crate::{Actor, Error, Page, Paging, Result, Store};

/// Responses read per step.
const STEP: i64 = 500;
const CURSOR: &str = "alerts_cursor";
/// A message that failed this often is left for an administrator to look at.
const MAX_ATTEMPTS: i64 = 10;

/// What one step did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AlertRun {
    pub opened: usize,
    pub escalated: usize,
}

/// A case to open unless its cause already has one.
struct NewCase {
    survey_id: i64,
    unit_id: i64,
    response_id: Option<i64>,
    kind: AlertKind,
    detail: String,
    dedupe_key: String,
    deadline_days: u32,
}

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

/// An e-mail ready to send.
#[derive(Clone, Debug)]
pub struct Mail {
    pub id: i64,
    /// Tries so far.
    pub attempts: i64,
    pub to: String,
    pub name: String,
    pub subject: String,
    pub body: String,
}

const CASE_COLUMNS: &str = "c.id, c.survey_id, s.title AS survey_title, c.origin_unit_id, o.name AS origin_unit_name, c.unit_id,
     u.name AS unit_name, c.response_id, c.kind, c.detail, c.status, c.opened_at, c.deadline_at, c.escalations,
     a.full_name AS assignee_name, c.resolution, c.resolved_at
     FROM alert_cases c JOIN surveys s ON s.id = c.survey_id JOIN units o ON o.id = c.origin_unit_id
     JOIN units u ON u.id = c.unit_id LEFT JOIN users a ON a.id = c.assignee_id";

/// Officials who hear of a unit's cases: its own reform officials and head, and the reform
/// office where the unit is the province.
const RECIPIENTS_SQL: &str = "SELECT DISTINCT u.id FROM users u JOIN user_roles r ON r.user_id = u.id
     WHERE r.unit_id = $1 AND r.role IN ('unit_official', 'unit_head', 'reform_office') AND NOT u.disabled AND u.email IS NOT NULL";

/// Queues an e-mail to every official who hears of `$unit`'s cases, inside the transaction.
macro_rules! tell_unit {
    ($tx:ident, $unit:expr, $subject:expr, $body:expr, $now:expr) => {
        let recipients: Vec<i64> = sqlx::query_scalar(RECIPIENTS_SQL).bind($unit).fetch_all(&mut *$tx).await?;
        for user in recipients {
            sqlx::query("INSERT INTO outbox (channel, user_id, subject, body, created_at, next_attempt_at) VALUES ('email', $1, $2, $3, $4, $4)")
                .bind(user)
                .bind($subject)
                .bind($body)
                .bind($now)
                .execute(&mut *$tx)
                .await?;
        }
    };
}

fn message(kind: AlertKind, unit: &str, detail: &str, deadline_at: i64, link: &str, escalated_from: Option<&str>) -> (String, String) {
    let subject = match escalated_from {
        None => format!("[Thước Đo] Cảnh báo: {} — {unit}", kind.label()),
        Some(from) => format!("[Thước Đo] Vụ việc quá hạn chuyển lên: {} — {from}", kind.label()),
    };
    let mut body = String::new();
    if let Some(from) = escalated_from {
        body.push_str(&format!("Vụ việc của {from} đã quá hạn xử lý và được chuyển lên {unit}.\n\n"));
    }
    body.push_str(&format!(
        "{}\nĐơn vị: {unit}\nNội dung: {detail}\nHạn xử lý: {}\n\nXem và xử lý tại: {link}\n\n\
         Thư này do hệ thống Thước Đo gửi tự động; vui lòng không trả lời thư.",
        kind.label(),
        text::format_timestamp_ms(deadline_at)
    ));
    (subject, body)
}

impl Store {
    /// The rules of a survey: as saved, or the defaults for its form.
    pub async fn alert_rules(&self, survey_id: i64) -> Result<AlertRules> {
        let body: Option<String> =
            on_db!(self, read, |pool| { sqlx::query_scalar("SELECT body FROM alert_rules WHERE survey_id = $1").bind(survey_id).fetch_optional(pool).await })?;
        match body {
            Some(body) => serde_json::from_str(&body).map_err(|e| Error::Invalid(vec![format!("quy tắc cảnh báo hỏng: {e}")])),
            None => {
                let version: i64 =
                    on_db!(self, read, |pool| { sqlx::query_scalar("SELECT version_id FROM surveys WHERE id = $1").bind(survey_id).fetch_one(pool).await })?;
                Ok(AlertRules::for_form(&*self.version(version).await?))
            }
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

    /// One step: cases for responses after the cursor (and for the units' monthly figures they
    /// move), then escalation of overdue cases. `link` makes a case's address from its id.
    pub async fn process_alerts(&self, now: i64, link: &(dyn Fn(i64) -> String + Sync)) -> Result<AlertRun> {
        let mut run = AlertRun { opened: self.open_new_cases(now, link).await?, escalated: 0 };
        run.escalated = self.escalate_overdue(now, link).await?;
        Ok(run)
    }

    async fn open_new_cases(&self, now: i64, link: &(dyn Fn(i64) -> String + Sync)) -> Result<usize> {
        let cursor: i64 = self.setting_or_insert(CURSOR, || "0".into()).await?.parse().unwrap_or(0);
        let rows: Vec<(i64, i64, i64, i64, i64, String)> = on_db!(self, read, |pool| {
            sqlx::query_as("SELECT id, survey_id, unit_id, flags, submitted_at, answers FROM responses WHERE id > $1 ORDER BY id LIMIT $2")
                .bind(cursor)
                .bind(STEP)
                .fetch_all(pool)
                .await
        })?;
        let Some(last) = rows.last().map(|r| r.0) else { return Ok(0) };
        let mut forms: HashMap<i64, (Arc<Questionnaire>, AlertRules, i64)> = HashMap::new();
        let mut cases = Vec::new();
        let mut touched: BTreeSet<(i64, i64, Month)> = BTreeSet::new();
        for (id, survey_id, unit_id, flags, at, answers) in &rows {
            if !forms.contains_key(survey_id) {
                let version: i64 =
                    on_db!(self, read, |pool| { sqlx::query_scalar("SELECT version_id FROM surveys WHERE id = $1").bind(survey_id).fetch_one(pool).await })?;
                let form = self.version(version).await?;
                forms.insert(*survey_id, (form, self.alert_rules(*survey_id).await?, version));
            }
            let (form, rules, _) = &forms[survey_id];
            let answers: Answers = serde_json::from_str(answers).unwrap_or_default();
            for trigger in alerts::triggers(form, rules, &answers) {
                cases.push(NewCase {
                    survey_id: *survey_id,
                    unit_id: *unit_id,
                    response_id: Some(*id),
                    kind: trigger.kind,
                    detail: trigger.detail,
                    dedupe_key: format!("response:{id}:{}", trigger.kind.code()),
                    deadline_days: rules.deadline_days,
                });
            }
            if let Some(limit) = rules.burst.filter(|_| alerts::is_suspicious(domain::surveys::quality::Flags(*flags))) {
                let recent: i64 = on_db!(self, read, |pool| {
                    sqlx::query_scalar(
                        "SELECT COUNT(*) FROM responses WHERE survey_id = $1 AND unit_id = $2 AND submitted_at > $3 AND submitted_at <= $4
                           AND (flags & $5) != 0",
                    )
                    .bind(survey_id)
                    .bind(unit_id)
                    .bind(at - 3_600_000)
                    .bind(at)
                    .bind(domain::surveys::quality::Flags::SUSPICIOUS.0)
                    .fetch_one(pool)
                    .await
                })?;
                if recent as u64 >= limit {
                    cases.push(NewCase {
                        survey_id: *survey_id,
                        unit_id: *unit_id,
                        response_id: Some(*id),
                        kind: AlertKind::Burst,
                        detail: format!("{recent} phiếu bị đánh dấu gửi dồn dập hoặc trùng lặp trong một giờ đến {}.", text::format_timestamp_ms(*at)),
                        dedupe_key: format!("burst:{survey_id}:{unit_id}:{}", at / 3_600_000),
                        deadline_days: rules.deadline_days,
                    });
                }
            }
            if rules.threshold.is_some() {
                touched.insert((*survey_id, *unit_id, Month::at(*at)));
            }
        }
        for (survey_id, unit_id, month) in touched {
            let (form, rules, version) = &forms[&survey_id];
            if let Some(case) = self.threshold_case(form, rules, *version, survey_id, unit_id, month).await? {
                cases.push(case);
            }
        }
        let opened = self.open_cases(&cases, now, link, Some((cursor, last))).await?;
        Ok(opened)
    }

    /// A unit's figure for a month (its own responses and those of the units below).
    async fn threshold_case(
        &self,
        form: &Questionnaire,
        rules: &AlertRules,
        version: i64,
        survey_id: i64,
        unit_id: i64,
        month: Month,
    ) -> Result<Option<NewCase>> {
        let Some(code) = &form.methodology else { return Ok(None) };
        let Ok(methodology) = self.current_methodology(code).await else { return Ok(None) };
        let layout = Layout::of(form);
        let system = Access::new(self.root_units().await?.into_iter().map(|unit| Grant { role: Role::SystemAdmin, unit }).collect());
        let filter = CellFilter {
            version_id: version,
            survey_id: Some(survey_id),
            from_month: Some(month),
            to_month: Some(month),
            channel: None,
            unit_id: Some(unit_id),
        };
        let mut total = domain::surveys::Counts::zero(&layout);
        for cell in self.cells(&system, &filter, &layout).await? {
            total.add(&cell.counts);
        }
        let figure = domain::sipas::compute(form, &layout, &methodology.methodology, &total, None).overall;
        if !alerts::below_threshold(rules, figure.value, figure.n) {
            return Ok(None);
        }
        Ok(Some(NewCase {
            survey_id,
            unit_id,
            response_id: None,
            kind: AlertKind::BelowThreshold,
            detail: format!(
                "Chỉ số hài lòng tháng {} là {} % trên {} phiếu, dưới ngưỡng {} %.",
                month,
                text::format_number(figure.value.unwrap_or(0.0), 1),
                figure.n,
                text::format_number(rules.threshold.unwrap_or(0.0), 1)
            ),
            dedupe_key: format!("threshold:{survey_id}:{unit_id}:{}", month.iso()),
            deadline_days: rules.deadline_days,
        }))
    }

    /// Opens the cases whose cause has none yet, queues their e-mails and, with `cursor`, moves
    /// the cursor from its old to its new value, all in one transaction.
    async fn open_cases(&self, cases: &[NewCase], now: i64, link: &(dyn Fn(i64) -> String + Sync), cursor: Option<(i64, i64)>) -> Result<usize> {
        let actor = Actor::system("cảnh báo", now);
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            if let Some((old, new)) = cursor {
                let moved = sqlx::query("UPDATE settings SET value = $1 WHERE key = $2 AND value = $3")
                    .bind(new.to_string())
                    .bind(CURSOR)
                    .bind(old.to_string())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if moved == 0 {
                    // Another process took these responses (returns from the function; the
                    // transaction rolls back).
                    return Ok(0);
                }
            }
            let mut opened = 0;
            for case in cases {
                let deadline_at = alerts::deadline(case.deadline_days, now);
                let id: Option<i64> = sqlx::query_scalar(
                    "INSERT INTO alert_cases (survey_id, origin_unit_id, unit_id, response_id, kind, detail, dedupe_key, status, opened_at, deadline_at)
                     VALUES ($1, $2, $2, $3, $4, $5, $6, 'open', $7, $8) ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
                )
                .bind(case.survey_id)
                .bind(case.unit_id)
                .bind(case.response_id)
                .bind(case.kind.code())
                .bind(&case.detail)
                .bind(&case.dedupe_key)
                .bind(now)
                .bind(deadline_at)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(id) = id else { continue };
                opened += 1;
                let unit: String = sqlx::query_scalar("SELECT name FROM units WHERE id = $1").bind(case.unit_id).fetch_one(&mut *tx).await?;
                let (subject, body) = message(case.kind, &unit, &case.detail, deadline_at, &link(id), None);
                tell_unit!(tx, case.unit_id, &subject, &body, now);
                let entry = Entry::new(AuditAction::AlertOpened, "alert_case", id)
                    .unit(case.unit_id)
                    .details(json!({ "kind": case.kind.code(), "response_id": case.response_id }));
                record!(&mut *tx, &actor, &entry)?;
            }
            tx.commit().await?;
            Ok::<_, Error>(opened)
        })
    }

    /// Moves every open case past its deadline to the unit above, with a new deadline, a note
    /// and e-mails to that unit's officials. A case at the top unit stays where it is.
    async fn escalate_overdue(&self, now: i64, link: &(dyn Fn(i64) -> String + Sync)) -> Result<usize> {
        let due: Vec<(i64, i64, i64, String, String, Option<i64>)> = on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT c.id, c.survey_id, c.unit_id, c.kind, c.detail, u.parent_id FROM alert_cases c JOIN units u ON u.id = c.unit_id
                 WHERE c.status = 'open' AND c.deadline_at <= $1 AND u.parent_id IS NOT NULL ORDER BY c.id",
            )
            .bind(now)
            .fetch_all(pool)
            .await
        })?;
        let actor = Actor::system("cảnh báo", now);
        let mut escalated = 0;
        for (id, survey_id, unit_id, kind, detail, parent) in due {
            let Some(parent) = parent else { continue };
            let days = self.alert_rules(survey_id).await?.deadline_days;
            let deadline_at = alerts::deadline(days, now);
            let kind = AlertKind::parse(&kind).unwrap_or(AlertKind::Problem);
            on_db!(self, write, |pool| {
                let mut tx = pool.begin().await?;
                let moved = sqlx::query(
                    "UPDATE alert_cases SET unit_id = $1, deadline_at = $2, escalations = escalations + 1
                     WHERE id = $3 AND unit_id = $4 AND status = 'open' AND deadline_at <= $5",
                )
                .bind(parent)
                .bind(deadline_at)
                .bind(id)
                .bind(unit_id)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if moved == 0 {
                    // Another process escalated it first (the transaction rolls back).
                    continue;
                }
                let from: String = sqlx::query_scalar("SELECT name FROM units WHERE id = $1").bind(unit_id).fetch_one(&mut *tx).await?;
                let to: String = sqlx::query_scalar("SELECT name FROM units WHERE id = $1").bind(parent).fetch_one(&mut *tx).await?;
                sqlx::query("INSERT INTO alert_notes (case_id, author_id, body, at) VALUES ($1, NULL, $2, $3)")
                    .bind(id)
                    .bind(format!("Quá hạn xử lý tại {from}; chuyển lên {to}, hạn mới {}.", text::format_timestamp_ms(deadline_at)))
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                let (subject, body) = message(kind, &to, &detail, deadline_at, &link(id), Some(&from));
                tell_unit!(tx, parent, &subject, &body, now);
                let entry = Entry::new(AuditAction::AlertEscalated, "alert_case", id).unit(parent).details(json!({ "from": unit_id, "to": parent }));
                record!(&mut *tx, &actor, &entry)?;
                tx.commit().await?;
                escalated += 1;
                Ok::<_, Error>(())
            })?;
        }
        Ok(escalated)
    }

    /// Cases the caller handles: responsible now, or arisen, in their subtree.
    pub async fn alert_cases(&self, access: &Access, filter: &CaseFilter, paging: Paging) -> Result<Page<CaseRow>> {
        let scope = scope_sql(&access.roots(Permission::HandleAlerts));
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
        self.require_case(access, &case).await?;
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

    async fn require_case(&self, access: &Access, case: &CaseRow) -> Result<()> {
        for unit in [case.unit_id, case.origin_unit_id] {
            if access.can(Permission::HandleAlerts, &self.unit_ancestry(unit).await?) {
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
        if case.status != CaseStatus::Open.code() {
            return Err(Error::Conflict("Vụ việc đã kết thúc xử lý.".into()));
        }
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let changed = match action {
                AuditAction::AlertTaken => {
                    sqlx::query("UPDATE alert_cases SET assignee_id = $1 WHERE id = $2 AND status = 'open'").bind(actor.user_id).bind(id)
                }
                AuditAction::AlertResolved => sqlx::query(
                    "UPDATE alert_cases SET status = 'resolved', resolution = $1, resolved_at = $2, resolved_by = $3 WHERE id = $4 AND status = 'open'",
                )
                .bind(text.clone())
                .bind(actor.at)
                .bind(actor.user_id)
                .bind(id),
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
        let scope = scope_sql(&access.roots(Permission::HandleAlerts));
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

    /// E-mails due now, with their addresses unsealed for sending.
    pub async fn due_mail(&self, now: i64, limit: i64) -> Result<Vec<Mail>> {
        let rows: Vec<(i64, i64, Option<String>, String, String, String)> = on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT o.id, o.attempts, u.email, u.full_name, o.subject, o.body FROM outbox o JOIN users u ON u.id = o.user_id
                 WHERE o.sent_at IS NULL AND o.channel = 'email' AND o.next_attempt_at <= $1 AND o.attempts < $2
                 ORDER BY o.id LIMIT $3",
            )
            .bind(now)
            .bind(MAX_ATTEMPTS)
            .bind(limit)
            .fetch_all(pool)
            .await
        })?;
        let mut mail = Vec::new();
        for (id, attempts, email, name, subject, body) in rows {
            match self.sealer.open_opt("users.email", email.as_deref())? {
                Some(to) => mail.push(Mail { id, attempts, to, name, subject, body }),
                None => self.mail_failed(id, "người nhận không có địa chỉ thư điện tử", i64::MAX).await?,
            }
        }
        Ok(mail)
    }

    pub async fn mail_sent(&self, id: i64, now: i64) -> Result<()> {
        on_db!(self, write, |pool| {
            sqlx::query("UPDATE outbox SET sent_at = $1, attempts = attempts + 1, last_error = NULL WHERE id = $2")
                .bind(now)
                .bind(id)
                .execute(pool)
                .await
                .map(|_| ())
        })?;
        Ok(())
    }

    /// Records a failed attempt; the message is tried again at `retry_at`.
    pub async fn mail_failed(&self, id: i64, error: &str, retry_at: i64) -> Result<()> {
        on_db!(self, write, |pool| {
            sqlx::query("UPDATE outbox SET attempts = attempts + 1, last_error = $1, next_attempt_at = $2 WHERE id = $3")
                .bind(error)
                .bind(retry_at)
                .bind(id)
                .execute(pool)
                .await
                .map(|_| ())
        })?;
        Ok(())
    }
}
