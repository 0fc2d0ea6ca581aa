//! Messages. E-mail goes over SMTP with lettre; messages to officials are first written to the
//! outbox in the transaction that decided them, and [`deliver_due`] sends what is due, marks it
//! sent, or schedules a retry with a growing pause. Invitations to answer a survey go by e-mail,
//! an SMS gateway or Zalo ([`invitations`]).

pub mod consultation;
pub mod http;
pub mod invitations;
pub mod oa;
pub mod oidc;
pub mod qa;
pub mod webhooks;

use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use storage::Store;

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("cấu hình máy chủ thư không hợp lệ: {0}")]
    Config(String),
    #[error("không gửi được thư: {0}")]
    Send(String),
    /// The server refused the address for good (a bounce).
    #[error("máy chủ thư từ chối địa chỉ: {0}")]
    Refused(String),
}

/// An SMTP connection setting and the sender's address.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    /// `url`: `smtp://host:port` (plain, or `?tls=required` for STARTTLS), `smtps://host` for
    /// TLS, with `user:password@` when the server asks for a login. `from`: `Tên <địa chỉ>`.
    pub fn new(url: &str, from: &str) -> Result<Self, MailError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url).map_err(|e| MailError::Config(e.to_string()))?.build();
        let from = from.parse().map_err(|e: lettre::address::AddressError| MailError::Config(e.to_string()))?;
        Ok(Self { transport, from })
    }

    pub async fn send(&self, to: &str, name: &str, subject: &str, body: &str) -> Result<(), MailError> {
        let to = Mailbox::new(Some(name.to_string()), to.parse().map_err(|e: lettre::address::AddressError| MailError::Send(e.to_string()))?);
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_string())
            .map_err(|e| MailError::Send(e.to_string()))?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| if e.is_permanent() { MailError::Refused(e.to_string()) } else { MailError::Send(e.to_string()) })
    }
}

/// Messages sent per pass.
const BATCH: i64 = 50;

/// The pause before the next try: a minute, doubling, at most six hours.
pub(crate) fn retry_after_ms(attempts: u32) -> i64 {
    (60_000i64 << attempts.min(9)).min(6 * 3_600_000)
}

/// Sends the e-mails that are due; returns how many went out.
pub async fn deliver_due(store: &Store, mailer: &Mailer, now: i64) -> storage::Result<usize> {
    let mut sent = 0;
    for mail in store.due_mail(now, BATCH).await? {
        match mailer.send(&mail.to, &mail.name, &mail.subject, &mail.body).await {
            Ok(()) => {
                store.mail_sent(mail.id, now).await?;
                sent += 1;
            }
            Err(e) => {
                tracing::warn!(id = mail.id, error = %e, "e-mail not sent; will retry");
                store.mail_failed(mail.id, &e.to_string(), now + retry_after_ms(mail.attempts as u32)).await?;
            }
        }
    }
    Ok(sent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_slow_down_and_stop_growing() {
        assert_eq!(retry_after_ms(0), 60_000);
        assert_eq!(retry_after_ms(1), 120_000);
        assert_eq!(retry_after_ms(30), 6 * 3_600_000);
    }

    #[test]
    fn bad_settings_are_told() {
        assert!(matches!(Mailer::new("smtp://127.0.0.1:2525", "khong-phai-dia-chi"), Err(MailError::Config(_))));
        assert!(Mailer::new("smtp://127.0.0.1:2525", "Thước Đo <noreply@anlac.gov.vn>").is_ok());
    }
}
