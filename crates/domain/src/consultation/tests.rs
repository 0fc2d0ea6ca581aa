use proptest::prelude::*;

use super::*;

const DAY: i64 = 86_400_000;

fn settings(subject: Subject, days: i64) -> Settings {
    Settings {
        title: "  Dự thảo  Quy chế tiếp nhận phản ánh ".into(),
        summary: String::new(),
        subject,
        audience: Audience::Everyone,
        invited: vec![3],
        moderation: Moderation::Before,
        opens_at: 1_000,
        closes_at: 1_000 + days * DAY,
    }
}

#[test]
fn a_legal_draft_is_open_for_the_minimum_period() {
    let rules = Rules::default();
    let checked = settings(Subject::LegalDraft, 20).checked(&rules).unwrap();
    assert_eq!(checked.title, "Dự thảo Quy chế tiếp nhận phản ánh");
    assert!(checked.invited.is_empty(), "units are asked only when the audience is a unit list");
    let short = settings(Subject::LegalDraft, 19).checked(&rules).unwrap_err();
    assert_eq!(short, vec!["Dự thảo văn bản quy phạm pháp luật phải được lấy ý kiến ít nhất 20 ngày.".to_string()]);
    assert!(settings(Subject::Plan, 3).checked(&rules).is_ok(), "the minimum is for legal drafts");
    assert!(settings(Subject::LegalDraft, 10).checked(&Rules { min_days_legal: 10 }).is_ok(), "the minimum is a setting");
    let mut backwards = settings(Subject::Plan, 3);
    backwards.closes_at = backwards.opens_at;
    assert_eq!(backwards.checked(&rules).unwrap_err().len(), 1);
    let mut invited = settings(Subject::Plan, 3);
    invited.audience = Audience::Invited;
    invited.invited.clear();
    assert!(invited.checked(&rules).is_err());
}

#[test]
fn the_period_is_locked_by_the_clock() {
    let (opens, closes) = (100, 200);
    assert_eq!(phase(Status::Draft, opens, closes, 150), Phase::Draft);
    assert_eq!(phase(Status::Published, opens, closes, 99), Phase::Upcoming);
    assert_eq!(phase(Status::Published, opens, closes, 100), Phase::Open);
    assert_eq!(phase(Status::Published, opens, closes, 199), Phase::Open);
    assert_eq!(phase(Status::Published, opens, closes, 200), Phase::Closed, "at the deadline nothing more is taken");
    assert_eq!(phase(Status::Reported, opens, closes, 150), Phase::Reported);
    assert!(require_open(Phase::Open).is_ok());
    assert_eq!(require_open(Phase::Closed).unwrap_err().to_string(), "Việc lấy ý kiến đã hết hạn: không nhận thêm ý kiến.");
}

#[test]
fn the_audience_decides_who_takes_part() {
    let person = Commenter { kind: ParticipantKind::Person, verified: true, identified: false, units: &[] };
    let business = Commenter { kind: ParticipantKind::Business, verified: false, identified: false, units: &[] };
    let official = Commenter { kind: ParticipantKind::Organisation, verified: false, identified: false, units: &[2, 7] };
    assert!(may_take_part(Audience::Everyone, &[], &person).is_ok());
    assert_eq!(may_take_part(Audience::Businesses, &[], &person), Err(ConsultationError::BusinessesOnly));
    assert_eq!(may_take_part(Audience::Businesses, &[], &business), Err(ConsultationError::BusinessesOnly), "a business verifies its contact");
    assert!(may_take_part(Audience::Businesses, &[], &Commenter { verified: true, ..business }).is_ok());
    assert!(may_take_part(Audience::Invited, &[7, 9], &official).is_ok());
    assert_eq!(speaks_for(&[7, 9], official.units), Some(7));
    assert_eq!(may_take_part(Audience::Invited, &[9], &official), Err(ConsultationError::InvitedOnly));
    assert_eq!(may_take_part(Audience::Invited, &[7], &person), Err(ConsultationError::InvitedOnly));
    // A code to a phone is not an identity: only VNeID opens a consultation that asks for one.
    assert_eq!(may_take_part(Audience::Identified, &[], &person), Err(ConsultationError::IdentityRequired));
    assert_eq!(may_take_part(Audience::Identified, &[7], &official), Err(ConsultationError::IdentityRequired));
    assert!(may_take_part(Audience::Identified, &[], &Commenter { identified: true, ..person }).is_ok());
    assert!(may_take_part(Audience::Identified, &[], &Commenter { identified: true, ..business }).is_ok());
}

#[test]
fn a_comment_is_cleaned_masked_and_bounded() {
    let form = CommentForm {
        body: "Đề nghị  sửa Điều 3.\r\nGọi tôi: 0912 345 678".into(),
        name: " Nguyễn Văn A ".into(),
        organisation: String::new(),
        contact: "+84 912 345 678".into(),
    };
    let comment = form.checked(ParticipantKind::Person).unwrap();
    assert_eq!(comment.original, "Đề nghị sửa Điều 3.\nGọi tôi: 0912 345 678");
    assert_eq!(comment.text, "Đề nghị sửa Điều 3.\nGọi tôi: [đã ẩn số điện thoại]");
    assert_eq!(comment.name.as_deref(), Some("Nguyễn Văn A"));
    assert_eq!(comment.contact, Some(Contact::Phone("0912345678".into())));
    let business = form.checked(ParticipantKind::Business).unwrap_err();
    assert_eq!(business, vec!["Cần ghi tên doanh nghiệp, cơ quan hoặc tổ chức góp ý.".to_string()]);
    let empty = CommentForm { body: " ".into(), contact: "không có".into(), ..Default::default() }.checked(ParticipantKind::Person).unwrap_err();
    assert_eq!(empty.len(), 2);
    let long = CommentForm { body: "ý".repeat(MAX_COMMENT_CHARS + 1), ..Default::default() };
    assert!(long.checked(ParticipantKind::Person).is_err());
    assert_eq!(Contact::parse("Ten@Vi-Du.VN"), Some(Contact::Email("ten@vi-du.vn".into())));
}

#[test]
fn moderation_votes_answers_and_the_report_follow_their_order() {
    assert_eq!(arriving_status(Moderation::Before), CommentStatus::Pending);
    assert_eq!(arriving_status(Moderation::After), CommentStatus::Published);
    assert_eq!(moderate(CommentStatus::Pending, &Decision::Publish), Ok(CommentStatus::Published));
    assert_eq!(moderate(CommentStatus::Published, &Decision::Reject { reason: " ".into() }), Err(ConsultationError::ReasonMissing));
    assert_eq!(moderate(CommentStatus::Published, &Decision::Reject { reason: "Lời lẽ xúc phạm".into() }), Ok(CommentStatus::Rejected));
    assert_eq!(moderate(CommentStatus::Rejected, &Decision::Publish), Ok(CommentStatus::Published), "reconsidered");
    assert!(moderate(CommentStatus::Published, &Decision::Publish).is_err());
    assert_eq!(may_vote(CommentStatus::Published, true), Err(ConsultationError::OwnComment));
    assert_eq!(may_vote(CommentStatus::Pending, false), Err(ConsultationError::NotPublished));
    assert!(may_vote(CommentStatus::Published, false).is_ok());
    assert_eq!(checked_answer(Verdict::Explained, "  "), Err(ConsultationError::AnswerMissing));
    assert_eq!(checked_answer(Verdict::Accepted, " Đã sửa  Khoản 1 "), Ok((Verdict::Accepted, "Đã sửa Khoản 1".into())));
    assert_eq!(may_report(Phase::Open, 0, 0, "x"), Err(ConsultationError::NotClosed));
    assert_eq!(may_report(Phase::Closed, 1, 2, "x"), Err(ConsultationError::Unmoderated(1)));
    assert_eq!(may_report(Phase::Closed, 0, 2, "x"), Err(ConsultationError::Unanswered(2)));
    assert_eq!(may_report(Phase::Closed, 0, 0, " "), Err(ConsultationError::FinalTextMissing));
    assert!(may_report(Phase::Closed, 0, 0, "Điều 1. …").is_ok());
    assert_eq!(may_report(Phase::Reported, 0, 0, "x"), Err(ConsultationError::AlreadyReported));
}

#[test]
fn messages_fit_their_channel() {
    let message = code_message("482913", "Dự thảo Quy chế tiếp nhận, xử lý phản ánh, kiến nghị của người dân, doanh nghiệp trên địa bàn tỉnh");
    assert!(message.email.contains("482913") && message.email.contains("…"));
    assert!(message.sms.is_ascii() && message.sms.contains("482913"), "{}", message.sms);
    let notice = report_notice("Dự thảo", "https://thuocdo.anlac.gov.vn/y-kien/1");
    assert!(notice.sms.is_ascii() && notice.sms.ends_with("/y-kien/1"));
}

proptest! {
    /// Masking never lets a phone number through, however it is spaced, and never grows a text
    /// without a number in it.
    #[test]
    fn masked_phone_numbers_do_not_survive(digits in "0[35789][0-9]{8}", sep in prop::sample::select(vec!["", " ", ".", "-"])) {
        let spaced = format!("{}{sep}{}{sep}{}", &digits[..4], &digits[4..7], &digits[7..]);
        let masked = mask(&format!("Liên hệ {spaced} nhé"));
        prop_assert!(!masked.contains(&digits[4..7]), "{masked}");
    }

    #[test]
    fn text_without_numbers_is_kept(words in "[a-zA-Zàáạảãăâđêôơư ,.]{0,80}") {
        prop_assert_eq!(mask(&words), words);
    }
}
