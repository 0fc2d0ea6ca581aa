//! What the clock does to questions: the holding unit is reminded a working day before the
//! deadline; past it, the question goes to the unit above (the escalation alert cases use);
//! and the asker's messages wait in an outbox until sent. Each pass reads only what is due
//! (by indexes on the reminder and deadline moments), however many questions there are.

use domain::personal::Contact;
use domain::qa::{Kind, Periods, Step};
use domain::text;
use serde_json::json;

use crate::alerts::tell_unit;
use crate::audit::{Entry, record};
use crate::escalation::{Due, Tracked};
use crate::{Actor, Error, Result, Store};

/// Questions reminded or escalated per pass.
const BATCH: i64 = 500;
/// The most questions a unit's reminder lists one by one; the rest are counted.
const REMINDER_LINES: usize = 30;
/// A message that failed this often is left for an administrator to look at.
const MAX_ATTEMPTS: i64 = 10;

/// What one pass did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DueRun {
    pub reminded: usize,
    pub escalated: usize,
}

/// A message to an asker ready to send.
#[derive(Clone, Debug)]
pub struct QaNotice {
    pub id: i64,
    pub attempts: i64,
    /// `received`, `answered` or `declined`.
    pub message: String,
    pub code: String,
    pub title: String,
    pub contact: Contact,
    pub deadline_at: i64,
    pub unit: String,
    pub answer: String,
    pub reason: String,
    /// The asker would rather be told on Zalo.
    pub by_zalo: bool,
}

impl Store {
    /// Reminds and escalates what is due at `now`; `link` makes an official's address of a
    /// question from its id.
    pub async fn process_questions(&self, now: i64, periods: &Periods, link: &(dyn Fn(i64) -> String + Sync)) -> Result<DueRun> {
        let reminded = self.remind_questions(now, link).await?;
        let escalated = self.escalate_questions(now, periods, link).await?;
        Ok(DueRun { reminded, escalated })
    }

    /// One e-mail per unit with its questions whose reminder is due (listed up to
    /// [`REMINDER_LINES`]), however many they are.
    async fn remind_questions(&self, now: i64, link: &(dyn Fn(i64) -> String + Sync)) -> Result<usize> {
        let due: Vec<(i64, i64, String, i64)> = on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT id, unit_id, title, deadline_at FROM qa_questions WHERE remind_at <= $1 AND status IN ('dang-xu-ly', 'cho-duyet')
                 AND unit_id IS NOT NULL ORDER BY unit_id, deadline_at LIMIT $2",
            )
            .bind(now)
            .bind(BATCH)
            .fetch_all(pool)
            .await
        })?;
        let actor = Actor::system("nhắc hạn", now);
        let mut reminded = 0;
        for unit in due.chunk_by(|a, b| a.1 == b.1) {
            let unit_id = unit[0].1;
            let mut lines: Vec<String> = unit
                .iter()
                .take(REMINDER_LINES)
                .map(|(id, _, title, deadline_at)| format!("- {title}: {} ({})", text::format_lock(*deadline_at), link(*id)))
                .collect();
            if unit.len() > REMINDER_LINES {
                lines.push(format!("… và {} câu hỏi khác trong danh sách Hỏi đáp.", text::format_count((unit.len() - REMINDER_LINES) as u64)));
            }
            let subject = format!("[Thước Đo] {} câu hỏi sắp đến hạn trả lời", text::format_count(unit.len() as u64));
            let body = format!("Các câu hỏi sau cần được trả lời trước hạn:\n{}", lines.join("\n"));
            on_db!(self, write, |pool| {
                let mut tx = pool.begin().await?;
                let mut taken = 0;
                for (id, _, _, deadline_at) in unit {
                    let this = sqlx::query("UPDATE qa_questions SET remind_at = NULL WHERE id = $1 AND remind_at IS NOT NULL")
                        .bind(id)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                    if this == 1 {
                        event!(tx, *id, Step::Reminded, None::<i64>, None::<i64>, Some(unit_id), text::format_lock(*deadline_at).as_str(), now);
                        taken += 1;
                    }
                }
                if taken == 0 {
                    // Another process reminded them first (the transaction rolls back).
                    continue;
                }
                tell_unit!(tx, unit_id, &subject, &body, now);
                let entry = Entry::new(domain::audit::AuditAction::QuestionMoved, "unit", unit_id).unit(unit_id).details(json!({ "reminded": taken }));
                record!(&mut *tx, &actor, &entry)?;
                tx.commit().await?;
                reminded += taken;
                Ok::<_, Error>(())
            })?;
        }
        Ok(reminded)
    }

    /// Questions a unit let pass their deadline go to the unit above, which has the kind's
    /// period again, counted from now.
    async fn escalate_questions(&self, now: i64, periods: &Periods, link: &(dyn Fn(i64) -> String + Sync)) -> Result<usize> {
        let rows: Vec<(i64, String, String, i64, String, i64, String)> = on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT q.id, q.kind, q.title, q.unit_id, u.name, u.parent_id, p.name FROM qa_questions q
                 JOIN units u ON u.id = q.unit_id JOIN units p ON p.id = u.parent_id
                 WHERE q.status IN ('dang-xu-ly', 'cho-duyet') AND q.unit_id IS NOT NULL AND q.deadline_at <= $1 ORDER BY q.deadline_at LIMIT $2",
            )
            .bind(now)
            .bind(BATCH)
            .fetch_all(pool)
            .await
        })?;
        if rows.is_empty() {
            return Ok(0);
        }
        let calendar = self.calendar_from(now).await?;
        let due = rows
            .into_iter()
            .map(|(id, kind, title, unit_id, from, parent_id, to)| {
                let deadline_at = calendar.deadline(now, periods.days(Kind::parse(&kind).unwrap_or(Kind::Question)));
                let lock = text::format_lock(deadline_at);
                Due {
                    id,
                    unit_id,
                    parent_id,
                    deadline_at,
                    note: format!("Quá hạn trả lời tại {from}; chuyển lên {to}, hạn mới: {lock}."),
                    subject: format!("[Thước Đo] Câu hỏi quá hạn chuyển lên: {title} — {from}"),
                    body: format!(
                        "Câu hỏi «{title}» đã quá hạn trả lời tại {from} và được chuyển lên {to}; hạn mới: {lock}.\n\nXem và xử lý tại: {}",
                        link(id)
                    ),
                }
            })
            .collect();
        self.escalate(Tracked::Question, due, now).await
    }

    /// The askers' messages due at `now`, at most `limit`.
    pub async fn due_qa_notices(&self, now: i64, limit: i64) -> Result<Vec<QaNotice>> {
        type Row = (i64, i64, String, String, String, String, i64, Option<String>, Option<String>, Option<String>, bool);
        let rows: Vec<Row> = on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT n.id, n.attempts, n.message, q.code, q.title, q.contact, q.deadline_at, w.name, q.answer, q.reason, q.by_zalo FROM qa_notices n
                 JOIN qa_questions q ON q.id = n.question_id LEFT JOIN units w ON w.id = q.answer_unit_id
                 WHERE n.sent_at IS NULL AND n.next_attempt_at <= $1 AND n.attempts < $2 ORDER BY n.id LIMIT $3",
            )
            .bind(now)
            .bind(MAX_ATTEMPTS)
            .bind(limit)
            .fetch_all(pool)
            .await
        })?;
        let mut due = Vec::with_capacity(rows.len());
        for (id, attempts, message, code, title, contact, deadline_at, unit, answer, reason, by_zalo) in rows {
            let contact = Contact::parse(&self.sealer.open("qa_questions.contact", &contact)?);
            let Some(contact) = contact else {
                self.qa_notice_failed(id, "liên hệ của người hỏi không dùng được", i64::MAX).await?;
                continue;
            };
            let code = self.sealer.open("qa_questions.code", &code)?;
            due.push(QaNotice {
                id,
                attempts,
                message,
                code,
                title,
                contact,
                deadline_at,
                unit: unit.unwrap_or_default(),
                answer: answer.unwrap_or_default(),
                reason: reason.unwrap_or_default(),
                by_zalo,
            });
        }
        Ok(due)
    }

    pub async fn qa_notice_sent(&self, id: i64, now: i64) -> Result<()> {
        self.outbox_sent("qa_notices", id, now).await
    }

    /// Records a failed attempt; the message is tried again at `retry_at`.
    pub async fn qa_notice_failed(&self, id: i64, error: &str, retry_at: i64) -> Result<()> {
        self.outbox_failed("qa_notices", id, error, retry_at).await
    }
}
