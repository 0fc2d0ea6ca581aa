//! The text of a Word document (`.docx`) as lines: each paragraph one line, each table row one
//! line of its cells. Numbers that Word draws itself (automatic numbering: "Điều 1.", "1.",
//! "a)") are written out as Word shows them, because a draft's structure is read from them.
//! The file is checked whole before it is read, as an XLSX is: a DOCX is a ZIP of XML parts.

use std::collections::HashMap;
use std::io::{Cursor, Read};

use domain::consultation::Line;
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use crate::read::{Limits, SheetError, check_unpacked_size};

/// A draft of a few hundred pages is a few megabytes of XML.
const LIMITS: Limits = Limits { rows: 0, columns: 0, cells: 0, unpacked_bytes: 64 << 20 };
/// Lines a document may have.
const MAX_LINES: usize = 50_000;

/// How a numbering level writes its number: the format and the text around it ("%1.", "%2)").
#[derive(Clone, Debug, Default)]
struct Level {
    format: String,
    text: String,
    start: u32,
}

/// Word's numbering definitions: for each list (`numId`), its levels.
#[derive(Debug, Default)]
struct Numbering {
    lists: HashMap<String, Vec<Level>>,
    /// The running counters of each list.
    counters: HashMap<String, Vec<u32>>,
}

fn attribute(e: &BytesStart, name: &str) -> Option<String> {
    e.try_get_attribute(name).ok().flatten().map(|a| a.value.into_owned())
}

fn part(archive: &mut zip::ZipArchive<Cursor<&[u8]>>, name: &str) -> Result<Option<String>, SheetError> {
    let mut file = match archive.by_name(name) {
        Ok(file) => file,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(SheetError::Unreadable(e.to_string())),
    };
    let mut text = String::new();
    file.by_ref().take(LIMITS.unpacked_bytes).read_to_string(&mut text).map_err(|e| SheetError::Unreadable(e.to_string()))?;
    Ok(Some(text))
}

fn unreadable(e: impl std::fmt::Display) -> SheetError {
    SheetError::Unreadable(e.to_string())
}

impl Numbering {
    fn read(xml: &str) -> Result<Self, SheetError> {
        let mut abstracts: HashMap<String, Vec<Level>> = HashMap::new();
        let mut links: Vec<(String, String)> = Vec::new();
        let (mut current_abstract, mut current_num, mut level): (Option<String>, Option<String>, Option<usize>) = (None, None, None);
        let mut reader = Reader::from_str(xml);
        loop {
            match reader.read_event().map_err(unreadable)? {
                Event::Start(e) | Event::Empty(e) => match e.name().as_ref() {
                    "w:abstractNum" => current_abstract = attribute(&e, "w:abstractNumId"),
                    "w:num" => current_num = attribute(&e, "w:numId"),
                    "w:abstractNumId" => {
                        if let (Some(num), Some(target)) = (&current_num, attribute(&e, "w:val")) {
                            links.push((num.clone(), target));
                        }
                    }
                    "w:lvl" => {
                        level = attribute(&e, "w:ilvl").and_then(|l| l.parse().ok()).filter(|l: &usize| *l < 9);
                        if let (Some(id), Some(l)) = (&current_abstract, level) {
                            let levels = abstracts.entry(id.clone()).or_default();
                            if levels.len() <= l {
                                levels.resize(l + 1, Level { start: 1, ..Level::default() });
                            }
                        }
                    }
                    name @ ("w:numFmt" | "w:lvlText" | "w:start") => {
                        if let (Some(id), Some(l), Some(value)) = (&current_abstract, level, attribute(&e, "w:val"))
                            && let Some(slot) = abstracts.get_mut(id).and_then(|levels| levels.get_mut(l))
                        {
                            match name {
                                "w:numFmt" => slot.format = value,
                                "w:lvlText" => slot.text = value,
                                _ => slot.start = value.parse().unwrap_or(1),
                            }
                        }
                    }
                    _ => {}
                },
                Event::End(e) if e.name().as_ref() == "w:abstractNum" => current_abstract = None,
                Event::End(e) if e.name().as_ref() == "w:num" => current_num = None,
                Event::Eof => break,
                _ => {}
            }
        }
        let lists = links.into_iter().filter_map(|(num, target)| abstracts.get(&target).map(|levels| (num, levels.clone()))).collect();
        Ok(Self { lists, counters: HashMap::new() })
    }

    /// The number Word shows before the next paragraph of list `num` at `level`.
    fn next(&mut self, num: &str, level: usize) -> String {
        let Some(levels) = self.lists.get(num) else { return String::new() };
        if level >= levels.len() {
            return String::new();
        }
        let counters = self.counters.entry(num.to_string()).or_insert_with(|| levels.iter().map(|l| l.start.saturating_sub(1)).collect());
        counters[level] += 1;
        for (deeper, counter) in counters.iter_mut().enumerate().skip(level + 1) {
            *counter = levels[deeper].start.saturating_sub(1);
        }
        let mut shown = levels[level].text.clone();
        for (i, l) in levels.iter().enumerate().take(level + 1) {
            shown = shown.replace(&format!("%{}", i + 1), &formatted(counters[i], &l.format));
        }
        if levels[level].format == "bullet" || levels[level].format == "none" { String::new() } else { shown }
    }
}

/// A counter in a numbering format: "3", "c", "III"; Vietnamese points skip no letter but add
/// "đ" after "d", as drafts do.
fn formatted(n: u32, format: &str) -> String {
    match format {
        "lowerLetter" | "upperLetter" => {
            const LETTERS: [&str; 24] =
                ["a", "b", "c", "d", "đ", "e", "g", "h", "i", "k", "l", "m", "n", "o", "p", "q", "r", "s", "t", "u", "v", "x", "y", "z"];
            let letter = LETTERS.get((n.max(1) - 1) as usize % LETTERS.len()).copied().unwrap_or("a");
            if format == "upperLetter" { letter.to_uppercase() } else { letter.to_string() }
        }
        "upperRoman" | "lowerRoman" => {
            let roman = roman(n);
            if format == "lowerRoman" { roman.to_lowercase() } else { roman }
        }
        _ => n.to_string(),
    }
}

fn roman(mut n: u32) -> String {
    const DIGITS: [(u32, &str); 13] =
        [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")];
    let mut out = String::new();
    for (value, digits) in DIGITS {
        while n >= value {
            out.push_str(digits);
            n -= value;
        }
    }
    out
}

/// The document's paragraphs and table rows, in order.
pub fn read_docx(bytes: &[u8]) -> Result<Vec<Line>, SheetError> {
    check_unpacked_size(bytes, &LIMITS)?;
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(unreadable)?;
    let document = part(&mut archive, "word/document.xml")?.ok_or_else(|| SheetError::Unreadable("tệp không phải văn bản Word (.docx).".into()))?;
    let mut numbering = match part(&mut archive, "word/numbering.xml")? {
        Some(xml) => Numbering::read(&xml)?,
        None => Numbering::default(),
    };
    let mut lines = Vec::new();
    let mut reader = Reader::from_str(&document);
    let (mut paragraph, mut in_text) = (String::new(), false);
    let (mut list, mut level): (Option<String>, usize) = (None, 0);
    // Inside a table: the cells of the row being read, and how deep tables nest.
    let (mut cells, mut tables): (Vec<String>, usize) = (Vec::new(), 0);
    loop {
        match reader.read_event().map_err(unreadable)? {
            Event::Start(e) | Event::Empty(e) => match e.name().as_ref() {
                "w:t" => in_text = true,
                "w:tab" => paragraph.push(' '),
                "w:br" | "w:cr" => paragraph.push(' '),
                "w:numId" => list = attribute(&e, "w:val"),
                "w:ilvl" => level = attribute(&e, "w:val").and_then(|l| l.parse().ok()).unwrap_or(0),
                "w:tbl" => tables += 1,
                "w:tr" => cells.clear(),
                "w:tc" => cells.push(String::new()),
                _ => {}
            },
            Event::Text(t) if in_text => paragraph.push_str(&t.into_inner()),
            Event::GeneralRef(r) if in_text => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    paragraph.push(c);
                } else if let Some(s) = quick_xml::escape::resolve_predefined_entity(&r.into_inner()) {
                    paragraph.push_str(s);
                }
            }
            Event::End(e) => match e.name().as_ref() {
                "w:t" => in_text = false,
                "w:p" => {
                    let number = list.take().map(|num| numbering.next(&num, level)).unwrap_or_default();
                    let text = if number.is_empty() { std::mem::take(&mut paragraph) } else { format!("{number} {}", std::mem::take(&mut paragraph)) };
                    level = 0;
                    match cells.last_mut() {
                        Some(cell) if tables > 0 => {
                            if !cell.is_empty() {
                                cell.push(' ');
                            }
                            cell.push_str(text.trim());
                        }
                        _ => lines.push(Line::paragraph(text)),
                    }
                }
                "w:tr" if tables > 0 => {
                    let row: Vec<String> = cells.drain(..).map(|c| c.trim().to_string()).collect();
                    if row.iter().any(|c| !c.is_empty()) {
                        lines.push(Line { text: row.join(" | "), in_table: true });
                    }
                }
                "w:tbl" => tables = tables.saturating_sub(1),
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
        if lines.len() > MAX_LINES {
            return Err(SheetError::Unreadable(format!("văn bản có hơn {MAX_LINES} đoạn: quá dài cho một dự thảo.")));
        }
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_formatted_as_word_shows_them() {
        assert_eq!(formatted(5, "lowerLetter"), "đ");
        assert_eq!(formatted(14, "upperRoman"), "XIV");
        assert_eq!(formatted(3, "decimal"), "3");
    }
}
