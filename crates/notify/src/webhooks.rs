//! Sends the webhook deliveries that are due: each message signed with its subscription's
//! secret, posted, and its outcome recorded (a 2xx answer delivers it; anything else is tried
//! again later, see `domain::webhooks::retry_after`). Receivers are tried side by side, so one
//! that hangs holds up no other.

use std::time::Instant;

use domain::webhooks;
use storage::Store;
use storage::webhooks::{Due, Tried};
use tokio::task::JoinSet;

use crate::http::Http;

/// Deliveries claimed per pass.
const BATCH: i64 = 50;

/// One pass: new events become deliveries, then the due ones are sent. Returns how many were
/// tried.
pub async fn deliver_webhooks(store: &Store, http: &Http, public_url: &str, now: i64) -> storage::Result<usize> {
    store.gather_webhook_events(now).await?;
    let due = store.claim_due_deliveries(now, BATCH).await?;
    let tried = due.len();
    let mut sending = JoinSet::new();
    for delivery in due {
        let (store, http, public_url) = (store.clone(), http.clone(), public_url.to_string());
        sending.spawn(async move {
            let outcome = send(&http, &delivery, &public_url, now).await;
            store.delivery_tried(delivery.delivery_id, &outcome, now).await
        });
    }
    while let Some(done) = sending.join_next().await {
        match done {
            Ok(Err(e)) => tracing::error!(error = %e, "a webhook try could not be recorded"),
            Err(e) => tracing::error!(error = %e, "a webhook try stopped"),
            Ok(Ok(())) => {}
        }
    }
    Ok(tried)
}

async fn send(http: &Http, delivery: &Due, public_url: &str, now: i64) -> Tried {
    let body = delivery.event.body(public_url);
    let id = delivery.event.message_id();
    let timestamp = now.div_euclid(1000);
    let signature = webhooks::sign(&delivery.key, &id, timestamp, body.as_bytes());
    let timestamp = timestamp.to_string();
    let headers = [
        ("webhook-id", id.as_str()),
        ("webhook-timestamp", timestamp.as_str()),
        ("webhook-signature", signature.as_str()),
        ("user-agent", "ThuocDo-Webhooks/1"),
    ];
    let started = Instant::now();
    let answer = http.post(&delivery.url, &headers, body).await;
    let duration_ms = started.elapsed().as_millis() as i64;
    match answer {
        Ok((status, _)) if status.is_success() => Tried { status: Some(status.as_u16()), error: None, duration_ms },
        Ok((status, text)) => {
            let text: String = String::from_utf8_lossy(&text).chars().take(200).collect();
            Tried { status: Some(status.as_u16()), error: Some(format!("máy nhận trả lời HTTP {status}: {text}")), duration_ms }
        }
        Err(error) => Tried { status: None, error: Some(error), duration_ms },
    }
}
