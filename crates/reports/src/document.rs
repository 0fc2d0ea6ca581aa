//! An official document as data: what Nghị định 30/2020/NĐ-CP (Phụ lục I) asks of its parts —
//! the issuing body and the national motto side by side, number and symbol, place and date, the
//! kind of document and its subject, the body, the recipients and the signature, the appendices.
//! Both the PDF and the DOCX are drawn from the same value, so the two never say different things.

use serde::Serialize;

/// A document ready to be drawn.
#[derive(Clone, Debug, Serialize)]
pub struct Document {
    pub heading: Heading,
    /// The kind of document, as printed: `BÁO CÁO`, `QUYẾT ĐỊNH`; empty for a form or a card.
    pub kind: String,
    /// What it is about (trích yếu), under the kind.
    pub subject: String,
    pub body: Vec<Block>,
    pub closing: Option<Closing>,
    pub appendices: Vec<Appendix>,
}

/// The lines at the top of the first page.
#[derive(Clone, Debug, Serialize)]
pub struct Heading {
    /// The body above the issuer (cơ quan chủ quản), line breaks kept; empty when there is none.
    pub authority: String,
    /// The issuing body (cơ quan ban hành); a line break where the heading breaks it.
    pub issuer: String,
    /// `Số: 15/BC-UBND`; empty for a document without a number (a card, a form).
    pub number: String,
    /// `An Lạc, ngày 02 tháng 12 năm 2026`, see [`place_and_date`].
    pub place_date: String,
}

/// One piece of the body, in order.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Block {
    /// A heading: level 1 (`I. KẾT QUẢ`) or 2 (`1. Theo kênh`).
    Heading {
        level: u8,
        text: String,
    },
    Paragraph {
        text: String,
    },
    /// A line centred in bold: the body that decides, `QUYẾT ĐỊNH:`.
    Title {
        text: String,
    },
    /// A legal basis of a decision (căn cứ), in italics.
    Basis {
        text: String,
    },
    /// A smaller note, in italics: how a figure was computed, where it comes from.
    Note {
        text: String,
    },
    Table(Table),
    Figure(Figure),
}

/// A table whose header repeats on every page it runs over.
#[derive(Clone, Debug, Serialize)]
pub struct Table {
    pub caption: String,
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Column {
    pub label: String,
    /// Figures are set to the right, words to the left.
    pub numeric: bool,
    /// The column's share of the width, against the others.
    pub width: f32,
}

impl Column {
    pub fn text(label: &str, width: f32) -> Self {
        Self { label: label.to_string(), numeric: false, width }
    }

    pub fn number(label: &str, width: f32) -> Self {
        Self { label: label.to_string(), numeric: true, width }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Row {
    pub cells: Vec<String>,
    /// A total or a yardstick line, in bold.
    pub strong: bool,
}

impl Row {
    pub fn of(cells: Vec<String>) -> Self {
        Self { cells, strong: false }
    }

    pub fn strong(cells: Vec<String>) -> Self {
        Self { cells, strong: true }
    }
}

/// A chart: the SVG of [`crate::charts`], drawn as vector graphics in the PDF.
#[derive(Clone, Debug, Serialize)]
pub struct Figure {
    pub caption: String,
    /// A stand-alone SVG file, styles included.
    pub svg: String,
}

impl Figure {
    /// A chart as drawn for the pages, made to stand alone.
    pub fn chart(caption: &str, svg: &str) -> Block {
        Block::Figure(Self { caption: caption.to_string(), svg: crate::charts::printable(svg) })
    }
}

/// The end of the document: who receives it, who signs.
#[derive(Clone, Debug, Serialize)]
pub struct Closing {
    /// Each recipient, without the leading dash; the last is usually `Lưu: VT, …`.
    pub recipients: Vec<String>,
    /// The signing authority, one line each: `TM. ỦY BAN NHÂN DÂN`, `KT. CHỦ TỊCH`, `PHÓ CHỦ TỊCH`.
    pub authority: Vec<String>,
    pub signer: String,
}

/// An appendix (phụ lục), on its own pages, numbered in Roman figures.
#[derive(Clone, Debug, Serialize)]
pub struct Appendix {
    pub title: String,
    /// `(Kèm theo Quyết định số 15/QĐ-UBND ngày 02/12/2026 của Ủy ban nhân dân tỉnh)`.
    pub reference: String,
    /// Wide tables print across the page.
    pub landscape: bool,
    pub body: Vec<Block>,
}

/// `An Lạc, ngày 02 tháng 12 năm 2026`: the decree writes days below ten and the months
/// January and February with a leading zero, the other months without.
pub fn place_and_date(place: &str, year: i32, month: u8, day: u8) -> String {
    let month = if month < 3 { format!("{month:02}") } else { month.to_string() };
    format!("{place}, ngày {day:02} tháng {month} năm {year}")
}

/// `Phụ lục I` for the first appendix.
pub fn appendix_label(index: usize) -> String {
    format!("Phụ lục {}", roman(index + 1))
}

/// `I`, `II`, … for appendices and level-1 headings.
pub fn roman(n: usize) -> String {
    const DIGITS: [(usize, &str); 13] =
        [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")];
    let mut rest = n;
    let mut out = String::new();
    for (value, digits) in DIGITS {
        while rest >= value {
            out.push_str(digits);
            rest -= value;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_follow_the_decree() {
        assert_eq!(place_and_date("An Lạc", 2026, 1, 5), "An Lạc, ngày 05 tháng 01 năm 2026");
        assert_eq!(place_and_date("An Lạc", 2026, 2, 28), "An Lạc, ngày 28 tháng 02 năm 2026");
        assert_eq!(place_and_date("An Lạc", 2026, 3, 9), "An Lạc, ngày 09 tháng 3 năm 2026");
        assert_eq!(place_and_date("An Lạc", 2026, 12, 2), "An Lạc, ngày 02 tháng 12 năm 2026");
    }

    #[test]
    fn roman_figures() {
        let got: Vec<String> = [1, 2, 3, 4, 9, 14, 40].into_iter().map(roman).collect();
        assert_eq!(got, ["I", "II", "III", "IV", "IX", "XIV", "XL"]);
    }
}
