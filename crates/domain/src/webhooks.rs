//! Webhooks: what the system tells other systems when something happens (SPEC §3.6), to whom,
//! how each message is signed, and how long a receiver that fails is tried again.
//!
//! Messages follow the Standard Webhooks scheme (standardwebhooks.com), so that receivers may
//! use its libraries: the headers `webhook-id` (the same on every try and replay of one event,
//! for the receiver to drop repeats), `webhook-timestamp` (Unix seconds) and
//! `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">` under the subscription's
//! secret `whsec_<base64>`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::audit::AuditAction;
use crate::units::UnitId;

vocabulary!(EventKind {
    ResponseStored = "response.stored", "Có phiếu khảo sát mới được lưu";
    AlertOpened = "alert.opened", "Mở vụ việc cảnh báo";
    AlertEscalated = "alert.escalated", "Vụ việc cảnh báo quá hạn chuyển lên cấp trên";
    AlertResolved = "alert.resolved", "Kết thúc xử lý vụ việc cảnh báo";
    ParPublished = "par.published", "Công bố kết quả Chỉ số cải cách hành chính";
    QuestionAnswered = "qa.answered", "Trả lời câu hỏi, phản ánh, kiến nghị";
    ConsultationReported = "consultation.reported", "Công bố báo cáo tiếp thu, giải trình ý kiến";
    SipasPublished = "sipas.published", "Công bố kết quả đo lường sự hài lòng";
});

impl EventKind {
    /// The event an audited change raises, if any: the change and its event are written in one
    /// transaction, so neither is ever kept without the other.
    pub fn of_audit(action: AuditAction) -> Option<Self> {
        Some(match action {
            AuditAction::AlertOpened => Self::AlertOpened,
            AuditAction::AlertEscalated => Self::AlertEscalated,
            AuditAction::AlertResolved => Self::AlertResolved,
            AuditAction::ParPublished => Self::ParPublished,
            AuditAction::QuestionAnswered => Self::QuestionAnswered,
            AuditAction::ConsultationReported => Self::ConsultationReported,
            AuditAction::ResultsPublished => Self::SipasPublished,
            _ => return None,
        })
    }

    /// Where an integrator reads the object the event names.
    pub fn api_path(self, object_id: &str) -> Option<String> {
        match self {
            Self::ResponseStored => None,
            Self::AlertOpened | Self::AlertEscalated | Self::AlertResolved => Some(format!("/api/v1/alerts/{object_id}")),
            Self::ParPublished => Some(format!("/api/v1/par/rounds/{object_id}/results")),
            Self::QuestionAnswered => Some(format!("/api/v1/questions/{object_id}")),
            Self::ConsultationReported => Some(format!("/api/v1/consultations/{object_id}")),
            Self::SipasPublished => Some(format!("/api/v1/publications/{object_id}")),
        }
    }
}

/// One event as it is told to a receiver.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub id: i64,
    pub kind: EventKind,
    /// The unit it happened at (its id and code), none for the province's own events.
    pub unit: Option<(UnitId, String)>,
    pub object_type: String,
    pub object_id: String,
    /// A few facts that save the receiver a call (a response's survey and channel).
    pub data: serde_json::Value,
    pub at_ms: i64,
}

impl Event {
    /// The `webhook-id`: the same on every try and replay, for the receiver to drop repeats.
    pub fn message_id(&self) -> String {
        format!("evt_{}", self.id)
    }

    /// The message body. It names what happened and where to read it through the API; it
    /// carries no personal data, so a leaked message tells nothing about anyone.
    pub fn body(&self, public_url: &str) -> String {
        let at = crate::text::vn_datetime(self.at_ms);
        let occurred_at = format!("{}T{:02}:{:02}:{:02}+07:00", crate::text::iso_date(at.date()), at.hour(), at.minute(), at.second());
        let url = self.kind.api_path(&self.object_id).map(|path| format!("{}{path}", public_url.trim_end_matches('/')));
        serde_json::json!({
            "id": self.message_id(),
            "type": self.kind.code(),
            "label": self.kind.label(),
            "occurred_at": occurred_at,
            "unit": self.unit.as_ref().map(|(id, code)| serde_json::json!({ "id": id, "code": code })),
            "object": { "type": self.object_type, "id": self.object_id, "url": url },
            "data": self.data,
        })
        .to_string()
    }
}

/// Whether a subscription whose scope is `scope` hears of an event at the unit whose ancestry
/// (`unit`, parent, …, root) is given. Events of no unit (the province's PAR results) concern
/// every subscriber.
pub fn reaches(scope: UnitId, event_ancestry: Option<&[UnitId]>) -> bool {
    event_ancestry.is_none_or(|ancestry| ancestry.contains(&scope))
}

/// The waits after each failed try: a receiver that is down for two days is tried 8 times more,
/// then the delivery is given up (an administrator may still replay it).
pub const RETRY_WAITS_MS: [i64; 8] = [10_000, 60_000, 300_000, 1_800_000, 7_200_000, 21_600_000, 43_200_000, 86_400_000];

/// When to try again after `failures` failed tries, or `None` to give up.
pub fn retry_after(failures: u32) -> Option<i64> {
    RETRY_WAITS_MS.get(failures.checked_sub(1)? as usize).copied()
}

/// How far a receiver may let a message's timestamp drift from its own clock.
pub const TOLERANCE_S: i64 = 300;
const SECRET_PREFIX: &str = "whsec_";

/// The secret as it is shown once to the administrator and given to receivers.
pub fn secret_text(key: &[u8]) -> String {
    format!("{SECRET_PREFIX}{}", STANDARD.encode(key))
}

/// The key inside a `whsec_…` secret.
pub fn secret_key(secret: &str) -> Option<Vec<u8>> {
    STANDARD.decode(secret.strip_prefix(SECRET_PREFIX)?).ok().filter(|k| !k.is_empty())
}

fn mac(key: &[u8], id: &str, timestamp_s: i64, body: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(format!("{id}.{timestamp_s}.").as_bytes());
    mac.update(body);
    mac
}

/// The `webhook-signature` header of a message.
pub fn sign(key: &[u8], id: &str, timestamp_s: i64, body: &[u8]) -> String {
    format!("v1,{}", STANDARD.encode(mac(key, id, timestamp_s, body).finalize().into_bytes()))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the timestamp is too far from now")]
    Stale,
    #[error("no signature matches")]
    Mismatch,
}

/// What a receiver checks: a fresh timestamp and one matching signature among the
/// space-separated ones (there are two while a secret is being rotated).
pub fn verify(key: &[u8], id: &str, timestamp_s: i64, body: &[u8], signatures: &str, now_s: i64) -> Result<(), SignatureError> {
    if (now_s - timestamp_s).abs() > TOLERANCE_S {
        return Err(SignatureError::Stale);
    }
    let matches = signatures
        .split(' ')
        .filter_map(|s| s.strip_prefix("v1,"))
        .filter_map(|s| STANDARD.decode(s).ok())
        .any(|given| mac(key, id, timestamp_s, body).verify_slice(&given).is_ok());
    if matches { Ok(()) } else { Err(SignatureError::Mismatch) }
}

/// The longest receiver address kept.
pub const MAX_URL: usize = 500;

/// A receiver's address: `https://` (or `http://` inside the province's network), a host, no
/// credentials and no fragment. The reason is in Vietnamese when it is refused.
pub fn check_url(url: &str) -> Result<(), &'static str> {
    let url = url.trim();
    if url.is_empty() {
        return Err("Hãy nhập địa chỉ nhận thông báo.");
    }
    if url.len() > MAX_URL {
        return Err("Địa chỉ nhận thông báo dài quá 500 ký tự.");
    }
    let Some(rest) = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://")) else {
        return Err("Địa chỉ phải bắt đầu bằng https:// (hoặc http:// trong mạng nội bộ).");
    };
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    if authority.is_empty() || authority.contains('@') || url.contains('#') || url.chars().any(char::is_whitespace) {
        return Err("Địa chỉ nhận thông báo không hợp lệ (cần tên máy chủ, không chứa tài khoản, dấu # hoặc khoảng trắng).");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks specification, so that its libraries accept ours.
    #[test]
    fn signs_as_the_standard_does() {
        let key = secret_key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let body = br#"{"test": 2432232314}"#;
        let signature = sign(&key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1_614_265_330, body);
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        assert_eq!(verify(&key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1_614_265_330, body, &signature, 1_614_265_400), Ok(()));
    }

    #[test]
    fn refuses_what_was_changed_stale_or_signed_by_another_key() {
        let key = b"0123456789abcdef";
        let body = br#"{"type":"alert.opened"}"#;
        let signature = sign(key, "evt_1", 1_000, body);
        assert_eq!(verify(key, "evt_1", 1_000, br#"{"type":"alert.resolved"}"#, &signature, 1_000), Err(SignatureError::Mismatch));
        assert_eq!(verify(key, "evt_2", 1_000, body, &signature, 1_000), Err(SignatureError::Mismatch), "the id is signed too");
        assert_eq!(verify(b"another key", "evt_1", 1_000, body, &signature, 1_000), Err(SignatureError::Mismatch));
        assert_eq!(verify(key, "evt_1", 1_000, body, &signature, 1_000 + TOLERANCE_S + 1), Err(SignatureError::Stale));
        assert_eq!(verify(key, "evt_1", 1_000, body, "v1,not-base64!", 1_000), Err(SignatureError::Mismatch));
        let rotating = format!("{} {signature}", sign(b"old key", "evt_1", 1_000, body));
        assert_eq!(verify(key, "evt_1", 1_000, body, &rotating, 1_000), Ok(()), "one of two signatures matches");
    }

    #[test]
    fn secrets_round_trip() {
        assert_eq!(secret_key(&secret_text(b"\x01\x02\x03")), Some(vec![1, 2, 3]));
        assert_eq!(secret_key("whsec_"), None);
        assert_eq!(secret_key("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), None);
    }

    #[test]
    fn retries_then_gives_up() {
        assert_eq!(retry_after(0), None);
        assert_eq!(retry_after(1), Some(10_000));
        assert_eq!(retry_after(2), Some(60_000));
        assert_eq!(retry_after(8), Some(86_400_000));
        assert_eq!(retry_after(9), None);
        let total: i64 = RETRY_WAITS_MS.iter().sum();
        assert!(total > 36 * 3_600_000 && total < 48 * 3_600_000, "a receiver down for a day and a half is still reached");
    }

    #[test]
    fn events_reach_the_subscriptions_above_them() {
        assert!(reaches(1, Some(&[7, 3, 1])));
        assert!(reaches(7, Some(&[7, 3, 1])));
        assert!(!reaches(9, Some(&[7, 3, 1])), "a sibling's events stay with it");
        assert!(reaches(9, None), "the province's own events reach everyone");
    }

    #[test]
    fn audited_changes_raise_their_events() {
        assert_eq!(EventKind::of_audit(AuditAction::AlertOpened), Some(EventKind::AlertOpened));
        assert_eq!(EventKind::of_audit(AuditAction::ResultsPublished), Some(EventKind::SipasPublished));
        assert_eq!(EventKind::of_audit(AuditAction::LoginSucceeded), None);
        let raised: Vec<EventKind> = AuditAction::ALL.iter().filter_map(|a| EventKind::of_audit(*a)).collect();
        assert_eq!(raised.len() + 1, EventKind::ALL.len(), "every event but the stored response comes from the audit log");
    }

    #[test]
    fn the_body_names_the_event_and_where_to_read_it() {
        let event = Event {
            id: 42,
            kind: EventKind::AlertOpened,
            unit: Some((7, "STP".into())),
            object_type: "alert_case".into(),
            object_id: "9".into(),
            data: serde_json::json!({}),
            at_ms: 1_764_748_800_000,
        };
        let body: serde_json::Value = serde_json::from_str(&event.body("https://sipas.tinh.gov.vn/")).unwrap();
        assert_eq!(body["id"], "evt_42");
        assert_eq!(body["type"], "alert.opened");
        assert_eq!(body["occurred_at"], "2025-12-03T15:00:00+07:00");
        assert_eq!(body["unit"]["code"], "STP");
        assert_eq!(body["object"]["url"], "https://sipas.tinh.gov.vn/api/v1/alerts/9");
    }

    #[test]
    fn receiver_addresses() {
        assert!(check_url("https://motcua.tinh.gov.vn/hooks/thuoc-do").is_ok());
        assert!(check_url("http://10.0.0.5:8080/hook?key=1").is_ok());
        for bad in ["", "ftp://x/y", "https://", "https://user:pw@host/", "https://host/#x", "https://ho st/", "javascript:alert(1)"] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
        assert!(check_url(&format!("https://h/{}", "a".repeat(MAX_URL))).is_err());
    }
}
