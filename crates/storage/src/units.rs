//! The unit register: units, their tree and lineage, scoped reads, checked writes and imports.

use std::collections::HashMap;

use domain::audit::AuditAction;
use domain::auth::{Access, Permission, Role};
use domain::text;
use domain::units::{Contact, LineageLink, ParentFacts, RawUnitRow, Unit, UnitCode, UnitError, UnitId, UnitLevel, Validity, check_link, check_placement};
use serde_json::json;
use sqlx::AssertSqlSafe;
use time::Date;

use crate::audit::{Entry, record};
use crate::db::scope_sql;
use crate::{Actor, Error, Page, Paging, Result, Store, on_conflict};

const ANCESTRY_SQL: &str = "WITH RECURSIVE up(id, parent_id, depth) AS (
        SELECT id, parent_id, 0 FROM units WHERE id = $1
        UNION ALL SELECT u.id, u.parent_id, up.depth + 1 FROM units u JOIN up ON u.id = up.parent_id
        WHERE up.depth < 64)
    SELECT id FROM up ORDER BY depth";

const UNIT_COLUMNS: &str = "u.id, u.code, u.name, u.level, u.parent_id, p.name AS parent_name, p.code AS parent_code,
     u.valid_from, u.valid_to";

#[derive(sqlx::FromRow)]
struct UnitRow {
    id: i64,
    code: String,
    name: String,
    level: String,
    parent_id: Option<i64>,
    parent_name: Option<String>,
    parent_code: Option<String>,
    valid_from: String,
    valid_to: Option<String>,
}

fn stored_date(s: &str) -> Date {
    // Dates are written by this module only, in ISO form.
    text::parse_date(s).unwrap_or(Date::MIN)
}

impl From<UnitRow> for Unit {
    fn from(r: UnitRow) -> Self {
        let level = UnitLevel::parse(&r.level).unwrap_or(UnitLevel::Commune);
        let validity = Validity { from: stored_date(&r.valid_from), to: r.valid_to.as_deref().map(stored_date) };
        Self { id: r.id, code: r.code, name: r.name, level, parent_id: r.parent_id, parent_name: r.parent_name, parent_code: r.parent_code, validity }
    }
}

#[derive(Clone, Debug, Default)]
pub struct UnitFilter {
    pub level: Option<UnitLevel>,
    pub parent_id: Option<UnitId>,
    /// Matches code or name, accent-insensitive.
    pub search: Option<String>,
    /// Only units in force on this day.
    pub valid_on: Option<Date>,
}

/// A new unit or the new state of an existing one, every field already parsed.
#[derive(Clone, Debug)]
pub struct UnitInput {
    pub code: UnitCode,
    pub name: String,
    pub level: UnitLevel,
    pub parent_id: Option<UnitId>,
    pub validity: Validity,
}

/// A lineage link as shown next to a unit: the unit on the other side and the date.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct LineageEntry {
    pub unit_id: i64,
    pub code: String,
    pub name: String,
    pub effective: String,
    pub share: Option<f64>,
    pub note: String,
}

#[derive(Clone, Debug)]
pub struct LineageInput {
    pub predecessor_id: UnitId,
    pub successor_id: UnitId,
    pub effective: Date,
    pub share: Option<f64>,
    pub note: String,
}

/// What an import did, or would do, to each row.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportReport {
    pub rows: Vec<RowOutcome>,
    pub applied: bool,
}

impl ImportReport {
    pub fn error_count(&self) -> usize {
        self.rows.iter().filter(|r| !r.errors.is_empty()).count()
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct RowOutcome {
    pub line: usize,
    pub code: String,
    pub name: String,
    pub action: RowAction,
    pub errors: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowAction {
    Create,
    Update,
    Unchanged,
    Rejected,
}

impl RowAction {
    pub fn label(self) -> &'static str {
        match self {
            Self::Create => "Thêm mới",
            Self::Update => "Cập nhật",
            Self::Unchanged => "Không đổi",
            Self::Rejected => "Lỗi",
        }
    }
}

/// An import row with its position in the file and its parsed record (or its errors).
type ParsedRow<'a> = (usize, &'a RawUnitRow, std::result::Result<domain::units::UnitRecord, Vec<String>>);

fn optional_iso(date: Option<Date>) -> Option<String> {
    date.map(text::iso_date)
}

/// The write-side steps shared by create, update and import, expanded for each backend inside
/// one transaction (`$tx`). They return `crate::Result` values.
macro_rules! unit_tx {
    (ancestry, $tx:expr, $id:expr) => {
        sqlx::query_scalar::<_, i64>(ANCESTRY_SQL).bind($id).fetch_all(&mut *$tx).await
    };
    (facts, $tx:expr, $id:expr) => {
        sqlx::query_as::<_, (String, String, Option<String>)>(
            "SELECT level, valid_from, valid_to FROM units WHERE id = $1",
        )
        .bind($id)
        .fetch_optional(&mut *$tx)
        .await
        .map(|row| {
            row.map(|(level, from, to)| ParentFacts {
                level: UnitLevel::parse(&level).unwrap_or(UnitLevel::Commune),
                validity: Validity { from: stored_date(&from), to: to.as_deref().map(stored_date) },
            })
        })
    };
    (by_code, $tx:expr, $code:expr) => {
        sqlx::query_as::<_, UnitRow>(AssertSqlSafe(format!(
            "SELECT {UNIT_COLUMNS} FROM units u LEFT JOIN units p ON p.id = u.parent_id WHERE u.code = $1"
        )))
        .bind($code)
        .fetch_optional(&mut *$tx)
        .await
        .map(|row| row.map(Unit::from))
    };
    (links, $tx:expr) => {
        sqlx::query_as::<_, (i64, i64, String, Option<f64>)>(
            "SELECT predecessor_id, successor_id, effective, share FROM unit_lineage",
        )
        .fetch_all(&mut *$tx)
        .await
        .map(|rows| {
            rows.into_iter()
                .map(|(p, s, e, share)| LineageLink { predecessor: p, successor: s, effective: stored_date(&e), share })
                .collect::<Vec<_>>()
        })
    };
    (children_periods, $tx:expr, $id:expr) => {
        sqlx::query_as::<_, (String, Option<String>)>("SELECT valid_from, valid_to FROM units WHERE parent_id = $1")
            .bind($id)
            .fetch_all(&mut *$tx)
            .await
            .map(|rows| {
                rows.into_iter()
                    .map(|(from, to)| Validity { from: stored_date(&from), to: to.as_deref().map(stored_date) })
                    .collect::<Vec<_>>()
            })
    };
    // Binds $1…$9 of an insert or update: the unit's columns and the time of the change.
    (bind, $query:expr, $input:expr, $at:expr) => {
        $query
            .bind($input.code.as_str())
            .bind(&$input.name)
            .bind(text::fold(&$input.name))
            .bind(text::sort_key(&$input.name))
            .bind($input.level.code())
            .bind($input.parent_id)
            .bind(text::iso_date($input.validity.from))
            .bind(optional_iso($input.validity.to))
            .bind($at)
    };
    (insert, $tx:expr, $input:expr, $at:expr) => {
        unit_tx!(bind, sqlx::query_scalar::<_, i64>(
            "INSERT INTO units (code, name, name_key, sort_key, level, parent_id, valid_from, valid_to, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
        ), $input, $at)
        .fetch_one(&mut *$tx)
        .await
    };
    (update, $tx:expr, $id:expr, $input:expr, $at:expr) => {
        unit_tx!(bind, sqlx::query(
            "UPDATE units SET code = $1, name = $2, name_key = $3, sort_key = $4, level = $5, parent_id = $6,
                    valid_from = $7, valid_to = $8, updated_at = $9 WHERE id = $10",
        ), $input, $at)
        .bind($id)
        .execute(&mut *$tx)
        .await
    };
    (insert_link, $tx:expr, $link:expr, $note:expr, $at:expr) => {
        sqlx::query(
            "INSERT INTO unit_lineage (predecessor_id, successor_id, effective, share, note, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind($link.predecessor)
        .bind($link.successor)
        .bind(text::iso_date($link.effective))
        .bind($link.share)
        .bind($note)
        .bind($at)
        .execute(&mut *$tx)
        .await
    };
    // Checks that `$input` may be written as unit `$id` (None = new) by `$access`; returns the
    // checked input on success.
    (check, $tx:expr, $access:expr, $id:expr, $input:expr) => {{
        let input: &UnitInput = $input;
        let id: Option<UnitId> = $id;
        let mut verdict: Result<()> = Ok(());
        if let Some(id) = id {
            let ancestry = unit_tx!(ancestry, $tx, id)?;
            if !$access.can(Permission::ManageUnits, &ancestry) {
                verdict = Err(Error::Forbidden);
            }
        }
        if verdict.is_ok() {
            match input.parent_id {
                None if !$access.has_role(Role::SystemAdmin) => verdict = Err(Error::Forbidden),
                None => verdict = check_placement(input.level, &input.validity, None).map_err(Error::from),
                Some(parent_id) => match unit_tx!(facts, $tx, parent_id)? {
                    None => verdict = Err(Error::NotFound),
                    Some(parent) => {
                        let ancestry = unit_tx!(ancestry, $tx, parent_id)?;
                        if !$access.can(Permission::ManageUnits, &ancestry) {
                            verdict = Err(Error::Forbidden);
                        } else if id.is_some_and(|id| ancestry.contains(&id)) {
                            verdict = Err(UnitError::ParentCycle.into());
                        } else {
                            verdict = check_placement(input.level, &input.validity, Some(parent)).map_err(Error::from);
                        }
                    }
                },
            }
        }
        if verdict.is_ok() {
            if let Some(id) = id {
                let children = unit_tx!(children_periods, $tx, id)?;
                if children.iter().any(|child| !input.validity.covers(child)) {
                    verdict = Err(Error::Conflict(
                        "Thời gian hiệu lực mới không bao trùm thời gian hiệu lực của các đơn vị cấp dưới.".into(),
                    ));
                }
            }
        }
        verdict
    }};
}

fn code_taken(code: &UnitCode) -> String {
    format!("Mã đơn vị «{}» đã được dùng cho một đơn vị khác.", code.as_str())
}

fn unit_json(input: &UnitInput) -> serde_json::Value {
    json!({
        "code": input.code.as_str(),
        "name": input.name,
        "level": input.level.code(),
        "parent_id": input.parent_id,
        "valid_from": text::iso_date(input.validity.from),
        "valid_to": optional_iso(input.validity.to),
    })
}

impl Store {
    /// The chain `unit`, parent, …, root (empty if the unit does not exist).
    pub async fn unit_ancestry(&self, unit: UnitId) -> Result<Vec<UnitId>> {
        Ok(on_db!(self, read, |pool| sqlx::query_scalar(ANCESTRY_SQL).bind(unit).fetch_all(pool).await)?)
    }

    /// Units in the subtrees of `roots` (for a caller: `access.roots(Permission::ViewUnits)`), in
    /// level order then Vietnamese alphabetical order.
    pub async fn units(&self, roots: &[UnitId], filter: &UnitFilter, paging: Paging) -> Result<Page<Unit>> {
        let scope = scope_sql(roots);
        let conditions = "WHERE u.id IN (SELECT id FROM scope)
               AND ($1 IS NULL OR u.level = $1)
               AND ($2 IS NULL OR u.parent_id = $2)
               AND ($3 IS NULL OR u.name_key LIKE $3 OR LOWER(u.code) LIKE $3)
               AND ($4 IS NULL OR (u.valid_from <= $4 AND (u.valid_to IS NULL OR u.valid_to >= $4)))";
        let list = format!(
            "{scope} SELECT {UNIT_COLUMNS} FROM units u LEFT JOIN units p ON p.id = u.parent_id {conditions}
             ORDER BY CASE u.level WHEN 'province' THEN 0 WHEN 'department' THEN 1 WHEN 'vertical_agency' THEN 2
                      WHEN 'district' THEN 3 ELSE 4 END, u.sort_key, u.id
             LIMIT $5 OFFSET $6"
        );
        let count = format!("{scope} SELECT COUNT(*) FROM units u {conditions}");
        let level = filter.level.map(UnitLevel::code);
        let search = filter.search.as_deref().map(|s| format!("%{}%", text::fold(s)));
        let valid_on = optional_iso(filter.valid_on);
        on_db!(self, read, |pool| {
            let rows = sqlx::query_as::<_, UnitRow>(AssertSqlSafe(list.as_str()))
                .bind(level)
                .bind(filter.parent_id)
                .bind(&search)
                .bind(&valid_on)
                .bind(paging.limit)
                .bind(paging.offset)
                .fetch_all(pool)
                .await?;
            let total: i64 =
                sqlx::query_scalar(AssertSqlSafe(count.as_str())).bind(level).bind(filter.parent_id).bind(&search).bind(&valid_on).fetch_one(pool).await?;
            Ok(Page { items: rows.into_iter().map(Unit::from).collect(), total })
        })
    }

    /// The top units (provinces): the public register starts from them.
    pub async fn root_units(&self) -> Result<Vec<UnitId>> {
        Ok(on_db!(self, read, |pool| { sqlx::query_scalar("SELECT id FROM units WHERE parent_id IS NULL ORDER BY id").fetch_all(pool).await })?)
    }

    /// One unit, if the caller may see it.
    pub async fn unit(&self, access: &Access, id: UnitId) -> Result<Unit> {
        let ancestry = self.unit_ancestry(id).await?;
        if !access.can(Permission::ViewUnits, &ancestry) {
            return Err(Error::NotFound);
        }
        let sql = format!("SELECT {UNIT_COLUMNS} FROM units u LEFT JOIN units p ON p.id = u.parent_id WHERE u.id = $1");
        let row = on_db!(self, read, |pool| sqlx::query_as::<_, UnitRow>(AssertSqlSafe(sql.as_str())).bind(id).fetch_one(pool).await)?;
        Ok(row.into())
    }

    /// A unit's public identity (code, name, level, parent, validity) by code, unscoped: the
    /// register of agencies is public, as the directory page shows. Never for scoped views.
    pub async fn public_unit_by_code(&self, code: &str) -> Result<Unit> {
        let sql = format!("SELECT {UNIT_COLUMNS} FROM units u LEFT JOIN units p ON p.id = u.parent_id WHERE u.code = $1");
        let row = on_db!(self, read, |pool| sqlx::query_as::<_, UnitRow>(AssertSqlSafe(sql.as_str())).bind(code).fetch_one(pool).await)?;
        Ok(row.into())
    }

    /// A unit's public identity by id; see [`Store::public_unit_by_code`].
    pub async fn public_unit(&self, id: UnitId) -> Result<Unit> {
        let sql = format!("SELECT {UNIT_COLUMNS} FROM units u LEFT JOIN units p ON p.id = u.parent_id WHERE u.id = $1");
        let row = on_db!(self, read, |pool| sqlx::query_as::<_, UnitRow>(AssertSqlSafe(sql.as_str())).bind(id).fetch_one(pool).await)?;
        Ok(row.into())
    }

    /// The units in force on `day` that a person looking for `search` (a name or a code, accents
    /// ignored) may mean: those it matches, then the units that former units it matches became,
    /// each with the former name that led to it. Public, like the directory; at most `limit`.
    pub async fn find_units(&self, search: &str, day: Date, limit: usize) -> Result<Vec<(Unit, Option<String>)>> {
        let roots = self.root_units().await?;
        let filter = UnitFilter { search: Some(search.to_string()), valid_on: Some(day), ..UnitFilter::default() };
        let mut found: Vec<(Unit, Option<String>)> =
            self.units(&roots, &filter, Paging::new(1, limit as i64)).await?.items.into_iter().map(|u| (u, None)).collect();
        let pattern = format!("%{}%", text::fold(search));
        let merged: Vec<(UnitId, String)> = on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT l.successor_id, p.name FROM unit_lineage l JOIN units p ON p.id = l.predecessor_id
                 WHERE p.name_key LIKE $1 OR LOWER(p.code) LIKE $1 ORDER BY p.sort_key, l.id LIMIT $2",
            )
            .bind(&pattern)
            .bind(limit as i64)
            .fetch_all(pool)
            .await
        })?;
        for (successor, former) in merged {
            if found.len() >= limit {
                break;
            }
            if found.iter().any(|(u, _)| u.id == successor) {
                continue;
            }
            let unit = self.public_unit(successor).await?;
            if unit.is_valid_on(day) {
                found.push((unit, Some(former)));
            }
        }
        Ok(found)
    }

    /// The units `id` was formed from and the units it became, as (code, name), for its public
    /// page: the register's history is public, like the register.
    pub async fn public_lineage(&self, id: UnitId) -> Result<(Vec<(String, String)>, Vec<(String, String)>)> {
        let sql = |mine: &str, other: &str| {
            format!("SELECT u.code, u.name FROM unit_lineage l JOIN units u ON u.id = l.{other} WHERE l.{mine} = $1 ORDER BY u.sort_key")
        };
        let (before, after) = (sql("successor_id", "predecessor_id"), sql("predecessor_id", "successor_id"));
        on_db!(self, read, |pool| {
            let predecessors = sqlx::query_as(AssertSqlSafe(before.as_str())).bind(id).fetch_all(pool).await?;
            let successors = sqlx::query_as(AssertSqlSafe(after.as_str())).bind(id).fetch_all(pool).await?;
            Ok((predecessors, successors))
        })
    }

    /// The units `id` came from and the units it became, both as far as the caller may see.
    pub async fn lineage(&self, access: &Access, id: UnitId) -> Result<(Vec<LineageEntry>, Vec<LineageEntry>)> {
        self.unit(access, id).await?;
        let scope = scope_sql(&access.roots(Permission::ViewUnits));
        let sql = |mine: &str, other: &str| {
            format!(
                "{scope} SELECT u.id AS unit_id, u.code, u.name, l.effective, l.share, l.note
                 FROM unit_lineage l JOIN units u ON u.id = l.{other}
                 WHERE l.{mine} = $1 AND u.id IN (SELECT id FROM scope) ORDER BY u.sort_key"
            )
        };
        let (before, after) = (sql("successor_id", "predecessor_id"), sql("predecessor_id", "successor_id"));
        on_db!(self, read, |pool| {
            let predecessors = sqlx::query_as(AssertSqlSafe(before.as_str())).bind(id).fetch_all(pool).await?;
            let successors = sqlx::query_as(AssertSqlSafe(after.as_str())).bind(id).fetch_all(pool).await?;
            Ok((predecessors, successors))
        })
    }

    pub async fn create_unit(&self, actor: &Actor, access: &Access, input: &UnitInput) -> Result<Unit> {
        let id = on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            unit_tx!(check, tx, access, None, input)?;
            let id = unit_tx!(insert, tx, input, actor.at).map_err(on_conflict(code_taken(&input.code)))?;
            let entry = Entry::new(AuditAction::UnitCreated, "unit", id).unit(id).details(unit_json(input));
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok::<_, Error>(id)
        })?;
        self.public_unit(id).await
    }

    pub async fn update_unit(&self, actor: &Actor, access: &Access, id: UnitId, input: &UnitInput) -> Result<Unit> {
        let before = self.unit(access, id).await?;
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            unit_tx!(check, tx, access, Some(id), input)?;
            unit_tx!(update, tx, id, input, actor.at).map_err(on_conflict(code_taken(&input.code)))?;
            let details = json!({ "before": { "code": before.code, "name": before.name,
                "parent_id": before.parent_id, "valid_from": text::iso_date(before.validity.from),
                "valid_to": optional_iso(before.validity.to) }, "after": unit_json(input) });
            let entry = Entry::new(AuditAction::UnitUpdated, "unit", id).unit(id).details(details);
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok::<_, Error>(())
        })?;
        self.public_unit(id).await
    }

    /// Sets where and when citizens find a unit (its managers only); recorded with what it was.
    pub async fn set_unit_contact(&self, actor: &Actor, access: &Access, id: UnitId, contact: Contact) -> Result<Contact> {
        let ancestry = self.unit_ancestry(id).await?;
        if ancestry.is_empty() {
            return Err(Error::NotFound);
        }
        if !access.can(Permission::ManageUnits, &ancestry) {
            return Err(Error::Forbidden);
        }
        let contact = contact.checked().map_err(Error::Invalid)?;
        let before = self.unit_contact(id).await?;
        let c = &contact;
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO unit_contacts (unit_id, address, phone, hours, updated_at) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (unit_id) DO UPDATE SET address = excluded.address, phone = excluded.phone, hours = excluded.hours,
                     updated_at = excluded.updated_at",
            )
            .bind(id)
            .bind(&c.address)
            .bind(&c.phone)
            .bind(&c.hours)
            .bind(actor.at)
            .execute(&mut *tx)
            .await?;
            let details = json!({ "contact": { "before": before, "after": c } });
            record!(&mut *tx, actor, &Entry::new(AuditAction::UnitUpdated, "unit", id).unit(id).details(details))?;
            tx.commit().await?;
            Ok::<_, Error>(())
        })?;
        Ok(contact)
    }

    /// Where and when citizens find a unit; public, as the unit's page shows it (empty when none
    /// was given).
    pub async fn unit_contact(&self, id: UnitId) -> Result<Contact> {
        let row: Option<(String, String, String)> = on_db!(self, read, |pool| {
            sqlx::query_as("SELECT address, phone, hours FROM unit_contacts WHERE unit_id = $1").bind(id).fetch_optional(pool).await
        })?;
        Ok(row.map(|(address, phone, hours)| Contact { address, phone, hours }).unwrap_or_default())
    }

    pub async fn add_lineage(&self, actor: &Actor, access: &Access, input: &LineageInput) -> Result<()> {
        let link = LineageLink { predecessor: input.predecessor_id, successor: input.successor_id, effective: input.effective, share: input.share };
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let mut periods = Vec::new();
            for unit in [link.predecessor, link.successor] {
                let ancestry = unit_tx!(ancestry, tx, unit)?;
                if ancestry.is_empty() {
                    return Err(Error::NotFound);
                }
                if !access.can(Permission::ManageUnits, &ancestry) {
                    return Err(Error::Forbidden);
                }
                periods.push(unit_tx!(facts, tx, unit)?.ok_or(Error::NotFound)?.validity);
            }
            let existing = unit_tx!(links, tx)?;
            check_link(&link, &periods[0], &periods[1], &existing)?;
            unit_tx!(insert_link, tx, link, &input.note, actor.at)?;
            let details = json!({ "predecessor_id": link.predecessor, "successor_id": link.successor,
                "effective": text::iso_date(link.effective), "share": link.share, "note": input.note });
            let entry = Entry::new(AuditAction::LineageAdded, "unit", link.successor).unit(link.successor).details(details);
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Imports unit rows in one transaction: every row is checked as it would be written (parents
    /// may come from the same file), lineage links are added from the predecessor codes, and
    /// the whole import is rolled back unless `apply` is set and no row has an error. The report
    /// of a dry run is therefore exactly what applying would do.
    pub async fn import_units(&self, actor: &Actor, access: &Access, rows: &[RawUnitRow], apply: bool) -> Result<ImportReport> {
        let mut parsed: Vec<ParsedRow> =
            rows.iter().enumerate().map(|(i, row)| (i, row, row.parse().map_err(|errs| errs.iter().map(ToString::to_string).collect()))).collect();
        // Parents before children: every allowed parent level sorts before its child level.
        parsed.sort_by_key(|(i, _, rec)| (rec.as_ref().map(|r| r.level).unwrap_or(UnitLevel::Province), *i));
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut outcomes: Vec<(usize, RowOutcome)> = Vec::new();
        let mut changes = Vec::new();
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            for (index, raw, record) in &parsed {
                let mut outcome = RowOutcome {
                    line: raw.line,
                    code: raw.code.trim().to_string(),
                    name: text::clean(&raw.name),
                    action: RowAction::Rejected,
                    errors: Vec::new(),
                };
                let record = match record {
                    Ok(record) => record,
                    Err(errors) => {
                        outcome.errors = errors.clone();
                        outcomes.push((*index, outcome));
                        continue;
                    }
                };
                if let Some(first) = seen.insert(record.code.as_str().to_string(), raw.line) {
                    outcome.errors.push(format!("Mã đơn vị trùng với dòng {first}."));
                    outcomes.push((*index, outcome));
                    continue;
                }
                let parent_id = match &record.parent_code {
                    None => Some(None),
                    Some(code) => unit_tx!(by_code, tx, code.as_str())?.map(|p| Some(p.id)),
                };
                let Some(parent_id) = parent_id else {
                    outcome
                        .errors
                        .push(format!("Không tìm thấy đơn vị cấp trên có mã «{}».", record.parent_code.as_ref().map(UnitCode::as_str).unwrap_or_default()));
                    outcomes.push((*index, outcome));
                    continue;
                };
                let input = UnitInput { code: record.code.clone(), name: record.name.clone(), level: record.level, parent_id, validity: record.validity };
                let existing = unit_tx!(by_code, tx, record.code.as_str())?;
                let verdict = unit_tx!(check, tx, access, existing.as_ref().map(|u| u.id), &input);
                if let Err(err) = verdict {
                    outcome.errors.push(err.to_string());
                    outcomes.push((*index, outcome));
                    continue;
                }
                let id = match &existing {
                    None => {
                        outcome.action = RowAction::Create;
                        unit_tx!(insert, tx, &input, actor.at)?
                    }
                    Some(unit) => {
                        let same = unit.name == input.name && unit.level == input.level && unit.parent_id == input.parent_id && unit.validity == input.validity;
                        outcome.action = if same { RowAction::Unchanged } else { RowAction::Update };
                        if !same {
                            unit_tx!(update, tx, unit.id, &input, actor.at)?;
                        }
                        unit.id
                    }
                };
                for code in &record.predecessors {
                    let Some(predecessor) = unit_tx!(by_code, tx, code.as_str())? else {
                        outcome.errors.push(format!("Không tìm thấy đơn vị tiền thân có mã «{}».", code.as_str()));
                        continue;
                    };
                    let ancestry = unit_tx!(ancestry, tx, predecessor.id)?;
                    if !access.can(Permission::ManageUnits, &ancestry) {
                        outcome.errors.push(Error::Forbidden.to_string());
                        continue;
                    }
                    let link = LineageLink { predecessor: predecessor.id, successor: id, effective: record.validity.from, share: None };
                    let existing_links = unit_tx!(links, tx)?;
                    if existing_links.iter().any(|l| l.predecessor == link.predecessor && l.successor == link.successor) {
                        continue;
                    }
                    match check_link(&link, &predecessor.validity, &record.validity, &existing_links) {
                        Ok(()) => {
                            unit_tx!(insert_link, tx, link, "", actor.at)?;
                            if outcome.action == RowAction::Unchanged {
                                outcome.action = RowAction::Update;
                            }
                        }
                        Err(err) => outcome.errors.push(format!("Tiền thân «{}»: {err}", code.as_str())),
                    }
                }
                if outcome.errors.is_empty() {
                    if outcome.action != RowAction::Unchanged {
                        changes.push((id, outcome.action, unit_json(&input)));
                    }
                } else {
                    outcome.action = RowAction::Rejected;
                }
                outcomes.push((*index, outcome));
            }
            let clean = outcomes.iter().all(|(_, o)| o.errors.is_empty());
            if apply && clean {
                for (id, action, details) in &changes {
                    let action = if *action == RowAction::Create { AuditAction::UnitCreated } else { AuditAction::UnitUpdated };
                    let entry = Entry::new(action, "unit", id).unit(*id).details(details.clone());
                    record!(&mut *tx, actor, &entry)?;
                }
                // The import is logged under the top of the tree it touched, where those who
                // oversee the whole file will look for it.
                let summary =
                    Entry::new(AuditAction::UnitsImported, "unit_import", rows.len()).details(json!({ "rows": rows.len(), "changed": changes.len() }));
                let summary = match changes.first() {
                    Some((id, _, _)) => match unit_tx!(ancestry, tx, *id)?.last() {
                        Some(top) => summary.unit(*top),
                        None => summary,
                    },
                    None => summary,
                };
                record!(&mut *tx, actor, &summary)?;
                tx.commit().await?;
            } else {
                tx.rollback().await?;
            }
            Ok::<_, Error>(())
        })?;
        outcomes.sort_by_key(|(i, _)| *i);
        let applied = apply && outcomes.iter().all(|(_, o)| o.errors.is_empty());
        Ok(ImportReport { rows: outcomes.into_iter().map(|(_, o)| o).collect(), applied })
    }
}
