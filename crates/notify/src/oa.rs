//! The province's Zalo Official Account answers its followers with Zalo's "Gửi tin Tư vấn"
//! (OA API v3): `POST https://openapi.zalo.me/v3.0/oa/message/cs` with the `access_token` header
//! and `{"recipient": {"user_id": "…"}, "message": {"text": "…"}}`, answered `{"error": 0, …}`
//! or a non-zero `error` when refused (the follower blocked the OA, the window to answer closed).

use serde_json::json;
use storage::Store;

use crate::http::Http;
use crate::invitations::{SendError, post};
use crate::retry_after_ms;

/// Zalo's address for an OA's answers.
pub const OA_URL: &str = "https://openapi.zalo.me/v3.0/oa/message/cs";
/// Answers sent per pass.
const BATCH: i64 = 100;

#[derive(Clone)]
pub struct ZaloOa {
    http: Http,
    url: String,
    access_token: String,
}

impl ZaloOa {
    pub fn new(url: &str, access_token: &str) -> Self {
        Self { http: Http::new(), url: url.to_string(), access_token: access_token.to_string() }
    }

    pub async fn send_text(&self, user_id: &str, text: &str) -> Result<(), SendError> {
        let message = json!({ "recipient": { "user_id": user_id }, "message": { "text": text } });
        let body = post(&self.http, &self.url, &[("access_token", &self.access_token)], &message).await?;
        match body["error"].as_i64() {
            Some(0) => Ok(()),
            Some(code) => Err(SendError { message: format!("Zalo từ chối ({code}): {}", body["message"]), permanent: true }),
            None => Err(SendError::temporary(format!("Zalo trả lời không đọc được: {body}"))),
        }
    }
}

/// Sends the answers owed to followers; returns how many went.
pub async fn deliver_replies(store: &Store, oa: &ZaloOa, now: i64) -> storage::Result<usize> {
    let mut sent = 0;
    for due in store.due_oa_replies(now, BATCH).await? {
        match oa.send_text(&due.user_id, &due.reply).await {
            Ok(()) => {
                store.oa_reply_sent(due.id, now).await?;
                sent += 1;
            }
            Err(e) => {
                tracing::warn!(id = due.id, error = %e.message, "Zalo OA answer not sent");
                store.oa_reply_not_sent(due.id, &e.message, e.permanent, now + retry_after_ms(due.attempts as u32)).await?;
            }
        }
    }
    store.tidy_oa_replies(now).await?;
    Ok(sent)
}
