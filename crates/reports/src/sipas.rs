//! The SIPAS documents: the annual report on citizens' satisfaction (Kế hoạch 3509, mục II.3)
//! and the monthly statistics form sent to units. Every figure comes from
//! `domain::sipas::figures`, the same as the dashboards show.

use domain::sipas::figures::{Drilldown, Overview, margin, percent, signed};
use domain::sipas::index::Figure as Measure;
use domain::text::format_count;

use crate::charts::{self, Point};
use crate::document::{Block, Column, Document, Figure, Row, Table};
use crate::office::{Office, Texts, paragraphs};

/// The parts of the annual report one may leave out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    /// Sample and participation per unit and channel.
    Participation,
    /// Figures per element and criterion, with margins.
    Elements,
    /// The units' tables and rankings.
    Rankings,
    /// What people want improved.
    Expectations,
    /// A summary of people's comments: how many, in what mood, on which topics.
    Comments,
}

impl Section {
    pub const ALL: [Section; 5] = [Self::Participation, Self::Elements, Self::Rankings, Self::Expectations, Self::Comments];

    pub fn code(self) -> &'static str {
        match self {
            Self::Participation => "tham-gia",
            Self::Elements => "yeu-to",
            Self::Rankings => "xep-hang",
            Self::Expectations => "mong-muon",
            Self::Comments => "y-kien",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Participation => "Mẫu khảo sát và mức độ tham gia theo đơn vị, kênh",
            Self::Elements => "Kết quả theo yếu tố, tiêu chí (có sai số)",
            Self::Rankings => "Bảng kết quả và xếp hạng các đơn vị",
            Self::Expectations => "Nội dung người dân mong muốn cải thiện",
            Self::Comments => "Tóm tắt ý kiến góp ý của người dân, tổ chức",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// The responses of each unit per channel.
#[derive(Clone, Debug)]
pub struct Participation {
    /// The channels' names, in the order of each row's counts.
    pub channels: Vec<String>,
    pub rows: Vec<Responses>,
    /// The whole area's responses per channel (a unit's subtree counts under it as well).
    pub total: Vec<u64>,
}

#[derive(Clone, Debug)]
pub struct Responses {
    pub code: String,
    pub name: String,
    /// Per channel, in the order of [`Participation::channels`].
    pub counts: Vec<u64>,
}

impl Participation {
    /// A unit's responses per channel; none counted, zeros.
    pub fn counts(&self, code: &str) -> Vec<u64> {
        self.rows.iter().find(|r| r.code == code).map_or_else(|| vec![0; self.channels.len()], |r| r.counts.clone())
    }
}

/// Comments counted by their mood: not satisfied, neutral, praising.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Moods {
    pub negative: u64,
    pub neutral: u64,
    pub positive: u64,
}

impl Moods {
    pub fn total(&self) -> u64 {
        self.negative + self.neutral + self.positive
    }
}

/// The year's comments, as the comment analysis read them.
#[derive(Clone, Debug, Default)]
pub struct Comments {
    pub all: Moods,
    /// Each topic's name and its comments (a comment may fall under several topics).
    pub topics: Vec<(String, Moods)>,
}

/// Topics a report lists: the most complained of.
const TOPICS_LISTED: usize = 10;

/// What the annual report is drawn from.
pub struct Annual<'a> {
    pub year: i32,
    /// The province in depth: elements, criteria, channels, months.
    pub province: &'a Drilldown,
    /// One ranked table per level (departments, communes, …).
    pub rankings: &'a [Overview],
    pub participation: &'a Participation,
    pub comments: &'a Comments,
    pub sections: &'a [Section],
    pub texts: &'a Texts,
}

/// Up to this many units, a level's ranking also gets a bar chart; past it only the table.
const CHART_UNITS: usize = 30;

const RECIPIENTS: [&str; 6] = [
    "Bộ Nội vụ",
    "Thường trực Tỉnh ủy",
    "Thường trực HĐND tỉnh",
    "Chủ tịch, các Phó Chủ tịch UBND tỉnh",
    "Các sở, ban, ngành; UBND các xã, phường",
    "Lưu: VT, SNV",
];

fn heading(text: String) -> Block {
    Block::Heading { level: 1, text }
}

fn subheading(text: String) -> Block {
    Block::Heading { level: 2, text }
}

/// `91,3 % (± 2,4 điểm %)`.
fn stated(figure: &Measure) -> String {
    match (figure.value, figure.margin) {
        (Some(_), Some(m)) => format!("{} % (± {} điểm %)", percent(figure.value), domain::text::format_number(m, 1)),
        _ => format!("{} %", percent(figure.value)),
    }
}

fn figure_cells(figure: &Measure) -> [String; 3] {
    [percent(figure.value), margin(figure), format_count(figure.n)]
}

pub fn annual(office: &Office, data: &Annual<'_>) -> Document {
    let report = &data.province.report;
    let wants = |s: Section| data.sections.contains(&s);
    let mut body = Vec::new();
    let mut number = 0;
    let mut next = |title: &str| {
        number += 1;
        heading(format!("{}. {title}", crate::document::roman(number)))
    };

    body.push(next("MỤC ĐÍCH, PHƯƠNG PHÁP"));
    body.extend(paragraphs(&data.texts.introduction));
    body.push(Block::Paragraph {
        text: format!(
            "Kết quả được tính theo phương pháp {} ({}), từ các phiếu khảo sát năm {} của tỉnh. Sai số là nửa khoảng tin cậy 95 %; \
             chỉ số dựa trên dưới 30 câu trả lời hợp lệ được nêu nhưng không dùng để so sánh.",
            report.methodology,
            domain::sipas::figures::rules_label(report),
            data.year
        ),
    });

    if wants(Section::Participation) {
        body.push(next("MẪU KHẢO SÁT VÀ MỨC ĐỘ THAM GIA"));
        body.push(Block::Paragraph {
            text: format!(
                "Năm {}, toàn tỉnh thu được {} phiếu, trong đó {} phiếu có câu trả lời hợp lệ cho chỉ số chung.",
                data.year,
                format_count(report.overall.n),
                format_count(report.overall.valid)
            ),
        });
        body.push(Block::Table(Table {
            caption: "Bảng 1. Số phiếu và chỉ số hài lòng theo kênh khảo sát".into(),
            columns: vec![Column::text("Kênh", 4.0), Column::number("Số phiếu", 2.0), Column::number("Chỉ số (%)", 2.0), Column::number("Sai số ±", 2.0)],
            rows: data
                .province
                .channels
                .iter()
                .map(|s| Row::of(vec![s.label.clone(), format_count(s.figure.n), percent(s.figure.value), margin(&s.figure)]))
                .collect(),
        }));
        body.push(participation_table(data.participation));
    }

    if wants(Section::Elements) {
        body.push(next("KẾT QUẢ CHỈ SỐ HÀI LÒNG"));
        body.push(Block::Paragraph {
            text: format!(
                "Chỉ số hài lòng chung của tỉnh năm {} đạt {}{}.",
                data.year,
                stated(&report.overall),
                data.province.previous.map_or(String::new(), |p| format!(", năm trước {} %", domain::text::format_number(p, 1)))
            ),
        });
        body.push(subheading("1. Theo yếu tố và tiêu chí".into()));
        let mut rows = Vec::new();
        for e in &report.elements {
            rows.push(Row::strong([vec![e.code.clone(), e.label.clone()], figure_cells(&e.figure).to_vec()].concat()));
            rows.extend(e.criteria.iter().map(|c| Row::of([vec![c.code.clone(), c.label.clone()], figure_cells(&c.figure).to_vec()].concat())));
        }
        body.push(Block::Table(Table {
            caption: "Bảng 3. Chỉ số hài lòng theo yếu tố, tiêu chí".into(),
            columns: vec![
                Column::text("Mã", 1.2),
                Column::text("Yếu tố / tiêu chí", 6.0),
                Column::number("Chỉ số (%)", 1.6),
                Column::number("Sai số ±", 1.6),
                Column::number("Số phiếu", 1.6),
            ],
            rows,
        }));
        let elements: Vec<Point> = report.elements.iter().map(|e| Point::of(&e.label, &e.figure)).collect();
        body.push(Figure::chart("Chỉ số hài lòng theo yếu tố", &charts::bars("Chỉ số hài lòng theo yếu tố", &elements, None)));
        body.push(subheading("2. Theo tháng".into()));
        let months = charts::points(&data.province.trend);
        body.push(Figure::chart("Chỉ số hài lòng chung theo tháng", &charts::trend("Chỉ số hài lòng chung theo tháng", &months, None)));
    }

    if wants(Section::Rankings) {
        body.push(next("KẾT QUẢ VÀ XẾP HẠNG CÁC ĐƠN VỊ"));
        for (i, overview) in data.rankings.iter().enumerate() {
            body.push(subheading(format!("{}. {}", i + 1, overview.level)));
            body.extend(ranking(overview, &format!("Bảng {}. Xếp hạng chỉ số hài lòng — {}", 4 + i, overview.level)));
        }
    }

    if wants(Section::Expectations) && !report.expectations.is_empty() {
        body.push(next("NỘI DUNG NGƯỜI DÂN MONG MUỐN CẢI THIỆN"));
        for e in &report.expectations {
            // The most chosen first; what nobody chose is left out.
            let mut shares: Vec<_> = e.shares.iter().filter(|s| s.count > 0).collect();
            shares.sort_by_key(|s| std::cmp::Reverse(s.count));
            let element = report.elements.iter().find(|x| x.code == e.element).map_or(e.element.as_str(), |x| x.label.as_str());
            body.push(Block::Table(Table {
                caption: format!("{element}: {}", e.text),
                columns: vec![Column::text("Nội dung", 6.0), Column::number("Số lượt chọn", 2.0), Column::number("Tỷ lệ (%)", 2.0)],
                rows: shares.iter().map(|s| Row::of(vec![s.label.clone(), format_count(s.count), percent(s.percent)])).collect(),
            }));
        }
    }

    if wants(Section::Comments) {
        body.push(next("TÓM TẮT Ý KIẾN GÓP Ý CỦA NGƯỜI DÂN, TỔ CHỨC"));
        body.extend(comments_summary(data.year, data.comments));
    }

    if !data.texts.conclusion.trim().is_empty() {
        body.push(next("KẾT LUẬN VÀ KIẾN NGHỊ"));
        body.extend(paragraphs(&data.texts.conclusion));
    }

    Document {
        heading: office.heading(Some("BC-UBND")),
        kind: "BÁO CÁO".into(),
        subject: format!("Kết quả đo lường sự hài lòng của người dân, tổ chức đối với sự phục vụ của cơ quan hành chính nhà nước năm {}", data.year),
        body,
        closing: Some(data.texts.closing(&RECIPIENTS)),
        appendices: Vec::new(),
    }
}

fn participation_table(p: &Participation) -> Block {
    let mut columns = vec![Column::text("Đơn vị", 5.0)];
    columns.extend(p.channels.iter().map(|c| Column::number(c, 1.6)));
    columns.push(Column::number("Tổng", 1.6));
    let line = |name: &str, counts: &[u64]| {
        [vec![name.to_string()], counts.iter().map(|c| format_count(*c)).collect(), vec![format_count(counts.iter().sum())]].concat()
    };
    let mut rows: Vec<Row> = p.rows.iter().map(|r| Row::of(line(&r.name, &r.counts))).collect();
    rows.push(Row::strong(line("Toàn tỉnh", &p.total)));
    Block::Table(Table { caption: "Bảng 2. Số phiếu theo đơn vị và kênh khảo sát".into(), columns, rows })
}

/// A level's ranked table, the area's total first; a bar chart when the level is small.
pub fn ranking(overview: &Overview, caption: &str) -> Vec<Block> {
    let mut columns = vec![Column::number("Hạng", 1.0), Column::text("Đơn vị", 5.0), Column::number("Chỉ số (%)", 1.6), Column::number("Sai số ±", 1.6)];
    columns.extend([Column::number("Số phiếu", 1.6), Column::number("Thay đổi (điểm %)", 1.8)]);
    let line = |rank: String, row: &domain::sipas::figures::Row| {
        vec![rank, row.name.clone(), percent(row.figure.value), margin(&row.figure), format_count(row.figure.n), signed(row.change)]
    };
    let mut rows = vec![Row::strong(line(String::new(), &overview.total))];
    rows.extend(overview.rows.iter().map(|r| Row::of(line(r.rank.map_or("–".into(), |n| n.to_string()), r))));
    let mut blocks = vec![Block::Table(Table { caption: caption.to_string(), columns, rows })];
    if (1..=CHART_UNITS).contains(&overview.rows.len()) {
        let points: Vec<Point> = overview.rows.iter().map(|r| Point::of(&r.name, &r.figure)).collect();
        let title = format!("Chỉ số hài lòng — {}", overview.level);
        blocks.push(Figure::chart(&title, &charts::bars(&title, &points, None)));
    }
    blocks
}

/// The monthly statistics form (biểu thống kê) of one month: for each unit, its responses per
/// channel, its index and the change on the month before. Also written as XLSX by the web layer
/// from [`monthly_table`].
pub fn monthly(office: &Office, overview: &Overview, participation: &Participation) -> Document {
    Document {
        heading: office.heading(None),
        kind: "BIỂU THỐNG KÊ".into(),
        subject: format!("Kết quả khảo sát sự hài lòng tháng {} — {}", overview.period, overview.level),
        body: vec![
            Block::Note { text: format!("Phương pháp: {}. {}.", overview.methodology, overview.rules) },
            Block::Table(monthly_table(overview, participation)),
            Block::Note { text: "Thay đổi: so với tháng trước, tính bằng điểm phần trăm. Dấu – : không có phiếu hợp lệ.".into() },
        ],
        closing: None,
        appendices: Vec::new(),
    }
}

/// The form's one table.
pub fn monthly_table(overview: &Overview, participation: &Participation) -> Table {
    let mut columns = vec![Column::text("Đơn vị", 5.0)];
    columns.extend(participation.channels.iter().map(|c| Column::number(c, 1.4)));
    columns.extend([Column::number("Tổng số phiếu", 1.6), Column::number("Chỉ số (%)", 1.5), Column::number("Thay đổi", 1.5)]);
    let line = |row: &domain::sipas::figures::Row, by_channel: Vec<u64>| {
        let mut cells = vec![row.name.clone()];
        cells.extend(by_channel.iter().map(|c| format_count(*c)));
        cells.extend([format_count(row.figure.n), percent(row.figure.value), signed(row.change)]);
        cells
    };
    let mut rows: Vec<Row> = overview.rows.iter().map(|r| Row::of(line(r, participation.counts(&r.code)))).collect();
    rows.push(Row::strong(line(&overview.total, participation.total.clone())));
    Table { caption: String::new(), columns, rows }
}

/// The comments' section: how many were read and in what mood, then the topics most complained
/// of with their counts.
fn comments_summary(year: i32, comments: &Comments) -> Vec<Block> {
    let all = &comments.all;
    if all.total() == 0 {
        return vec![Block::Paragraph { text: format!("Năm {year} chưa có ý kiến góp ý nào được phân tích.") }];
    }
    let share = |n: u64| percent(Some(n as f64 * 100.0 / all.total() as f64));
    let mut blocks = vec![Block::Paragraph {
        text: format!(
            "Năm {year}, {} ý kiến góp ý ghi trong phiếu được phân tích: {} ý kiến chưa hài lòng ({} %), {} ý kiến trung tính ({} %), {} ý kiến khen ngợi ({} %). \
             Một ý kiến có thể thuộc nhiều chủ đề.",
            format_count(all.total()),
            format_count(all.negative),
            share(all.negative),
            format_count(all.neutral),
            share(all.neutral),
            format_count(all.positive),
            share(all.positive)
        ),
    }];
    let mut topics: Vec<&(String, Moods)> = comments.topics.iter().filter(|(_, m)| m.total() > 0).collect();
    topics.sort_by(|a, b| b.1.negative.cmp(&a.1.negative).then(b.1.total().cmp(&a.1.total())).then(a.0.cmp(&b.0)));
    if !topics.is_empty() {
        blocks.push(Block::Table(Table {
            caption: format!("Các chủ đề được góp ý nhiều nhất (tối đa {TOPICS_LISTED} chủ đề, xếp theo số ý kiến chưa hài lòng)"),
            columns: vec![
                Column::text("Chủ đề", 5.0),
                Column::number("Số ý kiến", 1.6),
                Column::number("Chưa hài lòng", 1.8),
                Column::number("Trung tính", 1.6),
                Column::number("Khen ngợi", 1.6),
            ],
            rows: topics
                .into_iter()
                .take(TOPICS_LISTED)
                .map(|(name, m)| {
                    Row::of(vec![name.clone(), format_count(m.total()), format_count(m.negative), format_count(m.neutral), format_count(m.positive)])
                })
                .collect(),
        }));
    }
    blocks
}
