//! Reading the reports back as a person would: the PDF's text and fonts by poppler's
//! `pdftotext` and `pdffonts`, its first page as a picture by `pdftoppm` (kept under the build
//! folder's `report-pages/` for people to look at), and a DOCX's `word/document.xml`. Without
//! poppler the PDF checks are skipped, unless `THUOCDO_REQUIRE_POPPLER=1` (set by `scripts/test`)
//! makes that a failure.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// Whether poppler's tools are here; panics when they are required and missing.
pub fn poppler() -> bool {
    let here = Command::new("pdftotext").arg("-v").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok();
    assert!(here || std::env::var("THUOCDO_REQUIRE_POPPLER").is_err(), "THUOCDO_REQUIRE_POPPLER is set but pdftotext is not installed (poppler-utils)");
    if !here {
        eprintln!("poppler-utils not installed: PDF text checks skipped");
    }
    here
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
