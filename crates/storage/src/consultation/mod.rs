//! Consultations (`domain::consultation`): set up by a unit's officials, the draft's text split
//! into parts, published for its period; the comments, positions and votes (`comments`), the
//! moderation (`moderation`), the answers, report and statistics (`report`).

/// Adds `delta` to one of a consultation's running counts (`consultation_counts`), inside the
/// transaction that changes what it counts.
macro_rules! bump {
    ($tx:ident, $id:expr, $key:expr, $delta:expr) => {
        sqlx::query(
            "INSERT INTO consultation_counts (consultation_id, key, value) VALUES ($1, $2, $3)
             ON CONFLICT (consultation_id, key) DO UPDATE SET value = consultation_counts.value + excluded.value",
        )
        .bind($id)
        .bind($key)
        .bind(i64::from($delta))
        .execute(&mut *$tx)
        .await?
    };
}

mod comments;
mod grouping;
mod moderation;
mod report;

pub use comments::{OwnComment, Position, Receipt, Visitor};
pub use grouping::STEP as GROUPING_STEP;
pub use moderation::{Moderated, Original};
pub use report::{Notice, ReportData, Statistics};

use std::collections::HashMap;

use domain::audit::AuditAction;
use domain::auth::{Access, Permission};
use domain::consultation::{self, Audience, ConsultationError, Level, Moderation, Outline, Phase, Rules, Settings, Status, Subject};
use domain::units::UnitId;
use serde_json::json;
use sqlx::AssertSqlSafe;

use crate::audit::{Entry, record};
use crate::db::scope_sql;
use crate::{Actor, Error, Page, Paging, Result, Store};

impl From<ConsultationError> for Error {
    fn from(e: ConsultationError) -> Self {
        match e {
            ConsultationError::NotOpen(_) | ConsultationError::AlreadyReported | ConsultationError::NotDraft => Error::Conflict(e.to_string()),
            _ => Error::Invalid(vec![e.to_string()]),
        }
    }
}

const COLUMNS: &str = "c.id, c.unit_id, u.name AS unit_name, c.title, c.summary, c.subject, c.audience, c.moderation, c.opens_at, c.closes_at,
     c.status, c.final_text, c.created_at, c.updated_at, c.published_at, c.reported_at";

/// Replaces the units a consultation asks, inside the transaction.
macro_rules! write_invited {
    ($tx:ident, $id:expr, $units:expr) => {
        sqlx::query("DELETE FROM consultation_invited WHERE consultation_id = $1").bind($id).execute(&mut *$tx).await?;
        for unit in $units {
            sqlx::query("INSERT INTO consultation_invited (consultation_id, unit_id) VALUES ($1, $2)").bind($id).bind(unit).execute(&mut *$tx).await?;
        }
    };
}

/// A listed consultation's published comments, from its running counts.
const PUBLISHED: &str = "COALESCE((SELECT n.value FROM consultation_counts n WHERE n.consultation_id = c.id AND n.key = 'status:published'), 0)";

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    unit_id: i64,
    unit_name: String,
    title: String,
    summary: String,
    subject: String,
    audience: String,
    moderation: String,
    opens_at: i64,
    closes_at: i64,
    status: String,
    final_text: String,
    created_at: i64,
    updated_at: i64,
    published_at: Option<i64>,
    reported_at: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct ListedRow {
    #[sqlx(flatten)]
    row: Row,
    comments: i64,
}

/// A consultation as stored.
#[derive(Clone, Debug)]
pub struct Consultation {
    pub id: i64,
    pub unit_id: UnitId,
    pub unit_name: String,
    pub settings: Settings,
    pub status: Status,
    pub final_text: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub published_at: Option<i64>,
    pub reported_at: Option<i64>,
}

impl Consultation {
    pub fn phase(&self, now: i64) -> Phase {
        consultation::phase(self.status, self.settings.opens_at, self.settings.closes_at, now)
    }

    fn from_row(r: Row, invited: Vec<UnitId>) -> Self {
        Self {
            id: r.id,
            unit_id: r.unit_id,
            unit_name: r.unit_name,
            settings: Settings {
                title: r.title,
                summary: r.summary,
                subject: Subject::parse(&r.subject).unwrap_or(Subject::Policy),
                audience: Audience::parse(&r.audience).unwrap_or(Audience::Everyone),
                invited,
                moderation: Moderation::parse(&r.moderation).unwrap_or(Moderation::Before),
                opens_at: r.opens_at,
                closes_at: r.closes_at,
            },
            status: Status::parse(&r.status).unwrap_or(Status::Draft),
            final_text: r.final_text,
            created_at: r.created_at,
            updated_at: r.updated_at,
            published_at: r.published_at,
            reported_at: r.reported_at,
        }
    }
}

/// A part of the draft as stored, with the count of its published comments.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct StoredPart {
    pub id: i64,
    pub position: i64,
    pub parent_id: Option<i64>,
    pub level: String,
    pub number: String,
    pub heading: String,
    pub body: String,
    pub anchor: String,
    pub published: i64,
}

/// The draft's parts in reading order, and the outline they make (for labels and nesting).
#[derive(Clone, Debug)]
pub struct Draft {
    pub parts: Vec<StoredPart>,
    pub outline: Outline,
    /// Each part's index by its id.
    by_id: HashMap<i64, usize>,
    /// Published comments on each part and everything inside it.
    within: Vec<i64>,
}

impl Draft {
    fn new(parts: Vec<StoredPart>) -> Self {
        let by_id: HashMap<i64, usize> = parts.iter().enumerate().map(|(i, p)| (p.id, i)).collect();
        let outline = Outline {
            parts: parts
                .iter()
                .map(|p| consultation::Part {
                    level: Level::parse(&p.level).unwrap_or(Level::Whole),
                    number: p.number.clone(),
                    heading: p.heading.clone(),
                    body: p.body.clone(),
                    parent: p.parent_id.and_then(|id| by_id.get(&id).copied()),
                    anchor: p.anchor.clone(),
                })
                .collect(),
        };
        // Parents come before their parts: one pass from the end adds each part to its parent.
        let mut within: Vec<i64> = parts.iter().map(|p| p.published).collect();
        for i in (0..parts.len()).rev() {
            if let Some(parent) = outline.parts[i].parent {
                within[parent] += within[i];
            }
        }
        Self { parts, outline, by_id, within }
    }

    pub fn index_of_anchor(&self, anchor: &str) -> Option<usize> {
        self.parts.iter().position(|p| p.anchor == anchor)
    }

    pub fn index_of_id(&self, id: i64) -> Option<usize> {
        self.by_id.get(&id).copied()
    }

    /// Published comments on the part and everything inside it.
    pub fn comments_within(&self, index: usize) -> i64 {
        self.within[index]
    }

    /// Every published comment.
    pub fn comments(&self) -> i64 {
        self.parts.iter().map(|p| p.published).sum()
    }
}

/// A page of consultations and, for each, its published comments.
pub type Listing = Page<(Consultation, i64)>;

impl Store {
    async fn consultation_row(&self, id: i64) -> Result<Consultation> {
        let sql = format!("SELECT {COLUMNS} FROM consultations c JOIN units u ON u.id = c.unit_id WHERE c.id = $1");
        let row: Option<Row> = on_db!(self, read, |pool| sqlx::query_as(AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(pool).await)?;
        let row = row.ok_or(Error::NotFound)?;
        let invited: Vec<i64> = on_db!(self, read, |pool| {
            sqlx::query_scalar("SELECT unit_id FROM consultation_invited WHERE consultation_id = $1 ORDER BY unit_id").bind(id).fetch_all(pool).await
        })?;
        Ok(Consultation::from_row(row, invited))
    }

    /// A consultation for the officials who run it.
    pub async fn managed_consultation(&self, access: &Access, id: i64) -> Result<Consultation> {
        let found = self.consultation_row(id).await?;
        match self.require_on(access, Permission::RunConsultations, found.unit_id).await {
            Ok(()) => Ok(found),
            Err(_) => Err(Error::NotFound),
        }
    }

    /// A consultation as the public sees it: published, never a draft.
    pub async fn public_consultation(&self, id: i64) -> Result<Consultation> {
        let found = self.consultation_row(id).await?;
        if found.status == Status::Draft { Err(Error::NotFound) } else { Ok(found) }
    }

    pub async fn consultation_draft(&self, id: i64) -> Result<Draft> {
        let parts: Vec<StoredPart> = on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT id, position, parent_id, level, number, heading, body, anchor, published FROM consultation_parts
                 WHERE consultation_id = $1 ORDER BY position",
            )
            .bind(id)
            .fetch_all(pool)
            .await
        })?;
        Ok(Draft::new(parts))
    }

    /// Starts a consultation of `unit_id`, as a draft.
    pub async fn create_consultation(&self, actor: &Actor, access: &Access, unit_id: UnitId, settings: Settings, rules: &Rules) -> Result<i64> {
        self.require_on(access, Permission::RunConsultations, unit_id).await?;
        let s = settings.checked(rules).map_err(Error::Invalid)?;
        self.require_units_exist(&s.invited).await?;
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO consultations (unit_id, title, summary, subject, audience, moderation, opens_at, closes_at, status, created_by, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'draft', $9, $10, $10) RETURNING id",
            )
            .bind(unit_id)
            .bind(&s.title)
            .bind(&s.summary)
            .bind(s.subject.code())
            .bind(s.audience.code())
            .bind(s.moderation.code())
            .bind(s.opens_at)
            .bind(s.closes_at)
            .bind(actor.user_id)
            .bind(actor.at)
            .fetch_one(&mut *tx)
            .await?;
            write_invited!(tx, id, &s.invited);
            let entry = Entry::new(AuditAction::ConsultationSaved, "consultation", id).unit(unit_id).details(json!({ "title": s.title }));
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok::<_, Error>(id)
        })
    }

    async fn require_units_exist(&self, units: &[UnitId]) -> Result<()> {
        for unit in units {
            if self.unit_ancestry(*unit).await?.is_empty() {
                return Err(Error::Invalid(vec![format!("Không có đơn vị mã số {unit}.")]));
            }
        }
        Ok(())
    }

    /// Changes a draft consultation's settings.
    pub async fn update_consultation(&self, actor: &Actor, access: &Access, id: i64, settings: Settings, rules: &Rules) -> Result<()> {
        let found = self.managed_consultation(access, id).await?;
        if found.status != Status::Draft {
            return Err(ConsultationError::NotDraft.into());
        }
        let s = settings.checked(rules).map_err(Error::Invalid)?;
        self.require_units_exist(&s.invited).await?;
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let changed = sqlx::query(
                "UPDATE consultations SET title = $1, summary = $2, subject = $3, audience = $4, moderation = $5, opens_at = $6, closes_at = $7,
                     updated_at = $8 WHERE id = $9 AND status = 'draft'",
            )
            .bind(&s.title)
            .bind(&s.summary)
            .bind(s.subject.code())
            .bind(s.audience.code())
            .bind(s.moderation.code())
            .bind(s.opens_at)
            .bind(s.closes_at)
            .bind(actor.at)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            if changed.rows_affected() == 0 {
                return Err(ConsultationError::NotDraft.into());
            }
            write_invited!(tx, id, &s.invited);
            let entry = Entry::new(AuditAction::ConsultationSaved, "consultation", id).unit(found.unit_id).details(json!({ "title": s.title }));
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok::<_, Error>(())
        })
    }

    /// Replaces a draft consultation's text with `outline`'s parts.
    pub async fn save_consultation_text(&self, actor: &Actor, access: &Access, id: i64, outline: &Outline) -> Result<()> {
        let found = self.managed_consultation(access, id).await?;
        if found.status != Status::Draft {
            return Err(ConsultationError::NotDraft.into());
        }
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let status: String = sqlx::query_scalar("SELECT status FROM consultations WHERE id = $1").bind(id).fetch_one(&mut *tx).await?;
            if status != Status::Draft.code() {
                return Err(ConsultationError::NotDraft.into());
            }
            // A draft has no comments yet, so its parts can be replaced whole.
            sqlx::query("UPDATE consultation_parts SET parent_id = NULL WHERE consultation_id = $1").bind(id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM consultation_parts WHERE consultation_id = $1").bind(id).execute(&mut *tx).await?;
            let mut ids: Vec<i64> = Vec::with_capacity(outline.parts.len());
            for (position, part) in outline.parts.iter().enumerate() {
                let part_id: i64 = sqlx::query_scalar(
                    "INSERT INTO consultation_parts (consultation_id, position, parent_id, level, number, heading, body, anchor)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                )
                .bind(id)
                .bind(position as i64)
                .bind(part.parent.map(|p| ids[p]))
                .bind(part.level.code())
                .bind(&part.number)
                .bind(&part.heading)
                .bind(&part.body)
                .bind(&part.anchor)
                .fetch_one(&mut *tx)
                .await?;
                ids.push(part_id);
            }
            sqlx::query("UPDATE consultations SET updated_at = $1 WHERE id = $2").bind(actor.at).bind(id).execute(&mut *tx).await?;
            let articles = outline.parts.iter().filter(|p| p.level == Level::Article).count();
            let details = json!({ "parts": outline.parts.len(), "articles": articles });
            let entry = Entry::new(AuditAction::ConsultationTextSaved, "consultation", id).unit(found.unit_id).details(details);
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok::<_, Error>(())
        })
    }

    /// Puts a draft consultation before the public; it takes comments within its period.
    pub async fn publish_consultation(&self, actor: &Actor, access: &Access, id: i64) -> Result<()> {
        let found = self.managed_consultation(access, id).await?;
        if found.status != Status::Draft {
            return Err(ConsultationError::NotDraft.into());
        }
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let parts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM consultation_parts WHERE consultation_id = $1").bind(id).fetch_one(&mut *tx).await?;
            if parts == 0 {
                return Err(ConsultationError::NoText.into());
            }
            let changed = sqlx::query("UPDATE consultations SET status = 'published', published_at = $1, updated_at = $1 WHERE id = $2 AND status = 'draft'")
                .bind(actor.at)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            if changed.rows_affected() == 0 {
                return Err(ConsultationError::NotDraft.into());
            }
            let entry =
                Entry::new(AuditAction::ConsultationPublished, "consultation", id).unit(found.unit_id).details(json!({ "title": found.settings.title }));
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok::<_, Error>(())
        })
    }

    /// Published consultations, those still to close first, then the most recently closed.
    pub async fn public_consultations(&self, now: i64, paging: Paging) -> Result<Listing> {
        self.consultation_listing("c.status <> 'draft'", now, paging).await
    }

    /// The consultations of the caller's units, newest first.
    pub async fn managed_consultations(&self, access: &Access, now: i64, paging: Paging) -> Result<Listing> {
        let scope = scope_sql(&access.roots(Permission::RunConsultations));
        self.consultation_listing(&format!("c.unit_id IN ({scope} SELECT id FROM scope)"), now, paging).await
    }

    async fn consultation_listing(&self, condition: &str, now: i64, paging: Paging) -> Result<Listing> {
        let sql = format!(
            "SELECT {COLUMNS}, {PUBLISHED} AS comments FROM consultations c JOIN units u ON u.id = c.unit_id WHERE {condition}
             ORDER BY CASE WHEN c.closes_at > $1 THEN 0 ELSE 1 END, CASE WHEN c.closes_at > $1 THEN c.closes_at ELSE -c.closes_at END, c.id DESC
             LIMIT $2 OFFSET $3"
        );
        let rows: Vec<ListedRow> =
            on_db!(self, read, |pool| sqlx::query_as(AssertSqlSafe(sql.as_str())).bind(now).bind(paging.limit).bind(paging.offset).fetch_all(pool).await)?;
        let count = format!("SELECT COUNT(*) FROM consultations c WHERE {condition}");
        let total: i64 = on_db!(self, read, |pool| sqlx::query_scalar(AssertSqlSafe(count.as_str())).fetch_one(pool).await)?;
        Ok(Page { items: rows.into_iter().map(|r| (Consultation::from_row(r.row, Vec::new()), r.comments)).collect(), total })
    }
}
