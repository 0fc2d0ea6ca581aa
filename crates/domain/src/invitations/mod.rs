//! Invitations to answer a survey (SPEC §3.1, participation tracking): the channels they go by,
//! the statuses they pass through, who may be asked again, when to remind, and the words sent.

pub mod hooks;
pub mod oa;

use serde::{Deserialize, Serialize};

use crate::text;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InviteChannel {
    Email,
    Sms,
    Zalo,
    /// A code printed on the dossier receipt: nothing is sent.
    Qr,
}

impl InviteChannel {
    pub const ALL: [Self; 4] = [Self::Email, Self::Sms, Self::Zalo, Self::Qr];

    pub fn code(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Sms => "sms",
            Self::Zalo => "zalo",
            Self::Qr => "qr",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Email => "Thư điện tử",
            Self::Sms => "Tin nhắn SMS",
            Self::Zalo => "Zalo (ZNS)",
            Self::Qr => "Mã QR trên phiếu hẹn",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == code)
    }

    /// Whether a message is sent (and so counts as contacting the person).
    pub fn sends(self) -> bool {
        self != Self::Qr
    }
}

/// Where an invitation stands. The first six follow one another; a message that cannot be
/// delivered ends as bounced (the address is wrong) or failed (the channel kept failing).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvitationStatus {
    Queued,
    Sent,
    Delivered,
    Opened,
    Started,
    Completed,
    Bounced,
    Failed,
    OptedOut,
}

impl InvitationStatus {
    pub const ALL: [Self; 9] =
        [Self::Queued, Self::Sent, Self::Delivered, Self::Opened, Self::Started, Self::Completed, Self::Bounced, Self::Failed, Self::OptedOut];

    pub fn code(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Sent => "sent",
            Self::Delivered => "delivered",
            Self::Opened => "opened",
            Self::Started => "started",
            Self::Completed => "completed",
            Self::Bounced => "bounced",
            Self::Failed => "failed",
            Self::OptedOut => "opted_out",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Queued => "Chờ gửi",
            Self::Sent => "Đã gửi",
            Self::Delivered => "Đã nhận",
            Self::Opened => "Đã mở",
            Self::Started => "Đang trả lời",
            Self::Completed => "Đã trả lời",
            Self::Bounced => "Không tới được",
            Self::Failed => "Gửi lỗi",
            Self::OptedOut => "Từ chối nhận",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Place on the way to an answer; the undeliverable sit beside `Sent`.
    fn rank(self) -> u8 {
        match self {
            Self::Queued => 0,
            Self::Sent | Self::Bounced | Self::Failed => 1,
            Self::Delivered => 2,
            Self::Opened => 3,
            Self::Started => 4,
            Self::Completed | Self::OptedOut => 5,
        }
    }

    /// The status after `event`, or `None` when it changes nothing: statuses only move forward
    /// (a late delivery report never undoes an answer), an answer ends everything (even an
    /// earlier opt-out: the person chose to answer after all), an opt-out ends all but an
    /// answer, and a message can bounce only before anyone has acted on it.
    pub fn after(self, event: Self) -> Option<Self> {
        match (self, event) {
            (Self::Completed, _) => return None,
            (_, Self::Completed) => return Some(event),
            (Self::OptedOut, _) => return None,
            _ => {}
        }
        match event {
            Self::OptedOut => Some(event),
            Self::Bounced | Self::Failed => matches!(self, Self::Queued | Self::Sent).then_some(event),
            _ if event.rank() > self.rank() => Some(event),
            _ => None,
        }
    }

    /// Still waiting for an answer from someone who can be reached.
    pub fn awaits_answer(self) -> bool {
        matches!(self, Self::Sent | Self::Delivered | Self::Opened | Self::Started)
    }
}

/// Whether a person last asked at `last_asked` may be asked again at `now`.
pub fn may_contact(last_asked: Option<i64>, now: i64, window_days: i64) -> bool {
    last_asked.is_none_or(|at| now - at >= window_days * 86_400_000)
}

/// When reminders go and how many.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReminderPolicy {
    pub after_days: i64,
    pub max: i64,
}

impl ReminderPolicy {
    /// The invitations a reminder may follow: sent and not yet answered (one being answered
    /// is left alone).
    pub const REMINDED: [InvitationStatus; 3] = [InvitationStatus::Sent, InvitationStatus::Delivered, InvitationStatus::Opened];

    /// An invitation needs a reminder at `now` only if it was last sent at this time or before.
    pub fn last_sent_by(&self, now: i64) -> i64 {
        now - self.after_days * 86_400_000
    }

    /// Whether an invitation last sent at `last_sent` with `reminders` so far needs another.
    pub fn due(&self, status: InvitationStatus, last_sent: i64, reminders: i64, now: i64) -> bool {
        Self::REMINDED.contains(&status) && reminders < self.max && last_sent <= self.last_sent_by(now)
    }
}

/// What an invitation says, for each channel.
pub struct Invitation<'a> {
    pub survey_title: &'a str,
    pub unit_name: &'a str,
    /// The dossier the citizen is asked about; `None` for an official on a PAR INDEX roster.
    pub dossier_code: Option<&'a str>,
    pub link: &'a str,
    pub opt_out_link: &'a str,
    pub reminder: bool,
}

impl Invitation<'_> {
    pub fn email_subject(&self) -> String {
        let prefix = if self.reminder { "Nhắc lại: " } else { "" };
        match self.dossier_code {
            Some(_) => format!("{prefix}Mời Ông/Bà đánh giá sự phục vụ của {}", self.unit_name),
            None => format!("{prefix}Mời Ông/Bà trả lời phiếu khảo sát «{}»", self.survey_title),
        }
    }

    pub fn email_body(&self) -> String {
        let reminder = if self.reminder { "Chúng tôi xin nhắc lại lời mời đã gửi trước đây. " } else { "" };
        let why = match self.dossier_code {
            Some(dossier) => format!(
                "Ông/Bà vừa được {} giải quyết hồ sơ số {dossier}. Để giúp cơ quan nhà nước phục vụ tốt hơn, \
                 xin Ông/Bà dành khoảng 5 phút trả lời phiếu «{}» tại:",
                self.unit_name, self.survey_title
            ),
            None => format!(
                "Ông/Bà được {} chọn tham gia điều tra xã hội học phục vụ xác định Chỉ số cải cách hành chính (PAR INDEX). \
                 Xin Ông/Bà dành khoảng 15 phút trả lời phiếu «{}» tại:",
                self.unit_name, self.survey_title
            ),
        };
        format!(
            "Kính gửi Ông/Bà,\n\n{reminder}{why}\n\n{link}\n\n\
             Đường dẫn chỉ dùng được một lần và chỉ dành cho Ông/Bà. Câu trả lời được giữ kín, không gắn với họ tên.\n\n\
             Nếu không muốn nhận lời mời khảo sát nữa: {opt_out}\n\nTrân trọng,\nSở Nội vụ",
            link = self.link,
            opt_out = self.opt_out_link,
        )
    }

    /// A text message: without diacritics (one GSM-7 part holds 160 of them, against 70 with),
    /// who asks and the link.
    pub fn sms_text(&self) -> String {
        let prefix = if self.reminder { "Nhac lai: " } else { "" };
        let what = match self.dossier_code {
            Some(_) => "moi Ong/Ba danh gia su phuc vu (5 phut)",
            None => "moi Ong/Ba tra loi phieu khao sat Chi so CCHC (an danh)",
        };
        format!("{prefix}{} {what}: {} Tu choi: {}", ascii(self.unit_name), self.link, self.opt_out_link)
    }
}

/// Text without Vietnamese marks, case kept: `Phường Đông Hòa` → `Phuong Dong Hoa`.
pub fn ascii(s: &str) -> String {
    s.split_whitespace()
        .map(|word| {
            let folded = text::fold(word);
            match word.chars().next() {
                Some(first) if first.is_uppercase() => {
                    let mut chars = folded.chars();
                    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
                }
                _ => folded,
            }
        })
        .collect::<Vec<String>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::InvitationStatus::*;
    use super::*;

    #[test]
    fn statuses_only_move_forward() {
        assert_eq!(Queued.after(Sent), Some(Sent));
        assert_eq!(Sent.after(Delivered), Some(Delivered));
        assert_eq!(Opened.after(Delivered), None, "a late delivery report changes nothing");
        assert_eq!(Started.after(Completed), Some(Completed));
        assert_eq!(Completed.after(Opened), None);
        assert_eq!(Completed.after(OptedOut), None, "an answer stays an answer");
        assert_eq!(Sent.after(Bounced), Some(Bounced));
        assert_eq!(Opened.after(Bounced), None, "someone who opened the link was reached");
        assert_eq!(Bounced.after(Opened), Some(Opened), "a printed code can still be used");
        assert_eq!(Delivered.after(OptedOut), Some(OptedOut));
        assert_eq!(OptedOut.after(Completed), Some(Completed), "answering after all counts");
        assert_eq!(OptedOut.after(Sent), None);
    }

    #[test]
    fn the_contact_window_and_reminders() {
        let day = 86_400_000;
        assert!(may_contact(None, 0, 90));
        assert!(!may_contact(Some(0), 89 * day, 90));
        assert!(may_contact(Some(0), 90 * day, 90));
        let policy = ReminderPolicy { after_days: 3, max: 2 };
        assert!(policy.due(Sent, 0, 0, 3 * day));
        assert!(!policy.due(Sent, 0, 0, 2 * day));
        assert!(!policy.due(Sent, 0, 2, 9 * day), "two reminders at most");
        assert!(!policy.due(Completed, 0, 0, 9 * day));
        assert!(!policy.due(Bounced, 0, 0, 9 * day));
        assert!(!policy.due(Queued, 0, 0, 9 * day), "not yet sent: the first message is still due");
    }

    #[test]
    fn texts_carry_the_link_and_the_way_out() {
        let invitation = Invitation {
            survey_title: "Khảo sát SIPAS 2026",
            unit_name: "Phường Đông Hòa",
            dossier_code: Some("HS-1"),
            link: "https://ks.anlac.gov.vn/t/ABC",
            opt_out_link: "https://ks.anlac.gov.vn/t/ABC/tu-choi",
            reminder: false,
        };
        let sms = invitation.sms_text();
        assert!(sms.starts_with("Phuong Dong Hoa moi Ong/Ba"), "{sms}");
        assert!(sms.is_ascii() && sms.contains("/t/ABC") && sms.contains("tu-choi"));
        assert!(invitation.email_body().contains("HS-1") && invitation.email_body().contains("/t/ABC/tu-choi"));
        let reminder = Invitation { reminder: true, ..invitation };
        assert!(reminder.email_subject().starts_with("Nhắc lại") && reminder.email_body().contains("nhắc lại"));
        let official = Invitation { dossier_code: None, unit_name: "Sở Tư pháp", ..invitation };
        assert!(official.email_subject().contains("«Khảo sát SIPAS 2026»"), "{}", official.email_subject());
        assert!(official.email_body().contains("Sở Tư pháp chọn") && !official.email_body().contains("hồ sơ"));
        assert!(official.sms_text().starts_with("So Tu phap moi Ong/Ba tra loi") && official.sms_text().is_ascii());
    }
}
