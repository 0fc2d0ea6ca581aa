//! Delivery reports. The SMS gateway posts `{"id", "reference", "status"}` to `/hooks/sms?key=…`;
//! Zalo posts its OA events to `/hooks/zalo`, signed in `X-ZEvent-Signature: mac=<hex>` with
//! SHA-256(app_id + body + timestamp + OA secret key). The reference (Zalo's `tracking_id`) is
//! the invitation's number, given when it was sent.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use domain::invitations::InviteChannel;
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::extract::Query;
use crate::AppState;
use crate::auth::tokens;
use crate::error::{ApiResult, Failure};

#[derive(Deserialize)]
pub struct HookKey {
    #[serde(default)]
    key: String,
}

/// Compares secrets through their digests, so the time taken says nothing about the secret.
fn same_secret(given: &str, expected: &str) -> bool {
    !expected.is_empty() && tokens::digest(given) == tokens::digest(expected)
}

fn json_body(body: &Bytes) -> Result<Value, Failure> {
    serde_json::from_slice(body).map_err(|e| Failure::malformed(format!("JSON không đúng cú pháp: {e}")))
}

/// The invitation number a report refers to, sent as text or a number.
fn reference_of(value: &Value) -> Option<i64> {
    value.as_i64().or_else(|| value.as_str().and_then(|s| s.parse().ok()))
}

pub async fn sms(State(state): State<AppState>, Query(hook): Query<HookKey>, body: Bytes) -> ApiResult<StatusCode> {
    if !same_secret(&hook.key, &state.config.sms_hook_key) {
        return Err(Failure::unauthorized("Khóa báo cáo chuyển phát SMS không đúng.").into());
    }
    let report = json_body(&body)?;
    let id = report["id"].as_str().ok_or_else(|| Failure::invalid("Thiếu mã tin nhắn (id)."))?;
    let delivered = match report["status"].as_str() {
        Some("delivered") => true,
        Some("failed" | "undelivered" | "rejected" | "expired") => false,
        other => return Err(Failure::invalid(format!("Trạng thái «{}» không hợp lệ.", other.unwrap_or_default())).into()),
    };
    let reference = reference_of(&report["reference"]);
    let known = state.store.invitation_delivery(InviteChannel::Sms, reference, id, delivered, state.clock.now_ms()).await?;
    Ok(if known { StatusCode::NO_CONTENT } else { StatusCode::ACCEPTED })
}

pub async fn zalo(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> ApiResult<StatusCode> {
    let event = json_body(&body)?;
    let signature = headers.get("x-zevent-signature").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let text = |v: &Value| v.as_str().map(String::from).unwrap_or_else(|| if v.is_null() { String::new() } else { v.to_string() });
    let expected = hex::encode(
        Sha256::new()
            .chain_update(text(&event["app_id"]))
            .chain_update(&body)
            .chain_update(text(&event["timestamp"]))
            .chain_update(&state.config.zalo_secret)
            .finalize(),
    );
    if state.config.zalo_secret.is_empty() || !same_secret(signature.trim_start_matches("mac="), &expected) {
        return Err(Failure::unauthorized("Chữ ký sự kiện Zalo không đúng.").into());
    }
    if event["event_name"] == "user_received_message"
        && let Some(msg_id) = event["message"]["msg_id"].as_str()
    {
        let reference = reference_of(&event["message"]["tracking_id"]);
        state.store.invitation_delivery(InviteChannel::Zalo, reference, msg_id, true, state.clock.now_ms()).await?;
    }
    Ok(StatusCode::OK)
}
