//! Escalation to the unit above of what a unit let pass its deadline: alert cases and questions
//! alike. Each picks what is due and says it in its own words; the move is this one: per item, in
//! one transaction and only if no other process moved it first, the item goes to the unit above
//! with a new deadline, a line in its history, e-mails to that unit's officials and an audit entry.

use domain::audit::AuditAction;
use serde_json::json;
use sqlx::AssertSqlSafe;

use crate::alerts::tell_unit;
use crate::audit::{Entry, record};
use crate::{Actor, Error, Result, Store};

/// What is escalated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tracked {
    AlertCase,
    Question,
}

impl Tracked {
    /// Its table, and the condition of an item still waiting to be handled.
    fn table(self) -> (&'static str, &'static str) {
        match self {
            Self::AlertCase => ("alert_cases", "status = 'open'"),
            Self::Question => ("qa_questions", "status IN ('dang-xu-ly', 'cho-duyet')"),
        }
    }
}

/// One item past its deadline, with what the unit above is told.
pub(crate) struct Due {
    pub id: i64,
    pub unit_id: i64,
    pub parent_id: i64,
    /// Its deadline at the unit above.
    pub deadline_at: i64,
    /// The line in its history.
    pub note: String,
    pub subject: String,
    pub body: String,
}

impl Store {
    /// Moves each item of `due` to the unit above; returns how many moved.
    pub(crate) async fn escalate(&self, tracked: Tracked, due: Vec<Due>, now: i64) -> Result<usize> {
        let (table, pending) = tracked.table();
        let moving = format!(
            "UPDATE {table} SET unit_id = $1, deadline_at = $2, escalations = escalations + 1
             WHERE id = $3 AND unit_id = $4 AND {pending} AND deadline_at <= $5"
        );
        let (action, entity) = match tracked {
            Tracked::AlertCase => (AuditAction::AlertEscalated, "alert_case"),
            Tracked::Question => (AuditAction::QuestionEscalated, "qa_question"),
        };
        let actor = Actor::system("quá hạn", now);
        let mut escalated = 0;
        for item in due {
            on_db!(self, write, |pool| {
                let mut tx = pool.begin().await?;
                let moved = sqlx::query(AssertSqlSafe(moving.as_str()))
                    .bind(item.parent_id)
                    .bind(item.deadline_at)
                    .bind(item.id)
                    .bind(item.unit_id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if moved == 0 {
                    // Another process escalated it first (the transaction rolls back).
                    continue;
                }
                match tracked {
                    Tracked::AlertCase => {
                        sqlx::query("INSERT INTO alert_notes (case_id, author_id, body, at) VALUES ($1, NULL, $2, $3)").bind(item.id).bind(&item.note).bind(now)
                    }
                    Tracked::Question => sqlx::query(
                        "INSERT INTO qa_events (question_id, step, author_id, from_unit_id, to_unit_id, note, at) VALUES ($1, $2, NULL, $3, $4, $5, $6)",
                    )
                    .bind(item.id)
                    .bind(domain::qa::Step::Escalated.code())
                    .bind(item.unit_id)
                    .bind(item.parent_id)
                    .bind(&item.note)
                    .bind(now),
                }
                .execute(&mut *tx)
                .await?;
                tell_unit!(tx, item.parent_id, &item.subject, &item.body, now);
                let entry = Entry::new(action, entity, item.id).unit(item.parent_id).details(json!({ "from": item.unit_id, "to": item.parent_id }));
                record!(&mut *tx, &actor, &entry)?;
                tx.commit().await?;
                escalated += 1;
                Ok::<_, Error>(())
            })?;
        }
        Ok(escalated)
    }
}
