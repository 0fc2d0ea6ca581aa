//! Questions and feedback: topics and the units competent for them, a question as it arrives
//! (routed by its topic or left for the dispatcher, its deadline counted in working days, its
//! files, its tracking code kept as a digest), what officials and the asker may read of it
//! (`steps` moves it, `due` reminds and escalates, `archive` publishes and counts).

use domain::audit::AuditAction;
use domain::auth::{Access, Permission};
use domain::qa::{self, Asked, Channel, Kind, Periods, Status, Step};
use domain::text;
use serde_json::json;
use sqlx::AssertSqlSafe;

use crate::audit::{Entry, record};
use crate::crypto::digest;
use crate::db::scope_sql;
use crate::error::on_conflict;
use crate::{Actor, Error, Page, Paging, Result, Store};

/// Writes one line of a question's history through `$tx`.
macro_rules! event {
    ($tx:ident, $question:expr, $step:expr, $author:expr, $from:expr, $to:expr, $note:expr, $at:expr) => {
        sqlx::query("INSERT INTO qa_events (question_id, step, author_id, from_unit_id, to_unit_id, note, at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind($question)
            .bind(domain::qa::Step::code($step))
            .bind($author)
            .bind($from)
            .bind($to)
            .bind($note)
            .bind($at)
            .execute(&mut *$tx)
            .await?
    };
}

/// Queues a message to the asker (`received`, `answered`, `declined`) through `$tx`.
macro_rules! notify_asker {
    ($tx:ident, $question:expr, $message:expr, $at:expr) => {
        sqlx::query("INSERT INTO qa_notices (question_id, message, created_at, next_attempt_at) VALUES ($1, $2, $3, $3)")
            .bind($question)
            .bind($message)
            .bind($at)
            .execute(&mut *$tx)
            .await?
    };
}

mod archive;
mod due;
mod steps;

pub use archive::{Archive, ArchiveFilter, Archived, UnitTally};
pub use due::{DueRun, QaNotice};
pub use steps::Review;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Topic {
    pub id: i64,
    pub name: String,
    pub unit_id: Option<i64>,
    pub unit_name: Option<String>,
    pub active: bool,
    /// Askers must prove who they are with their electronic identity (VNeID).
    pub requires_identity: bool,
}

/// A topic as the dispatcher sets it.
#[derive(Clone, Debug, Default)]
pub struct TopicSetting {
    pub name: String,
    /// The competent unit its questions go to; none: the dispatcher routes them.
    pub unit_id: Option<i64>,
    /// People may still choose it.
    pub active: bool,
    pub requires_identity: bool,
}

/// A question as officials and its asker read it (not the asker's personal data).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Question {
    pub id: i64,
    pub kind: String,
    pub channel: String,
    pub topic_id: i64,
    pub topic_name: String,
    pub asked_unit_name: Option<String>,
    pub unit_id: Option<i64>,
    pub unit_name: Option<String>,
    pub origin_unit_id: Option<i64>,
    pub title: String,
    pub body: String,
    pub consent: bool,
    pub status: String,
    pub received_at: i64,
    pub first_deadline_at: i64,
    pub deadline_at: i64,
    pub escalations: i64,
    pub draft: String,
    pub drafted_at: Option<i64>,
    pub answer: Option<String>,
    pub answer_unit_name: Option<String>,
    pub answered_at: Option<i64>,
    pub reason: Option<String>,
    pub published_at: Option<i64>,
    pub pinned: bool,
    pub useful: i64,
    pub not_useful: i64,
    /// When the asker proved who they are (VNeID), where they did.
    pub identified_at: Option<i64>,
}

impl Question {
    pub fn status(&self) -> Status {
        Status::parse(&self.status).unwrap_or(Status::Dispatch)
    }

    pub fn kind(&self) -> Kind {
        Kind::parse(&self.kind).unwrap_or(Kind::Question)
    }

    pub fn channel(&self) -> Channel {
        Channel::parse(&self.channel).unwrap_or(Channel::Web)
    }
}

const QUESTION_COLUMNS: &str = "q.id, q.kind, q.channel, q.topic_id, t.name AS topic_name, a.name AS asked_unit_name, q.unit_id, u.name AS unit_name,
     q.origin_unit_id, q.title, q.body, q.consent, q.status, q.received_at, q.first_deadline_at, q.deadline_at, q.escalations, q.draft,
     q.drafted_at, q.answer, w.name AS answer_unit_name, q.answered_at, q.reason, q.published_at, q.pinned, q.useful, q.not_useful, q.identified_at
     FROM qa_questions q JOIN qa_topics t ON t.id = q.topic_id LEFT JOIN units a ON a.id = q.asked_unit_id
     LEFT JOIN units u ON u.id = q.unit_id LEFT JOIN units w ON w.id = q.answer_unit_id";

/// One line of a question's history.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Event {
    pub step: String,
    pub author: Option<String>,
    pub from_unit: Option<String>,
    pub to_unit: Option<String>,
    pub note: String,
    pub at: i64,
}

impl Event {
    pub fn step(&self) -> Option<Step> {
        Step::parse(&self.step)
    }
}

/// A file attached to a question.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Attachment {
    pub id: i64,
    pub name: String,
    pub media_type: String,
    pub size: i64,
}

/// A file as the asker sends it (its type already read from its bytes).
pub struct NewFile {
    pub name: String,
    pub media_type: &'static str,
    pub bytes: Vec<u8>,
}

/// Who asked: personal data, opened for those who answer, every opening audited.
#[derive(Clone, Debug)]
pub struct Asker {
    pub name: String,
    pub address: Option<String>,
    pub contact: String,
}

/// What the asker is told when the question is in.
#[derive(Clone, Debug)]
pub struct Receipt {
    pub id: i64,
    pub status: Status,
    pub deadline_at: i64,
}

/// Which questions an official's list shows.
#[derive(Clone, Debug, Default)]
pub struct QuestionFilter {
    pub status: Option<Status>,
    /// Only those waiting past their deadline at this moment.
    pub overdue_at: Option<i64>,
    /// Only those waiting for the dispatcher.
    pub unassigned: bool,
}

impl Store {
    /// The topics, in name order; only the active ones for the asking form.
    pub async fn qa_topics(&self, active_only: bool) -> Result<Vec<Topic>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT t.id, t.name, t.unit_id, u.name AS unit_name, t.active, t.requires_identity FROM qa_topics t LEFT JOIN units u ON u.id = t.unit_id
                 WHERE t.active OR NOT $1 ORDER BY t.name",
            )
            .bind(active_only)
            .fetch_all(pool)
            .await
        })?)
    }

    /// Adds a topic (`id` = None) or changes one: its name, its competent unit, whether people
    /// may still choose it, whether its askers must prove who they are.
    pub async fn save_qa_topic(&self, actor: &Actor, access: &Access, id: Option<i64>, setting: &TopicSetting) -> Result<i64> {
        let TopicSetting { name, unit_id, active, requires_identity } = setting.clone();
        if !access.has(Permission::DispatchQuestions) {
            return Err(Error::Forbidden);
        }
        let name = text::clean(&name);
        if name.chars().count() < 3 || name.chars().count() > 200 {
            return Err(Error::Invalid(vec!["Tên lĩnh vực từ 3 đến 200 ký tự.".into()]));
        }
        if let Some(unit) = unit_id
            && self.unit_ancestry(unit).await?.is_empty()
        {
            return Err(Error::Invalid(vec!["Không có đơn vị này.".into()]));
        }
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let saved: Option<i64> = match id {
                None => {
                    sqlx::query_scalar(
                        "INSERT INTO qa_topics (name, unit_id, active, created_at, requires_identity) VALUES ($1, $2, $3, $4, $5)
                         ON CONFLICT (name) DO NOTHING RETURNING id",
                    )
                    .bind(&name)
                    .bind(unit_id)
                    .bind(active)
                    .bind(actor.at)
                    .bind(requires_identity)
                    .fetch_optional(&mut *tx)
                    .await?
                }
                Some(id) => sqlx::query_scalar("UPDATE qa_topics SET name = $1, unit_id = $2, active = $3, requires_identity = $5 WHERE id = $4 RETURNING id")
                    .bind(&name)
                    .bind(unit_id)
                    .bind(active)
                    .bind(id)
                    .bind(requires_identity)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(on_conflict("Đã có lĩnh vực cùng tên.".into()))?,
            };
            let Some(saved) = saved else {
                return Err(if id.is_some() { Error::NotFound } else { Error::Conflict("Đã có lĩnh vực cùng tên.".into()) });
            };
            let entry = Entry::new(AuditAction::QaTopicSaved, "qa_topic", saved)
                .details(json!({ "name": name, "unit_id": unit_id, "active": active, "requires_identity": requires_identity }));
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok(saved)
        })
    }

    /// Takes a question in: routed to its topic's unit, or left for the dispatcher; its deadline
    /// counted in working days from now; the asker's data sealed; a message to the asker queued
    /// with the tracking `code` (which is stored only as a digest and sealed for that message).
    #[allow(clippy::too_many_arguments)]
    pub async fn ask(
        &self,
        actor: &Actor,
        asked: &Asked,
        topic_id: i64,
        asked_unit_id: Option<i64>,
        channel: Channel,
        files: &[NewFile],
        code: &str,
        periods: &Periods,
    ) -> Result<Receipt> {
        // One topic read, not the list: this is the path every question takes.
        let topic: Topic = on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT t.id, t.name, t.unit_id, u.name AS unit_name, t.active, t.requires_identity FROM qa_topics t LEFT JOIN units u ON u.id = t.unit_id WHERE t.id = $1 AND t.active",
            )
            .bind(topic_id)
            .fetch_optional(pool)
            .await
        })?
        .ok_or_else(|| Error::Invalid(vec!["Hãy chọn lĩnh vực của câu hỏi.".into()]))?;
        if topic.requires_identity && asked.identity.is_none() {
            return Err(Error::Invalid(vec![format!(
                "Câu hỏi thuộc lĩnh vực «{}» cần xác thực danh tính bằng tài khoản định danh điện tử (VNeID) trước khi gửi.",
                topic.name
            )]));
        }
        if let Some(unit) = asked_unit_id
            && self.unit_ancestry(unit).await?.is_empty()
        {
            return Err(Error::Invalid(vec!["Không có cơ quan, đơn vị này.".into()]));
        }
        if files.len() > qa::MAX_FILES || files.iter().any(|f| f.bytes.len() > qa::MAX_FILE_BYTES) {
            return Err(Error::Invalid(vec![format!("Đính kèm tối đa {} tệp, mỗi tệp không quá 10 MB.", qa::MAX_FILES)]));
        }
        let now = actor.at;
        let calendar = self.calendar_from(now).await?;
        let deadline_at = calendar.deadline(now, periods.days(asked.kind));
        let (status, unit) = match topic.unit_id {
            Some(unit) => (Status::Handling, Some(unit)),
            None => (Status::Dispatch, None),
        };
        // Only a unit holding a question is reminded (see `due`).
        let remind_at = unit.map(|_| calendar.reminder(deadline_at, qa::REMIND_BEFORE).max(now));
        let seal = |field: &str, value: &str| self.sealer.seal(&format!("qa_questions.{field}"), value);
        let (name, contact, sealed_code) = (seal("name", &asked.name), seal("contact", asked.contact.value()), seal("code", code));
        let address = asked.address.as_deref().map(|a| seal("address", a));
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO qa_questions (kind, channel, topic_id, asked_unit_id, unit_id, origin_unit_id, title, body, name, address, contact, consent,
                     code, code_digest, status, received_at, entered_by, first_deadline_at, deadline_at, remind_at, by_zalo, identified_at, identity_digest)
                 VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17, $18, $19, $20, $21) RETURNING id",
            )
            .bind(asked.kind.code())
            .bind(channel.code())
            .bind(topic_id)
            .bind(asked_unit_id)
            .bind(unit)
            .bind(&asked.title)
            .bind(&asked.body)
            .bind(&name)
            .bind(&address)
            .bind(&contact)
            .bind(asked.consent)
            .bind(&sealed_code)
            .bind(digest(code))
            .bind(status.code())
            .bind(now)
            .bind(actor.user_id)
            .bind(deadline_at)
            .bind(remind_at)
            .bind(asked.zalo)
            .bind(asked.identity.as_ref().map(|_| now))
            .bind(&asked.identity)
            .fetch_one(&mut *tx)
            .await?;
            for file in files {
                sqlx::query("INSERT INTO qa_files (question_id, name, media_type, size, content) VALUES ($1, $2, $3, $4, $5)")
                    .bind(id)
                    .bind(&file.name)
                    .bind(file.media_type)
                    .bind(file.bytes.len() as i64)
                    .bind(file.bytes.as_slice())
                    .execute(&mut *tx)
                    .await?;
            }
            event!(tx, id, Step::Received, actor.user_id, None::<i64>, None::<i64>, channel.label(), now);
            // The unit finds it in its list, waiting ones first; it is e-mailed when the
            // deadline nears (one e-mail a unit, however many questions), not per question: a
            // flood of questions must not become a flood of e-mails.
            if let Some(unit) = unit {
                event!(tx, id, Step::Routed, None::<i64>, None::<i64>, Some(unit), topic.name.as_str(), now);
            }
            notify_asker!(tx, id, "received", now);
            let mut entry = Entry::new(AuditAction::QuestionReceived, "qa_question", id)
                .details(json!({ "kind": asked.kind.code(), "channel": channel.code(), "topic": topic_id, "unit": unit, "files": files.len() }));
            entry.unit_id = unit;
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok::<_, Error>(Receipt { id, status, deadline_at })
        })
    }

    /// The condition that keeps an official's reading to their units' questions: held now or
    /// first sent to a unit of their subtree, and those waiting for the dispatcher for the
    /// dispatcher. `$1` is whether the caller dispatches.
    fn question_scope(access: &Access) -> (String, bool) {
        let mut roots = access.roots(Permission::ViewQuestions);
        roots.extend(access.roots(Permission::AnswerQuestions));
        roots.extend(access.roots(Permission::ReceiveQuestions));
        (
            format!(
                "{} SELECT {QUESTION_COLUMNS} WHERE (q.unit_id IN (SELECT id FROM scope) OR q.origin_unit_id IN (SELECT id FROM scope) OR ($1 AND q.unit_id IS NULL))",
                scope_sql(&roots)
            ),
            access.has(Permission::DispatchQuestions),
        )
    }

    /// The questions the caller follows, those waiting longest (by deadline) first.
    pub async fn questions(&self, access: &Access, filter: &QuestionFilter, paging: Paging) -> Result<Page<Question>> {
        let (select, dispatches) = Self::question_scope(access);
        let conditions =
            "AND ($2 IS NULL OR q.status = $2) AND ($3 IS NULL OR (q.status IN ('cho-phan-cong', 'dang-xu-ly', 'cho-duyet') AND q.deadline_at <= $3))
             AND (NOT $4 OR q.unit_id IS NULL)";
        let list = format!(
            "{select} {conditions} ORDER BY CASE WHEN q.status IN ('cho-phan-cong', 'dang-xu-ly', 'cho-duyet') THEN 0 ELSE 1 END, q.deadline_at, q.id DESC LIMIT $5 OFFSET $6"
        );
        let count = format!("SELECT COUNT(*) FROM ({select} {conditions}) AS listed");
        let status = filter.status.map(Status::code);
        on_db!(self, read, |pool| {
            let items = sqlx::query_as::<_, Question>(AssertSqlSafe(list.as_str()))
                .bind(dispatches)
                .bind(status)
                .bind(filter.overdue_at)
                .bind(filter.unassigned)
                .bind(paging.limit)
                .bind(paging.offset)
                .fetch_all(pool)
                .await?;
            let total: i64 = sqlx::query_scalar(AssertSqlSafe(count.as_str()))
                .bind(dispatches)
                .bind(status)
                .bind(filter.overdue_at)
                .bind(filter.unassigned)
                .fetch_one(pool)
                .await?;
            Ok::<_, Error>(Page { items, total })
        })
    }

    /// A question the caller follows, with its history and files.
    pub async fn question(&self, access: &Access, id: i64) -> Result<(Question, Vec<Event>, Vec<Attachment>)> {
        let (select, dispatches) = Self::question_scope(access);
        let sql = format!("{select} AND q.id = $2");
        let question: Question = on_db!(self, read, |pool| sqlx::query_as(AssertSqlSafe(sql.as_str())).bind(dispatches).bind(id).fetch_optional(pool).await)?
            .ok_or(Error::NotFound)?;
        let (events, files) = self.question_details(id).await?;
        Ok((question, events, files))
    }

    async fn question_details(&self, id: i64) -> Result<(Vec<Event>, Vec<Attachment>)> {
        on_db!(self, read, |pool| {
            let events = sqlx::query_as(
                "SELECT e.step, p.full_name AS author, f.name AS from_unit, t.name AS to_unit, e.note, e.at FROM qa_events e
                 LEFT JOIN users p ON p.id = e.author_id LEFT JOIN units f ON f.id = e.from_unit_id LEFT JOIN units t ON t.id = e.to_unit_id
                 WHERE e.question_id = $1 ORDER BY e.id",
            )
            .bind(id)
            .fetch_all(pool)
            .await?;
            let files = sqlx::query_as("SELECT id, name, media_type, size FROM qa_files WHERE question_id = $1 ORDER BY id").bind(id).fetch_all(pool).await?;
            Ok::<_, Error>((events, files))
        })
    }

    /// The question a tracking code opens, for its asker, with its history (who in a unit did
    /// what is not told: the unit is).
    pub async fn track_question(&self, code: &str) -> Result<(Question, Vec<Event>)> {
        let sql = format!("SELECT {QUESTION_COLUMNS} WHERE q.code_digest = $1");
        let question: Question =
            on_db!(self, read, |pool| sqlx::query_as(AssertSqlSafe(sql.as_str())).bind(digest(code)).fetch_optional(pool).await)?.ok_or(Error::NotFound)?;
        let (mut events, _) = self.question_details(question.id).await?;
        for event in &mut events {
            event.author = None;
        }
        Ok((question, events))
    }

    /// Who asked, for an official who answers or dispatches the question; audited.
    pub async fn open_asker(&self, actor: &Actor, access: &Access, id: i64) -> Result<Asker> {
        let (question, _, _) = self.question(access, id).await?;
        self.require_handling(access, &question).await?;
        let (name, address, contact): (String, Option<String>, String) =
            on_db!(self, read, |pool| sqlx::query_as("SELECT name, address, contact FROM qa_questions WHERE id = $1").bind(id).fetch_one(pool).await)?;
        let asker = Asker {
            name: self.sealer.open("qa_questions.name", &name)?,
            address: self.sealer.open_opt("qa_questions.address", address.as_deref())?,
            contact: self.sealer.open("qa_questions.contact", &contact)?,
        };
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let mut entry = Entry::new(AuditAction::QuestionContactOpened, "qa_question", id);
            entry.unit_id = question.unit_id;
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok::<_, Error>(())
        })?;
        Ok(asker)
    }

    /// A file of a question, for an official who answers or dispatches it; audited.
    pub async fn question_file(&self, actor: &Actor, access: &Access, id: i64, file_id: i64) -> Result<(Attachment, Vec<u8>)> {
        let (question, _, files) = self.question(access, id).await?;
        self.require_handling(access, &question).await?;
        let file = files.into_iter().find(|f| f.id == file_id).ok_or(Error::NotFound)?;
        let bytes: Vec<u8> = on_db!(self, read, |pool| sqlx::query_scalar("SELECT content FROM qa_files WHERE id = $1").bind(file_id).fetch_one(pool).await)?;
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let mut entry = Entry::new(AuditAction::QuestionFileOpened, "qa_question", id).details(json!({ "file": file.name }));
            entry.unit_id = question.unit_id;
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok::<_, Error>(())
        })?;
        Ok((file, bytes))
    }

    /// That the caller answers for the unit holding the question, or dispatches it while no
    /// unit does.
    pub(crate) async fn require_handling(&self, access: &Access, question: &Question) -> Result<()> {
        let allowed = match question.unit_id {
            Some(unit) => access.can(Permission::AnswerQuestions, &self.unit_ancestry(unit).await?),
            None => access.has(Permission::DispatchQuestions),
        };
        if allowed { Ok(()) } else { Err(Error::Forbidden) }
    }
}
