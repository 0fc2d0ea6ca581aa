//! What the public does: comments (grouped with their near-duplicates soon after, by the
//! grouping step), votes, the one-time codes that verify a contact, and the positions as the
//! public reads them.
//!
//! Every write re-reads the consultation's period inside its transaction, against the clock
//! the caller passes: past the deadline nothing is taken, whatever the page showed.

use domain::consultation::{self, CommentForm, CommentStatus, Commenter, ParticipantKind, Status, Verdict, Vote};
use domain::personal::Contact;
use domain::units::UnitId;
use rand::Rng;
use sqlx::AssertSqlSafe;

use crate::crypto::digest;
use crate::{Error, Page, Paging, Result, Store};

/// Who is at the door: the browser's participant token and, for a signed-in official, the units
/// of their roles.
#[derive(Clone, Copy, Debug)]
pub struct Visitor<'a> {
    pub token: &'a str,
    pub units: &'a [UnitId],
    /// The keyed digest of the electronic identity (VNeID) the visitor proved on this browser.
    pub identity: Option<&'a str>,
}

/// What the sender of a comment is told.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    pub id: i64,
    pub status: CommentStatus,
}

/// A sender's own comment, as they see it when they come back.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OwnComment {
    pub id: i64,
    pub anchor: String,
    pub text: String,
    pub status: String,
    pub reason: String,
    pub created_at: i64,
}

/// A position: comments that say the same, shown by the first published one.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Position {
    pub group_id: i64,
    pub part_id: i64,
    pub comment_id: i64,
    pub text: String,
    pub kind: String,
    /// The organisation that sent the shown comment; a person's name is never shown.
    pub organisation: Option<String>,
    /// Published comments in the position.
    pub supporters: i64,
    pub agree: i64,
    pub disagree: i64,
    pub pass: i64,
    pub verdict: Option<String>,
    pub answer: String,
    pub created_at: i64,
}

impl Position {
    pub fn kind(&self) -> ParticipantKind {
        ParticipantKind::parse(&self.kind).unwrap_or(ParticipantKind::Person)
    }

    pub fn verdict(&self) -> Option<Verdict> {
        self.verdict.as_deref().and_then(Verdict::parse)
    }
}

pub(super) const POSITION_COLUMNS: &str = "g.id AS group_id, g.part_id, c.id AS comment_id, c.text, p.kind,
     CASE WHEN p.kind = 'ca-nhan' THEN NULL ELSE p.organisation END AS organisation,
     g.published AS supporters, g.agree, g.disagree, g.pass, g.verdict, g.answer, c.created_at";
pub(super) const POSITION_FROM: &str = "consultation_groups g JOIN consultation_comments c ON c.id = g.representative_id
     JOIN consultation_participants p ON p.id = c.participant_id";

/// The stored column of a vote's count (the names are ours, never the caller's).
fn vote_column(vote: Vote) -> &'static str {
    match vote {
        Vote::Agree => "agree",
        Vote::Disagree => "disagree",
        Vote::Pass => "pass",
    }
}

struct Open {
    audience: consultation::Audience,
    moderation: consultation::Moderation,
    invited: Vec<UnitId>,
}

/// The participant of `token` in the consultation, made when first seen.
struct Participant {
    id: i64,
    kind: ParticipantKind,
    verified: bool,
    /// Proved who they are with their electronic identity.
    identified: bool,
    /// Has commented or voted before.
    took_part: bool,
}

/// Marks the participant as taking part (a first comment or vote) and keeps the counts; one who
/// took part before under another kind moves to the new one.
macro_rules! taking_part {
    ($tx:ident, $id:expr, $participant:expr, $kind:expr, $now:expr) => {{
        let p: &Participant = &$participant;
        let kind: ParticipantKind = $kind;
        if !p.took_part {
            sqlx::query("UPDATE consultation_participants SET took_part_at = $1 WHERE id = $2").bind($now).bind(p.id).execute(&mut *$tx).await?;
            bump!($tx, $id, "participants", 1);
            bump!($tx, $id, format!("kind:{}", kind.code()), 1);
            bump!($tx, $id, format!("day:{}", domain::text::iso_date(domain::text::vn_datetime($now).date())), 1);
            if p.verified {
                bump!($tx, $id, "verified", 1);
            }
            if p.identified {
                bump!($tx, $id, "identified", 1);
            }
        } else if p.kind != kind {
            bump!($tx, $id, format!("kind:{}", p.kind.code()), -1);
            bump!($tx, $id, format!("kind:{}", kind.code()), 1);
        }
    }};
}

macro_rules! require_open {
    ($tx:ident, $id:expr, $now:expr) => {{
        let row: Option<(String, i64, i64, String, String)> =
            sqlx::query_as("SELECT status, opens_at, closes_at, audience, moderation FROM consultations WHERE id = $1")
                .bind($id)
                .fetch_optional(&mut *$tx)
                .await?;
        let (status, opens_at, closes_at, audience, moderation) = row.ok_or(Error::NotFound)?;
        let status = Status::parse(&status).unwrap_or(Status::Draft);
        if status == Status::Draft {
            return Err(Error::NotFound);
        }
        consultation::require_open(consultation::phase(status, opens_at, closes_at, $now))?;
        let invited: Vec<i64> =
            sqlx::query_scalar("SELECT unit_id FROM consultation_invited WHERE consultation_id = $1 ORDER BY unit_id").bind($id).fetch_all(&mut *$tx).await?;
        Open {
            audience: consultation::Audience::parse(&audience).unwrap_or(consultation::Audience::Everyone),
            moderation: consultation::Moderation::parse(&moderation).unwrap_or(consultation::Moderation::Before),
            invited,
        }
    }};
}

/// The visitor's participant row, created with `kind` when missing; an identity the visitor
/// proved is recorded on it (the first one stays).
macro_rules! participant {
    ($tx:ident, $id:expr, $visitor:expr, $kind:expr, $now:expr) => {{
        let visitor: &Visitor = &$visitor;
        let token_digest = digest(visitor.token);
        let found: Option<(i64, String, Option<i64>, Option<i64>, Option<i64>)> = sqlx::query_as(
            "SELECT id, kind, verified_at, identified_at, took_part_at FROM consultation_participants WHERE consultation_id = $1 AND token_digest = $2",
        )
        .bind($id)
        .bind(&token_digest)
        .fetch_optional(&mut *$tx)
        .await?;
        let mut participant = match found {
            Some((id, kind, verified_at, identified_at, took_part_at)) => Participant {
                id,
                kind: ParticipantKind::parse(&kind).unwrap_or(ParticipantKind::Person),
                verified: verified_at.is_some(),
                identified: identified_at.is_some(),
                took_part: took_part_at.is_some(),
            },
            None => {
                let kind: ParticipantKind = $kind;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO consultation_participants (consultation_id, token_digest, kind, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
                )
                .bind($id)
                .bind(&token_digest)
                .bind(kind.code())
                .bind($now)
                .fetch_one(&mut *$tx)
                .await?;
                Participant { id, kind, verified: false, identified: false, took_part: false }
            }
        };
        if let (Some(identity), false) = (visitor.identity, participant.identified) {
            sqlx::query("UPDATE consultation_participants SET identified_at = $1, identity_digest = $2 WHERE id = $3")
                .bind($now)
                .bind(identity)
                .bind(participant.id)
                .execute(&mut *$tx)
                .await?;
            participant.identified = true;
            // One who took part before is counted as identified now; others when they take part.
            if participant.took_part {
                bump!($tx, $id, "identified", 1);
            }
        }
        participant
    }};
}

impl Store {
    /// Takes a comment on the part `anchor` of a consultation from `visitor`, as `kind`.
    pub async fn submit_comment(&self, id: i64, visitor: Visitor<'_>, kind: ParticipantKind, anchor: &str, form: &CommentForm, now: i64) -> Result<Receipt> {
        let comment = form.checked(kind).map_err(Error::Invalid)?;
        let sealer = &self.sealer;
        let contact = comment
            .contact
            .as_ref()
            .map(|c| (sealer.seal("consultation_participants.contact", c.value()), sealer.blind_index("consultation.contact", c.value())));
        let name = sealer.seal_opt("consultation_participants.name", comment.name.as_deref());
        let original = sealer.seal("consultation_comments.original", &comment.original);
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let open = require_open!(tx, id, now);
            let participant = participant!(tx, id, visitor, kind, now);
            // What the sender says of themselves now is kept; a verified contact is not replaced.
            sqlx::query(
                "UPDATE consultation_participants SET kind = $1, name = COALESCE($2, name), organisation = COALESCE($3, organisation),
                     contact = CASE WHEN verified_at IS NULL THEN COALESCE($4, contact) ELSE contact END,
                     contact_digest = CASE WHEN verified_at IS NULL THEN COALESCE($5, contact_digest) ELSE contact_digest END,
                     unit_id = COALESCE($6, unit_id)
                 WHERE id = $7",
            )
            .bind(kind.code())
            .bind(&name)
            .bind(&comment.organisation)
            .bind(contact.as_ref().map(|c| c.0.as_str()))
            .bind(contact.as_ref().map(|c| c.1.as_str()))
            .bind(consultation::speaks_for(&open.invited, visitor.units))
            .bind(participant.id)
            .execute(&mut *tx)
            .await?;
            consultation::may_take_part(
                open.audience,
                &open.invited,
                &Commenter { kind, verified: participant.verified, identified: participant.identified, units: visitor.units },
            )?;
            taking_part!(tx, id, participant, kind, now);
            let part_id: i64 = sqlx::query_scalar("SELECT id FROM consultation_parts WHERE consultation_id = $1 AND anchor = $2")
                .bind(id)
                .bind(anchor)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| Error::Invalid(vec!["Không có điều, khoản được chọn trong dự thảo.".into()]))?;
            let status = consultation::arriving_status(open.moderation);
            let published = i64::from(status == CommentStatus::Published);

            let comment_id: i64 = sqlx::query_scalar(
                "INSERT INTO consultation_comments (consultation_id, part_id, participant_id, text, original, status, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(id)
            .bind(part_id)
            .bind(participant.id)
            .bind(&comment.text)
            .bind(&original)
            .bind(status.code())
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query("UPDATE consultation_parts SET published = published + $1 WHERE id = $2").bind(published).bind(part_id).execute(&mut *tx).await?;
            bump!(tx, id, format!("status:{}", status.code()), 1);
            tx.commit().await?;
            Ok::<_, Error>(Receipt { id: comment_id, status })
        })
    }

    /// Records `visitor`'s vote on a published comment; a second vote replaces the first.
    pub async fn vote(&self, id: i64, visitor: Visitor<'_>, comment_id: i64, vote: Vote, now: i64) -> Result<()> {
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let open = require_open!(tx, id, now);
            let participant = participant!(tx, id, visitor, ParticipantKind::Person, now);
            let commenter = Commenter { kind: participant.kind, verified: participant.verified, identified: participant.identified, units: visitor.units };
            consultation::may_take_part(open.audience, &open.invited, &commenter)?;
            // Read through a write, so that the grouping step's assignment of the comment, if it
            // is under way, is waited for and seen.
            let (status, author, group): (String, i64, Option<i64>) = sqlx::query_as(
                "UPDATE consultation_comments SET agree = agree WHERE id = $1 AND consultation_id = $2 RETURNING status, participant_id, group_id",
            )
            .bind(comment_id)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(Error::NotFound)?;
            consultation::may_vote(CommentStatus::parse(&status).unwrap_or(CommentStatus::Pending), author == participant.id)?;
            let group = group.ok_or_else(|| Error::Conflict("Ý kiến vừa được gửi và đang được xử lý; hãy thử lại sau ít giây.".into()))?;
            let before: Option<String> = sqlx::query_scalar("SELECT vote FROM consultation_votes WHERE comment_id = $1 AND participant_id = $2")
                .bind(comment_id)
                .bind(participant.id)
                .fetch_optional(&mut *tx)
                .await?;
            let before = before.as_deref().and_then(Vote::parse);
            if before == Some(vote) {
                return Ok(());
            }
            for (change, column) in before.map(|v| (-1, vote_column(v))).into_iter().chain([(1, vote_column(vote))]) {
                for table in ["consultation_comments", "consultation_groups"] {
                    let target = if table == "consultation_comments" { comment_id } else { group };
                    let sql = format!("UPDATE {table} SET {column} = {column} + $1 WHERE id = $2");
                    sqlx::query(AssertSqlSafe(sql)).bind(change).bind(target).execute(&mut *tx).await?;
                }
            }
            taking_part!(tx, id, participant, participant.kind, now);
            sqlx::query(
                "INSERT INTO consultation_votes (comment_id, participant_id, vote, at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (comment_id, participant_id) DO UPDATE SET vote = excluded.vote, at = excluded.at",
            )
            .bind(comment_id)
            .bind(participant.id)
            .bind(vote.code())
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok::<_, Error>(())
        })
    }

    /// Makes a one-time code for `contact`, to be sent by the caller; the participant confirms
    /// it with [`Store::confirm_code`]. A new code replaces the one before.
    pub async fn request_code(&self, id: i64, visitor: Visitor<'_>, contact: &Contact, now: i64) -> Result<String> {
        let code = format!("{:06}", rand::rng().random_range(0..1_000_000));
        let sealed = self.sealer.seal("consultation_participants.contact", contact.value());
        let blind = self.sealer.blind_index("consultation.contact", contact.value());
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            require_open!(tx, id, now);
            let participant = participant!(tx, id, visitor, ParticipantKind::Person, now);
            sqlx::query(
                "INSERT INTO consultation_codes (participant_id, contact, contact_digest, code_digest, expires_at, attempts) VALUES ($1, $2, $3, $4, $5, 0)
                 ON CONFLICT (participant_id) DO UPDATE SET contact = excluded.contact, contact_digest = excluded.contact_digest,
                     code_digest = excluded.code_digest, expires_at = excluded.expires_at, attempts = 0",
            )
            .bind(participant.id)
            .bind(&sealed)
            .bind(&blind)
            .bind(digest(&format!("{}:{code}", participant.id)))
            .bind(now + consultation::CODE_TTL_MS)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok::<_, Error>(code)
        })
    }

    /// Checks a one-time code; when right, the participant's contact is verified.
    pub async fn confirm_code(&self, id: i64, visitor: Visitor<'_>, code: &str, now: i64) -> Result<()> {
        let wrong = |message: &str| Error::Invalid(vec![message.to_string()]);
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let participant: i64 = sqlx::query_scalar("SELECT id FROM consultation_participants WHERE consultation_id = $1 AND token_digest = $2")
                .bind(id)
                .bind(digest(visitor.token))
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| wrong("Chưa có mã nào được gửi: hãy nhập số điện thoại hoặc thư điện tử để nhận mã."))?;
            let (contact, blind, expected, expires_at, attempts): (String, String, String, i64, i64) =
                sqlx::query_as("SELECT contact, contact_digest, code_digest, expires_at, attempts FROM consultation_codes WHERE participant_id = $1")
                    .bind(participant)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or_else(|| wrong("Chưa có mã nào được gửi: hãy nhập số điện thoại hoặc thư điện tử để nhận mã."))?;
            if now >= expires_at || attempts >= consultation::CODE_ATTEMPTS {
                return Err(wrong("Mã đã hết hiệu lực: hãy yêu cầu gửi mã mới."));
            }
            if digest(&format!("{participant}:{}", code.trim())) != expected {
                sqlx::query("UPDATE consultation_codes SET attempts = attempts + 1 WHERE participant_id = $1").bind(participant).execute(&mut *tx).await?;
                tx.commit().await?;
                return Err(wrong("Mã xác thực không đúng."));
            }
            let (verified_at, took_part_at): (Option<i64>, Option<i64>) =
                sqlx::query_as("SELECT verified_at, took_part_at FROM consultation_participants WHERE id = $1").bind(participant).fetch_one(&mut *tx).await?;
            if verified_at.is_none() && took_part_at.is_some() {
                bump!(tx, id, "verified", 1);
            }
            sqlx::query("UPDATE consultation_participants SET contact = $1, contact_digest = $2, verified_at = $3 WHERE id = $4")
                .bind(&contact)
                .bind(&blind)
                .bind(now)
                .bind(participant)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM consultation_codes WHERE participant_id = $1").bind(participant).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok::<_, Error>(())
        })
    }

    /// Whether the visitor's contact is verified in this consultation.
    pub async fn is_verified(&self, id: i64, token: &str) -> Result<bool> {
        let verified: Option<Option<i64>> = on_db!(self, read, |pool| {
            sqlx::query_scalar("SELECT verified_at FROM consultation_participants WHERE consultation_id = $1 AND token_digest = $2")
                .bind(id)
                .bind(digest(token))
                .fetch_optional(pool)
                .await
        })?;
        Ok(verified.flatten().is_some())
    }

    /// The visitor's own comments in the consultation, newest first.
    pub async fn own_comments(&self, id: i64, token: &str, limit: i64) -> Result<Vec<OwnComment>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT c.id, pa.anchor, c.text, c.status, c.reason, c.created_at FROM consultation_participants p
                 JOIN consultation_comments c ON c.participant_id = p.id JOIN consultation_parts pa ON pa.id = c.part_id
                 WHERE p.consultation_id = $1 AND p.token_digest = $2 ORDER BY c.id DESC LIMIT $3",
            )
            .bind(id)
            .bind(digest(token))
            .bind(limit)
            .fetch_all(pool)
            .await
        })?)
    }

    /// The published positions on the given parts (all parts when `parts` is empty), the most
    /// supported first.
    pub async fn positions(&self, id: i64, parts: &[i64], paging: Paging) -> Result<Page<Position>> {
        // Part ids are the server's own integers, never the caller's text.
        let on_parts =
            if parts.is_empty() { String::new() } else { format!(" AND g.part_id IN ({})", parts.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")) };
        self.position_page(id, &on_parts, paging).await
    }

    /// Published positions meeting `condition` (SQL over `g`, the positions), the most supported
    /// first, and how many there are.
    pub(super) async fn position_page(&self, id: i64, condition: &str, paging: Paging) -> Result<Page<Position>> {
        let sql = format!(
            "SELECT {POSITION_COLUMNS} FROM {POSITION_FROM} WHERE g.consultation_id = $1 AND g.published > 0{condition}
             ORDER BY g.published DESC, g.id DESC LIMIT $2 OFFSET $3"
        );
        let items: Vec<Position> =
            on_db!(self, read, |pool| sqlx::query_as(AssertSqlSafe(sql.as_str())).bind(id).bind(paging.limit).bind(paging.offset).fetch_all(pool).await)?;
        let count = format!("SELECT COUNT(*) FROM consultation_groups g WHERE g.consultation_id = $1 AND g.published > 0{condition}");
        let total: i64 = on_db!(self, read, |pool| sqlx::query_scalar(AssertSqlSafe(count.as_str())).bind(id).fetch_one(pool).await)?;
        Ok(Page { items, total })
    }

    /// The published comments of one position, in order of arrival.
    pub async fn position_members(&self, id: i64, group: i64, paging: Paging) -> Result<Page<Position>> {
        let sql = "SELECT g.id AS group_id, g.part_id, c.id AS comment_id, c.text, p.kind,
                 CASE WHEN p.kind = 'ca-nhan' THEN NULL ELSE p.organisation END AS organisation,
                 CAST(1 AS BIGINT) AS supporters, c.agree, c.disagree, c.pass, g.verdict, g.answer, c.created_at
             FROM consultation_comments c JOIN consultation_groups g ON g.id = c.group_id JOIN consultation_participants p ON p.id = c.participant_id
             WHERE c.group_id = $1 AND g.consultation_id = $2 AND c.status = 'published' ORDER BY c.id LIMIT $3 OFFSET $4";
        let items: Vec<Position> =
            on_db!(self, read, |pool| sqlx::query_as(sql).bind(group).bind(id).bind(paging.limit).bind(paging.offset).fetch_all(pool).await)?;
        let total: i64 = on_db!(self, read, |pool| {
            sqlx::query_scalar("SELECT COALESCE(MAX(published), 0) FROM consultation_groups WHERE id = $1 AND consultation_id = $2")
                .bind(group)
                .bind(id)
                .fetch_one(pool)
                .await
        })?;
        Ok(Page { items, total })
    }
}
