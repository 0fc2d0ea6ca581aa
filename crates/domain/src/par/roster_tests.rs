use super::*;
use InvitationStatus::*;
use InviteChannel::*;

fn raw(name: &str, position: &str, email: &str, phone: &str) -> RawMember {
    RawMember { name: name.into(), position: position.into(), workplace: "Văn phòng".into(), email: email.into(), phone: phone.into() }
}

fn table(rows: &[[&str; 5]]) -> Vec<Vec<String>> {
    rows.iter().map(|r| r.iter().map(|c| c.to_string()).collect()).collect()
}

#[test]
fn a_row_is_checked_whole() {
    let member = raw(" Nguyễn  Văn An ", "Phó Giám đốc", "An.NV@SoNoiVu.gov.vn", "+84 912 345 678").parse().unwrap();
    assert_eq!(member.name, "Nguyễn Văn An");
    assert_eq!(member.email.as_deref(), Some("an.nv@sonoivu.gov.vn"));
    assert_eq!(member.phone.as_deref(), Some("0912345678"));
    assert_eq!(raw("", "", "", "").parse().unwrap_err(), vec![MemberError::MissingName, MemberError::MissingPosition, MemberError::NoContact]);
    assert_eq!(
        raw("Lê B", "Chuyên viên", "le-b@", "12345").parse().unwrap_err(),
        vec![MemberError::BadPhone("12345".into()), MemberError::BadEmail("le-b@".into())]
    );
    assert_eq!(raw(&"A".repeat(201), "Chuyên viên", "", "0912345678").parse().unwrap_err(), vec![MemberError::TooLong]);
    assert!(raw("Trần C", "Chuyên viên", "", "0912 345 679").parse().unwrap().email.is_none(), "a phone alone will do");
}

#[test]
fn a_file_is_read_by_its_headers() {
    let rows = rows_from_table(&table(&[
        ["Số ĐT", "HỌ VÀ TÊN", "chuc vu", "Đơn vị công tác", "Email"],
        ["0912345678", "Nguyễn Văn An", "Giám đốc", "Sở Nội vụ", ""],
        ["", "", "", "", ""],
        ["", "Lê Thị Bình", "Chuyên viên", "Phòng CCHC", "binh@snv.gov.vn"],
    ]))
    .unwrap();
    assert_eq!(rows.len(), 2, "blank rows are skipped");
    assert_eq!(rows[0].0, 2);
    assert_eq!(rows[1].0, 4, "lines count the header and the blank row");
    assert_eq!(rows[1].1.email, "binh@snv.gov.vn");
    assert_eq!(rows[0].1.phone, "", "«Số ĐT» is not a known name of the phone column");
    let message = rows_from_table(&table(&[["Họ và tên", "Chức vụ", "Ghi chú", "", ""]])).unwrap_err();
    assert!(message.contains("ít nhất một trong Thư điện tử, Điện thoại"), "{message}");
    assert!(rows_from_table(&[]).is_err());
    let mut big = table(&[["Họ và tên", "Chức vụ", "Đơn vị công tác", "Thư điện tử", "Điện thoại"]]);
    big.extend((0..=MAX_ROWS).map(|i| vec![format!("Người {i}"), "Chuyên viên".into(), String::new(), format!("n{i}@x.vn"), String::new()]));
    assert!(rows_from_table(&big).unwrap_err().contains("tối đa 2.000"));
}

#[test]
fn a_submission_is_refused_with_every_rows_problems() {
    let rows = vec![
        (2, raw("Nguyễn Văn An", "Giám đốc", "an@snv.gov.vn", "")),
        (3, raw("Lê Thị Bình", "", "binh@snv", "")),
        (4, raw("Nguyễn V. An", "Giám đốc", "AN@snv.gov.vn", "")),
        (5, raw("Phạm Cường", "Chuyên viên", "", "0987654321")),
        (6, raw("Đỗ Dung", "Chuyên viên", "dung@snv.gov.vn", "")),
    ];
    let problems = check(&rows, |contact| contact == "0987654321").unwrap_err();
    let lines: Vec<usize> = problems.iter().map(|p| p.line).collect();
    assert_eq!(lines, [3, 4, 5]);
    assert_eq!(problems[0].messages, ["thiếu chức vụ", "thư điện tử «binh@snv» không hợp lệ"]);
    assert_eq!(problems[1].messages, ["trùng thư điện tử hoặc điện thoại với dòng 2"]);
    assert_eq!(problems[2].messages, ["đã có trong danh sách của cuộc khảo sát này"]);
    let good = check(&[rows[0].clone(), rows[4].clone()], |_| false).unwrap();
    assert_eq!(good.len(), 2);
}

#[test]
fn a_refused_address_moves_on_to_the_next_channel() {
    assert_eq!(next_channel(&[], true, true), Some(Email));
    assert_eq!(next_channel(&[Email], true, true), Some(Sms));
    assert_eq!(next_channel(&[Email, Sms], true, true), Some(Zalo));
    assert_eq!(next_channel(&[Email, Sms, Zalo], true, true), None);
    assert_eq!(next_channel(&[], false, true), Some(Sms), "no e-mail: a text first");
    assert_eq!(next_channel(&[Email], true, false), None, "no phone: nothing after the e-mail");
}

#[test]
fn participation_counts_people_by_hand() {
    // Agency 1: five chosen. An answers by e-mail; Bình's mailbox refuses, the SMS reaches her
    // and she answers by it; Cường's e-mail and SMS are refused, Zalo is still queued; Dung is
    // sent an e-mail and has not answered; Em is not invited yet.
    // Agency 2: one chosen, reached by Zalo, answered.
    let people = [
        Reach { unit_id: 1, invitations: vec![(Email, Completed)] },
        Reach { unit_id: 1, invitations: vec![(Email, Bounced), (Sms, Completed)] },
        Reach { unit_id: 1, invitations: vec![(Email, Bounced), (Sms, Failed), (Zalo, Queued)] },
        Reach { unit_id: 1, invitations: vec![(Email, Sent)] },
        Reach { unit_id: 1, invitations: vec![] },
        Reach { unit_id: 2, invitations: vec![(Sms, Bounced), (Zalo, Completed)] },
    ];
    let (rows, total) = tally(&people);
    let agency = &rows[0].1;
    assert_eq!(rows.iter().map(|(unit, _)| *unit).collect::<Vec<_>>(), [1, 2]);
    assert_eq!(
        (agency.chosen, agency.invited, agency.reached, agency.answered, agency.bounced, agency.rescued, agency.answered_by),
        (5, 4, 3, 2, 2, 1, [1, 1, 0])
    );
    assert_eq!(agency.rate(), Some(40.0));
    assert_eq!((total.chosen, total.answered, total.bounced, total.rescued, total.answered_by), (6, 3, 3, 2, [1, 1, 1]));
    assert_eq!(total.rate(), Some(50.0));
    let mut summed = rows[0].1.clone();
    summed.add(&rows[1].1);
    assert_eq!(summed, total, "the total is the sum of the agencies");
    assert_eq!(Participation::default().rate(), None);
}

#[test]
fn a_persons_standing() {
    assert_eq!(Standing::of(&[]), Standing::NotInvited);
    assert_eq!(Standing::of(&[(Email, Bounced), (Sms, Delivered)]), Standing::Waiting(Sms, Delivered));
    assert_eq!(Standing::of(&[(Email, Bounced), (Sms, Failed)]), Standing::Unreachable);
    assert_eq!(Standing::of(&[(Email, Completed), (Sms, Queued)]), Standing::Answered);
    assert!(Standing::of(&[(Email, Bounced)]).needs_invitation());
    assert!(!Standing::of(&[(Email, Queued)]).needs_invitation());
    assert_eq!(Standing::Waiting(Sms, Delivered).label(), "Chưa trả lời (Tin nhắn SMS — đã nhận)");
}
