//! Delivery reports: the SMS gateway's at `/hooks/sms?key=…`, Zalo's OA events at `/hooks/zalo`
//! (read and checked by `domain::invitations::hooks`), where followers' messages also arrive.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use domain::invitations::InviteChannel;
use domain::invitations::hooks::{self, HookError, ZaloEvent};
use domain::invitations::oa;
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

/// The OA's events: a ZNS message delivered; a follower who wrote, tapped a menu item or just
/// followed, who is owed an answer (sent by the background step, once per event however often
/// Zalo sends it).
pub async fn zalo(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> ApiResult<StatusCode> {
    let signature = headers.get("x-zevent-signature").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let now = state.clock.now_ms();
    match hooks::zalo_event(&body, signature, &state.config.zalo_secret).map_err(refusal)? {
        ZaloEvent::Delivered(delivery) => {
            state.store.invitation_delivery(InviteChannel::Zalo, delivery.reference, &delivery.message_id, delivery.delivered, now).await?;
        }
        ZaloEvent::Wrote { id, user_id, text } => {
            let reply = oa_reply(&state, &text).await?;
            state.store.owe_oa_reply(&id, &user_id, &reply, now).await?;
        }
        ZaloEvent::Followed { id, user_id } => {
            let reply = oa_reply(&state, "").await?;
            state.store.owe_oa_reply(&id, &user_id, &reply, now).await?;
        }
        ZaloEvent::Other => {}
    }
    Ok(StatusCode::OK)
}

/// The OA's answer to what a follower wrote: the survey link of the unit of the first dossier
/// code in it the one-stop system registered, or how to find it.
async fn oa_reply(state: &AppState, text: &str) -> Result<String, Failure> {
    let base = state.config.public_url.trim_end_matches('/');
    for code in oa::dossier_codes(text) {
        if let Some((unit_code, unit_name)) = state.store.unit_of_dossier(&code).await? {
            let link = format!("{base}/don-vi/{}", crate::layout::encode(&unit_code));
            return Ok(oa::reply(Some(oa::Served { dossier: &code, unit_name: &unit_name, link: &link }), &format!("{base}/danh-gia")));
        }
    }
    Ok(oa::reply(None, &format!("{base}/danh-gia")))
}
