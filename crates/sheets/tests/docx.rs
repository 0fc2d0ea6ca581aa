//! A draft as Word saves it reads back as the lines a person sees: manual headings, numbers
//! Word draws itself (automatic numbering of articles, clauses and points), tables, entities;
//! and its structure follows. A hostile file is refused.

use std::io::Write;

use domain::consultation::{Level, outline};
use sheets::{SheetError, read_docx};

fn docx(document: &str, numbering: Option<&str>) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    zip.start_file("[Content_Types].xml", options).unwrap();
    zip.write_all(br#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>"#).unwrap();
    zip.start_file("word/document.xml", options).unwrap();
    let body = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{document}</w:body></w:document>"#
    );
    zip.write_all(body.as_bytes()).unwrap();
    if let Some(numbering) = numbering {
        zip.start_file("word/numbering.xml", options).unwrap();
        zip.write_all(numbering.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn p(text: &str) -> String {
    format!(r#"<w:p><w:pPr><w:jc w:val="both"/></w:pPr><w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">{text}</w:t></w:r></w:p>"#)
}

/// A paragraph in Word's list `num` at `level`: its number is not in the text.
fn numbered(num: u32, level: u32, text: &str) -> String {
    format!(r#"<w:p><w:pPr><w:numPr><w:ilvl w:val="{level}"/><w:numId w:val="{num}"/></w:numPr></w:pPr><w:r><w:t>{text}</w:t></w:r></w:p>"#)
}

/// Articles "Điều %1.", clauses "%2." and points "%3)" as a drafting office sets them up.
const NUMBERING: &str = r#"<?xml version="1.0"?><w:numbering xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:abstractNum w:abstractNumId="0">
<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="Điều %1."/></w:lvl>
<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%2."/></w:lvl>
<w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="lowerLetter"/><w:lvlText w:val="%3)"/></w:lvl>
</w:abstractNum>
<w:num w:numId="3"><w:abstractNumId w:val="0"/></w:num>
</w:numbering>"#;

#[test]
fn a_word_draft_reads_as_its_parts() {
    let table = r#"<w:tbl><w:tr><w:tc><w:p><w:r><w:t>STT</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Loại hồ sơ</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Mức phí</w:t></w:r></w:p></w:tc></w:tr>
        <w:tr><w:tc><w:p><w:r><w:t>1</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Doanh nghiệp &amp; hợp tác xã</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>50.000 đồng</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"#;
    let document = [
        p("QUYẾT ĐỊNH"),
        p("Ban hành Quy chế tiếp nhận phản ánh"),
        p("Chương I"),
        p("QUY ĐỊNH CHUNG"),
        numbered(3, 0, "Phạm vi điều chỉnh"),
        p("Quy chế này quy định việc tiếp nhận phản ánh."),
        numbered(3, 0, "Đối tượng áp dụng"),
        numbered(3, 1, "Cơ quan hành chính các cấp."),
        numbered(3, 1, "Cá nhân, tổ chức:"),
        numbered(3, 2, "Người dân;"),
        numbered(3, 2, "Doanh nghiệp."),
        p("Chương II"),
        p("PHÍ"),
        r#"<w:p><w:r><w:t>Điều 3.</w:t></w:r><w:r><w:tab/><w:t xml:space="preserve">Mức phí</w:t></w:r></w:p>"#.to_string(),
        p("Mức phí theo bảng sau:"),
        table.to_string(),
    ]
    .concat();
    let lines = read_docx(&docx(&document, Some(NUMBERING))).unwrap();
    let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(texts[4], "Điều 1. Phạm vi điều chỉnh", "Word's own numbers are written out");
    assert_eq!(texts[7], "1. Cơ quan hành chính các cấp.");
    assert_eq!(texts[10], "b) Doanh nghiệp.", "a clause's points restart under it");
    assert_eq!(texts[13], "Điều 3. Mức phí");
    assert_eq!(texts[15], "STT | Loại hồ sơ | Mức phí");
    assert!(lines[16].in_table && lines[16].text == "1 | Doanh nghiệp & hợp tác xã | 50.000 đồng");

    let outline = outline(&lines).unwrap();
    let parts: Vec<(Level, &str)> = outline.parts.iter().map(|p| (p.level, p.anchor.as_str())).collect();
    assert_eq!(
        parts,
        [
            (Level::Whole, "toan-van"),
            (Level::Chapter, "chuong-i"),
            (Level::Article, "dieu-1"),
            (Level::Article, "dieu-2"),
            (Level::Clause, "dieu-2-khoan-1"),
            (Level::Clause, "dieu-2-khoan-2"),
            (Level::Point, "dieu-2-khoan-2-diem-a"),
            (Level::Point, "dieu-2-khoan-2-diem-b"),
            (Level::Chapter, "chuong-ii"),
            (Level::Article, "dieu-3"),
        ]
    );
    assert!(outline.parts[9].body.ends_with("1 | Doanh nghiệp & hợp tác xã | 50.000 đồng"), "the table stays in its article");
}

#[test]
fn what_is_not_a_word_document_is_refused() {
    assert!(matches!(read_docx(b"not a zip"), Err(SheetError::Unreadable(_))));
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file("xl/workbook.xml", zip::write::SimpleFileOptions::default()).unwrap();
    let workbook = zip.finish().unwrap().into_inner();
    assert!(matches!(read_docx(&workbook), Err(SheetError::Unreadable(m)) if m.contains("Word")));
    // A paragraph unpacking to more than the limit is refused before it is held.
    let huge = p(&"a".repeat(70 << 20));
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file("word/document.xml", zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated)).unwrap();
    zip.write_all(huge.as_bytes()).unwrap();
    let bomb = zip.finish().unwrap().into_inner();
    assert!(bomb.len() < 1 << 20);
    assert!(matches!(read_docx(&bomb), Err(SheetError::TooLarge(_))));
}
