//! The drafting unit's answers to each position, the summary report ("báo cáo tổng hợp, tiếp
//! thu, giải trình ý kiến") with the final text, the participants told of it, and the
//! statistics of a consultation.

use domain::audit::AuditAction;
use domain::auth::Access;
use domain::consultation::{self, CommentStatus, ConsultationError, ParticipantKind, Verdict};
use serde_json::json;
use sqlx::AssertSqlSafe;

use super::comments::{POSITION_COLUMNS, POSITION_FROM, Position};
use super::{Consultation, Draft};
use crate::audit::{Entry, record};
use crate::{Actor, Error, Page, Paging, Result, Store};

/// What the summary report is made of.
#[derive(Clone, Debug)]
pub struct ReportData {
    pub consultation: Consultation,
    pub draft: Draft,
    /// Every published position, in the draft's order, the most supported first within a part.
    pub positions: Vec<Position>,
    pub statistics: Statistics,
}

/// The figures of a consultation.
#[derive(Clone, Debug, Default)]
pub struct Statistics {
    /// People and organisations who commented or voted, by kind.
    pub participants: Vec<(ParticipantKind, i64)>,
    /// Of them, those who verified their contact.
    pub verified: i64,
    /// Of them, those who proved who they are with their electronic identity (VNeID).
    pub identified: i64,
    /// Participants by the day (Vietnam time) they first commented or voted, in order.
    pub by_day: Vec<(time::Date, i64)>,
    pub comments: Vec<(CommentStatus, i64)>,
    /// Published positions, and those answered.
    pub positions: i64,
    pub answered: i64,
    pub agree: i64,
    pub disagree: i64,
    pub pass: i64,
}

impl Statistics {
    pub fn participants_total(&self) -> i64 {
        self.participants.iter().map(|(_, n)| n).sum()
    }

    pub fn comments_in(&self, status: CommentStatus) -> i64 {
        self.comments.iter().find(|(s, _)| *s == status).map_or(0, |(_, n)| *n)
    }

    pub fn comments_total(&self) -> i64 {
        self.comments.iter().map(|(_, n)| n).sum()
    }
}

/// A participant to tell that the report is out.
#[derive(Clone, Debug)]
pub struct Notice {
    pub id: i64,
    pub attempts: i64,
    pub consultation_id: i64,
    pub title: String,
    pub contact: domain::personal::Contact,
}

/// A notice that failed this often is left.
const MAX_ATTEMPTS: i64 = 10;

impl Store {
    /// The published positions to answer (only those without an answer when `unanswered`).
    pub async fn answer_queue(&self, access: &Access, id: i64, unanswered: bool, paging: Paging) -> Result<Page<Position>> {
        self.managed_consultation(access, id).await?;
        self.position_page(id, if unanswered { " AND g.verdict IS NULL" } else { "" }, paging).await
    }

    /// The drafting unit's answer to a position, until the report is out.
    pub async fn answer_position(&self, actor: &Actor, access: &Access, id: i64, group: i64, verdict: Verdict, answer: &str) -> Result<()> {
        let found = self.managed_consultation(access, id).await?;
        // A draft has no positions: its answers are refused below as not found.
        if found.status == consultation::Status::Reported {
            return Err(ConsultationError::AlreadyReported.into());
        }
        let (verdict, answer) = consultation::checked_answer(verdict, answer)?;
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let changed = sqlx::query(
                "UPDATE consultation_groups SET verdict = $1, answer = $2, answered_by = $3, answered_at = $4 WHERE id = $5 AND consultation_id = $6",
            )
            .bind(verdict.code())
            .bind(&answer)
            .bind(actor.user_id)
            .bind(actor.at)
            .bind(group)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            if changed.rows_affected() == 0 {
                return Err(Error::NotFound);
            }
            let details = json!({ "position": group, "verdict": verdict.code(), "answer": answer });
            let entry = Entry::new(AuditAction::ConsultationAnswered, "consultation", id).unit(found.unit_id).details(details);
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok::<_, Error>(())
        })
    }

    /// Publishes the report with the final text, and queues a notice to every participant who
    /// left a contact. Returns how many will be told.
    pub async fn publish_report(&self, actor: &Actor, access: &Access, id: i64, final_text: &str, now: i64) -> Result<i64> {
        let found = self.managed_consultation(access, id).await?;
        let final_text = domain::text::clean_multiline(final_text);
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let (status, opens_at, closes_at): (String, i64, i64) =
                sqlx::query_as("SELECT status, opens_at, closes_at FROM consultations WHERE id = $1").bind(id).fetch_one(&mut *tx).await?;
            let phase = consultation::phase(consultation::Status::parse(&status).unwrap_or(consultation::Status::Draft), opens_at, closes_at, now);
            let pending: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM consultation_comments WHERE consultation_id = $1 AND status = 'pending'")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
            let unanswered: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM consultation_groups WHERE consultation_id = $1 AND published > 0 AND verdict IS NULL")
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
            consultation::may_report(phase, pending, unanswered, &final_text)?;
            sqlx::query("UPDATE consultations SET status = 'reported', final_text = $1, reported_at = $2, updated_at = $2 WHERE id = $3")
                .bind(&final_text)
                .bind(actor.at)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            let told = sqlx::query(
                "INSERT INTO consultation_notices (consultation_id, participant_id, created_at, next_attempt_at)
                 SELECT $1, id, $2, $2 FROM consultation_participants WHERE consultation_id = $1 AND contact IS NOT NULL",
            )
            .bind(id)
            .bind(actor.at)
            .execute(&mut *tx)
            .await?
            .rows_affected() as i64;
            let details = json!({ "title": found.settings.title, "notices": told });
            let entry = Entry::new(AuditAction::ConsultationReported, "consultation", id).unit(found.unit_id).details(details);
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok::<_, Error>(told)
        })
    }

    /// The figures of a consultation: its running counts and its positions.
    pub async fn consultation_statistics(&self, id: i64) -> Result<Statistics> {
        let counts: Vec<(String, i64)> = on_db!(self, read, |pool| {
            sqlx::query_as("SELECT key, value FROM consultation_counts WHERE consultation_id = $1").bind(id).fetch_all(pool).await
        })?;
        let count = |key: &str| counts.iter().find(|(k, _)| k == key).map_or(0, |(_, n)| *n);
        let mut by_day: Vec<(time::Date, i64)> =
            counts.iter().filter_map(|(key, n)| key.strip_prefix("day:").and_then(domain::text::parse_date).map(|day| (day, *n))).collect();
        by_day.sort_unstable();
        let (positions, answered, agree, disagree, pass): (i64, i64, i64, i64, i64) = on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT COUNT(*), COUNT(verdict), CAST(COALESCE(SUM(agree), 0) AS BIGINT), CAST(COALESCE(SUM(disagree), 0) AS BIGINT),
                     CAST(COALESCE(SUM(pass), 0) AS BIGINT)
                 FROM consultation_groups WHERE consultation_id = $1 AND published > 0",
            )
            .bind(id)
            .fetch_one(pool)
            .await
        })?;
        Ok(Statistics {
            participants: ParticipantKind::ALL.iter().map(|kind| (*kind, count(&format!("kind:{}", kind.code())))).collect(),
            verified: count("verified"),
            identified: count("identified"),
            by_day,
            comments: CommentStatus::ALL.iter().map(|s| (*s, count(&format!("status:{}", s.code())))).collect(),
            positions,
            answered,
            agree,
            disagree,
            pass,
        })
    }

    /// Everything the summary report shows, for the public once published and for the drafting
    /// unit before.
    pub async fn report_data(&self, consultation: Consultation) -> Result<ReportData> {
        let id = consultation.id;
        let draft = self.consultation_draft(id).await?;
        let sql = format!(
            "SELECT {POSITION_COLUMNS} FROM {POSITION_FROM} JOIN consultation_parts pa ON pa.id = g.part_id
             WHERE g.consultation_id = $1 AND g.published > 0 ORDER BY pa.position, g.published DESC, g.id"
        );
        let positions: Vec<Position> = on_db!(self, read, |pool| sqlx::query_as(AssertSqlSafe(sql.as_str())).bind(id).fetch_all(pool).await)?;
        let statistics = self.consultation_statistics(id).await?;
        Ok(ReportData { consultation, draft, positions, statistics })
    }

    /// Notices due now, their contacts opened for sending.
    pub async fn due_notices(&self, now: i64, limit: i64) -> Result<Vec<Notice>> {
        let rows: Vec<(i64, i64, i64, String, Option<String>)> = on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT n.id, n.attempts, n.consultation_id, c.title, p.contact FROM consultation_notices n
                 JOIN consultations c ON c.id = n.consultation_id JOIN consultation_participants p ON p.id = n.participant_id
                 WHERE n.sent_at IS NULL AND n.next_attempt_at <= $1 AND n.attempts < $2 ORDER BY n.id LIMIT $3",
            )
            .bind(now)
            .bind(MAX_ATTEMPTS)
            .bind(limit)
            .fetch_all(pool)
            .await
        })?;
        let mut due = Vec::with_capacity(rows.len());
        for (id, attempts, consultation_id, title, contact) in rows {
            let contact = self.sealer.open_opt("consultation_participants.contact", contact.as_deref())?.and_then(|c| domain::personal::Contact::parse(&c));
            match contact {
                Some(contact) => due.push(Notice { id, attempts, consultation_id, title, contact }),
                None => self.notice_failed(id, "người góp ý không để lại liên hệ dùng được", i64::MAX).await?,
            }
        }
        Ok(due)
    }

    pub async fn notice_sent(&self, id: i64, now: i64) -> Result<()> {
        self.outbox_sent("consultation_notices", id, now).await
    }

    /// Records a failed attempt; the notice is tried again at `retry_at`.
    pub async fn notice_failed(&self, id: i64, error: &str, retry_at: i64) -> Result<()> {
        self.outbox_failed("consultation_notices", id, error, retry_at).await
    }
}
