//! Files attached to articles and documents, and uploaded videos, accepted by what their bytes
//! are, never by the name or type the browser sent: the portal serves them back to everyone.

/// Largest attachment, in bytes (a scanned decision of a few dozen pages).
pub const MAX_ATTACHMENT_BYTES: usize = 30 * 1024 * 1024;
/// Largest uploaded video, in bytes: a short clip; longer ones are linked.
pub const MAX_VIDEO_BYTES: usize = 100 * 1024 * 1024;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FileError {
    #[error("Tệp quá lớn (tối đa {} MB).", .0 / 1024 / 1024)]
    TooLarge(usize),
    #[error("Chỉ nhận tệp PDF, Word, Excel, PowerPoint, ảnh JPEG/PNG hoặc tệp nén ZIP.")]
    NotADocument,
    #[error("Chỉ nhận video MP4.")]
    NotAVideo,
}

/// The media type of an attachment, read from its first bytes and its name's ending (the
/// Office formats are ZIP or OLE containers, told apart by the ending).
pub fn attachment_type(name: &str, bytes: &[u8]) -> Result<&'static str, FileError> {
    if bytes.len() > MAX_ATTACHMENT_BYTES {
        return Err(FileError::TooLarge(MAX_ATTACHMENT_BYTES));
    }
    let ending = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    let zip = bytes.starts_with(b"PK\x03\x04");
    let ole = bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
    let found = match ending.as_str() {
        "pdf" if bytes.starts_with(b"%PDF-") => "application/pdf",
        "docx" if zip => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx" if zip => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "pptx" if zip => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "zip" if zip => "application/zip",
        "doc" if ole => "application/msword",
        "xls" if ole => "application/vnd.ms-excel",
        "ppt" if ole => "application/vnd.ms-powerpoint",
        "jpg" | "jpeg" if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) => "image/jpeg",
        "png" if bytes.starts_with(b"\x89PNG\r\n\x1a\n") => "image/png",
        _ => return Err(FileError::NotADocument),
    };
    Ok(found)
}

/// Whether the bytes are an MP4 video: an ISO base media file whose first box is `ftyp` with a
/// brand browsers play.
pub fn check_video(bytes: &[u8]) -> Result<(), FileError> {
    if bytes.len() > MAX_VIDEO_BYTES {
        return Err(FileError::TooLarge(MAX_VIDEO_BYTES));
    }
    let brand = bytes.get(8..12).filter(|_| bytes.get(4..8) == Some(b"ftyp"));
    match brand {
        Some(b"isom" | b"iso2" | b"iso4" | b"iso5" | b"iso6" | b"mp41" | b"mp42" | b"avc1" | b"M4V " | b"dash") => Ok(()),
        _ => Err(FileError::NotAVideo),
    }
}

/// A file name as it may be offered for download: the last path part, printable, at most 120
/// characters, never empty.
pub fn safe_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or("");
    let kept: String = last.chars().filter(|c| !c.is_control() && !matches!(c, '"' | ';')).take(120).collect();
    let kept = kept.trim().trim_start_matches('.').to_string();
    if kept.is_empty() { "tep-dinh-kem".into() } else { kept }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_known_by_their_bytes() {
        assert_eq!(attachment_type("QD 3509.PDF", b"%PDF-1.7 ..."), Ok("application/pdf"));
        assert_eq!(attachment_type("ke-hoach.docx", b"PK\x03\x04rest").unwrap(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
        assert_eq!(attachment_type("bieu.xls", &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0]), Ok("application/vnd.ms-excel"));
        // A page of script named as a PDF, or a program named as a picture, is refused.
        assert_eq!(attachment_type("qd.pdf", b"<html><script>"), Err(FileError::NotADocument));
        assert_eq!(attachment_type("anh.png", b"MZ\x90\x00"), Err(FileError::NotADocument));
        assert_eq!(attachment_type("trang.html", b"%PDF-"), Err(FileError::NotADocument));
        assert_eq!(attachment_type("x.pdf", &vec![b'%'; MAX_ATTACHMENT_BYTES + 1]), Err(FileError::TooLarge(MAX_ATTACHMENT_BYTES)));
    }

    #[test]
    fn a_video_is_an_mp4_box() {
        let mut mp4 = vec![0, 0, 0, 24];
        mp4.extend_from_slice(b"ftypisom\0\0\x02\0isomiso2");
        assert_eq!(check_video(&mp4), Ok(()));
        assert_eq!(check_video(b"\0\0\0\x18ftypqt  "), Err(FileError::NotAVideo));
        assert_eq!(check_video(b"RIFF....AVI "), Err(FileError::NotAVideo));
        assert_eq!(check_video(b""), Err(FileError::NotAVideo));
    }

    #[test]
    fn names_are_made_safe_to_offer() {
        assert_eq!(safe_name("C:\\Users\\a\\Quyết định 01.pdf"), "Quyết định 01.pdf");
        assert_eq!(safe_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_name("a\"b;\r\n.pdf"), "ab.pdf");
        assert_eq!(safe_name("..."), "tep-dinh-kem");
    }
}
