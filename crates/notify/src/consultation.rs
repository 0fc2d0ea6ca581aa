//! Messages to the people who take part in a consultation: the one-time code that verifies a
//! phone or mailbox (sent at once, the person waits for it), and the notice that the report is
//! out (queued, sent with retries).

use domain::consultation::report_notice;
use domain::personal::{Contact, Message};
use storage::Store;

use crate::invitations::{SendError, Senders};
use crate::{MailError, retry_after_ms};

/// Notices sent per pass.
const BATCH: i64 = 100;

impl Senders {
    /// Sends `message` to a phone (as SMS) or a mailbox, by the sender configured for it.
    pub async fn to_contact(&self, contact: &Contact, message: &Message, reference: &str) -> Result<(), SendError> {
        match (contact, &self.mailer, &self.sms) {
            (Contact::Email(to), Some(mailer), _) => mailer
                .send(to, "", &message.subject, &message.email)
                .await
                .map_err(|e| SendError { permanent: matches!(e, MailError::Refused(_)), message: e.to_string() }),
            (Contact::Phone(to), _, Some(sms)) => sms.send(to, &message.sms, reference).await.map(|_| ()),
            (Contact::Email(_), None, _) => {
                Err(SendError { message: "hệ thống chưa được cấu hình gửi thư điện tử".into(), permanent: false })
            }
            (Contact::Phone(_), _, None) => Err(SendError { message: "hệ thống chưa được cấu hình gửi tin nhắn".into(), permanent: false }),
        }
    }
}

/// Tells the participants who left a contact that the report of their consultation is out.
/// Returns how many were told.
pub async fn deliver_notices(store: &Store, senders: &Senders, public_url: &str, now: i64) -> storage::Result<usize> {
    let mut sent = 0;
    for notice in store.due_notices(now, BATCH).await? {
        let link = format!("{}/y-kien/{}", public_url.trim_end_matches('/'), notice.consultation_id);
        let message = report_notice(&notice.title, &link);
        match senders.to_contact(&notice.contact, &message, &format!("gopy-{}", notice.id)).await {
            Ok(()) => {
                store.notice_sent(notice.id, now).await?;
                sent += 1;
            }
            Err(e) => {
                tracing::warn!(id = notice.id, error = %e.message, permanent = e.permanent, "consultation notice not sent");
                let retry_at = if e.permanent { i64::MAX } else { now + retry_after_ms(notice.attempts as u32) };
                store.notice_failed(notice.id, &e.message, retry_at).await?;
            }
        }
    }
    Ok(sent)
}
