//! Invitations: queued for a draw's sample by channel (respecting opt-outs and the contact
//! window), sent by the outbox worker with retries, moved along by delivery reports, the link
//! being opened, started and answered, reminded, and counted per unit and channel.

use std::collections::BTreeMap;

use domain::audit::AuditAction;
use domain::auth::{Access, Permission};
use domain::invitations::{InvitationStatus, InviteChannel, ReminderPolicy, may_contact};
use serde_json::json;
use sqlx::AssertSqlSafe;

use crate::audit::{Entry, record};
use crate::crypto::digest;
use crate::db::scope_sql;
use crate::par::DAY_MS;
use crate::{Actor, Error, Page, Paging, Result, Store};

/// Settings the reform office changes on the participation page.
pub const CONTACT_WINDOW_DAYS: (&str, i64) = ("contact_window_days", 90);
pub const REMINDER_AFTER_DAYS: (&str, i64) = ("reminder_after_days", 3);
pub const MAX_REMINDERS: (&str, i64) = ("max_reminders", 2);
/// Tries of one message before it is given up as failed.
const MAX_ATTEMPTS: i64 = 8;

/// What queueing a draw's invitations did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InviteReport {
    pub queued: usize,
    /// Invited before on this channel, or answered already.
    pub already: usize,
    /// No address for the channel.
    pub no_contact: usize,
    pub opted_out: usize,
    /// Asked within the contact window (by any survey).
    pub recently_asked: usize,
}

/// A message to send now, with its contact and link opened.
#[derive(Clone, Debug)]
pub struct DueInvitation {
    pub id: i64,
    pub channel: InviteChannel,
    pub to: String,
    pub token: String,
    pub survey_title: String,
    pub unit_name: String,
    /// The sampled dossier asked about; `None` for an official on a PAR INDEX roster.
    pub dossier_code: Option<String>,
    pub reminder: bool,
    pub attempts: i64,
}

/// Counts per status of one unit and channel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Participation {
    pub unit_id: i64,
    pub unit_name: String,
    pub channel: InviteChannel,
    pub counts: BTreeMap<&'static str, i64>,
}

impl Participation {
    pub fn count(&self, status: InvitationStatus) -> i64 {
        self.counts.get(status.code()).copied().unwrap_or(0)
    }

    pub fn total(&self) -> i64 {
        self.counts.values().sum()
    }
}

/// An invitation not (yet) answered.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Pending {
    pub id: i64,
    pub entry_id: i64,
    pub dossier_code: String,
    pub unit_name: String,
    pub channel: String,
    pub status: String,
    pub last_sent_at: Option<i64>,
    pub reminders: i64,
    pub last_error: String,
}

#[derive(sqlx::FromRow)]
struct DueRow {
    id: i64,
    channel: String,
    phone_sealed: String,
    email_sealed: String,
    token_sealed: String,
    survey_title: String,
    unit_name: String,
    /// None for a roster member.
    dossier_code: Option<String>,
    reminders: i64,
    attempts: i64,
    opted_out: bool,
}

#[derive(sqlx::FromRow)]
struct Candidate {
    entry_id: i64,
    unit_id: i64,
    phone_index: String,
    email_index: String,
    opted_out: bool,
    last_asked: Option<i64>,
    invited: bool,
}

/// What a new invitation row holds besides its token.
struct NewInvitation {
    survey_id: i64,
    expires_at: i64,
    draw_id: Option<i64>,
    entry_id: i64,
    unit_id: i64,
    channel: InviteChannel,
    status: InvitationStatus,
    due_at: Option<i64>,
}

/// Writes an invitation and its token (the digest the answer page checks) through `$exec`.
macro_rules! insert_invitation {
    ($exec:expr, $new:expr, $token_hash:expr, $token_sealed:expr, $at:expr) => {{
        let new: &NewInvitation = $new;
        sqlx::query("INSERT INTO survey_tokens (token_hash, survey_id, unit_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
            .bind($token_hash)
            .bind(new.survey_id)
            .bind(new.unit_id)
            .bind($at)
            .bind(new.expires_at)
            .execute($exec)
            .await?;
        sqlx::query(
            "INSERT INTO invitations (survey_id, draw_id, entry_id, unit_id, channel, token_hash, token_sealed, status, created_at, due_at, sent_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(new.survey_id)
        .bind(new.draw_id)
        .bind(new.entry_id)
        .bind(new.unit_id)
        .bind(new.channel.code())
        .bind($token_hash)
        .bind($token_sealed)
        .bind(new.status.code())
        .bind($at)
        .bind(new.due_at)
        .bind((new.status == InvitationStatus::Sent).then_some($at))
        .execute($exec)
        .await?;
    }};
}

/// The link printed on a dossier's receipt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceiptLink {
    pub token: String,
    pub survey_title: String,
}

impl Store {
    /// The one-time link to print as a QR code on a completed dossier's receipt: for the survey
    /// open now that asks about the dossier's unit by invitation (`survey_code` picks one when
    /// several are). Asking again for the same dossier gives the same link (a reprint).
    pub async fn receipt_link(&self, actor: &Actor, access: &Access, dossier_code: &str, survey_code: Option<&str>) -> Result<ReceiptLink> {
        let entry: Option<(i64, i64)> = on_db!(self, read, |pool| {
            sqlx::query_as("SELECT id, unit_id FROM frame_entries WHERE dossier_code = $1").bind(dossier_code).fetch_optional(pool).await
        })?;
        let (entry_id, unit_id) = entry.ok_or(Error::NotFound)?;
        if !access.can(Permission::RegisterDossiers, &self.unit_ancestry(unit_id).await?) {
            return Err(Error::NotFound);
        }
        let survey: Option<(i64, String, i64)> = on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT s.id, s.title, s.closes_at FROM surveys s JOIN survey_units t ON t.survey_id = s.id AND t.unit_id = $1
                 WHERE s.opens_at <= $2 AND s.closes_at > $2 AND s.channels LIKE '%\"invitation\"%' AND ($3 IS NULL OR s.code = $3)
                 ORDER BY s.opens_at DESC, s.id DESC LIMIT 1",
            )
            .bind(unit_id)
            .bind(actor.at)
            .bind(survey_code)
            .fetch_optional(pool)
            .await
        })?;
        let Some((survey_id, survey_title, closes_at)) = survey else {
            return Err(Error::Invalid(vec!["Không có cuộc khảo sát nào đang mở nhận trả lời qua lời mời cho đơn vị của hồ sơ này.".into()]));
        };
        // Two first prints at once: the unique key refuses the second insert, which then reads
        // the link the first one made.
        for _ in 0..2 {
            let existing: Option<String> = on_db!(self, read, |pool| {
                sqlx::query_scalar("SELECT token_sealed FROM invitations WHERE survey_id = $1 AND entry_id = $2 AND channel = 'qr'")
                    .bind(survey_id)
                    .bind(entry_id)
                    .fetch_optional(pool)
                    .await
            })?;
            if let Some(sealed) = existing {
                return Ok(ReceiptLink { token: self.sealer.open("invitations.token", &sealed)?, survey_title });
            }
            let token = crate::crypto::short_token();
            let new = NewInvitation {
                survey_id,
                expires_at: closes_at,
                draw_id: None,
                entry_id,
                unit_id,
                channel: InviteChannel::Qr,
                status: InvitationStatus::Sent,
                due_at: None,
            };
            let (token_hash, token_sealed) = (digest(&token), self.sealer.seal("invitations.token", &token));
            // An async block, so that `?` ends the insert and not the whole call.
            let inserted = on_db!(self, write, |pool| async {
                let mut tx = pool.begin().await?;
                insert_invitation!(&mut *tx, &new, &token_hash, &token_sealed, actor.at);
                tx.commit().await?;
                Ok::<_, Error>(())
            }
            .await);
            match inserted {
                Ok(()) => return Ok(ReceiptLink { token, survey_title }),
                Err(Error::Conflict(_)) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(Error::Conflict("Liên kết khảo sát của hồ sơ này đang được tạo; hãy in lại biên nhận.".into()))
    }

    /// The reminder policy and contact window in force.
    pub async fn invitation_policy(&self) -> Result<(i64, ReminderPolicy)> {
        Ok((
            self.number_setting(CONTACT_WINDOW_DAYS).await?,
            ReminderPolicy { after_days: self.number_setting(REMINDER_AFTER_DAYS).await?, max: self.number_setting(MAX_REMINDERS).await? },
        ))
    }

    /// Sets the contact window and the reminder policy; province-wide survey managers only.
    pub async fn set_invitation_policy(&self, actor: &Actor, access: &Access, window_days: i64, policy: ReminderPolicy) -> Result<()> {
        self.require_province_wide(access, Permission::ManageSurveys).await?;
        let mut errors = Vec::new();
        if !(0..=730).contains(&window_days) {
            errors.push("Khoảng cách giữa hai lần hỏi cùng một người phải từ 0 đến 730 ngày.".to_string());
        }
        if !(1..=60).contains(&policy.after_days) {
            errors.push("Số ngày trước khi nhắc phải từ 1 đến 60.".to_string());
        }
        if !(0..=5).contains(&policy.max) {
            errors.push("Số lần nhắc tối đa phải từ 0 đến 5.".to_string());
        }
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        self.set_number_setting(actor, CONTACT_WINDOW_DAYS, window_days).await?;
        self.set_number_setting(actor, REMINDER_AFTER_DAYS, policy.after_days).await?;
        self.set_number_setting(actor, MAX_REMINDERS, policy.max).await
    }

    /// Queues an invitation by `channel` for each sampled dossier of a draw that has the
    /// address it needs, has not opted out and was not asked within the contact window.
    pub async fn invite(&self, actor: &Actor, access: &Access, draw_id: i64, channel: InviteChannel) -> Result<InviteReport> {
        let draw = self.draw(access, draw_id).await?;
        let survey = self.survey(access, draw.survey_id).await?;
        if !survey.is_open(actor.at) {
            return Err(Error::Invalid(vec!["Cuộc khảo sát không còn mở: không gửi lời mời.".into()]));
        }
        let (window_days, _) = self.invitation_policy().await?;
        let candidates: Vec<Candidate> = on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT f.id AS entry_id, f.unit_id, f.phone_index, f.email_index,
                        EXISTS (SELECT 1 FROM opt_outs o WHERE o.contact_index IN (f.phone_index, f.email_index) AND o.contact_index <> '') AS opted_out,
                        (SELECT MAX(i.created_at) FROM invitations i JOIN frame_entries g ON g.id = i.entry_id
                          WHERE i.channel <> 'qr' AND i.entry_id <> f.id
                            AND ((g.phone_index = f.phone_index AND f.phone_index <> '') OR (g.email_index = f.email_index AND f.email_index <> ''))) AS last_asked,
                        EXISTS (SELECT 1 FROM invitations i WHERE i.survey_id = $2 AND i.entry_id = f.id AND i.channel = $3)
                          OR EXISTS (SELECT 1 FROM responses r WHERE r.survey_id = $2 AND r.dossier_code = f.dossier_code) AS invited
                 FROM draw_members m JOIN frame_entries f ON f.id = m.entry_id
                 WHERE m.draw_id = $1 AND m.status = 'selected' ORDER BY m.unit_id, m.stratum, m.rank",
            )
            .bind(draw_id)
            .bind(survey.id)
            .bind(channel.code())
            .fetch_all(pool)
            .await
        })?;
        let mut report = InviteReport::default();
        let mut chosen = Vec::new();
        for c in candidates {
            let has_address = match channel {
                InviteChannel::Email => !c.email_index.is_empty(),
                InviteChannel::Sms | InviteChannel::Zalo => !c.phone_index.is_empty(),
                InviteChannel::Qr => true,
            };
            if c.invited {
                report.already += 1;
            } else if !has_address {
                report.no_contact += 1;
            } else if c.opted_out {
                report.opted_out += 1;
            } else if channel.sends() && !may_contact(c.last_asked, actor.at, window_days) {
                report.recently_asked += 1;
            } else {
                let token = crate::crypto::short_token();
                chosen.push((c.entry_id, c.unit_id, digest(&token), self.sealer.seal("invitations.token", &token)));
            }
        }
        report.queued = chosen.len();
        let due = channel.sends().then_some(actor.at);
        let status = if channel.sends() { InvitationStatus::Queued } else { InvitationStatus::Sent };
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            for (entry_id, unit_id, token_hash, token_sealed) in &chosen {
                let invitation = NewInvitation {
                    survey_id: survey.id,
                    expires_at: survey.closes_at,
                    draw_id: Some(draw_id),
                    entry_id: *entry_id,
                    unit_id: *unit_id,
                    channel,
                    status,
                    due_at: due,
                };
                insert_invitation!(&mut *tx, &invitation, token_hash, token_sealed, actor.at);
            }
            let entry = Entry::new(AuditAction::InvitationsQueued, "sample_draw", draw_id).unit(survey.unit_id).details(json!({
                "channel": channel.code(),
                "queued": report.queued,
                "already": report.already,
                "no_contact": report.no_contact,
                "opted_out": report.opted_out,
                "recently_asked": report.recently_asked,
            }));
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok::<_, Error>(())
        })?;
        Ok(report)
    }

    /// Marks for a reminder the invitations the policy says are due one (`ReminderPolicy::due`,
    /// as one statement).
    pub async fn schedule_reminders(&self, now: i64) -> Result<u64> {
        let (_, policy) = self.invitation_policy().await?;
        let [sent, delivered, opened] = ReminderPolicy::REMINDED.map(InvitationStatus::code);
        Ok(on_db!(self, write, |pool| {
            sqlx::query(
                "UPDATE invitations SET due_at = $1, reminders = reminders + 1, attempts = 0
                 WHERE due_at IS NULL AND status IN ($4, $5, $6) AND channel <> 'qr'
                   AND reminders < $2 AND last_sent_at <= $3",
            )
            .bind(now)
            .bind(policy.max)
            .bind(policy.last_sent_by(now))
            .bind(sent)
            .bind(delivered)
            .bind(opened)
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
        })?)
    }

    /// Messages due now, with their contacts opened; the opted-out are closed instead.
    pub async fn due_invitations(&self, now: i64, limit: i64) -> Result<Vec<DueInvitation>> {
        let rows: Vec<DueRow> = on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT i.id, i.channel, COALESCE(f.phone_sealed, m.phone_sealed) AS phone_sealed, COALESCE(f.email_sealed, m.email_sealed) AS email_sealed,
                        i.token_sealed, s.title AS survey_title, u.name AS unit_name, f.dossier_code, i.reminders, i.attempts,
                        EXISTS (SELECT 1 FROM opt_outs o WHERE o.contact_index <> ''
                                   AND o.contact_index IN (f.phone_index, f.email_index, m.phone_index, m.email_index)) AS opted_out
                 FROM invitations i LEFT JOIN frame_entries f ON f.id = i.entry_id LEFT JOIN roster_members m ON m.id = i.member_id
                 JOIN surveys s ON s.id = i.survey_id JOIN units u ON u.id = i.unit_id
                 WHERE i.due_at <= $1 ORDER BY i.due_at, i.id LIMIT $2",
            )
            .bind(now)
            .bind(limit)
            .fetch_all(pool)
            .await
        })?;
        let mut due = Vec::new();
        for DueRow {
            id,
            channel,
            phone_sealed: phone,
            email_sealed: email,
            token_sealed: token,
            survey_title,
            unit_name,
            dossier_code,
            reminders,
            attempts,
            opted_out,
        } in rows
        {
            let channel = InviteChannel::parse(&channel).ok_or_else(|| Error::Invalid(vec![format!("kênh «{channel}» không hợp lệ")]))?;
            let kind = if dossier_code.is_some() { "frame" } else { "roster" };
            let sealed = if channel == InviteChannel::Email { (&email, format!("{kind}.email")) } else { (&phone, format!("{kind}.phone")) };
            if opted_out {
                // Opted out since it was queued: never sent.
                self.invitation_status(id, InvitationStatus::OptedOut, now, "").await?;
                continue;
            }
            if sealed.0.is_empty() {
                self.invitation_status(id, InvitationStatus::Failed, now, "thông tin liên hệ đã bị xóa").await?;
                continue;
            }
            due.push(DueInvitation {
                id,
                channel,
                to: self.sealer.open(&sealed.1, sealed.0)?,
                token: self.sealer.open("invitations.token", &token)?,
                survey_title,
                unit_name,
                dossier_code,
                reminder: reminders > 0,
                attempts,
            });
        }
        Ok(due)
    }

    /// A message went out; the provider's id matches later delivery reports.
    pub async fn invitation_sent(&self, id: i64, provider_id: &str, now: i64) -> Result<()> {
        on_db!(self, write, |pool| {
            sqlx::query(
                "UPDATE invitations SET due_at = NULL, last_sent_at = $1, sent_at = COALESCE(sent_at, $1), provider_id = $2,
                        attempts = attempts + 1, last_error = '', status = CASE WHEN status = 'queued' THEN 'sent' ELSE status END
                 WHERE id = $3",
            )
            .bind(now)
            .bind(provider_id)
            .bind(id)
            .execute(pool)
            .await
            .map(|_| ())
        })?;
        Ok(())
    }

    /// A send failed. A refused address bounces at once; other failures are tried again at
    /// `retry_at`, until they have failed too often.
    pub async fn invitation_not_sent(&self, id: i64, error: &str, permanent: bool, retry_at: i64, now: i64) -> Result<()> {
        let attempts: i64 = on_db!(self, write, |pool| {
            sqlx::query_scalar("UPDATE invitations SET attempts = attempts + 1, last_error = $1, due_at = $2 WHERE id = $3 RETURNING attempts")
                .bind(error)
                .bind(retry_at)
                .bind(id)
                .fetch_one(pool)
                .await
        })?;
        match (permanent, attempts >= MAX_ATTEMPTS) {
            (true, _) => self.invitation_status(id, InvitationStatus::Bounced, now, error).await,
            (false, true) => self.invitation_status(id, InvitationStatus::Failed, now, error).await,
            _ => Ok(()),
        }
    }

    /// A delivery report from a channel's provider. Reports name the invitation by the reference
    /// it was sent with (they may arrive before the send is recorded) or else by the provider's
    /// message id. Returns whether the invitation was found.
    pub async fn invitation_delivery(&self, channel: InviteChannel, reference: Option<i64>, provider_id: &str, delivered: bool, now: i64) -> Result<bool> {
        let id: Option<i64> = on_db!(self, read, |pool| {
            sqlx::query_scalar("SELECT id FROM invitations WHERE channel = $1 AND (id = $2 OR (provider_id = $3 AND provider_id <> '')) ORDER BY id LIMIT 1")
                .bind(channel.code())
                .bind(reference)
                .bind(provider_id)
                .fetch_optional(pool)
                .await
        })?;
        let Some(id) = id else { return Ok(false) };
        let status = if delivered { InvitationStatus::Delivered } else { InvitationStatus::Bounced };
        self.invitation_status(id, status, now, if delivered { "" } else { "nhà cung cấp báo không chuyển được" }).await?;
        Ok(true)
    }

    /// The invitation link was opened or a sheet begun with it.
    pub async fn invitation_event(&self, token_hash: &str, event: InvitationStatus, now: i64) -> Result<()> {
        let id: Option<i64> =
            on_db!(self, read, |pool| { sqlx::query_scalar("SELECT id FROM invitations WHERE token_hash = $1").bind(token_hash).fetch_optional(pool).await })?;
        match id {
            Some(id) => self.invitation_status(id, event, now, "").await,
            None => Ok(()),
        }
    }

    /// Moves an invitation to `event` if the rules allow, stamping the time of that status.
    async fn invitation_status(&self, id: i64, event: InvitationStatus, now: i64, error: &str) -> Result<()> {
        let lock = self.row_lock();
        let column = match event {
            InvitationStatus::Delivered => "delivered_at",
            InvitationStatus::Opened => "opened_at",
            InvitationStatus::Started => "started_at",
            InvitationStatus::Completed => "completed_at",
            _ => "closed_at",
        };
        let final_status = matches!(event, InvitationStatus::Completed | InvitationStatus::OptedOut | InvitationStatus::Bounced | InvitationStatus::Failed);
        // A roster member's times are kept to the day, so that they cannot be matched to the
        // time an answer was stored.
        let update = format!(
            "UPDATE invitations SET status = $1, {column} = COALESCE({column}, CASE WHEN member_id IS NULL THEN $2 ELSE $2 - $2 % {DAY_MS} END),
                    last_error = CASE WHEN $3 = '' THEN last_error ELSE $3 END {} WHERE id = $4",
            if final_status { ", due_at = NULL" } else { "" }
        );
        let next = on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let current: String =
                sqlx::query_scalar(AssertSqlSafe(format!("SELECT status FROM invitations WHERE id = $1{lock}"))).bind(id).fetch_one(&mut *tx).await?;
            let next = InvitationStatus::parse(&current).and_then(|s| s.after(event));
            if let Some(next) = next {
                sqlx::query(AssertSqlSafe(update.as_str())).bind(next.code()).bind(now).bind(error).bind(id).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok::<_, Error>(next)
        })?;
        if matches!(next, Some(InvitationStatus::Bounced | InvitationStatus::Failed)) {
            self.roster_fallback(id, now).await?;
        }
        Ok(())
    }

    /// The person behind an invitation link asks never to be invited again: their phone and
    /// e-mail are listed, and every invitation still waiting to be sent to them is closed.
    pub async fn opt_out(&self, token_hash: &str, now: i64) -> Result<()> {
        let row: Option<(i64, String, String)> = on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT i.id, COALESCE(f.phone_index, m.phone_index), COALESCE(f.email_index, m.email_index) FROM invitations i
                 LEFT JOIN frame_entries f ON f.id = i.entry_id LEFT JOIN roster_members m ON m.id = i.member_id WHERE i.token_hash = $1",
            )
            .bind(token_hash)
            .fetch_optional(pool)
            .await
        })?;
        let Some((id, phone, email)) = row else { return Err(Error::NotFound) };
        let closed: Vec<i64> = on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            for index in [&phone, &email].into_iter().filter(|i| !i.is_empty()) {
                sqlx::query("INSERT INTO opt_outs (contact_index, at) VALUES ($1, $2) ON CONFLICT (contact_index) DO NOTHING")
                    .bind(index)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
            let pending: Vec<i64> = sqlx::query_scalar(
                "SELECT i.id FROM invitations i LEFT JOIN frame_entries f ON f.id = i.entry_id LEFT JOIN roster_members m ON m.id = i.member_id
                 WHERE i.status NOT IN ('completed', 'opted_out') AND i.id <> $1
                   AND ((COALESCE(f.phone_index, m.phone_index) = $2 AND $2 <> '') OR (COALESCE(f.email_index, m.email_index) = $3 AND $3 <> ''))",
            )
            .bind(id)
            .bind(&phone)
            .bind(&email)
            .fetch_all(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok::<_, Error>(pending)
        })?;
        for other in std::iter::once(id).chain(closed) {
            self.invitation_status(other, InvitationStatus::OptedOut, now, "").await?;
        }
        Ok(())
    }

    /// Invitations of a survey per unit and channel, counted by status, for units in scope.
    pub async fn participation(&self, access: &Access, survey_id: i64) -> Result<Vec<Participation>> {
        let survey = self.survey(access, survey_id).await?;
        let scope = scope_sql(&access.roots(Permission::ViewResults));
        let sql = format!(
            "{scope} SELECT i.unit_id, u.name, u.sort_key, i.channel, i.status, COUNT(*) FROM invitations i JOIN units u ON u.id = i.unit_id
             WHERE i.survey_id = $1 AND i.unit_id IN (SELECT id FROM scope)
             GROUP BY i.unit_id, u.name, u.sort_key, i.channel, i.status ORDER BY u.sort_key, i.channel"
        );
        let rows: Vec<(i64, String, String, String, String, i64)> =
            on_db!(self, read, |pool| sqlx::query_as(AssertSqlSafe(sql.as_str())).bind(survey.id).fetch_all(pool).await)?;
        let mut report: Vec<Participation> = Vec::new();
        for (unit_id, unit_name, _, channel, status, count) in rows {
            let (Some(channel), Some(status)) = (InviteChannel::parse(&channel), InvitationStatus::parse(&status)) else { continue };
            match report.last_mut() {
                Some(last) if last.unit_id == unit_id && last.channel == channel => {
                    last.counts.insert(status.code(), count);
                }
                _ => report.push(Participation { unit_id, unit_name, channel, counts: BTreeMap::from([(status.code(), count)]) }),
            }
        }
        Ok(report)
    }

    /// Invitations of a survey not answered, for follow-up (no personal data).
    pub async fn pending_invitations(&self, access: &Access, survey_id: i64, unit_id: Option<i64>, paging: Paging) -> Result<Page<Pending>> {
        let survey = self.survey(access, survey_id).await?;
        let scope = scope_sql(&access.roots(Permission::ViewResults));
        let from = "FROM invitations i JOIN frame_entries f ON f.id = i.entry_id JOIN units u ON u.id = i.unit_id
             WHERE i.survey_id = $1 AND i.status <> 'completed' AND i.unit_id IN (SELECT id FROM scope) AND ($2 IS NULL OR i.unit_id = $2)";
        let list = format!(
            "{scope} SELECT i.id, i.entry_id, f.dossier_code, u.name AS unit_name, i.channel, i.status, i.last_sent_at, i.reminders, i.last_error
             {from} ORDER BY u.sort_key, f.dossier_code, i.channel LIMIT $3 OFFSET $4"
        );
        let count = format!("{scope} SELECT COUNT(*) {from}");
        let (items, total) = on_db!(self, read, |pool| {
            let items: Vec<Pending> =
                sqlx::query_as(AssertSqlSafe(list.as_str())).bind(survey.id).bind(unit_id).bind(paging.limit).bind(paging.offset).fetch_all(pool).await?;
            let total: i64 = sqlx::query_scalar(AssertSqlSafe(count.as_str())).bind(survey.id).bind(unit_id).fetch_one(pool).await?;
            Ok::<_, sqlx::Error>((items, total))
        })?;
        Ok(Page { items, total })
    }
}
