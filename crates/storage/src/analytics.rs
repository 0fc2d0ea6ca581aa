//! Text analytics kept: every comment read from its source with its sentiment and topics, the
//! taxonomy the reform office edits, a reclassification's progress, and the counts the
//! dashboards read. Classifying is pure and done by the caller (`analytics`); this keeps what
//! it found, and moves each source's cursor in the same transaction, so a comment is kept once
//! even if the process dies between two batches.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use analytics::topics::{Taxonomy, Topic};
use analytics::{Classifier, ClassifierError};
use domain::alerts::AlertKind;
use domain::audit::AuditAction;
use domain::auth::{Access, Permission};
use domain::calendar::Month;
use domain::surveys::{Answers, Questionnaire};
use domain::units::UnitId;
use serde_json::json;
use sqlx::AssertSqlSafe;

use crate::alerts::Found;
use crate::audit::{Entry as AuditEntry, record};
use crate::db::scope_sql;
use crate::{Actor, Error, Result, Store};

/// Sets every kept comment to be classified again, from the first.
macro_rules! start_redo {
    ($tx:ident) => {
        sqlx::query(
            "UPDATE analytics_state SET redo_from = 0, redo_done = 0,
               redo_to = (SELECT COALESCE(MAX(id), 0) FROM analytics_comments), redo_total = (SELECT COUNT(*) FROM analytics_comments)
             WHERE id = 1",
        )
        .execute(&mut *$tx)
        .await?;
    };
}

/// The sources of comments, by the names their cursors and rows keep: survey responses'
/// comment answers, questions and feedback (title and body), consultation comments.
pub const RESPONSES: &str = "response";
pub const QUESTIONS: &str = "question";
pub const CONSULTATIONS: &str = "consultation";

/// A response read for its comments.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ResponseToRead {
    pub id: i64,
    pub survey_id: i64,
    pub version_id: i64,
    pub unit_id: i64,
    pub channel: String,
    pub staff: String,
    pub submitted_at: i64,
    pub answers: String,
}

/// A comment classified, ready to keep. `body` is masked and cut by the caller.
#[derive(Clone, Debug, PartialEq)]
pub struct Analysed {
    pub source_id: i64,
    pub part: String,
    /// The survey a response's comment answers; none for other sources.
    pub survey_id: Option<i64>,
    pub unit_id: i64,
    pub at: i64,
    pub channel: String,
    pub staff: String,
    pub body: String,
    pub classified: Classified,
    /// A consultation comment rejected in moderation: kept, but neither counted nor listed.
    pub withheld: bool,
}

/// What the classifier said of a comment, as kept: sentiment −1, 0 or 1, confidence per mille,
/// topic codes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Classified {
    pub sentiment: i64,
    pub confidence: i64,
    pub topics: Vec<String>,
}

impl Classified {
    pub fn of(reading: analytics::Reading) -> Self {
        Self {
            sentiment: reading.verdict.sentiment.value(),
            confidence: (f64::from(reading.verdict.confidence) * 1000.0).round() as i64,
            topics: reading.topics,
        }
    }
}

/// A kept comment classified again.
#[derive(Clone, Debug, PartialEq)]
pub struct Redone {
    pub id: i64,
    pub classified: Classified,
}

/// Where the analytics stand: the taxonomy's version, the model that classified last, and a
/// reclassification under way.
#[derive(Clone, Debug, PartialEq)]
pub struct State {
    pub taxonomy: i64,
    pub model: String,
    pub redo: Option<Redo>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Redo {
    pub done: i64,
    pub total: i64,
}

/// Which comments a dashboard counts or lists: a unit's subtree (the caller's whole scope when
/// none), months, and optionally one sentiment, topic, channel or counter officer.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CommentFilter {
    pub unit_id: Option<UnitId>,
    pub from: Option<Month>,
    pub to: Option<Month>,
    pub sentiment: Option<i64>,
    pub topic: Option<String>,
    pub channel: Option<String>,
    pub staff: Option<String>,
}

/// Comments of one month (or unit, topic, officer) by sentiment.
#[derive(Clone, Debug, Default, PartialEq, sqlx::FromRow)]
pub struct Counted {
    pub key: String,
    pub negative: i64,
    pub neutral: i64,
    pub positive: i64,
}

impl Counted {
    pub fn total(&self) -> i64 {
        self.negative + self.neutral + self.positive
    }
}

/// A comment as the dashboards show it behind a number.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct Shown {
    pub id: i64,
    pub source: String,
    pub source_id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub at: i64,
    pub channel: String,
    pub staff: String,
    pub body: String,
    pub sentiment: i64,
    pub confidence: i64,
    pub topics: String,
}

/// Comments read or classified again in one batch, and the most batches of each in one pass
/// (the next pass goes on where this one stopped).
const BATCH: i64 = 2_000;
const BATCHES_PER_PASS: usize = 25;
/// A topic of a kept comment (`$1`, `$2`), beside the comment's unit, month, sentiment and
/// withholding, so that counting topics reads one table.
const TOPIC_OF_COMMENT: &str = "INSERT INTO analytics_comment_topics (comment_id, topic, unit_id, month, sentiment, withheld)
     SELECT id, $2, unit_id, month, sentiment, withheld FROM analytics_comments WHERE id = $1";

/// The most comments one listing shows.
pub const MAX_SHOWN: i64 = 200;

impl Store {
    /// Reads the comments that came since the last pass — survey responses' comment answers,
    /// questions and feedback, consultation comments — classifies them with `classifier` and
    /// the taxonomy, and keeps them (starting a reclassification first if the classifier is new);
    /// then opens an alert case for each unit whose month of survey comments spikes (see
    /// [`domain::alerts::comment_spike`]). `link` makes a case's address from its id. Returns how
    /// many source rows were read.
    pub async fn read_new_comments(&self, classifier: &'static dyn Classifier, now: i64, link: &(dyn Fn(i64) -> String + Sync)) -> Result<usize> {
        let model = classifier.id();
        // Read first: the write transaction is for the one pass that finds a new model.
        if self.analytics_state().await?.model != model {
            self.reclassify_for_model(model).await?;
        }
        let (version, taxonomy) = self.analytics_taxonomy().await?;
        let taxonomy = Arc::new(taxonomy);
        let mut forms: HashMap<i64, Arc<Questionnaire>> = HashMap::new();
        let mut read = 0;
        for source in [RESPONSES, QUESTIONS, CONSULTATIONS] {
            for _ in 0..BATCHES_PER_PASS {
                let after = self.analytics_cursor(source).await?;
                let (rows, last, found) = self.unread(source, after, &mut forms).await?;
                let Some(last) = last else { break };
                read += rows;
                let shared = taxonomy.clone();
                let analysed = classify(move || {
                    found
                        .into_iter()
                        .map(|mut c| {
                            let mut reading = analytics::read(&c.body, classifier, &shared)?;
                            c.body = std::mem::take(&mut reading.shown);
                            c.classified = Classified::of(reading);
                            Ok(c)
                        })
                        .collect()
                })
                .await?;
                self.keep_comments(source, last, &analysed, model, version).await?;
                self.comment_spikes(&analysed, &taxonomy, now, link).await?;
                if (rows as i64) < BATCH {
                    break;
                }
            }
        }
        Ok(read)
    }

    /// The next batch of a source after `after`: how many rows were read, the last one's id,
    /// and their comments not classified yet (the text as written in `body`).
    async fn unread(&self, source: &str, after: i64, forms: &mut HashMap<i64, Arc<Questionnaire>>) -> Result<(usize, Option<i64>, Vec<Analysed>)> {
        let unclassified = |source_id, part: String, survey_id, unit_id, at, channel: String, staff: String, body: String| Analysed {
            source_id,
            part,
            survey_id,
            unit_id,
            at,
            channel,
            staff,
            body,
            classified: Classified::default(),
            withheld: false,
        };
        if source == RESPONSES {
            let batch = self.responses_to_read(after, BATCH).await?;
            let (rows, last) = (batch.len(), batch.last().map(|r| r.id));
            let mut found = Vec::new();
            for r in batch {
                if let Entry::Vacant(slot) = forms.entry(r.version_id) {
                    slot.insert(self.version(r.version_id).await?);
                }
                let answers: Answers = serde_json::from_str(&r.answers).unwrap_or_default();
                for (part, text) in forms[&r.version_id].comments(&answers) {
                    found.push(unclassified(r.id, part, Some(r.survey_id), r.unit_id, r.submitted_at, r.channel.clone(), r.staff.clone(), text));
                }
            }
            return Ok((rows, last, found));
        }
        // A question is the unit's it was first sent to (the province's while it waits for the
        // dispatcher); a consultation comment, the drafting unit's. Title and body are one text.
        let sql = if source == QUESTIONS {
            "SELECT q.id, COALESCE(q.origin_unit_id, q.asked_unit_id, (SELECT MIN(id) FROM units WHERE parent_id IS NULL)), q.channel, q.received_at,
                    q.title || '. ' || q.body, CAST(0 AS BIGINT)
             FROM qa_questions q WHERE q.id > $1 ORDER BY q.id LIMIT $2"
        } else {
            "SELECT c.id, k.unit_id, 'web', c.created_at, c.text, CAST(CASE WHEN c.status = 'rejected' THEN 1 ELSE 0 END AS BIGINT)
             FROM consultation_comments c JOIN consultations k ON k.id = c.consultation_id WHERE c.id > $1 ORDER BY c.id LIMIT $2"
        };
        let batch: Vec<(i64, i64, String, i64, String, i64)> = on_db!(self, read, |pool| sqlx::query_as(sql).bind(after).bind(BATCH).fetch_all(pool).await)?;
        let (rows, last) = (batch.len(), batch.last().map(|r| r.0));
        let found = batch
            .into_iter()
            .map(|(id, unit, channel, at, text, withheld)| Analysed {
                withheld: withheld != 0,
                ..unclassified(id, String::new(), None, unit, at, channel, String::new(), text)
            })
            .collect();
        Ok((rows, last, found))
    }

    /// Opens or grows a case for each (survey, unit, month) of `analysed` whose comments spike.
    async fn comment_spikes(&self, analysed: &[Analysed], taxonomy: &Taxonomy, now: i64, link: &(dyn Fn(i64) -> String + Sync)) -> Result<()> {
        let mut touched: BTreeMap<(i64, i64, Month), Vec<i64>> = BTreeMap::new();
        for c in analysed {
            if let Some(survey) = c.survey_id {
                let negative = touched.entry((survey, c.unit_id, Month::at(c.at))).or_default();
                if c.classified.sentiment < 0 {
                    negative.push(c.source_id);
                }
            }
        }
        let mut found = BTreeMap::new();
        for ((survey_id, unit_id, month), negative_ids) in touched {
            let version: i64 =
                on_db!(self, read, |pool| sqlx::query_scalar("SELECT version_id FROM surveys WHERE id = $1").bind(survey_id).fetch_one(pool).await)?;
            let rules = self.rules_for(survey_id, &*self.version(version).await?).await?;
            if rules.negative_share.is_none() && rules.topic_spike.is_none() {
                continue;
            }
            let (negative, total): (i64, i64) = on_db!(self, read, |pool| {
                sqlx::query_as(
                    "SELECT CAST(COALESCE(SUM(CASE WHEN sentiment < 0 THEN 1 ELSE 0 END), 0) AS BIGINT), COUNT(*)
                     FROM analytics_comments WHERE survey_id = $1 AND unit_id = $2 AND month = $3",
                )
                .bind(survey_id)
                .bind(unit_id)
                .bind(month.iso())
                .fetch_one(pool)
                .await
            })?;
            // Each topic's negative comments of the unit this month and the three before.
            let rows: Vec<(String, String, i64)> = on_db!(self, read, |pool| {
                sqlx::query_as(
                    "SELECT topic, month, COUNT(*) FROM analytics_comment_topics
                     WHERE unit_id = $1 AND month >= $2 AND month <= $3 AND sentiment < 0 GROUP BY topic, month",
                )
                .bind(unit_id)
                .bind(month.plus(-3).iso())
                .bind(month.iso())
                .fetch_all(pool)
                .await
            })?;
            let topics: Vec<domain::alerts::TopicMonths> = taxonomy
                .topics()
                .iter()
                .map(|t| {
                    let count = |m: Month| rows.iter().find(|(topic, at, _)| *topic == t.code && *at == m.iso()).map_or(0, |r| r.2 as u64);
                    domain::alerts::TopicMonths {
                        name: t.name.clone(),
                        now: count(month),
                        before: [count(month.plus(-1)), count(month.plus(-2)), count(month.plus(-3))],
                    }
                })
                .collect();
            if let Some(detail) = domain::alerts::comment_spike(&rules, month, negative as u64, total as u64, &topics) {
                let cause = domain::alerts::cause(AlertKind::CommentSpike, survey_id, unit_id, domain::text::vn_midnight_ms(month.first_day()));
                let deadline_days = rules.deadline_days;
                found.insert(cause, Found { survey_id, unit_id, kind: AlertKind::CommentSpike, detail, responses: negative_ids, deadline_days });
            }
        }
        if !found.is_empty() {
            self.open_alert_cases(&found, now, link).await?;
        }
        Ok(())
    }

    /// Classifies kept comments again while a reclassification is under way (a new model, an
    /// edited taxonomy), batch by batch. Returns how many were classified again.
    pub async fn reclassify_comments(&self, classifier: &'static dyn Classifier) -> Result<usize> {
        let model = classifier.id();
        let mut done = 0;
        for _ in 0..BATCHES_PER_PASS {
            if self.analytics_state().await?.redo.is_none() {
                break;
            }
            let (version, taxonomy) = self.analytics_taxonomy().await?;
            let batch = self.comments_to_redo(BATCH).await?;
            let last = (batch.len() as i64) < BATCH;
            let upto = batch.last().map_or(0, |(id, _)| *id);
            done += batch.len();
            let redone = classify(move || {
                batch.into_iter().map(|(id, body)| Ok(Redone { id, classified: Classified::of(analytics::read(&body, classifier, &taxonomy)?) })).collect()
            })
            .await?;
            self.keep_redone(upto, &redone, last, model, version).await?;
            if last {
                break;
            }
        }
        Ok(done)
    }

    /// The last id of a source already read.
    pub async fn analytics_cursor(&self, source: &str) -> Result<i64> {
        let last: Option<i64> = on_db!(self, read, |pool| {
            sqlx::query_scalar("SELECT last_id FROM analytics_cursors WHERE source = $1").bind(source).fetch_optional(pool).await
        })?;
        Ok(last.unwrap_or(0))
    }

    /// Responses after `after`, in id order, at most `limit`.
    pub async fn responses_to_read(&self, after: i64, limit: i64) -> Result<Vec<ResponseToRead>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT r.id, r.survey_id, s.version_id, r.unit_id, r.channel, r.staff, r.submitted_at, r.answers
                 FROM responses r JOIN surveys s ON s.id = r.survey_id WHERE r.id > $1 ORDER BY r.id LIMIT $2",
            )
            .bind(after)
            .bind(limit)
            .fetch_all(pool)
            .await
        })?)
    }

    /// Keeps the comments read from a source up to `last_id` and moves its cursor there, in one
    /// transaction; a comment kept before is left as it is.
    pub async fn keep_comments(&self, source: &str, last_id: i64, comments: &[Analysed], model: &str, taxonomy: i64) -> Result<()> {
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            for c in comments {
                let month = Month::at(c.at).iso();
                let id: Option<i64> = sqlx::query_scalar(
                    "INSERT INTO analytics_comments (source, source_id, part, survey_id, unit_id, month, at, channel, staff, body, sentiment, confidence, model, taxonomy, withheld)
                     VALUES ($1, $2, $3, $14, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $15)
                     ON CONFLICT (source, source_id, part) DO NOTHING RETURNING id",
                )
                .bind(source)
                .bind(c.source_id)
                .bind(&c.part)
                .bind(c.unit_id)
                .bind(&month)
                .bind(c.at)
                .bind(&c.channel)
                .bind(&c.staff)
                .bind(&c.body)
                .bind(c.classified.sentiment)
                .bind(c.classified.confidence)
                .bind(model)
                .bind(taxonomy)
                .bind(c.survey_id)
                .bind(i64::from(c.withheld))
                .fetch_optional(&mut *tx)
                .await?;
                if let Some(id) = id {
                    for topic in &c.classified.topics {
                        sqlx::query(TOPIC_OF_COMMENT).bind(id).bind(topic).execute(&mut *tx).await?;
                    }
                }
            }
            // The cursor moves forward only: a server that read the same batch as another,
            // more slowly, does not take it back (its rows were already kept, once).
            sqlx::query(
                "INSERT INTO analytics_cursors (source, last_id) VALUES ($1, $2)
                 ON CONFLICT (source) DO UPDATE SET last_id = excluded.last_id WHERE analytics_cursors.last_id < excluded.last_id",
            )
            .bind(source)
            .bind(last_id)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok::<_, Error>(())
        })
    }

    pub async fn analytics_state(&self) -> Result<State> {
        let (taxonomy, model, from, done, total): (i64, String, Option<i64>, i64, i64) = on_db!(self, read, |pool| {
            sqlx::query_as("SELECT taxonomy, model, redo_from, redo_done, redo_total FROM analytics_state WHERE id = 1").fetch_one(pool).await
        })?;
        Ok(State { taxonomy, model, redo: from.map(|_| Redo { done, total }) })
    }

    /// Starts classifying every kept comment again when `model` is not the one that classified
    /// them (a new model at start-up). Returns whether it started.
    pub async fn reclassify_for_model(&self, model: &str) -> Result<bool> {
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let known: String = sqlx::query_scalar("SELECT model FROM analytics_state WHERE id = 1").fetch_one(&mut *tx).await?;
            if known == model {
                return Ok(false);
            }
            sqlx::query("UPDATE analytics_state SET model = $1 WHERE id = 1").bind(model).execute(&mut *tx).await?;
            start_redo!(tx);
            tx.commit().await?;
            Ok::<_, Error>(true)
        })
    }

    /// The next kept comments to classify again, in id order, while a reclassification is
    /// under way.
    pub async fn comments_to_redo(&self, limit: i64) -> Result<Vec<(i64, String)>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT c.id, c.body FROM analytics_comments c JOIN analytics_state s ON s.id = 1
                 WHERE s.redo_from IS NOT NULL AND c.id > s.redo_from AND c.id <= s.redo_to ORDER BY c.id LIMIT $1",
            )
            .bind(limit)
            .fetch_all(pool)
            .await
        })?)
    }

    /// Keeps a batch classified again and moves the reclassification past `upto`; it ends when
    /// the batch is short. `taxonomy` is the version the batch was classified with: if an
    /// edit came in between, the batch is dropped (the edit started the work over).
    pub async fn keep_redone(&self, upto: i64, redone: &[Redone], last: bool, model: &str, taxonomy: i64) -> Result<()> {
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let current: i64 = sqlx::query_scalar("SELECT taxonomy FROM analytics_state WHERE id = 1").fetch_one(&mut *tx).await?;
            if current != taxonomy {
                return Ok(());
            }
            for r in redone {
                sqlx::query("UPDATE analytics_comments SET sentiment = $1, confidence = $2, model = $3, taxonomy = $4 WHERE id = $5")
                    .bind(r.classified.sentiment)
                    .bind(r.classified.confidence)
                    .bind(model)
                    .bind(taxonomy)
                    .bind(r.id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM analytics_comment_topics WHERE comment_id = $1").bind(r.id).execute(&mut *tx).await?;
                for topic in &r.classified.topics {
                    sqlx::query(TOPIC_OF_COMMENT).bind(r.id).bind(topic).execute(&mut *tx).await?;
                }
            }
            let next: Option<i64> = if last { None } else { Some(upto) };
            sqlx::query("UPDATE analytics_state SET redo_from = $1, redo_done = redo_done + $2 WHERE id = 1")
                .bind(next)
                .bind(redone.len() as i64)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok::<_, Error>(())
        })
    }

    /// The taxonomy and its version. The first call writes the built-in topics.
    pub async fn analytics_taxonomy(&self) -> Result<(i64, Taxonomy)> {
        let rows: Vec<(String, String, String)> =
            on_db!(self, read, |pool| { sqlx::query_as("SELECT code, name, phrases FROM analytics_topics ORDER BY position, code").fetch_all(pool).await })?;
        if rows.is_empty() && self.analytics_state().await?.taxonomy == 0 {
            let builtin = Taxonomy::builtin();
            on_db!(self, write, |pool| {
                let mut tx = pool.begin().await?;
                for (position, topic) in builtin.topics().iter().enumerate() {
                    sqlx::query(
                        "INSERT INTO analytics_topics (code, name, phrases, position, updated_at, updated_by) VALUES ($1, $2, $3, $4, 0, NULL)
                         ON CONFLICT (code) DO NOTHING",
                    )
                    .bind(&topic.code)
                    .bind(&topic.name)
                    .bind(topic.phrases.join("\n"))
                    .bind(position as i64)
                    .execute(&mut *tx)
                    .await?;
                }
                sqlx::query("UPDATE analytics_state SET taxonomy = 1 WHERE id = 1 AND taxonomy = 0").execute(&mut *tx).await?;
                tx.commit().await?;
                Ok::<_, Error>(())
            })?;
            return Box::pin(self.analytics_taxonomy()).await;
        }
        let version = self.analytics_state().await?.taxonomy;
        let topics = rows.into_iter().map(|(code, name, phrases)| Topic { code, name, phrases: phrases.lines().map(str::to_string).collect() }).collect();
        Ok((version, Taxonomy::new(topics)))
    }

    /// Adds or replaces a topic (the reform office), and starts classifying every kept comment
    /// again with the new taxonomy.
    pub async fn save_analytics_topic(&self, actor: &Actor, access: &Access, topic: &Topic, position: i64) -> Result<()> {
        self.analytics_taxonomy().await?;
        self.edit_taxonomy(actor, access, &topic.code, Some((topic, position))).await
    }

    /// Removes a topic and starts classifying again.
    pub async fn delete_analytics_topic(&self, actor: &Actor, access: &Access, code: &str) -> Result<()> {
        self.edit_taxonomy(actor, access, code, None).await
    }

    async fn edit_taxonomy(&self, actor: &Actor, access: &Access, code: &str, topic: Option<(&Topic, i64)>) -> Result<()> {
        if !access.has(Permission::PublishResults) {
            return Err(Error::Forbidden);
        }
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let changed = match topic {
                Some((topic, position)) => {
                    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM analytics_topics WHERE code <> $1").bind(code).fetch_one(&mut *tx).await?;
                    if count >= analytics::topics::MAX_TOPICS as i64 {
                        return Err(Error::Invalid(vec![format!("Tối đa {} chủ đề.", analytics::topics::MAX_TOPICS)]));
                    }
                    sqlx::query(
                        "INSERT INTO analytics_topics (code, name, phrases, position, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6)
                         ON CONFLICT (code) DO UPDATE SET name = excluded.name, phrases = excluded.phrases, position = excluded.position,
                           updated_at = excluded.updated_at, updated_by = excluded.updated_by",
                    )
                    .bind(code)
                    .bind(&topic.name)
                    .bind(topic.phrases.join("\n"))
                    .bind(position)
                    .bind(actor.at)
                    .bind(actor.user_id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
                }
                None => sqlx::query("DELETE FROM analytics_topics WHERE code = $1").bind(code).execute(&mut *tx).await?.rows_affected(),
            };
            if changed == 0 {
                return Err(Error::NotFound);
            }
            sqlx::query("UPDATE analytics_state SET taxonomy = taxonomy + 1 WHERE id = 1").execute(&mut *tx).await?;
            start_redo!(tx);
            let details = match topic {
                Some((t, _)) => json!({ "code": code, "name": t.name, "phrases": t.phrases.len() }),
                None => json!({ "code": code, "deleted": true }),
            };
            let entry = AuditEntry::new(AuditAction::AnalyticsTopicSaved, "analytics_topic", 0).details(details);
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok::<_, Error>(())
        })
    }

    /// Comments by sentiment per month, per unit, per topic or per counter officer (`by`), in
    /// the caller's scope (results permission).
    pub async fn count_comments(&self, access: &Access, filter: &CommentFilter, by: CountBy) -> Result<Vec<Counted>> {
        let roots = self.comment_roots(access, Permission::ViewResults, filter).await?;
        let (table, key) = match by {
            CountBy::Month => ("analytics_comments c", "c.month"),
            CountBy::Unit => ("analytics_comments c", "CAST(c.unit_id AS TEXT)"),
            CountBy::Staff => ("analytics_comments c", "c.staff"),
            CountBy::Topic => ("analytics_comment_topics c", "c.topic"),
        };
        let (mut conditions, binds) = conditions(filter, by == CountBy::Topic);
        if by == CountBy::Staff {
            conditions.push_str(" AND c.staff <> ''");
        }
        let sql = format!(
            "{scope} SELECT {key} AS key,
                CAST(SUM(CASE WHEN c.sentiment < 0 THEN 1 ELSE 0 END) AS BIGINT) AS negative,
                CAST(SUM(CASE WHEN c.sentiment = 0 THEN 1 ELSE 0 END) AS BIGINT) AS neutral,
                CAST(SUM(CASE WHEN c.sentiment > 0 THEN 1 ELSE 0 END) AS BIGINT) AS positive
             FROM {table} WHERE c.unit_id IN (SELECT id FROM scope) {conditions} GROUP BY {key} ORDER BY {key}",
            scope = scope_sql(&roots),
        );
        Ok(on_db!(self, read, |pool| {
            let mut q = sqlx::query_as::<_, Counted>(AssertSqlSafe(sql.as_str()));
            for b in &binds {
                q = q.bind(b);
            }
            q.fetch_all(pool).await
        })?)
    }

    /// The comments behind a number, newest first, before `before` (an id) when paging; at
    /// most [`MAX_SHOWN`]. Comments are read as responses are: the responses permission, and
    /// every listing in the audit log.
    pub async fn comments(&self, actor: &Actor, access: &Access, filter: &CommentFilter, before: Option<i64>, limit: i64) -> Result<Vec<Shown>> {
        let roots = self.comment_roots(access, Permission::ViewResponses, filter).await?;
        let rostered = self.rostered_condition(access, "c.survey_id").await?;
        let (conditions, binds) = conditions(filter, false);
        let topic = filter.topic.as_ref().map(|_| format!("AND c.id IN (SELECT comment_id FROM analytics_comment_topics WHERE topic = ${})", binds.len() + 2));
        let sql = format!(
            "{scope} SELECT c.id, c.source, c.source_id, c.unit_id, u.name AS unit_name, c.at, c.channel, c.staff, c.body, c.sentiment, c.confidence,
                COALESCE((SELECT {agg} FROM analytics_comment_topics t WHERE t.comment_id = c.id), '') AS topics
             FROM analytics_comments c JOIN units u ON u.id = c.unit_id
             WHERE c.unit_id IN (SELECT id FROM scope) AND c.id < ${before} AND {rostered} {conditions} {topic}
             ORDER BY c.id DESC LIMIT {limit}",
            scope = scope_sql(&roots),
            agg = match self.backend() {
                crate::Backend::Sqlite => "group_concat(t.topic, ',')",
                crate::Backend::Postgres => "string_agg(t.topic, ',')",
            },
            before = binds.len() + 1,
            topic = topic.unwrap_or_default(),
            limit = limit.clamp(1, MAX_SHOWN),
        );
        let shown: Vec<Shown> = on_db!(self, read, |pool| {
            let mut q = sqlx::query_as::<_, Shown>(AssertSqlSafe(sql.as_str()));
            for b in &binds {
                q = q.bind(b);
            }
            q = q.bind(before.unwrap_or(i64::MAX));
            if let Some(topic) = &filter.topic {
                q = q.bind(topic);
            }
            q.fetch_all(pool).await
        })?;
        let unit = filter.unit_id.or(roots.first().copied()).unwrap_or_default();
        let entry = AuditEntry::new(AuditAction::CommentsViewed, "unit", unit).unit(unit).details(json!({
            "from": filter.from.map(Month::iso), "to": filter.to.map(Month::iso), "sentiment": filter.sentiment,
            "topic": filter.topic, "staff": filter.staff, "shown": shown.len(),
        }));
        self.audit(actor, &entry).await?;
        Ok(shown)
    }

    /// The latest comments (at most `limit`) that no topic took, to be grouped by the phrases
    /// they share: read as comments are, and audited.
    pub async fn uncategorised_comments(&self, actor: &Actor, access: &Access, filter: &CommentFilter, limit: i64) -> Result<Vec<(i64, String)>> {
        let roots = self.comment_roots(access, Permission::ViewResponses, filter).await?;
        let rostered = self.rostered_condition(access, "c.survey_id").await?;
        let (conditions, binds) = conditions(filter, false);
        let sql = format!(
            "{scope} SELECT c.id, c.body FROM analytics_comments c
             WHERE c.unit_id IN (SELECT id FROM scope) AND {rostered} {conditions} AND NOT EXISTS (SELECT 1 FROM analytics_comment_topics t WHERE t.comment_id = c.id)
             ORDER BY c.id DESC LIMIT {limit}",
            scope = scope_sql(&roots),
            limit = limit.clamp(1, 10_000),
        );
        let found: Vec<(i64, String)> = on_db!(self, read, |pool| {
            let mut q = sqlx::query_as::<_, (i64, String)>(AssertSqlSafe(sql.as_str()));
            for b in &binds {
                q = q.bind(b);
            }
            q.fetch_all(pool).await
        })?;
        let unit = filter.unit_id.or(roots.first().copied()).unwrap_or_default();
        let entry = AuditEntry::new(AuditAction::CommentsViewed, "unit", unit).unit(unit).details(json!({ "uncategorised": true, "read": found.len() }));
        self.audit(actor, &entry).await?;
        Ok(found)
    }

    /// The roots a listing covers: the chosen unit if the caller may see it, else the caller's.
    async fn comment_roots(&self, access: &Access, permission: Permission, filter: &CommentFilter) -> Result<Vec<UnitId>> {
        if !access.has(permission) {
            return Err(Error::Forbidden);
        }
        match filter.unit_id {
            Some(unit) if access.can(permission, &self.unit_ancestry(unit).await?) => Ok(vec![unit]),
            Some(_) => Err(Error::Forbidden),
            None => Ok(access.roots(permission)),
        }
    }
}

/// Runs classification off the server's threads (it is CPU work, a batch at a time).
async fn classify<T: Send + 'static>(work: impl FnOnce() -> Result<Vec<T>, ClassifierError> + Send + 'static) -> Result<Vec<T>> {
    Ok(tokio::task::spawn_blocking(work).await??)
}

/// What comments are counted by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CountBy {
    Month,
    Unit,
    Topic,
    Staff,
}

/// The filter's conditions on `c` (numbered from `$1`) and their values, as text: months and
/// codes are text, a sentiment is compared as text of its number on both databases. A withheld
/// comment never meets them.
fn conditions(filter: &CommentFilter, topics_table: bool) -> (String, Vec<String>) {
    let mut sql = String::from(" AND c.withheld = 0");
    let mut binds: Vec<String> = Vec::new();
    let mut add = |clause: &str, value: String, close: &str| {
        binds.push(value);
        sql.push_str(&format!(" AND {clause} ${}{close}", binds.len()));
    };
    if let Some(m) = filter.from {
        add("c.month >=", m.iso(), "");
    }
    if let Some(m) = filter.to {
        add("c.month <=", m.iso(), "");
    }
    // The topics table carries no channel or officer: those are asked of the comment.
    let (channel, staff, close) = if topics_table {
        ("c.comment_id IN (SELECT id FROM analytics_comments WHERE channel =", "c.comment_id IN (SELECT id FROM analytics_comments WHERE staff =", ")")
    } else {
        ("c.channel =", "c.staff =", "")
    };
    if let Some(ch) = &filter.channel {
        add(channel, ch.clone(), close);
    }
    if let Some(st) = &filter.staff {
        add(staff, st.clone(), close);
    }
    if topics_table && let Some(t) = &filter.topic {
        add("c.topic =", t.clone(), "");
    }
    if let Some(s) = filter.sentiment {
        sql.push_str(match s.signum() {
            -1 => " AND c.sentiment < 0",
            0 => " AND c.sentiment = 0",
            _ => " AND c.sentiment > 0",
        });
    }
    (sql, binds)
}
