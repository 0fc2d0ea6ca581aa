//! The providers' delivery reports, read as they arrive from outside. The SMS gateway posts
//! `{"id", "reference", "status"}`; Zalo posts its OA events signed in `X-ZEvent-Signature:
//! mac=<hex>` with SHA-256(app_id + body + timestamp + OA secret key). The reference (Zalo's
//! `tracking_id`) is the invitation's number, given when it was sent, as text or a number.

use serde_json::Value;
use sha2::{Digest, Sha256};

/// What a report says of one message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    /// The provider's id of the message.
    pub message_id: String,
    /// The invitation's number, if the provider echoed it.
    pub reference: Option<i64>,
    pub delivered: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HookError {
    #[error("JSON không đúng cú pháp: {0}")]
    Malformed(String),
    #[error("Thiếu mã tin nhắn (id).")]
    MissingId,
    #[error("Trạng thái «{0}» không hợp lệ.")]
    BadStatus(String),
    #[error("Chữ ký sự kiện Zalo không đúng.")]
    BadSignature,
}

fn json(body: &[u8]) -> Result<Value, HookError> {
    serde_json::from_slice(body).map_err(|e| HookError::Malformed(e.to_string()))
}

fn reference_of(value: &Value) -> Option<i64> {
    value.as_i64().or_else(|| value.as_str().and_then(|s| s.trim().parse().ok()))
}

/// An SMS gateway's delivery report.
pub fn sms_report(body: &[u8]) -> Result<Delivery, HookError> {
    let report = json(body)?;
    let message_id = report["id"].as_str().filter(|id| !id.is_empty()).ok_or(HookError::MissingId)?.to_string();
    let delivered = match report["status"].as_str() {
        Some("delivered") => true,
        Some("failed" | "undelivered" | "rejected" | "expired") => false,
        other => return Err(HookError::BadStatus(other.unwrap_or_default().chars().take(40).collect())),
    };
    Ok(Delivery { message_id, reference: reference_of(&report["reference"]), delivered })
}

/// What a Zalo OA event says, as far as it concerns us.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ZaloEvent {
    /// A ZNS message reached the phone.
    Delivered(Delivery),
    /// A follower wrote to the OA, or tapped a menu item that writes for them. `id` is Zalo's
    /// id of the message: Zalo sends an event again when we were slow to answer.
    Wrote {
        id: String,
        user_id: String,
        text: String,
    },
    /// Someone followed the OA.
    Followed {
        id: String,
        user_id: String,
    },
    Other,
}

/// The longest text of a follower's message read.
const TEXT_LIMIT: usize = 2_000;

/// A Zalo OA event, once its signature is checked against the OA's `secret`. Without a secret
/// nothing is believed.
pub fn zalo_event(body: &[u8], signature: &str, secret: &str) -> Result<ZaloEvent, HookError> {
    let event = json(body)?;
    let given = signature.trim().trim_start_matches("mac=").to_ascii_lowercase();
    // Compared as digests of the hex, so the time taken says nothing of how much matched.
    let same = Sha256::digest(given.as_bytes()) == Sha256::digest(zalo_mac(&event, body, secret).as_bytes());
    if secret.is_empty() || !same {
        return Err(HookError::BadSignature);
    }
    let message = &event["message"];
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    Ok(match (event["event_name"].as_str(), message["msg_id"].as_str()) {
        (Some("user_received_message"), Some(id)) if !id.is_empty() => {
            ZaloEvent::Delivered(Delivery { message_id: id.to_string(), reference: reference_of(&message["tracking_id"]), delivered: true })
        }
        (Some("user_send_text"), Some(id)) if !id.is_empty() && !text(&event["sender"]["id"]).is_empty() => {
            ZaloEvent::Wrote { id: id.to_string(), user_id: text(&event["sender"]["id"]), text: text(&message["text"]).chars().take(TEXT_LIMIT).collect() }
        }
        (Some("follow"), _) if !text(&event["follower"]["id"]).is_empty() => {
            let user_id = text(&event["follower"]["id"]);
            let at = event["timestamp"].as_str().map(String::from).unwrap_or_else(|| event["timestamp"].to_string());
            ZaloEvent::Followed { id: format!("follow-{user_id}-{at}"), user_id }
        }
        _ => ZaloEvent::Other,
    })
}

/// The signature Zalo puts on an event (`body`, read as `event`), in hex: SHA-256 of app_id,
/// body, timestamp and the OA secret key.
pub fn zalo_mac(event: &Value, body: &[u8], secret: &str) -> String {
    let text = |v: &Value| v.as_str().map(String::from).unwrap_or_else(|| if v.is_null() { String::new() } else { v.to_string() });
    let mac = Sha256::new().chain_update(text(&event["app_id"])).chain_update(body).chain_update(text(&event["timestamp"])).chain_update(secret).finalize();
    hex_of(&mac)
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sms_reports() {
        let report = sms_report(br#"{"id": "m-1", "reference": "42", "status": "delivered"}"#).unwrap();
        assert_eq!(report, Delivery { message_id: "m-1".into(), reference: Some(42), delivered: true });
        assert_eq!(sms_report(br#"{"id": "m-1", "reference": 7, "status": "expired"}"#).unwrap().reference, Some(7));
        assert!(!sms_report(br#"{"id": "m-1", "status": "rejected"}"#).unwrap().delivered);
        assert_eq!(sms_report(br#"{"status": "delivered"}"#), Err(HookError::MissingId));
        assert_eq!(sms_report(br#"{"id": "m", "status": "sent"}"#), Err(HookError::BadStatus("sent".into())));
        assert!(matches!(sms_report(b"{"), Err(HookError::Malformed(_))));
        assert!(matches!(sms_report(b"[1]"), Err(HookError::MissingId)));
    }

    #[test]
    fn zalo_events_are_believed_only_when_signed() {
        let body =
            br#"{"app_id": "123", "timestamp": "1700000000000", "event_name": "user_received_message", "message": {"msg_id": "z-9", "tracking_id": "42"}}"#;
        let mac = hex_of(&Sha256::new().chain_update("123").chain_update(body).chain_update("1700000000000").chain_update("bi-mat").finalize());
        let delivery = zalo_event(body, &format!("mac={mac}"), "bi-mat").unwrap();
        assert_eq!(delivery, ZaloEvent::Delivered(Delivery { message_id: "z-9".into(), reference: Some(42), delivered: true }));
        assert_eq!(zalo_event(body, &format!("mac={}", mac.to_uppercase()), "bi-mat").unwrap(), delivery);
        assert_eq!(zalo_event(body, &format!("mac={mac}"), "khac"), Err(HookError::BadSignature));
        assert_eq!(zalo_event(body, "mac=00", "bi-mat"), Err(HookError::BadSignature));
        assert_eq!(zalo_event(body, &format!("mac={mac}"), ""), Err(HookError::BadSignature), "no secret, no trust");
        let other = br#"{"app_id": 1, "timestamp": 2, "event_name": "follow"}"#;
        let mac = hex_of(&Sha256::new().chain_update("1").chain_update(other).chain_update("2").chain_update("s").finalize());
        assert_eq!(zalo_event(other, &mac, "s"), Ok(ZaloEvent::Other));
    }

    fn signed(body: &[u8]) -> String {
        let event: Value = serde_json::from_slice(body).unwrap();
        zalo_mac(&event, body, "s")
    }

    #[test]
    fn a_followers_message_and_a_follow_are_read() {
        let wrote = r#"{"app_id": "1", "timestamp": "2", "event_name": "user_send_text", "sender": {"id": "u-7"}, "message": {"msg_id": "m-1", "text": "Mã hồ sơ 000.00.28.H01-260101-0001"}}"#.as_bytes();
        assert_eq!(
            zalo_event(wrote, &signed(wrote), "s"),
            Ok(ZaloEvent::Wrote { id: "m-1".into(), user_id: "u-7".into(), text: "Mã hồ sơ 000.00.28.H01-260101-0001".into() })
        );
        let followed = br#"{"app_id": "1", "timestamp": "3", "event_name": "follow", "follower": {"id": "u-8"}}"#;
        assert_eq!(zalo_event(followed, &signed(followed), "s"), Ok(ZaloEvent::Followed { id: "follow-u-8-3".into(), user_id: "u-8".into() }));
        let nobody = br#"{"app_id": "1", "timestamp": "2", "event_name": "user_send_text", "sender": {}, "message": {"msg_id": "m-2", "text": "x"}}"#;
        assert_eq!(zalo_event(nobody, &signed(nobody), "s"), Ok(ZaloEvent::Other));
    }
}
