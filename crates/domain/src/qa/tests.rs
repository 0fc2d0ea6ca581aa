use proptest::prelude::*;

use super::*;

fn form() -> AskForm {
    AskForm {
        kind: "hoi-dap".into(),
        title: "  Thời hạn cấp   giấy phép xây dựng ".into(),
        body: "Tôi nộp hồ sơ ngày 02/3, đến nay chưa có kết quả. Số của tôi 0912 345 678.".into(),
        name: "Nguyễn Văn An".into(),
        address: String::new(),
        contact: "0912345678".into(),
        consent: true,
        zalo: false,
        identity: None,
    }
}

#[test]
fn a_question_needs_a_kind_a_title_a_body_a_name_and_a_contact() {
    let asked = form().checked().unwrap();
    assert_eq!(asked.kind, Kind::Question);
    assert_eq!(asked.title, "Thời hạn cấp giấy phép xây dựng");
    assert_eq!(asked.contact, Contact::Phone("0912345678".into()));
    let empty = AskForm::default().checked().unwrap_err();
    assert_eq!(empty.len(), 5, "{empty:?}");
    let long = AskForm { body: "x".repeat(MAX_BODY_CHARS + 1), ..form() };
    assert!(long.checked().unwrap_err()[0].contains("10.000"));
    let zalo_by_mail = AskForm { contact: "an@vi-du.vn".into(), zalo: true, ..form() };
    assert!(zalo_by_mail.checked().unwrap_err()[0].contains("Zalo"));
    assert!(AskForm { zalo: true, ..form() }.checked().unwrap().zalo);
    let bad_contact = AskForm { contact: "gọi tôi".into(), ..form() };
    assert!(bad_contact.checked().unwrap_err()[0].contains("điện thoại"));
}

#[test]
fn the_archive_hides_who_asked_and_their_numbers() {
    let asked = form().checked().unwrap();
    let shown = public_text(&asked.body);
    assert!(!shown.contains("0912") && shown.contains("[đã ẩn số điện thoại]") && shown.contains("02/3"), "{shown}");
    assert_eq!(public_name("Nguyễn Văn an"), "Ông/bà A.");
    assert_eq!(public_name("  "), "Người hỏi");
}

#[test]
fn each_step_follows_the_one_before() {
    assert!(may_dispatch(Status::Dispatch).is_ok() && may_dispatch(Status::Handling).is_ok());
    assert_eq!(may_dispatch(Status::Answered), Err(QaError::WrongStep("Đã trả lời")));
    assert!(may_return(Status::Handling).is_ok() && may_return(Status::Review).is_err());
    assert!(may_draft(Status::Handling).is_ok() && may_draft(Status::Review).is_ok() && may_draft(Status::Dispatch).is_err());
    assert!(may_review(Status::Review).is_ok() && may_review(Status::Handling).is_err());
    assert_eq!(may_publish(Status::Answered, false), Err(QaError::NoConsent));
    assert!(may_publish(Status::Answered, true).is_ok() && may_publish(Status::Review, true).is_err());
    assert_eq!(checked_reason(" ngắn "), Err(QaError::ReasonMissing));
    assert_eq!(checked_answer("Đã trả lời đầy đủ.").unwrap(), "Đã trả lời đầy đủ.");
    assert!(is_overdue(Status::Handling, 10, 10) && !is_overdue(Status::Answered, 10, 11) && !is_overdue(Status::Review, 10, 9));
    assert!(on_time(9, 10) && !on_time(10, 10));
}

#[test]
fn periods_are_set_per_kind() {
    let periods = Periods::parse("7, 15,10").unwrap();
    assert_eq!((periods.days(Kind::Question), periods.days(Kind::Feedback), periods.days(Kind::Proposal)), (7, 15, 10));
    assert!(Periods::parse("7,10").is_err() && Periods::parse("0,10,10").is_err() && Periods::parse("7,a,10").is_err());
    assert_eq!(Periods::default().days(Kind::Question), 7);
}

#[test]
fn the_screen_stops_robots_and_counts_scriptless_senders_apart() {
    assert_eq!(screen("", 0, MIN_FILL_MS, true), Ok(Screened::Worked));
    assert_eq!(screen("", 0, MIN_FILL_MS, false), Ok(Screened::Unworked));
    assert!(screen("http://spam", 0, 10_000, true).is_err(), "the honeypot");
    assert!(screen("", 0, 1_000, true).is_err(), "too fast");
    assert!(screen("", 0, MAX_FORM_AGE_MS + 1, true).is_err(), "too old");
    // A nonce found by search, as the page's script finds it.
    let nonce = (0..1_000_000u32).map(|n| n.to_string()).find(|n| work_done("thu-thach", n, 8)).unwrap();
    assert!(work_done("thu-thach", &nonce, 8));
    assert!(!work_done("khac", "", 8) && !work_done("thu-thach", &"9".repeat(40), 0));
}

#[test]
fn a_code_is_read_back_however_it_is_typed() {
    let code = "7K3M9QX2ABCD0123";
    assert_eq!(format_code(code), "HD-7K3M-9QX2-ABCD-0123");
    assert_eq!(parse_code("hd-7k3m-9qx2-abcd-o123").as_deref(), Some(code));
    assert_eq!(parse_code(" 7K3M 9QX2 ABCD 0123 ").as_deref(), Some(code));
    assert_eq!(parse_code("7K3M9QX2ABCD012"), None);
    assert_eq!(parse_code("7K3M9QX2ABCD012U"), None);
    assert_eq!(parse_code("'; DROP TABLE"), None);
}

#[test]
fn messages_carry_the_code_and_the_link() {
    let m = answer_message("HD-1", "Giấy phép xây dựng", "UBND xã An Lạc", "Trả lời chi tiết.", "https://x/hoi-dap/tra-cuu");
    assert!(m.email.contains("Trả lời chi tiết.") && m.sms.is_ascii() && m.sms.contains("HD-1"));
    assert!(received_message("HD-1", "Tiêu đề", "10/02/2025", "https://x").sms.contains("10/02/2025"));
    assert!(declined_message("HD-1", "Tiêu đề", "Nội dung không rõ", "https://x").email.contains("Nội dung không rõ"));
}

proptest! {
    #[test]
    fn any_formatted_code_parses_back(code in "[0-9A-HJKMNP-TV-Z]{16}") {
        prop_assert_eq!(parse_code(&format_code(&code)), Some(code));
    }
}

#[test]
fn a_tally_counts_on_time_late_and_waiting_by_working_days() {
    use crate::calendar::WorkingCalendar;
    use time::macros::date;
    let calendar = WorkingCalendar::default();
    // Monday 2/3/2026, 7 working days: due by the end of Wednesday 11/3.
    let received = text::vn_midnight_ms(date!(2026 - 03 - 02)) + 9 * 3_600_000;
    let deadline = calendar.deadline(received, 7);
    assert_eq!(deadline, text::vn_midnight_ms(date!(2026 - 03 - 12)));
    let base = Counted {
        status: Status::Answered,
        received_at: received,
        first_deadline_at: deadline,
        deadline_at: deadline,
        answered_at: None,
        useful: 0,
        not_useful: 0,
    };
    let mut tally = Tally::default();
    // Answered on Friday 6/3: 4 working days, on time, found useful by 3 of 4.
    tally.add(&Counted { answered_at: Some(text::vn_midnight_ms(date!(2026 - 03 - 06)) + 3_600_000), useful: 3, not_useful: 1, ..base }, deadline, &calendar);
    // Answered on Thursday 12/3: 8 working days, late.
    tally.add(&Counted { answered_at: Some(deadline + 3_600_000), ..base }, deadline, &calendar);
    // Still held at the deadline: overdue; one declined.
    tally.add(&Counted { status: Status::Handling, ..base }, deadline, &calendar);
    tally.add(&Counted { status: Status::Declined, ..base }, deadline, &calendar);
    assert_eq!((tally.received, tally.answered, tally.on_time, tally.overdue, tally.pending, tally.declined), (4, 2, 1, 1, 1, 1));
    assert_eq!(tally.mean_days(), Some(6.0));
    assert_eq!(tally.on_time_percent(), Some(50.0));
    assert_eq!(tally.useful_percent(), Some(75.0));
    assert_eq!(Tally::default().mean_days(), None);
}
