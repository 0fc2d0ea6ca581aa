//! The append-only audit log. Changes write their entry in the same transaction as the change
//! itself (see [`record!`]), so the log never misses a committed change nor records one that
//! rolled back.

use std::collections::{BTreeSet, HashMap};

use domain::audit::AuditAction;
use domain::auth::{Access, Permission, Role};
use serde_json::Value;
use sqlx::AssertSqlSafe;

use crate::db::scope_sql;
use crate::{Actor, Page, Paging, Result, Store};

/// What happened to which object, under which unit.
#[derive(Clone, Debug)]
pub struct Entry {
    pub action: AuditAction,
    pub object_type: &'static str,
    pub object_id: String,
    pub unit_id: Option<i64>,
    pub details: Value,
}

impl Entry {
    pub fn new(action: AuditAction, object_type: &'static str, object_id: impl ToString) -> Self {
        Self { action, object_type, object_id: object_id.to_string(), unit_id: None, details: Value::Null }
    }

    pub fn unit(mut self, unit_id: i64) -> Self {
        self.unit_id = Some(unit_id);
        self
    }

    pub fn details(mut self, details: Value) -> Self {
        self.details = details;
        self
    }
}

/// Appends `$entry` by `$actor` through `$exec` (a pool or a transaction of either backend).
macro_rules! record {
    ($exec:expr, $actor:expr, $entry:expr) => {{
        let actor: &$crate::Actor = $actor;
        let entry: &$crate::audit::Entry = $entry;
        async {
            sqlx::query(
                "INSERT INTO audit_log (at, actor_user_id, actor_name, action, object_type, object_id,
                                        unit_id, ip, user_agent, details)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(actor.at)
            .bind(actor.user_id)
            .bind(&actor.name)
            .bind(entry.action.code())
            .bind(entry.object_type)
            .bind(&entry.object_id)
            .bind(entry.unit_id)
            .bind(&actor.ip)
            .bind(&actor.user_agent)
            .bind(entry.details.to_string())
            .execute($exec)
            .await?;
            // The change's event for the webhooks, in the same transaction (the outbox).
            if let Some(kind) = domain::webhooks::EventKind::of_audit(entry.action) {
                sqlx::query("INSERT INTO webhook_events (kind, unit_id, object_type, object_id, at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(kind.code())
                    .bind(entry.unit_id)
                    .bind(entry.object_type)
                    .bind(&entry.object_id)
                    .bind(actor.at)
                    .execute($exec)
                    .await?;
            }
            Ok::<(), sqlx::Error>(())
        }
        .await
    }};
}
pub(crate) use record;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Record {
    pub id: i64,
    pub at: i64,
    pub actor_user_id: Option<i64>,
    pub actor_name: String,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub unit_id: Option<i64>,
    pub unit_name: Option<String>,
    pub ip: String,
    pub user_agent: String,
    pub details: String,
}

#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    pub action: Option<AuditAction>,
    /// Part of the actor's login name.
    pub actor: Option<String>,
    pub unit_id: Option<i64>,
}

impl Store {
    /// Appends one entry on its own (logins, views of personal data).
    pub async fn audit(&self, actor: &Actor, entry: &Entry) -> Result<()> {
        on_db!(self, write, |pool| record!(pool, actor, entry))?;
        Ok(())
    }

    /// The entries the caller may read, newest first. Entries tied to no unit (system events)
    /// are for system administrators only.
    pub async fn audit_log(&self, access: &Access, filter: &Filter, paging: Paging) -> Result<Page<Record>> {
        let scope = scope_sql(&access.roots(Permission::ViewAudit));
        let system = if access.has_role(Role::SystemAdmin) { "OR a.unit_id IS NULL" } else { "" };
        let conditions = format!(
            "WHERE (a.unit_id IN (SELECT id FROM scope) {system})
               AND ($1 IS NULL OR a.at >= $1) AND ($2 IS NULL OR a.at < $2)
               AND ($3 IS NULL OR a.action = $3)
               AND ($4 IS NULL OR a.actor_name LIKE $4)
               AND ($5 IS NULL OR a.unit_id = $5)"
        );
        let list = format!(
            "{scope} SELECT a.id, a.at, a.actor_user_id, a.actor_name, a.action, a.object_type, a.object_id,
                    a.unit_id, u.name AS unit_name, a.ip, a.user_agent, a.details
             FROM audit_log a LEFT JOIN units u ON u.id = a.unit_id {conditions}
             ORDER BY a.at DESC, a.id DESC LIMIT $6 OFFSET $7"
        );
        let count = format!("{scope} SELECT COUNT(*) FROM audit_log a {conditions}");
        let action = filter.action.map(|a| a.code());
        let actor = filter.actor.as_ref().map(|a| format!("%{}%", a.to_lowercase()));
        on_db!(self, read, |pool| {
            let items = sqlx::query_as::<_, Record>(AssertSqlSafe(list.as_str()))
                .bind(filter.from_ms)
                .bind(filter.to_ms)
                .bind(action)
                .bind(&actor)
                .bind(filter.unit_id)
                .bind(paging.limit)
                .bind(paging.offset)
                .fetch_all(pool)
                .await?;
            let total: i64 = sqlx::query_scalar(AssertSqlSafe(count.as_str()))
                .bind(filter.from_ms)
                .bind(filter.to_ms)
                .bind(action)
                .bind(&actor)
                .bind(filter.unit_id)
                .fetch_one(pool)
                .await?;
            Ok(Page { items, total })
        })
    }
}

/// Kinds of audited objects that have a name, and where it is read (`id IN (…)` follows).
const NAMED_OBJECTS: [(&str, &str); 9] = [
    ("unit", "SELECT id, name FROM units WHERE id IN ("),
    ("user", "SELECT id, full_name FROM users WHERE id IN ("),
    ("survey", "SELECT id, title FROM surveys WHERE id IN ("),
    ("questionnaire", "SELECT id, title FROM questionnaires WHERE id IN ("),
    ("publication", "SELECT id, title FROM publications WHERE id IN ("),
    ("par_tree", "SELECT id, title FROM par_trees WHERE id IN ("),
    ("par_round", "SELECT id, title FROM par_rounds WHERE id IN ("),
    ("par_plan", "SELECT id, title FROM par_plans WHERE id IN ("),
    ("par_assessment", "SELECT a.id, u.name FROM par_assessments a JOIN units u ON u.id = a.unit_id WHERE a.id IN ("),
];

impl Store {
    /// The names of audited objects, so that the log reads "cuộc khảo sát «…»" rather than an
    /// id: (kind, id) → name, for the kinds that have one. One query per kind present.
    pub async fn audit_object_names(&self, objects: &[(&str, &str)]) -> Result<HashMap<(String, String), String>> {
        let mut names = HashMap::new();
        for (kind, select) in NAMED_OBJECTS {
            let ids: BTreeSet<i64> = objects.iter().filter(|(k, _)| *k == kind).filter_map(|(_, id)| id.parse().ok()).collect();
            if ids.is_empty() {
                continue;
            }
            let rows: Vec<(i64, String)> = on_db!(self, read, |pool| {
                let mut query = sqlx::QueryBuilder::new(select);
                let mut list = query.separated(", ");
                for id in &ids {
                    list.push_bind(*id);
                }
                query.push(")");
                query.build_query_as().fetch_all(pool).await
            })?;
            names.extend(rows.into_iter().map(|(id, name)| ((kind.to_string(), id.to_string()), name)));
        }
        Ok(names)
    }
}
