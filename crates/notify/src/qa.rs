//! Messages to those who asked a question: that it was received (with the tracking code and
//! the deadline), the answer, or why it was declined; queued with the step that causes them and
//! sent with retries, by e-mail or SMS as the asker left their contact.

use domain::qa;
use domain::text;
use storage::Store;

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
        match senders.to_contact(&notice.contact, &message, &format!("hoidap-{}", notice.id)).await {
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
