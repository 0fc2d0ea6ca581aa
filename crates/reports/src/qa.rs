//! The report on questions and feedback over a period ("Báo cáo kết quả tiếp nhận, trả lời câu
//! hỏi, phản ánh, kiến nghị"): what came in, what was answered and on time, what waits past its
//! deadline, unit by unit, as an official document of the reform office.

use domain::qa::Tally;
use domain::text::{format_count, format_number};

use crate::document::{Block, Closing, Column, Document, Row, Table};
use crate::office::Office;

/// What the report counts.
#[derive(Clone, Debug)]
pub struct Statistics {
    /// `dd/mm/yyyy` both, the last included.
    pub from: String,
    pub to: String,
    /// Each unit, by name, with its record.
    pub units: Vec<(String, Tally)>,
    pub total: Tally,
}

const COLUMNS: [(&str, f32, bool); 8] = [
    ("Đơn vị", 3.0, false),
    ("Tiếp nhận", 1.0, true),
    ("Đã trả lời", 1.0, true),
    ("Đúng hạn (%)", 1.0, true),
    ("Đang xử lý", 1.0, true),
    ("Quá hạn", 1.0, true),
    ("Ngày làm việc bình quân", 1.2, true),
    ("Hữu ích (%)", 1.0, true),
];

fn optional(value: Option<f64>) -> String {
    value.map_or_else(|| "—".into(), |v| format_number(v, 1))
}

fn row(unit: &str, t: &Tally) -> Row {
    Row::of(vec![
        unit.to_string(),
        format_count(t.received),
        format_count(t.answered),
        optional(t.on_time_percent()),
        format_count(t.pending),
        format_count(t.overdue),
        optional(t.mean_days()),
        optional(t.useful_percent()),
    ])
}

/// Every unit's record, and the total.
pub fn table(statistics: &Statistics) -> Table {
    let mut rows: Vec<Row> = statistics.units.iter().map(|(unit, t)| row(unit, t)).collect();
    rows.push(row("Tổng cộng", &statistics.total));
    Table {
        caption: "Kết quả tiếp nhận, trả lời theo đơn vị".into(),
        columns: COLUMNS.iter().map(|(label, width, numeric)| if *numeric { Column::number(label, *width) } else { Column::text(label, *width) }).collect(),
        rows,
    }
}

/// The report, issued by the reform office.
pub fn report(office: &Office, statistics: &Statistics) -> Document {
    let t = &statistics.total;
    let late: Vec<String> = statistics.units.iter().filter(|(_, u)| u.overdue > 0).map(|(unit, u)| format!("{unit} ({})", format_count(u.overdue))).collect();
    let body = vec![
        Block::Heading { level: 1, text: "I. TÌNH HÌNH TIẾP NHẬN".into() },
        Block::Paragraph {
            text: format!(
                "Từ ngày {} đến ngày {}, hệ thống tiếp nhận {} câu hỏi, phản ánh, kiến nghị của người dân, doanh nghiệp; đã trả lời {} ({} đúng hạn, tỷ lệ {} %), \
                 đang xử lý {} (trong đó {} quá hạn), không thụ lý {}.",
                statistics.from,
                statistics.to,
                format_count(t.received),
                format_count(t.answered),
                format_count(t.on_time),
                optional(t.on_time_percent()),
                format_count(t.pending),
                format_count(t.overdue),
                format_count(t.declined),
            ),
        },
        Block::Paragraph {
            text: format!(
                "Thời gian trả lời bình quân {} ngày làm việc. Người hỏi và người đọc đánh giá câu trả lời hữu ích {} lượt, chưa hữu ích {} lượt.",
                optional(t.mean_days()),
                format_count(t.useful),
                format_count(t.not_useful)
            ),
        },
        Block::Heading { level: 1, text: "II. KẾT QUẢ THEO ĐƠN VỊ".into() },
        Block::Table(table(statistics)),
        Block::Heading { level: 1, text: "III. ĐƠN VỊ CÓ CÂU HỎI QUÁ HẠN".into() },
        Block::Paragraph {
            text: if late.is_empty() {
                "Không có đơn vị nào để câu hỏi quá hạn trả lời.".into()
            } else {
                format!("Các đơn vị còn câu hỏi quá hạn: {}. Đề nghị các đơn vị khẩn trương trả lời.", late.join("; "))
            },
        },
    ];
    Document {
        heading: office.unit_heading("Sở Nội vụ", "BC-SNV"),
        kind: "BÁO CÁO".into(),
        subject: format!("Kết quả tiếp nhận, trả lời câu hỏi, phản ánh, kiến nghị từ ngày {} đến ngày {}", statistics.from, statistics.to),
        body,
        closing: Some(Closing {
            recipients: vec!["UBND tỉnh (để báo cáo)".into(), "Các sở, ban, ngành; UBND cấp xã".into(), "Lưu: VT, CCHC".into()],
            authority: vec!["GIÁM ĐỐC".into()],
            signer: String::new(),
        }),
        appendices: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_counts_and_names_the_late_units() {
        let unit = Tally { received: 10, answered: 8, on_time: 6, overdue: 1, pending: 2, answer_days: 40, useful: 3, not_useful: 1, ..Tally::default() };
        let statistics = Statistics { from: "01/01/2026".into(), to: "31/03/2026".into(), units: vec![("Phường An Lạc".into(), unit)], total: unit };
        let office = Office { province: "Tỉnh An Lạc".into(), date: time::macros::date!(2026 - 04 - 01) };
        let document = report(&office, &statistics);
        let text = format!("{:?}", document.body);
        assert!(text.contains("tiếp nhận 10 câu hỏi") && text.contains("tỷ lệ 75,0 %") && text.contains("5,0 ngày làm việc"), "{text}");
        assert!(text.contains("Phường An Lạc (1)"));
        assert_eq!(table(&statistics).rows.len(), 2);
    }
}
