//! Hostile workbooks for the tests of the upload paths: a minimal, valid XLSX around a sheet's
//! XML, with shared strings and padding as a bomb carries them.

use std::io::Write;

const MB: usize = 1 << 20;

/// A workbook whose one sheet («Trang1») is `sheet`, with `strings` as its shared strings and
/// `padding_mb` megabytes of spaces in a part beside it. Everything is written by pieces, as a
/// real bomb is made: the padding is small in memory as well as on the wire.
pub fn workbook(sheet: &[u8], strings: Option<&[u8]>, padding_mb: usize) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let deflated = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated).large_file(true);
    let mut part = |name: &str, pieces: &mut dyn Iterator<Item = &[u8]>| {
        zip.start_file(name, deflated).expect("a part");
        pieces.for_each(|piece| zip.write_all(piece).expect("written"));
    };
    let whole = |body: &'static [u8]| std::iter::once(body);
    part("[Content_Types].xml", &mut whole(br#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#));
    part("_rels/.rels", &mut whole(br#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#));
    part("xl/workbook.xml", &mut whole(br#"<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Trang1" sheetId="1" r:id="rId1"/></sheets></workbook>"#));
    part("xl/_rels/workbook.xml.rels", &mut whole(br#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#));
    part("xl/worksheets/sheet1.xml", &mut sheet.chunks(MB));
    if let Some(strings) = strings {
        part("xl/sharedStrings.xml", &mut strings.chunks(MB));
    }
    if padding_mb > 0 {
        let spaces = vec![b' '; MB];
        part("docProps/app.xml", &mut std::iter::repeat_n(spaces.as_slice(), padding_mb));
    }
    zip.finish().expect("the archive").into_inner()
}

/// A sheet's XML declaring `dimension`, with text in the given cells.
pub fn sheet_xml(dimension: &str, cells: &[(&str, &str)]) -> Vec<u8> {
    let cells: String = cells.iter().map(|(at, text)| format!(r#"<row><c r="{at}" t="inlineStr"><is><t>{text}</t></is></c></row>"#)).collect();
    format!(r#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="{dimension}"/><sheetData>{cells}</sheetData></worksheet>"#).into_bytes()
}
