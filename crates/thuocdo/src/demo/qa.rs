//! The demo's questions and feedback: topics routed to the departments and to Phường An Lạc,
//! the government's 2025 decisions on Tết and 30/4 in the working calendar, and questions at
//! every step: waiting for the dispatcher, held, answered and published (three pinned among the
//! frequently asked), declined, and two let run past their deadline (the server's pass sends
//! them to the unit above as soon as it starts).

use domain::auth::{Access, Grant, Role};
use domain::calendar::DayChange;
use domain::qa::{AskForm, Channel, Periods};
use storage::qa::{Review, TopicSetting};
use storage::{Actor, Store};
use time::macros::date;

const DAY: i64 = 86_400_000;

fn access(role: Role, unit: i64) -> Access {
    Access::new(vec![Grant { role, unit }])
}

/// (topic, the competent unit's code or none)
const TOPICS: [(&str, Option<&str>); 6] = [
    ("Hộ tịch, chứng thực", Some("STP")),
    ("Đất đai, xây dựng", Some("SXD")),
    ("Y tế, bảo hiểm y tế", Some("SYT")),
    ("Thủ tục hành chính tại Phường An Lạc", Some("28101")),
    ("Cải cách hành chính, Chỉ số SIPAS, PAR INDEX", Some("SNV")),
    ("Khác", None),
];

/// (topic index, kind, title, body, answer: None while unanswered)
const QUESTIONS: [(usize, &str, &str, &str, Option<&str>); 10] = [
    (
        0,
        "hoi-dap",
        "Thời hạn cấp bản sao trích lục khai sinh",
        "Tôi cần bản sao trích lục khai sinh cho con để làm hồ sơ nhập học. Xin hỏi nộp ở đâu, mất bao lâu? Số của tôi 0912 345 678.",
        Some(
            "Bản sao trích lục khai sinh được cấp ngay trong ngày tại UBND cấp xã nơi đã đăng ký khai sinh, hoặc trực tuyến trên Cổng Dịch vụ công quốc gia; lệ phí theo quy định của HĐND tỉnh.",
        ),
    ),
    (
        0,
        "hoi-dap",
        "Chứng thực bản sao từ bản chính có cần mang bản chính không",
        "Khi chứng thực bản sao giấy tờ, tôi có phải mang theo bản chính không, có được chứng thực ở xã khác nơi cư trú không?",
        Some(
            "Có. Người yêu cầu chứng thực xuất trình bản chính; có thể chứng thực tại bất kỳ UBND cấp xã hoặc tổ chức hành nghề công chứng nào, không phụ thuộc nơi cư trú.",
        ),
    ),
    (
        1,
        "phan-anh",
        "Hồ sơ cấp giấy phép xây dựng quá hạn",
        "Tôi nộp hồ sơ cấp giấy phép xây dựng nhà ở riêng lẻ ngày 02/3 nhưng đến nay chưa có kết quả, cũng không được thông báo lý do.",
        Some(
            "Sở Xây dựng đã kiểm tra: hồ sơ thiếu bản vẽ mặt bằng móng, bộ phận một cửa chưa thông báo bổ sung đúng hạn. Sở đã xin lỗi ông và hướng dẫn bổ sung; giấy phép được cấp ngày 20/3.",
        ),
    ),
    (
        2,
        "hoi-dap",
        "Đổi nơi đăng ký khám chữa bệnh ban đầu",
        "Tôi muốn đổi nơi đăng ký khám chữa bệnh bảo hiểm y tế ban đầu sang trạm y tế phường gần nhà, làm thế nào?",
        Some("Người tham gia được đổi nơi đăng ký khám chữa bệnh ban đầu vào đầu mỗi quý, qua ứng dụng VssID hoặc tại cơ quan bảo hiểm xã hội nơi cư trú."),
    ),
    (
        3,
        "kien-nghi",
        "Đề nghị mở thêm quầy tiếp nhận buổi sáng thứ Bảy",
        "Người đi làm khó nộp hồ sơ trong giờ hành chính. Đề nghị Phường An Lạc tiếp nhận hồ sơ sáng thứ Bảy.",
        Some("UBND Phường An Lạc tiếp thu kiến nghị: từ tháng sau, Bộ phận Một cửa tiếp nhận hồ sơ sáng thứ Bảy từ 7 giờ 30 đến 11 giờ 30."),
    ),
    (
        4,
        "hoi-dap",
        "Chỉ số SIPAS được tính như thế nào",
        "Xin hỏi chỉ số hài lòng SIPAS của tỉnh được tính từ những phiếu nào, người dân có được tham gia trả lời không?",
        Some(
            "SIPAS tính từ phiếu khảo sát người dân, tổ chức đã giải quyết thủ tục hành chính, theo phương pháp của Bộ Nội vụ. Người dân có thể đánh giá tại trang Đánh giá của cổng thông tin.",
        ),
    ),
    (
        3,
        "phan-anh",
        "Cán bộ một cửa hẹn trả kết quả nhiều lần",
        "Tôi được hẹn trả kết quả đăng ký hộ kinh doanh đã ba lần mà chưa nhận được, mong phường kiểm tra.",
        None,
    ),
    (
        1,
        "hoi-dap",
        "Xây nhà trên đất nông nghiệp có được cấp phép không",
        "Gia đình tôi có mảnh đất trồng cây lâu năm, muốn xây nhà ở thì cần làm thủ tục gì?",
        None,
    ),
    (
        5,
        "kien-nghi",
        "Đề nghị công khai tiến độ giải quyết hồ sơ qua tin nhắn",
        "Đề nghị tỉnh gửi tin nhắn báo tiến độ hồ sơ cho người nộp để đỡ phải đi lại hỏi.",
        None,
    ),
    (5, "hoi-dap", "Dịch vụ làm giấy tờ nhanh giá rẻ", "Nhận làm mọi loại giấy tờ nhanh, giá rẻ, liên hệ ngay để được tư vấn miễn phí.", None),
];

/// Loads the demo's topics, calendar decisions and questions, as of `now_ms`.
pub async fn load(store: &Store, now_ms: i64) -> anyhow::Result<()> {
    let province = store.public_unit_by_code("99").await?.id;
    let office = access(Role::ReformOffice, province);
    let setup = Actor::system("cchc", now_ms - 60 * DAY);
    let government_2025 = [
        (date!(2025 - 01 - 27), false, "Nghỉ Tết Ất Tỵ, hoán đổi với thứ Bảy 08/02/2025"),
        (date!(2025 - 02 - 03), true, "Làm việc bình thường theo thông báo nghỉ Tết Ất Tỵ"),
        (date!(2025 - 02 - 08), true, "Làm bù cho thứ Hai 27/01/2025"),
        (date!(2025 - 05 - 02), false, "Nghỉ 30/4–1/5, hoán đổi với thứ Bảy 26/04/2025"),
        (date!(2025 - 04 - 26), true, "Làm bù cho thứ Sáu 02/05/2025"),
    ];
    for (date, working, note) in government_2025 {
        store.set_working_day(&setup, &office, Some(&DayChange { date, working, note: note.into() }), date).await?;
    }
    let mut topics = Vec::new();
    for (name, unit) in TOPICS {
        let unit = match unit {
            Some(code) => Some(store.public_unit_by_code(code).await?.id),
            None => None,
        };
        topics.push((
            store.save_qa_topic(&setup, &office, None, &TopicSetting { name: name.to_string(), unit_id: unit, active: true, requires_identity: false }).await?,
            unit,
        ));
    }
    let periods = Periods::default();
    for (i, (topic, kind, title, body, answer)) in QUESTIONS.iter().enumerate() {
        // The answered ones came in during the past week and were answered within their
        // period; the others wait since three weeks, past it.
        let asked_at = if answer.is_some() { now_ms - (6 - i as i64).max(1) * DAY } else { now_ms - (30 - i as i64) * DAY };
        let form = AskForm {
            kind: (*kind).into(),
            title: (*title).into(),
            body: (*body).into(),
            name: ["Nguyễn Văn An", "Trần Thị Bình", "Lê Hoàng Cường", "Phạm Thu Dung"][i % 4].into(),
            address: String::new(),
            contact: format!("nguoi.hoi.{i}@vi-du.vn"),
            consent: i != 3,
            zalo: false,
            identity: None,
        };
        let channel = if i % 4 == 1 { Channel::Hotline } else { Channel::Web };
        let (topic_id, unit) = topics[*topic];
        let receipt = store
            .ask(
                &Actor::system("người hỏi", asked_at),
                &form.checked().map_err(|e| anyhow::anyhow!(e.join("; ")))?,
                topic_id,
                None,
                channel,
                &[],
                &format!("DEMO{i:012}"),
                &periods,
            )
            .await?;
        let Some(unit) = unit else {
            if title.contains("giá rẻ") {
                store
                    .decline_question(
                        &Actor::system("cchc", asked_at + DAY),
                        &office,
                        receipt.id,
                        "Nội dung quảng cáo, không phải câu hỏi, phản ánh, kiến nghị.",
                    )
                    .await?;
            }
            continue;
        };
        let Some(answer) = answer else { continue };
        let answered_at = asked_at + DAY / 2;
        store.draft_answer(&Actor::system("cán bộ", answered_at - DAY / 2), &access(Role::UnitOfficial, unit), receipt.id, answer).await?;
        let review = Review::Approve { answer: None, publish: true };
        store.review_answer(&Actor::system("thủ trưởng", answered_at), &access(Role::UnitHead, unit), receipt.id, &review).await?;
        if i < 2 || i == 5 {
            store.pin_question(&Actor::system("cchc", answered_at), &office, receipt.id, true).await?;
        }
    }
    Ok(())
}
