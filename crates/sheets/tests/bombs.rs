//! Hostile uploads of every shape are refused, with the limit they passed, while the memory
//! the reader takes stays under 100 MB. Memory is measured by counting every allocation of
//! this test process, so the figure does not depend on the allocator or the machine.

use std::io::Write;

use sheets::{Limits, SheetError, read_sheets, read_table};

#[global_allocator]
static ALLOCATOR: fuzz::Counting = fuzz::Counting;

/// A sampling frame's limits, the largest of any import.
const FRAME: Limits = Limits { rows: 100_001, columns: 30, cells: 1_500_000, unpacked_bytes: 48 << 20 };
const MB: usize = 1 << 20;

/// A minimal workbook whose one sheet's XML is `sheet`, with `strings` as its shared strings
/// and `extra` parts beside.
fn xlsx(sheet: &[u8], strings: Option<&[u8]>, extra: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let deflated = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated).large_file(true);
    let mut part = |name: &str, body: &[u8]| {
        zip.start_file(name, deflated).unwrap();
        // Big parts go in by pieces, as a real bomb is made.
        for piece in body.chunks(MB) {
            zip.write_all(piece).unwrap();
        }
    };
    part("[Content_Types].xml", br#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#);
    part("_rels/.rels", br#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#);
    part("xl/workbook.xml", br#"<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Trang1" sheetId="1" r:id="rId1"/></sheets></workbook>"#);
    part("xl/_rels/workbook.xml.rels", br#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#);
    part("xl/worksheets/sheet1.xml", sheet);
    if let Some(strings) = strings {
        part("xl/sharedStrings.xml", strings);
    }
    for (name, body) in extra {
        part(name, body);
    }
    zip.finish().unwrap().into_inner()
}

fn sheet_xml(dimension: &str, cells: &[(&str, &str)]) -> Vec<u8> {
    let cells: String = cells.iter().map(|(at, text)| format!(r#"<row><c r="{at}" t="inlineStr"><is><t>{text}</t></is></c></row>"#)).collect();
    format!(r#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="{dimension}"/><sheetData>{cells}</sheetData></worksheet>"#).into_bytes()
}

/// Reads `bytes` as `name` and gives what came back and the most memory taken meanwhile.
fn measured(name: &str, bytes: &[u8]) -> (Result<usize, SheetError>, usize) {
    let base = fuzz::start_measuring();
    let read = read_table(name, bytes, &FRAME).map(|rows| rows.len());
    (read, fuzz::peak_since(base))
}

#[test]
fn bombs_of_every_shape_are_refused_in_bounded_memory() {
    let zeros = vec![b' '; 100 * MB];
    let zero_sheet =
        [&br#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#[..], &zeros, b"</sheetData></worksheet>"].concat();
    let empty_strings = b"<si><t/></si>".repeat(2_000_000);
    let strings = [&b"<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"[..], &empty_strings, b"</sst>"].concat();
    let many_parts = {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for n in 0..5_000 {
            zip.start_file(format!("junk/{n}.xml"), zip::write::SimpleFileOptions::default()).unwrap();
        }
        zip.finish().unwrap().into_inner()
    };
    let bombs: Vec<(&str, &str, Vec<u8>, SheetError)> = vec![
        (
            "two cells at the far corners",
            "a.xlsx",
            xlsx(&sheet_xml("A1:XFD1048576", &[("A1", "x"), ("XFD1048576", "y")]), None, &[]),
            SheetError::TooManyRows(100_001),
        ),
        ("a cell in the last column", "a.xlsx", xlsx(&sheet_xml("A1:XFD1", &[("A1", "x"), ("XFD1", "y")]), None, &[]), SheetError::TooManyColumns(30)),
        ("a cell on the last row", "a.xlsx", xlsx(&sheet_xml("A1:A1048576", &[("A1", "x"), ("A1048576", "y")]), None, &[]), SheetError::TooManyRows(100_001)),
        ("a box of three million blanks", "a.xlsx", xlsx(&sheet_xml("A1", &[("A1", "x"), ("AD100000", "y")]), None, &[]), SheetError::TooManyCells(1_500_000)),
        ("100 MB of spaces in the sheet", "a.xlsx", xlsx(&zero_sheet, None, &[]), SheetError::TooLarge(48 << 20)),
        (
            "100 MB of spaces beside the sheet",
            "a.xlsx",
            xlsx(&sheet_xml("A1", &[("A1", "x")]), None, &[("docProps/app.xml", &zeros)]),
            SheetError::TooLarge(48 << 20),
        ),
        ("two million empty shared strings", "a.xlsx", xlsx(&sheet_xml("A1", &[("A1", "x")]), Some(&strings), &[]), SheetError::TooManyCells(1_500_000)),
        ("a CSV line of 20 million commas", "a.csv", vec![b','; 20 * MB], SheetError::TooManyColumns(30)),
        ("a CSV of 10 million short lines", "a.csv", b"1,2\n".repeat(10_000_000), SheetError::TooManyRows(100_001)),
        ("five thousand parts", "a.xlsx", many_parts, SheetError::Unreadable("tệp có hơn 1000 phần, không phải một bảng tính bình thường.".into())),
    ];
    for (what, name, bytes, refusal) in &bombs {
        let (read, peak) = measured(name, bytes);
        assert_eq!(read.as_ref().err(), Some(refusal), "{what}: {read:?}");
        assert!(peak < 100 * MB, "{what}: {} MB", peak / MB);
        println!("{what} ({} KB): refused with «{refusal}», peak {:.1} MB", bytes.len() / 1024, peak as f64 / MB as f64);
    }
    // Every refusal tells the official what to do, in Vietnamese.
    assert!(bombs.iter().all(|(_, _, _, refusal)| refusal.to_string().chars().any(|c| "ảạốếệơư".contains(c))));
}

#[test]
fn a_sheet_whose_dimension_lies_reads_only_its_cells() {
    let bytes = xlsx(&sheet_xml("A1:XFD1048576", &[("B2", "Mã"), ("C3", "01")]), None, &[]);
    let sheets = read_sheets(&bytes, &FRAME).unwrap();
    assert_eq!(sheets, vec![("Trang1".to_string(), vec![vec!["Mã".to_string(), String::new()], vec![String::new(), "01".to_string()]])]);
}

#[test]
fn limits_are_exact() {
    let small = Limits { rows: 2, columns: 2, cells: 4, unpacked_bytes: 1 << 20 };
    let two_by_two = xlsx(&sheet_xml("A1", &[("A1", "a"), ("B2", "b")]), None, &[]);
    assert_eq!(read_table("t.xlsx", &two_by_two, &small).unwrap().len(), 2);
    let three_rows = xlsx(&sheet_xml("A1", &[("A1", "a"), ("A3", "b")]), None, &[]);
    assert_eq!(read_table("t.xlsx", &three_rows, &small), Err(SheetError::TooManyRows(2)));
    let three_cells = Limits { cells: 3, ..small };
    assert_eq!(read_table("t.xlsx", &two_by_two, &three_cells), Err(SheetError::TooManyCells(3)));
    assert_eq!(read_table("t.csv", b"a,b\nc,d\n", &small).unwrap().len(), 2);
    assert_eq!(read_table("t.csv", b"a,b,c\n", &small), Err(SheetError::TooManyColumns(2)));
    assert_eq!(read_table("t.csv", b"a\nb\nc\n", &small), Err(SheetError::TooManyRows(2)));
    assert_eq!(read_table("t.csv", b"a,b\nc,d\n", &three_cells), Err(SheetError::TooManyCells(3)));
    let tiny = Limits { unpacked_bytes: 1_000, ..small };
    assert_eq!(read_table("t.xlsx", &two_by_two, &tiny), Err(SheetError::TooLarge(1_000)));
}
