//! The frame register: completed dossiers with their applicants' sealed contacts, imported whole
//! or not at all, read without personal data, opened one entry at a time (audited), erased on
//! request or when the retention period has passed.

use std::collections::{HashMap, HashSet};

use domain::audit::AuditAction;
use domain::auth::{Access, Permission};
use domain::sampling::frame::{FrameRecord, RawFrameRow};
use domain::text;
use serde_json::json;
use sqlx::AssertSqlSafe;

use crate::audit::{Entry, record};
use crate::db::scope_sql;
use crate::{Actor, Error, Page, Paging, Result, Store};

/// Clears the personal fields of the entries matching `$condition` (whose `$2` is `$arg`).
macro_rules! erase {
    ($exec:expr, $condition:literal, $at:expr, $arg:expr) => {
        sqlx::query(concat!(
            "UPDATE frame_entries SET name_sealed = '', phone_sealed = '', email_sealed = '', phone_index = '',
                                      email_index = '', erased_at = $1 WHERE ",
            $condition
        ))
        .bind($at)
        .bind($arg)
        .execute($exec)
        .await
    };
}

/// Contacts are kept a year after the dossier was completed unless the reform office says
/// otherwise: long enough for the annual survey and its re-contact checks.
pub const RETENTION_DAYS: (&str, i64) = ("frame_retention_days", 365);

/// What an import did, or would do, to each row.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FrameImport {
    pub rows: Vec<FrameRowOutcome>,
    pub applied: bool,
}

impl FrameImport {
    pub fn count(&self, action: FrameAction) -> usize {
        self.rows.iter().filter(|r| r.action == action).count()
    }

    pub fn error_count(&self) -> usize {
        self.count(FrameAction::Rejected)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct FrameRowOutcome {
    pub line: usize,
    pub dossier_code: String,
    pub unit_code: String,
    pub action: FrameAction,
    pub errors: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameAction {
    Add,
    /// The dossier is in the register already (a resend): nothing to do.
    Known,
    Rejected,
}

impl FrameAction {
    pub fn label(self) -> &'static str {
        match self {
            Self::Add => "Thêm mới",
            Self::Known => "Đã có",
            Self::Rejected => "Lỗi",
        }
    }
}

/// Dossiers per unit in the caller's scope.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct UnitFrame {
    pub unit_id: i64,
    pub code: String,
    pub name: String,
    pub dossiers: i64,
    pub consenting: i64,
    pub with_phone: i64,
    pub with_email: i64,
    pub erased: i64,
    pub first_on: String,
    pub last_on: String,
}

#[derive(Clone, Debug, Default)]
pub struct FrameFilter {
    pub unit_id: Option<i64>,
    /// The start of a dossier code.
    pub dossier: String,
}

/// A register entry as listed: no personal data, only whether there is some.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct FrameEntry {
    pub id: i64,
    pub dossier_code: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub procedure: String,
    pub field: String,
    pub completed_on: String,
    pub consent: bool,
    pub has_phone: bool,
    pub has_email: bool,
    pub source: String,
    pub received_at: i64,
    pub erased_at: Option<i64>,
}

/// The opened contact details of one entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameContact {
    pub name: String,
    pub phone: String,
    pub email: String,
}

const ENTRY_COLUMNS: &str = "f.id, f.dossier_code, f.unit_id, u.name AS unit_name, f.procedure, f.field, f.completed_on,
     f.consent <> 0 AS consent, f.phone_index <> '' AS has_phone, f.email_index <> '' AS has_email, f.source,
     f.received_at, f.erased_at";

impl Store {
    /// Adds the rows to the register in one transaction, or nothing if any row is wrong. Each
    /// row's unit must be one the caller may register dossiers for; a dossier already there
    /// (same unit) is skipped as a resend. With `apply` unset nothing is written and the report
    /// says what would happen.
    pub async fn import_frame(&self, actor: &Actor, access: &Access, rows: &[(usize, RawFrameRow)], source: &str, apply: bool) -> Result<FrameImport> {
        let mut units: HashMap<String, Option<i64>> = HashMap::new();
        let mut first_line: HashMap<String, usize> = HashMap::new();
        let mut report = FrameImport::default();
        let mut records: Vec<(usize, FrameRecord, i64)> = Vec::new();
        for (line, raw) in rows {
            let mut outcome = FrameRowOutcome {
                line: *line,
                dossier_code: raw.dossier_code.trim().to_string(),
                unit_code: raw.unit_code.trim().to_string(),
                action: FrameAction::Rejected,
                errors: Vec::new(),
            };
            match raw.parse() {
                Err(errors) => outcome.errors = errors.iter().map(ToString::to_string).collect(),
                Ok(record) => {
                    if !units.contains_key(&record.unit_code) {
                        let unit = self.registrable_unit(access, &record.unit_code).await?;
                        units.insert(record.unit_code.clone(), unit);
                    }
                    match units[&record.unit_code] {
                        None => outcome.errors.push(format!("không có đơn vị mã «{}» mà tài khoản được nhập hồ sơ", record.unit_code)),
                        Some(_) if first_line.contains_key(&record.dossier_code) => {
                            outcome.errors.push(format!("mã hồ sơ trùng với dòng {}", first_line[&record.dossier_code]))
                        }
                        Some(unit_id) => {
                            first_line.insert(record.dossier_code.clone(), *line);
                            outcome.action = FrameAction::Add;
                            records.push((report.rows.len(), record, unit_id));
                        }
                    }
                }
            }
            report.rows.push(outcome);
        }
        // Dossiers already registered: a resend to the same unit is skipped, any other is an error.
        let codes: Vec<&str> = records.iter().map(|(_, r, _)| r.dossier_code.as_str()).collect();
        let known = self.registered_units(&codes).await?;
        records.retain(|(index, record, unit_id)| match known.get(&record.dossier_code) {
            None => true,
            Some(existing) => {
                let outcome = &mut report.rows[*index];
                if existing == unit_id {
                    outcome.action = FrameAction::Known;
                } else {
                    outcome.action = FrameAction::Rejected;
                    outcome.errors.push("mã hồ sơ đã có trong khung mẫu của một đơn vị khác".into());
                }
                false
            }
        });
        if !apply || report.error_count() > 0 {
            return Ok(report);
        }
        let sealed: Vec<[String; 5]> = records.iter().map(|(_, r, _)| self.seal_contact(r)).collect();
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            for ((_, r, unit_id), [name, phone, email, phone_index, email_index]) in records.iter().zip(&sealed) {
                sqlx::query(
                    "INSERT INTO frame_entries (dossier_code, unit_id, procedure, field, completed_on, consent, name_sealed,
                                                phone_sealed, email_sealed, phone_index, email_index, source, received_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
                     ON CONFLICT (dossier_code) DO NOTHING",
                )
                .bind(&r.dossier_code)
                .bind(unit_id)
                .bind(&r.procedure)
                .bind(&r.field)
                .bind(text::iso_date(r.completed_on))
                .bind(r.consent as i64)
                .bind(name)
                .bind(phone)
                .bind(email)
                .bind(phone_index)
                .bind(email_index)
                .bind(source)
                .bind(actor.at)
                .execute(&mut *tx)
                .await?;
            }
            let entry = Entry::new(AuditAction::FrameImported, "frame", source)
                .details(json!({ "added": records.len(), "known": report.count(FrameAction::Known), "source": source }));
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok::<_, Error>(())
        })?;
        report.applied = true;
        Ok(report)
    }

    /// Name, phone, e-mail sealed, and the blind indexes of phone and e-mail; empty when absent.
    fn seal_contact(&self, r: &FrameRecord) -> [String; 5] {
        let seal = |field: &str, value: &str| if value.is_empty() { String::new() } else { self.sealer.seal(field, value) };
        let index = |field: &str, value: &Option<String>| value.as_deref().map(|v| self.sealer.blind_index(field, v)).unwrap_or_default();
        [
            seal("frame.name", &r.name),
            seal("frame.phone", r.phone.as_deref().unwrap_or_default()),
            seal("frame.email", r.email.as_deref().unwrap_or_default()),
            index("frame.phone", &r.phone),
            index("frame.email", &r.email),
        ]
    }

    /// The unit with this code, if the caller may register dossiers for it.
    async fn registrable_unit(&self, access: &Access, code: &str) -> Result<Option<i64>> {
        let id: Option<i64> = on_db!(self, read, |pool| { sqlx::query_scalar("SELECT id FROM units WHERE code = $1").bind(code).fetch_optional(pool).await })?;
        let Some(id) = id else { return Ok(None) };
        Ok(access.can(Permission::RegisterDossiers, &self.unit_ancestry(id).await?).then_some(id))
    }

    /// The unit of each of these dossiers that is registered already.
    async fn registered_units(&self, codes: &[&str]) -> Result<HashMap<String, i64>> {
        let mut known = HashMap::new();
        for chunk in codes.chunks(500) {
            let marks = (1..=chunk.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
            let sql = format!("SELECT dossier_code, unit_id FROM frame_entries WHERE dossier_code IN ({marks})");
            let rows: Vec<(String, i64)> = on_db!(self, read, |pool| {
                let mut query = sqlx::query_as(AssertSqlSafe(sql.as_str()));
                for code in chunk {
                    query = query.bind(*code);
                }
                query.fetch_all(pool).await
            })?;
            known.extend(rows);
        }
        Ok(known)
    }

    /// The register's size per unit, for units the caller runs surveys of.
    pub async fn frame_summary(&self, access: &Access) -> Result<Vec<UnitFrame>> {
        let scope = scope_sql(&access.roots(Permission::ManageSurveys));
        let yes = |condition: &str| format!("CAST(SUM(CASE WHEN {condition} THEN 1 ELSE 0 END) AS BIGINT)");
        let sql = format!(
            "{scope} SELECT u.id AS unit_id, u.code, u.name, COUNT(*) AS dossiers, {} AS consenting, {} AS with_phone,
                    {} AS with_email, {} AS erased, MIN(f.completed_on) AS first_on, MAX(f.completed_on) AS last_on
             FROM frame_entries f JOIN units u ON u.id = f.unit_id
             WHERE f.unit_id IN (SELECT id FROM scope)
             GROUP BY u.id, u.code, u.name, u.sort_key ORDER BY u.sort_key",
            yes("f.consent <> 0 AND f.erased_at IS NULL"),
            yes("f.phone_index <> ''"),
            yes("f.email_index <> ''"),
            yes("f.erased_at IS NOT NULL"),
        );
        Ok(on_db!(self, read, |pool| sqlx::query_as(AssertSqlSafe(sql.as_str())).fetch_all(pool).await)?)
    }

    /// Register entries in the caller's scope, newest dossiers first, without personal data.
    pub async fn frame_entries(&self, access: &Access, filter: &FrameFilter, paging: Paging) -> Result<Page<FrameEntry>> {
        let scope = scope_sql(&access.roots(Permission::ManageSurveys));
        let from = "FROM frame_entries f JOIN units u ON u.id = f.unit_id
             WHERE f.unit_id IN (SELECT id FROM scope) AND ($1 IS NULL OR f.unit_id = $1) AND f.dossier_code LIKE $2";
        let list = format!("{scope} SELECT {ENTRY_COLUMNS} {from} ORDER BY f.completed_on DESC, f.id DESC LIMIT $3 OFFSET $4");
        let count = format!("{scope} SELECT COUNT(*) {from}");
        let prefix = format!("{}%", filter.dossier.trim().replace(['%', '_'], ""));
        let (items, total) = on_db!(self, read, |pool| {
            let items: Vec<FrameEntry> =
                sqlx::query_as(AssertSqlSafe(list.as_str())).bind(filter.unit_id).bind(&prefix).bind(paging.limit).bind(paging.offset).fetch_all(pool).await?;
            let total: i64 = sqlx::query_scalar(AssertSqlSafe(count.as_str())).bind(filter.unit_id).bind(&prefix).fetch_one(pool).await?;
            Ok::<_, sqlx::Error>((items, total))
        })?;
        Ok(Page { items, total })
    }

    /// One entry, if the caller runs surveys of its unit (or may open its contacts).
    pub async fn frame_entry(&self, access: &Access, id: i64) -> Result<FrameEntry> {
        let sql = format!("SELECT {ENTRY_COLUMNS} FROM frame_entries f JOIN units u ON u.id = f.unit_id WHERE f.id = $1");
        let entry: FrameEntry =
            on_db!(self, read, |pool| sqlx::query_as(AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(pool).await)?.ok_or(Error::NotFound)?;
        let ancestry = self.unit_ancestry(entry.unit_id).await?;
        if access.can(Permission::ManageSurveys, &ancestry) || access.can(Permission::ViewRespondents, &ancestry) { Ok(entry) } else { Err(Error::NotFound) }
    }

    /// Opens an entry's name and contacts for a caller allowed to see them, and records that
    /// they did, with the purpose they gave.
    pub async fn frame_contact(&self, actor: &Actor, access: &Access, id: i64, purpose: &str) -> Result<FrameContact> {
        let entry = self.frame_entry(access, id).await?;
        if !access.can(Permission::ViewRespondents, &self.unit_ancestry(entry.unit_id).await?) {
            return Err(Error::Forbidden);
        }
        let (name, phone, email): (String, String, String) = on_db!(self, read, |pool| {
            sqlx::query_as("SELECT name_sealed, phone_sealed, email_sealed FROM frame_entries WHERE id = $1").bind(id).fetch_one(pool).await
        })?;
        let open = |field: &str, sealed: &str| if sealed.is_empty() { Ok(String::new()) } else { self.sealer.open(field, sealed) };
        let contact = FrameContact { name: open("frame.name", &name)?, phone: open("frame.phone", &phone)?, email: open("frame.email", &email)? };
        let entry = Entry::new(AuditAction::FrameContactViewed, "frame_entry", id)
            .unit(entry.unit_id)
            .details(json!({ "dossier_code": entry.dossier_code, "purpose": purpose }));
        self.audit(actor, &entry).await?;
        Ok(contact)
    }

    /// Erases an entry's personal data at the applicant's request; the dossier stays, so its
    /// counts and any answer keep their place.
    pub async fn erase_frame_entry(&self, actor: &Actor, access: &Access, id: i64, reason: &str) -> Result<()> {
        let entry = self.frame_entry(access, id).await?;
        if !access.can(Permission::ViewRespondents, &self.unit_ancestry(entry.unit_id).await?) {
            return Err(Error::Forbidden);
        }
        let reason = text::clean(reason);
        if reason.is_empty() {
            return Err(Error::Invalid(vec!["Hãy ghi lý do xóa (ví dụ: theo yêu cầu của người nộp hồ sơ ngày …).".into()]));
        }
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            erase!(&mut *tx, "id = $2", actor.at, id)?;
            let audit = Entry::new(AuditAction::FrameEntryErased, "frame_entry", id)
                .unit(entry.unit_id)
                .details(json!({ "dossier_code": entry.dossier_code, "reason": reason }));
            record!(&mut *tx, actor, &audit)?;
            tx.commit().await?;
            Ok::<_, Error>(())
        })
    }

    pub async fn frame_retention_days(&self) -> Result<i64> {
        self.number_setting(RETENTION_DAYS).await
    }

    /// Sets how long contacts are kept after a dossier's completion; for those who may open
    /// contacts province-wide.
    pub async fn set_frame_retention_days(&self, actor: &Actor, access: &Access, days: i64) -> Result<()> {
        self.require_province_wide(access, Permission::ViewRespondents).await?;
        if !(30..=3650).contains(&days) {
            return Err(Error::Invalid(vec!["Thời hạn lưu giữ phải từ 30 đến 3.650 ngày.".into()]));
        }
        self.set_number_setting(actor, RETENTION_DAYS, days).await
    }

    /// Refuses unless the caller holds `permission` on a top unit (a province-wide setting).
    pub(crate) async fn require_province_wide(&self, access: &Access, permission: Permission) -> Result<()> {
        if self.is_province_wide(access, permission).await? { Ok(()) } else { Err(Error::Forbidden) }
    }

    /// Whether the caller holds `permission` over the whole province.
    pub async fn is_province_wide(&self, access: &Access, permission: Permission) -> Result<bool> {
        let roots: HashSet<i64> = self.root_units().await?.into_iter().collect();
        Ok(access.roots(permission).iter().any(|r| roots.contains(r)))
    }

    /// Erases the personal data of every dossier completed before the retention period;
    /// returns how many. Recorded in the audit log when there were any.
    pub async fn apply_frame_retention(&self, actor: &Actor) -> Result<u64> {
        let days = self.frame_retention_days().await?;
        let today = text::vn_datetime(actor.at).date();
        let cutoff = text::iso_date(today - time::Duration::days(days));
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let erased = erase!(&mut *tx, "completed_on < $2 AND erased_at IS NULL", actor.at, &cutoff)?.rows_affected();
            if erased > 0 {
                let audit = Entry::new(AuditAction::FrameRetentionApplied, "frame", "retention")
                    .details(json!({ "erased": erased, "completed_before": cutoff, "days": days }));
                record!(&mut *tx, actor, &audit)?;
            }
            tx.commit().await?;
            Ok::<_, Error>(erased)
        })
    }
}
