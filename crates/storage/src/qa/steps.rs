//! The steps of a question: dispatched (or re-routed) by the reform office, given back by a unit
//! that is not competent, drafted by an official, approved (and so sent) or sent back by the
//! unit's head, declined, published and pinned. Each checks who may take it and what step the
//! question is at (`domain::qa`), and changes the question only if it is still at that step, so
//! that two officials acting at once cannot both win; each writes its line of history and audit.

use domain::audit::AuditAction;
use domain::auth::{Access, Permission};
use domain::qa::{self, QaError, Step};
use domain::text;
use serde_json::json;

use crate::alerts::tell_unit;
use crate::audit::{Entry, record};
use crate::search::{EntryText, index_entry, unindex_entry};
use crate::{Actor, Error, Result, Store};

/// The head's decision on a draft.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Review {
    /// Approve the answer (as drafted, or as the head rewrote it), and publish it if the asker
    /// consented and `publish` is asked.
    Approve { answer: Option<String>, publish: bool },
    /// Send the draft back with what to change.
    SendBack { note: String },
}

fn refused(e: QaError) -> Error {
    Error::Conflict(e.to_string())
}

/// A question that moved on while the caller looked at it.
fn moved_on() -> Error {
    Error::Conflict("Câu hỏi vừa được người khác xử lý; hãy tải lại trang.".into())
}

impl Store {
    async fn require_on_unit(&self, access: &Access, permission: Permission, unit: Option<i64>) -> Result<()> {
        let allowed = match unit {
            Some(unit) => access.can(permission, &self.unit_ancestry(unit).await?),
            None => false,
        };
        if allowed { Ok(()) } else { Err(Error::Forbidden) }
    }

    /// Sends a question to `unit_id`: one waiting for the dispatcher, or one a unit holds
    /// (re-routing); a unit that gave it back is not sent it again.
    pub async fn dispatch_question(&self, actor: &Actor, access: &Access, id: i64, unit_id: i64, note: &str) -> Result<()> {
        if !access.has(Permission::DispatchQuestions) {
            return Err(Error::Forbidden);
        }
        let (question, events, _) = self.question(access, id).await?;
        qa::may_dispatch(question.status()).map_err(refused)?;
        let unit_name: String = on_db!(self, read, |pool| sqlx::query_scalar("SELECT name FROM units WHERE id = $1").bind(unit_id).fetch_optional(pool).await)?
            .ok_or_else(|| Error::Invalid(vec!["Không có đơn vị này.".into()]))?;
        if question.unit_id == Some(unit_id) {
            return Err(Error::Conflict(format!("Câu hỏi đang ở {unit_name}.")));
        }
        if events.iter().any(|e| e.step() == Some(Step::Returned) && e.from_unit.as_deref() == Some(unit_name.as_str())) {
            return Err(refused(QaError::ReturnedBefore));
        }
        let note = text::clean_multiline(note);
        // The new unit is reminded ahead of the deadline, or at once if that moment is past.
        let remind_at = self.calendar_from(actor.at).await?.reminder(question.deadline_at, qa::REMIND_BEFORE).max(actor.at);
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let moved = sqlx::query(
                "UPDATE qa_questions SET unit_id = $1, origin_unit_id = COALESCE(origin_unit_id, $1), status = 'dang-xu-ly', remind_at = $5
                 WHERE id = $2 AND status = $3 AND (unit_id = $4 OR (unit_id IS NULL AND $4 IS NULL))",
            )
            .bind(unit_id)
            .bind(id)
            .bind(question.status().code())
            .bind(question.unit_id)
            .bind(remind_at)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if moved == 0 {
                return Err(moved_on());
            }
            event!(tx, id, Step::Dispatched, actor.user_id, question.unit_id, Some(unit_id), note.as_str(), actor.at);
            let subject = format!("[Thước Đo] Được phân công trả lời: {}", question.title);
            let body = format!(
                "Sở Nội vụ phân công {unit_name} trả lời câu hỏi «{}».\nHạn trả lời: {}.\n{note}\n\nĐăng nhập Thước Đo, mục Hỏi đáp, để xem và trả lời.",
                question.title,
                text::format_lock(question.deadline_at)
            );
            tell_unit!(tx, unit_id, &subject, &body, actor.at);
            let entry = Entry::new(AuditAction::QuestionMoved, "qa_question", id).unit(unit_id).details(json!({ "from": question.unit_id, "to": unit_id }));
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok::<_, Error>(())
        })
    }

    /// The holding unit gives a question back to the dispatcher: not its competence, and why.
    pub async fn return_question(&self, actor: &Actor, access: &Access, id: i64, reason: &str) -> Result<()> {
        let (question, _, _) = self.question(access, id).await?;
        self.require_on_unit(access, Permission::AnswerQuestions, question.unit_id).await?;
        qa::may_return(question.status()).map_err(refused)?;
        let reason = qa::checked_reason(reason).map_err(|e| Error::Invalid(vec![e.to_string()]))?;
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let moved = sqlx::query(
                "UPDATE qa_questions SET unit_id = NULL, status = 'cho-phan-cong', remind_at = NULL WHERE id = $1 AND status = 'dang-xu-ly' AND unit_id = $2",
            )
            .bind(id)
            .bind(question.unit_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if moved == 0 {
                return Err(moved_on());
            }
            event!(tx, id, Step::Returned, actor.user_id, question.unit_id, None::<i64>, reason.as_str(), actor.at);
            let mut entry = Entry::new(AuditAction::QuestionMoved, "qa_question", id).details(json!({ "returned_by": question.unit_id, "reason": reason }));
            entry.unit_id = question.unit_id;
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok::<_, Error>(())
        })
    }

    /// An official of the holding unit writes (or rewrites) the answer for the head to approve.
    pub async fn draft_answer(&self, actor: &Actor, access: &Access, id: i64, draft: &str) -> Result<()> {
        let (question, _, _) = self.question(access, id).await?;
        self.require_on_unit(access, Permission::AnswerQuestions, question.unit_id).await?;
        qa::may_draft(question.status()).map_err(refused)?;
        let draft = qa::checked_answer(draft).map_err(|e| Error::Invalid(vec![e.to_string()]))?;
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let moved = sqlx::query(
                "UPDATE qa_questions SET status = 'cho-duyet', draft = $1, drafted_by = $2, drafted_at = $3 WHERE id = $4 AND status = $5 AND unit_id = $6",
            )
            .bind(&draft)
            .bind(actor.user_id)
            .bind(actor.at)
            .bind(id)
            .bind(question.status().code())
            .bind(question.unit_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if moved == 0 {
                return Err(moved_on());
            }
            event!(tx, id, Step::Drafted, actor.user_id, None::<i64>, None::<i64>, "", actor.at);
            let mut entry = Entry::new(AuditAction::QuestionDrafted, "qa_question", id);
            entry.unit_id = question.unit_id;
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok::<_, Error>(())
        })
    }

    /// The head of the holding unit approves the draft (the answer goes to the asker, and to the
    /// archive if asked and consented to) or sends it back.
    pub async fn review_answer(&self, actor: &Actor, access: &Access, id: i64, review: &Review) -> Result<()> {
        let (question, _, _) = self.question(access, id).await?;
        self.require_on_unit(access, Permission::ApproveAnswers, question.unit_id).await?;
        qa::may_review(question.status()).map_err(refused)?;
        match review {
            Review::SendBack { note } => {
                let note = qa::checked_reason(note).map_err(|e| Error::Invalid(vec![e.to_string()]))?;
                on_db!(self, write, |pool| {
                    let mut tx = pool.begin().await?;
                    let moved = sqlx::query("UPDATE qa_questions SET status = 'dang-xu-ly' WHERE id = $1 AND status = 'cho-duyet'")
                        .bind(id)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                    if moved == 0 {
                        return Err(moved_on());
                    }
                    event!(tx, id, Step::SentBack, actor.user_id, None::<i64>, None::<i64>, note.as_str(), actor.at);
                    let mut entry = Entry::new(AuditAction::QuestionSentBack, "qa_question", id);
                    entry.unit_id = question.unit_id;
                    record!(&mut *tx, actor, &entry)?;
                    tx.commit().await?;
                    Ok::<_, Error>(())
                })
            }
            Review::Approve { answer, publish } => {
                let answer = qa::checked_answer(answer.as_deref().unwrap_or(&question.draft)).map_err(|e| Error::Invalid(vec![e.to_string()]))?;
                on_db!(self, write, |pool| {
                    let mut tx = pool.begin().await?;
                    let moved = sqlx::query(
                        "UPDATE qa_questions SET status = 'da-tra-loi', answer = $1, answer_unit_id = unit_id, answered_by = $2, answered_at = $3, remind_at = NULL
                         WHERE id = $4 AND status = 'cho-duyet'",
                    )
                    .bind(&answer)
                    .bind(actor.user_id)
                    .bind(actor.at)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    if moved == 0 {
                        return Err(moved_on());
                    }
                    event!(tx, id, Step::Approved, actor.user_id, None::<i64>, None::<i64>, "", actor.at);
                    notify_asker!(tx, id, "answered", actor.at);
                    let mut entry = Entry::new(AuditAction::QuestionAnswered, "qa_question", id)
                        .details(json!({ "on_time": qa::on_time(actor.at, question.first_deadline_at) }));
                    entry.unit_id = question.unit_id;
                    record!(&mut *tx, actor, &entry)?;
                    tx.commit().await?;
                    Ok::<_, Error>(())
                })?;
                if *publish && question.consent {
                    self.set_published(actor, id, true).await?;
                }
                Ok(())
            }
        }
    }

    /// The dispatcher declines a question (spam, no content, not a matter for the state) with
    /// the reason the asker is told.
    pub async fn decline_question(&self, actor: &Actor, access: &Access, id: i64, reason: &str) -> Result<()> {
        if !access.has(Permission::DispatchQuestions) {
            return Err(Error::Forbidden);
        }
        let (question, _, _) = self.question(access, id).await?;
        if !question.status().is_pending() {
            return Err(refused(QaError::WrongStep(question.status().label())));
        }
        let reason = qa::checked_reason(reason).map_err(|e| Error::Invalid(vec![e.to_string()]))?;
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let moved = sqlx::query("UPDATE qa_questions SET status = 'khong-thu-ly', reason = $1, remind_at = NULL WHERE id = $2 AND status = $3")
                .bind(&reason)
                .bind(id)
                .bind(question.status().code())
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if moved == 0 {
                return Err(moved_on());
            }
            event!(tx, id, Step::Declined, actor.user_id, None::<i64>, None::<i64>, reason.as_str(), actor.at);
            notify_asker!(tx, id, "declined", actor.at);
            record!(&mut *tx, actor, &Entry::new(AuditAction::QuestionDeclined, "qa_question", id).details(json!({ "reason": reason })))?;
            tx.commit().await?;
            Ok::<_, Error>(())
        })
    }

    /// Publishes an answered question (masked) or withdraws it: the dispatcher, or the head of
    /// the unit that answered.
    pub async fn publish_question(&self, actor: &Actor, access: &Access, id: i64, publish: bool) -> Result<()> {
        let (question, _, _) = self.question(access, id).await?;
        if !access.has(Permission::DispatchQuestions) {
            self.require_on_unit(access, Permission::ApproveAnswers, question.unit_id).await?;
        }
        if publish {
            qa::may_publish(question.status(), question.consent).map_err(refused)?;
        }
        self.set_published(actor, id, publish).await
    }

    async fn set_published(&self, actor: &Actor, id: i64, publish: bool) -> Result<()> {
        let (title, body, answer, unit_id): (String, String, Option<String>, Option<i64>) = on_db!(self, read, |pool| {
            sqlx::query_as("SELECT title, body, answer, answer_unit_id FROM qa_questions WHERE id = $1").bind(id).fetch_one(pool).await
        })?;
        let (public_title, public_body, public_answer) = (qa::public_text(&title), qa::public_text(&body), qa::public_text(&answer.unwrap_or_default()));
        let slug = id.to_string();
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            if publish {
                sqlx::query(
                    "UPDATE qa_questions SET published_at = COALESCE(published_at, $1), public_title = $2, public_body = $3, public_answer = $4 WHERE id = $5",
                )
                .bind(actor.at)
                .bind(&public_title)
                .bind(&public_body)
                .bind(&public_answer)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                let indexed = format!("{public_body}\n{public_answer}");
                let entry = EntryText {
                    kind: "question",
                    ref_id: id,
                    slug: &slug,
                    unit_id: unit_id.unwrap_or_default(),
                    title: &public_title,
                    body: &indexed,
                    visible_from: actor.at,
                };
                index_entry!(&mut *tx, &entry)?;
            } else {
                sqlx::query("UPDATE qa_questions SET published_at = NULL, pinned = FALSE WHERE id = $1").bind(id).execute(&mut *tx).await?;
                unindex_entry!(&mut *tx, "question", id)?;
            }
            let step = if publish { Step::Published } else { Step::Withdrawn };
            event!(tx, id, step, actor.user_id, None::<i64>, None::<i64>, "", actor.at);
            record!(&mut *tx, actor, &Entry::new(AuditAction::QuestionPublished, "qa_question", id).details(json!({ "published": publish })))?;
            tx.commit().await?;
            Ok::<_, Error>(())
        })
    }

    /// Pins a published question among the frequently asked ones, or unpins it.
    pub async fn pin_question(&self, actor: &Actor, access: &Access, id: i64, pinned: bool) -> Result<()> {
        if !access.has(Permission::DispatchQuestions) {
            return Err(Error::Forbidden);
        }
        let (question, _, _) = self.question(access, id).await?;
        if question.published_at.is_none() {
            return Err(Error::Conflict("Chỉ ghim câu hỏi đã công khai.".into()));
        }
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query("UPDATE qa_questions SET pinned = $1 WHERE id = $2").bind(pinned).bind(id).execute(&mut *tx).await?;
            if pinned {
                event!(tx, id, Step::Pinned, actor.user_id, None::<i64>, None::<i64>, "", actor.at);
            }
            record!(&mut *tx, actor, &Entry::new(AuditAction::QuestionPublished, "qa_question", id).details(json!({ "pinned": pinned })))?;
            tx.commit().await?;
            Ok::<_, Error>(())
        })
    }
}
