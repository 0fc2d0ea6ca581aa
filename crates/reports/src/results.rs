//! The documents drawn from the results database (`domain::results`): the PAR INDEX annual
//! report, the decision announcing PAR INDEX and SIPAS results with its appendix tables, and
//! one unit's report card. A result is compared with last year's through the unit's lineage:
//! a merged commune is compared with the communes it was formed from, and editions of two
//! methodology versions are never compared.

use domain::results::{IndexCode, IndexResult, change, change_text, definition};
use domain::text::{format_count, format_number};

use crate::charts::{self, Axis, Line, Point};
use crate::document::{Appendix, Block, Column, Document, Figure, Row, Table, roman};
use crate::office::{Office, Texts, paragraphs};

/// A result beside last year's of the same unit (or of what it was formed from).
#[derive(Clone, Debug)]
pub struct Compared {
    pub result: IndexResult,
    pub previous: Option<IndexResult>,
}

impl Compared {
    pub fn change(&self) -> Option<f64> {
        self.previous.as_ref().and_then(|p| change(&self.result, p))
    }

    /// Last year's score, or a dash.
    fn previous_text(&self) -> String {
        self.previous.as_ref().map_or_else(|| "–".into(), IndexResult::score_text)
    }

    /// The unit's name, and what it was formed from when last year's score is theirs:
    /// `Phường An Lạc (trước sắp xếp: Phường Bắc Sơn, Phường Nam Sơn)`.
    fn unit_text(&self) -> String {
        match &self.previous {
            Some(p) if p.unit_id != self.result.unit_id => format!("{} (trước sắp xếp: {})", self.result.unit_name, p.unit_name),
            _ => self.result.unit_name.clone(),
        }
    }
}

/// The units of one level (departments, communes), ranked.
#[derive(Clone, Debug)]
pub struct Group {
    pub label: String,
    pub results: Vec<Compared>,
}

const RECIPIENTS: [&str; 5] =
    ["Bộ Nội vụ", "Thường trực Tỉnh ủy, HĐND tỉnh", "Chủ tịch, các Phó Chủ tịch UBND tỉnh", "Các sở, ban, ngành; UBND các xã, phường", "Lưu: VT, SNV"];

fn rank(r: &IndexResult) -> String {
    r.rank.map_or("–".into(), |n| n.to_string())
}

/// A group's results: rank, unit, score, class, last year and the change.
fn results_table(caption: String, group: &Group) -> Table {
    Table {
        caption,
        columns: vec![
            Column::number("Hạng", 1.0),
            Column::text("Đơn vị", 5.0),
            Column::number("Điểm", 1.6),
            Column::text("Xếp loại", 1.8),
            Column::number("Năm trước", 1.6),
            Column::number("Thay đổi", 1.5),
        ],
        rows: group
            .results
            .iter()
            .map(|c| {
                let r = &c.result;
                Row::of(vec![rank(r), c.unit_text(), r.score_text(), r.class.clone(), c.previous_text(), change_text(c.change())])
            })
            .collect(),
    }
}

/// The average of each component (field) over a group's results, in the order the results
/// give them, beside the most it can score where the methodology says; none without components.
fn fields_table(caption: String, group: &Group) -> Option<Table> {
    let mut fields: Vec<(&str, &str, f64, usize)> = Vec::new();
    for c in group.results.iter().flat_map(|c| &c.result.components) {
        match fields.iter_mut().find(|f| f.0 == c.code) {
            Some(f) => {
                f.2 += c.score;
                f.3 += 1;
            }
            None => fields.push((&c.code, &c.name, c.score, 1)),
        }
    }
    if fields.is_empty() {
        return None;
    }
    let first = &group.results.first()?.result;
    let max = |code: &str| definition(first.index, first.year).and_then(|d| d.components.iter().find(|c| c.code == code).and_then(|c| c.max));
    Some(Table {
        caption,
        columns: vec![Column::text("Mã", 1.0), Column::text("Lĩnh vực", 6.0), Column::number("Điểm tối đa", 1.6), Column::number("Bình quân", 1.6)],
        rows: fields
            .iter()
            .map(|(code, name, sum, n)| {
                Row::of(vec![code.to_string(), name.to_string(), max(code).map_or("–".into(), |m| format_number(m, 2)), format_number(sum / *n as f64, 2)])
            })
            .collect(),
    })
}

/// How many units got each class, per group.
fn classes_table(caption: String, groups: &[Group]) -> Table {
    let mut classes: Vec<String> = Vec::new();
    for c in groups.iter().flat_map(|g| &g.results) {
        if !c.result.class.is_empty() && !classes.contains(&c.result.class) {
            classes.push(c.result.class.clone());
        }
    }
    let mut columns = vec![Column::text("Nhóm", 4.0)];
    columns.extend(classes.iter().map(|c| Column::number(c, 1.6)));
    columns.push(Column::number("Tổng", 1.4));
    let rows = groups
        .iter()
        .map(|g| {
            let mut cells = vec![g.label.clone()];
            cells.extend(classes.iter().map(|class| format_count(g.results.iter().filter(|c| &c.result.class == class).count() as u64)));
            cells.push(format_count(g.results.len() as u64));
            Row::of(cells)
        })
        .collect();
    Table { caption, columns, rows }
}

/// The group's highest and lowest, its average, and how many rose on last year.
fn summary(group: &Group) -> Option<String> {
    let scores: Vec<&IndexResult> = group.results.iter().map(|c| &c.result).collect();
    let best = scores.iter().max_by(|a, b| a.score.total_cmp(&b.score))?;
    let worst = scores.iter().min_by(|a, b| a.score.total_cmp(&b.score))?;
    let average = scores.iter().map(|r| r.score).sum::<f64>() / scores.len() as f64;
    let compared: Vec<f64> = group.results.iter().filter_map(Compared::change).collect();
    let rose = compared.iter().filter(|c| **c > 0.0).count();
    Some(format!(
        "{}: {} đơn vị; điểm bình quân {}; cao nhất {} ({}), thấp nhất {} ({}). So với năm trước, {}/{} đơn vị có điểm tăng.",
        group.label,
        format_count(scores.len() as u64),
        format_number(average, 2),
        best.unit_name,
        best.score_text(),
        worst.unit_name,
        worst.score_text(),
        format_count(rose as u64),
        format_count(compared.len() as u64),
    ))
}

/// Bars of a small group's scores (0–100); none past 30 units, where only the table reads.
fn bars(title: &str, group: &Group) -> Option<Block> {
    if group.results.is_empty() || group.results.len() > 30 {
        return None;
    }
    let points: Vec<Point> = group.results.iter().map(|c| Point { label: c.result.unit_name.clone(), value: Some(c.result.score), few: false }).collect();
    Some(Figure::chart(title, &charts::bars(title, &points, None)))
}

/// The PAR INDEX annual report.
pub fn par_annual(office: &Office, year: i32, groups: &[Group], texts: &Texts) -> Document {
    let mut body = vec![Block::Heading { level: 1, text: "I. KHÁI QUÁT".into() }];
    body.extend(paragraphs(&texts.introduction));
    if let Some(def) = definition(IndexCode::Par, year) {
        body.push(Block::Paragraph {
            text: format!(
                "Chỉ số cải cách hành chính năm {year} được đánh giá theo {} (phiên bản {}), thang điểm {}.",
                def.basis,
                def.version,
                def.scale.describe()
            ),
        });
    }
    body.extend(groups.iter().filter_map(summary).map(|text| Block::Paragraph { text }));
    body.push(Block::Heading { level: 1, text: "II. XẾP LOẠI VÀ LĨNH VỰC".into() });
    body.push(Block::Table(classes_table("Bảng 1. Số đơn vị theo xếp loại".into(), groups)));
    for (i, g) in groups.iter().enumerate() {
        if let Some(t) = fields_table(format!("Bảng {}. Điểm bình quân theo lĩnh vực — {}", 2 + i, g.label), g) {
            body.push(Block::Table(t));
        }
    }
    body.push(Block::Heading { level: 1, text: "III. KẾT QUẢ VÀ XẾP HẠNG".into() });
    for (i, g) in groups.iter().enumerate() {
        body.push(Block::Heading { level: 2, text: format!("{}. {}", i + 1, g.label) });
        body.push(Block::Table(results_table(format!("Bảng {}. Chỉ số cải cách hành chính năm {year} — {}", 2 + groups.len() + i, g.label), g)));
        body.extend(bars(&format!("Chỉ số cải cách hành chính năm {year} — {}", g.label), g));
    }
    body.push(Block::Note {
        text: "Thay đổi: điểm năm nay trừ điểm năm trước của cùng đơn vị, hoặc điểm bình quân (theo tỷ lệ dân số khi có) của các đơn vị đã hợp nhất thành đơn vị (tên trong ngoặc); \
               không so sánh khi hai năm theo hai phiên bản phương pháp khác nhau."
            .into(),
    });
    if !texts.conclusion.trim().is_empty() {
        body.push(Block::Heading { level: 1, text: "IV. KẾT LUẬN VÀ KIẾN NGHỊ".into() });
        body.extend(paragraphs(&texts.conclusion));
    }
    Document {
        heading: office.heading(Some("BC-UBND")),
        kind: "BÁO CÁO".into(),
        subject: format!("Kết quả xác định Chỉ số cải cách hành chính năm {year} của các sở, ban, ngành và Ủy ban nhân dân các xã, phường"),
        body,
        closing: Some(texts.closing(&RECIPIENTS)),
        appendices: Vec::new(),
    }
}

/// The decision announcing the year's PAR INDEX and SIPAS of the units, each in an appendix.
pub fn decision(office: &Office, year: i32, par: &[Group], sipas: &[Group], texts: &Texts) -> Document {
    let committee = format!("Ủy ban nhân dân {}", office.province_in_text());
    let reference = format!("(Kèm theo Quyết định số        /QĐ-UBND ngày      tháng      năm {} của {committee})", office.date.year());
    let basis = [
        "Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;",
        "Căn cứ Nghị quyết số 76/NQ-CP ngày 15 tháng 7 năm 2021 của Chính phủ ban hành Chương trình tổng thể cải cách hành chính nhà nước giai đoạn 2021 – 2030;",
        "Căn cứ Quyết định số 876/QĐ-BNV ngày 10 tháng 11 năm 2022 của Bộ trưởng Bộ Nội vụ phê duyệt Đề án xác định Chỉ số cải cách hành chính và Đề án đo lường sự hài lòng của người dân, tổ chức đối với sự phục vụ của cơ quan hành chính nhà nước;",
        "Theo đề nghị của Giám đốc Sở Nội vụ.",
    ];
    let mut body = vec![Block::Title { text: office.committee() }];
    body.extend(basis.iter().map(|b| Block::Basis { text: b.to_string() }));
    body.push(Block::Title { text: "QUYẾT ĐỊNH:".into() });
    let mut appendices = Vec::new();
    let mut articles = Vec::new();
    for (name, groups) in [(format!("Chỉ số cải cách hành chính năm {year}"), par), (format!("Chỉ số hài lòng về sự phục vụ hành chính năm {year}"), sipas)]
    {
        if groups.iter().all(|g| g.results.is_empty()) {
            continue;
        }
        let label = crate::document::appendix_label(appendices.len());
        articles.push(format!("{name} của các sở, ban, ngành và Ủy ban nhân dân các xã, phường ({label} kèm theo)"));
        let body = groups
            .iter()
            .filter(|g| !g.results.is_empty())
            .enumerate()
            .map(|(i, g)| Block::Table(results_table(format!("{}. {}", roman(i + 1), g.label), g)))
            .collect();
        appendices.push(Appendix { title: name.to_uppercase(), reference: reference.clone(), landscape: false, body });
    }
    body.push(Block::Paragraph { text: format!("Điều 1. Công bố {}.", articles.join("; ")) });
    body.extend(paragraphs(&texts.introduction));
    body.push(Block::Paragraph {
        text: "Điều 2. Thủ trưởng các sở, ban, ngành, Chủ tịch Ủy ban nhân dân các xã, phường căn cứ kết quả được công bố, \
               phân tích những mặt được, chưa được để đề ra giải pháp khắc phục, nâng cao hiệu quả cải cách hành chính."
            .into(),
    });
    body.extend(paragraphs(&texts.conclusion));
    body.push(Block::Paragraph {
        text: "Điều 3. Quyết định này có hiệu lực kể từ ngày ký. Chánh Văn phòng Ủy ban nhân dân tỉnh, Giám đốc Sở Nội vụ, \
               Thủ trưởng các sở, ban, ngành, Chủ tịch Ủy ban nhân dân các xã, phường chịu trách nhiệm thi hành Quyết định này."
            .into(),
    });
    Document {
        heading: office.heading(Some("QĐ-UBND")),
        kind: "QUYẾT ĐỊNH".into(),
        subject: format!("Công bố Chỉ số cải cách hành chính và Chỉ số hài lòng về sự phục vụ hành chính năm {year}"),
        body,
        closing: Some(texts.closing(&["Như Điều 3", "Bộ Nội vụ", "Thường trực Tỉnh ủy, HĐND tỉnh", "Chủ tịch, các Phó Chủ tịch UBND tỉnh", "Lưu: VT, SNV"])),
        appendices,
    }
}

/// One unit's report card: its result in each index of the year beside last year's, its PAR
/// fields, and its PAR and SIPAS over the years. Fits on one page.
pub fn card(office: &Office, unit: &str, year: i32, results: &[Compared], history: &[IndexResult]) -> Document {
    let mut body = vec![Block::Table(Table {
        caption: format!("Kết quả năm {year}"),
        columns: vec![
            Column::text("Chỉ số", 3.4),
            Column::number("Điểm", 1.6),
            Column::number("Xếp hạng", 1.5),
            Column::text("Xếp loại", 1.8),
            Column::number("Năm trước", 2.2),
            Column::number("Thay đổi", 1.5),
        ],
        rows: results
            .iter()
            .map(|c| {
                let r = &c.result;
                Row::of(vec![r.index.short().to_string(), r.score_text(), r.rank_text(), r.class.clone(), c.previous_text(), change_text(c.change())])
            })
            .collect(),
    })];
    for c in results.iter().filter(|c| !c.result.components.is_empty()) {
        let r = &c.result;
        let max = |code: &str| definition(r.index, r.year).and_then(|d| d.components.iter().find(|x| x.code == code).and_then(|x| x.max));
        // The most a component can score, where the methodology gives it.
        let with_max = r.components.iter().any(|x| max(&x.code).is_some());
        let mut columns = vec![Column::text("Thành phần", 6.0), Column::number("Điểm", 1.6)];
        columns.extend(with_max.then(|| Column::number("Tối đa", 1.6)));
        body.push(Block::Table(Table {
            caption: format!("{} — theo thành phần", r.index.short()),
            columns,
            rows: r
                .components
                .iter()
                .map(|x| {
                    let mut cells = vec![x.name.clone(), format_number(x.score, 2)];
                    cells.extend(with_max.then(|| max(&x.code).map_or("–".into(), |m| format_number(m, 2))));
                    Row::of(cells)
                })
                .collect(),
        }));
    }
    let years: Vec<i32> = {
        let mut y: Vec<i32> = history.iter().map(|r| r.year).collect();
        y.sort_unstable();
        y.dedup();
        y
    };
    if years.len() > 1 {
        let labels: Vec<String> = years.iter().map(|y| y.to_string()).collect();
        let line = |index: IndexCode| Line {
            name: index.short().to_string(),
            points: years
                .iter()
                .map(|y| Point { label: y.to_string(), value: history.iter().find(|r| r.index == index && r.year == *y).map(|r| r.score), few: false })
                .collect(),
        };
        let title = format!("{unit} qua các năm");
        let drawn: Vec<Line> = [line(IndexCode::Par), line(IndexCode::Sipas)].into_iter().filter(|l| l.points.iter().any(|p| p.value.is_some())).collect();
        body.push(Figure::chart(&title, &charts::lines(&title, &labels, &drawn, Axis::PERCENT, None, &[])));
    }
    Document {
        heading: office.heading(None),
        kind: "PHIẾU KẾT QUẢ".into(),
        subject: format!("{unit} — năm {year}"),
        body,
        closing: None,
        appendices: Vec::new(),
    }
}
