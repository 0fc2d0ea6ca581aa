//! The public archive of answered questions (masked, with the asker's consent; the pinned ones
//! first), "was this useful?", and the statistics of each unit over a period.

use std::collections::BTreeMap;

use domain::auth::{Access, Permission};
use domain::qa::{Counted, Status, Tally};
use sqlx::AssertSqlSafe;

use crate::crypto::digest;
use crate::db::scope_sql;
use crate::{Error, Paging, Result, Store};

/// A published question as the archive shows it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Archived {
    pub id: i64,
    pub kind: String,
    pub topic_id: i64,
    pub topic_name: String,
    pub unit_name: Option<String>,
    pub title: String,
    pub body: String,
    pub answer: String,
    pub received_at: i64,
    pub answered_at: Option<i64>,
    pub published_at: i64,
    pub pinned: bool,
    pub useful: i64,
    pub not_useful: i64,
}

const ARCHIVED_COLUMNS: &str = "q.id, q.kind, q.topic_id, t.name AS topic_name, w.name AS unit_name, q.public_title AS title, q.public_body AS body,
     q.public_answer AS answer, q.received_at, q.answered_at, q.published_at, q.pinned, q.useful, q.not_useful
     FROM qa_questions q JOIN qa_topics t ON t.id = q.topic_id LEFT JOIN units w ON w.id = q.answer_unit_id";

/// The most published questions the archive counts exactly.
pub const ARCHIVE_COUNT_LIMIT: i64 = 10_000;

/// A page of the archive and how many it was cut from.
#[derive(Clone, Debug)]
pub struct Archive {
    pub items: Vec<Archived>,
    /// Counted up to [`ARCHIVE_COUNT_LIMIT`].
    pub total: i64,
    /// Whether there are more than that.
    pub more: bool,
}

/// Which part of the archive.
#[derive(Clone, Debug, Default)]
pub struct ArchiveFilter {
    pub topic: Option<i64>,
    pub unit: Option<i64>,
    /// Only the frequently asked (pinned) ones.
    pub pinned: bool,
}

/// A unit's record over a period; `unit_id` 0 for what no unit was sent yet.
#[derive(Clone, Debug)]
pub struct UnitTally {
    pub unit_id: i64,
    pub unit_name: String,
    pub tally: Tally,
}

impl Store {
    /// A page of the archive: the pinned first, then the newest published; and how many there
    /// are, counted up to [`ARCHIVE_COUNT_LIMIT`] (more is told as "more than"). Each filter is
    /// in the query only when chosen, so that its index serves it.
    pub async fn archive(&self, filter: &ArchiveFilter, paging: Paging) -> Result<Archive> {
        let mut conditions = vec!["q.published_at IS NOT NULL".to_string()];
        let mut values = Vec::new();
        for (column, value) in [("q.topic_id", filter.topic), ("q.answer_unit_id", filter.unit)] {
            if let Some(value) = value {
                values.push(value);
                conditions.push(format!("{column} = ${}", values.len()));
            }
        }
        if filter.pinned {
            conditions.push("q.pinned".into());
        }
        let conditions = conditions.join(" AND ");
        let (limit, offset) = (values.len() + 1, values.len() + 2);
        let list =
            format!("SELECT {ARCHIVED_COLUMNS} WHERE {conditions} ORDER BY q.pinned DESC, q.published_at DESC, q.id DESC LIMIT ${limit} OFFSET ${offset}");
        let count = format!("SELECT COUNT(*) FROM (SELECT 1 FROM qa_questions q WHERE {conditions} LIMIT {}) AS listed", ARCHIVE_COUNT_LIMIT + 1);
        on_db!(self, read, |pool| {
            let mut select = sqlx::query_as::<_, Archived>(AssertSqlSafe(list.as_str()));
            let mut counting = sqlx::query_scalar::<_, i64>(AssertSqlSafe(count.as_str()));
            for value in &values {
                select = select.bind(value);
                counting = counting.bind(value);
            }
            let items = select.bind(paging.limit).bind(paging.offset).fetch_all(pool).await?;
            let total = counting.fetch_one(pool).await?;
            Ok::<_, Error>(Archive { items, total: total.min(ARCHIVE_COUNT_LIMIT), more: total > ARCHIVE_COUNT_LIMIT })
        })
    }

    /// The units that answered what the archive shows, by name: (id, name).
    pub async fn archive_units(&self) -> Result<Vec<(i64, String)>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT u.id, u.name FROM units u WHERE EXISTS (SELECT 1 FROM qa_questions q WHERE q.answer_unit_id = u.id AND q.published_at IS NOT NULL)
                 ORDER BY u.name",
            )
            .fetch_all(pool)
            .await
        })?)
    }

    /// A published question, for anyone.
    pub async fn archived_question(&self, id: i64) -> Result<Archived> {
        let sql = format!("SELECT {ARCHIVED_COLUMNS} WHERE q.id = $1 AND q.published_at IS NOT NULL");
        on_db!(self, read, |pool| sqlx::query_as(AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(pool).await)?.ok_or(Error::NotFound)
    }

    /// Records whether a reader (known by a browser token) found a published answer useful;
    /// `false` if that browser had said so already.
    pub async fn vote_useful(&self, id: i64, voter_token: &str, useful: bool, now: i64) -> Result<bool> {
        self.archived_question(id).await?;
        let voter = digest(voter_token);
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let added = sqlx::query("INSERT INTO qa_votes (question_id, voter_digest, useful, at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
                .bind(id)
                .bind(&voter)
                .bind(useful)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if added == 1 {
                let column = if useful { "useful" } else { "not_useful" };
                let sql = format!("UPDATE qa_questions SET {column} = {column} + 1 WHERE id = $1");
                sqlx::query(AssertSqlSafe(sql)).bind(id).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok::<_, Error>(added == 1)
        })
    }

    /// Each unit's record for the questions received in `[from, to)`, counted against the unit
    /// they were first sent to (an escalation does not wash a unit's lateness away), for the
    /// caller's subtree; with what waits for the dispatcher if the caller dispatches.
    pub async fn qa_tallies(&self, access: &Access, from: i64, to: i64, now: i64) -> Result<Vec<UnitTally>> {
        let sql = format!(
            "{} SELECT COALESCE(q.origin_unit_id, 0), COALESCE(u.name, ''), q.status, q.received_at, q.first_deadline_at, q.deadline_at, q.answered_at,
                    q.useful, q.not_useful
             FROM qa_questions q LEFT JOIN units u ON u.id = q.origin_unit_id
             WHERE q.received_at >= $1 AND q.received_at < $2 AND (q.origin_unit_id IN (SELECT id FROM scope) OR ($3 AND q.origin_unit_id IS NULL))",
            scope_sql(&access.roots(Permission::ViewQuestions))
        );
        type Row = (i64, String, String, i64, i64, i64, Option<i64>, i64, i64);
        let rows: Vec<Row> = on_db!(self, read, |pool| {
            sqlx::query_as(AssertSqlSafe(sql.as_str())).bind(from).bind(to).bind(access.has(Permission::DispatchQuestions)).fetch_all(pool).await
        })?;
        let first_year = domain::text::vn_datetime(from).year();
        let calendar = self.working_calendar(first_year, domain::text::vn_datetime(to.min(now)).year().max(first_year) + 1).await?;
        let mut tallies: BTreeMap<i64, UnitTally> = BTreeMap::new();
        for (unit_id, unit_name, status, received_at, first_deadline_at, deadline_at, answered_at, useful, not_useful) in rows {
            let counted = Counted {
                status: Status::parse(&status).unwrap_or(Status::Dispatch),
                received_at,
                first_deadline_at,
                deadline_at,
                answered_at,
                useful,
                not_useful,
            };
            let name = if unit_id == 0 { "Chưa phân công".to_string() } else { unit_name };
            tallies.entry(unit_id).or_insert_with(|| UnitTally { unit_id, unit_name: name, tally: Tally::default() }).tally.add(&counted, now, &calendar);
        }
        let mut tallies: Vec<UnitTally> = tallies.into_values().collect();
        tallies.sort_by(|a, b| b.tally.received.cmp(&a.tally.received).then_with(|| a.unit_name.cmp(&b.unit_name)));
        Ok(tallies)
    }
}
