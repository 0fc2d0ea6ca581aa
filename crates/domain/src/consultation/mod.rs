//! Consultation (xin ý kiến; SPEC §3.3, 3509 II.5 and item 7.1): a unit puts a draft policy,
//! legal document, plan or initiative to the public for a period; people comment on the whole
//! or on an article or clause, and weigh others' comments; the unit moderates, answers each
//! position (accepted, explained, not accepted) and publishes the summary report with the final
//! text.
//!
//! The rules here decide who may take part (the audience), when (the period, locked by the
//! server's clock), what a comment may hold, and the order of the moderation and report steps.

mod similar;
mod structure;

pub use similar::{SAME_POSITION, Seeds, Signature};
pub use structure::{Level, Line, Outline, OutlineError, Part, outline};

use crate::personal::{Contact, Message, mask, short, sms_text};
use crate::text;
use crate::units::UnitId;

vocabulary!(Subject {
    Policy = "chinh-sach", "Chính sách";
    LegalDraft = "du-thao-van-ban", "Dự thảo văn bản quy phạm pháp luật";
    Plan = "ke-hoach", "Kế hoạch, chương trình";
    Initiative = "sang-kien", "Sáng kiến, giải pháp cải cách hành chính";
});

vocabulary!(Audience {
    Everyone = "moi-nguoi", "Mọi người dân, doanh nghiệp, tổ chức";
    Businesses = "doanh-nghiep", "Doanh nghiệp, hiệp hội, tổ chức";
    Invited = "don-vi-duoc-moi", "Các cơ quan, đơn vị được mời";
    /// Those who proved who they are with their electronic identity (VNeID).
    Identified = "da-dinh-danh", "Người đã xác thực bằng tài khoản định danh điện tử (VNeID)";
});

vocabulary!(Moderation {
    Before = "duyet-truoc", "Duyệt trước khi đăng";
    After = "duyet-sau", "Đăng ngay, duyệt sau";
});

vocabulary!(Status {
    Draft = "draft", "Đang soạn";
    Published = "published", "Đã công bố";
    Reported = "reported", "Đã công bố báo cáo";
});

vocabulary!(ParticipantKind {
    Person = "ca-nhan", "Cá nhân";
    Business = "doanh-nghiep", "Doanh nghiệp, hộ kinh doanh";
    Organisation = "to-chuc", "Cơ quan, tổ chức, hiệp hội";
});

vocabulary!(CommentStatus {
    Pending = "pending", "Chờ duyệt";
    Published = "published", "Đã đăng";
    Rejected = "rejected", "Không đăng";
});

vocabulary!(Vote {
    Agree = "dong-y", "Đồng ý";
    Disagree = "khong-dong-y", "Không đồng ý";
    Pass = "bo-qua", "Không có ý kiến";
});

vocabulary!(Verdict {
    Accepted = "tiep-thu", "Tiếp thu";
    Explained = "giai-trinh", "Giải trình";
    NotAccepted = "khong-tiep-thu", "Không tiếp thu";
});

/// Where a consultation stands at a moment: its stored status read against its period.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Being prepared by the unit; not public.
    Draft,
    /// Public, not open yet.
    Upcoming,
    Open,
    /// Past its deadline; the unit answers and writes the report.
    Closed,
    Reported,
}

impl Phase {
    pub fn label(self) -> &'static str {
        match self {
            Self::Draft => "Đang soạn",
            Self::Upcoming => "Sắp lấy ý kiến",
            Self::Open => "Đang lấy ý kiến",
            Self::Closed => "Đã hết hạn góp ý",
            Self::Reported => "Đã có báo cáo tiếp thu, giải trình",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Upcoming => "upcoming",
            Self::Open => "open",
            Self::Closed => "closed",
            Self::Reported => "reported",
        }
    }
}

/// The phase at `now` (unix ms). The period is `[opens_at, closes_at)`: at the closing
/// millisecond no more comment is taken.
pub fn phase(status: Status, opens_at: i64, closes_at: i64, now: i64) -> Phase {
    match status {
        Status::Draft => Phase::Draft,
        Status::Reported => Phase::Reported,
        Status::Published if now < opens_at => Phase::Upcoming,
        Status::Published if now < closes_at => Phase::Open,
        Status::Published => Phase::Closed,
    }
}

/// The province's settings for consultations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rules {
    /// The shortest period a draft legal document is open for comment, in days. The Law on
    /// Promulgation of Legal Documents (2025) sets a minimum; the figure is the province's to
    /// confirm, so it is a setting.
    pub min_days_legal: i64,
}

impl Default for Rules {
    fn default() -> Self {
        Self { min_days_legal: 20 }
    }
}

pub const MAX_TITLE_CHARS: usize = 300;
pub const MAX_SUMMARY_CHARS: usize = 5_000;
const DAY_MS: i64 = 86_400_000;

/// A consultation as its unit sets it up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    pub title: String,
    pub summary: String,
    pub subject: Subject,
    pub audience: Audience,
    /// The units asked, when the audience is [`Audience::Invited`].
    pub invited: Vec<UnitId>,
    pub moderation: Moderation,
    pub opens_at: i64,
    pub closes_at: i64,
}

impl Settings {
    /// The settings with their text cleaned, or every problem, in Vietnamese.
    pub fn checked(mut self, rules: &Rules) -> Result<Self, Vec<String>> {
        let mut problems = Vec::new();
        self.title = text::clean(&self.title);
        self.summary = text::clean_multiline(&self.summary);
        if self.title.chars().count() < 5 {
            problems.push("Cần ghi tên của dự thảo hoặc nội dung lấy ý kiến.".into());
        }
        if self.title.chars().count() > MAX_TITLE_CHARS {
            problems.push(format!("Tên dài quá {MAX_TITLE_CHARS} ký tự."));
        }
        if self.summary.chars().count() > MAX_SUMMARY_CHARS {
            problems.push(format!("Phần giới thiệu dài quá {} ký tự.", text::format_count(MAX_SUMMARY_CHARS as u64)));
        }
        if self.closes_at <= self.opens_at {
            problems.push("Thời điểm kết thúc lấy ý kiến phải sau thời điểm bắt đầu.".into());
        } else if self.subject == Subject::LegalDraft && self.closes_at - self.opens_at < rules.min_days_legal * DAY_MS {
            problems.push(format!("Dự thảo văn bản quy phạm pháp luật phải được lấy ý kiến ít nhất {} ngày.", rules.min_days_legal));
        }
        self.invited.sort_unstable();
        self.invited.dedup();
        match self.audience {
            Audience::Invited if self.invited.is_empty() => problems.push("Cần chọn ít nhất một cơ quan, đơn vị được mời góp ý.".into()),
            Audience::Invited => {}
            _ => self.invited.clear(),
        }
        if problems.is_empty() { Ok(self) } else { Err(problems) }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConsultationError {
    #[error("Việc lấy ý kiến {0}: không nhận thêm ý kiến.")]
    NotOpen(&'static str),
    #[error("Chỉ sửa được khi việc lấy ý kiến còn đang soạn, chưa công bố.")]
    NotDraft,
    #[error("Chưa có nội dung dự thảo: hãy dán toàn văn hoặc tải tệp .docx lên trước khi công bố.")]
    NoText,
    #[error("Chỉ công bố báo cáo sau khi đã hết hạn góp ý.")]
    NotClosed,
    #[error("Báo cáo đã được công bố.")]
    AlreadyReported,
    #[error("Còn {0} ý kiến chờ duyệt: hãy duyệt hết trước khi công bố báo cáo.")]
    Unmoderated(i64),
    #[error("Còn {0} ý kiến chưa có nội dung tiếp thu, giải trình.")]
    Unanswered(i64),
    #[error("Cần dán văn bản đã được chỉnh lý (văn bản cuối cùng) để công bố cùng báo cáo.")]
    FinalTextMissing,
    #[error("Lần lấy ý kiến này dành cho doanh nghiệp, hiệp hội, tổ chức: hãy chọn loại người góp ý phù hợp và xác thực số điện thoại hoặc thư điện tử.")]
    BusinessesOnly,
    #[error("Lần lấy ý kiến này chỉ dành cho các cơ quan, đơn vị được mời: hãy đăng nhập bằng tài khoản của đơn vị.")]
    InvitedOnly,
    #[error("Lần lấy ý kiến này chỉ nhận ý kiến của người đã xác thực danh tính: hãy bấm “Xác thực bằng VNeID” rồi gửi lại.")]
    IdentityRequired,
    #[error("Không thể bày tỏ đồng ý hay không với ý kiến của chính mình.")]
    OwnComment,
    #[error("Chỉ bày tỏ được với ý kiến đã đăng.")]
    NotPublished,
    #[error("Cần ghi lý do không đăng để người góp ý hiểu.")]
    ReasonMissing,
    #[error("Cần ghi nội dung tiếp thu hoặc lý do giải trình, không tiếp thu.")]
    AnswerMissing,
    #[error("Ý kiến đang ở trạng thái «{0}».")]
    SameStatus(&'static str),
}

/// Who is taking part, as far as the server knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Commenter<'a> {
    pub kind: ParticipantKind,
    /// Their phone or e-mail was confirmed by a one-time code.
    pub verified: bool,
    /// They proved who they are with their electronic identity (VNeID).
    pub identified: bool,
    /// The units an official holds a role on, when signed in.
    pub units: &'a [UnitId],
}

/// The invited unit an official speaks for: the first of theirs on the list.
pub fn speaks_for(invited: &[UnitId], units: &[UnitId]) -> Option<UnitId> {
    units.iter().copied().find(|u| invited.contains(u))
}

/// Whether `commenter` is among those the consultation asks. Votes are open to those who may
/// comment.
pub fn may_take_part(audience: Audience, invited: &[UnitId], commenter: &Commenter) -> Result<(), ConsultationError> {
    match audience {
        Audience::Everyone => Ok(()),
        Audience::Businesses if commenter.kind != ParticipantKind::Person && commenter.verified => Ok(()),
        Audience::Businesses => Err(ConsultationError::BusinessesOnly),
        Audience::Invited if speaks_for(invited, commenter.units).is_some() => Ok(()),
        Audience::Invited => Err(ConsultationError::InvitedOnly),
        Audience::Identified if commenter.identified => Ok(()),
        Audience::Identified => Err(ConsultationError::IdentityRequired),
    }
}

/// That the consultation takes comments and votes now.
pub fn require_open(phase: Phase) -> Result<(), ConsultationError> {
    match phase {
        Phase::Open => Ok(()),
        Phase::Upcoming => Err(ConsultationError::NotOpen("chưa bắt đầu")),
        Phase::Draft => Err(ConsultationError::NotOpen("chưa được công bố")),
        Phase::Closed | Phase::Reported => Err(ConsultationError::NotOpen("đã hết hạn")),
    }
}

pub const MIN_COMMENT_CHARS: usize = 5;
pub const MAX_COMMENT_CHARS: usize = 5_000;
const MAX_NAME_CHARS: usize = 200;

/// A comment as typed, with who left it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CommentForm {
    pub body: String,
    pub name: String,
    pub organisation: String,
    pub contact: String,
}

/// A comment ready to store: `text` is what is shown (personal data masked), `original` what
/// was typed (sealed in storage).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    pub original: String,
    pub text: String,
    pub name: Option<String>,
    pub organisation: Option<String>,
    pub contact: Option<Contact>,
}

impl CommentForm {
    pub fn checked(&self, kind: ParticipantKind) -> Result<Comment, Vec<String>> {
        let mut problems = Vec::new();
        let original = text::clean_multiline(&self.body);
        let length = original.chars().count();
        if length < MIN_COMMENT_CHARS {
            problems.push("Cần ghi nội dung ý kiến.".to_string());
        } else if length > MAX_COMMENT_CHARS {
            problems.push(format!("Ý kiến dài quá {} ký tự: hãy rút gọn hoặc gửi thành nhiều ý kiến.", text::format_count(MAX_COMMENT_CHARS as u64)));
        }
        let optional = |s: &str| Some(text::clean(s)).filter(|s| !s.is_empty());
        let (name, organisation) = (optional(&self.name), optional(&self.organisation));
        if name.iter().chain(organisation.iter()).any(|s| s.chars().count() > MAX_NAME_CHARS) {
            problems.push(format!("Họ tên hoặc tên tổ chức dài quá {MAX_NAME_CHARS} ký tự."));
        }
        if kind != ParticipantKind::Person && organisation.is_none() {
            problems.push("Cần ghi tên doanh nghiệp, cơ quan hoặc tổ chức góp ý.".into());
        }
        let contact = match optional(&self.contact) {
            None => None,
            Some(given) => match Contact::parse(&given) {
                Some(contact) => Some(contact),
                None => {
                    problems.push("Số điện thoại hoặc địa chỉ thư điện tử không đúng (ví dụ 0912345678 hoặc ten@vi-du.vn).".into());
                    None
                }
            },
        };
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Comment { text: mask(&original), original, name, organisation, contact })
    }
}

/// The status a comment is given when it arrives.
pub fn arriving_status(moderation: Moderation) -> CommentStatus {
    match moderation {
        Moderation::Before => CommentStatus::Pending,
        Moderation::After => CommentStatus::Published,
    }
}

/// A moderator's decision on a comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    Publish,
    Reject { reason: String },
}

/// The status after `decision`. A rejected comment may be published on second thought and a
/// published one taken down (post-moderation), always with the reason kept.
pub fn moderate(status: CommentStatus, decision: &Decision) -> Result<CommentStatus, ConsultationError> {
    let next = match decision {
        Decision::Publish => CommentStatus::Published,
        Decision::Reject { reason } if text::clean(reason).is_empty() => return Err(ConsultationError::ReasonMissing),
        Decision::Reject { .. } => CommentStatus::Rejected,
    };
    if next == status { Err(ConsultationError::SameStatus(status.label())) } else { Ok(next) }
}

/// Whether a participant may weigh a comment.
pub fn may_vote(status: CommentStatus, own: bool) -> Result<(), ConsultationError> {
    match status {
        CommentStatus::Published if own => Err(ConsultationError::OwnComment),
        CommentStatus::Published => Ok(()),
        _ => Err(ConsultationError::NotPublished),
    }
}

const MAX_ANSWER_CHARS: usize = 5_000;

/// The drafting unit's answer to a position.
pub fn checked_answer(verdict: Verdict, reason: &str) -> Result<(Verdict, String), ConsultationError> {
    let reason = text::clean_multiline(reason);
    if reason.is_empty() || reason.chars().count() > MAX_ANSWER_CHARS {
        return Err(ConsultationError::AnswerMissing);
    }
    Ok((verdict, reason))
}

/// That the report may be published now: the period is over, every comment moderated, every
/// published position answered and the final text there.
pub fn may_report(phase: Phase, pending: i64, unanswered: i64, final_text: &str) -> Result<(), ConsultationError> {
    match phase {
        Phase::Reported => Err(ConsultationError::AlreadyReported),
        Phase::Closed if pending > 0 => Err(ConsultationError::Unmoderated(pending)),
        Phase::Closed if unanswered > 0 => Err(ConsultationError::Unanswered(unanswered)),
        Phase::Closed if text::clean(final_text).is_empty() => Err(ConsultationError::FinalTextMissing),
        Phase::Closed => Ok(()),
        _ => Err(ConsultationError::NotClosed),
    }
}

/// How long a one-time code stays good, and how many wrong tries it takes.
pub const CODE_TTL_MS: i64 = 10 * 60_000;
pub const CODE_ATTEMPTS: i64 = 5;

/// The message carrying a one-time code.
pub fn code_message(code: &str, title: &str) -> Message {
    let email = format!("Mã xác thực để góp ý về \"{}\": {code}\nMã có hiệu lực trong 10 phút. Không chia sẻ mã này với ai.", short(title));
    Message { subject: "[Thước Đo] Mã xác thực góp ý".into(), sms: sms_text(&email), email }
}

/// The message telling a participant the report is out.
pub fn report_notice(title: &str, link: &str) -> Message {
    let sms = sms_text(&format!("Đã có báo cáo tiếp thu, giải trình ý kiến về \"{}\": {link}", short(title)));
    Message {
        subject: format!("[Thước Đo] Đã có báo cáo tiếp thu, giải trình: {}", short(title)),
        email: format!(
            "Cơ quan soạn thảo đã công bố báo cáo tổng hợp, tiếp thu, giải trình ý kiến về \"{title}\" cùng văn bản đã chỉnh lý.\nXem tại: {link}\n\nCảm ơn bạn đã góp ý."
        ),
        sms,
    }
}

#[cfg(test)]
mod tests;
