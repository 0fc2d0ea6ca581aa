//! Reform plans: one per unit and year (the province's own included), their tasks with lead and
//! coordinating units, each task's progress and evidence, and every unit's completion rate.
//! A plan is kept by its unit's officials (the reform office keeps the province's); a task's
//! progress is also reported by the officials of its lead unit.

use std::collections::BTreeMap;

use domain::audit::AuditAction;
use domain::auth::{Access, Permission};
use domain::par::evidence::media_type;
use domain::par::plan::{Completion, TaskProgress, TaskStatus, check_progress, check_task};
use domain::text;
use serde_json::json;
use sha2::{Digest, Sha256};
use time::Date;

use super::evidence::{EvidenceFile, STORE_FILE, verified};
use crate::audit::{Entry, record};
use crate::{Actor, Error, Result, Store};

#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct PlanRow {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub year: i32,
    pub title: String,
    /// The province's own plan (its unit has no parent).
    pub province: bool,
}

#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct TaskRow {
    pub id: i64,
    pub plan_id: i64,
    pub content: String,
    pub lead_unit_id: i64,
    pub lead_name: String,
    pub product: String,
    pub deadline: String,
    pub status: String,
    pub done_on: Option<String>,
    pub note: String,
}

impl TaskRow {
    pub fn progress(&self) -> Option<TaskProgress> {
        Some(TaskProgress {
            deadline: text::parse_date(&self.deadline)?,
            status: TaskStatus::parse(&self.status)?,
            done_on: self.done_on.as_deref().and_then(text::parse_date),
        })
    }
}

#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct TaskFile {
    pub id: i64,
    pub task_id: i64,
    pub name: String,
    pub size: i64,
}

/// A plan with its tasks, and what the caller may do with them.
#[derive(Clone, Debug)]
pub struct Plan {
    pub plan: PlanRow,
    pub tasks: Vec<TaskRow>,
    /// (task id, unit id, unit name) of the coordinating units.
    pub partners: Vec<(i64, i64, String)>,
    pub files: Vec<TaskFile>,
    /// The caller keeps this plan: adds tasks and reports any task's progress.
    pub owner: bool,
    /// Tasks whose progress the caller reports as their lead unit.
    pub leading: Vec<i64>,
}

impl Plan {
    pub fn may_progress(&self, task: i64) -> bool {
        self.owner || self.leading.contains(&task)
    }
}

#[derive(Clone, Debug)]
pub struct NewTask {
    pub content: String,
    pub lead_unit_id: i64,
    pub partner_ids: Vec<i64>,
    pub product: String,
    pub deadline: Option<Date>,
}

/// A task's new status, and perhaps a file showing it.
#[derive(Clone, Debug)]
pub struct TaskUpdate {
    pub status: TaskStatus,
    pub done_on: Option<Date>,
    pub note: String,
    pub file: Option<(String, Vec<u8>)>,
}

const PLAN_SELECT: &str =
    "SELECT p.id, p.unit_id, u.name AS unit_name, p.year, p.title, u.parent_id IS NULL AS province FROM par_plans p JOIN units u ON u.id = p.unit_id";
const TASK_SELECT: &str = "SELECT t.id, t.plan_id, t.content, t.lead_unit_id, u.name AS lead_name, t.product, t.deadline, t.status, t.done_on, t.note
     FROM par_tasks t JOIN units u ON u.id = t.lead_unit_id";

/// Who keeps a unit's plan, given the unit's ancestry: the reform office and the unit's own
/// reform officials.
fn keeper(access: &Access, ancestry: &[i64]) -> bool {
    access.can(Permission::ManagePar, ancestry) || access.can(Permission::SelfAssess, ancestry)
}

impl Store {
    async fn keeps(&self, access: &Access, unit: i64) -> Result<bool> {
        Ok(keeper(access, &self.unit_ancestry(unit).await?))
    }

    /// Starts a unit's plan for a year.
    pub async fn create_par_plan(&self, actor: &Actor, access: &Access, unit_id: i64, year: i32, title: &str) -> Result<i64> {
        if !self.keeps(access, unit_id).await? {
            return Err(Error::Forbidden);
        }
        let title = text::clean(title);
        if title.is_empty() || !(2000..=2100).contains(&year) {
            return Err(Error::Invalid(vec!["Kế hoạch cần tên và năm hợp lệ.".into()]));
        }
        on_db!(self, write, |pool| {
            async {
            let mut tx = pool.begin().await?;
            let id: Option<i64> = sqlx::query_scalar(
                "INSERT INTO par_plans (unit_id, year, title, created_by, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (unit_id, year) DO NOTHING RETURNING id",
            )
            .bind(unit_id)
            .bind(year)
            .bind(&title)
            .bind(actor.user_id)
            .bind(actor.at)
            .fetch_optional(&mut *tx)
            .await?;
            let id = id.ok_or_else(|| Error::Conflict(format!("Đơn vị đã có kế hoạch cải cách hành chính năm {year}.")))?;
            record!(&mut *tx, actor, &Entry::new(AuditAction::ParPlanCreated, "par_plan", id).unit(unit_id).details(json!({ "year": year, "title": title })))?;
            tx.commit().await?;
            Ok::<_, Error>(id)
        }
        .await
        })
    }

    /// The plans the caller takes part in: their units' own, and the province's where one of
    /// their units leads or coordinates a task.
    pub async fn par_plans(&self, access: &Access) -> Result<Vec<PlanRow>> {
        self.visible_plans(access, None).await
    }

    /// The plans the caller takes part in, or the one of them with id `only`.
    async fn visible_plans(&self, access: &Access, only: Option<i64>) -> Result<Vec<PlanRow>> {
        let mut units = access.roots(Permission::SelfAssess);
        units.extend(access.roots(Permission::ApproveAssessment));
        units.extend(access.roots(Permission::ManagePar));
        let scope = crate::db::scope_sql(&units);
        let sql = format!(
            "{scope} {PLAN_SELECT} WHERE (p.unit_id IN (SELECT id FROM scope)
                 OR (u.parent_id IS NULL AND EXISTS (SELECT 1 FROM par_tasks t WHERE t.plan_id = p.id
                     AND (t.lead_unit_id IN (SELECT id FROM scope)
                          OR EXISTS (SELECT 1 FROM par_task_partners tp WHERE tp.task_id = t.id AND tp.unit_id IN (SELECT id FROM scope))))))
               AND ($1 IS NULL OR p.id = $1)
             ORDER BY p.year DESC, u.sort_key"
        );
        Ok(on_db!(self, read, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(only).fetch_all(pool).await)?)
    }

    /// One plan with its tasks; not found for those who do not take part in it. Those who take
    /// part only through some of its tasks (a unit in the province's plan) see those tasks
    /// alone, with their files.
    pub async fn par_plan(&self, access: &Access, id: i64) -> Result<Plan> {
        let plan = self.visible_plans(access, Some(id)).await?.into_iter().next().ok_or(Error::NotFound)?;
        let tasks_sql = format!("{TASK_SELECT} WHERE t.plan_id = $1 ORDER BY t.deadline, t.id");
        let mut tasks: Vec<TaskRow> = on_db!(self, read, |pool| sqlx::query_as(sqlx::AssertSqlSafe(tasks_sql.as_str())).bind(id).fetch_all(pool).await)?;
        let mut partners: Vec<(i64, i64, String)> = on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT p.task_id, u.id, u.name FROM par_task_partners p JOIN units u ON u.id = p.unit_id JOIN par_tasks t ON t.id = p.task_id
                 WHERE t.plan_id = $1 ORDER BY u.sort_key",
            )
            .bind(id)
            .fetch_all(pool)
            .await
        })?;
        let mut files: Vec<TaskFile> = on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT f.id, f.task_id, f.name, f.size FROM par_task_files f JOIN par_tasks t ON t.id = f.task_id WHERE t.plan_id = $1 ORDER BY f.id",
            )
            .bind(id)
            .fetch_all(pool)
            .await
        })?;
        let plan_ancestry = self.unit_ancestry(plan.unit_id).await?;
        let owner = keeper(access, &plan_ancestry);
        let whole = owner || access.can(Permission::ApproveAssessment, &plan_ancestry);
        // What the caller's units may do for each unit of the plan's tasks, each unit asked once:
        // report on it (self-assess) and see it (self-assess or approve). The plan's keeper
        // does both for every task already, and needs no asking.
        let mut rights = std::collections::HashMap::new();
        let mut units: Vec<i64> = if owner { Vec::new() } else { tasks.iter().map(|t| t.lead_unit_id).chain(partners.iter().map(|p| p.1)).collect() };
        units.sort_unstable();
        units.dedup();
        for unit in units {
            let ancestry = self.unit_ancestry(unit).await?;
            let reports = access.can(Permission::SelfAssess, &ancestry);
            rights.insert(unit, (reports, reports || access.can(Permission::ApproveAssessment, &ancestry)));
        }
        let sees = |unit: &i64| rights.get(unit).is_some_and(|r| r.1);
        if !whole {
            let shown: std::collections::HashSet<i64> =
                tasks.iter().filter(|t| sees(&t.lead_unit_id) || partners.iter().any(|p| p.0 == t.id && sees(&p.1))).map(|t| t.id).collect();
            tasks.retain(|t| shown.contains(&t.id));
            partners.retain(|p| shown.contains(&p.0));
            files.retain(|f| shown.contains(&f.task_id));
        }
        let leading = tasks.iter().filter(|t| rights.get(&t.lead_unit_id).is_some_and(|r| r.0)).map(|t| t.id).collect();
        Ok(Plan { plan, tasks, partners, files, owner, leading })
    }

    pub async fn add_par_task(&self, actor: &Actor, access: &Access, plan_id: i64, task: &NewTask) -> Result<i64> {
        let plan = self.par_plan(access, plan_id).await?;
        if !plan.owner {
            return Err(Error::Forbidden);
        }
        let content = text::clean_multiline(&task.content);
        let product = text::clean(&task.product);
        check_task(&content, &product, task.deadline, plan.plan.year).map_err(Error::Invalid)?;
        let deadline = task.deadline.map(text::iso_date).unwrap_or_default();
        for unit in std::iter::once(&task.lead_unit_id).chain(&task.partner_ids) {
            self.public_unit(*unit).await.map_err(|_| Error::Invalid(vec![format!("Không có đơn vị mã số {unit}.")]))?;
        }
        on_db!(self, write, |pool| async {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO par_tasks (plan_id, content, lead_unit_id, product, deadline, status, updated_by, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(plan_id)
            .bind(&content)
            .bind(task.lead_unit_id)
            .bind(&product)
            .bind(&deadline)
            .bind(TaskStatus::NotStarted.code())
            .bind(actor.user_id)
            .bind(actor.at)
            .fetch_one(&mut *tx)
            .await?;
            for unit in task.partner_ids.iter().filter(|u| **u != task.lead_unit_id) {
                sqlx::query("INSERT INTO par_task_partners (task_id, unit_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                    .bind(id)
                    .bind(unit)
                    .execute(&mut *tx)
                    .await?;
            }
            let entry = Entry::new(AuditAction::ParTaskAdded, "par_task", id)
                .unit(plan.plan.unit_id)
                .details(json!({ "plan": plan_id, "lead": task.lead_unit_id, "deadline": deadline }));
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok::<_, Error>(id)
        }
        .await)
    }

    /// Reports a task's progress (by the plan's keeper or the lead unit), with perhaps a file;
    /// returns the task's plan.
    pub async fn progress_par_task(&self, actor: &Actor, access: &Access, task_id: i64, update: &TaskUpdate) -> Result<i64> {
        let plan_id: i64 =
            on_db!(self, read, |pool| sqlx::query_scalar("SELECT plan_id FROM par_tasks WHERE id = $1").bind(task_id).fetch_optional(pool).await)?
                .ok_or(Error::NotFound)?;
        let plan = self.par_plan(access, plan_id).await?;
        if !plan.may_progress(task_id) {
            return Err(Error::Forbidden);
        }
        let today = text::vn_datetime(actor.at).date();
        check_progress(update.status, update.done_on, today).map_err(|e| Error::Invalid(vec![e]))?;
        let note = text::clean_multiline(&update.note);
        let file = match &update.file {
            Some((name, bytes)) => {
                let name = domain::par::evidence::file_name(name);
                let media = media_type(&name, bytes).map_err(|m| Error::Invalid(vec![m]))?;
                Some((name, media, hex::encode(Sha256::digest(bytes)), bytes))
            }
            None => None,
        };
        on_db!(self, write, |pool| async {
            let mut tx = pool.begin().await?;
            sqlx::query("UPDATE par_tasks SET status = $1, done_on = $2, note = $3, updated_by = $4, updated_at = $5 WHERE id = $6")
                .bind(update.status.code())
                .bind(update.done_on.map(text::iso_date))
                .bind(&note)
                .bind(actor.user_id)
                .bind(actor.at)
                .bind(task_id)
                .execute(&mut *tx)
                .await?;
            if let Some((name, media, sha256, bytes)) = &file {
                sqlx::query(STORE_FILE).bind(sha256).bind(bytes.len() as i64).bind(*bytes).bind(actor.at).execute(&mut *tx).await?;
                sqlx::query(
                    "INSERT INTO par_task_files (task_id, sha256, name, media_type, size, uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(task_id)
                .bind(sha256)
                .bind(name)
                .bind(*media)
                .bind(bytes.len() as i64)
                .bind(actor.user_id)
                .bind(actor.at)
                .execute(&mut *tx)
                .await?;
            }
            let entry = Entry::new(AuditAction::ParTaskUpdated, "par_task", task_id).unit(plan.plan.unit_id).details(json!({
                "status": update.status.code(),
                "done_on": update.done_on.map(text::iso_date),
                "file": file.as_ref().map(|(name, _, sha256, _)| json!({ "name": name, "sha256": sha256 })),
            }));
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok::<_, Error>(plan_id)
        }
        .await)
    }

    /// A task's evidence file, for those who take part in its plan.
    pub async fn par_task_file(&self, access: &Access, file_id: i64) -> Result<EvidenceFile> {
        let found: Option<(i64, String, String, String, Vec<u8>)> = on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT t.plan_id, f.name, f.media_type, f.sha256, c.content FROM par_task_files f JOIN par_tasks t ON t.id = f.task_id
                 JOIN par_files c ON c.sha256 = f.sha256 WHERE f.id = $1",
            )
            .bind(file_id)
            .fetch_optional(pool)
            .await
        })?;
        let (plan, name, media_type, sha256, bytes) = found.ok_or(Error::NotFound)?;
        if !self.par_plan(access, plan).await?.files.iter().any(|f| f.id == file_id) {
            return Err(Error::NotFound);
        }
        let bytes = verified(&name, &sha256, bytes)?;
        Ok(EvidenceFile { name, media_type, bytes })
    }

    /// Every unit's completion of its year's tasks on `today`: the tasks of its own plan and
    /// those it leads in other plans (the province's), by unit code.
    pub async fn par_plan_completion(&self, year: i32, today: Date) -> Result<BTreeMap<String, Completion>> {
        let rows: Vec<(String, String, String, String, Option<String>)> = on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT l.code, o.code, t.deadline, t.status, t.done_on FROM par_tasks t JOIN par_plans p ON p.id = t.plan_id
                 JOIN units l ON l.id = t.lead_unit_id JOIN units o ON o.id = p.unit_id WHERE p.year = $1",
            )
            .bind(year)
            .fetch_all(pool)
            .await
        })?;
        let mut by_unit: BTreeMap<String, Vec<TaskProgress>> = BTreeMap::new();
        for (lead, owner, deadline, status, done_on) in rows {
            let (Some(deadline), Some(status)) = (text::parse_date(&deadline), TaskStatus::parse(&status)) else { continue };
            let progress = TaskProgress { deadline, status, done_on: done_on.as_deref().and_then(text::parse_date) };
            by_unit.entry(lead.clone()).or_default().push(progress);
            if owner != lead {
                by_unit.entry(owner).or_default().push(progress);
            }
        }
        Ok(by_unit.into_iter().map(|(unit, tasks)| (unit, Completion::of(&tasks, today))).collect())
    }
}
