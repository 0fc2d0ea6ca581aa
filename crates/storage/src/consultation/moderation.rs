//! Moderation by the drafting unit's officials: the queue, each decision (audited, its reason
//! kept), and the counts and representative of the comment's position kept right with it.

use domain::audit::AuditAction;
use domain::auth::Access;
use domain::consultation::{self, CommentStatus, Decision};
use serde_json::json;

use crate::audit::{Entry, record};
use sqlx::AssertSqlSafe;

use crate::{Actor, Error, Page, Result, Store};

/// A comment as its moderator sees it: the masked text, who sent it (kind and organisation), its
/// position.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Moderated {
    pub id: i64,
    pub part_id: i64,
    pub text: String,
    pub status: String,
    pub reason: String,
    pub kind: String,
    pub organisation: Option<String>,
    pub verified: bool,
    /// The position, once the grouping step has placed the comment (a second or so after it
    /// arrives).
    pub group_id: Option<i64>,
    /// Comments in the position, whatever their status.
    pub members: i64,
    pub created_at: i64,
}

impl Moderated {
    pub fn status(&self) -> CommentStatus {
        CommentStatus::parse(&self.status).unwrap_or(CommentStatus::Pending)
    }
}

/// What a moderator may open of a comment: the text as typed and who sent it.
#[derive(Clone, Debug)]
pub struct Original {
    pub text: String,
    pub name: Option<String>,
    pub contact: Option<String>,
}

impl Store {
    /// A consultation's comments in `status` (all when `None`), oldest first from after the
    /// comment `after` (0 for the start): the queue is worked from the front, and a page costs
    /// the same however deep. The total comes from the running counts.
    pub async fn moderation_queue(&self, access: &Access, id: i64, status: Option<CommentStatus>, after: i64, limit: i64) -> Result<Page<Moderated>> {
        self.managed_consultation(access, id).await?;
        let filter = if status.is_some() { "AND c.status = $4" } else { "AND $4 = ''" };
        let sql = format!(
            "SELECT c.id, c.part_id, c.text, c.status, c.reason, p.kind, p.organisation, p.verified_at IS NOT NULL AS verified, c.group_id,
                 COALESCE(g.members, 1) AS members, c.created_at
             FROM consultation_comments c JOIN consultation_participants p ON p.id = c.participant_id LEFT JOIN consultation_groups g ON g.id = c.group_id
             WHERE c.consultation_id = $1 AND c.id > $2 {filter} ORDER BY c.id LIMIT $3"
        );
        let code = status.map_or("", CommentStatus::code);
        let items: Vec<Moderated> = on_db!(self, read, |pool| {
            sqlx::query_as(AssertSqlSafe(sql.as_str())).bind(id).bind(after).bind(limit.clamp(1, 500)).bind(code).fetch_all(pool).await
        })?;
        let counts = self.consultation_statistics(id).await?;
        let total = match status {
            Some(status) => counts.comments_in(status),
            None => counts.comments_total(),
        };
        Ok(Page { items, total })
    }

    /// Publishes or rejects a comment; the counts of its part and position follow.
    pub async fn moderate_comment(&self, actor: &Actor, access: &Access, id: i64, comment_id: i64, decision: &Decision) -> Result<CommentStatus> {
        let found = self.managed_consultation(access, id).await?;
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            // Read through a write: if the grouping step is placing the comment, its position is
            // waited for and seen, so that the position's counts follow this decision.
            let (status, part, group): (String, i64, Option<i64>) =
                sqlx::query_as("UPDATE consultation_comments SET status = status WHERE id = $1 AND consultation_id = $2 RETURNING status, part_id, group_id")
                    .bind(comment_id)
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or(Error::NotFound)?;
            let before = CommentStatus::parse(&status).unwrap_or(CommentStatus::Pending);
            let after = consultation::moderate(before, decision)?;
            let reason = match decision {
                Decision::Reject { reason } => domain::text::clean_multiline(reason),
                Decision::Publish => String::new(),
            };
            sqlx::query("UPDATE consultation_comments SET status = $1, reason = $2, moderated_at = $3, moderated_by = $4 WHERE id = $5")
                .bind(after.code())
                .bind(&reason)
                .bind(actor.at)
                .bind(actor.user_id)
                .bind(comment_id)
                .execute(&mut *tx)
                .await?;
            if (before == CommentStatus::Rejected) != (after == CommentStatus::Rejected) {
                // The comment analysis follows: a rejected comment is neither counted nor listed.
                let withheld = i64::from(after == CommentStatus::Rejected);
                for sql in [
                    "UPDATE analytics_comment_topics SET withheld = $1 WHERE comment_id IN (SELECT id FROM analytics_comments WHERE source = $2 AND source_id = $3)",
                    "UPDATE analytics_comments SET withheld = $1 WHERE source = $2 AND source_id = $3",
                ] {
                    sqlx::query(sql).bind(withheld).bind(crate::analytics::CONSULTATIONS).bind(comment_id).execute(&mut *tx).await?;
                }
            }
            bump!(tx, id, format!("status:{}", before.code()), -1);
            bump!(tx, id, format!("status:{}", after.code()), 1);
            let change = i64::from(after == CommentStatus::Published) - i64::from(before == CommentStatus::Published);
            if change != 0 {
                sqlx::query("UPDATE consultation_parts SET published = published + $1 WHERE id = $2").bind(change).bind(part).execute(&mut *tx).await?;
                // The position is shown by its first published comment. A comment not placed yet
                // is counted in its position by the grouping step, as it then stands.
                sqlx::query(
                    "UPDATE consultation_groups SET published = published + $1,
                         representative_id = (SELECT MIN(id) FROM consultation_comments WHERE group_id = $2 AND status = 'published')
                     WHERE id = $2",
                )
                .bind(change)
                .bind(group)
                .execute(&mut *tx)
                .await?;
            }
            let details = json!({ "comment": comment_id, "from": before.code(), "to": after.code(), "reason": reason });
            let entry = Entry::new(AuditAction::ConsultationCommentModerated, "consultation", id).unit(found.unit_id).details(details);
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok::<_, Error>(after)
        })
    }

    /// The comment as typed and who sent it: personal data, opened for the drafting unit and
    /// recorded in the audit log.
    pub async fn original_comment(&self, actor: &Actor, access: &Access, id: i64, comment_id: i64) -> Result<Original> {
        let found = self.managed_consultation(access, id).await?;
        let row: Option<(String, Option<String>, Option<String>)> = on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT c.original, p.name, p.contact FROM consultation_comments c JOIN consultation_participants p ON p.id = c.participant_id
                 WHERE c.id = $1 AND c.consultation_id = $2",
            )
            .bind(comment_id)
            .bind(id)
            .fetch_optional(pool)
            .await
        })?;
        let (original, name, contact) = row.ok_or(Error::NotFound)?;
        let opened = Original {
            text: self.sealer.open("consultation_comments.original", &original)?,
            name: self.sealer.open_opt("consultation_participants.name", name.as_deref())?,
            contact: self.sealer.open_opt("consultation_participants.contact", contact.as_deref())?,
        };
        let entry = Entry::new(AuditAction::PersonalDataViewed, "consultation_comment", comment_id)
            .unit(found.unit_id)
            .details(json!({ "consultation": id, "fields": ["original", "name", "contact"] }));
        self.audit(actor, &entry).await?;
        Ok(opened)
    }
}
