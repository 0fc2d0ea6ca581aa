//! Hostile uploads of every shape are refused, with the limit they passed, while the memory
//! the reader takes stays under 100 MB. Memory is measured by counting every allocation of
//! this test process, so the figure does not depend on the allocator or the machine.

use fuzz::bombs::{sheet_xml, workbook};
use sheets::{Limits, SheetError, read_sheets, read_table};

#[global_allocator]
static ALLOCATOR: fuzz::Counting = fuzz::Counting;

/// A sampling frame's limits, the largest of any import.
const FRAME: Limits = Limits { rows: 100_001, columns: 30, cells: 1_500_000, unpacked_bytes: 48 << 20 };
const MB: usize = 1 << 20;

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
            workbook(&sheet_xml("A1:XFD1048576", &[("A1", "x"), ("XFD1048576", "y")]), None, 0),
            SheetError::TooManyRows(100_001),
        ),
        ("a cell in the last column", "a.xlsx", workbook(&sheet_xml("A1:XFD1", &[("A1", "x"), ("XFD1", "y")]), None, 0), SheetError::TooManyColumns(30)),
        ("a cell on the last row", "a.xlsx", workbook(&sheet_xml("A1:A1048576", &[("A1", "x"), ("A1048576", "y")]), None, 0), SheetError::TooManyRows(100_001)),
        (
            "a box of three million blanks",
            "a.xlsx",
            workbook(&sheet_xml("A1", &[("A1", "x"), ("AD100000", "y")]), None, 0),
            SheetError::TooManyCells(1_500_000),
        ),
        ("100 MB of spaces in the sheet", "a.xlsx", workbook(&zero_sheet, None, 0), SheetError::TooLarge(48 << 20)),
        ("100 MB of spaces beside the sheet", "a.xlsx", workbook(&sheet_xml("A1", &[("A1", "x")]), None, 100), SheetError::TooLarge(48 << 20)),
        ("two million empty shared strings", "a.xlsx", workbook(&sheet_xml("A1", &[("A1", "x")]), Some(&strings), 0), SheetError::TooManyCells(1_500_000)),
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
    let bytes = workbook(&sheet_xml("A1:XFD1048576", &[("B2", "Mã"), ("C3", "01")]), None, 0);
    let sheets = read_sheets(&bytes, &FRAME).unwrap();
    assert_eq!(sheets, vec![("Trang1".to_string(), vec![vec!["Mã".to_string(), String::new()], vec![String::new(), "01".to_string()]])]);
}

#[test]
fn limits_are_exact() {
    let small = Limits { rows: 2, columns: 2, cells: 4, unpacked_bytes: 1 << 20 };
    let two_by_two = workbook(&sheet_xml("A1", &[("A1", "a"), ("B2", "b")]), None, 0);
    assert_eq!(read_table("t.xlsx", &two_by_two, &small).unwrap().len(), 2);
    let three_rows = workbook(&sheet_xml("A1", &[("A1", "a"), ("A3", "b")]), None, 0);
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
