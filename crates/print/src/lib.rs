//! Printable documents as PDF, in their own crate because the PDF writer and the fonts are heavy
//! to build: the A4 poster that a one-stop counter puts up, with the unit's name and a QR code of
//! its link in Vietnamese. The QR code is drawn as vector squares, sharp at any print resolution.
//! The font (DejaVu Sans, whose licence is in `fonts/`) is embedded, so that every Vietnamese
//! letter prints on any printer.

use std::io::Cursor;

use printpdf::{Color, IndirectFontRef, Mm, PdfDocument, PdfLayerReference, Rect, Rgb};
use qrcode::{Color as Module, EcLevel, QrCode};

const REGULAR: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

/// A4 portrait, in millimetres.
pub const PAGE_WIDTH: f32 = 210.0;
pub const PAGE_HEIGHT: f32 = 297.0;
/// The side of the QR code with its quiet zone: about 12 cm, readable from a metre or two.
const QR_SIDE: f32 = 120.0;
/// Modules of white around the code, as the standard asks.
const QUIET_ZONE: usize = 4;
const MARGIN: f32 = 15.0;
const POINT_MM: f32 = 25.4 / 72.0;

#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    #[error("không tạo được mã QR: {0}")]
    Qr(#[from] qrcode::types::QrError),
    #[error("không tạo được tệp PDF: {0}")]
    Pdf(#[from] printpdf::Error),
}

/// What a unit's poster says.
pub struct Poster<'a> {
    /// The province, at the top.
    pub province: &'a str,
    pub unit: &'a str,
    /// The address the QR code holds, also printed for those who type it.
    pub link: &'a str,
}

/// The poster as a one-page A4 PDF.
pub fn poster(poster: &Poster) -> Result<Vec<u8>, PrintError> {
    let (document, page, layer) = PdfDocument::new(format!("Đánh giá sự hài lòng – {}", poster.unit), Mm(PAGE_WIDTH), Mm(PAGE_HEIGHT), "Áp phích");
    let layer = document.get_page(page).get_layer(layer);
    let fonts = Fonts { regular: document.add_external_font(Cursor::new(REGULAR))?, bold: document.add_external_font(Cursor::new(BOLD))? };
    let text = Writer { layer: &layer, fonts: &fonts };
    text.centred(&poster.province.to_uppercase(), 14.0, false, 272.0);
    text.centred("ĐÁNH GIÁ SỰ HÀI LÒNG", 30.0, true, 252.0);
    text.centred("về việc giải quyết thủ tục hành chính", 15.0, false, 242.0);
    let below = text.wrapped(poster.unit, 22.0, true, 226.0);
    let qr_top = below.min(214.0);
    draw_qr(&layer, poster.link, qr_top)?;
    text.centred("Quét mã QR bằng camera điện thoại để đánh giá", 15.0, false, qr_top - QR_SIDE - 10.0);
    text.centred(poster.link, 15.0, true, qr_top - QR_SIDE - 20.0);
    text.centred("Phiếu không ghi tên, chưa đến một phút.", 12.0, false, 32.0);
    text.centred("Ý kiến của anh/chị giúp cơ quan nhà nước phục vụ tốt hơn.", 12.0, false, 25.0);
    Ok(document.save_to_bytes()?)
}

struct Fonts {
    regular: IndirectFontRef,
    bold: IndirectFontRef,
}

struct Writer<'a> {
    layer: &'a PdfLayerReference,
    fonts: &'a Fonts,
}

impl Writer<'_> {
    /// One line centred on the page, its baseline at `y` millimetres from the bottom.
    fn centred(&self, line: &str, size: f32, bold: bool, y: f32) {
        let width = text_width(line, size, bold);
        let font = if bold { &self.fonts.bold } else { &self.fonts.regular };
        self.layer.use_text(line, size, Mm((PAGE_WIDTH - width) / 2.0), Mm(y), font);
    }

    /// Text broken into centred lines within the margins, the first baseline at `y`; gives the
    /// place below the last line.
    fn wrapped(&self, text: &str, size: f32, bold: bool, y: f32) -> f32 {
        let leading = size * POINT_MM * 1.3;
        let mut y = y;
        for line in lines(text, size, bold, PAGE_WIDTH - 2.0 * MARGIN) {
            self.centred(&line, size, bold, y);
            y -= leading;
        }
        y
    }
}

/// The words of `text` in lines no wider than `width` millimetres (a word wider alone keeps a
/// line of its own).
fn lines(text: &str, size: f32, bold: bool, width: f32) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match lines.last_mut() {
            Some(line) if text_width(&format!("{line} {word}"), size, bold) <= width => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    lines
}

/// The width of a line set in the poster's font, in millimetres.
pub fn text_width(line: &str, size: f32, bold: bool) -> f32 {
    let Ok(face) = ttf_parser::Face::parse(if bold { BOLD } else { REGULAR }, 0) else { return 0.0 };
    let units: u32 = line.chars().filter_map(|c| face.glyph_index(c)).filter_map(|g| face.glyph_hor_advance(g)).map(u32::from).sum();
    units as f32 / f32::from(face.units_per_em()) * size * POINT_MM
}

/// The code of `link`, its top edge at `top` millimetres, centred: each run of dark modules in a
/// row is one filled rectangle.
fn draw_qr(layer: &PdfLayerReference, link: &str, top: f32) -> Result<(), PrintError> {
    let code = QrCode::with_error_correction_level(link.as_bytes(), EcLevel::M)?;
    let width = code.width();
    let module = QR_SIDE / (width + 2 * QUIET_ZONE) as f32;
    let left = (PAGE_WIDTH - QR_SIDE) / 2.0 + QUIET_ZONE as f32 * module;
    let top = top - QUIET_ZONE as f32 * module;
    layer.set_fill_color(Color::Rgb(Rgb::new(0.0, 0.0, 0.0, None)));
    for (row, modules) in code.to_colors().chunks(width).enumerate() {
        let y = top - (row + 1) as f32 * module;
        for (start, length) in dark_runs(modules) {
            let x = left + start as f32 * module;
            layer.add_rect(Rect::new(Mm(x), Mm(y), Mm(x + length as f32 * module), Mm(y + module)));
        }
    }
    Ok(())
}

/// The runs of dark modules in a row: (first module, length).
fn dark_runs(row: &[Module]) -> Vec<(usize, usize)> {
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for (n, module) in row.iter().enumerate() {
        if *module != Module::Dark {
            continue;
        }
        match runs.last_mut() {
            Some((start, length)) if *start + *length == n => *length += 1,
            _ => runs.push((n, 1)),
        }
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_join_neighbouring_dark_modules() {
        let (d, l) = (Module::Dark, Module::Light);
        assert_eq!(dark_runs(&[d, d, l, d, l, l, d, d, d]), [(0, 2), (3, 1), (6, 3)]);
        assert!(dark_runs(&[l, l]).is_empty());
    }

    #[test]
    fn long_names_break_into_lines_that_fit() {
        let name = "Trung tâm Phục vụ hành chính công và Xúc tiến đầu tư, thương mại, du lịch tỉnh An Lạc";
        let broken = lines(name, 22.0, true, PAGE_WIDTH - 2.0 * MARGIN);
        assert!(broken.len() > 1);
        assert!(broken.iter().all(|l| text_width(l, 22.0, true) <= PAGE_WIDTH - 2.0 * MARGIN), "{broken:?}");
        assert_eq!(broken.join(" "), name);
        // Vietnamese letters have their own widths in the font, never zero.
        assert!(text_width("Phường", 12.0, false) > text_width("Phuong", 12.0, false) * 0.9);
        assert!(text_width("ạ", 12.0, false) > 0.0);
    }
}
