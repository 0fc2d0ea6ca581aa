//! Delivery reports: the SMS gateway's at `/hooks/sms?key=…`, Zalo's OA events at `/hooks/zalo`
//! (read and checked by `domain::invitations::hooks`).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use domain::invitations::InviteChannel;
use domain::invitations::hooks::{self, HookError};
use serde::Deserialize;

use crate::AppState;
use crate::auth::tokens;
use crate::error::{ApiResult, Failure};
use crate::extract::Query;

#[derive(Deserialize)]
pub struct HookKey {
    #[serde(default)]
    key: String,
}

/// Compares secrets through their digests, so the time taken says nothing about the secret.
fn same_secret(given: &str, expected: &str) -> bool {
    !expected.is_empty() && tokens::digest(given) == tokens::digest(expected)
}

fn refusal(error: HookError) -> Failure {
    match error {
        HookError::Malformed(_) => Failure::malformed(error.to_string()),
        HookError::BadSignature => Failure::unauthorized(error.to_string()),
        HookError::MissingId | HookError::BadStatus(_) => Failure::invalid(error.to_string()),
    }
}

pub async fn sms(State(state): State<AppState>, Query(hook): Query<HookKey>, body: Bytes) -> ApiResult<StatusCode> {
    if !same_secret(&hook.key, &state.config.sms_hook_key) {
        return Err(Failure::unauthorized("Khóa báo cáo chuyển phát SMS không đúng.").into());
    }
    let report = hooks::sms_report(&body).map_err(refusal)?;
    let known = state.store.invitation_delivery(InviteChannel::Sms, report.reference, &report.message_id, report.delivered, state.clock.now_ms()).await?;
    Ok(if known { StatusCode::NO_CONTENT } else { StatusCode::ACCEPTED })
}

pub async fn zalo(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> ApiResult<StatusCode> {
    let signature = headers.get("x-zevent-signature").and_then(|v| v.to_str().ok()).unwrap_or_default();
    if let Some(delivery) = hooks::zalo_event(&body, signature, &state.config.zalo_secret).map_err(refusal)? {
        state.store.invitation_delivery(InviteChannel::Zalo, delivery.reference, &delivery.message_id, delivery.delivered, state.clock.now_ms()).await?;
    }
    Ok(StatusCode::OK)
}
