//! Tables in and out: CSV and XLSX read into rows of text within the limits of each kind of
//! import, and written with a header row for officials who work in Excel (CSV cells made inert
//! so that no spreadsheet runs them as formulas). And the text of a Word draft put to
//! consultation, read within the same kind of limits.

mod docx;
mod read;

pub use docx::read_docx;
pub use read::{Limits, Rows, SheetError, read_sheets, read_table};

/// A workbook of several small sheets, each given with its header as its first row.
pub fn write_sheets(sheets: &[(&str, &[Vec<String>])]) -> Result<Vec<u8>, SheetError> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let text = rust_xlsxwriter::Format::new().set_num_format("@");
    for (name, rows) in sheets {
        let sheet = workbook.add_worksheet();
        sheet.set_name(*name).map_err(fail)?;
        for (r, row) in rows.iter().enumerate() {
            let format = if r == 0 { &bold } else { &text };
            for (c, value) in row.iter().enumerate() {
                sheet.write_string_with_format(r as u32, c as u16, value, format).map_err(fail)?;
            }
        }
        sheet.set_freeze_panes(1, 0).map_err(fail)?;
    }
    workbook.save_to_buffer().map_err(fail)
}

/// A cell of a report table: numbers stay numbers, so Excel can chart and sum them.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Text(String),
    /// A whole number (a count, a rank): with thousands grouped, which a spreadsheet set to
    /// Vietnamese shows as 3.001.
    Count(i64),
    /// Shown with one decimal (indices).
    Number(f64),
    /// Shown with two decimals (PAR points and indices, kept in hundredths).
    Hundredths(f64),
    Empty,
}

impl Value {
    /// The value as CSV text: numbers with a decimal point for programs, a decimal comma for
    /// Excel with Vietnamese settings (no thousands mark, which it would read as a decimal).
    pub fn csv(&self, dialect: CsvDialect) -> String {
        match self {
            Self::Text(t) => t.clone(),
            Self::Count(n) => n.to_string(),
            Self::Number(n) | Self::Hundredths(n) => {
                let plain = format!("{}", (n * 10_000.0).round() / 10_000.0);
                match dialect {
                    CsvDialect::Machine => plain,
                    CsvDialect::ExcelVietnamese => plain.replace('.', ","),
                }
            }
            Self::Empty => String::new(),
        }
    }
}

/// Who a CSV file is for. Both start with a UTF-8 byte order mark, so that Excel reads the
/// Vietnamese letters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CsvDialect {
    /// Programs: commas between cells, a decimal point.
    Machine,
    /// Excel set to Vietnamese, where the comma is the decimal mark and so the list separator is
    /// the semicolon: semicolons between cells, a decimal comma.
    ExcelVietnamese,
}

impl CsvDialect {
    fn delimiter(self) -> u8 {
        match self {
            Self::Machine => b',',
            Self::ExcelVietnamese => b';',
        }
    }
}

/// A native Excel chart over two columns of a report sheet.
#[derive(Clone, Debug)]
pub struct Chart {
    pub title: String,
    /// Bars (horizontal) or a line.
    pub line: bool,
    pub category_column: u16,
    pub value_column: u16,
    pub value_axis: String,
}

/// One sheet of a report: a header, rows and perhaps a chart beside them.
#[derive(Clone, Debug)]
pub struct ReportSheet {
    pub name: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<Value>>,
    pub chart: Option<Chart>,
}

impl ReportSheet {
    /// The sheet as CSV with a BOM.
    pub fn to_csv(&self, dialect: CsvDialect) -> Vec<u8> {
        let mut bytes = csv_chunk(std::slice::from_ref(&self.header), true, dialect);
        let rows: Vec<Vec<String>> = self.rows.iter().map(|r| r.iter().map(|v| v.csv(dialect)).collect()).collect();
        bytes.extend(csv_chunk(&rows, false, dialect));
        bytes
    }
}

/// A workbook of report sheets; counts with thousands grouped, indices with one decimal, charts
/// native to Excel. The formats name the grouping and the decimal mark, and a spreadsheet shows
/// them in its reader's own (3.001 and 76,7 in Vietnamese).
pub fn write_report(sheets: &[ReportSheet]) -> Result<Vec<u8>, SheetError> {
    use rust_xlsxwriter::{Chart as XlsxChart, ChartType, Format, Workbook};
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold().set_text_wrap();
    let count = Format::new().set_num_format("#,##0");
    let number = Format::new().set_num_format("#,##0.0");
    let hundredths = Format::new().set_num_format("#,##0.00");
    for report in sheets {
        let sheet = workbook.add_worksheet();
        sheet.set_name(&report.name).map_err(fail)?;
        for (c, title) in report.header.iter().enumerate() {
            sheet.write_string_with_format(0, c as u16, title, &bold).map_err(fail)?;
            sheet.set_column_width(c as u16, if c == 0 || c == 1 { 32 } else { 12 }).map_err(fail)?;
        }
        for (r, row) in report.rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (c, value) in row.iter().enumerate() {
                match value {
                    Value::Text(t) => sheet.write_string(r, c as u16, t).map(|_| ()),
                    Value::Count(n) => sheet.write_number_with_format(r, c as u16, *n as f64, &count).map(|_| ()),
                    Value::Number(n) => sheet.write_number_with_format(r, c as u16, *n, &number).map(|_| ()),
                    Value::Hundredths(n) => sheet.write_number_with_format(r, c as u16, *n, &hundredths).map(|_| ()),
                    Value::Empty => Ok(()),
                }
                .map_err(fail)?;
            }
        }
        sheet.set_freeze_panes(1, 0).map_err(fail)?;
        if let (Some(spec), false) = (&report.chart, report.rows.is_empty()) {
            let mut chart = XlsxChart::new(if spec.line { ChartType::Line } else { ChartType::Bar });
            let last = report.rows.len() as u32;
            chart
                .add_series()
                .set_categories((report.name.as_str(), 1, spec.category_column, last, spec.category_column))
                .set_values((report.name.as_str(), 1, spec.value_column, last, spec.value_column))
                .set_name(spec.value_axis.as_str());
            chart.title().set_name(&spec.title);
            chart.legend().set_hidden();
            chart.y_axis().set_min(0).set_max(100).set_name(&spec.value_axis);
            if !spec.line {
                // Bars read top to bottom in table order.
                chart.x_axis().set_reverse();
            }
            let height = if spec.line { 320 } else { (40 + 22 * last).clamp(240, 1600) };
            chart.set_width(560).set_height(height);
            sheet.insert_chart(1, report.header.len() as u16 + 1, &chart).map_err(fail)?;
        }
    }
    workbook.save_to_buffer().map_err(fail)
}

/// A cell as an official would read it: whole numbers without `.0`, dates as dd/mm/yyyy.
pub(crate) fn cell_text(cell: &calamine::Data) -> String {
    use calamine::Data;
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

/// CSV for programs with a UTF-8 BOM, so that Excel opens Vietnamese text correctly.
pub fn write_csv(header: &[&str], rows: &[Vec<String>]) -> Vec<u8> {
    let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    let mut bytes = csv_chunk(std::slice::from_ref(&header), true, CsvDialect::Machine);
    bytes.extend(csv_chunk(rows, false, CsvDialect::Machine));
    bytes
}

/// CSV lines for `rows`, for writing a file piece by piece; the first piece carries the BOM.
pub fn csv_chunk(rows: &[Vec<String>], bom: bool, dialect: CsvDialect) -> Vec<u8> {
    let start = if bom { b"\xEF\xBB\xBF".to_vec() } else { Vec::new() };
    let mut writer = csv::WriterBuilder::new().delimiter(dialect.delimiter()).from_writer(start);
    // Writing to a Vec cannot fail.
    for row in rows {
        let cells: Vec<_> = row.iter().map(|cell| inert(cell)).collect();
        let _ = writer.write_record(cells.iter().map(|cell| cell.as_bytes()));
    }
    writer.into_inner().unwrap_or_default()
}

/// One worksheet with a bold, frozen header row and every cell stored as text (codes such as
/// `01` keep their leading zero). In constant-memory mode rows go to a temporary file as they
/// come, so a million rows never sit in memory.
pub struct XlsxWriter {
    workbook: rust_xlsxwriter::Workbook,
    text: rust_xlsxwriter::Format,
    next_row: u32,
}

/// A cell as a spreadsheet will take it as text, never as a formula (the OWASP rule for CSV
/// injection): one that starts with `=`, `+`, `-` or `@` — after any blanks, which a
/// spreadsheet may trim — or with a tab or carriage return gets a leading apostrophe. Numbers
/// such as `-2.5` or `+84912345678` stay as they are: they cannot run anything.
pub fn inert(cell: &str) -> std::borrow::Cow<'_, str> {
    let after_blanks = cell.trim_start_matches([' ', '\t', '\r', '\n']);
    let risky = cell.starts_with(['\t', '\r']) || after_blanks.starts_with(['=', '+', '-', '@']);
    if risky && cell.trim().parse::<f64>().is_err() { format!("'{cell}").into() } else { cell.into() }
}

fn fail(e: rust_xlsxwriter::XlsxError) -> SheetError {
    SheetError::Unreadable(e.to_string())
}

impl XlsxWriter {
    pub fn new(sheet_name: &str, header: &[String], constant_memory: bool) -> Result<Self, SheetError> {
        use rust_xlsxwriter::{Format, Workbook};
        let mut workbook = Workbook::new();
        if constant_memory {
            // A big sheet's XML passes 4 GB (about a million survey rows): that needs ZIP64.
            workbook.use_zip_large_file(true);
        }
        let sheet = if constant_memory { workbook.add_worksheet_with_constant_memory().map_err(fail)? } else { workbook.add_worksheet() };
        sheet.set_name(sheet_name).map_err(fail)?;
        let bold = Format::new().set_bold();
        for (col, title) in header.iter().enumerate() {
            sheet.write_string_with_format(0, col as u16, title, &bold).map_err(fail)?;
            sheet.set_column_width(col as u16, 16).map_err(fail)?;
        }
        sheet.set_freeze_panes(1, 0).map_err(fail)?;
        Ok(Self { workbook, text: Format::new().set_num_format("@"), next_row: 1 })
    }

    pub fn push(&mut self, row: &[String]) -> Result<(), SheetError> {
        let sheet = self.workbook.worksheet_from_index(0).map_err(fail)?;
        for (c, value) in row.iter().enumerate() {
            sheet.write_string_with_format(self.next_row, c as u16, value, &self.text).map_err(fail)?;
        }
        self.next_row += 1;
        Ok(())
    }

    pub fn to_bytes(mut self) -> Result<Vec<u8>, SheetError> {
        self.workbook.save_to_buffer().map_err(fail)
    }

    pub fn save(mut self, path: &std::path::Path) -> Result<(), SheetError> {
        self.workbook.save(path).map_err(fail)
    }
}

/// A whole small table as one XLSX file in memory.
pub fn write_xlsx(sheet_name: &str, header: &[&str], rows: &[Vec<String>]) -> Result<Vec<u8>, SheetError> {
    let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    let mut writer = XlsxWriter::new(sheet_name, &header, false)?;
    for row in rows {
        writer.push(row)?;
    }
    writer.to_bytes()
}

#[cfg(test)]
mod report_tests {
    use super::*;
    use crate::ROOMY;

    #[test]
    fn a_report_keeps_numbers_and_carries_a_native_chart() {
        let sheet = ReportSheet {
            name: "Xếp hạng".into(),
            header: vec!["Đơn vị".into(), "Chỉ số (%)".into(), "Số phiếu".into()],
            rows: vec![
                vec![Value::Text("Sở Tư pháp".into()), Value::Number(91.25), Value::Count(3001)],
                vec![Value::Text("Sở Y tế".into()), Value::Empty, Value::Count(0)],
            ],
            chart: Some(Chart { title: "Chỉ số".into(), line: false, category_column: 0, value_column: 1, value_axis: "%".into() }),
        };
        let bytes = write_report(std::slice::from_ref(&sheet)).unwrap();
        let table = read_table("r.xlsx", &bytes, &ROOMY).unwrap();
        assert_eq!(table[1], ["Sở Tư pháp", "91.25", "3001"]);
        // Shown with the reader's grouping and decimal mark: one decimal for an index, thousands
        // grouped for a count.
        let mut package = zip::ZipArchive::new(std::io::Cursor::new(&bytes)).unwrap();
        let mut styles = String::new();
        std::io::Read::read_to_string(&mut package.by_name("xl/styles.xml").unwrap(), &mut styles).unwrap();
        assert!(styles.contains(r##"formatCode="#,##0.0""##) && styles.contains(r##"formatCode="#,##0""##), "{styles}");
        // The chart is a part of its own in the package.
        let zip = String::from_utf8_lossy(&bytes);
        assert!(zip.contains("xl/charts/chart1.xml"));
        assert_eq!(String::from_utf8(sheet.to_csv(CsvDialect::Machine)).unwrap(), "\u{feff}Đơn vị,Chỉ số (%),Số phiếu\nSở Tư pháp,91.25,3001\nSở Y tế,,0\n");
    }
}

#[cfg(test)]
const ROOMY: Limits = Limits { rows: 100_000, columns: 100, cells: 1_000_000, unpacked_bytes: 64 << 20 };

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Vec<Vec<String>> {
        vec![vec!["01".into(), "Tỉnh An Lạc".into(), "01/07/2025".into()], vec!["26734".into(), "Xã Đông Hòa".into(), String::new()]]
    }

    #[test]
    fn xlsx_round_trips_text() {
        let bytes = write_xlsx("Đơn vị", &["Mã", "Tên", "Hiệu lực từ"], &table()).unwrap();
        let read = read_table("don-vi.xlsx", &bytes, &ROOMY).unwrap();
        assert_eq!(read[0], vec!["Mã", "Tên", "Hiệu lực từ"]);
        assert_eq!(read[1], table()[0]);
        assert_eq!(read[2][..2], table()[1][..2]);
    }

    #[test]
    fn the_excel_csv_reads_back_with_vietnamese_settings() {
        let sheet = ReportSheet {
            name: "Xếp hạng".into(),
            header: vec!["Đơn vị".into(), "Chỉ số (%)".into(), "Số phiếu".into()],
            rows: vec![vec![Value::Text("Phường An Lạc, mới".into()), Value::Number(76.66666), Value::Count(3001)]],
            chart: None,
        };
        let bytes = sheet.to_csv(CsvDialect::ExcelVietnamese);
        // What Excel set to Vietnamese does: a byte order mark says UTF-8, the list separator is
        // the semicolon and the comma is the decimal mark.
        let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").expect("a byte order mark")).unwrap();
        let mut reader = csv::ReaderBuilder::new().delimiter(b';').from_reader(text.as_bytes());
        assert_eq!(reader.headers().unwrap().iter().collect::<Vec<_>>(), ["Đơn vị", "Chỉ số (%)", "Số phiếu"]);
        let row = reader.records().next().unwrap().unwrap();
        assert_eq!(&row[0], "Phường An Lạc, mới", "a comma in a name stays in its cell");
        let number = |cell: &str| cell.replace(',', ".").parse::<f64>().unwrap();
        assert_eq!((number(&row[1]), number(&row[2])), (76.6667, 3001.0));
        assert!(!row[1].contains('.') && !row[2].contains('.'), "no point, which Vietnamese Excel reads as a thousands mark");
        // The same sheet for programs keeps the point and the comma.
        let machine = sheet.to_csv(CsvDialect::Machine);
        assert!(std::str::from_utf8(&machine).unwrap().contains("\"Phường An Lạc, mới\",76.6667,3001"));
    }

    #[test]
    fn csv_round_trips_and_accepts_semicolons() {
        let bytes = write_csv(&["Mã", "Tên", "Hiệu lực từ"], &table());
        let read = read_table("x.CSV", &bytes, &ROOMY).unwrap();
        assert_eq!(read[1], table()[0]);
        let semicolons = "code;name\n01;Tỉnh An Lạc, mới\n".as_bytes();
        assert_eq!(read_table("y.csv", semicolons, &ROOMY).unwrap()[1], vec!["01", "Tỉnh An Lạc, mới"]);
    }

    #[test]
    fn a_large_sheet_is_written_through_a_file() {
        let dir = std::env::temp_dir().join(format!("sheets-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("big.xlsx");
        let mut writer = XlsxWriter::new("Phiếu", &["Mã".to_string(), "Ý kiến".to_string()], true).unwrap();
        for i in 0..20_000 {
            writer.push(&[format!("{i:05}"), "Hài lòng".to_string()]).unwrap();
        }
        writer.save(&path).unwrap();
        let read = read_table("big.xlsx", &std::fs::read(&path).unwrap(), &ROOMY).unwrap();
        assert_eq!(read.len(), 20_001);
        assert_eq!(read[20_000], vec!["19999", "Hài lòng"]);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn excel_serial_dates() {
        assert_eq!(excel_date(45839.0), "01/07/2025");
        assert_eq!(excel_date(25569.0), "01/01/1970");
        assert_eq!(excel_date(36526.5), "01/01/2000");
    }

    #[test]
    fn refuses_other_files() {
        assert!(matches!(read_table("a.pdf", b"%PDF", &ROOMY), Err(SheetError::UnsupportedType)));
        assert!(matches!(read_table("a.xlsx", b"not a zip", &ROOMY), Err(SheetError::Unreadable(_))));
        assert!(matches!(read_table("a.csv", b"\xff\xfe", &ROOMY), Err(SheetError::Unreadable(_))));
        assert_eq!(read_table("a.xls", b"\xd0\xcf", &ROOMY), Err(SheetError::OldFormat));
        assert_eq!(read_table("a.ods", b"PK", &ROOMY), Err(SheetError::OldFormat));
    }

    #[test]
    fn csv_cells_never_run_as_formulas() {
        let rows = vec![vec![
            "=HYPERLINK(\"http://evil.example\",\"Bấm\")".to_string(),
            "\t=1+1".to_string(),
            "  @SUM(A1)".to_string(),
            "\r-cmd".to_string(),
            "+84912345678".to_string(),
            "-2.5".to_string(),
            "Hài lòng".to_string(),
        ]];
        let written = String::from_utf8(csv_chunk(&rows, false, CsvDialect::Machine)).unwrap();
        let read = read_table("x.csv", written.as_bytes(), &ROOMY).unwrap();
        assert_eq!(read[0][0], "'=HYPERLINK(\"http://evil.example\",\"Bấm\")");
        // Read back (and trimmed) the tab stays behind the apostrophe.
        assert_eq!(read[0][1], "'\t=1+1");
        assert_eq!(read[0][2], "'  @SUM(A1)");
        assert_eq!(read[0][3], "'\r-cmd");
        assert_eq!(read[0][4..], ["+84912345678", "-2.5", "Hài lòng"]);
        for cell in &read[0] {
            assert!(!cell.trim_start().starts_with(['=', '+', '-', '@']) || cell.parse::<f64>().is_ok(), "{cell:?}");
        }
    }
}
