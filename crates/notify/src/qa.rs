//! Messages to those who asked a question: that it was received (with the tracking code and
//! the deadline), the answer, or why it was declined; queued with the step that causes them and
//! sent with retries, by e-mail or SMS as the asker left their contact, or on Zalo when the
//! asker asked for it and the server has a template approved for these messages.

use domain::personal::Contact;
use domain::qa;
use domain::text;
use serde_json::json;
use storage::Store;
use storage::qa::QaNotice;

use crate::invitations::Senders;
use crate::retry_after_ms;

/// Messages sent per pass.
const BATCH: i64 = 100;

/// Sends the askers' messages due at `now`; returns how many went out.
pub async fn deliver_messages(store: &Store, senders: &Senders, public_url: &str, now: i64) -> storage::Result<usize> {
    let mut sent = 0;
    for notice in store.due_qa_notices(now, BATCH).await? {
        let code = qa::format_code(&notice.code);
        let link = format!("{}/hoi-dap/tra-cuu?ma={code}", public_url.trim_end_matches('/'));
        let message = match notice.message.as_str() {
            "answered" => qa::answer_message(&code, &notice.title, &notice.unit, &notice.answer, &link),
            "declined" => qa::declined_message(&code, &notice.title, &notice.reason, &link),
            _ => qa::received_message(&code, &notice.title, &text::format_lock(notice.deadline_at), &link),
        };
        let reference = format!("hoidap-{}", notice.id);
        let sent_now = match zalo(senders, &notice) {
            Some((zns, template, phone)) => {
                let status = match notice.message.as_str() {
                    "answered" => "Đã trả lời",
                    "declined" => "Không thụ lý",
                    _ => "Đã tiếp nhận",
                };
                let data = json!({ "ma_theo_doi": code, "tieu_de": domain::personal::short(&notice.title), "trang_thai": status, "lien_ket": link });
                zns.send_template(phone, template, data, &reference).await.map(|_| ())
            }
            None => senders.to_contact(&notice.contact, &message, &reference).await,
        };
        match sent_now {
            Ok(()) => {
                store.qa_notice_sent(notice.id, now).await?;
                sent += 1;
            }
            Err(e) => {
                tracing::warn!(id = notice.id, error = %e.message, permanent = e.permanent, "message to an asker not sent");
                let retry_at = if e.permanent { i64::MAX } else { now + retry_after_ms(notice.attempts as u32) };
                store.qa_notice_failed(notice.id, &e.message, retry_at).await?;
            }
        }
    }
    Ok(sent)
}

/// Zalo, its template and the phone, when the asker asked for Zalo and the server can send it.
fn zalo<'a>(senders: &'a Senders, notice: &'a QaNotice) -> Option<(&'a crate::invitations::ZaloZns, &'a str, &'a str)> {
    match (&senders.zalo, &senders.zalo_qa_template, &notice.contact) {
        (Some(zns), Some(template), Contact::Phone(phone)) if notice.by_zalo => Some((zns, template.as_str(), phone.as_str())),
        _ => None,
    }
}
