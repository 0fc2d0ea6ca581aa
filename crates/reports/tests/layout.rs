//! Every kind of block drawn as PDF and DOCX: the PDF is a PDF of its own fonts and the same
//! data gives the same bytes; the DOCX holds every text, diacritics intact, and the chart.
//! (What the PDF says is read back with pdftotext in the web tests, over the demo's reports.)

use std::io::Read;

use reports::charts::{self, Point};
use reports::document::place_and_date;
use reports::{Appendix, Block, Closing, Column, Document, Figure, Heading, Row, Table};

fn sample() -> Document {
    let points = vec![
        Point { label: "Tiếp cận dịch vụ".into(), value: Some(91.25), few: false },
        Point { label: "Thủ tục hành chính".into(), value: Some(84.5), few: false },
    ];
    let table = Table {
        caption: "Bảng 1. Chỉ số theo yếu tố".into(),
        columns: vec![Column::text("Yếu tố", 5.0), Column::number("Chỉ số (%)", 2.0)],
        rows: vec![Row::of(vec!["Tiếp cận dịch vụ".into(), "91,3".into()]), Row::strong(vec!["Toàn tỉnh".into(), "88,7".into()])],
    };
    Document {
        heading: Heading {
            authority: String::new(),
            issuer: "ỦY BAN NHÂN DÂN\nTỈNH AN LẠC".into(),
            number: "Số:        /BC-UBND".into(),
            place_date: place_and_date("An Lạc", 2026, 12, 2),
        },
        kind: "BÁO CÁO".into(),
        subject: "Kết quả đo lường sự hài lòng năm 2026".into(),
        body: vec![
            Block::Heading { level: 1, text: "I. KẾT QUẢ".into() },
            Block::Paragraph { text: "Người dân đánh giá cao thái độ phục vụ của công chức; chỉ số chung đạt 88,7 %.".into() },
            Block::Basis { text: "Căn cứ Quyết định số 876/QĐ-BNV;".into() },
            Block::Title { text: "QUYẾT ĐỊNH:".into() },
            Block::Table(table.clone()),
            Figure::chart("Chỉ số theo yếu tố", &charts::bars("Chỉ số theo yếu tố", &points, Some(85.0))),
            Block::Note { text: "Sai số là nửa khoảng tin cậy 95 %.".into() },
        ],
        closing: Some(Closing {
            recipients: vec!["Bộ Nội vụ".into(), "Lưu: VT, SNV".into()],
            authority: vec!["TM. ỦY BAN NHÂN DÂN".into(), "CHỦ TỊCH".into()],
            signer: "Nguyễn Văn Ánh".into(),
        }),
        appendices: vec![Appendix {
            title: "KẾT QUẢ CHI TIẾT".into(),
            reference: "(Kèm theo Báo cáo số        /BC-UBND)".into(),
            landscape: true,
            body: vec![Block::Table(table)],
        }],
    }
}

#[test]
fn pdf_is_a_pdf_and_the_same_data_gives_the_same_bytes() {
    let document = sample();
    let first = reports::pdf::render(&document, (2026, 12, 2)).unwrap();
    assert!(first.starts_with(b"%PDF-"));
    assert!(first.windows(b"/FontFile".len()).any(|w| w == b"/FontFile"), "the fonts are embedded");
    let second = reports::pdf::render(&document, (2026, 12, 2)).unwrap();
    assert_eq!(first, second, "a report drawn twice from the same data is the same file");
    // Kept for people to look at, beside the web tests' pages of the demo's reports.
    let dir = std::path::Path::new(&std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into())).join("report-pages");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("layout-sample.pdf"), &first).unwrap();
}

#[test]
fn docx_holds_every_text_and_the_chart() {
    let bytes = reports::docx::render(&sample()).unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut xml = String::new();
    archive.by_name("word/document.xml").unwrap().read_to_string(&mut xml).unwrap();
    for text in [
        "TỈNH AN LẠC",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "An Lạc, ngày 02 tháng 12 năm 2026",
        "Người dân đánh giá cao thái độ phục vụ của công chức",
        "Tiếp cận dịch vụ",
        "91,3",
        "Nơi nhận:",
        "Nguyễn Văn Ánh",
        "Phụ lục I",
    ] {
        assert!(xml.contains(text), "document.xml lacks «{text}»");
    }
    let pictures = archive.file_names().filter(|n| n.as_ref().is_ok_and(|n| n.ends_with(".png"))).count();
    assert_eq!(pictures, 1, "the chart is in as a picture");
}

#[test]
fn a_chart_draws_as_a_picture() {
    let svg = charts::printable(&charts::bars("Thử", &[Point { label: "Một".into(), value: Some(50.0), few: false }], None));
    let (png, width, height) = charts::png(&svg, 2.0).unwrap();
    assert!(png.starts_with(&[0x89, b'P', b'N', b'G']));
    assert_eq!(width, 720);
    assert!(height > 0);
}
