//! The rosters of the PAR INDEX surveys of officials: opened by the reform office with a
//! deadline, filled in by each agency's focal point (checked whole, contacts sealed, locked at
//! the deadline), invited channel after channel until someone is reached, followed per agency
//! and erased when the survey is over. Nothing here reads an answer: a roster member's answer is
//! stored without its token (see `responses`), and the times their invitation moved are kept to
//! the day.

use std::collections::HashMap;

use domain::audit::AuditAction;
use domain::auth::{Access, Permission};
use domain::invitations::{InvitationStatus, InviteChannel, ReminderPolicy};
use domain::par::roster::{self, Participation, RawMember, Reach, Standing};
use domain::sampling::frame::RowProblems;
use serde_json::json;
use sqlx::AssertSqlSafe;

use crate::audit::{Entry, record};
use crate::crypto::digest;
use crate::db::scope_sql;
use crate::{Actor, Error, Result, Store};

/// A day in milliseconds: the grain of the times kept on a roster member's invitations.
pub(crate) const DAY_MS: i64 = 86_400_000;
/// A focal point may chase the same person once a day.
const CHASE_EVERY_MS: i64 = DAY_MS;

/// A survey's roster.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Roster {
    pub survey_id: i64,
    pub survey_title: String,
    /// The agencies' lists are locked from here on.
    pub closes_at: i64,
    pub survey_opens_at: i64,
    pub survey_closes_at: i64,
    pub erased_at: Option<i64>,
}

impl Roster {
    pub fn locked(&self, now: i64) -> bool {
        now >= self.closes_at || self.erased_at.is_some()
    }

    /// Whether invitations may go now: the survey is open and its roster not erased.
    pub fn takes_invitations(&self, now: i64) -> bool {
        self.survey_opens_at <= now && now < self.survey_closes_at && self.erased_at.is_none()
    }
}

const ROSTER_SELECT: &str = "SELECT r.survey_id, s.title AS survey_title, r.closes_at, s.opens_at AS survey_opens_at,
        s.closes_at AS survey_closes_at, r.erased_at FROM rosters r JOIN surveys s ON s.id = r.survey_id";

/// A person on a roster as their agency's focal point sees them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listed {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub name: String,
    pub position: String,
    pub workplace: String,
    pub has_email: bool,
    pub has_phone: bool,
    pub standing: Standing,
}

/// Participation per agency and the total.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RosterParticipation {
    pub rows: Vec<(i64, String, Participation)>,
    pub total: Participation,
}

#[derive(sqlx::FromRow)]
struct MemberRow {
    id: i64,
    unit_id: i64,
    unit_name: String,
    name_sealed: String,
    position: String,
    workplace: String,
    has_email: bool,
    has_phone: bool,
}

/// A member's invitation: (member, channel, status).
type InvitationRow = (i64, Option<String>, Option<String>);
/// Each member's invitations in the order made.
type Invitations = HashMap<i64, Vec<(InviteChannel, InvitationStatus)>>;

/// Each member's invitations in the order made, from rows in that order.
fn reaches(rows: Vec<InvitationRow>) -> Invitations {
    let mut by_member = Invitations::new();
    for (member, channel, status) in rows {
        let list = by_member.entry(member).or_default();
        if let (Some(channel), Some(status)) = (channel.as_deref().and_then(InviteChannel::parse), status.as_deref().and_then(InvitationStatus::parse)) {
            list.push((channel, status));
        }
    }
    by_member
}

impl Store {
    /// Opens a survey's roster, or moves its deadline; province-wide PAR managers only.
    pub async fn open_roster(&self, actor: &Actor, access: &Access, survey_id: i64, closes_at: i64) -> Result<()> {
        self.require_province_wide(access, Permission::ManagePar).await?;
        let survey = self.survey(access, survey_id).await?;
        if closes_at > survey.closes_at {
            return Err(Error::Invalid(vec!["Hạn nộp danh sách phải trước khi cuộc khảo sát đóng.".into()]));
        }
        let entry = Entry::new(AuditAction::RosterOpened, "survey", survey_id).details(json!({ "closes_at": closes_at }));
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let erased: Option<Option<i64>> =
                sqlx::query_scalar("SELECT erased_at FROM rosters WHERE survey_id = $1").bind(survey_id).fetch_optional(&mut *tx).await?;
            if matches!(erased, Some(Some(_))) {
                return Err(Error::Invalid(vec!["Danh sách của cuộc khảo sát này đã được xóa sau đợt.".into()]));
            }
            sqlx::query(
                "INSERT INTO rosters (survey_id, closes_at, set_by, set_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (survey_id) DO UPDATE SET closes_at = excluded.closes_at, set_by = excluded.set_by, set_at = excluded.set_at",
            )
            .bind(survey_id)
            .bind(closes_at)
            .bind(actor.user_id)
            .bind(actor.at)
            .execute(&mut *tx)
            .await?;
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok::<_, Error>(())
        })
    }

    /// A survey's roster, if the caller keeps or follows it.
    pub async fn roster(&self, access: &Access, survey_id: i64) -> Result<Roster> {
        self.rosters_where(access, Some(survey_id)).await?.pop().ok_or(Error::NotFound)
    }

    /// The rosters a caller may keep or follow, newest survey first.
    pub async fn rosters(&self, access: &Access) -> Result<Vec<Roster>> {
        self.rosters_where(access, None).await
    }

    async fn rosters_where(&self, access: &Access, survey_id: Option<i64>) -> Result<Vec<Roster>> {
        let scope = scope_sql(&roster_roots(access));
        let sql = format!(
            "{scope} {ROSTER_SELECT}
             WHERE ($1 IS NULL OR r.survey_id = $1)
               AND (s.unit_id IN (SELECT id FROM scope) OR EXISTS (SELECT 1 FROM survey_units t WHERE t.survey_id = s.id AND t.unit_id IN (SELECT id FROM scope)))
             ORDER BY s.opens_at DESC, s.id DESC"
        );
        Ok(on_db!(self, read, |pool| sqlx::query_as(AssertSqlSafe(sql.as_str())).bind(survey_id).fetch_all(pool).await)?)
    }

    /// The roster of a survey, if it has one, whoever asks (for the system's own steps).
    pub(crate) async fn find_roster(&self, survey_id: i64) -> Result<Option<Roster>> {
        let sql = format!("{ROSTER_SELECT} WHERE r.survey_id = $1");
        Ok(on_db!(self, read, |pool| sqlx::query_as(AssertSqlSafe(sql.as_str())).bind(survey_id).fetch_optional(pool).await)?)
    }

    /// The roster surveys whose figures the caller may not read: all of them unless the caller
    /// reads results across the province. An agency that knows who on its list has answered
    /// could read a small unit's figures as one person's answers.
    pub(crate) async fn withheld_surveys(&self, access: &Access) -> Result<std::collections::HashSet<i64>> {
        // One statement: every roster, unless a root of the caller's is the province's.
        let roots: Vec<String> = access.roots(Permission::ViewResults).iter().map(i64::to_string).collect();
        let whole = if roots.is_empty() {
            "1 = 0".to_string()
        } else {
            format!("EXISTS (SELECT 1 FROM units WHERE parent_id IS NULL AND id IN ({}))", roots.join(", "))
        };
        let sql = format!("SELECT survey_id FROM rosters WHERE NOT {whole}");
        let ids: Vec<i64> = on_db!(self, read, |pool| sqlx::query_scalar(AssertSqlSafe(sql.as_str())).fetch_all(pool).await)?;
        Ok(ids.into_iter().collect())
    }

    /// The agencies a survey asks about that the caller keeps the roster of, in unit order.
    pub async fn roster_agencies(&self, access: &Access, survey_id: i64) -> Result<Vec<(i64, String)>> {
        let scope = scope_sql(&access.roots(Permission::KeepRoster));
        let sql = format!(
            "{scope} SELECT u.id, u.name FROM survey_units t JOIN units u ON u.id = t.unit_id
             WHERE t.survey_id = $1 AND u.id IN (SELECT id FROM scope) ORDER BY u.sort_key"
        );
        Ok(on_db!(self, read, |pool| sqlx::query_as(AssertSqlSafe(sql.as_str())).bind(survey_id).fetch_all(pool).await)?)
    }

    /// Adds people to an agency's list, all of them or none: every row is checked, against the
    /// rows above it and against those listed already, and a refusal names each row's problems.
    pub async fn add_roster_members(&self, actor: &Actor, access: &Access, survey_id: i64, unit_id: i64, rows: &[(usize, RawMember)]) -> Result<usize> {
        let roster = self.editable_roster(actor, access, survey_id, unit_id).await?;
        let listed: Vec<String> = on_db!(self, read, |pool| {
            sqlx::query_scalar(
                "SELECT email_index FROM roster_members WHERE survey_id = $1 AND email_index <> ''
                 UNION ALL SELECT phone_index FROM roster_members WHERE survey_id = $1 AND phone_index <> ''",
            )
            .bind(survey_id)
            .fetch_all(pool)
            .await
        })?;
        let listed: std::collections::HashSet<String> = listed.into_iter().collect();
        // Indexed as the sampling frame's contacts are, so that one opt-out covers both.
        let index = |contact: &str| self.sealer.blind_index(if contact.contains('@') { "frame.email" } else { "frame.phone" }, contact);
        let members = roster::check(rows, |contact| listed.contains(&index(contact)))
            .map_err(|problems| Error::Invalid(problems.iter().map(RowProblems::sentence).collect()))?;
        let sealed: Vec<[String; 5]> = members
            .iter()
            .map(|m| {
                let (email, phone) = (m.email.as_deref(), m.phone.as_deref());
                [
                    self.sealer.seal("roster.name", &m.name),
                    self.sealer.seal_opt("roster.email", email).unwrap_or_default(),
                    self.sealer.seal_opt("roster.phone", phone).unwrap_or_default(),
                    email.map(index).unwrap_or_default(),
                    phone.map(index).unwrap_or_default(),
                ]
            })
            .collect();
        let entry = Entry::new(AuditAction::RosterMembersAdded, "survey", roster.survey_id).unit(unit_id).details(json!({ "count": members.len() }));
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            for (m, [name, email, phone, email_index, phone_index]) in members.iter().zip(&sealed) {
                sqlx::query(
                    "INSERT INTO roster_members (survey_id, unit_id, name_sealed, position, workplace, email_sealed, phone_sealed, email_index,
                                                 phone_index, added_by, added_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                )
                .bind(survey_id)
                .bind(unit_id)
                .bind(name)
                .bind(&m.position)
                .bind(&m.workplace)
                .bind(email)
                .bind(phone)
                .bind(email_index)
                .bind(phone_index)
                .bind(actor.user_id)
                .bind(actor.at)
                .execute(&mut *tx)
                .await?;
            }
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok::<_, Error>(())
        })?;
        Ok(members.len())
    }

    /// Takes someone off an agency's list before the deadline, while no invitation has gone.
    pub async fn remove_roster_member(&self, actor: &Actor, access: &Access, survey_id: i64, member_id: i64) -> Result<()> {
        let unit_id = self.member_unit(survey_id, member_id).await?;
        self.editable_roster(actor, access, survey_id, unit_id).await?;
        let entry = Entry::new(AuditAction::RosterMemberRemoved, "roster_member", member_id).unit(unit_id);
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let invited: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM invitations WHERE member_id = $1").bind(member_id).fetch_one(&mut *tx).await?;
            if invited > 0 {
                return Err(Error::Invalid(vec!["Người này đã được gửi lời mời: không bỏ khỏi danh sách được nữa.".into()]));
            }
            sqlx::query("DELETE FROM roster_members WHERE id = $1").bind(member_id).execute(&mut *tx).await?;
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok::<_, Error>(())
        })
    }

    /// The agency of a roster member.
    async fn member_unit(&self, survey_id: i64, member_id: i64) -> Result<i64> {
        let unit_id: Option<i64> = on_db!(self, read, |pool| {
            sqlx::query_scalar("SELECT unit_id FROM roster_members WHERE id = $1 AND survey_id = $2").bind(member_id).bind(survey_id).fetch_optional(pool).await
        })?;
        unit_id.ok_or(Error::NotFound)
    }

    async fn require_keeper(&self, access: &Access, unit_id: i64) -> Result<()> {
        if access.can(Permission::KeepRoster, &self.unit_ancestry(unit_id).await?) { Ok(()) } else { Err(Error::Forbidden) }
    }

    /// The roster of a survey whose agency list the caller may change now.
    async fn editable_roster(&self, actor: &Actor, access: &Access, survey_id: i64, unit_id: i64) -> Result<Roster> {
        self.require_keeper(access, unit_id).await?;
        let roster = self.find_roster(survey_id).await?.ok_or(Error::NotFound)?;
        if !self.roster_agencies(access, survey_id).await?.iter().any(|(id, _)| *id == unit_id) {
            return Err(Error::Invalid(vec!["Cuộc khảo sát này không hỏi ý kiến công chức của đơn vị này.".into()]));
        }
        if roster.locked(actor.at) {
            return Err(Error::Invalid(vec![format!(
                "Danh sách đã khóa từ {}: hạn nộp đã qua. Hãy liên hệ Sở Nội vụ nếu cần sửa.",
                domain::text::format_timestamp_ms(roster.closes_at)
            )]));
        }
        Ok(roster)
    }

    /// The people an agency listed, their names opened (audited), and where each stands.
    pub async fn roster_members(&self, actor: &Actor, access: &Access, survey_id: i64, unit_id: i64) -> Result<Vec<Listed>> {
        self.require_keeper(access, unit_id).await?;
        let rows: Vec<MemberRow> = on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT m.id, m.unit_id, u.name AS unit_name, m.name_sealed, m.position, m.workplace,
                        m.email_index <> '' AS has_email, m.phone_index <> '' AS has_phone
                 FROM roster_members m JOIN units u ON u.id = m.unit_id WHERE m.survey_id = $1 AND m.unit_id = $2 ORDER BY m.id",
            )
            .bind(survey_id)
            .bind(unit_id)
            .fetch_all(pool)
            .await
        })?;
        let reaches = self.member_invitations(survey_id, Some(unit_id), None).await?;
        let mut listed = Vec::with_capacity(rows.len());
        for row in rows {
            let name = if row.name_sealed.is_empty() { "(đã xóa sau đợt)".to_string() } else { self.sealer.open("roster.name", &row.name_sealed)? };
            let standing = Standing::of(reaches.get(&row.id).map(Vec::as_slice).unwrap_or_default());
            listed.push(Listed {
                id: row.id,
                unit_id: row.unit_id,
                unit_name: row.unit_name,
                name,
                position: row.position,
                workplace: row.workplace,
                has_email: row.has_email,
                has_phone: row.has_phone,
                standing,
            });
        }
        if !listed.is_empty() {
            let entry = Entry::new(AuditAction::RosterViewed, "survey", survey_id).unit(unit_id).details(json!({ "count": listed.len() }));
            self.audit(actor, &entry).await?;
        }
        Ok(listed)
    }

    /// Sends the survey's invitations to everyone listed who has none waiting: the first channel
    /// they can be reached by, or the next one after a refusal. Province-wide PAR managers only,
    /// while the survey is open. Returns how many were queued.
    pub async fn invite_roster(&self, actor: &Actor, access: &Access, survey_id: i64) -> Result<usize> {
        self.require_province_wide(access, Permission::ManagePar).await?;
        let roster = self.find_roster(survey_id).await?.ok_or(Error::NotFound)?;
        if !roster.takes_invitations(actor.at) {
            return Err(Error::Invalid(vec!["Cuộc khảo sát không đang mở: không gửi lời mời.".into()]));
        }
        let queued = self.invite_members(&roster, None, actor.at).await?;
        let entry = Entry::new(AuditAction::RosterInvited, "survey", survey_id).details(json!({ "queued": queued }));
        self.audit(actor, &entry).await?;
        Ok(queued)
    }

    /// After a refusal: the member behind invitation `invitation_id` is invited by the next
    /// channel, if they are on a roster and one remains.
    pub(crate) async fn roster_fallback(&self, invitation_id: i64, now: i64) -> Result<()> {
        let found: Option<(i64, i64)> = on_db!(self, read, |pool| {
            sqlx::query_as("SELECT survey_id, member_id FROM invitations WHERE id = $1 AND member_id IS NOT NULL")
                .bind(invitation_id)
                .fetch_optional(pool)
                .await
        })?;
        let Some((survey_id, member_id)) = found else { return Ok(()) };
        match self.find_roster(survey_id).await? {
            Some(roster) if roster.takes_invitations(now) => self.invite_members(&roster, Some(member_id), now).await.map(|_| ()),
            _ => Ok(()),
        }
    }

    /// The invitations of a survey's roster members (of one agency, or one member), each
    /// member's in the order they were made.
    async fn member_invitations(&self, survey_id: i64, unit_id: Option<i64>, member: Option<i64>) -> Result<Invitations> {
        let rows: Vec<InvitationRow> = on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT m.id, i.channel, i.status FROM roster_members m JOIN invitations i ON i.member_id = m.id
                 WHERE m.survey_id = $1 AND ($2 IS NULL OR m.unit_id = $2) AND ($3 IS NULL OR m.id = $3) ORDER BY m.id, i.id",
            )
            .bind(survey_id)
            .bind(unit_id)
            .bind(member)
            .fetch_all(pool)
            .await
        })?;
        Ok(reaches(rows))
    }

    /// Queues an invitation for each member (or the one) whose standing needs one, by the next
    /// channel they have; the tokens of refused invitations stop working, so that a person holds
    /// one live link.
    async fn invite_members(&self, roster: &Roster, member: Option<i64>, now: i64) -> Result<usize> {
        let people: Vec<(i64, i64, bool, bool)> = on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT m.id, m.unit_id, m.email_index <> '' AND NOT EXISTS (SELECT 1 FROM opt_outs o WHERE o.contact_index = m.email_index),
                        m.phone_index <> '' AND NOT EXISTS (SELECT 1 FROM opt_outs o WHERE o.contact_index = m.phone_index)
                 FROM roster_members m WHERE m.survey_id = $1 AND ($2 IS NULL OR m.id = $2) ORDER BY m.id",
            )
            .bind(roster.survey_id)
            .bind(member)
            .fetch_all(pool)
            .await
        })?;
        let reaches = self.member_invitations(roster.survey_id, None, member).await?;
        let mut chosen = Vec::new();
        for (id, unit_id, has_email, has_phone) in people {
            let done = reaches.get(&id).map(Vec::as_slice).unwrap_or_default();
            let tried: Vec<InviteChannel> = done.iter().map(|(c, _)| *c).collect();
            if Standing::of(done).needs_invitation()
                && let Some(channel) = roster::next_channel(&tried, has_email, has_phone)
            {
                let token = crate::crypto::short_token();
                chosen.push((id, unit_id, channel, digest(&token), self.sealer.seal("invitations.token", &token)));
            }
        }
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            for (member_id, unit_id, channel, token_hash, token_sealed) in &chosen {
                sqlx::query(
                    "UPDATE survey_tokens SET expires_at = $1 WHERE token_hash IN
                       (SELECT token_hash FROM invitations WHERE member_id = $2 AND status IN ('bounced', 'failed'))",
                )
                .bind(now)
                .bind(member_id)
                .execute(&mut *tx)
                .await?;
                sqlx::query("INSERT INTO survey_tokens (token_hash, survey_id, unit_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(token_hash)
                    .bind(roster.survey_id)
                    .bind(unit_id)
                    .bind(now - now % DAY_MS)
                    .bind(roster.survey_closes_at)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO invitations (survey_id, member_id, unit_id, channel, token_hash, token_sealed, status, created_at, due_at)
                     VALUES ($1, $2, $3, $4, $5, $6, 'queued', $7, $8)",
                )
                .bind(roster.survey_id)
                .bind(member_id)
                .bind(unit_id)
                .bind(channel.code())
                .bind(token_hash)
                .bind(token_sealed)
                .bind(now - now % DAY_MS)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok::<_, Error>(())
        })?;
        Ok(chosen.len())
    }

    /// The focal point chases someone who has not answered: their waiting invitation is sent
    /// again now, at most once a day.
    pub async fn chase_roster_member(&self, actor: &Actor, access: &Access, survey_id: i64, member_id: i64) -> Result<()> {
        let unit_id = self.member_unit(survey_id, member_id).await?;
        self.require_keeper(access, unit_id).await?;
        let waiting = ReminderPolicy::REMINDED.map(InvitationStatus::code);
        let chased = on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let done = sqlx::query(
                "UPDATE invitations SET due_at = $1, reminders = reminders + 1, attempts = 0
                 WHERE member_id = $2 AND due_at IS NULL AND status IN ($4, $5, $6) AND last_sent_at <= $3",
            )
            .bind(actor.at)
            .bind(member_id)
            .bind(actor.at - CHASE_EVERY_MS)
            .bind(waiting[0])
            .bind(waiting[1])
            .bind(waiting[2])
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if done > 0 {
                let entry = Entry::new(AuditAction::RosterReminded, "roster_member", member_id).unit(unit_id);
                record!(&mut *tx, actor, &entry)?;
            }
            tx.commit().await?;
            Ok::<_, Error>(done)
        })?;
        if chased == 0 {
            return Err(Error::Invalid(vec![
                "Không nhắc được: người này đã trả lời, chưa được gửi lời mời, hoặc đã được gửi hay nhắc trong 24 giờ qua.".into(),
            ]));
        }
        Ok(())
    }

    /// Participation per agency in the caller's scope, and the total.
    pub async fn roster_participation(&self, access: &Access, survey_id: i64) -> Result<RosterParticipation> {
        let scope = scope_sql(&roster_roots(access));
        let people_sql = format!(
            "{scope} SELECT m.id, m.unit_id, u.name FROM roster_members m JOIN units u ON u.id = m.unit_id
             WHERE m.survey_id = $1 AND m.unit_id IN (SELECT id FROM scope) ORDER BY u.sort_key, m.unit_id, m.id"
        );
        let invitations_sql = format!(
            "{scope} SELECT i.member_id, i.channel, i.status FROM invitations i
             WHERE i.survey_id = $1 AND i.member_id IS NOT NULL AND i.unit_id IN (SELECT id FROM scope) ORDER BY i.member_id, i.id"
        );
        let (people, invitations): (Vec<(i64, i64, String)>, Vec<InvitationRow>) = on_db!(self, read, |pool| {
            let people = sqlx::query_as(AssertSqlSafe(people_sql.as_str())).bind(survey_id).fetch_all(pool).await?;
            let invitations = sqlx::query_as(AssertSqlSafe(invitations_sql.as_str())).bind(survey_id).fetch_all(pool).await?;
            Ok::<_, sqlx::Error>((people, invitations))
        })?;
        let mut reaches = reaches(invitations);
        let mut names: HashMap<i64, String> = HashMap::new();
        let people: Vec<Reach> = people
            .into_iter()
            .map(|(id, unit_id, name)| {
                names.entry(unit_id).or_insert(name);
                Reach { unit_id, invitations: reaches.remove(&id).unwrap_or_default() }
            })
            .collect();
        let (rows, total) = roster::tally(&people);
        let rows = rows.into_iter().map(|(unit, p)| (unit, names.remove(&unit).unwrap_or_default(), p)).collect();
        Ok(RosterParticipation { rows, total })
    }

    /// Erases the rosters of surveys that have closed: names, contacts (a provider's refusal
    /// may quote the address), and the tokens and drafts that tie a person to their link. The counts stay. Returns how many rosters.
    pub async fn erase_finished_rosters(&self, actor: &Actor) -> Result<usize> {
        let due: Vec<i64> = on_db!(self, read, |pool| {
            sqlx::query_scalar("SELECT r.survey_id FROM rosters r JOIN surveys s ON s.id = r.survey_id WHERE r.erased_at IS NULL AND s.closes_at <= $1")
                .bind(actor.at)
                .fetch_all(pool)
                .await
        })?;
        for survey_id in &due {
            let entry = Entry::new(AuditAction::RosterErased, "survey", *survey_id);
            on_db!(self, write, |pool| {
                let mut tx = pool.begin().await?;
                let linked = "SELECT token_hash FROM invitations WHERE survey_id = $1 AND member_id IS NOT NULL";
                for sql in [
                    format!("DELETE FROM response_drafts WHERE token_hash IN ({linked})"),
                    format!("DELETE FROM survey_tokens WHERE token_hash IN ({linked})"),
                    "UPDATE invitations SET token_hash = 'erased-' || CAST(id AS TEXT), token_sealed = '', provider_id = '', last_error = '', due_at = NULL
                     WHERE survey_id = $1 AND member_id IS NOT NULL"
                        .to_string(),
                    "UPDATE roster_members SET name_sealed = '', email_sealed = '', phone_sealed = '', email_index = '', phone_index = ''
                     WHERE survey_id = $1"
                        .to_string(),
                ] {
                    sqlx::query(AssertSqlSafe(sql)).bind(survey_id).execute(&mut *tx).await?;
                }
                sqlx::query("UPDATE rosters SET erased_at = $1 WHERE survey_id = $2").bind(actor.at).bind(survey_id).execute(&mut *tx).await?;
                record!(&mut *tx, actor, &entry)?;
                tx.commit().await?;
                Ok::<_, Error>(())
            })?;
        }
        Ok(due.len())
    }
}

/// Who follows a roster's participation: its focal points, the office running the round and
/// the leaders reading its results.
fn roster_roots(access: &Access) -> Vec<i64> {
    let mut roots: Vec<i64> = [Permission::KeepRoster, Permission::ManagePar, Permission::ViewParResults].into_iter().flat_map(|p| access.roots(p)).collect();
    roots.sort_unstable();
    roots.dedup();
    roots
}
