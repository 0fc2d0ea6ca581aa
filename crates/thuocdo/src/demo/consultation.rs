//! A consultation's demo draft and its comments as they come on a real rule: most are copies
//! of a few campaign texts (Regulations.gov sees about 70 % on large rules), each copy a little
//! edited (a word changed, a greeting added, tones dropped on a phone keyboard), the rest each
//! person's own. Deterministic, and each comment knows its campaign, so grouping can be scored.

use domain::auth::{Access, Grant, Role};
use domain::consultation::{Audience, CommentForm, Decision, Line, Moderation, ParticipantKind, Rules, Settings, Subject, Verdict, Vote, outline};
use domain::sampling::SplitMix;
use storage::consultation::Visitor;
use storage::{Actor, Store};

const DAY: i64 = 86_400_000;

/// The demo draft: a provincial decision on receiving and handling citizens' feedback.
pub const DRAFT: &str = "ỦY BAN NHÂN DÂN TỈNH AN LẠC
DỰ THẢO
QUYẾT ĐỊNH
Ban hành Quy chế tiếp nhận, xử lý phản ánh, kiến nghị của người dân, doanh nghiệp về thủ tục hành chính
Căn cứ Luật Tổ chức chính quyền địa phương;
Căn cứ Nghị định số 20/2008/NĐ-CP của Chính phủ về tiếp nhận, xử lý phản ánh, kiến nghị của cá nhân, tổ chức về quy định hành chính;
Chương I
QUY ĐỊNH CHUNG
Điều 1. Phạm vi điều chỉnh
Quy chế này quy định việc tiếp nhận, xử lý phản ánh, kiến nghị của người dân, doanh nghiệp về thủ tục hành chính trên địa bàn tỉnh An Lạc.
Điều 2. Đối tượng áp dụng
1. Các sở, ban, ngành; Ủy ban nhân dân các xã, phường.
2. Cá nhân, tổ chức có phản ánh, kiến nghị, gồm:
a) Người dân;
b) Doanh nghiệp, hộ kinh doanh;
c) Hiệp hội, tổ chức xã hội.
Chương II
TIẾP NHẬN VÀ XỬ LÝ
Điều 3. Thời hạn xử lý
1. Trong thời hạn 05 ngày làm việc kể từ ngày nhận phản ánh, kiến nghị, cơ quan có thẩm quyền phải xem xét, xử lý.
2. Trường hợp phức tạp, thời hạn xử lý không quá 10 ngày làm việc.
3. Kết quả xử lý được thông báo cho người phản ánh và công khai trên Cổng thông tin điện tử của tỉnh.
Điều 4. Phí thẩm định hồ sơ
1. Hồ sơ phản ánh, kiến nghị của doanh nghiệp phải nộp phí thẩm định theo mức do Hội đồng nhân dân tỉnh quy định.
2. Người dân, hộ kinh doanh cá thể được miễn phí thẩm định.
Chương III
ĐIỀU KHOẢN THI HÀNH
Điều 5. Hiệu lực thi hành
Quyết định này có hiệu lực kể từ ngày ký.";

pub fn draft_lines() -> Vec<Line> {
    DRAFT.lines().map(Line::paragraph).collect()
}

/// The campaigns: texts circulated for people to send, and the part each is about.
const CAMPAIGNS: [(&str, &str); 4] = [
    (
        "dieu-4",
        "Đề nghị Ban soạn thảo bỏ quy định thu phí thẩm định hồ sơ phản ánh, kiến nghị của doanh nghiệp vì phản ánh là quyền của doanh nghiệp, \
         thu phí sẽ làm doanh nghiệp ngại phản ánh và trái với chủ trương cắt giảm chi phí tuân thủ",
    ),
    (
        "dieu-3-khoan-1",
        "Thời hạn 05 ngày làm việc là quá dài đối với những phản ánh đơn giản như thái độ của cán bộ hay hồ sơ bị trả chậm, \
         đề nghị quy định xử lý trong 02 ngày làm việc và trả lời ngay qua tin nhắn cho người phản ánh",
    ),
    (
        "dieu-3-khoan-3",
        "Đề nghị công khai kết quả xử lý từng phản ánh kèm tên cơ quan, thời gian xử lý thực tế và mức độ hài lòng của người phản ánh \
         trên Cổng thông tin điện tử để người dân giám sát",
    ),
    (
        "toan-van",
        "Tôi hoàn toàn đồng ý với dự thảo Quy chế, đề nghị sớm ban hành để người dân và doanh nghiệp có kênh phản ánh rõ ràng, \
         được trả lời đúng hạn và biết kết quả xử lý",
    ),
];

const OWN_OPENINGS: [&str; 8] = [
    "Theo tôi",
    "Tôi đề nghị",
    "Kính gửi Ban soạn thảo,",
    "Góp ý:",
    "Ý kiến của doanh nghiệp chúng tôi:",
    "Qua thực tế đi làm thủ tục, tôi thấy",
    "Xin góp ý là",
    "Đề nghị xem xét:",
];

const OWN_POINTS: [&str; 16] = [
    "cần bổ sung kênh tiếp nhận qua Zalo vì người lớn tuổi ít dùng thư điện tử",
    "nên quy định rõ trách nhiệm của người đứng đầu khi để phản ánh quá hạn",
    "cần có số điện thoại đường dây nóng của từng xã để người dân gọi",
    "Điều 2 nên thêm đối tượng là người nước ngoài cư trú trên địa bàn",
    "phản ánh trùng lặp nên được gộp lại và trả lời một lần",
    "cần bảo vệ thông tin cá nhân của người phản ánh, không để lộ cho cơ quan bị phản ánh",
    "nên cho phép gửi kèm ảnh chụp, ghi âm làm bằng chứng",
    "thời hạn 10 ngày cho trường hợp phức tạp cần nói rõ thế nào là phức tạp",
    "đề nghị cho người phản ánh được đánh giá mức độ hài lòng với kết quả xử lý",
    "cần quy định việc chuyển phản ánh sai thẩm quyền trong 01 ngày làm việc",
    "Bộ phận Một cửa cấp xã nên có người trực tiếp nhận phản ánh vào buổi sáng thứ Bảy",
    "nên thống kê phản ánh theo từng thủ tục để biết thủ tục nào gây khó khăn nhất",
    "phí thẩm định nếu giữ thì nên hoàn lại khi phản ánh được xác định là đúng",
    "Điều 5 nên để hiệu lực sau 15 ngày kể từ ngày ký để các xã kịp chuẩn bị",
    "cần hướng dẫn cách phản ánh bằng tiếng dân tộc thiểu số ở vùng sâu, vùng xa",
    "kết quả xử lý nên gửi qua tin nhắn vì nhiều người không vào cổng thông tin",
];

/// What a person adds of their own case: the procedure, where and how long it took.
const PROCEDURES: [&str; 10] = [
    "đăng ký khai sinh",
    "cấp giấy chứng nhận quyền sử dụng đất",
    "đăng ký kinh doanh hộ cá thể",
    "chứng thực bản sao",
    "cấp phép xây dựng nhà ở",
    "đăng ký thường trú",
    "cấp đổi giấy phép lái xe",
    "xác nhận tình trạng hôn nhân",
    "trợ cấp xã hội",
    "đăng ký khai tử",
];
const PLACES: [&str; 12] =
    ["An Lạc", "Bắc Sơn", "Nam Sơn", "Đông Hòa", "Tây Ninh", "Hòa Bình", "Tân Phú", "Phước Long", "Vĩnh Thạnh", "Long Hải", "Cẩm Lệ", "Ea Kar"];

const GREETINGS: [&str; 5] = ["Kính gửi Ban soạn thảo.", "Xin chào.", "Ý kiến cá nhân:", "Tôi xin góp ý:", "Chúng tôi thống nhất ý kiến sau:"];
const SWAPS: [(&str, &str); 6] =
    [("Đề nghị", "Kiến nghị"), ("quá dài", "rất dài"), ("người dân", "bà con"), ("sớm", "nhanh chóng"), ("rõ ràng", "minh bạch"), ("vì", "bởi vì")];

/// One generated comment: the part it is on, its text, the campaign it copies (`None` for a
/// person's own words) and the position it truly takes (the campaign, or its own text), by
/// which a grouping is scored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeneratedComment {
    pub anchor: &'static str,
    pub text: String,
    pub campaign: Option<usize>,
    pub position: String,
}

/// Drops Vietnamese tones as a phone keyboard without them would.
fn without_tones(text: &str) -> String {
    domain::invitations::ascii(text)
}

/// `count` comments; a share `copies` (0 to 1) are campaign copies.
pub fn comments(seed: u64, count: usize, copies: f64) -> Vec<GeneratedComment> {
    let mut dice = SplitMix(seed);
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        if dice.unit() < copies {
            let campaign = dice.below(CAMPAIGNS.len() as u64) as usize;
            let (anchor, base) = CAMPAIGNS[campaign];
            let mut text = base.to_string();
            if dice.unit() < 0.5 {
                let (from, to) = SWAPS[dice.below(SWAPS.len() as u64) as usize];
                text = text.replacen(from, to, 1);
            }
            if dice.unit() < 0.4 {
                text = format!("{} {text}", GREETINGS[dice.below(GREETINGS.len() as u64) as usize]);
            }
            if dice.unit() < 0.2 {
                text = without_tones(&text);
            }
            if dice.unit() < 0.3 {
                text.push_str(&format!(". Trân trọng, người góp ý số {}.", i + 1));
            }
            out.push(GeneratedComment { anchor, text, campaign: Some(campaign), position: format!("campaign {campaign}") });
        } else {
            // A person's own words: an opening, a point, and their own case told their own way.
            let opening = OWN_OPENINGS[dice.below(OWN_OPENINGS.len() as u64) as usize];
            let point = OWN_POINTS[dice.below(OWN_POINTS.len() as u64) as usize];
            let anchors = ["toan-van", "dieu-1", "dieu-2", "dieu-2-khoan-2", "dieu-3", "dieu-3-khoan-2", "dieu-4-khoan-1", "dieu-5"];
            let anchor = anchors[dice.below(anchors.len() as u64) as usize];
            let procedure = PROCEDURES[dice.below(PROCEDURES.len() as u64) as usize];
            let place = PLACES[dice.below(PLACES.len() as u64) as usize];
            let days = 2 + dice.below(40);
            let case = match dice.below(4) {
                0 => format!("Năm ngoái tôi {procedure} ở {place}, chờ {days} ngày mới xong."),
                1 => format!("Gia đình tôi từng đi {procedure} tại {place} và phải quay lại {} lần.", 2 + days % 5),
                2 => format!("Hồ sơ {procedure} của hàng xóm tôi ở {place} bị trả chậm {days} ngày mà không ai báo."),
                _ => format!("Ở {place} việc {procedure} nhiều khi kéo dài tới {days} ngày."),
            };
            let text = format!("{opening} {point}. {case}");
            out.push(GeneratedComment { anchor, position: text.clone(), text, campaign: None });
        }
    }
    out
}

/// A ward's plan put to its people, closed and reported.
const PLAN: &str = "KẾ HOẠCH
Cải cách hành chính năm 2027 của Phường An Lạc
I. MỤC ĐÍCH, YÊU CẦU
Nâng cao chất lượng phục vụ người dân, doanh nghiệp; giảm thời gian giải quyết thủ tục hành chính.
II. NHIỆM VỤ
Mở rộng tiếp nhận hồ sơ trực tuyến toàn trình; bố trí công chức hướng dẫn tại Bộ phận Một cửa vào sáng thứ Bảy; công khai kết quả giải quyết hồ sơ hằng tháng.
III. TỔ CHỨC THỰC HIỆN
Văn phòng HĐND và UBND phường chủ trì, phối hợp các đơn vị liên quan.";

fn access(role: Role, unit: i64) -> Access {
    Access::new(vec![Grant { role, unit }])
}

/// The demo's consultations: the Department of Justice's draft regulation, open, with a few
/// hundred comments (moderated, some waiting), votes and first answers; and a ward's plan of the
/// year, closed, answered and reported.
pub async fn load(store: &Store, now_ms: i64) -> anyhow::Result<()> {
    let rules = Rules::default();
    let justice = store.public_unit_by_code("STP").await?.id;
    let official = access(Role::UnitOfficial, justice);
    let opens_at = now_ms - 10 * DAY;
    let actor = Actor::system("stp.canbo", opens_at - DAY);
    let settings = Settings {
        title: "Dự thảo Quyết định ban hành Quy chế tiếp nhận, xử lý phản ánh, kiến nghị của người dân, doanh nghiệp về thủ tục hành chính".into(),
        summary: "Sở Tư pháp lấy ý kiến người dân, doanh nghiệp về dự thảo Quy chế, nhất là thời hạn xử lý (Điều 3) và phí thẩm định hồ sơ (Điều 4).".into(),
        subject: Subject::LegalDraft,
        audience: Audience::Everyone,
        invited: Vec::new(),
        moderation: Moderation::Before,
        opens_at,
        closes_at: opens_at + 30 * DAY,
    };
    let id = store.create_consultation(&actor, &official, justice, settings, &rules).await?;
    store.save_consultation_text(&actor, &official, id, &outline(&draft_lines())?).await?;
    store.publish_consultation(&actor, &official, id).await?;
    let mut dice = SplitMix(2027);
    let generated = comments(2026, 240, 0.7);
    let mut published = Vec::new();
    for (i, c) in generated.iter().enumerate() {
        let at = opens_at + (i as i64 * 10 * DAY) / generated.len() as i64;
        let token = format!("demo-participant-{i:04}");
        let kind = if dice.unit() < 0.15 { ParticipantKind::Business } else { ParticipantKind::Person };
        let form = CommentForm {
            body: c.text.clone(),
            organisation: if kind == ParticipantKind::Business { "Công ty TNHH Thương mại An Phát".into() } else { String::new() },
            contact: if dice.unit() < 0.3 { format!("09{:08}", dice.below(100_000_000)) } else { String::new() },
            ..CommentForm::default()
        };
        let receipt = store.submit_comment(id, Visitor { token: &token, units: &[], identity: None }, kind, c.anchor, &form, at).await?;
        // The newest wait for moderation; a few are refused.
        if i + 20 < generated.len() {
            let decision =
                if dice.unit() < 0.04 { Decision::Reject { reason: "Nội dung không liên quan đến dự thảo.".into() } } else { Decision::Publish };
            store.moderate_comment(&Actor::system("stp.canbo", at + 3_600_000), &official, id, receipt.id, &decision).await?;
            if decision == Decision::Publish {
                published.push((receipt.id, token));
            }
        }
    }
    while store.group_comments(storage::consultation::GROUPING_STEP).await? > 0 {}
    for voter in 0..300 {
        let (comment, author) = &published[dice.below(published.len() as u64) as usize];
        let token = format!("demo-participant-{:04}", dice.below(400));
        if &token == author {
            continue;
        }
        let vote = if dice.unit() < 0.8 { Vote::Agree } else { Vote::Disagree };
        store.vote(id, Visitor { token: &token, units: &[], identity: None }, *comment, vote, now_ms - DAY + voter).await?;
    }
    let top = store.positions(id, &[], storage::Paging::new(1, 2)).await?;
    for (position, (verdict, answer)) in top.items.iter().zip([
        (Verdict::Accepted, "Tiếp thu: dự thảo bỏ quy định thu phí thẩm định hồ sơ phản ánh, kiến nghị (Điều 4)."),
        (Verdict::Explained, "Giải trình: thời hạn 05 ngày làm việc là thời hạn tối đa; phản ánh đơn giản được xử lý và trả lời ngay trong ngày."),
    ]) {
        store.answer_position(&Actor::system("stp.giamdoc", now_ms - 3_600_000), &official, id, position.group_id, verdict, answer).await?;
    }

    // The ward's plan: opened two months ago for a month, answered and reported.
    let ward = store.public_unit_by_code("28101").await?.id;
    let ward_official = access(Role::UnitOfficial, ward);
    let opens_at = now_ms - 60 * DAY;
    let actor = Actor::system("anlac.canbo", opens_at - DAY);
    let settings = Settings {
        title: "Dự thảo Kế hoạch cải cách hành chính năm 2027 của Phường An Lạc".into(),
        summary: "Ủy ban nhân dân phường lấy ý kiến người dân về các nhiệm vụ cải cách hành chính năm 2027.".into(),
        subject: Subject::Plan,
        audience: Audience::Everyone,
        invited: Vec::new(),
        moderation: Moderation::After,
        opens_at,
        closes_at: opens_at + 30 * DAY,
    };
    let plan = store.create_consultation(&actor, &ward_official, ward, settings, &rules).await?;
    let lines: Vec<Line> = PLAN.lines().map(Line::paragraph).collect();
    store.save_consultation_text(&actor, &ward_official, plan, &outline(&lines)?).await?;
    store.publish_consultation(&actor, &ward_official, plan).await?;
    for (i, c) in comments(2027, 40, 0.5).iter().enumerate() {
        let token = format!("demo-plan-{i:03}");
        let form = CommentForm { body: c.text.clone(), ..CommentForm::default() };
        store
            .submit_comment(
                plan,
                Visitor { token: &token, units: &[], identity: None },
                ParticipantKind::Person,
                "toan-van",
                &form,
                opens_at + i as i64 * DAY / 2,
            )
            .await?;
    }
    while store.group_comments(storage::consultation::GROUPING_STEP).await? > 0 {}
    let answering = Actor::system("anlac.canbo", opens_at + 31 * DAY);
    loop {
        let open = store.answer_queue(&ward_official, plan, true, storage::Paging::new(1, 100)).await?;
        if open.items.is_empty() {
            break;
        }
        for position in open.items {
            let (verdict, answer) = if position.supporters > 1 {
                (Verdict::Accepted, "Tiếp thu và bổ sung vào nhiệm vụ của Kế hoạch.")
            } else {
                (Verdict::Explained, "Giải trình: nội dung đã có trong các văn bản hướng dẫn hiện hành; phường sẽ tổ chức thực hiện.")
            };
            store.answer_position(&answering, &ward_official, plan, position.group_id, verdict, answer).await?;
        }
    }
    let final_text =
        format!("{PLAN}\nIV. BỔ SUNG SAU LẤY Ý KIẾN\nTiếp nhận phản ánh qua Zalo; công khai kết quả xử lý phản ánh trên Cổng thông tin điện tử của phường.");
    store.publish_report(&Actor::system("anlac.chutich", now_ms - 20 * DAY), &ward_official, plan, &final_text, now_ms - 20 * DAY).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_draft_outlines_and_comments_are_repeatable() {
        let outline = domain::consultation::outline(&draft_lines()).unwrap();
        let anchors: Vec<&str> = outline.parts.iter().map(|p| p.anchor.as_str()).collect();
        for generated in comments(7, 200, 0.7) {
            assert!(anchors.contains(&generated.anchor), "{}", generated.anchor);
        }
        assert_eq!(comments(7, 50, 0.7), comments(7, 50, 0.7));
        let copies = comments(7, 1_000, 0.7).iter().filter(|c| c.campaign.is_some()).count();
        assert!((650..750).contains(&copies), "{copies}");
    }
}
