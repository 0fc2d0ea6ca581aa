//! Evidence documents (tài liệu kiểm chứng): which files are taken, judged by their content and
//! not only their name, and how large.

/// The largest evidence file taken: scanned decisions run to a few megabytes.
pub const MAX_BYTES: usize = 20 * 1024 * 1024;

/// The media type of an evidence file, or why it is refused.
pub fn media_type(name: &str, bytes: &[u8]) -> Result<&'static str, String> {
    if bytes.is_empty() {
        return Err(format!("Tệp «{name}» rỗng."));
    }
    if bytes.len() > MAX_BYTES {
        return Err(format!("Tệp «{name}» lớn hơn {} MB.", MAX_BYTES / 1024 / 1024));
    }
    if looks_like_html(bytes) {
        return Err(format!("Tệp «{name}» chứa mã trang web (HTML), không phải tài liệu kiểm chứng."));
    }
    let extension = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    let zip = bytes.starts_with(b"PK\x03\x04");
    let found = match extension.as_str() {
        "pdf" if is_pdf(bytes) => Some("application/pdf"),
        "docx" if zip => Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        "xlsx" if zip => Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        "png" if bytes.starts_with(b"\x89PNG\r\n\x1a\n") => Some("image/png"),
        "jpg" | "jpeg" if bytes.starts_with(b"\xFF\xD8\xFF") => Some("image/jpeg"),
        _ => None,
    };
    found.ok_or_else(|| format!("Tệp «{name}» không phải PDF, DOCX, XLSX, PNG hoặc JPEG (hoặc nội dung không khớp với phần mở rộng)."))
}

/// A file name as shown and offered for download: no path, no control characters, at most 200
/// characters.
pub fn file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = crate::text::clean(base).chars().filter(|c| !c.is_control()).take(200).collect();
    if cleaned.is_empty() { "tai-lieu".into() } else { cleaned }
}

/// A PDF starts with its version (`%PDF-1.7`) and ends with `%%EOF` (give or take trailing
/// blanks and junk that readers tolerate within the last kilobyte).
fn is_pdf(bytes: &[u8]) -> bool {
    let version = bytes.get(5..8).is_some_and(|v| v[0].is_ascii_digit() && v[1] == b'.' && v[2].is_ascii_digit());
    let tail = &bytes[bytes.len().saturating_sub(1024)..];
    bytes.starts_with(b"%PDF-") && version && tail.windows(5).any(|w| w == b"%%EOF")
}

/// Whether the start of a file, where browsers look to guess what it is, holds HTML or SVG
/// markup: such a file could run script in an official's browser if ever shown as a page.
fn looks_like_html(bytes: &[u8]) -> bool {
    let head = bytes[..bytes.len().min(1024)].to_ascii_lowercase();
    [&b"<html"[..], b"<!doctype", b"<script", b"<body", b"<head", b"<iframe", b"<svg", b"<?xml-stylesheet", b"javascript:"]
        .iter()
        .any(|marker| head.windows(marker.len()).any(|w| w == *marker))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_judged_by_content_and_extension() {
        assert_eq!(media_type("QĐ 12.pdf", b"%PDF-1.7 ...\n%%EOF\n"), Ok("application/pdf"));
        assert_eq!(media_type("anh.JPG", b"\xFF\xD8\xFF\xE0"), Ok("image/jpeg"));
        assert!(media_type("bao-cao.docx", b"PK\x03\x04....").unwrap().contains("wordprocessingml"));
        assert!(media_type("virus.pdf", b"MZ\x90\x00").is_err(), "an executable named .pdf");
        assert!(media_type("script.exe", b"%PDF-1.7\n%%EOF").is_err());
        assert!(media_type("cut.pdf", b"%PDF-1.7 ... no end").is_err(), "a PDF without its end");
        assert!(media_type("rong.pdf", b"").unwrap_err().contains("rỗng"));
        assert!(media_type("lon.pdf", &vec![b'%'; MAX_BYTES + 1]).unwrap_err().contains("20 MB"));
    }

    #[test]
    fn names_lose_their_path_and_control_characters() {
        assert_eq!(file_name("C:\\Users\\a\\QĐ 12.pdf"), "QĐ 12.pdf");
        assert_eq!(file_name("../../etc/passwd"), "passwd");
        assert_eq!(file_name("a\u{0}b.pdf"), "ab.pdf");
        assert_eq!(file_name("dir/"), "tai-lieu");
        assert_eq!(file_name(&"x".repeat(300)).chars().count(), 200);
    }

    #[test]
    fn html_dressed_as_a_document_is_refused() {
        let polyglot = b"%PDF-1.4\n<html><body><script>alert(document.cookie)</script></body></html>\n%%EOF\n";
        assert!(media_type("qd.pdf", polyglot).unwrap_err().contains("HTML"));
        assert!(media_type("qd.pdf", b"%PDF-<!DOCTYPE html><p>x</p>%%EOF").is_err());
        assert!(media_type("anh.png", b"\x89PNG\r\n\x1a\n<SVG onload=alert(1)>").is_err());
    }
}
