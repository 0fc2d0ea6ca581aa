//! Reading the reports back as a person would: the PDF's text and fonts by poppler's
//! `pdftotext` and `pdffonts`, its first page as a picture by `pdftoppm` (kept under the build
//! folder's `report-pages/` for people to look at), a DOCX's `word/document.xml`, and a CSV for
//! Excel opened in LibreOffice Calc set to Vietnamese. Without poppler (or Calc) those checks are
//! skipped, unless `THUOCDO_REQUIRE_POPPLER=1` (`THUOCDO_REQUIRE_CALC=1`), set by `scripts/test`,
//! makes that a failure.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// Whether poppler's tools are here; panics when they are required and missing.
pub fn poppler() -> bool {
    tool_here("pdftotext", "-v", "THUOCDO_REQUIRE_POPPLER", "poppler-utils")
}

/// Whether LibreOffice Calc is here; panics when it is required and missing.
pub fn calc() -> bool {
    tool_here("soffice", "--version", "THUOCDO_REQUIRE_CALC", "libreoffice-calc-nogui")
}

/// Whether `program` runs; when it does not, panics if `required` is set, else says what is skipped.
fn tool_here(program: &str, version: &str, required: &str, package: &str) -> bool {
    let here = Command::new(program).arg(version).stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok();
    assert!(here || std::env::var(required).is_err(), "{required} is set but {program} is not installed ({package})");
    if !here {
        eprintln!("{package} not installed: its checks skipped");
    }
    here
}

/// The CSV opened as Excel set to Vietnamese opens it: LibreOffice Calc told semicolons between
/// cells, UTF-8 and the Vietnamese locale (whose decimal mark is the comma), saving the sheet as
/// XLSX, read back cell by cell. A figure Calc took for a number comes back with a decimal point
/// ("75.3"); one it took for text keeps its comma ("75,3").
pub fn csv_in_vietnamese_calc(csv: &[u8]) -> Vec<Vec<String>> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bang.csv"), csv).unwrap();
    // A profile of its own, so that tests running side by side do not share Calc's lock.
    let profile = format!("-env:UserInstallation=file://{}", dir.path().join("profile").display());
    // 59: `;`, 34: `"`, 76: UTF-8, from line 1, default column types, 1066: Vietnamese (vi-VN).
    let out = Command::new("soffice")
        .args(["--headless", "--norestore", &profile, "--infilter=CSV:59,34,76,1,,1066", "--convert-to", "xlsx", "--outdir"])
        .arg(dir.path())
        .arg(dir.path().join("bang.csv"))
        .output()
        .expect("soffice");
    let xlsx = std::fs::read(dir.path().join("bang.xlsx")).unwrap_or_else(|_| panic!("Calc did not convert the CSV: {}", String::from_utf8_lossy(&out.stderr)));
    sheets::read_sheets(&xlsx, &crate::READ_BACK).unwrap().swap_remove(0).1
}

/// Runs a poppler tool on the PDF: `args`, the file, then `after` (an output).
fn poppler_tool(tool: &str, args: &[&str], pdf: &[u8], after: &[&str]) -> Vec<u8> {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(pdf).unwrap();
    let out = Command::new(tool).args(args).arg(file.path()).args(after).output().unwrap_or_else(|e| panic!("{tool}: {e}"));
    assert!(out.status.success(), "{tool} failed: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

/// The PDF's text, laid out as on the page.
pub fn pdf_text(pdf: &[u8]) -> String {
    String::from_utf8(poppler_tool("pdftotext", &["-layout", "-enc", "UTF-8"], pdf, &["-"])).unwrap()
}

/// `pdffonts`' table: a line per font, with `yes` in its embedded column when it is.
pub fn pdf_fonts(pdf: &[u8]) -> String {
    String::from_utf8(poppler_tool("pdffonts", &[], pdf, &[])).unwrap()
}

/// How many pages the PDF has.
pub fn pdf_pages(pdf: &[u8]) -> usize {
    let info = String::from_utf8(poppler_tool("pdfinfo", &[], pdf, &[])).unwrap();
    info.lines().find_map(|l| l.strip_prefix("Pages:")).and_then(|n| n.trim().parse().ok()).unwrap_or(0)
}

/// Draws the first page as `report-pages/<name>.png` in the build folder; returns its path.
pub fn first_page_image(pdf: &[u8], name: &str) -> PathBuf {
    let dir = PathBuf::from(std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into())).join("report-pages");
    std::fs::create_dir_all(&dir).unwrap();
    let root = dir.join(name);
    poppler_tool("pdftoppm", &["-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile"], pdf, &[root.to_str().unwrap()]);
    root.with_extension("png")
}

/// The DOCX's body as Word reads it.
pub fn docx_xml(docx: &[u8]) -> String {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(docx)).expect("a DOCX is a ZIP archive");
    let mut xml = String::new();
    archive.by_name("word/document.xml").expect("word/document.xml").read_to_string(&mut xml).unwrap();
    xml
}
