//! The e-mails about alert cases: told at once for an urgent cause and for an escalation, and
//! otherwise gathered into one digest per official and period, whatever the number of cases; the
//! outbox that carries them, with retries.

use domain::alerts::AlertKind;
use domain::text;
use sqlx::AssertSqlSafe;

use crate::{Error, Result, Store};

/// A message that failed this often is left for an administrator to look at.
const MAX_ATTEMPTS: i64 = 10;

/// The most cases a digest lists one by one; the rest are counted.
pub const DIGEST_LINES: usize = 30;

/// Digest rows read per pass.
const DIGEST_ROWS: i64 = 10_000;

/// An e-mail ready to send.
#[derive(Clone, Debug)]
pub struct Mail {
    pub id: i64,
    /// Tries so far.
    pub attempts: i64,
    pub to: String,
    pub name: String,
    pub subject: String,
    pub body: String,
}

/// Officials who hear of a unit's cases: its own reform officials and head, and the reform
/// office where the unit is the province.
pub(crate) const RECIPIENTS_SQL: &str = "SELECT DISTINCT u.id FROM users u JOIN user_roles r ON r.user_id = u.id
     WHERE r.unit_id = $1 AND r.role IN ('unit_official', 'unit_head', 'reform_office') AND NOT u.disabled AND u.email IS NOT NULL";

pub(crate) const QUEUE_SQL: &str = "INSERT INTO outbox (channel, user_id, subject, body, created_at, next_attempt_at) VALUES ('email', $1, $2, $3, $4, $4)";

/// Queues an e-mail to every official who hears of `$unit`'s cases, inside the transaction.
macro_rules! tell_unit {
    ($tx:ident, $unit:expr, $subject:expr, $body:expr, $now:expr) => {
        let recipients: Vec<i64> = sqlx::query_scalar($crate::alerts::mail::RECIPIENTS_SQL).bind($unit).fetch_all(&mut *$tx).await?;
        for user in recipients {
            sqlx::query($crate::alerts::mail::QUEUE_SQL).bind(user).bind($subject).bind($body).bind($now).execute(&mut *$tx).await?;
        }
    };
}
pub(crate) use tell_unit;

const SIGNATURE: &str = "Thư này do hệ thống Thước Đo gửi tự động; vui lòng không trả lời thư.";

/// The e-mail about one case, opened or escalated.
pub(super) fn message(kind: AlertKind, unit: &str, detail: &str, deadline_at: i64, link: &str, escalated_from: Option<&str>) -> (String, String) {
    let subject = match escalated_from {
        None => format!("[Thước Đo] Cảnh báo: {} — {unit}", kind.label()),
        Some(from) => format!("[Thước Đo] Vụ việc quá hạn chuyển lên: {} — {from}", kind.label()),
    };
    let mut body = String::new();
    if let Some(from) = escalated_from {
        body.push_str(&format!("Vụ việc của {from} đã quá hạn xử lý và được chuyển lên {unit}.\n\n"));
    }
    body.push_str(&format!(
        "{}\nĐơn vị: {unit}\nNội dung: {detail}\nHạn xử lý: {}\n\nXem và xử lý tại: {link}\n\n{SIGNATURE}",
        kind.label(),
        text::format_timestamp_ms(deadline_at)
    ));
    (subject, body)
}

/// A case as a digest lists it.
#[derive(sqlx::FromRow)]
struct DigestLine {
    id: i64,
    user_id: i64,
    case_id: i64,
    kind: String,
    unit: String,
    detail: String,
    responses: i64,
    deadline_at: i64,
    status: String,
}

/// One official's digest: every case they have not heard of since the last one, as it stands.
fn digest(lines: &[&DigestLine], link: &(dyn Fn(i64) -> String + Sync)) -> (String, String) {
    let subject = format!("[Thước Đo] Tổng hợp cảnh báo: {} vụ việc mới hoặc có thêm phiếu", lines.len());
    let mut body = format!("Các vụ việc cảnh báo mới hoặc có thêm phiếu từ lần tổng hợp trước ({}):\n\n", lines.len());
    for line in lines.iter().take(DIGEST_LINES) {
        let kind: &str = AlertKind::parse(&line.kind).map_or(&line.kind, |k| k.label());
        let held = if line.responses > 0 { format!(", {} phiếu", text::format_number(line.responses as f64, 0)) } else { String::new() };
        let state = if line.status == "open" { format!("hạn xử lý {}", text::format_timestamp_ms(line.deadline_at)) } else { "đã xử lý xong".into() };
        let detail: String = line.detail.chars().take(200).collect();
        body.push_str(&format!("• {kind} — {}{held}; {state}\n  {detail}\n  {}\n\n", line.unit, link(line.case_id)));
    }
    if lines.len() > DIGEST_LINES {
        body.push_str(&format!("… và {} vụ việc khác, xem trong mục Cảnh báo của hệ thống.\n\n", lines.len() - DIGEST_LINES));
    }
    body.push_str(SIGNATURE);
    (subject, body)
}

impl Store {
    /// Turns each official's waiting digest rows into one e-mail. The rows are deleted in the
    /// transaction that queues the e-mails; if another process took some of them first,
    /// nothing is queued here.
    pub async fn queue_digests(&self, now: i64, link: &(dyn Fn(i64) -> String + Sync)) -> Result<usize> {
        let lines: Vec<DigestLine> = on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT d.id, d.user_id, c.id AS case_id, c.kind, u.name AS unit, c.detail, c.responses, c.deadline_at, c.status
                 FROM alert_digest d JOIN alert_cases c ON c.id = d.case_id JOIN units u ON u.id = c.unit_id
                 ORDER BY d.user_id, c.id LIMIT $1",
            )
            .bind(DIGEST_ROWS)
            .fetch_all(pool)
            .await
        })?;
        if lines.is_empty() {
            return Ok(0);
        }
        let mut by_user: std::collections::BTreeMap<i64, Vec<&DigestLine>> = std::collections::BTreeMap::new();
        for line in &lines {
            by_user.entry(line.user_id).or_default().push(line);
        }
        let ids: Vec<i64> = lines.iter().map(|l| l.id).collect();
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let mut taken = 0;
            for chunk in ids.chunks(400) {
                let mut delete = sqlx::QueryBuilder::new("DELETE FROM alert_digest WHERE id IN (");
                let mut list = delete.separated(", ");
                for id in chunk {
                    list.push_bind(*id);
                }
                delete.push(")");
                taken += delete.build().execute(&mut *tx).await?.rows_affected();
            }
            if taken != ids.len() as u64 {
                // Another process is sending these (the transaction rolls back).
                return Ok(0);
            }
            for (user, lines) in &by_user {
                let (subject, body) = digest(lines, link);
                sqlx::query(QUEUE_SQL).bind(user).bind(&subject).bind(&body).bind(now).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok::<_, Error>(by_user.len())
        })
    }

    /// E-mails due now, with their addresses unsealed for sending.
    pub async fn due_mail(&self, now: i64, limit: i64) -> Result<Vec<Mail>> {
        let rows: Vec<(i64, i64, Option<String>, String, String, String)> = on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT o.id, o.attempts, u.email, u.full_name, o.subject, o.body FROM outbox o JOIN users u ON u.id = o.user_id
                 WHERE o.sent_at IS NULL AND o.channel = 'email' AND o.next_attempt_at <= $1 AND o.attempts < $2
                 ORDER BY o.id LIMIT $3",
            )
            .bind(now)
            .bind(MAX_ATTEMPTS)
            .bind(limit)
            .fetch_all(pool)
            .await
        })?;
        let mut mail = Vec::new();
        for (id, attempts, email, name, subject, body) in rows {
            match self.sealer.open_opt("users.email", email.as_deref())? {
                Some(to) => mail.push(Mail { id, attempts, to, name, subject, body }),
                None => self.mail_failed(id, "người nhận không có địa chỉ thư điện tử", i64::MAX).await?,
            }
        }
        Ok(mail)
    }

    pub async fn mail_sent(&self, id: i64, now: i64) -> Result<()> {
        self.outbox_sent("outbox", id, now).await
    }

    /// Records a failed attempt; the message is tried again at `retry_at`.
    pub async fn mail_failed(&self, id: i64, error: &str, retry_at: i64) -> Result<()> {
        self.outbox_failed("outbox", id, error, retry_at).await
    }

    /// Marks a message of an outbox (`outbox`, `consultation_notices`, `qa_notices`: tables with the same
    /// sending columns) as sent.
    pub(crate) async fn outbox_sent(&self, table: &'static str, id: i64, now: i64) -> Result<()> {
        let sql = format!("UPDATE {table} SET sent_at = $1, attempts = attempts + 1, last_error = NULL WHERE id = $2");
        on_db!(self, write, |pool| sqlx::query(AssertSqlSafe(sql.as_str())).bind(now).bind(id).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// Records a failed attempt of an outbox's message; it is tried again at `retry_at`.
    pub(crate) async fn outbox_failed(&self, table: &'static str, id: i64, error: &str, retry_at: i64) -> Result<()> {
        let sql = format!("UPDATE {table} SET attempts = attempts + 1, last_error = $1, next_attempt_at = $2 WHERE id = $3");
        on_db!(self, write, |pool| sqlx::query(AssertSqlSafe(sql.as_str())).bind(error).bind(retry_at).bind(id).execute(pool).await.map(|_| ()))?;
        Ok(())
    }
}
