//! Tables in and out: CSV and XLSX (also XLS and ODS on input) read into rows of text, and
//! written with a header row for officials who work in Excel.

use std::io::Cursor;

use calamine::{Data, Reader, open_workbook_auto_from_rs};

#[derive(Debug, thiserror::Error)]
pub enum SheetError {
    #[error("Chỉ nhận tệp .csv, .xlsx, .xls hoặc .ods.")]
    UnsupportedType,
    #[error("Không đọc được tệp: {0}")]
    Unreadable(String),
    #[error("Tệp không có trang tính nào.")]
    NoSheet,
}

/// Reads the first sheet (or the CSV) as rows of trimmed text. The format is chosen by the
/// file name's extension; CSV may be comma- or semicolon-separated, with or without a BOM.
pub fn read_table(file_name: &str, bytes: &[u8]) -> Result<Vec<Vec<String>>, SheetError> {
    let lower = file_name.to_lowercase();
    if lower.ends_with(".csv") {
        read_csv(bytes)
    } else if [".xlsx", ".xls", ".xlsm", ".ods"].iter().any(|ext| lower.ends_with(ext)) {
        read_workbook(bytes)
    } else {
        Err(SheetError::UnsupportedType)
    }
}

fn read_csv(bytes: &[u8]) -> Result<Vec<Vec<String>>, SheetError> {
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
        .map_err(|_| SheetError::Unreadable("tệp CSV phải được lưu với bảng mã UTF-8.".into()))?;
    let first_line = text.lines().next().unwrap_or("");
    let delimiter = if first_line.matches(';').count() > first_line.matches(',').count() { b';' } else { b',' };
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(text.as_bytes());
    reader
        .records()
        .map(|record| {
            record
                .map(|r| r.iter().map(|c| c.trim().to_string()).collect())
                .map_err(|e| SheetError::Unreadable(e.to_string()))
        })
        .collect()
}

fn read_workbook(bytes: &[u8]) -> Result<Vec<Vec<String>>, SheetError> {
    let mut workbook = open_workbook_auto_from_rs(Cursor::new(bytes.to_vec())).map_err(|e| SheetError::Unreadable(e.to_string()))?;
    let range = workbook.worksheet_range_at(0).ok_or(SheetError::NoSheet)?.map_err(|e| SheetError::Unreadable(e.to_string()))?;
    Ok(range.rows().map(|row| row.iter().map(cell_text).collect()).collect())
}

/// A cell as an official would read it: whole numbers without `.0`, dates as dd/mm/yyyy.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty | Data::Error(_) => String::new(),
        Data::String(s) => s.trim().to_string(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Data::DateTime(d) => excel_date(d.as_f64()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
    }
}

/// Excel's serial day number (days since 30/12/1899) as dd/mm/yyyy.
fn excel_date(serial: f64) -> String {
    // Civil-from-days (Howard Hinnant), from the Unix epoch: serial 25569 is 01/01/1970.
    let days = serial.floor() as i64 - 25_569;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{day:02}/{month:02}/{year:04}")
}

/// CSV with a UTF-8 BOM, so that Excel opens Vietnamese text correctly.
pub fn write_csv(header: &[&str], rows: &[Vec<String>]) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    // Writing to a Vec cannot fail.
    let _ = writer.write_record(header);
    for row in rows {
        let _ = writer.write_record(row);
    }
    writer.into_inner().unwrap_or_default()
}

/// One sheet with a bold, frozen header row and every cell stored as text (codes such as
/// `01` keep their leading zero).
pub fn write_xlsx(sheet_name: &str, header: &[&str], rows: &[Vec<String>]) -> Result<Vec<u8>, SheetError> {
    use rust_xlsxwriter::{Format, Workbook};
    let fail = |e: rust_xlsxwriter::XlsxError| SheetError::Unreadable(e.to_string());
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(sheet_name).map_err(fail)?;
    let bold = Format::new().set_bold();
    let text = Format::new().set_num_format("@");
    for (col, title) in header.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, *title, &bold).map_err(fail)?;
        sheet.set_column_width(col as u16, 18).map_err(fail)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, value) in row.iter().enumerate() {
            sheet.write_string_with_format(r as u32 + 1, c as u16, value, &text).map_err(fail)?;
        }
    }
    sheet.set_freeze_panes(1, 0).map_err(fail)?;
    workbook.save_to_buffer().map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Vec<Vec<String>> {
        vec![vec!["01".into(), "Tỉnh An Lạc".into(), "01/07/2025".into()], vec!["26734".into(), "Xã Đông Hòa".into(), String::new()]]
    }

    #[test]
    fn xlsx_round_trips_text() {
        let bytes = write_xlsx("Đơn vị", &["Mã", "Tên", "Hiệu lực từ"], &table()).unwrap();
        let read = read_table("don-vi.xlsx", &bytes).unwrap();
        assert_eq!(read[0], vec!["Mã", "Tên", "Hiệu lực từ"]);
        assert_eq!(read[1], table()[0]);
        assert_eq!(read[2][..2], table()[1][..2]);
    }

    #[test]
    fn csv_round_trips_and_accepts_semicolons() {
        let bytes = write_csv(&["Mã", "Tên", "Hiệu lực từ"], &table());
        let read = read_table("x.CSV", &bytes).unwrap();
        assert_eq!(read[1], table()[0]);
        let semicolons = "code;name\n01;Tỉnh An Lạc, mới\n".as_bytes();
        assert_eq!(read_table("y.csv", semicolons).unwrap()[1], vec!["01", "Tỉnh An Lạc, mới"]);
    }

    #[test]
    fn excel_serial_dates() {
        assert_eq!(excel_date(45839.0), "01/07/2025");
        assert_eq!(excel_date(25569.0), "01/01/1970");
        assert_eq!(excel_date(36526.5), "01/01/2000");
    }

    #[test]
    fn refuses_other_files() {
        assert!(matches!(read_table("a.pdf", b"%PDF"), Err(SheetError::UnsupportedType)));
        assert!(matches!(read_table("a.xlsx", b"not a zip"), Err(SheetError::Unreadable(_))));
        assert!(matches!(read_table("a.csv", b"\xff\xfe"), Err(SheetError::Unreadable(_))));
    }
}
