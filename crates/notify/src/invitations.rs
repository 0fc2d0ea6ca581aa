//! Sending invitations: by e-mail, through an SMS gateway over HTTP, and by Zalo's Notification
//! Service (ZNS) template messages. [`deliver_invitations`] schedules reminders, sends what is
//! due and records each outcome on the invitation.
//!
//! The SMS gateway contract (what a provider's adapter implements): `POST {url}` with
//! `Authorization: Bearer {token}` and `{"to": "0912345678", "text": "…", "reference": "42"}`;
//! a 2xx answer `{"id": "…"}` names the message; 4xx refuses the number for good; anything else
//! is tried again. Delivery reports come back to `/hooks/sms` as `{"id": "…", "reference": "42",
//! "status": "delivered" | "failed"}`.
//!
//! Zalo ZNS (developers.zalo.me, "Gửi thông báo ZNS"): `POST
//! https://business.openapi.zalo.me/message/template` with the `access_token` header and
//! `{"phone": "84912345678", "template_id": "…", "template_data": {…}, "tracking_id": "42"}`; the
//! answer `{"error": 0, "message": "Success", "data": {"msg_id": "…"}}`, a non-zero `error` when
//! refused. Delivery comes to the OA's webhook as the `user_received_message` event, whose
//! message carries the `tracking_id`.

use domain::invitations::{Invitation, InviteChannel};
use serde_json::{Value, json};
use storage::Store;

use crate::http::Http;
use crate::{MailError, Mailer, retry_after_ms};

/// Why a message did not go: `permanent` when the address itself is refused (a bounce).
#[derive(Debug)]
pub struct SendError {
    pub message: String,
    pub permanent: bool,
}

impl SendError {
    pub(crate) fn temporary(message: impl Into<String>) -> Self {
        Self { message: message.into(), permanent: false }
    }
}

/// Posts to a provider and reads its answer: 4xx (but 429) refuses for good, other failures are
/// worth another try.
pub(crate) async fn post(http: &Http, url: &str, headers: &[(&str, &str)], body: &Value) -> Result<Value, SendError> {
    let (status, body) = http.post_json(url, headers, body).await.map_err(SendError::temporary)?;
    if status.is_success() {
        Ok(body)
    } else {
        Err(SendError { message: format!("HTTP {status}: {body}"), permanent: status.is_client_error() && status.as_u16() != 429 })
    }
}

#[derive(Clone)]
pub struct SmsGateway {
    http: Http,
    url: String,
    token: String,
}

impl SmsGateway {
    pub fn new(url: &str, token: &str) -> Self {
        Self { http: Http::new(), url: url.to_string(), token: token.to_string() }
    }

    /// Sends `text` to `to`; returns the gateway's message id.
    pub async fn send(&self, to: &str, text: &str, reference: &str) -> Result<String, SendError> {
        let authorization = format!("Bearer {}", self.token);
        let message = json!({ "to": to, "text": text, "reference": reference });
        let body = post(&self.http, &self.url, &[("authorization", &authorization)], &message).await?;
        Ok(body["id"].as_str().map(String::from).unwrap_or_else(|| body["id"].to_string()))
    }
}

#[derive(Clone)]
pub struct ZaloZns {
    http: Http,
    url: String,
    access_token: String,
    template_id: String,
}

/// Zalo's template-message endpoint.
pub const ZNS_URL: &str = "https://business.openapi.zalo.me/message/template";

impl ZaloZns {
    pub fn new(url: &str, access_token: &str, template_id: &str) -> Self {
        Self { http: Http::new(), url: url.to_string(), access_token: access_token.to_string(), template_id: template_id.to_string() }
    }

    /// Sends the invitation's template to the Zalo account of `phone` (`0…`); returns `msg_id`.
    pub async fn send(&self, phone: &str, data: Value, reference: &str) -> Result<String, SendError> {
        self.send_template(phone, &self.template_id, data, reference).await
    }

    /// Sends the approved template `template_id` with `data` to the Zalo account of `phone`.
    pub async fn send_template(&self, phone: &str, template_id: &str, data: Value, reference: &str) -> Result<String, SendError> {
        let international = format!("84{}", phone.trim_start_matches('0'));
        let message = json!({
            "phone": international,
            "template_id": template_id,
            "template_data": data,
            "tracking_id": reference,
        });
        let body = post(&self.http, &self.url, &[("access_token", &self.access_token)], &message).await?;
        match body["error"].as_i64() {
            Some(0) => Ok(body["data"]["msg_id"].as_str().unwrap_or_default().to_string()),
            // Zalo answers 200 with a negative code when it refuses this message (the number has
            // no Zalo account, the template is not approved, the day's quota is spent): sending
            // the same again would be refused the same way, so it is not retried; the code and
            // Zalo's words are kept on the invitation for the office to read.
            Some(code) => Err(SendError { message: format!("Zalo từ chối ({code}): {}", body["message"]), permanent: true }),
            None => Err(SendError::temporary(format!("Zalo trả lời không đọc được: {body}"))),
        }
    }
}

/// The channels configured on this server.
#[derive(Clone, Default)]
pub struct Senders {
    pub mailer: Option<Mailer>,
    pub sms: Option<SmsGateway>,
    pub zalo: Option<ZaloZns>,
    /// The OA's answers to its followers.
    pub zalo_oa: Option<crate::oa::ZaloOa>,
    /// The approved ZNS template of the messages to those who asked a question (its data:
    /// `ma_theo_doi`, `tieu_de`, `trang_thai`, `lien_ket`); none: they go by SMS.
    pub zalo_qa_template: Option<String>,
    /// The client that posts to the webhook receivers.
    pub webhooks: Http,
}

/// Messages sent per pass.
const BATCH: i64 = 100;

/// Schedules the reminders that are due, then sends every invitation message due now.
/// `public_url` starts the links. Returns how many went out.
pub async fn deliver_invitations(store: &Store, senders: &Senders, public_url: &str, now: i64) -> storage::Result<usize> {
    store.schedule_reminders(now).await?;
    let mut sent = 0;
    for due in store.due_invitations(now, BATCH).await? {
        let link = format!("{}/t/{}", public_url.trim_end_matches('/'), due.token);
        let opt_out_link = format!("{link}/tu-choi");
        let invitation = Invitation {
            survey_title: &due.survey_title,
            unit_name: &due.unit_name,
            dossier_code: due.dossier_code.as_deref(),
            link: &link,
            opt_out_link: &opt_out_link,
            reminder: due.reminder,
        };
        let reference = due.id.to_string();
        let outcome = match (due.channel, senders) {
            (InviteChannel::Email, Senders { mailer: Some(mailer), .. }) => mailer
                .send(&due.to, "", &invitation.email_subject(), &invitation.email_body())
                .await
                .map(|()| String::new())
                .map_err(|e| SendError { permanent: matches!(e, MailError::Refused(_)), message: e.to_string() }),
            (InviteChannel::Sms, Senders { sms: Some(sms), .. }) => sms.send(&due.to, &invitation.sms_text(), &reference).await,
            (InviteChannel::Zalo, Senders { zalo: Some(zalo), .. }) => {
                let data = json!({ "ten_don_vi": due.unit_name, "ma_ho_so": due.dossier_code.as_deref().unwrap_or_default(), "ma_khao_sat": due.token });
                zalo.send(&due.to, data, &reference).await
            }
            (channel, _) => Err(SendError::temporary(format!("máy chủ chưa được cấu hình kênh «{}»", channel.label()))),
        };
        match outcome {
            Ok(provider_id) => {
                store.invitation_sent(due.id, &provider_id, now).await?;
                sent += 1;
            }
            Err(e) => {
                tracing::warn!(id = due.id, error = %e.message, permanent = e.permanent, "invitation not sent");
                store.invitation_not_sent(due.id, &e.message, e.permanent, now + retry_after_ms(due.attempts as u32), now).await?;
            }
        }
    }
    Ok(sent)
}
