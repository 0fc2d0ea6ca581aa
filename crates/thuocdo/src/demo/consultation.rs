//! A consultation's demo draft and its comments as they come on a real rule: most are copies
//! of a few campaign texts (Regulations.gov sees about 70 % on large rules), each copy a little
//! edited (a word changed, a greeting added, tones dropped on a phone keyboard), the rest each
//! person's own. Deterministic, and each comment knows its campaign, so grouping can be scored.

use domain::consultation::Line;
use domain::sampling::SplitMix;

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

const GREETINGS: [&str; 5] = ["Kính gửi Ban soạn thảo.", "Xin chào.", "Ý kiến cá nhân:", "Tôi xin góp ý:", "Chúng tôi thống nhất ý kiến sau:"];
const SWAPS: [(&str, &str); 6] =
    [("Đề nghị", "Kiến nghị"), ("quá dài", "rất dài"), ("người dân", "bà con"), ("sớm", "nhanh chóng"), ("rõ ràng", "minh bạch"), ("vì", "bởi vì")];

/// One generated comment: the part it is on, its text, the campaign it copies (`None` for a
/// person's own words) and the position it truly takes (the campaign, or the points made), by
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
            // A person's own words: an opening and two or three points, in their order.
            let opening = OWN_OPENINGS[dice.below(OWN_OPENINGS.len() as u64) as usize];
            let points: Vec<&str> = (0..2 + dice.below(2)).map(|_| OWN_POINTS[dice.below(OWN_POINTS.len() as u64) as usize]).collect();
            let anchors = ["toan-van", "dieu-1", "dieu-2", "dieu-2-khoan-2", "dieu-3", "dieu-3-khoan-2", "dieu-4-khoan-1", "dieu-5"];
            let anchor = anchors[dice.below(anchors.len() as u64) as usize];
            let text = format!("{opening} {}; ngoài ra {}.", points[0], points[1..].join(", "));
            let mut made = points.clone();
            made.sort_unstable();
            made.dedup();
            out.push(GeneratedComment { anchor, text, campaign: None, position: made.join(" | ") });
        }
    }
    out
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
