//! The poster as a printer gets it: one A4 page, its fonts embedded, its Vietnamese text
//! readable by a program (so also by a screen reader), and a QR code that holds the link.

use std::collections::HashMap;

use print::{PAGE_HEIGHT, PAGE_WIDTH, Poster, poster};
use printpdf::lopdf::{Document, Object};
use qrcode::{Color, EcLevel, QrCode};

const LINK: &str = "https://danhgia.anlac.gov.vn/don-vi/28101";

fn document() -> Document {
    let bytes = poster(&Poster { province: "Tỉnh An Lạc", unit: "Phường An Lạc", link: LINK }).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    // Kept for a person to look at, as the browser tests keep their screenshots.
    std::fs::write(std::env::temp_dir().join("thuocdo-poster.pdf"), &bytes).unwrap();
    Document::load_mem(&bytes).unwrap()
}

#[test]
fn one_a4_page_with_its_fonts_and_vietnamese_text() {
    let pdf = document();
    let pages = pdf.get_pages();
    assert_eq!(pages.len(), 1);
    let page = pdf.get_dictionary(pages[&1]).unwrap();
    let media: Vec<f32> = page.get(b"MediaBox").unwrap().as_array().unwrap().iter().map(|v| v.as_float().unwrap()).collect();
    let points = |mm: f32| mm / 25.4 * 72.0;
    assert!((media[2] - points(PAGE_WIDTH)).abs() < 0.5 && (media[3] - points(PAGE_HEIGHT)).abs() < 0.5, "{media:?}");
    let embedded = pdf.objects.values().filter(|o| matches!(o, Object::Dictionary(d) if d.has(b"FontFile2"))).count();
    assert_eq!(embedded, 2, "the regular and the bold face, embedded");
    let text = page_text(&pdf);
    for words in ["TỈNH AN LẠC", "ĐÁNH GIÁ SỰ HÀI LÒNG", "Phường An Lạc", LINK] {
        assert!(text.contains(words), "«{words}» is not in the text: {text}");
    }
}

/// The page's text as a reader gets it: each glyph shown, through its font's map back to the
/// character (ToUnicode), a line per text object.
fn page_text(pdf: &Document) -> String {
    let page = pdf.get_pages()[&1];
    let mut maps: HashMap<Vec<u8>, HashMap<u16, char>> = HashMap::new();
    // The page's font resources, wherever the writer keeps its resource dictionary.
    let resources = pdf.objects.values().filter_map(|o| o.as_dict().ok()).filter_map(|d| d.get(b"Font").ok());
    let fonts = resources.filter_map(|f| match f {
        Object::Reference(id) => pdf.get_dictionary(*id).ok(),
        other => other.as_dict().ok(),
    });
    for (name, font) in fonts.flat_map(|d| d.iter()) {
        let font = pdf.get_dictionary(font.as_reference().unwrap()).unwrap();
        let descendant = font.get(b"ToUnicode").and_then(Object::as_reference).unwrap();
        let stream = pdf.get_object(descendant).and_then(Object::as_stream).unwrap();
        let cmap = String::from_utf8(stream.decompressed_content().unwrap_or_else(|_| stream.content.clone())).unwrap();
        let hex: Vec<u32> = cmap.split(['<', '>']).skip(1).step_by(2).filter_map(|h| u32::from_str_radix(h, 16).ok()).collect();
        let pairs = hex.chunks(2).filter(|p| p.len() == 2).filter_map(|p| Some((u16::try_from(p[0]).ok()?, char::from_u32(p[1])?)));
        maps.insert(name.clone(), pairs.collect());
    }
    let content = pdf.get_and_decode_page_content(page).unwrap();
    let (mut text, mut font) = (String::new(), Vec::new());
    for op in &content.operations {
        match op.operator.as_str() {
            "Tf" => font = op.operands[0].as_name().unwrap().to_vec(),
            "Tj" => {
                let glyphs = op.operands[0].as_str().unwrap();
                text.extend(glyphs.chunks(2).filter_map(|g| maps[&font].get(&u16::from_be_bytes([g[0], g[1]]))));
            }
            "ET" => text.push('\n'),
            _ => {}
        }
    }
    text
}

#[test]
fn the_qr_code_drawn_is_the_links_own() {
    let pdf = document();
    let content = pdf.get_and_decode_page_content(pdf.get_pages()[&1]).unwrap();
    // Every filled rectangle, in points: x, y, width, height.
    let rects: Vec<[f32; 4]> =
        content.operations.iter().filter(|op| op.operator == "re").map(|op| std::array::from_fn(|i| op.operands[i].as_float().unwrap())).collect();
    let code = QrCode::with_error_correction_level(LINK.as_bytes(), EcLevel::M).unwrap();
    let width = code.width();
    let module = rects.iter().map(|r| r[3]).fold(f32::MAX, f32::min);
    let left = rects.iter().map(|r| r[0]).fold(f32::MAX, f32::min);
    let top = rects.iter().map(|r| r[1] + r[3]).fold(f32::MIN, f32::max);
    let mut drawn = vec![Color::Light; width * width];
    for [x, y, w, h] in rects {
        assert!((h - module).abs() < 0.01, "every rectangle is one row high");
        let row = ((top - y - h) / module).round() as usize;
        let first = ((x - left) / module).round() as usize;
        for column in first..first + (w / module).round() as usize {
            drawn[row * width + column] = Color::Dark;
        }
    }
    assert_eq!(drawn, code.to_colors(), "the modules drawn are the code of the link");
    // About 10 cm wide without its white border: a phone reads it from a metre or two.
    let side_mm = module * width as f32 / 72.0 * 25.4;
    assert!((90.0..=110.0).contains(&side_mm), "{side_mm} mm");
}
