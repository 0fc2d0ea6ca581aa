//! Reading uploaded tables within limits. An upload is hostile until read: a 1.5 KB XLSX can
//! claim a sheet of 17 billion cells and a small ZIP can unpack to gigabytes, so every read is
//! bounded by the import's [`Limits`] before anything is allocated for it. XLSX is checked
//! whole while unpacking (nothing kept) and then read cell by cell; CSV is read record by
//! record. The old binary `.xls` and OpenDocument `.ods` cannot be read that way and are refused
//! with the way to save them as `.xlsx`.

use std::io::{Cursor, Read};

use calamine::{Data, Reader, Xlsx};
use domain::text::format_number;

use crate::cell_text;

/// Rows of text, the header first.
pub type Rows = Vec<Vec<String>>;

/// How much one kind of import may hold. A table is refused, with a message that says which
/// limit it passed, as soon as it passes one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Rows of a sheet, the header included.
    pub rows: u32,
    /// Columns of a sheet.
    pub columns: u32,
    /// Cells of all sheets as read, blanks between filled cells included: what memory holds.
    pub cells: u64,
    /// Bytes of the workbook once unpacked (an XLSX file is a ZIP of XML parts).
    pub unpacked_bytes: u64,
}

impl Limits {
    /// The unit register: a province has a few thousand units.
    pub const UNITS: Limits = Limits { rows: 20_001, columns: 30, cells: 400_000, unpacked_bytes: 32 << 20 };
    /// A questionnaire in XLSForm: hundreds of questions and choices, labels in a few columns.
    pub const QUESTIONNAIRE: Limits = Limits { rows: 5_001, columns: 60, cells: 200_000, unpacked_bytes: 16 << 20 };
    /// A PAR criteria tree: a few hundred items.
    pub const PAR_TREE: Limits = Limits { rows: 2_001, columns: 20, cells: 40_000, unpacked_bytes: 8 << 20 };
    /// A table of survey results per unit.
    pub const RESULTS: Limits = Limits { rows: 5_001, columns: 50, cells: 100_000, unpacked_bytes: 8 << 20 };
    /// A unit's procedures from the national procedure database.
    pub const PROCEDURES: Limits = Limits { rows: 5_001, columns: 30, cells: 150_000, unpacked_bytes: 16 << 20 };
    /// A PAR INDEX roster: the officials one agency chose, a few hundred at most.
    pub const ROSTER: Limits = Limits { rows: 2_001, columns: 20, cells: 40_000, unpacked_bytes: 8 << 20 };
    /// A sampling frame: a month or more of a province's completed dossiers.
    pub const FRAME: Limits = Limits { rows: 100_001, columns: 30, cells: 1_500_000, unpacked_bytes: 48 << 20 };
}

/// Parts of a workbook; an XLSX file from Excel has a few dozen.
const MAX_PARTS: usize = 1_000;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SheetError {
    #[error("Chỉ nhận tệp .csv hoặc .xlsx.")]
    UnsupportedType,
    #[error("Không nhận tệp .xls hoặc .ods: hãy mở tệp bằng Excel hoặc LibreOffice, lưu lại dưới dạng .xlsx (Excel Workbook) rồi tải lên lại.")]
    OldFormat,
    #[error("Không đọc được tệp: {0}")]
    Unreadable(String),
    #[error("Tệp không có trang tính nào.")]
    NoSheet,
    #[error("Tệp giải nén ra hơn {} MB: quá lớn cho loại dữ liệu này. Hãy chia thành nhiều tệp nhỏ hơn.", format_number(*.0 as f64 / 1_048_576.0, 0))]
    TooLarge(u64),
    #[error("Bảng có hơn {} dòng: quá nhiều cho loại dữ liệu này. Hãy chia thành nhiều tệp.", format_number(f64::from(*.0), 0))]
    TooManyRows(u32),
    #[error("Bảng có hơn {} cột: quá nhiều cho loại dữ liệu này (có thể có ô ở xa bên phải; hãy xoá các cột thừa).", format_number(f64::from(*.0), 0))]
    TooManyColumns(u32),
    #[error("Bảng có hơn {} ô (tính cả ô trống giữa các ô có dữ liệu): quá nhiều cho loại dữ liệu này. Hãy xoá các dòng, cột thừa hoặc chia tệp.", format_number(*.0 as f64, 0))]
    TooManyCells(u64),
}

/// Reads the first sheet (or the CSV) as rows of trimmed text. The format is chosen by the
/// file name's extension; CSV may be comma- or semicolon-separated, with or without a BOM.
pub fn read_table(file_name: &str, bytes: &[u8], limits: &Limits) -> Result<Rows, SheetError> {
    let lower = file_name.to_lowercase();
    if lower.ends_with(".csv") {
        read_csv(bytes, limits)
    } else if lower.ends_with(".xlsx") || lower.ends_with(".xlsm") {
        read_sheets(bytes, limits)?.into_iter().next().map(|(_, rows)| rows).ok_or(SheetError::NoSheet)
    } else if [".xls", ".ods", ".xlsb"].iter().any(|ext| lower.ends_with(ext)) {
        Err(SheetError::OldFormat)
    } else {
        Err(SheetError::UnsupportedType)
    }
}

/// Reads CSV field by field (`csv_core`), so that a line of millions of commas is refused at
/// the first field past the limit rather than parsed whole first.
fn read_csv(bytes: &[u8], limits: &Limits) -> Result<Rows, SheetError> {
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
        .map_err(|_| SheetError::Unreadable("tệp CSV phải được lưu với bảng mã UTF-8.".into()))?;
    let first_line = text.lines().next().unwrap_or("");
    let delimiter = if first_line.matches(';').count() > first_line.matches(',').count() { b';' } else { b',' };
    let mut reader = csv_core::ReaderBuilder::new().delimiter(delimiter).build();
    let (mut input, mut output) = (text.as_bytes(), [0u8; 4096]);
    let (mut rows, mut record, mut field, mut cells) = (Vec::new(), Vec::new(), Vec::new(), 0u64);
    loop {
        let (result, read, written) = reader.read_field(input, &mut output);
        input = &input[read..];
        field.extend_from_slice(&output[..written]);
        match result {
            csv_core::ReadFieldResult::InputEmpty | csv_core::ReadFieldResult::OutputFull => {}
            csv_core::ReadFieldResult::Field { record_end } => {
                if record.len() >= limits.columns as usize {
                    return Err(SheetError::TooManyColumns(limits.columns));
                }
                cells += 1;
                if cells > limits.cells {
                    return Err(SheetError::TooManyCells(limits.cells));
                }
                // The text was checked as UTF-8 whole and fields end at ASCII delimiters.
                record.push(String::from_utf8_lossy(&field).trim().to_string());
                field.clear();
                if record_end {
                    if rows.len() >= limits.rows as usize {
                        return Err(SheetError::TooManyRows(limits.rows));
                    }
                    rows.push(std::mem::take(&mut record));
                }
            }
            csv_core::ReadFieldResult::End => return Ok(rows),
        }
    }
}

/// Every sheet of an XLSX workbook by name, each as rows of text from its first filled cell
/// (top left) to its last, every row as wide as the widest.
pub fn read_sheets(bytes: &[u8], limits: &Limits) -> Result<Vec<(String, Rows)>, SheetError> {
    check_unpacked_size(bytes, limits)?;
    let unreadable = |e: calamine::XlsxError| SheetError::Unreadable(e.to_string());
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(unreadable)?;
    let mut budget = limits.cells;
    let mut sheets = Vec::new();
    for name in workbook.sheet_names() {
        let mut reader = match workbook.worksheet_cells_reader(&name) {
            Ok(reader) => reader,
            // A chart sheet holds no table.
            Err(calamine::XlsxError::NotAWorksheet(_)) => continue,
            Err(e) => return Err(unreadable(e)),
        };
        let mut filled: Vec<((u32, u32), String)> = Vec::new();
        while let Some(cell) = reader.next_cell().map_err(unreadable)? {
            let text = cell_text(&Data::from(cell.get_value().clone()));
            if text.is_empty() {
                continue;
            }
            let (row, column) = cell.get_position();
            if row >= limits.rows {
                return Err(SheetError::TooManyRows(limits.rows));
            }
            if column >= limits.columns {
                return Err(SheetError::TooManyColumns(limits.columns));
            }
            if filled.len() as u64 >= budget {
                return Err(SheetError::TooManyCells(limits.cells));
            }
            filled.push(((row, column), text));
        }
        let rows = dense(filled, &mut budget, limits)?;
        sheets.push((name, rows));
    }
    Ok(sheets)
}

/// The filled cells laid out as a table over their bounding box, if that box fits what is left
/// of the cell budget.
fn dense(mut filled: Vec<((u32, u32), String)>, budget: &mut u64, limits: &Limits) -> Result<Rows, SheetError> {
    let (Some(top), Some(left)) = (filled.iter().map(|c| c.0.0).min(), filled.iter().map(|c| c.0.1).min()) else {
        return Ok(Vec::new());
    };
    let height = u64::from(filled.iter().map(|c| c.0.0).max().unwrap_or(top) - top + 1);
    let width = u64::from(filled.iter().map(|c| c.0.1).max().unwrap_or(left) - left + 1);
    if height * width > *budget {
        return Err(SheetError::TooManyCells(limits.cells));
    }
    *budget -= height * width;
    let mut rows = vec![vec![String::new(); width as usize]; height as usize];
    // A position given twice keeps its last value, as Excel would show it.
    filled.sort_by_key(|c| c.0);
    for ((row, column), text) in filled {
        rows[(row - top) as usize][(column - left) as usize] = text;
    }
    Ok(rows)
}

/// Unpacks every part of the ZIP into nothing, counting bytes, and refuses the file once the
/// count passes the limit: what a part's header claims is not trusted.
pub(crate) fn check_unpacked_size(bytes: &[u8], limits: &Limits) -> Result<(), SheetError> {
    let unreadable = |e: zip::result::ZipError| SheetError::Unreadable(e.to_string());
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(unreadable)?;
    if archive.len() > MAX_PARTS {
        return Err(SheetError::Unreadable(format!("tệp có hơn {MAX_PARTS} phần, không phải một bảng tính bình thường.")));
    }
    let mut left = limits.unpacked_bytes;
    let mut buffer = vec![0u8; 64 * 1024];
    for index in 0..archive.len() {
        let mut part = archive.by_index(index).map_err(unreadable)?;
        // One string a shared-strings entry holds at least one cell: more entries than cells
        // cannot be a real table, and each costs memory when the workbook is opened.
        let counting_strings = part.name().is_ok_and(|n| n.eq_ignore_ascii_case("xl/sharedStrings.xml"));
        let mut strings = StringCounter::default();
        loop {
            let read = part.read(&mut buffer).map_err(|e| SheetError::Unreadable(e.to_string()))?;
            if read == 0 {
                break;
            }
            if read as u64 > left {
                return Err(SheetError::TooLarge(limits.unpacked_bytes));
            }
            left -= read as u64;
            if counting_strings && strings.feed(&buffer[..read]) > limits.cells {
                return Err(SheetError::TooManyCells(limits.cells));
            }
        }
    }
    Ok(())
}

/// Counts `<si` elements (with or without a namespace prefix) across buffer boundaries; it
/// may count an attribute named `…:si` too, which only errs on the side of refusing.
#[derive(Default)]
struct StringCounter {
    /// The last three bytes seen, so a tag split between two reads is still found.
    tail: [u8; 3],
    count: u64,
}

impl StringCounter {
    fn feed(&mut self, chunk: &[u8]) -> u64 {
        for &byte in chunk {
            let [a, b, c] = self.tail;
            if matches!(a, b'<' | b':') && b == b's' && c == b'i' && matches!(byte, b'>' | b' ' | b'/' | b'\t' | b'\n' | b'\r') {
                self.count += 1;
            }
            self.tail = [b, c, byte];
        }
        self.count
    }
}
