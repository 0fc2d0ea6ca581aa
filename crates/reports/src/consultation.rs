//! The summary report of a consultation ("Báo cáo tổng hợp, tiếp thu, giải trình ý kiến góp
//! ý"): how the draft was put out and who answered, every position with the drafting unit's
//! answer, and the final text as its appendix. The same table goes into the spreadsheet.

use crate::document::{Appendix, Block, Closing, Column, Document, Row, Table};
use crate::office::{Office, paragraphs};

/// A position as the report lists it.
#[derive(Clone, Debug)]
pub struct Line {
    /// `Khoản 1 Điều 3`, `Toàn văn dự thảo`.
    pub part: String,
    pub text: String,
    /// Who sent the shown comment: an organisation's name, or `Cá nhân`.
    pub by: String,
    pub supporters: i64,
    pub agree: i64,
    pub disagree: i64,
    /// `Tiếp thu`, `Giải trình`, `Không tiếp thu`; empty before the answer.
    pub verdict: String,
    pub answer: String,
}

/// What the report says.
#[derive(Clone, Debug)]
pub struct Summary {
    pub title: String,
    /// The drafting unit, as the register names it.
    pub unit: String,
    pub subject: String,
    pub audience: String,
    /// `dd/mm/yyyy HH:MM` both.
    pub opened: String,
    pub closed: String,
    /// Participants by kind (label, count), how many verified their contact and how many proved
    /// who they are with VNeID.
    pub participants: Vec<(String, i64)>,
    pub verified: i64,
    pub identified: i64,
    pub received: i64,
    pub published: i64,
    pub rejected: i64,
    pub lines: Vec<Line>,
    pub final_text: String,
}

impl Summary {
    fn participants_total(&self) -> i64 {
        self.participants.iter().map(|(_, n)| n).sum()
    }
}

const COLUMNS: [(&str, f32, bool); 7] = [
    ("STT", 0.5, true),
    ("Điều, khoản", 1.3, false),
    ("Nội dung ý kiến", 4.0, false),
    ("Số người cùng ý kiến", 1.0, true),
    ("Đồng tình / không", 1.1, false),
    ("Tiếp thu, giải trình", 1.2, false),
    ("Nội dung tiếp thu, giải trình", 3.5, false),
];

/// Every position with its answer: the report's table and the spreadsheet's rows.
pub fn positions_table(summary: &Summary) -> Table {
    let rows = summary
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            Row::of(vec![
                (i + 1).to_string(),
                l.part.clone(),
                format!("{} ({})", l.text, l.by),
                domain::text::format_count(l.supporters as u64),
                format!("{} / {}", domain::text::format_count(l.agree as u64), domain::text::format_count(l.disagree as u64)),
                if l.verdict.is_empty() { "Chưa trả lời".into() } else { l.verdict.clone() },
                l.answer.clone(),
            ])
        })
        .collect();
    Table {
        caption: "Bảng tổng hợp ý kiến góp ý và việc tiếp thu, giải trình".into(),
        columns: COLUMNS.iter().map(|(label, width, numeric)| if *numeric { Column::number(label, *width) } else { Column::text(label, *width) }).collect(),
        rows,
    }
}

/// The report as an official document of the drafting unit.
pub fn summary(office: &Office, summary: &Summary) -> Document {
    let count = |n: i64| domain::text::format_count(n as u64);
    let kinds: Vec<String> = summary.participants.iter().filter(|(_, n)| *n > 0).map(|(label, n)| format!("{} {}", count(*n), label.to_lowercase())).collect();
    let mut body = vec![
        Block::Heading { level: 1, text: "I. TÌNH HÌNH LẤY Ý KIẾN".into() },
        Block::Paragraph {
            text: format!(
                "{} đã đăng tải {} ({}) trên Cổng thông tin điện tử để lấy ý kiến {} từ {} đến {}.",
                summary.unit,
                summary.title,
                summary.subject.to_lowercase(),
                summary.audience.to_lowercase(),
                summary.opened,
                summary.closed
            ),
        },
        Block::Paragraph {
            text: format!(
                "Có {} người, tổ chức tham gia góp ý{}; {} đã xác thực số điện thoại hoặc thư điện tử, {} đã xác thực bằng tài khoản định danh điện tử (VNeID). Đã nhận {} ý kiến, đăng công khai {} ý kiến, không đăng {} ý kiến (có lý do). \
                 Các ý kiến có cùng nội dung được tổng hợp thành {} nhóm ý kiến dưới đây.",
                count(summary.participants_total()),
                if kinds.is_empty() { String::new() } else { format!(" ({})", kinds.join(", ")) },
                count(summary.verified),
                count(summary.identified),
                count(summary.received),
                count(summary.published),
                count(summary.rejected),
                count(summary.lines.len() as i64),
            ),
        },
        Block::Heading { level: 1, text: "II. TỔNG HỢP, TIẾP THU, GIẢI TRÌNH Ý KIẾN".into() },
    ];
    if summary.lines.is_empty() {
        body.push(Block::Paragraph { text: "Không có ý kiến góp ý được đăng công khai.".into() });
    } else {
        body.push(Block::Table(positions_table(summary)));
    }
    body.push(Block::Heading { level: 1, text: "III. VĂN BẢN ĐÃ CHỈNH LÝ".into() });
    body.push(Block::Paragraph {
        text: "Trên cơ sở tiếp thu, giải trình ý kiến góp ý, dự thảo đã được chỉnh lý (Phụ lục kèm theo).".into()
    });
    let appendix = Appendix {
        title: format!("VĂN BẢN ĐÃ CHỈNH LÝ SAU LẤY Ý KIẾN\n{}", summary.title),
        reference: "(Kèm theo Báo cáo tổng hợp, tiếp thu, giải trình ý kiến góp ý)".into(),
        landscape: false,
        body: paragraphs(&summary.final_text),
    };
    Document {
        heading: office.unit_heading(&summary.unit, "BC"),
        kind: "BÁO CÁO".into(),
        subject: format!("Tổng hợp, tiếp thu, giải trình ý kiến góp ý đối với {}", summary.title),
        body,
        closing: Some(Closing {
            recipients: vec!["Cơ quan thẩm định".into(), "Cổng thông tin điện tử".into(), "Lưu: VT".into()],
            authority: vec!["THỦ TRƯỞNG CƠ QUAN".into()],
            signer: String::new(),
        }),
        appendices: if summary.final_text.trim().is_empty() { Vec::new() } else { vec![appendix] },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_lists_each_position_with_its_answer() {
        let office = Office { province: "Tỉnh An Lạc".into(), date: time::macros::date!(2026 - 12 - 03) };
        let summary = Summary {
            title: "Dự thảo Quy chế tiếp nhận phản ánh".into(),
            unit: "Sở Tư pháp".into(),
            subject: "Dự thảo văn bản quy phạm pháp luật".into(),
            audience: "Mọi người dân, doanh nghiệp, tổ chức".into(),
            opened: "01/11/2026 08:00".into(),
            closed: "01/12/2026 08:00".into(),
            participants: vec![("Cá nhân".into(), 1_200), ("Doanh nghiệp, hộ kinh doanh".into(), 3)],
            verified: 40,
            identified: 12,
            received: 1_250,
            published: 1_240,
            rejected: 10,
            lines: vec![Line {
                part: "Khoản 1 Điều 3".into(),
                text: "Rút ngắn thời hạn xuống 02 ngày".into(),
                by: "Cá nhân".into(),
                supporters: 1_100,
                agree: 30,
                disagree: 2,
                verdict: "Tiếp thu".into(),
                answer: "Đã sửa thành 03 ngày làm việc.".into(),
            }],
            final_text: "Điều 3. Thời hạn xử lý\n1. Trong 03 ngày làm việc.".into(),
        };
        let document = super::summary(&office, &summary);
        assert_eq!((document.heading.authority.as_str(), document.heading.issuer.as_str()), ("ỦY BAN NHÂN DÂN TỈNH AN LẠC", "SỞ TƯ PHÁP"));
        assert_eq!(office.unit_heading("Phường An Lạc", "BC").issuer, "ỦY BAN NHÂN DÂN\nPHƯỜNG AN LẠC");
        assert_eq!(office.unit_heading("Tỉnh An Lạc", "BC").authority, "");
        let Block::Paragraph { text } = &document.body[2] else { panic!() };
        assert!(text.contains("Có 1.203 người, tổ chức") && text.contains("1.200 cá nhân"), "{text}");
        assert!(text.contains("40 đã xác thực số điện thoại hoặc thư điện tử, 12 đã xác thực bằng tài khoản định danh điện tử (VNeID)"), "{text}");
        let table = positions_table(&summary);
        assert_eq!(table.rows[0].cells[3], "1.100");
        assert_eq!(table.rows[0].cells[6], "Đã sửa thành 03 ngày làm việc.");
        assert_eq!(document.appendices[0].body.len(), 2);
    }
}
