//! A draft's structure from its text: the Vietnamese legal document's parts ("Phần thứ nhất"),
//! chapters ("Chương I"), sections ("Mục 1"), articles ("Điều 3. Tên điều"), clauses ("1.")
//! and points ("a)"), as the Law on Promulgation of Legal Documents numbers them. People comment
//! on the whole draft or on one of these.

use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::text;

vocabulary!(Level {
    Whole = "toan-van", "Toàn văn";
    Part = "phan", "Phần";
    Chapter = "chuong", "Chương";
    Section = "muc", "Mục";
    Article = "dieu", "Điều";
    Clause = "khoan", "Khoản";
    Point = "diem", "Điểm";
});

impl Level {
    /// Headings nest by this rank: a chapter closes the article before it, a clause does not.
    fn rank(self) -> u8 {
        self as u8
    }
}

/// One line of the draft as read: a paragraph, or a table row with its cells joined.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub text: String,
    /// Table rows are text of the part they sit in, never headings.
    pub in_table: bool,
}

impl Line {
    pub fn paragraph(text: impl Into<String>) -> Self {
        Self { text: text.into(), in_table: false }
    }
}

/// A part of the draft people can comment on. `parent` is the index of the part it sits in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Part {
    pub level: Level,
    /// "I", "3", "a", "thứ nhất"; empty for the whole.
    pub number: String,
    /// The name after the number ("Phạm vi điều chỉnh"); clauses and points have none.
    pub heading: String,
    /// The text under the heading, lines joined by `\n`.
    pub body: String,
    pub parent: Option<usize>,
    /// Unique in the draft, used in addresses: `dieu-3`, `dieu-3-khoan-2-diem-a`.
    pub anchor: String,
}

/// The draft as parts, the whole first (its body is what precedes the first heading).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outline {
    pub parts: Vec<Part>,
}

/// What a draft may hold: a long law has a few hundred articles and a few thousand clauses.
pub const MAX_PARTS: usize = 5_000;
pub const MAX_TEXT_BYTES: usize = 2 << 20;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OutlineError {
    #[error("Dự thảo trống: hãy dán toàn văn hoặc tải lên tệp .docx.")]
    Empty,
    #[error("Dự thảo dài hơn 2 MB chữ: quá dài cho một văn bản lấy ý kiến.")]
    TooLong,
    #[error("Dự thảo có hơn 5.000 điều, khoản, điểm: quá nhiều cho một văn bản lấy ý kiến.")]
    TooManyParts,
}

static PART: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)^phần\s+(thứ\s+[\p{L}]+|[IVXLC]+|\d+)\b[.:]?\s*(.*)$").unwrap());
static CHAPTER: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)^chương\s+([IVXLC]+|\d+)\b[.:]?\s*(.*)$").unwrap());
static SECTION: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)^mục\s+(\d+|[IVXLC]+)\b[.:]?\s*(.*)$").unwrap());
static ARTICLE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)^điều\s+(\d+[a-zđ]?)\s*[.:]\s*(.*)$").unwrap());
static CLAUSE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^(\d{1,3})\.\s+(\S.*)$").unwrap());
static POINT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^([a-zđ])\)\s+(\S.*)$").unwrap());

/// The heading a line opens, if any, with its number and the text after it. Clauses open only
/// inside an article and points only inside an article or a clause: elsewhere "1." is a list.
fn heading(line: &str, inside: Option<Level>) -> Option<(Level, String, String)> {
    let found = |re: &Regex, level: Level| re.captures(line).map(|c| (level, c[1].to_string(), c[2].trim().to_string()));
    let in_article = matches!(inside, Some(Level::Article | Level::Clause | Level::Point));
    found(&PART, Level::Part)
        .or_else(|| found(&CHAPTER, Level::Chapter))
        .or_else(|| found(&SECTION, Level::Section))
        .or_else(|| found(&ARTICLE, Level::Article))
        .or_else(|| if in_article { found(&CLAUSE, Level::Clause) } else { None })
        .or_else(|| if in_article { found(&POINT, Level::Point) } else { None })
}

/// Splits a draft into its parts. Lines in quotation marks are quoted text (an amending law
/// quotes the articles it changes) and stay in the part they sit in.
pub fn outline(lines: &[Line]) -> Result<Outline, OutlineError> {
    if lines.iter().map(|l| l.text.len()).sum::<usize>() > MAX_TEXT_BYTES {
        return Err(OutlineError::TooLong);
    }
    let whole = Part { level: Level::Whole, number: String::new(), heading: String::new(), body: String::new(), parent: None, anchor: "toan-van".into() };
    let mut anchors = Anchors::default();
    anchors.taken.insert(whole.anchor.clone());
    let mut parts = vec![whole];
    // The open parts, outermost first: where the next line's text goes.
    let mut open: Vec<usize> = vec![0];
    let mut awaiting_title = false;
    for line in lines {
        let cleaned = text::clean(&line.text);
        if cleaned.is_empty() {
            continue;
        }
        let current = *open.last().expect("the whole stays open");
        let quoted = cleaned.starts_with(['"', '“', '«', '\'']);
        let found = if line.in_table || quoted { None } else { heading(&cleaned, Some(parts[current].level)) };
        match found {
            Some((level, number, rest)) => {
                if parts.len() >= MAX_PARTS {
                    return Err(OutlineError::TooManyParts);
                }
                while parts[*open.last().expect("the whole stays open")].level.rank() >= level.rank() {
                    open.pop();
                }
                let parent = *open.last().expect("the whole stays open");
                let is_item = matches!(level, Level::Clause | Level::Point);
                let (heading, body) = if is_item { (String::new(), rest) } else { (rest, String::new()) };
                awaiting_title = heading.is_empty() && matches!(level, Level::Part | Level::Chapter | Level::Section);
                let number = normal_number(level, &number);
                let anchor = anchors.unique(&parts[parent].anchor, level, &number);
                parts.push(Part { level, number, heading, body, parent: Some(parent), anchor });
                open.push(parts.len() - 1);
            }
            None if awaiting_title => {
                parts[current].heading = cleaned;
                awaiting_title = false;
            }
            None => {
                let body = &mut parts[current].body;
                if !body.is_empty() {
                    body.push('\n');
                }
                body.push_str(&cleaned);
            }
        }
    }
    if parts.len() == 1 && parts[0].body.is_empty() {
        return Err(OutlineError::Empty);
    }
    Ok(Outline { parts })
}

/// Roman numerals of parts, chapters and sections in capitals ("chương ii" → "II"), the
/// words of "Phần thứ nhất" in lower case; articles' and points' numbers as written ("3a", "đ").
fn normal_number(level: Level, number: &str) -> String {
    let roman = number.chars().all(|c| "ivxlcIVXLC".contains(c));
    match level {
        Level::Part | Level::Chapter | Level::Section if roman => number.to_uppercase(),
        Level::Part => text::clean(&number.to_lowercase()),
        _ => number.to_string(),
    }
}

/// The anchors given so far, and for each base the next number to try, so that a draft of
/// thousands of "Điều 1." lines is numbered in one pass, not by searching all parts each time.
#[derive(Default)]
struct Anchors {
    taken: std::collections::HashSet<String>,
    next: std::collections::HashMap<String, u32>,
}

impl Anchors {
    /// `dieu-3`, `dieu-3-khoan-2`, `dieu-3-khoan-2-diem-a`: articles stand alone (their numbers
    /// run through the draft), clauses and points carry their parent's; a number met twice gets
    /// `-2`.
    fn unique(&mut self, parent: &str, level: Level, number: &str) -> String {
        let own = format!("{}-{}", level.code(), text::fold(number).replace(' ', "-"));
        let base = match level {
            Level::Clause | Level::Point => format!("{parent}-{own}"),
            _ => own,
        };
        let mut anchor = base.clone();
        let n = self.next.entry(base.clone()).or_insert(2);
        while self.taken.contains(&anchor) {
            anchor = format!("{base}-{n}");
            *n += 1;
        }
        self.taken.insert(anchor.clone());
        anchor
    }
}

impl Outline {
    /// "Điều 3", "Khoản 2 Điều 3", "Điểm a Khoản 2 Điều 3", "Chương II", "Toàn văn dự thảo".
    pub fn label(&self, index: usize) -> String {
        let part = &self.parts[index];
        match part.level {
            Level::Whole => "Toàn văn dự thảo".into(),
            Level::Part => format!("Phần {}", part.number),
            Level::Clause | Level::Point => {
                let own = format!("{} {}", part.level.label(), part.number);
                match part.parent {
                    Some(parent) if matches!(self.parts[parent].level, Level::Article | Level::Clause) => format!("{own} {}", self.label(parent)),
                    _ => own,
                }
            }
            _ => format!("{} {}", part.level.label(), part.number),
        }
    }

    /// The article a part belongs to (itself for an article), for counts beside each article.
    pub fn article_of(&self, index: usize) -> Option<usize> {
        let mut at = Some(index);
        while let Some(i) = at {
            if self.parts[i].level == Level::Article {
                return Some(i);
            }
            at = self.parts[i].parent;
        }
        None
    }

    /// The parts inside `index`, at any depth, in order.
    pub fn descendants(&self, index: usize) -> Vec<usize> {
        let mut inside = vec![false; self.parts.len()];
        let mut found = Vec::new();
        for (i, part) in self.parts.iter().enumerate().skip(index + 1) {
            if part.parent.is_some_and(|p| p == index || inside[p]) {
                inside[i] = true;
                found.push(i);
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<Line> {
        text.lines().map(Line::paragraph).collect()
    }

    const DRAFT: &str = "ỦY BAN NHÂN DÂN TỈNH AN LẠC
QUYẾT ĐỊNH
Ban hành Quy chế tiếp nhận, xử lý phản ánh, kiến nghị
Chương I
QUY ĐỊNH CHUNG
Điều 1. Phạm vi điều chỉnh
Quy chế này quy định việc tiếp nhận phản ánh.
Điều 2. Đối tượng áp dụng
1. Cơ quan hành chính nhà nước các cấp.
2. Cá nhân, tổ chức có phản ánh:
a) Người dân;
b) Doanh nghiệp;
đ) Hợp tác xã.
Chương II
TIẾP NHẬN VÀ XỬ LÝ
Mục 1. TIẾP NHẬN
Điều 3. Thời hạn
1. Trong 05 ngày làm việc kể từ ngày nhận.
\"Điều 9. Điều khoản được trích dẫn\"
Điều 4: Hiệu lực
Quyết định có hiệu lực từ ngày ký.";

    #[test]
    fn a_draft_splits_into_chapters_articles_clauses_and_points() {
        let outline = outline(&lines(DRAFT)).unwrap();
        let anchors: Vec<&str> = outline.parts.iter().map(|p| p.anchor.as_str()).collect();
        assert_eq!(
            anchors,
            [
                "toan-van",
                "chuong-i",
                "dieu-1",
                "dieu-2",
                "dieu-2-khoan-1",
                "dieu-2-khoan-2",
                "dieu-2-khoan-2-diem-a",
                "dieu-2-khoan-2-diem-b",
                "dieu-2-khoan-2-diem-d",
                "chuong-ii",
                "muc-1",
                "dieu-3",
                "dieu-3-khoan-1",
                "dieu-4"
            ]
        );
        let whole = &outline.parts[0];
        assert!(whole.body.starts_with("ỦY BAN NHÂN DÂN TỈNH AN LẠC\nQUYẾT ĐỊNH"));
        assert_eq!(outline.parts[1].heading, "QUY ĐỊNH CHUNG", "a chapter's name is on the line after it");
        assert_eq!(outline.parts[2].heading, "Phạm vi điều chỉnh");
        assert_eq!(outline.parts[2].body, "Quy chế này quy định việc tiếp nhận phản ánh.");
        assert_eq!(outline.parts[5].body, "Cá nhân, tổ chức có phản ánh:");
        assert_eq!(outline.parts[8].number, "đ");
        assert_eq!(outline.parts[10].heading, "TIẾP NHẬN");
        // Quoted text stays in the clause that quotes it.
        assert!(outline.parts[12].body.ends_with("\"Điều 9. Điều khoản được trích dẫn\""));
        assert_eq!(outline.parts[13].heading, "Hiệu lực");
        assert_eq!(outline.label(7), "Điểm b Khoản 2 Điều 2");
        assert_eq!(outline.label(4), "Khoản 1 Điều 2");
        assert_eq!(outline.label(9), "Chương II");
        assert_eq!(outline.article_of(7), Some(3));
        assert_eq!(outline.article_of(1), None);
        assert_eq!(outline.descendants(3), vec![4, 5, 6, 7, 8]);
    }

    #[test]
    fn numbered_lists_outside_articles_and_table_rows_are_text() {
        let mut input = lines("Căn cứ:\n1. Luật Tổ chức chính quyền địa phương;\nĐiều 1. Bảng phí\na) Mức thu:");
        input.push(Line { text: "Điều 2 | Phí thẩm định | 50.000".into(), in_table: true });
        let outline = outline(&input).unwrap();
        assert_eq!(outline.parts.len(), 3);
        assert_eq!(outline.parts[0].body, "Căn cứ:\n1. Luật Tổ chức chính quyền địa phương;");
        assert_eq!(outline.parts[2].body, "Mức thu:\nĐiều 2 | Phí thẩm định | 50.000");
    }

    #[test]
    fn repeated_numbers_get_distinct_anchors_and_limits_hold() {
        let outline = outline(&lines("Điều 1. A\nĐiều 1. B\nPhần thứ nhất\nNHỮNG QUY ĐỊNH CHUNG")).unwrap();
        assert_eq!(outline.parts[2].anchor, "dieu-1-2");
        assert_eq!(outline.parts[3].anchor, "phan-thu-nhat");
        assert_eq!(outline.label(3), "Phần thứ nhất");
        assert_eq!(super::outline(&lines("\n  \n")), Err(OutlineError::Empty));
        let many: Vec<Line> = (1..=MAX_PARTS + 1).map(|i| Line::paragraph(format!("Điều {i}. Tên"))).collect();
        assert_eq!(super::outline(&many), Err(OutlineError::TooManyParts));
        // The same number thousands of times is numbered in one pass.
        let same: Vec<Line> = (1..MAX_PARTS).map(|_| Line::paragraph("Điều 1. Tên")).collect();
        let outline = super::outline(&same).unwrap();
        assert_eq!(outline.parts.last().unwrap().anchor, format!("dieu-1-{}", MAX_PARTS - 1));
        assert_eq!(super::outline(&[Line::paragraph("x".repeat(MAX_TEXT_BYTES + 1))]), Err(OutlineError::TooLong));
    }
}
