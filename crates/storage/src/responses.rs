//! Responses: the single ingest writer with group commit, the aggregate counters, live results
//! read from them, and the recount from raw responses that proves they agree.
//!
//! A submission is acknowledged only after the transaction holding it has committed. Submissions
//! queue for one writer task, which takes whatever has arrived (up to [`MAX_BATCH`]) and writes
//! it in one transaction: the responses, the tokens they use up and the counters they add. One
//! commit for many responses is what makes thousands per second possible on SQLite.

#[macro_use]
pub(crate) mod cells;
mod follow_ups;
mod insert;

use std::collections::HashMap;
use std::sync::Arc;

use domain::audit::AuditAction;
use domain::auth::{Access, Permission};
use domain::surveys::quality::Flags;
use domain::surveys::{Counts, Layout};
use futures_util::TryStreamExt;
use serde_json::json;
use sqlx::AssertSqlSafe;
use tokio::sync::{mpsc, oneshot};

pub(crate) use cells::CellCache;
pub(crate) use cells::month_of;
pub use cells::{CellFilter, Difference, RecomputeReport};
pub use follow_ups::FollowUp;
use follow_ups::write_follow_ups;
use insert::InsertResponses;

use crate::audit::Entry;
use crate::db::scope_sql;
use crate::{Actor, Error, Result, Store};

/// Most submissions written in one transaction.
pub const MAX_BATCH: usize = 512;

/// Submission ids looked up per statement.
const LOOKUPS_PER_STATEMENT: usize = 500;

/// A validated response on its way to the database.
#[derive(Clone, Debug)]
pub struct NewResponse {
    /// Chosen by the client; a resend with the same id is acknowledged, not stored twice.
    pub submission_id: String,
    pub survey_id: i64,
    pub unit_id: i64,
    pub channel: String,
    pub started_at: Option<i64>,
    pub submitted_at: i64,
    pub duration_ms: Option<i64>,
    pub token_hash: Option<String>,
    pub dossier_code: Option<String>,
    pub fingerprint: String,
    pub flags: i64,
    /// The validated answers as JSON (serialised by the caller, off the writer's thread).
    pub answers: String,
    /// The counter officer a kiosk rating is about; empty otherwise.
    pub staff: String,
    /// The layout of the survey's questionnaire version and the positions in it that this
    /// response counts (`Layout::positions`).
    pub layout: Arc<Layout>,
    pub positions: Vec<u32>,
    /// What the answer brings with it, written in its own transaction (a new answer only: a
    /// resend finds them written with it).
    pub follow_ups: Vec<FollowUp>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stored {
    New(i64),
    /// The same submission id was stored before: nothing written again.
    AlreadyStored(i64),
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IngestError {
    #[error("Đường dẫn khảo sát này đã được dùng để trả lời; mỗi đường dẫn chỉ dùng được một lần.")]
    TokenUsed,
    #[error("Không lưu được câu trả lời do sự cố hệ thống; vui lòng gửi lại.")]
    Failed,
}

type Ack = oneshot::Sender<std::result::Result<Stored, IngestError>>;

/// The sending side of the ingest queue; cheap to clone.
#[derive(Clone, Debug)]
pub struct Ingest {
    queue: mpsc::Sender<(NewResponse, Ack)>,
}

impl Ingest {
    /// Queues a response and waits until it is committed (or refused).
    pub async fn submit(&self, response: NewResponse) -> std::result::Result<Stored, IngestError> {
        let (ack, done) = oneshot::channel();
        self.queue.send((response, ack)).await.map_err(|_| IngestError::Failed)?;
        done.await.map_err(|_| IngestError::Failed)?
    }
}

impl Store {
    /// Starts the single writer task and returns the queue that feeds it. The task ends when
    /// every [`Ingest`] handle is dropped.
    pub fn start_ingest(&self) -> Ingest {
        let (queue, mut receiver) = mpsc::channel::<(NewResponse, Ack)>(MAX_BATCH * 8);
        let store = self.clone();
        tokio::spawn(async move {
            let mut batch = Vec::with_capacity(MAX_BATCH);
            while receiver.recv_many(&mut batch, MAX_BATCH).await > 0 {
                let (responses, acks): (Vec<NewResponse>, Vec<Ack>) = batch.drain(..).unzip();
                match store.write_batch(&responses).await {
                    Ok(outcomes) => {
                        for (ack, outcome) in acks.into_iter().zip(outcomes) {
                            let _ = ack.send(outcome);
                        }
                    }
                    // One answer that cannot be written must not sink the others of its group:
                    // each is written alone, and only the one that fails is refused.
                    Err(e) => {
                        tracing::error!(error = %e, size = responses.len(), "ingest batch failed; writing its answers one by one");
                        for (response, ack) in responses.iter().zip(acks) {
                            let outcome = match store.write_batch(std::slice::from_ref(response)).await {
                                Ok(mut outcomes) => outcomes.pop().unwrap_or(Err(IngestError::Failed)),
                                Err(e) => {
                                    tracing::error!(error = %e, submission = %response.submission_id, "answer not written; nothing acknowledged");
                                    Err(IngestError::Failed)
                                }
                            };
                            let _ = ack.send(outcome);
                        }
                    }
                }
            }
        });
        Ingest { queue }
    }

    /// Writes a batch in one transaction; the outcome of each submission, in order. Tokens and
    /// dossiers are checked answer by answer; the answers themselves go in a few multi-row
    /// statements, so that a batch costs a handful of round trips to the database, not one per
    /// answer.
    async fn write_batch(&self, batch: &[NewResponse]) -> Result<Vec<std::result::Result<Stored, IngestError>>> {
        let mut outcomes: Vec<Option<std::result::Result<Stored, IngestError>>> = vec![None; batch.len()];
        let months: Vec<String> = batch.iter().map(|r| month_of(r.submitted_at)).collect();
        let mut cells: HashMap<cells::Key, (i64, Counts)> = HashMap::new();
        let lock = self.row_lock();
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            // Writers take turns, across servers too, from their first answer to their commit:
            // answers' ids then follow the order in which they are committed, so that the alert
            // step, reading after the last id it saw, never passes one still being written.
            sqlx::query("UPDATE cell_generation SET generation = generation WHERE id = 1").execute(&mut *tx).await?;
            // Answer → its flags, for those that pass their token.
            let mut to_insert: Vec<(usize, Flags)> = Vec::with_capacity(batch.len());
            // The answers of roster members, kept without their token (below).
            let mut anonymous: HashMap<usize, NewResponse> = HashMap::new();
            for (n, r) in batch.iter().enumerate() {
                if let Some(token) = &r.token_hash {
                    let used = sqlx::query("UPDATE survey_tokens SET used_at = $1 WHERE token_hash = $2 AND survey_id = $3 AND used_at IS NULL")
                        .bind(r.submitted_at)
                        .bind(token)
                        .bind(r.survey_id)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                    if used == 1 {
                        // An answer is the end of its invitation, whatever it reached before. A PAR
                        // INDEX roster member's answer must never lead back to them: it is stored
                        // without the token, and the token's and invitation's times are kept to
                        // the day, so that neither can be matched to the answer's.
                        let member: Option<Option<i64>> = sqlx::query_scalar(
                            "UPDATE invitations SET status = 'completed', due_at = NULL,
                                    completed_at = CASE WHEN member_id IS NULL THEN $1 ELSE $1 - $1 % $3 END
                             WHERE token_hash = $2 RETURNING member_id",
                        )
                        .bind(r.submitted_at)
                        .bind(token)
                        .bind(crate::par::DAY_MS)
                        .fetch_optional(&mut *tx)
                        .await?;
                        if matches!(member, Some(Some(_))) {
                            sqlx::query("UPDATE survey_tokens SET used_at = $1 WHERE token_hash = $2")
                                .bind(r.submitted_at - r.submitted_at % crate::par::DAY_MS)
                                .bind(token)
                                .execute(&mut *tx)
                                .await?;
                            anonymous.insert(n, NewResponse { token_hash: None, ..r.clone() });
                        }
                    } else if !to_insert.iter().any(|(m, _)| batch[*m].submission_id == r.submission_id && batch[*m].token_hash == r.token_hash) {
                        // A resend: its answer holds the token, or none if it was a roster member's.
                        // (The same answer twice in this batch goes on instead: the first took the
                        // token, and this one is stored as its resend below.)
                        let earlier: Option<i64> = sqlx::query_scalar(
                            "SELECT id FROM responses WHERE submission_id = $1
                               AND (token_hash = $2 OR (token_hash IS NULL AND survey_id = $3
                                    AND EXISTS (SELECT 1 FROM invitations WHERE token_hash = $2 AND member_id IS NOT NULL)))",
                        )
                        .bind(&r.submission_id)
                        .bind(token)
                        .bind(r.survey_id)
                        .fetch_optional(&mut *tx)
                        .await?;
                        outcomes[n] = Some(earlier.map(Stored::AlreadyStored).ok_or(IngestError::TokenUsed));
                        continue;
                    }
                }
                // One dossier, one answer: a second one, by whatever channel, is kept and flagged
                // for the reform office (the writer is alone, so two at once are still seen).
                let mut flags = Flags(r.flags);
                if let Some(dossier) = &r.dossier_code {
                    let earlier: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM responses WHERE survey_id = $1 AND dossier_code = $2 AND submission_id <> $3")
                        .bind(r.survey_id)
                        .bind(dossier)
                        .bind(&r.submission_id)
                        .fetch_one(&mut *tx)
                        .await?;
                    flags = flags.with(Flags::REPEAT_DOSSIER, earlier > 0);
                }
                to_insert.push((n, flags));
            }
            let rows: Vec<(&NewResponse, Flags)> = to_insert.iter().map(|(n, flags)| (anonymous.get(n).unwrap_or(&batch[*n]), *flags)).collect();
            let mut stored: HashMap<String, i64> = tx.insert_responses(&rows).await?.into_iter().map(|(id, submission)| (submission, id)).collect();
            // What was there before: a resend, kept once.
            let missing: Vec<&str> = to_insert.iter().map(|(n, _)| batch[*n].submission_id.as_str()).filter(|s| !stored.contains_key(*s)).collect();
            let mut earlier: HashMap<String, i64> = HashMap::new();
            for chunk in missing.chunks(LOOKUPS_PER_STATEMENT) {
                let mut select = sqlx::QueryBuilder::new("SELECT id, submission_id FROM responses WHERE submission_id IN (");
                let mut list = select.separated(", ");
                for submission in chunk {
                    list.push_bind(*submission);
                }
                select.push(")");
                let found: Vec<(i64, String)> = select.build_query_as().fetch_all(&mut *tx).await?;
                earlier.extend(found.into_iter().map(|(id, submission)| (submission, id)));
            }
            for (n, _) in &to_insert {
                let r = &batch[*n];
                // The first of a submission id in the batch is stored; a second is its resend.
                match stored.remove(&r.submission_id) {
                    Some(id) => {
                        write_follow_ups!(tx, r, id);
                        let key = (r.survey_id, r.unit_id, months[*n].clone(), r.channel.clone(), r.staff.clone());
                        cells.entry(key).or_insert_with(|| (r.layout.fingerprint(), Counts::zero(&r.layout))).1.add_positions(&r.positions);
                        earlier.insert(r.submission_id.clone(), id);
                        outcomes[*n] = Some(Ok(Stored::New(id)));
                    }
                    None => {
                        let id = earlier.get(&r.submission_id).copied().ok_or(Error::NotFound)?;
                        outcomes[*n] = Some(Ok(Stored::AlreadyStored(id)));
                    }
                }
            }
            let cells: Vec<_> = cells.into_iter().collect();
            merge_cells!(tx, &cells, lock, false);
            tx.commit().await?;
            Ok::<_, Error>(())
        })?;
        Ok(outcomes.into_iter().map(|o| o.unwrap_or(Err(IngestError::Failed))).collect())
    }

    /// The response stored for a survey under a client's submission id, if any: lets a client
    /// that resends confirm that its answer is in.
    pub async fn stored_submission(&self, survey_id: i64, submission_id: &str) -> Result<Option<i64>> {
        on_db!(self, read, |pool| {
            sqlx::query_scalar("SELECT id FROM responses WHERE survey_id = $1 AND submission_id = $2")
                .bind(survey_id)
                .bind(submission_id)
                .fetch_optional(pool)
                .await
        })
        .map_err(Error::from)
    }

    /// The raw responses of a survey in the caller's scope (those a supervisor rejected left out,
    /// as from every figure), oldest first, through a bounded
    /// channel: a producer task reads them as a stream, so an export of a million rows never
    /// holds them all. The export is recorded in the audit log before the first row.
    pub async fn export_responses(
        &self,
        actor: &Actor,
        access: &Access,
        survey_id: i64,
        filter: &ExportFilter,
    ) -> Result<mpsc::Receiver<Result<ResponseRecord>>> {
        let survey = self.survey(access, survey_id).await?;
        if !access.has(Permission::ViewResponses)
            || (self.find_roster(survey_id).await?.is_some() && !self.is_province_wide(access, Permission::ViewResponses).await?)
        {
            return Err(Error::Forbidden);
        }
        let entry = Entry::new(AuditAction::ResponsesExported, "survey", survey_id)
            .unit(survey.unit_id)
            .details(json!({ "unit_id": filter.unit_id, "from_ms": filter.from_ms, "to_ms": filter.to_ms }));
        self.audit(actor, &entry).await?;
        let scope = scope_sql(&access.roots(Permission::ViewResponses));
        let sql = format!(
            "{scope} SELECT r.id, r.unit_id, r.channel, r.submitted_at, r.duration_ms, r.flags, r.answers FROM responses r
             WHERE r.survey_id = $1 AND r.excluded = 0 AND r.unit_id IN (SELECT id FROM scope)
               AND ($2 IS NULL OR r.unit_id = $2) AND ($3 IS NULL OR r.submitted_at >= $3) AND ($4 IS NULL OR r.submitted_at < $4)
             ORDER BY r.id"
        );
        let (sender, receiver) = mpsc::channel(512);
        let store = self.clone();
        let filter = filter.clone();
        tokio::spawn(async move {
            on_db!(store, read, |pool| {
                let mut rows = sqlx::query_as::<_, ResponseRecord>(AssertSqlSafe(sql.as_str()))
                    .bind(survey_id)
                    .bind(filter.unit_id)
                    .bind(filter.from_ms)
                    .bind(filter.to_ms)
                    .fetch(pool);
                loop {
                    let next = rows.try_next().await.map_err(Error::from);
                    let stop = !matches!(next, Ok(Some(_)));
                    let item = match next {
                        Ok(Some(row)) => Ok(row),
                        Ok(None) => break,
                        Err(e) => Err(e),
                    };
                    // The reader has gone (the download was cancelled): stop reading.
                    if sender.send(item).await.is_err() || stop {
                        break;
                    }
                }
            })
        });
        Ok(receiver)
    }

    /// The condition that keeps the answers (and comments) of PAR INDEX roster surveys from
    /// whoever reads raw answers of part of the province only: an agency that knows who on its list has answered
    /// could otherwise tell whose answer is whose.
    /// `survey` is the column naming an answer's survey.
    pub(crate) async fn rostered_condition(&self, access: &Access, survey: &str) -> Result<String> {
        let whole = self.is_province_wide(access, Permission::ViewResponses).await?;
        Ok(if whole { "1 = 1".into() } else { format!("COALESCE({survey}, 0) NOT IN (SELECT survey_id FROM rosters)") })
    }

    /// One page of the responses behind a figure: a questionnaire version's responses in the
    /// caller's scope (raw-response permission), optionally of one unit's subtree, months,
    /// channel, and those answering a question (with one option). Newest first; the viewing is
    /// recorded in the audit log.
    pub async fn responses_behind(&self, actor: &Actor, access: &Access, filter: &BehindFilter, paging: crate::Paging) -> Result<crate::Page<ResponseRecord>> {
        if !access.has(Permission::ViewResponses) {
            return Err(Error::Forbidden);
        }
        let scope = scope_sql(&access.roots(Permission::ViewResponses));
        let rostered = self.rostered_condition(access, "r.survey_id").await?;
        // The answer to one question, as text: JSON differs between the two databases.
        let answer = match self.backend() {
            crate::Backend::Sqlite => r#"json_extract(r.answers, '$."' || $6 || '"')"#,
            crate::Backend::Postgres => "(CAST(r.answers AS JSONB) ->> $6)",
        };
        let conditions = format!(
            "FROM responses r JOIN surveys s ON s.id = r.survey_id
             WHERE s.version_id = $1 AND r.excluded = 0 AND r.unit_id IN (SELECT id FROM scope) AND ($2 IS NULL OR r.unit_id IN (SELECT id FROM sub))
               AND ($3 IS NULL OR r.submitted_at >= $3) AND ($4 IS NULL OR r.submitted_at < $4) AND ($5 IS NULL OR r.channel = $5)
               AND ($6 IS NULL OR {answer} IS NOT NULL) AND ($7 IS NULL OR {answer} = $7) AND ($8 IS NULL OR r.staff = $8)
               AND ($9 IS NULL OR r.id IN (SELECT response_id FROM alert_case_responses WHERE case_id = $9)) AND {rostered}"
        );
        let with = format!("{scope}, sub(id) AS (SELECT id FROM units WHERE id = $2 UNION SELECT u.id FROM units u JOIN sub x ON u.parent_id = x.id)");
        let list = format!(
            "{with} SELECT r.id, r.unit_id, r.channel, r.submitted_at, r.duration_ms, r.flags, r.answers {conditions}
             ORDER BY r.submitted_at DESC, r.id DESC LIMIT $10 OFFSET $11"
        );
        let count = format!("{with} SELECT COUNT(*) {conditions}");
        // The list and its count take the same filter values, in the same order.
        macro_rules! filtered {
            ($query:expr) => {
                $query
                    .bind(filter.version_id)
                    .bind(filter.unit_id)
                    .bind(filter.from_ms)
                    .bind(filter.to_ms)
                    .bind(&filter.channel)
                    .bind(&filter.question)
                    .bind(&filter.option)
                    .bind(&filter.staff)
                    .bind(filter.case_id)
            };
        }
        let page = on_db!(self, read, |pool| {
            let items =
                filtered!(sqlx::query_as::<_, ResponseRecord>(AssertSqlSafe(list.as_str()))).bind(paging.limit).bind(paging.offset).fetch_all(pool).await?;
            let total: i64 = filtered!(sqlx::query_scalar(AssertSqlSafe(count.as_str()))).fetch_one(pool).await?;
            Ok::<_, Error>(crate::Page { items, total })
        })?;
        let entry = Entry::new(AuditAction::ResponsesViewed, "questionnaire_version", filter.version_id).details(
            json!({ "unit_id": filter.unit_id, "question": filter.question, "option": filter.option, "case_id": filter.case_id, "shown": page.items.len() }),
        );
        self.audit(actor, &entry).await?;
        Ok(page)
    }

    /// Keeps answers given so far under the digest of a secret link, replacing an earlier save;
    /// expired drafts of any survey are removed on the way.
    pub async fn save_draft(&self, token_hash: &str, survey_id: i64, payload: &str, now: i64, expires_at: i64) -> Result<()> {
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query("DELETE FROM response_drafts WHERE expires_at <= $1").bind(now).execute(&mut *tx).await?;
            sqlx::query(
                "INSERT INTO response_drafts (token_hash, survey_id, payload, saved_at, expires_at) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (token_hash) DO UPDATE SET payload = excluded.payload, saved_at = excluded.saved_at,
                                                        expires_at = excluded.expires_at",
            )
            .bind(token_hash)
            .bind(survey_id)
            .bind(payload)
            .bind(now)
            .bind(expires_at)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// A saved draft of this survey that has not expired: its payload.
    pub async fn draft(&self, token_hash: &str, survey_id: i64, now: i64) -> Result<Option<String>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_scalar("SELECT payload FROM response_drafts WHERE token_hash = $1 AND survey_id = $2 AND expires_at > $3")
                .bind(token_hash)
                .bind(survey_id)
                .bind(now)
                .fetch_optional(pool)
                .await
        })?)
    }

    /// Every survey id, for a full recount.
    pub async fn survey_ids(&self) -> Result<Vec<i64>> {
        Ok(on_db!(self, read, |pool| sqlx::query_scalar("SELECT id FROM surveys ORDER BY id").fetch_all(pool).await)?)
    }
}

/// A stored response as exported.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ResponseRecord {
    pub id: i64,
    pub unit_id: i64,
    pub channel: String,
    pub submitted_at: i64,
    pub duration_ms: Option<i64>,
    pub flags: i64,
    /// JSON of the validated answers.
    pub answers: String,
}

/// Which responses stand behind a figure.
#[derive(Clone, Debug, Default)]
pub struct BehindFilter {
    pub version_id: i64,
    /// This unit and the units below it.
    pub unit_id: Option<i64>,
    /// Submitted at or after / before, unix milliseconds.
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    pub channel: Option<String>,
    /// Those who answered this question…
    pub question: Option<String>,
    /// …with this option (single choice and scales).
    pub option: Option<String>,
    /// Kiosk ratings about this counter officer.
    pub staff: Option<String>,
    /// The answers an alert case holds.
    pub case_id: Option<i64>,
}

#[derive(Clone, Debug, Default)]
pub struct ExportFilter {
    pub unit_id: Option<i64>,
    /// Submitted at or after, unix milliseconds.
    pub from_ms: Option<i64>,
    /// Submitted before.
    pub to_ms: Option<i64>,
}
