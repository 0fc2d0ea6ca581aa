//! Uploaded pictures, decoded under limits and re-encoded as JPEG in the widths the portal
//! serves: a phone takes the small one. Re-encoding also drops whatever the file carried beside
//! the picture (the camera's location among it).

use std::io::Cursor;

use image::imageops::FilterType;
use image::{DynamicImage, ImageFormat, ImageReader, Limits};

/// The widths served, smallest first (`srcset`); a picture is never enlarged.
pub const WIDTHS: [u32; 3] = [320, 640, 1280];
/// Largest upload read, in bytes.
pub const MAX_BYTES: usize = 15 * 1024 * 1024;
/// Largest side decoded, in pixels: a 40-megapixel photo, not a decompression bomb.
const MAX_SIDE: u32 = 8_000;
/// Most memory the decoder may take.
const MAX_ALLOC: u64 = 256 * 1024 * 1024;
const QUALITY: u8 = 82;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ImageError {
    #[error("Ảnh quá lớn (tối đa {} MB).", MAX_BYTES / 1024 / 1024)]
    TooLarge,
    #[error("Chỉ nhận ảnh JPEG, PNG hoặc WebP.")]
    NotAnImage,
    #[error("Ảnh có kích thước quá lớn (tối đa {MAX_SIDE} điểm ảnh mỗi chiều) hoặc bị hỏng.")]
    Unreadable,
}

/// One width of a picture.
#[derive(Clone, Debug)]
pub struct Variant {
    pub width: u32,
    pub height: u32,
    pub jpeg: Vec<u8>,
}

/// The picture in every served width up to its own (at least one), smallest first.
pub fn variants(bytes: &[u8]) -> Result<Vec<Variant>, ImageError> {
    if bytes.len() > MAX_BYTES {
        return Err(ImageError::TooLarge);
    }
    let format = image::guess_format(bytes).map_err(|_| ImageError::NotAnImage)?;
    if !matches!(format, ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP) {
        return Err(ImageError::NotAnImage);
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits);
    let picture = reader.decode().map_err(|_| ImageError::Unreadable)?;
    let own = picture.width();
    let mut widths: Vec<u32> = WIDTHS.iter().copied().filter(|w| *w < own).collect();
    if widths.len() < WIDTHS.len() {
        widths.push(own.min(WIDTHS[WIDTHS.len() - 1]));
    }
    widths.into_iter().map(|w| encode(&picture, w)).collect()
}

fn encode(picture: &DynamicImage, width: u32) -> Result<Variant, ImageError> {
    let height = ((u64::from(picture.height()) * u64::from(width)) / u64::from(picture.width().max(1))).max(1) as u32;
    let sized = if width == picture.width() { picture.clone() } else { picture.resize_exact(width, height, FilterType::Triangle) };
    // JPEG has no transparency: what was transparent becomes white, as on the page.
    let rgb = flatten_on_white(&sized);
    let mut jpeg = Vec::new();
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, QUALITY);
    rgb.write_with_encoder(encoder).map_err(|_| ImageError::Unreadable)?;
    Ok(Variant { width, height, jpeg })
}

fn flatten_on_white(picture: &DynamicImage) -> image::RgbImage {
    let rgba = picture.to_rgba8();
    image::RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        let over = |c: u8| ((u16::from(c) * u16::from(a) + 255 * (255 - u16::from(a))) / 255) as u8;
        image::Rgb([over(r), over(g), over(b)])
    })
}

/// A picture drawn here rather than shipped: the demo's illustrations, in the portal's colours.
pub fn illustration(width: u32, height: u32, hue: u8) -> Vec<u8> {
    let picture = image::RgbImage::from_fn(width, height, |x, y| {
        let t = (x * 255 / width.max(1)) as u8;
        let s = (y * 255 / height.max(1)) as u8;
        image::Rgb([hue.wrapping_add(t / 3), 90u8.wrapping_add(s / 4), 140u8.wrapping_add(t / 4)])
    });
    let mut png = Vec::new();
    DynamicImage::ImageRgb8(picture).write_to(&mut Cursor::new(&mut png), ImageFormat::Png).expect("a picture in memory encodes");
    png
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        illustration(width, height, 20)
    }

    #[test]
    fn a_large_picture_comes_in_every_width() {
        let out = variants(&png(2000, 1000)).unwrap();
        let sizes: Vec<(u32, u32)> = out.iter().map(|v| (v.width, v.height)).collect();
        assert_eq!(sizes, [(320, 160), (640, 320), (1280, 640)]);
        for v in &out {
            assert_eq!(image::guess_format(&v.jpeg).unwrap(), ImageFormat::Jpeg);
            let back = image::load_from_memory(&v.jpeg).unwrap();
            assert_eq!((back.width(), back.height()), (v.width, v.height));
        }
    }

    #[test]
    fn a_small_picture_is_never_enlarged() {
        let out = variants(&png(500, 250)).unwrap();
        let widths: Vec<u32> = out.iter().map(|v| v.width).collect();
        assert_eq!(widths, [320, 500]);
        assert_eq!(variants(&png(100, 100)).unwrap().iter().map(|v| v.width).collect::<Vec<_>>(), [100]);
    }

    #[test]
    fn hostile_files_are_refused() {
        assert_eq!(variants(b"<svg onload=alert(1)>").unwrap_err(), ImageError::NotAnImage);
        assert_eq!(variants(b"GIF89a....").unwrap_err(), ImageError::NotAnImage);
        let mut truncated = png(400, 400);
        truncated.truncate(60);
        assert_eq!(variants(&truncated).unwrap_err(), ImageError::Unreadable);
        assert_eq!(variants(&vec![0u8; MAX_BYTES + 1]).unwrap_err(), ImageError::TooLarge);
    }

    /// A PNG whose header claims 100,000 × 100,000 pixels (40 GB decoded) in a few bytes: the
    /// limits refuse it before any memory is taken.
    #[test]
    fn a_decompression_bomb_is_refused_by_its_header() {
        let mut bomb = png(10, 10);
        // IHDR's width and height follow the 8-byte signature, the chunk length and its name.
        bomb[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        assert_eq!(variants(&bomb).unwrap_err(), ImageError::Unreadable);
    }
}
