//! Questions and feedback (hỏi đáp, phản ánh, kiến nghị; Decision 3509 II.6, item 7.2): what a
//! citizen or business may send, where it goes (the topic's competent unit, or the reform
//! office to dispatch), the answering period in working days per kind, the steps of an answer
//! (an official drafts, the unit's head approves, it is sent and, with the asker's consent and
//! personal data hidden, published) and what each step may follow.

use serde::{Deserialize, Serialize};

use crate::personal::{Contact, Message, mask, short, sms_text};
use crate::text;

mod screen;
mod tally;

pub use screen::{MAX_FORM_AGE_MS, MIN_FILL_MS, Screened, WORK_BITS, format_code, parse_code, screen, work_done};
pub use tally::{Counted, Tally};

vocabulary!(Kind {
    Question = "hoi-dap", "Hỏi đáp về chính sách, thủ tục";
    Feedback = "phan-anh", "Phản ánh về quy định, thủ tục hành chính";
    Proposal = "kien-nghi", "Kiến nghị, đề xuất";
});

vocabulary!(Status {
    Dispatch = "cho-phan-cong", "Chờ phân công";
    Handling = "dang-xu-ly", "Đang xử lý";
    Review = "cho-duyet", "Chờ lãnh đạo duyệt";
    Answered = "da-tra-loi", "Đã trả lời";
    Declined = "khong-thu-ly", "Không thụ lý";
});

vocabulary!(Channel {
    Web = "web", "Cổng thông tin";
    Counter = "mot-cua", "Bộ phận Một cửa";
    Hotline = "duong-day-nong", "Đường dây nóng";
    System = "he-thong-khac", "Hệ thống khác (API)";
});

// What happened to a question, as its history shows it.
vocabulary!(Step {
    Received = "tiep-nhan", "Tiếp nhận";
    Routed = "chuyen-theo-linh-vuc", "Chuyển đơn vị có thẩm quyền theo lĩnh vực";
    Dispatched = "phan-cong", "Phân công đơn vị xử lý";
    Returned = "tra-lai", "Đơn vị trả lại (không thuộc thẩm quyền)";
    Drafted = "du-thao", "Dự thảo trả lời";
    SentBack = "yeu-cau-sua", "Lãnh đạo yêu cầu sửa dự thảo";
    Approved = "duyet", "Lãnh đạo duyệt, gửi trả lời";
    Declined = "khong-thu-ly", "Không thụ lý";
    Reminded = "nhac-han", "Nhắc sắp đến hạn";
    Escalated = "chuyen-cap-tren", "Quá hạn, chuyển cấp trên";
    Published = "cong-khai", "Công khai";
    Withdrawn = "go-cong-khai", "Gỡ khỏi công khai";
    Pinned = "ghim", "Ghim vào câu hỏi thường gặp";
});

impl Status {
    /// Still waiting for an answer: what deadlines, reminders and escalation concern.
    pub fn is_pending(self) -> bool {
        matches!(self, Self::Dispatch | Self::Handling | Self::Review)
    }
}

/// How many working days ahead of its deadline the unit holding a question is reminded.
pub const REMIND_BEFORE: u32 = 1;

/// The answering period of each kind, in working days (METHODOLOGY: configurable per kind).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Periods {
    pub question: u32,
    pub feedback: u32,
    pub proposal: u32,
}

impl Default for Periods {
    /// 7 working days to answer a question (the usual figure of provincial Q&A rules), 10 for
    /// feedback and proposals on administrative rules (Decree 20/2008/NĐ-CP, as amended).
    fn default() -> Self {
        Self { question: 7, feedback: 10, proposal: 10 }
    }
}

impl Periods {
    pub fn days(&self, kind: Kind) -> u32 {
        match kind {
            Kind::Question => self.question,
            Kind::Feedback => self.feedback,
            Kind::Proposal => self.proposal,
        }
    }

    /// `7,10,10` (question, feedback, proposal), as the command line gives them.
    pub fn parse(input: &str) -> Result<Self, String> {
        let days: Vec<u32> =
            input.split(',').map(|d| d.trim().parse::<u32>()).collect::<Result<_, _>>().map_err(|_| "cần ba số ngày, ví dụ 7,10,10".to_string())?;
        let [question, feedback, proposal] = days.as_slice() else { return Err("cần ba số ngày: hỏi đáp, phản ánh, kiến nghị".into()) };
        let periods = Self { question: *question, feedback: *feedback, proposal: *proposal };
        if [periods.question, periods.feedback, periods.proposal].iter().any(|d| !(1..=crate::calendar::MAX_PERIOD_DAYS).contains(d)) {
            return Err(format!("thời hạn trả lời từ 1 đến {} ngày làm việc", crate::calendar::MAX_PERIOD_DAYS));
        }
        Ok(periods)
    }
}

pub const MAX_TITLE_CHARS: usize = 200;
pub const MIN_BODY_CHARS: usize = 20;
pub const MAX_BODY_CHARS: usize = 10_000;
const MAX_NAME_CHARS: usize = 200;
const MAX_ADDRESS_CHARS: usize = 300;
pub const MAX_ANSWER_CHARS: usize = 20_000;
const MIN_REASON_CHARS: usize = 10;
const MAX_REASON_CHARS: usize = 2_000;
/// Files a question may carry, and the largest.
pub const MAX_FILES: usize = 3;
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;

/// A question as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AskForm {
    pub kind: String,
    pub title: String,
    pub body: String,
    pub name: String,
    pub address: String,
    pub contact: String,
    /// The asker agrees that the question and its answer be published, personal data hidden.
    pub consent: bool,
    /// The asker would rather be told on Zalo than by SMS (a phone number is needed).
    pub zalo: bool,
    /// The keyed digest of the identity the asker proved (VNeID), not typed: where they did.
    pub identity: Option<String>,
}

/// A question ready to store. `title` and `body` are as typed (the units read them); what the
/// archive shows is masked when it is published.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Asked {
    pub kind: Kind,
    pub title: String,
    pub body: String,
    pub name: String,
    pub address: Option<String>,
    pub contact: Contact,
    pub consent: bool,
    pub zalo: bool,
    pub identity: Option<String>,
}

impl AskForm {
    pub fn checked(&self) -> Result<Asked, Vec<String>> {
        let mut problems = Vec::new();
        let kind = Kind::parse(&self.kind);
        if kind.is_none() {
            problems.push("Hãy chọn loại: hỏi đáp, phản ánh hay kiến nghị.".to_string());
        }
        let title = text::clean(&self.title);
        match title.chars().count() {
            0..5 => problems.push("Cần ghi tiêu đề (ít nhất 5 ký tự).".into()),
            n if n > MAX_TITLE_CHARS => problems.push(format!("Tiêu đề dài tối đa {MAX_TITLE_CHARS} ký tự.")),
            _ => {}
        }
        let body = text::clean_multiline(&self.body);
        match body.chars().count() {
            n if n < MIN_BODY_CHARS => problems.push(format!("Cần ghi rõ nội dung (ít nhất {MIN_BODY_CHARS} ký tự).")),
            n if n > MAX_BODY_CHARS => problems.push(format!("Nội dung dài tối đa {} ký tự.", text::format_count(MAX_BODY_CHARS as u64))),
            _ => {}
        }
        let name = text::clean(&self.name);
        if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
            problems.push("Cần ghi họ tên hoặc tên tổ chức (tối đa 200 ký tự).".into());
        }
        let address = Some(text::clean(&self.address)).filter(|a| !a.is_empty());
        if address.as_ref().is_some_and(|a| a.chars().count() > MAX_ADDRESS_CHARS) {
            problems.push(format!("Địa chỉ dài tối đa {MAX_ADDRESS_CHARS} ký tự."));
        }
        let contact = Contact::parse(&self.contact);
        if contact.is_none() {
            problems.push("Cần số điện thoại hoặc địa chỉ thư điện tử đúng để nhận trả lời (ví dụ 0912345678 hoặc ten@vi-du.vn).".into());
        }
        if self.zalo && matches!(contact, Some(Contact::Email(_))) {
            problems.push("Nhận trả lời qua Zalo cần số điện thoại đăng ký Zalo.".into());
        }
        match (kind, contact) {
            (Some(kind), Some(contact)) if problems.is_empty() => {
                Ok(Asked { kind, title, body, name, address, contact, consent: self.consent, zalo: self.zalo, identity: self.identity.clone() })
            }
            _ => Err(problems),
        }
    }
}

/// A question's text as the archive shows it: personal data hidden, and the asker named by
/// the initial of the given name only.
pub fn public_text(text: &str) -> String {
    mask(text)
}

/// `Nguyễn Văn An` → `Ông/bà A.`: the archive says who asked without saying who.
pub fn public_name(name: &str) -> String {
    let given = name.split_whitespace().last().and_then(|w| w.chars().next()).map(|c| c.to_uppercase().collect::<String>());
    given.map_or_else(|| "Người hỏi".to_string(), |initial| format!("Ông/bà {initial}."))
}

/// Why a step is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QaError {
    #[error("Câu hỏi đang ở bước «{0}», không thể thực hiện thao tác này.")]
    WrongStep(&'static str),
    #[error("Cần ghi lý do (từ {MIN_REASON_CHARS} đến {MAX_REASON_CHARS} ký tự).")]
    ReasonMissing,
    #[error("Cần nội dung trả lời (tối đa 20.000 ký tự).")]
    AnswerMissing,
    #[error("Người hỏi không đồng ý công khai câu hỏi này.")]
    NoConsent,
    #[error("Đơn vị này đã trả lại câu hỏi vì không thuộc thẩm quyền; hãy chọn đơn vị khác.")]
    ReturnedBefore,
}

/// The dispatcher (the reform office) may send a question to a unit while it waits for one,
/// and re-route it while a unit holds it; never after the answer.
pub fn may_dispatch(status: Status) -> Result<(), QaError> {
    match status {
        Status::Dispatch | Status::Handling | Status::Review => Ok(()),
        other => Err(QaError::WrongStep(other.label())),
    }
}

/// A unit gives back what it holds and is not competent for.
pub fn may_return(status: Status) -> Result<(), QaError> {
    if status == Status::Handling { Ok(()) } else { Err(QaError::WrongStep(status.label())) }
}

/// The handling unit drafts (or redrafts, after the head sent it back) while it holds it.
pub fn may_draft(status: Status) -> Result<(), QaError> {
    if matches!(status, Status::Handling | Status::Review) { Ok(()) } else { Err(QaError::WrongStep(status.label())) }
}

/// The head approves, or sends back, a draft waiting for review.
pub fn may_review(status: Status) -> Result<(), QaError> {
    if status == Status::Review { Ok(()) } else { Err(QaError::WrongStep(status.label())) }
}

/// An answered question may be published only with the asker's consent.
pub fn may_publish(status: Status, consent: bool) -> Result<(), QaError> {
    match (status, consent) {
        (Status::Answered, true) => Ok(()),
        (Status::Answered, false) => Err(QaError::NoConsent),
        (other, _) => Err(QaError::WrongStep(other.label())),
    }
}

pub fn checked_reason(reason: &str) -> Result<String, QaError> {
    let reason = text::clean_multiline(reason);
    if (MIN_REASON_CHARS..=MAX_REASON_CHARS).contains(&reason.chars().count()) { Ok(reason) } else { Err(QaError::ReasonMissing) }
}

pub fn checked_answer(answer: &str) -> Result<String, QaError> {
    let answer = text::clean_multiline(answer);
    if (MIN_REASON_CHARS..=MAX_ANSWER_CHARS).contains(&answer.chars().count()) { Ok(answer) } else { Err(QaError::AnswerMissing) }
}

/// Whether a question is past its deadline at `now` (an answered one never is).
pub fn is_overdue(status: Status, deadline_at: i64, now: i64) -> bool {
    status.is_pending() && now >= deadline_at
}

/// Whether an answer given at `answered_at` kept the deadline (which may have moved up with an
/// escalation, but never later than the first one).
pub fn on_time(answered_at: i64, first_deadline_at: i64) -> bool {
    answered_at < first_deadline_at
}

/// The message telling the asker their question was received.
pub fn received_message(code: &str, title: &str, deadline: &str, link: &str) -> Message {
    let email = format!(
        "Cơ quan nhà nước đã tiếp nhận câu hỏi \"{title}\".\nMã theo dõi: {code}\nHạn trả lời: {deadline}.\nTheo dõi tại: {link}\n\nXin giữ mã theo dõi; cơ quan không bao giờ hỏi lại mã này."
    );
    Message {
        subject: format!("[Thước Đo] Đã tiếp nhận: {}", short(title)),
        sms: format!("Da tiep nhan cau hoi. Ma theo doi {code}, han tra loi {deadline}. Xem: {link}"),
        email,
    }
}

/// The message carrying the answer (or a link to it: an SMS is short).
pub fn answer_message(code: &str, title: &str, unit: &str, answer: &str, link: &str) -> Message {
    Message {
        subject: format!("[Thước Đo] Trả lời: {}", short(title)),
        email: format!("{unit} trả lời câu hỏi \"{title}\" (mã {code}):\n\n{answer}\n\nXem và đánh giá câu trả lời tại: {link}"),
        sms: format!("{} da tra loi cau hoi ma {code}. Xem tai: {link}", sms_text(unit)),
    }
}

/// The message telling the asker why their question is not taken up.
pub fn declined_message(code: &str, title: &str, reason: &str, link: &str) -> Message {
    Message {
        subject: format!("[Thước Đo] Không thụ lý: {}", short(title)),
        email: format!("Câu hỏi \"{title}\" (mã {code}) không được thụ lý. Lý do: {reason}\n\nXem tại: {link}"),
        sms: format!("Cau hoi ma {code} khong duoc thu ly. Xem ly do tai: {link}"),
    }
}

#[cfg(test)]
mod tests;
