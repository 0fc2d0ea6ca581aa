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
    let extension = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    let zip = bytes.starts_with(b"PK\x03\x04");
    let found = match extension.as_str() {
        "pdf" if bytes.starts_with(b"%PDF-") => Some("application/pdf"),
        "docx" if zip => Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        "xlsx" if zip => Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        "png" if bytes.starts_with(b"\x89PNG\r\n\x1a\n") => Some("image/png"),
        "jpg" | "jpeg" if bytes.starts_with(b"\xFF\xD8\xFF") => Some("image/jpeg"),
        _ => None,
    };
    found.ok_or_else(|| format!("Tệp «{name}» không phải PDF, DOCX, XLSX, PNG hoặc JPEG (hoặc nội dung không khớp với phần mở rộng)."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_judged_by_content_and_extension() {
        assert_eq!(media_type("QĐ 12.pdf", b"%PDF-1.7 ..."), Ok("application/pdf"));
        assert_eq!(media_type("anh.JPG", b"\xFF\xD8\xFF\xE0"), Ok("image/jpeg"));
        assert!(media_type("bao-cao.docx", b"PK\x03\x04....").unwrap().contains("wordprocessingml"));
        assert!(media_type("virus.pdf", b"MZ\x90\x00").is_err(), "an executable named .pdf");
        assert!(media_type("script.exe", b"%PDF-1.7").is_err());
        assert!(media_type("rong.pdf", b"").unwrap_err().contains("rỗng"));
        assert!(media_type("lon.pdf", &vec![b'%'; MAX_BYTES + 1]).unwrap_err().contains("20 MB"));
    }
}
