//! Questionnaires (a draft and its immutable published versions), surveys with their target
//! units and channels, and one-time response tokens.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use domain::audit::AuditAction;
use domain::auth::{Access, Permission};
use domain::surveys::{Channel, Layout, Questionnaire, Recurrence, Survey, is_code};
use domain::text;
use domain::units::UnitId;
use rand::RngCore;
use serde_json::json;
use sqlx::AssertSqlSafe;
use time::Date;

use crate::audit::{Entry, record};
use crate::crypto::digest;
use crate::db::scope_sql;
use crate::{Actor, Error, Result, Store, on_conflict};

/// Questionnaire versions and their layouts already read by this process.
#[derive(Debug, Default)]
pub(crate) struct FormCache {
    forms: Mutex<HashMap<i64, Arc<Questionnaire>>>,
    layouts: Mutex<HashMap<i64, Arc<Layout>>>,
}

#[derive(Clone, Debug)]
pub struct QuestionnaireRecord {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub unit_id: i64,
    pub draft: Questionnaire,
    /// Published versions, newest first: (version id, number, published at).
    pub versions: Vec<(i64, i64, i64)>,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct QuestionnaireSummary {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub unit_id: i64,
    pub latest_version: Option<i64>,
    pub updated_at: i64,
}

#[derive(Clone, Debug)]
pub struct NewSurvey {
    pub code: String,
    pub title: String,
    pub unit_id: UnitId,
    pub version_id: i64,
    pub recurrence: Recurrence,
    pub period_start: Date,
    pub period_end: Date,
    pub opens_at: i64,
    pub closes_at: i64,
    pub channels: Vec<Channel>,
    pub targets: Vec<UnitId>,
}

#[derive(sqlx::FromRow)]
struct SurveyRow {
    id: i64,
    code: String,
    series: String,
    title: String,
    unit_id: i64,
    version_id: i64,
    recurrence: String,
    period_start: String,
    period_end: String,
    opens_at: i64,
    closes_at: i64,
    channels: String,
}

impl From<SurveyRow> for Survey {
    fn from(r: SurveyRow) -> Self {
        let date = |s: &str| text::parse_date(s).unwrap_or(Date::MIN);
        let channels: Vec<String> = serde_json::from_str(&r.channels).unwrap_or_default();
        Self {
            id: r.id,
            code: r.code,
            series: r.series,
            title: r.title,
            unit_id: r.unit_id,
            version_id: r.version_id,
            recurrence: Recurrence::parse(&r.recurrence).unwrap_or(Recurrence::Once),
            period_start: date(&r.period_start),
            period_end: date(&r.period_end),
            opens_at: r.opens_at,
            closes_at: r.closes_at,
            channels: channels.iter().filter_map(|c| Channel::parse(c)).collect(),
        }
    }
}

const SURVEY_COLUMNS: &str =
    "s.id, s.code, s.series, s.title, s.unit_id, s.version_id, s.recurrence, s.period_start, s.period_end, s.opens_at, s.closes_at, s.channels";

/// A request for one-time tokens.
#[derive(Clone, Copy, Debug)]
pub struct TokenBatch {
    pub survey_id: i64,
    pub unit_id: i64,
    pub count: usize,
    pub expires_at: Option<i64>,
}

/// What a one-time token allows, if anything.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenState {
    Unknown,
    Expired,
    Used,
    /// `dossier_code`: the dossier an invitation was sent for, if the token is an invitation's.
    Valid {
        survey_id: i64,
        unit_id: i64,
        dossier_code: Option<String>,
    },
}

fn parse_form(body: &str) -> Result<Questionnaire> {
    serde_json::from_str(body).map_err(|e| Error::Invalid(vec![format!("Mẫu phiếu lưu trữ không đọc được: {e}")]))
}

fn schema_errors(form: &Questionnaire) -> Result<()> {
    form.check().map_err(|errors| Error::Invalid(errors.iter().map(ToString::to_string).collect()))
}

impl Store {
    pub(crate) async fn require_on(&self, access: &Access, permission: Permission, unit: UnitId) -> Result<()> {
        let ancestry = self.unit_ancestry(unit).await?;
        if ancestry.is_empty() {
            return Err(Error::NotFound);
        }
        if access.can(permission, &ancestry) { Ok(()) } else { Err(Error::Forbidden) }
    }

    /// Saves a new questionnaire draft owned by `unit_id`.
    pub async fn create_questionnaire(&self, actor: &Actor, access: &Access, unit_id: UnitId, form: &Questionnaire) -> Result<i64> {
        self.require_on(access, Permission::ManageSurveys, unit_id).await?;
        if !is_code(&form.code) {
            return Err(Error::Invalid(vec![format!("Mã mẫu phiếu «{}» không hợp lệ.", form.code)]));
        }
        let body = serde_json::to_string(form).map_err(|e| Error::Invalid(vec![e.to_string()]))?;
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO questionnaires (code, title, unit_id, draft, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
            )
            .bind(&form.code)
            .bind(text::clean(&form.title))
            .bind(unit_id)
            .bind(&body)
            .bind(actor.at)
            .fetch_one(&mut *tx)
            .await
            .map_err(on_conflict(format!("Mã mẫu phiếu «{}» đã được dùng.", form.code)))?;
            let entry = Entry::new(AuditAction::QuestionnaireCreated, "questionnaire", id).unit(unit_id).details(json!({ "code": form.code }));
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Replaces the draft. Published versions are untouched: editing always works on the draft,
    /// and publishing makes a new version.
    pub async fn update_questionnaire(&self, actor: &Actor, access: &Access, id: i64, form: &Questionnaire) -> Result<()> {
        let current = self.questionnaire(access, id).await?;
        self.require_on(access, Permission::ManageSurveys, current.unit_id).await?;
        if form.code != current.code {
            return Err(Error::Invalid(vec!["Không đổi được mã của mẫu phiếu đã tạo.".into()]));
        }
        let body = serde_json::to_string(form).map_err(|e| Error::Invalid(vec![e.to_string()]))?;
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query("UPDATE questionnaires SET draft = $1, title = $2, updated_at = $3 WHERE id = $4")
                .bind(&body)
                .bind(text::clean(&form.title))
                .bind(actor.at)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            record!(&mut *tx, actor, &Entry::new(AuditAction::QuestionnaireUpdated, "questionnaire", id).unit(current.unit_id))?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Publishes the draft as the next version, after checking every schema rule. Publishing an
    /// unchanged draft returns the latest version instead of a copy.
    pub async fn publish_questionnaire(&self, actor: &Actor, access: &Access, id: i64) -> Result<i64> {
        let current = self.questionnaire(access, id).await?;
        self.require_on(access, Permission::ManageSurveys, current.unit_id).await?;
        schema_errors(&current.draft)?;
        if let Some((version_id, _, _)) = current.versions.first()
            && *self.version(*version_id).await? == current.draft
        {
            return Ok(*version_id);
        }
        let body = serde_json::to_string(&current.draft).map_err(|e| Error::Invalid(vec![e.to_string()]))?;
        let number = current.versions.first().map(|v| v.1 + 1).unwrap_or(1);
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let version_id: i64 = sqlx::query_scalar(
                "INSERT INTO questionnaire_versions (questionnaire_id, version, body, published_at, published_by)
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(id)
            .bind(number)
            .bind(&body)
            .bind(actor.at)
            .bind(actor.user_id)
            .fetch_one(&mut *tx)
            .await?;
            let entry = Entry::new(AuditAction::QuestionnairePublished, "questionnaire", id)
                .unit(current.unit_id)
                .details(json!({ "version": number, "version_id": version_id }));
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok(version_id)
        })
    }

    /// Questionnaires owned by units the caller manages surveys for.
    pub async fn questionnaires(&self, access: &Access) -> Result<Vec<QuestionnaireSummary>> {
        let scope = scope_sql(&access.roots(Permission::ManageSurveys));
        let sql = format!(
            "{scope} SELECT q.id, q.code, q.title, q.unit_id, q.updated_at,
                    (SELECT MAX(v.version) FROM questionnaire_versions v WHERE v.questionnaire_id = q.id) AS latest_version
             FROM questionnaires q WHERE q.unit_id IN (SELECT id FROM scope) ORDER BY q.updated_at DESC, q.id DESC"
        );
        Ok(on_db!(self, read, |pool| sqlx::query_as(AssertSqlSafe(sql.as_str())).fetch_all(pool).await)?)
    }

    pub async fn questionnaire(&self, access: &Access, id: i64) -> Result<QuestionnaireRecord> {
        let (code, title, unit_id, draft): (String, String, i64, String) = on_db!(self, read, |pool| {
            sqlx::query_as("SELECT code, title, unit_id, draft FROM questionnaires WHERE id = $1").bind(id).fetch_one(pool).await
        })?;
        if !access.can(Permission::ManageSurveys, &self.unit_ancestry(unit_id).await?) {
            return Err(Error::NotFound);
        }
        let versions = on_db!(self, read, |pool| {
            sqlx::query_as("SELECT id, version, published_at FROM questionnaire_versions WHERE questionnaire_id = $1 ORDER BY version DESC")
                .bind(id)
                .fetch_all(pool)
                .await
        })?;
        Ok(QuestionnaireRecord { id, code, title, unit_id, draft: parse_form(&draft)?, versions })
    }

    /// A published version's questionnaire (public: respondents read it to answer). Versions
    /// never change, so each is read once per process.
    pub async fn version(&self, version_id: i64) -> Result<Arc<Questionnaire>> {
        if let Some(form) = self.form_cache.forms.lock().unwrap_or_else(|p| p.into_inner()).get(&version_id) {
            return Ok(form.clone());
        }
        let body: String =
            on_db!(self, read, |pool| { sqlx::query_scalar("SELECT body FROM questionnaire_versions WHERE id = $1").bind(version_id).fetch_one(pool).await })?;
        let form = Arc::new(parse_form(&body)?);
        self.form_cache.forms.lock().unwrap_or_else(|p| p.into_inner()).insert(version_id, form.clone());
        Ok(form)
    }

    /// Where each counter of a version's cells sits.
    pub async fn layout(&self, version_id: i64) -> Result<Arc<Layout>> {
        if let Some(layout) = self.form_cache.layouts.lock().unwrap_or_else(|p| p.into_inner()).get(&version_id) {
            return Ok(layout.clone());
        }
        let layout = Arc::new(Layout::of(&*self.version(version_id).await?));
        self.form_cache.layouts.lock().unwrap_or_else(|p| p.into_inner()).insert(version_id, layout.clone());
        Ok(layout)
    }

    pub async fn create_survey(&self, actor: &Actor, access: &Access, survey: &NewSurvey) -> Result<i64> {
        let mut problems = Vec::new();
        if !is_code(&survey.code) {
            problems.push(format!("Mã cuộc khảo sát «{}» không hợp lệ: dùng chữ không dấu, chữ số, gạch ngang.", survey.code));
        }
        if text::clean(&survey.title).is_empty() {
            problems.push("Tên cuộc khảo sát không được để trống.".into());
        }
        if survey.closes_at <= survey.opens_at {
            problems.push("Thời điểm đóng phải sau thời điểm mở khảo sát.".into());
        }
        if survey.period_end < survey.period_start {
            problems.push("Ngày kết thúc kỳ khảo sát không được trước ngày bắt đầu.".into());
        }
        if survey.channels.is_empty() {
            problems.push("Chọn ít nhất một kênh khảo sát.".into());
        }
        if survey.targets.is_empty() {
            problems.push("Chọn ít nhất một đơn vị được khảo sát.".into());
        }
        if !problems.is_empty() {
            return Err(Error::Invalid(problems));
        }
        self.require_on(access, Permission::ManageSurveys, survey.unit_id).await?;
        for unit in &survey.targets {
            self.require_on(access, Permission::ManageSurveys, *unit).await?;
        }
        self.version(survey.version_id).await?;
        let channels = json!(survey.channels.iter().map(|c| c.code()).collect::<Vec<_>>()).to_string();
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO surveys (code, series, title, unit_id, version_id, recurrence, period_start, period_end, opens_at,
                                      closes_at, channels, created_at)
                 VALUES ($1, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
            )
            .bind(&survey.code)
            .bind(text::clean(&survey.title))
            .bind(survey.unit_id)
            .bind(survey.version_id)
            .bind(survey.recurrence.code())
            .bind(text::iso_date(survey.period_start))
            .bind(text::iso_date(survey.period_end))
            .bind(survey.opens_at)
            .bind(survey.closes_at)
            .bind(&channels)
            .bind(actor.at)
            .fetch_one(&mut *tx)
            .await
            .map_err(on_conflict(format!("Mã cuộc khảo sát «{}» đã được dùng.", survey.code)))?;
            for unit in &survey.targets {
                sqlx::query("INSERT INTO survey_units (survey_id, unit_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                    .bind(id)
                    .bind(unit)
                    .execute(&mut *tx)
                    .await?;
            }
            let entry = Entry::new(AuditAction::SurveyCreated, "survey", id)
                .unit(survey.unit_id)
                .details(json!({ "code": survey.code, "version_id": survey.version_id, "targets": survey.targets.len() }));
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// A survey by its public code (public: the response page reads it). The code of a regular
    /// survey's series names the period that has most recently opened by `now`; a period's own
    /// code names that period.
    pub async fn survey_by_code(&self, code: &str, now: i64) -> Result<Survey> {
        let sql = format!(
            "SELECT {SURVEY_COLUMNS} FROM surveys s WHERE s.code = $1 OR s.series = $1
             ORDER BY CASE WHEN s.code = $1 AND s.series <> $1 THEN 0 WHEN s.opens_at <= $2 THEN 1 ELSE 2 END,
                      CASE WHEN s.opens_at <= $2 THEN -s.opens_at ELSE s.opens_at END
             LIMIT 1"
        );
        let row: SurveyRow = on_db!(self, read, |pool| sqlx::query_as(AssertSqlSafe(sql.as_str())).bind(code).bind(now).fetch_one(pool).await)?;
        Ok(row.into())
    }

    /// Starts the next period of every regular survey whose current period ends within a day:
    /// same questionnaire version, channels and units, the next calendar month or year, and a
    /// code `SERIES-PERIOD`. A period gets one successor only (a unique index guards it, also
    /// across server instances). Returns the surveys created.
    pub async fn roll_regular_surveys(&self, actor: &Actor) -> Result<Vec<i64>> {
        let sql = format!(
            "SELECT {SURVEY_COLUMNS} FROM surveys s WHERE s.recurrence <> 'once'
               AND NOT EXISTS (SELECT 1 FROM surveys n WHERE n.previous_id = s.id)"
        );
        let rows: Vec<SurveyRow> = on_db!(self, read, |pool| sqlx::query_as(AssertSqlSafe(sql.as_str())).fetch_all(pool).await)?;
        let mut created = Vec::new();
        for current in rows.into_iter().map(Survey::from) {
            let Some((start, end)) = current.recurrence.next_period(current.period_end) else { continue };
            let opens_at = text::vn_midnight_ms(start);
            if actor.at < opens_at - 86_400_000 {
                continue;
            }
            let closes_at = text::vn_midnight_ms(end + time::Duration::days(1));
            let suffix = match current.recurrence {
                Recurrence::Monthly => domain::calendar::Month::of(start).iso(),
                _ => start.year().to_string(),
            };
            let code = format!("{}-{suffix}", current.series);
            let targets: Vec<i64> = self.survey_targets(current.id).await?.into_iter().map(|(id, _, _)| id).collect();
            let channels = json!(current.channels.iter().map(|c| c.code()).collect::<Vec<_>>()).to_string();
            let inserted: Option<i64> = on_db!(self, write, |pool| {
                let mut tx = pool.begin().await?;
                let id: Option<i64> = sqlx::query_scalar(
                    "INSERT INTO surveys (code, series, title, unit_id, version_id, recurrence, period_start, period_end,
                                          opens_at, closes_at, channels, previous_id, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
                     ON CONFLICT DO NOTHING RETURNING id",
                )
                .bind(&code)
                .bind(&current.series)
                .bind(&current.title)
                .bind(current.unit_id)
                .bind(current.version_id)
                .bind(current.recurrence.code())
                .bind(text::iso_date(start))
                .bind(text::iso_date(end))
                .bind(opens_at)
                .bind(closes_at)
                .bind(&channels)
                .bind(current.id)
                .bind(actor.at)
                .fetch_optional(&mut *tx)
                .await?;
                if let Some(id) = id {
                    for unit in &targets {
                        sqlx::query("INSERT INTO survey_units (survey_id, unit_id) VALUES ($1, $2)").bind(id).bind(unit).execute(&mut *tx).await?;
                    }
                    let entry = Entry::new(AuditAction::SurveyCreated, "survey", id)
                        .unit(current.unit_id)
                        .details(json!({ "code": code, "previous_id": current.id, "recurrence": current.recurrence.code() }));
                    record!(&mut *tx, actor, &entry)?;
                }
                tx.commit().await?;
                Ok::<_, Error>(id)
            })?;
            created.extend(inserted);
        }
        Ok(created)
    }

    /// The public code of a survey.
    pub async fn survey_code(&self, id: i64) -> Result<String> {
        Ok(on_db!(self, read, |pool| sqlx::query_scalar("SELECT code FROM surveys WHERE id = $1").bind(id).fetch_one(pool).await)?)
    }

    /// A survey the caller may read results of (as owner or for one of its target units).
    pub async fn survey(&self, access: &Access, id: i64) -> Result<Survey> {
        let scope = scope_sql(&access.roots(Permission::ViewResults));
        let sql = format!(
            "{scope} SELECT {SURVEY_COLUMNS} FROM surveys s WHERE s.id = $1 AND (s.unit_id IN (SELECT id FROM scope)
               OR EXISTS (SELECT 1 FROM survey_units t WHERE t.survey_id = s.id AND t.unit_id IN (SELECT id FROM scope)))"
        );
        let row: SurveyRow = on_db!(self, read, |pool| sqlx::query_as(AssertSqlSafe(sql.as_str())).bind(id).fetch_one(pool).await)?;
        Ok(row.into())
    }

    /// Surveys the caller may read results of, newest first.
    pub async fn surveys(&self, access: &Access) -> Result<Vec<Survey>> {
        let scope = scope_sql(&access.roots(Permission::ViewResults));
        let sql = format!(
            "{scope} SELECT {SURVEY_COLUMNS} FROM surveys s WHERE s.unit_id IN (SELECT id FROM scope)
               OR EXISTS (SELECT 1 FROM survey_units t WHERE t.survey_id = s.id AND t.unit_id IN (SELECT id FROM scope))
             ORDER BY s.opens_at DESC, s.id DESC"
        );
        let rows: Vec<SurveyRow> = on_db!(self, read, |pool| sqlx::query_as(AssertSqlSafe(sql.as_str())).fetch_all(pool).await)?;
        Ok(rows.into_iter().map(Survey::from).collect())
    }

    /// The surveys open at `now` that ask about `unit_id`, newest first. Whether a citizen may
    /// answer one through the public form is the admission rule's to say.
    pub async fn open_surveys_of_unit(&self, unit_id: i64, now: i64) -> Result<Vec<Survey>> {
        let sql = format!(
            "SELECT {SURVEY_COLUMNS} FROM surveys s JOIN survey_units t ON t.survey_id = s.id
             WHERE t.unit_id = $1 AND s.opens_at <= $2 AND s.closes_at > $2 ORDER BY s.opens_at DESC, s.id DESC"
        );
        let rows: Vec<SurveyRow> = on_db!(self, read, |pool| sqlx::query_as(AssertSqlSafe(sql.as_str())).bind(unit_id).bind(now).fetch_all(pool).await)?;
        Ok(rows.into_iter().map(Survey::from).collect())
    }

    /// The units a survey asks about: (id, code, name), in Vietnamese order.
    pub async fn survey_targets(&self, survey_id: i64) -> Result<Vec<(i64, String, String)>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT u.id, u.code, u.name FROM survey_units t JOIN units u ON u.id = t.unit_id
                 WHERE t.survey_id = $1 ORDER BY u.sort_key",
            )
            .bind(survey_id)
            .fetch_all(pool)
            .await
        })?)
    }

    /// Issues one-time tokens for a target unit and returns them: they are shown once, and only
    /// their digests are kept.
    pub async fn issue_tokens(&self, actor: &Actor, access: &Access, batch: &TokenBatch) -> Result<Vec<String>> {
        let TokenBatch { survey_id, unit_id, count, expires_at } = *batch;
        let survey = self.survey(access, survey_id).await?;
        self.require_on(access, Permission::ManageSurveys, survey.unit_id).await?;
        if !self.survey_targets(survey_id).await?.iter().any(|(id, _, _)| *id == unit_id) {
            return Err(Error::Invalid(vec!["Đơn vị này không thuộc phạm vi của cuộc khảo sát.".into()]));
        }
        let tokens: Vec<String> = (0..count.min(10_000))
            .map(|_| {
                let mut bytes = [0u8; 18];
                rand::rng().fill_bytes(&mut bytes);
                hex::encode(bytes)
            })
            .collect();
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            for token in &tokens {
                sqlx::query("INSERT INTO survey_tokens (token_hash, survey_id, unit_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(digest(token))
                    .bind(survey_id)
                    .bind(unit_id)
                    .bind(actor.at)
                    .bind(expires_at)
                    .execute(&mut *tx)
                    .await?;
            }
            let entry = Entry::new(AuditAction::SurveyTokensIssued, "survey", survey_id).unit(unit_id).details(json!({ "count": tokens.len() }));
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok::<_, Error>(())
        })?;
        Ok(tokens)
    }

    pub async fn token_state(&self, token_hash: &str, now: i64) -> Result<TokenState> {
        type Row = (i64, i64, Option<i64>, Option<i64>, Option<String>);
        let row: Option<Row> = on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT t.survey_id, t.unit_id, t.expires_at, t.used_at, f.dossier_code FROM survey_tokens t
                 LEFT JOIN invitations i ON i.token_hash = t.token_hash LEFT JOIN frame_entries f ON f.id = i.entry_id
                 WHERE t.token_hash = $1",
            )
            .bind(token_hash)
            .fetch_optional(pool)
            .await
        })?;
        Ok(match row {
            None => TokenState::Unknown,
            Some((_, _, _, Some(_), _)) => TokenState::Used,
            Some((_, _, Some(expires), None, _)) if expires <= now => TokenState::Expired,
            Some((survey_id, unit_id, _, None, dossier_code)) => TokenState::Valid { survey_id, unit_id, dossier_code },
        })
    }
}
