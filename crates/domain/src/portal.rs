//! The province's reform portal (SPEC §3.4): articles in categories and the documents library,
//! written by the units' officials and published through one editorial workflow.
//!
//! An item belongs to a unit, its section: officials of the unit write there, the unit's head
//! and the reform office (over the whole province) publish. Every item keeps its revisions.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::text;

vocabulary!(Kind {
    Article = "article", "Bài viết";
    Document = "document", "Văn bản";
});

// The codes are the categories' addresses (`/tin-tuc/chuyen-muc/{code}`), so they are slugs.
vocabulary!(Category {
    News = "tin-cai-cach-hanh-chinh", "Tin cải cách hành chính";
    Guide = "huong-dan", "Hướng dẫn";
    Results = "ket-qua", "Kết quả";
    Images = "hinh-anh", "Hình ảnh";
    Video = "video", "Video";
});

vocabulary!(DocType {
    Law = "luat", "Luật";
    Decree = "nghi-dinh", "Nghị định";
    Resolution = "nghi-quyet", "Nghị quyết";
    Decision = "quyet-dinh", "Quyết định";
    Directive = "chi-thi", "Chỉ thị";
    Circular = "thong-tu", "Thông tư";
    Plan = "ke-hoach", "Kế hoạch";
    Report = "bao-cao", "Báo cáo";
    OfficialLetter = "cong-van", "Công văn";
    Other = "khac", "Văn bản khác";
});

vocabulary!(Status {
    Draft = "draft", "Bản nháp";
    Submitted = "submitted", "Chờ duyệt";
    Published = "published", "Đã đăng";
    Returned = "returned", "Trả lại để sửa";
});

/// What an editor does to an item; each step is checked against the item's status here and
/// against the editor's permission by the caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// The writer hands the item to be published.
    Submit,
    /// Published at once, or at `at` (unix ms) when that is later: the item shows from then.
    Publish { at: i64 },
    /// Sent back to the writer with the reason.
    Return { reason: String },
    /// Taken off the portal, back to a draft.
    Withdraw,
}

impl Step {
    /// Whether the step is a publisher's (the others are the writer's).
    pub fn needs_publisher(&self) -> bool {
        !matches!(self, Self::Submit)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PortalError {
    #[error("Không thể {step} khi bài đang ở trạng thái «{status}».")]
    WrongStatus { step: &'static str, status: &'static str },
    #[error("Cần ghi lý do trả lại để người viết biết phải sửa gì.")]
    ReasonMissing,
    #[error("Bài đã gửi duyệt hoặc đã đăng; chỉ người duyệt mới sửa được.")]
    NotEditable,
}

/// The status an item takes after `step`, or why the step is not possible now.
pub fn next_status(status: Status, step: &Step) -> Result<Status, PortalError> {
    use Status::*;
    let wrong = |step: &'static str| Err(PortalError::WrongStatus { step, status: status.label() });
    match step {
        Step::Submit => match status {
            Draft | Returned => Ok(Submitted),
            _ => wrong("gửi duyệt"),
        },
        // A publisher may publish straight from a draft: the reform office writes too.
        Step::Publish { .. } => match status {
            Draft | Submitted | Returned => Ok(Published),
            Published => wrong("đăng"),
        },
        Step::Return { reason } => match status {
            _ if text::clean(reason).is_empty() => Err(PortalError::ReasonMissing),
            Submitted => Ok(Returned),
            _ => wrong("trả lại"),
        },
        Step::Withdraw => match status {
            Published => Ok(Draft),
            _ => wrong("gỡ"),
        },
    }
}

/// Writers change their drafts and returned items; once handed over, only a publisher edits
/// (a fix to a published item is a new revision of it).
pub fn may_edit(status: Status, is_publisher: bool) -> Result<(), PortalError> {
    match status {
        Status::Draft | Status::Returned => Ok(()),
        _ if is_publisher => Ok(()),
        _ => Err(PortalError::NotEditable),
    }
}

/// Most characters of an address made from a title.
const MAX_SLUG_CHARS: usize = 80;

/// A friendly Vietnamese address from a title: folded, ASCII words joined by `-`, cut at a word.
/// "Kết quả Chỉ số SIPAS năm 2025" → "ket-qua-chi-so-sipas-nam-2025". Never empty.
pub fn slug(title: &str) -> String {
    let words = crate::search::index_words(title);
    let mut out = String::new();
    // Letters outside Vietnamese (folded to ASCII) are left out of the address.
    let ascii = words.split(' ').map(|w| w.chars().filter(char::is_ascii_alphanumeric).collect::<String>());
    for word in ascii.filter(|w| !w.is_empty()) {
        if !out.is_empty() && out.len() + 1 + word.len() > MAX_SLUG_CHARS {
            break;
        }
        if !out.is_empty() {
            out.push('-');
        }
        out.extend(word.chars().take(MAX_SLUG_CHARS));
    }
    if out.is_empty() { "bai-viet".into() } else { out }
}

/// The `n`-th address tried for a title whose plain slug is taken: `slug-2`, `slug-3`, …
pub fn numbered_slug(slug: &str, n: u32) -> String {
    if n <= 1 { slug.to_string() } else { format!("{slug}-{n}") }
}

/// What a document in the library carries beside its title (trích yếu).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocFields {
    /// Số/ký hiệu, e.g. `3509/QĐ-UBND`.
    pub number: String,
    pub doc_type: DocType,
    /// Cơ quan ban hành.
    pub issuer: String,
    pub issued_on: Date,
    pub effective_on: Option<Date>,
}

/// An item as an editor writes it. `body_html` has passed the sanitiser already.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    pub kind: Kind,
    /// Articles only; documents sit in the library.
    pub category: Option<Category>,
    pub title: String,
    pub summary: String,
    pub body_html: String,
    /// A video elsewhere (an `https://` address), for the video category.
    pub video_url: Option<String>,
    pub doc: Option<DocFields>,
}

pub const MAX_TITLE_CHARS: usize = 300;
pub const MAX_SUMMARY_CHARS: usize = 1_000;
/// The body's limit, in bytes of sanitised HTML: a long article, not a book.
pub const MAX_BODY_BYTES: usize = 200_000;

impl Draft {
    /// The draft with its text cleaned, or every problem in it, in Vietnamese.
    pub fn checked(mut self) -> Result<Self, Vec<String>> {
        let mut problems = Vec::new();
        self.title = text::clean(&self.title);
        self.summary = text::clean_multiline(&self.summary);
        self.video_url = self.video_url.map(|u| u.trim().to_string()).filter(|u| !u.is_empty());
        if self.title.is_empty() {
            problems.push("Cần có tiêu đề (với văn bản: trích yếu).".into());
        }
        if self.title.chars().count() > MAX_TITLE_CHARS {
            problems.push(format!("Tiêu đề dài quá {MAX_TITLE_CHARS} ký tự."));
        }
        if self.summary.chars().count() > MAX_SUMMARY_CHARS {
            problems.push(format!("Tóm tắt dài quá {MAX_SUMMARY_CHARS} ký tự."));
        }
        if self.body_html.len() > MAX_BODY_BYTES {
            problems.push(format!("Nội dung dài quá {} KB.", MAX_BODY_BYTES / 1000));
        }
        if let Some(url) = &self.video_url
            && (!url.starts_with("https://") || url.len() > 500 || url.chars().any(|c| c.is_whitespace() || c == '"' || c == '<'))
        {
            problems.push("Đường dẫn video phải là một địa chỉ https:// hợp lệ.".into());
        }
        match self.kind {
            Kind::Article => {
                if self.category.is_none() {
                    problems.push("Chọn chuyên mục cho bài viết.".into());
                }
                self.doc = None;
            }
            Kind::Document => {
                self.category = None;
                match &mut self.doc {
                    None => problems.push("Văn bản cần số/ký hiệu, loại, cơ quan ban hành và ngày ban hành.".into()),
                    Some(doc) => {
                        doc.number = text::clean(&doc.number);
                        doc.issuer = text::clean(&doc.issuer);
                        if doc.number.is_empty() || doc.number.chars().count() > 60 {
                            problems.push("Số/ký hiệu văn bản cần có và không dài quá 60 ký tự.".into());
                        }
                        if doc.issuer.is_empty() || doc.issuer.chars().count() > 200 {
                            problems.push("Cơ quan ban hành cần có và không dài quá 200 ký tự.".into());
                        }
                        if doc.effective_on.is_some_and(|e| e < doc.issued_on) {
                            problems.push("Ngày hiệu lực không thể trước ngày ban hành.".into());
                        }
                    }
                }
            }
        }
        if problems.is_empty() { Ok(self) } else { Err(problems) }
    }
}

/// Whether a published item shows on the portal at `now` (a scheduled one waits for its time).
pub fn is_visible(status: Status, published_at: Option<i64>, now: i64) -> bool {
    status == Status::Published && published_at.is_some_and(|at| at <= now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn article() -> Draft {
        Draft {
            kind: Kind::Article,
            category: Some(Category::News),
            title: "  Tỉnh  An Lạc công bố Chỉ số SIPAS ".into(),
            summary: String::new(),
            body_html: "<p>Nội dung</p>".into(),
            video_url: None,
            doc: None,
        }
    }

    #[test]
    fn the_workflow_goes_draft_submitted_published_and_back() {
        use Status::*;
        assert_eq!(next_status(Draft, &Step::Submit), Ok(Submitted));
        assert_eq!(next_status(Returned, &Step::Submit), Ok(Submitted));
        assert_eq!(next_status(Submitted, &Step::Publish { at: 0 }), Ok(Published));
        assert_eq!(next_status(Draft, &Step::Publish { at: 0 }), Ok(Published));
        assert_eq!(next_status(Submitted, &Step::Return { reason: "Thiếu ảnh".into() }), Ok(Returned));
        assert_eq!(next_status(Published, &Step::Withdraw), Ok(Draft));
        assert_eq!(next_status(Submitted, &Step::Return { reason: "  ".into() }), Err(PortalError::ReasonMissing));
        assert!(matches!(next_status(Published, &Step::Submit), Err(PortalError::WrongStatus { .. })));
        assert!(matches!(next_status(Published, &Step::Publish { at: 0 }), Err(PortalError::WrongStatus { .. })));
        assert!(matches!(next_status(Draft, &Step::Return { reason: "x".into() }), Err(PortalError::WrongStatus { .. })));
        assert!(matches!(next_status(Submitted, &Step::Withdraw), Err(PortalError::WrongStatus { .. })));
        assert!(!Step::Submit.needs_publisher());
        assert!(Step::Withdraw.needs_publisher());
    }

    #[test]
    fn writers_edit_only_what_they_still_hold() {
        assert_eq!(may_edit(Status::Draft, false), Ok(()));
        assert_eq!(may_edit(Status::Returned, false), Ok(()));
        assert_eq!(may_edit(Status::Submitted, false), Err(PortalError::NotEditable));
        assert_eq!(may_edit(Status::Published, false), Err(PortalError::NotEditable));
        assert_eq!(may_edit(Status::Published, true), Ok(()));
    }

    #[test]
    fn slugs_are_folded_words() {
        assert_eq!(slug("Kết quả Chỉ số SIPAS năm 2025"), "ket-qua-chi-so-sipas-nam-2025");
        assert_eq!(slug("Quyết định 3509/QĐ-UBND: về việc…"), "quyet-dinh-3509-qd-ubnd-ve-viec");
        assert_eq!(slug("!!!"), "bai-viet");
        assert_eq!(numbered_slug("a-b", 1), "a-b");
        assert_eq!(numbered_slug("a-b", 3), "a-b-3");
    }

    #[test]
    fn a_draft_is_cleaned_and_checked() {
        let ok = article().checked().unwrap();
        assert_eq!(ok.title, "Tỉnh An Lạc công bố Chỉ số SIPAS");
        let no_category = Draft { category: None, ..article() }.checked().unwrap_err();
        assert_eq!(no_category, vec!["Chọn chuyên mục cho bài viết.".to_string()]);
        let bad_video = Draft { video_url: Some("javascript:alert(1)".into()), ..article() }.checked().unwrap_err();
        assert!(bad_video[0].contains("https://"));
        let doc = Draft {
            kind: Kind::Document,
            doc: Some(DocFields {
                number: " 3509/QĐ-UBND ".into(),
                doc_type: DocType::Decision,
                issuer: "UBND tỉnh".into(),
                issued_on: date!(2025 - 12 - 30),
                effective_on: Some(date!(2025 - 12 - 01)),
            }),
            ..article()
        };
        assert_eq!(doc.clone().checked().unwrap_err(), vec!["Ngày hiệu lực không thể trước ngày ban hành.".to_string()]);
        let fixed = Draft { doc: doc.doc.clone().map(|d| DocFields { effective_on: None, ..d }), ..doc }.checked().unwrap();
        assert_eq!(fixed.doc.unwrap().number, "3509/QĐ-UBND");
        assert_eq!(fixed.category, None);
    }

    #[test]
    fn a_scheduled_item_waits_for_its_time() {
        assert!(is_visible(Status::Published, Some(100), 100));
        assert!(!is_visible(Status::Published, Some(101), 100));
        assert!(!is_visible(Status::Submitted, Some(1), 100));
    }

    proptest! {
        #[test]
        fn a_slug_is_always_an_address(title in "\\PC{0,200}") {
            let s = slug(&title);
            prop_assert!(!s.is_empty() && s.len() <= MAX_SLUG_CHARS);
            prop_assert!(!s.starts_with('-') && !s.ends_with('-') && !s.contains("--"));
        }
    }
}
